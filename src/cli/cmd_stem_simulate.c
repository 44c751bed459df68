/*
 * cmd_stem_simulate.c — `dac stem simulate STRUCTURE -o IMAGE.tif [options]`.
 *
 * Reads a structure, renders its HAADF image with dac_stem_sim_render, and writes three
 * files side by side: IMAGE.tif (float32, ImageJ scale), IMAGE.truth.csv (every metal
 * atom drawn, with its site copy) and IMAGE.json (every parameter, the seed and the
 * counts), plus IMAGE.png with --png. IMAGE is the output path without .tif/.tiff.
 * The files are written by the library as one set (dac_stem_sim_write). No science
 * and no writer here: option parsing and messages.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/parse.h"
#include "dac/image.h"
#include "dac/stem.h"
#include "dac/struct.h"

static const char *CMD = "stem simulate";

static void help(FILE *f)
{
    fprintf(f,
        "usage: dac stem simulate STRUCTURE -o IMAGE.tif [options]\n\n"
        "Renders the incoherent HAADF-STEM image of a structure (any format `dac struct`\n"
        "reads) and writes IMAGE.tif, IMAGE.truth.csv and IMAGE.json (docs/stem-simulate.md).\n\n"
        "geometry:\n"
        "  -o, --output PATH        image, ending in .tif or .tiff (TIFF float32 with scale);\n"
        "                           required\n"
        "      --format NAME        structure format (xyz, extxyz, poscar, cif); default: from name\n"
        "      --view x|y|z|A,B,C   beam direction (default z); A,B,C is a Cartesian\n"
        "                           vector (x, y, z components), not a zone axis [uvw]\n"
        "      --fov W[,H]          field of view, Å (default: the projected cell, widened to\n"
        "                           the atoms + margin where the cell is not periodic)\n"
        "      --margin A           margin around the atoms on non-periodic axes, Å (default 5)\n"
        "      --pixel A            pixel size, Å (default 0.2)\n"
        "probe:\n"
        "      --kv KV              accelerating voltage, kV (default 300)\n"
        "      --alpha MRAD         probe semi-angle, mrad (default 25)\n"
        "      --defocus A          defocus, Å (default 0)\n"
        "      --cs MM              spherical aberration, mm (default 0)\n"
        "      --source-fwhm A      Gaussian source size, Å FWHM (default 0.7)\n"
        "      --probe-fwhm A       use a plain Gaussian probe of this FWHM instead\n"
        "contrast and support:\n"
        "      --zpower N           σ ∝ Z^N (normalised to carbon) instead of the table\n"
        "      --support-thickness A    amorphous carbon slab, mean thickness Å (default 0)\n"
        "      --support-roughness R    relative rms thickness variation (default 0.1)\n"
        "      --support-correlation A  correlation length of that variation, Å (default 5)\n"
        "      --support-density RHO    g/cm³ (default 2.0)\n"
        "noise and scan:\n"
        "      --dose D             e⁻/Å² (default 1e6, at most 1e15); 'inf' for a noiseless\n"
        "                           image (then no gain, offset or read noise)\n"
        "      --gain G             counts per detected electron (default 1)\n"
        "      --offset C           counts added to every pixel (default 0)\n"
        "      --read-noise C       Gaussian read noise, rms counts (default 0)\n"
        "      --jitter PX          rms horizontal shift per scan line, px (default 0)\n"
        "      --drift PX           horizontal drift over the frame, px (default 0)\n"
        "      --seed N             random seed (default 0); same seed, same bytes (same\n"
        "                           build, same CPU)\n"
        "output:\n"
        "      --png                also write IMAGE.png (8-bit, 0.5–99.5 %% stretch)\n"
        "  -q, --quiet              no progress bar, errors only\n"
        "  -h, --help               this help\n");
}

enum {
    O_FORMAT = 256, O_VIEW, O_FOV, O_MARGIN, O_PIXEL, O_KV, O_ALPHA, O_DEFOCUS, O_CS,
    O_SOURCE, O_PROBE, O_ZPOWER, O_ST, O_SR, O_SC, O_SD, O_DOSE, O_GAIN, O_OFFSET,
    O_READ, O_JITTER, O_DRIFT, O_SEED, O_PNG
};

static const struct option long_opts[] = {
    {"output", required_argument, 0, 'o'}, {"format", required_argument, 0, O_FORMAT},
    {"view", required_argument, 0, O_VIEW}, {"fov", required_argument, 0, O_FOV},
    {"margin", required_argument, 0, O_MARGIN}, {"pixel", required_argument, 0, O_PIXEL},
    {"kv", required_argument, 0, O_KV}, {"alpha", required_argument, 0, O_ALPHA},
    {"defocus", required_argument, 0, O_DEFOCUS}, {"cs", required_argument, 0, O_CS},
    {"source-fwhm", required_argument, 0, O_SOURCE}, {"probe-fwhm", required_argument, 0, O_PROBE},
    {"zpower", required_argument, 0, O_ZPOWER},
    {"support-thickness", required_argument, 0, O_ST},
    {"support-roughness", required_argument, 0, O_SR},
    {"support-correlation", required_argument, 0, O_SC},
    {"support-density", required_argument, 0, O_SD},
    {"dose", required_argument, 0, O_DOSE}, {"gain", required_argument, 0, O_GAIN},
    {"offset", required_argument, 0, O_OFFSET}, {"read-noise", required_argument, 0, O_READ},
    {"jitter", required_argument, 0, O_JITTER}, {"drift", required_argument, 0, O_DRIFT},
    {"seed", required_argument, 0, O_SEED}, {"png", no_argument, 0, O_PNG},
    {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};

/* IMAGE.tif or IMAGE.tiff with a non-empty IMAGE (the truth and JSON are named from it). */
static int is_tiff_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    return dot && dot > base && dac_image_format_from_path(path) == DAC_IMAGE_FORMAT_TIFF;
}

/* "A" or "A,B[,C]" into up to n numbers; returns the count or −1. */
static int parse_list(const char *text, double *v, int n)
{
    char buf[256];
    if (strlen(text) >= sizeof buf)
        return -1;
    strcpy(buf, text);
    int k = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (k == n || dac_parse_double(tok, &v[k]) != DAC_OK)
            return -1;
        k++;
    }
    return k;
}

static int parse_view(const char *text, double v[3])
{
    v[0] = v[1] = v[2] = 0;
    if (!strcmp(text, "x") || !strcmp(text, "y") || !strcmp(text, "z")) {
        v[text[0] - 'x'] = 1;
        return 0;
    }
    if (parse_list(text, v, 3) != 3 || (v[0] == 0 && v[1] == 0 && v[2] == 0))
        return cli_usage_error(CMD, "option --view: expected x, y, z or a non-zero vector "
                               "A,B,C, got '%s'", text);
    return 0;
}

typedef struct {
    const char *structure, *output, *format;
    uint64_t seed;
    int png;
    dac_stem_options opt;
} sim_args;

static int parse_number_option(int c, const char *arg, dac_stem_options *o)
{
    static const struct { int c; const char *name; size_t offset; } table[] = {
#define F(code, name, field) {code, name, offsetof(dac_stem_options, field)}
        F(O_MARGIN, "--margin", margin_A), F(O_PIXEL, "--pixel", pixel_A),
        F(O_KV, "--kv", probe.voltage_kV), F(O_ALPHA, "--alpha", probe.alpha_mrad),
        F(O_DEFOCUS, "--defocus", probe.defocus_A), F(O_CS, "--cs", probe.cs_mm),
        F(O_SOURCE, "--source-fwhm", probe.source_fwhm_A),
        F(O_PROBE, "--probe-fwhm", probe.gaussian_fwhm_A), F(O_ZPOWER, "--zpower", zpower),
        F(O_ST, "--support-thickness", support_thickness_A),
        F(O_SR, "--support-roughness", support_roughness),
        F(O_SC, "--support-correlation", support_correlation_A),
        F(O_SD, "--support-density", support_density_g_cm3), F(O_GAIN, "--gain", gain),
        F(O_OFFSET, "--offset", offset), F(O_READ, "--read-noise", read_noise),
        F(O_JITTER, "--jitter", jitter_px), F(O_DRIFT, "--drift", drift_px),
#undef F
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].c == c)
            return cli_parse_double(CMD, table[i].name, arg,
                                    (double *)((char *)o + table[i].offset));
    return cli_usage_error(CMD, "internal: unhandled option");
}

static int parse_args(int argc, char **argv, sim_args *a, int *done)
{
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", long_opts, NULL)) != -1) {
        int st = 0;
        double fov[2];
        switch (c) {
        case 'o': a->output = optarg; break;
        case 'q': cli_quiet = 1; break;
        case 'h': help(stdout); *done = 1; return 0;
        case O_FORMAT: a->format = optarg; break;
        case O_PNG: a->png = 1; break;
        case O_SEED: st = cli_parse_seed(CMD, optarg, &a->seed); break;
        case O_VIEW: st = parse_view(optarg, a->opt.view); break;
        case O_FOV: {
            int k = parse_list(optarg, fov, 2);
            if (k < 1 || fov[0] <= 0 || (k == 2 && fov[1] <= 0))
                return cli_usage_error(CMD, "option --fov: expected W or W,H in Å (> 0), "
                                       "got '%s'", optarg);
            a->opt.fov_A[0] = fov[0];
            a->opt.fov_A[1] = k == 2 ? fov[1] : fov[0];
            break;
        }
        case O_DOSE:
            if (!strcmp(optarg, "inf") || !strcmp(optarg, "infinity"))
                a->opt.dose_e_A2 = INFINITY;
            else
                st = cli_parse_double(CMD, "--dose", optarg, &a->opt.dose_e_A2);
            break;
        case ':':
        case '?': return cli_bad_option(CMD, c, argv);
        default: st = parse_number_option(c, optarg, &a->opt); break;
        }
        if (st)
            return st;
    }
    if (optind != argc - 1)
        return cli_usage_error(CMD, optind >= argc ? "expected one STRUCTURE file"
                                                   : "expected one STRUCTURE file, got more");
    a->structure = argv[optind];
    if (!a->output || !strcmp(a->output, "-"))
        return cli_usage_error(CMD, "-o IMAGE.tif is required (a file: the truth and JSON "
                               "files are written next to it)");
    if (!is_tiff_name(a->output))
        return cli_usage_error(CMD, "option -o: expected IMAGE.tif or IMAGE.tiff, got '%s' (the "
                               "image is a TIFF; the truth and JSON names are made from IMAGE)",
                               a->output);
    if (dac_stem_options_check(&a->opt) != DAC_OK)
        return cli_usage_error(CMD, "%s", dac_last_error());
    return 0;
}

static int run(sim_args *a)
{
    dac_structure *s = NULL;
    dac_stem_sim *sim = NULL;
    dac_image *img = NULL;
    dac_stem_truth *truth = NULL;
    dac_stem_frame frame;
    dac_struct_format fmt = a->format ? dac_struct_format_from_name(a->format) : DAC_FORMAT_AUTO;
    if (a->format && fmt == DAC_FORMAT_AUTO)
        return cli_usage_error(CMD, "option --format: unknown format '%s'", a->format);
    int st = dac_struct_read(a->structure, fmt, &s);
    if (!st)
        st = dac_stem_frame_compute(&a->opt, s, &frame);
    if (!st)
        st = dac_stem_sim_create(&a->opt, frame.width, frame.height, &sim);
    if (!st) {
        cli_progress *bar = cli_progress_create("simulate", cli_quiet);
        dac_stem_sim_set_progress(sim, cli_progress_update, bar);
        st = dac_stem_sim_render(sim, s, a->seed, &img, &truth);
        cli_progress_free(bar);
    }
    const char *inputs[1] = {a->structure};
    dac_provenance prov = cli_provenance(1, a->seed, 1, inputs);
    if (!st)
        st = dac_stem_sim_write(sim, img, truth, a->output, a->png, &prov);
    if (!st && !cli_quiet)
        fprintf(stderr, "dac stem simulate: %zu×%zu px, %zu metal atoms; sites wholly in the "
                "image: %zu single, %zu pair, %zu cluster (%zu more cut by the edge) → %s\n",
                img->width, img->height, truth->n_atoms, truth->site_count[DAC_SITE_SINGLE],
                truth->site_count[DAC_SITE_PAIR], truth->site_count[DAC_SITE_CLUSTER],
                truth->site_count_incomplete[DAC_SITE_SINGLE] +
                    truth->site_count_incomplete[DAC_SITE_PAIR] +
                    truth->site_count_incomplete[DAC_SITE_CLUSTER],
                a->output);
    int rc = st ? cli_fail(st) : 0;
    if (!st)
        cli_print_warnings();
    dac_stem_truth_free(truth);
    dac_image_free(img);
    dac_stem_sim_free(sim);
    dac_structure_free(s);
    return rc;
}

int cmd_stem_simulate(int argc, char **argv)
{
    sim_args a = {0};
    dac_stem_options_default(&a.opt);
    int done = 0;
    int st = parse_args(argc, argv, &a, &done);
    if (st || done)
        return st;
    return run(&a);
}

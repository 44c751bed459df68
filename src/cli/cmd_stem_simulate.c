/*
 * cmd_stem_simulate.c — `dac stem simulate STRUCTURE -o IMAGE.tif [options]`.
 *
 * Reads a structure, renders its HAADF image with dac_stem_sim_render, and writes three
 * files side by side: IMAGE.tif (float32, ImageJ scale), IMAGE.truth.csv (every metal
 * atom drawn, with its site copy) and IMAGE.json (every parameter, the seed and the
 * counts), plus IMAGE.png with --png. IMAGE is the output path without .tif/.tiff.
 * The files are atomic as a set: all are written to temporaries first and renamed only
 * when every one succeeded, so a failure leaves none of them (a stale truth next to a
 * new image would score the wrong answer). No science here: option parsing, file names
 * and the JSON record.
 */
#include <cJSON.h>
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

/* Length of the .tif/.tiff extension of path (any case), 0 if none. */
static size_t tiff_extension(const char *path)
{
    size_t n = strlen(path);
    const char *exts[] = {".tif", ".tiff"};
    for (size_t i = 0; i < 2; i++) {
        size_t m = strlen(exts[i]);
        if (n > m && path[n - m - 1] != '/' && !strcasecmp(path + n - m, exts[i]))
            return m;
    }
    return 0;
}

static int has_tiff_extension(const char *path) { return tiff_extension(path) > 0; }

/* "A" or "A,B[,C]" into up to n numbers; returns the count or −1. */
static int parse_list(const char *text, double *v, int n)
{
    char buf[256];
    if (strlen(text) >= sizeof buf)
        return -1;
    strcpy(buf, text);
    int k = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
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
        case ':': return cli_usage_error(CMD, "option %s needs a value", argv[optind - 1]);
        case '?': return cli_usage_error(CMD, "unknown option '%s'", argv[optind - 1]);
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
    if (!has_tiff_extension(a->output))
        return cli_usage_error(CMD, "option -o: expected IMAGE.tif or IMAGE.tiff, got '%s' (the "
                               "image is a TIFF; the truth and JSON names are made from IMAGE)",
                               a->output);
    if (dac_stem_options_check(&a->opt) != DAC_OK)
        return cli_usage_error(CMD, "%s", dac_last_error());
    return 0;
}

/* IMAGE.tif → "IMAGE". */
static char *output_base(const char *path)
{
    size_t n = strlen(path) - tiff_extension(path);
    char *b = malloc(n + 1);
    if (!b)
        return NULL;
    memcpy(b, path, n);
    b[n] = '\0';
    return b;
}

static char *join(const char *base, const char *suffix)
{
    char *p = malloc(strlen(base) + strlen(suffix) + 1);
    if (p)
        sprintf(p, "%s%s", base, suffix);
    return p;
}

static cJSON *number_or_string(double v)
{
    /* JSON has no infinity: the noiseless dose is written as the string "inf". */
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateString(v > 0 ? "inf" : "nan");
}

static void add_numbers(cJSON *obj, const char *const *keys, const double *values, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToObject(obj, keys[i], number_or_string(values[i]));
}

static void add_counts(cJSON *root, const char *key, const size_t *count)
{
    cJSON *o = cJSON_AddObjectToObject(root, key);
    cJSON_AddNumberToObject(o, "single", (double)count[DAC_SITE_SINGLE]);
    cJSON_AddNumberToObject(o, "pair", (double)count[DAC_SITE_PAIR]);
    cJSON_AddNumberToObject(o, "cluster", (double)count[DAC_SITE_CLUSTER]);
}

/* Every parameter, the seed, the frame and the counts: enough to rerun and to score.
 * Returns the text (cJSON_free it) or NULL when out of memory. */
static char *json_text(const sim_args *a, const dac_stem_frame *f, const dac_stem_sim *sim,
                       const dac_image *img, const dac_stem_truth *t)
{
    const dac_stem_options *o = &a->opt;
    cJSON *root = cJSON_CreateObject();
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)a->seed);
    cJSON_AddStringToObject(root, "software", "dac " DAC_VERSION);
    cJSON_AddStringToObject(root, "command", "stem simulate");
    cJSON_AddStringToObject(root, "structure", a->structure);
    cJSON_AddStringToObject(root, "image", a->output);
    cJSON_AddItemToObject(root, "seed", cJSON_CreateRaw(seed));
    cJSON_AddNumberToObject(root, "width_px", (double)img->width);
    cJSON_AddNumberToObject(root, "height_px", (double)img->height);
    cJSON_AddNumberToObject(root, "pixel_A", o->pixel_A);
    cJSON_AddStringToObject(root, "pixel_coordinates",
                            "pixel centres at integers, origin at the centre of the top-left "
                            "pixel, x = column (right), y = row (down)");
    cJSON_AddStringToObject(root, "intensity_unit",
                            isinf(o->dose_e_A2) ? "detected fraction of the incident beam"
                                                : "counts (gain × detected electrons + offset)");
    cJSON_AddItemToObject(root, "view", cJSON_CreateDoubleArray(f->view, 3));
    cJSON_AddItemToObject(root, "image_x_axis", cJSON_CreateDoubleArray(f->e1, 3));
    cJSON_AddItemToObject(root, "image_y_axis", cJSON_CreateDoubleArray(f->e2, 3));
    double fov[2] = {img->width * o->pixel_A, img->height * o->pixel_A};
    cJSON_AddItemToObject(root, "fov_A", cJSON_CreateDoubleArray(fov, 2));
    cJSON_AddItemToObject(root, "origin_A", cJSON_CreateDoubleArray(f->origin_A, 2));
    cJSON_AddNumberToObject(root, "margin_A", o->margin_A);

    cJSON *probe = cJSON_AddObjectToObject(root, "probe");
    const dac_stem_probe *pr = dac_stem_sim_probe(sim);
    double fwhm = NAN;
    dac_stem_probe_fwhm(pr, &fwhm);
    const char *pk[] = {"voltage_kV", "wavelength_A", "alpha_mrad", "defocus_A", "cs_mm",
                        "source_fwhm_A", "gaussian_fwhm_A", "fwhm_A"};
    double pv[] = {o->probe.voltage_kV, dac_stem_probe_wavelength_A(pr), o->probe.alpha_mrad,
                   o->probe.defocus_A, o->probe.cs_mm, o->probe.source_fwhm_A,
                   o->probe.gaussian_fwhm_A, fwhm};
    add_numbers(probe, pk, pv, 8);

    cJSON *contrast = cJSON_AddObjectToObject(root, "contrast");
    cJSON_AddStringToObject(contrast, "model", o->zpower > 0 ? "zpower" : "table");
    cJSON_AddNumberToObject(contrast, "zpower", o->zpower);

    cJSON *support = cJSON_AddObjectToObject(root, "support");
    const char *sk[] = {"thickness_A", "roughness", "correlation_A", "density_g_cm3"};
    double sv[] = {o->support_thickness_A, o->support_roughness, o->support_correlation_A,
                   o->support_density_g_cm3};
    add_numbers(support, sk, sv, 4);

    cJSON *noise = cJSON_AddObjectToObject(root, "noise");
    const char *nk[] = {"dose_e_A2", "gain_counts_per_e", "offset_counts",
                        "read_noise_counts_rms", "jitter_px", "drift_px"};
    double nv[] = {o->dose_e_A2, o->gain, o->offset, o->read_noise, o->jitter_px, o->drift_px};
    add_numbers(noise, nk, nv, 6);
    if (isinf(o->dose_e_A2))
        cJSON_AddStringToObject(noise, "note", "infinite dose: noiseless image; shot noise, "
                                "gain, offset and read noise were not applied (jitter and "
                                "drift were)");

    /* Counts describe what was drawn: each periodic copy of a site in the image counts. */
    add_counts(root, "sites", t->site_count);
    add_counts(root, "sites_incomplete", t->site_count_incomplete);
    add_counts(root, "structure_sites", t->structure_site_count);
    cJSON_AddStringToObject(root, "sites_note",
                            "sites: site copies wholly inside the image, by kind; "
                            "sites_incomplete: copies cut by the image edge (or extended "
                            "networks); structure_sites: sites of the structure file itself");
    cJSON_AddNumberToObject(root, "metal_atoms_drawn", (double)t->n_atoms);
    cJSON_AddNumberToObject(root, "atoms_drawn", (double)t->n_atoms_total);
    cJSON_AddNumberToObject(root, "atoms_not_drawn", (double)t->n_atoms_not_drawn);
    cJSON_AddItemToObject(root, "expected_electrons", number_or_string(t->expected_electrons));

    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    return text;
}

/* One output file of the set: written to a temporary next to it, renamed at the end. */
typedef struct {
    const char *path;
    char *tmp;          /* image writers: a temporary path of ours */
    dac_outfile *out;   /* text files: core's atomic file, committed at the end */
    int done;           /* renamed into place */
} output;

/* A fresh temporary "PATH.tmp.XXXXXX" for a writer that takes a path. */
static int temp_path(output *o)
{
    size_t n = strlen(o->path) + 16;
    o->tmp = malloc(n);
    if (!o->tmp)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    snprintf(o->tmp, n, "%s.tmp.XXXXXX", o->path);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        int err = errno;
        free(o->tmp);
        o->tmp = NULL;
        return dac_error(DAC_ERR_RUNTIME, "cannot write %s: %s", o->path, strerror(err));
    }
    close(fd);
    return DAC_OK;
}

/* Fails early, before the render, when an output name is taken by a directory. */
static int check_outputs(output *outs, size_t n)
{
    struct stat sb;
    for (size_t i = 0; i < n; i++)
        if (outs[i].path && stat(outs[i].path, &sb) == 0 && S_ISDIR(sb.st_mode))
            return dac_error(DAC_ERR_RUNTIME, "cannot write %s: it is a directory",
                             outs[i].path);
    return DAC_OK;
}

/* Renames every temporary into place; if one fails, removes the ones already renamed
 * and the remaining temporaries, so the set is all or nothing. */
static int commit_outputs(output *outs, size_t n)
{
    int st = DAC_OK;
    for (size_t i = 0; i < n && !st; i++) {
        output *o = &outs[i];
        if (o->out) {
            st = dac_outfile_commit(o->out);
            o->out = NULL;
        } else if (o->tmp) {
            if (rename(o->tmp, o->path) != 0)
                st = dac_error(DAC_ERR_RUNTIME, "cannot create %s: %s", o->path,
                               strerror(errno));
        } else {
            continue;
        }
        o->done = !st;
    }
    if (st)
        for (size_t i = 0; i < n; i++)
            if (outs[i].done)
                remove(outs[i].path);
    return st;
}

/* Removes temporaries that were not renamed and frees the set. */
static void discard_outputs(output *outs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dac_outfile_abort(outs[i].out);
        if (outs[i].tmp && !outs[i].done)
            remove(outs[i].tmp);
        free(outs[i].tmp);
    }
}

/* Writes text into an open outfile's stream, checking for write errors. */
static int write_text(output *o, const char *text)
{
    FILE *fp = dac_outfile_stream(o->out);
    fputs(text, fp);
    fputc('\n', fp);
    if (fflush(fp) != 0 || ferror(fp))
        return dac_error(DAC_ERR_RUNTIME, "%s: write failed", o->path);
    return DAC_OK;
}

enum { OUT_TIFF, OUT_CSV, OUT_JSON, OUT_PNG, N_OUT };

/* Writes all outputs to temporaries, then renames them together. */
static int write_outputs(output *outs, const sim_args *a, const dac_stem_frame *f,
                         const dac_stem_sim *sim, dac_image *img, const dac_stem_truth *t)
{
    int st;
    dac_image_meta_set(img, "software", "dac " DAC_VERSION " stem simulate");
    if ((st = temp_path(&outs[OUT_TIFF])) ||
        (st = dac_image_write_tiff(outs[OUT_TIFF].tmp, img, DAC_SAMPLE_F32)))
        return st;
    if ((st = dac_outfile_open(&outs[OUT_CSV].out, outs[OUT_CSV].path)))
        return st;
    if (dac_stem_truth_write(dac_outfile_stream(outs[OUT_CSV].out), t) != DAC_OK)
        return dac_error(DAC_ERR_RUNTIME, "%s: write failed", outs[OUT_CSV].path);
    char *text = json_text(a, f, sim, img, t);
    if (!text)
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory formatting JSON", outs[OUT_JSON].path);
    st = dac_outfile_open(&outs[OUT_JSON].out, outs[OUT_JSON].path);
    if (!st)
        st = write_text(&outs[OUT_JSON], text);
    cJSON_free(text);
    if (st)
        return st;
    if (outs[OUT_PNG].path) {
        dac_png_options po;
        dac_png_options_default(&po);
        if ((st = temp_path(&outs[OUT_PNG])) ||
            (st = dac_image_write_png(outs[OUT_PNG].tmp, img, &po)))
            return st;
    }
    return commit_outputs(outs, N_OUT);
}

static int run(sim_args *a)
{
    dac_structure *s = NULL;
    dac_stem_sim *sim = NULL;
    dac_image *img = NULL;
    dac_stem_truth *truth = NULL;
    dac_stem_frame frame;
    char *base = output_base(a->output), *csv = NULL, *json = NULL, *png = NULL;
    output outs[N_OUT] = {{0}};
    int st = DAC_OK;
    dac_struct_format fmt = a->format ? dac_struct_format_from_name(a->format) : DAC_FORMAT_AUTO;
    if (a->format && fmt == DAC_FORMAT_AUTO) {
        free(base);
        return cli_usage_error(CMD, "option --format: unknown format '%s'", a->format);
    }
    if (!base || !(csv = join(base, ".truth.csv")) || !(json = join(base, ".json")) ||
        !(png = join(base, ".png")))
        st = dac_error(DAC_ERR_NOMEM, "out of memory");
    outs[OUT_TIFF].path = a->output;
    outs[OUT_CSV].path = csv;
    outs[OUT_JSON].path = json;
    outs[OUT_PNG].path = a->png ? png : NULL;
    if (!st)
        st = check_outputs(outs, N_OUT);
    if (!st)
        st = dac_struct_read(a->structure, fmt, &s);
    if (!st)
        st = dac_stem_frame_compute(&a->opt, s, &frame);
    if (!st)
        st = dac_stem_sim_create(&sim, &a->opt, frame.width, frame.height);
    if (!st) {
        dac_progress *bar = dac_progress_create("simulate", cli_quiet);
        dac_stem_sim_set_progress(sim, dac_progress_update, bar);
        st = dac_stem_sim_render(sim, s, a->seed, &img, &truth);
        dac_progress_free(bar);
    }
    if (!st)
        st = write_outputs(outs, a, &frame, sim, img, truth);
    discard_outputs(outs, N_OUT);
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
    free(base);
    free(csv);
    free(json);
    free(png);
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

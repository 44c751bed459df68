/*
 * cmd_stem_count.c — `dac stem count IMAGE… -o OUTDIR` and `dac stem score DET TRUTH`.
 *
 * count: read the images and hand them to the library's counter (dac_stem_counter:
 * detection, classification, sites, statistics, the result set). score: read the two
 * point files and match them (dac_stem_score). No science and no writer here: options,
 * reading inputs and messages only.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli/cli.h"
#include "dac/image.h"
#include "dac/stem.h"
#include "dac/stem_count.h"

static void count_help(FILE *f)
{
    fprintf(f,
        "usage: dac stem count IMAGE... -o OUTDIR [options]\n\n"
        "Finds atoms in HAADF-STEM images and counts singles, pairs and clusters, with\n"
        "purity, Wilson/bootstrap intervals and the chance-pair correction.\n\n"
        "options:\n"
        "  -o, --output DIR          output folder (created): atoms.csv, sites.csv,\n"
        "                            summary.json, pair_hist.svg, overlay_IMAGE.png\n"
        "      --pixel Å             pixel size (overrides the file's calibration)\n"
        "      --pair-max Å          atoms closer than this form one site (3.5)\n"
        "      --elements A[,B]      metal element(s), e.g. Ni or Zn,Ru\n"
        "      --support-mask auto|FILE  support region (FILE: image, non-zero = support)\n"
        "      --seed N              seed of the Monte Carlo and bootstrap (0)\n"
        "      --probe-fwhm Å        nominal FWHM of an atom's image (1.0): sets the\n"
        "                            matched filter; the fits measure it per image\n"
        "      --false-alarms R      stated false detections per nm² of support (0.01)\n"
        "      --background-sigma Å  smooth background σ (2.0)\n"
        "      --min-atom-fraction F reject blobs fainter than F × a typical atom (0.5)\n"
        "      --no-refine           skip the least-squares Gaussian refinement\n"
        "      --no-overlay          no overlay images (batch work)\n"
        "      --model ptnc|FILE     find atoms with a learned model (`dac stem learn`) instead\n"
        "                            of the statistical test; ptnc: built in, trained on Pt\n"
        "                            atoms on N-doped carbon (a file: give its path, ./NAME)\n"
        "      --threads N           threads for several images and the Monte Carlo\n"
        "                            (default: OMP_NUM_THREADS, else every core); the\n"
        "                            results are the same bytes for any N\n"
        "  -q, --quiet               errors only\n"
        "  -h, --help                this help\n\n"
        "Defaults and their sources: docs/stem-count.md.\n");
}

enum {
    O_PIXEL = 256, O_PAIR_MAX, O_ELEMENTS, O_MASK, O_SEED, O_FWHM, O_FA, O_BG, O_FRAC, O_NOREF,
    O_MAXD, O_JSON, O_OVERLAY, O_NO_OVERLAY, O_MODEL, O_THREADS
};

typedef struct {
    dac_stem_count_params p;
    const char *out, *mask;
    const char *model;
    const char *detector_option; /* one the model replaces (a usage error with --model) */
    char elements[2][8];
    int n_elements;
    int no_overlay;
    int threads; /* 0: the library's default */
    uint64_t seed;
} count_args;

static int parse_elements(const char *text, count_args *a)
{
    const char *C = "stem count";
    a->n_elements = 0;
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, ",");
        char sym[8];
        if (a->n_elements == 2 || len == 0 || len >= sizeof sym)
            return cli_usage_error(C, "option --elements: expected one or two element symbols "
                                      "like Ni or Zn,Ru, got '%s'", text);
        memcpy(sym, p, len);
        sym[len] = '\0';
        if (!dac_element_by_symbol(sym))
            return cli_usage_error(C, "option --elements: unknown element '%s' in '%s'", sym, text);
        snprintf(a->elements[a->n_elements++], sizeof a->elements[0], "%s", sym);
        p += len + (p[len] == ',');
    }
    return a->n_elements ? 0 : cli_usage_error(C, "option --elements: empty");
}

/* --pixel: a size > 0 in Å. 0 is not "from the file" when typed: it is a mistake. */
static int parse_pixel(const char *cmd, const char *text, double *px)
{
    int st = cli_parse_double(cmd, "--pixel", text, px);
    if (st == 0 && (!(*px > 0) || !isfinite(*px)))
        return cli_usage_error(cmd, "option --pixel: expected a pixel size > 0 in Å, got '%s'", text);
    return st;
}

/* --threads: a whole number ≥ 1. */
static int parse_threads(const char *cmd, const char *text, int *n)
{
    double v;
    int st = cli_parse_double(cmd, "--threads", text, &v);
    if (st == 0 && !(v >= 1 && v <= 4096 && v == floor(v)))
        return cli_usage_error(cmd, "option --threads: expected a whole number of threads >= 1, "
                                    "got '%s'", text);
    if (st == 0)
        *n = (int)v;
    return st;
}

static int parse_count_args(int argc, char **argv, count_args *a, int *done)
{
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'}, {"pixel", required_argument, 0, O_PIXEL},
        {"pair-max", required_argument, 0, O_PAIR_MAX}, {"elements", required_argument, 0, O_ELEMENTS},
        {"support-mask", required_argument, 0, O_MASK}, {"seed", required_argument, 0, O_SEED},
        {"probe-fwhm", required_argument, 0, O_FWHM}, {"false-alarms", required_argument, 0, O_FA},
        {"background-sigma", required_argument, 0, O_BG},
        {"min-atom-fraction", required_argument, 0, O_FRAC}, {"no-refine", no_argument, 0, O_NOREF},
        {"no-overlay", no_argument, 0, O_NO_OVERLAY}, {"model", required_argument, 0, O_MODEL},
        {"threads", required_argument, 0, O_THREADS},
        {"quiet", no_argument, 0, 'q'}, {"verbose", no_argument, 0, 'v'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *C = "stem count";
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qvh", opts, NULL)) != -1) {
        int st = 0;
        switch (c) {
        case 'o': a->out = optarg; break;
        case 'q': cli_quiet = 1; break;
        case 'v': break;
        case 'h': count_help(stdout); *done = 1; return 0;
        case O_PIXEL: st = parse_pixel(C, optarg, &a->p.pixel_A); break;
        case O_PAIR_MAX: st = cli_parse_double(C, "--pair-max", optarg, &a->p.pair_max_A); break;
        case O_ELEMENTS: st = parse_elements(optarg, a); break;
        case O_MASK: a->mask = strcmp(optarg, "auto") ? optarg : NULL; break;
        case O_SEED: st = cli_parse_seed(C, optarg, &a->seed); break;
        case O_FWHM: st = cli_parse_double(C, "--probe-fwhm", optarg, &a->p.probe_fwhm_A); break;
        case O_FA: st = cli_parse_double(C, "--false-alarms", optarg, &a->p.false_alarms_per_nm2); break;
        case O_BG: st = cli_parse_double(C, "--background-sigma", optarg, &a->p.background_sigma_A); break;
        case O_FRAC: st = cli_parse_double(C, "--min-atom-fraction", optarg, &a->p.min_atom_fraction); break;
        case O_NOREF: a->p.refine = 0; break;
        case O_NO_OVERLAY: a->no_overlay = 1; break;
        case O_MODEL: a->model = optarg; break;
        case O_THREADS: st = parse_threads(C, optarg, &a->threads); break;
        default: return cli_bad_option(C, c, argv);
        }
        if (c == O_FWHM || c == O_FA || c == O_BG || c == O_FRAC || c == O_NOREF)
            a->detector_option = c == O_FWHM ? "--probe-fwhm" : c == O_FA ? "--false-alarms"
                                 : c == O_BG ? "--background-sigma" : c == O_FRAC
                                 ? "--min-atom-fraction" : "--no-refine";
        if (st)
            return st;
    }
    if (optind >= argc)
        return cli_usage_error(C, "expected at least one IMAGE");
    if (!a->out)
        return cli_usage_error(C, "-o OUTDIR is required");
    if (!(a->p.pair_max_A > 0) || !isfinite(a->p.pair_max_A))
        return cli_usage_error(C, "option --pair-max: expected a finite distance > 0 in Å");
    if (a->model && a->detector_option)
        return cli_usage_error(C, "option %s: the model fixes the detector's parameters (its "
                                  "'detector' and 'candidates'); drop the option or train a "
                                  "model with it", a->detector_option);
    return 0;
}

static int read_mask(const char *path, size_t w, size_t h, unsigned char **mask)
{
    dac_image *m;
    int st = dac_image_read(path, DAC_IMAGE_FORMAT_AUTO, &m);
    if (st != DAC_OK)
        return st;
    if (m->width != w || m->height != h) {
        st = dac_error(DAC_ERR_INPUT, "%s: support mask is %zux%zu, the image %zux%zu", path,
                       m->width, m->height, w, h);
        dac_image_free(m);
        return st;
    }
    *mask = malloc(w * h);
    if (!*mask) {
        dac_image_free(m);
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory", path);
    }
    for (size_t i = 0; i < w * h; i++)
        (*mask)[i] = m->pixels[i] != 0;
    dac_image_free(m);
    return DAC_OK;
}

/* The same file given twice counts its atoms twice and makes the images look more
 * alike than they are (the interval narrows): say so. */
static void warn_repeated_images(char **paths, size_t m)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < i; j++) {
            struct stat a, b;
            int same = strcmp(paths[i], paths[j]) == 0 ||
                       (stat(paths[i], &a) == 0 && stat(paths[j], &b) == 0 && a.st_dev == b.st_dev &&
                        a.st_ino == b.st_ino);
            if (same) {
                dac_warn("%s: given twice (images %zu and %zu); its atoms are counted twice", paths[i],
                         j + 1, i + 1);
                break;
            }
        }
}

/* Reads images [k, k + n) of paths (and the mask for each) and counts them as one
 * batch, in parallel on the counter's threads. */
static int add_batch(dac_stem_counter *counter, char **paths, size_t n, const count_args *a)
{
    dac_image **im = calloc(n, sizeof *im);
    unsigned char **mask = calloc(n, sizeof *mask);
    int st = im && mask ? DAC_OK : dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == DAC_OK && i < n; i++) {
        st = dac_image_read(paths[i], DAC_IMAGE_FORMAT_AUTO, &im[i]);
        if (st == DAC_OK && a->mask)
            st = read_mask(a->mask, im[i]->width, im[i]->height, &mask[i]);
    }
    if (st == DAC_OK)
        st = dac_stem_counter_add_images(counter, n, (const dac_image *const *)im,
                                         (const unsigned char *const *)mask,
                                         (const char *const *)paths);
    for (size_t i = 0; i < n && im; i++) {
        dac_image_free(im[i]);
        free(mask ? mask[i] : NULL);
    }
    free(im), free(mask);
    return st;
}

/* glibc hands every block over 32 MB to mmap and back to the kernel on free, so each of
 * the detector's frame-sized buffers is faulted in again page by page: 1 GB of fresh
 * pages for one 4096² frame, a fifth of the run's time in the kernel (issue 10). Kept
 * in the heap after free, the buffers are reused. A process-wide setting: the CLI's to
 * make, not the library's. */
static void reuse_freed_memory(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
#endif
}

/* --model: a built-in name (no '/' and no ".json"), else a model file. */
static int set_model(dac_stem_counter *counter, const char *arg)
{
    dac_stem_model *m = NULL;
    int builtin = !strchr(arg, '/') && !strstr(arg, ".json");
    int st = builtin ? dac_stem_model_builtin(arg, &m) : dac_stem_model_read(arg, &m);
    if (st == DAC_OK)
        st = dac_stem_counter_set_model(counter, m);
    dac_stem_model_free(m);
    return st;
}

static void print_summary(const dac_stem_counter *counter)
{
    const dac_stem_count_stats *s = dac_stem_counter_stats(counter);
    printf("%zu image(s): %zu atoms in %zu sites (%zu single, %zu pair, %zu cluster); "
           "site purity %.3f [%.3f, %.3f], chance-corrected %.3f (%.1f chance pairs expected)\n",
           s->n_images, s->n_atoms, s->n_sites, s->n_single, s->n_pair, s->n_cluster,
           s->purity_site, s->site_ci95[0], s->site_ci95[1], s->purity_corrected_site,
           s->chance_pairs_expected);
}

int cmd_stem_count(int argc, char **argv)
{
    count_args a;
    memset(&a, 0, sizeof a);
    dac_stem_count_params_default(&a.p);
    int done = 0, rc = parse_count_args(argc, argv, &a, &done);
    if (rc || done)
        return rc;
    size_t m = (size_t)(argc - optind);
    char **paths = argv + optind;
    dac_stem_counter *counter = NULL;
    int st = dac_stem_counter_create(&a.p, &counter);
    const char *el[2] = {a.elements[0], a.elements[1]};
    if (st == DAC_OK && a.n_elements)
        st = dac_stem_counter_set_elements(counter, el, a.n_elements);
    if (st == DAC_OK) {
        dac_stem_counter_set_overlays(counter, !a.no_overlay);
        dac_stem_counter_set_threads(counter, a.threads);
    }
    if (st == DAC_OK && a.model)
        st = set_model(counter, a.model);
    reuse_freed_memory();
    /* Images are read and counted a batch of one per thread at a time (each thread
     * holds one frame and its working maps); one progress step per batch. */
    size_t batch = st == DAC_OK ? (size_t)dac_stem_counter_threads(counter) : 1;
    cli_progress *bar = m > 1 ? cli_progress_create("count", cli_quiet) : NULL;
    for (size_t k = 0; st == DAC_OK && k < m; k += batch) {
        cli_progress_update((double)k / (double)m, bar);
        st = add_batch(counter, paths + k, m - k < batch ? m - k : batch, &a);
    }
    cli_progress_update(1.0, bar);
    cli_progress_free(bar);
    if (st == DAC_OK)
        warn_repeated_images(paths, m);
    if (st == DAC_OK)
        st = dac_stem_counter_finish(counter, a.seed);
    dac_provenance prov = cli_provenance(1, a.seed, m, (const char *const *)paths);
    if (st == DAC_OK)
        st = dac_stem_counter_write(counter, a.out, &prov);
    if (st == DAC_OK && !cli_quiet)
        print_summary(counter);
    dac_stem_counter_free(counter);
    if (st != DAC_OK)
        return cli_fail(st);
    cli_print_warnings();
    return 0;
}

/* ------------------------------------------------------------------ score -------- */

static int has_png_name(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && !strcasecmp(path + n - 4, ".png");
}

static void score_help(FILE *f)
{
    fprintf(f,
        "usage: dac stem score DETECTED.csv TRUTH.csv [--pixel Å] [--max-distance Å] [--json]\n"
        "                      [--overlay IMAGE OUT.png]\n\n"
        "One-to-one (Hungarian) matching of detected atoms to true ones within a distance;\n"
        "prints precision, recall, F1 and the RMS distance of matched atoms.\n"
        "Files: atoms.csv of `dac stem count` (x_px,y_px), truth.csv of `dac stem simulate`,\n"
        "or hand labels with columns ,X,Y (X = column, Y = row, pixels).\n\n"
        "options:\n"
        "      --pixel Å          pixel size (default: from x_A/x_px in either file)\n"
        "      --max-distance Å   matching radius (1.5)\n"
        "      --json             print JSON instead of text\n"
        "      --overlay IMAGE OUT.png  draw IMAGE with matched detections green, false\n"
        "                         positives red, missed truths blue (smaller circles)\n"
        "  -h, --help             this help\n");
}

/* The scoring drawn on the image; positions outside the image are an input error
 * (the image does not belong to the CSV files). */
static int score_overlay(const char *image, const char *out, const double *d, size_t nd,
                         const double *t, size_t nt, const long *match, double pixel)
{
    dac_image *im = NULL;
    int st = dac_image_read(image, DAC_IMAGE_FORMAT_AUTO, &im);
    if (st != DAC_OK)
        return st;
    for (size_t i = 0; i < nd + nt && st == DAC_OK; i++) {
        const double *p = i < nd ? d + 2 * i : t + 2 * (i - nd);
        if (!(p[0] > -1 && p[1] > -1 && p[0] < (double)im->width + 1 && p[1] < (double)im->height + 1))
            st = dac_error(DAC_ERR_INPUT, "%s: position (%g, %g) px lies outside this %zux%zu image",
                           image, p[0], p[1], im->width, im->height);
    }
    if (st == DAC_OK)
        st = dac_stem_score_write_overlay(out, im->pixels, im->width, im->height, d, nd, t, nt,
                                          match, pixel);
    dac_image_free(im);
    return st;
}

int cmd_stem_score(int argc, char **argv)
{
    static const struct option opts[] = {
        {"pixel", required_argument, 0, O_PIXEL}, {"max-distance", required_argument, 0, O_MAXD},
        {"json", no_argument, 0, O_JSON}, {"overlay", required_argument, 0, O_OVERLAY},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *C = "stem score";
    const char *ov_image = NULL, *ov_out = NULL;
    double pixel = 0, maxd = 1.5;
    int json = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        int st = 0;
        switch (c) {
        case 'h': score_help(stdout); return 0;
        case O_PIXEL: st = parse_pixel(C, optarg, &pixel); break;
        case O_MAXD: st = cli_parse_double(C, "--max-distance", optarg, &maxd); break;
        case O_JSON: json = 1; break;
        case O_OVERLAY: /* two values: the image, then the PNG to write */
            if (optind >= argc || argv[optind][0] == '-')
                return cli_usage_error(C, "--overlay needs IMAGE and OUT.png");
            ov_image = optarg, ov_out = argv[optind++];
            break;
        default: return cli_bad_option(C, c, argv);
        }
        if (st)
            return st;
    }
    if (argc - optind != 2)
        return cli_usage_error(C, "expected DETECTED.csv and TRUTH.csv");
    if (!(maxd > 0) || !isfinite(maxd))
        return cli_usage_error(C, "option --max-distance: expected a distance > 0 in Å");
    if (ov_out && !has_png_name(ov_out))
        return cli_usage_error(C, "option --overlay: the overlay is a PNG image; name it *.png, "
                                  "got '%s'", ov_out);
    const char *det_path = argv[optind], *tru_path = argv[optind + 1];
    if (pixel == 0)
        pixel = dac_stem_points_pixel_A(det_path);
    if (pixel == 0)
        pixel = dac_stem_points_pixel_A(tru_path);
    if (pixel == 0) {
        dac_error(DAC_ERR_INPUT, "%s, %s: no pixel size (no x_A column); give it with --pixel (Å)",
                  det_path, tru_path);
        return cli_fail(DAC_ERR_INPUT);
    }
    double *d = NULL, *t = NULL;
    size_t nd = 0, nt = 0;
    int st = dac_stem_points_read(det_path, pixel, &d, &nd);
    if (st == DAC_OK)
        st = dac_stem_points_read(tru_path, pixel, &t, &nt);
    dac_stem_score_result r;
    long *match = malloc(sizeof *match * (nd ? nd : 1));
    if (st == DAC_OK && !match)
        st = dac_error(DAC_ERR_NOMEM, "stem score: out of memory");
    if (st == DAC_OK)
        st = dac_stem_score(d, nd, t, nt, maxd / pixel, &r, match);
    if (st == DAC_OK && ov_image)
        st = score_overlay(ov_image, ov_out, d, nd, t, nt, match, pixel);
    free(d), free(t), free(match);
    if (st != DAC_OK)
        return cli_fail(st);
    const char *inputs[2] = {det_path, tru_path};
    dac_provenance prov = cli_provenance(0, 0, 2, inputs);
    st = dac_stem_score_write(stdout, &r, pixel, maxd, json, &prov);
    if (st != DAC_OK)
        return cli_fail(st);
    return 0;
}

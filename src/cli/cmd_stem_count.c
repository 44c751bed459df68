/*
 * cmd_stem_count.c — `dac stem count IMAGE… -o OUTDIR` and `dac stem score DET TRUTH`.
 *
 * count: read images, detect and refine blobs (library: count_detect.c), count atoms
 * per blob (count_mixture.c), group sites (count_sites.c), statistics (count_stats.c),
 * write the outputs (count_output.c). score: match detections to truth (score.c).
 * No science here: options, file handling and messages only.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
        "                            summary.json, overlay.png, pair_hist.svg\n"
        "      --pixel Å             pixel size (overrides the file's calibration)\n"
        "      --pair-max Å          atoms closer than this form one site (3.5)\n"
        "      --elements A[,B]      metal element(s), e.g. Ni or Zn,Ru\n"
        "      --support-mask auto|FILE  support region (FILE: image, non-zero = support)\n"
        "      --seed N              seed of the Monte Carlo and bootstrap (0)\n"
        "      --probe-fwhm Å        nominal FWHM of an atom's image (1.0): sets the\n"
        "                            matched filter; the fits measure it per image\n"
        "      --false-alarms R      stated false detections per nm² of support (0.001)\n"
        "      --background-sigma Å  smooth background σ (2.0)\n"
        "      --min-atom-fraction F reject blobs fainter than F × a typical atom (0.5)\n"
        "      --no-refine           skip the least-squares Gaussian refinement\n"
        "  -q, --quiet               errors only\n"
        "  -h, --help                this help\n\n"
        "Defaults and their sources: docs/stem-count.md.\n");
}

enum {
    O_PIXEL = 256, O_PAIR_MAX, O_ELEMENTS, O_MASK, O_SEED, O_FWHM, O_FA, O_BG, O_FRAC, O_NOREF,
    O_MAXD, O_JSON, O_OVERLAY
};

typedef struct {
    dac_stem_count_params p;
    double pixel_A; /* 0 = from the files */
    const char *out, *mask;
    char elements[2][4];
    int n_elements;
    uint64_t seed;
} count_args;

/* Relative HAADF cross-section of an element: the table's value, or the simulator's
 * c·Z^1.9 fit for elements the table lacks (the same σ dac stem simulate renders with). */
static double element_sigma(const char *symbol)
{
    dac_stem_options o;
    dac_stem_options_default(&o);
    return 1e4 * dac_stem_sigma_A2(&o, dac_element_by_symbol(symbol)->Z);
}

static int parse_elements(const char *text, count_args *a)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%s", text);
    a->n_elements = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (a->n_elements == 2 || !dac_element_by_symbol(tok))
            return cli_usage_error("stem count", "option --elements: expected one or two element "
                                                 "symbols like Ni or Zn,Ru, got '%s'", text);
        snprintf(a->elements[a->n_elements++], sizeof a->elements[0], "%s", tok);
    }
    return a->n_elements ? 0 : cli_usage_error("stem count", "option --elements: empty");
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
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *C = "stem count";
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        int st = 0;
        switch (c) {
        case 'o': a->out = optarg; break;
        case 'q': cli_quiet = 1; break;
        case 'h': count_help(stdout); *done = 1; return 0;
        case O_PIXEL: st = cli_parse_double(C, "--pixel", optarg, &a->pixel_A); break;
        case O_PAIR_MAX: st = cli_parse_double(C, "--pair-max", optarg, &a->p.pair_max_A); break;
        case O_ELEMENTS: st = parse_elements(optarg, a); break;
        case O_MASK: a->mask = strcmp(optarg, "auto") ? optarg : NULL; break;
        case O_SEED: st = cli_parse_seed(C, optarg, &a->seed); break;
        case O_FWHM: st = cli_parse_double(C, "--probe-fwhm", optarg, &a->p.probe_fwhm_A); break;
        case O_FA: st = cli_parse_double(C, "--false-alarms", optarg, &a->p.false_alarms_per_nm2); break;
        case O_BG: st = cli_parse_double(C, "--background-sigma", optarg, &a->p.background_sigma_A); break;
        case O_FRAC: st = cli_parse_double(C, "--min-atom-fraction", optarg, &a->p.min_atom_fraction); break;
        case O_NOREF: a->p.refine = 0; break;
        case ':': return cli_usage_error(C, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error(C, "unknown option '%s'", argv[optind - 1]);
        }
        if (st)
            return st;
    }
    if (optind >= argc)
        return cli_usage_error(C, "expected at least one IMAGE");
    if (!a->out)
        return cli_usage_error(C, "-o OUTDIR is required");
    if (a->pixel_A != 0 && !(a->pixel_A > 0))
        return cli_usage_error(C, "option --pixel: expected a size > 0 in Å");
    if (!(a->p.pair_max_A > 0) || !isfinite(a->p.pair_max_A))
        return cli_usage_error(C, "option --pair-max: expected a finite distance > 0 in Å");
    if (!isfinite(a->pixel_A))
        return cli_usage_error(C, "option --pixel: expected a finite size > 0 in Å");
    return 0;
}

static int ensure_dir(const char *dir)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) {
        struct stat sb;
        if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
            return DAC_OK;
    }
    return dac_error(DAC_ERR_RUNTIME, "%s: cannot create output folder: %s", dir, strerror(errno));
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

/* Everything one run holds, freed in one place. */
typedef struct {
    size_t m;
    dac_image **img;
    dac_stem_detection **det;
    dac_stem_mixture *mix;
    double *pixel;
    dac_stem_blob *blobs;
    size_t n_blobs;
    dac_stem_site *sites;
    size_t n_sites;
    dac_stem_count_image *stat_in;
} count_run;

static void run_free(count_run *r)
{
    for (size_t k = 0; k < r->m; k++) {
        if (r->img)
            dac_image_free(r->img[k]);
        if (r->det)
            dac_stem_detection_free(r->det[k]);
    }
    free(r->img), free(r->det), free(r->mix), free(r->pixel), free(r->blobs), free(r->sites);
    free(r->stat_in);
}

/* Detects, classifies and groups one image; appends to r->blobs / r->sites. */
static int process_image(count_run *r, size_t k, const char *path, const count_args *a)
{
    int st = dac_image_read(path, DAC_IMAGE_FORMAT_AUTO, &r->img[k]);
    if (st != DAC_OK)
        return st;
    dac_image *im = r->img[k];
    double px = a->pixel_A > 0 ? a->pixel_A : im->pixel_size_A[0];
    if (!(px > 0))
        return dac_error(DAC_ERR_INPUT, "%s: no pixel size in the file; give it with --pixel (Å)", path);
    if (a->pixel_A == 0 && im->pixel_size_A[1] > 0 && fabs(im->pixel_size_A[1] - px) > 1e-3 * px)
        dac_warn("%s: pixel sizes differ along x (%g Å) and y (%g Å); using x", path, px,
                 im->pixel_size_A[1]);
    r->pixel[k] = px;
    dac_stem_count_params p = a->p;
    p.pixel_A = px;
    double sig[2] = {1, 1};
    for (int e = 0; e < a->n_elements; e++)
        sig[e] = element_sigma(a->elements[e]);
    /* The amplitude test compares candidates with the frame's typical atom; in a
     * heteronuclear sample that may be the heavy one, so the floor is scaled to the
     * lighter element, or every light atom (Zn beside Ru) would be rejected. */
    if (a->n_elements == 2)
        p.min_atom_fraction *= fmin(sig[0], sig[1]) / fmax(sig[0], sig[1]);
    unsigned char *mask = NULL;
    if (a->mask && (st = read_mask(a->mask, im->width, im->height, &mask)) != DAC_OK)
        return st;
    st = dac_stem_count_detect(im->pixels, im->width, im->height, mask, &p, &r->det[k]);
    free(mask);
    if (st != DAC_OK)
        return st;
    dac_stem_detection *d = r->det[k];
    st = dac_stem_count_mixture(d->blobs, d->n_blobs, p.max_atoms_per_blob, sig,
                                a->n_elements ? a->n_elements : 1, &r->mix[k]);
    if (st == DAC_OK && a->n_elements == 2 && !r->mix[k].elements_separable)
        dac_warn("%s: %s and %s cannot be told apart by intensity here (cross-section ratio %.2f "
                 "against a blob-intensity scatter of %.0f %%); elements left blank", path,
                 a->elements[0], a->elements[1], r->mix[k].sigma_ratio,
                 100 * r->mix[k].spread / (r->mix[k].unit_intensity > 0 ? r->mix[k].unit_intensity : 1));
    if (st == DAC_OK && d->n_blobs >= 8 && !r->mix[k].counts_atoms)
        dac_warn("%s: blob intensities scatter by %.0f %% of one atom: too noisy to count atoms "
                 "per blob, every blob counted as one atom (unresolved pairs are missed)", path,
                 100 * r->mix[k].spread / r->mix[k].unit_intensity);
    for (size_t i = 0; i < d->n_blobs; i++)
        d->blobs[i].image = (int)k;
    dac_stem_site *s = NULL;
    size_t ns = 0;
    if (st == DAC_OK)
        st = dac_stem_count_sites(d->blobs, d->n_blobs, px, p.pair_max_A, (long)r->n_sites, &s, &ns);
    for (size_t j = 0; j < ns; j++)
        s[j].image = (int)k;
    dac_stem_blob *nb = st == DAC_OK ? realloc(r->blobs, sizeof *nb * (r->n_blobs + d->n_blobs + 1)) : NULL;
    dac_stem_site *nsites = nb ? realloc(r->sites, sizeof *nsites * (r->n_sites + ns + 1)) : NULL;
    if (nb)
        r->blobs = nb;
    if (nsites)
        r->sites = nsites;
    if (st == DAC_OK && (!nb || !nsites))
        st = dac_error(DAC_ERR_NOMEM, "out of memory");
    if (st == DAC_OK) {
        if (d->n_blobs)
            memcpy(r->blobs + r->n_blobs, d->blobs, sizeof *nb * d->n_blobs);
        if (ns)
            memcpy(r->sites + r->n_sites, s, sizeof *s * ns);
        r->n_blobs += d->n_blobs;
        r->n_sites += ns;
    }
    free(s);
    return st;
}

/* OUTDIR/name and a temporary beside it (same folder, so rename is atomic); refuses a
 * folder standing where the file goes. */
static int output_names(const char *dir, const char *name, char **final, char **tmp)
{
    size_t len = strlen(dir) + strlen(name) + 64;
    *final = malloc(len), *tmp = malloc(len);
    if (!*final || !*tmp)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    snprintf(*final, len, "%s/%s", dir, name);
    snprintf(*tmp, len, "%s/.%s.%ld.part", dir, name, (long)getpid());
    struct stat sb;
    if (stat(*final, &sb) == 0 && S_ISDIR(sb.st_mode))
        return dac_error(DAC_ERR_RUNTIME, "%s: a folder is in the way of the output file", *final);
    return DAC_OK;
}

/* Renames the written temporaries when st is DAC_OK, removes them otherwise, and removes
 * overlay_N.png left by an earlier run with more images. */
static int commit_outputs(const char *dir, char **final, char **tmp, size_t n, size_t m, int st)
{
    for (size_t i = 0; st == DAC_OK && final && tmp && i < n; i++)
        if (rename(tmp[i], final[i]) != 0)
            st = dac_error(DAC_ERR_RUNTIME, "%s: cannot write: %s", final[i], strerror(errno));
    for (size_t i = 0; tmp && i < n; i++)
        if (tmp[i])
            remove(tmp[i]); /* already renamed: fails harmlessly */
    for (size_t k = m + 1; st == DAC_OK; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/overlay_%zu.png", dir, k);
        if (remove(path) != 0)
            break;
    }
    for (size_t i = 0; i < n; i++) {
        if (final)
            free(final[i]);
        if (tmp)
            free(tmp[i]);
    }
    free(final), free(tmp);
    return st;
}

/* Errors raised inside the library may name only a field; prefix the image file. */
static void name_image_in_error(const char *path, int st)
{
    const char *msg = dac_last_error();
    if (strstr(msg, path))
        return;
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", msg);
    dac_error(st, "%s: %s", path, buf);
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

static int write_outputs(count_run *r, const count_args *a, char **names)
{
    const char *el[2] = {a->elements[0], a->elements[1]};
    int st = ensure_dir(a->out);
    size_t off = 0;
    for (size_t k = 0; st == DAC_OK && k < r->m; k++) {
        size_t ns = 0;
        while (off + ns < r->n_sites && r->sites[off + ns].image == (int)k)
            ns++;
        r->stat_in[k] = (dac_stem_count_image){r->sites + off, ns, r->det[k]->blobs, r->det[k]->n_blobs,
                                               r->det[k]->support, r->det[k]->width,
                                               r->det[k]->height, r->pixel[k]};
        off += ns;
    }
    dac_stem_count_stats stats;
    if (st == DAC_OK)
        st = dac_stem_count_statistics(r->stat_in, r->m, a->p.pair_max_A, a->seed, 0, &stats);
    /* The outputs are one set: each goes to a temporary first, and all are renamed
     * only when all were written (a failure leaves the previous set untouched). */
    size_t n_out = 4 + r->m;
    char **final = calloc(n_out, sizeof *final), **tmp = calloc(n_out, sizeof *tmp);
    if (st == DAC_OK && (!final || !tmp))
        st = dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == DAC_OK && i < n_out; i++) {
        char name[64];
        if (i < 4)
            snprintf(name, sizeof name, "%s", (const char *[]){"atoms.csv", "sites.csv", "summary.json",
                                                               "pair_hist.svg"}[i]);
        else if (i == 4)
            snprintf(name, sizeof name, "overlay.png");
        else
            snprintf(name, sizeof name, "overlay_%zu.png", i - 3);
        st = output_names(a->out, name, &final[i], &tmp[i]);
    }
    if (st == DAC_OK)
        st = dac_stem_count_write_atoms_csv(tmp[0], r->blobs, r->n_blobs, r->pixel,
                                            a->n_elements ? el : NULL, a->n_elements);
    if (st == DAC_OK)
        st = dac_stem_count_write_sites_csv(tmp[1], r->sites, r->n_sites, r->pixel);
    if (st == DAC_OK)
        st = dac_stem_count_write_summary(tmp[2], &stats, &a->p,
                                          (const dac_stem_detection *const *)r->det,
                                          (const char *const *)names, r->m, r->mix, el,
                                          a->n_elements, a->seed);
    for (size_t k = 0; st == DAC_OK && k < r->m; k++)
        st = dac_stem_count_write_overlay(tmp[4 + k], r->img[k]->pixels, r->img[k]->width,
                                          r->img[k]->height, r->blobs, r->n_blobs, r->sites, (int)k,
                                          r->pixel[k]);
    if (st == DAC_OK)
        st = dac_stem_count_write_pair_hist_svg(tmp[3], &stats);
    st = commit_outputs(a->out, final, tmp, n_out, r->m, st);
    if (st == DAC_OK && !cli_quiet)
        printf("%zu image(s): %zu atoms in %zu sites (%zu single, %zu pair, %zu cluster); "
               "site purity %.3f [%.3f, %.3f], chance-corrected %.3f (%.1f chance pairs expected)\n",
               r->m, stats.n_atoms, stats.n_sites, stats.n_single, stats.n_pair, stats.n_cluster,
               stats.purity_site, stats.site_ci95[0], stats.site_ci95[1], stats.purity_corrected_site,
               stats.chance_pairs_expected);
    return st;
}

int cmd_stem_count(int argc, char **argv)
{
    count_args a;
    memset(&a, 0, sizeof a);
    dac_stem_count_params_default(&a.p);
    int done = 0, rc = parse_count_args(argc, argv, &a, &done);
    if (rc || done)
        return rc;
    count_run r = {0};
    r.m = (size_t)(argc - optind);
    r.img = calloc(r.m, sizeof *r.img);
    r.det = calloc(r.m, sizeof *r.det);
    r.mix = calloc(r.m, sizeof *r.mix);
    r.pixel = calloc(r.m, sizeof *r.pixel);
    r.stat_in = calloc(r.m, sizeof *r.stat_in);
    int st = (r.img && r.det && r.mix && r.pixel && r.stat_in) ? DAC_OK
                                                             : dac_error(DAC_ERR_NOMEM, "out of memory");
    /* One step per image: counting a 4096² frame takes a second or two. */
    cli_progress *bar = r.m > 1 ? cli_progress_create("count", cli_quiet) : NULL;
    for (size_t k = 0; st == DAC_OK && k < r.m; k++) {
        cli_progress_update((double)k / (double)r.m, bar);
        st = process_image(&r, k, argv[optind + (int)k], &a);
        if (st != DAC_OK)
            name_image_in_error(argv[optind + (int)k], st);
    }
    if (st == DAC_OK)
        warn_repeated_images(argv + optind, r.m);
    cli_progress_update(1.0, bar);
    cli_progress_free(bar);
    if (st == DAC_OK)
        st = write_outputs(&r, &a, argv + optind);
    run_free(&r);
    if (st != DAC_OK)
        return cli_fail(st);
    cli_print_warnings();
    return 0;
}

/* ------------------------------------------------------------------ score -------- */

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

/* Pixel size from a file with both x_px and x_A columns (x_A = (x_px + 0.5)·pixel, the
 * convention of atoms.csv and truth.csv); 0 if none. */
static double pixel_from_file(const char *path)
{
    double a = 0, b = 0, pxv = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[4096];
    int ipx = -1, iA = -1;
    if (fgets(line, sizeof line, f)) {
        int col = 0;
        for (char *t = strtok(line, ",\r\n"); t; t = strtok(NULL, ",\r\n"), col++) {
            if (!strcmp(t, "x_px"))
                ipx = col;
            if (!strcmp(t, "x_A"))
                iA = col;
        }
    }
    while (ipx >= 0 && iA >= 0 && fgets(line, sizeof line, f)) {
        int col = 0;
        for (char *t = strtok(line, ",\r\n"); t; t = strtok(NULL, ",\r\n"), col++) {
            if (col == ipx)
                a = strtod(t, NULL);
            if (col == iA)
                b = strtod(t, NULL);
        }
        if (fabs(a) > 1) {
            pxv = b / (a + 0.5);
            break;
        }
    }
    fclose(f);
    return pxv > 0 ? pxv : 0;
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
        case O_PIXEL: st = cli_parse_double(C, "--pixel", optarg, &pixel); break;
        case O_MAXD: st = cli_parse_double(C, "--max-distance", optarg, &maxd); break;
        case O_JSON: json = 1; break;
        case O_OVERLAY: /* two values: the image, then the PNG to write */
            if (optind >= argc || argv[optind][0] == '-')
                return cli_usage_error(C, "--overlay needs IMAGE and OUT.png");
            ov_image = optarg, ov_out = argv[optind++];
            break;
        case ':': return cli_usage_error(C, "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error(C, "unknown option '%s'", argv[optind - 1]);
        }
        if (st)
            return st;
    }
    if (argc - optind != 2)
        return cli_usage_error(C, "expected DETECTED.csv and TRUTH.csv");
    if (!(maxd > 0) || (pixel != 0 && !(pixel > 0)))
        return cli_usage_error(C, "--max-distance and --pixel must be > 0 (Å)");
    const char *det_path = argv[optind], *tru_path = argv[optind + 1];
    if (pixel == 0)
        pixel = pixel_from_file(det_path);
    if (pixel == 0)
        pixel = pixel_from_file(tru_path);
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
    if (json)
        printf("{\"n_detected\": %zu, \"n_truth\": %zu, \"n_matched\": %zu, \"precision\": %.6f, "
               "\"recall\": %.6f, \"f1\": %.6f, \"rms_distance_A\": %.6f, \"max_distance_A\": %g, "
               "\"pixel_A\": %g, \"mean_offset_A\": [%.6f, %.6f]}\n",
               r.n_detected, r.n_truth, r.n_matched, r.precision, r.recall, r.f1,
               r.rms_distance * pixel, maxd, pixel, r.mean_dx * pixel, r.mean_dy * pixel);
    else
        printf("detected %zu, truth %zu, matched %zu within %g Å: precision %.3f recall %.3f "
               "F1 %.3f, RMS distance %.3f Å (mean offset %+.3f, %+.3f Å)\n",
               r.n_detected, r.n_truth, r.n_matched, maxd, r.precision, r.recall, r.f1,
               r.rms_distance * pixel, r.mean_dx * pixel, r.mean_dy * pixel);
    return 0;
}

/*
 * bench/stem_count.c — how fast is `dac stem count`: a 4096×4096 image with ~5000
 * atoms (Gaussian atoms of FWHM 0.8 Å at 0.2 Å pixels on a smooth, uneven support,
 * Poisson noise) is written as a TIFF, then counted through exactly the CLI's path —
 * read, dac_stem_counter (detection, refinement, mixture, sites, statistics), every
 * output written (atoms.csv, sites.csv, summary.json with the input's SHA-256, the
 * pair histogram through gnuplot, the overlay PNG).
 *
 * Runs: one thread (the bar of issue 10: under 2 s of CPU on one core), every thread
 * (the same bytes must come out: checked), several images at once on one and on every
 * thread, and — when scikit-image is installed — the difference-of-Gaussians +
 * peak_local_max pipeline of bench/stem_count_skimage.py on the same file, one core,
 * with both times, the ratio and both detectors scored against the drawn atoms.
 *
 * Times are CPU seconds (user + system of this process and of its waited-for children,
 * gnuplot included) unless marked wall: on a shared machine wall time counts the other
 * processes. For repeatable numbers, instruction counts:
 *   valgrind --tool=callgrind build/bench/stem_count 4096 5000 --runs 1 --no-skimage
 *
 * or, for the CLI itself, the image alone (then `perf record build/dac stem count …`):
 *   build/bench/stem_count --write-image /tmp/bench.tif
 *
 * Usage: stem_count [SIZE [N_ATOMS]] [--threads N] [--images K] [--runs one|all]
 *                   [--no-skimage] [--write-image PATH]
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "dac/core.h"
#include "dac/image.h"
#include "dac/stem_count.h"

#define PIXEL_A 0.2          /* of the test image */
#define MATCH_A 1.5          /* scoring radius (Mitchell et al. 2022, as dac stem score) */

typedef struct {
    double cpu, wall;
} stamp;

static stamp now(void)
{
    struct rusage self, kids;
    struct timespec t;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    clock_gettime(CLOCK_MONOTONIC, &t);
    double cpu = 0;
    const struct rusage *r[2] = {&self, &kids};
    for (int i = 0; i < 2; i++)
        cpu += (double)r[i]->ru_utime.tv_sec + 1e-6 * (double)r[i]->ru_utime.tv_usec +
               (double)r[i]->ru_stime.tv_sec + 1e-6 * (double)r[i]->ru_stime.tv_usec;
    return (stamp){cpu, (double)t.tv_sec + 1e-9 * (double)t.tv_nsec};
}

static double cpu_since(stamp a) { return now().cpu - a.cpu; }

/* The test image and the drawn atom centres (pixels, centres at integers). */
static float *make_image(size_t w, size_t n, double pixel, double *truth)
{
    double s = 0.8 / 2.3548 / pixel, counts = 2000;
    float *img = malloc(sizeof *img * w * w);
    if (!img)
        return NULL;
    dac_rng rng;
    dac_rng_seed(&rng, 1);
    for (size_t y = 0; y < w; y++)
        for (size_t x = 0; x < w; x++)
            img[y * w + x] = (float)(60 + 30 * sin((double)x * 0.004) * cos((double)y * 0.003));
    for (size_t k = 0; k < n; k++) {
        double cx = 8 + dac_rng_uniform(&rng) * (double)(w - 16);
        double cy = 8 + dac_rng_uniform(&rng) * (double)(w - 16);
        truth[2 * k] = cx, truth[2 * k + 1] = cy;
        for (long dy = -6; dy <= 6; dy++)
            for (long dx = -6; dx <= 6; dx++) {
                long x = (long)cx + dx, y = (long)cy + dy;
                double ex = (double)x - cx, ey = (double)y - cy;
                img[(size_t)y * w + (size_t)x] +=
                    (float)(counts / (2 * DAC_PI * s * s) * exp(-0.5 * (ex * ex + ey * ey) / (s * s)));
            }
    }
    for (size_t i = 0; i < w * w; i++)
        img[i] = (float)dac_rng_poisson(&rng, img[i]);
    return img;
}

typedef struct {
    double read, count, stats, write, total_cpu, total_wall;
    size_t blobs, sites;
    double f1;
} run_result;

/* The CLI's path for k copies of the image file on `threads` threads. */
static int run_count(const char *path, size_t k, int threads, const char *out, int overlays,
                     const double *truth, size_t n_truth, run_result *r)
{
    memset(r, 0, sizeof *r);
    stamp t0 = now();
    dac_image **im = calloc(k, sizeof *im);
    const char **names = calloc(k, sizeof *names);
    int rc = im && names ? DAC_OK : DAC_ERR_NOMEM;
    for (size_t i = 0; rc == DAC_OK && i < k; i++) {
        rc = dac_image_read(path, DAC_IMAGE_FORMAT_AUTO, &im[i]);
        names[i] = path;
    }
    r->read = cpu_since(t0);
    stamp t1 = now();
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    dac_stem_counter *c = NULL;
    if (rc == DAC_OK)
        rc = dac_stem_counter_create(&p, &c);
    if (rc == DAC_OK) {
        dac_stem_counter_set_threads(c, threads);
        dac_stem_counter_set_overlays(c, overlays);
        rc = dac_stem_counter_add_images(c, k, (const dac_image *const *)im, NULL, names);
    }
    r->count = cpu_since(t1);
    stamp t2 = now();
    if (rc == DAC_OK)
        rc = dac_stem_counter_finish(c, 1);
    r->stats = cpu_since(t2);
    stamp t3 = now();
    dac_provenance prov = {0, NULL, 1, 1, k, names};
    if (rc == DAC_OK)
        rc = dac_stem_counter_write(c, out, &prov);
    stamp t4 = now();
    r->write = t4.cpu - t3.cpu;
    r->total_cpu = t4.cpu - t0.cpu, r->total_wall = t4.wall - t0.wall;
    if (rc == DAC_OK) {
        const dac_stem_blob *b = dac_stem_counter_blobs(c, &r->blobs);
        dac_stem_counter_sites(c, &r->sites);
        double *xy = malloc(sizeof *xy * 2 * (r->blobs + 1));
        size_t nd = 0;
        for (size_t i = 0; xy && i < r->blobs; i++)
            if (b[i].image == 0)
                xy[2 * nd] = b[i].x_px, xy[2 * nd + 1] = b[i].y_px, nd++;
        dac_stem_score_result s;
        if (xy && dac_stem_score(xy, nd, truth, n_truth, MATCH_A / PIXEL_A, &s, NULL) == DAC_OK)
            r->f1 = s.f1;
        free(xy);
    } else {
        fprintf(stderr, "count: %s\n", dac_last_error());
    }
    dac_stem_counter_free(c);
    for (size_t i = 0; im && i < k; i++)
        dac_image_free(im[i]);
    free(im), free(names);
    return rc;
}

static void print_run(const char *what, const run_result *r)
{
    printf("%s\n  read %.3f, detection to sites %.3f, statistics %.3f, writing all outputs "
           "%.3f; total CPU %.3f s (wall %.3f s); %zu blobs, %zu sites, atom F1 %.3f\n",
           what, r->read, r->count, r->stats, r->write, r->total_cpu, r->total_wall, r->blobs,
           r->sites, r->f1);
}

static int same_file(const char *a, const char *b)
{
    char *da = NULL, *db = NULL;
    size_t na = 0, nb = 0;
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = 0;
    if (fa && fb) {
        struct stat sa, sb;
        if (fstat(fileno(fa), &sa) == 0 && fstat(fileno(fb), &sb) == 0 && sa.st_size == sb.st_size) {
            na = (size_t)sa.st_size, nb = (size_t)sb.st_size;
            da = malloc(na + 1), db = malloc(nb + 1);
            same = da && db && fread(da, 1, na, fa) == na && fread(db, 1, nb, fb) == nb &&
                   memcmp(da, db, na) == 0;
        }
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    free(da), free(db);
    return same;
}

/* The files every run writes, compared byte for byte between two output folders. */
static int same_outputs(const char *a, const char *b)
{
    static const char *files[] = {"atoms.csv", "sites.csv", "summary.json", "pair_hist.csv",
                                  "pair_hist.svg", "overlay_bench.png"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char pa[512], pb[512];
        snprintf(pa, sizeof pa, "%s/%s", a, files[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, files[i]);
        if (!same_file(pa, pb)) {
            printf("  DIFFERENT: %s\n", files[i]);
            return 0;
        }
    }
    return 1;
}

/* The scikit-image pipeline on one core; *cpu < 0 when it could not run. */
static void run_skimage(const char *path, const char *csv, double pixel, const double *truth,
                        size_t n_truth, double *cpu, double *f1)
{
    *cpu = -1, *f1 = NAN;
    /* bench/stem_count_skimage.py beside this file; Debian's python3 first (the
     * python3-skimage package installs there even when another python3 leads PATH). */
    char script[1024];
    snprintf(script, sizeof script, "%s", __FILE__);
    char *slash = strrchr(script, '/');
    snprintf(slash ? slash + 1 : script, sizeof script - (size_t)(slash ? slash + 1 - script : 0),
             "stem_count_skimage.py");
    if (access(script, R_OK) != 0) {
        printf("scikit-image pipeline: %s not found, skipped\n", script);
        return;
    }
    static const char *pythons[] = {"/usr/bin/python3", "python3"};
    for (size_t i = 0; i < 2; i++) {
        char cmd[4096], line[256] = "";
        snprintf(cmd, sizeof cmd,
                 "OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 %s '%s' '%s' %g '%s' "
                 "2>/dev/null", pythons[i], script, path, pixel, csv);
        FILE *p = popen(cmd, "r");
        if (!p)
            continue;
        int got = fgets(line, sizeof line, p) != NULL;
        int rc = pclose(p);
        double c = 0, w = 0;
        size_t np = 0;
        if (!got || rc != 0 || sscanf(line, "skimage: %zu peaks, CPU %lf s, wall %lf s", &np, &c, &w) != 3)
            continue;
        *cpu = c;
        double *xy = NULL;
        size_t n = 0;
        dac_stem_score_result s;
        if (dac_stem_points_read(csv, pixel, &xy, &n) == DAC_OK &&
            dac_stem_score(xy, n, truth, n_truth, MATCH_A / pixel, &s, NULL) == DAC_OK)
            *f1 = s.f1;
        free(xy);
        printf("scikit-image pipeline (%s, one core): %zu peaks, CPU %.3f s (wall %.3f s), "
               "atom F1 %.3f\n", pythons[i], np, c, w, *f1);
        return;
    }
    printf("scikit-image pipeline: python3-skimage not installed, skipped\n");
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

int main(int argc, char **argv)
{
    size_t w = 4096, n = 5000, k_images = 2;
    int threads = 0, skimage = 1, only_one = 0, pos = 0;
    const char *write_image = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--images") && i + 1 < argc)
            k_images = (size_t)atol(argv[++i]);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            only_one = !strcmp(argv[++i], "one");
        else if (!strcmp(argv[i], "--write-image") && i + 1 < argc)
            write_image = argv[++i];
        else if (!strcmp(argv[i], "--no-skimage"))
            skimage = 0;
        else if (argv[i][0] != '-' && pos < 2)
            *(pos++ ? &n : &w) = (size_t)atol(argv[i]);
        else
            w = 0;
    }
    if (w < 64 || n > w * w / 16 || k_images < 1) {
        fprintf(stderr, "usage: stem_count [SIZE>=64 [N_ATOMS]] [--threads N] [--images K>=1] "
                        "[--runs one|all] [--no-skimage] [--write-image PATH]\n");
        return 2;
    }
    /* As `dac stem count` does (cmd_stem_count.c): freed frame-sized buffers stay in
     * the heap for the next ones instead of going back to the kernel. */
#ifdef __GLIBC__
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, INT_MAX);
#endif
    double pixel = PIXEL_A;
    double *truth = malloc(sizeof *truth * 2 * (n + 1));
    float *img = truth ? make_image(w, n, pixel, truth) : NULL;
    if (!img)
        return 1;

    /* The image goes through a TIFF file as a user's would. */
    char dir[] = "/tmp/dac_bench_countXXXXXX", path[64], out1[64], out2[64], outk[64], csv[64];
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/bench.tif", dir);
    snprintf(out1, sizeof out1, "%s/out1", dir);
    snprintf(out2, sizeof out2, "%s/out2", dir);
    snprintf(outk, sizeof outk, "%s/outk", dir);
    snprintf(csv, sizeof csv, "%s/skimage.csv", dir);
    dac_image *im;
    if (dac_image_create(w, w, &im) != DAC_OK)
        return 1;
    memcpy(im->pixels, img, sizeof *img * w * w);
    im->pixel_size_A[0] = im->pixel_size_A[1] = pixel;
    int rc = dac_image_write_tiff(write_image ? write_image : path, im, DAC_SAMPLE_F32);
    dac_image_free(im);
    free(img);
    if (rc != DAC_OK || write_image) {
        nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
        free(truth);
        return rc == DAC_OK ? 0 : 1;
    }

    dac_stem_counter *probe = NULL;
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    dac_stem_counter_create(&p, &probe);
    dac_stem_counter_set_threads(probe, threads);
    int all = probe ? dac_stem_counter_threads(probe) : 1;
    dac_stem_counter_free(probe);
    double mp = (double)(w * w) / 1e6;
    printf("stem_count: %zux%zu, %zu atoms drawn; %d thread(s) available\n", w, w, n, all);

    run_result one, many, k1, kt;
    rc = run_count(path, 1, 1, out1, 1, truth, n, &one);
    if (rc == DAC_OK) {
        print_run("one image, one thread (bar: < 2 s CPU):", &one);
        printf("  %.1f megapixels per second of CPU time (target: 4096x4096 in < 2 s = 8.4 MP/s)\n",
               mp / one.total_cpu);
    }
    if (rc == DAC_OK && !only_one && all > 1) {
        rc = run_count(path, 1, all, out2, 1, truth, n, &many);
        if (rc == DAC_OK) {
            char what[80];
            snprintf(what, sizeof what, "one image, %d threads:", all);
            print_run(what, &many);
            printf("  outputs byte for byte as on one thread: %s\n",
                   same_outputs(out1, out2) ? "yes" : "NO");
        }
    }
    if (rc == DAC_OK && !only_one && k_images > 1) {
        rc = run_count(path, k_images, 1, outk, 0, truth, n, &k1);
        if (rc == DAC_OK && all > 1)
            rc = run_count(path, k_images, all, outk, 0, truth, n, &kt);
        if (rc == DAC_OK) {
            printf("%zu images, no overlays: one thread %.3f s CPU (wall %.3f s)", k_images,
                   k1.total_cpu, k1.total_wall);
            if (all > 1)
                printf("; %d threads wall %.3f s (%.2fx)", all, kt.total_wall,
                       k1.total_wall / kt.total_wall);
            printf("\n");
        }
    }
    if (rc == DAC_OK && skimage) {
        double sk_cpu, sk_f1;
        run_skimage(path, csv, pixel, truth, n, &sk_cpu, &sk_f1);
        if (sk_cpu > 0)
            printf("CPU, one core: dac (every output) %.3f s, scikit-image (peaks only) %.3f s; "
                   "ratio dac/scikit-image %.2f (dac %.1fx faster); atom F1 %.3f against %.3f\n",
                   one.total_cpu, sk_cpu, one.total_cpu / sk_cpu, sk_cpu / one.total_cpu, one.f1,
                   sk_f1);
    } else if (rc == DAC_OK) {
        printf("scikit-image pipeline: not asked for (--no-skimage)\n");
    }
    nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(truth);
    return rc == DAC_OK ? 0 : 1;
}

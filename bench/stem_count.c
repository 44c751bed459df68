/*
 * bench/stem_count.c — how fast is `dac stem count`: a 4096×4096 image with ~5000
 * atoms (Gaussian atoms of FWHM 0.8 Å at 0.2 Å pixels on a smooth, uneven support,
 * Poisson noise) is written as a TIFF, then counted through exactly the CLI's path —
 * read, dac_stem_counter (detection, refinement, mixture, sites, statistics), every
 * output written. Target (issue 4/10): under 2 s. Prints megapixels per second.
 * Usage: stem_count [SIZE [N_ATOMS]]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "dac/core.h"
#include "dac/image.h"
#include "dac/stem_count.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    size_t w = argc > 1 ? (size_t)atol(argv[1]) : 4096;
    size_t n = argc > 2 ? (size_t)atol(argv[2]) : 5000;
    if (w < 64 || n > w * w / 16) {
        fprintf(stderr, "usage: stem_count [SIZE>=64 [N_ATOMS]]\n");
        return 2;
    }
    double pixel = 0.2, s = 0.8 / 2.3548 / pixel, counts = 2000;
    float *img = malloc(sizeof *img * w * w);
    if (!img)
        return 1;
    dac_rng rng;
    dac_rng_seed(&rng, 1);
    for (size_t y = 0; y < w; y++)
        for (size_t x = 0; x < w; x++)
            img[y * w + x] = (float)(60 + 30 * sin(x * 0.004) * cos(y * 0.003));
    for (size_t k = 0; k < n; k++) {
        double cx = 8 + dac_rng_uniform(&rng) * (double)(w - 16), cy = 8 + dac_rng_uniform(&rng) * (double)(w - 16);
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

    /* The image goes through a TIFF file as a user's would: the timed path is exactly
     * the CLI's (read the file, the library's counter, the whole result set). */
    char dir[] = "/tmp/dac_bench_countXXXXXX", path[64], out[64];
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/bench.tif", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    dac_image *im;
    if (dac_image_create(w, w, &im) != DAC_OK)
        return 1;
    memcpy(im->pixels, img, sizeof *img * w * w);
    im->pixel_size_A[0] = im->pixel_size_A[1] = pixel;
    if (dac_image_write_tiff(path, im, DAC_SAMPLE_F32) != DAC_OK)
        return 1;
    dac_image_free(im);

    double t0 = now();
    clock_t c0 = clock();
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    dac_stem_counter *counter = NULL;
    int rc = dac_image_read(path, DAC_IMAGE_FORMAT_AUTO, &im);
    double t_read = now();
    if (rc == DAC_OK)
        rc = dac_stem_counter_create(&p, &counter);
    if (rc == DAC_OK)
        rc = dac_stem_counter_add_image(counter, im, NULL, path);
    double t1 = now();
    if (rc == DAC_OK)
        rc = dac_stem_counter_finish(counter, 1);
    double t2 = now();
    const char *inputs[1] = {path};
    dac_provenance prov = {0, NULL, 1, 1, 1, inputs};
    if (rc == DAC_OK)
        rc = dac_stem_counter_write(counter, out, &prov);
    double t3 = now();
    double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    if (rc != DAC_OK) {
        fprintf(stderr, "count: %s\n", dac_last_error());
        return 1;
    }
    size_t nb, ns;
    dac_stem_counter_blobs(counter, &nb);
    dac_stem_counter_sites(counter, &ns);
    double mp = (double)(w * w) / 1e6;
    printf("stem_count: %zux%zu, %zu atoms drawn, %zu blobs found, %zu sites\n", w, w, n, nb, ns);
    printf("  read %.3f s, detection to sites %.3f s, statistics %.3f s, writing all outputs "
           "%.3f s; total %.3f s\n", t_read - t0, t1 - t_read, t2 - t1, t3 - t2, t3 - t0);
    printf("  CPU time %.3f s (wall time counts other processes on a shared machine)\n", cpu);
    printf("  %.1f megapixels per second of CPU time, %.1f of wall time "
           "(target: 4096x4096 in < 2 s = 8.4 MP/s)\n", mp / cpu, mp / (t3 - t0));
    dac_stem_counter_free(counter);
    dac_image_free(im);
    free(img);
    return 0;
}

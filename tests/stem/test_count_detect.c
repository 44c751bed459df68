/*
 * test_count_detect.c — the detector on images we draw ourselves: Gaussian atoms with
 * Poisson noise on a steep background gradient (no simulator needed), plus bad input.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dac/core.h"
#include "dac/stem.h"
#include "stem/count/count_internal.h"

/* Atoms of integrated intensity `counts` and FWHM fwhm_A on a background that ramps
 * from 50 to 250 counts across the frame (a thick, uneven support), Poisson noise. */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static float *draw_fwhm(size_t w, size_t h, double pixel_A, const double *xy, size_t n,
                        double counts, double fwhm_A, uint64_t seed)
{
    float *img = malloc(sizeof *img * w * h);
    double s = fwhm_A / 2.3548 / pixel_A;
    dac_rng rng;
    dac_rng_seed(&rng, seed);
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            double mean = 50 + 200.0 * (double)x / (double)w;
            for (size_t k = 0; k < n; k++) {
                double dx = (double)x - xy[2 * k], dy = (double)y - xy[2 * k + 1];
                mean += counts / (2 * DAC_PI * s * s) * exp(-0.5 * (dx * dx + dy * dy) / (s * s));
            }
            img[y * w + x] = (float)dac_rng_poisson(&rng, mean);
        }
    return img;
}

static float *draw(size_t w, size_t h, double pixel_A, const double *xy, size_t n, double counts,
                   uint64_t seed)
{
    return draw_fwhm(w, h, pixel_A, xy, n, counts, 0.8, seed);
}

/* The atom width is measured on the frame, not taken from the nominal 1.0 Å: atoms
 * drawn 1.5 Å wide (a low-dose, uncorrected-probe frame) and 0.8 Å wide are both
 * measured within 10 % (1–3 % over seeds), and the positions refined at the measured
 * width have an RMS error below the 0.1 Å of issue 4 (largest single error 0.02–0.08 Å
 * over seeds). */
static void test_atom_width_measured(void **state)
{
    (void)state;
    size_t w = 240, h = 200;
    double pixel = 0.2;
    double xy[] = {30.3, 40.7, 100.0, 80.2, 160.6, 30.1, 60.2, 120.4, 150.5, 130.9,
                   110.4, 25.3, 210.2, 60.6, 200.7, 170.1, 40.5, 170.3, 110.1, 160.8};
    size_t n = 10;
    const double fwhm[2] = {1.5, 0.8};
    for (int t = 0; t < 2; t++) {
        float *img = draw_fwhm(w, h, pixel, xy, n, 6000, fwhm[t], 11 + (uint64_t)t);
        dac_stem_count_params p;
        dac_stem_count_params_default(&p);
        p.pixel_A = pixel;
        count_detection *d;
        assert_int_equal(count_detect(img, w, h, NULL, &p, &d), DAC_OK);
        assert_true(fabs(d->atom_fwhm_A / fwhm[t] - 1) < 0.1);
        assert_int_equal(d->n_blobs, n);
        double ss = 0;
        for (size_t k = 0; k < n; k++) {
            double best = 1e9;
            for (size_t i = 0; i < d->n_blobs; i++)
                best = fmin(best, hypot(d->blobs[i].x_px - xy[2 * k], d->blobs[i].y_px - xy[2 * k + 1]));
            ss += best * best;
        }
        assert_true(sqrt(ss / (double)n) * pixel < 0.1);
        count_detection_free(d);
        free(img);
    }
}

/* A refined centre may not wander further than max_shift_px from its start: a blob
 * started 3 px beside an atom stays where it started (and is still fitted, so its
 * intensity is measured like any other), while without the limit it moves onto the
 * atom. */
static void test_refine_shift_limit(void **state)
{
    (void)state;
    size_t w = 80, h = 80;
    double pixel = 0.2, xy[] = {40.0, 40.0};
    float *img = draw_fwhm(w, h, pixel, xy, 1, 20000, 0.8, 5);
    double s = 0.8 / 2.3548 / pixel;
    for (int limited = 0; limited < 2; limited++) {
        dac_stem_blob b;
        memset(&b, 0, sizeof b);
        b.x_px = 43.0, b.y_px = 40.0, b.amplitude = 2000, b.sigma_px = s, b.snr = 6;
        b.n_atoms = 1, b.element = -1, b.site = -1;
        assert_int_equal(count_refine(img, w, h, &b, 1, s, limited ? s : 0), DAC_OK);
        assert_true(b.refined);
        assert_true(b.intensity > 0);
        if (limited)
            assert_true(fabs(b.x_px - 43.0) < 1e-9 && fabs(b.y_px - 40.0) < 1e-9);
        else
            assert_true(hypot(b.x_px - 40.0, b.y_px - 40.0) < 0.2);
    }
    free(img);
}

/* The shot-noise z (shot_noise_z = 1): the same atoms found on the gradient, the image
 * calibrated as shot noise with gain 1 and offset 0 (drawn as pure Poisson counts: the
 * photon-transfer line is var = mean), and an excess factor near 1 (white noise; the
 * atoms are a small part of the frame; measured 1.13, gain 0.97, offset −4.6). */
static void test_shot_noise_z(void **state)
{
    (void)state;
    size_t w = 200, h = 160;
    double pixel = 0.2;
    double xy[] = {30.3, 40.7, 100.0, 80.2, 160.6, 30.1, 60.2, 120.4, 150.5, 130.9, 110.4, 25.3};
    size_t n = 6;
    float *img = draw(w, h, pixel, xy, n, 3000, 7);
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    p.pixel_A = pixel;
    p.shot_noise_z = 1;
    count_detection *d;
    assert_int_equal(count_detect(img, w, h, NULL, &p, &d), DAC_OK);
    assert_int_equal(d->noise.model, COUNT_NOISE_SHOT);
    assert_true(fabs(d->noise.gain - 1) < 0.1);
    assert_true(fabs(d->noise.offset) < 10); /* a 50–250 count ramp: 10 counts is 5 % */
    assert_true(d->noise_excess > 0.9 && d->noise_excess < 1.2);
    assert_int_equal(d->n_blobs, n);
    count_detection_free(d);
    /* Off by default: then no excess factor is measured. */
    p.shot_noise_z = 0;
    assert_int_equal(count_detect(img, w, h, NULL, &p, &d), DAC_OK);
    assert_true(d->noise_excess == 0 && d->noise.model == COUNT_NOISE_SHOT);
    count_detection_free(d);
    free(img);
}

static void test_threshold_is_bonferroni_tail(void **state)
{
    (void)state;
    /* P(Z > z) = α/N: for α/N = 0.05/1 the one-sided Gaussian quantile is 1.6449. */
    assert_true(fabs(count_threshold_z(0.05, 1) - 1.644854) < 1e-4);
    /* More tests, higher threshold (multiple testing). */
    assert_true(count_threshold_z(0.1, 1e5) > count_threshold_z(0.1, 1e3));
    double z = count_threshold_z(0.1, 1e5);
    assert_true(fabs(0.5 * erfc(z / sqrt(2.0)) - 1e-6) < 1e-9);
}

static void test_finds_atoms_on_a_gradient(void **state)
{
    (void)state;
    size_t w = 200, h = 160;
    double pixel = 0.2;
    double xy[] = {30.3, 40.7, 100.0, 80.2, 160.6, 30.1, 60.2, 120.4, 150.5, 130.9, 110.4, 25.3};
    size_t n = 6;
    float *img = draw(w, h, pixel, xy, n, 3000, 7);
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    p.pixel_A = pixel;
    count_detection *d;
    assert_int_equal(count_detect(img, w, h, NULL, &p, &d), DAC_OK);
    assert_int_equal(d->n_blobs, n);
    double sx[12];
    for (size_t i = 0; i < n; i++)
        sx[2 * i] = d->blobs[i].x_px, sx[2 * i + 1] = d->blobs[i].y_px;
    dac_stem_score_result r;
    assert_int_equal(dac_stem_score(sx, n, xy, n, 1.5 / pixel, &r, NULL), DAC_OK);
    assert_int_equal(r.n_matched, n);
    /* Cramér–Rao for a Gaussian of σ ≈ 1.7 px with 3000 counts on ~100 counts/px is
     * ≈ 0.05 px; allow 0.15 px (0.03 Å). */
    assert_true(r.rms_distance < 0.15);
    for (size_t i = 0; i < n; i++) {
        assert_true(d->blobs[i].refined);
        /* Aperture intensity within 15 % of the drawn 3000 counts. */
        assert_true(fabs(d->blobs[i].intensity - 3000) < 450);
    }
    count_detection_free(d);
    free(img);
}

static void test_noise_alone_gives_few_false_alarms(void **state)
{
    (void)state;
    size_t w = 256, h = 256;
    float *img = draw(w, h, 0.2, NULL, 0, 0, 11);
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    p.pixel_A = 0.2;
    p.false_alarms_per_nm2 = 0.001;
    count_detection *d;
    assert_int_equal(count_detect(img, w, h, NULL, &p, &d), DAC_OK);
    /* Stated rate 0.001/nm² over 26 nm² → 0.03 expected; Poisson P(N ≥ 2) < 10⁻³. The
     * threshold calibrated on the frame's own (Poisson) noise is above the Gaussian one. */
    assert_true(d->noise_null.calibrated && d->threshold_z >= d->threshold_z_gauss);
    assert_true(d->n_blobs <= 1);
    assert_true(d->support_area_nm2 > 26 && d->support_area_nm2 < 26.3);
    count_detection_free(d);
    free(img);
}

static void test_constant_and_bad_images(void **state)
{
    (void)state;
    size_t w = 64, h = 64;
    float *img = malloc(sizeof *img * w * h);
    for (size_t i = 0; i < w * h; i++)
        img[i] = 5.0f;
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    p.pixel_A = 0.2;
    count_detection *d;
    assert_int_equal(count_detect(img, w, h, NULL, &p, &d), DAC_OK);
    assert_int_equal(d->n_blobs, 0);
    count_detection_free(d);
    img[100] = NAN;
    assert_int_equal(count_detect(img, w, h, NULL, &p, &d), DAC_ERR_INPUT);
    assert_null(d);
    assert_non_null(strstr(dac_last_error(), "NaN"));
    img[100] = 5.0f;
    p.pixel_A = 0;
    assert_int_equal(count_detect(img, w, h, NULL, &p, &d), DAC_ERR_USAGE);
    assert_non_null(strstr(dac_last_error(), "--pixel"));
    p.pixel_A = 0.2;
    assert_int_equal(count_detect(img, 4, 4, NULL, &p, &d), DAC_ERR_INPUT);
    free(img);
}

static void test_support_mask_excludes_vacuum(void **state)
{
    (void)state;
    /* Left half vacuum (≈ 2 counts), right half support (≈ 400 counts). */
    size_t w = 256, h = 128;
    float *img = malloc(sizeof *img * w * h);
    dac_rng rng;
    dac_rng_seed(&rng, 3);
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++)
            img[y * w + x] = (float)dac_rng_poisson(&rng, x < w / 2 ? 2 : 400);
    unsigned char *mask = malloc(w * h);
    float *bg = malloc(sizeof *bg * w * h);
    assert_int_equal(count_blur(img, w, h, 10, bg), DAC_OK);
    assert_int_equal(count_support_auto(bg, w, h, mask), DAC_OK);
    size_t in_left = 0, in_right = 0;
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            in_left += x < w / 2 - 20 && mask[y * w + x];
            in_right += x > w / 2 + 20 && mask[y * w + x];
        }
    assert_int_equal(in_left, 0);
    assert_int_equal(in_right, (w / 2 - 21) * h);
    free(img), free(mask), free(bg);
}

/* Clear vacuum under a weak variance split (issue 10): bright pixels on the support
 * (1 %, 4.6× its level, as atoms on a blurred background) lift the total variance until
 * Otsu's between-class share η falls to ≈ 0.6, below the 0.8 it trusts, and only the
 * robust gap (class medians ≈ 34 MADs apart) shows the vacuum. The frame is larger than
 * 2^20 pixels, so the class medians come from the sampled grid (background.c). */
static void test_support_gap_on_a_large_frame(void **state)
{
    (void)state;
    size_t w = 1100, h = 1000, edge = 330;
    float *bg = malloc(sizeof *bg * w * h);
    unsigned char *mask = malloc(w * h);
    dac_rng rng;
    dac_rng_seed(&rng, 17);
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            double level = x < edge ? 0 : (x * 7 + y * 13) % 100 == 0 ? 460 : 100;
            bg[y * w + x] = (float)(level + 4 * (dac_rng_uniform(&rng) - 0.5));
        }
    assert_int_equal(count_support_auto(bg, w, h, mask), DAC_OK);
    size_t wrong = 0;
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++)
            wrong += mask[y * w + x] != (x >= edge);
    assert_int_equal(wrong, 0);
    free(bg), free(mask);
}

/* Vacuum on half the frame (issue review 2): the support/vacuum step gives the filtered
 * image strong minima along the edge, which used to count as decoys and, with a decoy
 * allowance of ⌊rate × area⌋ = 0 on a small frame, lifted the threshold above every
 * atom. With the edge band left out of the search and the decoys judged against their
 * Gaussian expectation, all 20 atoms on the support side (≥ 35 px from the edge, the
 * band being 3σ_bg = 30 px) are found, nothing in the vacuum, and the threshold stays
 * within 10 % of the Gaussian-tail value. */
static void test_half_vacuum_frame(void **state)
{
    (void)state;
    size_t w = 240, h = 200, n = 0;
    double pixel = 0.2, xy[40];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 5; j++) {
            xy[2 * n] = 15.3 + 22.0 * i + 0.4 * j;
            xy[2 * n + 1] = 20.6 + 40.0 * j;
            n++;
        }
    double s = 1.0 / 2.3548 / pixel;
    float *img = malloc(sizeof *img * w * h);
    dac_rng rng;
    dac_rng_seed(&rng, 21);
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            double mean = x < w / 2 ? 100.0 : 5.0;
            for (size_t k = 0; k < n && x < w / 2; k++) {
                double dx = (double)x - xy[2 * k], dy = (double)y - xy[2 * k + 1];
                mean += 4000 / (2 * DAC_PI * s * s) * exp(-0.5 * (dx * dx + dy * dy) / (s * s));
            }
            img[y * w + x] = (float)dac_rng_poisson(&rng, mean);
        }
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    p.pixel_A = pixel;
    count_detection *d;
    assert_int_equal(count_detect(img, w, h, NULL, &p, &d), DAC_OK);
    assert_true(d->support_area_nm2 < 0.55 * (double)(w * h) * pixel * pixel / 100);
    assert_true(d->threshold_z < 1.1 * d->threshold_z_gauss);
    assert_int_equal(d->n_blobs, n);
    for (size_t k = 0; k < n; k++) {
        double best = 1e9;
        for (size_t i = 0; i < d->n_blobs; i++)
            best = fmin(best, hypot(d->blobs[i].x_px - xy[2 * k], d->blobs[i].y_px - xy[2 * k + 1]));
        assert_true(best * pixel < 0.3);
    }
    count_detection_free(d);
    free(img);
}

/* The decoy calibration still raises the threshold when the noise has heavy,
 * symmetric tails: 60 blobs of the atom's size but random sign (bright and dark
 * texture of equal strength, 0.5–1.5 × a typical amplitude) on Gaussian noise. Under a
 * Gaussian null about 0.02 decoys would pass (Poisson 99.9 % quantile: 1); the ≈ 30
 * dark blobs are decoys far beyond that, so the threshold rises above most bright
 * blobs, which the Gaussian threshold alone would all accept. */
static void test_decoys_raise_threshold_for_symmetric_tails(void **state)
{
    (void)state;
    size_t w = 200, h = 200, nb = 60;
    double pixel = 0.2, s = 1.0 / 2.3548 / pixel, blob[3 * 60];
    dac_rng rng;
    dac_rng_seed(&rng, 8);
    size_t n_bright = 0;
    for (size_t k = 0; k < nb; k++) {
        blob[3 * k] = 8 + 184 * dac_rng_uniform(&rng);
        blob[3 * k + 1] = 8 + 184 * dac_rng_uniform(&rng);
        double sign = dac_rng_uniform(&rng) < 0.5 ? -1 : 1;
        blob[3 * k + 2] = sign * 40 * (0.5 + dac_rng_uniform(&rng));
        n_bright += sign > 0;
    }
    float *img = malloc(sizeof *img * w * h);
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            double v = 100 + 3 * dac_rng_normal(&rng);
            for (size_t k = 0; k < nb; k++) {
                double dx = (double)x - blob[3 * k], dy = (double)y - blob[3 * k + 1];
                v += blob[3 * k + 2] * exp(-0.5 * (dx * dx + dy * dy) / (s * s));
            }
            img[y * w + x] = (float)v;
        }
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    p.pixel_A = pixel;
    p.refine = 0;
    count_detection *d;
    assert_int_equal(count_detect(img, w, h, NULL, &p, &d), DAC_OK);
    assert_true(n_bright > 20);
    assert_true(d->n_decoys > 10);
    assert_true(d->threshold_z > d->threshold_z_gauss + 2);
    assert_true(d->n_blobs < n_bright / 2);
    count_detection_free(d);
    free(img);
}

/* A pixel size that cannot be the frame's is refused with a message naming it, rather
 * than run (1e-6 Å made the background kernel millions of pixels wide and hung the
 * blur); the blur itself handles a kernel far wider than the row. */
static void test_impossible_pixel_size(void **state)
{
    (void)state;
    size_t w = 64, h = 64;
    float *img = malloc(sizeof *img * w * h), *out = malloc(sizeof *out * w * h);
    dac_rng rng;
    dac_rng_seed(&rng, 4);
    for (size_t i = 0; i < w * h; i++)
        img[i] = (float)dac_rng_poisson(&rng, 100);
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    count_detection *d = NULL;
    const double bad[2] = {1e-6, 5.0}; /* background 2e6 px; atom 0.2 px FWHM */
    for (int t = 0; t < 2; t++) {
        p.pixel_A = bad[t];
        assert_int_equal(count_detect(img, w, h, NULL, &p, &d), DAC_ERR_INPUT);
        assert_null(d);
        assert_non_null(strstr(dac_last_error(), "pixel size"));
    }
    p.pixel_A = 0.2;
    p.min_atom_fraction = -1;
    assert_int_equal(count_detect(img, w, h, NULL, &p, &d), DAC_ERR_USAGE);
    assert_non_null(strstr(dac_last_error(), "min atom fraction"));
    /* σ = 500 px on a 64 px row: the mirrored image is periodic, a constant stays. */
    for (size_t i = 0; i < w * h; i++)
        img[i] = 7.0f;
    assert_int_equal(count_blur(img, 16, 4, 500, out), DAC_OK);
    for (size_t i = 0; i < 64; i++)
        assert_true(fabs(out[i] - 7.0) < 1e-3);
    free(img), free(out);
}

static void test_blur_keeps_mean_and_matches_gaussian_width(void **state)
{
    (void)state;
    /* A delta blurred with σ has second moment σ² (direct path and pyramid path). */
    size_t w = 201, h = 201;
    float *img = calloc(w * h, sizeof *img), *out = malloc(sizeof *out * w * h);
    img[100 * w + 100] = 1.0f;
    const double sig[] = {2.0, 12.0};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(count_blur(img, w, h, sig[k], out), DAC_OK);
        double sum = 0, m2 = 0;
        for (size_t y = 0; y < h; y++)
            for (size_t x = 0; x < w; x++) {
                double v = out[y * w + x], dx = (double)x - 100;
                sum += v, m2 += v * dx * dx;
            }
        assert_true(fabs(sum - 1) < 1e-3);
        assert_true(fabs(sqrt(m2 / sum) - sig[k]) < 0.06 * sig[k] + 0.3);
    }
    free(img), free(out);
}

/* Atoms closer than the matched filter resolves (the default study's Ni4 tetrahedra
 * were counted as one atom): a Ni4 tetrahedron of edge 2.49 Å seen down its 3-fold
 * axis (three base atoms 2.49 Å apart, the apex at their centroid, 1.44 Å from each),
 * and, in a second frame, a Pt3 triangle of edge 2.77 Å (the Pt–Pt bond), rendered by
 * the simulator at 5·10⁵ e⁻/Å² on 20 Å of carbon with six isolated singles of the same
 * element. The filter merges the tetrahedron into one maximum (its base atoms come from
 * detection on the residual, count_residual.c; the triangle is resolved by the first
 * pass). Every atom must be found within 0.3 Å, one blob per atom and nothing else, and
 * each clustered atom must measure as one atom: within 20 % of the median single
 * (measured 0.89–1.04 over both seeds; singles scatter by ≈ 4 %; before the residual
 * step the tetrahedron's one blob measured ≈ 0.6). One element per frame: the amplitude
 * test compares with the typical atom of the frame. */
static void render_group(int pt_frame, uint64_t seed)
{
    const size_t w = 260, h = 200;
    const double pixel = 0.2;
    dac_stem_options opt;
    dac_stem_options_default(&opt);
    opt.pixel_A = pixel;
    opt.dose_e_A2 = 5e5;
    opt.support_thickness_A = 20;
    double sig = dac_stem_sigma_A2(&opt, pt_frame ? 78 : 28);
    dac_stem_point pt[10];
    size_t n = 0;
    const double sx[] = {30, 130, 230, 30, 130, 230}, sy[] = {30, 30, 30, 170, 170, 170};
    for (int k = 0; k < 6; k++)
        pt[n++] = (dac_stem_point){sx[k] + 0.3, sy[k] + 0.6, sig};
    /* Triangle vertices at R = a/√3 from the centroid; the Ni4 apex at the centroid. */
    const double cx = 130.3, cy = 100.4, a_A = pt_frame ? 2.77 : 2.49;
    const size_t first_group = n;
    for (int k = 0; k < 3; k++) {
        double th = DAC_PI / 2 + 2 * DAC_PI * k / 3 + 0.2 * seed, r = a_A / sqrt(3.0) / pixel;
        pt[n++] = (dac_stem_point){cx + r * cos(th), cy + r * sin(th), sig};
    }
    if (!pt_frame)
        pt[n++] = (dac_stem_point){cx, cy, sig};
    dac_stem_sim *sim;
    assert_int_equal(dac_stem_sim_create(&opt, w, h, &sim), DAC_OK);
    dac_image *img;
    assert_int_equal(dac_stem_sim_render_points(sim, pt, n, seed, &img), DAC_OK);
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    p.pixel_A = pixel;
    count_detection *d;
    assert_int_equal(count_detect(img->pixels, w, h, NULL, &p, &d), DAC_OK);
    assert_int_equal(d->n_blobs, n);
    if (!pt_frame) /* the filter merges the tetrahedron: atoms come from the residual */
        assert_true(d->n_residual >= 1);
    double single[6];
    size_t match[10];
    for (size_t k = 0; k < n; k++) {
        double best = 1e9;
        for (size_t i = 0; i < d->n_blobs; i++) {
            double dist = hypot(d->blobs[i].x_px - pt[k].x_px, d->blobs[i].y_px - pt[k].y_px);
            if (dist < best)
                best = dist, match[k] = i;
        }
        assert_true(best * pixel < 0.3);
        for (size_t j = 0; j < k; j++)
            assert_true(match[j] != match[k]); /* one blob per atom */
        if (k < first_group)
            single[k] = d->blobs[match[k]].intensity;
    }
    qsort(single, first_group, sizeof *single, cmp_double);
    double median = 0.5 * (single[2] + single[3]);
    for (size_t k = first_group; k < n; k++) {
        double ratio = d->blobs[match[k]].intensity / median;
        assert_true(ratio > 0.8 && ratio < 1.2);
    }
    count_detection_free(d);
    dac_image_free(img);
    dac_stem_sim_free(sim);
}

static void test_close_atoms_found_on_residual(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 2; seed++) {
        render_group(0, seed); /* Ni4 tetrahedron */
        render_group(1, seed); /* Pt3 triangle */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threshold_is_bonferroni_tail),
        cmocka_unit_test(test_finds_atoms_on_a_gradient),
        cmocka_unit_test(test_shot_noise_z),
        cmocka_unit_test(test_atom_width_measured),
        cmocka_unit_test(test_refine_shift_limit),
        cmocka_unit_test(test_close_atoms_found_on_residual),
        cmocka_unit_test(test_noise_alone_gives_few_false_alarms),
        cmocka_unit_test(test_constant_and_bad_images),
        cmocka_unit_test(test_support_mask_excludes_vacuum),
        cmocka_unit_test(test_support_gap_on_a_large_frame),
        cmocka_unit_test(test_half_vacuum_frame),
        cmocka_unit_test(test_decoys_raise_threshold_for_symmetric_tails),
        cmocka_unit_test(test_impossible_pixel_size),
        cmocka_unit_test(test_blur_keeps_mean_and_matches_gaussian_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

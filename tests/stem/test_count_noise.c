/*
 * test_count_noise.c — the photon-transfer noise model (count_noise.c): gain and offset
 * of a detector recovered from one image, the constant fallback for a uniform image,
 * the refusal of a model whose variance does not grow with the signal, and a positive
 * variance floor when vacuum reads exact zeros.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dac/core.h"
#include "stem/count/count_internal.h"

/* An image of gain·Poisson(n(x)) + offset with the mean count n rising from n_lo at the
 * left edge to n_hi at the right (a thickness ramp of the support). */
static float *ramp_image(size_t w, size_t h, double n_lo, double n_hi, double gain, double offset,
                         uint64_t seed)
{
    dac_rng rng;
    dac_rng_seed(&rng, seed);
    float *img = malloc(sizeof *img * w * h);
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            double mean = n_lo + (n_hi - n_lo) * (double)x / (double)(w - 1);
            img[y * w + x] = (float)(gain * (double)dac_rng_poisson(&rng, mean) + offset);
        }
    return img;
}

/* Photon transfer (Janesick 2007): var = gain·(mean − offset) for shot noise through a
 * linear detector. With 5–60 electrons per pixel, as on the dev images, the gain comes
 * back within 5 % (the pixel-scale residual cancels the linear ramp inside a block). */
static void test_gain_and_offset_recovered(void **state)
{
    (void)state;
    size_t w = 512, h = 256;
    float *img = ramp_image(w, h, 5, 60, 1000.0, 20000.0, 7);
    count_noise_model m;
    assert_int_equal(count_noise_calibrate(img, w, h, NULL, &m), DAC_OK);
    assert_int_equal(m.model, COUNT_NOISE_SHOT);
    assert_true(fabs(m.gain / 1000.0 - 1) < 0.05);
    /* The offset is an extrapolation to zero signal, 5 electrons below the darkest
     * block: within one electron (measured 0.44; the median of a block's χ² variance
     * sits 0.3 % below its mean). */
    assert_true(fabs(m.offset - 20000.0) < 1000.0);
    assert_true(fabs(m.electrons_median - 32.5) < 2.5);
    /* The predicted variance at a level follows the line, floored at the smallest
     * measured variance below the calibrated range. */
    double v = count_noise_variance(&m, 20000.0 + 1000.0 * 30);
    assert_true(fabs(v / (1000.0 * 1000.0 * 30) - 1) < 0.08);
    assert_true(count_noise_variance(&m, 0) >= m.var_min);
    free(img);
}

/* A uniform support: no spread of means, no slope to measure; the variance is the median
 * block variance (Poisson: gain²·n). */
static void test_uniform_image_constant_model(void **state)
{
    (void)state;
    size_t w = 256, h = 256;
    float *img = ramp_image(w, h, 40, 40, 2.0, 100.0, 11);
    count_noise_model m;
    assert_int_equal(count_noise_calibrate(img, w, h, NULL, &m), DAC_OK);
    assert_int_equal(m.model, COUNT_NOISE_CONSTANT);
    assert_true(fabs(count_noise_variance(&m, 180.0) / (4.0 * 40) - 1) < 0.1);
    free(img);
}

/* Too small to calibrate, and variance falling with the signal: no model (the detector
 * then uses block MADs). */
static void test_invalid_models(void **state)
{
    (void)state;
    float small[16 * 16] = {0};
    count_noise_model m;
    assert_int_equal(count_noise_calibrate(small, 16, 16, NULL, &m), DAC_OK);
    assert_int_equal(m.model, COUNT_NOISE_INVALID);
    /* Noise amplitude shrinking as the level rises. */
    size_t w = 512, h = 256;
    dac_rng rng;
    dac_rng_seed(&rng, 3);
    float *img = malloc(sizeof *img * w * h);
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++)
            img[y * w + x] = (float)(1000.0 + 10.0 * (double)x + (600.0 - (double)x) * 0.5 * dac_rng_normal(&rng));
    assert_int_equal(count_noise_calibrate(img, w, h, NULL, &m), DAC_OK);
    assert_int_equal(m.model, COUNT_NOISE_INVALID);
    free(img);
}

/* Vacuum read out as exact zeros (a clipped or background-subtracted detector): its
 * blocks measure variance 0, which must not become the floor of the model, or every
 * z = f/σ there is f/0 (inf or NaN) on the shot-noise path. The floor is the smallest
 * positive variance measured; every level, NaN included, gets a finite positive σ². */
static void test_zero_vacuum_keeps_positive_floor(void **state)
{
    (void)state;
    size_t w = 512, h = 256;
    float *img = ramp_image(w, h, 5, 60, 1000.0, 20000.0, 5);
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w / 4; x++)
            img[y * w + x] = 0.0f;
    count_noise_model m;
    assert_int_equal(count_noise_calibrate(img, w, h, NULL, &m), DAC_OK);
    assert_int_not_equal(m.model, COUNT_NOISE_INVALID);
    assert_true(m.var_min > 0);
    double levels[] = {0.0, -1e6, 20000.0, 1e9, NAN};
    for (size_t i = 0; i < sizeof levels / sizeof *levels; i++) {
        double v = count_noise_variance(&m, levels[i]);
        assert_true(isfinite(v) && v >= m.var_min);
    }
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gain_and_offset_recovered),
        cmocka_unit_test(test_uniform_image_constant_model),
        cmocka_unit_test(test_invalid_models),
        cmocka_unit_test(test_zero_vacuum_keeps_positive_floor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

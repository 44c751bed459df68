/*
 * test_probe.c — physics of the STEM probe (src/stem/probe.c) against closed forms for
 * the aberration-free (Airy) probe, and the plain Gaussian probe.
 */
#define _XOPEN_SOURCE 700 /* j0, j1 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "dac/stem.h"

static dac_stem_probe *airy(double kv, double alpha_mrad)
{
    dac_stem_probe_options o;
    dac_stem_probe_options_default(&o);
    o.voltage_kV = kv;
    o.alpha_mrad = alpha_mrad;
    o.source_fwhm_A = 0;
    dac_stem_probe *p = NULL;
    assert_int_equal(dac_stem_probe_create(&o, &p), DAC_OK);
    return p;
}

/* Law: the aberration-free probe is an Airy disc, I ∝ [2J1(v)/v]², v = 2πα r/λ, whose
 * FWHM is 0.514 λ/α (docs/science.md §3; Born & Wolf §8.5.2). λ relativistic. */
static void test_airy_fwhm(void **state)
{
    (void)state;
    const double cases[][2] = {{300, 25}, {200, 20}, {80, 30}};
    for (size_t i = 0; i < 3; i++) {
        dac_stem_probe *p = airy(cases[i][0], cases[i][1]);
        double lambda = dac_electron_wavelength_A(cases[i][0] * 1e3);
        double expect = 0.514 * lambda / (cases[i][1] * 1e-3), fwhm = 0;
        assert_int_equal(dac_stem_probe_fwhm(p, &fwhm), DAC_OK);
        assert_true(fabs(fwhm / expect - 1) < 0.02);
        assert_true(fabs(dac_stem_probe_wavelength_A(p) - lambda) < 1e-12);
        dac_stem_probe_free(p);
    }
}

/* Law: the OTF of an aberration-free incoherent probe with a circular aperture is the
 * pupil autocorrelation T(s) = (2/π)[acos s − s√(1−s²)], s = k/(2α/λ) (Goodman,
 * "Introduction to Fourier Optics", §6.3), zero for s ≥ 1. */
static void test_airy_otf(void **state)
{
    (void)state;
    dac_stem_probe *p = airy(300, 25);
    double kc = 2 * 25e-3 / dac_stem_probe_wavelength_A(p);
    for (double s = 0; s <= 1.2; s += 0.05) {
        double expect = s < 1 ? (2 / DAC_PI) * (acos(s) - s * sqrt(1 - s * s)) : 0;
        double got = dac_stem_probe_otf(p, s * kc * 0.6, s * kc * 0.8); /* |k| = s kc */
        assert_true(fabs(got - expect) < 0.005);
    }
    dac_stem_probe_free(p);
}

/* Law: the probe integrates to 1, and the Airy disc's encircled energy is
 * E(R) = 1 − J0²(v) − J1²(v), v = 2παR/λ (Rayleigh; Born & Wolf §8.5.2). A radial
 * quadrature of P(r) checks the normalisation and the shape together. */
static void test_airy_encircled_energy(void **state)
{
    (void)state;
    dac_stem_probe *p = airy(300, 25);
    double lambda = dac_stem_probe_wavelength_A(p), alpha = 25e-3;
    const double radii[] = {0.3, 1.0, 2.0};
    double sum = 0, r_prev = 0, f_prev = 0;
    const double dr = 0.01;
    size_t k = 0;
    for (double r = dr; k < 3; r += dr) {
        double f = 2 * DAC_PI * r * dac_stem_probe_intensity(p, r, 0);
        sum += 0.5 * (f + f_prev) * (r - r_prev); /* trapezoid */
        r_prev = r;
        f_prev = f;
        if (fabs(r - radii[k]) < 0.5 * dr) {
            double v = 2 * DAC_PI * alpha * r / lambda;
            double expect = 1 - j0(v) * j0(v) - j1(v) * j1(v);
            assert_true(fabs(sum - expect) < 0.005);
            k++;
        }
    }
    dac_stem_probe_free(p);
}

/* Law: a Gaussian of rms σ has FWHM 2√(2 ln 2)σ, OTF exp(−2π²σ²k²), integral 1. */
static void test_gaussian_probe(void **state)
{
    (void)state;
    dac_stem_probe_options o;
    dac_stem_probe_options_default(&o);
    o.gaussian_fwhm_A = 0.8;
    dac_stem_probe *p = NULL;
    assert_int_equal(dac_stem_probe_create(&o, &p), DAC_OK);
    double fwhm = 0;
    assert_int_equal(dac_stem_probe_fwhm(p, &fwhm), DAC_OK);
    assert_true(fabs(fwhm - 0.8) < 1e-3);
    double sigma = 0.8 / (2 * sqrt(2 * log(2)));
    assert_true(fabs(dac_stem_probe_otf(p, 0.5, 0) -
                     exp(-2 * DAC_PI * DAC_PI * sigma * sigma * 0.25)) < 1e-12);
    assert_true(fabs(dac_stem_probe_intensity(p, 0, 0) * 2 * DAC_PI * sigma * sigma - 1) < 1e-12);
    dac_stem_probe_free(p);
}

/* Defocus spreads the probe (geometric blur Δf·α); a source blurs it further. */
static void test_defocus_and_source_broaden(void **state)
{
    (void)state;
    dac_stem_probe_options o;
    dac_stem_probe_options_default(&o);
    o.source_fwhm_A = 0;
    dac_stem_probe *p0 = NULL, *p1 = NULL, *p2 = NULL;
    assert_int_equal(dac_stem_probe_create(&o, &p0), DAC_OK);
    o.defocus_A = 50;
    assert_int_equal(dac_stem_probe_create(&o, &p1), DAC_OK);
    o.defocus_A = 0;
    o.source_fwhm_A = 0.7;
    assert_int_equal(dac_stem_probe_create(&o, &p2), DAC_OK);
    double f0, f2;
    assert_int_equal(dac_stem_probe_fwhm(p0, &f0), DAC_OK);
    assert_int_equal(dac_stem_probe_fwhm(p2, &f2), DAC_OK);
    assert_true(dac_stem_probe_intensity(p1, 0, 0) < 0.8 * dac_stem_probe_intensity(p0, 0, 0));
    /* Convolving with a Gaussian adds widths roughly in quadrature. */
    assert_true(f2 > 0.7 && f2 < f0 + 0.7);
    assert_true(fabs(f2 - sqrt(f0 * f0 + 0.49)) < 0.1);
    /* Still normalised: OTF(0) = 1. */
    assert_true(fabs(dac_stem_probe_otf(p1, 0, 0) - 1) < 1e-12);
    assert_true(fabs(dac_stem_probe_otf(p2, 0, 0) - 1) < 1e-12);
    dac_stem_probe_free(p0);
    dac_stem_probe_free(p1);
    dac_stem_probe_free(p2);
}

static void test_bad_options(void **state)
{
    (void)state;
    dac_stem_probe_options o;
    dac_stem_probe *p = (dac_stem_probe *)&o;
    dac_stem_probe_options_default(&o);
    o.alpha_mrad = 0;
    assert_int_equal(dac_stem_probe_create(&o, &p), DAC_ERR_USAGE);
    assert_null(p);
    dac_stem_probe_options_default(&o);
    o.voltage_kV = NAN;
    assert_int_equal(dac_stem_probe_create(&o, &p), DAC_ERR_USAGE);
    dac_stem_probe_options_default(&o);
    o.defocus_A = 4000; /* needs a probe grid beyond the limit */
    o.alpha_mrad = 100;
    assert_int_equal(dac_stem_probe_create(&o, &p), DAC_ERR_USAGE);
    assert_true(dac_last_error()[0] != '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_airy_fwhm),
        cmocka_unit_test(test_airy_otf),
        cmocka_unit_test(test_airy_encircled_energy),
        cmocka_unit_test(test_gaussian_probe),
        cmocka_unit_test(test_defocus_and_source_broaden),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

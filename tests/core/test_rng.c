/*
 * test_rng.c — xoshiro256** against its reference outputs, stream independence, and the
 * moments of every variate (mean and variance within 5 standard errors).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "dac/core.h"

/* Reference: state {1,2,3,4} gives 11520, 0, 1509978240, 1215971899390074240
 * (xoshiro256starstar.c of Blackman & Vigna). */
static void test_reference_outputs(void **state)
{
    (void)state;
    dac_rng r = {{1, 2, 3, 4}, 0, 0};
    assert_int_equal(dac_rng_next(&r), 11520ULL);
    assert_int_equal(dac_rng_next(&r), 0ULL);
    assert_int_equal(dac_rng_next(&r), 1509978240ULL);
    assert_int_equal(dac_rng_next(&r), 1215971899390074240ULL);
}

static void test_same_seed_same_sequence(void **state)
{
    (void)state;
    dac_rng a, b, c;
    dac_rng_seed(&a, 42);
    dac_rng_seed(&b, 42);
    dac_rng_seed(&c, 43);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = dac_rng_next(&a);
        assert_int_equal(x, dac_rng_next(&b));
        differ += x != dac_rng_next(&c);
    }
    assert_true(differ > 990);
}

static void test_streams_differ(void **state)
{
    (void)state;
    dac_rng s0, s1, s1b;
    dac_rng_seed_stream(&s0, 7, 0);
    dac_rng_seed_stream(&s1, 7, 1);
    dac_rng_seed_stream(&s1b, 7, 1);
    int same = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t y = dac_rng_next(&s1);
        same += dac_rng_next(&s0) == y;
        assert_int_equal(y, dac_rng_next(&s1b));
    }
    assert_true(same == 0);
}

typedef double (*variate)(dac_rng *, double);
static double v_uniform(dac_rng *r, double p) { (void)p; return dac_rng_uniform(r); }
static double v_normal(dac_rng *r, double p) { (void)p; return dac_rng_normal(r); }
static double v_exponential(dac_rng *r, double rate) { return dac_rng_exponential(r, rate); }
static double v_poisson(dac_rng *r, double mean) { return (double)dac_rng_poisson(r, mean); }

static void check_moments(variate f, double param, double mean, double var)
{
    enum { N = 400000 };
    dac_rng r;
    dac_rng_seed(&r, 2026);
    double s = 0, s2 = 0;
    for (int i = 0; i < N; i++) {
        double x = f(&r, param);
        s += x;
        s2 += x * x;
    }
    double m = s / N, v = s2 / N - m * m;
    /* 5 standard errors: the test fails only if the variate is wrong. */
    assert_true(fabs(m - mean) < 5 * sqrt(var / N));
    /* Var of the sample variance is (mu4 - var²)/N; mu4 ≤ 9 var² for every variate here. */
    assert_true(fabs(v - var) < 5 * var * sqrt(8.0 / N));
}

static void test_moments(void **state)
{
    (void)state;
    check_moments(v_uniform, 0, 0.5, 1.0 / 12);
    check_moments(v_normal, 0, 0.0, 1.0);
    check_moments(v_exponential, 2.0, 0.5, 0.25);
    check_moments(v_poisson, 0.3, 0.3, 0.3);
    check_moments(v_poisson, 4.5, 4.5, 4.5);
    check_moments(v_poisson, 37.0, 37.0, 37.0);
    check_moments(v_poisson, 1e5, 1e5, 1e5);
    /* Absurd means stay defined (no float-to-integer overflow). */
    dac_rng r;
    dac_rng_seed(&r, 1);
    assert_true(dac_rng_poisson(&r, 1e30) == (uint64_t)1 << 63);
    uint64_t k = dac_rng_poisson(&r, 4e15);
    assert_true(k > 4e15 - 1e9 && k < 4e15 + 1e9);
    assert_int_equal(dac_rng_poisson(&r, NAN), 0);
}

/* Poisson pmf at small k for a mean on the large-mean (PTRS) branch. */
static void test_poisson_pmf(void **state)
{
    (void)state;
    enum { N = 500000 };
    const double mean = 12.0;
    dac_rng r;
    dac_rng_seed(&r, 5);
    long count[60] = {0};
    for (int i = 0; i < N; i++) {
        uint64_t k = dac_rng_poisson(&r, mean);
        if (k < 60)
            count[k]++;
    }
    for (int k = 4; k < 22; k++) {
        double p = exp(-mean + k * log(mean) - lgamma(k + 1.0));
        double se = sqrt(N * p);
        assert_true(fabs(count[k] - N * p) < 5 * se);
    }
}

static void test_below_is_unbiased(void **state)
{
    (void)state;
    dac_rng r;
    dac_rng_seed(&r, 11);
    long count[3] = {0};
    for (int i = 0; i < 300000; i++)
        count[dac_rng_below(&r, 3)]++;
    for (int k = 0; k < 3; k++)
        assert_true(fabs(count[k] - 100000.0) < 5 * sqrt(300000 * (1.0 / 3) * (2.0 / 3)));
    assert_int_equal(dac_rng_below(&r, 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_outputs), cmocka_unit_test(test_same_seed_same_sequence),
        cmocka_unit_test(test_streams_differ),    cmocka_unit_test(test_moments),
        cmocka_unit_test(test_poisson_pmf),       cmocka_unit_test(test_below_is_unbiased),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * rng.c — xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom number
 * generators", ACM TOMS 2021; reference code at prng.di.unimi.it, public domain) and
 * the variates dac needs: uniform, normal (Marsaglia polar), exponential (inversion),
 * Poisson (sequential inversion for small means, the PTRS transformed rejection of
 * Hörmann 1993 for large means, which is exact and O(1)).
 *
 * Streams: stream k of a seed is the seeded state jumped k times (2^128 steps each),
 * so parallel workers never overlap and results do not depend on thread count.
 */
#include <math.h>

#include "core/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void dac_rng_seed(dac_rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
    rng->has_spare = 0;
    rng->spare = 0.0;
}

void dac_rng_seed_stream(dac_rng *rng, uint64_t seed, uint64_t stream)
{
    dac_rng_seed(rng, seed);
    for (uint64_t k = 0; k < stream; k++)
        dac_rng_jump(rng);
}

uint64_t dac_rng_next(dac_rng *rng) { return dac_rng_step(rng); }

void dac_rng_jump(dac_rng *rng)
{
    static const uint64_t JUMP[] = {0x180ec6d33cfd0abaULL, 0xd5a61266f0c9392cULL,
                                    0xa9582618e03fc9aaULL, 0x39abdc4529b1661cULL};
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 64; b++) {
            if (JUMP[i] & ((uint64_t)1 << b)) {
                s0 ^= rng->s[0];
                s1 ^= rng->s[1];
                s2 ^= rng->s[2];
                s3 ^= rng->s[3];
            }
            dac_rng_next(rng);
        }
    rng->s[0] = s0;
    rng->s[1] = s1;
    rng->s[2] = s2;
    rng->s[3] = s3;
    rng->has_spare = 0;
}

double dac_rng_uniform(dac_rng *rng) { return (dac_rng_next(rng) >> 11) * 0x1.0p-53; }

double dac_rng_uniform_open(dac_rng *rng)
{
    return ((dac_rng_next(rng) >> 12) + 0.5) * 0x1.0p-52;
}

/* Lemire's nearly divisionless method: unbiased. */
uint64_t dac_rng_below(dac_rng *rng, uint64_t n)
{
    if (n == 0)
        return 0;
    __uint128_t m = (__uint128_t)dac_rng_next(rng) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            m = (__uint128_t)dac_rng_next(rng) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double dac_rng_normal(dac_rng *rng)
{
    double u, v, s;
    if (rng->has_spare) {
        rng->has_spare = 0;
        return rng->spare;
    }
    do {
        u = 2.0 * dac_rng_uniform(rng) - 1.0;
        v = 2.0 * dac_rng_uniform(rng) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    s = sqrt(-2.0 * log(s) / s);
    rng->spare = v * s;
    rng->has_spare = 1;
    return u * s;
}

double dac_rng_exponential(dac_rng *rng, double rate)
{
    return -log(dac_rng_uniform_open(rng)) / rate;
}

/* PTRS: W. Hörmann, "The transformed rejection method for generating Poisson random
 * variables", Insurance: Mathematics and Economics 12 (1993) 39–45. Valid for mean ≥ 10. */
static uint64_t poisson_ptrs(dac_rng *rng, double mean)
{
    /* log(mean) only on the rare slow path (≈ 10 % of draws): it was one log per
     * draw, and the false-alarm calibration draws a Poisson number per pixel. */
    const double slam = sqrt(mean);
    double loglam = NAN;
    const double b = 0.931 + 2.53 * slam;
    const double a = -0.059 + 0.02483 * b;
    const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const double vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
        double u = dac_rng_uniform(rng) - 0.5;
        double v = dac_rng_uniform_open(rng);
        double us = 0.5 - fabs(u);
        double k = floor((2.0 * a / us + b) * u + mean + 0.43);
        if (us >= 0.07 && v <= vr)
            return (uint64_t)k;
        if (k < 0 || (us < 0.013 && v > us))
            continue;
        if (isnan(loglam))
            loglam = log(mean);
        if (log(v) + log(invalpha) - log(a / (us * us) + b) <=
            -mean + k * loglam - lgamma(k + 1.0))
            return (uint64_t)k;
    }
}

/* Small means: sequential-search inversion (Devroye, "Non-Uniform Random Variate
 * Generation", 1986, §X.3.3): one uniform and ~λ multiplications, ~5× faster than the
 * product method, which matters for images where most pixels see a few electrons.
 * The cap guards against round-off leaving u above the accumulated CDF. */
uint64_t dac_rng_poisson(dac_rng *rng, double mean)
{
    if (!(mean > 0.0))
        return 0;
    if (mean > 1e15) {
        /* Beyond any physical count here; the normal limit is exact to ~1e-7 relative
         * (skewness 1/sqrt(mean)) and saturating keeps the cast defined. */
        double k = floor(mean + sqrt(mean) * dac_rng_normal(rng) + 0.5);
        return k >= 0x1p63 ? (uint64_t)1 << 63 : (uint64_t)k;
    }
    if (mean >= 10.0)
        return poisson_ptrs(rng, mean);
    double u = dac_rng_uniform(rng), p = exp(-mean), cdf = p;
    uint64_t k = 0;
    while (u > cdf && k < 1000) {
        k++;
        p *= mean / (double)k;
        cdf += p;
    }
    return k;
}

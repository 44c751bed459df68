/*
 * select.c — order statistics without sorting, shared by percentile stretches and robust
 * (median / MAD) noise estimates. No Debian library in our set offers a selection
 * routine, and a full sort costs O(n log n) on 16-megapixel images.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/select.h"
#include "dac/core.h"

static float median3(float a, float b, float c)
{
    return a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
}

/* Below this many values the quickselect alone is as fast as narrowing first; up to
 * NARROW_STACK the gathered values live on the stack, beyond in a block of the heap. */
#define NARROW_MIN 2048
#define NARROW_STACK 4096
/* The bracket's half-width around k's rank in the sample, in standard deviations of
 * that rank (√s/2 at the median): ~2 % of the calls miss and select the whole array. */
#define NARROW_SPREAD 2.3

static float quickselect(float *v, size_t n, size_t k);

/* Narrowing before the quickselect (the idea of Floyd & Rivest, CACM 18, 165 (1975)):
 * two order statistics of a sample of about √n values bracket the k-th
 * value, one pass copies the values between them (bounds included) to `in`, and the
 * k-th is selected among those alone, typically a third of n or less. The pass only
 * stores (the quickselect's in-place swaps wait on the store before), and leaves v as
 * it was. When the k-th is outside the bracket (rare) or ties fill it, v is selected
 * whole. Either way the value returned is the k-th order statistic itself. */
static float narrowed(float *v, size_t n, size_t k, float *in)
{
    float sample[1024];
    size_t s = 32;
    while (s * s < n && s < sizeof sample / sizeof sample[0])
        s *= 2;
    /* Positions from a fixed linear congruential sequence (Knuth's MMIX constants), not
     * a stride: the rows of an image block would alias with a stride and bias the
     * sample, and then the bracket misses. */
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (size_t j = 0; j < s; j++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        sample[j] = v[(x >> 32) % n];
    }
    double r = (double)k * (double)s / (double)n;
    double half = NARROW_SPREAD * 0.5 * sqrt((double)s) + 1;
    size_t r_lo = r > half ? (size_t)(r - half) : 0;
    size_t r_hi = r + half < (double)(s - 1) ? (size_t)(r + half) : s - 1;
    float lo = quickselect(sample, s, r_lo);
    /* Nothing below lo is left after r_lo in the sample: r_hi lies in what follows. */
    float hi = r_hi > r_lo ? quickselect(sample + r_lo + 1, s - r_lo - 1, r_hi - r_lo - 1) : lo;
    size_t below = 0, m = 0;
    int nan = 0;
    for (size_t i = 0; i < n; i++) {
        float x = v[i];
        int under = x < lo, over = hi < x; /* & not &&: no branch to mispredict */
        below += (size_t)under;
        in[m] = x;
        m += (size_t)(!under & !over);
        nan |= x != x;
    }
    /* A NaN (outside the contract, e.g. 0/0 in a caller's map) has no rank: v goes to
     * the quickselect untouched, which answers exactly as it did before narrowing. */
    if (nan || k < below || k - below >= m || m == n)
        return quickselect(v, n, k);
    return dac_select_float(in, m, k - below);
}

float dac_select_float(float *v, size_t n, size_t k)
{
    if (n < NARROW_MIN)
        return quickselect(v, n, k);
    if (n <= NARROW_STACK) {
        float in[NARROW_STACK];
        return narrowed(v, n, k, in);
    }
    float *in = malloc(sizeof *in * n);
    float x = in ? narrowed(v, n, k, in) : quickselect(v, n, k);
    free(in);
    return x;
}

/* k-th smallest of v[0..n-1] (0-based) by quickselect with a median-of-three pivot:
 * O(n) on average, where sorting a 4096² image took over a second. The partition
 * swaps every element and advances by the comparison's 0 or 1 instead of branching on
 * it: on noisy data the branches of a Hoare partition are coin flips the CPU mispredicts
 * half the time, and the medians of the noise maps (thousands of 2500-value blocks per
 * 4096² frame) ran 1.6–2.7× slower so. Elements equal to the pivot are split off in a
 * second pass, so images of integer counts (many ties) and constant blocks stay O(n).
 * The result is the order statistic itself, whatever the partition. */
static float quickselect(float *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n; /* the k-th lies in v[lo..hi) */
    while (hi - lo > 16) {
        float pivot = median3(v[lo], v[lo + (hi - lo) / 2], v[hi - 1]);
        size_t s = lo; /* v[lo..s) < pivot <= v[s..i) */
        for (size_t i = lo; i < hi; i++) {
            float x = v[i];
            v[i] = v[s];
            v[s] = x;
            s += x < pivot;
        }
        if (k < s) {
            hi = s;
            continue;
        }
        size_t e = s; /* v[s..e) == pivot < v[e..i) */
        for (size_t i = s; i < hi; i++) {
            float x = v[i];
            v[i] = v[e];
            v[e] = x;
            e += !(pivot < x);
        }
        if (k < e)
            return pivot;
        lo = e;
    }
    for (size_t i = lo + 1; i < hi; i++) { /* a short run left: insertion sort */
        float x = v[i];
        size_t j = i;
        for (; j > lo && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
    return v[k];
}

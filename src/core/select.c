/*
 * select.c — order statistics without sorting, shared by percentile stretches and robust
 * (median / MAD) noise estimates. No Debian library in our set offers a selection
 * routine, and a full sort costs O(n log n) on 16-megapixel images.
 */
#include <stddef.h>

#include "core/select.h"
#include "dac/core.h"

static float median3(float a, float b, float c)
{
    return a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
}

/* k-th smallest of v[0..n-1] (0-based) by quickselect with a median-of-three pivot:
 * O(n) on average, where sorting a 4096² image took over a second. The partition
 * swaps every element and advances by the comparison's 0 or 1 instead of branching on
 * it: on noisy data the branches of a Hoare partition are coin flips the CPU mispredicts
 * half the time, and the medians of the noise maps (thousands of 2500-value blocks per
 * 4096² frame) ran 1.6–2.7× slower so. Elements equal to the pivot are split off in a
 * second pass, so images of integer counts (many ties) and constant blocks stay O(n).
 * The result is the order statistic itself, whatever the partition. */
float dac_select_float(float *v, size_t n, size_t k)
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

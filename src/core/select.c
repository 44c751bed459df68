/*
 * select.c — order statistics without sorting, shared by percentile stretches and robust
 * (median / MAD) noise estimates. No Debian library in our set offers a selection
 * routine, and a full sort costs O(n log n) on 16-megapixel images.
 */
#include <stddef.h>

#include "core/select.h"
#include "dac/core.h"

/* k-th smallest of v[0..n-1] (0-based) by Hoare's quickselect with a median-of-three
 * pivot: O(n) on average, where sorting a 4096² image took over a second. */
float dac_select_float(float *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        float a = v[lo], b = v[mid], c = v[hi];
        float pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                float t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}


/*
 * sort.c — stable merge sort with a context pointer (see sort.h for why).
 *
 * Bottom-up merge sort, ping-ponging between the array and one buffer of the same size;
 * runs shorter than 16 elements are first put in order by insertion sort, which is
 * faster on tiny runs. O(n log n) comparisons whatever the input, O(n) extra memory.
 * Elements are moved with memcpy, so any element size works.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "dac/core.h"

enum { RUN = 16 };

static void insertion_sort(char *base, size_t n, size_t size, dac_compare_fn cmp, void *ctx,
                           char *tmp)
{
    for (size_t i = 1; i < n; i++) {
        size_t j = i;
        if (cmp(base + (j - 1) * size, base + i * size, ctx) <= 0)
            continue;
        memcpy(tmp, base + i * size, size);
        while (j > 0 && cmp(base + (j - 1) * size, tmp, ctx) > 0) {
            memcpy(base + j * size, base + (j - 1) * size, size);
            j--;
        }
        memcpy(base + j * size, tmp, size);
    }
}

/* Merges src[lo, mid) and src[mid, hi) into dst[lo, hi); ties take the left run first. */
static void merge(const char *src, char *dst, size_t lo, size_t mid, size_t hi, size_t size,
                  dac_compare_fn cmp, void *ctx)
{
    size_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi) {
        if (cmp(src + j * size, src + i * size, ctx) < 0)
            memcpy(dst + k++ * size, src + j++ * size, size);
        else
            memcpy(dst + k++ * size, src + i++ * size, size);
    }
    if (i < mid)
        memcpy(dst + k * size, src + i * size, (mid - i) * size);
    else if (j < hi)
        memcpy(dst + k * size, src + j * size, (hi - j) * size);
}

int dac_sort(void *base, size_t n, size_t size, dac_compare_fn cmp, void *ctx)
{
    if (n < 2 || size == 0)
        return DAC_OK;
    if (n > SIZE_MAX / size) /* the product would wrap to a tiny buffer */
        return dac_error(DAC_ERR_NOMEM, "sort: %zu elements of %zu bytes do not fit in memory", n, size);
    char *a = base;
    char *buf = malloc(n > RUN ? n * size : size);
    if (!buf)
        return dac_error(DAC_ERR_NOMEM, "sort: out of memory for %zu elements", n);
    for (size_t lo = 0; lo < n; lo += RUN)
        insertion_sort(a + lo * size, n - lo < RUN ? n - lo : RUN, size, cmp, ctx, buf);
    char *src = a, *dst = buf;
    for (size_t width = RUN; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            merge(src, dst, lo, mid, hi, size, cmp, ctx);
        }
        char *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * size);
    free(buf);
    return DAC_OK;
}

int dac_compare_double(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    double x = *(const double *)a, y = *(const double *)b;
    if (x != x || y != y) /* NaN last */
        return (x != x) - (y != y);
    return (x > y) - (x < y);
}

int dac_compare_float(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    float x = *(const float *)a, y = *(const float *)b;
    if (x != x || y != y)
        return (x != x) - (y != y);
    return (x > y) - (x < y);
}

int dac_compare_size(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

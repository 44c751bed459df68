/*
 * select.h — order statistics without sorting (private).
 */
#ifndef DAC_CORE_SELECT_H
#define DAC_CORE_SELECT_H

#include <stddef.h>

/* The k-th smallest (0-based) of v[0..n-1], n > 0, k < n, in O(n) expected time
 * (a sample's bracket narrows large arrays, then quickselect, median-of-three pivot,
 * branch-free partitions). May reorder v (it stays a permutation). No NaNs. */
float dac_select_float(float *v, size_t n, size_t k);

#endif

/*
 * sort.h — a stable sort whose comparator takes a context pointer (private to libdac).
 *
 * qsort's comparator sees only the two elements, so code that sorts indices by a key
 * kept elsewhere ended up passing the keys through a file-scope global: not reentrant,
 * and two threads counting two images raced. dac_sort passes `ctx` through instead.
 * Stable (equal elements keep their order), so results never depend on the C
 * library's qsort, which differs between platforms for ties.
 */
#ifndef DAC_CORE_SORT_H
#define DAC_CORE_SORT_H

#include <stddef.h>

/* Negative, zero or positive as a sorts before, with or after b. */
typedef int (*dac_compare_fn)(const void *a, const void *b, void *ctx);

/* Sorts n elements of `size` bytes at base. Returns 0, or DAC_ERR_NOMEM when the
 * merge buffer (n × size bytes) cannot be allocated (base is then unchanged). */
int dac_sort(void *base, size_t n, size_t size, dac_compare_fn cmp, void *ctx);

/* Ready-made comparators (ctx unused): ascending doubles, floats and size_t. NaNs
 * sort last. */
int dac_compare_double(const void *a, const void *b, void *ctx);
int dac_compare_float(const void *a, const void *b, void *ctx);
int dac_compare_size(const void *a, const void *b, void *ctx);

#endif

/*
 * dac_test.h — what several cmocka suites share: cmocka's includes in the order it
 * needs, a floating-point comparison (cmocka 1.1 has none) that prints both values, and
 * whole-file reads and comparisons.
 */
#ifndef DAC_TEST_H
#define DAC_TEST_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define assert_near(a, b, tol) assert_near_at((a), (b), (tol), __FILE__, __LINE__)
static inline void assert_near_at(double a, double b, double tol, const char *file, int line)
{
    if (!(fabs(a - b) <= tol)) {
        print_error("%.17g != %.17g (tolerance %g)\n", a, b, tol);
        _fail(file, line);
    }
}

/* A whole file (NUL-terminated) and its length; NULL when it cannot be read. */
#include <stdio.h>
#include <stdlib.h>
static inline char *dac_test_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (cap - n < 2) {
            char *b = realloc(buf, cap *= 2);
            if (!b)
                free(buf);
            buf = b;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

/* 1 when both files exist and hold the same bytes. */
#include <string.h>
static inline int dac_test_same_file(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *x = dac_test_slurp(a, &na), *y = dac_test_slurp(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x), free(y);
    return same;
}

#endif

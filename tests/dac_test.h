/*
 * dac_test.h — what several cmocka suites share: cmocka's includes in the order it
 * needs, and a floating-point comparison (cmocka 1.1 has none) that prints both values.
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

#endif

/*
 * test_sort.c — dac_sort (src/core/sort.c): stable, the same order as qsort where keys
 * are distinct, the context pointer reaches the comparator (indices sorted by a key
 * array kept elsewhere, the case that once used a global), every size from 0 up, NaN
 * last for the ready-made comparators.
 */
#include "core_test.h"

#include "core/sort.h"

typedef struct {
    int key;
    size_t seq; /* input position */
} item;

static int by_key(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    const item *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

static const size_t sizes[] = {0, 1, 2, 3, 15, 16, 17, 31, 32, 33, 100, 1000, 4097, 100000};
enum { N_SIZES = sizeof sizes / sizeof sizes[0] };

/* Few distinct keys (many ties): sorted by key, and equal keys keep input order. */
static void test_stable(void **state)
{
    (void)state;
    dac_rng rng;
    dac_rng_seed(&rng, 1);
    for (size_t s = 0; s < N_SIZES; s++) {
        size_t n = sizes[s];
        item *v = malloc((n ? n : 1) * sizeof *v);
        assert_non_null(v);
        for (size_t i = 0; i < n; i++)
            v[i] = (item){(int)dac_rng_below(&rng, 7), i};
        assert_int_equal(dac_sort(v, n, sizeof *v, by_key, NULL), DAC_OK);
        for (size_t i = 1; i < n; i++) {
            assert_true(v[i - 1].key <= v[i].key);
            if (v[i - 1].key == v[i].key)
                assert_true(v[i - 1].seq < v[i].seq);
        }
        free(v);
    }
}

static int qsort_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Distinct keys have one sorted order: the same as the C library's qsort gives, for
 * random, sorted and reversed input. */
static void test_agrees_with_qsort(void **state)
{
    (void)state;
    dac_rng rng;
    dac_rng_seed(&rng, 2);
    for (size_t s = 0; s < N_SIZES; s++) {
        size_t n = sizes[s];
        double *v = malloc((n ? n : 1) * sizeof *v), *ref = malloc((n ? n : 1) * sizeof *ref);
        assert_true(v && ref);
        for (int pattern = 0; pattern < 3; pattern++) {
            for (size_t i = 0; i < n; i++)
                v[i] = pattern == 0 ? dac_rng_normal(&rng) : pattern == 1 ? (double)i : -(double)i;
            memcpy(ref, v, n * sizeof *v);
            qsort(ref, n, sizeof *ref, qsort_double);
            assert_int_equal(dac_sort(v, n, sizeof *v, dac_compare_double, NULL), DAC_OK);
            assert_memory_equal(v, ref, n * sizeof *v);
        }
        free(v), free(ref);
    }
}

static int by_external_key(const void *a, const void *b, void *ctx)
{
    const double *key = ctx;
    double x = key[*(const size_t *)a], y = key[*(const size_t *)b];
    return (x > y) - (x < y);
}

/* Indices sorted by a key array passed as the context: key[idx[i]] ascends, ties in
 * index order; two key arrays, two contexts, no shared state. */
static void test_context_reaches_comparator(void **state)
{
    (void)state;
    enum { N = 5000 };
    static double key_a[N], key_b[N];
    static size_t idx_a[N], idx_b[N];
    dac_rng rng;
    dac_rng_seed(&rng, 3);
    for (size_t i = 0; i < N; i++) {
        key_a[i] = (double)dac_rng_below(&rng, 100);
        key_b[i] = -key_a[i];
        idx_a[i] = idx_b[i] = i;
    }
    assert_int_equal(dac_sort(idx_a, N, sizeof *idx_a, by_external_key, key_a), DAC_OK);
    assert_int_equal(dac_sort(idx_b, N, sizeof *idx_b, by_external_key, key_b), DAC_OK);
    for (size_t i = 1; i < N; i++) {
        assert_true(key_a[idx_a[i - 1]] <= key_a[idx_a[i]]);
        if (key_a[idx_a[i - 1]] == key_a[idx_a[i]])
            assert_true(idx_a[i - 1] < idx_a[i]);
        assert_true(key_b[idx_b[i - 1]] <= key_b[idx_b[i]]);
    }
    assert_true(key_a[idx_a[0]] == 0 && key_a[idx_b[0]] == 99); /* the two orders differ */
}

/* NaN sorts after everything, ±inf included, for doubles and floats; -0 and 0 are equal
 * (and so keep their order). */
static void test_nan_last(void **state)
{
    (void)state;
    double d[] = {NAN, 3, -INFINITY, NAN, -0.0, INFINITY, 0.0, -2, NAN, 1e-300};
    const double dsorted[] = {-INFINITY, -2, -0.0, 0.0, 1e-300, 3, INFINITY};
    enum { ND = sizeof d / sizeof d[0] };
    assert_int_equal(dac_sort(d, ND, sizeof *d, dac_compare_double, NULL), DAC_OK);
    for (size_t i = 0; i < 7; i++)
        assert_memory_equal(&d[i], &dsorted[i], sizeof d[i]); /* bits: -0 before 0 */
    for (size_t i = 7; i < ND; i++)
        assert_true(isnan(d[i]));

    float f[] = {NAN, 2.5f, NAN, -1, INFINITY, -INFINITY, 0};
    const float fsorted[] = {-INFINITY, -1, 0, 2.5f, INFINITY};
    assert_int_equal(dac_sort(f, 7, sizeof *f, dac_compare_float, NULL), DAC_OK);
    for (size_t i = 0; i < 5; i++)
        assert_true(f[i] == fsorted[i]);
    assert_true(isnan(f[5]) && isnan(f[6]));

    size_t z[] = {5, (size_t)-1, 0, 3, 3};
    const size_t zsorted[] = {0, 3, 3, 5, (size_t)-1};
    assert_int_equal(dac_sort(z, 5, sizeof *z, dac_compare_size, NULL), DAC_OK);
    assert_memory_equal(z, zsorted, sizeof z);
}

typedef struct {
    char name[37];
    double value;
} wide;

static int by_value(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    return dac_compare_double(&((const wide *)a)->value, &((const wide *)b)->value, NULL);
}

/* Elements of any size move whole (a 48-byte struct with odd padding). */
static void test_wide_elements(void **state)
{
    (void)state;
    enum { N = 300 };
    wide w[N];
    for (int i = 0; i < N; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].value = (double)((i * 7919) % N);
        snprintf(w[i].name, sizeof w[i].name, "atom-%d", (i * 7919) % N);
    }
    assert_int_equal(dac_sort(w, N, sizeof *w, by_value, NULL), DAC_OK);
    for (int i = 0; i < N; i++) {
        char expect[37];
        snprintf(expect, sizeof expect, "atom-%d", i);
        assert_true(w[i].value == i);
        assert_string_equal(w[i].name, expect);
    }
}

static int must_not_be_called(const void *a, const void *b, void *ctx)
{
    (void)a, (void)b;
    ++*(int *)ctx;
    return 0;
}

/* n × size beyond SIZE_MAX cannot be a real array: DAC_ERR_NOMEM before the array is
 * touched (a wrapped product would allocate a tiny buffer and sort past its end). */
static void test_size_overflow(void **state)
{
    (void)state;
    char tiny[64] = {0};
    int calls = 0;
    size_t n = SIZE_MAX / 16 + 2; /* n * 32 wraps to 32 */
    assert_int_equal(dac_sort(tiny, n, 32, must_not_be_called, &calls), DAC_ERR_NOMEM);
    assert_int_equal(calls, 0);
    assert_int_equal(dac_sort(tiny, 1, 64, must_not_be_called, &calls), DAC_OK);
    assert_int_equal(dac_sort(tiny, 5, 0, must_not_be_called, &calls), DAC_OK);
    assert_int_equal(calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stable),
        cmocka_unit_test(test_agrees_with_qsort),
        cmocka_unit_test(test_context_reaches_comparator),
        cmocka_unit_test(test_nan_last),
        cmocka_unit_test(test_wide_elements),
        cmocka_unit_test(test_size_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

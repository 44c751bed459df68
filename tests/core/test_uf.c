/*
 * test_uf.c — union-find (src/core/uf.c): representatives are the smallest members and
 * labels number the sets by their smallest member, so the grouping and its labels are
 * the same whatever the order of the unions (checked on random permutations of one
 * edge set, against components found by a plain relaxation).
 */
#include <time.h>

#include "core_test.h"

#include "core/uf.h"

typedef struct {
    size_t a, b;
} edge;

/* Fisher–Yates with the project's generator; each edge also swaps its ends at random. */
static void shuffle(edge *e, size_t n, dac_rng *rng)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)dac_rng_below(rng, i);
        edge t = e[i - 1];
        e[i - 1] = e[j];
        e[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        if (dac_rng_next(rng) & 1) {
            size_t t = e[i].a;
            e[i].a = e[i].b;
            e[i].b = t;
        }
}

/* The smallest member of each point's component, by relaxing min-labels over the
 * edges until nothing changes: slow, obviously right. */
static void components_by_relaxation(const edge *e, size_t m, size_t n, size_t *min)
{
    for (size_t i = 0; i < n; i++)
        min[i] = i;
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t k = 0; k < m; k++) {
            size_t lo = min[e[k].a] < min[e[k].b] ? min[e[k].a] : min[e[k].b];
            if (min[e[k].a] != lo || min[e[k].b] != lo)
                min[e[k].a] = min[e[k].b] = lo, changed = 1;
        }
    }
}

static size_t labels_after(const edge *e, size_t m, size_t n, size_t *label, size_t *rep)
{
    dac_uf uf;
    assert_int_equal(dac_uf_init(&uf, n), DAC_OK);
    for (size_t k = 0; k < m; k++)
        dac_uf_union(&uf, e[k].a, e[k].b);
    for (size_t i = 0; i < n; i++)
        rep[i] = dac_uf_find(&uf, i);
    size_t sets = dac_uf_labels(&uf, label);
    dac_uf_free(&uf);
    return sets;
}

/* Same edge set in 30 orders (ends swapped too): identical representatives and labels;
 * representatives are the components' smallest members; labels count up 0, 1, … in
 * order of first appearance. */
static void test_canonical_whatever_the_order(void **state)
{
    (void)state;
    enum { N = 300, M = 220 };
    edge e[M];
    dac_rng rng;
    dac_rng_seed(&rng, 77);
    for (size_t k = 0; k < M; k++)
        e[k] = (edge){(size_t)dac_rng_below(&rng, N), (size_t)dac_rng_below(&rng, N)};
    size_t min[N], label0[N], rep0[N], label[N], rep[N];
    components_by_relaxation(e, M, N, min);
    size_t sets0 = labels_after(e, M, N, label0, rep0);
    size_t next = 0, distinct = 0;
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(rep0[i], min[i]);
        if (label0[i] == next)
            next++; /* a new set appears with the next label */
        else
            assert_true(label0[i] < next);
        distinct += min[i] == i;
    }
    assert_int_equal(sets0, next);
    assert_int_equal(sets0, distinct);
    assert_true(sets0 > 50 && sets0 < N - 50); /* a mixture of groups and singletons */
    for (int trial = 0; trial < 30; trial++) {
        shuffle(e, M, &rng);
        assert_int_equal(labels_after(e, M, N, label, rep), sets0);
        assert_memory_equal(label, label0, sizeof label);
        assert_memory_equal(rep, rep0, sizeof rep);
    }
}

/* dac_uf_union says whether it joined two sets; a set count is n minus the joins. */
static void test_union_reports_joins(void **state)
{
    (void)state;
    dac_uf uf;
    assert_int_equal(dac_uf_init(&uf, 6), DAC_OK);
    assert_int_equal(dac_uf_union(&uf, 4, 2), 1);
    assert_int_equal(dac_uf_union(&uf, 2, 4), 0);
    assert_int_equal(dac_uf_union(&uf, 5, 4), 1);
    assert_int_equal(dac_uf_union(&uf, 3, 3), 0);
    assert_int_equal(dac_uf_find(&uf, 5), 2);
    size_t label[6];
    assert_int_equal(dac_uf_labels(&uf, label), 4);
    const size_t expect[6] = {0, 1, 2, 3, 2, 2};
    assert_memory_equal(label, expect, sizeof expect);
    dac_uf_free(&uf);
    assert_null(uf.parent);
    dac_uf_free(&uf); /* twice is harmless */

    assert_int_equal(dac_uf_init(&uf, 0), DAC_OK);
    assert_int_equal(dac_uf_labels(&uf, label), 0);
    dac_uf_free(&uf);
}

/* Without union by rank, chains can form; path halving must still keep a million
 * unions in the worst orders (a chain built from either end, a star) fast. */
static void test_long_chains_stay_fast(void **state)
{
    (void)state;
    enum { N = 1000000 };
    size_t *label = malloc(N * sizeof *label);
    assert_non_null(label);
    for (int order = 0; order < 3; order++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        dac_uf uf;
        assert_int_equal(dac_uf_init(&uf, N), DAC_OK);
        for (size_t i = 1; i < N; i++) {
            size_t a = order == 0 ? i : order == 1 ? N - i : 0;
            size_t b = order == 0 ? i - 1 : order == 1 ? N - i - 1 : i;
            dac_uf_union(&uf, a, b);
        }
        assert_int_equal(dac_uf_labels(&uf, label), 1);
        assert_int_equal(dac_uf_find(&uf, N - 1), 0);
        dac_uf_free(&uf);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        assert_true((double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec) < 2.0);
    }
    free(label);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical_whatever_the_order),
        cmocka_unit_test(test_union_reports_joins),
        cmocka_unit_test(test_long_chains_stay_fast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_table.c — the engine's data structures: the sum tree picks a class with
 * probability rate/total in double precision over 18 decades and stays exact under
 * updates; member lists swap-remove; the site → id map survives long insert/delete
 * sequences (backward-shift deletion); the neighbour indices; ziggurat waiting times are exponential
 * (mean 1, variance 1, tail probabilities e^{−x}, including beyond the base layer).
 */
#include "synth_test.h"

static void test_pick_frequencies(void **state)
{
    (void)state;
    synth_table t;
    assert_int_equal(synth_table_init(&t, 5), DAC_OK);
    assert_int_equal(synth_table_pick(&t, 0.5), SIZE_MAX); /* empty */
    const double rate[5] = {1e12, 3e12, 0, 1e-6, 6e12};
    for (int c = 0; c < 5; c++) {
        t.cls[c].count = 1;
        t.cls[c].rate = rate[c];
        synth_table_update(&t, c);
    }
    assert_near(synth_table_total(&t), 1e13 + 1e-6, 1e-3);
    size_t hits[5] = {0};
    dac_rng r;
    dac_rng_seed(&r, 1);
    const size_t n = 200000;
    for (size_t k = 0; k < n; k++)
        hits[synth_table_pick(&t, dac_rng_uniform(&r) * synth_table_total(&t))]++;
    for (int c = 0; c < 5; c++) { /* binomial: within 4σ */
        double p = rate[c] / synth_table_total(&t), sd = sqrt(n * p * (1 - p));
        assert_true(fabs((double)hits[c] - n * p) <= 4 * sd + 1e-9);
    }
    /* double precision: a class 18 decades below the total is picked where it lies (a
     * class narrower than the rounding of the total, ~10⁻¹⁶ of it, is out of reach, at a
     * cost in probability of at most that; single precision would lose 10⁻⁷) */
    t.cls[4].rate = 0;
    synth_table_update(&t, 4);
    t.cls[0].rate = 1e-6;
    synth_table_update(&t, 0);
    t.cls[1].rate = 1e12;
    synth_table_update(&t, 1);
    assert_int_equal(synth_table_pick(&t, 0), 0);
    assert_int_equal(synth_table_pick(&t, 5e-7), 0);
    assert_int_equal(synth_table_pick(&t, 2e-6), 1);
    assert_int_equal(synth_table_pick(&t, 0.5e12), 1);
    /* class 0 is tested before the descent: its boundary is where the descent has it */
    double b = t.tree[t.n_leaves];
    assert_int_equal(synth_table_pick(&t, nextafter(b, 0)), 0);
    assert_int_equal(synth_table_pick(&t, b), 1);
    /* updates recompute sums: the same tree as a rebuild */
    double before[16];
    memcpy(before, t.tree, sizeof(double) * 2 * t.n_leaves);
    synth_table_rebuild(&t);
    assert_memory_equal(before, t.tree, sizeof(double) * 2 * t.n_leaves);
    synth_table_free(&t);
}

static void test_sets(void **state)
{
    (void)state;
    synth_set s = {0};
    uint32_t slot[40];
    for (uint32_t k = 0; k < 40; k++) {
        assert_int_equal(synth_set_add(&s, k, 1000 + k, &slot[k]), DAC_OK);
        assert_int_equal(slot[k], k);
    }
    uint32_t moved = synth_set_remove(&s, slot[3]); /* the last member takes slot 3 */
    assert_int_equal(moved, 39);
    assert_int_equal(s.m[3].id, 39);
    assert_int_equal(s.m[3].pos, 1039);
    assert_int_equal(synth_set_remove(&s, s.n - 1), SYNTH_NONE);
    assert_int_equal(s.n, 38);
    synth_set_free(&s);
}

static void test_map(void **state)
{
    (void)state;
    synth_map m;
    const uint32_t N = 3000;
    assert_int_equal(synth_map_init(&m, N), DAC_OK);
    uint32_t *ref = malloc(4 * N * sizeof *ref);
    for (uint32_t k = 0; k < 4 * N; k++)
        ref[k] = SYNTH_NONE;
    dac_rng r;
    dac_rng_seed(&r, 2);
    size_t live = 0;
    for (int step = 0; step < 200000; step++) {
        uint32_t key = (uint32_t)dac_rng_below(&r, 4 * N);
        if (ref[key] == SYNTH_NONE && live < N) {
            synth_map_put(&m, key, (uint32_t)step);
            ref[key] = (uint32_t)step;
            live++;
        } else if (ref[key] != SYNTH_NONE) {
            synth_map_del(&m, key);
            ref[key] = SYNTH_NONE;
            live--;
        }
        if (step % 1000 == 0)
            for (uint32_t k = 0; k < 4 * N; k++)
                assert_int_equal(synth_map_get(&m, k), ref[k]);
    }
    assert_int_equal(m.n, live);
    free(ref);
    synth_map_free(&m);
}

/* The neighbour indices spelt out for speed are the lattice's own directions, at every
 * site of both lattices (tile rims and the periodic seam included). */
static void test_neighbors(void **state)
{
    (void)state;
    for (int type = 0; type < 2; type++) {
        dac_synth_params p;
        dac_synth_params_default(&p);
        p.lattice = type ? DAC_SYNTH_SQUARE : DAC_SYNTH_TRIANGULAR;
        p.sites_per_side = 24;
        synth_lattice g;
        synth_lattice_init(&g, &p);
        uint8_t st[24 * 24] = {0};
        for (int y = 0; y < g.L; y++)
            for (int x = 0; x < g.L; x++) {
                uint32_t i = synth_index(&g, x, y), nb[6];
                synth_neighbors(&g, x, y, i, nb);
                for (int d = 0; d < g.z; d++) {
                    uint32_t j = synth_index(&g, synth_wrap(x + g.dx[d], g.L), synth_wrap(y + g.dy[d], g.L));
                    assert_int_equal(nb[d], j);
                    assert_int_equal(synth_neighbor(&g, x, y, i, d), j);
                    st[j] = 1;
                    assert_int_equal(synth_neighbors_or(&g, st, x, y, i), 1);
                    st[j] = 0;
                }
                assert_int_equal(synth_neighbors_or(&g, st, x, y, i), 0);
            }
    }
}

static void test_ziggurat(void **state)
{
    (void)state;
    synth_zig z;
    synth_zig_init(&z);
    dac_rng r;
    dac_rng_seed(&r, 3);
    const size_t n = SYNTH_TEST_SANITIZED ? 400000 : 2000000;
    double s = 0, s2 = 0;
    size_t above3 = 0, above8 = 0;
    for (size_t k = 0; k < n; k++) {
        double x = synth_zig_exponential(&z, dac_rng_next(&r), &r);
        assert_true(x >= 0 && isfinite(x));
        s += x;
        s2 += x * x;
        above3 += x > 3;
        above8 += x > 8; /* beyond the base layer's edge, r = 7.697 */
    }
    double mean = s / n, var = s2 / n - mean * mean;
    assert_true(fabs(mean - 1) < 4 / sqrt((double)n));
    assert_true(fabs(var - 1) < 4 * sqrt(8.0 / n)); /* Var of x² for Exp(1): 20 − 4 */
    double p3 = exp(-3), p8 = exp(-8);
    assert_true(fabs((double)above3 - n * p3) < 4 * sqrt(n * p3));
    assert_true(fabs((double)above8 - n * p8) < 4 * sqrt(n * p8) + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_pick_frequencies), cmocka_unit_test(test_sets),
                                       cmocka_unit_test(test_map), cmocka_unit_test(test_neighbors),
                                       cmocka_unit_test(test_ziggurat)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

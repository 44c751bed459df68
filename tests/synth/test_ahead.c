/*
 * test_ahead.c — the run loop's look-ahead (src/synth/ahead.h) changes nothing but
 * where memory is fetched from: the same seed gives the same trajectory with the
 * speculative guesses on, with only the ring's prefetches, and with no prefetch at all.
 * The co-pyrolysis recipe is run on 512² sites (above the size where the look-ahead is
 * made) because its events draw words of their own — arrivals, N loss, first-passage
 * exits, rejected waiting times, retried hop directions, scheduled points — each of
 * which must end a speculation without touching the real stream. It is run in three
 * calls, so the guesses also carry over from one call to the next. The guesses must be
 * mostly right, too (restarted for under 5 % of the events), or the look-ahead would be
 * exact and useless.
 */
#include "synth_test.h"

#include "synth/ahead.h"

enum { DEEP, RING_ONLY, NONE };

static dac_synth_engine *copyrolysis(int mode)
{
    const char *src = getenv("DAC_SOURCE_DIR");
    if (!src)
        skip();
    char path[2048];
    snprintf(path, sizeof path, "%s/examples/synth/copyrolysis_ni.yaml", src);
    const char *set[] = {"lattice.sites_per_side=512"};
    dac_synth_params p;
    int st = dac_synth_recipe_read(path, set, 1, &p);
    if (st)
        print_error("%s: %s\n", path, dac_last_error());
    assert_int_equal(st, DAC_OK);
    dac_synth_engine *e = synth_test_engine(&p, 21);
    assert_non_null(e->ahead); /* 2¹⁸ sites and more */
    if (mode == NONE) {
        free(e->ahead);
        e->ahead = NULL;
    } else {
        e->ahead->deep = mode == DEEP;
    }
    /* up the ramp to ~850 °C: the salt has released its Ni and N loss has begun */
    double end = dac_synth_engine_end_s(e), part = 0.43;
    for (int k = 1; k <= 3; k++)
        synth_test_run(e, end * part * k / 3);
    return e;
}

static void assert_same(const dac_synth_engine *a, const dac_synth_engine *b)
{
    size_t sites = (size_t)a->g.L * (size_t)a->g.L;
    assert_int_equal(a->events, b->events);
    assert_int_equal(a->null_events, b->null_events);
    assert_memory_equal(a->by_kind, b->by_kind, sizeof a->by_kind);
    assert_true(a->t.hi == b->t.hi && a->t.lo == b->t.lo);
    assert_memory_equal(&a->rng, &b->rng, sizeof a->rng);
    assert_int_equal(a->n_atoms, b->n_atoms);
    assert_memory_equal(a->atoms, b->atoms, a->n_atoms * sizeof *a->atoms);
    assert_memory_equal(a->state, b->state, sites);
}

static void test_same_trajectory(void **state)
{
    (void)state;
    dac_synth_engine *deep = copyrolysis(DEEP), *ring = copyrolysis(RING_ONLY), *none = copyrolysis(NONE);
    /* the run did what the look-ahead must survive */
    assert_true(deep->by_kind[SYNTH_EV_HOP] > 100000);
    assert_true(deep->by_kind[SYNTH_EV_ARRIVAL] > 0 && deep->by_kind[SYNTH_EV_NLOSS] > 0);
    assert_true(deep->by_kind[SYNTH_EV_JUMP] > 0);
    assert_same(deep, ring);
    assert_same(deep, none);
    if (deep->ahead->restarts >= deep->events / 20)
        print_error("%llu restarts in %llu events\n", (unsigned long long)deep->ahead->restarts,
                    (unsigned long long)deep->events);
    assert_true(deep->ahead->restarts < deep->events / 20);
    assert_int_equal(ring->ahead->restarts, 0);
    dac_synth_engine_free(deep);
    dac_synth_engine_free(ring);
    dac_synth_engine_free(none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_same_trajectory)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

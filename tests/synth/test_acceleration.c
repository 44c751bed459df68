/*
 * test_acceleration.c — first-passage jumps change the cost, not the physics: the same
 * observables with and without them on a small case where walkers matter.
 *
 * Case: Ni released at a constant flux onto a lattice with a few pockets at 900 K, bonds
 * strong enough to freeze small clusters. Each released atom walks until a pocket or
 * another atom stops it, so the outcome — atoms anchored in pockets, singles, clusters,
 * the mean cluster size — depends on how walkers compete for traps and for each other.
 * Observables averaged over independent runs (seeds) with and without the acceleration
 * must agree within four combined standard errors; the accelerated runs must also have
 * done most of the walking in jumps (else the test would test nothing).
 */
#include "synth_test.h"

enum { N_OBS = 4 };

static void observe(int first_passage, uint64_t seed, double *obs, uint64_t *hops, uint64_t *jumps)
{
    dac_synth_params p;
    synth_test_gas(&p, 128, 900, 0, 0);
    p.first_passage = first_passage;
    p.metal[0].bond_eV[0] = 1.48;
    p.metal[0].atoms = 150;
    p.metal[0].release = DAC_SYNTH_RELEASE_FLUX;
    double k = synth_test_gamma(&p, 0), N = 128.0 * 128.0;
    /* one arrival per ~2000 hop times of a walker: walkers meet each other often */
    p.metal[0].release_flux_per_site_s = 6 * k / 2000 / N;
    p.segment[0].hold_s = 1.3 * 150 / (p.metal[0].release_flux_per_site_s * N);
    p.pockets = 12;
    dac_synth_engine *e = synth_test_engine(&p, seed);
    synth_test_run(e, p.segment[0].hold_s);
    dac_synth_result *r;
    assert_int_equal(dac_synth_engine_result(e, &r), DAC_OK);
    double in_pockets = 0;
    for (size_t i = 0; i < e->n_atoms; i++)
        in_pockets += (e->state[synth_index(&e->g, e->atoms[i].x, e->atoms[i].y)] & SYNTH_POCKET) != 0;
    size_t sites = r->count[1] + r->count[2] + r->count[3];
    obs[0] = in_pockets;
    obs[1] = (double)r->count[DAC_SITE_SINGLE];
    obs[2] = (double)r->count[DAC_SITE_CLUSTER];
    obs[3] = sites ? (double)r->n_metal_atoms / (double)sites : 0;
    *hops += e->by_kind[SYNTH_EV_HOP];
    *jumps += e->fp_jumps;
    dac_synth_result_free(r);
    dac_synth_engine_free(e);
}

static void test_same_observables(void **state)
{
    (void)state;
    static const char *names[N_OBS] = {"atoms in pockets", "singles", "clusters", "atoms per site"};
    const int runs = SYNTH_TEST_SANITIZED ? 8 : 24;
    double mean[2][N_OBS] = {{0}}, m2[2][N_OBS] = {{0}};
    uint64_t hops[2] = {0, 0}, jumps[2] = {0, 0};
    for (int fp = 0; fp < 2; fp++)
        for (int r = 0; r < runs; r++) {
            double o[N_OBS];
            observe(fp, 1000 + (uint64_t)r + (uint64_t)fp * 500, o, &hops[fp], &jumps[fp]);
            for (int k = 0; k < N_OBS; k++) {
                mean[fp][k] += o[k] / runs;
                m2[fp][k] += o[k] * o[k] / runs;
            }
        }
    print_message("hops without jumps %llu; with jumps %llu hops and %llu jumps\n",
                  (unsigned long long)hops[0], (unsigned long long)hops[1], (unsigned long long)jumps[1]);
    assert_true(hops[1] < hops[0] / 2 && jumps[1] > 0);
    for (int k = 0; k < N_OBS; k++) {
        double v0 = (m2[0][k] - mean[0][k] * mean[0][k]) / (runs - 1);
        double v1 = (m2[1][k] - mean[1][k] * mean[1][k]) / (runs - 1);
        double err = sqrt(v0 + v1); /* standard error of the difference of the means */
        print_message("%s: %.3f without, %.3f with (± %.3f)\n", names[k], mean[0][k], mean[1][k], err);
        assert_true(fabs(mean[0][k] - mean[1][k]) <= 4 * err + 1e-9);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_same_observables)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

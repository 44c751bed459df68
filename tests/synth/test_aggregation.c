/*
 * test_aggregation.c — irreversible aggregation: the saturation island density.
 *
 * Law: atoms deposited at flux F (per site and second) that hop with rate D per
 * direction and stick for good to any neighbour (critical nucleus size i = 1) make islands
 * whose density in the aggregation regime scales as N ∝ (D/F)^(−χ), χ = i/(i + 2) = 1/3
 * (Venables, Philos. Mag. 27, 697 (1973); Amar & Family, Phys. Rev. Lett. 74, 2066
 * (1995), who measure it on the lattice). Checked: χ = 1/3 ± 0.04 from the island
 * density (islands of two atoms or more) at coverage 0.1 over two decades of D/F,
 * 10⁵ … 10⁷, with first-passage jumps on (exact, and what makes D/F = 10⁷ cheap).
 */
#include "synth_test.h"

static double island_density(double D_over_F, size_t L, uint64_t seed)
{
    dac_synth_params p;
    synth_test_gas(&p, L, 600.0, 1.0, (L * L) / 10);
    p.metal[0].release = DAC_SYNTH_RELEASE_FLUX;
    p.metal[0].bond_eV[0] = 50; /* a bonded atom never moves again */
    double D = synth_test_gamma(&p, 0), F = D / D_over_F;
    p.metal[0].release_flux_per_site_s = F;
    p.segment[0].hold_s = 0.1 / F; /* coverage 0.1 */
    dac_synth_engine *e = synth_test_engine(&p, seed);
    synth_test_run(e, p.segment[0].hold_s);
    assert_true(e->n_atoms > (L * L) / 11); /* Poisson arrivals: coverage 0.1 ± 0.002 */
    print_message("D/F = %.0e: %llu events, %llu hops, %llu jumps, %llu bursts\n", D_over_F,
                  (unsigned long long)e->events, (unsigned long long)e->by_kind[SYNTH_EV_HOP],
                  (unsigned long long)e->fp_jumps, (unsigned long long)e->fp_bursts);
    dac_synth_result *r;
    assert_int_equal(dac_synth_engine_result(e, &r), DAC_OK);
    double islands = (double)(r->count[DAC_SITE_PAIR] + r->count[DAC_SITE_CLUSTER]);
    dac_synth_result_free(r);
    dac_synth_engine_free(e);
    return islands / (double)(L * L);
}

static void test_island_density_exponent(void **state)
{
    (void)state;
    size_t L = SYNTH_TEST_SANITIZED ? 384 : 640;
    const double ratios[3] = {1e5, 1e6, 1e7};
    double x[3], y[3];
    for (int k = 0; k < 3; k++) {
        x[k] = log(ratios[k]);
        y[k] = log(island_density(ratios[k], L, 40 + (uint64_t)k));
    }
    /* least-squares slope of ln N against ln(D/F) */
    double mx = (x[0] + x[1] + x[2]) / 3, my = (y[0] + y[1] + y[2]) / 3, sxy = 0, sxx = 0;
    for (int k = 0; k < 3; k++) {
        sxy += (x[k] - mx) * (y[k] - my);
        sxx += (x[k] - mx) * (x[k] - mx);
    }
    double chi = -sxy / sxx;
    print_message("island density exponent χ = %.3f (1/3 expected); N = %.3g, %.3g, %.3g per site\n",
                  chi, exp(y[0]), exp(y[1]), exp(y[2]));
    assert_true(fabs(chi - 1.0 / 3.0) <= 0.04);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_island_density_exponent)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

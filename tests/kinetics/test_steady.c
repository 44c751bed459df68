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

/* Law (as above): Campbell's X_i of the two-step mechanism are analytic,
 * X_ads = k2/(k1p + k−1 + k2), X_react = 1 − X_ads. */
static void test_two_step_rate_control(void **state)
{
    (void)state;
    dac_kinetics_model *m = kt_parse(
        "sites: {s: {count: 1}}\n"
        "species:\n"
        "  CO: {phase: gas, pressure_bar: 0.3, G_eV: 0}\n"
        "  OC: {phase: gas, pressure_bar: 0, G_eV: -1}\n"
        "  CO_s: {sites: s, G_eV: -0.25}\n"
        "steps:\n"
        "  - {equation: 'CO + *s <-> CO_s', barrier_eV: 0.62}\n"
        "  - {equation: 'CO_s -> OC + *s', barrier_eV: 0.66}\n"
        "products: [OC]\n");
    dac_kinetics_solver *s = kt_solver(m);
    dac_kinetics_result *r = NULL;
    assert_int_equal(dac_kinetics_result_create(s, &r), DAC_OK);
    assert_int_equal(dac_kinetics_solver_set_analysis(s, DAC_KINETICS_RATE_CONTROL), DAC_OK);
    kt_solve(s, r);
    double k1p = 0.3 * TST_298 * exp(-0.62 / KT_298), km1 = TST_298 * exp(-(0.62 + 0.25) / KT_298);
    double k2 = TST_298 * exp(-0.66 / KT_298), x1 = k2 / (k1p + km1 + k2);
    assert_true(x1 > 0.2 && x1 < 0.8); /* both steps share control here */
    assert_near(dac_kinetics_result_rate_control(r, 0, 0), x1, 1e-7);
    assert_near(dac_kinetics_result_rate_control(r, 0, 1), 1 - x1, 1e-7);
    dac_kinetics_result_free(r);
    dac_kinetics_solver_free(s);
    dac_kinetics_model_free(m);
}

/* A stiff chain whose coverages span 10^-31 … 1: A* ⇌ B* ⇌ C* each 0.9 eV uphill,
 * drained irreversibly from C*. Law: the drain is ~10^-18 of the exchange rates, so
 * the chain sits at equilibrium: θ_B/θ_A = e^{−0.9/k_BT}, θ_C/θ_A = e^{−1.8/k_BT}
 * (Boltzmann), to many digits, and the same answer (ln θ within 1e-9) comes from five
 * starts: the clean surface, each state dominant, and an even spread. */
static void test_stiff_five_starts(void **state)
{
    (void)state;
    dac_kinetics_model *m = kt_parse(
        "sites: {s: {count: 1}}\n"
        "species:\n"
        "  CO: {phase: gas, pressure_bar: 1, G_eV: 0}\n"
        "  OC: {phase: gas, pressure_bar: 0, G_eV: -2}\n"
        "  CO_s: {sites: s, G_eV: -0.9}\n"
        "  COb_s: {sites: s, formula: CO, G_eV: 0.0}\n"
        "  COc_s: {sites: s, formula: CO, G_eV: 0.9}\n"
        "steps:\n"
        "  - {equation: 'CO + *s <-> CO_s', barrier_eV: 0.1}\n"
        "  - {equation: 'CO_s <-> COb_s', barrier_eV: 1.0}\n"
        "  - {equation: 'COb_s <-> COc_s', barrier_eV: 1.0}\n"
        "  - {equation: 'COc_s -> OC + *s', barrier_eV: 0.8}\n"
        "products: [OC]\n");
    dac_kinetics_solver *s = kt_solver(m);
    dac_kinetics_result *r = NULL;
    assert_int_equal(dac_kinetics_result_create(s, &r), DAC_OK);
    const double starts[5][4] = {{1, 1e-20, 1e-20, 1e-20}, {1e-20, 1, 1e-20, 1e-20},
                                 {1e-20, 1e-20, 1, 1e-20}, {1e-20, 1e-20, 1e-20, 1},
                                 {0.25, 0.25, 0.25, 0.25}};
    double ref[4];
    for (int k = 0; k < 5; k++) {
        dac_kinetics_solver_reset(s);
        assert_int_equal(dac_kinetics_solver_set_start(s, starts[k]), DAC_OK);
        kt_solve(s, r);
        assert_int_equal(dac_kinetics_result_checks(r)->time_integration, DAC_KINETICS_CHECK_PASSED);
        for (size_t i = 0; i < 4; i++) {
            double th = dac_kinetics_result_coverage(r, i);
            if (k == 0)
                ref[i] = th;
            assert_near(log(th), log(ref[i]), 1e-9);
        }
    }
    assert_true(ref[3] < 1e-30 && ref[3] > 1e-32 && ref[1] > 0.999999);
    assert_near(ref[2] / ref[1] / exp(-0.9 / KT_298), 1, 1e-9);
    assert_near(ref[3] / ref[1] / exp(-1.8 / KT_298), 1, 1e-9);
    /* TOF = k_drain θ_C, exactly, although the exchange rates are 10^18 times larger */
    assert_near(dac_kinetics_result_tof(r, 0) / (TST_298 * exp(-0.8 / KT_298) * ref[3]), 1, 1e-9);
    assert_near(dac_kinetics_result_rate(r, 1) / dac_kinetics_result_tof(r, 0), 1, 1e-9);
    dac_kinetics_result_free(r);
    dac_kinetics_solver_free(s);
    dac_kinetics_model_free(m);
}

/* A model without a finite steady state (every site ends deactivated) must be reported
 * unconverged, with its values undefined — never a Newton candidate passed off as an
 * answer. */
static void test_no_steady_state_is_not_converged(void **state)
{
    (void)state;
    dac_kinetics_model *m = kt_parse(
        "sites: {s: {count: 1}}\n"
        "species:\n"
        "  CO: {phase: gas, pressure_bar: 1, G_eV: 0}\n"
        "  CO_s: {sites: s, G_eV: -0.2}\n"
        "  COx_s: {sites: s, formula: CO, G_eV: -0.5}\n"
        "steps:\n"
        "  - {equation: 'CO + *s <-> CO_s', barrier_eV: 0.3}\n"
        "  - {name: deactivation, equation: 'CO_s -> COx_s', barrier_eV: 0.9}\n");
    dac_kinetics_solver *s = kt_solver(m);
    dac_kinetics_result *r = NULL;
    assert_int_equal(dac_kinetics_result_create(s, &r), DAC_OK);
    assert_int_equal(dac_kinetics_solver_steady(s, r), DAC_OK);
    const dac_kinetics_checks *c = dac_kinetics_result_checks(r);
    assert_false(c->converged);
    assert_true(isnan(dac_kinetics_result_coverage(r, 0)));
    assert_true(isnan(dac_kinetics_result_rate(r, 1)));
    dac_kinetics_result_free(r);
    dac_kinetics_solver_free(s);
    dac_kinetics_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_langmuir),
        cmocka_unit_test(test_two_step_tof),
        cmocka_unit_test(test_two_step_rate_control),
        cmocka_unit_test(test_stiff_five_starts),
        cmocka_unit_test(test_no_steady_state_is_not_converged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

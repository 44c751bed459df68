/*
 * test_fed.c — free-energy diagrams (src/kinetics/fed.c): levels by the computational
 * hydrogen electrode, transition states, limiting potential, potential-determining
 * step and thermodynamic overpotential, against values worked by hand.
 */
#include <math.h>

#include "kinetics/kin_test.h"

/* Law (Nørskov et al., J. Phys. Chem. B 108, 17886 (2004)): each (H⁺+e⁻) step moves by
 * −eU; U_L = min_i(−ΔG_i(0)/e) over the electrochemical steps (here −0.40 V, step s1),
 * U_eq = −ΔG_total/(2e) = −0.104 V, η = U_eq − U_L = 0.296 V. The barrier of s1 moves
 * by βe·ΔU (β = 0.5); s3 moves no electron and keeps its barrier. */
static void test_co2rr_diagram(void **state)
{
    (void)state;
    dac_kinetics_model *m = kt_parse(KT_CO2RR);
    dac_kinetics_fed *f = NULL;
    assert_int_equal(dac_kinetics_fed_compute(m, "CO", -0.5, &f), DAC_OK);
    assert_int_equal(dac_kinetics_fed_level_count(f), 4);
    assert_near(dac_kinetics_fed_level(f, 0), 0, 1e-12);
    assert_near(dac_kinetics_fed_level(f, 1), 0.40 - 0.5, 1e-12);
    assert_near(dac_kinetics_fed_level(f, 2), -0.10 - 0.35 - 0.5, 1e-12);
    assert_near(dac_kinetics_fed_level(f, 3), -0.95 + 0.158, 1e-12);
    assert_near(dac_kinetics_fed_ts_level(f, 0), 0.6 - 0.25, 1e-12);
    assert_near(dac_kinetics_fed_ts_level(f, 1), -0.10 + 0.5 - 0.25, 1e-12);
    assert_near(dac_kinetics_fed_ts_level(f, 2), -0.95 + 0.3, 1e-12); /* chemical: fixed */
    assert_near(dac_kinetics_fed_limiting_potential(f), -0.40, 1e-12);
    assert_near(dac_kinetics_fed_equilibrium_potential(f), -0.104, 1e-12);
    assert_near(dac_kinetics_fed_overpotential(f), 0.296, 1e-12);
    assert_int_equal(dac_kinetics_fed_determining_step(f), 0);
    assert_string_equal(dac_kinetics_fed_level_label(f, 1), "COOH_a");
    assert_string_equal(dac_kinetics_fed_level_label(f, 3), "CO + *a");
    dac_kinetics_fed_free(f);
    /* the limiting potential does not depend on the potential of the drawing */
    assert_int_equal(dac_kinetics_fed_compute(m, NULL, 0.3, &f), DAC_OK);
    assert_near(dac_kinetics_fed_limiting_potential(f), -0.40, 1e-12);
    dac_kinetics_fed_free(f);
    assert_int_equal(dac_kinetics_fed_compute(m, "nope", 0, &f), DAC_ERR_USAGE);
    assert_null(f);
    dac_kinetics_model_free(m);
}

/* A pathway without net electron transfer has no limiting potential (null, not 0). */
static void test_chemical_pathway(void **state)
{
    (void)state;
    dac_kinetics_model *m = kt_parse(
        "sites: {s: {count: 1}}\n"
        "species:\n"
        "  CO: {phase: gas, pressure_bar: 1, G_eV: 0}\n"
        "  CO_s: {sites: s, G_eV: -0.3}\n"
        "steps: [{name: ads, equation: 'CO + *s <-> CO_s', barrier_eV: 0.1}]\n");
    dac_kinetics_fed *f = NULL;
    assert_int_equal(dac_kinetics_fed_compute(m, NULL, -1, &f), DAC_OK);
    assert_near(dac_kinetics_fed_level(f, 1), -0.3, 1e-12);
    assert_near(dac_kinetics_fed_ts_level(f, 0), 0.1, 1e-12);
    assert_true(isnan(dac_kinetics_fed_limiting_potential(f)));
    assert_true(isnan(dac_kinetics_fed_overpotential(f)));
    assert_int_equal(dac_kinetics_fed_determining_step(f), -1);
    dac_kinetics_fed_free(f);
    dac_kinetics_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_co2rr_diagram),
        cmocka_unit_test(test_chemical_pathway),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

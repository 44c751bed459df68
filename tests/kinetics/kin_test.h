/*
 * kin_test.h — what the kinetics suites share: building small models by code and
 * solving one steady state with every check asserted.
 */
#ifndef DAC_KIN_TEST_H
#define DAC_KIN_TEST_H

#include <string.h>

#include "dac_test.h"

#include "dac/kinetics.h"

#define KT_298 (DAC_KB_EV_PER_K * 298.15)
#define TST_298 (KT_298 / DAC_H_EV_S) /* k_BT/h at 298.15 K, s⁻¹ */

static inline dac_kinetics_model *kt_model(const char *name)
{
    dac_kinetics_model *m = NULL;
    assert_int_equal(dac_kinetics_model_create(name, &m), DAC_OK);
    return m;
}

static inline void kt_gas(dac_kinetics_model *m, const char *name, double G, double p_bar)
{
    assert_int_equal(dac_kinetics_model_add_species(m, name, DAC_KINETICS_GAS, NULL, 0, G), DAC_OK);
    assert_int_equal(dac_kinetics_model_set_species_amount(m, name, p_bar), DAC_OK);
}

static inline void kt_ads(dac_kinetics_model *m, const char *name, const char *site, double G)
{
    assert_int_equal(dac_kinetics_model_add_species(m, name, DAC_KINETICS_ADSORBATE, NULL, 0, G), DAC_OK);
    const char *sites[] = {site};
    assert_int_equal(dac_kinetics_model_set_species_sites(m, name, sites, 1), DAC_OK);
}

static inline size_t kt_step(dac_kinetics_model *m, const char *name, const char *eq)
{
    size_t j = 0;
    int st = dac_kinetics_model_add_step(m, name, eq, &j);
    if (st)
        print_error("%s\n", dac_last_error());
    assert_int_equal(st, DAC_OK);
    return j;
}

static inline dac_kinetics_solver *kt_solver(dac_kinetics_model *m)
{
    dac_kinetics_solver *s = NULL;
    int st = dac_kinetics_solver_create(m, &s);
    if (st)
        print_error("%s\n", dac_last_error());
    assert_int_equal(st, DAC_OK);
    return s;
}

/* Solves and asserts that the point converged with every check passed. */
static inline void kt_solve(dac_kinetics_solver *s, dac_kinetics_result *r)
{
    assert_int_equal(dac_kinetics_solver_steady(s, r), DAC_OK);
    const dac_kinetics_checks *c = dac_kinetics_result_checks(r);
    if (!c->converged)
        print_error("not converged: residual %g, balance %g, min θ %g, integration %d (%g), start %s\n",
                    c->residual, c->site_balance_error, c->min_coverage, (int)c->time_integration,
                    c->time_integration_change, c->start);
    assert_true(c->converged);
    assert_true(c->residual_ok && c->site_balance_ok && c->nonnegative_ok);
}

/* CO2 → CO on one site with every gas present, so the reaction can run both ways. */
static const char *const KT_CO2RR =
    "name: co2rr\n"
    "sites: {a: {count: 1}}\n"
    "species:\n"
    "  CO2: {phase: gas, pressure_bar: 1, G_eV: 0}\n"
    "  CO: {phase: gas, pressure_bar: 1, G_eV: 0.208}\n"
    "  H2O: {phase: solvent, G_eV: 0}\n"
    "  COOH_a: {sites: [a], G_eV: 0.40}\n"
    "  CO_a: {sites: [a], G_eV: 0.05}\n"
    "steps:\n"
    "  - {name: s1, equation: 'CO2 + *a + H+ + e- <-> COOH_a', barrier_eV: 0.6}\n"
    "  - {name: s2, equation: 'COOH_a + H+ + e- <-> CO_a + H2O', barrier_eV: 0.5}\n"
    "  - {name: s3, equation: 'CO_a <-> CO + *a', barrier_eV: 0.3}\n"
    "products: {CO: {electrons: 2}}\n"
    "pathways: {CO: [s1, s2, s3]}\n";

/* A model from YAML text; the test fails with the reader's message otherwise. */
static inline dac_kinetics_model *kt_parse(const char *yaml)
{
    dac_kinetics_model *m = NULL;
    int st = dac_kinetics_model_parse(yaml, strlen(yaml), "test.yaml", &m);
    if (st)
        print_error("%s\n", dac_last_error());
    assert_int_equal(st, DAC_OK);
    return m;
}

#endif

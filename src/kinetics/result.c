/*
 * result.c — reading a steady-state result: checks, coverages, rates, TOFs,
 * selectivities, Faradaic efficiencies, currents and the analyses. Out-of-range
 * indices read as NAN.
 */
#include <math.h>

#include "kinetics/kin_solver.h"

#define AT(arr, i, n) ((i) < (n) ? (arr)[i] : NAN)

const dac_kinetics_checks *dac_kinetics_result_checks(const dac_kinetics_result *r) { return &r->checks; }
double dac_kinetics_result_coverage(const dac_kinetics_result *r, size_t s) { return AT(r->theta, s, r->n); }
double dac_kinetics_result_site_sum(const dac_kinetics_result *r, size_t t) { return AT(r->site_sum, t, r->n_types); }
double dac_kinetics_result_rate(const dac_kinetics_result *r, size_t j) { return AT(r->net, j, r->n_steps); }
double dac_kinetics_result_rate_forward(const dac_kinetics_result *r, size_t j) { return AT(r->rf, j, r->n_steps); }
double dac_kinetics_result_rate_reverse(const dac_kinetics_result *r, size_t j) { return AT(r->rr, j, r->n_steps); }
double dac_kinetics_result_reaction_energy(const dac_kinetics_result *r, size_t j) { return AT(r->dG, j, r->n_steps); }
double dac_kinetics_result_barrier(const dac_kinetics_result *r, size_t j) { return AT(r->Ga, j, r->n_steps); }
double dac_kinetics_result_tof(const dac_kinetics_result *r, size_t p) { return AT(r->tof, p, r->n_products); }
double dac_kinetics_result_selectivity(const dac_kinetics_result *r, size_t p) { return AT(r->sel, p, r->n_products); }
double dac_kinetics_result_faradaic_efficiency(const dac_kinetics_result *r, size_t p) { return AT(r->fe, p, r->n_products); }
double dac_kinetics_result_current_density(const dac_kinetics_result *r) { return r->j; }
double dac_kinetics_result_partial_current_density(const dac_kinetics_result *r, size_t p) { return AT(r->jp, p, r->n_products); }
double dac_kinetics_result_apparent_activation(const dac_kinetics_result *r, size_t p) { return AT(r->Ea, p, r->n_products); }
double dac_kinetics_result_tafel_slope(const dac_kinetics_result *r) { return r->tafel; }
double dac_kinetics_result_potential(const dac_kinetics_result *r) { return r->U; }
double dac_kinetics_result_temperature(const dac_kinetics_result *r) { return r->T; }

double dac_kinetics_result_rate_control(const dac_kinetics_result *r, size_t p, size_t j)
{
    return p < r->n_products && j < r->n_steps ? r->drc[p * r->n_steps + j] : NAN;
}

double dac_kinetics_result_selectivity_control(const dac_kinetics_result *r, size_t p, size_t j)
{
    return p < r->n_products && j < r->n_steps ? r->dsc[p * r->n_steps + j] : NAN;
}

double dac_kinetics_result_reaction_order(const dac_kinetics_result *r, size_t p, size_t i)
{
    return p < r->n_products && i < r->n_species ? r->orders[p * r->n_species + i] : NAN;
}

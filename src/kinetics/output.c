/*
 * output.c — the JSON record of a steady state ("dac kinetics steady"): mechanism,
 * conditions, every check and whether it passed, coverages, every step's energies
 * and rates, every product's TOF, selectivity, Faradaic efficiency and current, and the
 * analyses that were asked for. Undefined numbers are null with their reason.
 */
#include <math.h>
#include <string.h>

#include "core/io.h"
#include "core/json.h"
#include "core/outset.h"
#include "kinetics/kin_output.h"

const char *kin_check_name(dac_kinetics_check c)
{
    return c == DAC_KINETICS_CHECK_PASSED ? "passed" : c == DAC_KINETICS_CHECK_FAILED ? "failed" : "not run";
}

const char *kin_rate_unit(const dac_kinetics_model *m)
{
    return m->dissolved == 1 ? "_mol_per_L_s" : "_per_s";
}

void kin_json_model(cJSON *root, const dac_kinetics_model *m)
{
    cJSON *o = cJSON_AddObjectToObject(root, "mechanism");
    dac_json_string(o, "name", m->name);
    dac_json_string(o, "path", m->path);
    dac_json_string(o, "kind", m->dissolved == 1 ? "dissolved (rates in mol/L/s, TOF per catalyst)"
                                                 : "surface (rates per ensemble per s)");
    cJSON *sites = cJSON_AddObjectToObject(o, "site_types");
    for (size_t t = 0; t < m->n_types; t++)
        dac_json_number(sites, m->types[t].name, m->types[t].amount, NULL);
    dac_json_string(o, "site_amount_unit", m->dissolved == 1 ? "mol/L" : "sites per ensemble");
}

cJSON *kin_json_checks(cJSON *root, const dac_kinetics_checks *c, double tol)
{
    cJSON *o = cJSON_AddObjectToObject(root, "checks");
    dac_json_bool(o, "converged", c->converged);
    dac_json_number(o, "residual", c->residual, "no candidate was found");
    dac_json_number(o, "residual_tolerance", tol, NULL);
    dac_json_bool(o, "residual_ok", c->residual_ok);
    dac_json_number(o, "site_balance_error", c->site_balance_error, "no candidate was found");
    dac_json_bool(o, "site_balance_ok", c->site_balance_ok);
    dac_json_number(o, "min_coverage", c->min_coverage, "no candidate was found");
    dac_json_bool(o, "nonnegative_ok", c->nonnegative_ok);
    dac_json_string(o, "time_integration", kin_check_name(c->time_integration));
    dac_json_number(o, "time_integration_max_change_ln", c->time_integration_change,
                    "no time integration was run from the candidate");
    dac_json_count(o, "newton_iterations", (size_t)c->newton_iterations);
    dac_json_count(o, "cvode_steps", (size_t)c->cvode_steps);
    dac_json_string(o, "start", c->start);
    return o;
}

static void add_steps(cJSON *root, const dac_kinetics_solver *s, const dac_kinetics_result *r,
                      const char *why)
{
    const dac_kinetics_model *m = s->m;
    const char *u = kin_rate_unit(m);
    char key[96];
    cJSON *arr = cJSON_AddArrayToObject(root, "steps");
    for (size_t j = 0; j < m->n_steps; j++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, o);
        dac_json_string(o, "name", m->steps[j].name);
        dac_json_string(o, "equation", m->steps[j].equation);
        dac_json_string(o, "source", m->steps[j].source);
        dac_json_number(o, "dG_eV", r->dG[j], why);
        dac_json_number(o, "barrier_forward_eV", r->Ga[j],
                        isnan(m->steps[j].photon_rate_per_s) ? why : "a light-driven step has no barrier");
        dac_json_number(o, "electrons", m->steps[j].electrons, NULL);
        snprintf(key, sizeof key, "rate_forward%s", u);
        dac_json_number(o, key, r->rf[j], why);
        snprintf(key, sizeof key, "rate_reverse%s", u);
        dac_json_number(o, key, r->rr[j], why);
        snprintf(key, sizeof key, "net_rate%s", u);
        dac_json_number(o, key, r->net[j], why);
        if (!(s->analysis & DAC_KINETICS_RATE_CONTROL))
            continue;
        cJSON *x = cJSON_AddObjectToObject(o, "degree_of_rate_control");
        for (size_t p = 0; p < m->n_products; p++)
            dac_json_number(x, m->species[m->products[p].species].name, r->drc[p * m->n_steps + j],
                            why ? why : "the product's rate is not positive");
    }
}

static void add_product(cJSON *o, const dac_kinetics_solver *s, const dac_kinetics_result *r,
                        size_t p, const char *why)
{
    const dac_kinetics_model *m = s->m;
    int ec = isfinite(m->products[p].electrons);
    dac_json_number(o, "electrons_per_molecule", m->products[p].electrons, "not an electrochemical product");
    dac_json_number(o, "TOF_per_s", r->tof[p], why);
    dac_json_number(o, "selectivity", r->sel[p], why ? why : "no net production of any product");
    dac_json_number(o, "faradaic_efficiency", r->fe[p],
                    why ? why : ec ? "no net electron transfer" : "not an electrochemical product");
    dac_json_number(o, "partial_current_density_mA_cm2", r->jp[p],
                    why ? why : m->dissolved == 1 ? "a dissolved catalyst has no electrode"
                                                  : "not an electrochemical product");
    if (s->analysis & DAC_KINETICS_ACTIVATION)
        dac_json_number(o, "apparent_activation_energy_eV", r->Ea[p],
                        why ? why : "the product's rate is not positive");
    if (s->analysis & DAC_KINETICS_ORDERS) {
        cJSON *ord = cJSON_AddObjectToObject(o, "reaction_orders");
        for (size_t i = 0; i < m->n_species; i++) {
            dac_kinetics_phase ph = m->species[i].phase;
            if ((ph == DAC_KINETICS_GAS || ph == DAC_KINETICS_SOLUTE) && s->amount[i] > 0)
                dac_json_number(ord, m->species[i].name, r->orders[p * m->n_species + i],
                                why ? why : "the product's rate is not positive");
        }
    }
    if ((s->analysis & DAC_KINETICS_RATE_CONTROL) && m->n_products > 1) {
        cJSON *x = cJSON_AddObjectToObject(o, "degree_of_selectivity_control");
        for (size_t j = 0; j < m->n_steps; j++)
            dac_json_number(x, m->steps[j].name, r->dsc[p * m->n_steps + j],
                            why ? why : "a product's rate is not positive");
    }
}

static cJSON *steady_record(const dac_kinetics_solver *s, const dac_kinetics_result *r,
                            const dac_provenance *prov)
{
    const dac_kinetics_model *m = s->m;
    cJSON *root = dac_json_record("dac kinetics steady", prov);
    if (!root)
        return NULL;
    kin_json_model(root, m);
    cJSON *c = cJSON_AddObjectToObject(root, "conditions");
    dac_json_number(c, "temperature_K", r->T, NULL);
    dac_json_number(c, "potential_V_RHE", r->U, NULL);
    dac_json_number(c, "pH", r->pH, NULL);
    if (m->dissolved != 1)
        dac_json_number(c, "site_density_per_cm2", m->site_density_per_cm2, NULL);
    if (isfinite(s->distance))
        dac_json_number(c, "distance_MM_A", s->distance, NULL);
    kin_json_checks(root, &r->checks, s->tol);
    const char *why = r->checks.converged ? NULL : "the point did not converge";
    cJSON *sums = cJSON_AddObjectToObject(root, "site_sums");
    for (size_t t = 0; t < m->n_types; t++)
        dac_json_number(sums, m->types[t].name, r->site_sum[t], why);
    cJSON *cov = cJSON_AddObjectToObject(root, "coverages");
    for (size_t i = 0; i < m->n_states; i++)
        dac_json_number(cov, m->species[m->state_species[i]].name, r->theta[i], why);
    add_steps(root, s, r, why);
    cJSON *prods = cJSON_AddObjectToObject(root, "products");
    for (size_t p = 0; p < m->n_products; p++)
        add_product(cJSON_AddObjectToObject(prods, m->species[m->products[p].species].name), s, r, p, why);
    dac_json_number(root, "current_density_mA_cm2", r->j,
                    why ? why : "a dissolved catalyst has no electrode");
    if (s->analysis & DAC_KINETICS_TAFEL)
        dac_json_number(root, "tafel_slope_mV_per_decade", r->tafel,
                        why ? why : "no current, or a dissolved catalyst");
    cJSON_AddStringToObject(root, "sign_convention", "cathodic (reduction) currents are negative; "
                            "Tafel slopes are magnitudes");
    return root;
}

int dac_kinetics_result_write_json(const dac_kinetics_solver *s, const dac_kinetics_result *r,
                                   const char *path, const dac_provenance *prov)
{
    if (!s || !r || !path || r->m != s->m)
        return dac_error(DAC_ERR_USAGE, "dac_kinetics_result_write_json: bad arguments");
    cJSON *rec = steady_record(s, r, prov);
    if (!rec)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    dac_outset *set;
    FILE *f;
    int st = dac_outset_create_file(path, &set, &f);
    if (st == DAC_OK)
        st = dac_outset_finish(set, dac_json_write(f, rec, path));
    cJSON_Delete(rec);
    return st;
}

int kin_split_path(const char *path, const char *ext, char *dir, size_t dir_size, char *base,
                   size_t base_size)
{
    size_t n = strlen(path), e = strlen(ext);
    const char *slash = strrchr(path, '/');
    const char *file = slash ? slash + 1 : path;
    if (n <= e || strcmp(path + n - e, ext) || strlen(file) <= e || file[0] == '.')
        return dac_error(DAC_ERR_USAGE, "%s: expected a file name ending in %s", path, ext);
    return dac_path_split(path, e, dir, dir_size, base, base_size);
}

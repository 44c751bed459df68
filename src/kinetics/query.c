/*
 * query.c — read-only questions to a model (names, counts, energies, sources) and the
 * parameter keys shared by setters and sweeps ("U", "G.COOH_a", "barrier.step").
 */
#include <math.h>
#include <string.h>

#include "kinetics/kin_internal.h"

const char *dac_kinetics_model_name(const dac_kinetics_model *m) { return m->name; }
const char *dac_kinetics_model_path(const dac_kinetics_model *m) { return m->path; }
size_t dac_kinetics_model_site_type_count(const dac_kinetics_model *m) { return m->n_types; }
int dac_kinetics_model_is_dissolved(const dac_kinetics_model *m) { return m->dissolved == 1; }
size_t dac_kinetics_model_species_count(const dac_kinetics_model *m) { return m->n_species; }
size_t dac_kinetics_model_state_count(const dac_kinetics_model *m) { return m->n_states; }
size_t dac_kinetics_model_step_count(const dac_kinetics_model *m) { return m->n_steps; }
size_t dac_kinetics_model_product_count(const dac_kinetics_model *m) { return m->n_products; }
size_t dac_kinetics_model_pathway_count(const dac_kinetics_model *m) { return m->n_pathways; }

const char *dac_kinetics_model_site_type_name(const dac_kinetics_model *m, size_t t)
{
    return t < m->n_types ? m->types[t].name : NULL;
}

const char *dac_kinetics_model_species_name(const dac_kinetics_model *m, size_t i)
{
    return i < m->n_species ? m->species[i].name : NULL;
}

dac_kinetics_phase dac_kinetics_model_species_phase(const dac_kinetics_model *m, size_t i)
{
    return i < m->n_species ? m->species[i].phase : (dac_kinetics_phase)0;
}

double dac_kinetics_model_species_energy(const dac_kinetics_model *m, size_t i)
{
    return i < m->n_species ? m->species[i].G_eV : NAN;
}

const char *dac_kinetics_model_species_source(const dac_kinetics_model *m, size_t i)
{
    return i < m->n_species ? m->species[i].source : NULL;
}

long dac_kinetics_model_find_species(const dac_kinetics_model *m, const char *name)
{
    return kin_species_index(m, name);
}

const char *dac_kinetics_model_state_name(const dac_kinetics_model *m, size_t s)
{
    return s < m->n_states ? m->species[m->state_species[s]].name : NULL;
}

size_t dac_kinetics_model_state_site_type(const dac_kinetics_model *m, size_t s)
{
    return s < m->n_states ? (size_t)m->state_home[s] : 0;
}

const char *dac_kinetics_model_step_name(const dac_kinetics_model *m, size_t j)
{
    return j < m->n_steps ? m->steps[j].name : NULL;
}

const char *dac_kinetics_model_step_equation(const dac_kinetics_model *m, size_t j)
{
    return j < m->n_steps ? m->steps[j].equation : NULL;
}

const char *dac_kinetics_model_step_source(const dac_kinetics_model *m, size_t j)
{
    return j < m->n_steps ? m->steps[j].source : NULL;
}

int dac_kinetics_model_step_has_energy(const dac_kinetics_model *m, size_t j)
{
    if (j >= m->n_steps)
        return 0;
    const kin_step *s = &m->steps[j];
    return s->ts >= 0 || isfinite(s->barrier_eV) || s->distance_barrier;
}

long dac_kinetics_model_find_step(const dac_kinetics_model *m, const char *name)
{
    for (size_t j = 0; j < m->n_steps; j++)
        if (!strcmp(m->steps[j].name, name))
            return (long)j;
    return -1;
}

double dac_kinetics_model_step_electrons(const dac_kinetics_model *m, size_t j)
{
    return j < m->n_steps ? m->steps[j].electrons : NAN;
}

const char *dac_kinetics_model_product_name(const dac_kinetics_model *m, size_t p)
{
    return p < m->n_products ? m->species[m->products[p].species].name : NULL;
}

const char *dac_kinetics_model_pathway_name(const dac_kinetics_model *m, size_t k)
{
    return k < m->n_pathways ? m->pathways[k].name : NULL;
}

int dac_kinetics_model_find_parameter(const dac_kinetics_model *m, const char *key,
                                      dac_kinetics_parameter *out)
{
    static const struct { const char *key; int kind; } conditions[] = {
        {"potential_V_RHE", KIN_PAR_POTENTIAL}, {"U", KIN_PAR_POTENTIAL},
        {"temperature_K", KIN_PAR_TEMPERATURE}, {"T", KIN_PAR_TEMPERATURE},
        {"pH", KIN_PAR_PH}, {"distance_MM_A", KIN_PAR_DISTANCE}};
    for (size_t i = 0; i < sizeof conditions / sizeof conditions[0]; i++)
        if (!strcmp(key, conditions[i].key)) {
            out->kind = conditions[i].kind;
            out->index = 0;
            return DAC_OK;
        }
    const char *dot = strchr(key, '.');
    if (dot) {
        size_t n = (size_t)(dot - key);
        const char *name = dot + 1;
        if (n == 7 && !strncmp(key, "barrier", 7)) {
            long j = dac_kinetics_model_find_step(m, name);
            if (j < 0)
                return dac_error(DAC_ERR_USAGE, "parameter '%s': no step '%s'", key, name);
            out->kind = KIN_PAR_BARRIER;
            out->index = (size_t)j;
            return DAC_OK;
        }
        long i = kin_species_index(m, name);
        if ((n == 1 && strchr("Gpc", key[0])) && i < 0)
            return dac_error(DAC_ERR_USAGE, "parameter '%s': no species '%s'", key, name);
        dac_kinetics_phase ph = i >= 0 ? m->species[i].phase : (dac_kinetics_phase)0;
        if (n == 1 && key[0] == 'G') {
            if (ph == DAC_KINETICS_FREE_SITE || ph == DAC_KINETICS_PROTON || ph == DAC_KINETICS_ELECTRON)
                return dac_error(DAC_ERR_USAGE, "parameter '%s': the energy of '%s' is fixed", key, name);
            out->kind = KIN_PAR_ENERGY;
            out->index = (size_t)i;
            return DAC_OK;
        }
        if (n == 1 && (key[0] == 'p' || key[0] == 'c')) {
            dac_kinetics_phase want = key[0] == 'p' ? DAC_KINETICS_GAS : DAC_KINETICS_SOLUTE;
            if (ph != want)
                return dac_error(DAC_ERR_USAGE, "parameter '%s': '%s' is not a %s", key, name,
                                 key[0] == 'p' ? "gas (p. is a pressure in bar)"
                                               : "solute (c. is a concentration in mol/L)");
            out->kind = KIN_PAR_AMOUNT;
            out->index = (size_t)i;
            return DAC_OK;
        }
    }
    return dac_error(DAC_ERR_USAGE, "unknown parameter '%s' (expected U, T, pH, distance_MM_A, "
                     "G.SPECIES, p.GAS, c.SOLUTE or barrier.STEP)", key);
}

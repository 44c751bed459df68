/*
 * model.c — the kinetics model object: site types, species, steps, products, pathways
 * and default conditions, built by code through the public add/set functions or by the
 * mechanism reader (mechanism.c) through the kin_*_at variants that remember the line.
 *
 * Nothing here computes: validation (equation.c: kin_compile) turns the model into
 * the numbered states and compiled steps the solver works on, and refuses a model that
 * is not balanced or lacks an energy.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/parse.h"
#include "kinetics/kin_internal.h"

int kin_error(const dac_kinetics_model *m, long line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (m->path)
        return dac_error_at(DAC_ERR_INPUT, m->path, line, "%s", msg);
    return dac_error(DAC_ERR_INPUT, "model '%s': %s", m->name, msg);
}

int kin_set_text(char **dst, const char *text)
{
    char *copy = text ? strdup(text) : NULL;
    if (text && !copy)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    free(*dst);
    *dst = copy;
    return DAC_OK;
}

/* Grows an array of `size`-byte items to hold one more. */
static int grow(void **items, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return DAC_OK;
    size_t c = *cap ? 2 * *cap : 8;
    void *p = realloc(*items, c * size);
    if (!p)
        return dac_error(DAC_ERR_NOMEM, "out of memory building a kinetics model");
    *items = p;
    *cap = c;
    return DAC_OK;
}

/* Names appear in equations split at spaces: no blanks, no leading digit, not "+". */
static int check_name(const dac_kinetics_model *m, const char *what, const char *name, long line)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n >= KIN_NAME_MAX)
        return kin_error(m, line, "%s name '%s': expected 1 to %d characters", what,
                         name ? name : "", KIN_NAME_MAX - 1);
    if ((name[0] >= '0' && name[0] <= '9') || !strcmp(name, "+") || !strcmp(name, "->") ||
        !strcmp(name, "<->"))
        return kin_error(m, line, "%s name '%s' must not start with a digit or be an operator",
                         what, name);
    for (size_t i = 0; i < n; i++)
        if (name[i] == ' ' || name[i] == '\t' || name[i] == '\n' || name[i] == ',')
            return kin_error(m, line, "%s name '%s' must not contain blanks or commas", what, name);
    return DAC_OK;
}

int dac_kinetics_model_create(const char *name, dac_kinetics_model **out)
{
    *out = NULL;
    dac_kinetics_model *m = calloc(1, sizeof *m);
    if (!m || !(m->name = strdup(name && name[0] ? name : "model"))) {
        free(m);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    m->dissolved = -1;
    /* Defaults (docs/kinetics.md): 298.15 K is the standard temperature of the
     * thermochemical tables; U = 0 V_RHE the reference of the energies; pH 7 an
     * assumption that matters only for steps moving a proton or an electron alone;
     * 1e15 ensembles per cm² an assumption (≈ one site per 10 Å², an upper bound for
     * atomically dispersed metals); no M···M distance. */
    m->temperature_K = 298.15;
    m->potential_V_RHE = 0;
    m->pH = 7;
    m->site_density_per_cm2 = 1e15;
    m->distance_MM_A = NAN;
    m->catalyst = -1;
    int st = kin_add_species_at(m, "H+", DAC_KINETICS_PROTON, "H", 1, 0, 0);
    if (st == DAC_OK)
        st = kin_add_species_at(m, "e-", DAC_KINETICS_ELECTRON, "", -1, 0, 0);
    if (st != DAC_OK) {
        dac_kinetics_model_free(m);
        return st;
    }
    m->proton = 0;
    m->electron = 1;
    *out = m;
    return DAC_OK;
}

void dac_kinetics_model_free(dac_kinetics_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_species; i++)
        free(m->species[i].source);
    for (size_t j = 0; j < m->n_steps; j++) {
        free(m->steps[j].equation);
        free(m->steps[j].source);
    }
    for (size_t k = 0; k < m->n_pathways; k++)
        free(m->pathways[k].steps);
    free(m->species);
    free(m->steps);
    free(m->types);
    free(m->products);
    free(m->pathways);
    free(m->state_species);
    free(m->state_home);
    free(m->occupation);
    free(m->csteps);
    free(m->product_net);
    free(m->name);
    free(m->path);
    free(m);
}

static int not_frozen(const dac_kinetics_model *m)
{
    if (m->validated)
        return dac_error(DAC_ERR_USAGE, "model '%s': validated models cannot change", m->name);
    return DAC_OK;
}

int kin_add_type_at(dac_kinetics_model *m, const char *name, double amount, int dissolved, long line)
{
    int st = not_frozen(m);
    if (st || (st = check_name(m, "site type", name, line)))
        return st;
    if (!(amount > 0) || !isfinite(amount))
        return kin_error(m, line, "site type '%s': expected a positive %s, got %g", name,
                         dissolved ? "concentration_mol_L" : "count", amount);
    if (m->dissolved >= 0 && m->dissolved != dissolved)
        return kin_error(m, line, "site type '%s': a model's site types are all on a surface "
                         "(count) or all dissolved (concentration_mol_L), not both", name);
    for (size_t t = 0; t < m->n_types; t++)
        if (!strcmp(m->types[t].name, name))
            return kin_error(m, line, "site type '%s' defined twice", name);
    char free_name[KIN_NAME_MAX + 1];
    snprintf(free_name, sizeof free_name, "*%s", name);
    if (strlen(free_name) >= KIN_NAME_MAX)
        return kin_error(m, line, "site type name '%s' is too long", name);
    if ((st = grow((void **)&m->types, m->n_types, &m->cap_types, sizeof *m->types)))
        return st;
    kin_site_type *t = &m->types[m->n_types];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->amount = amount;
    if ((st = kin_add_species_at(m, free_name, DAC_KINETICS_FREE_SITE, "", 0, 0, line)))
        return st;
    kin_species *sp = &m->species[m->n_species - 1];
    sp->n_sites = 1;
    sp->site[0] = (int)m->n_types;
    t->free_species = (int)m->n_species - 1;
    m->n_types++;
    m->dissolved = dissolved;
    return DAC_OK;
}

int dac_kinetics_model_add_site_type(dac_kinetics_model *m, const char *name, double count)
{
    return kin_add_type_at(m, name, count, 0, 0);
}

int dac_kinetics_model_add_dissolved_site_type(dac_kinetics_model *m, const char *name,
                                               double concentration_mol_L)
{
    return kin_add_type_at(m, name, concentration_mol_L, 1, 0);
}

int kin_add_species_at(dac_kinetics_model *m, const char *name, dac_kinetics_phase phase,
                       const char *formula, int charge, double G_eV, long line)
{
    int st = not_frozen(m);
    if (st || (st = check_name(m, "species", name, line)))
        return st;
    if (kin_find_species(m, name))
        return kin_error(m, line, "species '%s' defined twice%s", name,
                         name[0] == '*' ? " (free sites are made for every site type)" : "");
    if (phase < DAC_KINETICS_GAS || phase > DAC_KINETICS_ELECTRON)
        return dac_error(DAC_ERR_USAGE, "species '%s': unknown phase %d", name, (int)phase);
    if ((st = grow((void **)&m->species, m->n_species, &m->cap_species, sizeof *m->species)))
        return st;
    kin_species *sp = &m->species[m->n_species];
    memset(sp, 0, sizeof *sp);
    snprintf(sp->name, sizeof sp->name, "%s", name);
    sp->phase = phase;
    sp->charge = charge;
    sp->G_eV = G_eV;
    sp->amount = phase == DAC_KINETICS_SOLVENT ? 1 : NAN;
    sp->state = -1;
    sp->line = line;
    if (phase != DAC_KINETICS_TRANSITION_STATE) {
        char derived[KIN_NAME_MAX];
        int from_name = formula == NULL;
        if (from_name) { /* the name up to its "_site" suffix */
            snprintf(derived, sizeof derived, "%s", name);
            char *us = strrchr(derived, '_');
            if (us && phase == DAC_KINETICS_ADSORBATE)
                *us = '\0';
            formula = derived;
        }
        if (strlen(formula) >= KIN_NAME_MAX)
            return kin_error(m, line, "species '%s': formula too long", name);
        snprintf(sp->formula, sizeof sp->formula, "%s", formula);
        if (kin_parse_formula(formula, sp) != DAC_OK)
            return kin_error(m, line, "species '%s': cannot read the formula '%s' (element "
                             "symbols and counts, like COOH or C2H4)%s", name, formula,
                             from_name ? "; give the species a formula:" : "");
    }
    m->n_species++;
    return DAC_OK;
}

int dac_kinetics_model_add_species(dac_kinetics_model *m, const char *name,
                                   dac_kinetics_phase phase, const char *formula, int charge,
                                   double G_eV)
{
    if (phase == DAC_KINETICS_FREE_SITE || phase == DAC_KINETICS_PROTON || phase == DAC_KINETICS_ELECTRON)
        return dac_error(DAC_ERR_USAGE, "species '%s': free sites, H+ and e- are built in", name);
    return kin_add_species_at(m, name, phase, formula, charge, G_eV, 0);
}

kin_species *kin_find_species(const dac_kinetics_model *m, const char *name)
{
    long i = kin_species_index(m, name);
    return i < 0 ? NULL : &m->species[i];
}

long kin_species_index(const dac_kinetics_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_species; i++)
        if (!strcmp(m->species[i].name, name))
            return (long)i;
    return -1;
}

static int declared(dac_kinetics_model *m, const char *name, kin_species **sp)
{
    int st = not_frozen(m);
    if (st)
        return st;
    *sp = kin_find_species(m, name ? name : "");
    if (!*sp)
        return dac_error(DAC_ERR_USAGE, "model '%s': no species '%s'", m->name, name ? name : "");
    return DAC_OK;
}

int dac_kinetics_model_set_species_sites(dac_kinetics_model *m, const char *name,
                                         const char *const *sites, size_t n_sites)
{
    kin_species *sp = NULL;
    int st = declared(m, name, &sp);
    if (st)
        return st;
    if (sp->phase != DAC_KINETICS_ADSORBATE && sp->phase != DAC_KINETICS_TRANSITION_STATE)
        return kin_error(m, sp->line, "species '%s': only adsorbates and transition states "
                         "occupy sites", name);
    if (n_sites == 0 || n_sites > KIN_MAX_SITES)
        return kin_error(m, sp->line, "species '%s': expected 1 to %d sites, got %zu", name,
                         KIN_MAX_SITES, n_sites);
    for (size_t k = 0; k < n_sites; k++) {
        size_t t = 0;
        while (t < m->n_types && strcmp(m->types[t].name, sites[k]))
            t++;
        if (t == m->n_types)
            return kin_error(m, sp->line, "species '%s': unknown site type '%s'", name, sites[k]);
        sp->site[k] = (int)t;
    }
    sp->n_sites = (int)n_sites;
    return DAC_OK;
}

int dac_kinetics_model_set_species_amount(dac_kinetics_model *m, const char *name, double amount)
{
    kin_species *sp = NULL;
    int st = declared(m, name, &sp);
    if (st)
        return st;
    if (sp->phase != DAC_KINETICS_GAS && sp->phase != DAC_KINETICS_SOLUTE)
        return kin_error(m, sp->line, "species '%s': only gases (pressure_bar) and solutes "
                         "(concentration_mol_L) have amounts", name);
    if (!(amount >= 0) || !isfinite(amount))
        return kin_error(m, sp->line, "species '%s': expected a pressure or concentration ≥ 0, "
                         "got %g", name, amount);
    sp->amount = amount;
    return DAC_OK;
}

int dac_kinetics_model_set_species_energy(dac_kinetics_model *m, const char *name, double G_eV)
{
    kin_species *sp = NULL;
    int st = declared(m, name, &sp);
    if (st)
        return st;
    if (!isfinite(G_eV))
        return kin_error(m, sp->line, "species '%s': energy must be finite", name);
    if (sp->phase == DAC_KINETICS_FREE_SITE || sp->phase == DAC_KINETICS_PROTON ||
        sp->phase == DAC_KINETICS_ELECTRON)
        return kin_error(m, sp->line, "species '%s': its energy is fixed (free sites 0; H+ and "
                         "e- by the computational hydrogen electrode)", name);
    sp->G_eV = G_eV;
    return DAC_OK;
}

int dac_kinetics_model_set_species_source(dac_kinetics_model *m, const char *name, const char *source)
{
    kin_species *sp = NULL;
    int st = declared(m, name, &sp);
    return st ? st : kin_set_text(&sp->source, source);
}

int kin_add_step_at(dac_kinetics_model *m, const char *name, const char *equation, long line,
                    size_t *index)
{
    int st = not_frozen(m);
    if (st)
        return st;
    char auto_name[32];
    if (!name) {
        snprintf(auto_name, sizeof auto_name, "step %zu", m->n_steps + 1);
        name = auto_name;
    } else if (!name[0] || strlen(name) >= KIN_NAME_MAX) {
        return kin_error(m, line, "step name '%s': expected 1 to %d characters", name, KIN_NAME_MAX - 1);
    }
    for (size_t j = 0; j < m->n_steps; j++)
        if (!strcmp(m->steps[j].name, name))
            return kin_error(m, line, "step '%s' defined twice (first on line %ld)", name,
                             m->steps[j].line);
    if ((st = grow((void **)&m->steps, m->n_steps, &m->cap_steps, sizeof *m->steps)))
        return st;
    kin_step *s = &m->steps[m->n_steps];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->ts = -1;
    s->barrier_eV = s->beta = s->prefactor_per_s = s->photon_rate_per_s = NAN;
    s->line = line;
    if ((st = kin_parse_equation(m, s, equation ? equation : "", line)) ||
        (st = kin_set_text(&s->equation, equation))) {
        free(s->equation);
        return st;
    }
    if (index)
        *index = m->n_steps;
    m->n_steps++;
    return DAC_OK;
}

int dac_kinetics_model_add_step(dac_kinetics_model *m, const char *name, const char *equation,
                                size_t *index)
{
    return kin_add_step_at(m, name, equation, 0, index);
}

static int step_of(dac_kinetics_model *m, size_t j, kin_step **s)
{
    int st = not_frozen(m);
    if (st)
        return st;
    if (j >= m->n_steps)
        return dac_error(DAC_ERR_USAGE, "model '%s': no step %zu", m->name, j);
    *s = &m->steps[j];
    return DAC_OK;
}

/* One number of a step: *field = value when ok, else an error naming the step and the
 * range `expected`. */
static int set_step_number(dac_kinetics_model *m, size_t j, size_t offset, double value, int ok,
                           const char *expected)
{
    kin_step *s = NULL;
    int st = step_of(m, j, &s);
    if (st)
        return st;
    if (!ok || isnan(value))
        return kin_error(m, s->line, "step '%s': %s, got %g", s->name, expected, value);
    *(double *)((char *)s + offset) = value;
    return DAC_OK;
}

int dac_kinetics_model_set_step_barrier(dac_kinetics_model *m, size_t j, double barrier_eV)
{
    return set_step_number(m, j, offsetof(kin_step, barrier_eV), barrier_eV, isfinite(barrier_eV),
                           "barrier_eV must be finite");
}

int dac_kinetics_model_set_step_beta(dac_kinetics_model *m, size_t j, double beta)
{
    return set_step_number(m, j, offsetof(kin_step, beta), beta, beta >= 0 && beta <= 1,
                           "beta must be in [0, 1]");
}

int dac_kinetics_model_set_step_prefactor(dac_kinetics_model *m, size_t j, double prefactor)
{
    return set_step_number(m, j, offsetof(kin_step, prefactor_per_s), prefactor,
                           prefactor > 0 && isfinite(prefactor), "prefactor_per_s must be positive");
}

int dac_kinetics_model_set_step_photon_rate(dac_kinetics_model *m, size_t j, double per_s)
{
    if (j < m->n_steps && m->steps[j].reversible)
        return kin_error(m, m->steps[j].line, "step '%s': a light-driven step is irreversible: "
                         "write it with '->'", m->steps[j].name);
    return set_step_number(m, j, offsetof(kin_step, photon_rate_per_s), per_s,
                           per_s >= 0 && isfinite(per_s), "photon_rate_per_s must be ≥ 0");
}

int dac_kinetics_model_set_step_transition_state(dac_kinetics_model *m, size_t j, const char *species)
{
    kin_step *s = NULL;
    int st = step_of(m, j, &s);
    if (st)
        return st;
    long i = kin_species_index(m, species ? species : "");
    if (i < 0 || m->species[i].phase != DAC_KINETICS_TRANSITION_STATE)
        return kin_error(m, s->line, "step '%s': '%s' is not a transition state species", s->name,
                         species ? species : "");
    s->ts = (int)i;
    return DAC_OK;
}

int dac_kinetics_model_set_step_distance_barrier(dac_kinetics_model *m, size_t j, double min_eV,
                                                 double optimum_A, double curvature)
{
    kin_step *s = NULL;
    int st = step_of(m, j, &s);
    if (st)
        return st;
    if (!isfinite(min_eV) || !(optimum_A > 0) || !(curvature >= 0) || !isfinite(curvature))
        return kin_error(m, s->line, "step '%s': distance barrier needs finite min_eV, "
                         "optimum_A > 0 and curvature ≥ 0", s->name);
    s->distance_barrier = 1;
    s->dist_min_eV = min_eV;
    s->dist_optimum_A = optimum_A;
    s->dist_curvature = curvature;
    return DAC_OK;
}

int dac_kinetics_model_set_step_source(dac_kinetics_model *m, size_t j, const char *source)
{
    kin_step *s = NULL;
    int st = step_of(m, j, &s);
    return st ? st : kin_set_text(&s->source, source);
}

int dac_kinetics_model_add_product(dac_kinetics_model *m, const char *name, double electrons)
{
    kin_species *sp = NULL;
    int st = declared(m, name, &sp);
    if (st)
        return st;
    if (sp->phase != DAC_KINETICS_GAS && sp->phase != DAC_KINETICS_SOLUTE &&
        sp->phase != DAC_KINETICS_SOLVENT)
        return kin_error(m, sp->line, "product '%s': expected a gas or solution species", name);
    for (size_t p = 0; p < m->n_products; p++)
        if (m->products[p].species == (int)(sp - m->species))
            return kin_error(m, sp->line, "product '%s' listed twice", name);
    if (!isnan(electrons) && (!(electrons > 0) || !isfinite(electrons)))
        return kin_error(m, sp->line, "product '%s': electrons must be positive", name);
    if ((st = grow((void **)&m->products, m->n_products, &m->cap_products, sizeof *m->products)))
        return st;
    m->products[m->n_products].species = (int)(sp - m->species);
    m->products[m->n_products].electrons = electrons;
    m->n_products++;
    return DAC_OK;
}

int dac_kinetics_model_add_pathway(dac_kinetics_model *m, const char *name,
                                   const char *const *steps, size_t n_steps)
{
    int st = not_frozen(m);
    if (st)
        return st;
    if (!name || !name[0] || strlen(name) >= KIN_NAME_MAX || n_steps == 0)
        return dac_error(DAC_ERR_USAGE, "model '%s': a pathway needs a name and steps", m->name);
    kin_pathway *p = realloc(m->pathways, (m->n_pathways + 1) * sizeof *p);
    int *idx = malloc(n_steps * sizeof *idx);
    if (p)
        m->pathways = p;
    if (!p || !idx) {
        free(idx);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < n_steps; k++) {
        long j = dac_kinetics_model_find_step(m, steps[k]);
        if (j < 0) {
            free(idx);
            return dac_error(DAC_ERR_INPUT, "pathway '%s': no step '%s'", name, steps[k]);
        }
        idx[k] = (int)j;
    }
    kin_pathway *pw = &m->pathways[m->n_pathways++];
    snprintf(pw->name, sizeof pw->name, "%s", name);
    pw->steps = idx;
    pw->n_steps = n_steps;
    return DAC_OK;
}

int dac_kinetics_model_set_catalyst(dac_kinetics_model *m, const char *site_type)
{
    int st = not_frozen(m);
    if (st)
        return st;
    for (size_t t = 0; t < m->n_types; t++)
        if (!strcmp(m->types[t].name, site_type)) {
            m->catalyst = (int)t;
            return DAC_OK;
        }
    return dac_error(DAC_ERR_INPUT, "catalyst: no site type '%s'", site_type);
}

/* The model's default conditions by key; NULL when the key is not a condition. */
static double *condition_slot(dac_kinetics_model *m, const char *key)
{
    if (!strcmp(key, "temperature_K"))
        return &m->temperature_K;
    if (!strcmp(key, "potential_V_RHE"))
        return &m->potential_V_RHE;
    if (!strcmp(key, "pH"))
        return &m->pH;
    if (!strcmp(key, "site_density_per_cm2"))
        return &m->site_density_per_cm2;
    if (!strcmp(key, "distance_MM_A"))
        return &m->distance_MM_A;
    return NULL;
}

int dac_kinetics_model_set_condition(dac_kinetics_model *m, const char *key, double value)
{
    int st = not_frozen(m);
    if (st)
        return st;
    double *slot = condition_slot(m, key);
    if (!slot)
        return dac_error(DAC_ERR_USAGE, "unknown condition '%s' (expected temperature_K, "
                         "potential_V_RHE, pH, site_density_per_cm2 or distance_MM_A)", key);
    if (!isfinite(value) || ((slot == &m->temperature_K || slot == &m->site_density_per_cm2 ||
                              slot == &m->distance_MM_A) && !(value > 0)))
        return dac_error(DAC_ERR_USAGE, "condition %s: %g is out of range", key, value);
    *slot = value;
    return DAC_OK;
}

double dac_kinetics_model_condition(const dac_kinetics_model *m, const char *key)
{
    double *slot = condition_slot((dac_kinetics_model *)m, key);
    return slot ? *slot : NAN;
}

int dac_kinetics_model_validate(dac_kinetics_model *m)
{
    if (!m)
        return dac_error(DAC_ERR_USAGE, "dac_kinetics_model_validate: NULL model");
    if (m->validated)
        return DAC_OK;
    int st = kin_compile(m);
    if (st == DAC_OK)
        m->validated = 1;
    return st;
}

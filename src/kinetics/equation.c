/*
 * equation.c — formulas ("COOH" → C1 O2 H1), step equations
 * ("CO2 + *a + H+ + e- <-> COOH_a"), and the compilation that validation performs:
 * numbering the states, checking that every step conserves elements, charge and the
 * sites of every site type, and turning each step into the state terms the solver uses.
 *
 * Balance is checked here, once, so the solver can trust that the site balances are
 * exact invariants of the rate equations (each site type's Σθ = 1 is conserved) — the
 * property the Newton solve relies on when it swaps a rate equation for a balance.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kinetics/kin_internal.h"

int kin_parse_formula(const char *f, kin_species *sp)
{
    sp->n_elements = 0;
    const char *p = f;
    while (*p) {
        if (*p < 'A' || *p > 'Z')
            return DAC_ERR_INPUT;
        char sym[3] = {*p++, 0, 0};
        if (*p >= 'a' && *p <= 'z')
            sym[1] = *p++;
        const dac_element *e = dac_element_by_symbol(sym);
        if (!e)
            return DAC_ERR_INPUT;
        long n = 0;
        while (*p >= '0' && *p <= '9' && n < 1000)
            n = 10 * n + (*p++ - '0');
        if (n >= 1000)
            return DAC_ERR_INPUT;
        if (n == 0)
            n = 1;
        int k = 0;
        while (k < sp->n_elements && sp->element_Z[k] != e->Z)
            k++;
        if (k == sp->n_elements) {
            if (k == KIN_MAX_ELEMENTS)
                return DAC_ERR_INPUT;
            sp->element_Z[k] = e->Z;
            sp->element_n[k] = 0;
            sp->n_elements++;
        }
        sp->element_n[k] += (int)n;
    }
    return DAC_OK;
}

/* Adds coef × species to one side, merging repeats ("*a + *a" is 2 *a). */
static int add_term(const dac_kinetics_model *m, kin_term *terms, int *n, int species, int coef,
                    long line, const char *eq)
{
    for (int k = 0; k < *n; k++)
        if (terms[k].species == species) {
            terms[k].coef += coef;
            return DAC_OK;
        }
    if (*n == KIN_MAX_TERMS)
        return kin_error(m, line, "equation '%s': more than %d species on one side", eq, KIN_MAX_TERMS);
    terms[*n].species = species;
    terms[*n].coef = coef;
    (*n)++;
    return DAC_OK;
}

/* One token of an equation: "2", "2*a", "COOH_a". Leading digits are a coefficient. */
static int parse_term(const dac_kinetics_model *m, char **tok, int ntok, int *i, int *coef,
                      int *species, long line, const char *eq)
{
    const char *t = tok[*i];
    long c = 0;
    size_t d = 0;
    while (t[d] >= '0' && t[d] <= '9' && c < 1000)
        c = 10 * c + (t[d++] - '0');
    int has_coef = d > 0;
    if (has_coef && (c == 0 || c >= 1000))
        return kin_error(m, line, "equation '%s': coefficient must be 1 to 999", eq);
    if (has_coef && t[d] == '\0') { /* "2 *a": the name is the next token */
        if (++*i >= ntok)
            return kin_error(m, line, "equation '%s': coefficient %ld without a species", eq, c);
        t = tok[*i];
        d = 0;
    }
    const char *name = t + d;
    long s = kin_species_index(m, name);
    if (s < 0)
        return kin_error(m, line, "equation '%s': unknown species '%s'", eq, name);
    if (m->species[s].phase == DAC_KINETICS_TRANSITION_STATE)
        return kin_error(m, line, "equation '%s': '%s' is a transition state; name it with ts:, "
                         "not in the equation", eq, name);
    *coef = has_coef ? (int)c : 1;
    *species = (int)s;
    return DAC_OK;
}

int kin_parse_equation(dac_kinetics_model *m, kin_step *st, const char *eq, long line)
{
    char buf[1024];
    if (strlen(eq) >= sizeof buf)
        return kin_error(m, line, "equation too long (%zu characters)", strlen(eq));
    snprintf(buf, sizeof buf, "%s", eq);
    char *tok[256];
    int ntok = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
        if (ntok == 256)
            return kin_error(m, line, "equation '%s': too many terms", eq);
        tok[ntok++] = t;
    }
    int arrow = -1;
    for (int i = 0; i < ntok; i++)
        if (!strcmp(tok[i], "<->") || !strcmp(tok[i], "->")) {
            if (arrow >= 0)
                return kin_error(m, line, "equation '%s': more than one arrow", eq);
            arrow = i;
        } else if (strstr(tok[i], "->") || strstr(tok[i], "<-") || strchr(tok[i], '=')) {
            return kin_error(m, line, "equation '%s': put spaces around the arrow ('<->' or '->')", eq);
        }
    if (arrow < 0)
        return kin_error(m, line, "equation '%s': expected '<->' (reversible) or '->' "
                         "(irreversible) between the two sides", eq);
    st->reversible = !strcmp(tok[arrow], "<->");
    st->n_reac = st->n_prod = 0;
    for (int side = 0; side < 2; side++) {
        int lo = side ? arrow + 1 : 0, hi = side ? ntok : arrow;
        if (lo >= hi)
            return kin_error(m, line, "equation '%s': the %s side is empty", eq,
                             side ? "right" : "left");
        int expect_term = 1;
        for (int i = lo; i < hi; i++) {
            if (!strcmp(tok[i], "+")) {
                if (expect_term)
                    return kin_error(m, line, "equation '%s': '+' without a species before it", eq);
                expect_term = 1;
                continue;
            }
            if (!expect_term)
                return kin_error(m, line, "equation '%s': expected ' + ' between '%s' and '%s' "
                                 "(terms are separated by a '+' with spaces)", eq, tok[i - 1], tok[i]);
            int coef = 0, species = 0, k = i, rc;
            if ((rc = parse_term(m, tok, hi, &k, &coef, &species, line, eq)))
                return rc;
            i = k;
            rc = side ? add_term(m, st->prod, &st->n_prod, species, coef, line, eq)
                      : add_term(m, st->reac, &st->n_reac, species, coef, line, eq);
            if (rc)
                return rc;
            expect_term = 0;
        }
        if (expect_term)
            return kin_error(m, line, "equation '%s': ends with '+'", eq);
    }
    return DAC_OK;
}

/* ------------------------------------------------------------ compilation ----- */

static int check_species(dac_kinetics_model *m)
{
    for (size_t i = 0; i < m->n_species; i++) {
        kin_species *sp = &m->species[i];
        if ((sp->phase == DAC_KINETICS_GAS || sp->phase == DAC_KINETICS_SOLUTE) && isnan(sp->amount))
            return kin_error(m, sp->line, "species '%s': missing %s", sp->name,
                             sp->phase == DAC_KINETICS_GAS ? "pressure_bar" : "concentration_mol_L");
        if (sp->phase == DAC_KINETICS_ADSORBATE && sp->n_sites == 0)
            return kin_error(m, sp->line, "species '%s': an adsorbate needs sites:", sp->name);
        if (!isfinite(sp->G_eV))
            return kin_error(m, sp->line, "species '%s': missing energy (G_eV, or a row of the "
                             "energy table)", sp->name);
    }
    return DAC_OK;
}

/* Elements, charge and the sites of every type must be the same on both sides. */
static int check_balance(const dac_kinetics_model *m, const kin_step *st)
{
    int elem[130] = {0}, charge = 0;
    int *sites = calloc(m->n_types + 1, sizeof *sites);
    if (!sites)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    for (int side = 0; side < 2; side++) {
        int sign = side ? -1 : 1, n = side ? st->n_prod : st->n_reac;
        const kin_term *terms = side ? st->prod : st->reac;
        for (int k = 0; k < n; k++) {
            const kin_species *sp = &m->species[terms[k].species];
            for (int e = 0; e < sp->n_elements; e++)
                elem[sp->element_Z[e]] += sign * terms[k].coef * sp->element_n[e];
            charge += sign * terms[k].coef * sp->charge;
            for (int s = 0; s < sp->n_sites; s++)
                sites[sp->site[s]] += sign * terms[k].coef;
        }
    }
    int st_ok = DAC_OK;
    for (int Z = 1; Z < 130 && st_ok == DAC_OK; Z++)
        if (elem[Z])
            st_ok = kin_error(m, st->line, "step '%s' (%s) is not balanced: %s differs by %d "
                              "between the sides", st->name, st->equation ? st->equation : "",
                              dac_element_by_Z(Z) ? dac_element_by_Z(Z)->symbol : "?", elem[Z]);
    if (st_ok == DAC_OK && charge)
        st_ok = kin_error(m, st->line, "step '%s' (%s) is not balanced: charge differs by %d",
                          st->name, st->equation ? st->equation : "", charge);
    for (size_t t = 0; t < m->n_types && st_ok == DAC_OK; t++)
        if (sites[t])
            st_ok = kin_error(m, st->line, "step '%s' (%s) is not balanced: sites of type '%s' "
                              "differ by %d (count free sites *%s too)", st->name,
                              st->equation ? st->equation : "", m->types[t].name, sites[t],
                              m->types[t].name);
    free(sites);
    return st_ok;
}

static void compile_step(dac_kinetics_model *m, size_t j)
{
    kin_step *st = &m->steps[j];
    kin_cstep *c = &m->csteps[j];
    memset(c, 0, sizeof *c);
    st->electrons = st->protons = 0;
    for (int side = 0; side < 2; side++) {
        int n = side ? st->n_prod : st->n_reac, sign = side ? -1 : 1;
        const kin_term *terms = side ? st->prod : st->reac;
        for (int k = 0; k < n; k++) {
            const kin_species *sp = &m->species[terms[k].species];
            if (terms[k].species == m->electron)
                st->electrons += sign * terms[k].coef;
            if (terms[k].species == m->proton)
                st->protons += sign * terms[k].coef;
            if (sp->state < 0)
                continue;
            kin_sterm *t = side ? &c->prod[c->n_prod++] : &c->reac[c->n_reac++];
            t->state = (int)sp->state;
            t->coef = terms[k].coef;
            int q = 0; /* net change: products − reactants */
            while (q < c->n_net && c->net[q].state != t->state)
                q++;
            if (q == c->n_net) {
                c->net[q].state = t->state;
                c->net[q].coef = 0;
                c->n_net++;
            }
            c->net[q].coef += side ? terms[k].coef : -terms[k].coef;
        }
    }
}

static int number_states(dac_kinetics_model *m)
{
    m->n_states = 0;
    for (size_t i = 0; i < m->n_species; i++) {
        kin_species *sp = &m->species[i];
        sp->state = -1;
        if (sp->phase == DAC_KINETICS_FREE_SITE || sp->phase == DAC_KINETICS_ADSORBATE)
            sp->state = (long)m->n_states++;
    }
    size_t n = m->n_states;
    free(m->state_species); /* a failed validation may have left these */
    free(m->state_home);
    free(m->occupation);
    free(m->csteps);
    free(m->product_net);
    m->state_species = malloc(n * sizeof *m->state_species);
    m->state_home = malloc(n * sizeof *m->state_home);
    m->occupation = calloc(m->n_types * n, sizeof *m->occupation);
    m->csteps = calloc(m->n_steps, sizeof *m->csteps);
    m->product_net = calloc(m->n_products * m->n_steps + 1, sizeof *m->product_net);
    if (!m->state_species || !m->state_home || !m->occupation || !m->csteps || !m->product_net)
        return dac_error(DAC_ERR_NOMEM, "out of memory compiling model '%s'", m->name);
    for (size_t i = 0; i < m->n_species; i++) {
        const kin_species *sp = &m->species[i];
        if (sp->state < 0)
            continue;
        m->state_species[sp->state] = (int)i;
        m->state_home[sp->state] = sp->site[0];
        for (int k = 0; k < sp->n_sites; k++)
            m->occupation[(size_t)sp->site[k] * n + (size_t)sp->state] += 1;
    }
    return DAC_OK;
}

/* An adsorbate no step touches would make the steady state undefined. */
static int check_connected(const dac_kinetics_model *m)
{
    for (size_t s = 0; s < m->n_states; s++) {
        const kin_species *sp = &m->species[m->state_species[s]];
        if (sp->phase != DAC_KINETICS_ADSORBATE)
            continue;
        int used = 0;
        for (size_t j = 0; j < m->n_steps && !used; j++)
            for (int q = 0; q < m->csteps[j].n_net; q++)
                used |= m->csteps[j].net[q].state == (int)s && m->csteps[j].net[q].coef != 0;
        if (!used)
            return kin_error(m, sp->line, "adsorbate '%s' takes part in no step (or only as a "
                             "spectator on both sides)", sp->name);
    }
    return DAC_OK;
}

/* The computational hydrogen electrode sets (H+ + e-) against ½H2: H2 must be the
 * zero of energy when both appear. */
static int check_hydrogen(const dac_kinetics_model *m)
{
    int charged = 0;
    for (size_t j = 0; j < m->n_steps; j++)
        charged |= m->steps[j].electrons != 0 || m->steps[j].protons != 0;
    const kin_species *h2 = kin_find_species(m, "H2");
    if (charged && h2 && h2->G_eV != 0)
        return kin_error(m, h2->line, "species 'H2': G_eV must be 0 — the computational hydrogen "
                         "electrode references H+ + e- to ½ H2 (got %g)", h2->G_eV);
    return DAC_OK;
}

int kin_compile(dac_kinetics_model *m)
{
    if (m->n_types == 0)
        return kin_error(m, 0, "no site types (sites:)");
    if (m->n_steps == 0)
        return kin_error(m, 0, "no steps (steps:)");
    int st = check_species(m);
    if (st || (st = number_states(m)))
        return st;
    for (size_t j = 0; j < m->n_steps; j++) {
        kin_step *s = &m->steps[j];
        if ((st = check_balance(m, s)))
            return st;
        if (!isnan(s->photon_rate_per_s) && (!isnan(s->barrier_eV) || s->ts >= 0))
            return kin_error(m, s->line, "step '%s': a light-driven step has no barrier", s->name);
        if (s->distance_barrier && (!isnan(s->barrier_eV) || s->ts >= 0))
            return kin_error(m, s->line, "step '%s': give a barrier, a transition state or a "
                             "distance barrier, not several", s->name);
        if (!isnan(s->barrier_eV) && s->ts >= 0)
            return kin_error(m, s->line, "step '%s': give barrier_eV or ts, not both", s->name);
        if (s->distance_barrier && isnan(m->distance_MM_A))
            return kin_error(m, s->line, "step '%s': a distance barrier needs the condition "
                             "distance_MM_A", s->name);
        compile_step(m, j);
    }
    if ((st = check_connected(m)) || (st = check_hydrogen(m)))
        return st;
    for (size_t p = 0; p < m->n_products; p++)
        for (size_t j = 0; j < m->n_steps; j++) {
            const kin_step *s = &m->steps[j];
            int net = 0;
            for (int k = 0; k < s->n_prod; k++)
                net += s->prod[k].species == m->products[p].species ? s->prod[k].coef : 0;
            for (int k = 0; k < s->n_reac; k++)
                net -= s->reac[k].species == m->products[p].species ? s->reac[k].coef : 0;
            m->product_net[p * m->n_steps + j] = net;
        }
    if (m->catalyst < 0)
        m->catalyst = 0;
    return DAC_OK;
}

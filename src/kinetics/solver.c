/*
 * solver.c — planning and configuring a kinetics solver, and sizing results.
 *
 * Everything a solve needs is allocated here, once: the SUNDIALS context, the CVODE
 * integrator for the states, the Newton matrix and pivots, every work vector. Setters
 * only store a condition and mark the rate constants stale (rates.c recomputes them
 * before the next solve), so a sweep point costs a Newton solve and nothing else.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kinetics/kin_solver.h"

static double *vec(size_t n) { return malloc((n ? n : 1) * sizeof(double)); }

static int alloc_work(dac_kinetics_solver *s)
{
    size_t n = s->n, m = s->n_steps;
    double **vs[] = {&s->v, &s->v0, &s->vt, &s->dv, &s->f, &s->D, &s->F, &s->Ft, &s->x,
                     &s->v_last, &s->v_given};
    for (size_t k = 0; k < sizeof vs / sizeof vs[0]; k++)
        if (!(*vs[k] = vec(n)))
            return DAC_ERR_NOMEM;
    double **ms[] = {&s->rf, &s->rr, &s->net, &s->lnkf, &s->lnkr, &s->dG, &s->Ga, &s->barrier,
                     &s->ln_mult};
    for (size_t k = 0; k < sizeof ms / sizeof ms[0]; k++)
        if (!(*ms[k] = vec(m)))
            return DAC_ERR_NOMEM;
    s->G = vec(s->m->n_species);
    s->amount = vec(s->m->n_species);
    s->tof = vec(s->n_products);
    s->N = vec(n * m);
    s->order = malloc((m + 1) * sizeof *s->order);
    s->is_pivot = malloc((m + 1) * sizeof *s->is_pivot);
    s->pivot_col = malloc((n + 1) * sizeof *s->pivot_col);
    s->row_type = malloc((n + 1) * sizeof *s->row_type);
    s->elim = malloc((s->n_types + 1) * sizeof *s->elim);
    s->piv = malloc((n + 1) * sizeof *s->piv);
    if (!s->G || !s->amount || !s->tof || !s->N || !s->order || !s->is_pivot || !s->pivot_col ||
        !s->row_type || !s->elim || !s->piv)
        return DAC_ERR_NOMEM;
    return DAC_OK;
}

int dac_kinetics_solver_create(const dac_kinetics_model *m, dac_kinetics_solver **out)
{
    *out = NULL;
    if (!m)
        return dac_error(DAC_ERR_USAGE, "dac_kinetics_solver_create: NULL model");
    if (!m->validated) {
        int st = dac_kinetics_model_validate((dac_kinetics_model *)m);
        if (st)
            return st;
    }
    dac_kinetics_solver *s = calloc(1, sizeof *s);
    if (!s)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    s->m = m;
    s->n = m->n_states;
    s->n_types = m->n_types;
    s->n_steps = m->n_steps;
    s->n_products = m->n_products;
    if (alloc_work(s) != DAC_OK || SUNContext_Create(NULL, &s->ctx) != 0 ||
        !(s->J = SUNDenseMatrix((sunindextype)s->n, (sunindextype)s->n, s->ctx))) {
        dac_kinetics_solver_free(s);
        return dac_error(DAC_ERR_NOMEM, "out of memory planning the kinetics solver");
    }
    int st = kin_cvode_plan(s, &s->cv, s->n, 0);
    if (st) {
        dac_kinetics_solver_free(s);
        return st;
    }
    for (size_t i = 0; i < m->n_species; i++) {
        s->G[i] = m->species[i].G_eV;
        s->amount[i] = m->species[i].amount;
    }
    for (size_t j = 0; j < s->n_steps; j++) {
        s->barrier[j] = NAN;
        s->ln_mult[j] = 0;
    }
    s->T = m->temperature_K;
    s->U = m->potential_V_RHE;
    s->pH = m->pH;
    s->distance = m->distance_MM_A;
    s->tol = 1e-9;
    s->verify = DAC_KINETICS_VERIFY_ALWAYS;
    s->stale = 1;
    *out = s;
    return DAC_OK;
}

void dac_kinetics_solver_free(dac_kinetics_solver *s)
{
    if (!s)
        return;
    kin_cvode_free(&s->cv);
    kin_cvode_free(&s->cv_ton);
    if (s->J)
        SUNMatDestroy(s->J);
    if (s->ctx)
        SUNContext_Free(&s->ctx);
    double *ptrs[] = {s->v, s->v0, s->vt, s->dv, s->f, s->D, s->F, s->Ft, s->x, s->v_last,
                      s->v_given, s->rf, s->rr, s->net, s->lnkf, s->lnkr, s->dG, s->Ga,
                      s->barrier, s->ln_mult, s->G, s->amount, s->tof, s->N};
    for (size_t k = 0; k < sizeof ptrs / sizeof ptrs[0]; k++)
        free(ptrs[k]);
    free(s->order);
    free(s->is_pivot);
    free(s->pivot_col);
    free(s->row_type);
    free(s->elim);
    free(s->piv);
    free(s);
}

const dac_kinetics_model *dac_kinetics_solver_model(const dac_kinetics_solver *s) { return s->m; }

int dac_kinetics_solver_set_potential(dac_kinetics_solver *s, double U)
{
    if (!isfinite(U))
        return dac_error(DAC_ERR_USAGE, "potential must be finite");
    s->U = U;
    s->stale = 1;
    return DAC_OK;
}

int dac_kinetics_solver_set_temperature(dac_kinetics_solver *s, double T)
{
    if (!(T > 0) || !isfinite(T))
        return dac_error(DAC_ERR_USAGE, "temperature must be positive, got %g K", T);
    s->T = T;
    s->stale = 1;
    return DAC_OK;
}

int dac_kinetics_solver_set_pH(dac_kinetics_solver *s, double pH)
{
    if (!isfinite(pH))
        return dac_error(DAC_ERR_USAGE, "pH must be finite");
    s->pH = pH;
    s->stale = 1;
    return DAC_OK;
}

int dac_kinetics_solver_set_parameter(dac_kinetics_solver *s, const dac_kinetics_parameter *p,
                                      double value)
{
    if (!isfinite(value))
        return dac_error(DAC_ERR_USAGE, "parameter value must be finite");
    switch (p->kind) {
    case KIN_PAR_POTENTIAL: return dac_kinetics_solver_set_potential(s, value);
    case KIN_PAR_TEMPERATURE: return dac_kinetics_solver_set_temperature(s, value);
    case KIN_PAR_PH: return dac_kinetics_solver_set_pH(s, value);
    case KIN_PAR_DISTANCE:
        if (!(value > 0))
            return dac_error(DAC_ERR_USAGE, "distance_MM_A must be positive, got %g", value);
        s->distance = value;
        break;
    case KIN_PAR_ENERGY:
        if (p->index >= s->m->n_species)
            return dac_error(DAC_ERR_USAGE, "no species %zu", p->index);
        s->G[p->index] = value;
        break;
    case KIN_PAR_AMOUNT:
        if (p->index >= s->m->n_species || !(value >= 0))
            return dac_error(DAC_ERR_USAGE, "pressures and concentrations must be ≥ 0, got %g", value);
        s->amount[p->index] = value;
        break;
    case KIN_PAR_BARRIER:
        if (p->index >= s->n_steps)
            return dac_error(DAC_ERR_USAGE, "no step %zu", p->index);
        s->barrier[p->index] = value;
        break;
    default: return dac_error(DAC_ERR_USAGE, "unknown parameter kind %d", p->kind);
    }
    s->stale = 1;
    return DAC_OK;
}

int dac_kinetics_solver_set(dac_kinetics_solver *s, const char *key, double value)
{
    dac_kinetics_parameter p;
    int st = dac_kinetics_model_find_parameter(s->m, key, &p);
    return st ? st : dac_kinetics_solver_set_parameter(s, &p, value);
}

double dac_kinetics_solver_get(const dac_kinetics_solver *s, const dac_kinetics_parameter *p)
{
    switch (p->kind) {
    case KIN_PAR_POTENTIAL: return s->U;
    case KIN_PAR_TEMPERATURE: return s->T;
    case KIN_PAR_PH: return s->pH;
    case KIN_PAR_DISTANCE: return s->distance;
    case KIN_PAR_ENERGY: return p->index < s->m->n_species ? s->G[p->index] : NAN;
    case KIN_PAR_AMOUNT: return p->index < s->m->n_species ? s->amount[p->index] : NAN;
    case KIN_PAR_BARRIER: return p->index < s->n_steps ? s->barrier[p->index] : NAN;
    default: return NAN;
    }
}

int dac_kinetics_solver_set_tolerance(dac_kinetics_solver *s, double residual)
{
    if (!(residual >= 1e-15 && residual <= 1e-3))
        return dac_error(DAC_ERR_USAGE, "residual tolerance must be in [1e-15, 1e-3], got %g", residual);
    s->tol = residual;
    return DAC_OK;
}

int dac_kinetics_solver_set_verification(dac_kinetics_solver *s, dac_kinetics_verify mode)
{
    if (mode < DAC_KINETICS_VERIFY_ALWAYS || mode > DAC_KINETICS_VERIFY_NEVER)
        return dac_error(DAC_ERR_USAGE, "unknown verification mode %d", (int)mode);
    s->verify = mode;
    return DAC_OK;
}

int dac_kinetics_solver_set_analysis(dac_kinetics_solver *s, unsigned flags)
{
    if (flags & ~(unsigned)(DAC_KINETICS_RATE_CONTROL | DAC_KINETICS_ACTIVATION |
                            DAC_KINETICS_ORDERS | DAC_KINETICS_TAFEL))
        return dac_error(DAC_ERR_USAGE, "unknown analysis flags 0x%x", flags);
    s->analysis = flags;
    return DAC_OK;
}

int dac_kinetics_solver_set_start(dac_kinetics_solver *s, const double *coverages)
{
    const dac_kinetics_model *m = s->m;
    if (!coverages) {
        kin_clean_start(s, s->v_given);
    } else {
        for (size_t i = 0; i < s->n; i++) {
            if (!(coverages[i] > 0) || !isfinite(coverages[i]))
                return dac_error(DAC_ERR_USAGE, "start coverage of %s must be positive, got %g",
                                 m->species[m->state_species[i]].name, coverages[i]);
            s->v_given[i] = log(coverages[i] * m->types[m->state_home[i]].amount);
        }
    }
    s->have_given = 1;
    return DAC_OK;
}

void dac_kinetics_solver_reset(dac_kinetics_solver *s)
{
    s->have_last = 0;
    s->have_given = 0;
}

void dac_kinetics_solver_set_progress(dac_kinetics_solver *s, dac_progress_fn fn, void *user_data)
{
    s->progress = fn;
    s->user_data = user_data;
}

/* ------------------------------------------------------------------ results ---- */

int dac_kinetics_result_create(const dac_kinetics_solver *s, dac_kinetics_result **out)
{
    *out = NULL;
    dac_kinetics_result *r = calloc(1, sizeof *r);
    if (!r)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    const dac_kinetics_model *m = s->m;
    r->m = m;
    r->n = s->n;
    r->n_types = s->n_types;
    r->n_steps = s->n_steps;
    r->n_products = s->n_products;
    r->n_species = m->n_species;
    size_t np = r->n_products, nj = r->n_steps;
    r->theta = vec(r->n);
    r->site_sum = vec(r->n_types);
    r->rf = vec(nj);
    r->rr = vec(nj);
    r->net = vec(nj);
    r->dG = vec(nj);
    r->Ga = vec(nj);
    r->tof = vec(np);
    r->sel = vec(np);
    r->fe = vec(np);
    r->jp = vec(np);
    r->drc = vec(np * nj);
    r->dsc = vec(np * nj);
    r->Ea = vec(np);
    r->orders = vec(np * r->n_species);
    if (!r->theta || !r->site_sum || !r->rf || !r->rr || !r->net || !r->dG || !r->Ga || !r->tof ||
        !r->sel || !r->fe || !r->jp || !r->drc || !r->dsc || !r->Ea || !r->orders) {
        dac_kinetics_result_free(r);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    kin_clear_result(r);
    *out = r;
    return DAC_OK;
}

void dac_kinetics_result_free(dac_kinetics_result *r)
{
    if (!r)
        return;
    double *ptrs[] = {r->theta, r->site_sum, r->rf, r->rr, r->net, r->dG, r->Ga, r->tof,
                      r->sel, r->fe, r->jp, r->drc, r->dsc, r->Ea, r->orders};
    for (size_t k = 0; k < sizeof ptrs / sizeof ptrs[0]; k++)
        free(ptrs[k]);
    free(r);
}

/*
 * rates.c — mean-field mass-action rates in log variables, the net production of every
 * state, its gross turnover (the scale of its residual), and the analytic Jacobian.
 *
 * With v_i = ln x_i, a step's one-way rate is r = exp(ln k + Σ a_i v_i + Σ ln a_gas):
 * one exponential of a sum, exact for any coverage double precision can hold, and
 * never negative. The Jacobian of the production f_s = Σ_j ν_sj (r_f,j − r_r,j) with
 * respect to v_i is Σ_j ν_sj (a_ij r_f,j − b_ij r_r,j) — exact and cheap, because
 * ∂r/∂v_i is just the rate times the power of state i in it.
 */
#include <math.h>
#include <string.h>

#include "kinetics/kin_solver.h"

/* Σ coef·ln(activity) of the gases and solutes on one side (solvent activity 1; H⁺ and
 * e⁻ are in the energies through the hydrogen electrode). */
static double side_activity(const dac_kinetics_solver *s, const kin_term *t, int n)
{
    const dac_kinetics_model *m = s->m;
    double a = 0;
    for (int k = 0; k < n; k++) {
        const kin_species *sp = &m->species[t[k].species];
        if (sp->phase == DAC_KINETICS_GAS || sp->phase == DAC_KINETICS_SOLUTE)
            a += s->amount[t[k].species] > 0 ? t[k].coef * log(s->amount[t[k].species]) : -INFINITY;
    }
    return a;
}

int kin_update(dac_kinetics_solver *s)
{
    if (!s->stale)
        return DAC_OK;
    const dac_kinetics_model *m = s->m;
    kin_conditions c = {s->T, s->U, s->pH, s->distance, s->G, s->barrier};
    s->kT = kin_kT(s->T);
    double tst = s->kT / DAC_H_EV_S; /* k_BT/h, s⁻¹ */
    for (size_t j = 0; j < s->n_steps; j++) {
        const kin_step *st = &m->steps[j];
        s->dG[j] = kin_step_dG(m, j, &c);
        if (!isnan(st->photon_rate_per_s)) {
            s->Ga[j] = NAN;
            s->lnkf[j] = st->photon_rate_per_s > 0 ? log(st->photon_rate_per_s) : -INFINITY;
            s->lnkr[j] = -INFINITY;
        } else {
            s->Ga[j] = kin_step_barrier(m, j, &c);
            double lnA = log(isnan(st->prefactor_per_s) ? tst : st->prefactor_per_s);
            s->lnkf[j] = lnA - s->Ga[j] / s->kT;
            s->lnkr[j] = st->reversible ? lnA - (s->Ga[j] - s->dG[j]) / s->kT : -INFINITY;
        }
        s->lnkf[j] += s->ln_mult[j] + side_activity(s, st->reac, st->n_reac);
        if (st->reversible)
            s->lnkr[j] += s->ln_mult[j] + side_activity(s, st->prod, st->n_prod);
        if (isnan(s->lnkf[j]) || isnan(s->lnkr[j]))
            return dac_error(DAC_ERR_USAGE, "step '%s': rate constant is not a number at "
                             "T = %g K, U = %g V", st->name, s->T, s->U);
    }
    s->stale = 0;
    return DAC_OK;
}

static double one_way(double lnk, const kin_sterm *t, int n, const double *v)
{
    if (lnk == -INFINITY)
        return 0;
    double l = lnk;
    for (int k = 0; k < n; k++)
        l += t[k].coef * v[t[k].state];
    return exp(l);
}

void kin_rates(const dac_kinetics_solver *s, const double *v, double *rf, double *rr)
{
    for (size_t j = 0; j < s->n_steps; j++) {
        const kin_cstep *c = &s->m->csteps[j];
        rf[j] = one_way(s->lnkf[j], c->reac, c->n_reac, v);
        rr[j] = one_way(s->lnkr[j], c->prod, c->n_prod, v);
    }
}

void kin_production(const dac_kinetics_solver *s, const double *rf, const double *rr, double *f,
                    double *D)
{
    memset(f, 0, s->n * sizeof *f);
    if (D)
        memset(D, 0, s->n * sizeof *D);
    for (size_t j = 0; j < s->n_steps; j++) {
        const kin_cstep *c = &s->m->csteps[j];
        double net = rf[j] - rr[j], gross = rf[j] + rr[j];
        for (int q = 0; q < c->n_net; q++) {
            f[c->net[q].state] += c->net[q].coef * net;
            if (D)
                D[c->net[q].state] += fabs((double)c->net[q].coef) * gross;
        }
    }
}

void kin_jacobian(const dac_kinetics_solver *s, const double *rf, const double *rr,
                  realtype **cols)
{
    for (size_t i = 0; i < s->n; i++)
        memset(cols[i], 0, s->n * sizeof **cols);
    for (size_t j = 0; j < s->n_steps; j++) {
        const kin_cstep *c = &s->m->csteps[j];
        for (int q = 0; q < c->n_net; q++) {
            int row = c->net[q].state;
            double nu = c->net[q].coef;
            for (int k = 0; k < c->n_reac; k++)
                cols[c->reac[k].state][row] += nu * c->reac[k].coef * rf[j];
            for (int k = 0; k < c->n_prod; k++)
                cols[c->prod[k].state][row] -= nu * c->prod[k].coef * rr[j];
        }
    }
}

double kin_site_sum(const dac_kinetics_solver *s, const double *x, size_t t)
{
    const double *occ = s->m->occupation + t * s->n;
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
        sum += occ[i] * x[i];
    return sum / s->m->types[t].amount;
}

double kin_scaled_residual(dac_kinetics_solver *s, const double *v)
{
    kin_rates(s, v, s->rf, s->rr);
    kin_production(s, s->rf, s->rr, s->f, s->D);
    double worst = 0;
    for (size_t i = 0; i < s->n; i++) {
        double r = s->D[i] > 0 ? fabs(s->f[i]) / s->D[i] : (s->f[i] == 0 ? 0 : INFINITY);
        if (!(r <= worst))
            worst = r; /* NaN propagates as "worst" */
        s->x[i] = exp(v[i]);
    }
    for (size_t t = 0; t < s->n_types; t++) {
        double e = fabs(kin_site_sum(s, s->x, t) - 1);
        if (!(e <= worst))
            worst = e;
    }
    return worst;
}

/* Empty states start at 1e-20 of their site type: far below anything reported, far
 * above underflow, so their logarithms exist (assumption; any positive seed works). */
#define KIN_SEED 1e-20

void kin_clean_start(const dac_kinetics_solver *s, double *v)
{
    const dac_kinetics_model *m = s->m;
    for (size_t i = 0; i < s->n; i++) {
        const kin_site_type *t = &m->types[m->state_home[i]];
        int is_free = m->species[m->state_species[i]].phase == DAC_KINETICS_FREE_SITE;
        v[i] = log(t->amount * (is_free ? 1 : KIN_SEED));
    }
}

void kin_dominant_start(const dac_kinetics_solver *s, size_t k, double *v)
{
    const dac_kinetics_model *m = s->m;
    kin_clean_start(s, v);
    int home = m->state_home[k];
    for (size_t i = 0; i < s->n; i++)
        if (m->state_home[i] == home)
            v[i] = log(m->types[home].amount * (i == k ? 1 : KIN_SEED));
}

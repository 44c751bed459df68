/*
 * steady.c — one steady state: which start, which solver, which checks.
 *
 * The common path of a sweep is a warm-started Newton solve from the previous
 * converged point (a few microseconds). Only when that fails does the solver take the
 * robust path: CVODE from the clean surface towards steady state, then a Newton polish;
 * and when that fails too, Newton from every "one state dominant" start in turn (a
 * second integration would only retrace the first). Whatever path
 * found it, a point is reported converged only when its checks pass:
 *   residual      the scaled residual of the solved system (newton.c) ≤ tolerance;
 *   site balance  |Σθ − 1| ≤ 1e-10 on every site type;
 *   non-negative  every θ finite and ≥ 0 (guaranteed by the log variables, checked);
 *   integration   (per dac_kinetics_verify) CVODE from the candidate, nudged by 1 %
 *                 inside the site balances, returns to it within 1e-4 in ln θ.
 * A point that fails its integration check is retried on the robust path before it is
 * given up; an unconverged point has its values NAN and is not used as the next start.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kinetics/kin_solver.h"

/* The site balance is imposed exactly by Newton, so anything above rounding is a
 * failure (1e-10: assumption, 10⁶ × double rounding). */
#define KIN_BALANCE_TOL 1e-10
/* The verification run must come back within this in ln θ (assumption; CVODE's own
 * error is ~1e-7 at the tolerances of cvode.c). */
#define KIN_VERIFY_TOL 1e-4
/* The cold path integrates until every scaled residual is below 1e-6 (close enough
 * for Newton's quadratic convergence) or 1e15 s have passed (assumption). */
#define KIN_INTEGRATE_STOP 1e-6
#define KIN_INTEGRATE_TMAX 1e15

void kin_clear_result(dac_kinetics_result *r)
{
    double *vs[] = {r->theta, r->site_sum, r->rf, r->rr, r->net, r->dG, r->Ga, r->tof, r->sel,
                    r->fe, r->jp, r->Ea};
    size_t ns[] = {r->n, r->n_types, r->n_steps, r->n_steps, r->n_steps, r->n_steps,
                   r->n_steps, r->n_products, r->n_products, r->n_products, r->n_products,
                   r->n_products};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++)
        for (size_t i = 0; i < ns[k]; i++)
            vs[k][i] = NAN;
    for (size_t i = 0; i < r->n_products * r->n_steps; i++)
        r->drc[i] = r->dsc[i] = NAN;
    for (size_t i = 0; i < r->n_products * r->n_species; i++)
        r->orders[i] = NAN;
    r->j = r->tafel = NAN;
    memset(&r->checks, 0, sizeof r->checks);
    r->checks.time_integration_change = NAN;
    r->checks.residual = r->checks.site_balance_error = r->checks.min_coverage = NAN;
    r->start[0] = '\0';
    r->checks.start = r->start;
}

void kin_fill_values(dac_kinetics_solver *s, const double *v, dac_kinetics_result *r)
{
    const dac_kinetics_model *m = s->m;
    for (size_t i = 0; i < s->n; i++) {
        s->x[i] = exp(v[i]);
        r->theta[i] = s->x[i] / m->types[m->state_home[i]].amount;
    }
    for (size_t t = 0; t < s->n_types; t++)
        r->site_sum[t] = kin_site_sum(s, s->x, t);
    kin_rates(s, v, r->rf, r->rr);
    kin_reconcile(s, r->rf, r->rr, r->net);
    memcpy(r->dG, s->dG, s->n_steps * sizeof *r->dG);
    memcpy(r->Ga, s->Ga, s->n_steps * sizeof *r->Ga);
    double electrons, total = 0, norm = kin_norm_amount(m);
    kin_product_rates(s, r->net, r->tof, &electrons);
    for (size_t p = 0; p < s->n_products; p++) {
        double prod = r->tof[p], ne = m->products[p].electrons;
        r->tof[p] = prod / norm;
        total += r->tof[p];
        r->fe[p] = isfinite(ne) && electrons != 0 ? ne * prod / electrons : NAN;
        r->jp[p] = m->dissolved == 1 || !isfinite(ne)
                       ? NAN
                       : -DAC_E_C * m->site_density_per_cm2 * ne * prod * 1e3;
    }
    for (size_t p = 0; p < s->n_products; p++)
        r->sel[p] = total > 0 ? r->tof[p] / total : NAN;
    r->j = m->dissolved == 1 ? NAN : -DAC_E_C * m->site_density_per_cm2 * electrons * 1e3;
}

/* The residual of the solved system and the other static checks of v. */
static void static_checks(dac_kinetics_solver *s, const double *v, dac_kinetics_checks *c)
{
    const dac_kinetics_model *m = s->m;
    double worst = kin_scaled_residual(s, v); /* fills s->f, s->D, s->x */
    (void)worst;
    double res = 0, bal = 0, mn = INFINITY;
    int finite = 1;
    for (size_t i = 0; i < s->n; i++) {
        if (s->row_type[i] < 0 && s->D[i] > 0)
            res = fmax(res, fabs(s->f[i]) / s->D[i]);
        double th = s->x[i] / m->types[m->state_home[i]].amount;
        finite &= isfinite(th) && th >= 0;
        mn = fmin(mn, th);
    }
    for (size_t t = 0; t < s->n_types; t++)
        bal = fmax(bal, fabs(kin_site_sum(s, s->x, t) - 1));
    c->residual = fmax(res, bal);
    c->residual_ok = c->residual <= s->tol;
    c->site_balance_error = bal;
    c->site_balance_ok = bal <= KIN_BALANCE_TOL;
    c->min_coverage = mn;
    c->nonnegative_ok = finite;
}

static int newton_from(dac_kinetics_solver *s, double *v, int max_it, dac_kinetics_checks *c)
{
    int it = 0, ok = kin_newton(s, v, max_it, &it);
    c->newton_iterations += it;
    return ok;
}

/* The robust path from start vector v0: integrate, then polish. */
static int integrate_and_polish(dac_kinetics_solver *s, const double *v0, double *v,
                                dac_kinetics_checks *c)
{
    int steps = 0;
    memcpy(v, v0, s->n * sizeof *v);
    int ok = kin_integrate_to_steady(s, v, KIN_INTEGRATE_STOP, KIN_INTEGRATE_TMAX, &steps);
    c->cvode_steps += steps;
    return ok && newton_from(s, v, 100, c);
}

/* Runs the integration check when the mode asks for it; 1 when it did not fail. */
static int integration_check(dac_kinetics_solver *s, const double *v, int warm, dac_kinetics_checks *c)
{
    if (s->verify == DAC_KINETICS_VERIFY_NEVER || (s->verify == DAC_KINETICS_VERIFY_COLD && warm)) {
        c->time_integration = DAC_KINETICS_CHECK_NOT_RUN;
        c->time_integration_change = NAN;
        return 1;
    }
    double change;
    int steps;
    int ran = kin_verify(s, v, &change, &steps);
    c->cvode_steps += steps;
    c->time_integration_change = change;
    c->time_integration = ran && change <= KIN_VERIFY_TOL ? DAC_KINETICS_CHECK_PASSED
                                                          : DAC_KINETICS_CHECK_FAILED;
    return c->time_integration == DAC_KINETICS_CHECK_PASSED;
}

static int checks_pass(const dac_kinetics_checks *c)
{
    return c->residual_ok && c->site_balance_ok && c->nonnegative_ok &&
           c->time_integration != DAC_KINETICS_CHECK_FAILED;
}

/* Solves from one start; on success every check ran and passed. */
static int attempt(dac_kinetics_solver *s, const double *v0, int warm, int robust, double *v,
                   dac_kinetics_checks *c)
{
    int ok;
    if (robust) {
        ok = integrate_and_polish(s, v0, v, c);
    } else {
        memcpy(v, v0, s->n * sizeof *v);
        ok = newton_from(s, v, warm ? 50 : 100, c);
    }
    if (!ok)
        return 0;
    static_checks(s, v, c);
    if (!c->residual_ok || !c->site_balance_ok || !c->nonnegative_ok)
        return 0;
    return integration_check(s, v, warm && !robust, c);
}

int dac_kinetics_solver_steady(dac_kinetics_solver *s, dac_kinetics_result *r)
{
    if (!s || !r || r->m != s->m)
        return dac_error(DAC_ERR_USAGE, "dac_kinetics_solver_steady: result not made for this solver");
    int st = kin_update(s);
    if (st)
        return st;
    kin_clear_result(r);
    r->U = s->U;
    r->T = s->T;
    r->pH = s->pH;
    dac_kinetics_checks *c = &r->checks;
    double *v = s->v, *v0 = s->v0;
    int warm = 0, ok;
    const char *label;
    if (s->have_given) {
        memcpy(v0, s->v_given, s->n * sizeof *v0);
        label = "given";
    } else if (s->have_last) {
        memcpy(v0, s->v_last, s->n * sizeof *v0);
        label = "warm";
        warm = 1;
    } else {
        kin_clean_start(s, v0);
        label = "clean";
    }
    s->have_given = 0;
    ok = attempt(s, v0, warm, 0, v, c);
    if (!ok) {
        if (warm)
            kin_clean_start(s, v0);
        label = "integrated";
        ok = attempt(s, v0, 0, 1, v, c);
    }
    char buf[32];
    for (size_t k = 0; k < s->n && !ok; k++) {
        kin_dominant_start(s, k, v0);
        snprintf(buf, sizeof buf, "start %zu", k + 1);
        label = buf;
        ok = attempt(s, v0, 0, 0, v, c); /* Newton only: one integration is enough */
    }
    snprintf(r->start, sizeof r->start, "%s", label);
    if (!ok) { /* report the checks of the last candidate, never its values */
        static_checks(s, v, c);
        c->converged = 0;
        s->have_last = 0;
        return DAC_OK;
    }
    c->converged = checks_pass(c);
    memcpy(s->v_last, v, s->n * sizeof *v);
    s->have_last = 1;
    kin_fill_values(s, v, r);
    return s->analysis ? kin_analyse(s, v, r) : DAC_OK;
}

int kin_quick_solve(dac_kinetics_solver *s, const double *v, double *prod, double *electrons)
{
    if (kin_update(s) != DAC_OK)
        return 0;
    memcpy(s->v0, v, s->n * sizeof *v);
    int it;
    if (!kin_newton(s, s->v0, 50, &it))
        return 0;
    kin_rates(s, s->v0, s->rf, s->rr);
    kin_reconcile(s, s->rf, s->rr, s->net);
    kin_product_rates(s, s->net, prod, electrons);
    return 1;
}

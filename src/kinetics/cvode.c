/*
 * cvode.c — time integration of the mean-field rate equations with SUNDIALS CVODE
 * (BDF, dense direct solver, analytic Jacobian), in the same log variables as the
 * Newton solve: dv_s/dt = f_s(x)·e^{−v_s}. Three uses:
 *   - the cold path: integrate from the start towards a steady state, then polish
 *     with Newton (the robust approach of domain.md §4);
 *   - verification: from a slightly perturbed candidate, integrate over a hundred of
 *     its slowest relaxation times; a true, stable steady state pulls the state back,
 *     an unstable or spurious root does not (a Newton hit is not proof);
 *   - transients (transient.c), with TON counters appended to the state vector.
 * CVODE's messages go to the solver (cvode_error), never to a terminal.
 */
#include <math.h>
#include <string.h>

#include "kinetics/kin_solver.h"

/* CVODE tolerances on v = ln x. Transients: 1e-10 relative, 1e-12 absolute on the
 * logs (assumption: holds Σθ to ~1e-8 and TON to 8 digits; the log variables do not
 * conserve Σθ by construction, so the transient reports its worst drift). Reaching for
 * a steady state and verifying one: 1e-6 and 1e-8 — Newton polishes the first, and the
 * second needs agreement to 1e-4 only (assumption; 100× margin), in a fraction of the
 * steps. */
#define KIN_RTOL 1e-10
#define KIN_ATOL 1e-12
#define KIN_RTOL_STEADY 1e-6
#define KIN_ATOL_STEADY 1e-8

static int rhs(realtype t, N_Vector y, N_Vector ydot, void *user_data)
{
    (void)t;
    dac_kinetics_solver *s = user_data;
    const double *v = N_VGetArrayPointer(y);
    double *out = N_VGetArrayPointer(ydot);
    kin_rates(s, v, s->rf, s->rr);
    kin_production(s, s->rf, s->rr, s->f, NULL);
    for (size_t i = 0; i < s->n; i++) {
        out[i] = s->f[i] * exp(-v[i]);
        if (!isfinite(out[i]) || v[i] > 300)
            return 1; /* recoverable: CVODE retries with a smaller step */
    }
    if ((size_t)N_VGetLength(y) > s->n) {
        const dac_kinetics_model *m = s->m;
        double norm = kin_norm_amount(s->m);
        for (size_t p = 0; p < s->n_products; p++) {
            double r = 0;
            for (size_t j = 0; j < s->n_steps; j++)
                r += m->product_net[p * s->n_steps + j] * (s->rf[j] - s->rr[j]);
            out[s->n + p] = r / norm;
        }
    }
    return 0;
}

static int jac(realtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *user_data, N_Vector t1,
               N_Vector t2, N_Vector t3)
{
    (void)t, (void)t2, (void)t3;
    dac_kinetics_solver *s = user_data;
    const double *v = N_VGetArrayPointer(y);
    /* fy is f(t, y) as rhs() computed it, f_i·e^(−v_i): the diagonal term of the chain
     * rule, without a second production pass. t1 (CVODE's scratch, ≥ n long) holds
     * e^(−v_r) once per state rather than once per matrix entry. */
    const double *f = N_VGetArrayPointer(fy);
    double *ex = N_VGetArrayPointer(t1);
    realtype **cols = SUNDenseMatrix_Cols(J);
    SUNMatZero(J);
    kin_rates(s, v, s->rf, s->rr);
    kin_jacobian(s, s->rf, s->rr, cols);
    for (size_t r = 0; r < s->n; r++)
        ex[r] = exp(-v[r]);
    for (size_t i = 0; i < s->n; i++) {
        for (size_t r = 0; r < s->n; r++)
            cols[i][r] *= ex[r];
        cols[i][i] -= f[i];
    }
    if ((size_t)N_VGetLength(y) > s->n) {
        const dac_kinetics_model *m = s->m;
        double norm = kin_norm_amount(s->m);
        for (size_t j = 0; j < s->n_steps; j++) {
            const kin_cstep *c = &m->csteps[j];
            for (size_t p = 0; p < s->n_products; p++) {
                double w = m->product_net[p * s->n_steps + j] / norm;
                if (w == 0)
                    continue;
                for (int k = 0; k < c->n_reac; k++)
                    cols[c->reac[k].state][s->n + p] += w * c->reac[k].coef * s->rf[j];
                for (int k = 0; k < c->n_prod; k++)
                    cols[c->prod[k].state][s->n + p] -= w * c->prod[k].coef * s->rr[j];
            }
        }
    }
    return 0;
}

static void quiet(int code, const char *module, const char *function, char *msg, void *data)
{
    (void)code;
    dac_kinetics_solver *s = data;
    snprintf(s->cvode_error, sizeof s->cvode_error, "%s %s: %s", module, function, msg);
}

int kin_cvode_plan(dac_kinetics_solver *s, kin_cvode *cv, size_t n, int with_ton)
{
    memset(cv, 0, sizeof *cv);
    cv->n = n;
    cv->with_ton = with_ton;
    cv->y = N_VNew_Serial((sunindextype)n, s->ctx);
    cv->A = cv->y ? SUNDenseMatrix((sunindextype)n, (sunindextype)n, s->ctx) : NULL;
    cv->LS = cv->A ? SUNLinSol_Dense(cv->y, cv->A, s->ctx) : NULL;
    cv->mem = cv->LS ? CVodeCreate(CV_BDF, s->ctx) : NULL;
    if (!cv->mem) {
        kin_cvode_free(cv);
        return dac_error(DAC_ERR_NOMEM, "out of memory planning CVODE");
    }
    N_VConst(0.0, cv->y);
    int f = CVodeInit(cv->mem, rhs, 0.0, cv->y);
    f = f ? f : CVodeSetErrHandlerFn(cv->mem, quiet, s);
    f = f ? f : CVodeSStolerances(cv->mem, KIN_RTOL, KIN_ATOL);
    f = f ? f : CVodeSetUserData(cv->mem, s);
    f = f ? f : CVodeSetLinearSolver(cv->mem, cv->LS, cv->A);
    f = f ? f : CVodeSetJacFn(cv->mem, jac);
    f = f ? f : CVodeSetMaxNumSteps(cv->mem, 20000);
    if (f) {
        kin_cvode_free(cv);
        return dac_error(DAC_ERR_RUNTIME, "CVODE set-up failed (flag %d)", f);
    }
    return DAC_OK;
}

void kin_cvode_free(kin_cvode *cv)
{
    if (cv->mem)
        CVodeFree(&cv->mem);
    if (cv->LS)
        SUNLinSolFree(cv->LS);
    if (cv->A)
        SUNMatDestroy(cv->A);
    if (cv->y)
        N_VDestroy(cv->y);
    memset(cv, 0, sizeof *cv);
}

/* A first step that moves no log amount by more than 0.01 at the initial rates.
 * CVODE's own estimate has a floor of 100·ε·t_stop, which for t_stop = 1e15 s is tens
 * of seconds — far too long when a seeded state grows at 1e30 per second in its log. */
double kin_first_step(dac_kinetics_solver *s, const double *v, double t_stop)
{
    kin_rates(s, v, s->rf, s->rr);
    kin_production(s, s->rf, s->rr, s->f, NULL);
    double fastest = 0;
    for (size_t i = 0; i < s->n; i++)
        fastest = fmax(fastest, fabs(s->f[i] * exp(-v[i])));
    double h = fastest > 0 ? 0.01 / fastest : 1e-3 * t_stop;
    return fmax(fmin(h, 1e-3 * t_stop), 1e-300);
}

static int restart(dac_kinetics_solver *s, kin_cvode *cv, const double *v, double t_stop)
{
    memcpy(N_VGetArrayPointer(cv->y), v, s->n * sizeof *v);
    return CVodeReInit(cv->mem, 0.0, cv->y) == CV_SUCCESS &&
           CVodeSStolerances(cv->mem, KIN_RTOL_STEADY, KIN_ATOL_STEADY) == CV_SUCCESS &&
           CVodeSetInitStep(cv->mem, kin_first_step(s, v, t_stop)) == CV_SUCCESS &&
           CVodeSetStopTime(cv->mem, t_stop) == CV_SUCCESS;
}

int kin_integrate_to_steady(dac_kinetics_solver *s, double *v, double stop_residual,
                            double t_max, int *steps)
{
    kin_cvode *cv = &s->cv;
    *steps = 0;
    if (!restart(s, cv, v, t_max))
        return 0;
    double t = 0;
    double *y = N_VGetArrayPointer(cv->y);
    for (int k = 0; k < 20000; k++) {
        int flag = CVode(cv->mem, t_max, cv->y, &t, CV_ONE_STEP);
        (*steps)++;
        if (flag < 0)
            return 0;
        if (kin_scaled_residual(s, y) <= stop_residual || flag == CV_TSTOP_RETURN || t >= t_max)
            break;
    }
    memcpy(v, y, s->n * sizeof *v);
    return 1;
}

/* Perturbs v inside the site balances: states that are not their type's largest move by
 * ±1 % (alternating), then each type's largest takes up the difference. */
static int perturb(dac_kinetics_solver *s, const double *v, double *out)
{
    const dac_kinetics_model *m = s->m;
    int sign = 1;
    for (size_t i = 0; i < s->n; i++) {
        out[i] = v[i];
        if (s->row_type[i] < 0 && m->species[m->state_species[i]].n_sites == 1) {
            out[i] += 0.01 * sign;
            sign = -sign;
        }
    }
    for (int pass = 0; pass < 3; pass++)
        for (size_t t = 0; t < s->n_types; t++) {
            int e = s->elim[t];
            const double *occ = m->occupation + t * s->n;
            double rest = m->types[t].amount;
            for (size_t i = 0; i < s->n; i++)
                if ((int)i != e)
                    rest -= occ[i] * exp(out[i]);
            if (e < 0 || !(rest > 0))
                return 0;
            out[e] = log(rest / occ[e]);
        }
    for (size_t i = 0; i < s->n; i++)
        s->x[i] = exp(out[i]);
    for (size_t t = 0; t < s->n_types; t++)
        if (fabs(kin_site_sum(s, s->x, t) - 1) > 1e-12)
            return 0;
    return 1;
}

int kin_verify(dac_kinetics_solver *s, const double *v, double *change, int *steps)
{
    kin_cvode *cv = &s->cv;
    *steps = 0;
    *change = NAN;
    kin_rates(s, v, s->rf, s->rr);
    kin_production(s, s->rf, s->rr, s->f, s->D);
    double tau = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->D[i] > 0)
            tau = fmax(tau, exp(v[i]) / (0.5 * s->D[i]));
    /* A hundred slowest lifetimes (assumption: perturbations decay as e^{−t/τ}, so 1 %
     * is 1e-45 of itself by then), within 1 ns … 1e15 s. */
    double t_end = fmin(fmax(100 * tau, 1e-9), 1e15);
    if (!perturb(s, v, s->vt))
        memcpy(s->vt, v, s->n * sizeof *v);
    if (!restart(s, cv, s->vt, t_end))
        return 0;
    double t = 0;
    int flag = CVode(cv->mem, t_end, cv->y, &t, CV_NORMAL);
    long ns = 0;
    CVodeGetNumSteps(cv->mem, &ns);
    *steps = (int)ns;
    if (flag < 0)
        return 0;
    const double *y = N_VGetArrayPointer(cv->y);
    double worst = 0;
    for (size_t i = 0; i < s->n; i++)
        worst = fmax(worst, fabs(y[i] - v[i]));
    *change = worst;
    return 1;
}

/*
 * transient.c — time courses: coverages, TOF(t) and TON(t) = ∫TOF dt of every product
 * from the start to t_end, with CVODE (BDF, analytic Jacobian) on the log amounts and
 * one TON counter per product appended to the state vector (so TON is integrated to
 * the same tolerance as the chemistry, not summed from samples). For photocatalysis
 * this is the TON curve with its plateau from deactivation; for a surface, the
 * approach to steady state. Written by transient_write.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kinetics/kin_output.h"

void dac_kinetics_transient_free(dac_kinetics_transient *t)
{
    if (!t)
        return;
    free(t->t);
    free(t->theta);
    free(t->tof);
    free(t->ton);
    free(t);
}

static int alloc_transient(const dac_kinetics_solver *s, size_t n_points, dac_kinetics_transient **out)
{
    dac_kinetics_transient *t = calloc(1, sizeof *t);
    if (!t)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    t->m = s->m;
    t->n_points = n_points;
    t->n_states = s->n;
    t->n_products = s->n_products;
    t->t = malloc(n_points * sizeof *t->t);
    t->theta = malloc(n_points * (s->n + 1) * sizeof *t->theta);
    t->tof = malloc(n_points * (s->n_products + 1) * sizeof *t->tof);
    t->ton = malloc(n_points * (s->n_products + 1) * sizeof *t->ton);
    if (!t->t || !t->theta || !t->tof || !t->ton) {
        dac_kinetics_transient_free(t);
        return dac_error(DAC_ERR_NOMEM, "out of memory for %zu samples", n_points);
    }
    *out = t;
    return DAC_OK;
}

/* One sample at y: coverages, TON counters, TOF from the current rates. */
static void sample(dac_kinetics_solver *s, dac_kinetics_transient *t, size_t i, double time, const double *y)
{
    const dac_kinetics_model *m = s->m;
    double norm = kin_norm_amount(m);
    t->t[i] = time;
    for (size_t k = 0; k < s->n; k++) {
        s->x[k] = exp(y[k]);
        t->theta[i * s->n + k] = s->x[k] / m->types[m->state_home[k]].amount;
    }
    for (size_t q = 0; q < s->n_types; q++)
        t->balance_error = fmax(t->balance_error, fabs(kin_site_sum(s, s->x, q) - 1));
    kin_rates(s, y, s->rf, s->rr);
    for (size_t p = 0; p < s->n_products; p++) {
        double r = 0;
        for (size_t j = 0; j < s->n_steps; j++)
            r += m->product_net[p * s->n_steps + j] * (s->rf[j] - s->rr[j]);
        t->tof[i * s->n_products + p] = r / norm;
        t->ton[i * s->n_products + p] = y[s->n + p];
    }
}

int dac_kinetics_solver_transient(dac_kinetics_solver *s, double t_end, size_t n_points,
                                  int log_spacing, dac_kinetics_transient **out)
{
    *out = NULL;
    if (!(t_end > 0) || !isfinite(t_end) || n_points < 1 || n_points > 10000000)
        return dac_error(DAC_ERR_USAGE, "transient: need t_end > 0 and 1 to 1e7 points");
    int st = kin_update(s);
    if (st)
        return st;
    if (!s->cv_ton.mem && (st = kin_cvode_plan(s, &s->cv_ton, s->n + s->n_products, 1)))
        return st;
    dac_kinetics_transient *t = NULL;
    if ((st = alloc_transient(s, n_points + 1, &t)))
        return st;
    t->log_spacing = log_spacing;
    t->t_end = t_end;
    double *y = N_VGetArrayPointer(s->cv_ton.y);
    if (s->have_given)
        memcpy(y, s->v_given, s->n * sizeof *y);
    else
        kin_clean_start(s, y);
    s->have_given = 0;
    for (size_t p = 0; p < s->n_products; p++)
        y[s->n + p] = 0;
    void *mem = s->cv_ton.mem;
    if (CVodeReInit(mem, 0.0, s->cv_ton.y) != CV_SUCCESS || CVodeSetStopTime(mem, t_end) != CV_SUCCESS ||
        CVodeSetInitStep(mem, kin_first_step(s, y, t_end)) != CV_SUCCESS ||
        CVodeSetMaxNumSteps(mem, 1000000) != CV_SUCCESS) {
        dac_kinetics_transient_free(t);
        return dac_error(DAC_ERR_RUNTIME, "transient: CVODE restart failed: %s", s->cvode_error);
    }
    sample(s, t, 0, 0.0, y);
    for (size_t i = 1; i <= n_points; i++) {
        double target = log_spacing ? t_end * pow(10.0, -9.0 * (double)(n_points - i) / (double)n_points)
                                    : t_end * (double)i / (double)n_points;
        if (i == n_points)
            target = t_end;
        double reached = 0;
        if (CVode(mem, target, s->cv_ton.y, &reached, CV_NORMAL) < 0) {
            dac_kinetics_transient_free(t);
            return dac_error(DAC_ERR_RUNTIME, "transient of '%s' failed near t = %g s: %s",
                             s->m->name, reached, s->cvode_error);
        }
        sample(s, t, i, target, y);
        if (s->progress && s->progress((double)i / (double)n_points, s->user_data)) {
            dac_kinetics_transient_free(t);
            return dac_error(DAC_ERR_RUNTIME, "transient: stopped by the caller");
        }
    }
    *out = t;
    return DAC_OK;
}

size_t dac_kinetics_transient_count(const dac_kinetics_transient *t) { return t->n_points; }
double dac_kinetics_transient_time(const dac_kinetics_transient *t, size_t i)
{
    return i < t->n_points ? t->t[i] : NAN;
}
double dac_kinetics_transient_coverage(const dac_kinetics_transient *t, size_t i, size_t s)
{
    return i < t->n_points && s < t->n_states ? t->theta[i * t->n_states + s] : NAN;
}
double dac_kinetics_transient_tof(const dac_kinetics_transient *t, size_t i, size_t p)
{
    return i < t->n_points && p < t->n_products ? t->tof[i * t->n_products + p] : NAN;
}
double dac_kinetics_transient_ton(const dac_kinetics_transient *t, size_t i, size_t p)
{
    return i < t->n_points && p < t->n_products ? t->ton[i * t->n_products + p] : NAN;
}
double dac_kinetics_transient_site_balance_error(const dac_kinetics_transient *t)
{
    return t->balance_error;
}

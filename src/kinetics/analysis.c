/*
 * analysis.c — what a steady state responds to: Campbell's degree of rate control and
 * of selectivity control, the apparent activation energy, reaction orders and the
 * Tafel slope, each a central finite difference of re-solved steady states.
 *
 *   X_i = ∂ln r/∂ln k_i at fixed K_i (Campbell, J. Catal. 204, 520 (2001)): k_f and
 *         k_r of step i are scaled together, which keeps its equilibrium constant;
 *   X_S,i = ∂ln S/∂ln k_i, S = r_p/Σ r (Stegelmann, Andreasen, Campbell, JACS 131,
 *         8077 (2009));
 *   E_app = k_B T² ∂ln r/∂T with the free energies held fixed;
 *   n_g   = ∂ln r/∂ln p_g;   Tafel slope = |∂U/∂log10 j| in mV/dec.
 * Each perturbed solve starts from the converged point, so it takes one or two Newton
 * iterations; the reconciled rates (newton.c) keep the differences clean. A relative
 * step of 1e-4 balances truncation (δ² ≈ 1e-8) and rounding (1e-13/δ ≈ 1e-9).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kinetics/kin_solver.h"

#define KIN_FD 1e-4

typedef struct {
    double *plus, *minus;
    double e_plus, e_minus;
} pair;

/* ln of each product's rate, or NAN where it is not positive. */
static double ln_pos(double x) { return x > 0 ? log(x) : NAN; }

static double sum_pos(const double *p, size_t n)
{
    double t = 0;
    for (size_t i = 0; i < n; i++)
        t += p[i];
    return t;
}

/* Solves at +δ and −δ of the knob set by `apply` (which marks the solver stale). */
static int both(dac_kinetics_solver *s, const double *v, pair *pr,
                void (*apply)(dac_kinetics_solver *, size_t, double), size_t which, double delta)
{
    apply(s, which, delta);
    int ok = kin_quick_solve(s, v, pr->plus, &pr->e_plus);
    apply(s, which, -delta);
    ok = ok && kin_quick_solve(s, v, pr->minus, &pr->e_minus);
    apply(s, which, 0);
    s->stale = 1;
    return ok;
}

static void apply_rate(dac_kinetics_solver *s, size_t j, double d) { s->ln_mult[j] = d, s->stale = 1; }

static void rate_control(dac_kinetics_solver *s, const double *v, dac_kinetics_result *r, pair *pr)
{
    size_t np = s->n_products, nj = s->n_steps;
    for (size_t j = 0; j < nj; j++) {
        if (!both(s, v, pr, apply_rate, j, KIN_FD))
            continue;
        double tp = sum_pos(pr->plus, np), tm = sum_pos(pr->minus, np);
        for (size_t p = 0; p < np; p++) {
            r->drc[p * nj + j] = (ln_pos(pr->plus[p]) - ln_pos(pr->minus[p])) / (2 * KIN_FD);
            if (np > 1)
                r->dsc[p * nj + j] = (ln_pos(pr->plus[p] / tp) - ln_pos(pr->minus[p] / tm)) /
                                     (2 * KIN_FD);
        }
    }
}

int kin_analyse(dac_kinetics_solver *s, const double *v_in, dac_kinetics_result *r)
{
    size_t np = s->n_products, n = s->n;
    const dac_kinetics_model *m = s->m;
    double *buf = malloc((2 * np + n + 2) * sizeof *buf);
    if (!buf)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    pair pr = {buf, buf + np, 0, 0};
    double *v = buf + 2 * np; /* the perturbed solves reuse the solver's vectors */
    memcpy(v, v_in, n * sizeof *v);
    if (s->analysis & DAC_KINETICS_RATE_CONTROL)
        rate_control(s, v, r, &pr);
    if (s->analysis & DAC_KINETICS_ACTIVATION) {
        double T = s->T, dT = KIN_FD * T;
        s->T = T + dT, s->stale = 1;
        int ok = kin_quick_solve(s, v, pr.plus, &pr.e_plus);
        s->T = T - dT, s->stale = 1;
        ok = ok && kin_quick_solve(s, v, pr.minus, &pr.e_minus);
        s->T = T, s->stale = 1;
        for (size_t p = 0; p < np && ok; p++)
            r->Ea[p] = kin_kT(T) * T * (ln_pos(pr.plus[p]) - ln_pos(pr.minus[p])) / (2 * dT);
    }
    if (s->analysis & DAC_KINETICS_ORDERS) {
        for (size_t i = 0; i < m->n_species; i++) {
            double a = s->amount[i];
            dac_kinetics_phase ph = m->species[i].phase;
            if ((ph != DAC_KINETICS_GAS && ph != DAC_KINETICS_SOLUTE) || !(a > 0))
                continue;
            s->amount[i] = a * exp(KIN_FD), s->stale = 1;
            int ok = kin_quick_solve(s, v, pr.plus, &pr.e_plus);
            s->amount[i] = a * exp(-KIN_FD), s->stale = 1;
            ok = ok && kin_quick_solve(s, v, pr.minus, &pr.e_minus);
            s->amount[i] = a, s->stale = 1;
            for (size_t p = 0; p < np && ok; p++)
                r->orders[p * m->n_species + i] =
                    (ln_pos(pr.plus[p]) - ln_pos(pr.minus[p])) / (2 * KIN_FD);
        }
    }
    if ((s->analysis & DAC_KINETICS_TAFEL) && m->dissolved != 1) {
        double U = s->U, dU = 1e-4; /* V */
        s->U = U + dU, s->stale = 1;
        int ok = kin_quick_solve(s, v, pr.plus, &pr.e_plus);
        s->U = U - dU, s->stale = 1;
        ok = ok && kin_quick_solve(s, v, pr.minus, &pr.e_minus);
        s->U = U, s->stale = 1;
        double d = log10(fabs(pr.e_plus)) - log10(fabs(pr.e_minus));
        if (ok && pr.e_plus != 0 && pr.e_minus != 0 && d != 0)
            r->tafel = fabs(1e3 * 2 * dU / d);
    }
    free(buf);
    return kin_update(s);
}

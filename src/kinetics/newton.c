/*
 * newton.c — the steady state by Newton's method on log amounts, and the
 * reconciliation of net rates to exact flux balance.
 *
 * Why this keeps double precision meaningful for coverages from 10⁻³⁰ to 1 (CatMAP
 * solves for θ directly and needs 100-digit arithmetic; docs/kinetics.md):
 *  1. Variables are v = ln x. A coverage of 10⁻³⁰ is v ≈ −69, known to 16 digits like
 *     any other; rates are exponentials of sums and never cancel or go negative.
 *  2. Each site type's balance Σθ = 1 replaces the rate equation of its *largest*
 *     state, chosen afresh every iteration. The balance is then dominated by a term of
 *     order 1 and 1 − Σθ is never formed; the small states keep their own equations.
 *  3. Each remaining rate equation is divided by the gross turnover of its state,
 *     D_s = Σ_j |ν_sj| (r_f,j + r_r,j), so the residual of a state at 10⁻³⁰ is judged
 *     relative to its own traffic, not to the largest rate in the model.
 *  4. The net rate of a quasi-equilibrated step, r_f − r_r with r_f ≈ r_r, is pure
 *     rounding noise; reported net rates come from kin_reconcile, which derives the
 *     least precise steps from the most precise ones through the steady-state flux
 *     balance N·r = 0 (exact integer stoichiometry), so a TOF set by a slow step is
 *     reported to the slow step's precision.
 * Row scaling does not change a Newton step; it changes what "converged" means and
 * makes the line search and the LU pivoting see every state on the same footing.
 */
#include <math.h>
#include <string.h>

#include "kinetics/kin_solver.h"

/* For each site type, the state whose rate equation becomes the type's balance: the
 * largest state of that type (by sites held) not already taken by another type. */
static void choose_rows(dac_kinetics_solver *s, const double *v)
{
    const double *occ = s->m->occupation;
    for (size_t i = 0; i < s->n; i++)
        s->row_type[i] = -1;
    for (size_t t = 0; t < s->n_types; t++) {
        long best = -1;
        double best_w = -INFINITY;
        for (size_t i = 0; i < s->n; i++) {
            double o = occ[t * s->n + i];
            if (o > 0 && s->row_type[i] < 0 && v[i] + log(o) > best_w) {
                best_w = v[i] + log(o);
                best = (long)i;
            }
        }
        s->elim[t] = (int)best;
        if (best >= 0)
            s->row_type[best] = (int)t;
    }
}

/* F at v for the current row choice; returns ½‖F‖², *inf = ‖F‖∞. With jac, the scaled
 * Jacobian goes into s->J. */
static double build(dac_kinetics_solver *s, const double *v, double *F, int jac, double *inf)
{
    kin_rates(s, v, s->rf, s->rr);
    kin_production(s, s->rf, s->rr, s->f, s->D);
    realtype **cols = SUNDenseMatrix_Cols(s->J);
    if (jac)
        kin_jacobian(s, s->rf, s->rr, cols);
    for (size_t i = 0; i < s->n; i++)
        s->x[i] = exp(v[i]);
    double sum2 = 0, worst = 0;
    for (size_t i = 0; i < s->n; i++) {
        int t = s->row_type[i];
        if (t >= 0) {
            const double *occ = s->m->occupation + (size_t)t * s->n;
            double amount = s->m->types[t].amount;
            F[i] = kin_site_sum(s, s->x, (size_t)t) - 1;
            if (jac)
                for (size_t k = 0; k < s->n; k++)
                    cols[k][i] = occ[k] * s->x[k] / amount;
        } else {
            double scale = s->D[i] > 0 ? 1 / s->D[i] : 1;
            F[i] = s->f[i] * scale;
            if (jac)
                for (size_t k = 0; k < s->n; k++)
                    cols[k][i] *= scale;
        }
        if (!isfinite(F[i]))
            return INFINITY;
        sum2 += F[i] * F[i];
        if (fabs(F[i]) > worst)
            worst = fabs(F[i]);
    }
    *inf = worst;
    return 0.5 * sum2;
}

/* The Newton direction into s->dv; 0 when the matrix is singular. */
static int direction(dac_kinetics_solver *s)
{
    realtype **cols = SUNDenseMatrix_Cols(s->J);
    if (SUNDlsMat_denseGETRF(cols, (sunindextype)s->n, (sunindextype)s->n, s->piv) != 0)
        return 0;
    for (size_t i = 0; i < s->n; i++)
        s->dv[i] = -s->F[i];
    SUNDlsMat_denseGETRS(cols, (sunindextype)s->n, s->piv, s->dv);
    for (size_t i = 0; i < s->n; i++)
        if (!isfinite(s->dv[i]))
            return 0;
    return 1;
}

/* Largest change of one log amount per iteration: a factor e^10 (assumption; keeps a
 * cold start from overshooting into overflow while needing only a few iterations to
 * cross 30 orders of magnitude). */
#define KIN_MAX_LOG_STEP 10.0

/* Far from the solution the scaled residuals saturate at ±1 (a state's production
 * dwarfs its consumption, or the reverse), so ½‖F‖² is flat and a line search finds no
 * decrease although the capped Newton step is heading the right way (a coverage that
 * must rise 30 orders of magnitude rises by e^10 per step). Such steps are taken when
 * they do not more than double ½‖F‖², at most KIN_FLAT_STEPS times per solve. */
#define KIN_FLAT_STEPS 40

int kin_newton(dac_kinetics_solver *s, double *v, int max_iterations, int *iterations)
{
    int polished = 0, flat = 0;
    *iterations = 0;
    for (int it = 0; it < max_iterations; it++) {
        choose_rows(s, v);
        double inf, phi = build(s, v, s->F, 1, &inf);
        if (!isfinite(phi))
            return 0;
        if (inf <= s->tol && polished)
            return 1;
        if (!direction(s))
            return 0;
        double big = 0;
        for (size_t i = 0; i < s->n; i++)
            big = fmax(big, fabs(s->dv[i]));
        double lambda = big > KIN_MAX_LOG_STEP ? KIN_MAX_LOG_STEP / big : 1;
        int accepted = 0, full_flat = 0;
        double full = lambda;
        for (int k = 0; k < 30 && !accepted; k++, lambda *= 0.5) {
            for (size_t i = 0; i < s->n; i++)
                s->vt[i] = v[i] + lambda * s->dv[i];
            double inf_t, phi_t = build(s, s->vt, s->Ft, 0, &inf_t);
            /* Armijo on ½‖F‖²; once converged, a polishing step only has to not hurt. */
            accepted = isfinite(phi_t) && (phi_t <= (1 - 1e-4 * lambda) * phi || (inf <= s->tol && phi_t <= phi));
            if (k == 0)
                full_flat = isfinite(phi_t) && phi_t <= 2 * phi;
        }
        lambda *= 2; /* the accepted one */
        /* across a flat region: the full capped step rather than a crawl */
        if (inf > s->tol && full_flat && flat < KIN_FLAT_STEPS && (!accepted || lambda < full / 8)) {
            for (size_t i = 0; i < s->n; i++)
                s->vt[i] = v[i] + full * s->dv[i];
            accepted = 1;
            flat++;
        }
        (*iterations)++;
        if (!accepted)
            return inf <= s->tol;
        memcpy(v, s->vt, s->n * sizeof *v);
        if (inf <= s->tol)
            polished = 1;
    }
    return 0;
}

/* ------------------------------------------------------------ reconciliation -- */

void kin_reconcile(dac_kinetics_solver *s, const double *rf, const double *rr, double *net)
{
    size_t n = s->n, m = s->n_steps;
    /* Least precise first: the absolute rounding error of r_f − r_r grows with the
     * gross rate r_f + r_r (the converged ln x carry a relative error of ~1e-15). */
    for (size_t j = 0; j < m; j++) {
        s->order[j] = (int)j;
        net[j] = rf[j] - rr[j];
    }
    for (size_t a = 1; a < m; a++) { /* insertion sort, stable, by gross rate descending */
        int key = s->order[a];
        double g = rf[key] + rr[key];
        size_t b = a;
        while (b > 0 && rf[s->order[b - 1]] + rr[s->order[b - 1]] < g) {
            s->order[b] = s->order[b - 1];
            b--;
        }
        s->order[b] = key;
    }
    double *N = s->N; /* n × m, row-major */
    memset(N, 0, n * m * sizeof *N);
    for (size_t j = 0; j < m; j++) {
        const kin_cstep *c = &s->m->csteps[j];
        for (int q = 0; q < c->n_net; q++)
            N[(size_t)c->net[q].state * m + j] = c->net[q].coef;
    }
    for (size_t i = 0; i < n; i++)
        s->pivot_col[i] = -1;
    for (size_t j = 0; j < m; j++)
        s->is_pivot[j] = 0;
    /* Gauss–Jordan elimination visiting columns least precise first: the pivots are the
     * steps whose net rate the others determine. */
    size_t rank = 0;
    for (size_t a = 0; a < m && rank < n; a++) {
        size_t col = (size_t)s->order[a], best = n;
        double big = 1e-9;
        for (size_t i = 0; i < n; i++)
            if (s->pivot_col[i] < 0 && fabs(N[i * m + col]) > big) {
                big = fabs(N[i * m + col]);
                best = i;
            }
        if (best == n)
            continue;
        double p = N[best * m + col];
        for (size_t k = 0; k < m; k++)
            N[best * m + k] /= p;
        for (size_t i = 0; i < n; i++) {
            double f = N[i * m + col];
            if (i == best || f == 0)
                continue;
            for (size_t k = 0; k < m; k++)
                N[i * m + k] -= f * N[best * m + k];
        }
        s->pivot_col[best] = (int)col;
        s->is_pivot[col] = 1;
        rank++;
    }
    for (size_t i = 0; i < n; i++) {
        int p = s->pivot_col[i];
        if (p < 0)
            continue;
        double r = 0;
        for (size_t k = 0; k < m; k++)
            if (!s->is_pivot[k])
                r -= N[i * m + k] * net[k];
        net[p] = r;
    }
}

void kin_product_rates(const dac_kinetics_solver *s, const double *net, double *prod,
                       double *electrons)
{
    const dac_kinetics_model *m = s->m;
    double e = 0;
    for (size_t j = 0; j < s->n_steps; j++)
        e += m->steps[j].electrons * net[j];
    for (size_t p = 0; p < s->n_products; p++) {
        double r = 0;
        for (size_t j = 0; j < s->n_steps; j++)
            r += m->product_net[p * s->n_steps + j] * net[j];
        prod[p] = r;
    }
    *electrons = e;
}

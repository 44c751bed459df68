/*
 * count_mixture.c — how many atoms is a blob: a mixture model of integrated intensities.
 *
 * HAADF is nearly incoherent (docs/science.md §3): a blob holding m atoms of cross-section σ
 * has ≈ m·σ·c integrated intensity, c a scale set by dose and detector. Two atoms closer
 * than the resolution (a pair seen end-on) make one blob of ~2× the intensity, so blobs
 * are classified by intensity, not by peak count. The model: components at multiples
 * μ_k·c (μ = 1, 2, … for one element; σ_A, σ_B and their sums, relative to σ_A, for two),
 * each Gaussian with variance s²·μ_k (independent per-atom scatter adds), fitted by
 * expectation–maximisation for c, s and the weights (Dempster, Laird & Rubin 1977).
 * The scale starts at the median blob, since single atoms dominate any sample worth
 * calling "single-atom" or "dual-atom" (several starts with two elements).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dac/core.h"
#include "core/sort.h"
#include "stem/count/count_internal.h"

#define MAX_COMPONENTS 8

typedef struct {
    double mult;  /* intensity in units of c */
    int n_atoms;
    int element;  /* element index for single atoms; -1 for mixed/multi */
} component;

static int build_components(component *c, int max_atoms, const double *sig, int n_el, double *ratio)
{
    int k = 0;
    *ratio = 1;
    if (n_el == 2 && sig[0] > 0 && sig[1] > 0) {
        double r = sig[1] / sig[0];
        *ratio = r;
        c[k++] = (component){1, 1, 0};
        c[k++] = (component){r, 1, 1};
        if (max_atoms >= 2) {
            /* When σ_B ≈ 2σ_A (Ru/Zn = 2.09) a lone B atom and an end-on A2 pair have the
             * same intensity. A resolved pair is the norm: a pair of d ≥ 2.5 Å projects
             * under ~0.5 Å with probability 1 − √(1 − (0.5/d)²) ≈ 2 % (docs/science.md §3), so
             * the single B atom is the reading kept and the A2 component dropped. */
            if (fabs(2 - r) >= 0.25)
                c[k++] = (component){2, 2, -1};
            c[k++] = (component){1 + r, 2, -1};
            c[k++] = (component){2 * r, 2, -1};
        }
        return k;
    }
    for (int m = 1; m <= max_atoms && k < MAX_COMPONENTS; m++)
        c[k++] = (component){m, m, n_el >= 1 ? 0 : -1};
    return k;
}

static double normal_pdf(double x, double mean, double var)
{
    return exp(-0.5 * (x - mean) * (x - mean) / var) / sqrt(2 * DAC_PI * var);
}

/* Expectation–maximisation from the scale *c: fits c, the per-atom spread s and the
 * weights; returns the log-likelihood (−∞ when the fit degenerates). */
static double run_em(const double *x, size_t n, const component *comp, int K, int n_elements,
                     double *resp, double *c_io, double *s_out, double *w, int *converged)
{
    double c = *c_io, s = 0.25 * fabs(c), ll = -INFINITY;
    for (int k = 0; k < K; k++)
        w[k] = k == 0 ? 0.7 : 0.3 / (K - 1 > 0 ? K - 1 : 1);
    if (n_elements == 2)
        w[0] = w[1] = 0.35;
    *converged = 0;
    for (int it = 0; c > 0 && it < 200; it++) {
        double prev_c = c;
        ll = 0;
        for (size_t i = 0; i < n; i++) {
            double tot = 0;
            for (int k = 0; k < K; k++) {
                double v = w[k] * normal_pdf(x[i], comp[k].mult * c, s * s * comp[k].mult);
                resp[i * (size_t)K + (size_t)k] = v;
                tot += v;
            }
            ll += log(tot > 1e-300 ? tot : 1e-300);
            for (int k = 0; k < K; k++)
                resp[i * (size_t)K + (size_t)k] = tot > 0 ? resp[i * (size_t)K + (size_t)k] / tot : (k == 0);
        }
        /* M-step: weighted least squares for c under variance s²μ_k. */
        double num = 0, den = 0, ss = 0;
        for (int k = 0; k < K; k++) {
            double nk = 0;
            for (size_t i = 0; i < n; i++) {
                double r = resp[i * (size_t)K + (size_t)k];
                nk += r;
                num += r * x[i];
                den += r * comp[k].mult;
            }
            w[k] = (nk + 1e-3) / ((double)n + 1e-3 * K);
        }
        c = num / den;
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < K; k++) {
                double d = x[i] - comp[k].mult * c;
                ss += resp[i * (size_t)K + (size_t)k] * d * d / comp[k].mult;
            }
        s = sqrt(ss / (double)n);
        if (s < 0.03 * fabs(c))
            s = 0.03 * fabs(c); /* keeps EM away from a collapsed component */
        if (!(c > 0))
            return -INFINITY;
        if (fabs(c - prev_c) < 1e-9 * fabs(c)) {
            *converged = 1;
            break;
        }
    }
    *c_io = c;
    *s_out = s;
    return ll;
}

int count_classify(dac_stem_blob *blobs, size_t n, int max_atoms, const double *haadf_sigma,
                           int n_elements, count_mixture *out)
{
    memset(out, 0, sizeof *out);
    out->n_elements = n_elements;
    if (max_atoms < 1)
        max_atoms = 1;
    if (max_atoms > MAX_COMPONENTS)
        max_atoms = MAX_COMPONENTS;
    component comp[MAX_COMPONENTS];
    int K = build_components(comp, max_atoms, haadf_sigma, n_elements, &out->sigma_ratio);
    if (n == 0)
        return DAC_OK;
    double *x = malloc(sizeof *x * n), *resp = malloc(sizeof *resp * n * (size_t)K);
    if (!x || !resp) {
        free(x), free(resp);
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (mixture of %zu blobs)", n);
    }
    for (size_t i = 0; i < n; i++)
        x[i] = blobs[i].intensity;
    if (dac_sort(x, n, sizeof *x, dac_compare_double, NULL) != DAC_OK) {
        free(x);
        return DAC_ERR_NOMEM;
    }
    /* The scale starts at the median blob, since single atoms dominate. EM finds a local
     * optimum, and with two elements the median blob may be either kind: then start
     * from each reading of the quartiles and median as either single-atom component and
     * keep the fit of highest likelihood. */
    const double median = x[n / 2];
    double starts[6] = {median};
    int n_starts = 1;
    if (n_elements == 2 && out->sigma_ratio > 0) {
        const double q[3] = {x[n / 4], median, x[(3 * n) / 4]};
        n_starts = 0;
        for (int i = 0; i < 3; i++) {
            starts[n_starts++] = q[i];
            starts[n_starts++] = q[i] / out->sigma_ratio;
        }
    }
    for (size_t i = 0; i < n; i++)
        x[i] = blobs[i].intensity;
    double c = median, s = 0.25 * fabs(c), w[MAX_COMPONENTS], best_ll = -INFINITY;
    int converged = 0;
    for (int t = 0; t < n_starts && n >= 8; t++) {
        double ct = starts[t], st = 0, wt[MAX_COMPONENTS];
        int conv_t = 0;
        double ll = run_em(x, n, comp, K, n_elements, resp, &ct, &st, wt, &conv_t);
        if (ct > 0 && ll > best_ll) {
            best_ll = ll;
            c = ct, s = st, converged = conv_t;
            memcpy(w, wt, sizeof wt);
        }
    }
    if (n < 8 || !(best_ll > -INFINITY)) {
        /* Too few blobs for EM: keep the median as one atom. */
        c = median;
        s = 0.25 * fabs(c);
        for (int k = 0; k < K; k++)
            w[k] = k == 0 ? 0.7 : 0.3 / (K - 1 > 0 ? K - 1 : 1);
        if (n_elements == 2)
            w[0] = w[1] = 0.35;
    }
    if (!(c > 0)) {
        /* Degenerate intensities (all ≤ 0): every blob counts as one atom. */
        for (size_t i = 0; i < n; i++)
            blobs[i].n_atoms = 1, blobs[i].element = n_elements == 1 ? 0 : -1;
        free(x), free(resp);
        return DAC_OK;
    }
    out->unit_intensity = c;
    out->spread = s;
    out->converged = converged || n < 8;
    /* Separable when the two single-atom components differ by ≥ 2 combined σ (d' ≥ 2,
     * ≈ 16 % misassignment at the midpoint; assumption). */
    if (n_elements == 2) {
        double r = out->sigma_ratio;
        double dprime = c * fabs(r - 1) / (s * sqrt(0.5 * (1 + r)));
        out->elements_separable = dprime >= 2.0;
    } else {
        out->elements_separable = n_elements == 1;
    }
    /* Counting atoms per blob by intensity is trusted only when a single atom is called
     * a double less than 1 % of the time: P(Z > 0.5c/s) < 0.01, i.e. s/c < 0.215. With
     * noisier intensities (faint atoms on thick supports) false doubles would swamp the
     * rare true ones, so every blob stays one atom and the caller is told. */
    out->counts_atoms = n_elements < 2 ? s / c < 0.5 / 2.326 : 1;
    for (size_t i = 0; i < n; i++) {
        int best = 0;
        double bv = -1;
        for (int k = 0; k < K; k++) {
            double v = w[k] * normal_pdf(x[i], comp[k].mult * c, s * s * comp[k].mult);
            if (v > bv)
                bv = v, best = k;
        }
        /* Far beyond the largest component: count atoms by intensity. */
        if (x[i] > comp[K - 1].mult * c + 4 * s * sqrt(comp[K - 1].mult) && n_elements < 2)
            blobs[i].n_atoms = (int)fmin(1000, floor(x[i] / c + 0.5));
        else
            blobs[i].n_atoms = comp[best].n_atoms;
        blobs[i].element = out->elements_separable ? comp[best].element : (n_elements == 1 ? 0 : -1);
        if (n_elements == 1)
            blobs[i].element = 0;
        if (!out->counts_atoms)
            blobs[i].n_atoms = 1;
    }
    free(x), free(resp);
    return DAC_OK;
}

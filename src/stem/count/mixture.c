/*
 * count_mixture.c — how many atoms is a blob: a mixture model of integrated intensities.
 *
 * HAADF is nearly incoherent (docs/science.md §3): a blob holding m atoms of cross-section σ
 * has ≈ m·σ·c integrated intensity, c a scale set by dose and detector. Two atoms closer
 * than the resolution (a pair seen end-on) make one blob of ~2× the intensity, so blobs
 * are classified by intensity, not by peak count. The model: components at multiples
 * μ_k·c (μ = 1, 2, … for one element; σ_A, σ_B and their sums, relative to σ_A, for two),
 * each Gaussian with variance v_i + s²·μ_k for blob i — v_i the blob's own measurement
 * variance from its fit (pixel noise: a light atom on thick carbon is measured far less
 * precisely than a heavy one), s²·μ_k the scatter between atoms that adds per atom —
 * fitted by expectation–maximisation for c, s and the weights (Dempster, Laird & Rubin
 * 1977). Each blob's class and element then come with their posterior probability.
 *
 * The scale starts at the median blob, since single atoms dominate any sample worth
 * calling "single-atom" or "dual-atom". With two elements several starts are run, and
 * the intensities alone leave one ambiguity: scaling c by ½ turns A, B into 2A', 2B'
 * (exactly when σ_B ≈ 2σ_A: Ru/Zn 2.09), a reading where most blobs are unresolved
 * pairs that fits as well as the right one (seen on PtCo and ZnRu frames, issue 10).
 * Projection settles it: a pair 2.4–3.2 Å apart projects closer than the 0.8 Å at which
 * two atoms merge with probability 1 − √(1 − (0.8/d)²) = 3–6 %, so merged blobs are
 * a few % of blobs. The starts are therefore compared by their likelihood under fixed
 * prior weights that give unresolved multiples PRIOR_MULTI of the blobs, and the fitted
 * weights of the winner are used to classify.
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

/* Prior share of blobs that hold several unresolved atoms, used only to choose among
 * EM starts: above the 3–6 % projection bound for pairs (top of file), leaving room for
 * clusters (assumption). */
#define PRIOR_MULTI 0.1

/* Component variance for blob i: its measurement variance plus the per-atom scatter. */
static double comp_var(double vi, double s, const component *k)
{
    return vi + s * s * k->mult;
}

/* Log-likelihood of the intensities under scale c, scatter s and weights w. */
static double log_likelihood(const double *x, const double *v, size_t n, const component *comp,
                             int K, double c, double s, const double *w)
{
    double ll = 0;
    for (size_t i = 0; i < n; i++) {
        double tot = 0;
        for (int k = 0; k < K; k++)
            tot += w[k] * normal_pdf(x[i], comp[k].mult * c, comp_var(v[i], s, &comp[k]));
        ll += log(tot > 1e-300 ? tot : 1e-300);
    }
    return ll;
}

/* Expectation–maximisation from the scale *c: fits c, the per-atom scatter s and the
 * weights; returns the log-likelihood (−∞ when the fit degenerates). The M-step for
 * c is weighted least squares under the component variances; s² is matched to the
 * excess of the squared deviations over the blobs' own variances (method of moments:
 * the likelihood has no closed-form update for s with unequal v_i). */
static double run_em(const double *x, const double *v, size_t n, const component *comp, int K,
                     int n_elements, double *resp, double *c_io, double *s_out, double *w,
                     int *converged)
{
    double c = *c_io, s = 0.25 * fabs(c), ll = -INFINITY;
    for (int k = 0; k < K; k++)
        w[k] = k == 0 ? 0.7 : 0.3 / (K - 1 > 0 ? K - 1 : 1);
    if (n_elements == 2)
        w[0] = w[1] = 0.35;
    *converged = 0;
    for (int it = 0; c > 0 && it < 200; it++) {
        double prev_c = c;
        for (size_t i = 0; i < n; i++) {
            double tot = 0, *ri = resp + i * (size_t)K;
            for (int k = 0; k < K; k++)
                tot += ri[k] = w[k] * normal_pdf(x[i], comp[k].mult * c, comp_var(v[i], s, &comp[k]));
            for (int k = 0; k < K; k++)
                ri[k] = tot > 0 ? ri[k] / tot : (k == 0);
        }
        double num = 0, den = 0, ss = 0, sw = 0;
        for (int k = 0; k < K; k++) {
            double nk = 0;
            for (size_t i = 0; i < n; i++) {
                double r = resp[i * (size_t)K + (size_t)k], var = comp_var(v[i], s, &comp[k]);
                nk += r;
                num += r * comp[k].mult * x[i] / var;
                den += r * comp[k].mult * comp[k].mult / var;
            }
            w[k] = (nk + 1e-3) / ((double)n + 1e-3 * K);
        }
        c = num / den;
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < K; k++) {
                double r = resp[i * (size_t)K + (size_t)k], d = x[i] - comp[k].mult * c;
                ss += r * (d * d - v[i]) / comp[k].mult;
                sw += r;
            }
        s = sqrt(fmax(0, ss / sw));
        if (s < 0.03 * fabs(c))
            s = 0.03 * fabs(c); /* keeps EM away from a collapsed component */
        if (!(c > 0))
            return -INFINITY;
        if (fabs(c - prev_c) < 1e-9 * fabs(c)) {
            *converged = 1;
            break;
        }
    }
    ll = log_likelihood(x, v, n, comp, K, c, s, w);
    *c_io = c;
    *s_out = s;
    return ll;
}

/* The prior weights of the start comparison: single-atom components share 1 −
 * PRIOR_MULTI, multiples PRIOR_MULTI. */
static void prior_weights(const component *comp, int K, double *pw)
{
    int ns = 0;
    for (int k = 0; k < K; k++)
        ns += comp[k].n_atoms == 1;
    for (int k = 0; k < K; k++)
        pw[k] = comp[k].n_atoms == 1 ? (1 - PRIOR_MULTI) / ns : PRIOR_MULTI / (K - ns);
}

/* EM from every start; the fit kept is the one most likely under the prior weights
 * (one start: its own fit). */
static int fit_mixture(const double *x, const double *v, size_t n, const component *comp, int K,
                       int n_elements, const double *starts, int n_starts, double *resp,
                       double *c, double *s, double *w, int *converged)
{
    double pw[MAX_COMPONENTS], best = -INFINITY;
    prior_weights(comp, K, pw);
    int found = 0;
    for (int t = 0; t < n_starts; t++) {
        double ct = starts[t], st = 0, wt[MAX_COMPONENTS];
        int conv_t = 0;
        double ll = run_em(x, v, n, comp, K, n_elements, resp, &ct, &st, wt, &conv_t);
        if (!(ct > 0) || !(ll > -INFINITY))
            continue;
        double score = n_starts > 1 ? log_likelihood(x, v, n, comp, K, ct, st, pw) : ll;
        if (score > best) {
            best = score, found = 1;
            *c = ct, *s = st, *converged = conv_t;
            memcpy(w, wt, sizeof wt);
        }
    }
    return found;
}

/* Assigns each blob its most probable component: atoms, element (when separable) and
 * the posterior of that element. */
static void assign(dac_stem_blob *blobs, const double *x, const double *v, size_t n,
                   const component *comp, int K, int n_elements, const count_mixture *m,
                   const double *w)
{
    double c = m->unit_intensity, s = m->atom_scatter;
    for (size_t i = 0; i < n; i++) {
        double p[MAX_COMPONENTS], tot = 0;
        int best = 0;
        for (int k = 0; k < K; k++) {
            tot += p[k] = w[k] * normal_pdf(x[i], comp[k].mult * c, comp_var(v[i], s, &comp[k]));
            if (p[k] > p[best])
                best = k;
        }
        dac_stem_blob *b = &blobs[i];
        /* Far beyond the largest component: count atoms by intensity. */
        if (x[i] > comp[K - 1].mult * c + 4 * sqrt(comp_var(v[i], s, &comp[K - 1])) && n_elements < 2)
            b->n_atoms = (int)fmin(1000, floor(x[i] / c + 0.5));
        else
            b->n_atoms = comp[best].n_atoms;
        b->element = -1, b->element_p = NAN;
        if (n_elements == 1) {
            b->element = 0, b->element_p = 1;
        } else if (m->elements_separable && comp[best].element >= 0) {
            b->element = comp[best].element;
            b->element_p = tot > 0 ? p[best] / tot : NAN;
        }
        if (!m->counts_atoms)
            b->n_atoms = 1;
    }
}

int count_classify(dac_stem_blob *blobs, size_t n, int max_atoms, const double *haadf_sigma,
                           int n_elements, count_mixture *out)
{
    memset(out, 0, sizeof *out);
    out->n_elements = n_elements;
    out->element_d_prime = NAN;
    if (max_atoms < 1)
        max_atoms = 1;
    if (max_atoms > MAX_COMPONENTS)
        max_atoms = MAX_COMPONENTS;
    component comp[MAX_COMPONENTS];
    int K = build_components(comp, max_atoms, haadf_sigma, n_elements, &out->sigma_ratio);
    if (n == 0)
        return DAC_OK;
    double *x = malloc(sizeof *x * n), *v = malloc(sizeof *v * n);
    double *resp = malloc(sizeof *resp * n * (size_t)K);
    if (!x || !v || !resp) {
        free(x), free(v), free(resp);
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (mixture of %zu blobs)", n);
    }
    for (size_t i = 0; i < n; i++) {
        x[i] = blobs[i].intensity;
        v[i] = blobs[i].intensity_sd > 0 ? blobs[i].intensity_sd * blobs[i].intensity_sd : 0;
    }
    int st = dac_sort(x, n, sizeof *x, dac_compare_double, NULL);
    /* The scale starts at the median blob, since single atoms dominate. With two elements
     * the median blob may be either kind: starts from each reading of the quartiles and
     * median as either single-atom component. */
    const double median = st == DAC_OK ? x[n / 2] : 0;
    double starts[6] = {median}, v_med = 0;
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
    memcpy(resp, v, sizeof *v * n); /* the median measurement variance, via a sort */
    if (st == DAC_OK && (st = dac_sort(resp, n, sizeof *resp, dac_compare_double, NULL)) == DAC_OK)
        v_med = resp[n / 2];
    double c = median, s = 0.25 * fabs(c), w[MAX_COMPONENTS];
    int converged = 0;
    if (st != DAC_OK || n < 8 ||
        !fit_mixture(x, v, n, comp, K, n_elements, starts, n_starts, resp, &c, &s, w, &converged)) {
        /* Too few blobs for EM: keep the median as one atom. */
        c = median;
        s = 0.25 * fabs(c), v_med = 0;
        for (int k = 0; k < K; k++)
            w[k] = k == 0 ? 0.7 : 0.3 / (K - 1 > 0 ? K - 1 : 1);
        if (n_elements == 2)
            w[0] = w[1] = 0.35;
    }
    if (!(c > 0)) {
        /* Degenerate intensities (all ≤ 0): every blob counts as one atom. */
        for (size_t i = 0; i < n; i++) {
            blobs[i].n_atoms = 1, blobs[i].element = n_elements == 1 ? 0 : -1;
            blobs[i].element_p = n_elements == 1 ? 1 : NAN;
        }
        free(x), free(v), free(resp);
        return st;
    }
    out->unit_intensity = c;
    out->atom_scatter = s;
    /* The spread of one atom's measured intensity: between-atom scatter and the
     * typical blob's own measurement error. */
    out->spread = sqrt(s * s + v_med);
    out->converged = converged || n < 8;
    /* Separable when the two single-atom components differ by ≥ 2 of their pooled σ
     * (d' ≥ 2, ≈ 16 % misassignment at the midpoint; assumption). */
    if (n_elements == 2) {
        double r = out->sigma_ratio, var_a = v_med + s * s, var_b = v_med + s * s * r;
        out->element_d_prime = c * fabs(r - 1) / sqrt(0.5 * (var_a + var_b));
        out->elements_separable = out->element_d_prime >= 2.0;
    } else {
        out->elements_separable = n_elements == 1;
    }
    /* Counting atoms per blob by intensity is trusted only when a single atom is called
     * a double less than 1 % of the time: P(Z > 0.5c/spread) < 0.01, i.e. spread/c <
     * 0.215. With noisier intensities (faint atoms on thick supports) false doubles would
     * swamp the rare true ones, so every blob stays one atom and the caller is told. */
    out->counts_atoms = n_elements < 2 ? out->spread / c < 0.5 / 2.326 : 1;
    assign(blobs, x, v, n, comp, K, n_elements, out, w);
    free(x), free(v), free(resp);
    return DAC_OK;
}

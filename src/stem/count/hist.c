/*
 * hist.c — the bins of the pair-distance histogram (summary.json pair_distance_A.hist
 * and the pair_hist figure draw the same bins).
 *
 * A fixed number of bins over a fixed range either hides the shape (many pairs in few
 * wide bins) or shows noise (few pairs in many narrow ones). The width follows the data
 * instead: Freedman & Diaconis (1981), h = 2·IQR·n^(−1/3), the width that minimises the
 * integrated squared error of a histogram as a density estimate for smooth densities,
 * with the interquartile range as a spread that outliers (chance pairs at the far end)
 * do not inflate. Two floors: bins narrower than the precision with which a distance is
 * measured would only split noise (the precision comes from the blobs' z-scores,
 * stats.c), and with fewer than 4 distances or no spread between the quartiles the rule
 * has nothing to go on, so the width is 0.25 Å (the old fixed 14 bins over 3.5 Å;
 * assumption). The width is rounded up to 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k Å so
 * the edges are readable numbers (at most a third wider than the rule). Bins start at 0 Å — an empty stretch below the 0.8 Å at which two
 * atoms merge into one blob is part of what the figure shows — and end at the first
 * edge above the largest distance; at most DAC_STEM_HIST_MAX_BINS (the width grows).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "stem/count/count_internal.h"

#define FALLBACK_WIDTH_A 0.25

double count_nice(double x, const double *m, size_t n, int up)
{
    if (!(x > 0) || !isfinite(x) || n == 0)
        return NAN;
    double p = pow(10, floor(log10(x))), best = up ? 10 * p : m[0] * p;
    for (size_t i = 0; i < n; i++) {
        /* The slack keeps a value that is already nice (x = 2.5 computed as 2.4999…)
         * itself. */
        if (up && m[i] * p >= x * (1 - 1e-9))
            return m[i] * p;
        if (!up && m[i] * p <= x * (1 + 1e-9))
            best = m[i] * p;
    }
    return best;
}

double count_nice_ceil(double x)
{
    static const double m[] = {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10};
    return count_nice(x, m, sizeof m / sizeof *m, 1);
}

/* Quantile q of sorted v (linear between order statistics, Hyndman & Fan type 7). */
static double quantile(const double *v, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    double f = pos - (double)i;
    return i + 1 < n ? v[i] + f * (v[i + 1] - v[i]) : v[n - 1];
}

double count_fd_bin_width(const double *d, size_t n)
{
    if (n < 4)
        return NAN;
    double *v = malloc(sizeof *v * n);
    if (!v)
        return NAN;
    memcpy(v, d, sizeof *v * n);
    double iqr = NAN;
    if (dac_sort(v, n, sizeof *v, dac_compare_double, NULL) == DAC_OK)
        iqr = quantile(v, n, 0.75) - quantile(v, n, 0.25);
    free(v);
    return iqr > 0 ? 2 * iqr / cbrt((double)n) : NAN;
}

void count_pair_histogram(const double *d, size_t n, double precision_A, dac_stem_count_stats *s)
{
    double h = count_fd_bin_width(d, n);
    if (!isfinite(h))
        h = FALLBACK_WIDTH_A;
    if (precision_A > h)
        h = precision_A;
    h = count_nice_ceil(h);
    double dmax = 0;
    for (size_t i = 0; i < n; i++)
        dmax = fmax(dmax, d[i]);
    size_t bins = (size_t)floor(dmax / h) + 1; /* the last edge lies above dmax */
    if (bins > DAC_STEM_HIST_MAX_BINS) {
        h = count_nice_ceil(dmax / (DAC_STEM_HIST_MAX_BINS - 1));
        bins = (size_t)floor(dmax / h) + 1;
    }
    s->n_hist_bins = bins;
    s->hist_bin_width_A = h;
    s->hist_precision_A = precision_A > 0 ? precision_A : NAN;
    for (size_t b = 0; b <= bins; b++)
        s->hist_edges_A[b] = (double)b * h;
    memset(s->hist, 0, sizeof s->hist);
    for (size_t i = 0; i < n; i++) {
        size_t b = (size_t)(d[i] / h);
        s->hist[b < bins ? b : bins - 1]++;
    }
}

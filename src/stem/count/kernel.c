/*
 * kernel.c — the shape of one atom's image, measured on the frame: the fitting kernel
 * when the probe has tails.
 *
 * Why: an aberrated probe (a residual C_s of 20–30 µm at 25 mrad, a defocus set by eye)
 * keeps a sharp core of 0.8–1 Å FWHM but puts 8–25 % of its intensity beyond 2 Å
 * (dac_stem_probe_intensity; tests/stem/accuracy/test_hetero.c). A Gaussian fitted to
 * such an atom misses that light; the local plane and the neighbours' fits absorb it.
 * Beside a heavy atom (Pt, 7.3× Co) the tail is as bright as a light atom's core, so
 * the light neighbour is lost in it or pulled into it (issue 10). The remedy of
 * crowded-field photometry is to measure the point-spread function on the frame's own
 * isolated bright sources and fit every source with it (DAOPHOT, Stetson, PASP 99,
 * 191 (1987)); the heavy atom's whole image, tails included, is then subtracted before
 * its light neighbour is tested.
 *
 * The shape is a radial profile stacked over the isolated bright atoms (no other blob
 * within the profile's reach plus a level annulus), each atom with its own free local
 * level, pinned by the annulus where the profile has died away. The stack is represented as a
 * non-negative sum of concentric Gaussians on a fixed grid of widths (a multi-Gaussian
 * expansion, as used for telescope PSFs: Emsellem et al., A&A 285, 723 (1994);
 * Cappellari, MNRAS 333, 400 (2002)), fitted by non-negative least squares
 * (Lawson & Hanson, "Solving Least Squares Problems", 1974, ch. 23) on the pixels
 * themselves. A sum of Gaussians keeps every later step analytic: the fit's model and
 * derivatives, the kernel seen through the matched filter (each Gaussian of σ becomes
 * one of √(σ² + σ_f²)), and its integral 2π Σ wσ².
 *
 * The kernel is used only when its tail is real: the fraction of its integral beyond
 * 1.5 FWHM of the centre (0.2 % for a Gaussian) must exceed TAIL_MIN and three
 * standard errors (delete-one jackknife over the atoms of the stack). Otherwise the
 * atoms are fitted as Gaussians of the measured width, as before.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dac/core.h"
#include "stem/count/count_internal.h"

#define FWHM_PER_SIGMA 2.3548200450309493
/* Reach of the fitted disc (Å): these probes fall below 0.5 % of their peak by 4 Å
 * (dac_stem_probe_intensity for C_s ≤ 30 µm, |Δf| ≤ 60 Å at 300 kV, 25 mrad); the
 * annulus from there out to LEVEL_OUT_A pins each atom's level. */
#define LEVEL_OUT_A 5.5
/* At most this many atoms in the stack (the brightest isolated ones): with ≥ 20 the
 * jackknife error of the tail fraction is a few 0.1 %, and the cost stays small. */
#define KERNEL_ATOMS 64
#define KERNEL_MIN_ATOMS 5
/* Widths of the expansion: σ_g·GRID_RATIO^(m−1), m = 0, 1, …, σ_g the measured
 * Gaussian width, up to COUNT_KERNEL_MAX of them and none wider than HALO_MAX_A: from a
 * core narrower than the Gaussian fit (0.67σ_g) to a halo reaching 4 Å at 2σ (the
 * suite's probes have halos of σ 1.2–1.9 Å); wider structure is support, and the disc
 * of LEVEL_OUT_A must still pin the level beyond it. */
#define GRID_RATIO 1.5
#define HALO_MAX_A 2.0
/* Smallest tail beyond 1.5 FWHM worth modelling (assumption): 3 % of an atom's
 * intensity is 20 % of a Co atom beside a Pt, the size of the effects that lost light
 * atoms; below it the Gaussian fits were already right (tests/stem/accuracy). */
#define TAIL_MIN 0.03

/* Lawson–Hanson non-negative least squares on the normal equations: minimise
 * xᵀGx − 2bᵀx subject to x ≥ 0 (G = AᵀA, b = Aᵀy), n ≤ COUNT_KERNEL_MAX. */
static void nnls(const double *G, const double *b, int n, double *x)
{
    int passive[COUNT_KERNEL_MAX] = {0};
    double s[COUNT_KERNEL_MAX], A[COUNT_KERNEL_MAX * COUNT_KERNEL_MAX], r[COUNT_KERNEL_MAX];
    for (int i = 0; i < n; i++)
        x[i] = 0;
    for (int outer = 0; outer < 3 * n; outer++) {
        /* The gradient w = b − Gx; the most positive among the active set enters. */
        int best = -1;
        double wmax = 1e-12 * (fabs(b[0]) + 1e-300);
        for (int i = 0; i < n; i++) {
            double w = b[i];
            for (int j = 0; j < n; j++)
                w -= G[i * n + j] * x[j];
            if (!passive[i] && w > wmax)
                wmax = w, best = i;
        }
        if (best < 0)
            return;
        passive[best] = 1;
        for (int inner = 0; inner < 3 * n; inner++) {
            /* Unconstrained least squares on the passive set (Gaussian elimination with
             * partial pivoting on the small Gram submatrix). */
            int idx[COUNT_KERNEL_MAX], m = 0;
            for (int i = 0; i < n; i++)
                if (passive[i])
                    idx[m++] = i;
            for (int i = 0; i < m; i++) {
                r[i] = b[idx[i]];
                for (int j = 0; j < m; j++)
                    A[i * m + j] = G[idx[i] * n + idx[j]];
            }
            for (int c = 0; c < m; c++) {
                int piv = c;
                for (int i = c + 1; i < m; i++)
                    if (fabs(A[i * m + c]) > fabs(A[piv * m + c]))
                        piv = i;
                for (int j = 0; j < m; j++) {
                    double t = A[c * m + j];
                    A[c * m + j] = A[piv * m + j], A[piv * m + j] = t;
                }
                double t = r[c];
                r[c] = r[piv], r[piv] = t;
                if (fabs(A[c * m + c]) < 1e-300)
                    A[c * m + c] = 1e-300;
                for (int i = c + 1; i < m; i++) {
                    double f = A[i * m + c] / A[c * m + c];
                    for (int j = c; j < m; j++)
                        A[i * m + j] -= f * A[c * m + j];
                    r[i] -= f * r[c];
                }
            }
            for (int i = m - 1; i >= 0; i--) {
                double t = r[i];
                for (int j = i + 1; j < m; j++)
                    t -= A[i * m + j] * s[idx[j]];
                s[idx[i]] = t / A[i * m + i];
            }
            int feasible = 1;
            for (int i = 0; i < m; i++)
                feasible &= s[idx[i]] > 0;
            if (feasible) {
                for (int i = 0; i < n; i++)
                    x[i] = passive[i] ? s[i] : 0;
                break;
            }
            /* Step from x towards s until the first passive variable hits zero. */
            double alpha = 1;
            for (int i = 0; i < m; i++) {
                int k = idx[i];
                if (s[k] <= 0 && x[k] - s[k] > 0)
                    alpha = fmin(alpha, x[k] / (x[k] - s[k]));
            }
            for (int i = 0; i < m; i++) {
                int k = idx[i];
                x[k] += alpha * (s[k] - x[k]);
                if (x[k] <= 1e-15)
                    x[k] = 0, passive[k] = 0;
            }
        }
    }
}

double count_kernel_value(const count_kernel *k, double r2)
{
    double v = 0;
    for (int m = 0; m < k->n; m++)
        v += k->weight[m] * exp(-0.5 * r2 / (k->sigma_px[m] * k->sigma_px[m]));
    return v;
}

/* ∫ over the disc of radius R of the expansion (each Gaussian: 2πwσ²(1 − e^{−R²/2σ²})). */
static double disc_integral(const double *w, const double *s, int n, double R)
{
    double v = 0;
    for (int m = 0; m < n; m++)
        v += w[m] * 2 * DAC_PI * s[m] * s[m] * (1 - exp(-0.5 * R * R / (s[m] * s[m])));
    return v;
}

/* FWHM of the expansion (peak normalised to 1), by bisection on K(r) = 1/2. */
static double kernel_fwhm(const count_kernel *k)
{
    double lo = 0, hi = 0;
    for (int m = 0; m < k->n; m++)
        hi = fmax(hi, 3 * k->sigma_px[m]);
    for (int it = 0; it < 60; it++) {
        double mid = 0.5 * (lo + hi);
        if (count_kernel_value(k, mid * mid) > 0.5)
            lo = mid;
        else
            hi = mid;
    }
    return 2 * 0.5 * (lo + hi);
}

/* From NNLS coefficients to a normalised kernel (Σ w = 1) and its tail fraction. */
static double tail_of(const double *c, const double *sg, int n, count_kernel *k)
{
    double sum = 0;
    k->n = 0;
    for (int m = 0; m < n; m++)
        sum += c[m];
    if (!(sum > 0))
        return NAN;
    for (int m = 0; m < n; m++)
        if (c[m] > 0) {
            k->weight[k->n] = c[m] / sum;
            k->sigma_px[k->n] = sg[m];
            k->n++;
        }
    k->fwhm_px = kernel_fwhm(k);
    double all = disc_integral(k->weight, k->sigma_px, k->n, INFINITY);
    k->volume_px2 = all;
    return 1 - disc_integral(k->weight, k->sigma_px, k->n, 1.5 * k->fwhm_px) / all;
}

/* Per-atom normal equations with the atom's own level as a free constant, eliminated
 * exactly: over the disc of radius Rout (the profile's reach plus an annulus where the
 * kernel has fallen to ≈ 0, which pins the level), G_i = Σ (g − ḡ)(g − ḡ)ᵀ and
 * b_i = Σ (g − ḡ)(I − Ī), g the grid Gaussians at each pixel and bars the disc means.
 * (A median of the annulus as the level was biased by up to half a count on integer
 * data — a pedestal that a wide Gaussian of the grid then took for a tail.) Returns 0
 * when the disc leaves the frame. */
static int atom_equations(const float *img, size_t w, size_t h, double x0, double y0,
                          double Rout, const double *sg, int n, double *G, double *b)
{
    long x1 = (long)floor(x0 - Rout), x2 = (long)ceil(x0 + Rout);
    long y1 = (long)floor(y0 - Rout), y2 = (long)ceil(y0 + Rout);
    if (x1 < 0 || y1 < 0 || x2 >= (long)w || y2 >= (long)h)
        return 0;
    double S[COUNT_KERNEL_MAX] = {0}, Sy = 0, np = 0;
    memset(G, 0, sizeof *G * (size_t)(n * n));
    memset(b, 0, sizeof *b * (size_t)n);
    for (long y = y1; y <= y2; y++)
        for (long x = x1; x <= x2; x++) {
            double r2 = ((double)x - x0) * ((double)x - x0) + ((double)y - y0) * ((double)y - y0);
            if (r2 > Rout * Rout)
                continue;
            double g[COUNT_KERNEL_MAX], v = img[(size_t)y * w + (size_t)x];
            for (int m = 0; m < n; m++)
                g[m] = exp(-0.5 * r2 / (sg[m] * sg[m]));
            for (int i = 0; i < n; i++) {
                S[i] += g[i];
                b[i] += g[i] * v;
                for (int j = 0; j < n; j++)
                    G[i * n + j] += g[i] * g[j];
            }
            Sy += v, np += 1;
        }
    if (np < 16)
        return 0;
    for (int i = 0; i < n; i++) {
        b[i] -= S[i] * Sy / np;
        for (int j = 0; j < n; j++)
            G[i * n + j] -= S[i] * S[j] / np;
    }
    return 1;
}

/* The isolated bright blobs, brightest first, at most KERNEL_ATOMS. */
static int pick_atoms(const dac_stem_blob *blobs, size_t n, double min_z, double iso_px,
                      size_t *pick, size_t *np)
{
    size_t *cand = malloc(sizeof *cand * (n ? n : 1)), nc = 0;
    if (!cand)
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (probe kernel)");
    int st = count_isolated(blobs, n, min_z, iso_px, cand, &nc);
    /* Selection of the brightest by amplitude: partial selection sort (nc is small). */
    *np = 0;
    for (size_t k = 0; st == DAC_OK && k < nc && *np < KERNEL_ATOMS; k++) {
        size_t best = k;
        for (size_t j = k + 1; j < nc; j++)
            if (blobs[cand[j]].amplitude > blobs[cand[best]].amplitude)
                best = j;
        size_t t = cand[k];
        cand[k] = cand[best], cand[best] = t;
        pick[(*np)++] = cand[k];
    }
    free(cand);
    return st;
}

int count_kernel_measure(const float *img, size_t w, size_t h, const dac_stem_blob *blobs,
                         size_t n, double min_z, double sigma_px, double pixel_A,
                         count_kernel *out)
{
    memset(out, 0, sizeof *out);
    out->tail_fraction = out->tail_fraction_se = NAN;
    if (!(sigma_px > 0) || n < KERNEL_MIN_ATOMS)
        return DAC_OK;
    double sg[COUNT_KERNEL_MAX];
    int K = 0;
    for (int m = 0; m < COUNT_KERNEL_MAX; m++)
        if (m < 2 || sigma_px * pow(GRID_RATIO, m - 1) <= HALO_MAX_A / pixel_A)
            sg[K++] = sigma_px * pow(GRID_RATIO, m - 1);
    double Rout = LEVEL_OUT_A / pixel_A;
    size_t pick[KERNEL_ATOMS], np = 0;
    /* Isolated: no other blob within the level annulus plus one atom FWHM. */
    int st = pick_atoms(blobs, n, min_z, Rout + FWHM_PER_SIGMA * sigma_px, pick, &np);
    double *Gi = malloc(sizeof *Gi * KERNEL_ATOMS * (size_t)(K * K));
    double *bi = malloc(sizeof *bi * KERNEL_ATOMS * (size_t)K);
    if (st == DAC_OK && (!Gi || !bi))
        st = dac_error(DAC_ERR_NOMEM, "stem count: out of memory (probe kernel)");
    size_t na = 0;
    for (size_t k = 0; st == DAC_OK && k < np; k++)
        na += (size_t)atom_equations(img, w, h, blobs[pick[k]].x_px, blobs[pick[k]].y_px, Rout, sg,
                                     K, Gi + na * (size_t)(K * K), bi + na * (size_t)K);
    if (st == DAC_OK && na >= KERNEL_MIN_ATOMS) {
        double G[COUNT_KERNEL_MAX * COUNT_KERNEL_MAX] = {0}, b[COUNT_KERNEL_MAX] = {0}, c[COUNT_KERNEL_MAX];
        for (size_t a = 0; a < na; a++) {
            for (int i = 0; i < K * K; i++)
                G[i] += Gi[a * (size_t)(K * K) + (size_t)i];
            for (int i = 0; i < K; i++)
                b[i] += bi[a * (size_t)K + (size_t)i];
        }
        nnls(G, b, K, c);
        double tail = tail_of(c, sg, K, out);
        /* Delete-one jackknife (Efron & Stein 1981): se² = (n−1)/n Σ (t_(i) − t̄)². */
        double *t = malloc(sizeof *t * na), mean = 0, ss = 0;
        size_t ok = 0;
        for (size_t a = 0; t && a < na; a++) {
            double Ga[COUNT_KERNEL_MAX * COUNT_KERNEL_MAX], ba[COUNT_KERNEL_MAX], ca[COUNT_KERNEL_MAX];
            for (int i = 0; i < K * K; i++)
                Ga[i] = G[i] - Gi[a * (size_t)(K * K) + (size_t)i];
            for (int i = 0; i < K; i++)
                ba[i] = b[i] - bi[a * (size_t)K + (size_t)i];
            nnls(Ga, ba, K, ca);
            count_kernel tmp;
            double ta = tail_of(ca, sg, K, &tmp);
            if (isfinite(ta))
                t[ok++] = ta, mean += ta;
        }
        if (ok > 1) {
            mean /= (double)ok;
            for (size_t a = 0; a < ok; a++)
                ss += (t[a] - mean) * (t[a] - mean);
            out->tail_fraction_se = sqrt((double)(ok - 1) / (double)ok * ss);
        }
        free(t);
        if (!t)
            st = dac_error(DAC_ERR_NOMEM, "stem count: out of memory (probe kernel)");
        /* tail_of left the full-stack kernel in *out (the jackknife used a copy). */
        out->tail_fraction = tail;
        out->n_atoms = na;
        out->used = out->n > 0 && isfinite(tail) && tail >= TAIL_MIN &&
                    isfinite(out->tail_fraction_se) && tail >= 3 * out->tail_fraction_se;
    }
    free(Gi), free(bi);
    return st;
}

double count_kernel_reach(const count_kernel *k, double v, double frac)
{
    /* Each term peaks at w·σ²/(σ²+v); the sum falls below frac·peak where every term
     * does, at most at √(2(σ²+v) ln(1/frac)) of the widest. */
    double r = 0;
    for (int m = 0; m < k->n; m++)
        r = fmax(r, sqrt(2 * (k->sigma_px[m] * k->sigma_px[m] + v) * log(1 / frac)));
    return r;
}

void count_kernel_add(const count_kernel *k, double amp, double x, double y, double v,
                      double reach, float *buf, size_t w, size_t h)
{
    long x0 = (long)floor(x - reach), x1 = (long)ceil(x + reach);
    long y0 = (long)floor(y - reach), y1 = (long)ceil(y + reach);
    x0 = x0 < 0 ? 0 : x0, y0 = y0 < 0 ? 0 : y0;
    x1 = x1 >= (long)w ? (long)w - 1 : x1, y1 = y1 >= (long)h ? (long)h - 1 : y1;
    if (x1 < x0 || y1 < y0 || !(amp != 0))
        return;
    size_t nx = (size_t)(x1 - x0 + 1), ny = (size_t)(y1 - y0 + 1);
    /* Separable: exp(−(dx²+dy²)/2s²) = e_x·e_y, one row and one column table per term. */
    double ex[512], ey[512];
    if (nx > 512 || ny > 512) { /* a reach of > 255 px: evaluate directly */
        for (long yy = y0; yy <= y1; yy++)
            for (long xx = x0; xx <= x1; xx++) {
                double r2 = ((double)xx - x) * ((double)xx - x) + ((double)yy - y) * ((double)yy - y);
                double s = 0;
                for (int m = 0; m < k->n; m++) {
                    double s2 = k->sigma_px[m] * k->sigma_px[m], t = s2 + v;
                    s += k->weight[m] * s2 / t * exp(-0.5 * r2 / t);
                }
                buf[(size_t)yy * w + (size_t)xx] += (float)(amp * s);
            }
        return;
    }
    for (int m = 0; m < k->n; m++) {
        double s2 = k->sigma_px[m] * k->sigma_px[m], t = s2 + v;
        double a = amp * k->weight[m] * s2 / t;
        for (size_t i = 0; i < nx; i++) {
            double d = (double)x0 + (double)i - x;
            ex[i] = exp(-0.5 * d * d / t);
        }
        for (size_t j = 0; j < ny; j++) {
            double d = (double)y0 + (double)j - y;
            ey[j] = a * exp(-0.5 * d * d / t);
        }
        for (size_t j = 0; j < ny; j++) {
            float *row = buf + ((size_t)y0 + j) * w + (size_t)x0;
            for (size_t i = 0; i < nx; i++)
                row[i] += (float)(ey[j] * ex[i]);
        }
    }
}

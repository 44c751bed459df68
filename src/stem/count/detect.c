/*
 * count_detect.c — finding atoms: matched filter, local z-score, a threshold set by a
 * stated false-alarm rate, non-maximum suppression; then refinement (count_refine.c).
 *
 * The test per candidate (docs/science.md §3, "a statistical test, not one global
 * threshold"): the background-subtracted image is filtered with a Gaussian of the
 * atom's size (the matched filter for a Gaussian blob in white noise), and each
 * filtered value is divided by the local robust spread of the filtered image (block
 * MAD), giving z. The spread is measured on the filtered image itself, so correlated
 * noise, scan noise and support texture are all part of "noise" — the false-alarm
 * rate then refers to the data, not to an idealised Poisson model.
 *
 * Threshold: with α expected false alarms spread over N independent resolution
 * elements (the support area over the area of a disc of diameter FWHM), a one-sided
 * Gaussian tail P(Z > z) = α/N (Bonferroni) sets z; the threshold is raised further if
 * local minima ("decoys", false by construction) show heavier tails than a Gaussian.
 * Then an amplitude test against the typical atom; after the refinement, the same test
 * on the residual of the fitted model (count_residual.c) finds atoms the filter merged
 * with a brighter neighbour. Defaults and their sources are in
 * dac_stem_count_params_default below and in docs/stem-count.md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/grid.h"
#include "core/select.h"
#include "core/sort.h"
#include "dac/core.h"
#include "stem/count/count_internal.h"

#define FWHM_PER_SIGMA 2.3548200450309493 /* 2·sqrt(2 ln 2) */
/* Bounds of the measured atom image FWHM (Å). Below 0.5 Å is finer than the best
 * aberration-corrected probes (≈ 0.6 Å at 300 kV): such a fit is noise. Above 2.0 Å, twice
 * the nominal upper end of docs/science.md §3, a frame is defocused or drifting, or the blobs
 * are clusters (assumption). */
#define WIDTH_MIN_A 0.5
#define WIDTH_MAX_A 2.0

void dac_stem_count_params_default(dac_stem_count_params *p)
{
    memset(p, 0, sizeof *p);
    p->pixel_A = 0;
    /* docs/science.md §3: atom images ≈ 0.7–1.0 Å FWHM (probe plus source size); the upper end,
     * because thick supports and small defocus errors broaden rather than sharpen. */
    p->probe_fwhm_A = 1.0;
    /* The matched filter is 1.5× wider than the atom. In white noise this costs 8 % of
     * the signal-to-noise ratio (efficiency 2ab/(a²+b²) for Gaussian widths a, b), but
     * the noise of an amorphous support is not white: its texture has most power near
     * the C–C spacing (1.4 Å), which the wider filter suppresses more than the atom. */
    p->filter_factor = 1.5;
    /* Background σ = 2 Å: with the filter (σ ≈ 0.64 Å) a difference of Gaussians with a
     * width ratio ≈ 3, the usual band-pass for blob detection (close to a Laplacian of
     * Gaussian), removing thickness changes of the support down to ~1 nm. */
    p->background_sigma_A = 2.0;
    /* Noise blocks 2 nm: ≥ 400 resolution elements per block for a stable median, small
     * enough to follow shot noise growing with support thickness (assumption). */
    p->noise_block_A = 20.0;
    /* Stated false-alarm rate: 0.01 per nm² of support, 1 % of a typical loading of a
     * dual-atom catalyst image (1 atom/nm², docs/science.md §3), 10 % of the lowest loading of
     * interest (0.1/nm²). Since issue 10 the rate holds on the image's own noise
     * (calibrate.c); before, 0.001 was stated and the Gaussian threshold it gave (z 4.32)
     * let through 0.02–0.03 per nm² on atom-free carbon. The new default keeps the
     * detection where it was on noise-limited frames (z ≈ 4.3–4.6) — honouring 0.001
     * needs z ≈ 5.2–5.8, which lost a quarter of the atoms on the real development
     * images (pooled F1 0.66 → 0.52) — and now says what it does. Sparse samples
     * (< 0.5 atoms/nm²) should state a lower rate (--false-alarms 0.001). */
    p->false_alarms_per_nm2 = 0.01;
    /* Two atoms closer than ~one FWHM cannot be resolved (Rayleigh-like criterion); they
     * stay one blob and the mixture model counts its atoms. */
    p->min_separation_A = 0.8;
    /* A blob with less than half a typical atom's amplitude is closer to "no atom" than
     * to "one atom" (midpoint decision between the 0- and 1-atom classes). This is the
     * test that rejects texture on thin support, where the noise is low and z alone
     * would accept features much fainter than any metal atom. */
    p->min_atom_fraction = 0.5;
    p->pair_max_A = 3.5; /* issue 4 default; M···M of indirect-synergy pairs 3.1–4.1 Å */
    p->refine = 1;
    p->max_atoms_per_blob = 3;
    /* Off: on the dev images the shot-noise z (photon-transfer model, one texture
     * excess factor per image) ranked atoms no better than the block MAD (mean F1
     * 0.675 vs 0.683, docs/stem-count.md). The calibration is still reported. */
    p->shot_noise_z = 0;
}

double count_threshold_z(double false_alarms, double n_tests)
{
    if (!(n_tests >= 1))
        n_tests = 1;
    if (!(false_alarms > 0))
        false_alarms = 1e-12;
    double p = false_alarms / n_tests;
    if (p >= 0.5)
        return 0;
    /* Bisection on the Gaussian upper tail 0.5·erfc(z/√2) = p (monotone). */
    double lo = 0, hi = 40;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (0.5 * erfc(mid / sqrt(2.0)) > p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

void count_detection_free(count_detection *d)
{
    if (!d)
        return;
    free(d->background);
    free(d->support);
    free(d->blobs);
    free(d);
}

/* Support area, resolution elements and the Gaussian-tail threshold for n_support
 * pixels of support. */
static void set_area(count_detection *d, const dac_stem_count_params *p, size_t n_support)
{
    d->support_area_nm2 = (double)n_support * p->pixel_A * p->pixel_A / 100.0;
    double fwhm_px = p->probe_fwhm_A / p->pixel_A;
    d->n_resolution_elements = (double)n_support / (DAC_PI * fwhm_px * fwhm_px / 4.0);
    d->threshold_z = count_threshold_z(p->false_alarms_per_nm2 * d->support_area_nm2,
                                                d->n_resolution_elements);
    d->threshold_z_gauss = d->threshold_z;
}

int count_check_params(const dac_stem_count_params *p)
{
    if (!(p->pixel_A > 0) || !isfinite(p->pixel_A))
        return dac_error(DAC_ERR_USAGE, "stem count: pixel size unknown; give it with --pixel (Å)");
    if (!(p->probe_fwhm_A > 0) || !(p->filter_factor >= 0.5) || !(p->min_atom_fraction >= 0) ||
        !(p->background_sigma_A > p->probe_fwhm_A) ||
        !(p->noise_block_A > 0) || !(p->false_alarms_per_nm2 > 0) || !(p->min_separation_A >= 0))
        return dac_error(DAC_ERR_USAGE,
                         "stem count: parameters out of range (need probe FWHM > 0: %g Å, filter "
                         "factor >= 0.5: %g, min atom fraction >= 0: %g, background sigma > probe "
                         "FWHM: %g Å, noise block > 0: %g Å, false-alarm rate > 0: %g /nm², min "
                         "separation >= 0: %g Å)",
                         p->probe_fwhm_A, p->filter_factor, p->min_atom_fraction,
                         p->background_sigma_A, p->noise_block_A, p->false_alarms_per_nm2,
                         p->min_separation_A);
    return DAC_OK;
}

/* A pixel size that makes the atom narrower than half a pixel (undersampled beyond any
 * fit) or the background wider than the frame (nothing left to compare with) cannot be
 * the frame's: usually a header in m or nm read as Å, or a --pixel typo. */
static int check_scale(const dac_stem_count_params *p, size_t w, size_t h)
{
    double fwhm_px = p->probe_fwhm_A / p->pixel_A, s_bg = p->background_sigma_A / p->pixel_A;
    double side = (double)(w > h ? w : h);
    if (fwhm_px < 0.5)
        return dac_error(DAC_ERR_INPUT,
                         "stem count: pixel size %g Å makes the atom image (%g Å FWHM) %.3g px "
                         "wide, under 0.5 px; the pixel size cannot be right (check --pixel or "
                         "the file's header units)", p->pixel_A, p->probe_fwhm_A, fwhm_px);
    if (s_bg > side)
        return dac_error(DAC_ERR_INPUT,
                         "stem count: pixel size %g Å makes the background sigma (%g Å) %.3g px, "
                         "more than the %zux%zu image; the pixel size cannot be right (check "
                         "--pixel or the file's header units)", p->pixel_A, p->background_sigma_A,
                         s_bg, w, h);
    return DAC_OK;
}

/* 1 where some pixel of `in` within [i−r, i+r] along the line (stride s, n pixels) is
 * 0: one line of a square erosion, by a running count of zeros. */
static void erode_line(const unsigned char *in, unsigned char *out, size_t n, size_t s, size_t r)
{
    size_t zeros = 0;
    for (size_t i = 0; i < n && i < r; i++)
        zeros += !in[i * s];
    for (size_t i = 0; i < n; i++) {
        if (i + r < n)
            zeros += !in[(i + r) * s];
        if (i > r)
            zeros -= !in[(i - r - 1) * s];
        out[i * s] = zeros ? 0 : in[i * s];
    }
}

/* The support without the band within r pixels (square) of its edge. Inside that band
 * the filter and the background straddle the support/vacuum step (the normalised
 * background keeps its level, the small filter does not), so the filtered image has
 * strong minima and maxima there that are neither noise nor atoms. The image border is
 * not an edge: the filters mirror the image there. */
static int interior_mask(const unsigned char *support, size_t w, size_t h, size_t r,
                         unsigned char *out)
{
    unsigned char *tmp = malloc(w * h);
    size_t *zeros = calloc(w, sizeof *zeros);
    if (!tmp || !zeros) {
        free(tmp), free(zeros);
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory for a %zux%zu image", w, h);
    }
    for (size_t y = 0; y < h; y++)
        erode_line(support + y * w, tmp + y * w, w, 1, r);
    /* The vertical pass row by row, with a running count of zeros per column: the same
     * result as erode_line down each column, without striding through memory. */
    for (size_t y = 0; y < h && y < r; y++)
        for (size_t x = 0; x < w; x++)
            zeros[x] += !tmp[y * w + x];
    for (size_t y = 0; y < h; y++) {
        const unsigned char *add = y + r < h ? tmp + (y + r) * w : NULL;
        const unsigned char *drop = y > r ? tmp + (y - r - 1) * w : NULL;
        for (size_t x = 0; x < w; x++) {
            if (add)
                zeros[x] += !add[x];
            if (drop)
                zeros[x] -= !drop[x];
            out[y * w + x] = zeros[x] ? 0 : tmp[y * w + x];
        }
    }
    free(tmp), free(zeros);
    return DAC_OK;
}

/* Smallest q with P(X ≤ q) ≥ 0.999 for X ~ Poisson(lam); the normal approximation
 * (z = 3.09) where exp(−lam) would underflow. */
static size_t poisson_q999(double lam)
{
    if (!(lam > 0))
        return 0;
    if (lam > 500)
        return (size_t)ceil(lam + 3.0902 * sqrt(lam));
    double pk = exp(-lam), cdf = pk;
    size_t q = 0;
    while (cdf < 0.999 && q < 100000) {
        q++;
        pk *= lam / (double)q;
        cdf += pk;
    }
    return q;
}

/* z[i], or −z[i] (exact) when the minima are wanted: the decoy search looks at the
 * maxima of −z without writing −z into a frame-sized buffer of its own. */
static inline float signed_z(const float *z, size_t i, int negate) { return negate ? -z[i] : z[i]; }

/* Local maxima (3×3, ties broken by index order) of z (of −z if negate) where that
 * value is ≥ t inside the mask. */
int count_local_maxima(const float *z, int negate, size_t w, size_t h, const unsigned char *mask,
                       double t, size_t **idx, size_t *count)
{
    size_t cap = 256, m = 0;
    size_t *v = malloc(sizeof *v * cap);
    if (!v)
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (maxima)");
    for (size_t y = 1; y + 1 < h; y++)
        for (size_t x = 1; x + 1 < w; x++) {
            size_t i = y * w + x;
            float c = signed_z(z, i, negate);
            if (!(c >= t) || !mask[i])
                continue;
            int ismax = 1;
            for (int dy = -1; dy <= 1 && ismax; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    if (!dx && !dy)
                        continue;
                    float o = signed_z(z, (size_t)((long)i + dy * (long)w + dx), negate);
                    if (o > c || (o == c && (dy < 0 || (dy == 0 && dx < 0)))) {
                        ismax = 0;
                        break;
                    }
                }
            if (!ismax)
                continue;
            if (m == cap) {
                size_t *nv = realloc(v, sizeof *v * cap * 2);
                if (!nv) {
                    free(v);
                    return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (maxima)");
                }
                v = nv;
                cap *= 2;
            }
            v[m++] = i;
        }
    *idx = v;
    *count = m;
    return DAC_OK;
}

/* Pixel indices by sign·z, highest first, ties by index (dac_sort context): sign −1
 * orders the decoys, the maxima of −z, without a negated copy of the map. */
typedef struct {
    const float *z;
    float sign;
} z_order;

static int by_signed_z_desc(const void *a, const void *b, void *ctx)
{
    const z_order *o = ctx;
    size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
    float za = o->sign * o->z[ia], zb = o->sign * o->z[ib];
    if (za != zb)
        return za < zb ? 1 : -1;
    return ia < ib ? -1 : ia > ib;
}

typedef struct {
    const unsigned char *kept;
} nms_ctx;

static int kept_neighbour(const dac_grid_hit *h, void *ud)
{
    return ((const nms_ctx *)ud)->kept[h->index]; /* non-zero stops the query */
}

/* Greedy non-maximum suppression by z (by −z if negate) within radius r (pixels): the
 * candidates in descending order, each kept unless a kept one lies closer than r
 * (core's cell grid). On failure to allocate, no suppression (the maxima are still
 * valid). */
size_t count_suppress(size_t *idx, size_t m, const float *z, int negate, size_t w, size_t h,
                      double r)
{
    (void)h;
    z_order order = {z, negate ? -1.0f : 1.0f};
    if (dac_sort(idx, m, sizeof *idx, by_signed_z_desc, &order) != DAC_OK ||
        r <= 0 || m == 0) {
        dac_error_clear();
        return m;
    }
    double *xy = malloc(sizeof *xy * 2 * m);
    unsigned char *kept = calloc(m, 1);
    dac_grid *g = NULL;
    for (size_t k = 0; xy && k < m; k++)
        xy[2 * k] = (double)(idx[k] % w), xy[2 * k + 1] = (double)(idx[k] / w);
    if (!xy || !kept || dac_grid_create(2, xy, m, NULL, NULL, r, &g) != DAC_OK) {
        free(xy), free(kept);
        dac_error_clear();
        return m;
    }
    nms_ctx c = {kept};
    size_t n_kept = 0;
    for (size_t k = 0; k < m; k++)
        if (dac_grid_neighbors(g, k, r, kept_neighbour, &c) == 0) {
            kept[k] = 1;
            idx[n_kept++] = idx[k];
        }
    dac_grid_free(g);
    free(xy), free(kept);
    return n_kept;
}

static int check_pixels(const float *img, size_t w, size_t n, int *constant)
{
    float lo = img[0], hi = img[0];
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(img[i]))
            return dac_error(DAC_ERR_INPUT, "stem count: pixel %zu (row %zu) is NaN or infinite; "
                                            "clean the image first", i, i / w);
        lo = img[i] < lo ? img[i] : lo;
        hi = img[i] > hi ? img[i] : hi;
    }
    *constant = !(hi > lo);
    return DAC_OK;
}

#define SPREAD_SAMPLES 262144 /* median to ≈ 0.3 %: ample for a scale factor */

/* Median absolute deviation about the median (×1.4826: σ for Gaussian data) of z over
 * the mask, from at most ~SPREAD_SAMPLES evenly strided pixels. */
static double robust_sigma(const float *z, size_t n, const unsigned char *mask, float *scratch)
{
    size_t step = (n + SPREAD_SAMPLES - 1) / SPREAD_SAMPLES, m = 0;
    for (size_t i = 0; i < n; i += step)
        if (mask[i])
            scratch[m++] = z[i];
    if (m < 16)
        return 0;
    float med = dac_select_float(scratch, m, m / 2);
    for (size_t i = 0; i < m; i++)
        scratch[i] = fabsf(scratch[i] - med);
    return 1.4826 * dac_select_float(scratch, m, m / 2);
}

/* z from the shot-noise model: the filter's noise at each pixel from the local level
 * (a normalised Gaussian of σ s_f passes var/(4π s_f²) of white noise), then one
 * excess factor per image (texture, scan noise, calibration error) so that z has unit
 * robust spread over the support — the local *shape* of the noise follows the physics,
 * its overall *size* the data. 0 when it cannot be used. */
static int shot_z(const float *f, const float *level, size_t w, size_t h, const unsigned char *mask,
                  double s_f, count_detection *d, float *z, float *noise)
{
    size_t n = w * h;
    double k = 1.0 / (2.0 * sqrt(DAC_PI) * s_f);
    for (size_t i = 0; i < n; i++)
        z[i] = (float)(f[i] / (k * sqrt(count_noise_variance(&d->noise, level[i]))));
    float *scratch = malloc(sizeof *scratch * (n < SPREAD_SAMPLES ? n : SPREAD_SAMPLES + 1));
    if (!scratch)
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory for a %zux%zu image", w, h);
    double tau = robust_sigma(z, n, mask, scratch);
    free(scratch);
    d->noise_excess = tau;
    if (!(tau > 0))
        return DAC_OK;
    for (size_t i = 0; i < n; i++)
        z[i] = (float)(z[i] / tau);
    if (noise)
        for (size_t i = 0; i < n; i++)
            noise[i] = (float)(k * tau * sqrt(count_noise_variance(&d->noise, level[i])));
    return DAC_OK;
}

/* f = G_f*img − G_f*bg and its z-score: from the shot-noise model when the image
 * calibrates (count_noise.c), else from the local block MAD of f. G_f*bg is a Gaussian
 * of the background's own input with σ² = σ_bg² + σ_f² (Gaussians compose), done on
 * the cheap pyramid path, so the expensive small-σ filter runs once per image. bgf
 * takes G_f*bg (then the noise map, when it is the noise buffer); input or bgf may be
 * z: each is spent before z is made (shot_z makes each z from its own pixel's level). */
static int filtered_z(const float *fimg, const float *input, size_t w, size_t h,
                      const unsigned char *mask, double s_comb, double s_f, size_t block, int shot,
                      count_detection *d, float *bgf, float *f, float *z, float *noise)
{
    int st = count_background(input, w, h, mask, s_comb, bgf);
    if (st != DAC_OK)
        return st;
    for (size_t i = 0; i < w * h; i++)
        f[i] = fimg[i] - bgf[i];
    if (shot && d->noise.model != COUNT_NOISE_INVALID) {
        if ((st = shot_z(f, bgf, w, h, mask, s_f, d, z, noise)) != DAC_OK || d->noise_excess > 0)
            return st;
    }
    /* The MAD map straight into the noise map when there is one (bgf is spent). */
    float *mad = noise ? noise : z;
    if ((st = count_local_mad(f, w, h, mask, block, mad)) != DAC_OK)
        return st;
    for (size_t i = 0; i < w * h; i++)
        z[i] = mad[i] > 0 ? f[i] / mad[i] : 0.0f;
    return DAC_OK;
}

/* Background, filtered residual f and z with one robust pass: bright pixels (z > 3)
 * are replaced by the first background estimate so atoms and clusters do not lift the
 * background around them. The first G_f*bg goes to z (read before z is made) and the
 * clipped image is made in z (each pixel from its own z), so on the image itself no
 * scratch frame is needed; without a noise map (the calibration's tiles) res takes the
 * second G_f*bg. noise may be d->background's frame when keep_bg is 0: the first
 * estimate is spent once the image is clipped. fimg: scratch (w*h), res: scratch (w*h)
 * only when noise is NULL. */
int count_statistic(const float *img, size_t w, size_t h, const unsigned char *mask,
                    const dac_stem_count_params *p, int bg_ready, int keep_bg, count_detection *d,
                    float *res, float *fimg, float *f, float *z, float *noise)
{
    double s_bg = p->background_sigma_A / p->pixel_A;
    double s_f = p->filter_factor * p->probe_fwhm_A / FWHM_PER_SIGMA / p->pixel_A;
    double s_comb = sqrt(s_bg * s_bg + s_f * s_f);
    size_t block = (size_t)(p->noise_block_A / p->pixel_A + 0.5);
    int st = count_blur(img, w, h, s_f, fimg);
    if (st == DAC_OK)
        st = filtered_z(fimg, img, w, h, mask, s_comb, s_f, block, p->shot_noise_z, d, z, f, z,
                        NULL);
    float *bg = d->background;
    if (st == DAC_OK && !bg_ready) /* bg_ready: the support step already made it */
        st = count_background(img, w, h, mask, s_bg, bg);
    if (st != DAC_OK)
        return st;
    for (size_t i = 0; i < w * h; i++)
        z[i] = z[i] > 3.0f ? bg[i] : img[i];
    if (keep_bg && (st = count_background(z, w, h, mask, s_bg, bg)) != DAC_OK)
        return st;
    return filtered_z(fimg, z, w, h, mask, s_comb, s_f, block, p->shot_noise_z, d,
                      noise ? noise : res, f, z, noise);
}

/* The amplitude test: the typical atom's filtered amplitude is the median over the
 * clearly significant blobs (z ≥ max(5, threshold + 1)); with fewer than 5 of them
 * the test is skipped (nothing to compare with). idx is sorted by z, descending. */
static size_t reject_faint(size_t *idx, size_t m, const float *f, const float *z,
                           count_detection *d, double fraction)
{
    double strong = fmax(5.0, d->threshold_z + 1.0);
    size_t ns = 0;
    while (ns < m && z[idx[ns]] >= strong)
        ns++;
    if (fraction <= 0 || ns < 5)
        return m;
    float *v = malloc(sizeof *v * ns);
    if (!v)
        return m;
    for (size_t k = 0; k < ns; k++)
        v[k] = f[idx[k]];
    d->unit_amplitude = dac_select_float(v, ns, ns / 2);
    free(v);
    size_t kept = 0;
    for (size_t k = 0; k < m; k++)
        if (f[idx[k]] >= fraction * d->unit_amplitude)
            idx[kept++] = idx[k];
    d->n_rejected_faint = m - kept;
    return kept;
}

static int cmp_double_desc(const void *a, const void *b, void *ctx)
{
    return dac_compare_double(b, a, ctx);
}

/* Empirical false-alarm control with decoys. Noise and support texture are symmetric
 * about the background, atoms are not: local minima of z are "detections" that are
 * false by construction. Their count above a threshold estimates the false alarms of
 * the real detections there (target–decoy estimation, as in proteomics FDR control).
 * Textured supports have heavier tails than a Gaussian, so the Gaussian threshold
 * alone lets far more than the stated rate through. The threshold is raised only when
 * the decoys passing the same tests (NMS, amplitude) clearly exceed what the Gaussian
 * null expects — more than the 99.9 % quantile of Poisson(n_res·P(Z > t)), n_res the
 * resolution elements searched — and then to the lowest decoy level where they no
 * longer do. A fixed allowance of ⌊rate × area⌋ decoys would be 0 on any frame under
 * 1000 nm², letting the single strongest decoy set the threshold. Never lowered below
 * the Gaussian threshold. */
static double decoy_level(const double *dz, size_t k, double t_gauss, double n_res)
{
    if (k <= poisson_q999(n_res * 0.5 * erfc(t_gauss / sqrt(2.0))))
        return t_gauss;
    for (size_t j = k; j-- > 0;) { /* t just above decoy j: j decoys pass */
        double t = dz[j] * (1 + 1e-6);
        if (t > t_gauss && j <= poisson_q999(n_res * 0.5 * erfc(t / sqrt(2.0))))
            return t;
    }
    return t_gauss;
}

static int decoy_threshold(const float *z, const float *f, size_t w, size_t h,
                           const unsigned char *search, double n_res, count_detection *d,
                           const dac_stem_count_params *p, size_t *m, size_t *idx)
{
    size_t nd = 0, *didx = NULL;
    int st = count_local_maxima(z, 1, w, h, search, d->threshold_z, &didx, &nd);
    if (st == DAC_OK)
        nd = count_suppress(didx, nd, z, 1, w, h, p->min_separation_A / p->pixel_A);
    if (st != DAC_OK)
        return st;
    double *dz = malloc(sizeof *dz * (nd ? nd : 1));
    if (!dz) {
        free(didx);
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (decoys)");
    }
    size_t k = 0;
    for (size_t j = 0; j < nd; j++)
        if (d->unit_amplitude <= 0 || -f[didx[j]] >= p->min_atom_fraction * d->unit_amplitude)
            dz[k++] = -z[didx[j]];
    if (dac_sort(dz, k, sizeof *dz, cmp_double_desc, NULL) != DAC_OK) {
        free(dz), free(didx);
        return DAC_ERR_NOMEM;
    }
    d->threshold_z = decoy_level(dz, k, d->threshold_z, n_res);
    d->n_decoys = k;
    size_t kept = 0;
    while (kept < *m && z[idx[kept]] >= d->threshold_z)
        kept++;
    *m = kept;
    free(dz), free(didx);
    return DAC_OK;
}

static void make_blobs(const float *f, const float *z, size_t w, const size_t *idx, size_t m,
                       double s_p, double factor, dac_stem_blob *blobs)
{
    /* A Gaussian of σ filtered by a normalised Gaussian of kσ peaks at A/(1+k²). */
    double gain = 1.0 + factor * factor;
    for (size_t k = 0; k < m; k++) {
        dac_stem_blob *b = &blobs[k];
        memset(b, 0, sizeof *b);
        b->x_px = (double)(idx[k] % w);
        b->y_px = (double)(idx[k] / w);
        b->amplitude = gain * f[idx[k]];
        b->sigma_px = s_p;
        b->intensity = 2.0 * DAC_PI * b->amplitude * s_p * s_p;
        b->snr = z[idx[k]];
        b->n_atoms = 1;
        b->element = -1;
        b->site = -1;
    }
}

/* Refinement with the atom width measured on the frame. The nominal probe width is a
 * guess: probe and source size, defocus, drift and scan noise differ per microscope and
 * session (the dev frames show 1.4–2 Å where 1.0 Å is nominal), and a fit at a width
 * narrower than the blobs pulls faint centres towards noise bumps. The width is the
 * median over free-width fits of the isolated, clearly significant blobs (the same
 * z ≥ max(5, threshold + 1) as the amplitude test), bounded to WIDTH_MIN_A–WIDTH_MAX_A;
 * with fewer than 5 such blobs the nominal width is kept.
 *
 * Centres may move at most one σ from the filter maximum (σ of the measured atom, or
 * of the nominal one if that is wider): at the detection threshold the maximum's own
 * noise scatter is ≈ √2·σ/z (Cramér–Rao for a Gaussian blob in white noise; a third of
 * σ at z = 4.5), so a larger move is the fit chasing a noise bump or sliding onto a
 * neighbour, and the fit is redone with the centre held at the maximum
 * (count_refine.c). The nominal σ is the floor because the filter is built on it:
 * maxima of close pairs are pulled together on that scale, and the fit must be able to
 * undo it. */
/* The maps detection leaves for the refinement. Once the blobs are made, the first
 * pass's f and z are spent, and their frames take the residual's maps. */
typedef struct {
    const float *fimg;    /* the filtered image G_f⊛img */
    const float *noise;   /* σ of f per pixel */
    const unsigned char *search;  /* where atoms are searched */
    const unsigned char *support; /* the support the background was made in */
    float *filtered;      /* w*h: the residual's filtered image */
    float *scratch;       /* w*h: the atoms-off image, then the residual's model */
} detect_maps;

static int refine_with_width(const float *img, size_t w, size_t h, count_detection *d,
                             const dac_stem_count_params *p, double s_p, const detect_maps *mp,
                             double *s_fit, double *max_shift)
{
    size_t m = d->n_blobs;
    double s = 0, lo = WIDTH_MIN_A / FWHM_PER_SIGMA / p->pixel_A;
    double hi = WIDTH_MAX_A / FWHM_PER_SIGMA / p->pixel_A;
    double strong = fmax(5.0, d->threshold_z + 1.0); /* as in reject_faint */
    int st = count_atom_width(img, w, h, d->blobs, m, s_p, strong, &s);
    d->atom_fwhm_measured_A = s > 0 ? s * FWHM_PER_SIGMA * p->pixel_A : NAN;
    if (s > 0) {
        s_p = s > hi ? hi : s < lo ? lo : s;
        for (size_t i = 0; i < m; i++)
            d->blobs[i].sigma_px = s_p;
    }
    d->atom_fwhm_A = s_p * FWHM_PER_SIGMA * p->pixel_A;
    double s_nom = p->probe_fwhm_A / FWHM_PER_SIGMA / p->pixel_A;
    if (st == DAC_OK)
        st = count_refine(img, w, h, d->blobs, m, s_p, fmax(s_p, s_nom));
    if (st == DAC_OK)
        st = count_split(img, w, h, &d->blobs, &d->n_blobs, s_p);
    /* The atom's shape: with real tails every blob is refitted as amplitude × the
     * measured kernel, the others' light subtracted (kernel.c). The split above is a
     * test on Gaussian widths relative to the frame's own atoms, which carry the same
     * tails, so it holds in both cases. */
    if (st == DAC_OK)
        st = count_kernel_measure(img, w, h, d->blobs, d->n_blobs, strong, s_p, p->pixel_A, &d->kernel);
    const count_kernel *kernel = d->kernel.used ? &d->kernel : NULL;
    if (kernel) {
        s_p = kernel->fwhm_px / FWHM_PER_SIGMA;
        if (st == DAC_OK)
            st = count_refine_groups(img, w, h, d->blobs, d->n_blobs, s_p, fmax(s_p, s_nom), NULL,
                                     kernel);
    }
    /* Atoms hidden beside brighter ones: detection on the residual (count_residual.c)
     * with the first pass's statistic, threshold and amplitude test. Three rounds:
     * each round can only reveal atoms whose light the previous model explained wrongly,
     * and on the test scenes nothing is added after the second (assumption, as DAOPHOT's
     * usual two or three passes). */
    /* The residual is tested on the image filtered over a background made without the
     * atoms found so far (count_residual_filtered): the first background holds their
     * tails. */
    double s_bg = p->background_sigma_A / p->pixel_A, s_f = p->filter_factor * s_nom;
    if (st == DAC_OK && mp->noise)
        st = count_residual_filtered(img, mp->fimg, w, h, mp->support, sqrt(s_bg * s_bg + s_f * s_f),
                                     d->blobs, d->n_blobs, kernel, mp->scratch, mp->filtered);
    count_residual_params rp = {mp->filtered, mp->noise, mp->search,
                                   p->filter_factor * p->probe_fwhm_A / FWHM_PER_SIGMA / p->pixel_A,
                                   d->threshold_z, d->unit_amplitude, p->min_atom_fraction,
                                   p->min_separation_A / p->pixel_A,
                                   p->false_alarms_per_nm2 * p->pixel_A * p->pixel_A / 100.0, s_p,
                                   fmax(s_p, s_nom), 3, kernel, mp->scratch};
    if (st == DAC_OK && mp->noise)
        st = count_residual(img, w, h, &rp, &d->blobs, &d->n_blobs, &d->n_residual,
                                     &d->n_residual_decoys);
    *s_fit = s_p, *max_shift = fmax(s_p, s_nom);
    return st;
}

/* keep_bg: d->background is the smooth background of the image with its bright pixels
 * clipped (the learned detector's features read it); else NULL, and that background,
 * which nothing else reads, is not made. */
static int detect(const float *img, size_t w, size_t h, const unsigned char *support,
                  const dac_stem_count_params *p, int keep_bg, count_detection **out)
{
    *out = NULL;
    int st = count_check_params(p);
    if (st != DAC_OK)
        return st;
    if (!img || w < 8 || h < 8)
        return dac_error(DAC_ERR_INPUT, "stem count: image too small (%zux%zu, need at least 8x8)", w, h);
    if ((st = check_scale(p, w, h)) != DAC_OK)
        return st;
    size_t n = w * h;
    int constant = 0;
    if ((st = check_pixels(img, w, n, &constant)) != DAC_OK)
        return st;
    count_detection *d = calloc(1, sizeof *d);
    float *f = malloc(sizeof *f * n), *z = malloc(sizeof *z * n);
    float *noise = malloc(sizeof *noise * n);
    float *fimg = malloc(sizeof *fimg * n);
    unsigned char *search = malloc(n), *full = malloc(n);
    if (d) { /* without keep_bg the plain background's frame becomes the noise map's */
        d->background = keep_bg ? malloc(sizeof(float) * n) : noise;
        d->support = malloc(n);
    }
    size_t *idx = NULL, m = 0;
    if (!d || !f || !z || !fimg || !noise || !search || !full || !d->background ||
        !d->support) {
        st = dac_error(DAC_ERR_NOMEM, "stem count: out of memory for a %zux%zu image", w, h);
        goto done;
    }
    d->width = w, d->height = h, d->pixel_A = p->pixel_A;
    d->atom_fwhm_A = p->probe_fwhm_A; /* until measured (refinement) */
    d->atom_fwhm_measured_A = NAN;
    double s_bg = p->background_sigma_A / p->pixel_A;
    double s_p = p->probe_fwhm_A / FWHM_PER_SIGMA / p->pixel_A;
    if (support)
        memcpy(d->support, support, n);
    else if ((st = count_blur(img, w, h, s_bg, d->background)) != DAC_OK ||
             (st = count_support_auto(d->background, w, h, d->support)) != DAC_OK)
        goto done;
    size_t n_support = 0;
    for (size_t i = 0; i < n; i++)
        n_support += d->support[i] != 0;
    set_area(d, p, n_support);
    if (constant || n_support == 0) {
        memcpy(d->background, img, sizeof(float) * n);
        goto done;
    }
    if ((st = count_noise_calibrate(img, w, h, d->support, &d->noise)) != DAC_OK)
        goto done;
    st = count_statistic(img, w, h, d->support, p, !support && n_support == n, keep_bg, d, NULL,
                         fimg, f, z, noise);
    if (st != DAC_OK)
        goto done;
    if (!keep_bg)
        d->background = NULL; /* its frame holds the noise map now */
    memcpy(full, d->support, n);
    /* The search region: the support without the band where the filter (σ_f) or the
     * background (σ_bg) reaches across its edge, 3σ of the wider (gauss_kernel's
     * truncation in count_background.c). It becomes the reported support (area, mask)
     * once the background is made, so densities and chance pairs refer to the area
     * actually searched. If nothing is left, the whole support. */
    double s_f = p->filter_factor * p->probe_fwhm_A / FWHM_PER_SIGMA / p->pixel_A;
    size_t band = (size_t)ceil(3.0 * fmax(s_bg, s_f)), n_search = 0;
    if ((st = interior_mask(d->support, w, h, band, search)) != DAC_OK)
        goto done;
    for (size_t i = 0; i < n; i++)
        n_search += search[i] != 0;
    if (n_search == 0) {
        memcpy(search, d->support, n);
    } else if (n_search < n_support) {
        memcpy(d->support, search, n);
        set_area(d, p, n_search);
    }
    double n_res = d->n_resolution_elements;
    if ((st = count_local_maxima(z, 0, w, h, search, d->threshold_z, &idx, &m)) != DAC_OK)
        goto done;
    m = count_suppress(idx, m, z, 0, w, h, p->min_separation_A / p->pixel_A);
    m = reject_faint(idx, m, f, z, d, p->min_atom_fraction);
    if ((st = decoy_threshold(z, f, w, h, search, n_res, d, p, &m, idx)) != DAC_OK)
        goto done;
    d->blobs = malloc(sizeof *d->blobs * (m ? m : 1));
    if (!d->blobs) {
        st = dac_error(DAC_ERR_NOMEM, "stem count: out of memory (%zu blobs)", m);
        goto done;
    }
    make_blobs(f, z, w, idx, m, s_p, p->filter_factor, d->blobs);
    d->n_blobs = m;
    /* The false alarms (calibrate.c): the threshold for the stated rate on the image's
     * own noise, the detections below it dropped, and the rate that holds once the
     * support's texture is counted. */
    double s_fit = s_p, shift = 0;
    if (p->refine) {
        detect_maps mp = {fimg, noise, search, full, f, z};
        st = refine_with_width(img, w, h, d, p, s_p, &mp, &s_fit, &shift);
    }
    /* Spent: the calibration's tiles take their memory instead of fresh pages. */
    free(f), free(z), free(fimg);
    f = z = fimg = NULL;
    if (st == DAC_OK)
        st = count_false_alarms(img, w, h, full, search, p, s_fit, shift, d, noise);
done:
    if (d && !keep_bg)
        d->background = NULL; /* noise's frame, freed below */
    free(f), free(z), free(idx), free(noise), free(search), free(fimg), free(full);
    if (st != DAC_OK) {
        count_detection_free(d);
        return st;
    }
    *out = d;
    return DAC_OK;
}

int count_detect(const float *img, size_t w, size_t h, const unsigned char *support,
                 const dac_stem_count_params *p, count_detection **out)
{
    return detect(img, w, h, support, p, 1, out);
}

int count_detect_blobs(const float *img, size_t w, size_t h, const unsigned char *support,
                       const dac_stem_count_params *p, count_detection **out)
{
    return detect(img, w, h, support, p, 0, out);
}

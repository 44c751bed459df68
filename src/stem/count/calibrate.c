/*
 * calibrate.c — a false-alarm rate that holds: the detection threshold set on the
 * frame's own noise, and the rate that holds once the support's texture is counted.
 *
 * Why: the Gaussian threshold (Bonferroni over resolution elements, detect.c) assumes
 * one independent Gaussian test per resolution element. The band-passed, locally
 * normalised z has more local maxima than that (its roughness is set by the filter
 * pair, not by the probe's width), the robust background lifts every bump above z 3
 * (an atom's, and a noise bump's alike), and shot noise at a few electrons per pixel
 * is skewed: on atom-free frames of the simulator's amorphous carbon, 4–40 Å thick,
 * 2·10⁵–3·10⁶ e⁻/Å², it let through 0.02–0.03 false atoms per nm² against a stated
 * 0.001, white shot noise alone 0.02 (issue 10). The decoys (minima) cannot see that.
 *
 * So the null is measured, twice (both after refinement, with every fitted atom's whole
 * image, tails included, taken off the frame):
 *  - the noise null sets the threshold: frames of the image's own noise are drawn around
 *    its atom-free background from the photon-transfer model (count_noise_synthesize),
 *    the first pass's statistic is computed on them exactly as on the image, and the
 *    threshold is where their maxima per nm² reach the stated rate. Detections below it
 *    are dropped, their neighbours refitted;
 *  - the texture null says what holds: the same statistic on the image itself with the
 *    atoms taken off, its maxima away from each atom's misfit, truncated at the
 *    detection threshold (above it atoms and false alarms mix); its fitted rate at the
 *    threshold used is the false-alarm rate of this frame, support texture included
 *    (an upper bound where faint atoms were missed). Real supports are textured at the
 *    atomic scale; a threshold on the noise does not control that, and raising it until
 *    texture is controlled removes the atoms with it (z 6–20 on the real development
 *    images), so the summary states the rate instead (output.c: honoured or not).
 * Both tails are fitted by peaks over threshold: exceedances of the top TOP_FRACTION of
 * maxima follow a generalised Pareto distribution (Pickands, Ann. Stat. 3, 119 (1975);
 * Balkema & de Haan, Ann. Prob. 2, 792 (1974)), by maximum likelihood (truncated for the
 * texture null), on the scale z|z|/2 (tail_scale). Measured on atom-free simulated
 * carbon (test_false_alarms.c): 0.8–1.3× a stated 0.01 per nm², 0.38× a stated 0.001
 * (conservative), white shot noise 1.08× of 0.001.
 *
 * The threshold is never lowered below the Gaussian one, and a frame without a noise
 * model keeps the Gaussian threshold and says so.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "dac/core.h"
#include "stem/count/count_internal.h"

#define FWHM_PER_SIGMA 2.3548200450309493
#define TOP_FRACTION 0.2
/* Fewest exceedances to fit two parameters of a tail (assumption: the shape's standard
 * error is then ≈ 0.1–0.15). */
#define MIN_EXCEEDANCES 40
/* The shape is held to [XI_MIN, XI_MAX]: maxima of band-passed noise have light tails
 * (ξ ≈ 0 for a Gaussian field), and a wilder fit on 40–200 points is noise. */
#define XI_MIN -0.5
#define XI_MAX 0.5
#define FIT_SAMPLE 2000

/* Survival of the generalised Pareto: P(Y > y) = (1 + ξy/β)^(−1/ξ) (e^{−y/β} at ξ = 0). */
static double gpd_survival(double y, double xi, double beta)
{
    if (fabs(xi) < 1e-9)
        return exp(-y / beta);
    double a = 1 + xi * y / beta;
    return a > 0 ? pow(a, -1 / xi) : 0;
}

/* Log-likelihood of exceedances y (all < yT) under the Pareto truncated at yT:
 * Σ log f(y_i) − k log F(yT), f = (1/β)(1 + ξy/β)^(−1/ξ−1). */
static double truncated_ll(const double *y, size_t k, double yT, double xi, double beta)
{
    double F = 1 - gpd_survival(yT, xi, beta), s = 0;
    if (!(F > 0) || !(beta > 0))
        return -INFINITY;
    for (size_t i = 0; i < k; i++) {
        if (fabs(xi) < 1e-9) {
            s += -y[i] / beta;
            continue;
        }
        double a = 1 + xi * y[i] / beta;
        if (!(a > 0))
            return -INFINITY;
        s += (-1 / xi - 1) * log(a);
    }
    return s - (double)k * log(beta) - (double)k * log(F);
}

/* The best log β for a given ξ (golden section, one new evaluation per step) and its
 * log-likelihood. */
static double best_beta(const double *y, size_t k, double yT, double xi, double lo, double hi,
                        double *beta)
{
    const double gr = 0.5 * (sqrt(5.0) - 1);
    double c1 = hi - gr * (hi - lo), c2 = lo + gr * (hi - lo);
    double f1 = truncated_ll(y, k, yT, xi, exp(c1)), f2 = truncated_ll(y, k, yT, xi, exp(c2));
    for (int it = 0; it < 40; it++) {
        if (f1 > f2) {
            hi = c2, c2 = c1, f2 = f1;
            c1 = hi - gr * (hi - lo), f1 = truncated_ll(y, k, yT, xi, exp(c1));
        } else {
            lo = c1, c1 = c2, f1 = f2;
            c2 = lo + gr * (hi - lo), f2 = truncated_ll(y, k, yT, xi, exp(c2));
        }
    }
    *beta = exp(f1 > f2 ? c1 : c2);
    return fmax(f1, f2);
}

/* best_beta at ξ, or its value from the previous step's points `prev` (ξ, the
 * log-likelihood, β) when ξ is the same double. */
static double profile_at(const double *y, size_t k, double yT, double xi, double lo, double hi,
                         const double prev[2][3], double *beta)
{
    for (int j = 0; j < 2; j++)
        if (prev[j][0] == xi) {
            *beta = prev[j][2];
            return prev[j][1];
        }
    return best_beta(y, k, yT, xi, lo, hi, beta);
}

/* Maximum likelihood (ξ, β) of the truncated Pareto: the profile over β on a grid of ξ
 * in [XI_MIN, XI_MAX], then a golden-section refinement of ξ around the best. The
 * sample stops at the lowest detection threshold for the texture null because above
 * it atoms and false alarms mix and the atoms were taken off: fitting only [u0, T)
 * keeps the null a null. */
static void gpd_fit(const double *y, size_t k, double yT, double *xi, double *beta)
{
    double mean = 0;
    for (size_t i = 0; i < k; i++)
        mean += y[i] / (double)k;
    double lo = log(mean) - 3, hi = log(mean) + 3, best = -INFINITY, b;
    enum { GRID = 25 };
    const double step = (XI_MAX - XI_MIN) / GRID, gr = 0.5 * (sqrt(5.0) - 1);
    *xi = 0, *beta = mean;
    for (int g = 0; g <= GRID; g++) {
        double x = XI_MIN + step * g, l = best_beta(y, k, yT, x, lo, hi, &b);
        if (l > best)
            best = l, *xi = x, *beta = b;
    }
    double a = fmax(XI_MIN, *xi - step), c = fmin(XI_MAX, *xi + step);
    /* Each step's points are worked out afresh; the one the golden section keeps often
     * comes out the same double as before, and then its profile is not redone. */
    double prev[2][3] = {{NAN, 0, 0}, {NAN, 0, 0}};
    for (int it = 0; it < 20; it++) {
        double x1 = c - gr * (c - a), x2 = a + gr * (c - a), b1, b2;
        double l1 = profile_at(y, k, yT, x1, lo, hi, prev, &b1);
        double l2 = profile_at(y, k, yT, x2, lo, hi, prev, &b2);
        double step_pts[2][3] = {{x1, l1, b1}, {x2, l2, b2}};
        memcpy(prev, step_pts, sizeof prev);
        if (l1 > l2)
            c = x2;
        else
            a = x1;
        if (fmax(l1, l2) > best)
            best = fmax(l1, l2), *xi = l1 > l2 ? x1 : x2, *beta = l1 > l2 ? b1 : b2;
    }
}

/* The scale the tail is fitted on: g(z) = z|z|/2. Maxima of a Gaussian field above u
 * are about as frequent as u·e^{−u²/2} (Adler, "The Geometry of Random Fields", 1981,
 * ch. 6), an exponential tail in u²/2 up to a slowly varying factor, so there the
 * generalised Pareto's shape starts near 0 and measures only the departure from
 * Gaussian (skew of shot noise at few electrons per pixel, texture). Fitted on z
 * itself, the bulk of a Gaussian-like tail gives ξ ≈ −0.25 and a finite endpoint near
 * 4.7: an extrapolation that saw no false alarm where the frames had 0.02 per nm². */
static double tail_scale(double z)
{
    return 0.5 * z * fabs(z);
}

static double tail_unscale(double g)
{
    return g >= 0 ? sqrt(2 * g) : -sqrt(-2 * g);
}

double count_null_rate(const count_null *c, double t)
{
    if (!c->calibrated || !(c->area_nm2 > 0))
        return NAN;
    /* n_exceed estimates all null maxima above u0, those beyond the truncation included. */
    double y = fmax(0, tail_scale(t) - tail_scale(c->u0));
    return (double)c->n_exceed * gpd_survival(y, c->xi, c->beta) / c->area_nm2;
}

/* The tail fitted to exceedances y (on the g scale, truncated at gT; each standing for
 * `weight` maxima) and the threshold t where the fitted count of null maxima is
 * `target`. Returns 0 when the fit fails. */
static int fit_threshold(const double *y, size_t k, double weight, double gT, double g0,
                         double target, double *xi, double *beta, double *n_tail, double *t)
{
    gpd_fit(y, k, gT, xi, beta);
    double F = 1 - gpd_survival(gT, *xi, *beta);
    if (!(*beta > 0) || !(F > 0))
        return 0;
    *n_tail = weight * (double)k / F; /* all null maxima above u0, beyond gT included */
    /* Solve n·S(g(t) − g(u0)) = target, S the Pareto survival. */
    double ratio = *n_tail / target;
    double yt = ratio <= 1 ? 0 : fabs(*xi) < 1e-9 ? *beta * log(ratio)
                                                 : *beta / *xi * (pow(ratio, *xi) - 1);
    *t = tail_unscale(g0 + yt);
    return 1;
}

static int cmp_desc(const void *a, const void *b, void *ctx)
{
    return dac_compare_double(b, a, ctx);
}

/* The mask the null maxima are counted in, for the tile of size w×h at (x0, y0): the
 * search region minus a disc of radius[i] around blob i (what is left of the atoms
 * there is their misfit, not the frame's noise). */
static unsigned char *null_mask(const unsigned char *search, size_t w, size_t h, size_t x0,
                                size_t y0, const dac_stem_blob *b, size_t n, const double *radius)
{
    unsigned char *m = malloc(w * h);
    if (!m)
        return NULL;
    memcpy(m, search, w * h);
    for (size_t i = 0; i < n; i++) {
        double r = radius[i], bx = b[i].x_px - (double)x0, by = b[i].y_px - (double)y0;
        long xa = (long)floor(bx - r), xb = (long)ceil(bx + r);
        long ya = (long)floor(by - r), yb = (long)ceil(by + r);
        for (long y = ya < 0 ? 0 : ya; y <= yb && y < (long)h; y++)
            for (long x = xa < 0 ? 0 : xa; x <= xb && x < (long)w; x++)
                if (((double)x - bx) * ((double)x - bx) + ((double)y - by) * ((double)y - by) <= r * r)
                    m[(size_t)y * w + (size_t)x] = 0;
    }
    return m;
}

int count_null_maxima(const float *z, size_t w, size_t h, const unsigned char *mask,
                      double min_sep_px, double **v, size_t *m)
{
    size_t *idx = NULL, k = 0;
    /* Every local maximum (test level −∞), thinned within min_sep as the candidates are. */
    int st = count_local_maxima(z, 0, w, h, mask, -HUGE_VAL, &idx, &k);
    if (st != DAC_OK)
        return st;
    k = count_suppress(idx, k, z, 0, w, h, min_sep_px);
    double *nv = realloc(*v, sizeof *nv * (*m + k + 1));
    if (!nv) {
        free(idx);
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (false-alarm calibration)");
    }
    *v = nv;
    for (size_t i = 0; i < k; i++)
        nv[(*m)++] = z[idx[i]];
    free(idx);
    return DAC_OK;
}

int count_null_fit(double *v, size_t m, double area_nm2, double t_lowest,
                   double false_alarms_per_nm2, count_null *out)
{
    out->calibrated = 0, out->n_maxima = m, out->area_nm2 = area_nm2;
    out->threshold_z = NAN, out->n_exceed = 0;
    size_t k = (size_t)(TOP_FRACTION * (double)m);
    if (k < MIN_EXCEEDANCES || !(area_nm2 > 0))
        return DAC_OK;
    int st = dac_sort(v, m, sizeof *v, cmp_desc, NULL);
    if (st != DAC_OK)
        return st;
    /* The top TOP_FRACTION of all maxima, and of them those below t_lowest: the
     * fitted sample. */
    out->u0 = v[k];
    size_t first = 0;
    while (first < k && v[first] >= t_lowest)
        first++;
    size_t kb = k - first;
    double g0 = tail_scale(out->u0), gT = tail_scale(t_lowest) - g0;
    for (size_t i = first; i < k; i++)
        v[i] = tail_scale(v[i]) - g0;
    /* A systematic subsample of at most FIT_SAMPLE of the sorted exceedances, each
     * standing for `stride` of them: the shape's error is then ≈ 0.03, far below what
     * moves the threshold, and a 4096² frame's 6000 exceedances fit in a tenth of the
     * time (assumption). */
    size_t stride = (kb + FIT_SAMPLE - 1) / FIT_SAMPLE, ks = 0;
    for (size_t i = first; stride > 1 && i < k; i += stride)
        v[first + ks++] = v[i];
    if (stride <= 1)
        ks = kb;
    double target = false_alarms_per_nm2 * area_nm2, n_tail = 0, t;
    if (kb >= MIN_EXCEEDANCES && gT > 0 &&
        fit_threshold(v + first, ks, (double)kb / (double)ks, gT, g0, target, &out->xi, &out->beta,
                      &n_tail, &t)) {
        out->calibrated = 1;
        out->n_exceed = (size_t)llround(n_tail);
        out->threshold_z = t;
    }
    return DAC_OK;
}

/* ------------------------------------------------------------ the frame's false alarms -- */

/* Where a blob's misfit would pass for noise: out to the radius at which its image,
 * seen through the filter, falls to one noise σ of the statistic (1/snr of its peak),
 * at least min_px. The kernel's, or the blob's own Gaussian. */
static double misfit_radius(const dac_stem_blob *b, const count_kernel *kernel, double s_f,
                            double min_px)
{
    count_kernel g = {.n = 1, .weight = {1}, .sigma_px = {b->sigma_px > 0 ? b->sigma_px : 1}};
    const count_kernel *k = kernel ? kernel : &g;
    if (!(b->snr > 1))
        return min_px;
    double lo = 0, hi = count_kernel_reach(k, s_f * s_f, 1 / b->snr);
    double v = s_f * s_f, peak = 0;
    for (int m = 0; m < k->n; m++)
        peak += k->weight[m] * k->sigma_px[m] * k->sigma_px[m] / (k->sigma_px[m] * k->sigma_px[m] + v);
    for (int it = 0; it < 40; it++) {
        double r = 0.5 * (lo + hi), f = 0;
        for (int m = 0; m < k->n; m++) {
            double s2 = k->sigma_px[m] * k->sigma_px[m];
            f += k->weight[m] * s2 / (s2 + v) * exp(-0.5 * r * r / (s2 + v));
        }
        if (f * b->snr > peak)
            lo = r;
        else
            hi = r;
    }
    return fmax(min_px, hi);
}

/* Detections whose z is below the threshold used are removed (they are the frame's
 * false alarms once the calibration raised it), and the blobs whose fits shared a
 * window with them are refitted (max_shift 0: no refinement, nothing to refit). */
static int drop_below(const float *img, size_t w, size_t h, count_detection *d, double s_p,
                      double max_shift, const count_kernel *kernel)
{
    size_t kept = 0, n = d->n_blobs;
    unsigned char *near = calloc(n ? n : 1, 1);
    if (!near)
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (%zu blobs)", n);
    double reach = 2 * fmax(3.5 * s_p, 4.0); /* two fit windows (refine.c) */
    for (size_t i = 0; i < n; i++) {
        if (d->blobs[i].snr >= d->threshold_z)
            continue;
        for (size_t j = 0; j < n; j++)
            near[j] |= hypot(d->blobs[j].x_px - d->blobs[i].x_px, d->blobs[j].y_px - d->blobs[i].y_px) < reach;
    }
    int any = 0;
    for (size_t i = 0; i < n; i++)
        if (d->blobs[i].snr >= d->threshold_z) {
            near[kept] = near[i];
            any |= near[i];
            d->blobs[kept++] = d->blobs[i];
        }
    d->noise_null.n_dropped = n - kept;
    d->n_blobs = kept;
    int st = DAC_OK;
    if (kept < n && any && max_shift > 0)
        st = count_refine_groups(img, w, h, d->blobs, kept, s_p, max_shift, near, kernel);
    free(near);
    return st;
}

/* Both nulls are measured on tiles of TILE_PX² (the whole frame when it is at most 1.5×
 * that), at most MAX_TILES of them spread over the frame: one tile holds ≈ 8000
 * maxima (0.2 Å pixels), enough for the tail, and a 4096² frame costs 4 tiles, not
 * the 16 its area holds (assumption; the atom-free frames of test_false_alarms.c
 * measure the result). The synthetic null is redrawn on the same tiles until it holds
 * NOISE_NULL_MAXIMA maxima, at most NOISE_NULL_ROUNDS times. */
#define TILE_PX 1024
#define MAX_TILES 4
#define NOISE_NULL_ROUNDS 4
#define NOISE_NULL_MAXIMA 8000
#define NOISE_NULL_SEED 0x6e756c6cu /* fixed: detection must not depend on --seed */

typedef struct {
    size_t x0, y0, w, h;
    float *level;           /* the tile's atom-free smooth background */
    unsigned char *support, *search;
    size_t area_px;         /* searched pixels */
} tile;

/* The tiles: the frame, or up to MAX_TILES of TILE_PX² centred on the quarter points,
 * in the order top-left, bottom-right, top-right, bottom-left (the first two span the
 * frame's diagonal when two suffice). */
static size_t choose_tiles(size_t w, size_t h, tile *t)
{
    if ((double)w * (double)h <= 1.5 * TILE_PX * TILE_PX) {
        t[0] = (tile){.w = w, .h = h};
        return 1;
    }
    size_t tw = w < TILE_PX ? w : TILE_PX, th = h < TILE_PX ? h : TILE_PX, k = 0;
    size_t nx = w >= 2 * tw ? 2 : 1, ny = h >= 2 * th ? 2 : 1;
    static const int order[4][2] = {{0, 0}, {1, 1}, {1, 0}, {0, 1}};
    for (int q = 0; q < 4 && k < MAX_TILES; q++) {
        size_t i = (size_t)order[q][0], j = (size_t)order[q][1];
        if (i >= nx || j >= ny)
            continue;
        size_t cx = nx == 1 ? w / 2 : (2 * i + 1) * w / 4, cy = ny == 1 ? h / 2 : (2 * j + 1) * h / 4;
        t[k++] = (tile){.x0 = cx - tw / 2, .y0 = cy - th / 2, .w = tw, .h = th};
    }
    return k;
}

static void crop_float(const float *src, size_t w, const tile *t, float *dst)
{
    for (size_t y = 0; y < t->h; y++)
        memcpy(dst + y * t->w, src + (t->y0 + y) * w + t->x0, sizeof *dst * t->w);
}

static void crop_byte(const unsigned char *src, size_t w, const tile *t, unsigned char *dst)
{
    for (size_t y = 0; y < t->h; y++)
        memcpy(dst + y * t->w, src + (t->y0 + y) * w + t->x0, t->w);
}

/* What the nulls accumulate: thinned maxima and the area they were counted in. */
typedef struct {
    double *v;
    size_t m, area_px;
} null_sample;

/* Scratch for the statistic on one tile. */
typedef struct {
    float *in, *res, *fimg, *f, *z;
} tile_work;

/* The first pass's statistic on a tile image (in → z), its background into bg. The
 * detection's own background and noise excess are left alone (a copy takes them). */
static int tile_statistic(const tile *t, const dac_stem_count_params *p, const count_detection *d,
                          tile_work *wk, float *bg)
{
    count_detection tmp = *d;
    tmp.background = bg;
    return count_statistic(wk->in, t->w, t->h, t->support, p, 0, 1, &tmp, wk->res, wk->fimg,
                           wk->f, wk->z, NULL);
}

/* The texture null of one tile: the first pass's statistic of the image with the atoms
 * taken off (in: img − M over the frame), its maxima away from each blob's misfit disc,
 * and the blobs inside the tile below t_detect themselves (a blob's disc is out, the
 * blob in: below the threshold it is a draw of the null like any other maximum, above
 * it a null or an atom, which the fit's truncation leaves out either way). The tile's
 * atom-free background is kept for the synthetic null. */
static int texture_tile(const float *clean, size_t w, tile *t, const dac_stem_count_params *p,
                        const count_detection *d, const double *radius, double t_detect,
                        tile_work *wk, null_sample *out)
{
    crop_float(clean, w, t, wk->in);
    int st = tile_statistic(t, p, d, wk, t->level);
    unsigned char *mask = st == DAC_OK ? null_mask(t->search, t->w, t->h, t->x0, t->y0, d->blobs,
                                                  d->n_blobs, radius) : NULL;
    if (st == DAC_OK && !mask)
        st = dac_error(DAC_ERR_NOMEM, "stem count: out of memory (false-alarm calibration)");
    if (st == DAC_OK)
        st = count_null_maxima(wk->z, t->w, t->h, mask, p->min_separation_A / p->pixel_A, &out->v, &out->m);
    free(mask);
    double *nv = st == DAC_OK ? realloc(out->v, sizeof *nv * (out->m + d->n_blobs + 1)) : NULL;
    if (st == DAC_OK && !nv)
        st = dac_error(DAC_ERR_NOMEM, "stem count: out of memory (false-alarm calibration)");
    for (size_t i = 0; nv && i < d->n_blobs; i++) {
        const dac_stem_blob *b = &d->blobs[i];
        long x = lround(b->x_px) - (long)t->x0, y = lround(b->y_px) - (long)t->y0;
        if (b->snr < t_detect && x >= 0 && y >= 0 && x < (long)t->w && y < (long)t->h &&
            t->search[(size_t)y * t->w + (size_t)x])
            nv[out->m++] = b->snr;
    }
    if (nv)
        out->v = nv;
    out->area_px += t->area_px;
    return st;
}

/* One synthetic null of a tile: its own noise drawn around its atom-free background
 * (count_noise_synthesize), the first pass's statistic computed exactly as on the
 * image, its maxima. */
static int noise_tile(const tile *t, const dac_stem_count_params *p, const count_detection *d,
                      uint64_t seed, tile_work *wk, float *bg, null_sample *out)
{
    int st = count_noise_synthesize(&d->noise, t->level, t->w * t->h, seed, wk->in);
    if (st == DAC_OK)
        st = tile_statistic(t, p, d, wk, bg);
    if (st == DAC_OK)
        st = count_null_maxima(wk->z, t->w, t->h, t->search, p->min_separation_A / p->pixel_A,
                               &out->v, &out->m);
    out->area_px += t->area_px;
    return st;
}

/* img − M, M the image of every blob (kernel or its Gaussian), into out (w*h). */
static void free_tiles(tile *t, size_t n, tile_work *wk)
{
    for (size_t k = 0; k < n; k++)
        free(t[k].level), free(t[k].support), free(t[k].search);
    free(wk->in), free(wk->res), free(wk->fimg), free(wk->f), free(wk->z);
}

/* Buffers of the tiles (level, masks) and the scratch for the largest. */
static int alloc_tiles(tile *t, size_t n, const unsigned char *support, const unsigned char *search,
                       size_t w, tile_work *wk)
{
    size_t big = 0;
    for (size_t k = 0; k < n; k++) {
        size_t np = t[k].w * t[k].h;
        big = np > big ? np : big;
        t[k].level = malloc(sizeof(float) * np);
        t[k].support = malloc(np), t[k].search = malloc(np);
        if (!t[k].level || !t[k].support || !t[k].search)
            return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (false-alarm calibration)");
        crop_byte(support, w, &t[k], t[k].support);
        crop_byte(search, w, &t[k], t[k].search);
        t[k].area_px = 0;
        for (size_t i = 0; i < np; i++)
            t[k].area_px += t[k].search[i] != 0;
    }
    float **b[5] = {&wk->in, &wk->res, &wk->fimg, &wk->f, &wk->z};
    for (int i = 0; i < 5; i++)
        if (!(*b[i] = malloc(sizeof(float) * big)))
            return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (false-alarm calibration)");
    return DAC_OK;
}

/* Both nulls over the tiles; the fits into d->null (texture, truncated at t_detect) and
 * d->noise_null (pure). */
static int measure_nulls(const float *clean, size_t w, size_t h, const unsigned char *support,
                         const unsigned char *search, const dac_stem_count_params *p,
                         count_detection *d, const double *radius, double t_detect)
{
    tile t[MAX_TILES];
    memset(t, 0, sizeof t);
    tile_work wk = {0};
    size_t nt = choose_tiles(w, h, t);
    null_sample tex = {0}, noi = {0};
    float *bg = NULL;
    int st = alloc_tiles(t, nt, support, search, w, &wk);
    if (st == DAC_OK && !(bg = malloc(sizeof *bg * t[0].w * t[0].h)))
        st = dac_error(DAC_ERR_NOMEM, "stem count: out of memory (false-alarm calibration)");
    /* Tile by tile, both nulls, until the synthetic one has NOISE_NULL_MAXIMA maxima;
     * then, if the tiles ran out first, more draws on the tiles already measured. */
    int shot = d->noise.model != COUNT_NOISE_INVALID; /* else nothing to draw from */
    size_t used = 0;
    for (; st == DAC_OK && used < nt && (used == 0 || !shot || noi.m < NOISE_NULL_MAXIMA); used++) {
        st = texture_tile(clean, w, &t[used], p, d, radius, t_detect, &wk, &tex);
        if (st == DAC_OK && shot)
            st = noise_tile(&t[used], p, d, NOISE_NULL_SEED + used, &wk, bg, &noi);
    }
    for (int r = 1; shot && st == DAC_OK && r < NOISE_NULL_ROUNDS && noi.m < NOISE_NULL_MAXIMA; r++)
        for (size_t k = 0; st == DAC_OK && k < used; k++)
            st = noise_tile(&t[k], p, d, NOISE_NULL_SEED + (uint64_t)(r * MAX_TILES) + k, &wk, bg, &noi);
    double px2 = p->pixel_A * p->pixel_A / 100.0;
    if (st == DAC_OK)
        st = count_null_fit(tex.v, tex.m, (double)tex.area_px * px2, t_detect, p->false_alarms_per_nm2,
                            &d->null);
    if (st == DAC_OK && shot)
        st = count_null_fit(noi.v, noi.m, (double)noi.area_px * px2, INFINITY, p->false_alarms_per_nm2,
                            &d->noise_null);
    free(tex.v), free(noi.v), free(bg);
    free_tiles(t, nt, &wk);
    return st;
}

int count_false_alarms(const float *img, size_t w, size_t h, const unsigned char *support,
                       const unsigned char *search, const dac_stem_count_params *p, double s_fit,
                       double max_shift, count_detection *d, float *scratch)
{
    const count_kernel *kernel = d->kernel.used ? &d->kernel : NULL;
    double t_detect = d->threshold_z; /* what the detections passed */
    /* Without refinement the blobs are the filter's maxima: their discs 2 FWHM. */
    double min_px = p->refine ? FWHM_PER_SIGMA * s_fit : 2 * p->probe_fwhm_A / p->pixel_A;
    double s_f = p->filter_factor * p->probe_fwhm_A / FWHM_PER_SIGMA / p->pixel_A;
    memset(&d->null, 0, sizeof d->null);
    memset(&d->noise_null, 0, sizeof d->noise_null);
    d->null.threshold_z = d->noise_null.threshold_z = NAN;
    double *radius = malloc(sizeof *radius * (d->n_blobs ? d->n_blobs : 1));
    if (!radius)
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (%zu blobs)", d->n_blobs);
    for (size_t i = 0; i < d->n_blobs; i++)
        radius[i] = misfit_radius(&d->blobs[i], kernel, s_f, min_px);
    count_atoms_off(img, w, h, d->blobs, d->n_blobs, kernel, scratch);
    int st = measure_nulls(scratch, w, h, support, search, p, d, radius, t_detect);
    free(radius);
    /* The threshold for the stated rate on the frame's noise, if above the Gaussian one. */
    if (st == DAC_OK && d->noise_null.calibrated && d->noise_null.threshold_z > d->threshold_z)
        d->threshold_z = d->noise_null.threshold_z;
    if (st == DAC_OK)
        st = drop_below(img, w, h, d, s_fit, max_shift, kernel);
    return st;
}

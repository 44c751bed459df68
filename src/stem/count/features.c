/*
 * features.c — what the learned detector measures on each candidate atom.
 *
 * The candidates are the statistical detector's blobs (count_detect) at a lower
 * threshold than its own, so atoms it rejects can be recovered. Each candidate is
 * described by numbers that do not depend on the frame's units, pixel size or dose, so
 * one model can serve the frames of a microscope: z-scores, ratios to the frame's
 * typical atom, ranks, distances in Å. The history note (docs/notes/stem-count-
 * history.md) measured each of the first group alone and found none that separates the
 * labelled atoms from support features; a classifier can combine them, and the second
 * and third groups describe what the labeller saw around the blob:
 *
 *   the blob itself   the detection z; fitted amplitude, intensity and width relative
 *                     to the frame's typical atom; its shot-noise z (photon-transfer
 *                     model); the RMS fit residual in units of the pixel noise; the z
 *                     of difference-of-Gaussians bands at five scales (a compact atom
 *                     and an extended bright patch peak at different scales); the
 *                     isotropy of the Hessian at a fine and a coarse scale (streaks are
 *                     elongated); its radial profile in rings out to 6 Å, and the
 *                     spread and first two angular harmonics of the inner rings (a
 *                     blob on the flank of a patch, a streak);
 *   the local texture the atom-scale bands over their spread in the 1 nm around the
 *                     blob (contrast against the local texture), the background level
 *                     (its rank in the frame), the roughness of the atom-scale band
 *                     relative to the frame and over what shot noise alone would give;
 *   the neighbours    candidates within 3 Å, 10 Å and 2 nm, the nearest one, how many
 *                     within 3 Å are stronger and by how much (the labels never hold two
 *                     atoms closer than 2.9 Å, the detector often does), clearly
 *                     significant candidates within 10 Å, the z rank within 2 nm.
 *
 * The table FEATURES below defines each in words; model.json carries that text.
 * Every map is computed once per frame and released before the next (three frame-sized
 * maps at a time).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/grid.h"
#include "core/select.h"
#include "core/sort.h"
#include "dac/core.h"
#include "stem/count/learn_internal.h"

#define FWHM_PER_SIGMA 2.3548200450309493 /* 2·sqrt(2 ln 2) */
/* "Clearly significant": the z of the typical atom in the amplitude test (detect.c). */
#define STRONG_Z 5.0
/* Neighbour radii: 3 Å is just above the closest labelled atoms of the dev set
 * (2.9 Å, history note); 10 Å is the reach of a support patch (assumption). */
#define NEAR_A 3.0
#define FAR_A 10.0
/* Blocks of the local roughness: 1 nm, half the detector's noise block, so the
 * texture around an atom is not averaged with the texture 1 nm away (assumption). */
#define ROUGHNESS_BLOCK_A 10.0
/* Pixels sampled for frame-wide medians and ranks (a fraction of a per cent). */
#define SAMPLES 65536
/* Difference-of-Gaussians bands: band k is blur(SCALES_A[k]) − blur(SCALES_A[k+1]),
 * ratio 1.5, from below the finest atom image (σ 0.3 Å) to support patches (2–3 Å). */
static const double SCALES_A[] = {0.4, 0.6, 0.9, 1.35, 2.0, 3.0};
#define N_BANDS 5
/* The fit residual is taken within 2 atom σ of the centre (the blob's core), with every
 * fitted Gaussian that reaches it: the fits accept widths up to 3× the atom (refine.c),
 * and a Gaussian is < 0.1 % of its peak beyond 4 σ: 12 atom σ. */
#define RESIDUAL_SIGMA 2.0
#define REACH_SIGMA 12.0
#define BAND_FINE 1   /* the band of the atom image (σ ≈ 0.4–0.7 Å): roughness, isotropy */
#define BAND_COARSE 3 /* a support patch */

/* Radial profile: rings (Å) around the centre, and sectors of the inner ones. */
static const double RINGS_A[] = {0.0, 0.75, 1.5, 2.5, 4.0, 6.0};
#define N_RINGS 5
#define N_SECTORS 8
/* The neighbourhood a candidate's z is ranked in: 2 nm, the detector's noise block. */
#define LOCAL_A 20.0

enum {
    F_Z, F_AMPLITUDE, F_INTENSITY, F_WIDTH, F_SHOT_Z, F_RESIDUAL,
    F_BAND0, F_ISO_FINE = F_BAND0 + N_BANDS, F_ISO_COARSE, F_RING0,
    F_SECTORS = F_RING0 + N_RINGS, F_DIPOLE, F_QUADRUPOLE, F_LOCAL_Z_FINE, F_LOCAL_Z_MID,
    F_BG_RANK, F_ROUGHNESS, F_TEXTURE, F_N_NEAR, F_NEAREST,
    F_STRONGER_NEAR, F_Z_RATIO_NEAR, F_N_FAR, F_STRONG_FAR, F_Z_RANK_LOCAL, F_N_LOCAL,
    N_FEATURES
};

static const count_feature_def FEATURES[N_FEATURES] = {
    {"z_detect", "detection z-score of the matched filter (the statistical detector's test)", 1},
    {"amplitude_rel", "fitted Gaussian amplitude / that of the frame's typical atom (median "
                      "over its strongest tenth of candidates by z, at least 5)", 1},
    {"intensity_rel", "integrated intensity / that of the frame's typical atom", 1},
    {"width_rel", "fitted Gaussian sigma / the frame's atom sigma (free only at z >= 8)", 0},
    {"shot_z", "amplitude * sigma * sqrt(pi) / pixel noise at the local background: the "
               "blob's signal-to-noise ratio in shot noise (photon-transfer model; else the "
               "frame's pixel noise)", 1},
    {"fit_residual", "RMS of image - background - fitted Gaussians within 2 atom sigma, "
                     "over the pixel noise", 0},
    {"band_0_4A_z", "difference of Gaussians sigma 0.4 - 0.6 A at the centre over its robust "
                    "spread in the frame", 0},
    {"band_0_6A_z", "the same, sigma 0.6 - 0.9 A", 1},
    {"band_0_9A_z", "the same, sigma 0.9 - 1.35 A", 1},
    {"band_1_35A_z", "the same, sigma 1.35 - 2 A", 0},
    {"band_2A_z", "the same, sigma 2 - 3 A", 0},
    {"isotropy_0_6A", "smaller / larger Hessian eigenvalue of the 0.6 A blur at the centre "
                      "(1 round, 0 a ridge, -1 not a maximum)", 0},
    {"isotropy_1_35A", "the same at 1.35 A", 0},
    {"ring_0A_rel", "mean of image - background within 0.75 A of the centre / the typical "
                    "atom's fitted amplitude", 1},
    {"ring_0_75A_rel", "the same over 0.75 - 1.5 A", 0},
    {"ring_1_5A_rel", "the same over 1.5 - 2.5 A", 0},
    {"ring_2_5A_rel", "the same over 2.5 - 4 A", 0},
    {"ring_4A_rel", "the same over 4 - 6 A", 0},
    {"sector_spread_rel", "largest - smallest mean of image - background over 8 angular "
                          "sectors of 0.75 - 2.5 A / the typical atom's amplitude (streaks)", 0},
    {"dipole_rel", "|first angular harmonic| of image - background over 0.75 - 2.5 A / the "
                   "typical atom's amplitude (a blob on the flank of a brighter feature)", 0},
    {"quadrupole_rel", "|second angular harmonic| of the same (an elongated blob, a streak)", 0},
    {"band_0_6A_local_z", "the 0.6 - 0.9 A band at the centre / its 1.4826 MAD in the 1 nm "
                          "block around it (contrast against the local texture)", 1},
    {"band_0_9A_local_z", "the same for the 0.9 - 1.35 A band", 1},
    {"background_rank", "share of the frame's support whose smooth background is darker", 0},
    {"roughness_rel", "1.4826 MAD of the 0.6 - 0.9 A band in 1 nm blocks at the centre / its "
                      "median over the frame", 0},
    {"texture_excess", "that roughness / the band's spread from pixel noise alone", 0},
    {"n_near", "other candidates within 3 A", 0},
    {"nearest_A", "distance to the nearest other candidate, A (10 when none within 10 A)", 0},
    {"stronger_near", "candidates within 3 A with a higher z", 0},
    {"z_ratio_near", "z / the largest z within 3 A, itself included", 1},
    {"n_far", "other candidates within 10 A", 0},
    {"strong_far", "other candidates with z >= 5 within 10 A", 0},
    {"z_rank_local", "share of the other candidates within 2 nm with a lower z (1 when none)", 1},
    {"n_local", "other candidates within 2 nm", 0},
};

const count_feature_def *count_features(size_t *n)
{
    *n = N_FEATURES;
    return FEATURES;
}

/* Frame-wide facts every candidate is compared with. */
typedef struct {
    const float *img;
    size_t w, h;
    const count_detection *d;
    double px;              /* Å per pixel */
    double atom_sigma_px;
    double pixel_sigma;     /* pixel noise when the frame has no noise model */
    float *sample;          /* scratch: SAMPLES floats */
    size_t *sample_idx;     /* support pixels sampled, evenly strided */
    size_t n_sample;
} frame_ctx;

static size_t nearest_pixel(const frame_ctx *c, const dac_stem_blob *b)
{
    long x = lround(b->x_px), y = lround(b->y_px);
    x = x < 0 ? 0 : x >= (long)c->w ? (long)c->w - 1 : x;
    y = y < 0 ? 0 : y >= (long)c->h ? (long)c->h - 1 : y;
    return (size_t)y * c->w + (size_t)x;
}

/* Pixel noise σ at a background level: the photon-transfer model where there is one,
 * else the frame's. */
static double pixel_noise(const frame_ctx *c, double level)
{
    if (c->d->noise.model != COUNT_NOISE_INVALID)
        return sqrt(count_noise_variance(&c->d->noise, level));
    return c->pixel_sigma;
}

static void sample_support(frame_ctx *c)
{
    size_t n = c->w * c->h, n_in = 0;
    for (size_t i = 0; i < n; i++)
        n_in += c->d->support[i] != 0;
    size_t step = n_in > SAMPLES ? (n_in + SAMPLES - 1) / SAMPLES : 1, k = 0, m = 0;
    for (size_t i = 0; i < n && m < SAMPLES; i++)
        if (c->d->support[i] && k++ % step == 0)
            c->sample_idx[m++] = i;
    c->n_sample = m;
}

/* Median of map over the sampled support pixels (NAN when there are none). */
static double sample_median(frame_ctx *c, const float *map)
{
    size_t m = 0;
    for (size_t k = 0; k < c->n_sample; k++)
        if (isfinite(map[c->sample_idx[k]]))
            c->sample[m++] = map[c->sample_idx[k]];
    return m ? dac_select_float(c->sample, m, m / 2) : NAN;
}

/* 1.4826 MAD of map over the sampled support: σ for Gaussian data. */
static double sample_spread(frame_ctx *c, const float *map)
{
    double med = sample_median(c, map);
    size_t m = 0;
    for (size_t k = 0; k < c->n_sample; k++)
        if (isfinite(map[c->sample_idx[k]]))
            c->sample[m++] = fabsf(map[c->sample_idx[k]] - (float)med);
    return m ? 1.4826 * dac_select_float(c->sample, m, m / 2) : NAN;
}

/* White pixel noise of the frame from p − (4 neighbours)/4, whose variance is 1.25×
 * the pixel variance: smooth atoms and background hardly enter (as in noise.c). */
static double frame_pixel_sigma(frame_ctx *c, float *scratch)
{
    size_t w = c->w, h = c->h;
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            size_t i = y * w + x;
            scratch[i] = NAN;
            if (x && y && x + 1 < w && y + 1 < h)
                scratch[i] = c->img[i] - 0.25f * (c->img[i - 1] + c->img[i + 1] +
                                                  c->img[i - w] + c->img[i + w]);
        }
    return sample_spread(c, scratch) / sqrt(1.25);
}

/* Smaller over larger eigenvalue of minus the Hessian of map at pixel i: 1 for a round
 * maximum, 0 for a ridge, −1 where the point is not a maximum at all. */
static double isotropy(const frame_ctx *c, const float *map, size_t i)
{
    size_t x = i % c->w, y = i / c->w;
    if (x == 0 || y == 0 || x + 1 >= c->w || y + 1 >= c->h)
        return NAN;
    size_t w = c->w;
    double dxx = map[i - 1] - 2.0 * map[i] + map[i + 1];
    double dyy = map[i - w] - 2.0 * map[i] + map[i + w];
    double dxy = 0.25 * (map[i - w + 1] + map[i + w - 1] - map[i - w - 1] - map[i + w + 1]);
    double tr = -(dxx + dyy), det = dxx * dyy - dxy * dxy;
    double disc = sqrt(fmax(0.0, 0.25 * tr * tr - det));
    double big = 0.5 * tr + disc, small = 0.5 * tr - disc; /* eigenvalues of −H */
    if (!(big > 0))
        return -1.0;
    return small / big < -1.0 ? -1.0 : small / big;
}

/* Spread of the band blur(s1) − blur(s2) (σ in px) for white pixel noise of unit
 * variance: var = 1/(4πs1²) + 1/(4πs2²) − 2/(2π(s1² + s2²)) (Gaussian kernels
 * normalised to unit sum). */
static double band_white_gain(double s1, double s2)
{
    double v = 1.0 / (4 * DAC_PI * s1 * s1) + 1.0 / (4 * DAC_PI * s2 * s2) -
               1.0 / (DAC_PI * (s1 * s1 + s2 * s2));
    return v > 0 ? sqrt(v) : NAN;
}

/* The band features: z of each band at the centres, isotropy at two scales, and the
 * local roughness of the atom-scale band. Three frame-sized maps at a time. */
static int band_features(frame_ctx *c, float *x)
{
    size_t n = c->w * c->h, nb = c->d->n_blobs;
    float *lo = malloc(sizeof *lo * n), *hi = malloc(sizeof *hi * n);
    float *band = malloc(sizeof *band * n);
    int st = lo && hi && band ? count_blur(c->img, c->w, c->h, SCALES_A[0] / c->px, lo)
                              : dac_error(DAC_ERR_NOMEM, "stem learn: out of memory (features)");
    for (int k = 0; st == DAC_OK && k < N_BANDS; k++) {
        double s1 = SCALES_A[k] / c->px, s2 = SCALES_A[k + 1] / c->px;
        if ((st = count_blur(c->img, c->w, c->h, s2, hi)) != DAC_OK)
            break;
        for (size_t i = 0; i < n; i++)
            band[i] = lo[i] - hi[i];
        double spread = sample_spread(c, band);
        for (size_t b = 0; b < nb; b++) {
            size_t i = nearest_pixel(c, &c->d->blobs[b]);
            x[b * N_FEATURES + F_BAND0 + (size_t)k] =
                spread > 0 ? (float)(band[i] / spread) : NAN;
            if (k == BAND_FINE || k == BAND_COARSE)
                x[b * N_FEATURES + (k == BAND_FINE ? F_ISO_FINE : F_ISO_COARSE)] =
                    (float)isotropy(c, lo, i);
        }
        if (k == BAND_FINE || k == BAND_FINE + 1) {
            size_t block = (size_t)lround(ROUGHNESS_BLOCK_A / c->px);
            if ((st = count_local_mad(band, c->w, c->h, c->d->support, block, lo)) != DAC_OK)
                break;
            double med = sample_median(c, lo), gain = band_white_gain(s1, s2);
            for (size_t b = 0; b < nb; b++) {
                size_t i = nearest_pixel(c, &c->d->blobs[b]);
                float *row = x + b * N_FEATURES;
                row[k == BAND_FINE ? F_LOCAL_Z_FINE : F_LOCAL_Z_MID] =
                    lo[i] > 0 ? band[i] / lo[i] : NAN;
                if (k != BAND_FINE)
                    continue;
                double pn = pixel_noise(c, c->d->background[i]) * gain;
                row[F_ROUGHNESS] = med > 0 ? (float)(lo[i] / med) : NAN;
                row[F_TEXTURE] = pn > 0 ? (float)(lo[i] / pn) : NAN;
            }
        }
        float *t = lo; /* this band's coarse blur is the next band's fine one */
        lo = hi, hi = t;
    }
    free(lo), free(hi), free(band);
    return st;
}

static int cmp_float(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Share of the sampled support whose background is darker than at each centre. */
static int background_rank(frame_ctx *c, float *x)
{
    size_t m = c->n_sample;
    for (size_t k = 0; k < m; k++)
        c->sample[k] = c->d->background[c->sample_idx[k]];
    int st = dac_sort(c->sample, m, sizeof *c->sample, cmp_float, NULL);
    for (size_t b = 0; st == DAC_OK && b < c->d->n_blobs; b++) {
        float v = c->d->background[nearest_pixel(c, &c->d->blobs[b])];
        size_t lo = 0, hi = m; /* first sample not darker than v */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (c->sample[mid] < v)
                lo = mid + 1;
            else
                hi = mid;
        }
        x[b * N_FEATURES + F_BG_RANK] = m ? (float)((double)lo / (double)m) : NAN;
    }
    return st;
}

static int by_snr_desc(const void *a, const void *b, void *ctx)
{
    const dac_stem_blob *x = a, *y = b;
    (void)ctx;
    return (x->snr < y->snr) - (x->snr > y->snr);
}

/* The frame's typical atom: medians of amplitude and intensity over its strongest
 * candidates, the tenth of them with the highest z and at least five (NAN below five
 * candidates: nothing typical to compare with). Not "z ≥ 5", as the detector's
 * amplitude test: at high dose every bump of the support has z ≥ 5, and the median
 * would then measure the support, differently on every frame. */
static void typical_atom(const count_detection *d, double *amp, double *inten)
{
    size_t n = d->n_blobs, m = n / 10 > 5 ? n / 10 : 5;
    dac_stem_blob *b = n >= 5 ? malloc(sizeof *b * n) : NULL;
    float *a = b ? malloc(sizeof *a * m) : NULL, *s = b ? malloc(sizeof *s * m) : NULL;
    *amp = *inten = NAN;
    if (a && s) {
        memcpy(b, d->blobs, sizeof *b * n);
        if (dac_sort(b, n, sizeof *b, by_snr_desc, NULL) == DAC_OK) {
            for (size_t i = 0; i < m; i++)
                a[i] = (float)b[i].amplitude, s[i] = (float)b[i].intensity;
            *amp = dac_select_float(a, m, m / 2);
            *inten = dac_select_float(s, m, m / 2);
        }
    }
    free(b), free(a), free(s);
}

typedef struct {
    const dac_stem_blob *blobs;
    size_t self;
    double near_px2, far_px2, nearest2, max_z_near;
    size_t n_near, n_far, stronger, strong_far, n_local, lower_local;
} nb_ctx;

static int visit_neighbour(const dac_grid_hit *hit, void *ud)
{
    nb_ctx *v = ud;
    const dac_stem_blob *o = &v->blobs[hit->index], *me = &v->blobs[v->self];
    v->n_local++;
    v->lower_local += o->snr < me->snr;
    if (hit->d2 > v->far_px2)
        return 0;
    v->n_far++;
    v->strong_far += o->snr >= STRONG_Z;
    v->nearest2 = hit->d2 < v->nearest2 ? hit->d2 : v->nearest2;
    if (hit->d2 <= v->near_px2) {
        v->n_near++;
        v->stronger += o->snr > me->snr;
        v->max_z_near = o->snr > v->max_z_near ? o->snr : v->max_z_near;
    }
    return 0;
}

static double gauss(const dac_stem_blob *b, double x, double y)
{
    double dx = x - b->x_px, dy = y - b->y_px, s = b->sigma_px > 0 ? b->sigma_px : 1;
    return b->amplitude * exp(-(dx * dx + dy * dy) / (2 * s * s));
}

typedef struct {
    const dac_stem_blob *blobs;
    size_t *list;
    size_t n, cap;
} collect_ctx;

static int collect(const dac_grid_hit *hit, void *ud)
{
    collect_ctx *c = ud;
    if (c->n == c->cap) {
        size_t *l = realloc(c->list, sizeof *l * (c->cap = c->cap ? 2 * c->cap : 16));
        if (!l)
            return 1;
        c->list = l;
    }
    c->list[c->n++] = hit->index;
    return 0;
}

/* RMS of image − background − every fitted Gaussian within 2 atom σ of blob b,
 * over the pixel noise there. */
static double fit_residual(const frame_ctx *c, const dac_grid *g, size_t b, collect_ctx *cc)
{
    const dac_stem_blob *me = &c->d->blobs[b];
    double r = RESIDUAL_SIGMA * c->atom_sigma_px, reach = (RESIDUAL_SIGMA + REACH_SIGMA) * c->atom_sigma_px;
    cc->n = 0;
    double q[2] = {me->x_px, me->y_px};
    if (dac_grid_query(g, q, reach, collect, cc) != 0)
        return NAN;
    double ss = 0;
    size_t m = 0;
    for (long y = (long)floor(me->y_px - r); y <= (long)ceil(me->y_px + r); y++)
        for (long x = (long)floor(me->x_px - r); x <= (long)ceil(me->x_px + r); x++) {
            double dx = (double)x - me->x_px, dy = (double)y - me->y_px;
            if (x < 0 || y < 0 || x >= (long)c->w || y >= (long)c->h || dx * dx + dy * dy > r * r)
                continue;
            size_t i = (size_t)y * c->w + (size_t)x;
            double v = c->img[i] - c->d->background[i];
            for (size_t k = 0; k < cc->n; k++)
                v -= gauss(&c->d->blobs[cc->list[k]], (double)x, (double)y);
            ss += v * v;
            m++;
        }
    double pn = pixel_noise(c, c->d->background[nearest_pixel(c, me)]);
    return m && pn > 0 ? sqrt(ss / (double)m) / pn : NAN;
}

/* Mean of image − background in rings around the centre, and the spread of the means
 * of angular sectors of the inner rings, in units of the typical atom's amplitude. */
static void radial_profile(const frame_ctx *c, const dac_stem_blob *b, double amp0, float *row)
{
    double sum[N_RINGS] = {0}, sec[N_SECTORS] = {0}, h1[2] = {0}, h2[2] = {0};
    size_t nh = 0;
    size_t cnt[N_RINGS] = {0}, scnt[N_SECTORS] = {0};
    double rmax = RINGS_A[N_RINGS] / c->px;
    for (long y = (long)floor(b->y_px - rmax); y <= (long)ceil(b->y_px + rmax); y++)
        for (long x = (long)floor(b->x_px - rmax); x <= (long)ceil(b->x_px + rmax); x++) {
            if (x < 0 || y < 0 || x >= (long)c->w || y >= (long)c->h)
                continue;
            double dx = (double)x - b->x_px, dy = (double)y - b->y_px;
            double r = sqrt(dx * dx + dy * dy) * c->px;
            size_t i = (size_t)y * c->w + (size_t)x;
            double v = c->img[i] - c->d->background[i];
            for (int k = 0; k < N_RINGS; k++)
                if (r >= RINGS_A[k] && r < RINGS_A[k + 1])
                    sum[k] += v, cnt[k]++;
            if (r >= RINGS_A[1] && r < RINGS_A[3]) {
                double phi = atan2(dy, dx);
                int s = (int)floor((phi + DAC_PI) / (2 * DAC_PI) * N_SECTORS);
                s = s < 0 ? 0 : s >= N_SECTORS ? N_SECTORS - 1 : s;
                sec[s] += v, scnt[s]++;
                h1[0] += v * cos(phi), h1[1] += v * sin(phi);
                h2[0] += v * cos(2 * phi), h2[1] += v * sin(2 * phi);
                nh++;
            }
        }
    for (int k = 0; k < N_RINGS; k++)
        row[F_RING0 + k] = cnt[k] ? (float)(sum[k] / (double)cnt[k] / amp0) : NAN;
    double lo = INFINITY, hi = -INFINITY;
    for (int s = 0; s < N_SECTORS; s++)
        if (scnt[s]) {
            double m = sec[s] / (double)scnt[s];
            lo = m < lo ? m : lo, hi = m > hi ? m : hi;
        }
    row[F_SECTORS] = hi >= lo ? (float)((hi - lo) / amp0) : NAN;
    row[F_DIPOLE] = nh ? (float)(2.0 * hypot(h1[0], h1[1]) / (double)nh / amp0) : NAN;
    row[F_QUADRUPOLE] = nh ? (float)(2.0 * hypot(h2[0], h2[1]) / (double)nh / amp0) : NAN;
}

/* The blob's own numbers, its fit residual, its radial profile and its neighbours. */
static int blob_features(const frame_ctx *c, float *x)
{
    const count_detection *d = c->d;
    size_t nb = d->n_blobs;
    double amp0, int0;
    typical_atom(d, &amp0, &int0);
    double *xy = malloc(sizeof *xy * 2 * (nb ? nb : 1));
    dac_grid *g = NULL;
    double far_px = FAR_A / c->px, reach = (RESIDUAL_SIGMA + REACH_SIGMA) * c->atom_sigma_px;
    for (size_t i = 0; xy && i < nb; i++)
        xy[2 * i] = d->blobs[i].x_px, xy[2 * i + 1] = d->blobs[i].y_px;
    int st = xy ? dac_grid_create(2, xy, nb, NULL, NULL, fmax(LOCAL_A / c->px, reach), &g)
                : dac_error(DAC_ERR_NOMEM, "stem learn: out of memory (features)");
    free(xy);
    collect_ctx cc = {d->blobs, NULL, 0, 0};
    for (size_t i = 0; st == DAC_OK && i < nb; i++) {
        const dac_stem_blob *b = &d->blobs[i];
        float *row = x + i * N_FEATURES;
        double level = d->background[nearest_pixel(c, b)], pn = pixel_noise(c, level);
        row[F_Z] = (float)b->snr;
        row[F_AMPLITUDE] = (float)(b->amplitude / amp0);
        row[F_INTENSITY] = (float)(b->intensity / int0);
        row[F_WIDTH] = (float)(b->sigma_px / c->atom_sigma_px);
        row[F_SHOT_Z] = pn > 0 ? (float)(b->amplitude * b->sigma_px * sqrt(DAC_PI) / pn) : NAN;
        row[F_RESIDUAL] = (float)fit_residual(c, g, i, &cc);
        nb_ctx v = {d->blobs, i, pow(NEAR_A / c->px, 2), far_px * far_px, INFINITY, b->snr,
                    0, 0, 0, 0, 0, 0};
        if (dac_grid_neighbors(g, i, LOCAL_A / c->px, visit_neighbour, &v) != 0) {
            st = dac_error(DAC_ERR_NOMEM, "stem learn: out of memory (neighbours)");
            break;
        }
        row[F_N_NEAR] = (float)v.n_near;
        row[F_NEAREST] = (float)(isfinite(v.nearest2) ? sqrt(v.nearest2) * c->px : FAR_A);
        row[F_STRONGER_NEAR] = (float)v.stronger;
        row[F_Z_RATIO_NEAR] = (float)(b->snr / v.max_z_near);
        row[F_N_FAR] = (float)v.n_far;
        row[F_STRONG_FAR] = (float)v.strong_far;
        row[F_Z_RANK_LOCAL] = v.n_local ? (float)((double)v.lower_local / (double)v.n_local) : 1.0f;
        row[F_N_LOCAL] = (float)v.n_local;
        radial_profile(c, b, amp0, row);
    }
    free(cc.list);
    dac_grid_free(g);
    return st;
}

int count_features_compute(const float *img, size_t w, size_t h, const count_detection *d,
                           const dac_stem_count_params *p, float *x)
{
    if (d->n_blobs == 0)
        return DAC_OK;
    if (!d->background || !d->support)
        return dac_error(DAC_ERR_USAGE, "stem learn: features need the detection's maps");
    frame_ctx c = {img, w, h, d, p->pixel_A, 0, 0, NULL, NULL, 0};
    double fwhm = isfinite(d->atom_fwhm_A) && d->atom_fwhm_A > 0 ? d->atom_fwhm_A : p->probe_fwhm_A;
    c.atom_sigma_px = fwhm / FWHM_PER_SIGMA / p->pixel_A;
    c.sample = malloc(sizeof *c.sample * SAMPLES);
    c.sample_idx = malloc(sizeof *c.sample_idx * SAMPLES);
    float *scratch = malloc(sizeof *scratch * w * h);
    int st = c.sample && c.sample_idx && scratch
                 ? DAC_OK : dac_error(DAC_ERR_NOMEM, "stem learn: out of memory (features)");
    if (st == DAC_OK) {
        sample_support(&c);
        c.pixel_sigma = frame_pixel_sigma(&c, scratch);
    }
    free(scratch);
    if (st == DAC_OK)
        st = blob_features(&c, x);
    if (st == DAC_OK)
        st = band_features(&c, x);
    if (st == DAC_OK)
        st = background_rank(&c, x);
    free(c.sample), free(c.sample_idx);
    return st;
}

typedef struct {
    const float *prob;
} merge_ctx;

static int by_prob_desc(const void *a, const void *b, void *ctx)
{
    const float *p = ((const merge_ctx *)ctx)->prob;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (p[i] != p[j])
        return p[i] < p[j] ? 1 : -1;
    return (i > j) - (i < j);
}

size_t count_merge_groups(const double *xy, const float *prob, size_t n, double r_px,
                          size_t *order, size_t *head)
{
    for (size_t i = 0; i < n; i++)
        order[i] = head[i] = i;
    if (!(r_px > 0))
        return n;
    merge_ctx mc = {prob};
    if (dac_sort(order, n, sizeof *order, by_prob_desc, &mc) != DAC_OK)
        dac_error_clear(); /* out of memory: index order, still a valid grouping */
    size_t n_heads = 0; /* the heads, strongest first, are order[0 .. n_heads) */
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k], j = 0;
        for (; j < n_heads; j++) {
            size_t h = order[j];
            double dx = xy[2 * i] - xy[2 * h], dy = xy[2 * i + 1] - xy[2 * h + 1];
            if (dx * dx + dy * dy < r_px * r_px)
                break;
        }
        if (j < n_heads) {
            head[i] = order[j];
        } else {
            order[n_heads++] = i; /* k ≥ n_heads: order[k] is already read */
        }
    }
    return n_heads;
}

int count_candidates(const float *img, size_t w, size_t h, const unsigned char *support,
                     const dac_stem_count_params *p, const count_candidate_params *cp,
                     count_detection **det, float **x)
{
    *det = NULL, *x = NULL;
    dac_stem_count_params q = *p;
    q.false_alarms_per_nm2 = cp->false_alarms_per_nm2;
    q.min_atom_fraction = cp->min_atom_fraction;
    int st = count_detect(img, w, h, support, &q, det);
    if (st != DAC_OK)
        return st;
    size_t n = (*det)->n_blobs;
    *x = malloc(sizeof **x * N_FEATURES * (n ? n : 1));
    st = *x ? count_features_compute(img, w, h, *det, &q, *x)
            : dac_error(DAC_ERR_NOMEM, "stem learn: out of memory (%zu candidates)", n);
    if (st != DAC_OK) {
        count_detection_free(*det), free(*x);
        *det = NULL, *x = NULL;
    }
    return st;
}

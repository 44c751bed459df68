/*
 * count_background.c — the smooth background, the support mask and the local noise
 * level that the atom detector in count_detect.c stands on.
 *
 * Why these choices: real supports are thick and uneven, so the background varies
 * more than an atom's signal (docs/science.md §3). A Gaussian of a few Å to nm follows the
 * support's thickness but not an atom (an atom of FWHM ≈ 0.8 Å loses < 2 % of its
 * amplitude to a background of σ = 8 Å). Near a vacuum edge a plain convolution would
 * smear the bright support into the vacuum and produce a ridge of false detections;
 * a normalised convolution inside each class (support, vacuum) keeps the edge sharp.
 * The noise is estimated by a median absolute deviation per block because atoms and
 * support texture are outliers a standard deviation would count as noise.
 *
 * Large Gaussians are done on a block-mean pyramid level (exact enough for a smooth
 * background, and O(pixels) — needed for the 4096² benchmark).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/parallel.h"
#include "core/select.h"
#include "dac/core.h"
#include "stem/count/count_internal.h"

/* Mirrored index into [0, n): …2 1 0 | 0 1 2 … n−1 | n−1 n−2 …. The reflection has
 * period 2n, so any i maps in O(1), however far the kernel reaches past the row. */
static size_t mirror(long i, long n)
{
    long p = 2 * n;
    i %= p;
    if (i < 0)
        i += p;
    return (size_t)(i < n ? i : p - i - 1);
}

static float *gauss_kernel(double sigma, long *radius)
{
    long r = (long)ceil(3.0 * sigma); /* 3σ: the truncated tails hold 0.3 % of the weight */
    if (r < 1)
        r = 1;
    float *k = malloc(sizeof *k * (size_t)(2 * r + 1));
    if (!k)
        return NULL;
    double sum = 0;
    for (long i = -r; i <= r; i++) {
        double v = exp(-0.5 * (double)(i * i) / (sigma * sigma));
        k[i + r] = (float)v;
        sum += v;
    }
    for (long i = 0; i <= 2 * r; i++)
        k[i] = (float)(k[i] / sum);
    *radius = r;
    return k;
}

/* out[x] = Σ_j k[j]·src[j][x] over n taps, summed in tap order from 0. Pixels go in
 * chunks of 16 whose sums stay in registers while the taps stream past: one store per
 * pixel instead of one load and store per tap. Written with GCC's vector types: the
 * auto-vectoriser keeps the sums in memory at -O2 and splits the taps into scalar pairs
 * at -O3 (2× slower than this). On x86-64 Linux the function is also built for AVX2
 * and chosen at load time (8 lanes per instruction instead of 4). Each lane is the same
 * multiply and add, in the same order, as the scalar loop (ISO C mode: no fused
 * multiply-add), so every build gives the same bits. */
typedef float v8f __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));
enum { TAP_CHUNK = 16 };

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(DAC_NO_CLONES)
__attribute__((target_clones("avx2", "default")))
#endif
static void sum_taps(const float *const *src, const float *k, long n, size_t w,
                     float *restrict out)
{
    size_t x = 0;
    for (; x + TAP_CHUNK <= w; x += TAP_CHUNK) {
        v8f a0 = {0}, a1 = {0}, s0, s1;
        for (long j = 0; j < n; j++) {
            const float *s = src[j] + x;
            v8f kj = {k[j], k[j], k[j], k[j], k[j], k[j], k[j], k[j]};
            memcpy(&s0, s, sizeof s0);
            memcpy(&s1, s + 8, sizeof s1);
            a0 += kj * s0;
            a1 += kj * s1;
        }
        memcpy(out + x, &a0, sizeof a0);
        memcpy(out + x + 8, &a1, sizeof a1);
    }
    for (; x < w; x++) {
        float acc = 0;
        for (long j = 0; j < n; j++)
            acc += k[j] * src[j][x];
        out[x] = acc;
    }
}

/* One row of the horizontal pass. The interior pixels, whose taps all fall inside the
 * row, read the row itself (tap[j] = row + j − r); the r pixels at either end read a
 * short line of the row's ends with r mirrored pixels beyond each (only those need
 * the mirror's division). line holds 6r floats. */
static void blur_row(const float *row, size_t w, const float *k, long r, float *line,
                     const float **tap, float *restrict o)
{
    long n = (long)w;
    if (n <= 4 * r) { /* a short row: all of it through the mirrored line */
        for (long i = -r; i < n + r; i++)
            line[i + r] = row[mirror(i, n)];
        for (long j = 0; j <= 2 * r; j++)
            tap[j] = line + j;
        sum_taps(tap, k, 2 * r + 1, w, o);
        return;
    }
    for (long j = 0; j <= 2 * r; j++)
        tap[j] = row + j; /* output x = r + i reads row[i … i + 2r] */
    sum_taps(tap, k, 2 * r + 1, (size_t)(n - 2 * r), o + r);
    for (long i = -r; i < 2 * r; i++) /* left: pixels −r … 2r − 1 */
        line[i + r] = row[mirror(i, n)];
    for (long i = n - 2 * r; i < n + r; i++) /* right: pixels n − 2r … n + r − 1 */
        line[3 * r + (i - (n - 2 * r))] = row[mirror(i, n)];
    for (long j = 0; j <= 2 * r; j++)
        tap[j] = line + j;
    sum_taps(tap, k, 2 * r + 1, (size_t)r, o); /* output 0 … r − 1 */
    for (long j = 0; j <= 2 * r; j++)
        tap[j] = line + 3 * r + j;
    sum_taps(tap, k, 2 * r + 1, (size_t)r, o + n - r); /* output n − r … n − 1 */
}

/* Direct separable convolution; fine for σ up to a few pixels. The horizontal pass is
 * kept for 2r + 1 rows only, in a ring indexed by row number modulo 2r + 1 (the rows
 * one output row needs are 2r + 1 consecutive ones, or fewer at the mirrored edges, so
 * they never share a slot): 350 kB instead of a second full image, which on a 4096²
 * frame was 64 MB of fresh pages to fault in, and the rows are read while still in
 * cache. Each output pixel sums its taps in the same order as a full two-pass blur. */
static int blur_direct(const float *in, size_t w, size_t h, double sigma, float *out)
{
    long r = 1;
    float *k = gauss_kernel(sigma, &r);
    size_t slots = (size_t)(2 * r + 1);
    float *ring = malloc(sizeof *ring * w * slots);
    long *held = malloc(sizeof *held * slots);
    float *line = malloc(sizeof *line * 6 * (size_t)r);
    const float **tap = malloc(sizeof *tap * slots);
    if (!k || !ring || !held || !line || !tap) {
        free(k), free(ring), free(held), free(line), free(tap);
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory in blur (%zux%zu)", w, h);
    }
    for (size_t i = 0; i < slots; i++)
        held[i] = -1;
    for (size_t y = 0; y < h; y++) {
        for (long j = -r; j <= r; j++) {
            size_t row = mirror((long)y + j, (long)h), slot = row % slots;
            if (held[slot] != (long)row) {
                blur_row(in + row * w, w, k, r, line, tap, ring + slot * w);
                held[slot] = (long)row;
            }
        }
        for (long j = -r; j <= r; j++)
            tap[j + r] = ring + (mirror((long)y + j, (long)h) % slots) * w;
        sum_taps(tap, k, 2 * r + 1, w, out + y * w);
    }
    free(k), free(ring), free(held), free(line), free(tap);
    return DAC_OK;
}

/* srow[bx] += the sum of row's b columns of block bx, for the first `full` blocks. */
static inline void add_block_sums(const float *restrict row, size_t full, size_t b,
                                  float *restrict srow)
{
    size_t bx = 0;
#if defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector)
    /* b = 3 (the 2 Å background at 0.2 Å pixels): four blocks from three vectors, the
     * columns dealt out by shuffles, then ((0 + first) + second) + third per block as
     * in the loop below. */
    for (; b == 3 && bx + 4 <= full; bx += 4) {
        v4f a, c, d, s4;
        memcpy(&a, row + 3 * bx, sizeof a);
        memcpy(&c, row + 3 * bx + 4, sizeof c);
        memcpy(&d, row + 3 * bx + 8, sizeof d);
        v4f t0 = __builtin_shufflevector(a, c, 0, 3, 6, 7);
        v4f t1 = __builtin_shufflevector(a, c, 1, 4, 7, 7);
        v4f t2 = __builtin_shufflevector(a, c, 2, 5, 5, 5);
        v4f first = __builtin_shufflevector(t0, d, 0, 1, 2, 5);
        v4f second = __builtin_shufflevector(t1, d, 0, 1, 2, 6);
        v4f third = __builtin_shufflevector(t2, d, 0, 1, 4, 7);
        v4f zero = {0, 0, 0, 0};
        memcpy(&s4, srow + bx, sizeof s4);
        s4 += ((zero + first) + second) + third;
        memcpy(srow + bx, &s4, sizeof s4);
    }
#endif
#endif
    for (size_t q = bx; q < full; q++) {
        float acc = 0;
        for (size_t i = 0; i < b; i++)
            acc += row[q * b + i];
        srow[q] += acc;
    }
}

/* Block means of size b (edge blocks average what they have). Each block's sum adds,
 * row by row, the row's sum over the block's columns. */
static float *block_mean(const float *in, size_t w, size_t h, size_t b, size_t *sw, size_t *sh)
{
    *sw = (w + b - 1) / b;
    *sh = (h + b - 1) / b;
    float *s = calloc(*sw * *sh, sizeof *s);
    if (!s)
        return NULL;
    size_t full = w / b; /* blocks with all b columns */
    for (size_t y = 0; y < h; y++) {
        float *srow = s + (y / b) * *sw;
        const float *row = in + y * w;
        /* The usual small blocks with b known to the compiler (unrolled, vectorised). */
        if (b == 2)
            add_block_sums(row, full, 2, srow);
        else if (b == 3)
            add_block_sums(row, full, 3, srow);
        else if (b == 4)
            add_block_sums(row, full, 4, srow);
        else
            add_block_sums(row, full, b, srow);
        if (full < *sw) {
            float acc = 0;
            for (size_t x = full * b; x < w; x++)
                acc += row[x];
            srow[full] += acc;
        }
    }
    for (size_t by = 0; by < *sh; by++) {
        size_t ny = (by + 1) * b <= h ? b : h - by * b;
        for (size_t bx = 0; bx < *sw; bx++) {
            size_t nx = (bx + 1) * b <= w ? b : w - bx * b;
            s[by * *sw + bx] /= (float)(nx * ny);
        }
    }
    return s;
}

/* Bilinear interpolation of a grid whose node (i, j) sits at pixel ((i+0.5)b−0.5, …);
 * clamped at the borders. Each node row is interpolated along x once (two rows are
 * kept) and every output row is a blend of the two: b output rows share a pair, so the
 * gathers run once per node row instead of twice per pixel, and the blend vectorises.
 * The arithmetic per pixel is the same as interpolating pixel by pixel. */
static void interpolate_row(const float *r, const size_t *xa, const float *fx, size_t w,
                            float *out)
{
    for (size_t x = 0; x < w; x++)
        out[x] = r[xa[2 * x]] + fx[x] * (r[xa[2 * x + 1]] - r[xa[2 * x]]);
}

static void upsample(const float *s, size_t sw, size_t sh, size_t b, size_t w, size_t h, float *out)
{
    size_t *xa = malloc(sizeof *xa * w * 2);
    float *fx = malloc(sizeof *fx * w), *rows = malloc(sizeof *rows * w * 2);
    if (!xa || !fx || !rows) { /* fall back to nearest node: still a valid smooth-ish estimate */
        for (size_t y = 0; y < h; y++)
            for (size_t x = 0; x < w; x++)
                out[y * w + x] = s[(y / b < sh ? y / b : sh - 1) * sw + (x / b < sw ? x / b : sw - 1)];
        free(xa), free(fx), free(rows);
        return;
    }
    for (size_t x = 0; x < w; x++) {
        double gx = ((double)x + 0.5) / (double)b - 0.5;
        long x0 = (long)floor(gx);
        double f = gx - (double)x0;
        if (x0 < 0)
            x0 = 0, f = 0;
        if (x0 >= (long)sw - 1)
            x0 = (long)sw - 1, f = 0;
        xa[2 * x] = (size_t)x0;
        xa[2 * x + 1] = x0 + 1 < (long)sw ? (size_t)x0 + 1 : (size_t)x0;
        fx[x] = (float)f;
    }
    float *cur = rows, *next = rows + w; /* node row `made` along x, and the one after */
    long made = -1;
    for (size_t y = 0; y < h; y++) {
        double gy = ((double)y + 0.5) / (double)b - 0.5;
        long y0 = (long)floor(gy);
        float fy = (float)(gy - (double)y0);
        if (y0 < 0)
            y0 = 0, fy = 0;
        if (y0 >= (long)sh - 1)
            y0 = (long)sh - 1, fy = 0;
        if (y0 != made) {
            long y1 = y0 + 1 < (long)sh ? y0 + 1 : y0;
            if (made >= 0 && y0 == made + 1 && y0 + 1 < (long)sh) { /* the old next row */
                float *t = cur;
                cur = next, next = t;
            } else {
                interpolate_row(s + (size_t)y0 * sw, xa, fx, w, cur);
            }
            interpolate_row(s + (size_t)y1 * sw, xa, fx, w, next);
            made = y0;
        }
        const float *restrict a = cur, *restrict c = next;
        float *restrict o = out + y * w;
        DAC_OMP(simd)
        for (size_t x = 0; x < w; x++)
            o[x] = a[x] + fy * (c[x] - a[x]);
    }
    free(xa), free(fx), free(rows);
}

int count_blur(const float *in, size_t w, size_t h, double sigma_px, float *out)
{
    if (!in || !out || w == 0 || h == 0 || !(sigma_px > 0))
        return dac_error(DAC_ERR_USAGE, "stem count blur: empty image or sigma <= 0");
    /* Above σ ≈ 6 px, blur a block-mean level: the box of side b adds b²/12 to the
     * variance, which we subtract so the total stays σ². */
    size_t b = sigma_px > 6 ? (size_t)(sigma_px / 3) : 1;
    if (b <= 1 || w < 4 * b || h < 4 * b)
        return blur_direct(in, w, h, sigma_px, out);
    size_t sw, sh;
    float *s = block_mean(in, w, h, b, &sw, &sh);
    float *sb = s ? malloc(sizeof *sb * sw * sh) : NULL;
    if (!sb) {
        free(s);
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory in blur");
    }
    double var = sigma_px * sigma_px - (double)(b * b) / 12.0;
    int st = blur_direct(s, sw, sh, sqrt(var) / (double)b, sb);
    if (st == DAC_OK)
        upsample(sb, sw, sh, b, w, h, out);
    free(s), free(sb);
    return st;
}

int count_background(const float *img, size_t w, size_t h, const unsigned char *mask,
                              double sigma_px, float *out)
{
    size_t n = w * h, n_in = 0;
    for (size_t i = 0; mask && i < n; i++)
        n_in += mask[i] != 0;
    if (!mask || n_in == n) /* all support: the normalised convolution is a plain one */
        return count_blur(img, w, h, sigma_px, out);
    /* Three frame-sized buffers: the blurred indicator goes where the masked image was
     * once that is blurred. */
    float *num = malloc(sizeof *num * n), *den = malloc(sizeof *den * n);
    float *bn = malloc(sizeof *bn * n), *bd = num;
    int st = (num && den && bn) ? DAC_OK
                                : dac_error(DAC_ERR_NOMEM, "stem count: out of memory (background)");
    /* Two passes: class 1 (support) then class 0 (vacuum), each normalised by the
     * blurred indicator of its own class. */
    for (int cls = 1; cls >= 0 && st == DAC_OK; cls--) {
        for (size_t i = 0; i < n; i++) {
            int in = (mask[i] != 0) == cls;
            num[i] = in ? img[i] : 0.0f;
            den[i] = in ? 1.0f : 0.0f;
        }
        st = count_blur(num, w, h, sigma_px, bn);
        if (st == DAC_OK)
            st = count_blur(den, w, h, sigma_px, bd);
        for (size_t i = 0; st == DAC_OK && i < n; i++)
            if ((mask[i] != 0) == cls)
                out[i] = bd[i] > 1e-6f ? bn[i] / bd[i] : img[i];
    }
    free(num), free(den), free(bn);
    return st;
}

/* Fills blocks with too few pixels (NaN) from valid neighbours, growing outwards. */
static void fill_holes(float *g, size_t gw, size_t gh)
{
    int any_valid = 0;
    for (size_t i = 0; i < gw * gh; i++)
        any_valid |= !isnan(g[i]);
    if (!any_valid) {
        for (size_t i = 0; i < gw * gh; i++)
            g[i] = 0;
        return;
    }
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t y = 0; y < gh; y++)
            for (size_t x = 0; x < gw; x++) {
                if (!isnan(g[y * gw + x]))
                    continue;
                double s = 0;
                int c = 0;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        long yy = (long)y + dy, xx = (long)x + dx;
                        if (yy < 0 || xx < 0 || yy >= (long)gh || xx >= (long)gw)
                            continue;
                        float v = g[(size_t)yy * gw + (size_t)xx];
                        if (!isnan(v) && v >= 0) {
                            s += v;
                            c++;
                        }
                    }
                if (c) {
                    g[y * gw + x] = (float)-(s / c) - 1.0f; /* mark as new this sweep */
                    changed = 1;
                }
            }
        for (size_t i = 0; i < gw * gh; i++)
            if (!isnan(g[i]) && g[i] < 0)
                g[i] = -(g[i] + 1.0f);
    }
}

int count_local_mad(const float *in, size_t w, size_t h, const unsigned char *mask,
                             size_t block, float *out)
{
    if (block < 4)
        block = 4;
    size_t gw = (w + block - 1) / block, gh = (h + block - 1) / block;
    float *g = malloc(sizeof *g * gw * gh);
    float *buf = malloc(sizeof *buf * block * block);
    if (!g || !buf) {
        free(g), free(buf);
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (noise map)");
    }
    for (size_t by = 0; by < gh; by++)
        for (size_t bx = 0; bx < gw; bx++) {
            /* Large blocks are subsampled 2×2: ≥ 256 values still pin the median to a
             * few % and the block costs a quarter. */
            size_t m = 0, st = block >= 32 ? 2 : 1;
            for (size_t y = by * block; y < h && y < (by + 1) * block; y += st)
                for (size_t x = bx * block; x < w && x < (bx + 1) * block; x += st)
                    if (!mask || mask[y * w + x])
                        buf[m++] = in[y * w + x];
            if (m < 16 / st) {
                g[by * gw + bx] = NAN;
                continue;
            }
            float med = dac_select_float(buf, m, m / 2);
            for (size_t i = 0; i < m; i++)
                buf[i] = fabsf(buf[i] - med);
            /* 1.4826 makes the MAD a consistent estimator of σ for Gaussian noise. */
            g[by * gw + bx] = 1.4826f * dac_select_float(buf, m, m / 2);
        }
    fill_holes(g, gw, gh);
    upsample(g, gw, gh, block, w, h, out);
    free(g), free(buf);
    return DAC_OK;
}

/* Robust separation of two classes split at t (below: vacuum): the difference of their
 * medians over 1.4826·(MAD₀ + MAD₁). At least ROBUST_GAP: frames with a vacuum edge
 * measure 5.5–10.5, frames without one and the dev images (vacuum grading into thin
 * support) ≤ 2.8 (issue 10; assumption with that margin). */
#define ROBUST_GAP 4.0

static void class_median_mad(float *v, size_t m, double *med, double *mad)
{
    *med = dac_select_float(v, m, m / 2);
    for (size_t i = 0; i < m; i++)
        v[i] = fabsf(v[i] - (float)*med);
    *mad = 1.4826 * dac_select_float(v, m, m / 2);
}

/* The classes' medians are read from a regular grid of at most ROBUST_GAP_SAMPLE pixels:
 * bg is the background blurred over σ_bg (several pixels), so neighbouring pixels repeat
 * each other, and the median of 2^20 samples is within ≈ 1.25/√2^20 ≈ 0.001 MAD of the
 * whole class's — nothing against the margin around ROBUST_GAP. On a 4096² frame the
 * exact medians of 16.7 M pixels were 9 % of the whole count's CPU time; frames up to
 * 1024² (every test frame, the dev images) are still read whole. */
#define ROBUST_GAP_SAMPLE ((size_t)1 << 20)

static int robust_gap(const float *bg, size_t w, size_t h, float t, double *gap)
{
    size_t step = 1;
    while (((w + step - 1) / step) * ((h + step - 1) / step) > ROBUST_GAP_SAMPLE)
        step++;
    size_t n = ((w + step - 1) / step) * ((h + step - 1) / step);
    float *v = malloc(sizeof *v * n);
    if (!v)
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (support mask)");
    size_t n0 = 0, n1 = n;
    for (size_t y = 0; y < h; y += step) /* vacuum from the front, support from the back */
        for (size_t x = 0; x < w; x += step) {
            float b = bg[y * w + x];
            if (b < t)
                v[n0++] = b;
            else
                v[--n1] = b;
        }
    double md0 = 0, md1 = 0, s0 = 0, s1 = 0;
    *gap = 0;
    if (n0 > 0 && n1 < n) {
        class_median_mad(v, n0, &md0, &s0);
        class_median_mad(v + n1, n - n1, &md1, &s1);
        *gap = s0 + s1 > 0 ? (md1 - md0) / (s0 + s1) : INFINITY;
    }
    free(v);
    return DAC_OK;
}

int count_support_auto(const float *bg, size_t w, size_t h, unsigned char *mask)
{
    size_t n = w * h;
    float lo = FLT_MAX, hi = -FLT_MAX;
    for (size_t i = 0; i < n; i++) {
        lo = bg[i] < lo ? bg[i] : lo;
        hi = bg[i] > hi ? bg[i] : hi;
    }
    memset(mask, 1, n);
    if (!(hi > lo))
        return DAC_OK;
    enum { NB = 256, LANES = 4 };
    /* Counted in LANES interleaved integer histograms: a smooth background puts run
     * after run of pixels in one bin, and a single array made each count wait for the
     * one before it. The counts are exact either way. */
    size_t lane[LANES][NB] = {{0}};
    double hist[NB] = {0};
    for (size_t i = 0; i < n; i++) {
        int b = (int)((bg[i] - lo) / (hi - lo) * (NB - 1));
        lane[i % LANES][b]++;
    }
    for (int b = 0; b < NB; b++)
        for (int l = 0; l < LANES; l++)
            hist[b] += (double)lane[l][b];
    /* Otsu: the split maximising between-class variance. */
    double total = 0, sum = 0;
    for (int b = 0; b < NB; b++) {
        total += hist[b];
        sum += b * hist[b];
    }
    double mean = sum / total, var = 0;
    for (int b = 0; b < NB; b++)
        var += hist[b] * (b - mean) * (b - mean);
    var /= total;
    double w0 = 0, s0 = 0, best = -1;
    int cut = 0;
    for (int b = 0; b < NB - 1; b++) {
        w0 += hist[b];
        s0 += b * hist[b];
        if (w0 == 0 || w0 == total)
            continue;
        double m0 = s0 / w0, m1 = (sum - s0) / (total - w0);
        double between = w0 * (total - w0) * (m0 - m1) * (m0 - m1) / (total * total);
        if (between > best) {
            best = between;
            cut = b;
        }
    }
    /* A clear two-class split with a vacuum class that is large enough to matter (≥ 2 %
     * of the frame) and dark: its mean below half way between the darkest value and the
     * support's mean. Clear means either η = between/total variance ≥ 0.8, as for a
     * bimodal histogram of two well-separated modes (assumption, checked on the dev
     * images), or a robust gap: the class medians ≥ ROBUST_GAP pooled MADs apart. The
     * second is needed because atoms on the support, blurred at σ_bg, add a bright tail
     * that dominates the support's variance (η 0.55–0.75 on simulated frames with 15–35 %
     * of clear vacuum, issue 10), while the medians and MADs of the two classes do not
     * see them. */
    double frac0 = 0, m0 = 0, m1 = 0;
    for (int b = 0; b <= cut; b++) {
        frac0 += hist[b];
        m0 += b * hist[b];
    }
    m1 = (sum - m0) / (total - frac0);
    m0 /= frac0;
    frac0 /= total;
    float t = lo + (float)(cut + 1) / (NB - 1) * (hi - lo);
    if (frac0 < 0.02 || m0 > 0.5 * m1)
        return DAC_OK;
    if (best / var < 0.8) {
        double gap = 0;
        int st = robust_gap(bg, w, h, t, &gap);
        if (st != DAC_OK || gap < ROBUST_GAP)
            return st;
    }
    for (size_t i = 0; i < n; i++)
        mask[i] = bg[i] >= t;
    return DAC_OK;
}

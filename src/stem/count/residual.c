/*
 * count_residual.c — iterative detection on the residual, so atoms beside a brighter or
 * earlier-found atom are not lost.
 *
 * Why: the matched filter (1.5× the atom width) merges atoms 1.4–2.5 Å apart into one
 * maximum — the base atoms of a projected tetrahedron around its apex, a tilted pair
 * seen 1.5 Å long — and the refinement's local plane then absorbs what the fit of that
 * one maximum leaves. Those are exactly the distances a dual-atom-catalyst count must
 * resolve. The standard cure is that of crowded-field photometry (DAOPHOT, Stetson,
 * PASP 99, 191 (1987)) and of StatSTEM (De Backer et al., Ultramicroscopy 171, 104
 * (2016)): subtract the fitted model of every blob, run the same detection statistic
 * on what is left, add what is significant and not already explained, refit the
 * neighbourhoods jointly, repeat.
 *
 * The statistic is the first pass's, unchanged: the filtered image above the smooth
 * background, f, minus the fitted Gaussians seen through the filter (a Gaussian of
 * amplitude A and σ, convolved with the normalised filter Gaussian of σ_f, is
 * A·σ²/(σ²+σ_f²)·exp(−r²/2(σ²+σ_f²)) — analytic, so no extra image filtering), divided
 * by the same noise map, tested against the same threshold (the same false-alarm
 * rate) and the same amplitude test. Away from the blobs the residual equals the first
 * pass's f, whose maxima were already judged, so only pixels the model touches are
 * searched — up to the model's 1 % tail beyond 3√(σ²+σ_f²) — which is cheap on large
 * frames; for the same reason later rounds search only around the blobs the last refit
 * changed.
 * Residual minima passing the mirrored tests (decoys, as in the first pass) raise the
 * threshold where the model leaves structured residuals, and a new blob that the joint
 * refit makes much wider than an atom is extended light, not an atom, and is dropped.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dac/core.h"
#include "core/sort.h"
#include "stem/count/count_internal.h"

#define TOUCHED 1 /* the filtered model reaches this pixel */
#define CLAIMED 2 /* within min_sep of a blob: a maximum here is already explained */
#define DECOY 4   /* within min_sep of a stronger decoy (suppression among decoys) */
#define SEARCH 8  /* searched this round: within reach of a blob that changed */

/* Working state of one call: the filtered model fm and flags fl (both w*h, zero except
 * at the pixels listed in `list`, so a round on a large frame costs the touched area,
 * not the frame), and row/column factors of the separable Gaussian. */
typedef struct {
    const count_residual_params *rp;
    size_t w, h;
    float *fm;
    unsigned char *fl;
    size_t *list, n_list, cap;
    double *ex, *ey;
    size_t ecap;
} rctx;

static int mark(rctx *c, size_t i, unsigned char bits)
{
    if (!c->fl[i]) {
        if (c->n_list == c->cap) {
            size_t nc = c->cap ? 2 * c->cap : 4096;
            size_t *nl = realloc(c->list, sizeof *nl * nc);
            if (!nl)
                return DAC_ERR_NOMEM;
            c->list = nl, c->cap = nc;
        }
        c->list[c->n_list++] = i;
    }
    c->fl[i] |= bits;
    return DAC_OK;
}

/* Marks the disc of radius r around (x, y) with `bit`. */
static int claim(rctx *c, double x, double y, double r, unsigned char bit)
{
    long x0 = (long)floor(x - r), x1 = (long)ceil(x + r);
    long y0 = (long)floor(y - r), y1 = (long)ceil(y + r);
    for (long yy = y0 < 0 ? 0 : y0; yy <= y1 && yy < (long)c->h; yy++)
        for (long xx = x0 < 0 ? 0 : x0; xx <= x1 && xx < (long)c->w; xx++)
            if (((double)xx - x) * ((double)xx - x) + ((double)yy - y) * ((double)yy - y) < r * r &&
                mark(c, (size_t)yy * c->w + (size_t)xx, bit) != DAC_OK)
                return DAC_ERR_NOMEM;
    return DAC_OK;
}

/* Reach of a blob's filtered model: 3√v, v = σ² + σ_f². Beyond it the model is below
 * exp(−4.5) = 1.1 % of its peak, a nearly flat tail that cannot turn a non-maximum of
 * the first pass into a significant one (and an atom of similar brightness that far,
 * 3σ of the filtered blob, is a maximum of its own already); 4√v searched 1.8× the
 * pixels for the same result on every test frame and on the dev images. */
static double reach(const count_residual_params *rp, const dac_stem_blob *b, double *v)
{
    double s = b->sigma_px > 0 ? b->sigma_px : rp->sigma_px;
    *v = s * s + rp->s_f * rp->s_f;
    if (rp->kernel) /* the widest of the kernel's Gaussians sets the reach */
        return fmax(count_kernel_reach(rp->kernel, rp->s_f * rp->s_f, exp(-4.5)), rp->min_sep_px);
    return fmax(3.0 * sqrt(*v), rp->min_sep_px);
}

/* The kernel seen through the filter: each Gaussian m of σ_m becomes one of variance
 * t_m = σ_m² + σ_f² and peak w_m σ_m²/t_m. Worked out once per blob, not per pixel. */
typedef struct {
    int n;
    double peak[COUNT_KERNEL_MAX], t[COUNT_KERNEL_MAX];
} filtered_terms;

static filtered_terms filter_kernel(const count_kernel *k, double s_f2)
{
    filtered_terms f = {k->n, {0}, {0}};
    for (int m = 0; m < k->n; m++) {
        double s2 = k->sigma_px[m] * k->sigma_px[m];
        f.t[m] = s2 + s_f2;
        f.peak[m] = k->weight[m] * s2 / f.t[m];
    }
    return f;
}

/* A blob's filtered model at squared distance r2 in kernel mode. */
static double filtered_kernel(const filtered_terms *f, double r2)
{
    double v = 0;
    for (int m = 0; m < f->n; m++)
        v += f->peak[m] * exp(-0.5 * r2 / f->t[m]);
    return v;
}

/* Adds one blob's filtered Gaussian (peak·exp(−r²/2v)) out to its reach; `bits` marks
 * the pixels (TOUCHED, plus SEARCH for a blob that changed). */
static int render_blob(rctx *c, const dac_stem_blob *b, unsigned char bits)
{
    const count_residual_params *rp = c->rp;
    double s = b->sigma_px > 0 ? b->sigma_px : rp->sigma_px, v;
    double r = reach(rp, b, &v), sep2 = rp->min_sep_px * rp->min_sep_px;
    double peak = b->amplitude > 0 ? b->amplitude * s * s / v : 0;
    long x0 = (long)floor(b->x_px - r), x1 = (long)ceil(b->x_px + r);
    long y0 = (long)floor(b->y_px - r), y1 = (long)ceil(b->y_px + r);
    x0 = x0 < 0 ? 0 : x0, y0 = y0 < 0 ? 0 : y0;
    x1 = x1 >= (long)c->w ? (long)c->w - 1 : x1, y1 = y1 >= (long)c->h ? (long)c->h - 1 : y1;
    if (x1 < x0 || y1 < y0)
        return DAC_OK;
    size_t nx_px = (size_t)(x1 - x0 + 1), ny_px = (size_t)(y1 - y0 + 1);
    size_t need = nx_px > ny_px ? nx_px : ny_px;
    if (need > c->ecap) {
        double *nx = realloc(c->ex, sizeof *nx * need);
        double *ny = nx ? realloc(c->ey, sizeof *ny * need) : NULL;
        if (nx)
            c->ex = nx;
        if (!nx || !ny)
            return DAC_ERR_NOMEM;
        c->ey = ny, c->ecap = need;
    }
    /* A Gaussian blob is separable: a row and a column table. The kernel's filtered sum
     * (kernel mode) is evaluated per pixel from terms worked out here. */
    filtered_terms ft = rp->kernel ? filter_kernel(rp->kernel, rp->s_f * rp->s_f) : (filtered_terms){0};
    for (long x = x0; !rp->kernel && x <= x1; x++)
        c->ex[x - x0] = exp(-0.5 * ((double)x - b->x_px) * ((double)x - b->x_px) / v);
    for (long y = y0; !rp->kernel && y <= y1; y++)
        c->ey[y - y0] = exp(-0.5 * ((double)y - b->y_px) * ((double)y - b->y_px) / v);
    for (long y = y0; y <= y1; y++)
        for (long x = x0; x <= x1; x++) {
            double dx = (double)x - b->x_px, dy = (double)y - b->y_px, r2 = dx * dx + dy * dy;
            if (r2 > r * r)
                continue;
            size_t i = (size_t)y * c->w + (size_t)x;
            if (rp->kernel)
                c->fm[i] += (float)(b->amplitude * filtered_kernel(&ft, r2));
            else
                c->fm[i] += (float)(peak * c->ex[x - x0] * c->ey[y - y0]);
            if (mark(c, i, bits | (r2 < sep2 ? CLAIMED : 0)) != DAC_OK)
                return DAC_ERR_NOMEM;
        }
    return DAC_OK;
}

/* The filtered model into fm, flags into fl (the previous round's pixels cleared
 * first). The search covers the reach of the blobs that changed since the last round
 * (dirty; NULL: all, the first round): elsewhere the residual is what the last round
 * already judged. The model there needs every blob whose reach overlaps, so those are
 * rendered too, without SEARCH. Rejected residual blobs (rej) claim their disc, so
 * they are not found again. */
static int render_model(rctx *c, const dac_stem_blob *b, size_t n, const unsigned char *dirty,
                        const dac_stem_blob *rej, size_t n_rej)
{
    for (size_t k = 0; k < c->n_list; k++)
        c->fm[c->list[k]] = 0, c->fl[c->list[k]] = 0;
    c->n_list = 0;
    for (size_t j = 0; j < n_rej; j++)
        if (claim(c, rej[j].x_px, rej[j].y_px, c->rp->min_sep_px, CLAIMED) != DAC_OK)
            return DAC_ERR_NOMEM;
    size_t nd = 0, *d = NULL;
    if (dirty) {
        if (!(d = malloc(sizeof *d * (n ? n : 1))))
            return DAC_ERR_NOMEM;
        for (size_t j = 0; j < n; j++)
            if (dirty[j])
                d[nd++] = j;
    }
    /* Finding the overlapping blobs costs n per changed blob: with many changes,
     * rendering every blob is cheaper (and the same model). */
    int near_only = nd <= 64;
    int st = DAC_OK;
    for (size_t j = 0; j < n && st == DAC_OK; j++) {
        unsigned char bits = TOUCHED | SEARCH;
        if (dirty && !dirty[j] && !near_only)
            bits = TOUCHED;
        else if (dirty && !dirty[j]) {
            double v, rj = reach(c->rp, &b[j], &v);
            bits = 0;
            for (size_t k = 0; k < nd && !bits; k++) {
                double rk = reach(c->rp, &b[d[k]], &v);
                if (hypot(b[j].x_px - b[d[k]].x_px, b[j].y_px - b[d[k]].y_px) < rj + rk)
                    bits = TOUCHED;
            }
            if (!bits)
                continue;
        }
        st = render_blob(c, &b[j], bits);
    }
    free(d);
    return st;
}

/* z of the residual times sign (+1: targets, −1: decoys). */
static double zres(const rctx *c, size_t i, double sign)
{
    const count_residual_params *rp = c->rp;
    return rp->noise[i] > 0 ? sign * ((double)rp->f[i] - c->fm[i]) / rp->noise[i] : 0.0;
}

/* Local maximum of sign·z (3×3; ties to the earlier index, as in the first pass). */
static int is_max(const rctx *c, size_t i, double z, double sign)
{
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
            if (!dx && !dy)
                continue;
            double o = zres(c, (size_t)((long)i + dy * (long)c->w + dx), sign);
            if (o > z || (o == z && (dy < 0 || (dy == 0 && dx < 0))))
                return 0;
        }
    return 1;
}

typedef struct {
    size_t i;
    double z;
} cand;

static int by_z(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    const cand *x = a, *y = b;
    if (x->z != y->z)
        return x->z < y->z ? 1 : -1;
    return x->i < y->i ? -1 : x->i > y->i;
}

typedef struct {
    cand *v;
    size_t n, cap;
} cand_list;

static int push(cand_list *l, size_t i, double z)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 64;
        cand *nv = realloc(l->v, sizeof *nv * nc);
        if (!nv)
            return DAC_ERR_NOMEM;
        l->v = nv, l->cap = nc;
    }
    l->v[l->n].i = i, l->v[l->n].z = z, l->n++;
    return DAC_OK;
}

/* One pass over the searched pixels outside every blob's min_sep disc: maxima of z
 * (targets, t) and of −z (decoys, d) passing the threshold and the amplitude test. */
static int scan(rctx *c, cand_list *t, cand_list *d)
{
    const count_residual_params *rp = c->rp;
    double amp = rp->unit_amplitude > 0 ? rp->min_fraction * rp->unit_amplitude : -HUGE_VAL;
    for (size_t k = 0; k < c->n_list; k++) {
        size_t i = c->list[k];
        if ((c->fl[i] & (SEARCH | CLAIMED)) != SEARCH || !(rp->noise[i] > 0))
            continue;
        /* The cheap tests first (no division): most pixels fail the threshold. */
        double r = (double)rp->f[i] - c->fm[i], sign = r >= 0 ? 1.0 : -1.0;
        if (!(sign * r >= rp->threshold_z * rp->noise[i]) || !(sign * r >= amp) ||
            (rp->mask && !rp->mask[i]))
            continue;
        size_t x = i % c->w, y = i / c->w;
        double z = zres(c, i, sign);
        if (x < 1 || y < 1 || x + 1 >= c->w || y + 1 >= c->h || !(z >= rp->threshold_z) ||
            !is_max(c, i, z, sign))
            continue;
        if (push(sign > 0 ? t : d, i, z) != DAC_OK)
            return DAC_ERR_NOMEM;
    }
    return DAC_OK;
}

/* Strongest first, each kept maximum claiming its min_sep disc with `bit` so that
 * weaker maxima beside it are suppressed (the first pass's NMS). */
static int suppress(rctx *c, cand_list *l, unsigned char bit)
{
    if (l->n && dac_sort(l->v, l->n, sizeof *l->v, by_z, NULL) != DAC_OK)
        return DAC_ERR_NOMEM;
    size_t kept = 0;
    for (size_t k = 0; k < l->n; k++) {
        if (c->fl[l->v[k].i] & bit)
            continue;
        l->v[kept++] = l->v[k];
        if (claim(c, (double)(l->v[k].i % c->w), (double)(l->v[k].i / c->w), c->rp->min_sep_px,
                  bit) != DAC_OK)
            return DAC_ERR_NOMEM;
    }
    l->n = kept;
    return DAC_OK;
}

/* New atoms from the residual. Decoys as in the first pass (count_detect.c): minima of
 * the residual passing the mirrored tests are false by construction; where a model
 * that does not fit the atoms' real shape (non-Gaussian probe tails, drift-elongated
 * atoms, texture under the atom) leaves structured residuals, they show it, and the
 * threshold is raised until at most the stated false-alarm rate times the searched
 * support area passes. Never lowered below the first pass's threshold. */
static int find_new(rctx *c, cand **out, size_t *nout, size_t *n_decoys)
{
    const count_residual_params *rp = c->rp;
    cand_list t = {NULL, 0, 0}, d = {NULL, 0, 0};
    size_t area = 0;
    for (size_t k = 0; k < c->n_list; k++) {
        size_t i = c->list[k];
        area += (c->fl[i] & SEARCH) && (!rp->mask || rp->mask[i]);
    }
    if (scan(c, &t, &d) != DAC_OK || suppress(c, &d, DECOY) != DAC_OK ||
        suppress(c, &t, CLAIMED) != DAC_OK) {
        free(t.v), free(d.v);
        return DAC_ERR_NOMEM;
    }
    double allowed_d = floor(rp->false_alarms_per_px2 * (double)area);
    size_t allowed = allowed_d < (double)d.n ? (size_t)allowed_d : d.n;
    double thr = d.n > allowed ? d.v[allowed].z * (1 + 1e-6) : 0;
    *n_decoys += d.n;
    free(d.v);
    if (thr > rp->threshold_z)
        while (t.n > 0 && t.v[t.n - 1].z < thr)
            t.n--;
    *out = t.v;
    *nout = t.n;
    return DAC_OK;
}

/* Appends the candidates as blobs (amplitude from the filtered peak: a Gaussian of σ
 * seen through the filter peaks at A·σ²/(σ²+σ_f²)) and flags them for the refit. */
static int add_blobs(const count_residual_params *rp, size_t w, const float *fm, const cand *c,
                     size_t m, dac_stem_blob **blobs, size_t *n, unsigned char **flag)
{
    dac_stem_blob *nb = realloc(*blobs, sizeof *nb * (*n + m));
    if (!nb)
        return DAC_ERR_NOMEM;
    *blobs = nb;
    unsigned char *nf = realloc(*flag, *n + m);
    if (!nf)
        return DAC_ERR_NOMEM;
    *flag = nf;
    memset(nf, 0, *n);
    double s = rp->sigma_px, gain = 1.0 + rp->s_f * rp->s_f / (s * s);
    if (rp->kernel) {
        filtered_terms ft = filter_kernel(rp->kernel, rp->s_f * rp->s_f);
        gain = 1.0 / filtered_kernel(&ft, 0);
    }
    for (size_t k = 0; k < m; k++) {
        dac_stem_blob *b = &nb[*n + k];
        memset(b, 0, sizeof *b);
        b->x_px = (double)(c[k].i % w);
        b->y_px = (double)(c[k].i / w);
        b->amplitude = gain * ((double)rp->f[c[k].i] - fm[c[k].i]);
        b->sigma_px = s;
        b->intensity = 2.0 * DAC_PI * b->amplitude * s * s;
        b->snr = c[k].z;
        b->n_atoms = 1;
        b->element = -1;
        b->site = -1;
        b->image = nb[0].image;
        nf[*n + k] = 1;
    }
    *n += m;
    return DAC_OK;
}

/* A residual blob whose fitted width exceeds this multiple of the atom's is not an atom:
 * the per-blob scatter of fitted atom widths is ≈ 15 % (count_refine.c, WIDTH_FITS), so
 * 1.5× is more than three of its standard deviations. Such a "blob" is extended light —
 * a bright support clump, or the leftover of a brighter feature that a round Gaussian
 * does not describe — which the subtraction would otherwise chop into atoms. */
#define RESIDUAL_MAX_WIDTH 1.5

/* Refits the groups of the new blobs (saved[n_old..*n) as added); new blobs that come
 * out wider than an atom are moved to *rej and the fit is redone from the saved starts
 * without them, until all kept new blobs pass. *n is updated. */
static int refit_new(const float *img, size_t w, size_t h, const count_residual_params *rp,
                     dac_stem_blob *b, size_t *n, size_t n_old, dac_stem_blob *saved,
                     unsigned char *flag, dac_stem_blob **rej, size_t *n_rej)
{
    for (;;) {
        int st = count_refine_groups(img, w, h, b, *n, rp->sigma_px, rp->max_shift_px,
                                              flag, rp->kernel);
        if (st != DAC_OK)
            return st;
        size_t kept = n_old, bad = 0;
        for (size_t k = n_old; k < *n; k++) {
            if (!rp->kernel && b[k].refined && b[k].sigma_px > RESIDUAL_MAX_WIDTH * rp->sigma_px) {
                dac_stem_blob *nr = realloc(*rej, sizeof *nr * (*n_rej + 1));
                if (!nr)
                    return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (residual)");
                *rej = nr;
                nr[(*n_rej)++] = saved[k]; /* its candidate pixel: claimed from now on */
                bad++;
                continue;
            }
            saved[kept++] = saved[k];
        }
        if (!bad)
            return DAC_OK;
        *n = kept;
        memcpy(b, saved, sizeof *b * kept);
        if (kept == n_old)
            return DAC_OK;
    }
}

int count_residual(const float *img, size_t w, size_t h,
                            const count_residual_params *rp, dac_stem_blob **blobs, size_t *n,
                            size_t *n_added, size_t *n_decoys)
{
    size_t decoys = 0, n_rej = 0;
    if (n_added)
        *n_added = 0;
    if (n_decoys)
        *n_decoys = 0;
    if (*n == 0 || w < 3 || h < 3 || !(rp->sigma_px > 0) || !(rp->s_f > 0))
        return DAC_OK;
    /* The model starts as zeros; each round clears what it marked. */
    rctx c = {rp, w, h, rp->scratch, calloc(w * h, 1), NULL, 0, 0, NULL, NULL, 0};
    if (c.fm)
        memset(c.fm, 0, sizeof *c.fm * w * h);
    unsigned char *flag = NULL, *dirty = NULL;
    dac_stem_blob *saved = NULL, *rej = NULL;
    int st = DAC_OK;
    if (!c.fm || !c.fl) {
        st = dac_error(DAC_ERR_NOMEM, "stem count: out of memory (residual of a %zux%zu image)",
                       w, h);
        goto done;
    }
    for (int round = 0; round < rp->max_rounds && st == DAC_OK; round++) {
        cand *cd = NULL;
        size_t m = 0, n_old = *n;
        if (render_model(&c, *blobs, *n, round ? dirty : NULL, rej, n_rej) != DAC_OK ||
            find_new(&c, &cd, &m, &decoys) != DAC_OK ||
            (m && add_blobs(rp, w, c.fm, cd, m, blobs, n, &flag) != DAC_OK)) {
            free(cd);
            st = dac_error(DAC_ERR_NOMEM, "stem count: out of memory (residual candidates)");
            break;
        }
        free(cd);
        if (m == 0)
            break;
        dac_stem_blob *ns = realloc(saved, sizeof *ns * *n);
        if (!ns) {
            st = dac_error(DAC_ERR_NOMEM, "stem count: out of memory (residual candidates)");
            break;
        }
        saved = ns;
        memcpy(saved, *blobs, sizeof *saved * *n);
        st = refit_new(img, w, h, rp, *blobs, n, n_old, saved, flag, &rej, &n_rej);
        if (n_added)
            *n_added += *n - n_old;
        unsigned char *nd = realloc(dirty, *n ? *n : 1);
        if (st == DAC_OK && !nd) {
            st = dac_error(DAC_ERR_NOMEM, "stem count: out of memory (residual candidates)");
            break;
        }
        dirty = nd;
        /* saved[0..n_old) still holds the old blobs as they were before this round. */
        for (size_t k = 0; k < *n; k++)
            dirty[k] = k >= n_old || memcmp(&(*blobs)[k], &saved[k], sizeof saved[k]) != 0;
    }
done:
    if (n_decoys)
        *n_decoys = decoys;
    free(c.fl), free(c.list), free(c.ex), free(c.ey), free(flag), free(dirty), free(saved),
        free(rej);
    return st;
}

void count_atoms_off(const float *img, size_t w, size_t h, const dac_stem_blob *b, size_t n,
                     const count_kernel *kernel, float *out)
{
    memset(out, 0, sizeof *out * w * h);
    /* Every blob's whole image, out to 10⁻³ of its peak (a Gaussian blob: its own width). */
    for (size_t i = 0; i < n; i++) {
        count_kernel g = {.n = 1, .weight = {1}, .sigma_px = {b[i].sigma_px}};
        const count_kernel *k = kernel ? kernel : &g;
        if (!(b[i].amplitude > 0) || !(k->sigma_px[0] > 0))
            continue;
        count_kernel_add(k, b[i].amplitude, b[i].x_px, b[i].y_px, 0, count_kernel_reach(k, 0, 1e-3),
                         out, w, h);
    }
    for (size_t i = 0; i < w * h; i++)
        out[i] = img[i] - out[i];
}

int count_residual_filtered(const float *img, const float *fimg, size_t w, size_t h,
                            const unsigned char *support, double s_comb,
                            const dac_stem_blob *b, size_t n, const count_kernel *kernel,
                            float *res, float *f)
{
    size_t N = w * h;
    count_atoms_off(img, w, h, b, n, kernel, res);
    int st = count_background(res, w, h, support, s_comb, f);
    for (size_t i = 0; st == DAC_OK && i < N; i++)
        f[i] = fimg[i] - f[i];
    return st;
}

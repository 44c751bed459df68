/*
 * count_refine.c — sub-pixel positions and integrated intensities by least squares.
 *
 * Model per group of blobs whose fitting windows overlap:
 *   f(x, y) = c0 + cx·(x − x̄) + cy·(y − ȳ) + Σ_j A_j exp(−((x−x_j)² + (y−y_j)²) / (2 s_j²))
 * fitted by Levenberg–Marquardt (Marquardt 1963, diagonal scaling) on the pixels within
 * a radius of each blob. Neighbours are fitted together because the tail of one atom
 * lies under the other: fitting them one by one biases both positions towards each
 * other. A fit that wanders (centre moved more than half a window, width outside
 * [0.4, 3]× the probe, amplitude ≤ 0) is rejected and the detection's estimates kept
 * (refined = 0); a fit that moves a centre further than max_shift (one σ, set by
 * count_detect.c) is redone with the centres held at their starts, so a faint atom is
 * not drawn onto a noise bump and its intensity is still measured by the fit.
 *
 * count_refine_groups refits only the groups holding flagged blobs (the atoms
 * added from the residual, count_residual.c, and their neighbours).
 *
 * The atom width itself is measured here too (count_atom_width): the median
 * σ of free-width fits to isolated, clearly significant blobs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dac/core.h"
#include "core/grid.h"
#include "core/sort.h"
#include "core/uf.h"
#include "stem/count/count_internal.h"

#define MAX_GROUP 8 /* larger groups (clusters) are fitted blob by blob */

typedef struct {
    const float *img;
    size_t w, h;
    double radius;      /* window radius, px */
    double s0;          /* probe σ, px */
    double max_shift;   /* largest accepted move of a centre from its start, px (0: none) */
    int fix_pos;        /* 1: centres held at their starts (amplitude, width, plane fitted) */
    int free_width;     /* 1: width fitted whatever the blob's z (width measurement) */
    size_t *pix;        /* pixel indices in the union of windows */
    size_t n_pix, cap;
    /* Kernel mode (kernel.c): every blob is A·K(r − r_j), K the frame's measured atom
     * image, only A and the centre fitted; `model` holds all blobs' images (w*h) and
     * sub[k] what of it is not the group's own at window pixel k — the other atoms'
     * light, tails included, taken off the data before the group is fitted. */
    const count_kernel *kernel;
    float *model;
    double *sub;
    size_t sub_cap;
} fit_ctx;

static int add_window(fit_ctx *c, const dac_stem_blob *b, size_t nb, unsigned char *seen)
{
    for (size_t k = 0; k < nb; k++) {
        long x0 = (long)floor(b[k].x_px - c->radius), x1 = (long)ceil(b[k].x_px + c->radius);
        long y0 = (long)floor(b[k].y_px - c->radius), y1 = (long)ceil(b[k].y_px + c->radius);
        for (long y = y0; y <= y1; y++)
            for (long x = x0; x <= x1; x++) {
                if (x < 0 || y < 0 || x >= (long)c->w || y >= (long)c->h)
                    continue;
                double dx = (double)x - b[k].x_px, dy = (double)y - b[k].y_px;
                if (dx * dx + dy * dy > c->radius * c->radius)
                    continue;
                size_t i = (size_t)y * c->w + (size_t)x;
                if (seen[i])
                    continue;
                if (c->n_pix == c->cap) {
                    size_t nc = c->cap ? 2 * c->cap : 256;
                    size_t *np = realloc(c->pix, sizeof *np * nc);
                    if (!np)
                        return DAC_ERR_NOMEM;
                    c->pix = np;
                    c->cap = nc;
                }
                seen[i] = 1;
                c->pix[c->n_pix++] = i;
            }
    }
    for (size_t k = 0; k < c->n_pix; k++)
        seen[c->pix[k]] = 0;
    return DAC_OK;
}

/* Cholesky solve of the symmetric positive definite n×n system a·x = b (a overwritten).
 * Returns 0 on success, -1 if not positive definite. */
static int cholesky_solve(double *a, double *b, int n)
{
    for (int j = 0; j < n; j++) {
        double s = a[j * n + j];
        for (int k = 0; k < j; k++)
            s -= a[j * n + k] * a[j * n + k];
        if (!(s > 0))
            return -1;
        a[j * n + j] = sqrt(s);
        for (int i = j + 1; i < n; i++) {
            double t = a[i * n + j];
            for (int k = 0; k < j; k++)
                t -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = t / a[j * n + j];
        }
    }
    for (int i = 0; i < n; i++) {
        double t = b[i];
        for (int k = 0; k < i; k++)
            t -= a[i * n + k] * b[k];
        b[i] = t / a[i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) {
        double t = b[i];
        for (int k = i + 1; k < n; k++)
            t -= a[k * n + i] * b[k];
        b[i] = t / a[i * n + i];
    }
    return 0;
}

/* Residual sum of squares and (optionally) JᵀJ and Jᵀr for parameters q:
 * q[0..2] plane, then (A, x, y, s) per blob. */
static double evaluate(const fit_ctx *c, const double *q, int nb, double xm, double ym,
                       double *jtj, double *jtr)
{
    int np = 3 + 4 * nb;
    double jrow[3 + 4 * MAX_GROUP];
    double rss = 0;
    if (jtj) {
        memset(jtj, 0, sizeof(double) * (size_t)(np * np));
        memset(jtr, 0, sizeof(double) * (size_t)np);
    }
    const count_kernel *K = c->kernel;
    for (size_t k = 0; k < c->n_pix; k++) {
        double x = (double)(c->pix[k] % c->w), y = (double)(c->pix[k] / c->w);
        double model = q[0] + q[1] * (x - xm) + q[2] * (y - ym);
        jrow[0] = 1, jrow[1] = x - xm, jrow[2] = y - ym;
        for (int j = 0; j < nb; j++) {
            const double *g = q + 3 + 4 * j;
            double dx = x - g[1], dy = y - g[2], s2 = g[3] * g[3];
            double r2 = dx * dx + dy * dy;
            if (K) { /* K and Σ w e/σ², the factor of its gradient along dx, dy */
                double e = 0, de = 0;
                for (int m = 0; m < K->n; m++) {
                    double sm2 = K->sigma_px[m] * K->sigma_px[m];
                    double em = K->weight[m] * exp(-0.5 * r2 / sm2);
                    e += em, de += em / sm2;
                }
                model += g[0] * e;
                jrow[3 + 4 * j] = e;
                jrow[4 + 4 * j] = g[0] * de * dx;
                jrow[5 + 4 * j] = g[0] * de * dy;
                jrow[6 + 4 * j] = 0; /* the shape is the kernel's: no width */
                continue;
            }
            double e = exp(-0.5 * r2 / s2);
            model += g[0] * e;
            jrow[3 + 4 * j] = e;
            jrow[4 + 4 * j] = g[0] * e * dx / s2;
            jrow[5 + 4 * j] = g[0] * e * dy / s2;
            jrow[6 + 4 * j] = g[0] * e * r2 / (s2 * g[3]);
        }
        double r = (double)c->img[c->pix[k]] - (c->sub ? c->sub[k] : 0) - model;
        rss += r * r;
        if (!jtj)
            continue;
        for (int a = 0; a < np; a++) {
            jtr[a] += jrow[a] * r;
            for (int b = 0; b <= a; b++)
                jtj[a * np + b] += jrow[a] * jrow[b];
        }
    }
    if (jtj)
        for (int a = 0; a < np; a++)
            for (int b = a + 1; b < np; b++)
                jtj[a * np + b] = jtj[b * np + a];
    return rss;
}

static int plausible(const fit_ctx *c, const double *q, const dac_stem_blob *b, int nb)
{
    for (int j = 0; j < nb; j++) {
        const double *g = q + 3 + 4 * j;
        double dx = g[1] - b[j].x_px, dy = g[2] - b[j].y_px;
        if (!(g[0] > 0) || !(g[3] > 0.4 * c->s0) || !(g[3] < 3.0 * c->s0) ||
            !(dx * dx + dy * dy < 0.25 * c->radius * c->radius))
            return 0;
    }
    return 1;
}

/* Integrated intensity of blob j: the sum over the window around it of the data minus
 * the fitted plane and minus the fitted neighbours. Unlike 2π·A·σ² this does not assume
 * the blob is a round Gaussian, so an elongated blob of two unresolved atoms, or a
 * probe with Airy tails, is still counted in full — what the mixture model needs. */
static double aperture_intensity(const fit_ctx *c, const double *q, int nb, int j, double xm,
                                 double ym, double rss, double *sd)
{
    const double *gj = q + 3 + 4 * j;
    double sum = 0;
    size_t n_ap = 0;
    for (size_t k = 0; k < c->n_pix; k++) {
        double x = (double)(c->pix[k] % c->w), y = (double)(c->pix[k] / c->w);
        double dx = x - gj[1], dy = y - gj[2];
        if (dx * dx + dy * dy > c->radius * c->radius)
            continue;
        n_ap++;
        double v = (double)c->img[c->pix[k]] - q[0] - q[1] * (x - xm) - q[2] * (y - ym);
        for (int i = 0; i < nb; i++) {
            if (i == j)
                continue;
            const double *g = q + 3 + 4 * i;
            double ex = x - g[1], ey = y - g[2];
            v -= g[0] * exp(-0.5 * (ex * ex + ey * ey) / (g[3] * g[3]));
        }
        sum += v;
    }
    /* n_ap pixels, each with the fit's residual variance (rss at q: a sum of independent
     * pixels; the plane's own error, spread over the larger window, is smaller). */
    double dof = (double)c->n_pix - (3 + 4 * nb);
    *sd = dof > 0 ? sqrt(rss / dof * (double)n_ap) : 0;
    return sum;
}

/* Holds parameter q of the normal equations a·x = b fixed (zero step). */
static void hold(double *a, double *b, int np, int q)
{
    for (int i = 0; i < np; i++)
        a[q * np + i] = a[i * np + q] = 0;
    a[q * np + q] = 1, b[q] = 0;
}

/* 1 when every fitted centre stays within c->max_shift of its start. */
static int within_shift(const fit_ctx *c, const double *q, const dac_stem_blob *b, int nb)
{
    if (!(c->max_shift > 0))
        return 1;
    for (int j = 0; j < nb; j++) {
        const double *g = q + 3 + 4 * j;
        if (hypot(g[1] - b[j].x_px, g[2] - b[j].y_px) > c->max_shift)
            return 0;
    }
    return 1;
}

/* Kernel mode: sub[k] = what the model image holds at window pixel k minus the
 * group's own share (its blobs as the model was rendered) — the light of every other
 * atom there, tails included. */
static int own_light_off(fit_ctx *c, const dac_stem_blob *b, int nb)
{
    if (c->n_pix > c->sub_cap) {
        double *ns = realloc(c->sub, sizeof *ns * c->n_pix);
        if (!ns)
            return DAC_ERR_NOMEM;
        c->sub = ns, c->sub_cap = c->n_pix;
    }
    for (size_t k = 0; k < c->n_pix; k++) {
        double x = (double)(c->pix[k] % c->w), y = (double)(c->pix[k] / c->w), own = 0;
        for (int j = 0; j < nb; j++) {
            double dx = x - b[j].x_px, dy = y - b[j].y_px;
            own += b[j].amplitude * count_kernel_value(c->kernel, dx * dx + dy * dy);
        }
        c->sub[k] = (double)c->model[c->pix[k]] - own;
    }
    return DAC_OK;
}

/* Standard errors of the amplitudes at the solution: the residual variance
 * RSS/(n − p_free) times the diagonal of (JᵀJ)⁻¹ (the Gauss–Newton covariance), with
 * the parameters the fit held kept out. jtj_q is JᵀJ at the solution, as the fit's last
 * accepted step left it (recomputing it cost a whole Jacobian per group). */
static void amplitude_sd(const fit_ctx *c, const double *jtj_q, int nb, double rss, int fix_width,
                         double *sd)
{
    int np = 3 + 4 * nb, held = 0;
    double jtj[(3 + 4 * MAX_GROUP) * (3 + 4 * MAX_GROUP)], jtr[3 + 4 * MAX_GROUP];
    double a[(3 + 4 * MAX_GROUP) * (3 + 4 * MAX_GROUP)], e[3 + 4 * MAX_GROUP];
    memcpy(jtj, jtj_q, sizeof(double) * (size_t)(np * np));
    for (int j = 0; j < nb; j++) {
        if (fix_width)
            hold(jtj, jtr, np, 6 + 4 * j), held++;
        if (c->fix_pos)
            hold(jtj, jtr, np, 4 + 4 * j), hold(jtj, jtr, np, 5 + 4 * j), held += 2;
    }
    double dof = (double)c->n_pix - (np - held), s2 = dof > 0 ? rss / dof : 0;
    for (int j = 0; j < nb; j++) {
        memcpy(a, jtj, sizeof(double) * (size_t)(np * np));
        memset(e, 0, sizeof(double) * (size_t)np);
        e[3 + 4 * j] = 1;
        sd[j] = cholesky_solve(a, e, np) == 0 && e[3 + 4 * j] > 0 ? sqrt(s2 * e[3 + 4 * j]) : 0;
    }
}

/* Fits one group; on success writes the results into b[]. */
static int fit_group(fit_ctx *c, dac_stem_blob *b, int nb, unsigned char *seen, int rebuild,
                     double *rss_out)
{
    *rss_out = -1;
    if (rebuild) {
        c->n_pix = 0;
        if (add_window(c, b, (size_t)nb, seen) != DAC_OK)
            return DAC_ERR_NOMEM;
    }
    int np = 3 + 4 * nb;
    if (c->n_pix < (size_t)(2 * np))
        return DAC_OK;
    if (rebuild && c->model && own_light_off(c, b, nb) != DAC_OK)
        return DAC_ERR_NOMEM;
    double q[3 + 4 * MAX_GROUP], trial[3 + 4 * MAX_GROUP], jtr[3 + 4 * MAX_GROUP], step[3 + 4 * MAX_GROUP];
    double jtj[(3 + 4 * MAX_GROUP) * (3 + 4 * MAX_GROUP)], a[(3 + 4 * MAX_GROUP) * (3 + 4 * MAX_GROUP)];
    double xm = 0, ym = 0, base = 0;
    for (int j = 0; j < nb; j++)
        xm += b[j].x_px / nb, ym += b[j].y_px / nb;
    /* Starting plane: the median-free mean of the window minus the blobs' mean share. */
    for (size_t k = 0; k < c->n_pix; k++)
        base += c->img[c->pix[k]] - (c->sub ? c->sub[k] : 0);
    base /= (double)c->n_pix;
    q[0] = base, q[1] = 0, q[2] = 0;
    for (int j = 0; j < nb; j++) {
        double *g = q + 3 + 4 * j;
        g[0] = b[j].amplitude > 0 ? b[j].amplitude : 1.0, g[1] = b[j].x_px, g[2] = b[j].y_px, g[3] = c->s0;
        q[0] -= g[0] * 2 * DAC_PI * c->s0 * c->s0 / (DAC_PI * c->radius * c->radius) / nb;
    }
    double lambda = 1e-3;
    double rss = evaluate(c, q, nb, xm, ym, jtj, jtr);
    int ok = 0;
    /* Widths are only measurable with enough signal; below z = 8 a free width trades off
     * against amplitude and position, so it is held at the probe's. */
    int fix_width = !c->free_width;
    for (int j = 0; j < nb; j++)
        fix_width &= b[j].snr < 8.0;
    fix_width |= c->kernel != NULL;
    for (int it = 0; it < 30; it++) {
        memcpy(a, jtj, sizeof(double) * (size_t)(np * np));
        memcpy(step, jtr, sizeof(double) * (size_t)np);
        for (int j = 0; j < nb; j++) {
            if (fix_width)
                hold(a, step, np, 6 + 4 * j);
            if (c->fix_pos)
                hold(a, step, np, 4 + 4 * j), hold(a, step, np, 5 + 4 * j);
        }
        for (int i = 0; i < np; i++)
            a[i * np + i] *= 1.0 + lambda;
        if (cholesky_solve(a, step, np) != 0) {
            lambda *= 10;
            continue;
        }
        for (int i = 0; i < np; i++)
            trial[i] = q[i] + step[i];
        double r2 = evaluate(c, trial, nb, xm, ym, NULL, NULL);
        if (r2 < rss && plausible(c, trial, b, nb)) {
            double rel = (rss - r2) / (rss > 0 ? rss : 1);
            memcpy(q, trial, sizeof(double) * (size_t)np);
            rss = evaluate(c, q, nb, xm, ym, jtj, jtr);
            lambda = lambda > 1e-7 ? lambda * 0.3 : lambda;
            ok = 1;
            if (rel < 1e-6)
                break;
        } else {
            lambda *= 10;
            if (lambda > 1e8)
                break;
        }
    }
    if (!ok || !plausible(c, q, b, nb))
        return DAC_OK;
    if (!c->fix_pos && !within_shift(c, q, b, nb)) {
        /* The fit moved a centre further than the data support (a faint atom drawn
         * towards a noise bump): keep the starts and fit only amplitudes, widths and
         * plane there, so the intensity is still measured the same way. */
        c->fix_pos = 1;
        int st = fit_group(c, b, nb, seen, 0, rss_out);
        c->fix_pos = 0;
        return st;
    }
    /* rss, jtj and jtr are those of q: every accepted step re-evaluates at the new q. */
    *rss_out = rss;
    double sd[MAX_GROUP];
    if (c->kernel) /* Gaussian blobs take their error from the aperture sum instead */
        amplitude_sd(c, jtj, nb, rss, fix_width, sd);
    for (int j = 0; j < nb; j++) {
        const double *g = q + 3 + 4 * j;
        b[j].amplitude = g[0];
        b[j].x_px = g[1];
        b[j].y_px = g[2];
        b[j].sigma_px = g[3];
        if (c->kernel) { /* the model's integral: K is known beyond any window */
            b[j].intensity = g[0] * c->kernel->volume_px2;
            b[j].intensity_sd = sd[j] * c->kernel->volume_px2;
        } else {
            b[j].intensity = aperture_intensity(c, q, nb, j, xm, ym, rss, &b[j].intensity_sd);
        }
        b[j].refined = 1;
    }
    return DAC_OK;
}

/* Order of blobs by group, then index (dac_sort context: each blob's group label). */
static int by_group(const void *a, const void *b, void *ctx)
{
    const size_t *group = ctx;
    size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
    if (group[ia] != group[ib])
        return group[ia] < group[ib] ? -1 : 1;
    return (ia > ib) - (ia < ib);
}

/* order = 0…n−1 sorted by group, then index. */
static int sort_by_group(size_t *order, size_t n, size_t *group)
{
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    return dac_sort(order, n, sizeof *order, by_group, group);
}

/* Groups of blobs closer than `reach` (their fit windows overlap): group[i] numbers
 * them 0, 1, … through core's cell grid and union-find. */
static int link_groups(const dac_stem_blob *b, size_t n, double reach, size_t *group)
{
    double *xy = malloc(sizeof *xy * 2 * n);
    dac_grid *g = NULL;
    dac_uf uf = {0};
    int st = xy ? dac_uf_init(&uf, n) : DAC_ERR_NOMEM;
    for (size_t i = 0; xy && i < n; i++)
        xy[2 * i] = b[i].x_px, xy[2 * i + 1] = b[i].y_px;
    if (st == DAC_OK)
        st = dac_grid_create(2, xy, n, NULL, NULL, reach, &g);
    if (st == DAC_OK)
        st = dac_grid_link(g, reach, &uf);
    if (st == DAC_OK)
        dac_uf_labels(&uf, group);
    dac_grid_free(g);
    dac_uf_free(&uf);
    free(xy);
    return st;
}

int count_refine(const float *img, size_t w, size_t h, dac_stem_blob *blobs, size_t n,
                          double sigma_px_guess, double max_shift_px)
{
    return count_refine_groups(img, w, h, blobs, n, sigma_px_guess, max_shift_px, NULL, NULL);
}

/* 1 when any blob of the group order[s..e) is flagged (or no flags are given). */
static int group_flagged(const size_t *order, size_t s, size_t e, const unsigned char *only)
{
    if (!only)
        return 1;
    for (size_t k = s; k < e; k++)
        if (only[order[k]])
            return 1;
    return 0;
}

/* Kernel mode: moves blob b's image in the model from `old` to its new state. */
static void model_update(fit_ctx *c, const dac_stem_blob *old, const dac_stem_blob *b, double reach)
{
    count_kernel_add(c->kernel, -old->amplitude, old->x_px, old->y_px, 0, reach, c->model, c->w, c->h);
    count_kernel_add(c->kernel, b->amplitude, b->x_px, b->y_px, 0, reach, c->model, c->w, c->h);
}

/* Fits blobs b[0..nb) as one group (or one by one when the group is larger than
 * MAX_GROUP), keeping the model image current in kernel mode. */
static int fit_and_update(fit_ctx *c, dac_stem_blob *b, int nb, unsigned char *seen, double reach)
{
    dac_stem_blob old[MAX_GROUP];
    double rss;
    int one_by_one = nb > MAX_GROUP;
    for (int k0 = 0; k0 < nb; k0 += one_by_one ? 1 : nb) {
        int m = one_by_one ? 1 : nb;
        memcpy(old, b + k0, sizeof *old * (size_t)m);
        if (fit_group(c, b + k0, m, seen, 1, &rss) != DAC_OK)
            return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (fit)");
        for (int j = 0; c->model && j < m; j++)
            model_update(c, &old[j], &b[k0 + j], reach);
    }
    return DAC_OK;
}

int count_refine_groups(const float *img, size_t w, size_t h, dac_stem_blob *blobs,
                                 size_t n, double sigma_px_guess, double max_shift_px,
                                 const unsigned char *only, const count_kernel *kernel)
{
    if (n == 0)
        return DAC_OK;
    fit_ctx c = {.img = img, .w = w, .h = h, .s0 = sigma_px_guess, .max_shift = max_shift_px};
    /* Window: 2.5 σ covers 96 % of a Gaussian's volume; at least 3 px so a fit of 7
     * parameters has enough pixels. In kernel mode σ is the kernel's FWHM over 2.355:
     * the core; the tails are in the model, and other atoms' tails are taken off. */
    c.radius = fmax(3.5 * sigma_px_guess, 4.0);
    size_t *root = malloc(sizeof *root * n), *order = malloc(sizeof *order * n);
    unsigned char *seen = calloc(w * h, 1);
    dac_stem_blob *grp = malloc(sizeof *grp * n);
    int st = DAC_OK;
    /* Kernel mode: every blob's image, out to where the kernel is 10⁻³ of its peak. */
    double reach = kernel ? count_kernel_reach(kernel, 0, 1e-3) : 0;
    if (kernel && kernel->n > 0) {
        c.kernel = kernel;
        c.model = calloc(w * h, sizeof *c.model);
        for (size_t i = 0; c.model && i < n; i++)
            count_kernel_add(kernel, blobs[i].amplitude, blobs[i].x_px, blobs[i].y_px, 0, reach,
                             c.model, w, h);
    }
    if (!root || !order || !seen || !grp || (c.kernel && !c.model) ||
        link_groups(blobs, n, 2 * c.radius, root) != DAC_OK || sort_by_group(order, n, root)) {
        st = dac_error(DAC_ERR_NOMEM, "stem count: out of memory (refinement of %zu blobs)", n);
        goto done;
    }
    for (size_t s = 0; s < n && st == DAC_OK;) {
        size_t e = s;
        while (e < n && root[order[e]] == root[order[s]])
            e++;
        if (group_flagged(order, s, e, only)) {
            for (size_t k = s; k < e; k++)
                grp[k - s] = blobs[order[k]];
            st = fit_and_update(&c, grp, (int)(e - s), seen, reach);
            for (size_t k = s; k < e; k++)
                blobs[order[k]] = grp[k - s];
        }
        s = e;
    }
done:
    free(root), free(order), free(seen), free(grp), free(c.pix), free(c.model), free(c.sub);
    return st;
}

static int any_hit(const dac_grid_hit *h, void *ud)
{
    (void)h, (void)ud;
    return 1; /* one neighbour is enough: stop the query */
}

/* Indices of the blobs with snr ≥ min_z and no other blob within `reach` (a neighbour
 * inside the window would widen the fit), in index order. */
int count_isolated(const dac_stem_blob *b, size_t n, double min_z, double reach, size_t *out,
                   size_t *k)
{
    *k = 0;
    if (n == 0)
        return DAC_OK;
    double *xy = malloc(sizeof *xy * 2 * n);
    dac_grid *g = NULL;
    int st = xy ? DAC_OK : DAC_ERR_NOMEM;
    for (size_t i = 0; xy && i < n; i++)
        xy[2 * i] = b[i].x_px, xy[2 * i + 1] = b[i].y_px;
    if (st == DAC_OK)
        st = dac_grid_create(2, xy, n, NULL, NULL, reach, &g);
    for (size_t i = 0; st == DAC_OK && i < n; i++)
        if (b[i].snr >= min_z && dac_grid_neighbors(g, i, reach, any_hit, NULL) == 0)
            out[(*k)++] = i;
    dac_grid_free(g);
    free(xy);
    return st;
}

/* At most this many fits for the median width: with a per-blob scatter of ~15 % its
 * standard error is then < 1.5 % (1.25·15 %/√256), and a 5000-atom frame stays fast. */
#define WIDTH_FITS 256

int count_atom_width(const float *img, size_t w, size_t h, const dac_stem_blob *blobs,
                              size_t n, double sigma_px_guess, double min_z, double *sigma_px)
{
    *sigma_px = 0;
    fit_ctx c = {.img = img, .w = w, .h = h, .radius = fmax(3.5 * sigma_px_guess, 4.0),
                 .s0 = sigma_px_guess, .max_shift = sigma_px_guess, .free_width = 1};
    unsigned char *seen = calloc(w * h, 1);
    double *v = malloc(sizeof *v * WIDTH_FITS);
    size_t *cand = malloc(sizeof *cand * (n ? n : 1));
    int st = DAC_OK;
    size_t k = 0, nc = 0;
    if (!seen || !v || !cand || count_isolated(blobs, n, min_z, 2 * c.radius, cand, &nc) != DAC_OK) {
        st = dac_error(DAC_ERR_NOMEM, "stem count: out of memory (atom width)");
        goto done;
    }
    size_t stride = (nc + WIDTH_FITS - 1) / WIDTH_FITS;
    for (size_t r = 0; r < nc && st == DAC_OK; r += stride ? stride : 1) {
        dac_stem_blob b = blobs[cand[r]];
        b.sigma_px = sigma_px_guess;
        double rss;
        if (fit_group(&c, &b, 1, seen, 1, &rss) != DAC_OK)
            st = dac_error(DAC_ERR_NOMEM, "stem count: out of memory (atom width)");
        else if (b.refined && k < WIDTH_FITS)
            v[k++] = b.sigma_px;
    }
    if (st == DAC_OK && k >= 5 && (st = dac_sort(v, k, sizeof *v, dac_compare_double, NULL)) == DAC_OK) {
        *sigma_px = k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
    }
done:
    free(seen), free(v), free(cand), free(c.pix);
    return st;
}

/* Model selection for one wide blob: one Gaussian against two, on the same pixels,
 * by the Bayesian information criterion n·ln(RSS₁/RSS₂) > Δk·ln n (Schwarz 1978), with
 * Δk = 4 extra parameters. The two start ±0.6 σ apart along each of four directions
 * and the best start is kept. */
static int try_split(fit_ctx *c, const dac_stem_blob *b, unsigned char *seen, dac_stem_blob out[2])
{
    dac_stem_blob one = *b;
    double rss1;
    c->n_pix = 0;
    if (add_window(c, &one, 1, seen) != DAC_OK)
        return -1;
    if (fit_group(c, &one, 1, seen, 0, &rss1) != DAC_OK || rss1 <= 0)
        return 0;
    double best = rss1;
    int found = 0;
    for (int dir = 0; dir < 4; dir++) {
        double th = DAC_PI * dir / 4, d = 0.6 * b->sigma_px;
        dac_stem_blob two[2] = {*b, *b};
        two[0].x_px += d * cos(th), two[0].y_px += d * sin(th);
        two[1].x_px -= d * cos(th), two[1].y_px -= d * sin(th);
        two[0].amplitude = two[1].amplitude = 0.5 * b->amplitude;
        two[0].sigma_px = two[1].sigma_px = c->s0;
        double rss2;
        if (fit_group(c, two, 2, seen, 0, &rss2) != DAC_OK || rss2 <= 0 || !two[0].refined ||
            !two[1].refined)
            continue;
        double sep = hypot(two[0].x_px - two[1].x_px, two[0].y_px - two[1].y_px);
        double n = (double)c->n_pix;
        if (rss2 < best && n * log(rss1 / rss2) > 4 * log(n) && sep > 0.8 * c->s0 &&
            fmin(two[0].intensity, two[1].intensity) > 0.25 * (two[0].intensity + two[1].intensity)) {
            best = rss2;
            out[0] = two[0], out[1] = two[1];
            found = 1;
        }
    }
    return found;
}

int count_split(const float *img, size_t w, size_t h, dac_stem_blob **blobs, size_t *n,
                         double sigma_px_guess)
{
    fit_ctx c = {.img = img, .w = w, .h = h, .radius = fmax(3.5 * sigma_px_guess, 4.0),
                 .s0 = sigma_px_guess};
    unsigned char *seen = calloc(w * h, 1);
    if (!seen)
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (splitting)");
    size_t n0 = *n;
    int st = DAC_OK;
    for (size_t i = 0; i < n0 && st == DAC_OK; i++) {
        dac_stem_blob *b = &(*blobs)[i];
        /* Only blobs measurably wider than one atom and bright enough for a free width. */
        if (!b->refined || b->snr < 8.0 || b->sigma_px < 1.2 * sigma_px_guess)
            continue;
        dac_stem_blob two[2];
        int r = try_split(&c, b, seen, two);
        if (r < 0) {
            st = dac_error(DAC_ERR_NOMEM, "stem count: out of memory (splitting)");
            break;
        }
        if (r == 0)
            continue;
        dac_stem_blob *nb = realloc(*blobs, sizeof *nb * (*n + 1));
        if (!nb) {
            st = dac_error(DAC_ERR_NOMEM, "stem count: out of memory (splitting)");
            break;
        }
        *blobs = nb;
        two[0].snr = two[1].snr = nb[i].snr;
        nb[i] = two[0];
        nb[(*n)++] = two[1];
    }
    free(seen), free(c.pix);
    return st;
}


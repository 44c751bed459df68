/*
 * grid.c — cell lists for any triclinic cell under periodic, mixed or no boundaries.
 *
 * Why it works for any cell. Work in fractional coordinates f = r·C⁻¹ (C: rows are the
 * lattice vectors). Column i of C⁻¹ is the reciprocal vector g_i with |g_i| = 1/d_i,
 * d_i the spacing of the lattice planes spanned by the other vectors. Two points at
 * distance < r_c differ in f_i by less than r_c/d_i. Cut axis i into n_i bins of
 * perpendicular width w_i = d_i/n_i; a neighbour then lies at most k_i = ceil(r_c/w_i)
 * bins away. With n_i = floor(d_i/r_c) bins k_i = 1 (the classic 27 cells); for a cell
 * thinner than the cutoff n_i = 1 and k_i = ceil(r_c/d_i) periodic images are visited.
 * A bin offset o maps one-to-one onto (bin (b+o) mod n, image floor((b+o)/n)), so no
 * pair is found twice. Non-periodic axes are binned over the points' own fractional
 * range; no cell means the Cartesian axes with no periodicity (a bounding box). A query
 * outside that range is clamped to the edge bin, which still reaches every point
 * within the cutoff. 2-D is 3-D with a third, flat, open axis.
 *
 * Positions on periodic axes are wrapped into [0,1) for binning; the wrap (an integer
 * per point and axis) goes back into the reported image, so r_j + image·C − r_q is the
 * neighbour vector in the caller's own coordinates.
 *
 * A query of radius r < cutoff visits only the bins that can hold a point within r:
 * along axis i, fractional coordinates within r/d_i of the query's. A close-contact
 * check at 0.5 Å on a grid built for 3.5 Å then looks at about one bin, not 27.
 *
 * Cost: O(n) binning (counting sort), then O(ρ · (r + bin width)³) distance tests per
 * query.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/grid.h"
#include "dac/core.h"

#define BINS_PER_POINT 2
#define MAX_BINS_PER_AXIS 4096
#define MAX_IMAGES 100

typedef struct {
    int periodic;
    int n;        /* bins */
    int k;        /* search reach in bins */
    double fmin;  /* non-periodic: lowest fractional coordinate */
    double fspan; /* non-periodic: fractional range covered by the bins */
    /* bin coordinate u = (f − origin)·scale: bin ⌊u⌋ holds f; bins_per_A = scale/d */
    double origin, scale, bins_per_A;
} axis_bins;

/* A point as stored in its bin: wrapped Cartesian position and original index. */
typedef struct {
    double r[3];
    size_t idx;
} bin_point;

struct dac_grid {
    int dim;
    size_t n;
    double cutoff;
    axis_bins ax[3];
    double cell[3][3]; /* translation vectors (rows) */
    double inv[3][3];  /* cell⁻¹: Cartesian → fractional */
    double inv_d[3];   /* 1 / plane spacing: the fractional extent of 1 Å along each axis */
    int (*wrap)[3];    /* per point: whole cells removed when wrapping */
    size_t *bin_of;    /* per point: flat bin index */
    size_t *slot;      /* per point: its place in sorted */
    size_t *bin_start; /* n_bins + 1 */
    bin_point *sorted; /* points grouped by bin */
    size_t n_bins;
};

/* Inverse of a 3×3 matrix; −1 when (nearly) singular relative to its scale. */
static int invert3(const double m[3][3], double inv[3][3])
{
    double c00 = m[1][1] * m[2][2] - m[1][2] * m[2][1];
    double c01 = m[1][2] * m[2][0] - m[1][0] * m[2][2];
    double c02 = m[1][0] * m[2][1] - m[1][1] * m[2][0];
    double det = m[0][0] * c00 + m[0][1] * c01 + m[0][2] * c02;
    double scale = 1.0;
    for (int r = 0; r < 3; r++)
        scale *= sqrt(m[r][0] * m[r][0] + m[r][1] * m[r][1] + m[r][2] * m[r][2]);
    if (!isfinite(det) || scale == 0.0 || fabs(det) < 1e-10 * scale)
        return -1;
    inv[0][0] = c00 / det;
    inv[1][0] = c01 / det;
    inv[2][0] = c02 / det;
    inv[0][1] = (m[0][2] * m[2][1] - m[0][1] * m[2][2]) / det;
    inv[1][1] = (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det;
    inv[2][1] = (m[0][1] * m[2][0] - m[0][0] * m[2][1]) / det;
    inv[0][2] = (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / det;
    inv[1][2] = (m[0][2] * m[1][0] - m[0][0] * m[1][2]) / det;
    inv[2][2] = (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det;
    return 0;
}

/* Bins per axis from the plane spacings and the cutoff, capped in total. */
static void choose_bins(axis_bins ax[3], const double d[3], double cutoff, size_t n)
{
    double want[3];
    for (int a = 0; a < 3; a++) {
        double length = ax[a].periodic ? d[a] : ax[a].fspan * d[a];
        double b = floor(length / cutoff);
        want[a] = b < 1 ? 1 : (b > MAX_BINS_PER_AXIS ? MAX_BINS_PER_AXIS : b);
    }
    /* Over the cap, shrink the axes that have more than one bin by the same factor:
     * the m-th root of the excess over m axes (a cube root over all three would leave
     * a 2-D grid, whose flat axis cannot shrink, with cap × factor bins). An axis
     * clamped at one bin leaves the rest of the excess to the others: repeat. */
    double cap = (double)n * BINS_PER_POINT + 8;
    double total = want[0] * want[1] * want[2];
    for (int pass = 0; pass < 3 && total > cap; pass++) {
        int m = (want[0] > 1) + (want[1] > 1) + (want[2] > 1);
        double f = pow(total / cap, 1.0 / m);
        total = 1;
        for (int a = 0; a < 3; a++) {
            if (want[a] > 1)
                want[a] = fmax(1.0, floor(want[a] / f));
            total *= want[a];
        }
    }
    for (int a = 0; a < 3; a++) {
        ax[a].n = (int)want[a];
        double length = ax[a].periodic ? d[a] : ax[a].fspan * d[a];
        double width = length / ax[a].n;
        if (!ax[a].periodic && ax[a].n == 1)
            ax[a].k = 0;
        else
            ax[a].k = width > 0 ? (int)ceil(cutoff / width - 1e-9) : 0;
        if (ax[a].k < 1 && (ax[a].periodic || ax[a].n > 1))
            ax[a].k = 1;
    }
}

/* (bin, image) of the unwrapped bin index t along one axis; 0 when t is off a
 * non-periodic axis. Most t are inside the cell: no division then. */
static int step(const axis_bins *g, int t, int *bin, int *image)
{
    if (t >= 0 && t < g->n) {
        *bin = t;
        *image = 0;
        return 1;
    }
    if (!g->periodic)
        return 0;
    int q = t >= 0 ? t / g->n : -((-t + g->n - 1) / g->n);
    *bin = t - q * g->n;
    *image = q;
    return 1;
}

/* ⌊x⌋ for |x| < 2^31, without a libm call (queries compute several). */
static int ifloor(double x)
{
    int i = (int)x;
    return i - (x < i);
}

static void to_fractional(const dac_grid *g, const double r[3], double f[3])
{
    for (int a = 0; a < 3; a++)
        f[a] = r[0] * g->inv[0][a] + r[1] * g->inv[1][a] + r[2] * g->inv[2][a];
}

/* Wraps f into [0,1) on periodic axes (|f| ≤ 1e9), returning the whole cells removed. */
static void wrap_fractional(const dac_grid *g, double f[3], int w[3])
{
    for (int a = 0; a < 3; a++) {
        w[a] = 0;
        if (!g->ax[a].periodic)
            continue;
        int c = ifloor(f[a]);
        f[a] -= c;
        if (f[a] >= 1.0) { /* -1e-17 rounds to 1.0 after the subtraction */
            f[a] = 0.0;
            c += 1;
        }
        w[a] = c;
    }
}

/* The bin frame of each axis, once the bins are chosen. */
static void set_scales(dac_grid *g)
{
    for (int a = 0; a < 3; a++) {
        axis_bins *x = &g->ax[a];
        x->origin = x->periodic ? 0.0 : x->fmin;
        x->scale = x->periodic ? x->n : (x->fspan > 0 ? x->n / x->fspan : 0.0);
        x->bins_per_A = x->scale * g->inv_d[a];
    }
}

static void bin_coords(const dac_grid *g, const double f[3], int b[3])
{
    for (int a = 0; a < 3; a++) {
        const axis_bins *x = &g->ax[a];
        double u = (f[a] - x->origin) * x->scale;
        b[a] = u < 0 ? 0 : (u >= x->n ? x->n - 1 : ifloor(u));
    }
}

static size_t flat_bin(const dac_grid *g, const int b[3])
{
    return ((size_t)b[0] * (size_t)g->ax[1].n + (size_t)b[1]) * (size_t)g->ax[2].n + (size_t)b[2];
}

/* The frame: cell and its inverse, periodic flags and plane spacings. */
static int set_frame(dac_grid *g, const double *cell, const int *pbc, double d[3])
{
    int dim = g->dim;
    memset(g->cell, 0, sizeof g->cell);
    for (int a = 0; a < 3; a++)
        g->cell[a][a] = 1.0;
    if (cell) {
        for (int a = 0; a < dim; a++)
            for (int b = 0; b < dim; b++)
                g->cell[a][b] = cell[a * dim + b];
        if (invert3(g->cell, g->inv))
            return dac_error(DAC_ERR_INPUT, "the cell is singular (flat)");
        for (int a = 0; a < dim; a++)
            g->ax[a].periodic = pbc ? pbc[a] != 0 : 1;
    } else {
        memcpy(g->inv, g->cell, sizeof g->inv);
    }
    for (int a = 0; a < 3; a++) {
        g->inv_d[a] = sqrt(g->inv[0][a] * g->inv[0][a] + g->inv[1][a] * g->inv[1][a] +
                           g->inv[2][a] * g->inv[2][a]);
        d[a] = 1.0 / g->inv_d[a];
    }
    return DAC_OK;
}

static int check_reach(const dac_grid *g)
{
    for (int a = 0; a < g->dim; a++) {
        int reach = g->ax[a].periodic ? g->ax[a].k / g->ax[a].n + 1 : 0;
        if (reach > MAX_IMAGES)
            return dac_error(DAC_ERR_USAGE, "a cutoff of %g reaches %d periodic images of the cell "
                             "along lattice vector %d (at most %d)", g->cutoff, reach, a + 1,
                             MAX_IMAGES);
    }
    return DAC_OK;
}

/* Fractional coordinates of every point, wrapped; the ranges of the open axes. */
static int fractional_points(dac_grid *g, const double *points, double (*f)[3])
{
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < g->n; i++) {
        double r[3] = {0, 0, 0};
        for (int a = 0; a < g->dim; a++)
            r[a] = points[i * (size_t)g->dim + (size_t)a];
        to_fractional(g, r, f[i]);
        /* Periodic axes wrap by whole cells counted in an int: bound them. */
        for (int a = 0; a < 3; a++)
            if (!isfinite(f[i][a]) || (g->ax[a].periodic && fabs(f[i][a]) > 1e9))
                return dac_error(DAC_ERR_INPUT, "point %zu has a non-finite or absurdly large "
                                 "position", i + 1);
        wrap_fractional(g, f[i], g->wrap[i]);
        for (int a = 0; a < 3; a++) {
            lo[a] = f[i][a] < lo[a] ? f[i][a] : lo[a]; /* not fmin: a libm call per point */
            hi[a] = f[i][a] > hi[a] ? f[i][a] : hi[a];
        }
    }
    for (int a = 0; a < 3; a++) {
        g->ax[a].fmin = g->n ? lo[a] : 0.0;
        g->ax[a].fspan = g->n ? hi[a] - lo[a] : 0.0;
    }
    return DAC_OK;
}

/* Counting sort of the points into their bins. */
static int fill_bins(dac_grid *g, const double *points, double (*f)[3])
{
    g->n_bins = (size_t)g->ax[0].n * (size_t)g->ax[1].n * (size_t)g->ax[2].n;
    g->bin_start = calloc(g->n_bins + 1, sizeof *g->bin_start);
    g->sorted = malloc((g->n ? g->n : 1) * sizeof *g->sorted);
    size_t *fill = malloc((g->n_bins + 1) * sizeof *fill);
    if (!g->bin_start || !g->sorted || !fill) {
        free(fill);
        return dac_error(DAC_ERR_NOMEM, "cell grid: out of memory for %zu bins", g->n_bins);
    }
    for (size_t i = 0; i < g->n; i++) {
        int b[3];
        bin_coords(g, f[i], b);
        g->bin_of[i] = flat_bin(g, b);
        g->bin_start[g->bin_of[i] + 1]++;
    }
    for (size_t b = 0; b < g->n_bins; b++)
        g->bin_start[b + 1] += g->bin_start[b];
    memcpy(fill, g->bin_start, g->n_bins * sizeof *fill);
    int periodic = g->ax[0].periodic || g->ax[1].periodic || g->ax[2].periodic;
    for (size_t i = 0; i < g->n; i++) {
        g->slot[i] = fill[g->bin_of[i]]++;
        bin_point *p = &g->sorted[g->slot[i]];
        for (int c = 0; c < 3; c++) {
            double r = c < g->dim ? points[i * (size_t)g->dim + (size_t)c] : 0.0;
            for (int a = 0; periodic && a < 3; a++) /* open axes never wrap */
                r -= g->wrap[i][a] * g->cell[a][c];
            p->r[c] = r;
        }
        p->idx = i;
    }
    free(fill);
    return DAC_OK;
}

int dac_grid_create(int dim, const double *points, size_t n, const double *cell, const int *pbc,
                    double cutoff, dac_grid **out)
{
    *out = NULL;
    if (dim != 2 && dim != 3)
        return dac_error(DAC_ERR_USAGE, "cell grid: dimension must be 2 or 3, got %d", dim);
    if (!(cutoff > 0) || !isfinite(cutoff))
        return dac_error(DAC_ERR_USAGE, "cell grid: the cutoff must be a finite distance > 0, got %g",
                         cutoff);
    dac_grid *g = calloc(1, sizeof *g);
    if (!g)
        return dac_error(DAC_ERR_NOMEM, "cell grid: out of memory");
    g->dim = dim;
    g->n = n;
    g->cutoff = cutoff;
    g->wrap = calloc(n ? n : 1, sizeof *g->wrap);
    g->bin_of = malloc((n ? n : 1) * sizeof *g->bin_of);
    g->slot = malloc((n ? n : 1) * sizeof *g->slot);
    double(*f)[3] = malloc((n ? n : 1) * sizeof *f);
    double d[3];
    int st = g->wrap && g->bin_of && g->slot && f ? DAC_OK
                                       : dac_error(DAC_ERR_NOMEM, "cell grid: out of memory for %zu points", n);
    if (st == DAC_OK)
        st = set_frame(g, cell, pbc, d);
    if (st == DAC_OK)
        st = fractional_points(g, points, f);
    if (st == DAC_OK) {
        choose_bins(g->ax, d, cutoff, n);
        set_scales(g);
        st = check_reach(g);
    }
    if (st == DAC_OK)
        st = fill_bins(g, points, f);
    free(f);
    if (st != DAC_OK) {
        dac_grid_free(g);
        return st;
    }
    *out = g;
    return DAC_OK;
}

void dac_grid_free(dac_grid *g)
{
    if (!g)
        return;
    free(g->wrap);
    free(g->bin_of);
    free(g->slot);
    free(g->bin_start);
    free(g->sorted);
    free(g);
}

size_t dac_grid_size(const dac_grid *g) { return g->n; }

/* The bins along axis a (unwrapped indices lo … hi) that can hold a point within
 * radius of the wrapped fractional coordinate f: widened by a rounding margin, never
 * beyond the cutoff's reach k from the query's own bin. */
static void axis_range(const dac_grid *g, int a, double f, double radius, int *lo, int *hi)
{
    const axis_bins *x = &g->ax[a];
    double u = (f - x->origin) * x->scale;
    double reach = radius * x->bins_per_A * (1 + 1e-9) + 1e-9 * x->scale;
    if (!x->periodic) /* a query far outside: its edge bin is as good (and ints stay small) */
        u = u < -1 ? -1 : (u > x->n + 1 ? x->n + 1 : u);
    if (reach > x->k + 1) /* a radius across the whole open range: k bins are all there is */
        reach = x->k + 1;
    int l = ifloor(u - reach), h = ifloor(u + reach), c = ifloor(u);
    if (!x->periodic) { /* points lie in bins 0 … n−1 (the edge bins take what is beyond) */
        int top = x->n - 1;
        l = l < 0 ? 0 : (l > top ? top : l);
        h = h < 0 ? 0 : (h > top ? top : h);
        c = c < 0 ? 0 : (c > top ? top : c);
    }
    *lo = l > c - x->k ? l : c - x->k;
    *hi = h < c + x->k ? h : c + x->k;
}

/* The search around a wrapped position p (fractional f); wq: the query's own wrap,
 * added to reported images; self: index to skip in the home image (or SIZE_MAX). */
static int search(const dac_grid *g, const double p[3], const double f[3], const int wq[3],
                  size_t self, double radius, dac_grid_visit_fn fn, void *ud)
{
    double r2max = radius * radius;
    int lo[3], hi[3];
    for (int a = 0; a < 3; a++)
        axis_range(g, a, f[a], radius, &lo[a], &hi[a]);
    for (int t0 = lo[0]; t0 <= hi[0]; t0++) {
        int b[3], s[3];
        if (!step(&g->ax[0], t0, &b[0], &s[0]))
            continue;
        for (int t1 = lo[1]; t1 <= hi[1]; t1++) {
            if (!step(&g->ax[1], t1, &b[1], &s[1]))
                continue;
            for (int t2 = lo[2]; t2 <= hi[2]; t2++) {
                if (!step(&g->ax[2], t2, &b[2], &s[2]))
                    continue;
                size_t flat = flat_bin(g, b);
                if (g->bin_start[flat] == g->bin_start[flat + 1])
                    continue; /* most bins of a sparse 2-D frame are empty: skip the setup */
                double t[3];
                int sw[3]; /* the image of a hit, before the point's own wrap */
                for (int c = 0; c < 3; c++) {
                    t[c] = s[0] * g->cell[0][c] + s[1] * g->cell[1][c] + s[2] * g->cell[2][c] - p[c];
                    sw[c] = s[c] + wq[c];
                }
                int home = s[0] == 0 && s[1] == 0 && s[2] == 0;
                for (size_t q = g->bin_start[flat]; q < g->bin_start[flat + 1]; q++) {
                    const bin_point *a = &g->sorted[q];
                    double dx = a->r[0] + t[0], dy = a->r[1] + t[1], dz = a->r[2] + t[2];
                    double d2 = dx * dx + dy * dy + dz * dz;
                    if (d2 >= r2max || (home && a->idx == self))
                        continue;
                    const int *wj = g->wrap[a->idx];
                    dac_grid_hit h = {a->idx, d2, {dx, dy, dz},
                                      {sw[0] - wj[0], sw[1] - wj[1], sw[2] - wj[2]}};
                    int rc = fn(&h, ud);
                    if (rc)
                        return rc;
                }
            }
        }
    }
    return 0;
}

static int check_radius(const dac_grid *g, double radius)
{
    if (!(radius >= 0) || radius > g->cutoff * (1 + 1e-12))
        return dac_error(DAC_ERR_USAGE, "cell grid: query radius %g outside [0, %g]", radius, g->cutoff);
    return DAC_OK;
}

int dac_grid_neighbors(const dac_grid *g, size_t i, double radius, dac_grid_visit_fn fn, void *ud)
{
    if (i >= g->n || check_radius(g, radius))
        return i >= g->n ? dac_error(DAC_ERR_USAGE, "cell grid: no point %zu", i + 1) : DAC_ERR_USAGE;
    const double *p = g->sorted[g->slot[i]].r;
    double f[3];
    to_fractional(g, p, f);
    return search(g, p, f, g->wrap[i], i, radius, fn, ud);
}

int dac_grid_query(const dac_grid *g, const double *q, double radius, dac_grid_visit_fn fn, void *ud)
{
    if (check_radius(g, radius))
        return DAC_ERR_USAGE;
    double r[3] = {0, 0, 0}, f[3], p[3];
    int w[3];
    for (int a = 0; a < g->dim; a++)
        r[a] = q[a];
    to_fractional(g, r, f);
    /* The points' bound: on a periodic axis the whole cells removed must fit an int. */
    for (int a = 0; a < 3; a++)
        if (!isfinite(f[a]) || (g->ax[a].periodic && fabs(f[a]) > 1e9))
            return dac_error(DAC_ERR_USAGE, "cell grid: query at a non-finite or absurdly large "
                             "position");
    wrap_fractional(g, f, w);
    for (int c = 0; c < 3; c++) {
        p[c] = r[c];
        for (int a = 0; a < 3; a++)
            p[c] -= w[a] * g->cell[a][c];
    }
    return search(g, p, f, w, (size_t)-1, radius, fn, ud);
}

typedef struct {
    dac_uf *uf;
    size_t self;
} link_ctx;

static int link_visit(const dac_grid_hit *h, void *ud)
{
    link_ctx *l = ud;
    dac_uf_union(l->uf, l->self, h->index);
    return 0;
}

/* Joins the pairs closer than √r2 with one point in bin fa and one in fb (fa = fb: each
 * pair of the bin once). The test is search()'s: d² of the same differences, < r2. */
static void link_bins(const dac_grid *g, size_t fa, size_t fb, double r2, dac_uf *uf)
{
    for (size_t q = g->bin_start[fa]; q < g->bin_start[fa + 1]; q++) {
        const bin_point *a = &g->sorted[q];
        for (size_t p = fa == fb ? q + 1 : g->bin_start[fb]; p < g->bin_start[fb + 1]; p++) {
            const bin_point *b = &g->sorted[p];
            double dx = b->r[0] - a->r[0], dy = b->r[1] - a->r[1], dz = b->r[2] - a->r[2];
            if (dx * dx + dy * dy + dz * dz < r2)
                dac_uf_union(uf, a->idx, b->idx);
        }
    }
}

/* With no periodic axis there are no images, so each pair of bins within the reach k
 * is visited once, from the bin that comes first (the forward half of the stencil),
 * and each pair of points is tested once, with no per-point query set-up. The chance-
 * pair Monte Carlo links ~10⁴ points a few hundred times per image: through per-point
 * queries that was 1.4 of its 1.9 G instructions on a 4096² frame. The union-find's
 * representative is a set's smallest member, so the groups and their labels do not
 * depend on the order in which pairs are joined: the same result as the general path. */
static void link_open(const dac_grid *g, double radius, dac_uf *uf)
{
    const int n[3] = {g->ax[0].n, g->ax[1].n, g->ax[2].n};
    /* The forward half of the stencil (offsets lexicographically ≥ 0) with each one's
     * step in the flat bin index. Bins are at least the cutoff wide, so k ≤ 1 and the
     * stencil is at most 3 × 3 × 3. */
    int off[27][3], m = 0;
    ptrdiff_t step[27];
    for (int d0 = 0; d0 <= g->ax[0].k; d0++)
        for (int d1 = -g->ax[1].k; d1 <= g->ax[1].k; d1++)
            for (int d2 = -g->ax[2].k; d2 <= g->ax[2].k && m < 27; d2++) {
                if (d0 == 0 && (d1 < 0 || (d1 == 0 && d2 < 0)))
                    continue;
                off[m][0] = d0, off[m][1] = d1, off[m][2] = d2;
                step[m++] = ((ptrdiff_t)d0 * n[1] + d1) * n[2] + d2;
            }
    double r2 = radius * radius;
    size_t fa = 0;
    for (int b0 = 0; b0 < n[0]; b0++)
        for (int b1 = 0; b1 < n[1]; b1++)
            for (int b2 = 0; b2 < n[2]; b2++, fa++) {
                if (g->bin_start[fa] == g->bin_start[fa + 1])
                    continue; /* most bins of a sparse frame are empty */
                for (int s = 0; s < m; s++) {
                    int c0 = b0 + off[s][0], c1 = b1 + off[s][1], c2 = b2 + off[s][2];
                    if (c0 >= n[0] || c1 < 0 || c1 >= n[1] || c2 < 0 || c2 >= n[2])
                        continue;
                    size_t fb = (size_t)((ptrdiff_t)fa + step[s]);
                    if (g->bin_start[fb] != g->bin_start[fb + 1])
                        link_bins(g, fa, fb, r2, uf);
                }
            }
}

int dac_grid_link(const dac_grid *g, double radius, dac_uf *uf)
{
    if (uf->n != g->n)
        return dac_error(DAC_ERR_USAGE, "cell grid: union-find of %zu for %zu points", uf->n, g->n);
    if (check_radius(g, radius))
        return DAC_ERR_USAGE;
    if (!g->ax[0].periodic && !g->ax[1].periodic && !g->ax[2].periodic) {
        link_open(g, radius, uf);
        return DAC_OK;
    }
    for (size_t i = 0; i < g->n; i++) {
        link_ctx l = {uf, i};
        int st = dac_grid_neighbors(g, i, radius, link_visit, &l);
        if (st)
            return st;
    }
    return DAC_OK;
}

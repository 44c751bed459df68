/*
 * neighbors.c — full neighbour lists with cell lists, for any triclinic cell under
 * periodic, mixed (slab: T T F) or no boundaries, and for molecules with no cell.
 *
 * Why it works for any cell. Work in fractional coordinates f = r·C⁻¹ (C: rows are the
 * lattice vectors). Column i of C⁻¹ is the reciprocal vector g_i with |g_i| = 1/d_i,
 * d_i the spacing of the lattice planes spanned by the other two vectors. Two points at
 * distance < r_c differ in f_i by less than r_c/d_i. Cut axis i into n_i bins of
 * perpendicular width w_i = d_i/n_i; a neighbour then lies at most k_i = ceil(r_c/w_i)
 * bins away. With n_i = floor(d_i/r_c) bins k_i = 1 (the classic 27 cells); for a cell
 * thinner than the cutoff n_i = 1 and k_i = ceil(r_c/d_i) periodic images are visited,
 * exactly the number the issue asks for. A bin offset o maps one-to-one onto (bin
 * (b+o) mod n, image floor((b+o)/n)), so no pair is found twice.
 * Non-periodic axes are binned over the atoms' own fractional range; a molecule with no
 * cell uses the Cartesian axes as its "cell" with no periodicity (a bounding box).
 *
 * Positions on periodic axes are wrapped into [0,1) for binning; the wrap (an integer
 * per atom and axis) is added back into the reported image shift so that
 * r_j + shift·C − r_i is the neighbour vector in the caller's own coordinates.
 *
 * Cost: O(N) binning (counting sort) plus O(N·ρ·(bin volume)) distance tests; output is
 * appended to growing arrays, one pass.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dac/core.h"
#include "dac/struct.h"

/* Bins never exceed this many per atom (plus a few), so a huge box with a tiny cutoff
 * cannot make a huge allocation; coarser bins only cost time, never correctness. */
#define BINS_PER_ATOM 2
#define MAX_BINS_PER_AXIS 4096

/* One axis of the binning frame. */
typedef struct {
    int periodic;
    int n;        /* bins */
    int k;        /* search reach in bins */
    double fmin;  /* non-periodic: lowest fractional coordinate */
    double fspan; /* non-periodic: fractional range covered by the bins */
} axis_grid;

/* An atom as stored in its bin: wrapped Cartesian position and original index. */
typedef struct {
    double x, y, z;
    uint32_t idx;
} bin_atom;

/* The output arrays while they grow. */
typedef struct {
    size_t n, cap;
    uint32_t *j;
    float *d;
    int8_t (*shift)[3];
} entries;

static int entries_grow(entries *e)
{
    size_t cap = e->cap < 64 ? 64 : 2 * e->cap;
    uint32_t *j = realloc(e->j, cap * sizeof *j);
    if (j)
        e->j = j;
    float *d = realloc(e->d, cap * sizeof *d);
    if (d)
        e->d = d;
    int8_t(*sh)[3] = realloc(e->shift, cap * sizeof *sh);
    if (sh)
        e->shift = sh;
    if (!j || !d || !sh)
        return dac_error(DAC_ERR_NOMEM, "neighbour list: out of memory for %zu entries", cap);
    e->cap = cap;
    return DAC_OK;
}

/* Inverse of a 3×3 matrix; returns -1 when (nearly) singular relative to its scale. */
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

/* Chooses bins per axis from the plane spacings and the cutoff, capped in total. */
static void choose_bins(axis_grid g[3], const double d[3], double cutoff, size_t n_atoms)
{
    double want[3];
    for (int a = 0; a < 3; a++) {
        double length = g[a].periodic ? d[a] : g[a].fspan * d[a];
        double n = floor(length / cutoff);
        want[a] = n < 1 ? 1 : (n > MAX_BINS_PER_AXIS ? MAX_BINS_PER_AXIS : n);
    }
    double cap = (double)n_atoms * BINS_PER_ATOM + 8;
    double total = want[0] * want[1] * want[2];
    if (total > cap) {
        double f = cbrt(total / cap);
        for (int a = 0; a < 3; a++)
            want[a] = fmax(1.0, floor(want[a] / f));
    }
    for (int a = 0; a < 3; a++) {
        g[a].n = (int)want[a];
        double length = g[a].periodic ? d[a] : g[a].fspan * d[a];
        double width = length / g[a].n;
        if (!g[a].periodic && g[a].n == 1)
            g[a].k = 0;
        else
            g[a].k = width > 0 ? (int)ceil(cutoff / width - 1e-9) : 0;
        if (g[a].k < 1 && (g[a].periodic || g[a].n > 1))
            g[a].k = 1;
    }
}

/* The (bin, image) reached from bin b by offset o along one axis; returns 0 when the
 * offset leaves a non-periodic axis. */
static int step(const axis_grid *g, int b, int o, int *bin, int *image)
{
    int t = b + o;
    if (!g->periodic) {
        if (t < 0 || t >= g->n)
            return 0;
        *bin = t;
        *image = 0;
        return 1;
    }
    int q = t >= 0 ? t / g->n : -((-t + g->n - 1) / g->n);
    *bin = t - q * g->n;
    *image = q;
    return 1;
}

/* Everything the search needs, built once. */
typedef struct {
    axis_grid g[3];
    double cell[3][3];  /* translation vectors for images (rows) */
    int (*wrap)[3];     /* per atom: whole cells removed when wrapping */
    int *bin_of;        /* per atom: flat bin index */
    size_t *bin_start;  /* n_bins + 1 */
    bin_atom *sorted;   /* atoms grouped by bin */
    size_t n_bins;
} grid;

static void grid_free(grid *G)
{
    free(G->wrap);
    free(G->bin_of);
    free(G->bin_start);
    free(G->sorted);
}

static int grid_build(grid *G, const dac_structure *s, double cutoff)
{
    size_t n = s->n_atoms;
    double inv[3][3], d[3];
    memset(G, 0, sizeof *G);
    if (s->has_cell) {
        memcpy(G->cell, s->cell_A, sizeof G->cell);
        if (invert3(G->cell, inv))
            return dac_error(DAC_ERR_INPUT, "neighbour search: the cell is singular (flat)");
        for (int a = 0; a < 3; a++) {
            G->g[a].periodic = s->pbc[a] != 0;
            d[a] = 1.0 / sqrt(inv[0][a] * inv[0][a] + inv[1][a] * inv[1][a] + inv[2][a] * inv[2][a]);
        }
    } else {
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 3; b++)
                G->cell[a][b] = inv[a][b] = a == b;
            d[a] = 1.0;
        }
    }
    G->wrap = calloc(n ? n : 1, sizeof *G->wrap);
    G->bin_of = malloc((n ? n : 1) * sizeof *G->bin_of);
    double(*f)[3] = malloc((n ? n : 1) * sizeof *f);
    if (!G->wrap || !G->bin_of || !f) {
        free(f);
        return dac_error(DAC_ERR_NOMEM, "neighbour search: out of memory for %zu atoms", n);
    }
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    int max_wrap = 0;
    for (size_t i = 0; i < n; i++) {
        const double *r = s->position_A + 3 * i;
        for (int a = 0; a < 3; a++) {
            double v = r[0] * inv[0][a] + r[1] * inv[1][a] + r[2] * inv[2][a];
            if (!isfinite(v) || fabs(v) > 1e9) {
                free(f);
                return dac_error(DAC_ERR_INPUT, "neighbour search: atom %zu has a non-finite or "
                                 "absurdly large position", i);
            }
            if (G->g[a].periodic) {
                double w = floor(v);
                v -= w;
                if (v >= 1.0) { /* -1e-17 rounds to 1.0 after the subtraction */
                    v = 0.0;
                    w += 1.0;
                }
                G->wrap[i][a] = (int)w;
                if (abs((int)w) > max_wrap)
                    max_wrap = abs((int)w);
            }
            f[i][a] = v;
            lo[a] = v < lo[a] ? v : lo[a];
            hi[a] = v > hi[a] ? v : hi[a];
        }
    }
    for (int a = 0; a < 3; a++) {
        G->g[a].fmin = n ? lo[a] : 0.0;
        G->g[a].fspan = n ? hi[a] - lo[a] : 0.0;
    }
    choose_bins(G->g, d, cutoff, n);
    for (int a = 0; a < 3; a++) {
        /* reported shift = image − wrap_j + wrap_i must fit in int8_t */
        int reach = G->g[a].periodic ? G->g[a].k / G->g[a].n + 1 : 0;
        if (reach > 100) {
            free(f);
            /* The cell, not the caller, is at fault: a (nearly) flat cell. */
            return dac_error(DAC_ERR_INPUT, "neighbour search: a cutoff of %g Å spans %d periodic "
                             "images along lattice vector %d (at most 100): is the cell nearly flat?",
                             cutoff, reach, a + 1);
        }
        if (reach + 2 * max_wrap > 127) {
            free(f);
            return dac_error(DAC_ERR_INPUT, "neighbour search: atoms lie up to %d cells outside the "
                             "cell along axis %d; wrap them into the cell first", max_wrap, a + 1);
        }
    }
    G->n_bins = (size_t)G->g[0].n * (size_t)G->g[1].n * (size_t)G->g[2].n;
    G->bin_start = calloc(G->n_bins + 1, sizeof *G->bin_start);
    G->sorted = malloc((n ? n : 1) * sizeof *G->sorted);
    if (!G->bin_start || !G->sorted) {
        free(f);
        return dac_error(DAC_ERR_NOMEM, "neighbour search: out of memory for %zu bins", G->n_bins);
    }
    for (size_t i = 0; i < n; i++) {
        int b[3];
        for (int a = 0; a < 3; a++) {
            const axis_grid *g = &G->g[a];
            double u = g->periodic ? f[i][a] : (g->fspan > 0 ? (f[i][a] - g->fmin) / g->fspan : 0.0);
            int k = (int)(u * g->n);
            b[a] = k < 0 ? 0 : (k >= g->n ? g->n - 1 : k);
        }
        G->bin_of[i] = (b[0] * G->g[1].n + b[1]) * G->g[2].n + b[2];
        G->bin_start[G->bin_of[i] + 1]++;
    }
    for (size_t b = 0; b < G->n_bins; b++)
        G->bin_start[b + 1] += G->bin_start[b];
    size_t *fill = malloc((G->n_bins + 1) * sizeof *fill);
    if (!fill) {
        free(f);
        return dac_error(DAC_ERR_NOMEM, "neighbour search: out of memory for %zu bins", G->n_bins);
    }
    memcpy(fill, G->bin_start, G->n_bins * sizeof *fill);
    for (size_t i = 0; i < n; i++) {
        bin_atom *ba = &G->sorted[fill[G->bin_of[i]]++];
        const double *r = s->position_A + 3 * i;
        double w0 = G->wrap[i][0], w1 = G->wrap[i][1], w2 = G->wrap[i][2];
        ba->x = r[0] - w0 * G->cell[0][0] - w1 * G->cell[1][0] - w2 * G->cell[2][0];
        ba->y = r[1] - w0 * G->cell[0][1] - w1 * G->cell[1][1] - w2 * G->cell[2][1];
        ba->z = r[2] - w0 * G->cell[0][2] - w1 * G->cell[1][2] - w2 * G->cell[2][2];
        ba->idx = (uint32_t)i;
    }
    free(fill);
    free(f);
    return DAC_OK;
}

/* Appends every neighbour of atom i (within cutoff) to e. */
static int search_centre(const grid *G, const dac_structure *s, size_t i, double cutoff2, entries *e)
{
    int b = G->bin_of[i];
    int bc[3] = {b / (G->g[1].n * G->g[2].n), (b / G->g[2].n) % G->g[1].n, b % G->g[2].n};
    const double *r = s->position_A + 3 * i;
    const int *wi = G->wrap[i];
    double px = r[0] - wi[0] * G->cell[0][0] - wi[1] * G->cell[1][0] - wi[2] * G->cell[2][0];
    double py = r[1] - wi[0] * G->cell[0][1] - wi[1] * G->cell[1][1] - wi[2] * G->cell[2][1];
    double pz = r[2] - wi[0] * G->cell[0][2] - wi[1] * G->cell[1][2] - wi[2] * G->cell[2][2];
    for (int o0 = -G->g[0].k; o0 <= G->g[0].k; o0++) {
        int b0, s0;
        if (!step(&G->g[0], bc[0], o0, &b0, &s0))
            continue;
        for (int o1 = -G->g[1].k; o1 <= G->g[1].k; o1++) {
            int b1, s1;
            if (!step(&G->g[1], bc[1], o1, &b1, &s1))
                continue;
            for (int o2 = -G->g[2].k; o2 <= G->g[2].k; o2++) {
                int b2, s2;
                if (!step(&G->g[2], bc[2], o2, &b2, &s2))
                    continue;
                double tx = s0 * G->cell[0][0] + s1 * G->cell[1][0] + s2 * G->cell[2][0] - px;
                double ty = s0 * G->cell[0][1] + s1 * G->cell[1][1] + s2 * G->cell[2][1] - py;
                double tz = s0 * G->cell[0][2] + s1 * G->cell[1][2] + s2 * G->cell[2][2] - pz;
                int same_image = s0 == 0 && s1 == 0 && s2 == 0;
                size_t flat = ((size_t)b0 * G->g[1].n + b1) * G->g[2].n + b2;
                for (size_t q = G->bin_start[flat]; q < G->bin_start[flat + 1]; q++) {
                    const bin_atom *a = &G->sorted[q];
                    double dx = a->x + tx, dy = a->y + ty, dz = a->z + tz;
                    double r2 = dx * dx + dy * dy + dz * dz;
                    if (r2 >= cutoff2 || (same_image && a->idx == i))
                        continue;
                    if (e->n == e->cap && entries_grow(e))
                        return DAC_ERR_NOMEM;
                    const int *wj = G->wrap[a->idx];
                    e->j[e->n] = a->idx;
                    e->d[e->n] = (float)sqrt(r2);
                    e->shift[e->n][0] = (int8_t)(s0 - wj[0] + wi[0]);
                    e->shift[e->n][1] = (int8_t)(s1 - wj[1] + wi[1]);
                    e->shift[e->n][2] = (int8_t)(s2 - wj[2] + wi[2]);
                    e->n++;
                }
            }
        }
    }
    return DAC_OK;
}

/* Expected number of entries from every 32nd centre, with 10 % to spare: one exact
 * allocation instead of repeated growth (at 10^7 entries, growth and its page faults
 * cost more than the search itself). */
static size_t estimate_entries(const grid *G, const dac_structure *s, double cutoff2,
                               const unsigned char *mask)
{
    enum { STRIDE = 32 };
    size_t centres = 0, sampled = 0, found = 0;
    for (size_t i = 0; i < s->n_atoms; i++) {
        if (mask && !mask[i])
            continue;
        if (centres++ % STRIDE)
            continue;
        entries probe = {0};
        if (search_centre(G, s, i, cutoff2, &probe) == DAC_OK) {
            found += probe.n;
            sampled++;
        }
        free(probe.j);
        free(probe.d);
        free(probe.shift);
    }
    if (!sampled)
        return 64;
    double want = (double)found / (double)sampled * (double)centres * 1.1 + 64;
    return want < 1e12 ? (size_t)want : (size_t)1e12; /* malloc fails → grow from 64 */
}

int dac_struct_neighbors(const dac_structure *s, double cutoff_A, const unsigned char *mask,
                         dac_neighbor_list **out)
{
    if (!s || !out)
        return dac_error(DAC_ERR_USAGE, "dac_struct_neighbors: NULL argument");
    *out = NULL;
    if (!(cutoff_A > 0) || !isfinite(cutoff_A))
        return dac_error(DAC_ERR_USAGE, "neighbour search: cutoff must be a positive number of Å, "
                         "got %g", cutoff_A);
    if (s->n_atoms > UINT32_MAX)
        return dac_error(DAC_ERR_USAGE, "neighbour search: at most %u atoms", (unsigned)UINT32_MAX);
    if (s->n_atoms && (!s->position_A))
        return dac_error(DAC_ERR_USAGE, "neighbour search: structure has no positions");
    dac_neighbor_list *nl = calloc(1, sizeof *nl);
    if (!nl)
        return dac_error(DAC_ERR_NOMEM, "neighbour search: out of memory");
    nl->n_atoms = s->n_atoms;
    nl->start = malloc((s->n_atoms + 1) * sizeof *nl->start);
    grid G;
    int rc = nl->start ? grid_build(&G, s, cutoff_A)
                       : dac_error(DAC_ERR_NOMEM, "neighbour search: out of memory");
    if (rc) {
        if (nl->start)
            grid_free(&G);
        dac_neighbor_list_free(nl);
        return rc;
    }
    entries e = {0};
    double cutoff2 = cutoff_A * cutoff_A;
    e.cap = estimate_entries(&G, s, cutoff2, mask);
    e.j = malloc(e.cap * sizeof *e.j);
    e.d = malloc(e.cap * sizeof *e.d);
    e.shift = malloc(e.cap * sizeof *e.shift);
    if (!e.j || !e.d || !e.shift) {
        e.cap = 0; /* entries_grow() starts over */
        rc = entries_grow(&e);
    }
    for (size_t i = 0; i < s->n_atoms && rc == DAC_OK; i++) {
        nl->start[i] = e.n;
        if (!mask || mask[i])
            rc = search_centre(&G, s, i, cutoff2, &e);
    }
    grid_free(&G);
    nl->start[s->n_atoms] = e.n;
    nl->n_pairs = e.n;
    nl->j = e.j;
    nl->distance_A = e.d;
    nl->shift = e.shift;
    if (rc) {
        dac_neighbor_list_free(nl);
        return rc;
    }
    *out = nl;
    return DAC_OK;
}

void dac_neighbor_list_free(dac_neighbor_list *nl)
{
    if (!nl)
        return;
    free(nl->start);
    free(nl->j);
    free(nl->distance_A);
    free(nl->shift);
    free(nl);
}

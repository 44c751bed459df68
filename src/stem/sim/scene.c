/*
 * scene.c — from a 3D structure to points on the image: the view frame, the field of
 * view, periodic images, cross-sections and the ground truth of the metal atoms.
 *
 * Choices (documented in docs/stem-simulate.md):
 * - Image axes for a beam direction v: e1 is the Cartesian axis least parallel to v
 *   (ties: the next axes after v's largest component, cyclically), made orthogonal to
 *   v; e2 = v × e1. Along z that is x right, y down, looking along +z.
 * - Field of view: the bounding box of the projected cell (its 8 corners), joined on
 *   image axes that periodic tiling does not fill with the atoms ± margin_A (all of it
 *   when there is no cell), so nothing outside a non-periodic cell is lost; --fov sets
 *   the size, centred on it. Atoms of which no copy lands in the image are counted and
 *   reported in a warning.
 * - Periodic images: along periodic lattice vectors that lie across the beam (projected
 *   length ≥ half their length), at most two (the longest non-parallel projections),
 *   every image whose projection falls inside the FOV is drawn. Vectors along the beam
 *   are not repeated: the specimen is one cell thick.
 * - Truth: every drawn periodic copy of a site is its own site (id by first
 *   appearance), complete when all its atoms are in the image. Copies are told apart
 *   by the tile of their anchor atom, using the image shifts of the site graph.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/sort.h"
#include "core/outset.h"
#include "dac/stem.h"
#include "stem/sim/sim_internal.h"

/* Drawn atoms are capped so a tiny cell in a huge FOV cannot exhaust memory. */
#define MAX_DRAWN ((size_t)20000000)
/* Projected coordinates beyond this are refused: no specimen is a metre wide, and tile
 * indices computed from them must fit a long. */
#define MAX_COORD_A 1e9

static int far_atom(size_t a)
{
    return dac_error(DAC_ERR_INPUT, "stem: atom %zu has a non-finite position or one farther "
                     "than %.0e Å from the origin", a + 1, MAX_COORD_A);
}

static double dot3(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void view_axes(const double vin[3], double e1[3], double e2[3], double v[3])
{
    double n = sqrt(dot3(vin, vin));
    for (int i = 0; i < 3; i++)
        v[i] = vin[i] / n;
    int d = 0;
    for (int i = 1; i < 3; i++)
        if (fabs(v[i]) > fabs(v[d]))
            d = i;
    int best = (d + 1) % 3;
    if (fabs(v[(d + 2) % 3]) < fabs(v[best]) - 1e-12)
        best = (d + 2) % 3;
    double a[3] = {0, 0, 0};
    a[best] = 1;
    double c = dot3(a, v);
    for (int i = 0; i < 3; i++)
        e1[i] = a[i] - c * v[i];
    n = sqrt(dot3(e1, e1));
    for (int i = 0; i < 3; i++)
        e1[i] /= n;
    e2[0] = v[1] * e1[2] - v[2] * e1[1];
    e2[1] = v[2] * e1[0] - v[0] * e1[2];
    e2[2] = v[0] * e1[1] - v[1] * e1[0];
}

/* Up to two lateral periodic lattice vectors, projected: P[i] = (u, w), lattice index
 * idx[i]. Lateral: projected length ≥ half the length; the longest two non-parallel. */
static int lateral_vectors(const dac_structure *s, const dac_stem_frame *f, double P[2][2],
                           int idx_out[2])
{
    int idx[3], m = 0;
    double len[3];
    if (!s->has_cell)
        return 0;
    for (int i = 0; i < 3; i++) {
        if (!s->pbc[i])
            continue;
        double pu = dot3(s->cell_A[i], f->e1), pw = dot3(s->cell_A[i], f->e2);
        double full = dot3(s->cell_A[i], s->cell_A[i]), proj = pu * pu + pw * pw;
        if (full > 0 && proj >= 0.25 * full) {
            idx[m] = i;
            len[m++] = proj;
        }
    }
    /* Longest first. */
    for (int a = 0; a < m; a++)
        for (int b = a + 1; b < m; b++)
            if (len[b] > len[a]) {
                double t = len[a]; len[a] = len[b]; len[b] = t;
                int ti = idx[a]; idx[a] = idx[b]; idx[b] = ti;
            }
    int k = 0;
    for (int a = 0; a < m && k < 2; a++) {
        double pu = dot3(s->cell_A[idx[a]], f->e1), pw = dot3(s->cell_A[idx[a]], f->e2);
        if (k == 1) {
            double cross = P[0][0] * pw - P[0][1] * pu;
            if (fabs(cross) < 1e-6 * sqrt(len[0] * len[a]))
                continue;
        }
        P[k][0] = pu;
        P[k][1] = pw;
        idx_out[k] = idx[a];
        k++;
    }
    return k;
}

/* Which image axes the periodic tiling fills: both with two lateral vectors; with one,
 * the image axis it lies along (an oblique one fills neither on its own). */
static void periodic_axes(int nlat, const double P[2][2], int periodic[2])
{
    periodic[0] = periodic[1] = nlat >= 2;
    if (nlat == 1) {
        double len = hypot(P[0][0], P[0][1]);
        periodic[0] = fabs(P[0][1]) <= 1e-6 * len;
        periodic[1] = fabs(P[0][0]) <= 1e-6 * len;
    }
}

int dac_stem_frame_compute(const dac_stem_options *opt, const dac_structure *s,
                           dac_stem_frame *f)
{
    int st = dac_stem_options_check(opt);
    if (st)
        return st;
    memset(f, 0, sizeof *f);
    view_axes(opt->view, f->e1, f->e2, f->view);
    f->pixel_A = opt->pixel_A;
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    double P[2][2];
    int idx[2], nlat = 0, periodic[2] = {0, 0};
    double t0 = 0; /* the cell's lowest coordinate along P[0], in units of P[0] */
    if (s->has_cell) {
        nlat = lateral_vectors(s, f, P, idx);
        periodic_axes(nlat, P, periodic);
        double pp = nlat ? P[0][0] * P[0][0] + P[0][1] * P[0][1] : 1;
        t0 = INFINITY;
        for (int c = 0; c < 8; c++) {
            double r[3] = {0, 0, 0};
            for (int i = 0; i < 3; i++)
                if (c & (1 << i))
                    for (int k = 0; k < 3; k++)
                        r[k] += s->cell_A[i][k];
            double uw[2] = {dot3(r, f->e1), dot3(r, f->e2)};
            for (int k = 0; k < 2; k++) {
                lo[k] = fmin(lo[k], uw[k]);
                hi[k] = fmax(hi[k], uw[k]);
            }
            if (nlat)
                t0 = fmin(t0, (uw[0] * P[0][0] + uw[1] * P[0][1]) / pp);
        }
    }
    /* Along axes the tiling does not fill, atoms outside the cell must widen the view:
     * the cell corners ∪ the atoms ± margin. With one oblique periodic vector, each atom
     * is first moved to its copy in the home cell along it. */
    if (!periodic[0] || !periodic[1]) {
        for (size_t a = 0; a < s->n_atoms; a++) {
            const double *r = s->position_A + 3 * a;
            double uw[2] = {dot3(r, f->e1), dot3(r, f->e2)};
            if (!(fabs(uw[0]) <= MAX_COORD_A && fabs(uw[1]) <= MAX_COORD_A))
                return far_atom(a);
            if (nlat == 1) {
                double pp = P[0][0] * P[0][0] + P[0][1] * P[0][1];
                double n = floor((uw[0] * P[0][0] + uw[1] * P[0][1]) / pp - t0);
                uw[0] -= n * P[0][0];
                uw[1] -= n * P[0][1];
            }
            for (int k = 0; k < 2; k++) {
                if (periodic[k])
                    continue;
                lo[k] = fmin(lo[k], uw[k] - opt->margin_A);
                hi[k] = fmax(hi[k], uw[k] + opt->margin_A);
            }
        }
    }
    if (!s->has_cell && s->n_atoms == 0) {
        if (!(opt->fov_A[0] > 0 && opt->fov_A[1] > 0))
            return dac_error(DAC_ERR_INPUT, "stem: structure has no atoms and no cell; "
                             "give a field of view");
        lo[0] = lo[1] = hi[0] = hi[1] = 0;
    }
    size_t n[2];
    for (int k = 0; k < 2; k++) {
        if (!isfinite(lo[k]) || !isfinite(hi[k]))
            return dac_error(DAC_ERR_INPUT, "stem: structure has non-finite coordinates");
        double size = opt->fov_A[k] > 0 ? opt->fov_A[k] : hi[k] - lo[k];
        double px = ceil(size / opt->pixel_A - 1e-6);
        if (!(px >= 4 && px <= 32768))
            return dac_error(DAC_ERR_USAGE, "stem: field of view %.4g Å at %.4g Å/pixel is "
                             "%.0f pixels along %s; expected 4 … 32768", size, opt->pixel_A,
                             px, k ? "y" : "x");
        n[k] = (size_t)px;
        f->origin_A[k] = 0.5 * (lo[k] + hi[k]) - 0.5 * px * opt->pixel_A;
        f->extent_A[k] = size;
    }
    f->width = n[0];
    f->height = n[1];
    return DAC_OK;
}

/* Integer range of n so that q + n·P can fall inside the box [lo, hi] (both axes),
 * from the box corners' coordinates along P (exact for one vector, a superset for two:
 * the caller tests every candidate). */
static void tile_range(const double q[2], const double P[2], const double lo[2],
                       const double hi[2], long *nmin, long *nmax)
{
    double pp = P[0] * P[0] + P[1] * P[1], a = INFINITY, b = -INFINITY;
    for (int c = 0; c < 4; c++) {
        double x = (c & 1 ? hi[0] : lo[0]) - q[0], y = (c & 2 ? hi[1] : lo[1]) - q[1];
        double t = (x * P[0] + y * P[1]) / pp;
        a = fmin(a, t);
        b = fmax(b, t);
    }
    *nmin = (long)floor(a) - 1;
    *nmax = (long)ceil(b) + 1;
}

/* The points to draw, with where each came from: the structure atom and the periodic
 * copy (tile[0], tile[1]: multiples of the lateral lattice vectors lat[0], lat[1]). */
typedef struct {
    dac_stem_point *pts;
    size_t *atom;
    int32_t (*tile)[2];
    size_t n, cap;
    int nlat, lat[2];
    size_t n_not_drawn; /* structure atoms of which no copy fell inside the image */
} point_list;

static void point_list_free(point_list *l)
{
    free(l->pts);
    free(l->atom);
    free(l->tile);
}

static int push(point_list *l, double x, double y, double sigma, size_t atom, long i, long j)
{
    if (l->n == l->cap) {
        if (l->cap >= MAX_DRAWN)
            return dac_error(DAC_ERR_USAGE, "stem: more than %zu atoms would be drawn "
                             "(small periodic cell in a large field of view)", MAX_DRAWN);
        size_t cap = l->cap ? 2 * l->cap : 1024;
        dac_stem_point *p = realloc(l->pts, cap * sizeof *p);
        if (p)
            l->pts = p;
        size_t *a = realloc(l->atom, cap * sizeof *a);
        if (a)
            l->atom = a;
        int32_t(*t)[2] = realloc(l->tile, cap * sizeof *t);
        if (t)
            l->tile = t;
        if (!p || !a || !t)
            return dac_error(DAC_ERR_NOMEM, "stem: out of memory for %zu atoms", cap);
        l->cap = cap;
    }
    l->pts[l->n] = (dac_stem_point){x, y, sigma};
    l->tile[l->n][0] = (int32_t)i;
    l->tile[l->n][1] = (int32_t)j;
    l->atom[l->n++] = atom;
    return DAC_OK;
}

/* Says once per element when σ comes from the Z^1.9 fit rather than the table. */
static void warn_fallback(const dac_stem_options *opt, int Z, double sigma_A2,
                          unsigned char *warned)
{
    const dac_element *e = dac_element_by_Z(Z);
    if (opt->zpower > 0 || warned[Z] || (e && e->haadf_sigma_1e4A2 > 0))
        return;
    warned[Z] = 1;
    dac_warn("stem: no tabulated HAADF cross-section for %s (Z = %d); using %.3g×10⁻⁴ Å² "
             "from c·Z^1.9 fitted to the table", e ? e->symbol : "?", Z, sigma_A2 * 1e4);
}

/* Projects and tiles every atom into the FOV of frame f. */
static int collect_points(const dac_stem_options *opt, const dac_structure *s,
                          const dac_stem_frame *f, point_list *l)
{
    double P[2][2];
    int nlat = l->nlat = lateral_vectors(s, f, P, l->lat);
    double p = f->pixel_A;
    /* Draw inside the extent, centred in the image (see dac_stem_frame). */
    double lo[2], hi[2];
    for (int k = 0; k < 2; k++) {
        double full = (k ? f->height : f->width) * p;
        double ext = fmin(f->extent_A[k], full);
        lo[k] = f->origin_A[k] + 0.5 * (full - ext);
        hi[k] = lo[k] + ext;
    }
    double sigma_Z[129];
    unsigned char warned[129] = {0};
    for (int Z = 0; Z < 129; Z++)
        sigma_Z[Z] = dac_stem_sigma_A2(opt, Z);
    for (size_t a = 0; a < s->n_atoms; a++) {
        const double *r = s->position_A + 3 * a;
        double q[2] = {dot3(r, f->e1), dot3(r, f->e2)};
        int Z = s->Z[a];
        if (Z < 0 || Z > 128)
            return dac_error(DAC_ERR_INPUT, "stem: atom %zu has atomic number %d", a + 1, Z);
        if (!(fabs(q[0]) <= MAX_COORD_A && fabs(q[1]) <= MAX_COORD_A))
            return far_atom(a);
        warn_fallback(opt, Z, sigma_Z[Z], warned);
        long r0[2] = {0, 0}, r1[2] = {0, 0};
        for (int k = 0; k < nlat; k++)
            tile_range(q, P[k], lo, hi, &r0[k], &r1[k]);
        size_t before = l->n;
        for (long i = r0[0]; i <= r1[0]; i++)
            for (long j = r0[1]; j <= r1[1]; j++) {
                double u = q[0] + (nlat > 0 ? i * P[0][0] : 0) + (nlat > 1 ? j * P[1][0] : 0);
                double w = q[1] + (nlat > 0 ? i * P[0][1] : 0) + (nlat > 1 ? j * P[1][1] : 0);
                if (u < lo[0] || u >= hi[0] || w < lo[1] || w >= hi[1])
                    continue;
                int st = push(l, (u - f->origin_A[0]) / p - 0.5,
                              (w - f->origin_A[1]) / p - 0.5, sigma_Z[Z], a, i, j);
                if (st)
                    return st;
            }
        l->n_not_drawn += l->n == before;
    }
    return DAC_OK;
}

/* Lattice offsets that put the atoms of each (non-extended) site together: atom a of a
 * site sits at r_a + off[a]·cell in the copy anchored at the site's first atom. The
 * site analysis joins metals closer than pair_cutoff_A under the minimum image; this
 * walks the same graph, keeping the image shifts it does not export. */
static int site_offsets(const dac_structure *s, const dac_site_analysis *an,
                        const size_t *site_of, double cutoff_A, int32_t (*off)[3])
{
    unsigned char *mask = calloc(s->n_atoms ? s->n_atoms : 1, 1);
    size_t *queue = malloc((s->n_atoms ? s->n_atoms : 1) * sizeof *queue);
    unsigned char *seen = calloc(s->n_atoms ? s->n_atoms : 1, 1);
    dac_neighbor_list *nl = NULL;
    int st = DAC_OK;
    if (!mask || !queue || !seen)
        st = dac_error(DAC_ERR_NOMEM, "stem: out of memory for the ground truth");
    for (size_t a = 0; !st && a < s->n_atoms; a++)
        mask[a] = site_of[a] != SIZE_MAX;
    if (!st)
        st = dac_struct_neighbors(s, cutoff_A, mask, &nl);
    for (size_t k = 0; !st && k < an->n_sites; k++) {
        const dac_site *site = &an->sites[k];
        if (site->n_atoms == 0 || site->extended)
            continue;
        size_t head = 0, tail = 0, a0 = site->atoms[0];
        queue[tail++] = a0;
        seen[a0] = 1;
        memset(off[a0], 0, sizeof off[a0]);
        while (head < tail) {
            size_t a = queue[head++];
            for (size_t e = nl->start[a]; e < nl->start[a + 1]; e++) {
                size_t b = nl->j[e];
                if (seen[b] || site_of[b] != k)
                    continue;
                double d2 = 0;
                for (int x = 0; x < 3; x++) {
                    double v = s->position_A[3 * b + x] - s->position_A[3 * a + x];
                    for (int c = 0; c < 3; c++)
                        v += nl->shift[e][c] * s->cell_A[c][x];
                    d2 += v * v;
                }
                if (d2 >= cutoff_A * cutoff_A)
                    continue;
                for (int c = 0; c < 3; c++)
                    off[b][c] = off[a][c] + nl->shift[e][c];
                seen[b] = 1;
                queue[tail++] = b;
            }
        }
    }
    dac_neighbor_list_free(nl);
    free(mask);
    free(queue);
    free(seen);
    return st;
}

/* One truth row's site copy: the site and the tile of the copy's anchor atom (the
 * site's first atom), so rows with equal (site, anchor) are atoms of one drawn copy. */
typedef struct {
    size_t site;
    int32_t anchor[2];
    size_t row;
    size_t copy; /* index into the copy table below */
} copy_key;

/* A drawn site copy: its site, its first truth row, how many of its atoms were drawn. */
typedef struct {
    size_t site, first_row, n_drawn, index;
} site_copy;

static int same_copy(const copy_key *a, const copy_key *b)
{
    return a->site == b->site && a->anchor[0] == b->anchor[0] && a->anchor[1] == b->anchor[1];
}

static int compare_keys(const void *pa, const void *pb, void *ctx)
{
    (void)ctx;
    const copy_key *a = pa, *b = pb;
    if (a->site != b->site)
        return a->site < b->site ? -1 : 1;
    for (int k = 0; k < 2; k++)
        if (a->anchor[k] != b->anchor[k])
            return a->anchor[k] < b->anchor[k] ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

static int compare_first_row(const void *pa, const void *pb, void *ctx)
{
    (void)ctx;
    const site_copy *a = pa, *b = pb;
    return a->first_row < b->first_row ? -1 : a->first_row > b->first_row;
}

/* Gives every drawn site copy its own id (0, 1, … in order of first row), marks it
 * complete when all its atoms are drawn, and counts complete and cut copies by kind.
 * An extended site (an infinite network) is one copy, never complete. */
static int number_site_copies(const dac_structure *s, const dac_site_analysis *an,
                              const size_t *site_of, const point_list *l, dac_stem_truth *t)
{
    dac_site_options so;
    dac_site_options_default(&so);
    size_t n = t->n_atoms;
    int32_t(*off)[3] = calloc(s->n_atoms ? s->n_atoms : 1, sizeof *off);
    copy_key *key = malloc((n ? n : 1) * sizeof *key);
    site_copy *copy = malloc((n ? n : 1) * sizeof *copy);
    size_t *id = malloc((n ? n : 1) * sizeof *id);
    int st = DAC_OK;
    if (!off || !key || !copy || !id)
        st = dac_error(DAC_ERR_NOMEM, "stem: out of memory for the ground truth");
    if (!st && l->nlat > 0)
        st = site_offsets(s, an, site_of, so.pair_cutoff_A, off);
    if (!st) {
        /* Truth rows are the metal points in drawing order. */
        for (size_t i = 0, r = 0; i < l->n; i++) {
            size_t a = l->atom[i], k = site_of[a];
            if (k == SIZE_MAX)
                continue;
            copy_key *c = &key[r];
            *c = (copy_key){k, {0, 0}, r, 0};
            r++;
            for (int m = 0; m < l->nlat && !an->sites[k].extended; m++)
                c->anchor[m] = l->tile[i][m] - off[a][l->lat[m]];
        }
        if (dac_sort(key, n, sizeof *key, compare_keys, NULL) != DAC_OK)
            st = DAC_ERR_NOMEM;
        size_t nc = 0;
        for (size_t r = 0; r < n; r++) {
            if (r == 0 || !same_copy(&key[r], &key[r - 1])) {
                copy[nc] = (site_copy){key[r].site, key[r].row, 0, nc};
                nc++;
            }
            key[r].copy = nc - 1;
            copy[nc - 1].n_drawn++;
        }
        if (st == DAC_OK && dac_sort(copy, nc, sizeof *copy, compare_first_row, NULL) != DAC_OK)
            st = DAC_ERR_NOMEM;
        for (size_t c = 0; c < nc; c++) {
            const dac_site *site = &an->sites[copy[c].site];
            id[copy[c].index] = c;
            if (!site->extended && copy[c].n_drawn == site->n_atoms)
                t->site_count[site->kind]++;
            else
                t->site_count_incomplete[site->kind]++;
        }
        for (size_t r = 0; r < n; r++) {
            size_t c = id[key[r].copy];
            const dac_site *site = &an->sites[copy[c].site];
            dac_stem_truth_atom *ta = &t->atoms[key[r].row];
            ta->site = c;
            ta->complete = !site->extended && copy[c].n_drawn == site->n_atoms;
        }
        t->n_site_copies = nc;
    }
    free(off);
    free(key);
    free(copy);
    free(id);
    return st;
}

static int build_truth(const dac_stem_sim *sim, const dac_structure *s, const point_list *l,
                       const dac_stem_frame *f, dac_stem_truth **out)
{
    dac_site_options so;
    dac_site_options_default(&so);
    dac_site_analysis *an = NULL;
    int st = dac_struct_analyze(s, &so, &an);
    if (st)
        return st;
    size_t *site_of = malloc((s->n_atoms + 1) * sizeof *site_of);
    dac_stem_truth *t = calloc(1, sizeof *t);
    if (!site_of || !t) {
        free(site_of);
        free(t);
        dac_site_analysis_free(an);
        return dac_error(DAC_ERR_NOMEM, "stem: out of memory for the ground truth");
    }
    t->frame = *f;
    for (size_t a = 0; a < s->n_atoms; a++)
        site_of[a] = SIZE_MAX;
    for (size_t k = 0; k < an->n_sites; k++)
        for (size_t m = 0; m < an->sites[k].n_atoms; m++)
            if (an->sites[k].atoms[m] < s->n_atoms)
                site_of[an->sites[k].atoms[m]] = k;
    for (int k = 0; k < 4; k++)
        t->structure_site_count[k] = an->count[k];
    size_t n_metal = 0;
    for (size_t i = 0; i < l->n; i++)
        n_metal += site_of[l->atom[i]] != SIZE_MAX;
    t->atoms = calloc(n_metal ? n_metal : 1, sizeof *t->atoms);
    if (!t->atoms) {
        free(site_of);
        dac_stem_truth_free(t);
        dac_site_analysis_free(an);
        return dac_error(DAC_ERR_NOMEM, "stem: out of memory for the ground truth");
    }
    for (size_t i = 0; i < l->n; i++) {
        size_t a = l->atom[i], k = site_of[a];
        if (k == SIZE_MAX)
            continue;
        dac_stem_truth_atom *ta = &t->atoms[t->n_atoms++];
        double y = l->pts[i].y_px;
        long row = lround(y);
        row = row < 0 ? 0 : row >= (long)f->height ? (long)f->height - 1 : row;
        ta->x_px = l->pts[i].x_px + dac_stem_sim_line_shift(sim, (size_t)row);
        ta->y_px = y;
        ta->x_A = (l->pts[i].x_px + 0.5) * f->pixel_A;
        ta->y_A = (y + 0.5) * f->pixel_A;
        ta->Z = s->Z[a];
        ta->atom = a;
        ta->structure_site = k;
        ta->kind = an->sites[k].kind;
    }
    st = number_site_copies(s, an, site_of, l, t);
    t->n_atoms_total = l->n;
    t->n_atoms_not_drawn = l->n_not_drawn;
    free(site_of);
    dac_site_analysis_free(an);
    if (st) {
        dac_stem_truth_free(t);
        return st;
    }
    *out = t;
    return DAC_OK;
}

int dac_stem_sim_render(dac_stem_sim *sim, const dac_structure *s, uint64_t seed,
                        dac_image **image, dac_stem_truth **truth)
{
    *image = NULL;
    if (truth)
        *truth = NULL;
    const dac_stem_options *opt = sim_options(sim);
    dac_stem_frame f;
    int st = dac_stem_frame_compute(opt, s, &f);
    if (st)
        return st;
    /* Keep the frame's centre, take the simulator's size. */
    size_t W = sim_width(sim), H = sim_height(sim);
    for (int k = 0; k < 2; k++) {
        double centre = f.origin_A[k] + 0.5 * (k ? f.height : f.width) * f.pixel_A;
        f.origin_A[k] = centre - 0.5 * (k ? H : W) * f.pixel_A;
    }
    f.width = W;
    f.height = H;
    point_list l = {0};
    if ((st = collect_points(opt, s, &f, &l)) ||
        (st = dac_stem_sim_render_points(sim, l.pts, l.n, seed, image)) ||
        (truth && (st = build_truth(sim, s, &l, &f, truth)))) {
        dac_image_free(*image);
        *image = NULL;
    } else {
        if (l.n_not_drawn)
            dac_warn("stem: %zu atom%s outside the field of view not drawn", l.n_not_drawn,
                     l.n_not_drawn == 1 ? "" : "s");
        if (truth) {
            double sum = 0;
            for (size_t i = 0; i < l.n; i++)
                sum += l.pts[i].sigma_A2;
            sum += sim_support_mean_fraction(opt) * (W * f.pixel_A) * (H * f.pixel_A);
            (*truth)->expected_electrons = isinf(opt->dose_e_A2) ? NAN : opt->dose_e_A2 * sum;
        }
    }
    point_list_free(&l);
    return st;
}

void dac_stem_truth_free(dac_stem_truth *t)
{
    if (!t)
        return;
    free(t->atoms);
    free(t);
}

int dac_stem_truth_write(FILE *fp, const dac_stem_truth *t)
{
    fputs("x_px,y_px,x_A,y_A,element,site,kind,complete\n", fp);
    for (size_t i = 0; i < t->n_atoms; i++) {
        const dac_stem_truth_atom *a = &t->atoms[i];
        const dac_element *e = dac_element_by_Z(a->Z);
        /* 10⁻⁴ px / 10⁻⁵ Å: far below any localisation a counter can reach. */
        fprintf(fp, "%.4f,%.4f,%.5f,%.5f,", a->x_px, a->y_px, a->x_A, a->y_A);
        dac_csv_write_field(fp, e ? e->symbol : "X", 0);
        fprintf(fp, "%zu,", a->site);
        dac_csv_write_field(fp, dac_site_kind_name(a->kind), 0);
        fprintf(fp, "%d\n", a->complete ? 1 : 0);
    }
    if (fflush(fp) != 0 || ferror(fp))
        return dac_error(DAC_ERR_RUNTIME, "ground truth CSV: write failed");
    return DAC_OK;
}

int dac_stem_truth_write_csv(const char *path, const dac_stem_truth *t)
{
    dac_outset *set;
    FILE *f;
    int st = dac_outset_create_file(path, &set, &f);
    if (st)
        return st;
    if (dac_stem_truth_write(f, t) != DAC_OK)
        st = dac_error(DAC_ERR_RUNTIME, "%s: write failed", path);
    return dac_outset_finish(set, st);
}

/*
 * snapshot.c — the atomistic structure of the lattice: metals, and the N and C atoms of
 * the pocket shells they sit in, placed so that `dac struct analyze` (default options)
 * finds exactly the lattice's sites and labels.
 *
 * Geometry (all in Å; z = 0 is the plane of pocket metals):
 *  - a metal in a pocket at its site, z = 0; a metal on a plain site 1.5 Å above the
 *    sheet (a hollow-site adatom);
 *  - each shell atom 1.62 Å from its owner in the plane, toward a nearest-neighbour
 *    site, and 1.0 Å below (bond 1.90 Å, like M–N in M–N4 sites); a single pocket owns
 *    4 (toward neighbours 0°, 60°, 180°, 240° on the triangular lattice), a dual pocket
 *    7: three toward each metal's outer neighbours and one bridging atom under the
 *    middle of the pair, at the same bond length.
 * A shell atom is written when one of its owners is occupied. Within bonding distance
 * of a written shell atom there are then only its owners and their nearest neighbours,
 * which belong to the same site, so the site's first shell is the union of its metals'
 * shell atoms. synth_geometry_check proves that for the lattice and elements of a run
 * (every site up to four steps away is tested) and that nearest neighbours — and only
 * they — are closer than the pair cutoff.
 */
#include <stdlib.h>
#include <string.h>

#include "synth/synth_internal.h"

#define MARGIN_A 0.05
#define Z_BASE_A 10.0   /* the sheet sits in the middle of a 20 Å cell */
#define CELL_C_A 20.0

unsigned synth_shell_owners(int dual, int k)
{
    if (!dual)
        return 1;
    return k < 3 ? 1u : k < 6 ? 2u : 3u;
}

static void unit(const synth_lattice *g, int d, double u[2])
{
    d = ((d % g->z) + g->z) % g->z;
    synth_site_position(g, g->dx[d], g->dy[d], u);
    u[0] /= g->a;
    u[1] /= g->a;
}

void synth_shell_offsets(const synth_lattice *g, int dual, int dir, double off[7][3])
{
    static const int single_tri[4] = {0, 1, 3, 4}, single_sq[4] = {0, 1, 2, 3};
    double u[2], r = SYNTH_SHELL_R_A;
    memset(off, 0, 7 * sizeof off[0]);
    for (int k = 0; k < 7; k++)
        off[k][2] = SYNTH_SHELL_Z_A;
    if (!dual) {
        for (int k = 0; k < 4; k++) {
            unit(g, g->z == 6 ? single_tri[k] : single_sq[k], u);
            off[k][0] = r * u[0];
            off[k][1] = r * u[1];
        }
        return;
    }
    double q[2];
    unit(g, dir, q);
    q[0] *= g->a;
    q[1] *= g->a;
    /* outer neighbours: of P (away from Q) and of Q (away from P) */
    int p_dirs[3], q_dirs[3];
    for (int k = 0; k < 3; k++) {
        p_dirs[k] = g->z == 6 ? dir + 2 + k : dir + 1 + k;
        q_dirs[k] = g->z == 6 ? dir + 5 + k : dir + 3 + k;
    }
    for (int k = 0; k < 3; k++) {
        unit(g, p_dirs[k], u);
        off[k][0] = r * u[0];
        off[k][1] = r * u[1];
        unit(g, q_dirs[k], u);
        off[3 + k][0] = q[0] + r * u[0];
        off[3 + k][1] = q[1] + r * u[1];
    }
    /* bridge: under the middle of P–Q, as deep as keeps the bond length */
    double b2 = r * r + SYNTH_SHELL_Z_A * SYNTH_SHELL_Z_A, h2 = b2 - 0.25 * g->a * g->a;
    off[6][0] = 0.5 * q[0];
    off[6][1] = 0.5 * q[1];
    off[6][2] = h2 > 0 ? -sqrt(h2) : 0.0;
}

/* ------------------------------------------------------------ geometry check ------ */

static double dist3(const double a[3], const double b[3])
{
    double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
    return sqrt(dx * dx + dy * dy + dz * dz);
}

static int is_neighbour(const synth_lattice *g, int x, int y, int ox, int oy)
{
    for (int d = 0; d < g->z; d++)
        if (x == ox + g->dx[d] && y == oy + g->dy[d])
            return 1;
    return 0;
}

/* A metal at site (x, y), in a pocket or on a plain site, bonds to shell atom r. */
static int too_close(const synth_lattice *g, int x, int y, const double r[3], double cut)
{
    for (int level = 0; level < 2; level++) {
        double m[3] = {0, 0, level ? SYNTH_PLAIN_Z_A : 0};
        synth_site_position(g, x, y, m);
        if (dist3(m, r) < cut + MARGIN_A)
            return 1;
    }
    return 0;
}

/* The shell atoms of one pocket configuration against every site within four steps. */
static int check_pocket(const synth_lattice *g, int dual, int dir, const double *cut_N,
                        const double *cut_C, size_t n, double cut_max)
{
    double off[7][3];
    synth_shell_offsets(g, dual, dir, off);
    int ox[2] = {0, dual ? g->dx[dir] : 0}, oy[2] = {0, dual ? g->dy[dir] : 0};
    int n_shell = dual ? 7 : 4;
    for (int k = 0; k < n_shell; k++) {
        /* owners are bonded to it (pocket metals at z = 0) */
        for (int pos = 0; pos <= dual; pos++) {
            if (!(synth_shell_owners(dual, k) >> pos & 1))
                continue;
            double o[3] = {0, 0, 0};
            synth_site_position(g, ox[pos], oy[pos], o);
            double d = dist3(o, off[k]);
            for (size_t m = 0; m < n; m++)
                if (d > fmin(cut_N[m], cut_C[m]) - MARGIN_A)
                    return dac_error(DAC_ERR_INPUT, "lattice.spacing_A = %g Å: a pocket's shell atom "
                                     "would be %.2f Å from its metal, beyond the bond cutoff %.2f Å",
                                     g->a, d, fmin(cut_N[m], cut_C[m]));
        }
        /* with only owner `occupied` holding a metal: nothing else may come near */
        for (int occupied = 0; occupied <= dual; occupied++) {
            if (!(synth_shell_owners(dual, k) >> occupied & 1))
                continue;
            for (int y = -4; y <= 4; y++)
                for (int x = -4; x <= 4; x++) {
                    int allowed = is_neighbour(g, x, y, ox[occupied], oy[occupied]);
                    for (int pos = 0; pos <= dual; pos++)
                        allowed |= x == ox[pos] && y == oy[pos];
                    if (!allowed && too_close(g, x, y, off[k], cut_max))
                        return dac_error(DAC_ERR_INPUT, "lattice.spacing_A = %g Å: a pocket's "
                                         "shell atom would be within the bond cutoff (%.2f Å) of "
                                         "a metal on a site two or more steps away; use a "
                                         "spacing of 2.25 … 3.1 Å", g->a, cut_max);
                }
        }
    }
    return DAC_OK;
}

int synth_geometry_check(const synth_lattice *g, const int *Z, size_t n)
{
    dac_site_options o;
    dac_site_options_default(&o);
    const dac_element *N = dac_element_by_symbol("N"), *C = dac_element_by_symbol("C");
    double cut_N[DAC_SYNTH_MAX_METALS], cut_C[DAC_SYNTH_MAX_METALS], cut_max = 0;
    if (n > DAC_SYNTH_MAX_METALS)
        return dac_error(DAC_ERR_USAGE, "synth_geometry_check: at most %d metals", DAC_SYNTH_MAX_METALS);
    for (size_t m = 0; m < n; m++) {
        const dac_element *el = dac_element_by_Z(Z[m]);
        if (!el)
            return dac_error(DAC_ERR_INPUT, "metals.%zu: unknown element Z = %d", m, Z[m]);
        cut_N[m] = o.bond_tolerance * (el->covalent_radius_A + N->covalent_radius_A);
        cut_C[m] = o.bond_tolerance * (el->covalent_radius_A + C->covalent_radius_A);
        cut_max = fmax(cut_max, fmax(cut_N[m], cut_C[m]));
    }
    double nn = sqrt(g->a * g->a + SYNTH_PLAIN_Z_A * SYNTH_PLAIN_Z_A);
    double nnn = g->a * (g->z == 6 ? sqrt(3.0) : sqrt(2.0));
    if (nn >= o.pair_cutoff_A - MARGIN_A)
        return dac_error(DAC_ERR_INPUT, "lattice.spacing_A = %g Å: neighbouring metals (%.2f Å "
                         "apart with one on a pocket) would not be a pair for dac struct (cutoff "
                         "%.2f Å); use a spacing of at most %.2f Å", g->a, nn, o.pair_cutoff_A,
                         sqrt(pow(o.pair_cutoff_A - MARGIN_A, 2) - SYNTH_PLAIN_Z_A * SYNTH_PLAIN_Z_A));
    if (nnn < o.pair_cutoff_A + MARGIN_A)
        return dac_error(DAC_ERR_INPUT, "lattice.spacing_A = %g Å: metals two steps apart "
                         "(%.2f Å) would count as a pair for dac struct (cutoff %.2f Å); use a "
                         "spacing of at least %.2f Å", g->a, nnn, o.pair_cutoff_A,
                         (o.pair_cutoff_A + MARGIN_A) / (g->z == 6 ? sqrt(3.0) : sqrt(2.0)));
    int st = check_pocket(g, 0, 0, cut_N, cut_C, n, cut_max);
    for (int dir = 0; st == DAC_OK && dir < g->z; dir++)
        st = check_pocket(g, 1, dir, cut_N, cut_C, n, cut_max);
    return st;
}

/* ------------------------------------------------------------ structure ----------- */

/* The one place that makes a structure. */
static int new_structure(size_t n, dac_structure **out) { return dac_structure_create(n, out); }

static size_t shell_atoms_written(const dac_synth_engine *e, const synth_pocket *pk, unsigned *occ)
{
    *occ = 0;
    for (int pos = 0; pos <= pk->dual; pos++)
        if (e->state[synth_index(&e->g, pk->x[pos], pk->y[pos])] & SYNTH_OCC)
            *occ |= 1u << pos;
    size_t n = 0;
    for (int k = 0; k < pk->n_shell; k++)
        n += (synth_shell_owners(pk->dual, k) & *occ) != 0;
    return n;
}

/* Wraps an in-plane position into the cell [0,1)² (fractional). */
static void wrap_in_cell(const double cell[2][2], double r[2])
{
    double det = cell[0][0] * cell[1][1] - cell[0][1] * cell[1][0];
    double f0 = (r[0] * cell[1][1] - r[1] * cell[1][0]) / det;
    double f1 = (r[1] * cell[0][0] - r[0] * cell[0][1]) / det;
    f0 -= floor(f0);
    f1 -= floor(f1);
    r[0] = f0 * cell[0][0] + f1 * cell[1][0];
    r[1] = f0 * cell[0][1] + f1 * cell[1][1];
}

int synth_snapshot(const dac_synth_engine *e, dac_structure **out)
{
    *out = NULL;
    const synth_lattice *g = &e->g;
    size_t n = e->n_atoms;
    for (size_t p = 0; p < e->n_pockets; p++) {
        unsigned occ;
        n += shell_atoms_written(e, &e->pockets[p], &occ);
    }
    dac_structure *s;
    int st = new_structure(n, &s);
    if (st)
        return st;
    double cell[2][2];
    synth_lattice_cell(g, cell);
    s->has_cell = 1;
    s->pbc[0] = s->pbc[1] = 1;
    s->pbc[2] = 0;
    s->cell_A[0][0] = cell[0][0], s->cell_A[0][1] = cell[0][1];
    s->cell_A[1][0] = cell[1][0], s->cell_A[1][1] = cell[1][1];
    s->cell_A[2][2] = CELL_C_A;
    size_t k = 0;
    for (size_t i = 0; i < e->n_atoms; i++, k++) {
        const synth_atom *a = &e->atoms[i];
        double *r = s->position_A + 3 * k;
        synth_site_position(g, a->x, a->y, r);
        int pocket = (a->flags & SYNTH_ATOM_PLACED) && (e->state[synth_index(g, a->x, a->y)] & SYNTH_POCKET);
        r[2] = Z_BASE_A + (pocket ? 0.0 : SYNTH_PLAIN_Z_A);
        s->Z[k] = e->p.metal[a->metal].Z;
    }
    const int Z_N = dac_element_by_symbol("N")->Z, Z_C = dac_element_by_symbol("C")->Z;
    for (size_t p = 0; p < e->n_pockets; p++) {
        const synth_pocket *pk = &e->pockets[p];
        unsigned occ;
        if (!shell_atoms_written(e, pk, &occ))
            continue;
        double off[7][3], base[2];
        synth_shell_offsets(g, pk->dual, pk->dir, off);
        synth_site_position(g, pk->x[0], pk->y[0], base);
        for (int j = 0; j < pk->n_shell; j++) {
            if (!(synth_shell_owners(pk->dual, j) & occ))
                continue;
            double *r = s->position_A + 3 * k;
            r[0] = base[0] + off[j][0];
            r[1] = base[1] + off[j][1];
            wrap_in_cell(cell, r);
            r[2] = Z_BASE_A + off[j][2];
            s->Z[k++] = (pk->is_N >> j & 1) ? Z_N : Z_C;
        }
    }
    char comment[160];
    snprintf(comment, sizeof comment, "dac synth: %s, t = %.6g s, T = %.6g K",
             dac_synth_route_name(e->p.route), synth_dd_value(e->t), e->kT_eV / DAC_KB_EV_PER_K);
    s->comment = strdup(comment);
    *out = s;
    return DAC_OK;
}

int dac_synth_engine_snapshot(const dac_synth_engine *e, dac_structure **out)
{
    if (!e || !out)
        return dac_error(DAC_ERR_USAGE, "dac_synth_engine_snapshot: NULL argument");
    return synth_snapshot(e, out);
}

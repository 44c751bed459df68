/*
 * lattice.c — the support lattice and the starting state of each route: geometry of
 * the site lattice, anchor pockets (uniformly random or on a superlattice), the dinuclear
 * complexes of the template route, the M1 single atoms of the navigation route, and
 * where an arriving atom lands (uniformly, or drawn to photo-charged M1 atoms).
 *
 * Sites are (x, y) in lattice coordinates. Triangular lattice (graphene hollow sites,
 * PCN cavities): axial coordinates, Cartesian r = a (x + y/2, y √3/2), six neighbours
 * (±1,0), (0,±1), ±(−1,1); square lattice: four neighbours. Periodic in both.
 */
#include <stdlib.h>
#include <string.h>

#include "synth/synth_internal.h"

void synth_lattice_init(synth_lattice *g, const dac_synth_params *p)
{
    static const int tri_dx[6] = {1, 0, -1, -1, 0, 1}, tri_dy[6] = {0, 1, 1, 0, -1, -1};
    static const int sq_dx[4] = {1, 0, -1, 0}, sq_dy[4] = {0, 1, 0, -1};
    memset(g, 0, sizeof *g);
    g->type = (int)p->lattice;
    g->z = p->lattice == DAC_SYNTH_SQUARE ? 4 : 6;
    g->L = (int)p->sites_per_side;
    g->TL = g->L / 8;
    g->a = p->spacing_A;
    for (int d = 0; d < g->z; d++) {
        g->dx[d] = g->z == 6 ? tri_dx[d] : sq_dx[d];
        g->dy[d] = g->z == 6 ? tri_dy[d] : sq_dy[d];
        g->dindex[d] = g->dx[d] + 8 * g->dy[d]; /* within a tile: x in bits 0–2, y in 3–5 */
    }
}

void synth_site_position(const synth_lattice *g, double x, double y, double r[2])
{
    if (g->z == 6) {
        r[0] = g->a * (x + 0.5 * y);
        r[1] = g->a * y * 0.86602540378443864676;
    } else {
        r[0] = g->a * x;
        r[1] = g->a * y;
    }
}

void synth_lattice_cell(const synth_lattice *g, double cell[2][2])
{
    synth_site_position(g, g->L, 0, cell[0]);
    synth_site_position(g, 0, g->L, cell[1]);
}

static int lattice_distance1(const synth_lattice *g, int du, int dv)
{
    if (g->z == 4)
        return abs(du) + abs(dv);
    int m = abs(du) > abs(dv) ? abs(du) : abs(dv);
    return abs(du + dv) > m ? abs(du + dv) : m;
}

int synth_lattice_distance(const synth_lattice *g, int x0, int y0, int x1, int y1)
{
    int du = synth_wrap(x1 - x0, g->L), dv = synth_wrap(y1 - y0, g->L), best = INT32_MAX;
    for (int i = -1; i <= 0; i++)
        for (int j = -1; j <= 0; j++) {
            int d = lattice_distance1(g, du + i * g->L, dv + j * g->L);
            best = d < best ? d : best;
        }
    return best;
}

/* ------------------------------------------------------------ pockets ------------- */

int synth_pocket_owned_N(const synth_pocket *pk, int pos)
{
    int n = 0;
    for (int k = 0; k < pk->n_shell; k++)
        if ((pk->is_N >> k & 1) && (synth_shell_owners(pk->dual, k) >> pos & 1))
            n++;
    return n;
}

static void set_owned_N(dac_synth_engine *e, const synth_pocket *pk)
{
    for (int pos = 0; pos <= pk->dual; pos++) {
        uint32_t i = synth_index(&e->g, pk->x[pos], pk->y[pos]);
        e->state[i] = (uint8_t)((e->state[i] & ~SYNTH_NMASK) |
                                (synth_pocket_owned_N(pk, pos) << SYNTH_NSHIFT) | SYNTH_POCKET);
    }
}

/* One shell N joins its bin of the N-loss classes. */
static int add_shell_N(dac_synth_engine *e, uint32_t pocket, int k)
{
    synth_pocket *pk = &e->pockets[pocket];
    double u = (pk->E_eV[k] - e->bin_lo_eV) / e->bin_width_eV;
    size_t bin = u <= 0 ? 0 : (size_t)u;
    if (bin >= e->n_bins)
        bin = e->n_bins - 1;
    pk->bin[k] = (uint8_t)bin;
    int st = synth_set_add(&e->nloss_sets[bin], pocket << 3 | (uint32_t)k, 0, &pk->slot[k]);
    if (st == DAC_OK)
        synth_table_update(&e->table, e->nloss_base + bin);
    return st;
}

/* A pocket with its first position at (x0, y0); dual pockets have their second
 * position one step along direction dir. The first shell_N shell atoms are N (the
 * rest C), each N with an activation energy drawn from the uniform distribution. */
int synth_add_pocket(dac_synth_engine *e, int x0, int y0, int dual, int dir, int shell_N,
                     uint32_t *out)
{
    if (e->n_pockets == e->cap_pockets)
        return dac_error(DAC_ERR_RUNTIME, "synth: pocket table full (%zu)", e->cap_pockets);
    uint32_t id = (uint32_t)e->n_pockets++;
    synth_pocket *pk = &e->pockets[id];
    memset(pk, 0, sizeof *pk);
    pk->dual = (uint8_t)(dual != 0);
    pk->n_shell = dual ? 7 : 4;
    pk->dir = (uint8_t)dir;
    pk->x[0] = (uint16_t)x0;
    pk->y[0] = (uint16_t)y0;
    pk->x[1] = (uint16_t)synth_wrap(x0 + (dual ? e->g.dx[dir] : 0), e->g.L);
    pk->y[1] = (uint16_t)synth_wrap(y0 + (dual ? e->g.dy[dir] : 0), e->g.L);
    const dac_synth_params *p = &e->p;
    /* Which shell atoms start as N: spread over the positions (k ↦ order), so a dual
     * pocket with 5 N gives each metal a fair share. */
    static const int order7[7] = {6, 0, 3, 1, 4, 2, 5}, order4[4] = {0, 2, 1, 3};
    for (int j = 0; j < shell_N && j < pk->n_shell; j++) {
        int k = dual ? order7[j] : order4[j];
        pk->is_N |= (uint8_t)(1u << k);
        pk->E_eV[k] = (float)(p->n_loss_activation_min_eV +
                              p->n_loss_activation_width_eV * dac_rng_uniform(&e->rng));
    }
    for (int pos = 0; pos <= pk->dual; pos++) {
        synth_map_put(&e->pk, synth_index(&e->g, pk->x[pos], pk->y[pos]), id);
        if (e->tile_pockets)
            e->tile_pockets[synth_tile(&e->g, pk->x[pos], pk->y[pos])]++;
    }
    set_owned_N(e, pk);
    for (int k = 0; p->denitrogenation && k < pk->n_shell; k++)
        if (pk->is_N >> k & 1) {
            int st = add_shell_N(e, id, k);
            if (st)
                return st;
        }
    if (out)
        *out = id;
    return DAC_OK;
}

/* A site may take a new single pocket when no pocket lies fewer than
 * pocket_min_separation_sites lattice steps away: with 1 (the default) any site that is
 * not a pocket yet, with 2 none next to a pocket (the exclusion the model used before). */
static int pocket_free(const dac_synth_engine *e, int x, int y)
{
    const synth_lattice *g = &e->g;
    int r = (int)e->p.pocket_min_separation_sites - 1;
    for (int dy = -r; dy <= r; dy++)
        for (int dx = -r; dx <= r; dx++)
            if (lattice_distance1(g, dx, dy) <= r &&
                (e->state[synth_index(g, synth_wrap(x + dx, g->L), synth_wrap(y + dy, g->L))] & SYNTH_POCKET))
                return 0;
    return 1;
}

static int build_pockets(dac_synth_engine *e)
{
    const dac_synth_params *p = &e->p;
    int L = e->g.L;
    if (p->pocket_period_sites > 0) {
        int per = (int)p->pocket_period_sites;
        for (int y = 0; y < L; y += per)
            for (int x = 0; x < L; x += per) {
                int st = synth_add_pocket(e, x, y, 0, 0, p->pocket_shell_N, NULL);
                if (st)
                    return st;
            }
        return DAC_OK;
    }
    /* Each new pocket on a uniformly random site among those still allowed. With the
     * default separation of 1 that is a uniformly random set of `pockets` distinct sites:
     * every site a pocket with the same probability, independently of its neighbours but
     * for the fixed total (Bernoulli sites conditioned on their count), so pockets touch
     * by chance as often as the density says. A larger separation is random sequential
     * adsorption with exclusion — an assumption about the support, not a default. */
    size_t placed = 0, tries = 0, max_tries = 200 * p->pockets + 1000;
    while (placed < p->pockets) {
        if (++tries > max_tries)
            return dac_error(DAC_ERR_INPUT, "support: only %zu of %zu pockets fit on the "
                             "%d×%d lattice %zu or more steps apart; lower support.pockets_per_nm2"
                             " or support.pocket_min_separation_sites",
                             placed, p->pockets, L, L, p->pocket_min_separation_sites);
        int x = (int)dac_rng_below(&e->rng, (uint64_t)L), y = (int)dac_rng_below(&e->rng, (uint64_t)L);
        if (!pocket_free(e, x, y))
            continue;
        int st = synth_add_pocket(e, x, y, 0, 0, p->pocket_shell_N, NULL);
        if (st)
            return st;
        placed++;
    }
    return DAC_OK;
}

/* ------------------------------------------------------------ atoms --------------- */

uint32_t synth_new_atom(dac_synth_engine *e, int metal)
{
    uint32_t id = (uint32_t)e->n_atoms++;
    synth_atom *a = &e->atoms[id];
    memset(a, 0, sizeof *a);
    a->metal = (uint8_t)metal;
    a->cls = SYNTH_NO_CLASS;
    a->link = SYNTH_NONE;
    return id;
}

static int site_plain_empty(const dac_synth_engine *e, int x, int y)
{
    uint8_t s = e->state[synth_index(&e->g, x, y)];
    return !(s & (SYNTH_OCC | SYNTH_POCKET));
}

/* Dinuclear complexes, adsorbed at random on plain sites before the program starts. */
static int build_complexes(dac_synth_engine *e)
{
    const dac_synth_params *p = &e->p;
    const synth_lattice *g = &e->g;
    size_t tries = 0, max_tries = 200 * p->complexes + 1000;
    e->complexes = calloc(p->complexes ? p->complexes : 1, sizeof *e->complexes);
    if (!e->complexes)
        return dac_error(DAC_ERR_NOMEM, "synth: out of memory for %zu complexes", p->complexes);
    e->bytes += p->complexes * sizeof *e->complexes;
    while (e->n_complexes < p->complexes) {
        if (++tries > max_tries)
            return dac_error(DAC_ERR_INPUT, "template: only %zu of %zu complexes fit on the "
                             "%d×%d lattice; lower template.complexes_per_nm2",
                             e->n_complexes, p->complexes, g->L, g->L);
        int x = (int)dac_rng_below(&e->rng, (uint64_t)g->L), y = (int)dac_rng_below(&e->rng, (uint64_t)g->L);
        /* three orientations on the triangular lattice, two on the square one */
        int dir = (int)dac_rng_below(&e->rng, (uint64_t)(g->z / 2));
        int x1 = synth_wrap(x + g->dx[dir], g->L), y1 = synth_wrap(y + g->dy[dir], g->L);
        if (!site_plain_empty(e, x, y) || !site_plain_empty(e, x1, y1))
            continue;
        uint32_t c = (uint32_t)e->n_complexes++;
        synth_complex *cx = &e->complexes[c];
        int xs[2] = {x, x1}, ys[2] = {y, y1};
        for (int k = 0; k < 2; k++) {
            uint32_t id = synth_new_atom(e, p->complex_metal[k]);
            e->atoms[id].flags |= SYNTH_ATOM_HELD;
            e->atoms[id].link = c;
            cx->atom[k] = id;
            synth_place(e, id, xs[k], ys[k]);
        }
        int st = synth_set_add(&e->held, c, 0, &cx->slot);
        if (st)
            return st;
    }
    if (e->ligand_class != SIZE_MAX)
        synth_table_update(&e->table, e->ligand_class);
    if (e->complex_hop_class != SIZE_MAX)
        synth_table_update(&e->table, e->complex_hop_class);
    return DAC_OK;
}

/* Atoms placed before the program starts: at random sites, or in random empty pockets. */
static int build_start_atoms(dac_synth_engine *e, int m)
{
    const dac_synth_params *p = &e->p;
    const synth_lattice *g = &e->g;
    dac_synth_release r = p->metal[m].release;
    size_t n = p->metal[m].atoms, tries = 0, max_tries = 200 * n + 1000;
    for (size_t placed = 0; placed < n;) {
        if (++tries > max_tries)
            return dac_error(DAC_ERR_INPUT, "metals.%d: only %zu of %zu %s atoms found a place "
                             "(%s); lower the loading", m, placed, n,
                             dac_element_by_Z(p->metal[m].Z)->symbol,
                             r == DAC_SYNTH_RELEASE_IN_POCKETS ? "in empty pockets" : "on empty sites");
        int x, y;
        if (r == DAC_SYNTH_RELEASE_IN_POCKETS) {
            if (!e->n_pockets)
                return dac_error(DAC_ERR_INPUT, "metals.%d: atoms in pockets, but the support "
                                 "has no pockets", m);
            const synth_pocket *pk = &e->pockets[dac_rng_below(&e->rng, e->n_pockets)];
            x = pk->x[0];
            y = pk->y[0];
        } else {
            x = (int)dac_rng_below(&e->rng, (uint64_t)g->L);
            y = (int)dac_rng_below(&e->rng, (uint64_t)g->L);
        }
        if (e->state[synth_index(g, x, y)] & SYNTH_OCC)
            continue;
        synth_place(e, synth_new_atom(e, m), x, y);
        placed++;
    }
    return DAC_OK;
}

/* Offsets of the sites within the capture radius of an M1 (its own site excluded). */
static int build_disc(dac_synth_engine *e)
{
    const synth_lattice *g = &e->g;
    int reach = (int)(e->p.capture_radius_A / (g->a * (g->z == 6 ? 0.8660254 : 1.0))) + 2;
    if (2 * reach + 1 >= g->L)
        return dac_error(DAC_ERR_INPUT, "navigation.capture_radius_A = %g Å: larger than half "
                         "the lattice", e->p.capture_radius_A);
    e->disc = malloc((size_t)(2 * reach + 1) * (size_t)(2 * reach + 1) * sizeof *e->disc);
    if (!e->disc)
        return dac_error(DAC_ERR_NOMEM, "synth: out of memory");
    for (int dy = -reach; dy <= reach; dy++)
        for (int dx = -reach; dx <= reach; dx++) {
            double r[2];
            synth_site_position(g, dx, dy, r);
            double d = sqrt(r[0] * r[0] + r[1] * r[1]);
            if ((dx || dy) && d <= e->p.capture_radius_A + 1e-9) {
                e->disc[e->n_disc][0] = (int8_t)dx;
                e->disc[e->n_disc][1] = (int8_t)dy;
                e->n_disc++;
            }
        }
    return DAC_OK;
}

int synth_build(dac_synth_engine *e)
{
    int st = build_pockets(e);
    for (int m = 0; st == DAC_OK && m < (int)e->p.n_metals; m++) {
        dac_synth_release r = e->p.metal[m].release;
        size_t first = e->n_atoms;
        if (r == DAC_SYNTH_RELEASE_IN_POCKETS || r == DAC_SYNTH_RELEASE_AT_START)
            st = build_start_atoms(e, m);
        else if (r == DAC_SYNTH_RELEASE_ARRHENIUS || r == DAC_SYNTH_RELEASE_FLUX)
            e->waiting[m] = e->p.metal[m].atoms;
        if (m == e->p.m1) { /* the atoms that can draw cations: ids m1_first … */
            e->m1_first = (uint32_t)first;
            e->m1_count = e->n_atoms - first;
        }
    }
    if (st == DAC_OK && e->p.complexes)
        st = build_complexes(e);
    if (st == DAC_OK && e->p.light && e->p.m1 >= 0)
        st = build_disc(e);
    for (int m = 0; m < (int)e->p.n_metals; m++)
        synth_table_update(&e->table, e->arrival_base + (size_t)m);
    return st;
}

/* ------------------------------------------------------------ arrivals ------------ */

/* An M1 atom draws cations while it is photo-charged: while no metal sits beside it
 * (the electrons it gathers reduce the first M2 that lands next to it; assumption). */
static int charged(const dac_synth_engine *e, const synth_atom *a)
{
    const synth_lattice *g = &e->g;
    if (a->metal != e->p.m1 || (a->flags & SYNTH_ATOM_PROTECTED))
        return 0;
    for (int d = 0; d < g->z; d++)
        if (e->state[synth_index(g, synth_wrap(a->x + g->dx[d], g->L), synth_wrap(a->y + g->dy[d], g->L))] &
            SYNTH_OCC)
            return 0;
    return 1;
}

/* Site weights w = 1 + strength × (charged M1 within the capture radius), sampled by
 * composition (uniform site, or a uniform disc site of a uniform M1) with rejection of
 * M1 that are not charged; occupied sites are redrawn, so the law is w restricted to
 * empty sites. */
static void weighted_site(dac_synth_engine *e, int *x, int *y)
{
    const synth_lattice *g = &e->g;
    double n_sites = (double)g->L * (double)g->L;
    size_t n_m1 = e->m1_count;
    double disc = e->p.capture_strength * (double)e->n_disc * (double)n_m1;
    for (;;) {
        if (dac_rng_uniform(&e->rng) * (n_sites + disc) < n_sites) {
            *x = (int)dac_rng_below(&e->rng, (uint64_t)g->L);
            *y = (int)dac_rng_below(&e->rng, (uint64_t)g->L);
            return;
        }
        const synth_atom *a = &e->atoms[e->m1_first + dac_rng_below(&e->rng, n_m1)];
        const int8_t *o = e->disc[dac_rng_below(&e->rng, (uint64_t)e->n_disc)];
        if (!charged(e, a))
            continue;
        *x = synth_wrap(a->x + o[0], g->L);
        *y = synth_wrap(a->y + o[1], g->L);
        return;
    }
}

int synth_arrival_site(dac_synth_engine *e, int m, int *x, int *y)
{
    const synth_lattice *g = &e->g;
    int weighted = e->p.metal[m].capture && e->p.light && e->p.m1 >= 0 && e->n_disc > 0;
    for (long tries = 0; tries < 10000000L; tries++) {
        if (weighted) {
            weighted_site(e, x, y);
        } else {
            *x = (int)dac_rng_below(&e->rng, (uint64_t)g->L);
            *y = (int)dac_rng_below(&e->rng, (uint64_t)g->L);
        }
        if (e->fp)
            synth_fp_touch(e, *x, *y); /* a walker in a domain there takes a definite place */
        if (!(e->state[synth_index(g, *x, *y)] & SYNTH_OCC))
            return DAC_OK;
    }
    return dac_error(DAC_ERR_RUNTIME, "synth: no empty site found for an arriving atom");
}

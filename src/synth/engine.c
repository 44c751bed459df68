/*
 * engine.c — the kinetic Monte Carlo engine: the rates at the current temperature, the
 * events and the run loop (creation and the accessors: create.c).
 *
 * The loop is Bortz–Kalos–Lebowitz / Gillespie with three clocks side by side: the
 * Markov events of the table (next one after −ln u / R_total), the exits of walkers in
 * first-passage domains (fp.c; each at its own sampled time) and the scheduled points
 * (temperature steps, samples, snapshots, the end). Whichever comes first happens; the
 * exponential waiting time drawn for the others is discarded, which is exact because it
 * is memoryless. Rates are constant between scheduled points, so every step of the
 * temperature program is an exact constant-rate kMC.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "synth/ahead.h"

double synth_prefactor(double given_per_s, double kT_eV)
{
    /* Transition-state theory attempt frequency k_B T / h unless the recipe gives one
     * (docs/science.md §4; the default). */
    return given_per_s > 0 ? given_per_s : kT_eV / DAC_H_EV_S;
}

static double arrhenius(double prefactor, double E_eV, double kT_eV)
{
    if (!isfinite(E_eV))
        return 0.0;
    return synth_prefactor(prefactor, kT_eV) * exp(-E_eV / kT_eV);
}

/* ------------------------------------------------------------ classes ------------- */

uint16_t synth_hop_class_of(const dac_synth_engine *e, const synth_atom *a)
{
    const synth_lattice *g = &e->g;
    uint32_t i = synth_index(g, a->x, a->y), nb[6];
    uint8_t s = e->state[i];
    int cat = (s & SYNTH_POCKET) ? 1 + ((s & SYNTH_NMASK) >> SYNTH_NSHIFT) : 0;
    int b1 = 0, b2 = 0;
    synth_neighbors(g, a->x, a->y, i, nb);
    for (int d = 0; d < g->z; d++) {
        int o = e->state[nb[d]] & SYNTH_OCC;
        b1 += o == 1;
        b2 += o == 2;
    }
    return (uint16_t)(e->hop_base +
                      ((size_t)a->metal * SYNTH_N_CATEGORIES + (size_t)cat) * e->n_bond_combos +
                      e->combo[b1][b2]);
}

static int g_failed(dac_synth_engine *e, int st)
{
    if (st && !e->failed)
        e->failed = st;
    return st;
}

void synth_class_move(dac_synth_engine *e, uint32_t id, uint16_t cls)
{
    synth_atom *a = &e->atoms[id];
    if (a->cls == cls)
        return;
    if (a->cls != SYNTH_NO_CLASS) {
        uint32_t moved = synth_set_remove(&e->hop_sets[a->cls - e->hop_base], a->slot);
        if (moved != SYNTH_NONE)
            e->atoms[moved].slot = a->slot;
        synth_table_update(&e->table, a->cls);
    }
    a->cls = cls;
    if (cls != SYNTH_NO_CLASS) {
        if (g_failed(e, synth_set_add(&e->hop_sets[cls - e->hop_base], id, synth_pack(a->x, a->y), &a->slot))) {
            a->cls = SYNTH_NO_CLASS;
            return;
        }
        synth_table_update(&e->table, cls);
    }
}

void synth_reclass(dac_synth_engine *e, uint32_t id)
{
    synth_atom *a = &e->atoms[id];
    if (!(a->flags & SYNTH_ATOM_PLACED) || (a->flags & (SYNTH_ATOM_HELD | SYNTH_ATOM_PROTECTED)))
        return;
    synth_class_move(e, id, synth_hop_class_of(e, a));
}

static void reclass_around(dac_synth_engine *e, int x, int y)
{
    const synth_lattice *g = &e->g;
    uint32_t nb[6];
    synth_neighbors(g, x, y, synth_index(g, x, y), nb);
    for (int d = 0; d < g->z; d++)
        if (e->state[nb[d]] & SYNTH_OCC)
            synth_reclass(e, e->site_atom[nb[d]]);
}

void synth_place(dac_synth_engine *e, uint32_t id, int x, int y)
{
    synth_atom *a = &e->atoms[id];
    uint32_t i = synth_index(&e->g, x, y);
    a->x = (uint16_t)x;
    a->y = (uint16_t)y;
    a->flags |= SYNTH_ATOM_PLACED;
    e->state[i] = (uint8_t)((e->state[i] & ~(SYNTH_OCC | SYNTH_HELD)) | (a->metal + 1) |
                            ((a->flags & SYNTH_ATOM_HELD) ? SYNTH_HELD : 0));
    e->site_atom[i] = id;
    if (e->tile_atoms)
        e->tile_atoms[synth_tile(&e->g, x, y)]++;
    reclass_around(e, x, y);
    synth_reclass(e, id);
}

void synth_lift(dac_synth_engine *e, uint32_t id)
{
    synth_atom *a = &e->atoms[id];
    uint32_t i = synth_index(&e->g, a->x, a->y);
    e->state[i] &= (uint8_t)~(SYNTH_OCC | SYNTH_HELD);
    e->site_atom[i] = SYNTH_NONE;
    if (e->tile_atoms)
        e->tile_atoms[synth_tile(&e->g, a->x, a->y)]--;
    a->flags &= (uint8_t)~SYNTH_ATOM_PLACED;
    synth_class_move(e, id, SYNTH_NO_CLASS);
    reclass_around(e, a->x, a->y);
}

/* ------------------------------------------------------------ rates --------------- */

void synth_update_rates(dac_synth_engine *e)
{
    const dac_synth_params *p = &e->p;
    double kT = e->kT_eV, old_k[DAC_SYNTH_MAX_METALS] = {e->hop_k[0], e->hop_k[1]};
    for (size_t m = 0; m < p->n_metals; m++) {
        const dac_synth_metal *mt = &p->metal[m];
        for (int cat = 0; cat < SYNTH_N_CATEGORIES; cat++) {
            int nN = cat - 1;
            double bind = cat == 0 ? 0.0
                                   : nN * mt->pocket_N_binding_eV +
                                         (SYNTH_SHELL_PER_SITE - nN) * mt->pocket_C_binding_eV;
            for (size_t c = 0; c < e->n_bond_combos; c++) {
                int b0 = e->combo_b0[c], b1 = e->combo_b1[c];
                double E = mt->hop_barrier_eV + bind + b0 * mt->bond_eV[0] + b1 * mt->bond_eV[1];
                size_t k = e->hop_base + (m * SYNTH_N_CATEGORIES + (size_t)cat) * e->n_bond_combos + c;
                e->table.cls[k].rate = (e->g.z - b0 - b1) * arrhenius(mt->hop_prefactor_per_s, E, kT);
            }
        }
        e->hop_k[m] = arrhenius(mt->hop_prefactor_per_s, mt->hop_barrier_eV, kT);
    }
    for (size_t b = 0; b < e->n_bins; b++)
        e->table.cls[e->nloss_base + b].rate =
            p->denitrogenation ? arrhenius(p->n_loss_prefactor_per_s,
                                           e->bin_lo_eV + (double)b * e->bin_width_eV, kT)
                               : 0.0;
    if (e->ligand_class != SIZE_MAX)
        e->table.cls[e->ligand_class].rate =
            arrhenius(p->ligand_prefactor_per_s, p->ligand_activation_eV, kT);
    if (e->complex_hop_class != SIZE_MAX)
        e->table.cls[e->complex_hop_class].rate =
            p->complex_mobile ? e->g.z * arrhenius(p->complex_hop_prefactor_per_s,
                                                   p->complex_hop_activation_eV, kT)
                              : 0.0;
    for (size_t m = 0; m < p->n_metals; m++) {
        const dac_synth_metal *mt = &p->metal[m];
        synth_class *c = &e->table.cls[e->arrival_base + m];
        if (mt->release == DAC_SYNTH_RELEASE_FLUX) {
            c->count = e->waiting[m] > 0;
            c->rate = mt->release_flux_per_site_s * (double)e->g.L * (double)e->g.L;
        } else {
            c->count = e->waiting[m];
            c->rate = mt->release == DAC_SYNTH_RELEASE_ARRHENIUS
                          ? arrhenius(mt->release_prefactor_per_s, mt->release_activation_eV, kT)
                          : 0.0;
        }
    }
    synth_table_rebuild(&e->table);
    if (e->fp)
        synth_fp_rates_changed(e, old_k);
}

/* ------------------------------------------------------------ events -------------- */

/* spare: 11 random bits nobody else used (the low bits of the class word), which give
 * the first direction tried when they fall below the largest multiple of z. */
static void do_hop(dac_synth_engine *e, uint32_t id, unsigned spare)
{
    /* the lattice's fields in locals: stores to the state bytes may alias anything, so
     * the compiler would reload them after each one */
    const synth_lattice *g = &e->g;
    uint8_t *state = e->state;
    synth_atom *a = &e->atoms[id];
    int x = a->x, y = a->y, z = g->z, L = g->L, nx, ny;
    uint32_t i0 = synth_index(g, x, y), i1;
    int inside = synth_inside_tile(x, y);
    synth_fp *fp = e->fp;
    /* the largest multiple of z up to 2048, and spare mod z by constants: a division
     * would sit on the path to every address below */
    unsigned limit = z == 6 ? 2046u : 2048u;
    for (;;) { /* a uniform empty neighbour: the class rate counts exactly these */
        int d = spare < limit ? (int)(z == 6 ? spare % 6u : spare & 3u) : (int)dac_rng_below(&e->rng, (uint64_t)z);
        spare = limit;
        nx = x + g->dx[d];
        ny = y + g->dy[d];
        if (inside) {
            i1 = (uint32_t)((int)i0 + g->dindex[d]); /* no wrap within a tile */
        } else {
            nx = synth_wrap(nx, L);
            ny = synth_wrap(ny, L);
            i1 = synth_index(g, nx, ny);
        }
        if (!(state[i1] & SYNTH_OCC))
            break;
    }
    if (fp)
        synth_fp_touch(e, nx, ny);
    int had_bonds = e->hop_bonds[a->cls - e->hop_base];
    uint8_t occ = state[i0] & SYNTH_OCC;
    state[i0] &= (uint8_t)~SYNTH_OCC;
    state[i1] |= occ;
    e->site_atom[i1] = id; /* the vacated entry is left: it is read only where a site is occupied */
    if (e->tile_atoms) {
        e->tile_atoms[synth_tile(g, x, y)]--;
        e->tile_atoms[synth_tile(g, nx, ny)]++;
    }
    a->x = (uint16_t)nx;
    a->y = (uint16_t)ny;
    if (had_bonds)
        reclass_around(e, x, y);
    /* one pass over the new neighbourhood: the mover's bonds, and who must be
     * reclassified; at low coverage it is usually empty, which one OR of the bytes says */
    int b1 = 0, b2 = 0; /* counters in registers, not an array indexed by o */
    if (synth_neighbors_or(g, state, nx, ny, i1) & SYNTH_OCC) {
        uint32_t nb[6];
        synth_neighbors(g, nx, ny, i1, nb);
        for (int d = 0; d < z; d++) {
            int o = state[nb[d]] & SYNTH_OCC;
            b1 += o == 1;
            b2 += o == 2;
            if (o)
                synth_reclass(e, e->site_atom[nb[d]]);
        }
    }
    uint8_t s = state[i1];
    int cat = (s & SYNTH_POCKET) ? 1 + ((s & SYNTH_NMASK) >> SYNTH_NSHIFT) : 0;
    uint16_t cls = (uint16_t)(e->hop_base + ((size_t)a->metal * SYNTH_N_CATEGORIES + (size_t)cat) *
                                                e->n_bond_combos + e->combo[b1][b2]);
    if (cls == a->cls)
        e->hop_sets[cls - e->hop_base].m[a->slot].pos = synth_pack(nx, ny);
    else
        synth_class_move(e, id, cls);
    if (fp)
        synth_fp_try(e, id);
}

static void do_arrival(dac_synth_engine *e, int m)
{
    int x, y;
    if (g_failed(e, synth_arrival_site(e, m, &x, &y)))
        return;
    uint32_t id = synth_new_atom(e, m);
    e->waiting[m]--;
    synth_class *c = &e->table.cls[e->arrival_base + (size_t)m];
    c->count = e->p.metal[m].release == DAC_SYNTH_RELEASE_FLUX ? e->waiting[m] > 0 : e->waiting[m];
    synth_table_update(&e->table, e->arrival_base + (size_t)m);
    synth_place(e, id, x, y);
    if (e->fp)
        synth_fp_try(e, id);
}

/* Shell N atom `code` (pocket << 3 | k) becomes C, if the rejection step accepts. */
static int do_nloss(dac_synth_engine *e, size_t bin, uint32_t code)
{
    synth_pocket *pk = &e->pockets[code >> 3];
    int k = (int)(code & 7);
    double lo = e->bin_lo_eV + (double)bin * e->bin_width_eV;
    if (dac_rng_uniform(&e->rng) >= exp(-((double)pk->E_eV[k] - lo) / e->kT_eV))
        return 0;
    pk->is_N &= (uint8_t)~(1u << k);
    uint32_t moved = synth_set_remove(&e->nloss_sets[bin], pk->slot[k]);
    if (moved != SYNTH_NONE)
        e->pockets[moved >> 3].slot[moved & 7] = pk->slot[k];
    synth_table_update(&e->table, e->nloss_base + bin);
    for (int pos = 0; pos <= pk->dual; pos++) {
        if (!(synth_shell_owners(pk->dual, k) >> pos & 1))
            continue;
        uint32_t i = synth_index(&e->g, pk->x[pos], pk->y[pos]);
        e->state[i] = (uint8_t)((e->state[i] & ~SYNTH_NMASK) |
                                (synth_pocket_owned_N(pk, pos) << SYNTH_NSHIFT));
        if (e->state[i] & SYNTH_OCC)
            synth_reclass(e, e->site_atom[i]);
    }
    return 1;
}

static void remove_held(dac_synth_engine *e, uint32_t c)
{
    uint32_t moved = synth_set_remove(&e->held, e->complexes[c].slot);
    if (moved != SYNTH_NONE)
        e->complexes[moved].slot = e->complexes[c].slot;
    synth_table_update(&e->table, e->ligand_class);
    if (e->complex_hop_class != SIZE_MAX)
        synth_table_update(&e->table, e->complex_hop_class);
}

/* The ligand burns: the pair stays where it was, now in a dual pocket of fresh N. */
static void do_ligand(dac_synth_engine *e, uint32_t c)
{
    const synth_lattice *g = &e->g;
    synth_complex *cx = &e->complexes[c];
    synth_atom *a0 = &e->atoms[cx->atom[0]], *a1 = &e->atoms[cx->atom[1]];
    int dir = 0;
    for (int d = 0; d < g->z; d++)
        if (synth_wrap(a0->x + g->dx[d], g->L) == a1->x && synth_wrap(a0->y + g->dy[d], g->L) == a1->y)
            dir = d;
    remove_held(e, c);
    if (g_failed(e, synth_add_pocket(e, a0->x, a0->y, 1, dir, e->p.dual_shell_N, NULL)))
        return;
    for (int k = 0; k < 2; k++) {
        synth_atom *a = &e->atoms[cx->atom[k]];
        a->flags &= (uint8_t)~SYNTH_ATOM_HELD;
        a->link = SYNTH_NONE;
        e->state[synth_index(g, a->x, a->y)] &= (uint8_t)~SYNTH_HELD;
        synth_reclass(e, cx->atom[k]);
    }
}

/* A held complex translates by one lattice vector onto plain empty sites. */
static int do_complex_hop(dac_synth_engine *e, uint32_t c)
{
    const synth_lattice *g = &e->g;
    synth_complex *cx = &e->complexes[c];
    int d = (int)dac_rng_below(&e->rng, (uint64_t)g->z), to[2][2];
    for (int k = 0; k < 2; k++) {
        const synth_atom *a = &e->atoms[cx->atom[k]];
        to[k][0] = synth_wrap(a->x + g->dx[d], g->L);
        to[k][1] = synth_wrap(a->y + g->dy[d], g->L);
        if (e->fp)
            synth_fp_touch(e, to[k][0], to[k][1]);
    }
    for (int k = 0; k < 2; k++) {
        uint8_t s = e->state[synth_index(g, to[k][0], to[k][1])];
        const synth_atom *o = &e->atoms[cx->atom[1 - k]];
        int own = to[k][0] == o->x && to[k][1] == o->y;
        if (s & SYNTH_POCKET || ((s & SYNTH_OCC) && !own))
            return 0;
    }
    synth_lift(e, cx->atom[0]);
    synth_lift(e, cx->atom[1]);
    synth_place(e, cx->atom[0], to[0][0], to[0][1]);
    synth_place(e, cx->atom[1], to[1][0], to[1][1]);
    return 1;
}

/* Executes event `member` of class c; returns 1 when it changed the state. */
static int do_event(dac_synth_engine *e, size_t c, uint32_t member, unsigned spare)
{
    synth_class *k = &e->table.cls[c];
    int done = 1;
    switch (k->kind) {
    case SYNTH_EV_HOP: do_hop(e, member, spare); break;
    case SYNTH_EV_ARRIVAL: do_arrival(e, k->arg); break;
    case SYNTH_EV_NLOSS: done = do_nloss(e, (size_t)k->arg, member); break;
    case SYNTH_EV_LIGAND: do_ligand(e, member); break;
    case SYNTH_EV_COMPLEX_HOP: done = do_complex_hop(e, member); break;
    default: done = 0; break;
    }
    if (done)
        e->by_kind[k->kind]++;
    return done;
}

/* ------------------------------------------------------------ look-ahead ---------- */

/* The random words of one Markov event — its waiting time, its class, its member — are
 * drawn SYNTH_AHEAD − 1 = 2 events ahead, so that a coming event's memory is fetched in
 * two stages while the events before it run: two events ahead, its class and slot are
 * picked from the tree as it is and the slot's member record is prefetched; one event
 * ahead, that record (now in cache) says which atom and site, and the site's
 * neighbourhood and the atom's record are prefetched. On a lattice far larger than the
 * caches the memory waits then overlap instead of adding up. The pick is redone when
 * the event runs if the tree changed meanwhile (same words, so the result is what
 * picking then would have given); prefetches of a wrong guess cost nothing. The words
 * are drawn no further ahead than that: how far ahead decides where in the random
 * stream they fall, between the draws the events themselves make, so a deeper ring
 * would change every trajectory. One DRAM access (~200 ns on the machine measured) is
 * longer than two events' work, so on lattices beyond the last-level cache a private
 * copy of the generator guesses the words of the six events after the ring and
 * prefetches for them in the same two stages (ahead.h: the guesses are checked against
 * each real draw and restarted when an event drew words of its own; no result ever
 * reads them). */
static void draw_words(dac_synth_engine *e, synth_draw *d)
{
    dac_rng r = e->rng; /* a local copy: the stores to d could alias the state, so the
                           three steps would reload it from memory */
    uint64_t w_t = dac_rng_step(&r), w_c = dac_rng_step(&r), w_m = dac_rng_step(&r);
    e->rng = r;
    d->r_t = w_t;
    d->r_c = w_c;
    d->r_m = w_m;
    d->version = UINT64_MAX;
}

/* The class and the slot of its member list (the member itself is read where used). */
static void pick(dac_synth_engine *e, synth_draw *d)
{
    if (d->version == e->table.version)
        return;
    d->version = e->table.version;
    d->cls = synth_table_pick(&e->table, synth_pick_point(&e->table, d->r_c));
    d->slot = 0;
    if (d->cls != SIZE_MAX && e->table.cls[d->cls].set)
        d->slot = synth_pick_slot(d->r_m, e->table.cls[d->cls].set->n);
}

static const synth_member *hop_member(const dac_synth_engine *e, const synth_draw *d)
{
    if (d->cls == SIZE_MAX || e->table.cls[d->cls].kind != SYNTH_EV_HOP)
        return NULL;
    return &e->table.cls[d->cls].set->m[d->slot];
}

static void prefetch_member(dac_synth_engine *e, synth_draw *d)
{
    pick(e, d);
    const synth_member *m = hop_member(e, d);
    if (m)
        __builtin_prefetch(m);
}

static void prefetch_site(dac_synth_engine *e, synth_draw *d)
{
    pick(e, d);
    const synth_member *m = hop_member(e, d);
    if (m)
        synth_prefetch_hop(e, m);
}

/* ------------------------------------------------------------ the run loop -------- */

static int take_sample(dac_synth_engine *e)
{
    synth_analysis a;
    int st = synth_analyze(e, 0, &a);
    if (st)
        return st;
    if (e->n_samples < e->cap_samples) {
        synth_sample *s = &e->samples[e->n_samples++];
        s->t_s = synth_dd_value(e->t);
        s->T_K = e->kT_eV / DAC_KB_EV_PER_K;
        memcpy(s->count, a.count, sizeof s->count);
        s->pairs_hetero = a.pairs_hetero;
        s->atoms = a.n_metal;
        s->protected_atoms = e->fp ? synth_fp_active(e->fp) : 0;
        s->purity_site = a.purity_site;
        s->purity_atom = a.purity_atom;
        s->mean_shell_N_pairs = a.mean_N_pairs;
        s->mean_shell_N_sites = a.mean_N_sites;
        s->events = e->events;
    }
    synth_analysis_free(&a);
    return DAC_OK;
}

static double sample_time(const dac_synth_engine *e, size_t k)
{
    size_t n = e->cap_samples;
    return n < 2 ? e->t_end_s : e->t_end_s * (double)k / (double)(n - 1);
}

/* The next scheduled point at or after now, and what happens there. */
static double next_scheduled(const dac_synth_engine *e, double until)
{
    double t = until;
    if (e->step + 1 < e->n_steps && e->steps[e->step].t1_s < t)
        t = e->steps[e->step].t1_s;
    if (e->next_sample < e->cap_samples && sample_time(e, e->next_sample) < t)
        t = sample_time(e, e->next_sample);
    if (e->next_snap < e->n_snaps && e->snap_t[e->next_snap] < t)
        t = e->snap_t[e->next_snap];
    return t;
}

static int at_scheduled(dac_synth_engine *e, double ts)
{
    int st = DAC_OK;
    while (e->step + 1 < e->n_steps && e->steps[e->step].t1_s <= ts) {
        e->step++;
        e->kT_eV = DAC_KB_EV_PER_K * e->steps[e->step].T_K;
        synth_update_rates(e);
    }
    while (st == DAC_OK && e->next_sample < e->cap_samples && sample_time(e, e->next_sample) <= ts) {
        st = take_sample(e);
        e->next_sample++;
    }
    while (st == DAC_OK && e->next_snap < e->n_snaps && e->snap_t[e->next_snap] <= ts) {
        if (e->fp)
            synth_fp_burst_all(e);
        st = synth_snapshot(e, &e->snaps[e->next_snap]);
        e->next_snap++;
    }
    return st;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int dac_synth_engine_run(dac_synth_engine *e, double until_s)
{
    if (!e)
        return dac_error(DAC_ERR_USAGE, "dac_synth_engine_run: NULL engine");
    if (isnan(until_s))
        return dac_error(DAC_ERR_USAGE, "dac_synth_engine_run: the end time is not a number");
    double until = until_s < e->t_end_s ? until_s : e->t_end_s, w0 = wall_now();
    int st = e->failed;
    if (!e->drawn) {
        for (int k = 0; k < SYNTH_AHEAD; k++)
            draw_words(e, &e->draw[k]);
        e->drawn = 1;
    }
    for (uint64_t iter = 0; st == DAC_OK; iter++) {
        synth_draw *cur = &e->draw[e->cur];
        if (isnan(e->t_sched) || e->t_sched > until)
            e->t_sched = next_scheduled(e, until);
        double ts = e->t_sched, gap = synth_dd_diff((synth_dd){ts, 0}, e->t);
        double R = synth_table_total(&e->table);
        double dt = R > 0 ? synth_zig_exponential(&e->zig, cur->r_t, &e->rng) / R : INFINITY;
        int fm = 0;
        double dfp = e->fp ? synth_fp_next(e, &fm) : INFINITY;
        if (gap <= dt && gap <= dfp) {
            e->t = (synth_dd){ts, 0};
            cur->r_t = dac_rng_next(&e->rng); /* the waiting time was not used: draw anew */
            e->t_sched = NAN;
            if ((st = at_scheduled(e, ts)) || ts >= until)
                break;
        } else if (dfp <= dt) {
            e->t = synth_dd_add(e->t, dfp);
            cur->r_t = dac_rng_next(&e->rng);
            synth_fp_exit(e, fm);
            e->events++;
            e->by_kind[SYNTH_EV_JUMP]++;
        } else {
            e->t = synth_dd_add(e->t, dt);
            pick(e, cur);
            size_t c = cur->cls;
            const synth_set *set = c != SIZE_MAX ? e->table.cls[c].set : NULL;
            uint32_t member = set ? set->m[cur->slot].id : 0;
            /* the ring's next two slots by comparisons: a division by 3 costs more */
            int next = e->cur + 1 < SYNTH_AHEAD ? e->cur + 1 : 0;
            if (e->ahead) {
                prefetch_site(e, &e->draw[next]);
                prefetch_member(e, &e->draw[next + 1 < SYNTH_AHEAD ? next + 1 : 0]);
            }
            if (c != SIZE_MAX && do_event(e, c, member, (unsigned)(cur->r_c & 0x7FF)))
                e->events++;
            else
                e->null_events++;
            draw_words(e, cur); /* the last of the ring now */
            e->cur = next;
            if (e->ahead && e->ahead->deep)
                synth_ahead_step(e);
        }
        st = e->failed;
        if ((iter & 0xFFFF) == 0xFFFF && e->progress &&
            e->progress(synth_dd_value(e->t) / (e->t_end_s > 0 ? e->t_end_s : 1), e->progress_data))
            st = dac_error(DAC_ERR_RUNTIME, "synth: stopped by the caller");
    }
    if (st == DAC_OK && e->fp)
        synth_fp_burst_all(e);
    e->wall_s += wall_now() - w0;
    return st ? st : e->failed;
}

/*
 * synth_internal.h — what the files of src/synth share: the lattice state, the atoms,
 * the pockets, the event table and the engine object (private prefix synth_).
 *
 * Memory is laid out for the hot path, one hop of one atom (~100 ns):
 *  - Per site, one byte (synth_engine.state, below): the occupant, whether the site is
 *    a pocket position and how many N of its shell it owns. The bytes are stored in
 *    8×8 tiles of 64 bytes, one cache line each, so the neighbourhood of a site is in
 *    one or two lines wherever the lattice is large.
 *  - Which atom sits on a site: a 4-byte index per site in the same tiled order, read
 *    only at occupied sites and written at the two sites of a hop, which share a cache
 *    line most of the time (a hash map keyed by site saved 4 bytes per site but cost two
 *    random cache lines per hop). Pockets, rarely asked for, are in a site → pocket map
 *    (synth_map), so the lattice costs ~5.5 bytes per site.
 *  - Per atom, 16 bytes (synth_atom); per pocket, the shell atoms with their own
 *    activation energies (synth_pocket).
 * Nothing is allocated per event: arrays are sized at creation, except that the member
 * list of an event class doubles when it first outgrows its capacity.
 */
#ifndef DAC_SYNTH_INTERNAL_H
#define DAC_SYNTH_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "dac/core.h"
#include "dac/synth.h"

/* ------------------------------------------------------------ site state byte ----- */

#define SYNTH_OCC 0x03     /* 0 empty, 1 metal 0, 2 metal 1 */
#define SYNTH_POCKET 0x04  /* a pocket position (single pocket or half of a dual one) */
#define SYNTH_NSHIFT 3
#define SYNTH_NMASK 0x38   /* N atoms of the shell this position owns (0 … 4) */
#define SYNTH_HELD 0x40    /* the occupant is held by a complex's ligand */

#define SYNTH_SHELL_PER_SITE 4 /* shell atoms a pocket position owns */
#define SYNTH_N_CATEGORIES (2 + SYNTH_SHELL_PER_SITE) /* hop classes per metal: plain, pocket owning 0 … 4 N */
#define SYNTH_BIN_WIDTH_EV 0.02 /* N-loss bins: ≥ exp(−0.02/kT) ≈ 0.46 acceptance at 298 K */
#define SYNTH_NONE UINT32_MAX
#define SYNTH_NO_CLASS 0xFFFFu

/* ------------------------------------------------------------ geometry ------------ */

typedef struct {
    int type;       /* dac_synth_lattice */
    int z;          /* neighbours: 6 or 4 */
    int L;          /* sites per side */
    int TL;         /* tiles per side (L / 8) */
    int dx[6], dy[6]; /* neighbour offsets, counter-clockwise from +x */
    int dindex[6];  /* index step to neighbour d from a site inside its tile's rim */
    double a;       /* spacing, Å */
} synth_lattice;

static inline int synth_wrap(int v, int L) { return v < 0 ? v + L : v >= L ? v - L : v; }

static inline uint32_t synth_index(const synth_lattice *g, int x, int y)
{
    return ((uint32_t)((y >> 3) * g->TL + (x >> 3)) << 6) | (uint32_t)((y & 7) << 3) |
           (uint32_t)(x & 7);
}
static inline uint32_t synth_tile(const synth_lattice *g, int x, int y)
{
    return (uint32_t)((y >> 3) * g->TL + (x >> 3));
}
static inline void synth_coords(const synth_lattice *g, uint32_t idx, int *x, int *y)
{
    uint32_t t = idx >> 6;
    *x = (int)((t % (uint32_t)g->TL) << 3 | (idx & 7));
    *y = (int)((t / (uint32_t)g->TL) << 3 | ((idx >> 3) & 7));
}

/* The index as a sum of a row part and a column part (their bits never overlap), so the
 * indices of sites sharing rows and columns cost one addition each. */
static inline uint32_t synth_row(const synth_lattice *g, int y)
{
    return ((uint32_t)((y >> 3) * g->TL) << 6) | (uint32_t)((y & 7) << 3);
}
static inline uint32_t synth_col(int x) { return ((uint32_t)(x >> 3) << 6) | (uint32_t)(x & 7); }

/* Whether (x, y) is off the rim of its 8×8 tile (36 of 64 sites): its neighbours are then
 * plain index steps, dindex. */
static inline int synth_inside_tile(int x, int y)
{
    return (unsigned)((x & 7) - 1) < 6u && (unsigned)((y & 7) - 1) < 6u;
}

/* Index of neighbour d of (x, y) at index i. */
static inline uint32_t synth_neighbor(const synth_lattice *g, int x, int y, uint32_t i, int d)
{
    if (synth_inside_tile(x, y))
        return (uint32_t)((int)i + g->dindex[d]);
    return synth_index(g, synth_wrap(x + g->dx[d], g->L), synth_wrap(y + g->dy[d], g->L));
}

/* The indices of all z neighbours of (x, y) at index i, in synth_lattice_init's order of
 * directions, spelt out for each lattice (tests/synth/test_table.c checks them against
 * synth_index): inside a tile, steps of ±1 (x) and ±8 (y); on a tile's rim, three rows
 * and three columns, each wrapped once. */
static inline void synth_neighbors(const synth_lattice *g, int x, int y, uint32_t i, uint32_t *nb)
{
    int tri = g->z == 6, L = g->L;
    if (synth_inside_tile(x, y)) { /* (1,0) (0,1) [(−1,1)] (−1,0) (0,−1) [(1,−1)] */
        nb[0] = i + 1;
        nb[1] = i + 8;
        if (tri) {
            nb[2] = i + 7, nb[3] = i - 1, nb[4] = i - 8, nb[5] = i - 7;
        } else {
            nb[2] = i - 1, nb[3] = i - 8;
        }
        return;
    }
    uint32_t rm = synth_row(g, y > 0 ? y - 1 : L - 1), r0 = synth_row(g, y), rp = synth_row(g, y + 1 < L ? y + 1 : 0);
    uint32_t cm = synth_col(x > 0 ? x - 1 : L - 1), c0 = synth_col(x), cp = synth_col(x + 1 < L ? x + 1 : 0);
    nb[0] = r0 + cp;
    nb[1] = rp + c0;
    if (tri) {
        nb[2] = rp + cm, nb[3] = r0 + cm, nb[4] = rm + c0, nb[5] = rm + cp;
    } else {
        nb[2] = r0 + cm, nb[3] = rm + c0;
    }
}

/* The OR of the state bytes of the z neighbours of (x, y) at index i: whether any is
 * occupied, the question of nearly every hop at low coverage. */
static inline unsigned synth_neighbors_or(const synth_lattice *g, const uint8_t *state, int x, int y,
                                          uint32_t i)
{
    uint32_t nb[6] = {0}; /* the square lattice leaves two unset (never read; GCC cannot tell) */
    synth_neighbors(g, x, y, i, nb);
    unsigned any = state[nb[0]] | state[nb[1]] | state[nb[2]] | state[nb[3]];
    return g->z == 6 ? any | state[nb[4]] | state[nb[5]] : any;
}

void synth_lattice_init(synth_lattice *g, const dac_synth_params *p);
/* Cartesian in-plane position of site (x, y), Å; the cell rows (2 × 2). */
void synth_site_position(const synth_lattice *g, double x, double y, double r[2]);
void synth_lattice_cell(const synth_lattice *g, double cell[2][2]);
/* Hex (or Manhattan) distance between sites, periodic. */
int synth_lattice_distance(const synth_lattice *g, int x0, int y0, int x1, int y1);

/* Shell geometry (snapshot.c): where the shell atoms of a pocket sit, relative to its
 * first position, and the checks that keep `dac struct` seeing the lattice's sites. */
#define SYNTH_SHELL_Z_A (-1.0)     /* shell atoms below the metal plane */
#define SYNTH_PLAIN_Z_A 1.5        /* a metal on a plain site sits above the sheet */
#define SYNTH_SHELL_R_A 1.62       /* in-plane distance of a shell atom from its owner */
void synth_shell_offsets(const synth_lattice *g, int dual, int dir, double off[7][3]);
/* Owners of shell atom k: bit 0 = first position, bit 1 = second (dual pockets). */
unsigned synth_shell_owners(int dual, int k);
/* DAC_ERR_INPUT when, for these elements, a shell atom would bond to a metal of another
 * site or metals on next-nearest sites would count as pairs (names the spacing). */
int synth_geometry_check(const synth_lattice *g, const int *Z, size_t n);

/* ------------------------------------------------------------ site → id map ------- */

typedef struct {
    uint32_t *key, *val;
    size_t mask; /* capacity − 1 (power of two) */
    size_t n;
} synth_map;

int synth_map_init(synth_map *m, size_t max_entries);
void synth_map_free(synth_map *m);
uint32_t synth_map_get(const synth_map *m, uint32_t key); /* SYNTH_NONE when absent */
void synth_map_put(synth_map *m, uint32_t key, uint32_t val);
void synth_map_del(synth_map *m, uint32_t key);

/* ------------------------------------------------------------ atoms and pockets --- */

#define SYNTH_ATOM_PLACED 0x01
#define SYNTH_ATOM_HELD 0x02
#define SYNTH_ATOM_PROTECTED 0x04 /* inside a first-passage domain (fp.c) */

typedef struct {
    uint16_t x, y;
    uint8_t metal;
    uint8_t flags;
    uint16_t cls;       /* hop class, SYNTH_NO_CLASS when not hopping on its own */
    uint32_t slot;      /* index in the class's member list */
    uint32_t link;      /* complex (held) or domain (protected) */
} synth_atom;

typedef struct {
    uint16_t x[2], y[2]; /* positions: one (single) or two (dual pocket) */
    uint8_t dual;
    uint8_t n_shell;     /* 4 or 7 */
    uint8_t dir;         /* dual: direction index from position 0 to position 1 */
    uint8_t is_N;        /* bit k: shell atom k is still N */
    float E_eV[7];       /* N-loss activation energy of each shell N */
    uint32_t slot[7];    /* its slot in the N-loss class */
    uint8_t bin[7];      /* its N-loss class (bin) */
} synth_pocket;

typedef struct {
    uint32_t atom[2];
    uint32_t slot;       /* in the held-complex set */
} synth_complex;

/* ------------------------------------------------------------ event table --------- */

/* The event table. Every possible event belongs to a class whose members all share one
 * rate bound r_c at the current temperature:
 *   hop classes   — atoms keyed by (metal, site category, bonds to metal 0, to metal 1);
 *                   every member hops at exactly r_c = (z − bonds)·ν·exp(−E/kT), E = hop
 *                   barrier + pocket binding of its site + its bonds;
 *   N-loss bins   — shell N atoms whose activation energy lies in a 0.02 eV bin; r_c is
 *                   the rate at the bin's lower edge, and a picked N is lost with
 *                   probability exp(−(E − E_lo)/kT) (composition–rejection, Slepoy,
 *                   Thompson & Plimpton, J. Chem. Phys. 128, 205101 (2008));
 *   ligand, complex hop — held complexes (one member list shared by both);
 *   arrival       — one per metal, a count (atoms still in the salt or solution) times
 *                   the release rate, or the constant flux.
 * The class totals n_c·r_c are the leaves of a sum tree (a complete binary tree of
 * doubles, each node the sum of its children, recomputed — never incremented — so 18
 * decades of rates cost no precision). Picking an event: u·R_total descends the tree to
 * a class in O(log classes), a uniform member of the class is taken in O(1), and the
 * rejection step (N loss only) keeps it exact. One event then updates only what it
 * touches: the atoms around the sites that changed move between classes (swap-remove
 * from one member list, append to another) and two leaf paths are recomputed. A new
 * temperature recomputes every r_c and rebuilds the tree (a few hundred classes). */
enum { SYNTH_EV_HOP, SYNTH_EV_ARRIVAL, SYNTH_EV_NLOSS, SYNTH_EV_LIGAND, SYNTH_EV_COMPLEX_HOP,
       SYNTH_EV_JUMP };

typedef struct {
    uint32_t id;
    uint32_t pos;        /* hop classes: the member's site, x | y << 16 (0 otherwise): the
                            run loop reads where a coming atom is without touching its
                            record, to prefetch its neighbourhood — from the same cache
                            line as its id */
} synth_member;

typedef struct {
    uint32_t n, cap;
    synth_member *m;
} synth_set;

typedef struct {
    int kind;            /* SYNTH_EV_* */
    int arg;             /* hop: unused; arrival: metal; N loss: bin */
    synth_set *set;      /* members (NULL: count-only, see count) */
    size_t count;        /* count-only classes (arrivals) */
    double rate;         /* per-member rate bound, 1/s */
} synth_class;

typedef struct {
    size_t n_classes, n_leaves;
    synth_class *cls;
    double *tree;        /* tree[1] root; leaves at n_leaves … */
    uint64_t version;    /* bumped by every change */
} synth_table;

int synth_table_init(synth_table *t, size_t n_classes);
void synth_table_free(synth_table *t);
size_t synth_class_size(const synth_table *t, size_t c);
void synth_table_update(synth_table *t, size_t c);   /* after count or rate changed */
void synth_table_rebuild(synth_table *t);            /* all leaves and nodes */
static inline double synth_table_total(const synth_table *t) { return t->tree[1]; }
/* How an event's words choose it, in one place: the run loop's pick and the look-ahead's
 * guesses (ahead.h) must read a word the same way, or the guesses prefetch the wrong
 * lines. The class: a point in [0, total) from the word's top 53 bits; the member: slot
 * w·n / 2⁶⁴ of the class's n (uniform, bias < n/2⁶⁴). */
static inline double synth_pick_point(const synth_table *t, uint64_t w_c)
{
    return (double)(w_c >> 11) * 0x1.0p-53 * synth_table_total(t);
}
static inline uint32_t synth_pick_slot(uint64_t w_m, size_t n)
{
    return (uint32_t)(((__uint128_t)w_m * n) >> 64);
}
static inline uint32_t synth_pack(int x, int y) { return (uint32_t)x | (uint32_t)y << 16; }
/* The class holding u ∈ [0, total); SIZE_MAX when the tree is empty. Class 0 is
 * tested first, in O(1): give it the most frequent events. */
size_t synth_table_pick(const synth_table *t, double u);
/* Member lists: add returns the slot; remove swaps the last member into the slot and
 * returns the id that moved there (SYNTH_NONE when none). */
int synth_set_add(synth_set *s, uint32_t id, uint32_t pos, uint32_t *slot);
uint32_t synth_set_remove(synth_set *s, uint32_t slot);
void synth_set_free(synth_set *s);

/* ------------------------------------------------------------ temperature -------- */

typedef struct {
    double t0_s, t1_s, T_K;
} synth_step;

/* The program as piecewise-constant steps: a ramp of ΔT is cut into ceil(ΔT/step_K)
 * steps at their mid temperatures (midpoint rule: the integral of an Arrhenius rate
 * converges as step²), a hold is one step. */
int synth_program_build(const dac_synth_params *p, synth_step **steps, size_t *n);

/* ------------------------------------------------------------ double-double clock - */

/* Time is kept as an unevaluated sum hi + lo (Dekker/Knuth two-sum): a free Ni atom
 * hops every ~10⁻¹³ s, a hold lasts 10⁴ s, and a plain double at 10⁴ s resolves only
 * ~2·10⁻¹² s, so increments would vanish. */
typedef struct {
    double hi, lo;
} synth_dd;

static inline synth_dd synth_dd_add(synth_dd a, double b)
{
    double s = a.hi + b, bb = s - a.hi, err = (a.hi - (s - bb)) + (b - bb);
    double lo = a.lo + err, hi = s + lo;
    synth_dd r = {hi, lo - (hi - s)};
    return r;
}
static inline synth_dd synth_dd_add_dd(synth_dd a, synth_dd b)
{
    synth_dd r = synth_dd_add(a, b.hi);
    return synth_dd_add(r, b.lo);
}
/* a − b as a double (exact enough: the difference is what is small). */
static inline double synth_dd_diff(synth_dd a, synth_dd b) { return (a.hi - b.hi) + (a.lo - b.lo); }
static inline double synth_dd_value(synth_dd a) { return a.hi + a.lo; }
/* a + x·y with the product's rounding error kept (fma). */
static inline synth_dd synth_dd_add_product(synth_dd a, double x, double y)
{
    double p = x * y, e = fma(x, y, -p);
    synth_dd r = synth_dd_add(a, p);
    return synth_dd_add(r, e);
}
static inline synth_dd synth_dd_sub(synth_dd a, synth_dd b)
{
    synth_dd nb = {-b.hi, -b.lo};
    return synth_dd_add_dd(a, nb);
}
/* a·k and a/k for a double k, to double-double accuracy. */
static inline synth_dd synth_dd_mul(synth_dd a, double k)
{
    synth_dd r = synth_dd_add_product((synth_dd){0, 0}, a.hi, k);
    return synth_dd_add(r, a.lo * k);
}
static inline synth_dd synth_dd_div(synth_dd a, double k)
{
    double q1 = a.hi / k;
    synth_dd rem = synth_dd_sub(a, synth_dd_mul((synth_dd){q1, 0}, k));
    return synth_dd_add((synth_dd){q1, 0}, synth_dd_value(rem) / k);
}

/* ------------------------------------------------------------ waiting times ------- */

typedef struct {
    uint64_t k[256];
    double w[256], f[256];
} synth_zig;

void synth_zig_init(synth_zig *z);
double synth_zig_exponential_slow(const synth_zig *z, uint64_t word, dac_rng *rng);
/* An exponential variate of mean 1; `word` is the first random word, more come from
 * rng when a draw is rejected. The layer is the low 8 bits, the point the top 53. */
static inline double synth_zig_exponential(const synth_zig *z, uint64_t word, dac_rng *rng)
{
    unsigned i = (unsigned)(word & 255);
    uint64_t j = word >> 11;
    if (j < z->k[i])
        return (double)j * z->w[i];
    return synth_zig_exponential_slow(z, word, rng);
}

/* ------------------------------------------------------------ first passage ------- */

typedef struct synth_fp synth_fp; /* fp.c */

/* ------------------------------------------------------------ samples ------------- */

typedef struct {
    double t_s, T_K;
    size_t count[4], pairs_hetero, atoms, protected_atoms;
    double purity_site, purity_atom, mean_shell_N_pairs, mean_shell_N_sites;
    uint64_t events;
} synth_sample;

/* ------------------------------------------------------------ engine -------------- */

#define SYNTH_AHEAD 3 /* events whose random words are drawn: this one and two ahead */

typedef struct {
    uint64_t r_t, r_c, r_m;  /* random words: waiting time, class, member */
    uint64_t version;        /* table version the pick below was made on */
    size_t cls;
    uint32_t slot;
} synth_draw;

struct dac_synth_engine {
    dac_synth_params p;
    uint64_t seed;
    dac_rng rng;
    synth_lattice g;
    uint8_t *state;            /* L² bytes, tiled */
    uint16_t *tile_atoms;      /* atoms per tile (first passage) */
    uint16_t *tile_pockets;    /* pocket positions per tile */
    uint32_t *tile_owner;      /* domain + 1 holding the tile, 0 free */
    uint32_t *site_atom;       /* L² entries, tiled like state: the atom on a site where
                                  the site is occupied (stale elsewhere: a hop does not
                                  clear the site it leaves, one store and line fewer) */
    synth_map pk;              /* site → pocket */
    synth_atom *atoms;
    size_t n_atoms, cap_atoms;
    synth_pocket *pockets;
    size_t n_pockets, cap_pockets;
    synth_complex *complexes;
    size_t n_complexes;
    synth_set held;            /* complexes whose ligand is intact */
    size_t waiting[DAC_SYNTH_MAX_METALS]; /* atoms not yet arrived */
    /* event table and its classes */
    synth_table table;
    synth_set *hop_sets;       /* one per hop class */
    synth_set *nloss_sets;     /* one per N bin */
    size_t n_hop_classes, n_bond_combos, hop_base, nloss_base, n_bins, ligand_class,
        complex_hop_class, arrival_base;
    uint8_t combo[7][7];       /* (bonds to metal 0, to metal 1) → combo index */
    uint8_t combo_b0[28], combo_b1[28];
    double bin_lo_eV, bin_width_eV;
    double kT_eV;              /* current temperature */
    double hop_k[DAC_SYNTH_MAX_METALS]; /* per-direction rate of a lone walker on a plain site */
    /* capture disc of the navigation route (offsets within the radius) */
    int n_disc;
    int8_t (*disc)[2];
    uint32_t m1_first;         /* the navigation route's M1 atoms: ids m1_first … */
    size_t m1_count;
    /* time and program */
    synth_dd t;
    synth_step *steps;
    size_t n_steps, step;
    double t_end_s;
    /* samples and snapshots */
    synth_sample *samples;
    size_t n_samples, cap_samples, next_sample;
    dac_structure **snaps;
    double *snap_t;
    size_t n_snaps, next_snap;
    /* statistics */
    uint64_t events, null_events, by_kind[6], fp_jumps, fp_bursts;
    double wall_s;
    dac_progress_fn progress;
    void *progress_data;
    synth_fp *fp;              /* NULL when first passage is off */
    synth_draw draw[SYNTH_AHEAD]; /* random words of this event and the next ones */
    int cur, drawn;
    struct synth_ahead *ahead; /* the look-ahead's state (ahead.h), set when the lattice
                                  is larger than the caches (one pointer where an int
                                  flag was: the engine's size, reported in
                                  engine_bytes_per_site, stays the same) */
    synth_zig zig;             /* exponential waiting times */
    double t_sched;            /* the next scheduled point (cached: NAN when stale) */
    size_t bytes;              /* allocated, for the benchmark */
    uint8_t *hop_bonds;        /* per hop class: its bond count */
    int failed;                /* an error inside an event (out of memory): stops the run */
};

/* memory.c: an array of `bytes` set to byte `fill`, on huge pages when large (free()) */
void *synth_big_alloc(size_t bytes, int fill);

/* engine.c */
uint16_t synth_hop_class_of(const dac_synth_engine *e, const synth_atom *a);
void synth_reclass(dac_synth_engine *e, uint32_t id);
/* Places atom id at (x, y) (empty) and classifies it and its neighbours. */
void synth_place(dac_synth_engine *e, uint32_t id, int x, int y);
/* Takes atom id off the lattice (its site becomes empty), neighbours reclassified. */
void synth_lift(dac_synth_engine *e, uint32_t id);
void synth_class_move(dac_synth_engine *e, uint32_t id, uint16_t cls);
void synth_update_rates(dac_synth_engine *e);
double synth_prefactor(double given_per_s, double kT_eV);

/* lattice.c: building the support and the route's starting state */
int synth_build(dac_synth_engine *e);
int synth_add_pocket(dac_synth_engine *e, int x0, int y0, int dual, int dir, int shell_N,
                     uint32_t *out);
/* A new, unplaced atom of metal m (the atom table is sized at creation). */
uint32_t synth_new_atom(dac_synth_engine *e, int metal);
/* Owned N count of position k of pocket pk, from its shell bits. */
int synth_pocket_owned_N(const synth_pocket *pk, int pos);
/* Arrival site of one atom of metal m (uniform, or weighted near charged M1). */
int synth_arrival_site(dac_synth_engine *e, int m, int *x, int *y);

/* fp.c */
int synth_fp_create(dac_synth_engine *e, synth_fp **out);
void synth_fp_free(synth_fp *fp);
size_t synth_fp_bytes(const synth_fp *fp);
/* Tries to put atom id (a lone walker on a plain site) into a protective domain. */
void synth_fp_try(dac_synth_engine *e, uint32_t id);
/* Sample the position of the walker holding the tile of (x, y), if any (before an
 * event writes there). */
void synth_fp_touch(dac_synth_engine *e, int x, int y);
/* Time (from now) of the next domain exit, INFINITY when none. */
double synth_fp_next(dac_synth_engine *e, int *metal);
void synth_fp_exit(dac_synth_engine *e, int metal);
void synth_fp_burst_all(dac_synth_engine *e);
size_t synth_fp_active(const synth_fp *fp);
void synth_fp_rates_changed(dac_synth_engine *e, const double *old_k);

/* analysis.c */
typedef struct {
    size_t count[4], pairs_homo, pairs_hetero, n_metal, max_size;
    double purity_site, purity_atom, hetero_purity_site, mean_N_pairs, mean_N_sites;
    size_t *size_count;        /* full only */
    dac_synth_label *labels;   /* full only */
    size_t n_labels;
} synth_analysis;

int synth_analyze(const dac_synth_engine *e, int full, synth_analysis *out);
/* dac_site_kind of every atom's site, and the sites of each kind (synth_analyze's
 * count[], without the rest of its analysis). */
int synth_atom_kinds(const dac_synth_engine *e, uint8_t *kind, size_t count[4]);
void synth_analysis_free(synth_analysis *a);
/* "Ni2-N3C4" from element counts and shell counts, as dac struct writes it. */
void synth_format_label(const int *Z, const size_t *count, size_t n_elements, size_t n_N,
                        size_t n_C, char *buf, size_t size);

/* snapshot.c */
int synth_snapshot(const dac_synth_engine *e, dac_structure **out);

/* params.c, recipe.c */
int synth_metal_defaults(int Z, dac_synth_metal *m);
double synth_metal_pair_bond(const dac_synth_metal *a, const dac_synth_metal *b, int ia, int ib);
/* Every parameter, under the recipe's own keys (summary.json "parameters"). */
void synth_params_json(const dac_synth_params *p, void *cjson_object);

/* figure.c: the figure of a sweep's table (name: without extension) */
struct dac_sweep;
struct dac_outset;
int synth_sweep_figure(const char *csv_text, size_t len, const struct dac_sweep *s,
                       struct dac_outset *set, const char *name, const char *title);

/* png.c: final.png's raster (RGB rows from the top, w × h; scale px per Å of the
 * lattice picture, which sits above a legend) and its writer */
typedef struct {
    unsigned char *rgb; /* free() */
    int w, h;
    double scale;
    double marker_px;   /* least radius of the markers' discs (outline excluded) */
} synth_canvas;
int synth_render(const dac_synth_engine *e, synth_canvas *out);
/* The fill of a site kind (dac_site_kind 1 … 3), 0: an empty pocket, 4: the outline. */
const unsigned char *synth_png_colour(int kind);
int synth_write_png(const dac_synth_engine *e, FILE *f, const char *name);

#endif

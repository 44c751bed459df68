/*
 * dac/synth.h — kinetic Monte Carlo of the synthesis of dual-atom catalysts
 * (docs/synth.md; docs/science.md §2).
 *
 * One lattice engine runs the three routes of the review (Zhong et al., Acc. Chem. Res.
 * 2025, 58, 1379): conventional co-pyrolysis (metal released at random from its salt),
 * template pyrolysis of dinuclear complexes (pairs held by a ligand until it decomposes,
 * then anchored in a dual pocket) and "navigation and positioning" (M2 cations drawn to
 * photo-charged M1 single atoms on carbon nitride). Metals hop between the adsorption
 * sites of a periodic 2-D lattice with Arrhenius rates whose barrier depends only on the
 * state the atom leaves (so detailed balance holds with the energy −Σ bonds − Σ pocket
 * binding); pocket N atoms are lost to C at Arrhenius rates with a distribution of
 * activation energies; the temperature follows a program of ramps and holds.
 *
 * Shape (FFTW/SUNDIALS, docs/design.md): a recipe is read into a plain parameter object
 * (dac_synth_params; YAML stays in the reader), dac_synth_engine_create builds the
 * lattice and the event table once, dac_synth_engine_run advances the simulated time,
 * dac_synth_engine_snapshot hands back an atomistic structure that `dac struct analyze`
 * reads and `dac stem simulate` images, dac_synth_engine_result the summary, and
 * dac_synth_write writes the output set (summary.json, timeseries.csv, final.extxyz,
 * final.png). Same seed, same bytes (for the same build on the same CPU).
 */
#ifndef DAC_SYNTH_H
#define DAC_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "dac/core.h"
#include "dac/struct.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest of libdac is hidden */

#define DAC_SYNTH_MAX_METALS 2
#define DAC_SYNTH_MAX_SEGMENTS 32

typedef enum {
    DAC_SYNTH_COPYROLYSIS = 1, /* "co-pyrolysis" */
    DAC_SYNTH_TEMPLATE = 2,    /* "template" */
    DAC_SYNTH_NAVIGATION = 3   /* "navigation" */
} dac_synth_route;

typedef enum { DAC_SYNTH_TRIANGULAR = 0, DAC_SYNTH_SQUARE = 1 } dac_synth_lattice;

/* How free atoms of one metal arrive on the lattice. */
typedef enum {
    DAC_SYNTH_RELEASE_NONE = 0,      /* this metal comes only in complexes */
    DAC_SYNTH_RELEASE_AT_START,      /* placed at random sites at t = 0 */
    DAC_SYNTH_RELEASE_IN_POCKETS,    /* placed in random empty pockets at t = 0 (M1 of
                                        the navigation route: a single-atom catalyst) */
    DAC_SYNTH_RELEASE_ARRHENIUS,     /* first order in what is left, k = ν exp(−E/kT) */
    DAC_SYNTH_RELEASE_FLUX           /* constant flux per site until all have arrived */
} dac_synth_release;

typedef struct {
    int Z;                          /* element (atomic number) */
    double hop_barrier_eV;          /* hop barrier from a plain site */
    double hop_prefactor_per_s;     /* attempt frequency; 0: k_B T / h */
    double pocket_N_binding_eV;     /* binding per shell N the site owns (of 4) */
    double pocket_C_binding_eV;     /* binding per shell C the site owns */
    double bond_eV[DAC_SYNTH_MAX_METALS]; /* bond to a neighbour of metal 0 / metal 1 */
    dac_synth_release release;
    size_t atoms;                   /* free atoms of this metal that arrive in total */
    double release_activation_eV;   /* ARRHENIUS */
    double release_prefactor_per_s; /* ARRHENIUS; 0: k_B T / h */
    double release_flux_per_site_s; /* FLUX */
    int capture;                    /* arrivals weighted near photo-charged atoms of the
                                       navigation route's M1 (light on) */
} dac_synth_metal;

/* One segment of the temperature program: a ramp at ramp_K_per_min (> 0, up or down)
 * to to_K, or (ramp 0) a hold of hold_s at the current temperature. */
typedef struct {
    double ramp_K_per_min;
    double to_K;
    double hold_s;
} dac_synth_segment;

/* Everything a run needs; dac_synth_params_default fills it (each default with its
 * source in src/synth/params.c), dac_synth_recipe_read fills it from a recipe. */
typedef struct {
    dac_synth_route route;
    /* lattice of adsorption sites: sites_per_side² sites, periodic */
    dac_synth_lattice lattice;
    size_t sites_per_side;          /* multiple of 8, 16 … 65536 */
    double spacing_A;
    /* support: single anchor pockets, uniformly at random or on a superlattice */
    size_t pockets;                 /* random pockets (ignored with a period) */
    size_t pocket_min_separation_sites; /* random pockets at least this many lattice steps
                                       apart: 1 (default) any distinct sites, 2 none adjacent */
    size_t pocket_period_sites;     /* > 0: a pocket every period sites along both axes */
    int pocket_shell_N;             /* N atoms of the 4 in a fresh pocket's shell */
    /* metals */
    size_t n_metals;
    dac_synth_metal metal[DAC_SYNTH_MAX_METALS];
    /* template route: dinuclear complexes (metal indices of their two atoms) */
    size_t complexes;
    int complex_metal[2];
    double ligand_activation_eV, ligand_prefactor_per_s; /* prefactor 0: k_B T / h */
    int complex_mobile;             /* held complexes translate as a unit */
    double complex_hop_activation_eV, complex_hop_prefactor_per_s;
    int dual_shell_N;               /* N atoms of the 7 in a fresh dual pocket */
    /* navigation route: photo-charged M1 atoms draw arriving M2 (metal[m2].capture) */
    int light;
    int m1;                         /* metal index of M1 (−1: none) */
    double capture_radius_A;        /* sites within this distance of a charged M1 … */
    double capture_strength;        /* … weigh 1 + strength per such M1 */
    /* denitrogenation: each shell N → C at ν exp(−E/kT), E uniform in [min, min+width] */
    int denitrogenation;
    double n_loss_activation_min_eV, n_loss_activation_width_eV, n_loss_prefactor_per_s;
    /* temperature program */
    double start_K;
    double step_K;                  /* piecewise-constant temperature step of ramps */
    size_t n_segments;
    dac_synth_segment segment[DAC_SYNTH_MAX_SEGMENTS];
    /* acceleration: first-passage jumps of lone walkers (docs/synth.md) */
    int first_passage;
    int first_passage_min_radius;   /* smallest protective domain worth a jump, sites */
    /* outputs */
    size_t timeseries_points;
    int carbon_sheet;               /* reserved: 0 (the sheet is not written) */
} dac_synth_params;

void dac_synth_params_default(dac_synth_params *p);
/* Checks ranges and consistency; DAC_ERR_INPUT naming the field otherwise. */
int dac_synth_params_check(const dac_synth_params *p);
const char *dac_synth_route_name(dac_synth_route route); /* "co-pyrolysis", … */
/* Lattice area in nm² and total duration of the temperature program in s. */
double dac_synth_params_area_nm2(const dac_synth_params *p);
double dac_synth_params_duration_s(const dac_synth_params *p);

/* ------------------------------------------------------------ recipes --------------- */

/* Reads a YAML recipe (docs/synth.md lists every key; every key carries its unit; an
 * unknown key is an error naming the file and line). overrides are "key=value" texts
 * applied before reading (--set): a key the recipe does not have is added. */
int dac_synth_recipe_read(const char *path, const char *const *overrides, size_t n_overrides,
                          dac_synth_params *out);
int dac_synth_recipe_parse(const char *text, size_t len, const char *name,
                           const char *const *overrides, size_t n_overrides,
                           dac_synth_params *out);

/* ------------------------------------------------------------ engine ---------------- */

typedef struct dac_synth_engine dac_synth_engine;

/* Builds the lattice (support pockets, complexes, pre-placed atoms) and the event table
 * for p (copied) with a seed. DAC_ERR_INPUT for parameters that cannot be realised (a
 * loading above the number of sites, pockets that do not fit). */
int dac_synth_engine_create(const dac_synth_params *p, uint64_t seed, dac_synth_engine **out);
void dac_synth_engine_free(dac_synth_engine *e);
void dac_synth_engine_set_progress(dac_synth_engine *e, dac_progress_fn fn, void *user_data);
/* Keep k structures at evenly spaced times of the program (written as snapshot_*.extxyz). */
int dac_synth_engine_set_snapshots(dac_synth_engine *e, size_t k);
/* Advances to until_s (clamped to the end of the temperature program). */
int dac_synth_engine_run(dac_synth_engine *e, double until_s);
double dac_synth_engine_time_s(const dac_synth_engine *e);
double dac_synth_engine_end_s(const dac_synth_engine *e);
const dac_synth_params *dac_synth_engine_params(const dac_synth_engine *e);
/* Bytes the engine holds, for the benchmark's bytes-per-site figure. */
size_t dac_synth_engine_bytes(const dac_synth_engine *e);

/* The atomistic structure now: every metal, with the N and C atoms of the pocket shells
 * it sits in; periodic in the sheet (pbc T T F). `dac struct analyze` finds in it
 * exactly the sites and labels of dac_synth_engine_result. */
int dac_synth_engine_snapshot(const dac_synth_engine *e, dac_structure **out);

/* ------------------------------------------------------------ results --------------- */

typedef struct {
    char *label;  /* "Ni2-N3C4", as dac struct writes it */
    size_t count; /* sites with this label */
    size_t kind_count[4]; /* of which single / pair / cluster (dac_site_kind) */
} dac_synth_label;

typedef struct {
    dac_synth_route route;
    uint64_t seed;
    uint64_t events;          /* executed events (hops, arrivals, N losses, …) */
    uint64_t null_events;     /* selections that changed nothing (rejections) */
    uint64_t events_by_kind[6]; /* hop, arrival, N loss, ligand, complex hop, jump */
    uint64_t fp_jumps, fp_bursts; /* first-passage jumps made / cut short */
    double sim_time_s, wall_s, events_per_s;
    double temperature_K;     /* at the end */
    size_t n_metal_atoms;     /* on the lattice */
    size_t atoms_waiting;     /* not yet arrived (salt, solution) */
    size_t complexes_held;    /* ligand not yet decomposed */
    size_t count[4];          /* sites by dac_site_kind */
    size_t pairs_homo, pairs_hetero;
    double purity_site;       /* N_pair / N_sites (NAN without sites) */
    double purity_atom;       /* 2 N_pair / N_metal (NAN without metal) */
    double hetero_purity_site; /* N_hetero_pair / N_sites */
    double mean_shell_N_pairs; /* mean N in the first shell of pair sites (NAN: none) */
    double mean_shell_N_sites; /* over all sites */
    size_t max_cluster_size;
    size_t *cluster_size_count; /* [0 … max_cluster_size]: sites of each atom count */
    size_t n_labels;
    dac_synth_label *labels;  /* by count, descending, then label */
    double mm_bin_A;          /* histogram of each metal's nearest other metal */
    size_t n_mm_bins;
    size_t *mm_count;         /* [n_mm_bins]: [k·bin, (k+1)·bin) */
    size_t mm_beyond;         /* farther than the last bin, or no other metal */
    double mm_pair_distance_A; /* M–M distance of pair sites (NAN: none) */
} dac_synth_result;

int dac_synth_engine_result(const dac_synth_engine *e, dac_synth_result **out);
void dac_synth_result_free(dac_synth_result *r);
/* The most frequent label among sites of `kind` (0: any); NULL when there is none. */
const char *dac_synth_result_top_label(const dac_synth_result *r, int kind);

/* Writes the output set into folder outdir: summary.json (record "dac synth"),
 * timeseries.csv, final.extxyz, final.png and the snapshots. All or nothing. */
int dac_synth_write(const dac_synth_engine *e, const char *outdir, const dac_provenance *prov);

/* ------------------------------------------------------------ sweeps ---------------- */

/* `dac synth sweep`: the recipe (with overrides) on a grid of --vary axes and repeats,
 * run in parallel (threads; MPI ranks when MPI is initialised), one CSV row per run in
 * grid order; run i uses seed + i, so a row reruns alone with `dac synth --seed`. */
typedef struct {
    const char *recipe;               /* path */
    const char *const *overrides;     /* "key=value" */
    size_t n_overrides;
    const char *const *vary;          /* "KEY=a:b:step" */
    size_t n_vary;
    size_t repeats;                   /* ≥ 1 */
    uint64_t seed;
    int n_threads;                    /* 0: all cores */
} dac_synth_sweep_options;

/* Writes out_csv and, beside it, OUT.json (record "dac synth sweep": provenance, axes,
 * columns). *runs gets the number of rows. Only MPI rank 0 writes. */
int dac_synth_sweep(const dac_synth_sweep_options *opt, const char *out_csv,
                    const dac_provenance *prov, dac_progress_fn progress, void *user_data,
                    size_t *runs);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif

/*
 * dac/struct.h — atomic structures: reading, writing, neighbour search, site analysis.
 *
 * A structure is a plain owned object (dac_structure_create / dac_structure_free) with
 * positions in Å, an optional cell (rows are lattice vectors a, b, c in Å) and periodic
 * flags. Readers fill it from XYZ, extended XYZ, VASP POSCAR/CONTCAR and CIF; writers
 * produce extended XYZ, POSCAR and P1 CIF. Neighbour search uses cell lists under
 * periodic boundaries for any triclinic cell (cells shorter than the cutoff included).
 * Site analysis groups metal atoms into single / pair / cluster sites (docs/struct.md),
 * and its results are written by the library: one JSON record per structure (JSON
 * Lines) or a table, to a stream the caller opened.
 *
 * Conventions: out-parameters last; every function that can fail returns DAC_OK or an
 * error status with the message in dac_last_error(). Atoms are indexed from 0 in the
 * arrays and numbered from 1 in every message.
 */
#ifndef DAC_STRUCT_H
#define DAC_STRUCT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dac/core.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest of libdac is hidden */

/* ------------------------------------------------------------ structure ---------- */

typedef struct dac_structure {
    size_t n_atoms;
    int *Z;             /* atomic numbers, n_atoms */
    double *position_A; /* Cartesian, 3*n_atoms, x y z per atom */
    int has_cell;       /* 0: molecule (no cell) */
    double cell_A[3][3]; /* cell_A[i] is lattice vector i (a, b, c) */
    int pbc[3];         /* periodic along a, b, c (only meaningful with a cell) */
    char *comment;      /* title / comment line, may be NULL */
} dac_structure;

/* A new structure of n atoms (Z = 0, positions 0), no cell. DAC_ERR_NOMEM on failure. */
int dac_structure_create(size_t n_atoms, dac_structure **out);
void dac_structure_free(dac_structure *s);
/* Appends one atom (amortised growth). */
int dac_structure_append(dac_structure *s, int Z, const double position_A[3]);
/* A deep copy (atoms, cell, comment). */
int dac_structure_copy(const dac_structure *s, dac_structure **out);

/* Cartesian <-> fractional under the cell (requires has_cell). */
int dac_struct_cartesian_to_fractional(const dac_structure *s, const double cart[3], double frac[3]);
void dac_struct_fractional_to_cartesian(const dac_structure *s, const double frac[3], double cart[3]);

/* ------------------------------------------------------------ file formats -------- */

typedef enum {
    DAC_FORMAT_AUTO = 0,
    DAC_FORMAT_XYZ,    /* plain XYZ (read); written as extended XYZ */
    DAC_FORMAT_EXTXYZ, /* extended XYZ (ASE / OVITO) */
    DAC_FORMAT_POSCAR, /* VASP 5 POSCAR / CONTCAR */
    DAC_FORMAT_CIF
} dac_struct_format;

/* Format from a name ("xyz", "extxyz", "poscar", "vasp", "cif") or from a path's
 * extension / basename (POSCAR*, CONTCAR*, *.vasp, *.xyz, *.extxyz, *.cif).
 * Returns DAC_FORMAT_AUTO when unknown. */
dac_struct_format dac_struct_format_from_name(const char *name);
dac_struct_format dac_struct_format_from_path(const char *path);

/* Reads the first frame of a structure file. path "-" reads standard input (format
 * must then be given). Errors name the file and line. */
int dac_struct_read(const char *path, dac_struct_format format, dac_structure **out);
/* Same, from memory; `name` is used in messages. */
int dac_struct_read_buffer(const char *text, size_t len, const char *name,
                           dac_struct_format format, dac_structure **out);
/* Flags of dac_struct_write. */
enum {
    /* POSCAR and CIF have no periodicity flags: a structure written in them is periodic
     * along a, b and c. A slab (pbc T T F) or a molecule in a box (F F F) is refused
     * (DAC_ERR_USAGE) unless this flag is given; with it the file is written and a
     * warning (dac_warn) says along which lattice vectors it became periodic. */
    DAC_STRUCT_WRITE_FORCE_PERIODIC = 1
};

/* Writes atomically (temporary + rename); "-" writes standard output. flags: 0 or
 * DAC_STRUCT_WRITE_FORCE_PERIODIC. A structure without a cell cannot be written as
 * POSCAR or CIF (DAC_ERR_USAGE, with or without the flag). */
int dac_struct_write(const char *path, dac_struct_format format, const dac_structure *s,
                     unsigned flags);

/* ------------------------------------------------------------ neighbours ---------- */

/* Full neighbour list in compressed-row form: the neighbours of atom i are
 * j[start[i] .. start[i+1]) with distance_A and the image shift (integers in cell
 * units) so that r_j + shift·cell − r_i is the neighbour vector. Each pair appears
 * twice (i→j and j→i); an atom can be its own neighbour through a periodic image. */
typedef struct dac_neighbor_list {
    size_t n_atoms;
    size_t n_pairs;  /* total entries = start[n_atoms] */
    size_t *start;   /* n_atoms + 1 */
    uint32_t *j;
    float *distance_A;
    int8_t (*shift)[3];
} dac_neighbor_list;

/* All pairs with distance < cutoff_A. With `mask` non-NULL, only atoms with mask[i]
 * non-zero are centres (their neighbours may be any atom). The list holds what was
 * asked for (Σ neighbours of the centres); dac_struct_analyze refuses atoms closer than
 * min_distance_A before it builds one, which bounds its size by the number of atoms.
 * Errors: DAC_ERR_USAGE for a bad cutoff, or one that reaches more than 100 periodic
 * images of the cell; DAC_ERR_INPUT for a singular cell or a non-finite position. */
int dac_struct_neighbors(const dac_structure *s, double cutoff_A, const unsigned char *mask,
                         dac_neighbor_list **out);
void dac_neighbor_list_free(dac_neighbor_list *nl);

/* ------------------------------------------------------------ site analysis ------- */

/* Sites are the connected components of the metal–metal graph (edges: M–M distance
 * < pair_cutoff_A, minimum image, periodic images included). A component that reaches
 * its own periodic image is an infinite network and counts as a cluster whatever its
 * atom count. Sites are listed in the order of their lowest atom index. */
typedef enum { DAC_SYNERGY_NONE = 0, DAC_SYNERGY_DIRECT, DAC_SYNERGY_INDIRECT } dac_synergy;

typedef struct {
    double pair_cutoff_A;   /* metal–metal distance that joins a site (default 3.5) */
    double bond_tolerance;  /* first shell: d < tol × (r_cov,i + r_cov,j) (default 1.2) */
    double bridge_min_A;    /* pairs with M···M ≥ this are "direct" (default 4.5) */
    double min_distance_A;  /* two atoms closer than this are bad input (default 0.5) */
} dac_site_options;

void dac_site_options_default(dac_site_options *opt);

typedef struct {
    dac_site_kind kind;
    size_t n_atoms;
    size_t *atoms;               /* 0-based indices in file order, ascending */
    char *elements;              /* "Ni2", "CoZn", "Pt4": symbols alphabetical, counts > 1 */
    double mm_distance_A;        /* pairs only (minimum image); NAN otherwise */
    double nearest_other_site_A; /* nearest metal of another site (or of another periodic
                                    copy of this one); INFINITY if none */
    int coordination[128];       /* first-shell non-metal atoms by Z, each counted once per site */
    char *label;                 /* "Ni2-N3C4", "Ni1-N4" (N C O S P first, then alphabetical) */
    dac_synergy synergy;         /* pairs only; DAC_SYNERGY_NONE otherwise */
    int extended;                /* 1: reaches its own periodic image (infinite network) */
} dac_site;

typedef struct {
    dac_site_options options;    /* the options the analysis ran with */
    size_t n_sites;
    dac_site *sites;
    size_t count[4];             /* indexed by dac_site_kind */
    size_t n_metal_atoms;
    double purity_site;          /* N_pair / N_sites (NAN when no sites) */
    double purity_atom;          /* 2 N_pair / N_metal_atoms (NAN when no metal) */
} dac_site_analysis;

/* Errors: DAC_ERR_USAGE for bad options — the message starts with the field's name
 * (pair_cutoff_A, bond_tolerance, bridge_min_A, min_distance_A), including a pair cutoff
 * or bond reach that would span more than 100 periodic images of the cell;
 * DAC_ERR_INPUT for an atom whose Z is not in the element table, a singular cell, or
 * two atoms closer than min_distance_A (the message names both, 1-based). The close-
 * contact check runs first, in memory O(n), so a pile of coincident atoms fails at
 * once instead of listing n² neighbours. */
int dac_struct_analyze(const dac_structure *s, const dac_site_options *opt,
                       dac_site_analysis **out);
void dac_site_analysis_free(dac_site_analysis *a);
const char *dac_synergy_name(dac_synergy synergy);    /* "direct", "indirect", NULL */

/* ------------------------------------------------------------ writers ------------- */

/* The writers put results on a stream the caller opened (stdout, a file, an output
 * set's member) and return DAC_ERR_RUNTIME when the stream reports a write error.
 * `name` is how the structure's file is shown ("-" for standard input; may be NULL). */

/* One JSON record "dac struct analyze" on one line, ending in a newline (JSON Lines:
 * one record per structure): record, record_version, provenance (prov may be NULL),
 * then the structure, the options, the sites, counts and purity. Units in every key;
 * undefined numbers are null with a reason in "null_reasons". docs/struct.md lists
 * the keys. */
int dac_site_analysis_write_json(FILE *f, const char *name, const dac_structure *s,
                                 const dac_site_analysis *a, const dac_provenance *prov);
/* The human-readable table: a header line, the metals, one row per site (atoms
 * numbered from 1), counts and purity, a blank line. */
int dac_site_analysis_write_table(FILE *f, const char *name, const dac_structure *s,
                                  const dac_site_analysis *a);

/* Counts summed over several analyses; purity is recomputed from the sums. Start from
 * an all-zero object ({0}). */
typedef struct {
    size_t n_analyses;
    size_t count[4];             /* indexed by dac_site_kind */
    size_t n_metal_atoms;
} dac_site_totals;

void dac_site_totals_add(dac_site_totals *t, const dac_site_analysis *a);
/* "total over N files: single …, pair …, cluster …; purity: site …, atom …". */
int dac_site_totals_write_table(FILE *f, const dac_site_totals *t);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif

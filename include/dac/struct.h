/*
 * dac/struct.h — atomic structures: reading, writing, neighbour search, site analysis.
 *
 * A structure is a plain owned object (dac_structure_create / dac_structure_free) with
 * positions in Å, an optional cell (rows are lattice vectors a, b, c in Å) and periodic
 * flags. Readers fill it from XYZ, extended XYZ, VASP POSCAR/CONTCAR and CIF; writers
 * produce extended XYZ, POSCAR and P1 CIF. Neighbour search uses cell lists under
 * periodic boundaries for any triclinic cell (cells shorter than the cutoff included).
 * Site analysis groups metal atoms into single / pair / cluster sites (domain.md §1, §3).
 */
#ifndef DAC_STRUCT_H
#define DAC_STRUCT_H

#include <stddef.h>
#include <stdint.h>

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

/* Allocates n atoms (Z = 0, positions 0), no cell. */
dac_structure *dac_structure_create(size_t n_atoms);
void dac_structure_free(dac_structure *s);
/* Appends one atom (amortised growth). */
int dac_structure_append(dac_structure *s, int Z, const double position_A[3]);
dac_structure *dac_structure_copy(const dac_structure *s);

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
/* Writes atomically (temporary + rename); "-" writes standard output. */
int dac_struct_write(const char *path, dac_struct_format format, const dac_structure *s);

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
 * non-zero are centres (their neighbours may be any atom). */
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
    size_t n_sites;
    dac_site *sites;
    size_t count[4];             /* indexed by dac_site_kind */
    size_t n_metal_atoms;
    double purity_site;          /* N_pair / N_sites (NAN when no sites) */
    double purity_atom;          /* 2 N_pair / N_metal_atoms (NAN when no metal) */
} dac_site_analysis;

/* Errors: DAC_ERR_USAGE for bad options, DAC_ERR_INPUT for an atom whose Z is not in the
 * element table or a singular cell. */
int dac_struct_analyze(const dac_structure *s, const dac_site_options *opt,
                       dac_site_analysis **out);
void dac_site_analysis_free(dac_site_analysis *a);
const char *dac_synergy_name(dac_synergy synergy);    /* "direct", "indirect", NULL */

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif

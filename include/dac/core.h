/*
 * dac/core.h — the ground every dac module stands on.
 *
 * Errors: every library function returns an int status (DAC_OK == 0). On failure the
 * function records a message with its context (file, line, field) in a thread-local
 * slot that the caller reads with dac_last_error(). The library never prints and never
 * exits; the command-line tool turns statuses into messages and exit codes.
 *
 * Also here what every module's interface shares: the random number generator
 * (xoshiro256** with jump for independent streams), CODATA 2018 constants and unit
 * helpers, the element table, the site kinds, the progress callback and the
 * provenance of results. The library's own plumbing (output sets, JSON records, CSV,
 * YAML, cell grids, union-find, sorting) is private, in the headers of src/core.
 */
#ifndef DAC_CORE_H
#define DAC_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "dac/version.h"
#pragma GCC visibility push(default) /* the API; the rest of libdac is hidden */

/* ---------------------------------------------------------------- errors ---------- */

/* Status codes double as the CLI's exit codes where they overlap (1, 2, 3). */
typedef enum {
    DAC_OK = 0,
    DAC_ERR_RUNTIME = 1, /* computation failed, I/O error on output */
    DAC_ERR_USAGE = 2,   /* invalid argument from the caller */
    DAC_ERR_INPUT = 3,   /* malformed or unsupported input file */
    DAC_ERR_NOMEM = 4    /* allocation failed (CLI maps to exit 1) */
} dac_status;

/* Records an error and returns `code` so callers can write `return dac_error(...)`.
 * The message is formatted printf-style; keep it self-contained (name the file, line
 * or field and what was expected). */
int dac_error(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
int dac_verror(int code, const char *fmt, va_list ap);

/* Like dac_error, but prefixes "FILE:LINE: " (line <= 0 omits the line). */
int dac_error_at(int code, const char *file, long line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* The last error message of this thread ("" when none) and its code. */
const char *dac_last_error(void);
int dac_last_error_code(void);
void dac_error_clear(void);

/* Warnings: non-fatal notes from a reader or a computation ("CIF occupancy < 1
 * ignored"). Kept per thread, in order, until cleared; the CLI prints them. */
void dac_warn(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
size_t dac_warning_count(void);
const char *dac_warning(size_t i);
void dac_warnings_clear(void);

/* Maps a status to the CLI exit code: 0, 1 (runtime), 2 (usage), 3 (bad input). */
int dac_status_exit_code(int status);

/* ---------------------------------------------------------------- random ---------- */

/* xoshiro256** (Blackman & Vigna, 2018): fast, 256-bit state, period 2^256−1, with a
 * jump function that advances by 2^128 so streams never overlap. Seeded through
 * splitmix64 as its authors recommend. */
typedef struct {
    uint64_t s[4];
    int has_spare; /* cached second normal variate from the polar method */
    double spare;
} dac_rng;

void dac_rng_seed(dac_rng *rng, uint64_t seed);
/* Stream k of a seed: seed, then k jumps. Same (seed, k) gives the same sequence. */
void dac_rng_seed_stream(dac_rng *rng, uint64_t seed, uint64_t stream);
void dac_rng_jump(dac_rng *rng);
uint64_t dac_rng_next(dac_rng *rng);
double dac_rng_uniform(dac_rng *rng);          /* [0, 1), 53-bit resolution */
double dac_rng_uniform_open(dac_rng *rng);     /* (0, 1), safe for log() */
uint64_t dac_rng_below(dac_rng *rng, uint64_t n); /* uniform integer in [0, n) */
double dac_rng_normal(dac_rng *rng);           /* standard normal */
double dac_rng_exponential(dac_rng *rng, double rate);
/* Poisson: exact for mean ≤ 1e15, normal limit above, saturating at 2^63. */
uint64_t dac_rng_poisson(dac_rng *rng, double mean);

/* ------------------------------------------------------- constants (CODATA 2018) -- */

#define DAC_PI 3.14159265358979323846
#define DAC_KB_EV_PER_K 8.617333262e-5     /* Boltzmann constant, eV/K (exact) */
#define DAC_KB_J_PER_K 1.380649e-23        /* exact */
#define DAC_H_EV_S 4.135667696e-15         /* Planck constant, eV s (exact) */
#define DAC_H_J_S 6.62607015e-34           /* exact */
#define DAC_E_C 1.602176634e-19            /* elementary charge, C (exact) */
#define DAC_NA_PER_MOL 6.02214076e23       /* Avogadro (exact) */
#define DAC_ME_KG 9.1093837015e-31         /* electron mass */
#define DAC_C_M_S 299792458.0              /* speed of light (exact) */
#define DAC_ME_C2_EV 0.51099895000e6       /* electron rest energy, eV */
#define DAC_FARADAY_C_PER_MOL 96485.33212  /* e * NA */
#define DAC_EV_PER_KJ_MOL 0.01036426965    /* 1 kJ/mol in eV (= 1000/(e NA)) */
#define DAC_EV_PER_KCAL_MOL 0.0433641043   /* 1 kcal/mol (thermochemical) in eV */
#define DAC_ZERO_C_K 273.15

double dac_unit_eV_to_kJ_mol(double eV);
double dac_unit_kJ_mol_to_eV(double kJ_mol);
double dac_unit_eV_to_kcal_mol(double eV);
double dac_unit_kcal_mol_to_eV(double kcal_mol);
double dac_unit_K_to_C(double K);
double dac_unit_C_to_K(double C);

/* Relativistic electron wavelength in Å for an accelerating voltage in volts:
 * λ = h / sqrt(2 m0 e V (1 + eV/(2 m0 c²))), from CODATA constants. */
double dac_electron_wavelength_A(double voltage_V);

/* ---------------------------------------------------------------- elements -------- */

/* One row of data/elements.csv (compiled into the library at build time). */
typedef struct {
    int Z;
    const char *symbol;
    double mass_u;            /* standard atomic weight (IUPAC/CIAAW abridged) */
    double covalent_radius_A; /* Cordero et al., Dalton Trans. 2008, 2832 */
    double haadf_sigma_1e4A2; /* relative ADF cross-section, docs/science.md §3; 0 if unknown */
    int is_metal;
} dac_element;

/* Lookup by symbol (case-insensitive on the second letter: "NI" and "ni" are not
 * accepted, "Ni" is; "X" for unknown returns NULL). */
const dac_element *dac_element_by_symbol(const char *symbol);
const dac_element *dac_element_by_Z(int Z);
int dac_element_count(void); /* largest Z in the table */

/* ---------------------------------------------------------------- sites --------- */

/* What a group of metal atoms is, in a structure (dac_struct_analyze), a STEM image
 * (dac_stem_count) or a synthesis (dac_synth): one type for every module. */
typedef enum { DAC_SITE_SINGLE = 1, DAC_SITE_PAIR = 2, DAC_SITE_CLUSTER = 3 } dac_site_kind;

const char *dac_site_kind_name(dac_site_kind kind); /* "single", "pair", "cluster" */

/* ---------------------------------------------------------------- progress ------- */

/* Long-running library functions report progress through this callback: fraction in
 * [0,1] and the caller's user_data. Returning non-zero asks the computation to stop
 * (it then fails with DAC_ERR_RUNTIME, "stopped by the caller"). The library never
 * draws anything itself. */
typedef int (*dac_progress_fn)(double fraction, void *user_data);

/* ---------------------------------------------------------------- provenance ----- */

/* What every result file records about how it was made (the "provenance" block of
 * each JSON record): the command line (argc 0 for a call from a program), the seed of
 * a stochastic computation, and the input files, which are named with their SHA-256
 * when the record is written. The caller owns every string. */
typedef struct {
    int argc;
    char *const *argv;
    int has_seed;
    uint64_t seed;
    size_t n_inputs;
    const char *const *inputs;
} dac_provenance;

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif

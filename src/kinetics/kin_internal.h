/*
 * kin_internal.h — the data structures shared by the files of src/kinetics (private,
 * prefix kin_).
 *
 * The model (kin_species, kin_step, dac_kinetics_model) is what a mechanism file says.
 * Validation compiles it into the form the solver works on: states (every free site
 * and adsorbate) numbered 0..n_states−1, each step's reactant and product states with
 * their coefficients, the constant part of each step (gas and solute activities,
 * electrons and protons), and the site-balance weights.
 *
 * The solver's variables are v_s = ln x_s, x_s the amount of state s per ensemble
 * (surface: θ_s·count of its home site type; dissolved: mol/L). Mass action in logs:
 *     ln r_f,j = ln k_f,j + Σ_reactant-states a_ij v_i + Σ_gas,solute a ln(activity)
 * so rates of states at 10⁻³⁰ are exact and never negative (see rates.c, newton.c).
 */
#ifndef DAC_KIN_INTERNAL_H
#define DAC_KIN_INTERNAL_H

#include <stddef.h>

#include "dac/kinetics.h"

#define KIN_NAME_MAX 64
#define KIN_MAX_TERMS 12   /* species terms on one side of a step */
#define KIN_MAX_ELEMENTS 8 /* distinct elements in one formula */
#define KIN_MAX_SITES 4    /* site types one species occupies */

typedef struct {
    char name[KIN_NAME_MAX];
    dac_kinetics_phase phase;
    char formula[KIN_NAME_MAX];
    int n_elements;
    int element_Z[KIN_MAX_ELEMENTS];
    int element_n[KIN_MAX_ELEMENTS];
    int charge;
    double G_eV;       /* NAN until given (YAML, table or setter) */
    double amount;     /* gas: bar; solute: mol/L; NAN when not given */
    int n_sites;
    int site[KIN_MAX_SITES]; /* site types occupied, one entry per site (with repeats) */
    long state;        /* index among states, −1 for non-states */
    char *source;
    long line;         /* where it was defined (0: by code) */
} kin_species;

typedef struct {
    int species;
    int coef;
} kin_term;

typedef struct {
    char name[KIN_NAME_MAX];
    char *equation;
    int n_reac, n_prod;
    kin_term reac[KIN_MAX_TERMS], prod[KIN_MAX_TERMS];
    int reversible;
    int ts;                 /* transition-state species, −1 */
    double barrier_eV;      /* NAN: none given */
    double beta;            /* NAN: default */
    double prefactor_per_s; /* NAN: k_BT/h */
    double photon_rate_per_s; /* NAN: not a light step */
    int distance_barrier;
    double dist_min_eV, dist_optimum_A, dist_curvature;
    char *source;
    long line;
    /* compiled */
    double electrons;       /* consumed: reactant side − product side */
    double protons;
} kin_step;

typedef struct {
    char name[KIN_NAME_MAX];
    double amount;          /* surface: sites per ensemble; dissolved: mol/L */
    int free_species;       /* the "*name" species */
} kin_site_type;

typedef struct {
    int species;
    double electrons;       /* NAN: not electrochemical */
} kin_product;

typedef struct {
    char name[KIN_NAME_MAX];
    size_t n_steps;
    int *steps;
} kin_pathway;

/* A term of a compiled step on a state. */
typedef struct {
    int state;
    int coef;
} kin_sterm;

/* A compiled step: state terms on each side and the net change of every state. */
typedef struct {
    int n_reac, n_prod, n_net;
    kin_sterm reac[KIN_MAX_TERMS], prod[KIN_MAX_TERMS], net[2 * KIN_MAX_TERMS];
} kin_cstep;

struct dac_kinetics_model {
    char *name;
    char *path;             /* file it was read from, NULL when built by code */
    int dissolved;          /* −1 unknown yet, 0 surface, 1 dissolved */
    kin_site_type *types;
    size_t n_types, cap_types;
    kin_species *species;
    size_t n_species, cap_species;
    kin_step *steps;
    size_t n_steps, cap_steps;
    kin_product *products;
    size_t n_products, cap_products;
    kin_pathway *pathways;
    size_t n_pathways;
    int catalyst;           /* site type normalising TOF (dissolved) */
    double temperature_K, potential_V_RHE, pH, site_density_per_cm2, distance_MM_A;
    int validated;
    /* compiled by validation */
    size_t n_states;
    int *state_species;     /* species of each state */
    int *state_home;        /* home site type of each state */
    double *occupation;     /* n_types × n_states: sites of type t a state holds */
    kin_cstep *csteps;
    int *product_net;       /* n_products × n_steps: molecules of product made by a step */
    int proton, electron;   /* built-in species indices */
};

/* Parameter kinds (dac_kinetics_parameter.kind). */
enum {
    KIN_PAR_POTENTIAL = 1, KIN_PAR_TEMPERATURE, KIN_PAR_PH, KIN_PAR_DISTANCE,
    KIN_PAR_ENERGY, KIN_PAR_AMOUNT, KIN_PAR_BARRIER
};

/* ---- model.c */
kin_species *kin_find_species(const dac_kinetics_model *m, const char *name);
long kin_species_index(const dac_kinetics_model *m, const char *name);
int kin_add_species_at(dac_kinetics_model *m, const char *name, dac_kinetics_phase phase,
                       const char *formula, int charge, double G_eV, long line);
int kin_add_type_at(dac_kinetics_model *m, const char *name, double amount, int dissolved,
                    long line);
int kin_add_step_at(dac_kinetics_model *m, const char *name, const char *equation, long line,
                    size_t *index);
int kin_set_text(char **dst, const char *text);
/* "FILE:LINE: " style errors for a model (line 0: no line). */
int kin_error(const dac_kinetics_model *m, long line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---- equation.c */
int kin_parse_formula(const char *formula, kin_species *sp);
int kin_parse_equation(dac_kinetics_model *m, kin_step *st, const char *equation, long line);
/* Compiles states, steps and products; checks balances. */
int kin_compile(dac_kinetics_model *m);

/* What a rate is per: the catalyst's concentration (dissolved: TOF per catalyst) or one
 * ensemble (surface). */
static inline double kin_norm_amount(const dac_kinetics_model *m)
{
    return m->dissolved == 1 ? m->types[m->catalyst].amount : 1.0;
}

/* ---- thermo.c: energies at conditions */
typedef struct {
    double T_K, U_V_RHE, pH, distance_MM_A;
    const double *G_eV;     /* per species */
    const double *barrier_eV; /* per step (NAN: the model's rule) */
} kin_conditions;

double kin_kT(double T_K);
/* ΔG of step j at the conditions (H⁺ and e⁻ by the computational hydrogen electrode). */
double kin_step_dG(const dac_kinetics_model *m, size_t j, const kin_conditions *c);
/* Forward barrier at the conditions before clamping (NAN: barrierless). */
double kin_step_barrier_raw(const dac_kinetics_model *m, size_t j, const kin_conditions *c);
/* Forward barrier after clamping to max(0, ΔG, raw). */
double kin_step_barrier(const dac_kinetics_model *m, size_t j, const kin_conditions *c);

#endif

/*
 * dac/kinetics.h — free-energy diagrams and mean-field microkinetic models of single-
 * and dual-site catalysis, on SUNDIALS (domain.md §4; docs/kinetics.md).
 *
 * Two objects, in the SUNDIALS shape:
 *   dac_kinetics_model   what the chemistry is: site types (a dual site is two types,
 *                        "a" and "b"), species with formation free energies relative
 *                        to reference molecules, elementary steps written as equations,
 *                        products, pathways, default conditions. Built by the YAML
 *                        reader (dac_kinetics_model_read) or by code (add/set below),
 *                        then checked once (dac_kinetics_model_validate: every step
 *                        balanced in elements, sites and charge, every energy present).
 *   dac_kinetics_solver  how to solve it: planned once per sweep (SUNContext, CVODE
 *                        memory, dense Jacobian and LU workspace, the compiled
 *                        stoichiometry), configured with setters (potential,
 *                        temperature, pH, pressures, energy overrides), then asked for
 *                        steady states and transients many times cheaply. Each solve
 *                        warm-starts from the previous converged point of the solver.
 *
 * Every reverse rate follows from thermodynamics (k_f/k_r = exp(−ΔG/k_BT)), so a model
 * is consistent by construction. Energies are free energies in eV at U = 0 V vs RHE;
 * the computational hydrogen electrode puts (H⁺ + e⁻) at −eU. Rates are per ensemble
 * (one set of the site types, e.g. one dual site) per second for surface models, and
 * mol L⁻¹ s⁻¹ for models whose site types are dissolved (homogeneous catalysts and
 * photosensitisers, with concentrations); TOF is per ensemble or per catalyst molecule.
 *
 * A steady state is never reported converged on a Newton hit alone: the result says
 * which checks passed (scaled residual, Σθ = 1 on every site type, θ ≥ 0, agreement
 * with a CVODE time integration) — see dac_kinetics_checks.
 *
 * The model must outlive every solver made from it and must not change after the
 * first solver is created. One solver per thread; distinct solvers never race.
 */
#ifndef DAC_KINETICS_H
#define DAC_KINETICS_H

#include <stddef.h>

#include "dac/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default) /* the API; the rest of libdac is hidden */

/* ------------------------------------------------------------------ model --------- */

typedef struct dac_kinetics_model dac_kinetics_model;

typedef enum {
    DAC_KINETICS_GAS = 1,          /* activity p / 1 bar */
    DAC_KINETICS_SOLUTE,           /* activity c / 1 mol L⁻¹ */
    DAC_KINETICS_SOLVENT,          /* activity 1 (H2O) */
    DAC_KINETICS_ADSORBATE,        /* a state of one or two site types (a coverage) */
    DAC_KINETICS_TRANSITION_STATE, /* an energy only, named by steps */
    DAC_KINETICS_FREE_SITE,        /* "*a": made for every site type */
    DAC_KINETICS_PROTON,           /* "H+": built in */
    DAC_KINETICS_ELECTRON          /* "e-": built in */
} dac_kinetics_phase;

/* An empty model named `name` (used in messages and outputs). */
int dac_kinetics_model_create(const char *name, dac_kinetics_model **out);
void dac_kinetics_model_free(dac_kinetics_model *m);
/* A mechanism file (YAML; docs/kinetics.md): read, built and validated. Errors name
 * the file, the line and what is wrong; unknown keys are errors. */
int dac_kinetics_model_read(const char *path, dac_kinetics_model **out);
int dac_kinetics_model_parse(const char *text, size_t len, const char *name,
                             dac_kinetics_model **out);

/* A site type of a surface catalyst with `count` sites per ensemble (1 for each metal
 * of a dual site), or a dissolved one (a molecular catalyst, a photosensitiser) whose
 * states share concentration_mol_L. A model is all surface or all dissolved. The free
 * state "*NAME" is made with it. */
int dac_kinetics_model_add_site_type(dac_kinetics_model *m, const char *name, double count);
int dac_kinetics_model_add_dissolved_site_type(dac_kinetics_model *m, const char *name,
                                               double concentration_mol_L);
/* Species. formula NULL: read from the name before its "_site" suffix ("COOH_a" →
 * COOH); "" for a state without atoms of its own (a reduced catalyst). G_eV NAN: to be
 * filled from an energy table (dac_kinetics_model_read_energy_table) — validation
 * fails while one is missing. */
int dac_kinetics_model_add_species(dac_kinetics_model *m, const char *name,
                                   dac_kinetics_phase phase, const char *formula, int charge,
                                   double G_eV);
/* The site types an adsorbate or transition state occupies ("a", or "a" and "b" for a
 * bridging species); the first is the one its coverage is a fraction of. */
int dac_kinetics_model_set_species_sites(dac_kinetics_model *m, const char *name,
                                         const char *const *sites, size_t n_sites);
/* Gas pressure in bar or solute concentration in mol/L (0 allowed: nothing back). */
int dac_kinetics_model_set_species_amount(dac_kinetics_model *m, const char *name, double amount);
int dac_kinetics_model_set_species_energy(dac_kinetics_model *m, const char *name, double G_eV);
/* Where the energy comes from (a citation, or "illustrative"). */
int dac_kinetics_model_set_species_source(dac_kinetics_model *m, const char *name,
                                          const char *source);

/* A step: "CO2 + *a + H+ + e- <-> COOH_a" (reversible) or "A -> B" (irreversible);
 * terms are separated by " + ", an integer coefficient may precede a name ("2 *a").
 * name NULL: "step N". Species must exist. *index (may be NULL) is the step's index. */
int dac_kinetics_model_add_step(dac_kinetics_model *m, const char *name, const char *equation,
                                size_t *index);
/* Forward free-energy barrier at U = 0 V_RHE (without one, and without a transition
 * state, the step is barrierless: the barrier is max(0, ΔG)). */
int dac_kinetics_model_set_step_barrier(dac_kinetics_model *m, size_t step, double barrier_eV);
int dac_kinetics_model_set_step_transition_state(dac_kinetics_model *m, size_t step,
                                                 const char *species);
/* Symmetry factor of a charge-transfer step: the barrier moves by β·Δ(ΔG) when the
 * potential (or pH) moves ΔG. Default 0.5 (Butler–Volmer; domain.md §4). */
int dac_kinetics_model_set_step_beta(dac_kinetics_model *m, size_t step, double beta);
/* Prefactor of k = A·exp(−ΔG‡/k_BT); default k_BT/h (transition-state theory). */
int dac_kinetics_model_set_step_prefactor(dac_kinetics_model *m, size_t step, double prefactor_per_s);
/* A light-driven step (irreversible, first order): excitations per absorber per second
 * (photon flux × absorption cross-section). */
int dac_kinetics_model_set_step_photon_rate(dac_kinetics_model *m, size_t step, double per_s);
/* A barrier that depends on the M···M distance d (the condition distance_MM_A):
 * ΔG‡(d) = min_eV + curvature·(d − optimum_A)², a stated, illustrative form. */
int dac_kinetics_model_set_step_distance_barrier(dac_kinetics_model *m, size_t step,
                                                 double min_eV, double optimum_A,
                                                 double curvature_eV_per_A2);
int dac_kinetics_model_set_step_source(dac_kinetics_model *m, size_t step, const char *source);
/* A product whose TOF, selectivity and Faradaic efficiency are reported, with the
 * electrons one molecule takes (NAN for a non-electrochemical product). */
int dac_kinetics_model_add_product(dac_kinetics_model *m, const char *species,
                                   double electrons_per_molecule);
/* A named pathway for free-energy diagrams: steps in order (by name). */
int dac_kinetics_model_add_pathway(dac_kinetics_model *m, const char *name,
                                   const char *const *steps, size_t n_steps);
/* Site type used to normalise TOF in a dissolved model (default: the first). */
int dac_kinetics_model_set_catalyst(dac_kinetics_model *m, const char *site_type);
/* Default conditions: "temperature_K" (298.15), "potential_V_RHE" (0), "pH" (7),
 * "site_density_per_cm2" (ensembles per cm², for current densities), "distance_MM_A". */
int dac_kinetics_model_set_condition(dac_kinetics_model *m, const char *key, double value);
/* CatMAP-style energy table (tab-separated: surface_name site_name species_name
 * formation_energy … [reference]); rows of `surface` (and gas rows, surface "None")
 * give the G_eV of species not given one yet. Table site names map to site types by
 * site_map ("111=s,bridge=b"; NULL: same names). Species "NAME" on site "gas" is gas
 * NAME; on site S it is "NAME_S". */
int dac_kinetics_model_read_energy_table(dac_kinetics_model *m, const char *path,
                                         const char *surface, const char *site_map);
/* The same from memory; name is used in messages. */
int dac_kinetics_model_parse_energy_table(dac_kinetics_model *m, const char *text, size_t len,
                                          const char *name, const char *surface,
                                          const char *site_map);
/* Checks everything (balance of every step in elements, sites and charge; energies;
 * the hydrogen reference when H+ or e- appear) and compiles the model. Idempotent. */
int dac_kinetics_model_validate(dac_kinetics_model *m);

const char *dac_kinetics_model_name(const dac_kinetics_model *m);
const char *dac_kinetics_model_path(const dac_kinetics_model *m); /* NULL when built by code */
size_t dac_kinetics_model_site_type_count(const dac_kinetics_model *m);
const char *dac_kinetics_model_site_type_name(const dac_kinetics_model *m, size_t t);
int dac_kinetics_model_is_dissolved(const dac_kinetics_model *m);
size_t dac_kinetics_model_species_count(const dac_kinetics_model *m);
const char *dac_kinetics_model_species_name(const dac_kinetics_model *m, size_t i);
dac_kinetics_phase dac_kinetics_model_species_phase(const dac_kinetics_model *m, size_t i);
double dac_kinetics_model_species_energy(const dac_kinetics_model *m, size_t i);
const char *dac_kinetics_model_species_source(const dac_kinetics_model *m, size_t i);
long dac_kinetics_model_find_species(const dac_kinetics_model *m, const char *name); /* −1 */
/* States are the dynamic variables: every free site and adsorbate, in species order. */
size_t dac_kinetics_model_state_count(const dac_kinetics_model *m);
const char *dac_kinetics_model_state_name(const dac_kinetics_model *m, size_t s);
size_t dac_kinetics_model_state_site_type(const dac_kinetics_model *m, size_t s); /* home */
size_t dac_kinetics_model_step_count(const dac_kinetics_model *m);
const char *dac_kinetics_model_step_name(const dac_kinetics_model *m, size_t j);
const char *dac_kinetics_model_step_equation(const dac_kinetics_model *m, size_t j);
const char *dac_kinetics_model_step_source(const dac_kinetics_model *m, size_t j);
int dac_kinetics_model_step_has_energy(const dac_kinetics_model *m, size_t j); /* barrier or TS */
long dac_kinetics_model_find_step(const dac_kinetics_model *m, const char *name);
/* Electrons a step takes (reactant side minus product side). */
double dac_kinetics_model_step_electrons(const dac_kinetics_model *m, size_t j);
size_t dac_kinetics_model_product_count(const dac_kinetics_model *m);
const char *dac_kinetics_model_product_name(const dac_kinetics_model *m, size_t p);
size_t dac_kinetics_model_pathway_count(const dac_kinetics_model *m);
const char *dac_kinetics_model_pathway_name(const dac_kinetics_model *m, size_t k);
double dac_kinetics_model_condition(const dac_kinetics_model *m, const char *key); /* NAN */

/* ----------------------------------------------------------- parameters -------- */

/* What a sweep or a setter can change, named by a key: "potential_V_RHE" (or "U"),
 * "temperature_K" ("T"), "pH", "distance_MM_A", "G.SPECIES" (eV), "p.GAS" (bar),
 * "c.SOLUTE" (mol/L), "barrier.STEP" (eV). Resolved once, set many times. */
typedef struct {
    int kind;
    size_t index;
} dac_kinetics_parameter;

int dac_kinetics_model_find_parameter(const dac_kinetics_model *m, const char *key,
                                      dac_kinetics_parameter *out);

/* ------------------------------------------------------------------ solver -------- */

typedef struct dac_kinetics_solver dac_kinetics_solver;
typedef struct dac_kinetics_result dac_kinetics_result;

/* When a steady state is checked against a CVODE time integration.
 * ALWAYS: every point (a short run from the candidate, which must stay put);
 * COLD: only points not warm-started from a converged neighbour (a cold point is
 * reached by integrating from the start and polishing, which compares the two anyway);
 * NEVER: no integration (the other checks still run; time_integration is "not run"). */
typedef enum {
    DAC_KINETICS_VERIFY_ALWAYS = 0,
    DAC_KINETICS_VERIFY_COLD = 1,
    DAC_KINETICS_VERIFY_NEVER = 2
} dac_kinetics_verify;

/* Extra analyses of a steady state (finite differences of re-solved steady states). */
enum {
    DAC_KINETICS_RATE_CONTROL = 1,   /* Campbell's X_i for every product and step, and the
                                        degree of selectivity control */
    DAC_KINETICS_ACTIVATION = 2,     /* apparent activation energy of every product */
    DAC_KINETICS_ORDERS = 4,         /* reaction orders in every gas and solute */
    DAC_KINETICS_TAFEL = 8           /* Tafel slope of the total current */
};

/* Plans the solver for a validated model (validates it when needed). */
int dac_kinetics_solver_create(const dac_kinetics_model *m, dac_kinetics_solver **out);
void dac_kinetics_solver_free(dac_kinetics_solver *s);
const dac_kinetics_model *dac_kinetics_solver_model(const dac_kinetics_solver *s);

/* Conditions (start as the model's). */
int dac_kinetics_solver_set_potential(dac_kinetics_solver *s, double U_V_RHE);
int dac_kinetics_solver_set_temperature(dac_kinetics_solver *s, double T_K);
int dac_kinetics_solver_set_pH(dac_kinetics_solver *s, double pH);
int dac_kinetics_solver_set_parameter(dac_kinetics_solver *s, const dac_kinetics_parameter *p,
                                      double value);
/* By key (resolves and sets; DAC_ERR_USAGE naming the key when unknown). */
int dac_kinetics_solver_set(dac_kinetics_solver *s, const char *key, double value);
double dac_kinetics_solver_get(const dac_kinetics_solver *s, const dac_kinetics_parameter *p);

/* Scaled residual tolerance (default 1e-9: every species' net rate below 1e-9 of its
 * gross turnover; assumption, well above double rounding). */
int dac_kinetics_solver_set_tolerance(dac_kinetics_solver *s, double residual);
int dac_kinetics_solver_set_verification(dac_kinetics_solver *s, dac_kinetics_verify mode);
int dac_kinetics_solver_set_analysis(dac_kinetics_solver *s, unsigned flags);
/* The next solve starts from these coverages (fractions of each state's site type,
 * n_states values, > 0; NULL: the clean surface) instead of the previous point. */
int dac_kinetics_solver_set_start(dac_kinetics_solver *s, const double *coverages);
/* Forgets the previous point: the next solve is cold. */
void dac_kinetics_solver_reset(dac_kinetics_solver *s);
void dac_kinetics_solver_set_progress(dac_kinetics_solver *s, dac_progress_fn fn, void *user_data);

/* A result sized for the solver's model; reused across points. */
int dac_kinetics_result_create(const dac_kinetics_solver *s, dac_kinetics_result **out);
void dac_kinetics_result_free(dac_kinetics_result *r);
/* Solves for the steady state at the current conditions. DAC_OK when the computation
 * ran, converged or not (read dac_kinetics_result_checks); errors only for bad calls
 * and memory. */
int dac_kinetics_solver_steady(dac_kinetics_solver *s, dac_kinetics_result *r);

/* What was checked for one point. converged = every check that ran passed and the
 * time integration either passed or was not asked for. */
typedef enum {
    DAC_KINETICS_CHECK_NOT_RUN = 0,
    DAC_KINETICS_CHECK_PASSED = 1,
    DAC_KINETICS_CHECK_FAILED = 2
} dac_kinetics_check;

typedef struct {
    int converged;
    double residual;            /* max over species of |net rate| / gross turnover, and
                                   of |Σθ − 1| over site types */
    int residual_ok;
    double site_balance_error;  /* max over site types of |Σθ − 1| */
    int site_balance_ok;
    double min_coverage;        /* smallest θ */
    int nonnegative_ok;         /* every θ finite and ≥ 0 */
    dac_kinetics_check time_integration;
    double time_integration_change; /* max |Δ ln θ| over the run (NAN when not run) */
    int newton_iterations;
    int cvode_steps;
    const char *start;          /* "warm", "clean", "given", "integrated", "start N" */
} dac_kinetics_checks;

const dac_kinetics_checks *dac_kinetics_result_checks(const dac_kinetics_result *r);
/* Values of the last solve (NAN when the point did not converge). */
double dac_kinetics_result_coverage(const dac_kinetics_result *r, size_t state);
double dac_kinetics_result_site_sum(const dac_kinetics_result *r, size_t site_type);
double dac_kinetics_result_rate(const dac_kinetics_result *r, size_t step);         /* net */
double dac_kinetics_result_rate_forward(const dac_kinetics_result *r, size_t step);
double dac_kinetics_result_rate_reverse(const dac_kinetics_result *r, size_t step);
double dac_kinetics_result_reaction_energy(const dac_kinetics_result *r, size_t step); /* ΔG_eV */
double dac_kinetics_result_barrier(const dac_kinetics_result *r, size_t step); /* forward, eV */
double dac_kinetics_result_tof(const dac_kinetics_result *r, size_t product);       /* per s */
double dac_kinetics_result_selectivity(const dac_kinetics_result *r, size_t product);
double dac_kinetics_result_faradaic_efficiency(const dac_kinetics_result *r, size_t product);
double dac_kinetics_result_current_density(const dac_kinetics_result *r);  /* mA/cm², cathodic < 0 */
double dac_kinetics_result_partial_current_density(const dac_kinetics_result *r, size_t product);
/* Analyses (NAN unless requested and defined). */
double dac_kinetics_result_rate_control(const dac_kinetics_result *r, size_t product, size_t step);
double dac_kinetics_result_selectivity_control(const dac_kinetics_result *r, size_t product,
                                               size_t step);
double dac_kinetics_result_apparent_activation(const dac_kinetics_result *r, size_t product); /* eV */
double dac_kinetics_result_reaction_order(const dac_kinetics_result *r, size_t product,
                                          size_t species);
double dac_kinetics_result_tafel_slope(const dac_kinetics_result *r); /* mV/dec */
/* Conditions the result was solved at. */
double dac_kinetics_result_potential(const dac_kinetics_result *r);
double dac_kinetics_result_temperature(const dac_kinetics_result *r);

/* The result as the JSON record "dac kinetics steady" to path ("-": standard output),
 * written as a one-file output set. */
int dac_kinetics_result_write_json(const dac_kinetics_solver *s, const dac_kinetics_result *r,
                                   const char *path, const dac_provenance *prov);

/* ------------------------------------------------------------------ transient ----- */

typedef struct dac_kinetics_transient dac_kinetics_transient;

/* Integrates from the start (the clean surface, the resting catalyst, or
 * dac_kinetics_solver_set_start) to t_end_s with CVODE (BDF, analytic Jacobian) and
 * samples n_points times (log-spaced from t_end·1e-9 when log_spacing, else linear),
 * plus t = 0. TON(t) = ∫TOF dt per product. */
int dac_kinetics_solver_transient(dac_kinetics_solver *s, double t_end_s, size_t n_points,
                                  int log_spacing, dac_kinetics_transient **out);
void dac_kinetics_transient_free(dac_kinetics_transient *t);
size_t dac_kinetics_transient_count(const dac_kinetics_transient *t);
double dac_kinetics_transient_time(const dac_kinetics_transient *t, size_t i);
double dac_kinetics_transient_coverage(const dac_kinetics_transient *t, size_t i, size_t state);
double dac_kinetics_transient_tof(const dac_kinetics_transient *t, size_t i, size_t product);
double dac_kinetics_transient_ton(const dac_kinetics_transient *t, size_t i, size_t product);
/* Worst |Σθ − 1| over the samples and site types (the integration's own check). */
double dac_kinetics_transient_site_balance_error(const dac_kinetics_transient *t);

/* Writes OUT.csv (one row per sample), OUT.json (record "dac kinetics transient") and,
 * with plot, the TON figure OUT-ton.{csv,gp,svg,png}, all as one set beside csv_path.
 * Several transients (one per mechanism, same times) share one table: their columns
 * are suffixed with the mechanism name. */
int dac_kinetics_transient_write(const dac_kinetics_transient *const *t, size_t n,
                                 const char *csv_path, int plot, const dac_provenance *prov);

/* ------------------------------------------------------------------ diagrams ------ */

typedef struct dac_kinetics_fed dac_kinetics_fed;

/* The free-energy diagram of a pathway (NULL: the first, or every step in order when
 * the model has none) at potential U_V_RHE and the model's temperature and pH: levels,
 * transition states, limiting potential U_L, the potential-determining step and the
 * thermodynamic overpotential η = |U_eq − U_L|. */
int dac_kinetics_fed_compute(const dac_kinetics_model *m, const char *pathway, double U_V_RHE,
                             dac_kinetics_fed **out);
void dac_kinetics_fed_free(dac_kinetics_fed *f);
size_t dac_kinetics_fed_level_count(const dac_kinetics_fed *f);  /* steps + 1 */
double dac_kinetics_fed_level(const dac_kinetics_fed *f, size_t k);   /* G_eV after k steps */
double dac_kinetics_fed_ts_level(const dac_kinetics_fed *f, size_t k); /* TS of step k+1, NAN */
const char *dac_kinetics_fed_level_label(const dac_kinetics_fed *f, size_t k);
double dac_kinetics_fed_limiting_potential(const dac_kinetics_fed *f);   /* V_RHE, NAN */
double dac_kinetics_fed_equilibrium_potential(const dac_kinetics_fed *f); /* V_RHE, NAN */
double dac_kinetics_fed_overpotential(const dac_kinetics_fed *f);        /* V, NAN */
long dac_kinetics_fed_determining_step(const dac_kinetics_fed *f);       /* pathway index, −1 */
/* Writes the figure FILE.{svg,png,csv,gp} (svg_path ends in .svg) of one or several
 * diagrams, and with json FILE.json (record "dac kinetics fed"), as one set. */
int dac_kinetics_fed_write(const dac_kinetics_fed *const *f, size_t n, const char *svg_path,
                           int json, const dac_provenance *prov);

/* ------------------------------------------------------------------ sweeps -------- */

typedef enum {
    DAC_KINETICS_PLOT_NONE = 0,
    DAC_KINETICS_PLOT_POLARISATION, /* |j| and partial |j| against U, FE on the right axis */
    DAC_KINETICS_PLOT_TAFEL,        /* U against log10 |j| */
    DAC_KINETICS_PLOT_VOLCANO,      /* log10 of a column (default: each TOF) against the axis */
    DAC_KINETICS_PLOT_CURVE         /* a column as it is (volcano_column) against the axis */
} dac_kinetics_plot;

typedef struct {
    int n_threads;               /* 0: all cores (OpenMP) */
    dac_kinetics_verify verify;  /* default COLD: cold points are integrated and polished,
                                    warm-started neighbours are not re-integrated */
    dac_kinetics_plot plot;
    const char *volcano_column;  /* VOLCANO: NULL for every TOF; CURVE: required */
    const char *const *fixed;    /* "KEY=VALUE" set before every point (n_fixed) */
    size_t n_fixed;
    const char *const *marks;    /* "X=LABEL": marked positions on a volcano (n_marks) */
    size_t n_marks;
    const char *overlay_csv;     /* measured points drawn with the volcano (NULL) */
    const char *overlay_x, *overlay_y; /* its columns */
} dac_kinetics_sweep_options;

void dac_kinetics_sweep_options_default(dac_kinetics_sweep_options *o);

/* Solves a grid of steady states ("KEY=a:b:step" axes, keys as for
 * dac_kinetics_model_find_parameter; the last axis varies fastest), each point warm-
 * started from the previous one of its worker, in parallel (and over MPI ranks when
 * built with DAC_MPI), and writes OUT.csv, OUT.json and the figure OUT-<kind>.* as one
 * set beside csv_path. *n_converged (may be NULL) counts the converged points. */
int dac_kinetics_sweep(const dac_kinetics_model *m, const char *const *axes, size_t n_axes,
                       const dac_kinetics_sweep_options *o, const char *csv_path,
                       const dac_provenance *prov, dac_progress_fn progress, void *user_data,
                       size_t *n_points, size_t *n_converged);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif

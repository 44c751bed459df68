/*
 * kin_solver.h — the solver object and the numerical kernels shared by rates.c,
 * newton.c, cvode.c, steady.c, analysis.c and transient.c (private, prefix kin_).
 *
 * Planned once (dac_kinetics_solver_create): the SUNDIALS context, one CVODE instance
 * with its dense matrix and linear solver for the n states, the Newton matrix and its
 * pivots, every work vector. A solve allocates nothing. Conditions live in the solver
 * (so one model serves many solvers, one per thread); changing one marks the rate
 * constants stale and they are recomputed once before the next solve.
 */
#ifndef DAC_KIN_SOLVER_H
#define DAC_KIN_SOLVER_H

#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sundials/sundials_dense.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include "kinetics/kin_internal.h"

/* One CVODE integrator: memory, vector, matrix, linear solver, for size n. */
typedef struct {
    void *mem;
    N_Vector y;
    SUNMatrix A;
    SUNLinearSolver LS;
    size_t n;
    int with_ton; /* the last n_products components are TON counters */
} kin_cvode;

struct dac_kinetics_solver {
    const dac_kinetics_model *m;
    size_t n, n_types, n_steps, n_products;
    /* conditions */
    double T, U, pH, distance;
    double *G, *amount, *barrier, *ln_mult; /* per species, species, step, step */
    int stale;
    /* at the conditions: ln k with the constant activities folded in, ΔG and barriers */
    double *lnkf, *lnkr, *dG, *Ga;
    double kT;
    /* settings */
    double tol;
    dac_kinetics_verify verify;
    unsigned analysis;
    dac_progress_fn progress;
    void *user_data;
    /* starts */
    double *v_last, *v_given;
    int have_last, have_given;
    /* work */
    double *v, *v0, *vt, *dv, *f, *D, *F, *Ft, *rf, *rr, *net, *x, *tof;
    double *N;       /* n × n_steps stoichiometry for the flux reconciliation */
    int *order, *is_pivot, *pivot_col, *elim, *row_type;
    SUNContext ctx;
    SUNMatrix J;     /* Newton matrix (dense, column-major) */
    sunindextype *piv;
    kin_cvode cv, cv_ton;
    char cvode_error[256];
};

/* What one steady-state solve found (result.c reads it out). Values are NAN unless
 * the point converged; analyses are NAN unless requested. */
struct dac_kinetics_result {
    const dac_kinetics_model *m;
    size_t n, n_types, n_steps, n_products, n_species;
    dac_kinetics_checks checks;
    char start[32];
    double U, T, pH;
    double *theta, *site_sum, *rf, *rr, *net, *dG, *Ga, *tof, *sel, *fe, *jp;
    double j, tafel;
    double *drc, *dsc, *Ea, *orders; /* products × steps, × steps, products, × species */
};

/* rates.c */
int kin_update(dac_kinetics_solver *s);
void kin_rates(const dac_kinetics_solver *s, const double *v, double *rf, double *rr);
/* f = net production of each state (amount/s), D = its gross turnover. */
void kin_production(const dac_kinetics_solver *s, const double *rf, const double *rr, double *f,
                    double *D);
/* ∂f_s/∂v_i into a column-major matrix (cols[i][s]), zeroed first. */
void kin_jacobian(const dac_kinetics_solver *s, const double *rf, const double *rr,
                  realtype **cols);
/* Largest |f_s|/D_s over states and |Σθ−1| over site types at v. */
double kin_scaled_residual(dac_kinetics_solver *s, const double *v);
double kin_site_sum(const dac_kinetics_solver *s, const double *x, size_t t);
/* The clean start: free sites hold (almost) everything. */
void kin_clean_start(const dac_kinetics_solver *s, double *v);
/* Start k: state k dominant on its home type, other types clean. */
void kin_dominant_start(const dac_kinetics_solver *s, size_t k, double *v);

/* newton.c */
/* Newton on the log amounts from v (overwritten). 1 when converged, 0 otherwise. */
int kin_newton(dac_kinetics_solver *s, double *v, int max_iterations, int *iterations);
/* Net rates reconciled to exact steady-state flux balance (the precise steps kept). */
void kin_reconcile(dac_kinetics_solver *s, const double *rf, const double *rr, double *net);
/* Production rate of every product (per ensemble or mol/L/s) and the electron
 * consumption rate, from reconciled net rates. */
void kin_product_rates(const dac_kinetics_solver *s, const double *net, double *prod,
                       double *electrons);

/* steady.c */
/* Fills the values of a converged point at v (rates reconciled, TOFs, currents). */
void kin_fill_values(dac_kinetics_solver *s, const double *v, dac_kinetics_result *r);
void kin_clear_result(dac_kinetics_result *r);
/* A quick re-solve from v (no verification), for finite differences: product rates
 * into prod and the electron rate; 1 when converged. */
int kin_quick_solve(dac_kinetics_solver *s, const double *v, double *prod, double *electrons);
/* analysis.c */
int kin_analyse(dac_kinetics_solver *s, const double *v, dac_kinetics_result *r);

/* cvode.c */
int kin_cvode_plan(dac_kinetics_solver *s, kin_cvode *cv, size_t n, int with_ton);
void kin_cvode_free(kin_cvode *cv);
/* Integrates from v towards a steady state (until the scaled residual is below
 * stop_residual or t_max). v is overwritten with the end state. */
int kin_integrate_to_steady(dac_kinetics_solver *s, double *v, double stop_residual,
                            double t_max, int *steps);
/* Integrates from the candidate v over many of its relaxation times: *change is the
 * largest |Δv| at the end; 1 when the integration ran. */
int kin_verify(dac_kinetics_solver *s, const double *v, double *change, int *steps);
/* A safe first step for CVODE from v towards t_stop. */
double kin_first_step(dac_kinetics_solver *s, const double *v, double t_stop);

#endif

/*
 * kinetics.c — benchmark of dac kinetics (issue 9): steady states per second on one
 * core for the 10-step, two-site electrochemical model examples/kinetics/ni2_direct.yaml
 * over a potential sweep, each point warm-started from its neighbour as a sweep does,
 * with each verification mode; and transient TON(t) curves per second for the Co2
 * photocatalyst (examples/kinetics/photo_co2.yaml). The bar: ≥ 10^4 steady states per second (CatMAP's
 * CO-oxidation tutorial solves ≈ 10 points per second).
 *
 * usage: kinetics [points [repeats]]   (default 2001 points, −1.0 … 0 V, 5 repeats)
 * The examples are found next to this source file (its __FILE__ path).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dac/kinetics.h"
#include "bench_time.h"

static int example(const char *name, dac_kinetics_model **m)
{
    char path[4096];
    const char *here = __FILE__, *slash = strrchr(here, '/');
    snprintf(path, sizeof path, "%.*s/../examples/kinetics/%s", slash ? (int)(slash - here) : 1,
             slash ? here : ".", name);
    if (dac_kinetics_model_read(path, m) != DAC_OK) {
        fprintf(stderr, "kinetics bench: %s\n", dac_last_error());
        return 1;
    }
    return 0;
}

/* One sweep of n points from −1 V to 0 V, warm-started; the best of `repeats`. */
static int sweep(const dac_kinetics_model *m, dac_kinetics_verify mode, long n, int repeats,
                 double *per_s, long *converged, long *cvode_steps)
{
    dac_kinetics_solver *s = NULL;
    dac_kinetics_result *r = NULL;
    if (dac_kinetics_solver_create(m, &s) || dac_kinetics_result_create(s, &r))
        return 1;
    dac_kinetics_solver_set_verification(s, mode);
    double best = INFINITY;
    for (int k = 0; k < repeats; k++) {
        dac_kinetics_solver_reset(s);
        *converged = *cvode_steps = 0;
        double t0 = bench_cpu_s();
        for (long i = 0; i < n; i++) {
            /* a chain restarts cold every 32 points, as dac kinetics sweep does */
            if (i % 32 == 0)
                dac_kinetics_solver_reset(s);
            dac_kinetics_solver_set_potential(s, -1.0 + (double)i / (double)(n - 1));
            if (dac_kinetics_solver_steady(s, r))
                return 1;
            const dac_kinetics_checks *c = dac_kinetics_result_checks(r);
            *converged += c->converged;
            *cvode_steps += c->cvode_steps;
        }
        double dt = bench_cpu_s() - t0;
        best = dt < best ? dt : best;
    }
    *per_s = (double)n / best;
    dac_kinetics_result_free(r);
    dac_kinetics_solver_free(s);
    return 0;
}

/* TON(t) curves of the Co2 photocatalyst: 200 log-spaced samples over 4e5 s each. */
static int ton_curves(double *per_s, double *ton)
{
    dac_kinetics_model *m = NULL;
    if (example("photo_co2.yaml", &m))
        return 1;
    dac_kinetics_solver *s = NULL;
    if (dac_kinetics_solver_create(m, &s))
        return 1;
    double best = INFINITY;
    for (int k = 0; k < 3; k++) {
        int n = 0;
        double t0 = bench_cpu_s();
        do {
            dac_kinetics_transient *t = NULL;
            if (dac_kinetics_solver_transient(s, 4e5, 200, 1, &t))
                return 1;
            *ton = dac_kinetics_transient_ton(t, 200, 0);
            dac_kinetics_transient_free(t);
            n++;
        } while (bench_cpu_s() - t0 < 0.3);
        double dt = (bench_cpu_s() - t0) / n;
        best = dt < best ? dt : best;
    }
    *per_s = 1 / best;
    dac_kinetics_solver_free(s);
    dac_kinetics_model_free(m);
    return 0;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2001;
    int repeats = argc > 2 ? atoi(argv[2]) : 5;
    if (n < 2 || repeats < 1) {
        fprintf(stderr, "usage: kinetics [points [repeats]]\n");
        return 2;
    }
    dac_kinetics_model *m = NULL;
    if (example("ni2_direct.yaml", &m))
        return 1;
    printf("model %s: %zu steps, %zu site types, %zu states; %ld points from -1 to 0 V_RHE\n",
           dac_kinetics_model_name(m), dac_kinetics_model_step_count(m),
           dac_kinetics_model_site_type_count(m), dac_kinetics_model_state_count(m), n);
    static const struct { dac_kinetics_verify mode; const char *name; } modes[] = {
        {DAC_KINETICS_VERIFY_NEVER, "never (residual, balance, sign checks only)"},
        {DAC_KINETICS_VERIFY_COLD, "cold (CVODE on every chain start; the sweep default)"},
        {DAC_KINETICS_VERIFY_ALWAYS, "always (CVODE run from every point)"}};
    for (size_t k = 0; k < 3; k++) {
        double per_s;
        long ok, steps;
        if (sweep(m, modes[k].mode, n, repeats, &per_s, &ok, &steps))
            return 1;
        printf("verify %-52s %9.0f steady states/s (one core), %ld/%ld converged, %.1f CVODE steps/point\n",
               modes[k].name, per_s, ok, n, (double)steps / (double)n);
    }
    dac_kinetics_model_free(m);
    double curves, ton;
    if (ton_curves(&curves, &ton))
        return 1;
    printf("transient: %.0f TON(t) curves/s (Co2 photocatalyst, 200 samples to 4e5 s, final TON %.0f)\n",
           curves, ton);
    return 0;
}

/*
 * test_program.c — the temperature program and denitrogenation kinetics.
 *
 * Law: a first-order loss at k(T) = (k_B T/h) e^{−E/k_B T} leaves the fraction
 * S = exp(−∫k(T(t))dt) (any kinetics text; the Arrhenius/Eyring form is docs/science.md §4).
 * The engine cuts ramps into piecewise-constant steps at their mid temperatures; the
 * integral is then the midpoint rule, whose error falls as step² (checked: halving the
 * step divides the error by 4 ± 0.5), and at the default 5 K step a 5 K/min ramp is
 * within 10⁻³ of the exact survival. The kMC count of N atoms left agrees with S within
 * statistical error. Last, the calibration: with the default distribution of activation
 * energies, the template programme leaves Ni2 pairs with mean shell N 7 / 5 / 3 ± 0.5 at
 * 700 / 800 / 900 °C and the binomial mode of the seven shell atoms is then N7, N5, N3
 * (Ni2-N7, Ni2-N5C2, Ni2-N3C4 of the review).
 */
#include "synth_test.h"

static double rate(double T, double E)
{
    double kT = DAC_KB_EV_PER_K * T;
    return kT / DAC_H_EV_S * exp(-E / kT);
}

/* ∫k dt over the program, exactly (fine quadrature of the continuous ramps). */
static double exact_integral(const dac_synth_params *p, double E)
{
    double I = 0, T = p->start_K;
    for (size_t i = 0; i < p->n_segments; i++) {
        const dac_synth_segment *s = &p->segment[i];
        if (s->ramp_K_per_min > 0) {
            int n = 20000;
            double dT = (s->to_K - T) / n, dt = fabs(dT) / (s->ramp_K_per_min / 60);
            for (int j = 0; j < n; j++) /* Simpson would do; 20000 midpoints are exact enough */
                I += rate(T + dT * (j + 0.5), E) * dt;
            T = s->to_K;
        } else {
            I += rate(T, E) * s->hold_s;
        }
    }
    return I;
}

static double stepped_integral(const dac_synth_params *p, double E)
{
    synth_step *steps;
    size_t n;
    assert_int_equal(synth_program_build(p, &steps, &n), DAC_OK);
    double I = 0;
    for (size_t k = 0; k < n; k++)
        I += rate(steps[k].T_K, E) * (steps[k].t1_s - steps[k].t0_s);
    free(steps);
    return I;
}

/* ln C(7, k) */
static double lchoose_k(int k) { return lgamma(8) - lgamma(k + 1) - lgamma(8 - k); }

static void template_program(dac_synth_params *p, double T_hold)
{
    p->start_K = 298.15;
    p->n_segments = 3;
    p->segment[0] = (dac_synth_segment){5, T_hold, 0};
    p->segment[1] = (dac_synth_segment){0, 0, 7200};
    p->segment[2] = (dac_synth_segment){10, 298.15, 0};
}

static void test_steps(void **state)
{
    (void)state;
    dac_synth_params p;
    dac_synth_params_default(&p);
    template_program(&p, 1073.15);
    synth_step *steps;
    size_t n;
    assert_int_equal(synth_program_build(&p, &steps, &n), DAC_OK);
    assert_int_equal(n, 155 + 1 + 155); /* 775 K up and down in 5 K steps, one hold */
    assert_near(steps[0].T_K, 298.15 + 2.5, 1e-9);
    assert_near(steps[0].t1_s, 60, 1e-9);
    assert_near(steps[155].T_K, 1073.15, 1e-9);
    assert_near(steps[n - 1].t1_s, dac_synth_params_duration_s(&p), 1e-6);
    assert_near(dac_synth_params_duration_s(&p), 775 / 5.0 * 60 + 7200 + 775 / 10.0 * 60, 1e-6);
    for (size_t k = 1; k < n; k++)
        assert_near(steps[k].t0_s, steps[k - 1].t1_s, 1e-9);
    free(steps);
}

/* The ramp alone (no hold): E such that about half survives. */
static void test_step_convergence(void **state)
{
    (void)state;
    dac_synth_params p;
    dac_synth_params_default(&p);
    p.start_K = 298.15;
    p.n_segments = 1;
    p.segment[0] = (dac_synth_segment){5, 1173.15, 0};
    double E = 3.6, exact = exact_integral(&p, E), err[3];
    const double steps[3] = {20, 10, 5};
    for (int k = 0; k < 3; k++) {
        p.step_K = steps[k];
        err[k] = stepped_integral(&p, E) - exact;
    }
    print_message("midpoint errors of ∫k dt: %.3g %.3g %.3g (exact %.4g)\n", err[0], err[1], err[2], exact);
    assert_true(fabs(err[0] / err[1] - 4) < 0.5 && fabs(err[1] / err[2] - 4) < 0.5);
    assert_true(fabs(exp(-exact - err[2]) - exp(-exact)) < 1e-3); /* default 5 K step */
}

/* kMC: 16 000 shell N with one activation energy over a ramp to 900 °C. */
static void test_nloss_kmc(void **state)
{
    (void)state;
    dac_synth_params p;
    synth_test_gas(&p, 512, 298.15, 1, 0);
    p.metal[0].release = DAC_SYNTH_RELEASE_NONE;
    p.pockets = 4000;
    p.denitrogenation = 1;
    p.n_loss_activation_min_eV = 3.6;
    p.n_loss_activation_width_eV = 0;
    p.n_segments = 1;
    p.segment[0] = (dac_synth_segment){5, 1173.15, 0};
    dac_synth_engine *e = synth_test_engine(&p, 3);
    synth_test_run(e, dac_synth_engine_end_s(e));
    size_t n = 0;
    for (size_t k = 0; k < e->n_pockets; k++)
        for (int j = 0; j < 4; j++)
            n += e->pockets[k].is_N >> j & 1;
    double S = exp(-exact_integral(&p, 3.6)), got = (double)n / 16000.0, sigma = sqrt(S * (1 - S) / 16000);
    if (fabs(got - S) > 4 * sigma)
        print_error("N left %g, exp(−∫k dt) = %g ± %g\n", got, S, sigma);
    assert_true(fabs(got - S) <= 4 * sigma);
    dac_synth_engine_free(e);
}

/* The calibrated distribution of activation energies, analytically. */
static void test_calibration(void **state)
{
    (void)state;
    dac_synth_params p;
    dac_synth_params_default(&p);
    const double hold_C[3] = {700, 800, 900}, target[3] = {7, 5, 3};
    const int mode_expected[3] = {7, 5, 3};
    for (int t = 0; t < 3; t++) {
        template_program(&p, hold_C[t] + DAC_ZERO_C_K);
        double surv = 0;
        const int n = 400;
        for (int j = 0; j < n; j++) { /* mean survival over E uniform in the distribution */
            double E = p.n_loss_activation_min_eV + p.n_loss_activation_width_eV * (j + 0.5) / n;
            surv += exp(-stepped_integral(&p, E)) / n;
        }
        double mean_N = 7 * surv, best = -1;
        int mode = -1;
        for (int k = 0; k <= 7; k++) { /* seven shell N, each kept with probability surv */
            double P = exp(lchoose_k(k)) * pow(surv, k) * pow(1 - surv, 7 - k);
            if (P > best) {
                best = P;
                mode = k;
            }
        }
        print_message("%g °C: mean shell N %.2f, most probable %d\n", hold_C[t], mean_N, mode);
        assert_true(fabs(mean_N - target[t]) <= 0.5);
        assert_int_equal(mode, mode_expected[t]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_steps), cmocka_unit_test(test_step_convergence),
                                       cmocka_unit_test(test_nloss_kmc), cmocka_unit_test(test_calibration)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

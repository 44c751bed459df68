/*
 * program.c — the temperature program as piecewise-constant steps.
 *
 * Rates follow the temperature. Between scheduled points the kMC needs constant rates,
 * so a ramp from T_a to T_b at β K/min is cut into n = ceil(|T_b − T_a| / step_K)
 * steps of equal duration, each at its mid temperature: the integral ∫k(T(t))dt of an
 * Arrhenius rate — what decides how much N is lost on a ramp — is then the midpoint
 * rule, with an error falling as step_K² (tests/synth/test_program.c checks it against
 * the exact integral). A hold is one step.
 */
#include <stdlib.h>

#include "synth/synth_internal.h"

static size_t ramp_steps(double from_K, double to_K, double step_K)
{
    double n = ceil(fabs(to_K - from_K) / step_K - 1e-9);
    return n < 1 ? 1 : (size_t)n;
}

static size_t count_steps(const dac_synth_params *p)
{
    size_t n = 0;
    double T = p->start_K;
    for (size_t i = 0; i < p->n_segments; i++) {
        const dac_synth_segment *s = &p->segment[i];
        if (s->ramp_K_per_min > 0) {
            if (s->to_K != T)
                n += ramp_steps(T, s->to_K, p->step_K);
            T = s->to_K;
        } else if (s->hold_s > 0) {
            n++;
        }
    }
    return n;
}

int synth_program_build(const dac_synth_params *p, synth_step **steps, size_t *n_out)
{
    size_t n = count_steps(p);
    synth_step *s = calloc(n ? n : 1, sizeof *s);
    if (!s)
        return dac_error(DAC_ERR_NOMEM, "synth: out of memory for %zu temperature steps", n);
    size_t k = 0;
    double T = p->start_K, t = 0;
    for (size_t i = 0; i < p->n_segments; i++) {
        const dac_synth_segment *g = &p->segment[i];
        if (g->ramp_K_per_min > 0 && g->to_K != T) {
            size_t m = ramp_steps(T, g->to_K, p->step_K);
            double dT = (g->to_K - T) / (double)m, dt = fabs(dT) / (g->ramp_K_per_min / 60.0);
            for (size_t j = 0; j < m; j++, k++) {
                s[k].t0_s = t;
                s[k].t1_s = t = t + dt;
                s[k].T_K = T + dT * ((double)j + 0.5);
            }
            T = g->to_K;
        } else if (g->ramp_K_per_min > 0) {
            continue;
        } else if (g->hold_s > 0) {
            s[k].t0_s = t;
            s[k].t1_s = t = t + g->hold_s;
            s[k++].T_K = T;
        }
    }
    if (k == 0) { /* a program of zero length: one instant at the start temperature */
        s[0].T_K = p->start_K;
        k = 1;
    }
    *steps = s;
    *n_out = k;
    return DAC_OK;
}

double dac_synth_params_duration_s(const dac_synth_params *p)
{
    double T = p->start_K, t = 0;
    for (size_t i = 0; i < p->n_segments && i < DAC_SYNTH_MAX_SEGMENTS; i++) {
        const dac_synth_segment *g = &p->segment[i];
        if (g->ramp_K_per_min > 0) {
            t += fabs(g->to_K - T) / (g->ramp_K_per_min / 60.0);
            T = g->to_K;
        } else {
            t += g->hold_s;
        }
    }
    return t;
}

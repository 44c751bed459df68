/*
 * thermo.c — free energies of steps and their barriers at given conditions.
 *
 * Species energies are formation free energies relative to reference molecules, at
 * U = 0 V vs RHE. The computational hydrogen electrode (Nørskov et al., J. Phys. Chem.
 * B 108, 17886 (2004)) puts H⁺ + e⁻ at ½G(H2) − eU_RHE. dac splits the pair so steps
 * that move an electron or a proton alone are right too:
 *     G(H⁺) = −k_BT ln10 · pH,   G(e⁻) = −e·U_SHE = −e(U_RHE − k_BT ln10 · pH / e),
 * whose sum is −eU_RHE for any pH; the reference state of the given energies is then
 * U_RHE = 0 at pH 0 (where RHE and SHE coincide).
 *
 * Barriers: a transition-state species (its formation energy minus the initial state's),
 * a forward barrier, a distance-dependent barrier, or none (barrierless: max(0, ΔG)).
 * When conditions shift ΔG (potential, pH), the barrier shifts by β times as much
 * (Butler–Volmer symmetry factor, domain.md §4), and is then held between max(0, ΔG)
 * and above, so the reverse barrier is never negative (CatMAP does the same).
 */
#include <math.h>

#include "kinetics/kin_internal.h"

double kin_kT(double T_K) { return DAC_KB_EV_PER_K * T_K; }

static double species_G(const dac_kinetics_model *m, int i, const kin_conditions *c, int ref)
{
    double ln10kT = log(10.0) * kin_kT(c->T_K);
    if (i == m->proton)
        return ref ? 0 : -ln10kT * c->pH;
    if (i == m->electron)
        return ref ? 0 : -(c->U_V_RHE - ln10kT * c->pH);
    return c->G_eV[i];
}

static double dG(const dac_kinetics_model *m, size_t j, const kin_conditions *c, int ref)
{
    const kin_step *s = &m->steps[j];
    double g = 0;
    for (int k = 0; k < s->n_prod; k++)
        g += s->prod[k].coef * species_G(m, s->prod[k].species, c, ref);
    for (int k = 0; k < s->n_reac; k++)
        g -= s->reac[k].coef * species_G(m, s->reac[k].species, c, ref);
    return g;
}

double kin_step_dG(const dac_kinetics_model *m, size_t j, const kin_conditions *c)
{
    return dG(m, j, c, 0);
}

double kin_step_barrier_raw(const dac_kinetics_model *m, size_t j, const kin_conditions *c)
{
    const kin_step *s = &m->steps[j];
    double ga;
    if (c->barrier_eV && isfinite(c->barrier_eV[j])) {
        ga = c->barrier_eV[j];
    } else if (s->ts >= 0) {
        ga = c->G_eV[s->ts];
        for (int k = 0; k < s->n_reac; k++)
            ga -= s->reac[k].coef * species_G(m, s->reac[k].species, c, 1);
    } else if (s->distance_barrier) {
        double x = c->distance_MM_A - s->dist_optimum_A;
        ga = s->dist_min_eV + s->dist_curvature * x * x;
    } else if (isfinite(s->barrier_eV)) {
        ga = s->barrier_eV;
    } else {
        return NAN;
    }
    double beta = isnan(s->beta) ? 0.5 : s->beta;
    return ga + beta * (dG(m, j, c, 0) - dG(m, j, c, 1));
}

double kin_step_barrier(const dac_kinetics_model *m, size_t j, const kin_conditions *c)
{
    double g = kin_step_dG(m, j, c), ga = kin_step_barrier_raw(m, j, c);
    double floor = g > 0 ? g : 0;
    return isnan(ga) || ga < floor ? floor : ga;
}

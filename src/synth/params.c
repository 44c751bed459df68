/*
 * params.c — the defaults of a synthesis run, each with its source, and the checks
 * that a parameter object can be run (the reader and programs that fill the object by
 * hand both go through dac_synth_params_check).
 *
 * Sources used below:
 *  [Kittel]    C. Kittel, Introduction to Solid State Physics, 8th ed., Table 3.1
 *              (cohesive energies).
 *  [Gervilla]  V. Gervilla et al., J. Phys. Chem. Lett. 11, 8930 (2020): metal adatoms
 *              on pristine graphene; Cu, Ag, Au, Pd barely corrugated (< 50 meV),
 *              Pt and Ru > 100 meV.
 *  [Morse]     M. D. Morse, Chem. Rev. 86, 1049 (1986): dimer energies D0 (Ni2 2.07,
 *              Cu2 2.01, Ru2 3.29, Pt2 3.71 eV), quoted in docs/synth.md for comparison.
 *  [TST]       transition-state theory, prefactor k_B T / h (docs/science.md §4).
 *  [issue 8]   a metal in a vacancy/N4 pocket binds by several eV (Au in a graphene
 *              divacancy: escape > 4 eV).
 *  [review]    Zhong et al., Acc. Chem. Res. 58, 1379 (2025): Ni2-N7 / Ni2-N5C2 / Ni2-N3C4
 *              after pyrolysis at 700 / 800 / 900 °C.
 */
#include <string.h>

#include "synth/synth_internal.h"

/* Cohesive energies [Kittel], eV/atom, and hop barriers on a carbon support, eV. */
static const struct {
    const char *symbol;
    double cohesive_eV, hop_eV;
} element_table[] = {
    {"Cu", 3.49, 0.05}, {"Ag", 2.95, 0.05}, {"Au", 3.81, 0.05}, {"Pd", 3.89, 0.05}, /* [Gervilla]: < 50 meV */
    {"Pt", 5.84, 0.15}, {"Ru", 6.74, 0.15}, /* [Gervilla]: > 100 meV */
    {"Ni", 4.44, 0.30}, {"Co", 4.39, 0.30}, {"Fe", 4.28, 0.30}, {"Zn", 1.35, 0.30},
    {"Ir", 6.94, 0.30}, {"Rh", 5.75, 0.30}, {"Mn", 2.92, 0.30}, {"Cr", 4.10, 0.30},
    {"Bi", 2.18, 0.30}, /* hop barriers of these: assumption (not in [Gervilla]) */
};

/* Fills the energies of a metal from its element (recipes override any of them). */
int synth_metal_defaults(int Z, dac_synth_metal *m)
{
    memset(m, 0, sizeof *m);
    m->Z = Z;
    const dac_element *el = dac_element_by_Z(Z);
    for (size_t i = 0; el && i < sizeof element_table / sizeof element_table[0]; i++) {
        if (strcmp(el->symbol, element_table[i].symbol) != 0)
            continue;
        m->hop_barrier_eV = element_table[i].hop_eV;
        /* Bond counting: the bulk cohesive energy shared by the six bonds of a
         * close-packed 2-D layer, ε = 2 E_coh / 6 [Kittel] (Ni: 1.48 eV, 0.71 D0(Ni2)
         * [Morse]). A heteronuclear bond is set by synth_metal_pair_bond. */
        m->bond_eV[0] = m->bond_eV[1] = element_table[i].cohesive_eV / 3.0;
        /* Pocket binding per owned shell atom: 4 × 1.2 eV for M–N4, 4 × 1.0 eV for a
         * pure-carbon divacancy, so that escape exceeds 4 eV [issue 8]; assumption. */
        m->pocket_N_binding_eV = 1.2;
        m->pocket_C_binding_eV = 1.0;
        m->release = DAC_SYNTH_RELEASE_NONE;
        /* Metal salts (nitrates, acetates) decompose at 300–400 °C; 1.8 eV with k_B T/h
         * releases at ≈ 330 °C on a 5 K/min ramp (Kissinger); assumption. */
        m->release_activation_eV = 1.8;
        return DAC_OK;
    }
    return dac_error(DAC_ERR_INPUT, "element '%s': no default energies (known: Cu Ag Au Pd Pt "
                     "Ru Ni Co Fe Zn Ir Rh Mn Cr Bi)", el ? el->symbol : "?");
}

/* Heteronuclear bond: the mean of the two homonuclear bonds; assumption. */
double synth_metal_pair_bond(const dac_synth_metal *a, const dac_synth_metal *b, int ia, int ib)
{
    return 0.5 * (a->bond_eV[ia] + b->bond_eV[ib]);
}

void dac_synth_params_default(dac_synth_params *p)
{
    memset(p, 0, sizeof *p);
    p->route = DAC_SYNTH_COPYROLYSIS;
    p->lattice = DAC_SYNTH_TRIANGULAR;
    p->sites_per_side = 200;
    /* Hollow sites of graphene form a triangular lattice with the graphene lattice
     * constant, 2.46 Å (Castro Neto et al., Rev. Mod. Phys. 81, 109 (2009)). */
    p->spacing_A = 2.46;
    /* M–N4-like pockets: four shell atoms, all N when fresh (docs/science.md §2). */
    p->pocket_shell_N = 4;
    /* Random pockets on any distinct sites, neighbours allowed: nothing in the precursor
     * keeps N-rich pockets apart, and the review's co-pyrolysis gives mixtures in which
     * pairs form by chance (docs/science.md §2). A larger separation is an assumption a
     * recipe can state. */
    p->pocket_min_separation_sites = 1;
    /* The dual pocket a Ni2 complex leaves behind: seven shell atoms, all N, as in the
     * Ni2-N7 made at 700 °C [review]. */
    p->dual_shell_N = 7;
    p->complex_metal[0] = p->complex_metal[1] = 0;
    /* Ligands of dinuclear N-macrocycle complexes burn at 350–450 °C; 1.9 eV with
     * k_B T/h decomposes at ≈ 360 °C on a 5 K/min ramp; assumption. */
    p->ligand_activation_eV = 1.9;
    p->complex_hop_activation_eV = 2.0; /* used only with complex_mobile; assumption */
    p->m1 = -1;
    /* Capture: the first neighbours of an M1 (one lattice spacing), and a weight of
     * 1000 against any other site; both assumptions (docs/synth.md). */
    p->capture_radius_A = 3.0;
    p->capture_strength = 1000.0;
    /* Denitrogenation: E uniform in [3.334, 3.334 + 1.316] eV with k_B T/h, calibrated to
     * the mean shell N 7 / 5 / 3 of Ni2 pairs after 2 h at 700 / 800 / 900 °C [review]
     * (docs/synth.md, "Calibration"). */
    p->denitrogenation = 1;
    p->n_loss_activation_min_eV = 3.334;
    p->n_loss_activation_width_eV = 1.316;
    p->start_K = 298.15;
    /* 5 K steps: halving them changes the N lost on a 5 K/min ramp by < 10⁻³
     * (tests/synth/test_program.c). */
    p->step_K = 5.0;
    p->first_passage = 1;
    /* Domains of radius < 4 save fewer than ~20 hops per jump, not worth the set-up. */
    p->first_passage_min_radius = 4;
    p->timeseries_points = 101;
}

const char *dac_synth_route_name(dac_synth_route route)
{
    switch (route) {
    case DAC_SYNTH_COPYROLYSIS: return "co-pyrolysis";
    case DAC_SYNTH_TEMPLATE: return "template";
    case DAC_SYNTH_NAVIGATION: return "navigation";
    }
    return NULL;
}

double dac_synth_params_area_nm2(const dac_synth_params *p)
{
    double a = p->spacing_A, site = p->lattice == DAC_SYNTH_SQUARE ? a * a : a * a * 0.86602540378443864676;
    return (double)p->sites_per_side * (double)p->sites_per_side * site * 1e-2;
}

static int finite_nonneg(double v) { return isfinite(v) && v >= 0; }

#define BAD(...) return dac_error(DAC_ERR_INPUT, __VA_ARGS__)

static int check_metal(const dac_synth_params *p, size_t m)
{
    const dac_synth_metal *mt = &p->metal[m];
    const dac_element *el = dac_element_by_Z(mt->Z);
    if (!el || !el->is_metal)
        BAD("metals.%zu.element: expected a metal, got Z = %d", m, mt->Z);
    if (!isfinite(mt->hop_barrier_eV) || !isfinite(mt->pocket_N_binding_eV) ||
        !isfinite(mt->pocket_C_binding_eV))
        BAD("metals.%zu: energies must be finite numbers of eV", m);
    if (mt->hop_barrier_eV < 0)
        BAD("metals.%zu.hop_barrier_eV = %g: expected ≥ 0", m, mt->hop_barrier_eV);
    for (size_t k = 0; k < p->n_metals; k++)
        if (!isfinite(mt->bond_eV[k]))
            BAD("metals.%zu: bond to metal %zu must be a finite number of eV", m, k);
    if (!finite_nonneg(mt->hop_prefactor_per_s) || !finite_nonneg(mt->release_prefactor_per_s))
        BAD("metals.%zu: prefactors must be finite and ≥ 0 (0: k_B T/h)", m);
    if (mt->release == DAC_SYNTH_RELEASE_ARRHENIUS && !isfinite(mt->release_activation_eV))
        BAD("metals.%zu.release_activation_eV: expected a finite number of eV", m);
    if (mt->release == DAC_SYNTH_RELEASE_FLUX && !(mt->release_flux_per_site_s > 0 && isfinite(mt->release_flux_per_site_s)))
        BAD("metals.%zu.release_flux_per_site_s = %g: expected a positive rate", m,
            mt->release_flux_per_site_s);
    if (mt->release == DAC_SYNTH_RELEASE_NONE && mt->atoms)
        BAD("metals.%zu: %zu atoms but no way for them to arrive (release)", m, mt->atoms);
    return DAC_OK;
}

static int check_program(const dac_synth_params *p)
{
    if (!(p->start_K > 0) || !isfinite(p->start_K))
        BAD("temperature_program.start: expected a temperature above 0 K, got %g K", p->start_K);
    if (!(p->step_K > 0) || !isfinite(p->step_K))
        BAD("temperature_program.step_K = %g: expected > 0", p->step_K);
    if (p->n_segments == 0 || p->n_segments > DAC_SYNTH_MAX_SEGMENTS)
        BAD("temperature_program.segments: expected 1 … %d segments, got %zu",
            DAC_SYNTH_MAX_SEGMENTS, p->n_segments);
    for (size_t i = 0; i < p->n_segments; i++) {
        const dac_synth_segment *s = &p->segment[i];
        if (!finite_nonneg(s->ramp_K_per_min) || !finite_nonneg(s->hold_s))
            BAD("temperature_program.segments.%zu: ramp and hold must be finite and ≥ 0", i);
        if (s->ramp_K_per_min > 0 && !(s->to_K > 0 && isfinite(s->to_K)))
            BAD("temperature_program.segments.%zu: the ramp needs a target above 0 K, got %g K", i, s->to_K);
        if (s->ramp_K_per_min == 0 && s->hold_s == 0)
            BAD("temperature_program.segments.%zu: neither a ramp nor a hold", i);
    }
    double steps = 0, T = p->start_K;
    for (size_t i = 0; i < p->n_segments; i++) {
        const dac_synth_segment *s = &p->segment[i];
        steps += s->ramp_K_per_min > 0 ? fabs(s->to_K - T) / p->step_K + 1 : 1;
        T = s->ramp_K_per_min > 0 ? s->to_K : T;
    }
    if (steps > 1e7)
        BAD("temperature_program: %.3g steps of %g K; raise temperature_program.step_K", steps, p->step_K);
    return DAC_OK;
}

static int check_routes(const dac_synth_params *p)
{
    size_t sites = p->sites_per_side * p->sites_per_side, atoms = 2 * p->complexes;
    for (size_t m = 0; m < p->n_metals; m++)
        atoms += p->metal[m].atoms;
    if (atoms > sites / 2)
        BAD("loading: %zu metal atoms on %zu sites; at most half the sites can be filled", atoms, sites);
    if (p->complexes) {
        for (int k = 0; k < 2; k++)
            if (p->complex_metal[k] < 0 || (size_t)p->complex_metal[k] >= p->n_metals)
                BAD("template.metals: complex metal %d is not one of the metals", k);
        if (!isfinite(p->ligand_activation_eV) || !finite_nonneg(p->ligand_prefactor_per_s))
            BAD("template.ligand_activation_eV: expected a finite number of eV");
        if (p->complex_mobile && (!isfinite(p->complex_hop_activation_eV) ||
                                  !finite_nonneg(p->complex_hop_prefactor_per_s)))
            BAD("template.complex_hop_activation_eV: expected a finite number of eV");
        if (p->dual_shell_N < 0 || p->dual_shell_N > 7)
            BAD("template.dual_pocket_shell_N = %d: expected 0 … 7", p->dual_shell_N);
    }
    if (p->m1 >= (int)p->n_metals)
        BAD("navigation.m1: not one of the metals");
    if (p->light && p->m1 >= 0 && (!(p->capture_radius_A > 0) || !isfinite(p->capture_radius_A) ||
                                   !finite_nonneg(p->capture_strength)))
        BAD("navigation: capture_radius_A must be > 0 and capture_strength ≥ 0");
    if (p->denitrogenation && (!isfinite(p->n_loss_activation_min_eV) ||
                               !finite_nonneg(p->n_loss_activation_width_eV) ||
                               p->n_loss_activation_width_eV > 10 ||
                               !finite_nonneg(p->n_loss_prefactor_per_s)))
        BAD("denitrogenation: activation_min_eV must be finite, activation_width_eV in [0, 10], "
            "prefactor_per_s ≥ 0");
    return DAC_OK;
}

int dac_synth_params_check(const dac_synth_params *p)
{
    if (!p)
        return dac_error(DAC_ERR_USAGE, "dac_synth_params_check: NULL");
    if (!dac_synth_route_name(p->route))
        BAD("route: expected co-pyrolysis, template or navigation");
    if (p->lattice != DAC_SYNTH_TRIANGULAR && p->lattice != DAC_SYNTH_SQUARE)
        BAD("lattice.type: expected triangular or square");
    if (p->sites_per_side < 16 || p->sites_per_side > 65536 || p->sites_per_side % 8)
        BAD("lattice.sites_per_side = %zu: expected a multiple of 8 (the lattice is stored in "
            "8×8 tiles) from 16 (a smaller lattice cannot hold a pair apart from its periodic "
            "images) to 65536",
            p->sites_per_side);
    if (!(p->spacing_A > 0) || !isfinite(p->spacing_A))
        BAD("lattice.spacing_A = %g: expected a positive length", p->spacing_A);
    if (p->pocket_period_sites == 1 || (p->pocket_period_sites && p->sites_per_side % p->pocket_period_sites))
        BAD("support.pocket_period_sites = %zu: expected ≥ 2 and a divisor of lattice.sites_per_side (%zu)",
            p->pocket_period_sites, p->sites_per_side);
    if (!p->pocket_period_sites && p->pockets > p->sites_per_side * p->sites_per_side / 5)
        BAD("support: %zu pockets on %zu sites; at most one site in five can be a pocket",
            p->pockets, p->sites_per_side * p->sites_per_side);
    if (p->pocket_min_separation_sites < 1 || p->pocket_min_separation_sites > 16 ||
        2 * p->pocket_min_separation_sites >= p->sites_per_side)
        BAD("support.pocket_min_separation_sites = %zu: expected 1 … 16 and less than half of "
            "lattice.sites_per_side (%zu)", p->pocket_min_separation_sites, p->sites_per_side);
    if (p->pocket_shell_N < 0 || p->pocket_shell_N > 4)
        BAD("support.pocket_shell_N = %d: expected 0 … 4", p->pocket_shell_N);
    if (p->n_metals < 1 || p->n_metals > DAC_SYNTH_MAX_METALS)
        BAD("metals: expected 1 or 2 metals, got %zu", p->n_metals);
    for (size_t m = 0; m < p->n_metals; m++) {
        int st = check_metal(p, m);
        if (st)
            return st;
    }
    if (p->n_metals == 2 && p->metal[0].Z == p->metal[1].Z)
        BAD("metals: the two metals are the same element");
    if (p->first_passage && (p->first_passage_min_radius < 2 || p->first_passage_min_radius > 64))
        BAD("acceleration.first_passage_min_radius_sites = %d: expected 2 … 64",
            p->first_passage_min_radius);
    if (p->timeseries_points > 100000)
        BAD("output.timeseries_points = %zu: expected at most 100000", p->timeseries_points);
    int st = check_program(p);
    return st ? st : check_routes(p);
}

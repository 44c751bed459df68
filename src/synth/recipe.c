/*
 * recipe.c — YAML recipes → dac_synth_params (docs/synth.md lists every key).
 *
 * The YAML is flattened by core's dac_config into dotted keys with line numbers; this
 * reader asks for each key it knows, so a misspelt or unit-less key is left over and
 * reported with its line ("hop_barrier" → "did you mean hop_barrier_eV?"). Values are
 * checked here, where the line is known (a negative rate, a temperature below 0 K, a
 * loading above the number of sites); dac_synth_params_check then checks the whole.
 * Loadings per nm² become atom counts with the lattice area.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "core/config.h"
#include "core/json.h"
#include "synth/synth_internal.h"

typedef struct {
    dac_config *cfg;
    const char *name;
    char key[160];
} reader;

static const char *K(reader *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static const char *K(reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->key, sizeof r->key, fmt, ap);
    va_end(ap);
    return r->key;
}

static int fail(reader *r, const char *key, const char *fmt, const char *got)
{
    return dac_error_at(DAC_ERR_INPUT, r->name, dac_config_line(r->cfg, key), "key '%s': %s%s%s%s",
                        key, fmt, got ? ", got '" : "", got ? got : "", got ? "'" : "");
}

static int has(reader *r, const char *key)
{
    for (size_t i = 0; i < dac_config_size(r->cfg); i++)
        if (!strcmp(dac_config_key(r->cfg, i), key))
            return 1;
    return 0;
}

static int has_prefix(reader *r, const char *prefix)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i < dac_config_size(r->cfg); i++)
        if (!strncmp(dac_config_key(r->cfg, i), prefix, n))
            return 1;
    return 0;
}

/* A number; *v untouched when absent. lo/hi bounds (inclusive), NAN for none. */
static int num(reader *r, const char *key, double *v, double lo, double hi, const char *what)
{
    const char *text = dac_config_get(r->cfg, key);
    if (!text)
        return DAC_OK;
    double x;
    int st = dac_config_get_double(r->cfg, key, &x);
    if (st)
        return st;
    if ((!isnan(lo) && x < lo) || (!isnan(hi) && x > hi))
        return fail(r, key, what, text);
    *v = x;
    return DAC_OK;
}

static int count(reader *r, const char *key, size_t *v, size_t hi)
{
    const char *text = dac_config_get(r->cfg, key);
    if (!text)
        return DAC_OK;
    long x;
    int st = dac_config_get_long(r->cfg, key, &x);
    if (st)
        return st;
    if (x < 0 || (size_t)x > hi) {
        char what[96];
        snprintf(what, sizeof what, "expected a whole number 0 … %zu", hi);
        return fail(r, key, what, text);
    }
    *v = (size_t)x;
    return DAC_OK;
}

static int flag(reader *r, const char *key, int *v)
{
    const char *t = dac_config_get(r->cfg, key);
    if (!t)
        return DAC_OK;
    /* 1 and 0 too, so that a sweep can vary a switch (--vary navigation.light=0:1:1) */
    if (!strcasecmp(t, "true") || !strcasecmp(t, "yes") || !strcasecmp(t, "on") || !strcmp(t, "1"))
        *v = 1;
    else if (!strcasecmp(t, "false") || !strcasecmp(t, "no") || !strcasecmp(t, "off") || !strcmp(t, "0"))
        *v = 0;
    else
        return fail(r, key, "expected true or false (on/off, 1/0)", t);
    return DAC_OK;
}

#define NONNEG "expected a finite number ≥ 0"
#define FINITE_EV "expected a finite energy in eV"
#define TRY(x)                                                                                     \
    do {                                                                                           \
        int st_ = (x);                                                                             \
        if (st_)                                                                                   \
            return st_;                                                                            \
    } while (0)

/* A loading given as atoms per nm² or as a count: atoms on this lattice. */
static int loading(reader *r, const char *per_nm2, const char *n_key, double area_nm2,
                   size_t sites, size_t *out)
{
    if (has(r, per_nm2) && has(r, n_key))
        return fail(r, n_key, "give either a loading per nm² or a number of atoms, not both", NULL);
    double rho = NAN;
    TRY(num(r, per_nm2, &rho, 0, NAN, NONNEG));
    if (!isnan(rho)) {
        double n = rho * area_nm2;
        if (n > (double)sites)
            return fail(r, per_nm2, "the loading is above the number of lattice sites", dac_config_get(r->cfg, per_nm2));
        *out = (size_t)llround(n);
        return DAC_OK;
    }
    TRY(count(r, n_key, out, sites));
    return DAC_OK;
}

/* Temperature from KEY_C or KEY_K (one of them), > 0 K. */
static int temperature(reader *r, const char *base, double *K_out, int required)
{
    char kc[200], kk[200];
    snprintf(kc, sizeof kc, "%s_C", base);
    snprintf(kk, sizeof kk, "%s_K", base);
    if (has(r, kc) && has(r, kk))
        return fail(r, kk, "give the temperature in °C or in K, not both", NULL);
    double T = NAN;
    TRY(num(r, kc, &T, -273.15, 1e5, "expected a temperature above −273.15 °C"));
    if (!isnan(T))
        T += DAC_ZERO_C_K;
    TRY(num(r, kk, &T, 0, 1e5, "expected a temperature above 0 K"));
    if (!isnan(T) && !(T > 0))
        return fail(r, has(r, kk) ? kk : kc, "expected a temperature above 0 K", NULL);
    if (isnan(T) && required)
        return dac_error_at(DAC_ERR_INPUT, r->name, 0, "missing key '%s' (or '%s')", kc, kk);
    if (!isnan(T))
        *K_out = T;
    return DAC_OK;
}

/* ------------------------------------------------------------ sections ------------ */

static int read_lattice(reader *r, dac_synth_params *p)
{
    const char *t = dac_config_get(r->cfg, "lattice.type");
    if (t && !strcmp(t, "square"))
        p->lattice = DAC_SYNTH_SQUARE;
    else if (t && strcmp(t, "triangular"))
        return fail(r, "lattice.type", "expected triangular or square", t);
    TRY(count(r, "lattice.sites_per_side", &p->sites_per_side, 65536));
    if (p->sites_per_side < 16 || p->sites_per_side % 8)
        return fail(r, has(r, "lattice.sites_per_side") ? "lattice.sites_per_side" : "lattice",
                    "expected a multiple of 8 (the lattice is stored in 8×8 tiles) from 16 (a "
                    "smaller lattice cannot hold a pair apart from its periodic images) to 65536",
                    dac_config_get(r->cfg, "lattice.sites_per_side"));
    TRY(num(r, "lattice.spacing_A", &p->spacing_A, 1e-3, 100, "expected a positive length in Å"));
    return DAC_OK;
}

static int read_support(reader *r, dac_synth_params *p, double area)
{
    (void)dac_config_get(r->cfg, "support.name"); /* free text */
    if (has(r, "support.pockets_per_nm2") && has(r, "support.pocket_period_sites"))
        return fail(r, "support.pocket_period_sites", "give pockets_per_nm2 or pocket_period_sites, not both", NULL);
    double rho = 0;
    TRY(num(r, "support.pockets_per_nm2", &rho, 0, NAN, NONNEG));
    size_t sites = p->sites_per_side * p->sites_per_side;
    if (rho * area > (double)sites / 5)
        return fail(r, "support.pockets_per_nm2", "more pockets than one site in five can hold",
                    dac_config_get(r->cfg, "support.pockets_per_nm2"));
    p->pockets = (size_t)llround(rho * area);
    TRY(count(r, "support.pocket_period_sites", &p->pocket_period_sites, p->sites_per_side));
    if (p->pocket_period_sites == 1 || (p->pocket_period_sites && p->sites_per_side % p->pocket_period_sites))
        return fail(r, "support.pocket_period_sites", "expected ≥ 2 and a divisor of lattice.sites_per_side",
                    dac_config_get(r->cfg, "support.pocket_period_sites"));
    if (has(r, "support.pocket_min_separation_sites") && has(r, "support.pocket_period_sites"))
        return fail(r, "support.pocket_min_separation_sites", "a separation applies to random "
                    "pockets (pockets_per_nm2), not to a superlattice", NULL);
    TRY(count(r, "support.pocket_min_separation_sites", &p->pocket_min_separation_sites, 16));
    if (p->pocket_min_separation_sites < 1)
        return fail(r, "support.pocket_min_separation_sites", "expected 1 (any distinct sites) … 16",
                    dac_config_get(r->cfg, "support.pocket_min_separation_sites"));
    size_t shell = (size_t)p->pocket_shell_N;
    TRY(count(r, "support.pocket_shell_N", &shell, 4));
    p->pocket_shell_N = (int)shell;
    return DAC_OK;
}

static int element_of(reader *r, const char *key, int *Z)
{
    const char *sym = dac_config_get(r->cfg, key);
    if (!sym)
        return dac_error_at(DAC_ERR_INPUT, r->name, 0, "missing key '%s'", key);
    const dac_element *el = dac_element_by_symbol(sym);
    if (!el || !el->is_metal)
        return fail(r, key, "expected the symbol of a metal (Ni, Cu, Zn, Ru, …)", sym);
    *Z = el->Z;
    return DAC_OK;
}

static int read_release(reader *r, size_t m, dac_synth_metal *mt, double area, size_t sites)
{
    const char *rel = dac_config_get(r->cfg, K(r, "metals.%zu.release", m));
    if (rel) {
        static const char *names[] = {"none", "at_start", "in_pockets", "arrhenius", "flux"};
        int found = -1;
        for (int k = 0; k < 5; k++)
            if (!strcmp(rel, names[k]))
                found = k;
        if (found < 0)
            return fail(r, r->key, "expected arrhenius, flux, at_start, in_pockets or none", rel);
        mt->release = (dac_synth_release)found;
    }
    char kl[160], ka[160];
    snprintf(kl, sizeof kl, "metals.%zu.loading_atoms_nm2", m);
    snprintf(ka, sizeof ka, "metals.%zu.atoms", m);
    TRY(loading(r, kl, ka, area, sites, &mt->atoms));
    TRY(num(r, K(r, "metals.%zu.release_activation_eV", m), &mt->release_activation_eV, -100, 100, FINITE_EV));
    TRY(num(r, K(r, "metals.%zu.release_prefactor_per_s", m), &mt->release_prefactor_per_s, 0, NAN, NONNEG));
    TRY(num(r, K(r, "metals.%zu.release_flux_per_site_s", m), &mt->release_flux_per_site_s, 0, NAN, NONNEG));
    return DAC_OK;
}

static int read_metals(reader *r, dac_synth_params *p, double area)
{
    size_t sites = p->sites_per_side * p->sites_per_side;
    if (has_prefix(r, "metals.2."))
        return fail(r, "metals", "at most two metals", NULL);
    for (size_t m = 0; m < 2 && has_prefix(r, K(r, "metals.%zu.", m)); m++) {
        int Z = 0;
        TRY(element_of(r, K(r, "metals.%zu.element", m), &Z));
        dac_synth_metal *mt = &p->metal[m];
        TRY(synth_metal_defaults(Z, mt));
        if (p->route == DAC_SYNTH_COPYROLYSIS)
            mt->release = DAC_SYNTH_RELEASE_ARRHENIUS;
        TRY(num(r, K(r, "metals.%zu.hop_barrier_eV", m), &mt->hop_barrier_eV, 0, 100, "expected an energy 0 … 100 eV"));
        TRY(num(r, K(r, "metals.%zu.hop_prefactor_per_s", m), &mt->hop_prefactor_per_s, 0, NAN, NONNEG));
        TRY(num(r, K(r, "metals.%zu.pocket_N_binding_eV", m), &mt->pocket_N_binding_eV, -100, 100, FINITE_EV));
        TRY(num(r, K(r, "metals.%zu.pocket_C_binding_eV", m), &mt->pocket_C_binding_eV, -100, 100, FINITE_EV));
        TRY(num(r, K(r, "metals.%zu.bond_eV", m), &mt->bond_eV[m], -100, 100, FINITE_EV));
        if (p->route == DAC_SYNTH_COPYROLYSIS)
            TRY(read_release(r, m, mt, area, sites));
        p->n_metals = m + 1;
    }
    if (p->n_metals == 0)
        return dac_error_at(DAC_ERR_INPUT, r->name, 0, "missing key 'metals' (a list of 1 or 2 metals, each with its element)");
    if (p->n_metals == 2) {
        dac_synth_metal *a = &p->metal[0], *b = &p->metal[1];
        if (a->Z == b->Z)
            return fail(r, "metals.1.element", "the two metals must be different elements", NULL);
        double h = synth_metal_pair_bond(a, b, 0, 1);
        TRY(num(r, "hetero_bond_eV", &h, -100, 100, FINITE_EV));
        a->bond_eV[1] = b->bond_eV[0] = h;
    }
    return DAC_OK;
}

static int metal_index(reader *r, const dac_synth_params *p, const char *key, int *out)
{
    int Z = 0;
    TRY(element_of(r, key, &Z));
    for (size_t m = 0; m < p->n_metals; m++)
        if (p->metal[m].Z == Z) {
            *out = (int)m;
            return DAC_OK;
        }
    return fail(r, key, "not one of the metals listed under 'metals'", dac_config_get(r->cfg, key));
}

static int read_template(reader *r, dac_synth_params *p, double area)
{
    size_t sites = p->sites_per_side * p->sites_per_side;
    for (int k = 0; k < 2; k++)
        if (has(r, K(r, "template.metals.%d", k)))
            TRY(metal_index(r, p, K(r, "template.metals.%d", k), &p->complex_metal[k]));
    if (has_prefix(r, "template.metals.2"))
        return fail(r, "template.metals", "a dinuclear complex has two metals", NULL);
    TRY(loading(r, "template.complexes_per_nm2", "template.complexes", area, sites / 2, &p->complexes));
    if (!has(r, "template.complexes_per_nm2") && !has(r, "template.complexes"))
        return dac_error_at(DAC_ERR_INPUT, r->name, 0, "missing key 'template.complexes_per_nm2' (or 'template.complexes')");
    TRY(num(r, "template.ligand_activation_eV", &p->ligand_activation_eV, -100, 100, FINITE_EV));
    TRY(num(r, "template.ligand_prefactor_per_s", &p->ligand_prefactor_per_s, 0, NAN, NONNEG));
    p->complex_mobile = has(r, "template.complex_hop_activation_eV");
    TRY(num(r, "template.complex_hop_activation_eV", &p->complex_hop_activation_eV, -100, 100, FINITE_EV));
    TRY(num(r, "template.complex_hop_prefactor_per_s", &p->complex_hop_prefactor_per_s, 0, NAN, NONNEG));
    size_t shell = (size_t)p->dual_shell_N;
    TRY(count(r, "template.dual_pocket_shell_N", &shell, 7));
    p->dual_shell_N = (int)shell;
    return DAC_OK;
}

static int read_navigation(reader *r, dac_synth_params *p, double area)
{
    size_t sites = p->sites_per_side * p->sites_per_side;
    int m2;
    TRY(metal_index(r, p, "navigation.m1", &p->m1));
    TRY(metal_index(r, p, "navigation.m2", &m2));
    if (m2 == p->m1)
        return fail(r, "navigation.m2", "M2 must differ from M1", NULL);
    dac_synth_metal *a = &p->metal[p->m1], *b = &p->metal[m2];
    a->release = DAC_SYNTH_RELEASE_IN_POCKETS;
    TRY(loading(r, "navigation.m1_atoms_per_nm2", "navigation.m1_atoms", area, sites, &a->atoms));
    TRY(loading(r, "navigation.m2_atoms_per_nm2", "navigation.m2_atoms", area, sites, &b->atoms));
    /* M2 cations reach the surface first order in what is left in solution. */
    b->release = DAC_SYNTH_RELEASE_ARRHENIUS;
    b->release_activation_eV = 0;
    b->release_prefactor_per_s = 1e-3; /* all but 3 % arrive within 1 h; assumption */
    TRY(num(r, "navigation.arrival_rate_per_s", &b->release_prefactor_per_s, 0, NAN, NONNEG));
    b->capture = 1;
    p->light = 1;
    TRY(flag(r, "navigation.light", &p->light));
    TRY(num(r, "navigation.capture_radius_A", &p->capture_radius_A, 1e-3, 50, "expected a radius in Å, 0 … 50"));
    TRY(num(r, "navigation.capture_strength", &p->capture_strength, 0, 1e9, "expected a weight 0 … 1e9"));
    return DAC_OK;
}

static int read_program(reader *r, dac_synth_params *p)
{
    TRY(temperature(r, "temperature_program.start", &p->start_K, 0));
    TRY(num(r, "temperature_program.step_K", &p->step_K, 1e-3, 1e4, "expected a step 0.001 … 10000 K"));
    if (has_prefix(r, K(r, "temperature_program.segments.%d.", DAC_SYNTH_MAX_SEGMENTS)))
        return fail(r, "temperature_program.segments", "too many segments (at most 32)", NULL);
    size_t n = 0;
    while (n < DAC_SYNTH_MAX_SEGMENTS && has_prefix(r, K(r, "temperature_program.segments.%zu.", n)))
        n++;
    if (!n)
        return dac_error_at(DAC_ERR_INPUT, r->name, 0, "missing key 'temperature_program.segments' "
                            "(a list of ramps {ramp_K_per_min, to_C} and holds {hold_min})");
    for (size_t i = 0; i < n; i++) {
        dac_synth_segment *s = &p->segment[i];
        char base[96];
        snprintf(base, sizeof base, "temperature_program.segments.%zu", i);
        TRY(num(r, K(r, "%s.ramp_K_per_min", base), &s->ramp_K_per_min, 1e-6, 1e6, "expected a rate > 0 K/min"));
        if (s->ramp_K_per_min > 0) {
            TRY(temperature(r, K(r, "%s.to", base), &s->to_K, 1));
            continue;
        }
        double h = NAN, v = NAN;
        const char *units[3] = {"hold_s", "hold_min", "hold_h"};
        const double sec[3] = {1, 60, 3600};
        for (int u = 0; u < 3; u++) {
            const char *key = K(r, "%s.%s", base, units[u]);
            if (has(r, key) && !isnan(h))
                return fail(r, key, "give one hold duration", NULL);
            TRY(num(r, key, &v, 0, 1e12, "expected a duration ≥ 0"));
            if (!isnan(v) && isnan(h))
                h = v * sec[u];
        }
        if (isnan(h))
            return dac_error_at(DAC_ERR_INPUT, r->name, 0, "%s: expected ramp_K_per_min with to_C, or hold_min", base);
        s->hold_s = h;
    }
    p->n_segments = n;
    return DAC_OK;
}

static int read_rest(reader *r, dac_synth_params *p)
{
    TRY(flag(r, "denitrogenation.enabled", &p->denitrogenation));
    TRY(num(r, "denitrogenation.activation_min_eV", &p->n_loss_activation_min_eV, -100, 100, FINITE_EV));
    TRY(num(r, "denitrogenation.activation_width_eV", &p->n_loss_activation_width_eV, 0, 10, "expected a width 0 … 10 eV"));
    TRY(num(r, "denitrogenation.prefactor_per_s", &p->n_loss_prefactor_per_s, 0, NAN, NONNEG));
    TRY(flag(r, "acceleration.first_passage", &p->first_passage));
    size_t rmin = (size_t)p->first_passage_min_radius;
    TRY(count(r, "acceleration.first_passage_min_radius_sites", &rmin, 64));
    p->first_passage_min_radius = (int)rmin;
    TRY(count(r, "output.timeseries_points", &p->timeseries_points, 100000));
    return DAC_OK;
}

/* The lattice and the metals must let dac struct see the lattice's sites (snapshot.c):
 * said here, where the recipe's line is known. */
static int check_geometry(reader *r, const dac_synth_params *p)
{
    synth_lattice g;
    int Z[DAC_SYNTH_MAX_METALS];
    synth_lattice_init(&g, p);
    for (size_t m = 0; m < p->n_metals; m++)
        Z[m] = p->metal[m].Z;
    if (synth_geometry_check(&g, Z, p->n_metals) == DAC_OK)
        return DAC_OK;
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", dac_last_error());
    const char *key = has(r, "lattice.spacing_A") ? "lattice.spacing_A" : "lattice";
    return dac_error_at(DAC_ERR_INPUT, r->name, dac_config_line(r->cfg, key), "%s", msg);
}

/* ------------------------------------------------------------ unknown keys -------- */

static const char *const known_leaves[] = {
    "route", "type", "sites_per_side", "spacing_A", "name", "pockets_per_nm2",
    "pocket_period_sites", "pocket_min_separation_sites", "pocket_shell_N", "element",
    "hop_barrier_eV", "hop_prefactor_per_s", "pocket_N_binding_eV", "pocket_C_binding_eV",
    "bond_eV", "release", "loading_atoms_nm2", "atoms", "release_activation_eV",
    "release_prefactor_per_s", "release_flux_per_site_s", "hetero_bond_eV",
    "complexes_per_nm2", "complexes", "ligand_activation_eV", "ligand_prefactor_per_s",
    "complex_hop_activation_eV", "complex_hop_prefactor_per_s", "dual_pocket_shell_N", "m1",
    "m2", "m1_atoms_per_nm2", "m1_atoms", "m2_atoms_per_nm2", "m2_atoms", "light",
    "capture_radius_A", "capture_strength", "arrival_rate_per_s", "enabled",
    "activation_min_eV", "activation_width_eV", "prefactor_per_s", "start_C", "start_K",
    "step_K", "ramp_K_per_min", "to_C", "to_K", "hold_s", "hold_min", "hold_h",
    "first_passage", "first_passage_min_radius_sites", "timeseries_points", NULL};

/* Keys whose last component no section knows are reported first, with a hint when the
 * key is a known one without its unit; keys known elsewhere but misplaced are caught
 * by dac_config_check_unused. */
static int check_unknown(reader *r)
{
    for (size_t i = 0; i < dac_config_size(r->cfg); i++) {
        const char *key = dac_config_key(r->cfg, i), *leaf = strrchr(key, '.');
        leaf = leaf ? leaf + 1 : key;
        if (strspn(leaf, "0123456789") == strlen(leaf))
            continue; /* a list item */
        int known = 0;
        const char *hint = NULL;
        size_t n = strlen(leaf);
        for (size_t k = 0; known_leaves[k] && !known; k++) {
            known = !strcmp(known_leaves[k], leaf);
            if (!strncmp(known_leaves[k], leaf, n) && known_leaves[k][n] == '_')
                hint = known_leaves[k];
        }
        if (known)
            continue;
        long line = dac_config_line(r->cfg, key);
        if (hint)
            return dac_error_at(DAC_ERR_INPUT, r->name, line, "unknown key '%s': every key carries "
                                "its unit; did you mean '%s'?", key, hint);
        return dac_error_at(DAC_ERR_INPUT, r->name, line, "unknown key '%s'", key);
    }
    return dac_config_check_unused(r->cfg);
}

/* ------------------------------------------------------------ entry points -------- */

static int read_all(reader *r, dac_synth_params *p)
{
    dac_synth_params_default(p);
    const char *route = dac_config_get(r->cfg, "route");
    if (!route)
        return dac_error_at(DAC_ERR_INPUT, r->name, 0, "missing key 'route' (co-pyrolysis, template or navigation)");
    if (!strcmp(route, "co-pyrolysis"))
        p->route = DAC_SYNTH_COPYROLYSIS;
    else if (!strcmp(route, "template"))
        p->route = DAC_SYNTH_TEMPLATE;
    else if (!strcmp(route, "navigation"))
        p->route = DAC_SYNTH_NAVIGATION;
    else
        return fail(r, "route", "expected co-pyrolysis, template or navigation", route);
    static const char *const sections[][2] = {{"template.", "template"}, {"navigation.", "navigation"}};
    for (int k = 0; k < 2; k++)
        if (strcmp(route, sections[k][1]) && has_prefix(r, sections[k][0]))
            for (size_t i = 0; i < dac_config_size(r->cfg); i++)
                if (!strncmp(dac_config_key(r->cfg, i), sections[k][0], strlen(sections[k][0])))
                    return dac_error_at(DAC_ERR_INPUT, r->name, dac_config_line(r->cfg, dac_config_key(r->cfg, i)),
                                        "key '%s': the '%s' section is only for route: %s",
                                        dac_config_key(r->cfg, i), sections[k][1], sections[k][1]);
    TRY(read_lattice(r, p));
    double area = dac_synth_params_area_nm2(p);
    TRY(read_support(r, p, area));
    TRY(read_metals(r, p, area));
    TRY(check_geometry(r, p));
    if (p->route == DAC_SYNTH_TEMPLATE)
        TRY(read_template(r, p, area));
    if (p->route == DAC_SYNTH_NAVIGATION)
        TRY(read_navigation(r, p, area));
    TRY(read_program(r, p));
    TRY(read_rest(r, p));
    TRY(check_unknown(r));
    int st = dac_synth_params_check(p);
    if (st) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", dac_last_error());
        return dac_error(st, "%s: %s", r->name, msg);
    }
    return DAC_OK;
}

static int apply_overrides(dac_config *cfg, const char *const *ov, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(ov[i], '=');
        if (!eq || eq == ov[i])
            return dac_error(DAC_ERR_USAGE, "--set '%s': expected key=value", ov[i]);
        char key[256];
        size_t len = (size_t)(eq - ov[i]);
        if (len >= sizeof key)
            return dac_error(DAC_ERR_USAGE, "--set '%s': key too long", ov[i]);
        memcpy(key, ov[i], len);
        key[len] = '\0';
        int st = dac_config_set(cfg, key, eq + 1);
        if (st)
            return st;
    }
    return DAC_OK;
}

int dac_synth_recipe_parse(const char *text, size_t len, const char *name,
                           const char *const *overrides, size_t n_overrides, dac_synth_params *out)
{
    if (!text || !out)
        return dac_error(DAC_ERR_USAGE, "dac_synth_recipe_parse: NULL argument");
    reader r = {NULL, name ? name : "(recipe)", {0}};
    int st = dac_config_parse(text, len, r.name, &r.cfg);
    if (st == DAC_OK)
        st = apply_overrides(r.cfg, overrides, n_overrides);
    if (st == DAC_OK)
        st = read_all(&r, out);
    dac_config_free(r.cfg);
    return st;
}

int dac_synth_recipe_read(const char *path, const char *const *overrides, size_t n_overrides,
                          dac_synth_params *out)
{
    if (!path || !out)
        return dac_error(DAC_ERR_USAGE, "dac_synth_recipe_read: NULL argument");
    reader r = {NULL, path, {0}};
    int st = dac_config_read(path, &r.cfg);
    if (st == DAC_OK)
        st = apply_overrides(r.cfg, overrides, n_overrides);
    if (st == DAC_OK)
        st = read_all(&r, out);
    dac_config_free(r.cfg);
    return st;
}

/* ------------------------------------------------------------ parameters → JSON --- */

static const char *release_name(dac_synth_release r)
{
    static const char *names[] = {"none", "at_start", "in_pockets", "arrhenius", "flux"};
    return (unsigned)r < 5 ? names[r] : "none";
}

void synth_params_json(const dac_synth_params *p, void *object)
{
    cJSON *o = object;
    cJSON_AddStringToObject(o, "route", dac_synth_route_name(p->route));
    cJSON *lat = cJSON_AddObjectToObject(o, "lattice");
    cJSON_AddStringToObject(lat, "type", p->lattice == DAC_SYNTH_SQUARE ? "square" : "triangular");
    dac_json_count(lat, "sites_per_side", p->sites_per_side);
    dac_json_number(lat, "spacing_A", p->spacing_A, NULL);
    dac_json_number(lat, "area_nm2", dac_synth_params_area_nm2(p), NULL);
    cJSON *sup = cJSON_AddObjectToObject(o, "support");
    dac_json_count(sup, "pockets", p->pocket_period_sites ? 0 : p->pockets);
    dac_json_count(sup, "pocket_period_sites", p->pocket_period_sites);
    if (!p->pocket_period_sites)
        dac_json_count(sup, "pocket_min_separation_sites", p->pocket_min_separation_sites);
    dac_json_count(sup, "pocket_shell_N", (size_t)p->pocket_shell_N);
    cJSON *ms = cJSON_AddArrayToObject(o, "metals");
    for (size_t m = 0; m < p->n_metals; m++) {
        const dac_synth_metal *mt = &p->metal[m];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "element", dac_element_by_Z(mt->Z)->symbol);
        dac_json_number(j, "hop_barrier_eV", mt->hop_barrier_eV, NULL);
        dac_json_number(j, "hop_prefactor_per_s", mt->hop_prefactor_per_s, NULL);
        dac_json_number(j, "pocket_N_binding_eV", mt->pocket_N_binding_eV, NULL);
        dac_json_number(j, "pocket_C_binding_eV", mt->pocket_C_binding_eV, NULL);
        dac_json_numbers(j, "bond_eV", mt->bond_eV, p->n_metals, NULL);
        cJSON_AddStringToObject(j, "release", release_name(mt->release));
        dac_json_count(j, "atoms", mt->atoms);
        dac_json_number(j, "release_activation_eV", mt->release_activation_eV, NULL);
        dac_json_number(j, "release_prefactor_per_s", mt->release_prefactor_per_s, NULL);
        dac_json_number(j, "release_flux_per_site_s", mt->release_flux_per_site_s, NULL);
        dac_json_bool(j, "capture", mt->capture);
        cJSON_AddItemToArray(ms, j);
    }
    cJSON_AddStringToObject(o, "prefactor_note", "0 means k_B T / h");
    if (p->complexes) {
        cJSON *t = cJSON_AddObjectToObject(o, "template");
        dac_json_count(t, "complexes", p->complexes);
        cJSON *el = cJSON_AddArrayToObject(t, "metals");
        for (int k = 0; k < 2; k++)
            cJSON_AddItemToArray(el, cJSON_CreateString(dac_element_by_Z(p->metal[p->complex_metal[k]].Z)->symbol));
        dac_json_number(t, "ligand_activation_eV", p->ligand_activation_eV, NULL);
        dac_json_number(t, "ligand_prefactor_per_s", p->ligand_prefactor_per_s, NULL);
        dac_json_bool(t, "complex_mobile", p->complex_mobile);
        dac_json_number(t, "complex_hop_activation_eV", p->complex_hop_activation_eV, NULL);
        dac_json_number(t, "complex_hop_prefactor_per_s", p->complex_hop_prefactor_per_s, NULL);
        dac_json_count(t, "dual_pocket_shell_N", (size_t)p->dual_shell_N);
    }
    if (p->m1 >= 0) {
        cJSON *nv = cJSON_AddObjectToObject(o, "navigation");
        cJSON_AddStringToObject(nv, "m1", dac_element_by_Z(p->metal[p->m1].Z)->symbol);
        dac_json_bool(nv, "light", p->light);
        dac_json_number(nv, "capture_radius_A", p->capture_radius_A, NULL);
        dac_json_number(nv, "capture_strength", p->capture_strength, NULL);
    }
    cJSON *dn = cJSON_AddObjectToObject(o, "denitrogenation");
    dac_json_bool(dn, "enabled", p->denitrogenation);
    dac_json_number(dn, "activation_min_eV", p->n_loss_activation_min_eV, NULL);
    dac_json_number(dn, "activation_width_eV", p->n_loss_activation_width_eV, NULL);
    dac_json_number(dn, "prefactor_per_s", p->n_loss_prefactor_per_s, NULL);
    cJSON *ac = cJSON_AddObjectToObject(o, "acceleration");
    dac_json_bool(ac, "first_passage", p->first_passage);
    dac_json_count(ac, "first_passage_min_radius_sites", (size_t)p->first_passage_min_radius);
    cJSON *out = cJSON_AddObjectToObject(o, "output");
    dac_json_count(out, "timeseries_points", p->timeseries_points);
}

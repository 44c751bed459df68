/*
 * mechanism.c — the YAML mechanism reader (docs/kinetics.md has the format).
 *
 * The file is flattened by core's config reader into dotted keys with their lines;
 * this file walks the sections in a fixed order (conditions, sites, species, energy
 * table, steps, products, pathways), builds the model through the same functions a
 * program would call, and finally refuses any key it did not read, so a misspelt key
 * is an error with its line rather than a silently ignored setting. A quantity given
 * without its unit ("pressure: 1") gets its own message naming the unit it needs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/parse.h"
#include "kinetics/kin_internal.h"

/* Distinct names directly under prefix ("species." → CO2, CO, …) in file order. */
static int children(const dac_config *cfg, const char *prefix, char (**names)[KIN_NAME_MAX],
                    size_t *count)
{
    size_t n = 0, plen = strlen(prefix);
    *names = NULL;
    *count = 0;
    char(*out)[KIN_NAME_MAX] = malloc((dac_config_size(cfg) + 1) * sizeof *out);
    if (!out)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < dac_config_size(cfg); i++) {
        const char *key = dac_config_key(cfg, i);
        if (strncmp(key, prefix, plen))
            continue;
        const char *rest = key + plen, *dot = strchr(rest, '.');
        size_t len = dot ? (size_t)(dot - rest) : strlen(rest);
        if (len == 0 || len >= KIN_NAME_MAX) {
            free(out);
            return dac_error_at(DAC_ERR_INPUT, dac_config_name(cfg), dac_config_line(cfg, key),
                                "name '%.*s' must have 1 to %d characters", (int)len, rest,
                                KIN_NAME_MAX - 1);
        }
        size_t k = 0;
        while (k < n && (strlen(out[k]) != len || strncmp(out[k], rest, len)))
            k++;
        if (k == n)
            snprintf(out[n++], KIN_NAME_MAX, "%.*s", (int)len, rest);
    }
    *names = out;
    *count = n;
    return DAC_OK;
}

static long line_of(const dac_config *cfg, const char *key)
{
    long l = dac_config_line(cfg, key);
    if (l)
        return l;
    /* a mapping's own line: the first key under it */
    size_t n = strlen(key);
    for (size_t i = 0; i < dac_config_size(cfg); i++)
        if (!strncmp(dac_config_key(cfg, i), key, n) && dac_config_key(cfg, i)[n] == '.')
            return dac_config_line(cfg, dac_config_key(cfg, i));
    return 0;
}

/* A number that must be there. */
static int need_double(const dac_config *cfg, const char *key, double *v)
{
    *v = NAN;
    int st = dac_config_get_double(cfg, key, v);
    if (st == DAC_OK && isnan(*v))
        st = dac_error_at(DAC_ERR_INPUT, dac_config_name(cfg), line_of(cfg, key),
                          "missing key '%s'", key);
    return st;
}

static int read_conditions(dac_kinetics_model *m, const dac_config *cfg)
{
    static const char *keys[] = {"temperature_K", "potential_V_RHE", "pH",
                                 "site_density_per_cm2", "distance_MM_A"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        char key[64];
        snprintf(key, sizeof key, "conditions.%s", keys[k]);
        double v = NAN;
        int st = dac_config_get_double(cfg, key, &v);
        if (st)
            return st;
        if (!isnan(v) && dac_kinetics_model_set_condition(m, keys[k], v) != DAC_OK)
            return kin_error(m, dac_config_line(cfg, key), "%s: %g is out of range", key, v);
    }
    return DAC_OK;
}

static int read_sites(dac_kinetics_model *m, const dac_config *cfg)
{
    char(*names)[KIN_NAME_MAX];
    size_t n;
    int st = children(cfg, "sites.", &names, &n);
    for (size_t i = 0; i < n && st == DAC_OK; i++) {
        char kc[160], kd[160];
        snprintf(kc, sizeof kc, "sites.%s.count", names[i]);
        snprintf(kd, sizeof kd, "sites.%s.concentration_mol_L", names[i]);
        double count = NAN, conc = NAN;
        if ((st = dac_config_get_double(cfg, kc, &count)) || (st = dac_config_get_double(cfg, kd, &conc)))
            break;
        long line = line_of(cfg, kc) ? line_of(cfg, kc) : line_of(cfg, kd);
        if (isnan(count) == isnan(conc))
            st = kin_error(m, line ? line : line_of(cfg, "sites"), "site type '%s': give count "
                           "(a surface site) or concentration_mol_L (a dissolved one)", names[i]);
        else
            st = kin_add_type_at(m, names[i], isnan(conc) ? count : conc, !isnan(conc), line);
    }
    free(names);
    if (st == DAC_OK && n == 0)
        st = kin_error(m, 0, "no site types: add a 'sites:' section");
    return st;
}

static int phase_of(const char *text, dac_kinetics_phase *ph)
{
    static const struct { const char *name; dac_kinetics_phase ph; } table[] = {
        {"gas", DAC_KINETICS_GAS}, {"solute", DAC_KINETICS_SOLUTE},
        {"solution", DAC_KINETICS_SOLUTE}, {"solvent", DAC_KINETICS_SOLVENT},
        {"adsorbate", DAC_KINETICS_ADSORBATE},
        {"transition_state", DAC_KINETICS_TRANSITION_STATE}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (!strcmp(text, table[i].name)) {
            *ph = table[i].ph;
            return DAC_OK;
        }
    return DAC_ERR_INPUT;
}

/* The sites of a species: "sites: a" or "sites: [a, b]". */
static int species_sites(dac_kinetics_model *m, const dac_config *cfg, const char *name)
{
    char key[160];
    snprintf(key, sizeof key, "species.%s.sites", name);
    const char *one = dac_config_get(cfg, key);
    const char *list[KIN_MAX_SITES];
    size_t n = 0;
    if (one) {
        list[n++] = one;
    } else {
        for (; n <= KIN_MAX_SITES; n++) {
            char k2[200];
            snprintf(k2, sizeof k2, "%s.%zu", key, n);
            const char *v = dac_config_get(cfg, k2);
            if (!v)
                break;
            if (n == KIN_MAX_SITES)
                return kin_error(m, dac_config_line(cfg, k2), "species '%s': at most %d sites",
                                 name, KIN_MAX_SITES);
            list[n] = v;
        }
    }
    if (n == 0)
        return DAC_OK;
    return dac_kinetics_model_set_species_sites(m, name, list, n);
}

static int read_one_species(dac_kinetics_model *m, const dac_config *cfg, const char *name)
{
    char key[160];
    const char *base = "species.";
#define KEY(field) (snprintf(key, sizeof key, "%s%s.%s", base, name, field), key)
    const char *phase_text = dac_config_get(cfg, KEY("phase"));
    long line = line_of(cfg, KEY("phase"));
    if (!line)
        line = line_of(cfg, (snprintf(key, sizeof key, "species.%s", name), key));
    dac_kinetics_phase ph = DAC_KINETICS_ADSORBATE;
    int has_sites = line_of(cfg, KEY("sites")) != 0;
    if (phase_text ? phase_of(phase_text, &ph) != DAC_OK : !has_sites)
        return kin_error(m, line, "species '%s': phase: expected gas, solute, solvent, adsorbate "
                         "or transition_state%s", name, phase_text ? "" : " (or sites: for an adsorbate)");
    const char *formula = dac_config_get(cfg, KEY("formula"));
    double G = NAN, amount = NAN;
    long charge = 0;
    int st = dac_config_get_double(cfg, KEY("G_eV"), &G);
    st = st ? st : dac_config_get_long(cfg, KEY("charge"), &charge);
    if (st)
        return st;
    if (charge < -20 || charge > 20)
        return kin_error(m, line, "species '%s': charge %ld is out of range", name, charge);
    if ((st = kin_add_species_at(m, name, ph, formula, (int)charge, G, line)))
        return st;
    if ((st = species_sites(m, cfg, name)))
        return st;
    const char *amount_key = ph == DAC_KINETICS_GAS ? "pressure_bar" : "concentration_mol_L";
    if (ph == DAC_KINETICS_GAS || ph == DAC_KINETICS_SOLUTE) {
        if ((st = dac_config_get_double(cfg, KEY(amount_key), &amount)))
            return st;
        if (!isnan(amount) && (st = dac_kinetics_model_set_species_amount(m, name, amount)))
            return st;
    }
    const char *src = dac_config_get(cfg, KEY("source"));
    return src ? dac_kinetics_model_set_species_source(m, name, src) : DAC_OK;
#undef KEY
}

static int read_species(dac_kinetics_model *m, const dac_config *cfg)
{
    char(*names)[KIN_NAME_MAX];
    size_t n;
    int st = children(cfg, "species.", &names, &n);
    for (size_t i = 0; i < n && st == DAC_OK; i++)
        st = read_one_species(m, cfg, names[i]);
    free(names);
    return st;
}

static int read_table(dac_kinetics_model *m, const dac_config *cfg)
{
    const char *file = dac_config_get(cfg, "energy_table.file");
    const char *surface = dac_config_get(cfg, "energy_table.surface");
    const char *map = dac_config_get(cfg, "energy_table.site_map");
    if (!file && !surface && !map)
        return DAC_OK;
    if (!file || !surface)
        return kin_error(m, line_of(cfg, "energy_table"), "energy_table: needs file: and surface:");
    char path[4096];
    const char *slash = m->path ? strrchr(m->path, '/') : NULL;
    if (file[0] != '/' && slash)
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - m->path), m->path, file);
    else
        snprintf(path, sizeof path, "%s", file);
    return dac_kinetics_model_read_energy_table(m, path, surface, map);
}

static int read_step(dac_kinetics_model *m, const dac_config *cfg, size_t i)
{
    char key[160];
#define KEY(field) (snprintf(key, sizeof key, "steps.%zu.%s", i, field), key)
    const char *eq = dac_config_get(cfg, KEY("equation"));
    long line = line_of(cfg, (snprintf(key, sizeof key, "steps.%zu", i), key));
    if (!eq)
        return kin_error(m, line, "step %zu: missing equation:", i + 1);
    const char *name = dac_config_get(cfg, KEY("name"));
    size_t j;
    int st = kin_add_step_at(m, name, eq, line_of(cfg, KEY("equation")), &j);
    if (st)
        return st;
    double v = NAN;
    if ((st = dac_config_get_double(cfg, KEY("barrier_eV"), &v)) ||
        (!isnan(v) && (st = dac_kinetics_model_set_step_barrier(m, j, v))))
        return st;
    const char *ts = dac_config_get(cfg, KEY("ts"));
    if (ts && (st = dac_kinetics_model_set_step_transition_state(m, j, ts)))
        return st;
    static const char *fields[] = {"beta", "prefactor_per_s", "photon_rate_per_s"};
    int (*setters[])(dac_kinetics_model *, size_t, double) = {
        dac_kinetics_model_set_step_beta, dac_kinetics_model_set_step_prefactor,
        dac_kinetics_model_set_step_photon_rate};
    for (size_t k = 0; k < 3; k++) {
        v = NAN;
        if ((st = dac_config_get_double(cfg, KEY(fields[k]), &v)) ||
            (!isnan(v) && (st = setters[k](m, j, v))))
            return st;
    }
    if (line_of(cfg, KEY("distance_barrier"))) {
        double d[3];
        char sub[3][200];
        static const char *dk[] = {"min_eV", "optimum_A", "curvature_eV_per_A2"};
        for (size_t k = 0; k < 3; k++) {
            snprintf(sub[k], sizeof sub[k], "steps.%zu.distance_barrier.%s", i, dk[k]);
            if ((st = need_double(cfg, sub[k], &d[k])))
                return st;
        }
        if ((st = dac_kinetics_model_set_step_distance_barrier(m, j, d[0], d[1], d[2])))
            return st;
    }
    const char *src = dac_config_get(cfg, KEY("source"));
    return src ? dac_kinetics_model_set_step_source(m, j, src) : DAC_OK;
#undef KEY
}

static int read_steps(dac_kinetics_model *m, const dac_config *cfg)
{
    int st = DAC_OK;
    size_t i = 0;
    for (;; i++) {
        char key[64];
        snprintf(key, sizeof key, "steps.%zu", i);
        if (!line_of(cfg, key))
            break;
        if ((st = read_step(m, cfg, i)))
            return st;
    }
    if (i == 0)
        return kin_error(m, line_of(cfg, "steps"), "no steps: add a 'steps:' list");
    return st;
}

/* products: {CO: {electrons: 2}, H2: {electrons: 2}} or, without electrons, [OC]. */
static int read_products(dac_kinetics_model *m, const dac_config *cfg)
{
    char(*names)[KIN_NAME_MAX];
    size_t n;
    int st = children(cfg, "products.", &names, &n);
    for (size_t i = 0; i < n && st == DAC_OK; i++) {
        char key[160];
        snprintf(key, sizeof key, "products.%s", names[i]);
        const char *scalar = dac_config_get(cfg, key), *name = names[i];
        int listed = scalar && names[i][0] >= '0' && names[i][0] <= '9';
        double e = NAN;
        if (listed) {
            name = scalar;
        } else if (scalar) { /* "CO: 2" is not "CO: {electrons: 2}" */
            st = kin_error(m, line_of(cfg, key), "product '%s': expected {electrons: N}", name);
            break;
        } else {
            snprintf(key, sizeof key, "products.%s.electrons", names[i]);
            if ((st = need_double(cfg, key, &e)))
                break;
        }
        snprintf(key, sizeof key, "products.%s", names[i]);
        if (!kin_find_species(m, name))
            st = kin_error(m, line_of(cfg, key), "product '%s' is not a species", name);
        else
            st = dac_kinetics_model_add_product(m, name, e);
    }
    free(names);
    return st;
}

static int read_pathways(dac_kinetics_model *m, const dac_config *cfg)
{
    char(*names)[KIN_NAME_MAX];
    size_t n;
    int st = children(cfg, "pathways.", &names, &n);
    for (size_t i = 0; i < n && st == DAC_OK; i++) {
        const char *steps[256];
        size_t k = 0;
        char key[200];
        for (; k < 256; k++) {
            snprintf(key, sizeof key, "pathways.%s.%zu", names[i], k);
            if (!(steps[k] = dac_config_get(cfg, key)))
                break;
        }
        snprintf(key, sizeof key, "pathways.%s", names[i]);
        if (k == 0 || k == 256)
            st = kin_error(m, line_of(cfg, key), "pathway '%s': expected a list of 1 to 255 step names", names[i]);
        else if ((st = dac_kinetics_model_add_pathway(m, names[i], steps, k)))
            st = kin_error(m, line_of(cfg, key), "%s", dac_last_error());
    }
    free(names);
    return st;
}

/* "pressure: 1" names a quantity without its unit: say which unit it needs. */
static int check_units(const dac_config *cfg)
{
    static const struct { const char *bare, *with_unit; } table[] = {
        {"pressure", "pressure_bar"}, {"concentration", "concentration_mol_L"},
        {"G", "G_eV"}, {"energy", "G_eV"}, {"barrier", "barrier_eV"},
        {"temperature", "temperature_K"}, {"potential", "potential_V_RHE"},
        {"prefactor", "prefactor_per_s"}, {"photon_rate", "photon_rate_per_s"},
        {"site_density", "site_density_per_cm2"}, {"distance", "distance_MM_A"}};
    for (size_t i = 0; i < dac_config_size(cfg); i++) {
        const char *key = dac_config_key(cfg, i), *last = strrchr(key, '.');
        last = last ? last + 1 : key;
        for (size_t k = 0; k < sizeof table / sizeof table[0]; k++)
            if (!strcmp(last, table[k].bare))
                return dac_error_at(DAC_ERR_INPUT, dac_config_name(cfg), dac_config_line(cfg, key),
                                    "key '%s': missing unit (expected %s)", key, table[k].with_unit);
    }
    return DAC_OK;
}

static int build(dac_kinetics_model *m, dac_config *cfg)
{
    int st = check_units(cfg);
    st = st ? st : read_conditions(m, cfg);
    st = st ? st : read_sites(m, cfg);
    const char *cat = dac_config_get(cfg, "catalyst");
    if (st == DAC_OK && cat && dac_kinetics_model_set_catalyst(m, cat) != DAC_OK)
        st = kin_error(m, line_of(cfg, "catalyst"), "catalyst: no site type '%s'", cat);
    st = st ? st : read_species(m, cfg);
    st = st ? st : read_table(m, cfg);
    st = st ? st : read_steps(m, cfg);
    st = st ? st : read_products(m, cfg);
    st = st ? st : read_pathways(m, cfg);
    dac_config_get(cfg, "description");
    st = st ? st : dac_config_check_unused(cfg);
    return st ? st : dac_kinetics_model_validate(m);
}

static int from_config(dac_config *cfg, const char *path, dac_kinetics_model **out)
{
    const char *name = dac_config_get(cfg, "name");
    const char *slash = strrchr(path, '/');
    dac_kinetics_model *m = NULL;
    int st = dac_kinetics_model_create(name ? name : slash ? slash + 1 : path, &m);
    if (st == DAC_OK)
        st = kin_set_text(&m->path, path);
    if (st == DAC_OK)
        st = build(m, cfg);
    if (st) {
        dac_kinetics_model_free(m);
        return st;
    }
    *out = m;
    return DAC_OK;
}

int dac_kinetics_model_read(const char *path, dac_kinetics_model **out)
{
    *out = NULL;
    dac_config *cfg = NULL;
    int st = dac_config_read(path, &cfg);
    if (st == DAC_OK)
        st = from_config(cfg, path, out);
    dac_config_free(cfg);
    return st;
}

int dac_kinetics_model_parse(const char *text, size_t len, const char *name, dac_kinetics_model **out)
{
    *out = NULL;
    dac_config *cfg = NULL;
    int st = dac_config_parse(text, len, name ? name : "(mechanism)", &cfg);
    if (st == DAC_OK)
        st = from_config(cfg, name ? name : "(mechanism)", out);
    dac_config_free(cfg);
    return st;
}

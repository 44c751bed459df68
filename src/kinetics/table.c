/*
 * table.c — CatMAP-style energy tables, so a DFT group's existing tables load as they
 * are: tab-separated, a header row naming the columns (surface_name, site_name,
 * species_name, formation_energy, and optionally reference; others such as
 * frequencies are read past), one species per row, "None"/"gas" rows for gases.
 * Fields may be quoted ("Angew. Chem. …"). Errors name the file and line.
 *
 * dac takes formation_energy as the free energy G_eV of the model (CatMAP would add
 * thermal corrections from the frequencies column; apply them beforehand, or give G_eV
 * in the mechanism, which wins over the table).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "core/parse.h"
#include "kinetics/kin_internal.h"

#define MAX_FIELDS 32

/* Splits one line at tabs in place, removing one pair of surrounding quotes. */
static int split(char *line, char **field)
{
    int n = 0;
    for (char *p = line;; n++) {
        if (n == MAX_FIELDS)
            return -1;
        char *tab = strchr(p, '\t');
        if (tab)
            *tab = '\0';
        size_t len = strlen(p);
        while (len && (p[len - 1] == '\r' || p[len - 1] == ' '))
            p[--len] = '\0';
        while (*p == ' ')
            p++, len--;
        if (len >= 2 && p[0] == '"' && p[len - 1] == '"') {
            p[len - 1] = '\0';
            p++;
        }
        field[n] = p;
        if (!tab)
            return n + 1;
        p = tab + 1;
    }
}

/* "111=s,bridge=b": the model's site type for a table site name (same name if absent). */
static const char *map_site(const char *map, const char *site, char *buf, size_t size)
{
    size_t n = strlen(site);
    for (const char *p = map; p && *p;) {
        const char *eq = strchr(p, '='), *comma = strchr(p, ',');
        if (!comma)
            comma = p + strlen(p);
        if (eq && eq < comma && (size_t)(eq - p) == n && !strncmp(p, site, n)) {
            snprintf(buf, size, "%.*s", (int)(comma - eq - 1), eq + 1);
            return buf;
        }
        p = *comma ? comma + 1 : comma;
    }
    return site;
}

typedef struct {
    int surface, site, species, energy, reference;
} columns;

static int header(const char *path, long line, char **f, int n, columns *c)
{
    *c = (columns){-1, -1, -1, -1, -1};
    for (int k = 0; k < n; k++) {
        if (!strcmp(f[k], "surface_name")) c->surface = k;
        else if (!strcmp(f[k], "site_name")) c->site = k;
        else if (!strcmp(f[k], "species_name")) c->species = k;
        else if (!strcmp(f[k], "formation_energy")) c->energy = k;
        else if (!strcmp(f[k], "reference")) c->reference = k;
    }
    if (c->surface < 0 || c->site < 0 || c->species < 0 || c->energy < 0)
        return dac_error_at(DAC_ERR_INPUT, path, line, "energy table header: expected the "
                            "tab-separated columns surface_name, site_name, species_name and "
                            "formation_energy");
    return DAC_OK;
}

static int row(dac_kinetics_model *m, const char *path, long line, char **f, int n,
               const columns *c, const char *surface, const char *map, char *seen)
{
    int need = c->surface > c->site ? c->surface : c->site;
    need = need > c->species ? need : c->species;
    need = need > c->energy ? need : c->energy;
    if (n <= need)
        return dac_error_at(DAC_ERR_INPUT, path, line, "expected at least %d tab-separated fields, got %d",
                            need + 1, n);
    int gas = !strcmp(f[c->site], "gas");
    if (!gas && strcmp(f[c->surface], surface))
        return DAC_OK;
    char name[2 * KIN_NAME_MAX + 2], buf[KIN_NAME_MAX];
    if (gas)
        snprintf(name, sizeof name, "%s", f[c->species]);
    else
        snprintf(name, sizeof name, "%s_%s", f[c->species], map_site(map, f[c->site], buf, sizeof buf));
    long i = kin_species_index(m, name);
    if (i < 0)
        return DAC_OK; /* tables hold more species than one mechanism uses */
    double G;
    if (dac_parse_double(f[c->energy], &G) != DAC_OK)
        return dac_error_at(DAC_ERR_INPUT, path, line, "formation_energy: expected a number, got '%s'",
                            f[c->energy]);
    if (seen[i])
        return dac_error_at(DAC_ERR_INPUT, path, line, "a second row for %s on surface %s", name,
                            gas ? "None" : surface);
    seen[i] = 1;
    kin_species *sp = &m->species[i];
    if (isfinite(sp->G_eV))
        return DAC_OK; /* the mechanism's own G_eV wins */
    sp->G_eV = G;
    char src[512];
    snprintf(src, sizeof src, "%s:%ld%s%s", path, line, c->reference >= 0 && c->reference < n ? ": " : "",
             c->reference >= 0 && c->reference < n ? f[c->reference] : "");
    return kin_set_text(&sp->source, src);
}

/* Parses text (modified in place: lines and fields are cut at their ends). */
static int parse_table(dac_kinetics_model *m, char *text, size_t len, const char *path,
                       const char *surface, const char *site_map)
{
    if (m->validated)
        return dac_error(DAC_ERR_USAGE, "model '%s': validated models cannot change", m->name);
    if (memchr(text, '\0', len))
        return dac_error(DAC_ERR_INPUT, "%s: not a text file (NUL byte)", path);
    char *seen = calloc(m->n_species + 1, 1);
    if (!seen)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    columns c = {-1, -1, -1, -1, -1};
    int have_header = 0, st = DAC_OK;
    long line = 0;
    char *f[MAX_FIELDS];
    for (char *p = text, *next; st == DAC_OK && p && *p; p = next) {
        next = strchr(p, '\n');
        if (next)
            *next++ = '\0';
        line++;
        if (p[strspn(p, " \t\r")] == '\0' || p[0] == '#')
            continue;
        int n = split(p, f);
        if (n < 0)
            st = dac_error_at(DAC_ERR_INPUT, path, line, "more than %d fields", MAX_FIELDS);
        else if (!have_header)
            st = header(path, line, f, n, &c), have_header = 1;
        else
            st = row(m, path, line, f, n, &c, surface, site_map, seen);
    }
    if (st == DAC_OK && !have_header)
        st = dac_error(DAC_ERR_INPUT, "%s: empty energy table", path);
    free(seen);
    return st;
}

int dac_kinetics_model_read_energy_table(dac_kinetics_model *m, const char *path,
                                         const char *surface, const char *site_map)
{
    if (!m || !path || !surface)
        return dac_error(DAC_ERR_USAGE, "dac_kinetics_model_read_energy_table: NULL argument");
    char *text;
    size_t len;
    int st = dac_read_file(path, (size_t)256 << 20, &text, &len);
    if (st)
        return st;
    st = parse_table(m, text, len, path, surface, site_map);
    free(text);
    return st;
}

int dac_kinetics_model_parse_energy_table(dac_kinetics_model *m, const char *text, size_t len,
                                          const char *name, const char *surface,
                                          const char *site_map)
{
    if (!m || !text || !surface)
        return dac_error(DAC_ERR_USAGE, "dac_kinetics_model_parse_energy_table: NULL argument");
    char *copy = malloc(len + 1);
    if (!copy)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    memcpy(copy, text, len);
    copy[len] = '\0';
    int st = parse_table(m, copy, len, name ? name : "(energy table)", surface, site_map);
    free(copy);
    return st;
}

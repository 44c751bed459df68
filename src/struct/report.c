/*
 * report.c — the writers of a site analysis: one JSON record per structure (JSON
 * Lines), the human-readable table, and the totals over several structures.
 *
 * Both views show the same numbers. The record follows core's convention (core/json.h):
 * "record", "record_version", "provenance", then the content, units in every key, and
 * null with a reason for what is undefined — the M–M distance of a site that is not a
 * pair, the nearest other site when there is none, purity with no sites. It is written
 * compact on one line, so a file of several records is JSON Lines. Distances are
 * rounded to 10⁻⁶ Å, far below any structural precision, so a record shows 2.46 rather
 * than 2.4599999999999999. The table numbers atoms from 1, as messages do; the record's
 * "atom_indices" count from 0, as programs (NumPy, ASE) do.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "struct/struct_internal.h"

#define MAX_Z STRUCT_MAX_Z

static double round_distance(double d) { return isfinite(d) ? round(d * 1e6) / 1e6 : d; }

/* Counts of the metals by Z. */
static void metal_counts(const dac_structure *s, size_t by_Z[MAX_Z + 1])
{
    memset(by_Z, 0, (MAX_Z + 1) * sizeof *by_Z);
    for (size_t i = 0; i < s->n_atoms; i++) {
        const dac_element *e = dac_element_by_Z(s->Z[i]);
        if (e && e->is_metal && e->Z <= MAX_Z)
            by_Z[e->Z]++;
    }
}

/* {"Ni": 2, ...} from counts by Z, keys alphabetical by symbol. */
static cJSON *element_counts(const size_t *by_Z, const int *alphabetical, size_t n_elements)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t k = 0; o && k < n_elements; k++)
        if (by_Z[alphabetical[k]])
            dac_json_count(o, dac_element_by_Z(alphabetical[k])->symbol, by_Z[alphabetical[k]]);
    return o;
}

static cJSON *site_json(const dac_site *site, const int *alphabetical, size_t n_elements)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", dac_site_kind_name(site->kind));
    cJSON *atoms = cJSON_AddArrayToObject(o, "atom_indices");
    for (size_t k = 0; atoms && k < site->n_atoms; k++)
        cJSON_AddItemToArray(atoms, cJSON_CreateNumber((double)site->atoms[k]));
    dac_json_string(o, "elements", site->elements);
    dac_json_number(o, "mm_distance_A",
                    site->kind == DAC_SITE_PAIR ? round_distance(site->mm_distance_A) : NAN,
                    "not a pair");
    dac_json_number(o, "nearest_other_site_A", round_distance(site->nearest_other_site_A),
                    site->extended ? "no other site (an infinite network sees only other sites)"
                                   : "no other site, and no periodic copy of this one");
    size_t shell[MAX_Z + 1] = {0};
    for (int z = 1; z <= MAX_Z; z++)
        shell[z] = (size_t)site->coordination[z];
    cJSON_AddItemToObject(o, "coordination", element_counts(shell, alphabetical, n_elements));
    dac_json_string(o, "label", site->label);
    dac_json_string(o, "synergy", dac_synergy_name(site->synergy));
    dac_json_bool(o, "extended", site->extended);
    return o;
}

static void add_structure(cJSON *root, const dac_structure *s, const int *alphabetical,
                          size_t n_elements)
{
    dac_json_count(root, "n_atoms", s->n_atoms);
    if (s->has_cell) {
        cJSON *cell = cJSON_AddArrayToObject(root, "cell_A");
        for (int r = 0; cell && r < 3; r++)
            cJSON_AddItemToArray(cell, cJSON_CreateDoubleArray(s->cell_A[r], 3));
    } else {
        dac_json_number(root, "cell_A", NAN, "a molecule: no cell");
    }
    cJSON *pbc = cJSON_AddArrayToObject(root, "pbc");
    for (int k = 0; pbc && k < 3; k++)
        cJSON_AddItemToArray(pbc, cJSON_CreateBool(s->has_cell && s->pbc[k]));
    size_t metals[MAX_Z + 1];
    metal_counts(s, metals);
    cJSON_AddItemToObject(root, "metals", element_counts(metals, alphabetical, n_elements));
}

static void add_options(cJSON *root, const dac_site_options *o)
{
    cJSON *opt = cJSON_AddObjectToObject(root, "options");
    dac_json_number(opt, "pair_cutoff_A", o->pair_cutoff_A, NULL);
    dac_json_number(opt, "bond_tolerance", o->bond_tolerance, NULL);
    dac_json_number(opt, "bridge_min_A", o->bridge_min_A, NULL);
    dac_json_number(opt, "min_distance_A", o->min_distance_A, NULL);
}

static void add_totals(cJSON *root, const dac_site_analysis *a)
{
    cJSON *counts = cJSON_AddObjectToObject(root, "counts");
    dac_json_count(counts, "single", a->count[DAC_SITE_SINGLE]);
    dac_json_count(counts, "pair", a->count[DAC_SITE_PAIR]);
    dac_json_count(counts, "cluster", a->count[DAC_SITE_CLUSTER]);
    dac_json_count(root, "n_metal_atoms", a->n_metal_atoms);
    cJSON *purity = cJSON_AddObjectToObject(root, "purity");
    dac_json_number(purity, "site", a->purity_site, "no sites: no metal atoms");
    dac_json_number(purity, "atom", a->purity_atom, "no metal atoms");
}

int dac_site_analysis_write_json(FILE *f, const char *name, const dac_structure *s,
                                 const dac_site_analysis *a, const dac_provenance *prov)
{
    if (!f || !s || !a)
        return dac_error(DAC_ERR_USAGE, "dac_site_analysis_write_json: NULL argument");
    int alphabetical[MAX_Z];
    size_t n_elements;
    int st = struct_elements_alphabetical(alphabetical, &n_elements);
    if (st != DAC_OK)
        return st;
    cJSON *root = dac_json_record("dac struct analyze", prov);
    if (!root)
        return dac_error(DAC_ERR_NOMEM, "out of memory for the JSON record");
    dac_json_string(root, "file", name);
    add_structure(root, s, alphabetical, n_elements);
    add_options(root, &a->options);
    cJSON *sites = cJSON_AddArrayToObject(root, "sites");
    for (size_t k = 0; sites && k < a->n_sites; k++)
        cJSON_AddItemToArray(sites, site_json(&a->sites[k], alphabetical, n_elements));
    add_totals(root, a);
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text)
        return dac_error(DAC_ERR_NOMEM, "out of memory formatting the JSON record of %s",
                         name ? name : "a structure");
    fputs(text, f);
    fputc('\n', f);
    cJSON_free(text);
    return ferror(f) ? dac_error(DAC_ERR_RUNTIME, "cannot write the JSON record of %s",
                                 name ? name : "a structure") : DAC_OK;
}

/* ------------------------------------------------------------ table --------------- */

/* "1,2,3" (1-based), cut with "…(+N)" when it would not fit. */
static void format_atoms(const dac_site *site, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < site->n_atoms; k++) {
        char item[32];
        snprintf(item, sizeof item, "%s%zu", k ? "," : "", site->atoms[k] + 1);
        if (len + strlen(item) + 12 > size) {
            snprintf(buf + len, size - len, ",…(+%zu)", site->n_atoms - k);
            return;
        }
        len += (size_t)snprintf(buf + len, size - len, "%s", item);
    }
}

static void format_distance(double d, char *buf, size_t size)
{
    if (isfinite(d))
        snprintf(buf, size, "%.3f", d);
    else
        snprintf(buf, size, "-");
}

static void table_header(FILE *f, const char *name, const dac_structure *s)
{
    fprintf(f, "%s: %zu atoms", name ? name : "structure", s->n_atoms);
    if (s->has_cell) {
        double l[3];
        for (int r = 0; r < 3; r++)
            l[r] = sqrt(s->cell_A[r][0] * s->cell_A[r][0] + s->cell_A[r][1] * s->cell_A[r][1] +
                        s->cell_A[r][2] * s->cell_A[r][2]);
        fprintf(f, ", cell %.3f × %.3f × %.3f Å, pbc %c %c %c\n", l[0], l[1], l[2],
                s->pbc[0] ? 'T' : 'F', s->pbc[1] ? 'T' : 'F', s->pbc[2] ? 'T' : 'F');
    } else {
        fprintf(f, ", no cell (molecule)\n");
    }
    size_t metals[MAX_Z + 1];
    metal_counts(s, metals);
    fprintf(f, "  metals:");
    int any = 0;
    for (int z = 1; z <= MAX_Z; z++)
        if (metals[z]) {
            fprintf(f, " %s %zu", dac_element_by_Z(z)->symbol, metals[z]);
            any = 1;
        }
    fprintf(f, "%s\n", any ? "" : " none");
}

static void purity_line(FILE *f, const size_t count[4], size_t n_metal)
{
    size_t sites = count[DAC_SITE_SINGLE] + count[DAC_SITE_PAIR] + count[DAC_SITE_CLUSTER];
    fprintf(f, "single %zu, pair %zu, cluster %zu", count[DAC_SITE_SINGLE], count[DAC_SITE_PAIR],
            count[DAC_SITE_CLUSTER]);
    if (sites) /* purity is undefined without sites: not printed */
        fprintf(f, "; purity: site %.3f, atom %.3f", (double)count[DAC_SITE_PAIR] / (double)sites,
                2.0 * (double)count[DAC_SITE_PAIR] / (double)n_metal);
}

int dac_site_analysis_write_table(FILE *f, const char *name, const dac_structure *s,
                                  const dac_site_analysis *a)
{
    if (!f || !s || !a)
        return dac_error(DAC_ERR_USAGE, "dac_site_analysis_write_table: NULL argument");
    table_header(f, name, s);
    if (a->n_sites)
        fprintf(f, "  %4s  %-7s  %-16s  %-24s  %8s  %10s  %s\n", "site", "kind", "label",
                "atoms (from 1)", "M-M/Å", "nearest/Å", "synergy");
    for (size_t k = 0; k < a->n_sites; k++) {
        const dac_site *site = &a->sites[k];
        char atoms[40], mm[32], near[32];
        format_atoms(site, atoms, sizeof atoms);
        format_distance(site->kind == DAC_SITE_PAIR ? site->mm_distance_A : NAN, mm, sizeof mm);
        format_distance(site->nearest_other_site_A, near, sizeof near);
        const char *syn = dac_synergy_name(site->synergy);
        fprintf(f, "  %4zu  %-7s  %-16s  %-24s  %8s  %10s  %s\n", k + 1,
                dac_site_kind_name(site->kind), site->label, atoms, mm, near, syn ? syn : "-");
    }
    fprintf(f, "  sites: ");
    purity_line(f, a->count, a->n_metal_atoms);
    fprintf(f, "\n\n");
    return ferror(f) ? dac_error(DAC_ERR_RUNTIME, "cannot write the table of %s",
                                 name ? name : "a structure") : DAC_OK;
}

void dac_site_totals_add(dac_site_totals *t, const dac_site_analysis *a)
{
    t->n_analyses++;
    for (int k = 0; k < 4; k++)
        t->count[k] += a->count[k];
    t->n_metal_atoms += a->n_metal_atoms;
}

int dac_site_totals_write_table(FILE *f, const dac_site_totals *t)
{
    if (!f || !t)
        return dac_error(DAC_ERR_USAGE, "dac_site_totals_write_table: NULL argument");
    fprintf(f, "total over %zu files: ", t->n_analyses);
    purity_line(f, t->count, t->n_metal_atoms);
    fprintf(f, "\n");
    return ferror(f) ? dac_error(DAC_ERR_RUNTIME, "cannot write the totals") : DAC_OK;
}

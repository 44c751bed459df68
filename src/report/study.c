/*
 * study.c — reading a study file (docs/report.md lists its keys) into the plain object
 * of study_internal.h.
 *
 * Two rules shape the reader.
 *   - Every key is looked up by name and marked used, and dac_config_check_unused
 *     turns a key nobody asked for into "study.yaml:12: unknown key 'make.sedes'":
 *     a misspelt key must not silently leave a default in place.
 *   - `quick:` mirrors the study: quick.make.seeds replaces make.seeds under --quick.
 *     A lookup reads both keys (so both count as used whatever the mode) and takes the
 *     quick one only under --quick. A list of texts (make.set, marks) under quick:
 *     replaces the whole list; in a list of mappings (make.runs) quick: changes single
 *     fields of existing items (quick.make.runs.0.recipe).
 * Every value a stage's part reads is recorded as "key=value" (after quick) in the
 * order read: that list is the study's share of the stage's stamp, so an edit that
 * changes what a stage does re-runs it and an edit elsewhere does not.
 *
 * Paths in a study are relative to the folder `dac run` is started in, like paths on
 * the command line; a file that cannot be read is an error naming the key, before any
 * stage runs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/io.h"
#include "core/parse.h"
#include "dac/core.h"
#include "report/study_internal.h"

extern const char dac_study_default_yaml[];
extern const size_t dac_study_default_yaml_len;

static const char DEFAULT_NAME[] = "(built-in default study)";
const char *const report_stage_names[REPORT_N_STAGES] = {"make", "see", "explain"};

/* ------------------------------------------------------------ lists --------------- */

int report_list_add(report_list *l, const char *text)
{
    if (l->failed)
        return DAC_ERR_NOMEM;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        char **a = realloc(l->item, cap * sizeof *a);
        if (!a) {
            l->failed = 1;
            return dac_error(DAC_ERR_NOMEM, "out of memory");
        }
        l->item = a;
        l->cap = cap;
    }
    if (!(l->item[l->n] = strdup(text))) {
        l->failed = 1;
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    l->n++;
    return DAC_OK;
}

int report_list_add_unique(report_list *l, const char *text)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->item[i], text))
            return DAC_OK;
    return report_list_add(l, text);
}

int report_list_addf(report_list *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && (s = malloc((size_t)n + 1))) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    int st = s ? report_list_add(l, s) : dac_error(DAC_ERR_NOMEM, "out of memory");
    if (!s)
        l->failed = 1;
    free(s);
    return st;
}

void report_list_free(report_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->item[i]);
    free(l->item);
    memset(l, 0, sizeof *l);
}

/* ------------------------------------------------------------ the reader ---------- */

typedef struct {
    dac_config *cfg;
    int quick;
    report_list *rec; /* resolved values of the part being read (NULL: not recorded) */
} reader;

/* The effective value of key and the line it came from; NULL when absent. */
static const char *value(reader *r, const char *key, long *line)
{
    char q[512];
    snprintf(q, sizeof q, "quick.%s", key);
    const char *qv = dac_config_get(r->cfg, q), *bv = dac_config_get(r->cfg, key);
    int from_quick = r->quick && qv;
    if (line)
        *line = dac_config_line(r->cfg, from_quick ? q : key);
    const char *v = from_quick ? qv : bv;
    if (v && r->rec && report_list_addf(r->rec, "%s=%s", key, v) != DAC_OK)
        return NULL;
    return v;
}

static int bad(reader *r, long line, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static int bad(reader *r, long line, const char *key, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return dac_error_at(DAC_ERR_INPUT, dac_config_name(r->cfg), line, "key '%s': %s", key, msg);
}

/* The first line of any key under prefix (where a missing key "should" be). */
static long prefix_line(const reader *r, const char *prefix)
{
    size_t n = strlen(prefix);
    long best = 0;
    for (size_t i = 0; i < dac_config_size(r->cfg); i++) {
        const char *k = dac_config_key(r->cfg, i);
        long line = dac_config_line(r->cfg, k);
        if (!strncmp(k, prefix, n) && (k[n] == '.' || k[n] == '\0') && (!best || line < best))
            best = line;
    }
    return best;
}

static int get_text(reader *r, const char *key, int required, char **out)
{
    long line;
    const char *v = value(r, key, &line);
    if (!v && required) {
        const char *dot = strrchr(key, '.');
        char parent[512];
        snprintf(parent, sizeof parent, "%.*s", dot ? (int)(dot - key) : 0, key);
        return dac_error_at(DAC_ERR_INPUT, dac_config_name(r->cfg), prefix_line(r, parent),
                            "key '%s' is missing", key);
    }
    if (v && !*v && required)
        return bad(r, line, key, "expected a value, got nothing");
    free(*out);
    *out = v ? strdup(v) : NULL;
    return !v || *out ? DAC_OK : dac_error(DAC_ERR_NOMEM, "out of memory");
}

static int get_double(reader *r, const char *key, double lo, double hi, double *out)
{
    long line;
    const char *v = value(r, key, &line);
    double x;
    if (!v)
        return DAC_OK;
    if (dac_parse_double(v, &x) != DAC_OK || !(x >= lo && x <= hi))
        return bad(r, line, key, "expected a number from %g to %g, got '%s'", lo, hi, v);
    *out = x;
    return DAC_OK;
}

static int get_long(reader *r, const char *key, long lo, long hi, long *out)
{
    long line;
    const char *v = value(r, key, &line);
    long x;
    if (!v)
        return DAC_OK;
    if (dac_parse_long(v, &x) != DAC_OK || x < lo || x > hi)
        return bad(r, line, key, "expected an integer from %ld to %ld, got '%s'", lo, hi, v);
    *out = x;
    return DAC_OK;
}

/* A file the study names: it must be readable now (paths are relative to the folder
 * dac run is started in). */
static int get_path(reader *r, const char *key, int required, char **out)
{
    int st = get_text(r, key, required, out);
    if (st != DAC_OK || !*out)
        return st;
    if (access(*out, R_OK) != 0) {
        long line;
        value(&(reader){r->cfg, r->quick, NULL}, key, &line);
        return bad(r, line, key, "cannot read '%s' (paths in a study are relative to the folder "
                   "dac run is started in)", *out);
    }
    return DAC_OK;
}

/* A name used as a folder name: letters, digits, '_' and '-'. */
static int get_name(reader *r, const char *key, char **out)
{
    int st = get_text(r, key, 1, out);
    if (st != DAC_OK)
        return st;
    int ok = strlen(*out) <= 64;
    for (const char *p = *out; ok && *p; p++)
        ok = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", *p) != NULL;
    if (!ok) {
        long line;
        value(&(reader){r->cfg, r->quick, NULL}, key, &line);
        return bad(r, line, key, "'%s': a name is letters, digits, '_' and '-' (it names a folder)", *out);
    }
    return DAC_OK;
}

/* Items of a list of mappings: 1 + the largest N of keys "prefix.N.…" (not quick). */
static size_t count_items(const reader *r, const char *prefix)
{
    size_t n = strlen(prefix), count = 0;
    for (size_t i = 0; i < dac_config_size(r->cfg); i++) {
        const char *k = dac_config_key(r->cfg, i);
        char *end;
        if (strncmp(k, prefix, n) || k[n] != '.' || k[n + 1] < '0' || k[n + 1] > '9')
            continue;
        unsigned long idx = strtoul(k + n + 1, &end, 10);
        if ((*end == '.' || *end == '\0') && idx < 10000 && idx + 1 > count)
            count = idx + 1;
    }
    return count;
}

/* A list of texts "prefix.0", "prefix.1", …; under --quick a list under quick: wins. */
static int get_texts(reader *r, const char *prefix, report_list *out)
{
    char q[512], key[600];
    snprintf(q, sizeof q, "quick.%s", prefix);
    int use_quick = r->quick && count_items(r, q) > 0;
    for (int pass = 0; pass < 2; pass++) { /* both read, so both are marked used */
        const char *p = pass ? q : prefix;
        size_t n = count_items(r, p);
        for (size_t i = 0; i < n; i++) {
            snprintf(key, sizeof key, "%s.%zu", p, i);
            const char *v = dac_config_get(r->cfg, key);
            if (!v)
                return dac_error_at(DAC_ERR_INPUT, dac_config_name(r->cfg), prefix_line(r, p),
                                    "key '%s': expected a list of texts", p);
            if (pass == use_quick) {
                int st = report_list_add(out, v);
                if (st == DAC_OK && r->rec)
                    st = report_list_addf(r->rec, "%s.%zu=%s", prefix, i, v);
                if (st != DAC_OK)
                    return st;
            }
        }
    }
    return DAC_OK;
}

/* ------------------------------------------------------------ sections ------------ */

/* One field of the items of a list of mappings (structures, runs, models …). */
typedef enum { F_NAME, F_TEXT, F_PATH, F_TEXTS } field_kind;
typedef struct {
    const char *key;
    field_kind kind;
    int required;
    size_t offset; /* in the item */
} field;

#define FIELD(type, key, kind, required) {#key, kind, required, offsetof(type, key)}

/* The items of a list "prefix.N.KEY", each of size bytes, read field by field; with
 * unique, the first field is a name (a char * at offset 0) no two items share. */
static int read_list(reader *r, const char *prefix, size_t size, const field *f, size_t n_fields,
                     int unique, void **items, size_t *n_items)
{
    size_t n = count_items(r, prefix);
    char *base = calloc(n + 1, size);
    *items = base;
    *n_items = 0;
    if (!base)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    int st = DAC_OK;
    char key[256];
    for (size_t i = 0; i < n && st == DAC_OK; i++, (*n_items)++) {
        for (size_t k = 0; k < n_fields && st == DAC_OK; k++) {
            snprintf(key, sizeof key, "%s.%zu.%s", prefix, i, f[k].key);
            void *slot = base + i * size + f[k].offset;
            switch (f[k].kind) {
            case F_NAME: st = get_name(r, key, slot); break;
            case F_TEXT: st = get_text(r, key, f[k].required, slot); break;
            case F_PATH: st = get_path(r, key, f[k].required, slot); break;
            case F_TEXTS: st = get_texts(r, key, slot); break;
            }
        }
        for (size_t j = 0; unique && st == DAC_OK && j < i; j++)
            if (!strcmp(*(char **)(base + i * size), *(char **)(base + j * size))) {
                snprintf(key, sizeof key, "%s.%zu.name", prefix, i);
                st = bad(r, dac_config_line(r->cfg, key), key, "'%s' is used twice", *(char **)(base + i * size));
            }
    }
    return st;
}

static int read_structures(reader *r, dac_report_study *s)
{
    static const field f[] = {FIELD(report_structure, name, F_NAME, 1),
                              FIELD(report_structure, title, F_TEXT, 0),
                              FIELD(report_structure, path, F_PATH, 1)};
    return read_list(r, "structures", sizeof *s->structures, f, 3, 1, (void **)&s->structures,
                     &s->n_structures);
}

static int read_make(reader *r, report_make *m)
{
    static const field run[] = {FIELD(report_make_run, name, F_NAME, 1),
                                FIELD(report_make_run, title, F_TEXT, 0),
                                FIELD(report_make_run, recipe, F_PATH, 1),
                                FIELD(report_make_run, review, F_TEXT, 0),
                                FIELD(report_make_run, set, F_TEXTS, 0)};
    static const field curve[] = {FIELD(report_make_curve, name, F_NAME, 1),
                                  FIELD(report_make_curve, title, F_TEXT, 0),
                                  FIELD(report_make_curve, recipe, F_PATH, 1),
                                  FIELD(report_make_curve, vary, F_TEXT, 1),
                                  FIELD(report_make_curve, set, F_TEXTS, 0)};
    m->seeds = 3;   /* docs/report.md: enough for a standard deviation (assumption) */
    m->repeats = 2;
    int st = get_long(r, "make.seeds", 1, 1000, &m->seeds);
    if (st == DAC_OK)
        st = get_texts(r, "make.set", &m->set);
    if (st == DAC_OK)
        st = read_list(r, "make.runs", sizeof *m->runs, run, 5, 1, (void **)&m->runs, &m->n_runs);
    if (st == DAC_OK)
        st = get_long(r, "make.loading.repeats", 1, 100, &m->repeats);
    if (st == DAC_OK)
        st = read_list(r, "make.loading.curves", sizeof *m->curves, curve, 5, 1, (void **)&m->curves,
                       &m->n_curves);
    if (st == DAC_OK && m->n_runs + m->n_curves == 0)
        st = dac_error_at(DAC_ERR_INPUT, dac_config_name(r->cfg), prefix_line(r, "make"),
                          "key 'make': no runs and no loading curves");
    return st;
}

static int read_see(reader *r, report_see *v)
{
    /* Defaults: docs/report.md. 0.2 Å pixels, 10⁶ e⁻/Å² and 30 Å of carbon are the
     * simulator's (docs/stem-simulate.md; the dose an assumption: the upper end of the
     * 10⁴–10⁷ e⁻/Å² used for single-atom samples, docs/science.md); a 160 Å field holds
     * tens of sites at the loadings simulated (assumption). */
    v->pixel_A = 0.2;
    v->fov_A = 160;
    v->dose_e_A2 = 1e6;
    v->support_thickness_A = 30;
    int st = get_double(r, "see.pixel_A", 0.02, 2, &v->pixel_A);
    if (st == DAC_OK)
        st = get_double(r, "see.fov_A", 20, 2000, &v->fov_A);
    if (st == DAC_OK)
        st = get_double(r, "see.dose_e_A2", 10, 1e12, &v->dose_e_A2);
    if (st == DAC_OK)
        st = get_double(r, "see.support_thickness_A", 0, 500, &v->support_thickness_A);
    return st;
}

static int read_models(reader *r, const char *prefix, report_model **out, size_t *n_out)
{
    static const field f[] = {FIELD(report_model, name, F_NAME, 1), FIELD(report_model, title, F_TEXT, 0),
                              FIELD(report_model, mechanism, F_PATH, 1),
                              FIELD(report_model, review, F_TEXT, 0)};
    return read_list(r, prefix, sizeof **out, f, 4, 1, (void **)out, n_out);
}

static int find_model(const report_explain *e, const char *name)
{
    for (size_t i = 0; i < e->n_co2; i++)
        if (!strcmp(e->co2[i].name, name))
            return 1;
    return 0;
}

static int read_site_rules(reader *r, report_explain *e)
{
    static const field f[] = {{"label", F_TEXT, 1, offsetof(report_site_rule, pattern)},
                              FIELD(report_site_rule, model, F_TEXT, 1)};
    int st = read_list(r, "explain.sites", sizeof *e->rules, f, 2, 0, (void **)&e->rules, &e->n_rules);
    for (size_t i = 0; st == DAC_OK && i < e->n_rules; i++)
        if (!find_model(e, e->rules[i].model)) {
            char key[96];
            snprintf(key, sizeof key, "explain.sites.%zu.model", i);
            st = bad(r, dac_config_line(r->cfg, key), key, "no model '%s' in explain.co2.models",
                     e->rules[i].model);
        }
    return st;
}

/* Where a mark label is, in "X=LABEL" texts; −1 when none has it. */
static long find_mark(const report_list *marks, const char *label)
{
    for (size_t i = 0; i < marks->n; i++) {
        const char *eq = strchr(marks->item[i], '=');
        if (eq && !strcmp(eq + 1, label))
            return (long)i;
    }
    return -1;
}

/* explain.her.sites (label → mark), .per (an element) and .reference (a mark). */
static int read_her_outcomes(reader *r, report_explain *e)
{
    static const field f[] = {{"label", F_TEXT, 1, offsetof(report_site_rule, pattern)},
                              {"mark", F_TEXT, 1, offsetof(report_site_rule, model)}};
    int st = read_list(r, "explain.her.sites", sizeof *e->her_rules, f, 2, 0, (void **)&e->her_rules,
                       &e->n_her_rules);
    char key[96];
    for (size_t i = 0; st == DAC_OK && i < e->n_her_rules; i++)
        if (find_mark(&e->her_marks, e->her_rules[i].model) < 0) {
            snprintf(key, sizeof key, "explain.her.sites.%zu.mark", i);
            st = bad(r, dac_config_line(r->cfg, key), key, "no mark '%s' in explain.her.marks",
                     e->her_rules[i].model);
        }
    if (st == DAC_OK)
        st = get_text(r, "explain.her.per", 0, &e->her_per);
    if (st == DAC_OK && e->her_per && !dac_element_by_symbol(e->her_per))
        st = bad(r, dac_config_line(r->cfg, "explain.her.per"), "explain.her.per",
                 "'%s' is not an element symbol", e->her_per);
    if (st == DAC_OK)
        st = get_text(r, "explain.her.reference", e->n_her_rules > 0, &e->her_reference);
    if (st == DAC_OK && e->her_reference && find_mark(&e->her_marks, e->her_reference) < 0)
        st = bad(r, dac_config_line(r->cfg, "explain.her.reference"), "explain.her.reference",
                 "no mark '%s' in explain.her.marks", e->her_reference);
    return st;
}

static int read_explain(reader *r, report_explain *e)
{
    /* −0.8 V vs RHE: the potential of the Ni₂ examples' calibration
     * (examples/kinetics/ni2_indirect.yaml); 12 h: the ZnRu H₂ yield's duration and the
     * span of the review's photocatalytic TONs. */
    e->potential_V_RHE = -0.8;
    e->photo_t_end_s = 43200;
    e->photo_points = 120;
    int st = get_double(r, "explain.potential_V_RHE", -3, 3, &e->potential_V_RHE);
    if (st == DAC_OK)
        st = get_text(r, "explain.co2.sweep", 0, &e->co2_sweep);
    if (st == DAC_OK)
        st = get_text(r, "explain.co2.review_fe", 0, &e->review_fe);
    if (st == DAC_OK)
        st = get_text(r, "explain.co2.review_mass_activity", 0, &e->review_mass_activity);
    if (st == DAC_OK)
        st = read_models(r, "explain.co2.models", &e->co2, &e->n_co2);
    if (st == DAC_OK)
        st = read_site_rules(r, e);
    if (st == DAC_OK)
        st = get_text(r, "explain.reference", e->n_rules > 0, &e->reference);
    if (st == DAC_OK && e->reference && !find_model(e, e->reference))
        st = bad(r, dac_config_line(r->cfg, "explain.reference"), "explain.reference",
                 "no model '%s' in explain.co2.models", e->reference);
    if (st == DAC_OK)
        st = get_path(r, "explain.her.mechanism", 0, &e->her_mechanism);
    if (st == DAC_OK)
        st = get_text(r, "explain.her.sweep", e->her_mechanism != NULL, &e->her_sweep);
    if (st == DAC_OK)
        st = get_text(r, "explain.her.column", 0, &e->her_column);
    if (st == DAC_OK)
        st = get_texts(r, "explain.her.marks", &e->her_marks);
    if (st == DAC_OK)
        st = get_text(r, "explain.her.review", 0, &e->her_review);
    if (st == DAC_OK)
        st = read_her_outcomes(r, e);
    if (st == DAC_OK)
        st = get_path(r, "explain.her.overlay.file", 0, &e->her_overlay);
    if (st == DAC_OK)
        st = get_text(r, "explain.her.overlay.x", e->her_overlay != NULL, &e->her_overlay_x);
    if (st == DAC_OK)
        st = get_text(r, "explain.her.overlay.y", e->her_overlay != NULL, &e->her_overlay_y);
    if (st == DAC_OK)
        st = read_models(r, "explain.photo.models", &e->photo, &e->n_photo);
    if (st == DAC_OK)
        st = get_double(r, "explain.photo.t_end_s", 1e-6, 1e9, &e->photo_t_end_s);
    if (st == DAC_OK)
        st = get_long(r, "explain.photo.points", 2, 100000, &e->photo_points);
    if (st == DAC_OK && e->n_co2 > 0 && !e->co2_sweep)
        st = get_text(r, "explain.co2.sweep", 1, &e->co2_sweep);
    return st;
}

/* Whether the study has a section (any key under it, quick: included). */
static int has_section(const dac_config *cfg, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < dac_config_size(cfg); i++) {
        const char *k = dac_config_key(cfg, i);
        if (!strncmp(k, "quick.", 6))
            k += 6;
        if (!strncmp(k, name, n) && k[n] == '.')
            return 1;
    }
    return 0;
}

static int read_study(dac_config *cfg, dac_report_study *s)
{
    reader r = {cfg, s->quick, NULL};
    long seed = 1;
    int st = get_text(&r, "study.title", 1, &s->title);
    if (st == DAC_OK)
        st = get_text(&r, "study.subtitle", 0, &s->subtitle);
    if (st == DAC_OK)
        st = get_long(&r, "study.seed", 0, 2147483647L, &seed);
    s->seed = (uint64_t)seed;
    if (st == DAC_OK)
        st = read_structures(&r, s);
    for (int k = 0; k < REPORT_N_STAGES; k++)
        s->has[k] = has_section(cfg, report_stage_names[k]);
    r.rec = &s->resolved[REPORT_MAKE];
    if (st == DAC_OK && s->has[REPORT_MAKE])
        st = read_make(&r, &s->make);
    r.rec = &s->resolved[REPORT_SEE];
    if (st == DAC_OK && s->has[REPORT_SEE])
        st = read_see(&r, &s->see);
    r.rec = &s->resolved[REPORT_EXPLAIN];
    if (st == DAC_OK && s->has[REPORT_EXPLAIN])
        st = read_explain(&r, &s->explain);
    if (st == DAC_OK && (s->has[REPORT_SEE] || s->has[REPORT_EXPLAIN]) && !s->has[REPORT_MAKE] &&
        s->n_structures == 0)
        st = dac_error(DAC_ERR_INPUT, "%s: nothing to image or explain: the study has neither "
                       "'make' nor 'structures'", dac_config_name(cfg));
    if (st == DAC_OK && !s->has[REPORT_MAKE] && !s->has[REPORT_SEE] && !s->has[REPORT_EXPLAIN])
        st = dac_error(DAC_ERR_INPUT, "%s: no stage: expected 'make', 'see' or 'explain'",
                       dac_config_name(cfg));
    if (st == DAC_OK)
        st = dac_config_check_unused(cfg);
    return st;
}

/* ------------------------------------------------------------ the object ---------- */

static void free_models(report_model *m, size_t n)
{
    for (size_t i = 0; m && i < n; i++)
        free(m[i].name), free(m[i].title), free(m[i].mechanism), free(m[i].review);
    free(m);
}

void dac_report_study_free(dac_report_study *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_structures; i++)
        free(s->structures[i].name), free(s->structures[i].title), free(s->structures[i].path);
    free(s->structures);
    report_make *m = &s->make;
    for (size_t i = 0; i < m->n_runs; i++) {
        report_make_run *x = &m->runs[i];
        free(x->name), free(x->title), free(x->recipe), free(x->review);
        report_list_free(&x->set);
    }
    for (size_t i = 0; i < m->n_curves; i++) {
        report_make_curve *x = &m->curves[i];
        free(x->name), free(x->title), free(x->recipe), free(x->vary);
        report_list_free(&x->set);
    }
    free(m->runs), free(m->curves);
    report_list_free(&m->set);
    report_explain *e = &s->explain;
    free_models(e->co2, e->n_co2);
    free_models(e->photo, e->n_photo);
    for (size_t i = 0; i < e->n_rules; i++)
        free(e->rules[i].pattern), free(e->rules[i].model);
    free(e->rules);
    for (size_t i = 0; i < e->n_her_rules; i++)
        free(e->her_rules[i].pattern), free(e->her_rules[i].model);
    free(e->her_rules), free(e->her_per), free(e->her_reference);
    free(e->co2_sweep), free(e->reference), free(e->her_mechanism), free(e->her_sweep);
    free(e->her_column), free(e->her_review), free(e->review_fe), free(e->review_mass_activity);
    free(e->her_overlay), free(e->her_overlay_x), free(e->her_overlay_y);
    report_list_free(&e->her_marks);
    for (int k = 0; k < REPORT_N_STAGES; k++)
        report_list_free(&s->resolved[k]);
    free(s->name), free(s->text), free(s->title), free(s->subtitle);
    free(s);
}

int dac_report_study_parse(const char *text, size_t len, const char *name, int quick,
                           dac_report_study **out)
{
    *out = NULL;
    dac_report_study *s = calloc(1, sizeof *s);
    if (!s || !(s->name = strdup(name ? name : "(study)")) || !(s->text = malloc(len + 1))) {
        dac_report_study_free(s);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    memcpy(s->text, text, len);
    s->text[len] = '\0';
    s->len = len;
    s->quick = quick != 0;
    dac_config *cfg;
    int st = dac_config_parse(text, len, s->name, &cfg);
    if (st == DAC_OK)
        st = read_study(cfg, s);
    dac_config_free(cfg);
    if (st != DAC_OK) {
        dac_report_study_free(s);
        return st;
    }
    *out = s;
    return DAC_OK;
}

int dac_report_study_read(const char *path, int quick, dac_report_study **out)
{
    *out = NULL;
    char *text;
    size_t len;
    int st = dac_read_file(path, (size_t)16 << 20, &text, &len);
    if (st == DAC_OK)
        st = dac_report_study_parse(text, len, path, quick, out);
    free(text);
    return st;
}

const char *dac_report_study_default_text(size_t *len)
{
    if (len)
        *len = dac_study_default_yaml_len;
    return dac_study_default_yaml;
}

void dac_report_study_set_seed(dac_report_study *s, uint64_t seed) { s->seed = seed; }
uint64_t dac_report_study_seed(const dac_report_study *s) { return s->seed; }

size_t dac_report_study_stage_count(const dac_report_study *s)
{
    size_t n = 0;
    for (int k = 0; k < REPORT_N_STAGES; k++)
        n += s->has[k] != 0;
    return n;
}

/* The stage id of the i-th stage the study has (−1 past the end). */
int report_study_stage_id(const dac_report_study *s, size_t i)
{
    for (int k = 0; k < REPORT_N_STAGES; k++)
        if (s->has[k] && i-- == 0)
            return k;
    return -1;
}

const char *dac_report_study_stage_name(const dac_report_study *s, size_t i)
{
    int k = report_study_stage_id(s, i);
    return k < 0 ? NULL : report_stage_names[k];
}

int dac_report_study_write_text(const dac_report_study *s, const char *outdir, int *kept)
{
    *kept = 0;
    int st = dac_make_dirs(outdir);
    if (st != DAC_OK)
        return st;
    char *path = dac_path_join(outdir, "study.yaml");
    if (!path)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    char *old = NULL;
    size_t old_len = 0;
    if (access(path, F_OK) == 0) {
        st = dac_read_file(path, (size_t)16 << 20, &old, &old_len);
        /* the user's edits are worth more than a copy of the default */
        *kept = st == DAC_OK && (old_len != s->len || memcmp(old, s->text, s->len) != 0);
    } else {
        dac_outset *set;
        FILE *f;
        st = dac_outset_create_file(path, &set, &f);
        if (st == DAC_OK)
            st = dac_outset_finish(set, fwrite(s->text, 1, s->len, f) == s->len ? DAC_OK
                                   : dac_error(DAC_ERR_RUNTIME, "%s: write failed", path));
    }
    free(old);
    free(path);
    return st;
}

const char *report_study_default_name(void) { return DEFAULT_NAME; }

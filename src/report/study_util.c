/*
 * study_util.c — what the stages share: the outcomes a study images and explains, and
 * the formatting of numbers for the page.
 *
 * Outcomes are the synthesis runs (listed by make in OUTDIR/make/summary.json, each
 * with the final.extxyz of every seed) followed by the structures the study names. The
 * see and explain stages read that list from the file, not from memory, so they work
 * the same whether make ran now or was kept from an earlier run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/io.h"
#include "dac/core.h"
#include "report/plot.h"
#include "report/study_internal.h"

/* ------------------------------------------------------------ numbers ------------- */

static const char *const superscript[] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};

/* Replaces a leading '-' by U+2212 in place (buf has room for two more bytes). */
static void real_minus(char *buf, size_t size)
{
    size_t n = strlen(buf);
    if (buf[0] != '-' || n + 3 > size)
        return;
    memmove(buf + 3, buf + 1, n);
    memcpy(buf, "\xE2\x88\x92", 3);
}

void report_format(char *buf, size_t size, double v, int digits)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "—");
        return;
    }
    double a = fabs(v);
    if (a != 0 && (a < 1e-3 || a >= 1e6)) {
        char m[64];
        int e;
        snprintf(m, sizeof m, "%.*e", digits > 1 ? digits - 1 : 0, v);
        char *x = strchr(m, 'e');
        e = atoi(x + 1);
        *x = '\0';
        if (strchr(m, '.')) { /* 1.50 → 1.5, 1.00 → 1 */
            while (x[-1] == '0')
                *--x = '\0';
            if (x[-1] == '.')
                *--x = '\0';
        }
        char exp[32] = "";
        char digs[16];
        snprintf(digs, sizeof digs, "%d", e < 0 ? -e : e);
        if (e < 0)
            strcat(exp, "⁻");
        for (const char *p = digs; *p; p++)
            strcat(exp, superscript[*p - '0']);
        if (!strcmp(m, "1") || !strcmp(m, "-1"))
            snprintf(buf, size, "%s10%s", m[0] == '-' ? "-" : "", exp);
        else
            snprintf(buf, size, "%s×10%s", m, exp);
    } else if (a >= pow(10, digits)) {
        /* 16 896 rather than 1.69e+04: whole, from 10⁴ in groups of three (narrow no-break
         * space, as SI writes them) */
        char d[32], *w = buf;
        snprintf(d, sizeof d, "%.0f", a);
        size_t n = strlen(d);
        if (v < 0 && size > 1)
            *w++ = '-';
        for (size_t i = 0; i < n && (size_t)(w - buf) + 5 < size; i++) {
            if (i && n > 4 && (n - i) % 3 == 0)
                memcpy(w, "\xE2\x80\xAF", 3), w += 3;
            *w++ = d[i];
        }
        *w = '\0';
    } else {
        snprintf(buf, size, "%.*g", digits, v);
    }
    real_minus(buf, size);
}

void report_format_percent(char *buf, size_t size, double fraction, int digits)
{
    char v[48];
    report_format(v, sizeof v, 100 * fraction, digits);
    snprintf(buf, size, isfinite(fraction) ? "%s %%" : "%s", v);
}

void report_format_interval(char *buf, size_t size, double v, const double ci[2])
{
    char a[48], lo[48], hi[48];
    report_format(a, sizeof a, v, 3);
    if (!isfinite(v) || !isfinite(ci[0]) || !isfinite(ci[1])) {
        snprintf(buf, size, "%s", a);
        return;
    }
    report_format(lo, sizeof lo, ci[0], 3);
    report_format(hi, sizeof hi, ci[1], 3);
    snprintf(buf, size, "%s [%s, %s]", a, lo, hi);
}

void report_cell_number(report_list *cells, double v, int digits)
{
    char buf[64];
    report_format(buf, sizeof buf, v, digits);
    report_list_add(cells, buf);
}

void report_cell_percent(report_list *cells, double fraction, int digits)
{
    char buf[64];
    report_format_percent(buf, sizeof buf, fraction, digits);
    report_list_add(cells, buf);
}

void report_cell_interval(report_list *cells, double v, const double ci[2])
{
    char buf[160];
    report_format_interval(buf, sizeof buf, v, ci);
    report_list_add(cells, buf);
}

int report_table(dac_report *page, const char *caption, size_t n_cols, const char *const *head,
                 report_list *cells)
{
    int rc = cells->failed ? dac_error(DAC_ERR_NOMEM, "out of memory")
             : cells->n % n_cols ? dac_error(DAC_ERR_USAGE, "table \"%s\": %zu cells for %zu columns",
                                             caption, cells->n, n_cols)
             : dac_report_add_table(page, caption, n_cols, head, cells->n / n_cols,
                                    (const char *const *)cells->item);
    report_list_free(cells);
    return rc;
}

static int plot_categories(dac_plot *p, const report_list *names)
{
    if (names->failed)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    int rc = dac_plot_set_range(p, 'x', 0.4, (double)names->n + 0.6);
    if (rc != DAC_OK)
        return rc;
    size_t len = 64;
    for (size_t i = 0; i < names->n; i++)
        len += strlen(names->item[i]) + 24;
    char *tics = malloc(len);
    if (!tics)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    size_t w = (size_t)snprintf(tics, len, "set xtics noenhanced rotate by -25 (");
    for (size_t i = 0; i < names->n; i++)
        w += (size_t)snprintf(tics + w, len - w, "%s'%s' %zu", i ? ", " : "", names->item[i], i + 1);
    snprintf(tics + w, len - w, ")");
    rc = dac_plot_add_command(p, tics);
    free(tics);
    return rc;
}

void report_mean_sd(const double *v, size_t n, double *mean, double *sd)
{
    double s = 0, ss = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            s += v[i], m++;
    *mean = m ? s / (double)m : NAN;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            ss += (v[i] - *mean) * (v[i] - *mean);
    *sd = m > 1 ? sqrt(ss / (double)(m - 1)) : NAN;
}

double report_json_number(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* ------------------------------------------------------------ outcomes ------------ */

void report_outcomes_free(report_outcome *o, size_t n)
{
    for (size_t i = 0; o && i < n; i++) {
        for (size_t k = 0; k < o[i].n_files; k++)
            free(o[i].files[k]);
        free(o[i].files), free(o[i].name), free(o[i].title);
    }
    free(o);
}

static int add_outcome(report_outcome *o, const char *name, const char *title)
{
    o->name = strdup(name);
    o->title = strdup(title && *title ? title : name);
    return o->name && o->title ? DAC_OK : dac_error(DAC_ERR_NOMEM, "out of memory");
}

static int add_file(report_outcome *o, const char *dir, const char *file)
{
    char **f = realloc(o->files, (o->n_files + 1) * sizeof *f);
    if (!f)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    o->files = f;
    size_t n = (dir ? strlen(dir) + 1 : 0) + strlen(file) + 1;
    if (!(f[o->n_files] = malloc(n)))
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    snprintf(f[o->n_files++], n, "%s%s%s", dir ? dir : "", dir ? "/" : "", file);
    return DAC_OK;
}

/* The outcomes of OUTDIR/make/summary.json: {"outcomes": [{"name", "title",
 * "structures": ["RUN/seed_S/final.extxyz", …]}]} with paths inside make/. */
static int read_made(const char *outdir, report_outcome **o, size_t *n)
{
    char *dir = dac_path_join(outdir, "make"), *path = dir ? dac_path_join(dir, "summary.json") : NULL;
    char *text = NULL;
    if (!dir || !path) {
        free(dir), free(path);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    size_t tl;
    int st = dac_read_file(path, (size_t)64 << 20, &text, &tl);
    cJSON *j = st == DAC_OK ? cJSON_ParseWithLength(text, tl) : NULL;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "outcomes");
    if (st == DAC_OK && !cJSON_IsArray(list))
        st = dac_error(DAC_ERR_INPUT, "%s: no list 'outcomes' (not written by dac run's make stage)", path);
    size_t m = st == DAC_OK ? (size_t)cJSON_GetArraySize(list) : 0;
    report_outcome *out = st == DAC_OK ? calloc(m + 1, sizeof *out) : NULL;
    if (st == DAC_OK && !out)
        st = dac_error(DAC_ERR_NOMEM, "out of memory");
    size_t k = 0;
    for (const cJSON *e = st == DAC_OK ? list->child : NULL; e && st == DAC_OK; e = e->next, k++) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
        const cJSON *title = cJSON_GetObjectItemCaseSensitive(e, "title");
        const cJSON *files = cJSON_GetObjectItemCaseSensitive(e, "structures");
        if (!cJSON_IsString(name) || !cJSON_IsArray(files) || !cJSON_GetArraySize(files)) {
            st = dac_error(DAC_ERR_INPUT, "%s: outcome %zu has no name or structures", path, k);
            break;
        }
        st = add_outcome(&out[k], name->valuestring, cJSON_IsString(title) ? title->valuestring : NULL);
        for (const cJSON *f = files->child; f && st == DAC_OK; f = f->next)
            st = cJSON_IsString(f) && !strstr(f->valuestring, "..") && f->valuestring[0] != '/'
                     ? add_file(&out[k], dir, f->valuestring)
                     : dac_error(DAC_ERR_INPUT, "%s: outcome %s: a structure path outside make/", path,
                                 name->valuestring);
    }
    cJSON_Delete(j);
    free(text), free(dir), free(path);
    if (st != DAC_OK) {
        report_outcomes_free(out, m + 1);
        return st;
    }
    *o = out;
    *n = m;
    return DAC_OK;
}

int report_outcomes_read(const dac_report_study *s, const char *outdir, report_outcome **out,
                         size_t *n)
{
    report_outcome *o = NULL;
    size_t m = 0;
    int st = DAC_OK;
    if (s->has[REPORT_MAKE]) {
        st = read_made(outdir, &o, &m);
        if (st != DAC_OK) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s", dac_last_error());
            return dac_error(st, "%s (this stage images what stage 'make' made: run it first)", msg);
        }
    }
    report_outcome *all = realloc(o, (m + s->n_structures + 1) * sizeof *all);
    if (!all) {
        report_outcomes_free(o, m);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    memset(all + m, 0, (s->n_structures + 1) * sizeof *all);
    for (size_t i = 0; i < s->n_structures && st == DAC_OK; i++) {
        st = add_outcome(&all[m + i], s->structures[i].name, s->structures[i].title);
        if (st == DAC_OK)
            st = add_file(&all[m + i], NULL, s->structures[i].path);
    }
    for (size_t i = 0; i < s->n_structures && st == DAC_OK; i++)
        for (size_t j = 0; j < m; j++)
            if (!strcmp(all[j].name, s->structures[i].name))
                st = dac_error(DAC_ERR_INPUT, "%s: structure '%s' has the name of a synthesis run",
                               s->name, s->structures[i].name);
    if (st != DAC_OK) {
        report_outcomes_free(all, m + s->n_structures);
        return st;
    }
    *out = all;
    *n = m + s->n_structures;
    return DAC_OK;
}

int report_write_purity_figure(dac_plot *p, const report_list *names, dac_outset *set,
                               const char *name)
{
    int rc = dac_plot_set_range(p, 'y', 0, 1.05);
    if (rc == DAC_OK)
        rc = plot_categories(p, names);
    if (rc == DAC_OK)
        rc = dac_plot_add_command(p, "set key top left");
    return rc == DAC_OK ? dac_plot_write(p, set, name) : rc;
}

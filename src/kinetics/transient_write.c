/*
 * transient_write.c — a transient's files as one set beside OUT.csv: the table OUT.csv
 * (one row per sample), the record OUT.json ("dac kinetics transient") and the TON
 * figure OUT-ton.{csv,gp,svg,png}. With one mechanism the table has every coverage,
 * TOF and TON; with several (the same times) it has each mechanism's TOF and TON,
 * suffixed with its name, so their curves can be compared in one figure.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/json.h"
#include "core/outset.h"
#include "kinetics/kin_output.h"
#include "report/plot.h"

#define HEAD_MAX 160

typedef struct {
    size_t n_cols, n_rows;
    char (*head)[HEAD_MAX];
    double *v; /* n_rows × n_cols */
    size_t *ton_col; /* the TON columns (for the figure) */
    size_t n_ton;
} table;

static void table_free(table *tb)
{
    free(tb->head);
    free(tb->v);
    free(tb->ton_col);
}

static size_t column_count(const dac_kinetics_transient *const *t, size_t n)
{
    size_t c = 1;
    for (size_t d = 0; d < n; d++)
        c += (n == 1 ? t[d]->n_states : 0) + 2 * t[d]->n_products;
    return c;
}

static int build_table(const dac_kinetics_transient *const *t, size_t n, table *tb)
{
    memset(tb, 0, sizeof *tb);
    tb->n_cols = column_count(t, n);
    tb->n_rows = t[0]->n_points;
    tb->head = malloc(tb->n_cols * sizeof *tb->head);
    tb->v = malloc(tb->n_cols * tb->n_rows * sizeof *tb->v);
    tb->ton_col = malloc(tb->n_cols * sizeof *tb->ton_col);
    if (!tb->head || !tb->v || !tb->ton_col)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    size_t c = 0;
    snprintf(tb->head[c], HEAD_MAX, "time_s");
    for (size_t i = 0; i < tb->n_rows; i++)
        tb->v[i * tb->n_cols + c] = t[0]->t[i];
    c++;
    for (size_t d = 0; d < n; d++) {
        const dac_kinetics_transient *x = t[d];
        const dac_kinetics_model *m = x->m;
        char suffix[KIN_NAME_MAX + 2] = "";
        if (n > 1)
            snprintf(suffix, sizeof suffix, "_%s", m->name);
        for (size_t s = 0; n == 1 && s < x->n_states; s++, c++) {
            snprintf(tb->head[c], HEAD_MAX, "theta_%s", m->species[m->state_species[s]].name);
            for (size_t i = 0; i < tb->n_rows; i++)
                tb->v[i * tb->n_cols + c] = x->theta[i * x->n_states + s];
        }
        for (size_t p = 0; p < x->n_products; p++) {
            const char *pn = m->species[m->products[p].species].name;
            snprintf(tb->head[c], HEAD_MAX, "TOF_%s%s_per_s", pn, suffix);
            snprintf(tb->head[c + 1], HEAD_MAX, "TON_%s%s", pn, suffix);
            for (size_t i = 0; i < tb->n_rows; i++) {
                tb->v[i * tb->n_cols + c] = x->tof[i * x->n_products + p];
                tb->v[i * tb->n_cols + c + 1] = x->ton[i * x->n_products + p];
            }
            tb->ton_col[tb->n_ton++] = c + 1;
            c += 2;
        }
    }
    return DAC_OK;
}

static int write_csv(dac_outset *set, const char *name, const table *tb)
{
    FILE *f;
    int st = dac_outset_open(set, name, &f);
    if (st)
        return st;
    for (size_t c = 0; c < tb->n_cols; c++)
        dac_csv_write_field(f, tb->head[c], c + 1 == tb->n_cols);
    for (size_t i = 0; i < tb->n_rows; i++)
        for (size_t c = 0; c < tb->n_cols; c++)
            dac_csv_write_number(f, tb->v[i * tb->n_cols + c], c + 1 == tb->n_cols);
    return DAC_OK;
}

static cJSON *record(const dac_kinetics_transient *const *t, size_t n, const dac_provenance *prov)
{
    cJSON *rec = dac_json_record("dac kinetics transient", prov);
    cJSON *arr = rec ? cJSON_AddArrayToObject(rec, "mechanisms") : NULL;
    for (size_t d = 0; arr && d < n; d++) {
        const dac_kinetics_transient *x = t[d];
        const dac_kinetics_model *m = x->m;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, o);
        kin_json_model(o, m);
        dac_json_number(o, "t_end_s", x->t_end, NULL);
        dac_json_count(o, "samples", x->n_points);
        dac_json_string(o, "spacing", x->log_spacing ? "logarithmic from 1e-9 t_end" : "linear");
        dac_json_number(o, "site_balance_error", x->balance_error, NULL);
        size_t last = x->n_points - 1;
        cJSON *fin = cJSON_AddObjectToObject(o, "final");
        cJSON *ton = cJSON_AddObjectToObject(fin, "TON");
        cJSON *tof = cJSON_AddObjectToObject(fin, "TOF_per_s");
        /* the peak TOF of the samples is what a measured initial TOF compares with */
        cJSON *peak = cJSON_AddObjectToObject(o, "peak_TOF_per_s");
        cJSON *when = cJSON_AddObjectToObject(o, "peak_TOF_time_s");
        for (size_t p = 0; p < x->n_products; p++) {
            const char *pn = m->species[m->products[p].species].name;
            dac_json_number(ton, pn, x->ton[last * x->n_products + p], NULL);
            dac_json_number(tof, pn, x->tof[last * x->n_products + p], NULL);
            size_t best = 0;
            for (size_t i = 1; i < x->n_points; i++)
                if (x->tof[i * x->n_products + p] > x->tof[best * x->n_products + p])
                    best = i;
            dac_json_number(peak, pn, x->tof[best * x->n_products + p], NULL);
            dac_json_number(when, pn, x->t[best], NULL);
        }
        cJSON *cov = cJSON_AddObjectToObject(fin, "coverages");
        for (size_t s = 0; s < x->n_states; s++)
            dac_json_number(cov, m->species[m->state_species[s]].name, x->theta[last * x->n_states + s], NULL);
    }
    return rec;
}

static int ton_figure(dac_outset *set, const char *name, const table *tb, int log_x)
{
    const char **hp = malloc(tb->n_cols * sizeof *hp);
    if (!hp)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t c = 0; c < tb->n_cols; c++)
        hp[c] = tb->head[c];
    dac_plot *p = NULL;
    int st = dac_plot_create("Turnover number", "time (s)", "TON", &p);
    /* a log time axis cannot show t = 0 */
    size_t skip = log_x ? 1 : 0;
    if (st == DAC_OK)
        st = dac_plot_set_table(p, tb->n_cols, hp, tb->n_rows - skip, tb->v + skip * tb->n_cols);
    for (size_t k = 0; st == DAC_OK && k < tb->n_ton; k++)
        st = dac_plot_add_series(p, 0, tb->ton_col[k], tb->head[tb->ton_col[k]], DAC_PLOT_LINES);
    if (st == DAC_OK) {
        dac_plot_set_log(p, log_x, 0);
        st = dac_plot_write(p, set, name);
    }
    dac_plot_free(p);
    free(hp);
    return st;
}

int dac_kinetics_transient_write(const dac_kinetics_transient *const *t, size_t n,
                                 const char *csv_path, int plot, const dac_provenance *prov)
{
    char dir[4096], base[1024], name[1100];
    if (!t || n == 0 || !csv_path)
        return dac_error(DAC_ERR_USAGE, "dac_kinetics_transient_write: nothing to write");
    for (size_t d = 1; d < n; d++)
        if (t[d]->n_points != t[0]->n_points || t[d]->t[t[d]->n_points - 1] != t[0]->t[t[0]->n_points - 1])
            return dac_error(DAC_ERR_USAGE, "transients written together need the same times");
    int st = kin_split_path(csv_path, ".csv", dir, sizeof dir, base, sizeof base);
    if (st)
        return st;
    table tb;
    if ((st = build_table(t, n, &tb))) {
        table_free(&tb);
        return st;
    }
    dac_outset *set = NULL;
    st = dac_outset_create_beside(dir, &set);
    snprintf(name, sizeof name, "%s.csv", base);
    st = st ? st : write_csv(set, name, &tb);
    cJSON *rec = st ? NULL : record(t, n, prov);
    snprintf(name, sizeof name, "%s.json", base);
    if (st == DAC_OK)
        st = rec ? dac_outset_json(set, name, rec) : dac_error(DAC_ERR_NOMEM, "out of memory");
    cJSON_Delete(rec);
    snprintf(name, sizeof name, "%s-ton", base);
    if (st == DAC_OK && plot)
        st = ton_figure(set, name, &tb, t[0]->log_spacing);
    table_free(&tb);
    return set ? dac_outset_finish(set, st) : st;
}

/*
 * sweep_plot.c — the figure of a one-axis sweep, drawn from the sweep's own table:
 *   polarisation  |j| and every partial |j_p| against U, FE of every product (%) on
 *                 the right axis;
 *   tafel         U against log10 |j| (total and partial);
 *   volcano       log10 of a column (default: every TOF) against the axis, with
 *                 marked positions and measured points from another CSV;
 *   curve         one column as it is against the axis (a selectivity, an FE).
 * Unconverged points are empty cells in the table, so the curves show the gap.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/parse.h"
#include "kinetics/kin_output.h"
#include "report/plot.h"

#define MAX_SERIES 64
#define HEAD 160

typedef struct {
    size_t n_rows, n_cols;
    double *v;
    char head[MAX_SERIES][HEAD];
} ptable;

/* A field as a number; empty (or not a number) is NaN. */
static double field(const dac_csv *tab, size_t row, long col)
{
    double v;
    if (col < 0 || dac_parse_double(dac_csv_field(tab, row, (size_t)col), &v) != DAC_OK)
        return NAN;
    return v;
}

static int add_col(ptable *t, const char *head)
{
    if (t->n_cols == MAX_SERIES)
        return dac_error(DAC_ERR_USAGE, "too many series for one figure");
    snprintf(t->head[t->n_cols], HEAD, "%s", head);
    return (int)t->n_cols++;
}

static void put(ptable *t, size_t row, int col, double v) { t->v[row * MAX_SERIES + (size_t)col] = v; }

static int finish(dac_plot *p, const ptable *t, dac_outset *set, const char *name)
{
    const char *hp[MAX_SERIES];
    double *rows = malloc((t->n_rows ? t->n_rows : 1) * (t->n_cols ? t->n_cols : 1) * sizeof *rows);
    if (!rows)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t c = 0; c < t->n_cols; c++)
        hp[c] = t->head[c];
    for (size_t r = 0; r < t->n_rows; r++)
        for (size_t c = 0; c < t->n_cols; c++)
            rows[r * t->n_cols + c] = t->v[r * MAX_SERIES + c];
    int st = dac_plot_set_table(p, t->n_cols, hp, t->n_rows, rows);
    free(rows);
    return st ? st : dac_plot_write(p, set, name);
}

static int electrochemical(const dac_kinetics_model *m, const dac_csv *tab, ptable *t, dac_plot *p,
                           int tafel)
{
    int st = DAC_OK;
    long jc = dac_csv_column(tab, "j_mA_cm2");
    int x = add_col(t, tafel ? "log10_abs_j_mA_cm2" : "potential_V_RHE");
    int y = add_col(t, tafel ? "potential_V_RHE" : "abs_j_mA_cm2");
    for (size_t r = 0; r < t->n_rows; r++) {
        double U = field(tab, r, 0), j = fabs(field(tab, r, jc));
        put(t, r, x, tafel ? log10(j) : U);
        put(t, r, y, tafel ? U : j);
    }
    st = dac_plot_add_series(p, (size_t)x, (size_t)y, "total", DAC_PLOT_LINES);
    for (size_t q = 0; st == DAC_OK && q < dac_kinetics_model_product_count(m); q++) {
        const char *pn = dac_kinetics_model_product_name(m, q);
        char h[HEAD];
        snprintf(h, sizeof h, "j_%s_mA_cm2", pn);
        long pc = dac_csv_column(tab, h);
        if (pc < 0)
            continue;
        snprintf(h, sizeof h, tafel ? "log10_abs_j_%s_mA_cm2" : "abs_j_%s_mA_cm2", pn);
        int c = add_col(t, h);
        int cu = tafel ? add_col(t, "potential_V_RHE_") : x;
        for (size_t r = 0; r < t->n_rows; r++) {
            double j = fabs(field(tab, r, pc));
            put(t, r, c, tafel ? log10(j) : j);
            if (tafel)
                put(t, r, cu, field(tab, r, 0));
        }
        char title[HEAD];
        snprintf(title, sizeof title, "%s", pn);
        st = tafel ? dac_plot_add_series(p, (size_t)c, (size_t)cu, title, DAC_PLOT_LINES)
                   : dac_plot_add_series(p, (size_t)x, (size_t)c, title, DAC_PLOT_LINES);
        if (tafel || st)
            continue;
        snprintf(h, sizeof h, "FE_%s", pn);
        long fc = dac_csv_column(tab, h);
        snprintf(h, sizeof h, "FE_%s_percent", pn);
        int f = add_col(t, h);
        for (size_t r = 0; r < t->n_rows; r++)
            put(t, r, f, 100 * field(tab, r, fc));
        snprintf(title, sizeof title, "FE %s (right)", pn);
        st = dac_plot_add_series(p, (size_t)x, (size_t)f, title, DAC_PLOT_LINESPOINTS);
        if (st == DAC_OK) /* series: total, then partial and FE of each product */
            st = dac_plot_set_series_options(p, 2 * q + 2, "axes x1y2");
    }
    if (st == DAC_OK && !tafel) {
        st = dac_plot_set_y2label(p, "Faradaic efficiency (%)");
        st = st ? st : dac_plot_add_command(p, "set y2range [0:100]");
        st = st ? st : dac_plot_add_command(p, "set ytics nomirror");
        st = st ? st : dac_plot_add_command(p, "set y2tics");
    }
    return st;
}

/* "X=LABEL": a dashed vertical line with the label near the top. */
static int mark(dac_plot *p, const char *spec)
{
    const char *eq = strchr(spec, '=');
    double x;
    char num[64], cmd[512];
    if (!eq || (size_t)(eq - spec) >= sizeof num || strpbrk(eq + 1, "'\"\\\n"))
        return dac_error(DAC_ERR_USAGE, "--mark %s: expected X=LABEL (no quotes)", spec);
    snprintf(num, sizeof num, "%.*s", (int)(eq - spec), spec);
    if (dac_parse_double(num, &x) != DAC_OK)
        return dac_error(DAC_ERR_USAGE, "--mark %s: X must be a number", spec);
    snprintf(cmd, sizeof cmd, "set arrow from %.17g, graph 0 to %.17g, graph 1 nohead dt 2 lc rgb '#808080'", x, x);
    int st = dac_plot_add_command(p, cmd);
    snprintf(cmd, sizeof cmd, "set label '%s' at %.17g, graph 0.95 left offset 0.5,0", eq + 1, x);
    return st ? st : dac_plot_add_command(p, cmd);
}

static int overlay(ptable *t, dac_plot *p, const dac_kinetics_sweep_options *o)
{
    dac_csv *ov = NULL;
    int st = dac_csv_read(o->overlay_csv, &ov);
    if (st)
        return st;
    long cx = dac_csv_column(ov, o->overlay_x), cy = dac_csv_column(ov, o->overlay_y);
    if (cx < 0 || cy < 0) {
        dac_csv_free(ov);
        return dac_error(DAC_ERR_INPUT, "%s: no column '%s' or '%s'", o->overlay_csv,
                         o->overlay_x, o->overlay_y);
    }
    size_t n = dac_csv_rows(ov);
    if (n > t->n_rows) { /* grow the table with empty rows */
        double *v = realloc(t->v, n * MAX_SERIES * sizeof *v);
        if (!v) {
            dac_csv_free(ov);
            return dac_error(DAC_ERR_NOMEM, "out of memory");
        }
        for (size_t i = t->n_rows * MAX_SERIES; i < n * MAX_SERIES; i++)
            v[i] = NAN;
        t->v = v;
        t->n_rows = n;
    }
    int x = add_col(t, o->overlay_x), y = add_col(t, o->overlay_y);
    for (size_t r = 0; r < n && x >= 0 && y >= 0; r++) {
        if ((st = dac_csv_double(ov, r, (size_t)cx, &t->v[r * MAX_SERIES + (size_t)x])) ||
            (st = dac_csv_double(ov, r, (size_t)cy, &t->v[r * MAX_SERIES + (size_t)y])))
            break;
    }
    dac_csv_free(ov);
    return st ? st : dac_plot_add_series(p, (size_t)x, (size_t)y, "measured", DAC_PLOT_POINTS);
}

static int volcano(const dac_kinetics_model *m, const dac_csv *tab, ptable *t, dac_plot *p,
                   const dac_kinetics_sweep_options *o, int logy)
{
    int x = add_col(t, dac_csv_header(tab, 0)), st = DAC_OK;
    for (size_t r = 0; r < t->n_rows; r++)
        put(t, r, x, field(tab, r, 0));
    size_t n = o->volcano_column ? 1 : dac_kinetics_model_product_count(m);
    for (size_t k = 0; k < n && st == DAC_OK; k++) {
        char h[HEAD - 8];
        if (o->volcano_column)
            snprintf(h, sizeof h, "%s", o->volcano_column);
        else
            snprintf(h, sizeof h, "TOF_%s_per_s", dac_kinetics_model_product_name(m, k));
        long c = dac_csv_column(tab, h);
        if (c < 0)
            return dac_error(DAC_ERR_USAGE, "--plot volcano:%s: the sweep has no column '%s'", h, h);
        char lh[HEAD];
        snprintf(lh, sizeof lh, logy ? "log10_%s" : "%s", h);
        int y = add_col(t, lh);
        for (size_t r = 0; r < t->n_rows; r++) {
            double v = field(tab, r, c);
            put(t, r, y, !logy ? v : v > 0 ? log10(v) : NAN);
        }
        st = dac_plot_add_series(p, (size_t)x, (size_t)y, h, DAC_PLOT_LINES);
    }
    for (size_t k = 0; k < o->n_marks && st == DAC_OK; k++)
        st = mark(p, o->marks[k]);
    if (st == DAC_OK && o->overlay_csv)
        st = overlay(t, p, o);
    return st;
}

int kin_sweep_plot(dac_outset *set, const char *base, const dac_kinetics_model *m, const dac_csv *tab,
                   const dac_kinetics_sweep_options *o)
{
    int pol = o->plot == DAC_KINETICS_PLOT_POLARISATION, taf = o->plot == DAC_KINETICS_PLOT_TAFEL;
    if ((pol || taf) && strcmp(dac_csv_header(tab, 0), "potential_V_RHE"))
        return dac_error(DAC_ERR_USAGE, "--plot %s needs the potential as the --vary axis (U=…)",
                         pol ? "polarisation" : "tafel");
    if ((pol || taf) && dac_kinetics_model_is_dissolved(m))
        return dac_error(DAC_ERR_USAGE, "--plot %s: a dissolved catalyst has no current",
                         pol ? "polarisation" : "tafel");
    ptable t = {dac_csv_rows(tab), 0, NULL, {{0}}};
    t.v = malloc((t.n_rows ? t.n_rows : 1) * MAX_SERIES * sizeof *t.v);
    if (!t.v)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < (t.n_rows ? t.n_rows : 1) * MAX_SERIES; i++)
        t.v[i] = NAN;
    int curve = o->plot == DAC_KINETICS_PLOT_CURVE;
    char title[KIN_NAME_MAX + 32], name[1100];
    const char *kind = pol ? "polarisation" : taf ? "tafel" : curve ? "curve" : "volcano";
    snprintf(title, sizeof title, "%s: %s", dac_kinetics_model_name(m), kind);
    snprintf(name, sizeof name, "%s-%s", base, kind);
    dac_plot *p = NULL;
    int st = dac_plot_create(title, pol ? "U (V vs RHE)" : taf ? "log10 |j| (mA/cm²)" : dac_csv_header(tab, 0),
                             pol ? "|j| (mA/cm²)" : taf ? "U (V vs RHE)" : curve ? o->volcano_column : "log10 rate", &p);
    if (st == DAC_OK && curve && !o->volcano_column)
        st = dac_error(DAC_ERR_USAGE, "--plot curve:COLUMN needs a column");
    if (st == DAC_OK)
        st = pol || taf ? electrochemical(m, tab, &t, p, taf) : volcano(m, tab, &t, p, o, !curve);
    if (st == DAC_OK)
        st = finish(p, &t, set, name);
    dac_plot_free(p);
    free(t.v);
    return st;
}

/*
 * figure.c — the figure of a synthesis sweep: pair purity (and mean shell N of the
 * pairs) against the first --vary axis, the mean over repeats with its standard error.
 *
 * Drawn from the sweep's own table (read back with core's CSV reader, so ranks that ran
 * elsewhere need no second channel), as report/plot's four files NAME.csv, NAME.gp,
 * NAME.svg, NAME.png beside the table. With more axes, one pair-purity series per
 * combination of the others (at most eight; beyond that the figure is left out with a
 * warning). A statistic undefined in every repeat (no sites, no pairs) is an empty cell.
 */
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/sweep.h"
#include "report/plot.h"
#include "synth/synth_internal.h"

#define MAX_GROUPS 8

static const char *const stats[] = {"purity_site", "purity_atom", "hetero_purity_site", "mean_shell_N_pairs"};
#define N_STATS 4

/* Mean and standard error of the finite values among n. */
static void mean_sem(const double *v, size_t n, double *mean, double *sem)
{
    double s = 0, s2 = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            s += v[i];
            s2 += v[i] * v[i];
            k++;
        }
    *mean = k ? s / (double)k : NAN;
    *sem = k > 1 ? sqrt(fmax(0, s2 / (double)k - *mean * *mean) / (double)(k - 1)) : (k ? 0 : NAN);
}

/* value[point][stat][repeat] from the table (rows are runs: point · reps + repeat);
 * NaN for empty cells. */
static int read_values(const dac_csv *csv, size_t reps, double *value)
{
    for (size_t k = 0; k < N_STATS; k++) {
        long col = dac_csv_column(csv, stats[k]);
        if (col < 0)
            return dac_error(DAC_ERR_RUNTIME, "sweep figure: no column %s", stats[k]);
        for (size_t row = 0; row < dac_csv_rows(csv); row++) {
            double v = NAN;
            if (dac_csv_field(csv, row, (size_t)col)[0] && dac_csv_double(csv, row, (size_t)col, &v) != DAC_OK)
                return DAC_ERR_INPUT;
            value[((row / reps) * N_STATS + k) * reps + row % reps] = v;
        }
    }
    return DAC_OK;
}

int synth_sweep_figure(const char *csv_text, size_t len, const dac_sweep *s, dac_outset *set,
                       const char *name, const char *title_text)
{
    size_t n_ax = dac_sweep_axes(s), n0 = n_ax ? dac_sweep_axis_at(s, 0)->n : 1, groups = 1;
    for (size_t k = 1; k < n_ax; k++)
        groups *= dac_sweep_axis_at(s, k)->n;
    if (!n_ax || groups > MAX_GROUPS) {
        dac_warn("sweep figure: left out (%s)", n_ax ? "more than eight combinations of the "
                 "other axes" : "no axis");
        return DAC_OK;
    }
    size_t reps = dac_sweep_size(s) / (n0 * groups), points = n0 * groups;
    dac_csv *csv = NULL;
    int st = dac_csv_parse(csv_text, len, name, &csv);
    double *value = st ? NULL : malloc(points * N_STATS * reps * sizeof *value);
    size_t cols = 1 + groups * N_STATS * 2;
    double *table = st ? NULL : malloc(n0 * cols * sizeof *table);
    char **headers = st ? NULL : calloc(cols, sizeof *headers);
    if (!st && (!value || !table || !headers))
        st = dac_error(DAC_ERR_NOMEM, "sweep figure: out of memory");
    if (!st && dac_csv_rows(csv) != dac_sweep_size(s))
        st = dac_error(DAC_ERR_RUNTIME, "sweep figure: %zu rows for %zu runs", dac_csv_rows(csv), dac_sweep_size(s));
    if (!st)
        st = read_values(csv, reps, value);
    const dac_sweep_axis *x = n_ax ? dac_sweep_axis_at(s, 0) : NULL;
    for (size_t c = 0; !st && c < cols; c++) {
        char h[256];
        if (c == 0)
            snprintf(h, sizeof h, "%s", x->key);
        else
            snprintf(h, sizeof h, "%s%s_g%zu", stats[((c - 1) / 2) % N_STATS], (c - 1) % 2 ? "_sem" : "",
                     (c - 1) / (2 * N_STATS));
        if (!(headers[c] = strdup(h)))
            st = dac_error(DAC_ERR_NOMEM, "sweep figure: out of memory");
    }
    /* grid points are numbered with the first axis slowest: point = i0 · groups + g */
    for (size_t i0 = 0; !st && i0 < n0; i0++) {
        double *row = table + i0 * cols;
        double v[64];
        dac_sweep_point(s, i0 * groups * reps, v, NULL);
        row[0] = v[0];
        for (size_t g = 0; g < groups; g++)
            for (size_t k = 0; k < N_STATS; k++)
                mean_sem(value + ((i0 * groups + g) * N_STATS + k) * reps, reps,
                         &row[1 + (g * N_STATS + k) * 2], &row[2 + (g * N_STATS + k) * 2]);
    }
    dac_plot *p = NULL;
    if (!st)
        st = dac_plot_create(title_text, x->key, "pair purity", &p);
    if (!st)
        st = dac_plot_set_table(p, cols, (const char *const *)headers, n0, table);
    for (size_t g = 0; !st && g < groups; g++) {
        char title[256] = "pairs / sites";
        if (groups > 1) { /* name the group by the other axes' values */
            double v[64];
            size_t len_t = 0;
            dac_sweep_point(s, g * reps, v, NULL);
            for (size_t k = 1; k < n_ax && len_t < sizeof title; k++)
                len_t += (size_t)snprintf(title + len_t, sizeof title - len_t, "%s%s=%g", k > 1 ? ", " : "",
                                          dac_sweep_axis_at(s, k)->key, v[k]);
        }
        st = dac_plot_add_series(p, 0, 1 + g * N_STATS * 2, title, DAC_PLOT_ERRORLINES);
    }
    if (!st && groups == 1) {
        st = dac_plot_add_series(p, 0, 3, "2 × pairs / metal atoms", DAC_PLOT_ERRORLINES);
        int hetero = 0, shell = 0;
        for (size_t i0 = 0; i0 < n0; i0++) {
            hetero |= table[i0 * cols + 5] > 0;
            shell |= isfinite(table[i0 * cols + 7]);
        }
        if (!st && hetero)
            st = dac_plot_add_series(p, 0, 5, "heteronuclear pairs / sites", DAC_PLOT_ERRORLINES);
        if (!st && shell && (st = dac_plot_set_y2label(p, "mean shell N of the pairs")) == DAC_OK) {
            size_t series = 2 + (size_t)hetero;
            st = dac_plot_add_series(p, 0, 7, "mean shell N of pairs (right axis)", DAC_PLOT_ERRORLINES);
            if (!st)
                st = dac_plot_set_series_options(p, series, "axes x1y2 dt 2");
            if (!st)
                st = dac_plot_add_command(p, "set y2range [0:*]");
        }
    }
    if (!st)
        st = dac_plot_set_range(p, 'y', 0, 1.05);
    if (!st)
        st = dac_plot_write(p, set, name);
    dac_plot_free(p);
    for (size_t c = 0; headers && c < cols; c++)
        free(headers[c]);
    free(headers);
    free(table);
    free(value);
    dac_csv_free(csv);
    return st;
}

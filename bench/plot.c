/*
 * bench/plot.c — how fast is a figure (src/report/plot.c), and what do figures look
 * like: writes a gallery of example figures into OUTDIR (two series with error bars, a
 * histogram with its chance expectation, a log-y plot with a label, a second y axis, a
 * confidence band, an empty figure), then times figures of N_ROWS points. Most of the
 * time is gnuplot's; dac's own share (CSV and script text) is timed apart.
 * The numbers are illustrations of the styles, not results.
 * Usage: plot [OUTDIR [N_ROWS]]   (default /tmp/plot-demo, 100000)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/outset.h"
#include "dac/core.h"
#include "bench_time.h"
#include "report/plot.h"

static int fail(const char *what)
{
    fprintf(stderr, "plot: %s: %s\n", what, dac_last_error());
    return 1;
}

/* A figure with its table; *st says whether it worked. */
static dac_plot *figure_with(const char *title, const char *xlabel, const char *ylabel,
                             size_t n_cols, const char *const *headers, size_t n_rows,
                             const double *rows, int *st)
{
    dac_plot *p = NULL;
    *st = dac_plot_create(title, xlabel, ylabel, &p);
    if (*st == DAC_OK)
        *st = dac_plot_set_table(p, n_cols, headers, n_rows, rows);
    return p;
}

/* Writes the figure when all went well, and frees it. */
static int finish(dac_plot *p, int st, dac_outset *set, const char *name)
{
    if (st == DAC_OK)
        st = dac_plot_write(p, set, name);
    dac_plot_free(p);
    return st;
}

/* Purity against loading for two routes, ± one standard error. */
static int errorbars(dac_outset *set)
{
    const char *h[] = {"loading_wt_pct", "purity_template", "purity_template_se",
                       "purity_copyrolysis", "purity_copyrolysis_se"};
    double rows[8 * 5];
    for (int i = 0; i < 8; i++) {
        double w = 0.5 + 0.5 * i;
        double *r = rows + 5 * i;
        r[0] = w, r[1] = 0.92 - 0.03 * w, r[2] = 0.02 + 0.004 * w;
        r[3] = 0.80 * exp(-0.35 * w), r[4] = 0.03 + 0.003 * w;
    }
    int st;
    dac_plot *p = figure_with("Dimer purity against metal loading", "metal loading (wt %)",
                              "dimer purity (fraction of sites)", 5, h, 8, rows, &st);
    if (st == DAC_OK)
        st = dac_plot_add_series(p, 0, 1, "template pyrolysis", DAC_PLOT_ERRORLINES);
    if (st == DAC_OK)
        st = dac_plot_add_series(p, 0, 3, "co-pyrolysis", DAC_PLOT_ERRORLINES);
    if (st == DAC_OK)
        st = dac_plot_set_range(p, 'y', 0, 1);
    return finish(p, st, set, "purity");
}

/* Nearest-neighbour distances of counted atoms with the chance expectation. */
static int histogram(dac_outset *set)
{
    const char *h[] = {"distance_A", "pairs_count", "chance_count"};
    double rows[40 * 3];
    for (int i = 0; i < 40; i++) {
        double d = 0.05 + 0.1 * i, *r = rows + 3 * i;
        r[0] = d;
        r[1] = round(60 * exp(-0.5 * pow((d - 2.5) / 0.25, 2)) + 12 * d * exp(-d / 1.5));
        r[2] = 12 * d * exp(-d / 1.5);
    }
    int st;
    dac_plot *p = figure_with("Nearest-neighbour distances of counted atoms", "distance (Å)",
                              "pairs per 0.1 Å bin", 3, h, 40, rows, &st);
    if (st == DAC_OK)
        st = dac_plot_add_series(p, 0, 1, "counted pairs", DAC_PLOT_BOXES);
    if (st == DAC_OK)
        st = dac_plot_add_series(p, 0, 2, "chance (random placement)", DAC_PLOT_LINES);
    if (st == DAC_OK)
        st = dac_plot_add_label(p, 2.85, 62, "Ni–Ni 2.5 Å");
    return finish(p, st, set, "pair_hist");
}

/* Tafel-like current densities over five decades, with a missing point. */
static int log_y(dac_outset *set)
{
    const char *h[] = {"potential_V_RHE", "j_single_mA_cm2", "j_dual_mA_cm2"};
    double rows[25 * 3];
    for (int i = 0; i < 25; i++) {
        double e = -0.1 - 0.025 * i, *r = rows + 3 * i;
        r[0] = e;
        r[1] = 1e-3 * exp(-e / 0.059 * log(10) / 2);
        r[2] = i == 12 ? NAN : 5e-3 * exp(-e / 0.045 * log(10) / 2);
    }
    int st;
    dac_plot *p = figure_with("CO₂ reduction: partial current density", "potential (V vs RHE)",
                              "j_CO (mA/cm²)", 3, h, 25, rows, &st);
    if (st == DAC_OK)
        dac_plot_set_log(p, 0, 1);
    if (st == DAC_OK)
        st = dac_plot_add_series(p, 0, 1, "single site Ni–N₄", DAC_PLOT_LINESPOINTS);
    if (st == DAC_OK)
        st = dac_plot_add_series(p, 0, 2, "dual site Ni₂–N₆", DAC_PLOT_LINESPOINTS);
    return finish(p, st, set, "current_log");
}

/* Polarisation curve with Faradaic efficiency on a second y axis. */
static int second_axis(dac_outset *set)
{
    const char *h[] = {"potential_V_RHE", "j_total_mA_cm2", "FE_CO_pct"};
    double rows[20 * 3];
    for (int i = 0; i < 20; i++) {
        double e = -0.3 - 0.04 * i, *r = rows + 3 * i;
        r[0] = e, r[1] = 0.2 * exp(-(e + 0.3) / 0.12), r[2] = 98 / (1 + exp((-e - 0.9) / 0.08));
    }
    int st;
    dac_plot *p = figure_with("Polarisation and selectivity", "potential (V vs RHE)",
                              "total current density (mA/cm²)", 3, h, 20, rows, &st);
    if (st == DAC_OK)
        st = dac_plot_set_y2label(p, "Faradaic efficiency for CO (%)");
    if (st == DAC_OK)
        st = dac_plot_add_series(p, 0, 1, "current density", DAC_PLOT_LINES);
    if (st == DAC_OK)
        st = dac_plot_add_series(p, 0, 2, "FE(CO)", DAC_PLOT_LINESPOINTS);
    if (st == DAC_OK)
        st = dac_plot_set_series_options(p, 1, "axes x1y2");
    if (st == DAC_OK)
        st = dac_plot_add_command(p, "set y2range [0:100]");
    return finish(p, st, set, "polarisation");
}

/* A mean with its 95 % band and asymmetric intervals from a few images. */
static int band(dac_outset *set)
{
    const char *h[] = {"temperature_K", "purity_mean", "purity_lo95", "purity_hi95",
                       "purity_counted", "purity_counted_lo95", "purity_counted_hi95"};
    double rows[9 * 7];
    for (int i = 0; i < 9; i++) {
        double t = 900 + 25 * i, m = 0.5 + 0.4 / (1 + exp((t - 1000) / 40)), *r = rows + 7 * i;
        r[0] = t, r[1] = m, r[2] = m - 0.05, r[3] = m + 0.05;
        r[4] = m + 0.03 * sin(i), r[5] = r[4] - 0.12 + 0.05 * r[4], r[6] = fmin(1, r[4] + 0.08);
    }
    int st;
    dac_plot *p = figure_with("Purity against pyrolysis temperature", "temperature (K)",
                              "dimer purity", 7, h, 9, rows, &st);
    if (st == DAC_OK)
        st = dac_plot_add_series(p, 0, 2, "simulation, 95 % band", DAC_PLOT_BAND);
    if (st == DAC_OK)
        st = dac_plot_add_series(p, 0, 1, "simulation, mean", DAC_PLOT_LINES);
    if (st == DAC_OK)
        st = dac_plot_add_series(p, 0, 4, "counted, Wilson 95 %", DAC_PLOT_INTERVALS);
    return finish(p, st, set, "band");
}

static int empty(dac_outset *set)
{
    const char *h[] = {"distance_A", "count"};
    double rows[] = {1, NAN, 2, NAN};
    int st;
    dac_plot *p = figure_with("No pairs found", "distance (Å)", "count", 2, h, 2, rows, &st);
    if (st == DAC_OK)
        st = dac_plot_add_series(p, 0, 1, "pairs", DAC_PLOT_BOXES);
    return finish(p, st, set, "empty");
}

/* One figure of n points: the time of dac's own texts and of the whole write. */
static int timing(const char *dir, size_t n)
{
    const char *h[] = {"x_A", "y_eV"};
    double *rows = malloc(2 * n * sizeof *rows);
    dac_plot *p;
    if (!rows || dac_plot_create("timing", "x (Å)", "y (eV)", &p) != DAC_OK)
        return DAC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        rows[2 * i] = (double)i / (double)n, rows[2 * i + 1] = sin(20.0 * (double)i / (double)n);
    int st = dac_plot_set_table(p, 2, h, n, rows);
    if (st == DAC_OK)
        st = dac_plot_add_series(p, 0, 1, "sin", DAC_PLOT_LINES);
    /* dac's share alone: the same figure with a program that does not exist */
    dac_outset *set;
    double t0 = bench_wall_s();
    if (st == DAC_OK)
        st = dac_plot_set_program(p, "dac-bench-no-gnuplot");
    if (st == DAC_OK && (st = dac_outset_create(dir, &set)) == DAC_OK)
        st = dac_outset_finish(set, dac_plot_write(p, set, "timing"));
    double t_text = bench_wall_s() - t0;
    dac_warnings_clear();
    t0 = bench_wall_s();
    if (st == DAC_OK)
        st = dac_plot_set_program(p, "gnuplot");
    if (st == DAC_OK && (st = dac_outset_create(dir, &set)) == DAC_OK)
        st = dac_outset_finish(set, dac_plot_write(p, set, "timing"));
    double t_all = bench_wall_s() - t0;
    if (st == DAC_OK)
        printf("figure of %zu points: CSV + script %.3f s (%.2f Mpoints/s), with gnuplot "
               "%.3f s (%.2f Mpoints/s)\n", n, t_text, 1e-6 * (double)n / t_text, t_all,
               1e-6 * (double)n / t_all);
    dac_plot_free(p);
    free(rows);
    return st;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp/plot-demo";
    size_t n = argc > 2 ? (size_t)atol(argv[2]) : 100000;
    if (n < 2) {
        fprintf(stderr, "usage: plot [OUTDIR [N_ROWS>=2]]\n");
        return 2;
    }
    int (*figure[])(dac_outset *) = {errorbars, histogram, log_y, second_axis, band, empty};
    size_t n_fig = sizeof figure / sizeof figure[0];
    dac_outset *set;
    if (dac_outset_create(dir, &set) != DAC_OK)
        return fail(dir);
    double t0 = bench_wall_s();
    int st = DAC_OK;
    for (size_t i = 0; i < n_fig && st == DAC_OK; i++)
        st = figure[i](set);
    if (dac_outset_finish(set, st) != DAC_OK)
        return fail("gallery");
    double t = bench_wall_s() - t0;
    for (size_t i = 0; i < dac_warning_count(); i++)
        fprintf(stderr, "plot: warning: %s\n", dac_warning(i));
    printf("gallery: %zu figures in %s in %.3f s (%.1f figures/s)\n", n_fig, dir, t,
           (double)n_fig / t);
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/timing", dir);
    return timing(sub, n) == DAC_OK ? 0 : fail("timing");
}

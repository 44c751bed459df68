/*
 * bench/report.c — how fast is the page (src/report/html.c, inline.c, fragment.c): a
 * report of N_FIGURES gnuplot figures (one drawn, inlined N times, each with its own ids)
 * and as many PNG images (base64), written as report.html; then the same content as a
 * fragment written and read back. Prints bytes written per second and figures per
 * second. gnuplot draws the one figure before the clock starts; without gnuplot the
 * figures are the "not drawn" notes and the numbers say so.
 * Usage: report [OUTDIR [N_FIGURES]]   (default /tmp/report-bench, 40)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/outset.h"
#include "dac/core.h"
#include "dac/report.h"
#include "bench_time.h"
#include "report/plot.h"
#include "report/report_internal.h"

static int fail(const char *what)
{
    fprintf(stderr, "report: %s: %s\n", what, dac_last_error());
    return 1;
}

/* One figure of 2000 points and its PNG, drawn once into dir. */
static int draw(const char *dir)
{
    enum { N = 2000 };
    static const char *const head[] = {"U_V_RHE", "FE_CO"};
    double *rows = malloc(2 * N * sizeof *rows);
    dac_plot *p = NULL;
    dac_outset *set = NULL;
    int st = rows ? dac_plot_create("bench", "potential (V vs RHE)", "FE", &p) : DAC_ERR_NOMEM;
    for (int i = 0; rows && i < N; i++)
        rows[2 * i] = -1.2 + 0.9 * i / N, rows[2 * i + 1] = exp(-pow((rows[2 * i] + 0.8) / 0.2, 2));
    if (st == DAC_OK)
        st = dac_plot_set_table(p, 2, head, N, rows);
    if (st == DAC_OK)
        st = dac_plot_add_series(p, 0, 1, "model", DAC_PLOT_LINES);
    if (st == DAC_OK)
        st = dac_outset_create(dir, &set);
    if (st == DAC_OK)
        st = dac_outset_finish(set, dac_plot_write(p, set, "fig"));
    dac_plot_free(p);
    free(rows);
    return st;
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp/report-bench";
    int n = argc > 2 ? atoi(argv[2]) : 40;
    /* in dir: the page names its figures as a stage's fragment does, relative */
    const char *svg = "fig.svg", *png = "fig.png", *page = "report.html";
    if (n < 1 || draw(dir) != DAC_OK)
        return fail("drawing the figure");
    if (chdir(dir) != 0)
        return fail(dir);
    int drawn = file_size(svg) > 0;
    dac_report *r;
    int st = dac_report_create("bench", &r);
    for (int i = 0; st == DAC_OK && i < n; i++) {
        st = dac_report_add_heading(r, 2, "A section");
        if (st == DAC_OK)
            st = dac_report_add_paragraph(r, "Text with `code` & <escapes>.");
        if (st == DAC_OK)
            st = dac_report_add_figure(r, svg, "A figure.");
        if (st == DAC_OK && drawn)
            st = dac_report_add_image(r, png, "An image.");
    }
    if (st != DAC_OK)
        return fail("building the report");
    dac_warnings_clear();
    double t0 = bench_wall_s();
    st = dac_report_write(r, page, NULL);
    double t1 = bench_wall_s();
    dac_warnings_clear();
    if (st != DAC_OK)
        return fail("writing the page");
    long bytes = file_size(page);
    printf("report.html: %d figures%s, %d images, %.1f MB in %.3f s: %.0f MB/s, %.0f figures/s\n", n,
           drawn ? "" : " (gnuplot missing: notes)", drawn ? n : 0, bytes / 1e6, t1 - t0,
           bytes / 1e6 / (t1 - t0), 2.0 * n / (t1 - t0));
    /* the same content through a fragment and back */
    dac_outset *set;
    st = dac_outset_create(".", &set);
    t0 = bench_wall_s();
    if (st == DAC_OK)
        st = dac_outset_finish(set, report_fragment_write(r, set, "fragment.json", NULL));
    dac_report *back = NULL;
    const char *frag = "fragment.json";
    if (st == DAC_OK)
        st = dac_report_create("back", &back);
    if (st == DAC_OK)
        st = report_fragment_read(back, frag, ".", "");
    t1 = bench_wall_s();
    if (st != DAC_OK)
        return fail("the fragment");
    printf("fragment.json: %zu blocks written and read back in %.4f s: %.0f blocks/s\n",
           back->n_blocks, t1 - t0, (double)back->n_blocks / (t1 - t0));
    dac_report_free(back);
    dac_report_free(r);
    return 0;
}

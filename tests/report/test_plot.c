/*
 * test_plot.c — figures (src/report/plot.c, plot_render.c): the four files of a figure
 * in an output set, the CSV and the script read back, the SVG well-formed XML with one
 * drawn group per series, the PNG 800×560 with the house colour in it, the same bytes
 * twice and when a user re-runs the kept script, gnuplot's errors and hangs reported
 * with nothing left in the set, the fallback without gnuplot, and the usage errors.
 * The rendering checks are skipped, with a note, where gnuplot is not installed.
 */
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <png.h>

#include "dac_test.h"

#include "core/csv.h"
#include "core/io.h"
#include "core/outset.h"
#include "dac/core.h"
#include "report/plot.h"

/* ------------------------------------------------------------ helpers ----------- */

static int have_gnuplot(void)
{
    static int known = -1; /* the test's own cache; the library has none */
    if (known < 0) {
        known = system("gnuplot -V >/dev/null 2>&1") == 0;
        if (!known)
            print_message("note: gnuplot is not installed; rendering checks skipped\n");
    }
    return known;
}

/* A fresh folder under the build folder (the tests' working directory). */
static char *scratch(void)
{
    char tmpl[] = "plot-test-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return strdup(tmpl);
}

static void remove_tree(char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[1024];
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            remove(path);
        }
    }
    if (d)
        closedir(d);
    rmdir(dir);
    free(dir);
}

/* Names in dir (hidden ones too), sorted, joined by spaces. */
static void listing(const char *dir, char *out, size_t size)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    assert_true(n >= 0);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
            strncat(out, names[i]->d_name, size - strlen(out) - 2);
            strncat(out, " ", size - strlen(out) - 1);
        }
        free(names[i]);
    }
    free(names);
}

static char *slurp(const char *dir, const char *file, size_t *len)
{
    char path[1024];
    char *text = NULL;
    size_t n = 0;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    assert_int_equal(dac_read_file(path, (size_t)1 << 28, &text, &n), DAC_OK);
    if (len)
        *len = n;
    return text;
}

/* x_A, y_eV, err_eV with one missing y: a line and error bars. */
static const char *const two_headers[] = {"x_A", "y_eV", "err_eV"};
static const double two_rows[] = {1, 2.0, 0.1, 2, NAN, 0.2, 3, 4.0, 0.1, 4, 3.0, 0.3, 5, 5.5, 0.25};

static dac_plot *two_series(void)
{
    dac_plot *p;
    assert_int_equal(dac_plot_create("Two series", "x (Å)", "y (eV)", &p), DAC_OK);
    assert_int_equal(dac_plot_set_table(p, 3, two_headers, 5, two_rows), DAC_OK);
    assert_int_equal(dac_plot_add_series(p, 0, 1, "model", DAC_PLOT_LINES), DAC_OK);
    assert_int_equal(dac_plot_add_series(p, 0, 1, "measured", DAC_PLOT_ERRORBARS), DAC_OK);
    return p;
}

static int write_one(const dac_plot *p, const char *dir, const char *name)
{
    dac_outset *set;
    assert_int_equal(dac_outset_create(dir, &set), DAC_OK);
    return dac_outset_finish(set, dac_plot_write(p, set, name));
}

/* ------------------------------------------------------------ SVG and PNG checks - */

/* Well-formed XML, as far as a figure needs: every element closed in order, quoted
 * attributes, only the five named entities or character references in text. */
static int xml_well_formed(const char *s, size_t n)
{
    const char *stack[64];
    size_t depth = 0, elements = 0;
    const char *end = s + n;
    while (s < end) {
        if (*s == '&') {
            static const char *const named[] = {"amp;", "lt;", "gt;", "quot;", "apos;"};
            size_t digits = strspn(s + 2, "x0123456789abcdefABCDEF");
            size_t k = s[1] == '#' && digits ? 1 + digits : 0;
            for (size_t i = 0; i < 5 && !k; i++)
                if (!strncmp(s + 1, named[i], strlen(named[i])))
                    k = strlen(named[i]) - 1;
            if (!k || s[1 + k] != ';')
                return 0;
            s += k + 2;
            continue;
        }
        if (*s != '<') {
            s++;
            continue;
        }
        const char *close = !strncmp(s, "<?", 2) ? "?>" : !strncmp(s, "<!--", 4) ? "-->"
                          : !strncmp(s, "<![CDATA[", 9) ? "]]>" : !strncmp(s, "<!", 2) ? ">" : NULL;
        if (close) {
            const char *e = strstr(s, close);
            if (!e)
                return 0;
            s = e + strlen(close);
            continue;
        }
        int closing = s[1] == '/';
        const char *name = s + 1 + closing;
        size_t len = strcspn(name, " \t\r\n/>");
        if (len == 0)
            return 0;
        s = name + len;
        while (s < end && *s != '>' && !(*s == '/' && s[1] == '>')) {
            if (*s == '"' || *s == '\'') {
                const char *q = strchr(s + 1, *s);
                if (!q)
                    return 0;
                s = q;
            } else if (*s == '<') {
                return 0;
            }
            s++;
        }
        if (s >= end)
            return 0;
        int empty = *s == '/';
        s += empty ? 2 : 1;
        if (closing) {
            const char *open = depth ? stack[--depth] : "";
            if (strcspn(open, " \t\r\n/>") != len || strncmp(open, name, len))
                return 0;
        } else if (!empty) {
            if (depth == 64)
                return 0;
            stack[depth++] = name;
            elements++;
        }
    }
    return depth == 0 && elements > 0;
}

static size_t count(const char *text, const char *what)
{
    size_t n = 0;
    for (const char *s = strstr(text, what); s; s = strstr(s + 1, what))
        n++;
    return n;
}

/* gnuplot's SVG: one <g id="gnuplot_plot_N"> per series, each drawing something: a
 * path (lines, bars, fills) or markers (<use> of a point symbol). */
static void check_svg(const char *svg, size_t len, size_t n_series)
{
    assert_true(!strncmp(svg, "<?xml", 5) || !strncmp(svg, "<svg", 4));
    const char *last = svg + len;
    while (last > svg && (last[-1] == '\n' || last[-1] == ' '))
        last--;
    assert_true(last - svg > 6 && !strncmp(last - 6, "</svg>", 6));
    assert_true(xml_well_formed(svg, len));
    assert_int_equal(count(svg, "<g id=\"gnuplot_plot_"), n_series);
    for (const char *g = strstr(svg, "<g id=\"gnuplot_plot_"); g; g = strstr(g + 1, "<g id=\"gnuplot_plot_")) {
        const char *next = strstr(g + 1, "<g id=\"gnuplot_plot_");
        const char *path = strstr(g, "<path"), *use = strstr(g, "<use");
        assert_true((path && (!next || path < next)) || (use && (!next || use < next)));
    }
}

static unsigned be32(const unsigned char *b)
{
    return (unsigned)b[0] << 24 | (unsigned)b[1] << 16 | (unsigned)b[2] << 8 | b[3];
}

/* PNG signature, 800×560, and the first series' colour (#0072B2) drawn in it. */
static void check_png(const char *data, size_t len)
{
    const unsigned char *b = (const unsigned char *)data;
    assert_true(len > 33 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8) && !memcmp(b + 12, "IHDR", 4));
    assert_int_equal(be32(b + 16), 800);
    assert_int_equal(be32(b + 20), 560);
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_memory(&im, data, len));
    im.format = PNG_FORMAT_RGB;
    unsigned char *px = malloc(PNG_IMAGE_SIZE(im));
    assert_true(png_image_finish_read(&im, NULL, px, 0, NULL));
    size_t blue = 0, ink = 0;
    for (size_t i = 0; i < (size_t)im.width * im.height; i++) {
        const unsigned char *c = px + 3 * i;
        ink += c[0] < 200 || c[1] < 200 || c[2] < 200;
        blue += abs(c[0] - 0x00) < 24 && abs(c[1] - 0x72) < 24 && abs(c[2] - 0xB2) < 24;
    }
    free(px);
    assert_true(ink > 2000); /* text, frame and data */
    assert_true(blue > 200); /* the first series' line */
}

/* ------------------------------------------------------------ tests ------------- */

/* The checker above must itself reject what a browser would. */
static void test_xml_checker(void **state)
{
    (void)state;
    const char *good[] = {"<?xml version=\"1.0\"?>\n<svg a='1' b=\"x>y\"><g/><t>a &amp; &#916;</t></svg>\n"};
    const char *bad[] = {"<svg><g></svg></g>", "<svg>a & b</svg>", "<svg><g></svg>", "<svg a=\"1></svg>",
                         "<svg><t>&nbsp;</t></svg>", "<svg>&#;</svg>", "</svg>", "", "<svg><a></b></svg>"};
    assert_true(xml_well_formed(good[0], strlen(good[0])));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(xml_well_formed(bad[i], strlen(bad[i])));
}

/* The table comes back from NAME.csv as given: unit headers, exact numbers, NaN empty. */
static void test_csv_and_script(void **state)
{
    (void)state;
    char *dir = scratch();
    dac_plot *p = two_series();
    assert_int_equal(dac_plot_set_program(p, "dac-test-no-such-gnuplot"), DAC_OK);
    dac_warnings_clear();
    assert_int_equal(write_one(p, dir, "fig"), DAC_OK);
    char path[1024];
    snprintf(path, sizeof path, "%s/fig.csv", dir);
    dac_csv *csv;
    assert_int_equal(dac_csv_read(path, &csv), DAC_OK);
    assert_int_equal(dac_csv_columns(csv), 3);
    assert_int_equal(dac_csv_rows(csv), 5);
    for (size_t c = 0; c < 3; c++)
        assert_string_equal(dac_csv_header(csv, c), two_headers[c]);
    for (size_t r = 0; r < 5; r++)
        for (size_t c = 0; c < 3; c++) {
            double v;
            if (isnan(two_rows[3 * r + c])) {
                assert_string_equal(dac_csv_field(csv, r, c), "");
                continue;
            }
            assert_int_equal(dac_csv_double(csv, r, c, &v), DAC_OK);
            assert_true(v == two_rows[3 * r + c]);
        }
    dac_csv_free(csv);

    char *gp = slurp(dir, "fig.gp", NULL);
    assert_non_null(strstr(gp, "plot 'fig.csv' using 1:2 with lines title 'model'"));
    assert_non_null(strstr(gp, "'fig.csv' using 1:2:3 with yerrorbars title 'measured'"));
    assert_non_null(strstr(gp, "set terminal svg size 800,560"));
    assert_non_null(strstr(gp, "set output 'fig.svg'"));
    assert_non_null(strstr(gp, "set terminal pngcairo size 800,560"));
    assert_non_null(strstr(gp, "set output 'fig.png'"));
    assert_non_null(strstr(gp, "set datafile separator comma"));
    assert_non_null(strstr(gp, "#   2  y_eV"));            /* the columns are listed */
    assert_non_null(strstr(gp, "cd <this folder> && gnuplot fig.gp"));
    assert_null(strstr(gp, "/tmp"));                      /* nothing of the render folder */
    assert_null(strstr(gp, dir));
    free(gp);
    dac_plot_free(p);
    remove_tree(dir);
}

/* All four files; SVG and PNG as described; the kept script, re-run by a user in the
 * folder, draws the same bytes. */
static void test_rendered_figure(void **state)
{
    (void)state;
    if (!have_gnuplot())
        return;
    char *dir = scratch(), names[4096];
    dac_plot *p = two_series();
    assert_int_equal(write_one(p, dir, "fig"), DAC_OK);
    listing(dir, names, sizeof names);
    assert_string_equal(names, ".dac-set fig.csv fig.gp fig.png fig.svg ");
    size_t svg_len, png_len;
    char *svg = slurp(dir, "fig.svg", &svg_len), *png = slurp(dir, "fig.png", &png_len);
    check_svg(svg, svg_len, 2);
    assert_non_null(strstr(svg, "Two series"));
    check_png(png, png_len);

    char cmd[2048], path[1024];
    snprintf(path, sizeof path, "%s/fig.svg", dir);
    remove(path);
    snprintf(path, sizeof path, "%s/fig.png", dir);
    remove(path);
    snprintf(cmd, sizeof cmd, "cd '%s' && gnuplot -d fig.gp 2>/dev/null", dir);
    assert_int_equal(system(cmd), 0);
    size_t l1, l2;
    char *svg2 = slurp(dir, "fig.svg", &l1), *png2 = slurp(dir, "fig.png", &l2);
    assert_true(l1 == svg_len && !memcmp(svg, svg2, l1));
    assert_true(l2 == png_len && !memcmp(png, png2, l2));
    free(svg), free(png), free(svg2), free(png2);
    dac_plot_free(p);
    remove_tree(dir);
}

/* Same figure twice → the same bytes in all four files. */
static void test_same_bytes_twice(void **state)
{
    (void)state;
    if (!have_gnuplot())
        return;
    char *a = scratch(), *b = scratch();
    dac_plot *p = two_series();
    assert_int_equal(dac_plot_add_label(p, 3, 4.5, "peak"), DAC_OK);
    assert_int_equal(write_one(p, a, "fig"), DAC_OK);
    assert_int_equal(write_one(p, b, "fig"), DAC_OK);
    const char *files[] = {"fig.csv", "fig.gp", "fig.svg", "fig.png"};
    for (int i = 0; i < 4; i++) {
        size_t la, lb;
        char *x = slurp(a, files[i], &la), *y = slurp(b, files[i], &lb);
        assert_true(la > 0 && la == lb && !memcmp(x, y, la));
        free(x), free(y);
    }
    dac_plot_free(p);
    remove_tree(a);
    remove_tree(b);
}

/* A broken raw command: gnuplot's own message, naming the kept script and its line;
 * nothing of that figure in the set, while a good figure in the same set stays. */
static void test_gnuplot_error(void **state)
{
    (void)state;
    if (!have_gnuplot())
        return;
    char *dir = scratch(), names[4096];
    dac_plot *good = two_series(), *bad = two_series();
    assert_int_equal(dac_plot_add_command(bad, "this_is_not_a_gnuplot_command 42"), DAC_OK);
    dac_outset *set;
    assert_int_equal(dac_outset_create(dir, &set), DAC_OK);
    assert_int_equal(dac_plot_write(good, set, "good"), DAC_OK);
    assert_int_equal(dac_plot_write(bad, set, "bad"), DAC_ERR_RUNTIME);
    const char *msg = dac_last_error();
    assert_non_null(strstr(msg, "figure bad: gnuplot failed"));
    assert_non_null(strstr(msg, "\"bad.gp\" line"));
    assert_non_null(strstr(msg, "invalid command"));
    assert_non_null(strstr(msg, "this_is_not_a_gnuplot_command"));
    assert_null(strchr(msg, '\n'));
    assert_int_equal(dac_outset_commit(set), DAC_OK);
    listing(dir, names, sizeof names);
    assert_string_equal(names, ".dac-set good.csv good.gp good.png good.svg ");
    dac_plot_free(good);
    dac_plot_free(bad);
    remove_tree(dir);
}

/* A hang is stopped at the timeout; `pause -1` (wait for a key) does not hang, since
 * gnuplot's standard input is /dev/null. */
static void test_timeout(void **state)
{
    (void)state;
    if (!have_gnuplot())
        return;
    char *dir = scratch(), names[4096];
    dac_plot *p = two_series();
    assert_int_equal(dac_plot_add_command(p, "pause -1"), DAC_OK);
    assert_int_equal(write_one(p, dir, "key"), DAC_OK);
    assert_int_equal(dac_plot_add_command(p, "pause 30"), DAC_OK);
    assert_int_equal(dac_plot_set_timeout(p, 0.5), DAC_OK);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(write_one(p, dir, "hang"), DAC_ERR_RUNTIME);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    assert_true(s >= 0.5 && s < 5);
    assert_non_null(strstr(dac_last_error(), "did not finish within 0.5 s"));
    listing(dir, names, sizeof names);
    assert_string_equal(names, ".dac-set key.csv key.gp key.png key.svg ");
    dac_plot_free(p);
    remove_tree(dir);
}

/* No gnuplot: a warning naming how to draw the figure, CSV and script only, DAC_OK. */
static void test_without_gnuplot(void **state)
{
    (void)state;
    char *dir = scratch(), names[4096];
    dac_plot *p = two_series();
    assert_int_equal(dac_plot_set_program(p, "dac-test-no-such-gnuplot"), DAC_OK);
    dac_warnings_clear();
    assert_int_equal(write_one(p, dir, "fig"), DAC_OK);
    assert_int_equal(dac_warning_count(), 1);
    assert_non_null(strstr(dac_warning(0), "not found"));
    assert_non_null(strstr(dac_warning(0), "gnuplot fig.gp"));
    listing(dir, names, sizeof names);
    assert_string_equal(names, ".dac-set fig.csv fig.gp ");
    /* a path that does not exist behaves the same */
    assert_int_equal(dac_plot_set_program(p, "/nonexistent/bin/gnuplot"), DAC_OK);
    assert_int_equal(write_one(p, dir, "fig"), DAC_OK);
    assert_int_equal(dac_warning_count(), 2);
    dac_warnings_clear();
    dac_plot_free(p);
    remove_tree(dir);
}

/* Every style draws, reading the columns it documents; a quote, UTF-8 and underscores
 * survive into the SVG as typed. */
static void test_styles_and_text(void **state)
{
    (void)state;
    const char *h[] = {"x_A", "y", "a", "b", "c"};
    double rows[6 * 5];
    for (int i = 0; i < 6; i++)
        for (int c = 0; c < 5; c++)
            rows[5 * i + c] = c == 0 ? i + 1 : 1 + i + 0.3 * c;
    dac_plot *p;
    assert_int_equal(dac_plot_create("it's ΔG_total & <more>", "x_A", NULL, &p), DAC_OK);
    assert_int_equal(dac_plot_set_table(p, 5, h, 6, rows), DAC_OK);
    const struct { dac_plot_style style; const char *clause; } st[] = {
        {DAC_PLOT_LINES, "using 1:2 with lines"}, {DAC_PLOT_POINTS, "using 1:2 with points"},
        {DAC_PLOT_LINESPOINTS, "using 1:2 with linespoints"}, {DAC_PLOT_STEPS, "using 1:2 with steps"},
        {DAC_PLOT_BOXES, "using 1:2 with boxes"}, {DAC_PLOT_ERRORBARS, "using 1:2:3 with yerrorbars"},
        {DAC_PLOT_ERRORLINES, "using 1:2:3 with yerrorlines"}, {DAC_PLOT_BOXES_WIDTH, "using 1:2:3 with boxes"},
        {DAC_PLOT_INTERVALS, "using 1:2:3:4 with yerrorbars"}, {DAC_PLOT_BAND, "using 1:3:4 with filledcurves"},
    };
    size_t n = sizeof st / sizeof st[0];
    for (size_t i = 0; i < n; i++)
        assert_int_equal(dac_plot_add_series(p, 0, st[i].style == DAC_PLOT_BAND ? 2 : 1,
                                             i == 0 ? "x_1 'a'" : NULL, st[i].style), DAC_OK);
    assert_int_equal(dac_plot_set_series_options(p, 2, "axes x1y2"), DAC_OK);
    assert_int_equal(dac_plot_set_y2label(p, "second_axis"), DAC_OK);
    assert_int_equal(dac_plot_set_box_width(p, 0.4), DAC_OK);
    char *dir = scratch();
    assert_int_equal(dac_plot_set_program(p, have_gnuplot() ? "gnuplot" : "dac-test-no-such"), DAC_OK);
    assert_int_equal(write_one(p, dir, "styles"), DAC_OK);
    dac_warnings_clear();
    char *gp = slurp(dir, "styles.gp", NULL);
    for (size_t i = 0; i < n; i++)
        assert_non_null(strstr(gp, st[i].clause));
    assert_non_null(strstr(gp, "with linespoints axes x1y2 notitle"));
    assert_non_null(strstr(gp, "set title 'it''s ΔG_total & <more>' noenhanced"));
    assert_non_null(strstr(gp, "title 'x_1 ''a''' noenhanced"));
    assert_non_null(strstr(gp, "set boxwidth 0.4 absolute"));
    assert_non_null(strstr(gp, "set y2label 'second_axis' noenhanced"));
    free(gp);
    if (have_gnuplot()) {
        size_t len;
        char *svg = slurp(dir, "styles.svg", &len);
        check_svg(svg, len, n);
        assert_non_null(strstr(svg, "ΔG_total &amp; &lt;more"));  /* literal, escaped */
        assert_non_null(strstr(svg, "x_1 'a'"));
        assert_non_null(strstr(svg, "second_axis"));
        free(svg);
    }
    dac_plot_free(p);
    remove_tree(dir);
}

/* Log axes: ticks labelled as powers of ten over two decades or more, gnuplot's own
 * labels below that; ranges written with automatic ends as '*'. */
static void test_log_axes_and_ranges(void **state)
{
    (void)state;
    const char *h[] = {"t_s", "rate_per_s"};
    double wide[] = {1, 1e-3, 2, 1e-1, 3, 1e2}, narrow[] = {1, 2, 2, 5, 3, 9};
    char *dir = scratch();
    for (int k = 0; k < 2; k++) {
        dac_plot *p;
        assert_int_equal(dac_plot_create(NULL, NULL, NULL, &p), DAC_OK);
        assert_int_equal(dac_plot_set_table(p, 2, h, 3, k ? narrow : wide), DAC_OK);
        assert_int_equal(dac_plot_add_series(p, 0, 1, "k", DAC_PLOT_POINTS), DAC_OK);
        dac_plot_set_log(p, 0, 1);
        assert_int_equal(dac_plot_set_range(p, 'x', NAN, 4), DAC_OK);
        assert_int_equal(dac_plot_set_program(p, "dac-test-no-such"), DAC_OK);
        assert_int_equal(write_one(p, dir, "log"), DAC_OK);
        char *gp = slurp(dir, "log.gp", NULL);
        assert_non_null(strstr(gp, "set logscale y 10"));
        assert_non_null(strstr(gp, "set xrange [*:4]"));
        assert_true((strstr(gp, "set format y '10^{%L}'") != NULL) == (k == 0));
        assert_null(strstr(gp, "set title '"));
        free(gp);
        /* a log axis with a range through zero cannot be drawn */
        assert_int_equal(dac_plot_set_range(p, 'y', 0, 10), DAC_OK);
        assert_int_equal(write_one(p, dir, "log"), DAC_ERR_USAGE);
        assert_non_null(strstr(dac_last_error(), "log axis"));
        dac_plot_free(p);
    }
    dac_warnings_clear();
    remove_tree(dir);
}

/* A figure without a single finite point is an empty frame saying so, not a failure. */
static void test_no_data(void **state)
{
    (void)state;
    const char *h[] = {"distance_A", "count"};
    double rows[] = {1, NAN, 2, NAN};
    dac_plot *p;
    assert_int_equal(dac_plot_create("No pairs", "distance (Å)", "count", &p), DAC_OK);
    assert_int_equal(dac_plot_set_table(p, 2, h, 2, rows), DAC_OK);
    assert_int_equal(dac_plot_add_series(p, 0, 1, "pairs", DAC_PLOT_BOXES), DAC_OK);
    char *dir = scratch();
    if (!have_gnuplot())
        assert_int_equal(dac_plot_set_program(p, "dac-test-no-such"), DAC_OK);
    assert_int_equal(write_one(p, dir, "empty"), DAC_OK);
    dac_warnings_clear();
    char *gp = slurp(dir, "empty.gp", NULL);
    assert_non_null(strstr(gp, "'no data'"));
    assert_non_null(strstr(gp, "set xrange [0:1]"));
    free(gp);
    /* one end given by the caller: the frame keeps it (gnuplot cannot autoscale the other) */
    dac_plot_set_log(p, 0, 1);
    assert_int_equal(dac_plot_set_range(p, 'y', NAN, 1e3), DAC_OK);
    assert_int_equal(write_one(p, dir, "empty"), DAC_OK);
    dac_warnings_clear();
    gp = slurp(dir, "empty.gp", NULL);
    assert_non_null(strstr(gp, "set yrange [100:1000]"));
    free(gp);
    if (have_gnuplot()) {
        size_t len;
        char *svg = slurp(dir, "empty.svg", &len);
        assert_non_null(strstr(svg, "no data"));
        assert_true(xml_well_formed(svg, len));
        free(svg);
    }
    dac_plot_free(p);
    remove_tree(dir);
}

static void *writer_thread(void *arg)
{
    const char *dir = arg;
    dac_plot *p = two_series();
    char name[16];
    int ok = 1;
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "f%d", i);
        dac_outset *set;
        ok = ok && dac_outset_create(dir, &set) == DAC_OK &&
             dac_outset_finish(set, dac_plot_write(p, set, name)) == DAC_OK;
    }
    dac_plot_free(p);
    return ok ? arg : NULL;
}

/* Two threads drawing at once (each its own figure and set) do not disturb each other. */
static void test_two_threads(void **state)
{
    (void)state;
    if (!have_gnuplot())
        return;
    char *a = scratch(), *b = scratch();
    pthread_t ta, tb;
    void *ra, *rb;
    assert_int_equal(pthread_create(&ta, NULL, writer_thread, a), 0);
    assert_int_equal(pthread_create(&tb, NULL, writer_thread, b), 0);
    pthread_join(ta, &ra);
    pthread_join(tb, &rb);
    assert_true(ra == a && rb == b);
    size_t la, lb;
    char *x = slurp(a, "f2.png", &la), *y = slurp(b, "f2.png", &lb);
    assert_true(la == lb && !memcmp(x, y, la));
    free(x), free(y);
    remove_tree(a);
    remove_tree(b);
}

/* Caller mistakes are usage errors that say what was expected. */
static void test_usage_errors(void **state)
{
    (void)state;
    dac_plot *p;
    assert_int_equal(dac_plot_create("bad \xC3\x28 UTF-8", NULL, NULL, &p), DAC_ERR_USAGE);
    assert_null(p);
    assert_non_null(strstr(dac_last_error(), "not valid UTF-8"));
    assert_int_equal(dac_plot_create("two\nlines", NULL, NULL, &p), DAC_ERR_USAGE);
    assert_int_equal(dac_plot_create(NULL, NULL, "y", &p), DAC_OK);
    char *dir = scratch();
    dac_outset *set;
    assert_int_equal(dac_outset_create(dir, &set), DAC_OK);
    assert_int_equal(dac_plot_write(p, set, "fig"), DAC_ERR_USAGE);
    assert_non_null(strstr(dac_last_error(), "no table"));
    const char *bad_header[] = {"x_A", ""};
    double row[] = {1, 2};
    assert_int_equal(dac_plot_set_table(p, 2, bad_header, 1, row), DAC_ERR_USAGE);
    assert_int_equal(dac_plot_set_table(p, 2, two_headers, 1, row), DAC_OK);
    assert_int_equal(dac_plot_write(p, set, "fig"), DAC_ERR_USAGE);
    assert_non_null(strstr(dac_last_error(), "no series"));
    assert_int_equal(dac_plot_add_series(p, 0, 1, NULL, (dac_plot_style)99), DAC_ERR_USAGE);
    assert_int_equal(dac_plot_add_series(p, 0, 1, NULL, DAC_PLOT_ERRORBARS), DAC_OK);
    assert_int_equal(dac_plot_write(p, set, "fig"), DAC_ERR_USAGE); /* err column 2 missing */
    assert_non_null(strstr(dac_last_error(), "the table has 2"));
    assert_int_equal(dac_plot_set_series_options(p, 1, "lw 3"), DAC_ERR_USAGE);
    assert_int_equal(dac_plot_set_series_options(p, 0, "lw 3\nplot 1"), DAC_ERR_USAGE);
    assert_int_equal(dac_plot_set_range(p, 'z', 0, 1), DAC_ERR_USAGE);
    assert_int_equal(dac_plot_set_range(p, 'x', 1, 1), DAC_ERR_USAGE);
    assert_int_equal(dac_plot_set_range(p, 'y', 0, INFINITY), DAC_ERR_USAGE);
    assert_int_equal(dac_plot_add_label(p, NAN, 0, "x"), DAC_ERR_USAGE);
    assert_int_equal(dac_plot_add_label(p, 0, 0, ""), DAC_ERR_USAGE);
    assert_int_equal(dac_plot_set_box_width(p, -1), DAC_ERR_USAGE);
    assert_int_equal(dac_plot_set_timeout(p, 0), DAC_ERR_USAGE);
    assert_int_equal(dac_plot_set_program(p, ""), DAC_ERR_USAGE);
    assert_int_equal(dac_plot_add_command(p, ""), DAC_ERR_USAGE);
    assert_int_equal(dac_plot_add_command(p, "set grid\nplot 1"), DAC_ERR_USAGE);
    const char *bad_names[] = {"", ".hidden", "a/b", "../up", "with space", "quote'", NULL};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        assert_int_equal(dac_plot_write(p, set, bad_names[i]), DAC_ERR_USAGE);
        assert_non_null(strstr(dac_last_error(), "figure name"));
    }
    dac_outset_abort(set);
    dac_plot_free(p);
    dac_plot_free(NULL);
    remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml_checker),
        cmocka_unit_test(test_csv_and_script),
        cmocka_unit_test(test_rendered_figure),
        cmocka_unit_test(test_same_bytes_twice),
        cmocka_unit_test(test_gnuplot_error),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_without_gnuplot),
        cmocka_unit_test(test_styles_and_text),
        cmocka_unit_test(test_log_axes_and_ranges),
        cmocka_unit_test(test_no_data),
        cmocka_unit_test(test_two_threads),
        cmocka_unit_test(test_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * plot.c — the figure object and the two texts it becomes: NAME.csv and NAME.gp
 * (see plot.h for the contract). Running gnuplot on them is plot_render.c's job.
 *
 * The script is the product a user keeps, so it is written to be read: a header naming
 * the data file and its columns and how to redraw, then sections (data format, house
 * style, this figure's settings, the caller's raw commands, the plot) each with a
 * comment. Every setting dac relies on is spelled out rather than left to gnuplot's
 * defaults, so the figure does not change with a user's ~/.gnuplot.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "dac/core.h"
#include "report/plot.h"
#include "report/plot_internal.h"

/* Which gnuplot style a dac style is, and how many columns from y_col it reads. */
static const struct {
    const char *with;
    size_t n_y;
    const char *extra; /* per-series fill */
} styles[] = {
    [DAC_PLOT_LINES] = {"lines", 1, NULL},
    [DAC_PLOT_POINTS] = {"points", 1, NULL},
    [DAC_PLOT_LINESPOINTS] = {"linespoints", 1, NULL},
    [DAC_PLOT_STEPS] = {"steps", 1, NULL},
    [DAC_PLOT_BOXES] = {"boxes", 1, NULL},
    [DAC_PLOT_ERRORBARS] = {"yerrorbars", 2, NULL},
    [DAC_PLOT_ERRORLINES] = {"yerrorlines", 2, NULL},
    [DAC_PLOT_BOXES_WIDTH] = {"boxes", 2, NULL},
    [DAC_PLOT_INTERVALS] = {"yerrorbars", 3, NULL},
    [DAC_PLOT_BAND] = {"filledcurves", 2, "fs transparent solid 0.25 noborder"},
};
#define N_STYLES (sizeof styles / sizeof styles[0])

typedef struct {
    size_t x_col, y_col;
    dac_plot_style style;
    char *title;   /* NULL: not in the key */
    char *options; /* raw clause or NULL */
} series;

typedef struct {
    double x, y;
    char *text;
} label;

struct dac_plot {
    char *title, *xlabel, *ylabel, *y2label; /* NULL: none */
    size_t n_cols, n_rows;
    char **headers;
    double *rows; /* n_rows × n_cols */
    series *series;
    size_t n_series, cap_series;
    label *labels;
    size_t n_labels, cap_labels;
    char **commands;
    size_t n_commands, cap_commands;
    int log[2];       /* x, y */
    double range[2][2]; /* [axis][lo, hi], NaN = automatic */
    double box_width; /* 0: automatic */
    char *program;
    double timeout_s;
};

/* ------------------------------------------------------------ text checks ------- */

/* Length of the valid UTF-8 sequence at p (shortest form, no surrogates, at most
 * U+10FFFF), or 0. */
static size_t utf8_length(const unsigned char *p)
{
    unsigned c = p[0];
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    unsigned long cp = len == 1 ? c : c & (0x7Fu >> len);
    for (size_t k = 1; k < len; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[k] & 0x3Fu);
    }
    static const unsigned long min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (len == 0 || cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* Text that goes into the script between quotes: valid UTF-8, no control characters
 * (a newline would end the gnuplot command, invalid bytes would make invalid SVG). */
static int check_text(const char *what, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t len = utf8_length(p);
        if (len == 0 || *p < 0x20 || *p == 0x7F)
            return dac_error(DAC_ERR_USAGE, "figure %s \"%s\": %s at byte %zu", what, s,
                             len ? "control character" : "not valid UTF-8",
                             (size_t)(p - (const unsigned char *)s));
        p += len;
    }
    return DAC_OK;
}

/* A copy of optional text (NULL or "" → NULL) after check_text. */
static int copy_text(const char *what, const char *s, char **out)
{
    *out = NULL;
    if (!s || !*s)
        return DAC_OK;
    int st = check_text(what, s);
    if (st != DAC_OK)
        return st;
    *out = strdup(s);
    return *out ? DAC_OK : dac_error(DAC_ERR_NOMEM, "out of memory");
}

/* Replaces *slot (freed) by a checked copy of s; *slot is kept on error. */
static int replace_text(const char *what, const char *s, char **slot)
{
    char *c;
    int st = copy_text(what, s, &c);
    if (st == DAC_OK) {
        free(*slot);
        *slot = c;
    }
    return st;
}

/* Room for one more element in a growing array. */
static int grow(void **array, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return DAC_OK;
    size_t c = *cap ? 2 * *cap : 4;
    void *a = realloc(*array, c * size);
    if (!a)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    *array = a;
    *cap = c;
    return DAC_OK;
}

/* ------------------------------------------------------------ the object -------- */

int dac_plot_create(const char *title, const char *xlabel, const char *ylabel, dac_plot **out)
{
    *out = NULL;
    dac_plot *p = calloc(1, sizeof *p);
    if (!p)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    for (int a = 0; a < 2; a++)
        p->range[a][0] = p->range[a][1] = NAN;
    p->timeout_s = 120; /* plot.h: assumption */
    int st = copy_text("title", title, &p->title);
    if (st == DAC_OK)
        st = copy_text("x label", xlabel, &p->xlabel);
    if (st == DAC_OK)
        st = copy_text("y label", ylabel, &p->ylabel);
    if (st == DAC_OK && !(p->program = strdup("gnuplot")))
        st = dac_error(DAC_ERR_NOMEM, "out of memory");
    if (st != DAC_OK) {
        dac_plot_free(p);
        return st;
    }
    *out = p;
    return DAC_OK;
}

static void free_table(dac_plot *p)
{
    for (size_t c = 0; p->headers && c < p->n_cols; c++)
        free(p->headers[c]);
    free(p->headers);
    free(p->rows);
    p->headers = NULL;
    p->rows = NULL;
    p->n_cols = p->n_rows = 0;
}

void dac_plot_free(dac_plot *p)
{
    if (!p)
        return;
    free_table(p);
    for (size_t i = 0; i < p->n_series; i++)
        free(p->series[i].title), free(p->series[i].options);
    for (size_t i = 0; i < p->n_labels; i++)
        free(p->labels[i].text);
    for (size_t i = 0; i < p->n_commands; i++)
        free(p->commands[i]);
    free(p->series);
    free(p->labels);
    free(p->commands);
    free(p->title), free(p->xlabel), free(p->ylabel), free(p->y2label);
    free(p->program);
    free(p);
}

int dac_plot_set_table(dac_plot *p, size_t n_cols, const char *const *headers, size_t n_rows,
                       const double *rows)
{
    free_table(p);
    if (n_cols == 0 || !headers || (n_rows && !rows))
        return dac_error(DAC_ERR_USAGE, "figure table: no columns");
    if (n_rows > ((size_t)-1 / sizeof(double)) / n_cols)
        return dac_error(DAC_ERR_USAGE, "figure table: %zu × %zu values is too many", n_rows, n_cols);
    p->headers = calloc(n_cols, sizeof *p->headers);
    p->rows = malloc((n_rows ? n_rows * n_cols : 1) * sizeof *p->rows);
    if (!p->headers || !p->rows) {
        free(p->headers), free(p->rows);
        p->headers = NULL, p->rows = NULL;
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    p->n_cols = n_cols;
    for (size_t c = 0; c < n_cols; c++) {
        int st = headers[c] && *headers[c] ? copy_text("column header", headers[c], &p->headers[c])
                                           : dac_error(DAC_ERR_USAGE, "figure table: column %zu has no header", c);
        if (st != DAC_OK) {
            free_table(p);
            return st;
        }
    }
    if (n_rows)
        memcpy(p->rows, rows, n_rows * n_cols * sizeof *rows);
    p->n_rows = n_rows;
    return DAC_OK;
}

int dac_plot_add_series(dac_plot *p, size_t x_col, size_t y_col, const char *title,
                        dac_plot_style style)
{
    if ((unsigned)style >= N_STYLES)
        return dac_error(DAC_ERR_USAGE, "figure series: unknown style %d", (int)style);
    int st = grow((void **)&p->series, &p->cap_series, p->n_series, sizeof *p->series);
    if (st != DAC_OK)
        return st;
    series s = {x_col, y_col, style, NULL, NULL};
    st = copy_text("series title", title, &s.title);
    if (st != DAC_OK)
        return st;
    p->series[p->n_series++] = s;
    return DAC_OK;
}

int dac_plot_set_series_options(dac_plot *p, size_t i, const char *clause)
{
    if (i >= p->n_series)
        return dac_error(DAC_ERR_USAGE, "figure: no series %zu (the figure has %zu)", i, p->n_series);
    return replace_text("series options", clause, &p->series[i].options);
}

void dac_plot_set_log(dac_plot *p, int log_x, int log_y)
{
    p->log[0] = log_x != 0;
    p->log[1] = log_y != 0;
}

int dac_plot_set_range(dac_plot *p, char axis, double lo, double hi)
{
    if (axis != 'x' && axis != 'y')
        return dac_error(DAC_ERR_USAGE, "figure range: axis '%c', expected 'x' or 'y'", axis);
    if (isinf(lo) || isinf(hi) || lo == hi)
        return dac_error(DAC_ERR_USAGE, "figure %c range [%g:%g]: expected two different finite "
                         "ends (NaN: automatic)", axis, lo, hi);
    p->range[axis == 'y'][0] = lo;
    p->range[axis == 'y'][1] = hi;
    return DAC_OK;
}

int dac_plot_add_label(dac_plot *p, double x, double y, const char *text)
{
    if (!isfinite(x) || !isfinite(y))
        return dac_error(DAC_ERR_USAGE, "figure label at (%g, %g): expected finite coordinates", x, y);
    if (!text || !*text)
        return dac_error(DAC_ERR_USAGE, "figure label at (%g, %g): no text", x, y);
    int st = grow((void **)&p->labels, &p->cap_labels, p->n_labels, sizeof *p->labels);
    label l = {x, y, NULL};
    if (st == DAC_OK)
        st = copy_text("label", text, &l.text);
    if (st == DAC_OK)
        p->labels[p->n_labels++] = l;
    return st;
}

int dac_plot_set_box_width(dac_plot *p, double width)
{
    if (!isfinite(width) || width < 0)
        return dac_error(DAC_ERR_USAGE, "figure box width %g: expected ≥ 0 (0: bars touch)", width);
    p->box_width = width;
    return DAC_OK;
}

int dac_plot_set_y2label(dac_plot *p, const char *label)
{
    return replace_text("y2 label", label, &p->y2label);
}

int dac_plot_add_command(dac_plot *p, const char *line)
{
    if (!line || !*line)
        return dac_error(DAC_ERR_USAGE, "figure command: empty");
    int st = grow((void **)&p->commands, &p->cap_commands, p->n_commands, sizeof *p->commands);
    if (st == DAC_OK)
        st = copy_text("command", line, &p->commands[p->n_commands]);
    if (st == DAC_OK)
        p->n_commands++;
    return st;
}

int dac_plot_set_program(dac_plot *p, const char *program)
{
    if (!program || !*program)
        return dac_error(DAC_ERR_USAGE, "figure: empty gnuplot program name");
    return replace_text("program", program, &p->program);
}

int dac_plot_set_timeout(dac_plot *p, double seconds)
{
    if (!(seconds > 0) || !isfinite(seconds))
        return dac_error(DAC_ERR_USAGE, "figure: gnuplot timeout %g s, expected > 0", seconds);
    p->timeout_s = seconds;
    return DAC_OK;
}

/* ------------------------------------------------------------ checks at write --- */

/* A plain name that needs no quoting in a shell or a gnuplot string. */
static int check_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    int ok = n > 0 && n <= 200 && name[0] != '.';
    for (size_t i = 0; ok && i < n; i++)
        ok = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.", name[i]) != NULL;
    return ok ? DAC_OK
              : dac_error(DAC_ERR_USAGE, "figure name '%s': expected letters, digits, '_', '-' "
                          "or '.' (not first)", name ? name : "");
}

static int check_figure(const dac_plot *p, const char *name)
{
    if (!p->n_cols)
        return dac_error(DAC_ERR_USAGE, "figure %s: no table (dac_plot_set_table)", name);
    if (!p->n_series)
        return dac_error(DAC_ERR_USAGE, "figure %s: no series to draw", name);
    for (size_t i = 0; i < p->n_series; i++) {
        const series *s = &p->series[i];
        size_t last = s->y_col + styles[s->style].n_y - 1;
        if (s->x_col >= p->n_cols || last >= p->n_cols || last < s->y_col)
            return dac_error(DAC_ERR_USAGE, "figure %s: series %zu reads columns %zu and %zu..%zu, "
                             "the table has %zu (0-based)", name, i, s->x_col, s->y_col, last, p->n_cols);
    }
    for (int a = 0; a < 2; a++)
        if (p->log[a] && (p->range[a][0] <= 0 || p->range[a][1] <= 0))
            return dac_error(DAC_ERR_USAGE, "figure %s: %c range [%g:%g] on a log axis: expected "
                             "positive ends", name, "xy"[a], p->range[a][0], p->range[a][1]);
    return DAC_OK;
}

/* Whether a series has a point gnuplot can draw: finite values in every column it reads,
 * positive where the axis is logarithmic. */
static int has_point(const dac_plot *p, const series *s)
{
    for (size_t r = 0; r < p->n_rows; r++) {
        const double *row = p->rows + r * p->n_cols;
        int ok = isfinite(row[s->x_col]) && (!p->log[0] || row[s->x_col] > 0);
        for (size_t k = 0; ok && k < styles[s->style].n_y; k++)
            ok = isfinite(row[s->y_col + k]);
        if (ok && (!p->log[1] || row[s->y_col] > 0))
            return 1;
    }
    return 0;
}

/* The ratio of the largest to the smallest positive value on a log axis: the caller's
 * range where given, else the drawn columns (x_col, or y_col and the bounds of BAND and
 * INTERVALS). */
static double log_span(const dac_plot *p, int axis)
{
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < p->n_series; i++) {
        const series *s = &p->series[i];
        size_t first = axis ? s->y_col : s->x_col, n = 1;
        if (axis && (s->style == DAC_PLOT_BAND || s->style == DAC_PLOT_INTERVALS))
            n = styles[s->style].n_y;
        for (size_t r = 0; r < p->n_rows; r++)
            for (size_t k = 0; k < n; k++) {
                double v = p->rows[r * p->n_cols + first + k];
                if (isfinite(v) && v > 0)
                    lo = fmin(lo, v), hi = fmax(hi, v);
            }
    }
    if (!isnan(p->range[axis][0]))
        lo = fmin(p->range[axis][0], p->range[axis][1]);
    if (!isnan(p->range[axis][1]))
        hi = fmax(p->range[axis][0], p->range[axis][1]);
    return hi > 0 && isfinite(lo) ? hi / lo : 1;
}

/* ------------------------------------------------------------ NAME.csv ---------- */

static void write_csv(const dac_plot *p, FILE *f)
{
    for (size_t c = 0; c < p->n_cols; c++)
        dac_csv_write_field(f, p->headers[c], c + 1 == p->n_cols);
    for (size_t r = 0; r < p->n_rows; r++)
        for (size_t c = 0; c < p->n_cols; c++)
            dac_csv_write_number(f, p->rows[r * p->n_cols + c], c + 1 == p->n_cols);
}

/* ------------------------------------------------------------ NAME.gp ----------- */

/* A gnuplot single-quoted string: nothing is special inside but '' for a quote. */
static void put_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* dac's text, quoted and taken literally: the terminals render gnuplot's enhanced text
 * (the tick labels of log axes become 1×10⁶), but a caller's underscore stays one. */
static void put_text(FILE *f, const char *s)
{
    put_quoted(f, s);
    fputs(" noenhanced", f);
}

static void put_number(FILE *f, double v)
{
    char buf[40];
    if (isnan(v)) {
        fputc('*', f); /* an automatic range end */
        return;
    }
    dac_format_double(buf, sizeof buf, v);
    fputs(buf, f);
}

/* The line-and-point cycle: Okabe & Ito's palette ("Color Universal Design", 2008),
 * which stays distinguishable with the common colour-vision deficiencies, in an order
 * that puts the strongest contrasts on white first (yellow last), and a different
 * marker for every colour so that greyscale prints still tell series apart. */
static const char *const house_lines[] = {
    "set linetype 1 lc rgb '#0072B2' lw 2 pt 7 ps 0.6   # blue, filled circle",
    "set linetype 2 lc rgb '#D55E00' lw 2 pt 5 ps 0.6   # vermillion, filled square",
    "set linetype 3 lc rgb '#009E73' lw 2 pt 9 ps 0.7   # bluish green, filled triangle",
    "set linetype 4 lc rgb '#E69F00' lw 2 pt 13 ps 0.7  # orange, filled diamond",
    "set linetype 5 lc rgb '#CC79A7' lw 2 pt 11 ps 0.7  # reddish purple, filled down-triangle",
    "set linetype 6 lc rgb '#56B4E9' lw 2 pt 6 ps 0.6   # sky blue, open circle",
    "set linetype 7 lc rgb '#000000' lw 2 pt 4 ps 0.6   # black, open square",
    "set linetype 8 lc rgb '#F0E442' lw 2 pt 8 ps 0.7   # yellow, open triangle",
    "set linetype cycle 8",
    "# Frame on the left and bottom only, ticks outside, a light grid behind the data.",
    "set border 3 lw 1 lc rgb '#404040'",
    "set tics nomirror out scale 0.75 textcolor rgb '#202020'",
    "set grid xtics ytics back lt 1 lw 1 lc rgb '#e3e3e3'",
    "# The key below the plot, in rows, so that it never covers a point.",
    "set key bmargin center horizontal reverse Left samplen 2 width 2 height 1",
    "set style fill transparent solid 0.5 border   # bars: half-opaque, so overlaps show",
    "set bars small",
};

static void write_header(const dac_plot *p, FILE *f, const char *name)
{
    fprintf(f, "# %s.gp — gnuplot script of the figure %s, written by dac %s.\n", name,
            p->title ? p->title : name, DAC_VERSION);
    fprintf(f, "# It reads %s.csv in this folder and writes %s.svg and %s.png there;\n"
               "# edit either file and redraw with:\n#   cd <this folder> && gnuplot %s.gp\n",
            name, name, name, name);
    fprintf(f, "# Columns of %s.csv (empty cell: no value, the point is left out):\n", name);
    for (size_t c = 0; c < p->n_cols; c++)
        fprintf(f, "#   %zu  %s\n", c + 1, p->headers[c]);
    fputs("\n# ---- data: comma-separated, one header row, UTF-8 text\n"
          "set encoding utf8\nset datafile separator comma\nset datafile columnheaders\n", f);
    fputs("\n# ---- house style\n", f);
    for (size_t i = 0; i < sizeof house_lines / sizeof house_lines[0]; i++)
        fprintf(f, "%s\n", house_lines[i]);
}

static void put_set_text(FILE *f, const char *what, const char *text)
{
    fprintf(f, "set %s ", what);
    put_text(f, text);
    fputc('\n', f);
}

/* An empty figure would stop gnuplot ("x range is invalid"); draw the frame instead,
 * on the caller's range ends where given ([0:1], or [1:10] on a log axis, otherwise). */
static void write_empty_frame(const dac_plot *p, FILE *f)
{
    fputs("# No series has a finite point: an empty frame that says so.\n", f);
    for (int a = 0; a < 2; a++) {
        double lo = p->range[a][0], hi = p->range[a][1];
        if (isnan(lo))
            lo = isnan(hi) ? (p->log[a] ? 1 : 0) : p->log[a] ? hi / 10 : hi - 1;
        if (isnan(hi))
            hi = p->log[a] ? lo * 10 : lo + 1;
        fprintf(f, "set %crange [", "xy"[a]);
        put_number(f, lo);
        fputc(':', f);
        put_number(f, hi);
        fputs("]\n", f);
    }
    fputs("set label 'no data' at graph 0.5, graph 0.5 center front textcolor rgb '#808080'\n", f);
}

static void write_settings(const dac_plot *p, FILE *f)
{
    fputs("\n# ---- this figure\n", f);
    if (p->title)
        put_set_text(f, "title", p->title);
    if (p->xlabel)
        put_set_text(f, "xlabel", p->xlabel);
    if (p->ylabel)
        put_set_text(f, "ylabel", p->ylabel);
    if (p->y2label) {
        put_set_text(f, "y2label", p->y2label);
        fputs("set y2tics nomirror out scale 0.75\nset ytics nomirror\nset border 11\n", f);
    }
    for (int a = 0; a < 2; a++) {
        if (p->log[a])
            fprintf(f, "set logscale %c 10\n", "xy"[a]);
        /* Over two decades or more gnuplot ticks whole powers of ten: label them 10⁶
         * rather than 1e+06 (over less, some ticks would not be powers). */
        if (p->log[a] && log_span(p, a) >= 100)
            fprintf(f, "set format %c '10^{%%L}'\n", "xy"[a]);
        if (!isnan(p->range[a][0]) || !isnan(p->range[a][1])) {
            fprintf(f, "set %crange [", "xy"[a]);
            put_number(f, p->range[a][0]);
            fputc(':', f);
            put_number(f, p->range[a][1]);
            fputs("]\n", f);
        }
    }
    if (p->box_width > 0) {
        fputs("set boxwidth ", f);
        put_number(f, p->box_width);
        fputs(" absolute\n", f);
    }
    for (size_t i = 0; i < p->n_labels; i++) {
        fputs("set label ", f);
        put_text(f, p->labels[i].text);
        fputs(" at first ", f);
        put_number(f, p->labels[i].x);
        fputs(", first ", f);
        put_number(f, p->labels[i].y);
        fputs(" front\n", f);
    }
    int any = 0;
    for (size_t i = 0; i < p->n_series && !any; i++)
        any = has_point(p, &p->series[i]);
    if (!any)
        write_empty_frame(p, f);
    if (p->n_commands)
        fputs("\n# ---- added by the caller\n", f);
    for (size_t i = 0; i < p->n_commands; i++)
        fprintf(f, "%s\n", p->commands[i]);
}

static void write_series(const dac_plot *p, FILE *f, const char *name, size_t i)
{
    const series *s = &p->series[i];
    fprintf(f, "%s'%s.csv' using %zu", i ? ", \\\n     " : "plot ", name, s->x_col + 1);
    for (size_t k = 0; k < styles[s->style].n_y; k++)
        fprintf(f, ":%zu", s->y_col + k + 1);
    fprintf(f, " with %s", styles[s->style].with);
    if (styles[s->style].extra)
        fprintf(f, " %s", styles[s->style].extra);
    if (s->options)
        fprintf(f, " %s", s->options);
    if (s->title) {
        fputs(" title ", f);
        put_text(f, s->title);
    } else {
        fputs(" notitle", f);
    }
}

/* The two terminals measure fonts and markers differently (SVG font sizes are pixels,
 * cairo's are points, and cairo draws markers smaller): these settings make the two
 * images look alike, text about 16 px high on 800 px. */
#define SVG_TERMINAL "svg size 800,560 font 'DejaVu Sans,16' background '#ffffff' enhanced"
#define PNG_TERMINAL "pngcairo size 800,560 font 'DejaVu Sans,12' pointscale 1.6 background " \
                     "'#ffffff' enhanced"

static void write_plot(const dac_plot *p, FILE *f, const char *name)
{
    fprintf(f, "\n# ---- the figure: SVG for pages, then the same as PNG (800×560 px)\n"
               "set terminal " SVG_TERMINAL "\nset output '%s.svg'\n", name);
    for (size_t i = 0; i < p->n_series; i++)
        write_series(p, f, name, i);
    fprintf(f, "\nset terminal " PNG_TERMINAL "\nset output '%s.png'\nreplot\n"
               "unset output\n", name);
}

static void write_script(const dac_plot *p, FILE *f, const char *name)
{
    write_header(p, f, name);
    write_settings(p, f);
    write_plot(p, f, name);
}

/* ------------------------------------------------------------ dac_plot_write ---- */

/* Text written to memory by one of the writers above. */
static int to_memory(const dac_plot *p, const char *name,
                     void (*writer)(const dac_plot *, FILE *, const char *), report_buffer *out)
{
    out->data = NULL;
    out->len = 0;
    FILE *f = open_memstream(&out->data, &out->len);
    if (!f)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    writer(p, f, name);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(out->data);
        out->data = NULL;
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    return DAC_OK;
}

static void csv_writer(const dac_plot *p, FILE *f, const char *name)
{
    (void)name;
    write_csv(p, f);
}

static int put_in_set(dac_outset *set, const char *name, const char *ext, const report_buffer *b)
{
    char file[256];
    FILE *f;
    snprintf(file, sizeof file, "%s.%s", name, ext);
    int st = dac_outset_open(set, file, &f);
    if (st == DAC_OK && b->len && fwrite(b->data, 1, b->len, f) != b->len)
        st = dac_error(DAC_ERR_RUNTIME, "%s/%s: write failed", dac_outset_dir(set), file);
    return st;
}

int dac_plot_write(const dac_plot *p, dac_outset *set, const char *name)
{
    int st = check_name(name);
    if (st == DAC_OK)
        st = check_figure(p, name);
    if (st != DAC_OK)
        return st;
    /* csv, gp, svg, png: the order they go into the set */
    report_buffer file[4] = {{NULL, 0}, {NULL, 0}, {NULL, 0}, {NULL, 0}};
    int rendered = 0;
    st = to_memory(p, name, csv_writer, &file[0]);
    if (st == DAC_OK)
        st = to_memory(p, name, write_script, &file[1]);
    if (st == DAC_OK)
        st = report_plot_render(p->program, p->timeout_s, name, file, &rendered);
    if (st == DAC_OK && !rendered)
        dac_warn("figure %s: gnuplot ('%s') not found; wrote %s.csv and %s.gp only (install "
                 "gnuplot-nox, then: cd %s && gnuplot %s.gp)", name, p->program, name, name,
                 dac_outset_dir(set), name);
    static const char *const ext[4] = {"csv", "gp", "svg", "png"};
    for (int i = 0; st == DAC_OK && i < (rendered ? 4 : 2); i++)
        st = put_in_set(set, name, ext[i], &file[i]);
    for (int i = 0; i < 4; i++)
        free(file[i].data);
    return st;
}

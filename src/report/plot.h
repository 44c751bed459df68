/*
 * plot.h — figures of every dac module, drawn by gnuplot from a CSV kept beside them
 * (private; shared plumbing like core's, hence the dac_plot_ prefix).
 *
 * A figure NAME written into an output set is four files:
 *   NAME.csv  the table it is drawn from (headers with units; NaN is an empty cell),
 *   NAME.gp   a commented, self-contained gnuplot script reading NAME.csv from its own
 *             folder: `cd OUT && gnuplot NAME.gp` redraws both images after a user
 *             edits either file (restyling, other labels, a journal's size),
 *   NAME.svg  800×560, for pages (the HTML report inlines it),
 *   NAME.png  800×560 px, for slides and viewers that lack SVG.
 * Without gnuplot on PATH only the CSV and the script are written, with a warning.
 * Same figure, same gnuplot → same bytes in all four files.
 *
 * Use: create, give the table, add series (drawn in the order added, each in the next
 * colour), optionally set log axes, ranges, labels and raw gnuplot commands, write,
 * free. A figure object is built once and can be written into several sets.
 *
 * Text (title, axis labels, series titles, labels) is taken literally: gnuplot's
 * "enhanced text" markup is off, so the underscore in a header like `distance_A`
 * stays an underscore. Write sub- and superscripts and symbols in UTF-8 (CO₂, Å, ΔG,
 * e⁻/Å²). Text must be valid UTF-8 without control characters.
 */
#ifndef DAC_REPORT_PLOT_H
#define DAC_REPORT_PLOT_H

#include <stddef.h>

#include "core/outset.h"

typedef struct dac_plot dac_plot;

/* How a series is drawn and which table columns it reads. Most read x_col and y_col;
 * the styles marked below also read the columns after y_col. */
typedef enum {
    DAC_PLOT_LINES,       /* x, y joined by lines */
    DAC_PLOT_POINTS,      /* x, y as markers */
    DAC_PLOT_LINESPOINTS, /* both */
    DAC_PLOT_STEPS,       /* y holds from x_i up to x_{i+1} (cumulative counts) */
    DAC_PLOT_BOXES,       /* bars centred on x (histograms); width: dac_plot_set_box_width,
                           * else bars touch their neighbours */
    DAC_PLOT_ERRORBARS,   /* markers with ± error bars: y_col = y, y_col+1 = error */
    DAC_PLOT_ERRORLINES,  /* as ERRORBARS, the markers joined by a line */
    DAC_PLOT_BOXES_WIDTH, /* bars of their own width: y_col = y, y_col+1 = bin width */
    DAC_PLOT_INTERVALS,   /* markers with asymmetric bars (confidence intervals):
                           * y_col = y, y_col+1 = lower bound, y_col+2 = upper bound */
    DAC_PLOT_BAND         /* shaded band: y_col = lower bound, y_col+1 = upper bound */
} dac_plot_style;

/* title, xlabel, ylabel may be NULL (none). Labels should carry the unit:
 * "distance (Å)". */
int dac_plot_create(const char *title, const char *xlabel, const char *ylabel, dac_plot **out);
void dac_plot_free(dac_plot *p);

/* The table the figure is drawn from, written as NAME.csv: n_cols headers with units,
 * n_rows × n_cols values row by row (NaN = empty cell: gnuplot leaves that point out
 * and a line joins its neighbours; ±inf breaks the line). Copied; replaces an earlier
 * table. */
int dac_plot_set_table(dac_plot *p, size_t n_cols, const char *const *headers, size_t n_rows,
                       const double *rows);

/* A series read from 0-based table columns; title NULL or "" keeps it out of the key.
 * Series are numbered 0, 1, … in the order added (for dac_plot_set_series_options).
 * Columns are checked against the table when the figure is written. */
int dac_plot_add_series(dac_plot *p, size_t x_col, size_t y_col, const char *title,
                        dac_plot_style style);
/* Raw gnuplot text appended to one series' plot clause: "axes x1y2" (second y axis),
 * "lw 3", "dt 2", "lc rgb '#808080'". One line; the caller's responsibility. */
int dac_plot_set_series_options(dac_plot *p, size_t series, const char *clause);

void dac_plot_set_log(dac_plot *p, int log_x, int log_y);
/* Axis 'x' or 'y'; NaN for lo or hi leaves that end automatic; lo > hi reverses the
 * axis. lo == hi or an infinite end is a usage error. */
int dac_plot_set_range(dac_plot *p, char axis, double lo, double hi);
/* Text at a point in data coordinates (first x, first y axes). */
int dac_plot_add_label(dac_plot *p, double x, double y, const char *text);
/* Fixed width of DAC_PLOT_BOXES bars in x units (0: bars touch, the default). */
int dac_plot_set_box_width(dac_plot *p, double width);
/* A second y axis on the right with this label; put series on it with
 * dac_plot_set_series_options(p, i, "axes x1y2"). */
int dac_plot_set_y2label(dac_plot *p, const char *label);
/* Escape hatch: one raw gnuplot line per call, placed after dac's settings and before
 * the plot command (arrows, "set y2range [0:100]", "set key top right", "set format y
 * '%g'"), in the order added. */
int dac_plot_add_command(dac_plot *p, const char *gnuplot_line);

/* The gnuplot program run by dac_plot_write ("gnuplot", searched on PATH, by default);
 * tests point it at a name that does not exist to check the fallback. */
int dac_plot_set_program(dac_plot *p, const char *program);
/* gnuplot is stopped after this long (120 s by default, assumption: a figure of a
 * million points takes a few seconds on one core) and the write fails. */
int dac_plot_set_timeout(dac_plot *p, double seconds);

/* Writes NAME.csv and NAME.gp into the set and runs gnuplot on them (in a private
 * temporary folder: the set's files are temporaries until commit) to add NAME.svg and
 * NAME.png. name: letters, digits, '_', '-', '.' (not first). gnuplot missing: a
 * warning, the CSV and script only, DAC_OK. gnuplot failing or not finishing in time:
 * DAC_ERR_RUNTIME with gnuplot's message, and nothing of this figure in the set. A
 * figure whose series have no finite point is drawn as an empty frame saying "no data". */
int dac_plot_write(const dac_plot *p, dac_outset *set, const char *name);

#endif

/*
 * dac/report.h — the page a researcher reads, and the study that fills it (`dac run`).
 *
 * The report (dac_report) collects what a study found — headings, paragraphs, the
 * exact command that reproduces each part, tables, figures, raster images, the
 * assumptions made and the review's measured figures beside the model's — and writes
 * ONE self-contained HTML page: CSS inline, figures inlined (gnuplot SVG as markup,
 * PNG images as base64), no script, no font or file fetched from anywhere, so the page
 * reads the same from a USB stick. It takes results (files written by the modules,
 * numbers the caller formats); it never computes anything itself. Figures come from
 * report/plot.h (NAME.svg with its NAME.png, NAME.csv and NAME.gp beside it, which the
 * page links to).
 *
 *     dac_report *r;
 *     dac_report_create("Ni2 from template pyrolysis", &r);
 *     dac_report_add_heading(r, 2, "Counting pairs");
 *     dac_report_add_paragraph(r, "Counted by `dac stem count` at 5·10⁴ e⁻/Å².");
 *     dac_report_add_figure(r, "see/purity.svg", "True, naive and corrected purity.");
 *     dac_report_add_command(r, "dac stem count see/a/image.tif -o see/a/count");
 *     dac_report_write(r, "out/report.html", &provenance);
 *     dac_report_free(r);
 *
 * Two reports with the same content give the same bytes, except for the one line the
 * time goes on (dac_report_set_time).
 *
 * The study (dac_report_study) is a YAML file (docs/report.md lists every key; unknown
 * keys are errors naming the file and line) or the built-in default study. Its stages
 * — make (dac synth), see (dac stem simulate + dac stem count), explain (dac kinetics)
 * — each write one sub-folder of the output folder, replaced as a whole only when the
 * stage succeeds, with a stamp of its inputs (its part of the study, the SHA-256 of its
 * input files, the software version): a stage whose stamp matches is not run again.
 * The report is then assembled from what the stage folders hold.
 */
#ifndef DAC_REPORT_H
#define DAC_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "dac/core.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest of libdac is hidden */

/* ------------------------------------------------------------------ the page ------ */

typedef struct dac_report dac_report;

/* Text everywhere is UTF-8 (write CO₂, Å, ΔG); it is escaped for HTML. In paragraphs
 * and captions, `backticks` mark code (a command, a file name, a key). */
int dac_report_create(const char *title, dac_report **out);
void dac_report_free(dac_report *r);
/* A line under the title (NULL: none). */
int dac_report_set_subtitle(dac_report *r, const char *text);
/* The page's one varying line, "Written YYYY-MM-DD HH:MM:SS UTC", from seconds since
 * 1970 (UTC); a negative value leaves the line out. */
void dac_report_set_time(dac_report *r, int64_t unix_s);

/* A section heading: level 2 (listed in the contents), 3 (listed under it) or 4. */
int dac_report_add_heading(dac_report *r, int level, const char *text);
int dac_report_add_paragraph(dac_report *r, const char *text);
/* The exact command that reproduces what precedes it, shown as code. */
int dac_report_add_command(dac_report *r, const char *command);
/* A table of text cells: n_cols headers (with units), then n_rows × n_cols cells row by
 * row (NULL or "" for an empty cell). Cells that read as numbers are right-aligned. */
int dac_report_add_table(dac_report *r, const char *caption, size_t n_cols,
                         const char *const *headers, size_t n_rows, const char *const *cells);
/* A figure drawn by report/plot.h: svg_path is NAME.svg, read when the page is written;
 * the caption says what it shows. The page links NAME.svg, NAME.png, NAME.csv and
 * NAME.gp where they exist. A figure whose SVG is missing (gnuplot was not installed)
 * is a note saying how to draw it, with a warning. */
int dac_report_add_figure(dac_report *r, const char *svg_path, const char *caption);
/* A raster image (a count overlay, a synthesis lattice): a PNG file inlined. */
int dac_report_add_image(dac_report *r, const char *png_path, const char *caption);
/* A long text kept on the page but folded (the study file): summary line, text. */
int dac_report_add_listing(dac_report *r, const char *summary, const char *text);
/* Collected into the section "Assumptions" at the end (a repeated text is listed once). */
int dac_report_add_assumption(dac_report *r, const char *text);
/* Collected into the table "The review's figures beside the model's" at the end. */
int dac_report_add_comparison(dac_report *r, const char *quantity, const char *review,
                              const char *model, const char *note);

/* Where the two collected sections go (once; without this call, at the end). */
int dac_report_add_collected(dac_report *r);

/* Writes the page to path (one-file output set: all or nothing). prov goes into the
 * page's last lines (software, command line, seed). Fails naming the file when a
 * figure's SVG has a script or is not SVG, or an image is not PNG. */
int dac_report_write(const dac_report *r, const char *path, const dac_provenance *prov);

/* ------------------------------------------------------------------ the study ----- */

typedef struct dac_report_study dac_report_study;

/* The built-in default study (YAML, compiled into the library from
 * data/study_default.yaml). */
const char *dac_report_study_default_text(size_t *len);
/* Reads and checks a study; quick != 0 applies its `quick:` block (what `--quick`
 * changes). Errors name the file, the line and the key (DAC_ERR_INPUT). */
int dac_report_study_read(const char *path, int quick, dac_report_study **out);
int dac_report_study_parse(const char *text, size_t len, const char *name, int quick,
                           dac_report_study **out);
void dac_report_study_free(dac_report_study *s);
/* The seed of every stochastic part (default: the study's `study.seed`). Run k of a
 * stage uses seed + k. */
void dac_report_study_set_seed(dac_report_study *s, uint64_t seed);
uint64_t dac_report_study_seed(const dac_report_study *s);

/* Stages in the order they run: "make", "see", "explain" (those the study has). */
size_t dac_report_study_stage_count(const dac_report_study *s);
const char *dac_report_study_stage_name(const dac_report_study *s, size_t i);
/* Runs stage i into OUTDIR/<name>/, unless the stamp there matches the stage's inputs
 * (*skipped = 1, nothing touched). On failure the previous OUTDIR/<name>/ is kept as it
 * was and the error names the stage. progress gets the stage's fraction done. */
int dac_report_study_run_stage(dac_report_study *s, size_t i, const char *outdir,
                               const dac_provenance *prov, dac_progress_fn progress,
                               void *user_data, int *skipped);
/* Writes OUTDIR/study.yaml (the study's text, so it can be edited and run again); an
 * existing file with other content is kept (*kept = 1) rather than overwritten. */
int dac_report_study_write_text(const dac_report_study *s, const char *outdir, int *kept);
/* Assembles OUTDIR/report.html from the stage folders (after the stages ran). */
int dac_report_study_write_report(const dac_report_study *s, const char *outdir,
                                  int64_t unix_s, const dac_provenance *prov);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif

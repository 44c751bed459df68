/*
 * report_internal.h — what the files of the report page share (private to src/report):
 * the blocks a dac_report holds, the HTML writer's helpers, and the page fragments a
 * study stage leaves in its folder.
 *
 * A report is a list of blocks in page order plus two collections that go to the end
 * of the page (assumptions, comparisons with the review). A figure or image block
 * names two paths: `path`, where the file is read from when the page is written, and
 * `link`, how the page refers to it (relative to the page). They are the same for a
 * report built in one go; for a fragment read from a stage folder the first is
 * "OUTDIR/make/x.svg" and the second "make/x.svg".
 */
#ifndef DAC_REPORT_INTERNAL_H
#define DAC_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/outset.h"
#include "dac/report.h"

typedef enum {
    REPORT_HEADING,
    REPORT_PARAGRAPH,
    REPORT_COMMAND,
    REPORT_TABLE,
    REPORT_FIGURE,
    REPORT_IMAGE,
    REPORT_LISTING,
    REPORT_COLLECTED /* the comparisons and assumptions go here */
} report_block_type;

typedef struct {
    report_block_type type;
    int level;      /* heading */
    char *text;     /* heading, paragraph, command, listing text; caption otherwise */
    char *summary;  /* listing */
    char *path;     /* figure, image: read from here */
    char *link;     /* figure, image: named so on the page */
    size_t n_cols, n_rows;
    char **cells;   /* table: n_cols headers, then n_rows × n_cols cells ("" empty) */
} report_block;

/* A growing list of strings (assumptions), or of rows of 4 (comparisons). */
typedef struct {
    char **items;
    size_t n, cap;
} report_strings;

struct dac_report {
    char *title, *subtitle;
    int64_t time_s; /* < 0: no time line */
    report_block *blocks;
    size_t n_blocks, cap_blocks;
    report_strings assumptions;
    report_strings comparisons; /* 4 strings per row */
};

/* Appends a copy of s ("" for NULL). */
int report_strings_add(report_strings *l, const char *s);
void report_strings_free(report_strings *l);
/* Appends a block whose strings the report takes over (freed on failure). */
int report_add_block(dac_report *r, report_block *b);
/* A figure or image with separate read path and page link. */
int report_add_file_block(dac_report *r, report_block_type type, const char *path,
                          const char *link, const char *caption);

/* HTML text: & < > " escaped, control characters dropped, `code` spans when code. */
void report_put_text(FILE *f, const char *text, int code_spans);

/* Writes the gnuplot SVG at path into f as inline markup: prolog and <title> dropped,
 * every id prefixed with prefix (several figures on one page use the same ids), a role
 * and label added. DAC_ERR_INPUT naming the file if it is not script-free SVG. */
int report_inline_svg(FILE *f, const char *path, const char *prefix, const char *label);
/* Writes the PNG at path as a data: URI (base64). DAC_ERR_INPUT if it is not a PNG. */
int report_inline_png(FILE *f, const char *path, int *width, int *height);

/* ---- fragments: a stage's part of the page as a JSON record ("dac report fragment")
 * with figure and image paths relative to the fragment's folder. */
int report_fragment_write(const dac_report *r, dac_outset *set, const char *name,
                          const dac_provenance *prov);
/* Appends the fragment's blocks and collections to r: files are read from
 * dir/NAME and linked as link_prefix NAME. Errors name the file (DAC_ERR_INPUT). */
int report_fragment_read(dac_report *r, const char *path, const char *dir,
                         const char *link_prefix);
int report_fragment_parse(dac_report *r, const char *text, size_t len, const char *name,
                          const char *dir, const char *link_prefix);

#endif

/*
 * report.c — the report object: blocks in page order and the two collections that close
 * the page (see dac/report.h; the HTML is html.c's job, fragments fragment.c's).
 */
#include <stdlib.h>
#include <string.h>

#include "dac/core.h"
#include "report/report_internal.h"

static char *copy(const char *s)
{
    return strdup(s ? s : "");
}

static int grow(void **array, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return DAC_OK;
    size_t c = *cap ? 2 * *cap : 8;
    void *a = realloc(*array, c * size);
    if (!a)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    *array = a;
    *cap = c;
    return DAC_OK;
}

int report_strings_add(report_strings *l, const char *s)
{
    int st = grow((void **)&l->items, &l->cap, l->n, sizeof *l->items);
    if (st != DAC_OK)
        return st;
    if (!(l->items[l->n] = copy(s)))
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    l->n++;
    return DAC_OK;
}

void report_strings_free(report_strings *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

static void block_free(report_block *b)
{
    free(b->text), free(b->summary), free(b->path), free(b->link);
    for (size_t i = 0; b->cells && i < b->n_cols * (b->n_rows + 1); i++)
        free(b->cells[i]);
    free(b->cells);
}

int dac_report_create(const char *title, dac_report **out)
{
    *out = NULL;
    if (!title || !*title)
        return dac_error(DAC_ERR_USAGE, "report: a title is needed");
    dac_report *r = calloc(1, sizeof *r);
    if (!r || !(r->title = strdup(title))) {
        free(r);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    r->time_s = -1;
    *out = r;
    return DAC_OK;
}

void dac_report_free(dac_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_blocks; i++)
        block_free(&r->blocks[i]);
    free(r->blocks);
    report_strings_free(&r->assumptions);
    report_strings_free(&r->comparisons);
    free(r->title), free(r->subtitle);
    free(r);
}

int dac_report_set_subtitle(dac_report *r, const char *text)
{
    char *s = text ? strdup(text) : NULL;
    if (text && !s)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    free(r->subtitle);
    r->subtitle = s;
    return DAC_OK;
}

void dac_report_set_time(dac_report *r, int64_t unix_s) { r->time_s = unix_s; }

int report_add_block(dac_report *r, report_block *b)
{
    int st = grow((void **)&r->blocks, &r->cap_blocks, r->n_blocks, sizeof *r->blocks);
    if (st != DAC_OK) {
        block_free(b);
        return st;
    }
    r->blocks[r->n_blocks++] = *b;
    return DAC_OK;
}

/* A block of one text. */
static int add_text(dac_report *r, report_block_type type, int level, const char *text,
                    const char *what)
{
    if (!text || !*text)
        return dac_error(DAC_ERR_USAGE, "report %s: no text", what);
    report_block b = {.type = type, .level = level, .text = strdup(text)};
    if (!b.text)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    return report_add_block(r, &b);
}

int dac_report_add_heading(dac_report *r, int level, const char *text)
{
    if (level < 2 || level > 4)
        return dac_error(DAC_ERR_USAGE, "report heading \"%s\": level %d, expected 2, 3 or 4 (1 "
                         "is the title)", text ? text : "", level);
    return add_text(r, REPORT_HEADING, level, text, "heading");
}

int dac_report_add_paragraph(dac_report *r, const char *text)
{
    return add_text(r, REPORT_PARAGRAPH, 0, text, "paragraph");
}

int dac_report_add_command(dac_report *r, const char *command)
{
    return add_text(r, REPORT_COMMAND, 0, command, "command");
}

int dac_report_add_listing(dac_report *r, const char *summary, const char *text)
{
    if (!summary || !*summary || !text)
        return dac_error(DAC_ERR_USAGE, "report listing: a summary line and a text are needed");
    report_block b = {.type = REPORT_LISTING, .summary = strdup(summary), .text = strdup(text)};
    if (!b.summary || !b.text) {
        block_free(&b);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    return report_add_block(r, &b);
}

int dac_report_add_table(dac_report *r, const char *caption, size_t n_cols,
                         const char *const *headers, size_t n_rows, const char *const *cells)
{
    if (n_cols == 0 || !headers || (n_rows && !cells))
        return dac_error(DAC_ERR_USAGE, "report table \"%s\": no columns", caption ? caption : "");
    if (n_rows > ((size_t)-1 / sizeof(char *)) / n_cols - 1)
        return dac_error(DAC_ERR_USAGE, "report table: %zu rows is too many", n_rows);
    report_block b = {.type = REPORT_TABLE, .text = copy(caption), .n_cols = n_cols,
                      .n_rows = n_rows, .cells = calloc(n_cols * (n_rows + 1), sizeof(char *))};
    int ok = b.text && b.cells;
    for (size_t i = 0; ok && i < n_cols * (n_rows + 1); i++)
        ok = (b.cells[i] = copy(i < n_cols ? headers[i] : cells[i - n_cols])) != NULL;
    if (!ok) {
        block_free(&b);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    return report_add_block(r, &b);
}

int report_add_file_block(dac_report *r, report_block_type type, const char *path,
                          const char *link, const char *caption)
{
    const char *what = type == REPORT_FIGURE ? "figure" : "image";
    if (!path || !*path)
        return dac_error(DAC_ERR_USAGE, "report %s: no file", what);
    if (!caption || !*caption)
        return dac_error(DAC_ERR_USAGE, "report %s %s: a caption saying what it shows is "
                         "needed", what, path);
    size_t n = strlen(path);
    const char *ext = type == REPORT_FIGURE ? ".svg" : ".png";
    if (n < 5 || strcmp(path + n - 4, ext) != 0)
        return dac_error(DAC_ERR_USAGE, "report %s %s: expected a file ending in %s", what, path, ext);
    report_block b = {.type = type, .path = strdup(path), .link = strdup(link ? link : path),
                      .text = strdup(caption)};
    if (!b.path || !b.link || !b.text) {
        block_free(&b);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    return report_add_block(r, &b);
}

int dac_report_add_figure(dac_report *r, const char *svg_path, const char *caption)
{
    return report_add_file_block(r, REPORT_FIGURE, svg_path, NULL, caption);
}

int dac_report_add_image(dac_report *r, const char *png_path, const char *caption)
{
    return report_add_file_block(r, REPORT_IMAGE, png_path, NULL, caption);
}

int dac_report_add_collected(dac_report *r)
{
    for (size_t i = 0; i < r->n_blocks; i++)
        if (r->blocks[i].type == REPORT_COLLECTED)
            return dac_error(DAC_ERR_USAGE, "report: the collected sections are placed once");
    report_block b = {.type = REPORT_COLLECTED};
    return report_add_block(r, &b);
}

int dac_report_add_assumption(dac_report *r, const char *text)
{
    if (!text || !*text)
        return dac_error(DAC_ERR_USAGE, "report assumption: no text");
    for (size_t i = 0; i < r->assumptions.n; i++)
        if (!strcmp(r->assumptions.items[i], text))
            return DAC_OK;
    return report_strings_add(&r->assumptions, text);
}

int dac_report_add_comparison(dac_report *r, const char *quantity, const char *review,
                              const char *model, const char *note)
{
    if (!quantity || !*quantity)
        return dac_error(DAC_ERR_USAGE, "report comparison: no quantity");
    const char *row[4] = {quantity, review, model, note};
    int st = DAC_OK;
    for (int k = 0; k < 4 && st == DAC_OK; k++)
        st = report_strings_add(&r->comparisons, row[k]);
    if (st != DAC_OK) /* keep rows whole */
        while (r->comparisons.n % 4)
            free(r->comparisons.items[--r->comparisons.n]);
    return st;
}

/*
 * csv.c — CSV reading (RFC 4180) and writing for every file dac reads or writes.
 *
 * The parser copies the text once and cuts it in place: each field becomes a pointer
 * into that copy (quotes removed, "" collapsed), so a file costs its own size plus one
 * pointer per field.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/io.h"
#include "core/parse.h"
#include "dac/core.h"

#define CSV_MAX_BYTES ((size_t)1 << 30)

struct dac_csv {
    char *name;
    char *text;      /* the copy the fields point into */
    size_t n_cols, n_rows;
    char **header;   /* n_cols */
    char **fields;   /* n_rows * n_cols */
    long *line;      /* per row */
};

typedef struct {
    char *p, *end;
    long line;
    char **row;
    size_t n, cap;
} cursor;

static int push_field(cursor *c, char *field)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        char **r = realloc(c->row, cap * sizeof *r);
        if (!r)
            return DAC_ERR_NOMEM;
        c->row = r;
        c->cap = cap;
    }
    c->row[c->n++] = field;
    return DAC_OK;
}

/* One field starting at c->p; writes it NUL-terminated in place and leaves c->p after
 * its delimiter. *eol is set when the field ended its record. */
static int read_field(cursor *c, const char *name, char **out, int *eol)
{
    char *start = c->p, *w = c->p;
    *eol = 0;
    if (c->p < c->end && *c->p == '"') {
        long first = c->line;
        c->p++;
        for (;;) {
            if (c->p >= c->end)
                return dac_error_at(DAC_ERR_INPUT, name, first, "unterminated quoted field");
            if (*c->p == '"') {
                if (c->p + 1 < c->end && c->p[1] == '"') {
                    *w++ = '"';
                    c->p += 2;
                    continue;
                }
                c->p++;
                break;
            }
            if (*c->p == '\n')
                c->line++;
            *w++ = *c->p++;
        }
        if (c->p < c->end && *c->p == '\r')
            c->p++;
        if (c->p < c->end && *c->p != ',' && *c->p != '\n')
            return dac_error_at(DAC_ERR_INPUT, name, c->line, "text after a closing quote");
    } else {
        while (c->p < c->end && *c->p != ',' && *c->p != '\n')
            w++, c->p++;
        if (w > start && w[-1] == '\r')
            w--;
    }
    if (c->p >= c->end || *c->p == '\n') {
        *eol = 1;
        if (c->p < c->end)
            c->line++;
    }
    if (c->p < c->end)
        c->p++;
    *w = '\0';
    *out = start;
    return DAC_OK;
}

static int is_blank_line(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    return p >= end || *p == '\n';
}

static void skip_line(cursor *c)
{
    while (c->p < c->end && *c->p != '\n')
        c->p++;
    if (c->p < c->end) {
        c->p++;
        c->line++;
    }
}

static int append_row(dac_csv *csv, cursor *c, long line, size_t *cap)
{
    if (c->n != csv->n_cols)
        return dac_error_at(DAC_ERR_INPUT, csv->name, line, "expected %zu fields as in the header, "
                            "got %zu", csv->n_cols, c->n);
    if (csv->n_rows == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        char **f = realloc(csv->fields, nc * csv->n_cols * sizeof *f);
        long *l = f ? realloc(csv->line, nc * sizeof *l) : NULL;
        if (f)
            csv->fields = f;
        if (!l)
            return dac_error(DAC_ERR_NOMEM, "%s: out of memory", csv->name);
        csv->line = l;
        *cap = nc;
    }
    memcpy(csv->fields + csv->n_rows * csv->n_cols, c->row, csv->n_cols * sizeof *c->row);
    csv->line[csv->n_rows++] = line;
    return DAC_OK;
}

static int parse_records(dac_csv *csv, cursor *c)
{
    size_t cap = 0;
    int have_header = 0, st = DAC_OK;
    while (st == DAC_OK && c->p < c->end) {
        if (is_blank_line(c->p, c->end) || (!have_header && *c->p == '#')) {
            skip_line(c);
            continue;
        }
        long line = c->line;
        int eol = 0;
        c->n = 0;
        while (st == DAC_OK && !eol) {
            char *field = NULL;
            st = read_field(c, csv->name, &field, &eol);
            if (st == DAC_OK && push_field(c, field))
                st = dac_error(DAC_ERR_NOMEM, "%s: out of memory", csv->name);
        }
        if (st != DAC_OK)
            break;
        if (!have_header) {
            have_header = 1;
            csv->n_cols = c->n;
            csv->header = malloc(c->n * sizeof *csv->header);
            if (!csv->header)
                return dac_error(DAC_ERR_NOMEM, "%s: out of memory", csv->name);
            memcpy(csv->header, c->row, c->n * sizeof *c->row);
        } else {
            st = append_row(csv, c, line, &cap);
        }
    }
    if (st == DAC_OK && !have_header)
        st = dac_error(DAC_ERR_INPUT, "%s: empty CSV file (no header row)", csv->name);
    return st;
}

int dac_csv_parse(const char *text, size_t len, const char *name, dac_csv **out)
{
    *out = NULL;
    dac_csv *csv = calloc(1, sizeof *csv);
    if (!csv)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    csv->name = strdup(name ? name : "(csv)");
    csv->text = malloc(len + 1);
    if (!csv->name || !csv->text) {
        dac_csv_free(csv);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    memcpy(csv->text, text, len);
    csv->text[len] = '\0';
    if (memchr(text, '\0', len)) {
        int st = dac_error(DAC_ERR_INPUT, "%s: not a text file (NUL byte)", csv->name);
        dac_csv_free(csv);
        return st;
    }
    cursor c = {csv->text, csv->text + len, 1, NULL, 0, 0};
    /* Excel's "CSV UTF-8" starts with a byte order mark: not part of the first name. */
    if (len >= 3 && !memcmp(c.p, "\xEF\xBB\xBF", 3))
        c.p += 3;
    int st = parse_records(csv, &c);
    free(c.row);
    if (st != DAC_OK) {
        dac_csv_free(csv);
        return st;
    }
    *out = csv;
    return DAC_OK;
}

int dac_csv_read(const char *path, dac_csv **out)
{
    char *text;
    size_t len;
    *out = NULL;
    int st = dac_read_file(path, CSV_MAX_BYTES, &text, &len);
    if (st != DAC_OK)
        return st;
    st = dac_csv_parse(text, len, path, out);
    free(text);
    return st;
}

void dac_csv_free(dac_csv *csv)
{
    if (!csv)
        return;
    free(csv->name);
    free(csv->text);
    free(csv->header);
    free(csv->fields);
    free(csv->line);
    free(csv);
}

const char *dac_csv_name(const dac_csv *csv) { return csv->name; }
size_t dac_csv_rows(const dac_csv *csv) { return csv->n_rows; }
size_t dac_csv_columns(const dac_csv *csv) { return csv->n_cols; }
const char *dac_csv_header(const dac_csv *csv, size_t col) { return col < csv->n_cols ? csv->header[col] : NULL; }

long dac_csv_column(const dac_csv *csv, const char *name)
{
    size_t want = strlen(name);
    for (size_t c = 0; c < csv->n_cols; c++) {
        const char *h = csv->header[c];
        while (*h == ' ')
            h++;
        size_t n = strlen(h);
        while (n && h[n - 1] == ' ')
            n--;
        if (n == want && strncmp(h, name, n) == 0)
            return (long)c;
    }
    return -1;
}

const char *dac_csv_field(const dac_csv *csv, size_t row, size_t col)
{
    if (row >= csv->n_rows || col >= csv->n_cols)
        return NULL;
    return csv->fields[row * csv->n_cols + col];
}

long dac_csv_line(const dac_csv *csv, size_t row) { return row < csv->n_rows ? csv->line[row] : 0; }

int dac_csv_double(const dac_csv *csv, size_t row, size_t col, double *value)
{
    const char *f = dac_csv_field(csv, row, col);
    if (!f)
        return dac_error(DAC_ERR_USAGE, "%s: no row %zu, column %zu", csv->name, row + 1, col + 1);
    while (*f == ' ')
        f++;
    char buf[64];
    size_t n = strlen(f);
    while (n && f[n - 1] == ' ')
        n--;
    if (n < sizeof buf) {
        memcpy(buf, f, n);
        buf[n] = '\0';
        if (dac_parse_double(buf, value) == DAC_OK)
            return DAC_OK;
    }
    return dac_error_at(DAC_ERR_INPUT, csv->name, csv->line[row], "column '%s': expected a number, "
                        "got '%.40s'", csv->header[col], f);
}

/* ------------------------------------------------------------------- writing ------ */

void dac_csv_write_field(FILE *f, const char *field, int last)
{
    const char *s = field ? field : "";
    /* A leading '#' is quoted too: first in the header it would read as a comment. */
    if (strpbrk(s, ",\"\r\n") || s[0] == '#') {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

void dac_format_double(char *buf, size_t size, double value)
{
    if (isnan(value)) {
        snprintf(buf, size, "nan");
        return;
    }
    if (isinf(value)) {
        snprintf(buf, size, value > 0 ? "inf" : "-inf");
        return;
    }
    /* Shortest of %.15g / %.17g that reads back exactly: readable and lossless. */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, value);
        if (strtod(buf, NULL) == value)
            return;
    }
}

void dac_csv_write_number(FILE *f, double value, int last)
{
    char buf[40];
    if (isnan(value))
        buf[0] = '\0'; /* empty cell: pandas reads it as NaN */
    else
        dac_format_double(buf, sizeof buf, value);
    fputs(buf, f);
    fputc(last ? '\n' : ',', f);
}

/*
 * csv.h — the one CSV reader and the CSV writing helpers of libdac (private).
 *
 * Reader: RFC 4180 (quoted fields with "" escapes and embedded commas or newlines,
 * CRLF or LF), a header row naming the columns, lines starting with '#' before the
 * header skipped (the element table's source notes). The whole file is parsed into
 * rows up front, so errors can name the line of any field. Every row must have the
 * header's number of fields; blank lines are skipped.
 *
 * Writer: fields quoted only when they need it; numbers in the shortest text that
 * reads back exactly; NaN as an empty cell (pandas reads it as NaN).
 */
#ifndef DAC_CORE_CSV_H
#define DAC_CORE_CSV_H

#include <stddef.h>
#include <stdio.h>

typedef struct dac_csv dac_csv;

/* Reads and parses a file (at most 1 GiB). Errors name the file and line. */
int dac_csv_read(const char *path, dac_csv **out);
/* Parses text; name is used in messages. */
int dac_csv_parse(const char *text, size_t len, const char *name, dac_csv **out);
void dac_csv_free(dac_csv *csv);

const char *dac_csv_name(const dac_csv *csv);
size_t dac_csv_rows(const dac_csv *csv);
size_t dac_csv_columns(const dac_csv *csv);
const char *dac_csv_header(const dac_csv *csv, size_t col);
/* Column index of a header name (exact match after trimming spaces); −1 if absent. */
long dac_csv_column(const dac_csv *csv, const char *name);
const char *dac_csv_field(const dac_csv *csv, size_t row, size_t col);
/* 1-based line of the file where a row starts. */
long dac_csv_line(const dac_csv *csv, size_t row);
/* The field as a finite number; DAC_ERR_INPUT "FILE:LINE: column 'x': expected a
 * number, got '…'" otherwise. */
int dac_csv_double(const dac_csv *csv, size_t row, size_t col, double *value);

/* ---- writing */
void dac_csv_write_field(FILE *f, const char *field, int last);
void dac_csv_write_number(FILE *f, double value, int last);
/* The shortest "%.Ng" text (N = 15…17) that reads back as exactly value. */
void dac_format_double(char *buf, size_t size, double value);

#endif

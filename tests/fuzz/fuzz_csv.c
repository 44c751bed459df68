/*
 * fuzz_csv.c — libFuzzer target for the CSV reader (dac_csv_parse). Any bytes must give
 * a table or DAC_ERR_INPUT/DAC_ERR_NOMEM, never a crash or a leak; a table must keep
 * its invariants (every field present, rows on increasing lines within the file,
 * numbers finite), and writing it back with the writer's quoting must read back the
 * same. Seeds: tests/fuzz/corpus/fuzz_csv/.
 *
 *   CC=clang cmake -S . -B build-fuzz -DDAC_FUZZ=ON && cmake --build build-fuzz --target fuzz_csv
 *   build-fuzz/fuzz_csv -dict=tests/fuzz/fuzz_csv.dict -max_total_time=120 \
 *       CORPUS_COPY tests/fuzz/corpus/fuzz_csv
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "dac/core.h"

static size_t count_lines(const uint8_t *data, size_t size)
{
    size_t n = 1;
    for (size_t i = 0; i < size; i++)
        n += data[i] == '\n';
    return n;
}

static void check_table(const dac_csv *csv, const uint8_t *data, size_t size)
{
    size_t rows = dac_csv_rows(csv), cols = dac_csv_columns(csv), lines = count_lines(data, size);
    if (cols == 0 || cols > size + 1 || rows > size)
        abort();
    for (size_t c = 0; c < cols; c++) {
        const char *h = dac_csv_header(csv, c);
        if (!h)
            abort();
        long found = dac_csv_column(csv, h);
        int padded = h[0] == ' ' || (h[0] && h[strlen(h) - 1] == ' ');
        if (found < 0 && !padded) /* lookup trims the header's spaces, not the name's */
            abort();
        if (found > (long)c) /* the first column of that name */
            abort();
    }
    long prev = 0;
    for (size_t r = 0; r < rows; r++) {
        long line = dac_csv_line(csv, r);
        if (line <= prev || (size_t)line > lines)
            abort();
        prev = line;
        for (size_t c = 0; c < cols; c++) {
            if (!dac_csv_field(csv, r, c))
                abort();
            double v;
            int st = dac_csv_double(csv, r, c, &v);
            if ((st != DAC_OK && st != DAC_ERR_INPUT) || (st == DAC_OK && !isfinite(v)))
                abort();
        }
    }
    if (dac_csv_field(csv, rows, 0) || dac_csv_field(csv, 0, cols) || dac_csv_header(csv, cols))
        abort();
}

/* A row that the writer would put on a line of blanks only is skipped by the reader
 * (blank lines are not rows): that is the one table the round trip cannot keep. */
static int has_blank_only_row(const dac_csv *csv)
{
    if (dac_csv_columns(csv) != 1)
        return 0;
    for (size_t r = 0; r <= dac_csv_rows(csv); r++) {
        const char *f = r ? dac_csv_field(csv, r - 1, 0) : dac_csv_header(csv, 0);
        if (f[strspn(f, " \t")] == '\0')
            return 1;
    }
    return 0;
}

static void write_row(FILE *f, const dac_csv *csv, size_t r)
{
    size_t cols = dac_csv_columns(csv);
    for (size_t c = 0; c < cols; c++)
        dac_csv_write_field(f, r ? dac_csv_field(csv, r - 1, c) : dac_csv_header(csv, c), c + 1 == cols);
}

static void check_round_trip(const dac_csv *csv)
{
    /* A header starting with a byte order mark would lose it again on reading. */
    if (has_blank_only_row(csv) || !strncmp(dac_csv_header(csv, 0), "\xEF\xBB\xBF", 3))
        return;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    for (size_t r = 0; r <= dac_csv_rows(csv); r++)
        write_row(f, csv, r);
    fclose(f);
    dac_csv *back = NULL;
    if (dac_csv_parse(text, len, "round trip", &back) != DAC_OK)
        abort();
    if (dac_csv_rows(back) != dac_csv_rows(csv) || dac_csv_columns(back) != dac_csv_columns(csv))
        abort();
    for (size_t c = 0; c < dac_csv_columns(csv); c++) {
        if (strcmp(dac_csv_header(back, c), dac_csv_header(csv, c)))
            abort();
        for (size_t r = 0; r < dac_csv_rows(csv); r++)
            if (strcmp(dac_csv_field(back, r, c), dac_csv_field(csv, r, c)))
                abort();
    }
    dac_csv_free(back);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dac_csv *csv = NULL;
    int st = dac_csv_parse((const char *)data, size, "fuzz", &csv);
    if ((st == DAC_OK) != (csv != NULL))
        abort();
    if (st != DAC_OK && st != DAC_ERR_INPUT && st != DAC_ERR_NOMEM)
        abort();
    if (csv) {
        check_table(csv, data, size);
        check_round_trip(csv);
    }
    dac_csv_free(csv);
    return 0;
}

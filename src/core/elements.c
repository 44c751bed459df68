/*
 * elements.c — the element table, parsed once from data/elements.csv (embedded in the
 * library at build time by cmake/embed_text.cmake) into a static array.
 *
 * The text is ours and fixed at build time, so a parse failure is a build defect: the
 * table is then left empty and every lookup returns NULL (tests catch it).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "dac/core.h"

#define MAX_Z 118

extern const char dac_elements_csv[];
extern const size_t dac_elements_csv_len;

static dac_element table[MAX_Z + 1];
static char symbols[MAX_Z + 1][4];
static int max_z;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void parse_row(const dac_csv *csv, size_t r)
{
    double Z, mass, radius, sigma;
    if (dac_csv_double(csv, r, 0, &Z) || Z < 1 || Z > MAX_Z || Z != (int)Z ||
        dac_csv_double(csv, r, 2, &mass) || dac_csv_double(csv, r, 3, &radius) ||
        dac_csv_double(csv, r, 4, &sigma))
        return;
    int z = (int)Z;
    dac_element *e = &table[z];
    snprintf(symbols[z], sizeof symbols[z], "%s", dac_csv_field(csv, r, 1));
    *e = (dac_element){z, symbols[z], mass, radius, sigma, dac_csv_field(csv, r, 5)[0] == '1'};
    if (z > max_z)
        max_z = z;
}

static void load_table(void)
{
    dac_csv *csv;
    int st = dac_csv_parse(dac_elements_csv, dac_elements_csv_len, "data/elements.csv", &csv);
    if (st == DAC_OK && dac_csv_columns(csv) == 6)
        for (size_t r = 0; r < dac_csv_rows(csv); r++)
            parse_row(csv, r);
    dac_csv_free(csv);
    dac_error_clear(); /* a defect of the build, caught by the tests: not the caller's error */
}

static void ensure_loaded(void) { pthread_once(&table_once, load_table); }

const dac_element *dac_element_by_Z(int Z)
{
    ensure_loaded();
    if (Z < 1 || Z > MAX_Z || table[Z].Z == 0)
        return NULL;
    return &table[Z];
}

const dac_element *dac_element_by_symbol(const char *symbol)
{
    ensure_loaded();
    if (!symbol || !symbol[0])
        return NULL;
    for (int Z = 1; Z <= max_z; Z++)
        if (table[Z].Z && strcmp(table[Z].symbol, symbol) == 0)
            return &table[Z];
    return NULL;
}

int dac_element_count(void)
{
    ensure_loaded();
    return max_z;
}

/*
 * elements.c — the element table, parsed once from data/elements.csv (embedded in the
 * library at build time by cmake/embed_text.cmake) into a static array.
 *
 * The text is ours and fixed at build time, so a parse failure is a build defect: the
 * table is then left empty and every lookup returns NULL (tests catch it).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dac/core.h"

#define MAX_Z 118

extern const char dac_elements_csv[];
extern const size_t dac_elements_csv_len;

static dac_element table[MAX_Z + 1];
static char symbols[MAX_Z + 1][4];
static int max_z;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void parse_row(char *line)
{
    char *fields[6], *save = NULL;
    int n = 0;
    /* strtok_r, not strtok: the table loads lazily inside a caller's own strtok loop. */
    for (char *tok = strtok_r(line, ",", &save); tok && n < 6; tok = strtok_r(NULL, ",", &save))
        fields[n++] = tok;
    if (n != 6)
        return;
    long Z;
    if (dac_parse_long(fields[0], &Z) != DAC_OK || Z < 1 || Z > MAX_Z)
        return;
    dac_element *e = &table[Z];
    e->Z = (int)Z;
    strncpy(symbols[Z], fields[1], sizeof symbols[Z] - 1);
    e->symbol = symbols[Z];
    if (dac_parse_double(fields[2], &e->mass_u) || dac_parse_double(fields[3], &e->covalent_radius_A) ||
        dac_parse_double(fields[4], &e->haadf_sigma_1e4A2)) {
        e->Z = 0;
        return;
    }
    e->is_metal = fields[5][0] == '1';
    if (Z > max_z)
        max_z = (int)Z;
}

static void load_table(void)
{
    char *text = malloc(dac_elements_csv_len + 1);
    if (!text)
        return;
    memcpy(text, dac_elements_csv, dac_elements_csv_len + 1);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[len - 1] = '\0';
        if (line[0] == '#' || line[0] == 'Z' || line[0] == '\0')
            continue;
        parse_row(line);
    }
    free(text);
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

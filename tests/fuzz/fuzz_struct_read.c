/*
 * fuzz_struct_read.c — libFuzzer target for the structure readers: every input is read
 * as each format (and with format detection). A reader must either fail cleanly (status,
 * no structure) or return a structure that keeps the invariants below; ASan catches
 * overreads and leaks. What was read is then analysed (close contacts, neighbour grid,
 * sites) and written as a JSON record and a table, which must succeed or fail cleanly
 * too. Seeds: tests/fuzz/corpus/fuzz_struct_read/.
 *
 *   cmake -DDAC_FUZZ=ON -DCMAKE_C_COMPILER=clang -B build-fuzz && cmake --build build-fuzz
 *   build-fuzz/fuzz_struct_read -dict=tests/fuzz/fuzz_struct_read.dict \
 *       -max_total_time=180 CORPUS_COPY tests/fuzz/corpus/fuzz_struct_read
 *
 * The fuzzer only sees coverage of code compiled with -fsanitize=fuzzer-no-link (or
 * fuzzer), so libdac itself must be built with it, not just this file.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "dac/core.h"
#include "dac/struct.h"

static void check(const dac_structure *s, size_t size)
{
    /* every atom needs at least a few bytes of input, except CIF symmetry images
     * (at most 384 per site) */
    if (s->n_atoms > 384 * (size + 1))
        abort();
    for (size_t i = 0; i < s->n_atoms; i++) {
        if (!dac_element_by_Z(s->Z[i]))
            abort();
        for (int k = 0; k < 3; k++)
            if (!isfinite(s->position_A[3 * i + k]))
                abort();
    }
    if (s->has_cell) {
        double f[3];
        for (int i = 0; i < 9; i++)
            if (!isfinite(s->cell_A[i / 3][i % 3]))
                abort();
        if (s->n_atoms && dac_struct_cartesian_to_fractional(s, s->position_A, f) != DAC_OK)
            abort(); /* readers never return a singular cell */
    }
}

/* Analysis of a (small) structure read from fuzzed input: bad input (contacts, a cell
 * too thin for the cutoffs) is a clean failure; a result must write. */
static void analyze(const dac_structure *s)
{
    if (s->n_atoms > 2000)
        return; /* keeps each run fast; the grid is tested at scale elsewhere */
    dac_site_analysis *a = NULL;
    int st = dac_struct_analyze(s, NULL, &a);
    if ((st == DAC_OK) != (a != NULL))
        abort();
    if (st != DAC_OK && st != DAC_ERR_INPUT && st != DAC_ERR_USAGE && st != DAC_ERR_NOMEM)
        abort();
    if (!a)
        return;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f && (dac_site_analysis_write_json(f, "fuzz", s, a, NULL) != DAC_OK ||
              dac_site_analysis_write_table(f, "fuzz", s, a) != DAC_OK))
        abort();
    if (f)
        fclose(f);
    free(text);
    dac_site_analysis_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const dac_struct_format formats[] = {DAC_FORMAT_XYZ, DAC_FORMAT_EXTXYZ, DAC_FORMAT_POSCAR,
                                                DAC_FORMAT_CIF, DAC_FORMAT_AUTO};
    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
        dac_structure *s = NULL;
        int st = dac_struct_read_buffer((const char *)data, size, "fuzz", formats[f], &s);
        if ((st == DAC_OK) != (s != NULL))
            abort();
        if (st != DAC_OK && st != DAC_ERR_INPUT && st != DAC_ERR_NOMEM)
            abort();
        if (s) {
            check(s, size);
            analyze(s);
        }
        dac_structure_free(s);
        dac_warnings_clear();
    }
    return 0;
}

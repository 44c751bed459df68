/*
 * fuzz_report_fragment.c — libFuzzer target for the reader of report fragments (the
 * JSON part of the page a study stage leaves in its folder: report_fragment_parse).
 * Any bytes must append blocks or fail with DAC_ERR_INPUT/NOMEM, never crash or leak;
 * every figure or image path taken must stay inside the fragment's folder. Seeds:
 * tests/fuzz/corpus/fuzz_report_fragment/.
 *
 *   CC=clang cmake -S . -B build-fuzz -DDAC_FUZZ=ON && cmake --build build-fuzz --target fuzz_report_fragment
 *   build-fuzz/fuzz_report_fragment -max_total_time=120 CORPUS_COPY tests/fuzz/corpus/fuzz_report_fragment
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dac/core.h"
#include "dac/report.h"
#include "report/report_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dac_report *r;
    if (dac_report_create("fuzz", &r) != DAC_OK)
        abort();
    int st = report_fragment_parse(r, (const char *)data, size, "fuzz.json", "stage", "stage/");
    if (st != DAC_OK && st != DAC_ERR_INPUT && st != DAC_ERR_NOMEM)
        abort();
    for (size_t i = 0; i < r->n_blocks; i++) {
        const report_block *b = &r->blocks[i];
        if ((b->type == REPORT_FIGURE || b->type == REPORT_IMAGE) &&
            (strncmp(b->path, "stage/", 6) != 0 || strstr(b->path, "/../") || !b->text[0]))
            abort();
        if (b->type == REPORT_HEADING && (b->level < 2 || b->level > 4))
            abort();
    }
    if (r->comparisons.n % 4)
        abort();
    dac_report_free(r);
    dac_error_clear();
    return 0;
}

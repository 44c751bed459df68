/*
 * fuzz_study.c — libFuzzer target for the study reader of `dac run`
 * (dac_report_study_parse), in both forms (plain and --quick). Any bytes must give a
 * study or DAC_ERR_INPUT/NOMEM, never crash or leak; a study read must have a stage and
 * give every stage a name. Seeds: tests/fuzz/corpus/fuzz_study/ (the default study and
 * the test studies).
 *
 *   CC=clang cmake -S . -B build-fuzz -DDAC_FUZZ=ON && cmake --build build-fuzz --target fuzz_study
 *   build-fuzz/fuzz_study -dict=tests/fuzz/fuzz_config.dict -max_total_time=120 \
 *       CORPUS_COPY tests/fuzz/corpus/fuzz_study
 */
#include <stdint.h>
#include <stdlib.h>

#include "dac/core.h"
#include "dac/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int quick = 0; quick < 2; quick++) {
        dac_report_study *s = NULL;
        int st = dac_report_study_parse((const char *)data, size, "fuzz.yaml", quick, &s);
        if ((st == DAC_OK) != (s != NULL))
            abort();
        if (st != DAC_OK && st != DAC_ERR_INPUT && st != DAC_ERR_NOMEM)
            abort();
        size_t n = s ? dac_report_study_stage_count(s) : 0;
        if (s && n == 0)
            abort();
        for (size_t i = 0; i < n; i++)
            if (!dac_report_study_stage_name(s, i))
                abort();
        dac_report_study_free(s);
        dac_error_clear();
    }
    return 0;
}

/*
 * fuzz_kinetics_mechanism.c — libFuzzer target for the kinetics mechanism reader
 * (src/kinetics/mechanism.c, equation.c): every input is parsed as a YAML mechanism.
 * The reader must fail cleanly (DAC_ERR_INPUT or NOMEM, no model) or return a
 * validated model whose free-energy diagram can be computed; ASan catches overreads
 * and leaks. Seeds: tests/fuzz/corpus/fuzz_kinetics_mechanism/ (replayed by
 * tests/kinetics/test_corpus.c in every test build).
 *
 *   cmake -DDAC_FUZZ=ON -DCMAKE_C_COMPILER=clang -B build-fuzz && cmake --build build-fuzz
 *   build-fuzz/fuzz_kinetics_mechanism -dict=tests/fuzz/fuzz_kinetics_mechanism.dict \
 *       -max_total_time=180 CORPUS_COPY tests/fuzz/corpus/fuzz_kinetics_mechanism
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "dac/kinetics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dac_kinetics_model *m = NULL;
    int st = dac_kinetics_model_parse((const char *)data, size, "fuzz.yaml", &m);
    if ((st == DAC_OK) != (m != NULL))
        abort();
    if (st != DAC_OK && st != DAC_ERR_INPUT && st != DAC_ERR_NOMEM)
        abort();
    if (m) {
        if (dac_kinetics_model_step_count(m) == 0 || dac_kinetics_model_site_type_count(m) == 0)
            abort(); /* validation refuses both */
        dac_kinetics_fed *f = NULL;
        if (dac_kinetics_fed_compute(m, NULL, -0.5, &f) == DAC_OK) {
            for (size_t k = 0; k < dac_kinetics_fed_level_count(f); k++)
                if (isnan(dac_kinetics_fed_level(f, k)))
                    abort();
        }
        dac_kinetics_fed_free(f);
    }
    dac_kinetics_model_free(m);
    dac_warnings_clear();
    return 0;
}

/*
 * fuzz_synth_recipe.c — libFuzzer target for the synthesis recipe reader
 * (src/synth/recipe.c over core's YAML flattener). A recipe must either be refused
 * cleanly (DAC_ERR_INPUT or DAC_ERR_NOMEM, with a message) or read into parameters that
 * pass dac_synth_params_check; small ones are also built into an engine, which must
 * succeed or refuse cleanly. Seeds: tests/fuzz/corpus/fuzz_synth_recipe/ (replayed in
 * the ordinary build by tests/synth/test_recipe.c).
 *
 *   cmake -DDAC_FUZZ=ON -DCMAKE_C_COMPILER=clang -B build-fuzz && cmake --build build-fuzz
 *   build-fuzz/fuzz_synth_recipe -max_total_time=120 CORPUS_COPY tests/fuzz/corpus/fuzz_synth_recipe
 */
#include <stdint.h>
#include <stdlib.h>

#include "dac/core.h"
#include "dac/synth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dac_synth_params p;
    int st = dac_synth_recipe_parse((const char *)data, size, "fuzz", NULL, 0, &p);
    if (st != DAC_OK && st != DAC_ERR_INPUT && st != DAC_ERR_NOMEM)
        abort();
    if (st != DAC_OK && !dac_last_error()[0])
        abort(); /* every refusal says why */
    if (st == DAC_OK) {
        if (dac_synth_params_check(&p) != DAC_OK)
            abort();
        /* building is cheap for small lattices; running is not fuzzed (its cost is the
         * recipe's to choose) */
        if (p.sites_per_side <= 64) {
            dac_synth_engine *e = NULL;
            int c = dac_synth_engine_create(&p, 1, &e);
            if ((c == DAC_OK) != (e != NULL) || (c != DAC_OK && c != DAC_ERR_INPUT && c != DAC_ERR_NOMEM))
                abort();
            dac_synth_engine_free(e);
        }
    }
    dac_error_clear();
    dac_warnings_clear();
    return 0;
}

/*
 * fuzz_stem_model.c — libFuzzer target for the reader of the learned detector's
 * model.json (src/stem/count/model.c): every input is parsed as a model. The reader
 * must fail cleanly (DAC_ERR_INPUT or NOMEM, no model) or return a model whose booster
 * XGBoost can evaluate: the structure check must keep every tree XGBoost walks inside
 * its arrays. Seeds: tests/fuzz/corpus/fuzz_stem_model/ (a small trained model and
 * damaged copies of it).
 *
 *   cmake -DDAC_FUZZ=ON -DCMAKE_C_COMPILER=clang -B build-fuzz && cmake --build build-fuzz
 *   build-fuzz/fuzz_stem_model -max_total_time=180 CORPUS_COPY tests/fuzz/corpus/fuzz_stem_model
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dac/core.h"
#include "stem/count/learn_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    dac_stem_model *m = NULL;
    int st = count_model_parse(text, size, "fuzz.json", &m);
    if (st == DAC_OK) {
        const dac_stem_model_info *in = dac_stem_model_get_info(m);
        if (!m || !(in->decision_threshold >= 0 && in->decision_threshold <= 1) || !in->n_features)
            abort();
        float row[64], p[2];
        for (size_t k = 0; k < 64; k++)
            row[k] = k % 3 ? (float)k : NAN; /* values and missing ones */
        if (in->n_features <= 32 &&
            count_booster_predict(m->booster, row, 2, in->n_features, 0, p) == DAC_OK &&
            !(p[0] >= 0 && p[0] <= 1))
            abort();
    } else if ((st != DAC_ERR_INPUT && st != DAC_ERR_NOMEM) || m) {
        abort();
    }
    dac_stem_model_free(m);
    dac_warnings_clear();
    free(text);
    return 0;
}

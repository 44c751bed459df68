/*
 * fuzz_kinetics_table.c — libFuzzer target for the CatMAP-style energy-table reader
 * (src/kinetics/table.c): every input is read as a table for a fixed small model
 * (surface Ni2N6, site map 111=s). The reader must fail cleanly (DAC_ERR_INPUT or NOMEM)
 * or fill only finite energies; ASan catches overreads. Seeds:
 * tests/fuzz/corpus/fuzz_kinetics_table/ (replayed by tests/kinetics/test_corpus.c).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "dac/kinetics.h"

static dac_kinetics_model *small_model(void)
{
    dac_kinetics_model *m = NULL;
    if (dac_kinetics_model_create("fuzz", &m) || dac_kinetics_model_add_site_type(m, "s", 1) ||
        dac_kinetics_model_add_species(m, "CO", DAC_KINETICS_GAS, NULL, 0, NAN) ||
        dac_kinetics_model_add_species(m, "CO_s", DAC_KINETICS_ADSORBATE, NULL, 0, NAN) ||
        dac_kinetics_model_add_species(m, "COOH_s", DAC_KINETICS_ADSORBATE, NULL, 0, NAN))
        abort();
    return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dac_kinetics_model *m = small_model();
    int st = dac_kinetics_model_parse_energy_table(m, (const char *)data, size, "fuzz.tsv", "Ni2N6", "111=s");
    if (st != DAC_OK && st != DAC_ERR_INPUT && st != DAC_ERR_NOMEM)
        abort();
    for (size_t i = 0; i < dac_kinetics_model_species_count(m); i++) {
        double G = dac_kinetics_model_species_energy(m, i);
        if (!isnan(G) && !isfinite(G))
            abort();
    }
    dac_kinetics_model_free(m);
    return 0;
}

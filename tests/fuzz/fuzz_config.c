/*
 * fuzz_config.c — libFuzzer target for the YAML configuration reader
 * (dac_config_parse). Any bytes must give a configuration or DAC_ERR_INPUT/NOMEM,
 * never a crash or a leak; a configuration must keep its invariants (unique keys with
 * a value and a line in the file, no key read means every key unknown, every key read
 * means none), and the typed getters and --set must fail cleanly whatever the values.
 * Seeds: tests/fuzz/corpus/fuzz_config/.
 *
 *   CC=clang cmake -S . -B build-fuzz -DDAC_FUZZ=ON && cmake --build build-fuzz --target fuzz_config
 *   build-fuzz/fuzz_config -dict=tests/fuzz/fuzz_config.dict -max_total_time=120 \
 *       CORPUS_COPY tests/fuzz/corpus/fuzz_config
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "dac/core.h"

static void check_config(dac_config *cfg, size_t size)
{
    size_t n = dac_config_size(cfg);
    if (n > size)
        abort();
    if (n && dac_config_check_unused(cfg) != DAC_ERR_INPUT)
        abort(); /* nothing read yet: the first key is unknown */
    for (size_t i = 0; i < n; i++) {
        const char *key = dac_config_key(cfg, i), *value = dac_config_value(cfg, i);
        if (!key || !value)
            abort();
        long line = dac_config_line(cfg, key);
        if (line < 1 || (size_t)line > size + 1)
            abort();
        if (dac_config_get(cfg, key) != value) /* keys are unique */
            abort();
        double d;
        long l;
        int a = dac_config_get_double(cfg, key, &d), b = dac_config_get_long(cfg, key, &l);
        if ((a != DAC_OK && a != DAC_ERR_INPUT) || (b != DAC_OK && b != DAC_ERR_INPUT))
            abort();
    }
    if (dac_config_key(cfg, n) || dac_config_check_unused(cfg) != DAC_OK)
        abort();
    /* --set adds an unknown key (unless the file had it) that mark_prefix accounts for. */
    int had = dac_config_line(cfg, "fuzz.extra") > 0;
    if (dac_config_set(cfg, "fuzz.extra", "1") != DAC_OK)
        return;
    if (dac_config_size(cfg) != n + !had)
        abort();
    if (!had && dac_config_check_unused(cfg) != DAC_ERR_INPUT)
        abort();
    dac_config_mark_prefix(cfg, "fuzz.");
    if (dac_config_check_unused(cfg) != DAC_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dac_config *cfg = NULL;
    int st = dac_config_parse((const char *)data, size, "fuzz", &cfg);
    if ((st == DAC_OK) != (cfg != NULL))
        abort();
    if (st != DAC_OK && st != DAC_ERR_INPUT && st != DAC_ERR_NOMEM)
        abort();
    if (cfg)
        check_config(cfg, size);
    dac_config_free(cfg);
    return 0;
}

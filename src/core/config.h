/*
 * config.h — YAML documents flattened to dotted keys, with line numbers (private).
 *
 * "probe.alpha_mrad" -> "25", each with the line it came from, so readers of recipes,
 * mechanisms and studies can say "recipe.yaml:12: key x: expected …". Sequences are
 * indexed: "atoms.0.element". Readers mark the keys they use; dac_config_check_unused
 * then turns every key nobody asked for into an error (a misspelt key must not be
 * silently ignored).
 */
#ifndef DAC_CORE_CONFIG_H
#define DAC_CORE_CONFIG_H

#include <stddef.h>

typedef struct dac_config dac_config;

int dac_config_read(const char *path, dac_config **cfg);
int dac_config_parse(const char *text, size_t len, const char *name, dac_config **cfg);
void dac_config_free(dac_config *cfg);
const char *dac_config_name(const dac_config *cfg);
size_t dac_config_size(const dac_config *cfg);
const char *dac_config_key(const dac_config *cfg, size_t i);
const char *dac_config_value(const dac_config *cfg, size_t i);
/* The value of key (NULL if absent); marks the key used. */
const char *dac_config_get(const dac_config *cfg, const char *key);
long dac_config_line(const dac_config *cfg, const char *key); /* 0 if absent */
/* Typed getters: a missing key leaves *value untouched and returns DAC_OK; a value
 * that is not a (finite) number fails with DAC_ERR_INPUT naming file, line and key. */
int dac_config_get_double(const dac_config *cfg, const char *key, double *value);
int dac_config_get_long(const dac_config *cfg, const char *key, long *value);
/* Marks every key under prefix ("mechanism.steps." ) used. */
void dac_config_mark_prefix(dac_config *cfg, const char *prefix);
/* DAC_ERR_INPUT "FILE:LINE: unknown key 'x'" for the first key never read. */
int dac_config_check_unused(const dac_config *cfg);
/* Sets key to value (adding it when absent, line 0): --set key=value overrides. */
int dac_config_set(dac_config *cfg, const char *key, const char *value);

#endif

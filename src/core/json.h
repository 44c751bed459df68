/*
 * json.h — the one JSON record convention of every file dac writes (private).
 *
 * A record is a cJSON object that starts with
 *   "record": "<what it is>", "record_version": 1,
 *   "provenance": {"software": "dac 0.1.0", "command_line": [...] | null,
 *                  "seed": N | null, "inputs": [{"path", "sha256", "bytes"}]}
 * followed by the content. Conventions the helpers below enforce:
 *   - units in every key (distance_A, dG_eV); the caller names keys that way;
 *   - a number that is not finite is written as null, and the object holding it gets
 *     "null_reasons": {"<key>": "<why>"} (a statistic with no atoms, no pairs: null
 *     with its reason, never 0);
 *   - strings (file names above all) are made valid UTF-8 (invalid bytes become
 *     U+FFFD) and escaped by cJSON, so the file stays valid JSON for any path;
 *   - integers (seeds, counts) are written with all their digits, also where a double
 *     or cJSON's 15-digit printing would round them (from 10^15 on).
 */
#ifndef DAC_CORE_JSON_H
#define DAC_CORE_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "core/outset.h"
#include "dac/core.h"

/* A new record with its header and provenance block (inputs hashed now; an input that
 * cannot be read gets "sha256": null with the reason). NULL when out of memory. */
cJSON *dac_json_record(const char *record, const dac_provenance *prov);

/* Finite: a number; otherwise null with why (NULL: "not finite"). */
void dac_json_number(cJSON *obj, const char *key, double value, const char *why);
void dac_json_count(cJSON *obj, const char *key, size_t value);
void dac_json_uint64(cJSON *obj, const char *key, uint64_t value);
void dac_json_string(cJSON *obj, const char *key, const char *text); /* NULL → null */
void dac_json_bool(cJSON *obj, const char *key, int value);
/* An array of n numbers; non-finite ones become null (the reason goes to the parent
 * object's null_reasons under key). */
void dac_json_numbers(cJSON *obj, const char *key, const double *v, size_t n, const char *why);
void dac_json_counts(cJSON *obj, const char *key, const size_t *v, size_t n);
/* A string made valid UTF-8: a new cJSON string item. */
cJSON *dac_json_create_string(const char *text);

/* Writes j, pretty-printed, with a final newline. */
int dac_json_write(FILE *f, const cJSON *j, const char *name);
/* Opens name in the set and writes j into it. */
int dac_outset_json(dac_outset *set, const char *name, const cJSON *j);

#endif

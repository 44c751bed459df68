/*
 * json.c — JSON records: the provenance header and the null-with-reason convention
 * (see json.h). cJSON does the syntax; this file holds dac's conventions.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/io.h"
#include "core/json.h"

/* Copies text replacing every byte that does not start a valid UTF-8 sequence (or
 * belongs to an overlong, surrogate or out-of-range one) by U+FFFD. */
static char *valid_utf8(const char *text)
{
    size_t n = strlen(text);
    char *out = malloc(3 * n + 1), *w = out;
    if (!out)
        return NULL;
    const unsigned char *p = (const unsigned char *)text, *end = p + n;
    while (p < end) {
        unsigned c = *p;
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        int ok = len > 0 && (size_t)(end - p) >= len;
        unsigned cp = len == 1 ? c : len == 2 ? c & 31 : len == 3 ? c & 15 : c & 7;
        for (size_t k = 1; ok && k < len; k++) {
            ok = (p[k] & 0xC0) == 0x80;
            cp = cp << 6 | (p[k] & 63u);
        }
        if (ok)
            ok = (len == 1) || (len == 2 && cp >= 0x80) || (len == 3 && cp >= 0x800 &&
                 (cp < 0xD800 || cp > 0xDFFF)) || (len == 4 && cp >= 0x10000 && cp <= 0x10FFFF);
        if (ok) {
            memcpy(w, p, len);
            w += len, p += len;
        } else {
            memcpy(w, "\xEF\xBF\xBD", 3);
            w += 3, p++;
        }
    }
    *w = '\0';
    return out;
}

cJSON *dac_json_create_string(const char *text)
{
    char *t = valid_utf8(text);
    cJSON *s = t ? cJSON_CreateString(t) : NULL;
    free(t);
    return s;
}

static void note_null(cJSON *obj, const char *key, const char *why)
{
    cJSON *r = cJSON_GetObjectItemCaseSensitive(obj, "null_reasons");
    if (!r)
        r = cJSON_AddObjectToObject(obj, "null_reasons");
    if (r && !cJSON_GetObjectItemCaseSensitive(r, key))
        cJSON_AddItemToObject(r, key, dac_json_create_string(why ? why : "not finite"));
}

void dac_json_number(cJSON *obj, const char *key, double value, const char *why)
{
    if (isfinite(value)) {
        cJSON_AddNumberToObject(obj, key, value);
    } else {
        cJSON_AddNullToObject(obj, key);
        note_null(obj, key, why);
    }
}

void dac_json_count(cJSON *obj, const char *key, size_t value)
{
    dac_json_uint64(obj, key, (uint64_t)value);
}

void dac_json_uint64(cJSON *obj, const char *key, uint64_t value)
{
    /* cJSON 1.7 prints a number with 15 significant digits whenever that reads back
     * within DBL_EPSILON *relative* of it, so integers from about 4.5e15 on (below
     * 2^53, where a double still holds them exactly) lose their last digits: a
     * 16-digit seed would be recorded wrong. Below 10^15 the 15 digits are exact. */
    if (value < 1000000000000000ull) {
        cJSON_AddNumberToObject(obj, key, (double)value);
        return;
    }
    char buf[32]; /* write the digits */
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)value);
    cJSON_AddRawToObject(obj, key, buf);
}

void dac_json_string(cJSON *obj, const char *key, const char *text)
{
    if (!text)
        cJSON_AddNullToObject(obj, key);
    else
        cJSON_AddItemToObject(obj, key, dac_json_create_string(text));
}

void dac_json_bool(cJSON *obj, const char *key, int value) { cJSON_AddBoolToObject(obj, key, value != 0); }

void dac_json_numbers(cJSON *obj, const char *key, const double *v, size_t n, const char *why)
{
    cJSON *a = cJSON_AddArrayToObject(obj, key);
    int any_null = 0;
    for (size_t i = 0; a && i < n; i++) {
        any_null |= !isfinite(v[i]);
        cJSON_AddItemToArray(a, isfinite(v[i]) ? cJSON_CreateNumber(v[i]) : cJSON_CreateNull());
    }
    if (any_null)
        note_null(obj, key, why);
}

void dac_json_counts(cJSON *obj, const char *key, const size_t *v, size_t n)
{
    cJSON *a = cJSON_AddArrayToObject(obj, key);
    for (size_t i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber((double)v[i]));
}

static void add_inputs(cJSON *p, const dac_provenance *prov)
{
    cJSON *in = cJSON_AddArrayToObject(p, "inputs");
    for (size_t i = 0; in && prov && i < prov->n_inputs; i++) {
        const char *path = prov->inputs[i];
        cJSON *o = cJSON_CreateObject();
        dac_json_string(o, "path", path);
        char hex[65];
        struct stat sb;
        if (strcmp(path, "-") && stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
            dac_sha256_file(path, hex) == DAC_OK) {
            cJSON_AddStringToObject(o, "sha256", hex);
            dac_json_count(o, "bytes", (size_t)sb.st_size);
        } else {
            dac_error_clear();
            dac_json_number(o, "sha256", NAN, strcmp(path, "-") ? "file not readable when the "
                            "record was written" : "standard input");
        }
        cJSON_AddItemToArray(in, o);
    }
}

cJSON *dac_json_record(const char *record, const dac_provenance *prov)
{
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    cJSON_AddStringToObject(j, "record", record);
    cJSON_AddNumberToObject(j, "record_version", 1);
    cJSON *p = cJSON_AddObjectToObject(j, "provenance");
    cJSON_AddStringToObject(p, "software", "dac " DAC_VERSION);
    if (prov && prov->argc > 0 && prov->argv) {
        cJSON *cl = cJSON_AddArrayToObject(p, "command_line");
        for (int i = 0; cl && i < prov->argc; i++)
            cJSON_AddItemToArray(cl, dac_json_create_string(prov->argv[i] ? prov->argv[i] : ""));
    } else {
        dac_json_number(p, "command_line", NAN, "called from a program, not the command line");
    }
    if (prov && prov->has_seed)
        dac_json_uint64(p, "seed", prov->seed);
    else
        dac_json_number(p, "seed", NAN, "deterministic: no random numbers used");
    add_inputs(p, prov);
    return j;
}

int dac_json_write(FILE *f, const cJSON *j, const char *name)
{
    char *text = cJSON_Print(j);
    if (!text)
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory formatting JSON", name ? name : "JSON");
    fputs(text, f);
    fputc('\n', f);
    cJSON_free(text);
    return ferror(f) ? dac_error(DAC_ERR_RUNTIME, "%s: write failed", name ? name : "JSON") : DAC_OK;
}

int dac_outset_json(dac_outset *set, const char *name, const cJSON *j)
{
    FILE *f;
    int st = dac_outset_open(set, name, &f);
    return st == DAC_OK ? dac_json_write(f, j, name) : st;
}

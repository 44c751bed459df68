/*
 * config.c — YAML configuration files, read with libyaml and flattened to dotted keys
 * ("probe.alpha_mrad", "atoms.0.element") that remember their line, so a module can say
 * "study.yaml:12: probe.alpha_mrad: expected a number" without knowing YAML.
 *
 * Only what configs need: mappings, sequences and scalars. Anchors/aliases and tags are
 * rejected with a clear message rather than half-supported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/config.h"
#include "core/io.h"
#include "core/parse.h"
#include "dac/core.h"

#define MAX_DEPTH 32

typedef struct {
    char *key;
    char *value;
    long line;
    int used; /* read by a getter: keys never read are unknown keys */
} entry;

struct dac_config {
    char *name;
    entry *entries;
    size_t n, cap;
};

/* One open container while walking the event stream. */
typedef struct {
    int is_sequence;
    size_t index;     /* next sequence index */
    char *key;        /* mapping: pending key (NULL when a key is expected) */
    size_t prefix_len; /* length of the dotted path up to this container */
} frame;

static int add_entry(dac_config *c, const char *key, const char *value, long line)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->entries[i].key, key) == 0)
            return dac_error_at(DAC_ERR_INPUT, c->name, line, "duplicate key '%s' (first on line %ld)",
                                key, c->entries[i].line);
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        entry *e = realloc(c->entries, cap * sizeof *e);
        if (!e)
            return dac_error(DAC_ERR_NOMEM, "out of memory reading %s", c->name);
        c->entries = e;
        c->cap = cap;
    }
    entry *e = &c->entries[c->n];
    e->key = strdup(key);
    e->value = strdup(value);
    e->line = line;
    e->used = 0;
    if (!e->key || !e->value) {
        free(e->key);
        free(e->value);
        return dac_error(DAC_ERR_NOMEM, "out of memory reading %s", c->name);
    }
    c->n++;
    return DAC_OK;
}

/* Appends ".component" (or "component" at the root) to path; returns new length. */
static int path_push(char *path, size_t size, size_t base, const char *component)
{
    int n = snprintf(path + base, size - base, "%s%s", base ? "." : "", component);
    if (n < 0 || (size_t)n >= size - base)
        return -1;
    return (int)(base + n);
}

typedef struct {
    dac_config *cfg;
    frame stack[MAX_DEPTH];
    int depth;
    char path[1024];
} walker;

/* Where the next value goes: the dotted key for a scalar or the new container. */
static int value_path(walker *w, long line, size_t *len)
{
    frame *top = &w->stack[w->depth - 1];
    char idx[32];
    const char *component;
    if (top->is_sequence) {
        snprintf(idx, sizeof idx, "%zu", top->index++);
        component = idx;
    } else {
        component = top->key;
    }
    int n = path_push(w->path, sizeof w->path, top->prefix_len, component);
    if (n < 0)
        return dac_error_at(DAC_ERR_INPUT, w->cfg->name, line, "key path too long");
    *len = (size_t)n;
    return DAC_OK;
}

static void frame_done_value(frame *top)
{
    if (!top->is_sequence) {
        free(top->key);
        top->key = NULL;
    }
}

/* A key given twice in one mapping. add_entry catches two scalars at the same path;
 * this also catches a key whose first value was a mapping or a sequence (its entries
 * are "key.…"), which would otherwise be merged with or sit beside the second. */
static int duplicate_key(walker *w, const frame *top, const char *key, long line)
{
    char path[sizeof w->path];
    memcpy(path, w->path, top->prefix_len);
    int n = path_push(path, sizeof path, top->prefix_len, key);
    if (n < 0)
        return dac_error_at(DAC_ERR_INPUT, w->cfg->name, line, "key path too long");
    for (size_t i = 0; i < w->cfg->n; i++) {
        const entry *e = &w->cfg->entries[i];
        if (!strncmp(e->key, path, (size_t)n) && (e->key[n] == '\0' || e->key[n] == '.'))
            return dac_error_at(DAC_ERR_INPUT, w->cfg->name, line, "duplicate key '%s' (first on "
                                "line %ld)", path, e->line);
    }
    return DAC_OK;
}

static int on_scalar(walker *w, const yaml_event_t *ev, long line)
{
    const char *text = (const char *)ev->data.scalar.value;
    if (w->depth == 0)
        return dac_error_at(DAC_ERR_INPUT, w->cfg->name, line, "expected a mapping at the top level");
    frame *top = &w->stack[w->depth - 1];
    if (!top->is_sequence && !top->key) {
        if (strchr(text, '.'))
            return dac_error_at(DAC_ERR_INPUT, w->cfg->name, line, "key '%s' must not contain '.'", text);
        int st = duplicate_key(w, top, text, line);
        if (st)
            return st;
        top->key = strdup(text);
        return top->key ? DAC_OK : dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    size_t len;
    int st = value_path(w, line, &len);
    if (st)
        return st;
    st = add_entry(w->cfg, w->path, text, line);
    frame_done_value(top);
    return st;
}

static int on_start(walker *w, int is_sequence, long line)
{
    size_t len = 0;
    if (w->depth >= MAX_DEPTH)
        return dac_error_at(DAC_ERR_INPUT, w->cfg->name, line, "nesting deeper than %d levels", MAX_DEPTH);
    if (w->depth > 0) {
        frame *top = &w->stack[w->depth - 1];
        if (!top->is_sequence && !top->key)
            return dac_error_at(DAC_ERR_INPUT, w->cfg->name, line, "a mapping key must be a plain scalar");
        int st = value_path(w, line, &len);
        if (st)
            return st;
    } else if (is_sequence) {
        return dac_error_at(DAC_ERR_INPUT, w->cfg->name, line, "expected a mapping at the top level");
    }
    frame *f = &w->stack[w->depth++];
    memset(f, 0, sizeof *f);
    f->is_sequence = is_sequence;
    f->prefix_len = len;
    return DAC_OK;
}

static void on_end(walker *w)
{
    frame *f = &w->stack[--w->depth];
    free(f->key);
    f->key = NULL;
    if (w->depth > 0)
        frame_done_value(&w->stack[w->depth - 1]);
}

/* Anchors and tags would be half-supported (an anchor without its aliases, a tag whose
 * type is ignored): refused, as the header says. */
static int refuse_decorations(walker *w, const yaml_event_t *ev, long line)
{
    const yaml_char_t *anchor = NULL, *tag = NULL;
    if (ev->type == YAML_SCALAR_EVENT)
        anchor = ev->data.scalar.anchor, tag = ev->data.scalar.tag;
    else if (ev->type == YAML_MAPPING_START_EVENT)
        anchor = ev->data.mapping_start.anchor, tag = ev->data.mapping_start.tag;
    else if (ev->type == YAML_SEQUENCE_START_EVENT)
        anchor = ev->data.sequence_start.anchor, tag = ev->data.sequence_start.tag;
    if (anchor)
        return dac_error_at(DAC_ERR_INPUT, w->cfg->name, line, "YAML anchors are not supported "
                            "(&%s)", (const char *)anchor);
    if (tag)
        return dac_error_at(DAC_ERR_INPUT, w->cfg->name, line, "YAML tags are not supported (%s)",
                            (const char *)tag);
    return DAC_OK;
}

static int walk(walker *w, yaml_parser_t *parser)
{
    int done = 0, status = DAC_OK, documents = 0;
    while (!done && status == DAC_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(parser, &ev)) {
            status = dac_error_at(DAC_ERR_INPUT, w->cfg->name, (long)parser->problem_mark.line + 1,
                                  "YAML syntax: %s", parser->problem ? parser->problem : "error");
            break;
        }
        long line = (long)ev.start_mark.line + 1;
        status = refuse_decorations(w, &ev, line);
        switch (status ? YAML_NO_EVENT : ev.type) {
        case YAML_SCALAR_EVENT: status = on_scalar(w, &ev, line); break;
        case YAML_MAPPING_START_EVENT: status = on_start(w, 0, line); break;
        case YAML_SEQUENCE_START_EVENT: status = on_start(w, 1, line); break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT: on_end(w); break;
        case YAML_ALIAS_EVENT:
            status = dac_error_at(DAC_ERR_INPUT, w->cfg->name, line, "YAML aliases are not supported");
            break;
        case YAML_DOCUMENT_START_EVENT:
            /* Stopping at the first document's end would silently ignore the keys of
             * a second one (a stray "---" in a recipe). */
            if (++documents > 1)
                status = dac_error_at(DAC_ERR_INPUT, w->cfg->name, line, "a second YAML document "
                                      "(one per file)");
            break;
        case YAML_STREAM_END_EVENT: done = 1; break;
        default: break;
        }
        yaml_event_delete(&ev);
    }
    while (w->depth > 0)
        on_end(w);
    return status;
}

int dac_config_parse(const char *text, size_t len, const char *name, dac_config **cfg)
{
    *cfg = NULL;
    dac_config *c = calloc(1, sizeof *c);
    walker *w = calloc(1, sizeof *w);
    if (!c || !w || !(c->name = strdup(name ? name : "(config)"))) {
        free(w);
        dac_config_free(c);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    w->cfg = c;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        free(w);
        dac_config_free(c);
        return dac_error(DAC_ERR_NOMEM, "cannot initialise the YAML parser");
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int status = walk(w, &parser);
    yaml_parser_delete(&parser);
    free(w);
    if (status != DAC_OK) {
        dac_config_free(c);
        return status;
    }
    *cfg = c;
    return DAC_OK;
}

int dac_config_read(const char *path, dac_config **cfg)
{
    *cfg = NULL;
    char *buf;
    size_t n;
    int st = dac_read_file(path, (size_t)64 << 20, &buf, &n);
    if (st != DAC_OK)
        return st;
    st = dac_config_parse(buf, n, path, cfg);
    free(buf);
    return st;
}

void dac_config_free(dac_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->n; i++) {
        free(cfg->entries[i].key);
        free(cfg->entries[i].value);
    }
    free(cfg->entries);
    free(cfg->name);
    free(cfg);
}

const char *dac_config_name(const dac_config *cfg) { return cfg->name; }
size_t dac_config_size(const dac_config *cfg) { return cfg->n; }
const char *dac_config_key(const dac_config *cfg, size_t i) { return i < cfg->n ? cfg->entries[i].key : NULL; }
const char *dac_config_value(const dac_config *cfg, size_t i) { return i < cfg->n ? cfg->entries[i].value : NULL; }

static entry *find(const dac_config *cfg, const char *key)
{
    for (size_t i = 0; i < cfg->n; i++)
        if (strcmp(cfg->entries[i].key, key) == 0)
            return &cfg->entries[i];
    return NULL;
}

/* Getters mark what they read; the flag is bookkeeping, not content, so const
 * readers may set it. */
static entry *use(const dac_config *cfg, const char *key)
{
    entry *e = find(cfg, key);
    if (e)
        e->used = 1;
    return e;
}

const char *dac_config_get(const dac_config *cfg, const char *key)
{
    const entry *e = use(cfg, key);
    return e ? e->value : NULL;
}

long dac_config_line(const dac_config *cfg, const char *key)
{
    const entry *e = find(cfg, key);
    return e ? e->line : 0;
}

int dac_config_get_double(const dac_config *cfg, const char *key, double *value)
{
    const entry *e = use(cfg, key);
    if (!e)
        return DAC_OK;
    if (dac_parse_double(e->value, value) != DAC_OK)
        return dac_error_at(DAC_ERR_INPUT, cfg->name, e->line, "key '%s': expected a number, got '%s'",
                            key, e->value);
    return DAC_OK;
}

int dac_config_get_long(const dac_config *cfg, const char *key, long *value)
{
    const entry *e = use(cfg, key);
    if (!e)
        return DAC_OK;
    if (dac_parse_long(e->value, value) != DAC_OK)
        return dac_error_at(DAC_ERR_INPUT, cfg->name, e->line, "key '%s': expected an integer, got '%s'",
                            key, e->value);
    return DAC_OK;
}

void dac_config_mark_prefix(dac_config *cfg, const char *prefix)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i < cfg->n; i++)
        if (strncmp(cfg->entries[i].key, prefix, n) == 0)
            cfg->entries[i].used = 1;
}

int dac_config_check_unused(const dac_config *cfg)
{
    for (size_t i = 0; i < cfg->n; i++)
        if (!cfg->entries[i].used)
            return dac_error_at(DAC_ERR_INPUT, cfg->name, cfg->entries[i].line, "unknown key '%s'",
                                cfg->entries[i].key);
    return DAC_OK;
}

int dac_config_set(dac_config *cfg, const char *key, const char *value)
{
    entry *e = find(cfg, key);
    if (!e)
        return add_entry(cfg, key, value, 0);
    char *v = strdup(value);
    if (!v)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    free(e->value);
    e->value = v;
    return DAC_OK;
}

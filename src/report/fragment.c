/*
 * fragment.c — a stage's part of the page, kept in the stage's folder as a JSON record
 * (record "dac report fragment"), so that the page can be assembled again from the
 * folders when a re-run skips the stage: the report reads results, it never re-runs
 * them.
 *
 *   {"record": "dac report fragment", "record_version": 1, "provenance": {…},
 *    "blocks": [{"type": "heading", "level": 2, "text": "…"},
 *               {"type": "paragraph" | "command", "text": "…"},
 *               {"type": "table", "caption": "…", "headers": […], "rows": [[…], …]},
 *               {"type": "figure" | "image", "file": "purity.svg", "caption": "…"},
 *               {"type": "listing", "summary": "…", "text": "…"},
 *               {"type": "collected"}],
 *    "assumptions": ["…"],
 *    "comparisons": [{"quantity", "review", "model", "note"}]}
 *
 * Files are named relative to the fragment's folder and must stay inside it (no "..",
 * no absolute path): a fragment cannot make the page read /etc/passwd.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/io.h"
#include "core/json.h"
#include "dac/core.h"
#include "report/report_internal.h"

#define FRAGMENT_RECORD "dac report fragment"
#define FRAGMENT_MAX ((size_t)64 << 20)

/* ------------------------------------------------------------ writing ------------- */

static void add_string(cJSON *o, const char *key, const char *s)
{
    cJSON_AddItemToObject(o, key, dac_json_create_string(s ? s : ""));
}

static cJSON *string_array(char *const *s, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, dac_json_create_string(s[i]));
    return a;
}

static cJSON *block_json(const report_block *b)
{
    static const char *const names[] = {
        [REPORT_HEADING] = "heading", [REPORT_PARAGRAPH] = "paragraph",
        [REPORT_COMMAND] = "command", [REPORT_TABLE] = "table", [REPORT_FIGURE] = "figure",
        [REPORT_IMAGE] = "image", [REPORT_LISTING] = "listing", [REPORT_COLLECTED] = "collected"};
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    add_string(o, "type", names[b->type]);
    switch (b->type) {
    case REPORT_HEADING:
        cJSON_AddNumberToObject(o, "level", b->level);
        add_string(o, "text", b->text);
        break;
    case REPORT_PARAGRAPH:
    case REPORT_COMMAND: add_string(o, "text", b->text); break;
    case REPORT_TABLE: {
        add_string(o, "caption", b->text);
        cJSON_AddItemToObject(o, "headers", string_array(b->cells, b->n_cols));
        cJSON *rows = cJSON_AddArrayToObject(o, "rows");
        for (size_t r = 0; rows && r < b->n_rows; r++)
            cJSON_AddItemToArray(rows, string_array(b->cells + (r + 1) * b->n_cols, b->n_cols));
        break;
    }
    case REPORT_FIGURE:
    case REPORT_IMAGE:
        add_string(o, "file", b->link);
        add_string(o, "caption", b->text);
        break;
    case REPORT_LISTING:
        add_string(o, "summary", b->summary);
        add_string(o, "text", b->text);
        break;
    case REPORT_COLLECTED: break;
    }
    return o;
}

int report_fragment_write(const dac_report *r, dac_outset *set, const char *name,
                          const dac_provenance *prov)
{
    cJSON *j = dac_json_record(FRAGMENT_RECORD, prov);
    cJSON *blocks = j ? cJSON_AddArrayToObject(j, "blocks") : NULL;
    for (size_t i = 0; blocks && i < r->n_blocks; i++)
        cJSON_AddItemToArray(blocks, block_json(&r->blocks[i]));
    if (j)
        cJSON_AddItemToObject(j, "assumptions", string_array(r->assumptions.items, r->assumptions.n));
    cJSON *cmp = j ? cJSON_AddArrayToObject(j, "comparisons") : NULL;
    for (size_t i = 0; cmp && i + 4 <= r->comparisons.n; i += 4) {
        cJSON *o = cJSON_CreateObject();
        static const char *const keys[4] = {"quantity", "review", "model", "note"};
        for (int k = 0; o && k < 4; k++)
            add_string(o, keys[k], r->comparisons.items[i + (size_t)k]);
        cJSON_AddItemToArray(cmp, o);
    }
    int st = j && blocks && cmp ? dac_outset_json(set, name, j) : dac_error(DAC_ERR_NOMEM, "out of memory");
    cJSON_Delete(j);
    return st;
}

/* ------------------------------------------------------------ reading ------------- */

typedef struct {
    const char *name, *dir, *prefix;
} source;

static int bad(const source *src, const char *fmt, const char *what)
{
    return dac_error(DAC_ERR_INPUT, "%s: %s%s", src->name, fmt, what ? what : "");
}

/* A string member; NULL (and an error) when missing or not a string. */
static const char *member(const source *src, const cJSON *o, const char *key, int *st)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (*st == DAC_OK && !cJSON_IsString(v)) {
        *st = dac_error(DAC_ERR_INPUT, "%s: a block has no text '%s'", src->name, key);
        return NULL;
    }
    return *st == DAC_OK ? v->valuestring : NULL;
}

/* A file name relative to the fragment's folder, staying inside it. */
static int safe_file(const char *f)
{
    if (!*f || f[0] == '/')
        return 0;
    for (const char *p = f; *p; p = strchr(p, '/') ? strchr(p, '/') + 1 : p + strlen(p))
        if (!strncmp(p, "..", 2) && (p[2] == '/' || p[2] == '\0'))
            return 0;
    return 1;
}

static int read_file_block(dac_report *r, const source *src, const cJSON *o, report_block_type type)
{
    int st = DAC_OK;
    const char *file = member(src, o, "file", &st);
    const char *caption = member(src, o, "caption", &st);
    if (st != DAC_OK)
        return st;
    if (!safe_file(file))
        return bad(src, "figure file outside the fragment's folder: ", file);
    size_t nl = strlen(src->prefix) + strlen(file) + 1;
    char *path = dac_path_join(src->dir, file), *link = malloc(nl);
    if (path && link) {
        snprintf(link, nl, "%s%s", src->prefix, file);
        st = report_add_file_block(r, type, path, link, caption);
    } else {
        st = dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    free(path), free(link);
    return st;
}

/* Strings of a JSON array of exactly n strings (n 0: any length, set). */
static int strings_of(const source *src, const cJSON *a, size_t *n, const char ***out)
{
    size_t m = cJSON_IsArray(a) ? (size_t)cJSON_GetArraySize(a) : 0;
    if (!cJSON_IsArray(a) || (*n && m != *n) || m == 0)
        return bad(src, "a table row or header list has the wrong number of cells", NULL);
    const char **s = calloc(m, sizeof *s);
    if (!s)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    size_t i = 0;
    for (const cJSON *v = a->child; v; v = v->next, i++) {
        if (!cJSON_IsString(v)) {
            free(s);
            return bad(src, "a table cell is not text", NULL);
        }
        s[i] = v->valuestring;
    }
    *n = m;
    *out = s;
    return DAC_OK;
}

static int read_table(dac_report *r, const source *src, const cJSON *o)
{
    int st = DAC_OK;
    const char *caption = member(src, o, "caption", &st);
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(o, "rows");
    size_t n_cols = 0;
    const char **headers = NULL;
    if (st == DAC_OK)
        st = strings_of(src, cJSON_GetObjectItemCaseSensitive(o, "headers"), &n_cols, &headers);
    if (st == DAC_OK && !cJSON_IsArray(rows))
        st = bad(src, "a table has no rows", NULL);
    size_t n_rows = st == DAC_OK ? (size_t)cJSON_GetArraySize(rows) : 0;
    const char **cells = st == DAC_OK ? calloc(n_rows * n_cols + 1, sizeof *cells) : NULL;
    if (st == DAC_OK && !cells)
        st = dac_error(DAC_ERR_NOMEM, "out of memory");
    size_t i = 0;
    for (const cJSON *row = st == DAC_OK ? rows->child : NULL; row && st == DAC_OK; row = row->next, i++) {
        const char **c = NULL;
        size_t n = n_cols;
        st = strings_of(src, row, &n, &c);
        if (st == DAC_OK)
            memcpy(cells + i * n_cols, c, n_cols * sizeof *c);
        free(c);
    }
    if (st == DAC_OK)
        st = dac_report_add_table(r, caption, n_cols, headers, n_rows, cells);
    free(headers);
    free(cells);
    return st;
}

static int read_block(dac_report *r, const source *src, const cJSON *o)
{
    int st = DAC_OK;
    const char *type = member(src, o, "type", &st);
    if (st != DAC_OK)
        return st;
    if (!strcmp(type, "heading")) {
        const cJSON *level = cJSON_GetObjectItemCaseSensitive(o, "level");
        const char *text = member(src, o, "text", &st);
        if (st == DAC_OK && !cJSON_IsNumber(level))
            return bad(src, "a heading has no level", NULL);
        return st ? st : dac_report_add_heading(r, level->valuedouble == 3 ? 3 : level->valuedouble == 4 ? 4 : 2, text);
    }
    if (!strcmp(type, "paragraph") || !strcmp(type, "command")) {
        const char *text = member(src, o, "text", &st);
        if (st == DAC_OK && !*text)
            return bad(src, "an empty ", type);
        return st ? st : type[0] == 'p' ? dac_report_add_paragraph(r, text) : dac_report_add_command(r, text);
    }
    if (!strcmp(type, "figure"))
        return read_file_block(r, src, o, REPORT_FIGURE);
    if (!strcmp(type, "image"))
        return read_file_block(r, src, o, REPORT_IMAGE);
    if (!strcmp(type, "table"))
        return read_table(r, src, o);
    if (!strcmp(type, "listing")) {
        const char *summary = member(src, o, "summary", &st);
        const char *text = member(src, o, "text", &st);
        return st ? st : dac_report_add_listing(r, *summary ? summary : "(listing)", text);
    }
    if (!strcmp(type, "collected"))
        return dac_report_add_collected(r);
    return bad(src, "unknown block type ", type);
}

static int read_collections(dac_report *r, const source *src, const cJSON *j)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "assumptions");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "comparisons");
    if ((a && !cJSON_IsArray(a)) || (c && !cJSON_IsArray(c)))
        return bad(src, "'assumptions' and 'comparisons' must be lists", NULL);
    int st = DAC_OK;
    for (const cJSON *v = a ? a->child : NULL; v && st == DAC_OK; v = v->next)
        st = cJSON_IsString(v) && *v->valuestring ? dac_report_add_assumption(r, v->valuestring)
                                                  : bad(src, "an assumption is not text", NULL);
    for (const cJSON *v = c ? c->child : NULL; v && st == DAC_OK; v = v->next) {
        const char *q = member(src, v, "quantity", &st), *rv = member(src, v, "review", &st);
        const char *m = member(src, v, "model", &st), *n = member(src, v, "note", &st);
        if (st == DAC_OK)
            st = *q ? dac_report_add_comparison(r, q, rv, m, n) : bad(src, "a comparison has no quantity", NULL);
    }
    return st;
}

int report_fragment_parse(dac_report *r, const char *text, size_t len, const char *name,
                          const char *dir, const char *link_prefix)
{
    source src = {name, dir ? dir : ".", link_prefix ? link_prefix : ""};
    cJSON *j = cJSON_ParseWithLength(text, len);
    if (!j)
        return bad(&src, "not valid JSON", NULL);
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(j, "record");
    const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(j, "blocks");
    int st = DAC_OK;
    if (!cJSON_IsString(rec) || strcmp(rec->valuestring, FRAGMENT_RECORD) != 0)
        st = bad(&src, "not a report fragment (record \"" FRAGMENT_RECORD "\")", NULL);
    else if (!cJSON_IsArray(blocks))
        st = bad(&src, "no list 'blocks'", NULL);
    for (const cJSON *b = st == DAC_OK ? blocks->child : NULL; b && st == DAC_OK; b = b->next)
        st = cJSON_IsObject(b) ? read_block(r, &src, b) : bad(&src, "a block is not an object", NULL);
    if (st == DAC_OK)
        st = read_collections(r, &src, j);
    if (st == DAC_ERR_USAGE) { /* a value the report refuses: the file is what is wrong */
        char why[512];
        snprintf(why, sizeof why, "%s", dac_last_error());
        st = bad(&src, "", why);
    }
    cJSON_Delete(j);
    return st;
}

int report_fragment_read(dac_report *r, const char *path, const char *dir, const char *link_prefix)
{
    char *text;
    size_t len;
    int st = dac_read_file(path, FRAGMENT_MAX, &text, &len);
    if (st != DAC_OK)
        return st;
    st = report_fragment_parse(r, text, len, path, dir, link_prefix);
    free(text);
    return st;
}

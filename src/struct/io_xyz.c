/*
 * io_xyz.c — plain XYZ and extended XYZ (the dialect ASE and OVITO write), first frame.
 *
 *   N
 *   Lattice="ax ay az bx by bz cx cy cz" Properties=species:S:1:pos:R:3:forces:R:3 pbc="T T F"
 *   Ni 0.0 0.0 0.0 0.1 0.2 0.3
 *   …
 *
 * The second line of a plain XYZ file is free text; it is read as extended key=value
 * pairs when the format is extxyz or when the line contains Lattice= or Properties=.
 * Properties lists name:type:width triplets; the reader locates the species (or Z) and
 * pos columns and skips every other column by its declared width. Every declared column
 * must be there, as ASE requires: a line short of one is refused, naming the property
 * (columns after the declared ones are ignored, as ASE ignores them). With a Lattice and no
 * pbc the cell is periodic in all three directions (ASE's rule). Other keys are kept as
 * the structure's comment so that a round trip keeps them.
 *
 * Speed matters (benchmarks read 10^6 atoms): atom lines are scanned in place with
 * strtod, and element symbols go through a small per-read lookup table.
 */
#define _POSIX_C_SOURCE 200809L /* strndup, strncasecmp */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "struct/struct_internal.h"

#define MAX_COLUMNS 4096 /* total declared width of Properties; far beyond real files */

enum { COL_SKIP = 0, COL_SPECIES, COL_Z, COL_X, COL_Y, COL_Z_POS };

/* One declared property: its name (a view into the header line) and its columns. */
typedef struct {
    const char *name;
    int name_len, first, width;
} xyz_property;

/* What the header lines say about the atom lines. */
typedef struct {
    int has_cell;
    double cell[3][3];
    int has_pbc;
    int pbc[3];
    unsigned char role[MAX_COLUMNS]; /* COL_* for each whitespace column of an atom line */
    int n_needed;                    /* columns to scan per atom line (last needed + 1) */
    int n_columns;                   /* columns declared (every atom line must have them) */
    int n_props;
    xyz_property prop[MAX_COLUMNS];  /* each at least one column wide */
    int species_col, z_col;          /* -1 when absent */
    char *comment;
} xyz_header;

/* Element symbols repeat on every line; cache symbol -> Z by its two first letters. */
typedef struct {
    short z[128][128]; /* 0: not looked up yet, -1: unknown */
} element_cache;

static int cached_element(element_cache *cache, const char *tok, size_t len, int *Z)
{
    unsigned char c0 = (unsigned char)tok[0], c1 = len > 1 ? (unsigned char)tok[1] : 0;
    if (len > 2 || c0 >= 128 || c1 >= 128)
        return struct_parse_element(tok, len, Z);
    short *slot = &cache->z[c0][c1];
    if (*slot == 0) {
        int z;
        *slot = (short)(struct_parse_element(tok, len, &z) == 0 ? z : -1);
    }
    if (*slot < 0)
        return -1;
    *Z = *slot;
    return 0;
}

/* ------------------------------------------------------------ key=value pairs ----- */

typedef struct {
    const char *start, *end; /* the whole pair as written, for keeping unknown keys */
    const char *key;
    size_t key_len;
    const char *value; /* without quotes or brackets; NULL for a bare key */
    size_t value_len;
} kv_pair;

/* Next key=value pair of an extended XYZ comment line. Values may be bare, "quoted"
 * (backslash escapes), or grouped in {} / []. Returns 1, 0 at the end, -1 when a quote
 * or bracket is not closed. */
static int next_pair(const char **p, const char *end, kv_pair *kv)
{
    const char *q = *p;
    while (q < end && isspace((unsigned char)*q))
        q++;
    if (q >= end || *q == '\0')
        return 0;
    memset(kv, 0, sizeof *kv);
    kv->start = kv->key = q;
    while (q < end && *q != '=' && !isspace((unsigned char)*q) && *q != '\0')
        q++;
    kv->key_len = (size_t)(q - kv->key);
    const char *eq = q;
    while (eq < end && (*eq == ' ' || *eq == '\t'))
        eq++;
    if (eq < end && *eq == '=') {
        q = eq + 1;
        while (q < end && (*q == ' ' || *q == '\t'))
            q++;
        char open = q < end ? *q : '\0';
        char close = open == '"' ? '"' : open == '\'' ? '\'' : open == '{' ? '}' : open == '[' ? ']' : 0;
        if (close) {
            const char *v = ++q;
            while (q < end && *q != close && *q != '\0')
                q += (*q == '\\' && q + 1 < end) ? 2 : 1;
            if (q >= end || *q != close)
                return -1;
            kv->value = v;
            kv->value_len = (size_t)(q - v);
            q++;
        } else {
            kv->value = q;
            while (q < end && !isspace((unsigned char)*q) && *q != '\0')
                q++;
            kv->value_len = (size_t)(q - kv->value);
        }
    }
    kv->end = q;
    *p = q;
    return 1;
}

static int key_is(const kv_pair *kv, const char *name)
{
    return kv->key_len == strlen(name) && !strncasecmp(kv->key, name, kv->key_len);
}

static int parse_lattice(const struct_cursor *c, const kv_pair *kv, xyz_header *h)
{
    const char *p = kv->value, *end = kv->value + kv->value_len, *t;
    size_t n;
    char buf[48];
    for (int k = 0; k < 9; k++) {
        /* ASE writes space-separated numbers; tolerate commas and brackets as well. */
        while (p < end && (*p == ',' || *p == '[' || *p == ']' || isspace((unsigned char)*p)))
            p++;
        const char *q = p;
        while (q < end && !(*q == ',' || *q == '[' || *q == ']' || isspace((unsigned char)*q)))
            q++;
        t = p;
        n = (size_t)(q - p);
        p = q;
        if (n == 0)
            return struct_line_error(c, "Lattice= needs 9 numbers (the vectors a, b, c in Å), found %d", k);
        /* The number is followed by a separator, not by a blank: copy it. */
        if (n >= sizeof buf || (memcpy(buf, t, n), buf[n] = '\0', struct_parse_double(buf, n, &h->cell[k / 3][k % 3]) != 0))
            return struct_line_error(c, "Lattice=: '%s' is not a number", struct_quote(buf, sizeof buf, t, n));
    }
    while (p < end && (*p == ',' || *p == '[' || *p == ']' || isspace((unsigned char)*p)))
        p++;
    if (p < end)
        return struct_line_error(c, "Lattice= needs exactly 9 numbers, found more");
    if (struct_cell_is_singular((const double(*)[3])h->cell))
        return struct_line_error(c, "Lattice= vectors are linearly dependent (zero cell volume)");
    h->has_cell = 1;
    return DAC_OK;
}

static int parse_pbc(const struct_cursor *c, const kv_pair *kv, xyz_header *h)
{
    const char *p = kv->value, *end = kv->value + kv->value_len;
    int k = 0;
    while (p < end) {
        while (p < end && (*p == ',' || isspace((unsigned char)*p)))
            p++;
        const char *q = p;
        while (q < end && !(*q == ',' || isspace((unsigned char)*q)))
            q++;
        if (q == p)
            break;
        size_t n = (size_t)(q - p);
        int v;
        if ((n == 1 && (*p == 'T' || *p == 't' || *p == '1')) || (n == 4 && !strncasecmp(p, "true", 4)))
            v = 1;
        else if ((n == 1 && (*p == 'F' || *p == 'f' || *p == '0')) || (n == 5 && !strncasecmp(p, "false", 5)))
            v = 0;
        else
            break;
        if (k < 3)
            h->pbc[k] = v;
        k++;
        p = q;
    }
    if (k != 3 || p < end)
        return struct_line_error(c, "pbc= needs three flags T or F (e.g. pbc=\"T T F\")");
    h->has_pbc = 1;
    return DAC_OK;
}

/* Properties=name:type:width:…  → the role of every column of an atom line. */
static int parse_properties(const struct_cursor *c, const kv_pair *kv, xyz_header *h)
{
    const char *p = kv->value, *end = kv->value + kv->value_len;
    int col = 0, have_pos = 0;
    memset(h->role, COL_SKIP, sizeof h->role);
    h->species_col = h->z_col = -1;
    h->n_props = 0;
    while (p < end) {
        const char *f[3];
        size_t fl[3];
        for (int k = 0; k < 3; k++) {
            const char *q = p;
            while (q < end && *q != ':')
                q++;
            f[k] = p;
            fl[k] = (size_t)(q - p);
            if (k < 2 && q >= end)
                return struct_line_error(c, "Properties= must be name:type:width triplets "
                                    "(e.g. species:S:1:pos:R:3)");
            p = q < end ? q + 1 : q;
        }
        long width;
        char t = fl[1] == 1 ? (char)toupper((unsigned char)f[1][0]) : '?';
        /* the width is followed by ':' or the end of the value, so copy before parsing */
        char wbuf[16];
        if (fl[2] == 0 || fl[2] >= sizeof wbuf)
            width = -1;
        else {
            memcpy(wbuf, f[2], fl[2]);
            wbuf[fl[2]] = '\0';
            if (struct_parse_long(wbuf, fl[2], &width) != 0)
                width = -1;
        }
        if (!strchr("SRIL", t) || t == '\0' || width < 1 || width > MAX_COLUMNS - col)
            return struct_line_error(c, "Properties=: bad column '%.*s:%.*s:%.*s' (type S, R, I or L and a "
                                "width 1…%d expected)", (int)(fl[0] > 40 ? 40 : fl[0]), f[0],
                                (int)(fl[1] > 8 ? 8 : fl[1]), f[1], (int)(fl[2] > 8 ? 8 : fl[2]), f[2],
                                MAX_COLUMNS);
        h->prop[h->n_props++] = (xyz_property){f[0], (int)(fl[0] > 64 ? 64 : fl[0]), col, (int)width};
        if (fl[0] == 7 && !strncasecmp(f[0], "species", 7) && t == 'S' && width == 1) {
            h->species_col = col;
            h->role[col] = COL_SPECIES;
        } else if (fl[0] == 1 && f[0][0] == 'Z' && t == 'I' && width == 1) {
            h->z_col = col;
            h->role[col] = COL_Z;
        } else if (fl[0] == 3 && !strncasecmp(f[0], "pos", 3) && t == 'R' && width == 3) {
            h->role[col] = COL_X;
            h->role[col + 1] = COL_Y;
            h->role[col + 2] = COL_Z_POS;
            have_pos = 1;
        }
        col += (int)width;
    }
    if (!have_pos)
        return struct_line_error(c, "Properties= has no pos:R:3 column");
    if (h->species_col < 0 && h->z_col < 0)
        return struct_line_error(c, "Properties= has neither a species:S:1 nor a Z:I:1 column");
    /* Only the species column is read when both are given. */
    if (h->species_col >= 0 && h->z_col >= 0)
        h->role[h->z_col] = COL_SKIP;
    h->n_needed = 0;
    for (int k = 0; k < col; k++)
        if (h->role[k] != COL_SKIP)
            h->n_needed = k + 1;
    h->n_columns = col;
    return DAC_OK;
}

static int contains_nocase(const char *s, size_t n, const char *word)
{
    size_t w = strlen(word);
    for (size_t i = 0; i + w <= n; i++)
        if (!strncasecmp(s + i, word, w))
            return 1;
    return 0;
}

/* Copies [s, s+n) to a new string, resolving backslash escapes. */
static char *unescape(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n)
            i++;
        out[k++] = s[i];
    }
    out[k] = '\0';
    return out;
}

/* Appends " " + [s, s+n) to *acc (the keys kept as comment). */
static int append_text(char **acc, const char *s, size_t n)
{
    size_t old = *acc ? strlen(*acc) : 0;
    char *r = realloc(*acc, old + n + 2);
    if (!r)
        return -1;
    if (old)
        r[old++] = ' ';
    memcpy(r + old, s, n);
    r[old + n] = '\0';
    *acc = r;
    return 0;
}

static int parse_extended_comment(const struct_cursor *c, xyz_header *h)
{
    const char *p = c->cur, *end = c->cur + c->cur_len;
    kv_pair kv;
    char *rest = NULL, *comment = NULL;
    int r, st = DAC_OK, have_properties = 0;
    while (st == DAC_OK && (r = next_pair(&p, end, &kv)) != 0) {
        if (r < 0) {
            st = struct_line_error(c, "unterminated quote or bracket in the extended XYZ comment line");
            break;
        }
        if (key_is(&kv, "Lattice") && kv.value) {
            st = parse_lattice(c, &kv, h);
        } else if (key_is(&kv, "Properties") && kv.value) {
            st = parse_properties(c, &kv, h);
            have_properties = 1;
        } else if (key_is(&kv, "pbc") && kv.value) {
            st = parse_pbc(c, &kv, h);
        } else if (key_is(&kv, "comment") && kv.value && !comment) {
            if (!(comment = unescape(kv.value, kv.value_len)))
                st = dac_error(DAC_ERR_NOMEM, "out of memory");
        } else if (append_text(&rest, kv.start, (size_t)(kv.end - kv.start)) != 0) {
            st = dac_error(DAC_ERR_NOMEM, "out of memory");
        }
    }
    if (st == DAC_OK && !have_properties) {
        static const kv_pair def = {0, 0, "Properties", 10, "species:S:1:pos:R:3", 19};
        st = parse_properties(c, &def, h);
    }
    if (st != DAC_OK) {
        free(rest);
        free(comment);
        return st;
    }
    if (comment)
        free(rest);
    h->comment = comment ? comment : rest;
    return DAC_OK;
}

static int parse_plain_comment(const struct_cursor *c, xyz_header *h)
{
    const char *p = c->cur, *end = c->cur + c->cur_len;
    while (p < end && isspace((unsigned char)*p))
        p++;
    while (end > p && isspace((unsigned char)end[-1]))
        end--;
    memset(h->role, COL_SKIP, sizeof h->role);
    h->role[0] = COL_SPECIES;
    h->role[1] = COL_X;
    h->role[2] = COL_Y;
    h->role[3] = COL_Z_POS;
    h->n_needed = h->n_columns = 4;
    h->n_props = 2;
    h->prop[0] = (xyz_property){"species", 7, 0, 1};
    h->prop[1] = (xyz_property){"pos", 3, 1, 3};
    h->species_col = 0;
    h->z_col = -1;
    if (end > p && !(h->comment = strndup(p, (size_t)(end - p))))
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    return DAC_OK;
}

/* ------------------------------------------------------------ atom lines ---------- */

static const char *column_name(int role)
{
    switch (role) {
    case COL_SPECIES: return "the species";
    case COL_Z: return "the atomic number Z";
    case COL_X: return "x";
    case COL_Y: return "y";
    default: return "z";
    }
}

/* The line ends after `found` columns: name the property that is short. */
static int short_line(const struct_cursor *c, const xyz_header *h, size_t i, size_t n, int found)
{
    const xyz_property *p = &h->prop[0];
    for (int k = 0; k < h->n_props; k++)
        if (h->prop[k].first <= found && found < h->prop[k].first + h->prop[k].width)
            p = &h->prop[k];
    int have = found - p->first;
    char which[48];
    if (p->width == 1)
        snprintf(which, sizeof which, "column %d", p->first + 1);
    else
        snprintf(which, sizeof which, "columns %d–%d", p->first + 1, p->first + p->width);
    if (have == 0)
        return struct_line_error(c, "atom %zu of %zu: expected %d columns, found %d: %.*s (%s) "
                                 "is missing", i + 1, n, h->n_columns, found, p->name_len,
                                 p->name, which);
    return struct_line_error(c, "atom %zu of %zu: expected %d columns, found %d: %.*s (%s) has "
                             "only %d of its %d values%s%s%s", i + 1, n, h->n_columns, found,
                             p->name_len, p->name, which, have, p->width,
                             h->role[found] >= COL_X ? " (missing " : "",
                             h->role[found] >= COL_X ? column_name(h->role[found]) : "",
                             h->role[found] >= COL_X ? ")" : "");
}

static int parse_atom_line(const struct_cursor *c, const xyz_header *h, element_cache *cache,
                           size_t i, size_t n, int *Z, double pos[3])
{
    const char *p = c->cur, *end = c->cur + c->cur_len, *t;
    size_t len;
    char q[48];
    for (int k = 0; k < h->n_needed; k++) {
        if (!struct_next_token(&p, end, &t, &len))
            return short_line(c, h, i, n, k);
        switch (h->role[k]) {
        case COL_SKIP:
            break;
        case COL_SPECIES:
            if (cached_element(cache, t, len, Z) != 0)
                return struct_line_error(c, "atom %zu: unknown element '%s'", i + 1,
                                    struct_quote(q, sizeof q, t, len));
            break;
        case COL_Z: {
            long z;
            if (struct_parse_long(t, len, &z) != 0 || z < 1 || z > 200 || !dac_element_by_Z((int)z))
                return struct_line_error(c, "atom %zu: '%s' is not an atomic number", i + 1,
                                    struct_quote(q, sizeof q, t, len));
            *Z = (int)z;
            break;
        }
        default:
            if (struct_parse_double(t, len, &pos[h->role[k] - COL_X]) != 0)
                return struct_line_error(c, "atom %zu: expected a number for %s (Å), found '%s'", i + 1,
                                    column_name(h->role[k]), struct_quote(q, sizeof q, t, len));
        }
    }
    for (int k = h->n_needed; k < h->n_columns; k++) /* declared, not read: still required */
        if (!struct_next_token(&p, end, &t, &len))
            return short_line(c, h, i, n, k);
    return DAC_OK;
}

int struct_read_xyz(const char *text, size_t len, const char *name, int extended,
                    dac_structure **out)
{
    struct_cursor c;
    struct_cursor_init(&c, text, len, name);
    const char *t;
    size_t tl;
    long n;
    char q[48];
    *out = NULL;
    if (!struct_cursor_next(&c))
        return struct_line_error(&c, "empty file: expected the number of atoms on the first line");
    const char *p = c.cur;
    if (!struct_next_token(&p, c.cur + c.cur_len, &t, &tl))
        return struct_line_error(&c, "expected the number of atoms, found an empty line");
    if (struct_parse_long(t, tl, &n) != 0 || n < 0 || n > STRUCT_MAX_ATOMS)
        return struct_line_error(&c, "expected the number of atoms (0 … %ld), found '%s'",
                            STRUCT_MAX_ATOMS, struct_quote(q, sizeof q, t, tl));
    /* Never allocate for more atoms than the file has lines. */
    size_t left = struct_cursor_lines_left(&c, (size_t)n + 1);
    if (left < (size_t)n + 1)
        return struct_line_error(&c, "the file declares %ld atoms but only %zu atom lines follow the "
                            "comment line (truncated?)", n, left ? left - 1 : 0);
    struct_cursor_next(&c);

    xyz_header *h = calloc(1, sizeof *h);
    element_cache *cache = calloc(1, sizeof *cache);
    dac_structure *s = NULL;
    int st = DAC_OK;
    if (!h || !cache) {
        st = dac_error(DAC_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (extended || contains_nocase(c.cur, c.cur_len, "Lattice=") ||
        contains_nocase(c.cur, c.cur_len, "Properties="))
        st = parse_extended_comment(&c, h);
    else
        st = parse_plain_comment(&c, h);
    if (st != DAC_OK)
        goto done;
    if ((st = dac_structure_create((size_t)n, &s)) != DAC_OK)
        goto done;
    for (size_t i = 0; i < (size_t)n; i++) {
        struct_cursor_next(&c);
        st = parse_atom_line(&c, h, cache, i, (size_t)n, &s->Z[i], &s->position_A[3 * i]);
        if (st != DAC_OK)
            goto done;
    }
    if (h->has_cell) {
        s->has_cell = 1;
        memcpy(s->cell_A, h->cell, sizeof s->cell_A);
        for (int k = 0; k < 3; k++)
            s->pbc[k] = h->has_pbc ? h->pbc[k] : 1;
    } else if (h->has_pbc && (h->pbc[0] || h->pbc[1] || h->pbc[2])) {
        dac_warn("%s:2: pbc= without Lattice= ignored: read as a molecule without a cell", name);
    }
    s->comment = h->comment;
    h->comment = NULL;
done:
    if (st != DAC_OK) {
        dac_structure_free(s);
        s = NULL;
    }
    if (h)
        free(h->comment);
    free(h);
    free(cache);
    *out = s;
    return st;
}

/* ------------------------------------------------------------ writer -------------- */

/* Extended XYZ that ASE's ase.io.read and OVITO read: Lattice, Properties and pbc, and
 * the comment as a quoted comment= key. */
int struct_write_extxyz(FILE *f, const dac_structure *s)
{
    fprintf(f, "%zu\n", s->n_atoms);
    if (s->has_cell) {
        fputs("Lattice=\"", f);
        for (int k = 0; k < 9; k++)
            fprintf(f, "%s%.15g", k ? " " : "", s->cell_A[k / 3][k % 3]);
        fputs("\" ", f);
    }
    fputs("Properties=species:S:1:pos:R:3", f);
    fprintf(f, " pbc=\"%c %c %c\"", s->has_cell && s->pbc[0] ? 'T' : 'F',
            s->has_cell && s->pbc[1] ? 'T' : 'F', s->has_cell && s->pbc[2] ? 'T' : 'F');
    if (s->comment && s->comment[0]) {
        fputs(" comment=\"", f);
        for (const char *p = s->comment; *p; p++) {
            if (*p == '"' || *p == '\\')
                fputc('\\', f);
            fputc((unsigned char)*p < 0x20 ? ' ' : *p, f);
        }
        fputc('"', f);
    }
    fputc('\n', f);
    for (size_t i = 0; i < s->n_atoms; i++) {
        const double *r = s->position_A + 3 * i;
        fprintf(f, "%-2s %20.15g %20.15g %20.15g\n", dac_element_by_Z(s->Z[i])->symbol, r[0], r[1], r[2]);
    }
    return DAC_OK;
}

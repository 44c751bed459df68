/*
 * io_cif.c — crystallographic information files (CIF 1.1): read the first data block's
 * cell, atom sites and symmetry operations; write P1 CIF.
 *
 * Reading is two layers. A lexer turns the text into tokens (data_ headers, loop_, tags,
 * values: bare, 'quoted', "quoted" or ;text fields;, with # comments skipped), each with
 * its line number. The parser then streams through them: single items give the cell
 * (_cell_length_a … _cell_angle_gamma, uncertainties like 3.5(1) dropped); loops are
 * recognised by their tags — the atom-site loop (_atom_site_label / _type_symbol,
 * _fract_x/y/z, _occupancy) and the symmetry loop (_space_group_symop_operation_xyz or
 * the older _symmetry_equiv_pos_as_xyz). Tag names compare case-insensitively with '.'
 * equal to '_', so DDLm names (_atom_site.fract_x) work too. Loops are read row by row
 * without storing the whole token stream.
 *
 * The asymmetric unit is then expanded with every operation; images of one site closer
 * than 0.01 Å under periodicity are merged (special positions).
 *
 * Not supported, reported clearly: more than one data block (warning: the first is
 * read); partial occupancy, Cartesian-only atom sites and space groups given only by
 * name (errors: the result would be wrong). A partially occupied site is disorder: read
 * as full atoms, a mixed site (Ni 0.5 / Co 0.5) would become two atoms at one place,
 * which a site analysis would call a dual-atom pair at 0 Å.
 */
#define _POSIX_C_SOURCE 200809L /* strncasecmp */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "struct/struct_internal.h"

#define MAX_LOOP_TAGS 256
#define MAX_SYMOPS 384 /* 192 operations in the largest space-group setting, listed twice */
#define MERGE_TOLERANCE_A 0.01

/* ------------------------------------------------------------ lexer --------------- */

typedef enum { TOK_EOF, TOK_DATA, TOK_LOOP, TOK_TAG, TOK_VALUE, TOK_OTHER } tok_kind;

typedef struct {
    tok_kind kind;
    const char *s; /* the text, without quotes or text-field semicolons */
    size_t len;
    long line;
    int quoted; /* quoted or text field: '?' and '.' are then plain strings */
} cif_token;

typedef struct {
    const char *p, *end, *name;
    long line;
    int line_start; /* p is at the start of a line (a ';' there opens a text field) */
} cif_lexer;

static int lex_error(const cif_lexer *lx, long line, const char *msg)
{
    return dac_error_at(DAC_ERR_INPUT, lx->name, line, "%s", msg);
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* Fills *t with the next token; returns DAC_OK or an input error. */
static int lex_next(cif_lexer *lx, cif_token *t)
{
    for (;;) { /* blanks and comments */
        while (lx->p < lx->end && is_space(*lx->p)) {
            if (*lx->p == '\n') {
                lx->line++;
                lx->line_start = 1;
            } else if (*lx->p != '\r') {
                lx->line_start = 0;
            }
            lx->p++;
        }
        if (lx->p < lx->end && *lx->p == '#') {
            while (lx->p < lx->end && *lx->p != '\n')
                lx->p++;
            continue;
        }
        break;
    }
    memset(t, 0, sizeof *t);
    t->line = lx->line;
    if (lx->p >= lx->end) {
        t->kind = TOK_EOF;
        return DAC_OK;
    }
    const char *p = lx->p;
    if (*p == ';' && lx->line_start) { /* text field: up to a line starting with ';' */
        const char *q = p + 1;
        long lines = 0;
        for (;;) {
            const char *nl = memchr(q, '\n', (size_t)(lx->end - q));
            if (!nl)
                return lex_error(lx, t->line, "unterminated text field (no closing ';' at the start of a line)");
            lines++;
            if (nl + 1 < lx->end && nl[1] == ';') {
                t->kind = TOK_VALUE;
                t->quoted = 1;
                t->s = p + 1;
                t->len = (size_t)(nl - (p + 1));
                lx->p = nl + 2;
                lx->line += lines;
                lx->line_start = 0;
                return DAC_OK;
            }
            q = nl + 1;
        }
    }
    lx->line_start = 0;
    if (*p == '\'' || *p == '"') { /* closes at the same quote followed by a blank */
        char quote = *p;
        const char *q = p + 1;
        while (q < lx->end && *q != '\n' && !(*q == quote && (q + 1 >= lx->end || is_space(q[1]))))
            q++;
        if (q >= lx->end || *q != quote)
            return lex_error(lx, t->line, "unterminated quoted string");
        t->kind = TOK_VALUE;
        t->quoted = 1;
        t->s = p + 1;
        t->len = (size_t)(q - (p + 1));
        lx->p = q + 1;
        return DAC_OK;
    }
    const char *q = p;
    while (q < lx->end && !is_space(*q))
        q++;
    t->s = p;
    t->len = (size_t)(q - p);
    lx->p = q;
    if (*p == '_')
        t->kind = TOK_TAG;
    else if (t->len >= 5 && !strncasecmp(p, "data_", 5))
        t->kind = TOK_DATA;
    else if (t->len == 5 && !strncasecmp(p, "loop_", 5))
        t->kind = TOK_LOOP;
    else if ((t->len >= 5 && !strncasecmp(p, "save_", 5)) || (t->len >= 7 && !strncasecmp(p, "global_", 7)) ||
             (t->len >= 5 && !strncasecmp(p, "stop_", 5)))
        t->kind = TOK_OTHER;
    else
        t->kind = TOK_VALUE;
    return DAC_OK;
}

/* Tag equality: case-insensitive, '.' (DDLm) equal to '_'. */
static int tag_is(const cif_token *t, const char *name)
{
    size_t n = strlen(name);
    if (t->len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = (char)tolower((unsigned char)t->s[i]);
        if (c == '.')
            c = '_';
        if (c != name[i])
            return 0;
    }
    return 1;
}

static int is_unknown(const cif_token *t)
{
    return !t->quoted && t->len == 1 && (t->s[0] == '?' || t->s[0] == '.');
}

/* A CIF number: optional standard uncertainty in parentheses, "3.5(1)". */
static int cif_number(const cif_token *t, double *v)
{
    const char *s = t->s, *e = t->s + t->len;
    while (s < e && is_space(*s))
        s++;
    while (e > s && is_space(e[-1]))
        e--;
    const char *paren = s;
    while (paren < e && *paren != '(')
        paren++;
    if (paren == s || paren - s > 64)
        return -1;
    char buf[72];
    memcpy(buf, s, (size_t)(paren - s));
    buf[paren - s] = '\0';
    if (struct_parse_double(buf, (size_t)(paren - s), v) != 0)
        return -1;
    if (paren < e) { /* "(digits)" and nothing after */
        const char *q = paren + 1;
        while (q < e && isdigit((unsigned char)*q))
            q++;
        if (q == paren + 1 || q + 1 != e || *q != ')')
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ parser state -------- */

static const char *const cell_tags[6] = {"_cell_length_a", "_cell_length_b", "_cell_length_c",
                                   "_cell_angle_alpha", "_cell_angle_beta", "_cell_angle_gamma"};

typedef struct {
    double rot[3][3]; /* frac' = rot · frac + trans */
    double trans[3];
} symop;

typedef struct {
    cif_lexer lx;
    double cell_value[6];
    int have_cell[6];
    long data_line;
    char block[64];
    /* asymmetric unit */
    size_t n_sites, cap_sites;
    int *Z;
    double *frac;
    /* symmetry */
    size_t n_ops;
    symop ops[MAX_SYMOPS];
    char space_group[64]; /* name, when given only by name */
    long space_group_number, space_group_line;
    /* unlooped _atom_site_* / symop items form a one-row loop */
    cif_token single_tags[2][32], single_vals[2][32];
    int n_single[2];
} cif_state;

static int value_error(const cif_state *st, const cif_token *t, const char *what)
{
    char q[48];
    return dac_error_at(DAC_ERR_INPUT, st->lx.name, t->line, "%s, found '%s'", what,
                        struct_quote(q, sizeof q, t->s, t->len));
}

/* ------------------------------------------------------------ symmetry ops -------- */

/* Parses "-x+1/2, y, z+0.25" (also "1/2-y", "x-y", "+X", "0.5+2*z"). */
static int parse_symop(const char *s, size_t len, symop *op)
{
    const char *p = s, *end = s + len;
    memset(op, 0, sizeof *op);
    for (int row = 0; row < 3; row++) {
        int terms = 0;
        for (;;) {
            while (p < end && isspace((unsigned char)*p))
                p++;
            if (p >= end || *p == ',')
                break;
            double sign = 1;
            if (*p == '+' || *p == '-') {
                sign = *p == '-' ? -1 : 1;
                p++;
                while (p < end && isspace((unsigned char)*p))
                    p++;
            } else if (terms > 0) {
                return -1; /* two terms need an operator between them */
            }
            double a = 1;
            int has_number = 0;
            if (p < end && (isdigit((unsigned char)*p) || *p == '.')) {
                double num = 0, scale = 1;
                int digits = 0, dot = 0;
                for (; p < end && (isdigit((unsigned char)*p) || (*p == '.' && !dot)); p++) {
                    if (*p == '.') {
                        dot = 1;
                        continue;
                    }
                    if (dot)
                        scale /= 10;
                    num = num * 10 + (*p - '0');
                    digits++;
                }
                if (!digits || digits > 12)
                    return -1;
                a = num * scale;
                if (p < end && *p == '/') {
                    p++;
                    double den = 0;
                    int dd = 0;
                    for (; p < end && isdigit((unsigned char)*p) && dd < 9; p++, dd++)
                        den = den * 10 + (*p - '0');
                    if (!dd || den == 0)
                        return -1;
                    a /= den;
                }
                has_number = 1;
                while (p < end && isspace((unsigned char)*p))
                    p++;
                if (p < end && *p == '*') {
                    p++;
                    while (p < end && isspace((unsigned char)*p))
                        p++;
                    if (p >= end || !strchr("xyzXYZ", *p))
                        return -1;
                }
            }
            if (p < end && *p && strchr("xyzXYZ", *p)) {
                op->rot[row][tolower((unsigned char)*p) - 'x'] += sign * a;
                p++;
            } else if (has_number) {
                op->trans[row] += sign * a;
            } else {
                return -1;
            }
            terms++;
        }
        if (terms == 0)
            return -1;
        if (row < 2) {
            if (p >= end || *p != ',')
                return -1;
            p++;
        }
    }
    while (p < end && isspace((unsigned char)*p))
        p++;
    if (p != end)
        return -1;
    double det = op->rot[0][0] * (op->rot[1][1] * op->rot[2][2] - op->rot[1][2] * op->rot[2][1]) -
                 op->rot[0][1] * (op->rot[1][0] * op->rot[2][2] - op->rot[1][2] * op->rot[2][0]) +
                 op->rot[0][2] * (op->rot[1][0] * op->rot[2][1] - op->rot[1][1] * op->rot[2][0]);
    return fabs(fabs(det) - 1) < 1e-6 ? 0 : -1; /* a symmetry operation keeps volume */
}

static int add_symop(cif_state *st, const cif_token *t)
{
    if (st->n_ops == MAX_SYMOPS)
        return value_error(st, t, "too many symmetry operations (more than 384)");
    if (parse_symop(t->s, t->len, &st->ops[st->n_ops]) != 0)
        return value_error(st, t, "expected a symmetry operation like '-x+1/2,y,z+1/4'");
    st->n_ops++;
    return DAC_OK;
}

/* ------------------------------------------------------------ atom sites ---------- */

/* Element from _atom_site_type_symbol ("Ni", "Ni2+", "NI", "O2-") or from the label
 * ("Ni1" -> Ni, "N2A" -> N; a two-letter symbol needs a lower-case second letter). */
static int site_element(const cif_token *t, int from_label, int *Z)
{
    const char *s = t->s;
    size_t n = t->len;
    while (n && is_space(*s))
        s++, n--;
    if (n == 0 || !isalpha((unsigned char)s[0]))
        return -1;
    if (n >= 2 && isalpha((unsigned char)s[1]) && (!from_label || islower((unsigned char)s[1]))) {
        if (struct_parse_element(s, 2, Z) == 0)
            return 0;
        if (!from_label)
            return -1; /* a type symbol "Xx" is not the element X */
    }
    /* An upper-case label like "NI2" or "CO1" could be Ni or N, Co or C: refuse to
     * guess, since a wrong guess silently turns a metal into a non-metal. */
    int Z2;
    if (from_label && n >= 2 && isupper((unsigned char)s[1]) && struct_parse_element(s, 2, &Z2) == 0)
        return struct_parse_element(s, 1, Z) == 0 ? -2 : (*Z = Z2, 0);
    return struct_parse_element(s, 1, Z);
}

typedef struct {
    int label, type, fract[3], cartn, occupancy;
} site_columns;

/* Occupancy 1 (or unknown, '?' / '.', which CIF defaults to 1) is an ordered site;
 * anything else is refused (see the file comment). Rounded values such as 0.9999 from a
 * refinement count as 1. */
static int check_occupancy(const cif_state *st, const cif_token *occ, const cif_token *site)
{
    double v;
    char q[48];
    if (is_unknown(occ))
        return DAC_OK;
    if (cif_number(occ, &v) != 0)
        return value_error(st, occ, "expected a number for _atom_site_occupancy");
    if (fabs(v - 1) <= 1e-3)
        return DAC_OK;
    return dac_error_at(DAC_ERR_INPUT, st->lx.name, occ->line,
                        "atom site %s has occupancy %g: partially occupied (disordered) sites "
                        "are not supported — read as full atoms, a mixed site such as Ni 0.5 / "
                        "Co 0.5 would become two atoms at one place. Give an ordered structure "
                        "(one atom per site, occupancy 1)",
                        struct_quote(q, sizeof q, site->s, site->len), v);
}

static int add_site(cif_state *st, const site_columns *col, const cif_token *row)
{
    int rc, Z, from_label = !(col->type >= 0 && !is_unknown(&row[col->type]));
    const cif_token *el = from_label ? (col->label >= 0 ? &row[col->label] : NULL) : &row[col->type];
    if (!el)
        return value_error(st, &row[0], "atom site without a type symbol or label");
    int found = site_element(el, from_label, &Z);
    if (found == -2)
        return value_error(st, el, "ambiguous atom site label (e.g. 'NI2': N or Ni?); "
                                   "add _atom_site_type_symbol");
    if (found != 0)
        return value_error(st, el, "unknown element in atom site");
    double f[3];
    static const char *const axis[3] = {"expected a number for _atom_site_fract_x",
                                  "expected a number for _atom_site_fract_y",
                                  "expected a number for _atom_site_fract_z"};
    for (int k = 0; k < 3; k++)
        if (cif_number(&row[col->fract[k]], &f[k]) != 0)
            return value_error(st, &row[col->fract[k]], axis[k]);
    if (col->occupancy >= 0 &&
        (rc = check_occupancy(st, &row[col->occupancy], col->label >= 0 ? &row[col->label] : el)))
        return rc;
    if (st->n_sites == st->cap_sites) {
        size_t cap = st->cap_sites ? 2 * st->cap_sites : 64;
        int *z = realloc(st->Z, cap * sizeof *z);
        if (z)
            st->Z = z;
        double *fr = realloc(st->frac, 3 * cap * sizeof *fr);
        if (fr)
            st->frac = fr;
        if (!z || !fr)
            return dac_error(DAC_ERR_NOMEM, "out of memory reading atom sites");
        st->cap_sites = cap;
    }
    st->Z[st->n_sites] = Z;
    memcpy(st->frac + 3 * st->n_sites, f, sizeof f);
    st->n_sites++;
    return DAC_OK;
}

static int find_tag(const cif_token *tags, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (tag_is(&tags[i], name))
            return i;
    return -1;
}

static int site_columns_of(const cif_state *st, const cif_token *tags, int n, long line, site_columns *col)
{
    static const char *const fract[3] = {"_atom_site_fract_x", "_atom_site_fract_y", "_atom_site_fract_z"};
    col->label = find_tag(tags, n, "_atom_site_label");
    col->type = find_tag(tags, n, "_atom_site_type_symbol");
    col->occupancy = find_tag(tags, n, "_atom_site_occupancy");
    col->cartn = find_tag(tags, n, "_atom_site_cartn_x");
    for (int k = 0; k < 3; k++)
        col->fract[k] = find_tag(tags, n, fract[k]);
    if (col->fract[0] < 0 || col->fract[1] < 0 || col->fract[2] < 0) {
        if (col->cartn >= 0)
            return dac_error_at(DAC_ERR_INPUT, st->lx.name, line,
                                "atom sites are given only as Cartesian coordinates "
                                "(_atom_site_Cartn_x/y/z); this reader needs fractional "
                                "coordinates (_atom_site_fract_x/y/z)");
        return dac_error_at(DAC_ERR_INPUT, st->lx.name, line,
                            "atom-site loop without _atom_site_fract_x, _fract_y and _fract_z");
    }
    if (col->label < 0 && col->type < 0)
        return dac_error_at(DAC_ERR_INPUT, st->lx.name, line,
                            "atom-site loop needs _atom_site_type_symbol or _atom_site_label");
    return DAC_OK;
}

/* ------------------------------------------------------------ loops and items ----- */

enum { LOOP_OTHER, LOOP_SITES, LOOP_SYMOPS };

static int loop_kind(const cif_token *tags, int n, int *symop_col)
{
    *symop_col = find_tag(tags, n, "_space_group_symop_operation_xyz");
    if (*symop_col < 0)
        *symop_col = find_tag(tags, n, "_symmetry_equiv_pos_as_xyz");
    if (*symop_col >= 0)
        return LOOP_SYMOPS;
    if (find_tag(tags, n, "_atom_site_fract_x") >= 0 || find_tag(tags, n, "_atom_site_cartn_x") >= 0 ||
        find_tag(tags, n, "_atom_site_label") >= 0 || find_tag(tags, n, "_atom_site_type_symbol") >= 0)
        return LOOP_SITES;
    return LOOP_OTHER;
}

/* Reads loop_ (its tags, then rows of values); leaves the following token in *t. */
static int read_loop(cif_state *st, cif_token *t)
{
    long loop_line = t->line;
    cif_token tags[MAX_LOOP_TAGS], row[MAX_LOOP_TAGS];
    int n = 0, rc;
    if ((rc = lex_next(&st->lx, t)))
        return rc;
    while (t->kind == TOK_TAG) {
        if (n == MAX_LOOP_TAGS)
            return dac_error_at(DAC_ERR_INPUT, st->lx.name, t->line, "loop_ with more than %d tags",
                                MAX_LOOP_TAGS);
        tags[n++] = *t;
        if ((rc = lex_next(&st->lx, t)))
            return rc;
    }
    if (n == 0)
        return dac_error_at(DAC_ERR_INPUT, st->lx.name, loop_line, "loop_ without tags");
    int symop_col, kind = loop_kind(tags, n, &symop_col);
    site_columns col;
    if (kind == LOOP_SITES && (rc = site_columns_of(st, tags, n, loop_line, &col)))
        return rc;
    int k = 0;
    size_t rows = 0;
    for (; t->kind == TOK_VALUE; k = (k + 1) % n) {
        row[k] = *t;
        if (k == n - 1) {
            rows++;
            if (kind == LOOP_SITES && (rc = add_site(st, &col, row)))
                return rc;
            if (kind == LOOP_SYMOPS && (rc = add_symop(st, &row[symop_col])))
                return rc;
        }
        if ((rc = lex_next(&st->lx, t)))
            return rc;
    }
    if (k != 0)
        return dac_error_at(DAC_ERR_INPUT, st->lx.name, loop_line,
                            "loop_ with %d tags ends after %zu full rows and %d more values "
                            "(wrong number of values)", n, rows, k);
    return DAC_OK;
}

/* One tag with its value outside a loop. */
static int read_item(cif_state *st, const cif_token *tag, const cif_token *val)
{
    for (int i = 0; i < 6; i++)
        if (tag_is(tag, cell_tags[i])) {
            char what[64];
            snprintf(what, sizeof what, "expected a number for %s", cell_tags[i]);
            if (cif_number(val, &st->cell_value[i]) != 0)
                return value_error(st, val, what);
            st->have_cell[i] = 1;
            return DAC_OK;
        }
    if (tag_is(tag, "_symmetry_space_group_name_h-m") || tag_is(tag, "_space_group_name_h-m_alt")) {
        struct_quote(st->space_group, sizeof st->space_group, val->s, val->len);
        st->space_group_line = tag->line;
        return DAC_OK;
    }
    if (tag_is(tag, "_symmetry_int_tables_number") || tag_is(tag, "_space_group_it_number")) {
        double v;
        if (cif_number(val, &v) == 0) {
            st->space_group_number = (long)v;
            st->space_group_line = tag->line;
        }
        return DAC_OK;
    }
    /* A single atom site or operation may be written without loop_. */
    int which = -1, dummy;
    if (loop_kind(tag, 1, &dummy) == LOOP_SYMOPS)
        which = 1;
    else if (tag->len > 11 && !strncasecmp(tag->s, "_atom_site", 10) && (tag->s[10] == '_' || tag->s[10] == '.') &&
             strncasecmp(tag->s + 11, "aniso", 5))
        which = 0;
    if (which >= 0 && st->n_single[which] < 32) {
        st->single_tags[which][st->n_single[which]] = *tag;
        st->single_vals[which][st->n_single[which]++] = *val;
    }
    return DAC_OK;
}

static int finish_single_items(cif_state *st)
{
    int rc, n = st->n_single[0], col_op;
    if (st->n_single[1] > 0 && loop_kind(st->single_tags[1], st->n_single[1], &col_op) == LOOP_SYMOPS &&
        (rc = add_symop(st, &st->single_vals[1][col_op])))
        return rc;
    if (n > 0 && loop_kind(st->single_tags[0], n, &col_op) == LOOP_SITES) {
        site_columns col;
        if ((rc = site_columns_of(st, st->single_tags[0], n, st->single_tags[0][0].line, &col)) ||
            (rc = add_site(st, &col, st->single_vals[0])))
            return rc;
    }
    return DAC_OK;
}

/* ------------------------------------------------------------ expansion ----------- */

/* Images of one site closer than 0.01 Å under periodicity are one atom (a special
 * position). Only images of the same site are compared: that is where duplicates come
 * from, and it keeps the expansion linear in the number of sites (a P1 file of 10^6
 * atoms does no comparisons at all). */
static int is_duplicate(const dac_structure *s, const double (*img)[3], size_t n_img, const double f[3])
{
    for (size_t i = 0; i < n_img; i++) {
        double df[3], r[3];
        for (int k = 0; k < 3; k++)
            df[k] = f[k] - img[i][k] - nearbyint(f[k] - img[i][k]);
        dac_struct_fractional_to_cartesian(s, df, r);
        if (r[0] * r[0] + r[1] * r[1] + r[2] * r[2] < MERGE_TOLERANCE_A * MERGE_TOLERANCE_A)
            return 1;
    }
    return 0;
}

static int expand(cif_state *st, dac_structure *s)
{
    size_t n_ops = st->n_ops ? st->n_ops : 1;
    if (st->n_ops == 0) { /* no operations listed: P1 */
        memset(&st->ops[0], 0, sizeof st->ops[0]);
        st->ops[0].rot[0][0] = st->ops[0].rot[1][1] = st->ops[0].rot[2][2] = 1;
    }
    if (st->n_sites > (size_t)STRUCT_MAX_ATOMS / n_ops)
        return dac_error_at(DAC_ERR_INPUT, st->lx.name, st->data_line,
                            "%zu sites × %zu symmetry operations is too many atoms", st->n_sites, n_ops);
    static const double no_images[1][3];
    double(*img)[3] = n_ops > 1 ? malloc(n_ops * sizeof *img) : NULL;
    if (n_ops > 1 && !img)
        return dac_error(DAC_ERR_NOMEM, "out of memory expanding symmetry");
    int rc = DAC_OK;
    for (size_t a = 0; a < st->n_sites && rc == DAC_OK; a++) {
        size_t n_img = 0;
        for (size_t o = 0; o < n_ops; o++) {
            const symop *op = &st->ops[o];
            const double *f0 = st->frac + 3 * a;
            double f[3], r[3];
            for (int k = 0; k < 3; k++) {
                f[k] = op->rot[k][0] * f0[0] + op->rot[k][1] * f0[1] + op->rot[k][2] * f0[2] + op->trans[k];
                f[k] -= floor(f[k]);
                if (f[k] >= 1.0) /* -1e-17 - floor(-1e-17) rounds to 1 */
                    f[k] = 0.0;
            }
            if (is_duplicate(s, img ? (const double(*)[3])img : no_images, n_img, f))
                continue;
            if (img)
                memcpy(img[n_img++], f, sizeof f);
            dac_struct_fractional_to_cartesian(s, f, r);
            if (!isfinite(r[0]) || !isfinite(r[1]) || !isfinite(r[2])) {
                rc = dac_error_at(DAC_ERR_INPUT, st->lx.name, st->data_line, "the cell is too large");
                break;
            }
            if ((rc = dac_structure_append(s, st->Z[a], r)))
                break;
        }
    }
    free(img);
    return rc;
}

/* ------------------------------------------------------------ reader -------------- */

static int parse_blocks(cif_state *st)
{
    cif_token t, v;
    int rc, in_block = 0;
    if ((rc = lex_next(&st->lx, &t)))
        return rc;
    while (t.kind != TOK_EOF) {
        if (t.kind == TOK_DATA) {
            if (in_block) {
                dac_warn("%s:%ld: more than one data block; only the first (data_%s) is read",
                         st->lx.name, t.line, st->block);
                return DAC_OK;
            }
            in_block = 1;
            st->data_line = t.line;
            struct_quote(st->block, sizeof st->block, t.s + 5, t.len - 5);
            if ((rc = lex_next(&st->lx, &t)))
                return rc;
            continue;
        }
        if (!in_block)
            return value_error(st, &t, "expected a data_ block header");
        if (t.kind == TOK_LOOP) {
            if ((rc = read_loop(st, &t)))
                return rc;
        } else if (t.kind == TOK_TAG) {
            if ((rc = lex_next(&st->lx, &v)))
                return rc;
            if (v.kind != TOK_VALUE) {
                char q[48];
                return dac_error_at(DAC_ERR_INPUT, st->lx.name, t.line, "tag %s has no value",
                                    struct_quote(q, sizeof q, t.s, t.len));
            }
            if ((rc = read_item(st, &t, &v)) || (rc = lex_next(&st->lx, &t)))
                return rc;
        } else if (t.kind == TOK_OTHER) {
            return value_error(st, &t, "save frames and global blocks are not supported");
        } else {
            return value_error(st, &t, "expected a tag (_name) or loop_");
        }
    }
    if (!in_block)
        return dac_error_at(DAC_ERR_INPUT, st->lx.name, st->lx.line, "no data_ block in the file");
    return DAC_OK;
}

static int build(cif_state *st, dac_structure **out)
{
    int rc;
    if ((rc = finish_single_items(st)))
        return rc;
    for (int i = 0; i < 6; i++)
        if (!st->have_cell[i])
            return dac_error_at(DAC_ERR_INPUT, st->lx.name, st->data_line,
                                "data block data_%s has no %s (the cell needs a, b, c, alpha, beta, gamma)",
                                st->block, cell_tags[i]);
    char compact[64]; /* the name without blanks: 'P 1' is "P1" */
    size_t k = 0;
    for (const char *p = st->space_group; *p; p++)
        if (!is_space(*p))
            compact[k++] = *p;
    compact[k] = '\0';
    if (st->n_ops == 0 && ((k && strcasecmp(compact, "P1")) || st->space_group_number > 1))
        return dac_error_at(DAC_ERR_INPUT, st->lx.name, st->space_group_line,
                            "space group %s%s given without its symmetry operations "
                            "(_space_group_symop_operation_xyz); expanding it by name is not supported",
                            st->space_group[0] ? st->space_group : "number ",
                            st->space_group[0] ? "" : "> 1");
    if (st->n_sites == 0)
        return dac_error_at(DAC_ERR_INPUT, st->lx.name, st->data_line,
                            "data block data_%s has no atom sites (_atom_site_fract_x/y/z loop)", st->block);
    dac_structure *s;
    if ((rc = dac_structure_create(0, &s)) != DAC_OK)
        return rc;
    if (struct_cell_from_parameters(st->cell_value, st->cell_value + 3, s->cell_A) != 0 ||
        struct_cell_is_singular((const double(*)[3])s->cell_A)) {
        dac_structure_free(s);
        return dac_error_at(DAC_ERR_INPUT, st->lx.name, st->data_line,
                            "cell a=%g b=%g c=%g alpha=%g beta=%g gamma=%g is impossible (lengths must "
                            "be > 0, angles must form a cell)", st->cell_value[0], st->cell_value[1],
                            st->cell_value[2], st->cell_value[3], st->cell_value[4], st->cell_value[5]);
    }
    s->has_cell = 1;
    s->pbc[0] = s->pbc[1] = s->pbc[2] = 1;
    if ((rc = expand(st, s)) || (st->block[0] && !(s->comment = strdup(st->block)))) {
        dac_structure_free(s);
        return rc ? rc : dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    *out = s;
    return DAC_OK;
}

int struct_read_cif(const char *text, size_t len, const char *name, dac_structure **out)
{
    *out = NULL;
    cif_state *st = calloc(1, sizeof *st);
    if (!st)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    st->lx.p = text;
    st->lx.end = text + len;
    st->lx.name = name;
    st->lx.line = 1;
    st->lx.line_start = 1;
    int rc = parse_blocks(st);
    if (rc == DAC_OK)
        rc = build(st, out);
    free(st->Z);
    free(st->frac);
    free(st);
    return rc;
}

/* ------------------------------------------------------------ writer -------------- */

/* P1 CIF: the cell as lengths and angles, every atom as a site in fractional
 * coordinates, labelled element + running number per element. */
int struct_write_cif(FILE *f, const dac_structure *s)
{
    double len[3], ang[3];
    int count[256] = {0};
    struct_cell_parameters((const double(*)[3])s->cell_A, len, ang);
    fputs("# written by dac " DAC_VERSION " (P1: every atom listed, no symmetry)\n", f);
    if (s->comment && s->comment[0]) {
        fputs("# ", f);
        for (const char *p = s->comment; *p; p++)
            fputc((unsigned char)*p < 0x20 ? ' ' : *p, f);
        fputc('\n', f);
    }
    /* The block name carries the comment (a CIF name has no blanks). */
    fputs("data_", f);
    size_t k = 0;
    for (const char *p = s->comment; p && *p && k < 60; p++, k++)
        fputc(isgraph((unsigned char)*p) ? *p : '_', f);
    fputs(k ? "\n" : "dac\n", f);
    fputs("_symmetry_space_group_name_H-M   'P 1'\n_symmetry_Int_Tables_number   1\n", f);
    static const char *const names[6] = {"_cell_length_a", "_cell_length_b", "_cell_length_c",
                                   "_cell_angle_alpha", "_cell_angle_beta", "_cell_angle_gamma"};
    for (int i = 0; i < 6; i++)
        fprintf(f, "%-20s %.15g\n", names[i], i < 3 ? len[i] : ang[i - 3]);
    fputs("\nloop_\n_space_group_symop_operation_xyz\n'x, y, z'\n\n", f);
    fputs("loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n"
          "_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n", f);
    /* Fractional coordinates are computed against this cell, not the reader's standard
     * orientation: they do not depend on orientation. */
    for (size_t i = 0; i < s->n_atoms; i++) {
        double fr[3];
        int st = dac_struct_cartesian_to_fractional(s, s->position_A + 3 * i, fr);
        if (st != DAC_OK)
            return st;
        const char *sym = dac_element_by_Z(s->Z[i])->symbol;
        int z = s->Z[i] >= 0 && s->Z[i] < 256 ? s->Z[i] : 0;
        fprintf(f, "%s%d %-2s %.15f %.15f %.15f 1\n", sym, ++count[z], sym, fr[0], fr[1], fr[2]);
    }
    return DAC_OK;
}

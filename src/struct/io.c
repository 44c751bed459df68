/*
 * io.c — the front door of structure files: which format a name or path means, reading
 * a whole file (or standard input) into one buffer, dispatching to the format readers
 * and writers, and the line cursor and token helpers that every reader shares (see
 * io_internal.h for why the readers work on one NUL-terminated buffer).
 */
#define _POSIX_C_SOURCE 200809L /* strdup, strcasecmp */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/io.h"
#include "core/outset.h"
#include "struct/struct_internal.h"

/* ------------------------------------------------------------ cursor and tokens --- */

void struct_cursor_init(struct_cursor *c, const char *text, size_t len, const char *name)
{
    memset(c, 0, sizeof *c);
    c->text = text;
    c->len = len;
    c->name = name ? name : "(buffer)";
}

int struct_cursor_next(struct_cursor *c)
{
    if (c->pos >= c->len) {
        c->cur = c->text + c->len;
        c->cur_len = 0;
        if (c->pos == c->len) { /* report errors on the line after the last one */
            c->pos++;
            c->line++;
        }
        return 0;
    }
    const char *start = c->text + c->pos;
    const char *nl = memchr(start, '\n', c->len - c->pos);
    size_t n = nl ? (size_t)(nl - start) : c->len - c->pos;
    c->pos += n + (nl != NULL);
    if (n > 0 && start[n - 1] == '\r')
        n--;
    c->cur = start;
    c->cur_len = n;
    c->line++;
    return 1;
}

size_t struct_cursor_lines_left(const struct_cursor *c, size_t limit)
{
    if (c->pos >= c->len)
        return 0;
    const char *p = c->text + c->pos, *end = c->text + c->len;
    size_t n = 0;
    while (n < limit && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        n++;
        if (!nl)
            break;
        p = nl + 1;
    }
    return n;
}

int struct_line_error(const struct_cursor *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return dac_error_at(DAC_ERR_INPUT, c->name, c->line > 0 ? c->line : 1, "%s", msg);
}

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

int struct_next_token(const char **p, const char *end, const char **tok, size_t *len)
{
    const char *q = *p;
    while (q < end && is_blank(*q))
        q++;
    if (q >= end || *q == '\0') {
        *p = q;
        return 0;
    }
    const char *t = q;
    while (q < end && !is_blank(*q) && *q != '\0')
        q++;
    *tok = t;
    *len = (size_t)(q - t);
    *p = q;
    return 1;
}

int struct_is_blank(const char *p, const char *end)
{
    const char *t;
    size_t n;
    return !struct_next_token(&p, end, &t, &n);
}

/* Clinger's fast path: a decimal with at most 19 digits whose integer mantissa m is
 * below 2^53, scaled by 10^k with |k| <= 22, is m * 10^k or m / 10^-k correctly rounded,
 * because both operands are exact doubles (W. D. Clinger, "How to read floating point
 * numbers accurately", PLDI 1990). Returns 0 when it applied; anything else (long
 * mantissas, big exponents, odd syntax) goes to strtod. Coordinates are almost always
 * short decimals, and this makes reading 10^6 atoms several times faster. */
static int fast_decimal(const char *p, const char *end, double *value)
{
    static const double pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    int neg = 0, digits = 0, frac_digits = 0, seen_dot = 0, any_digit = 0;
    uint64_t m = 0;
    if (p < end && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    for (; p < end; p++) {
        if (*p >= '0' && *p <= '9') {
            if (digits == 19)
                return -1;
            if (m || *p != '0')
                digits++;
            any_digit = 1;
            m = m * 10 + (uint64_t)(*p - '0');
            frac_digits += seen_dot;
        } else if (*p == '.' && !seen_dot) {
            seen_dot = 1;
        } else {
            break;
        }
    }
    if (!any_digit)
        return -1;
    int k = -frac_digits;
    if (p < end && (*p == 'e' || *p == 'E')) {
        int eneg = 0, e = 0, edigits = 0;
        p++;
        if (p < end && (*p == '-' || *p == '+'))
            eneg = *p++ == '-';
        for (; p < end && *p >= '0' && *p <= '9' && edigits < 4; p++, edigits++)
            e = e * 10 + (*p - '0');
        if (!edigits)
            return -1;
        k += eneg ? -e : e;
    }
    if (p != end || m > (UINT64_C(1) << 53) || k < -22 || k > 22)
        return -1;
    double v = (double)m;
    v = k < 0 ? v / pow10[-k] : v * pow10[k];
    *value = neg ? -v : v;
    return 0;
}

int struct_parse_double(const char *tok, size_t len, double *value)
{
    if (len == 0 || len > 400 || is_blank(tok[0]) || tok[0] == '\n')
        return -1;
    /* needs a digit: "." and "-" alone are not numbers */
    int has_digit = 0;
    for (size_t i = 0; i < len && !has_digit; i++)
        has_digit = tok[i] >= '0' && tok[i] <= '9';
    if (has_digit && (tok[0] != '.' || len > 1) && fast_decimal(tok, tok + len, value) == 0)
        return 0;
    char *e;
    /* strtod stops at the blank, quote or NUL that follows every token in a buffer. */
    double v = strtod(tok, &e);
    if (e != tok + len || !isfinite(v))
        return -1;
    *value = v;
    return 0;
}

int struct_parse_long(const char *tok, size_t len, long *value)
{
    if (len == 0 || len > 30)
        return -1;
    char *e;
    errno = 0;
    long v = strtol(tok, &e, 10);
    if (e != tok + len || errno)
        return -1;
    *value = v;
    return 0;
}

int struct_parse_element(const char *tok, size_t len, int *Z)
{
    if (len == 0 || len > 3)
        return -1;
    if (isdigit((unsigned char)tok[0])) {
        long z;
        const dac_element *e;
        if (struct_parse_long(tok, len, &z) != 0 || z < 1 || z > 200 || !(e = dac_element_by_Z((int)z)))
            return -1;
        *Z = e->Z;
        return 0;
    }
    char sym[4];
    for (size_t i = 0; i < len; i++) {
        if (!isalpha((unsigned char)tok[i]))
            return -1;
        sym[i] = (char)(i ? tolower((unsigned char)tok[i]) : toupper((unsigned char)tok[i]));
    }
    sym[len] = '\0';
    const dac_element *e = dac_element_by_symbol(sym);
    if (!e)
        return -1;
    *Z = e->Z;
    return 0;
}

const char *struct_quote(char *buf, size_t size, const char *tok, size_t len)
{
    size_t max = size > 8 ? size - 5 : 1;
    size_t n = len < max ? len : max;
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < size; i++)
        buf[k++] = isprint((unsigned char)tok[i]) ? tok[i] : '?';
    if (len > n && k + 4 < size) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = '\0';
    return buf;
}

/* ------------------------------------------------------------ format names -------- */

dac_struct_format dac_struct_format_from_name(const char *name)
{
    if (!name)
        return DAC_FORMAT_AUTO;
    static const struct {
        const char *name;
        dac_struct_format format;
    } names[] = {{"xyz", DAC_FORMAT_XYZ},       {"extxyz", DAC_FORMAT_EXTXYZ},
                 {"poscar", DAC_FORMAT_POSCAR}, {"contcar", DAC_FORMAT_POSCAR},
                 {"vasp", DAC_FORMAT_POSCAR},   {"cif", DAC_FORMAT_CIF}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(name, names[i].name))
            return names[i].format;
    return DAC_FORMAT_AUTO;
}

dac_struct_format dac_struct_format_from_path(const char *path)
{
    if (!path)
        return DAC_FORMAT_AUTO;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    /* VASP names its files POSCAR, CONTCAR, POSCAR_relaxed, CONTCAR.1, … */
    if (!strncasecmp(base, "POSCAR", 6) || !strncasecmp(base, "CONTCAR", 7))
        return DAC_FORMAT_POSCAR;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        return DAC_FORMAT_AUTO;
    return dac_struct_format_from_name(dot + 1);
}

/* Guess from the content when neither the caller nor the name says: a CIF has a
 * data_ block, an XYZ starts with the atom count, anything else is tried as POSCAR. */
static dac_struct_format sniff_format(const char *text, size_t len)
{
    struct_cursor c;
    struct_cursor_init(&c, text, len, NULL);
    while (struct_cursor_next(&c)) {
        const char *p = c.cur, *end = c.cur + c.cur_len, *t;
        size_t n;
        if (!struct_next_token(&p, end, &t, &n) || t[0] == '#')
            continue;
        if (n >= 5 && !strncasecmp(t, "data_", 5))
            return DAC_FORMAT_CIF;
        long count;
        if (struct_parse_long(t, n, &count) == 0 && c.line == 1)
            return DAC_FORMAT_XYZ;
        return c.line == 1 ? DAC_FORMAT_POSCAR : DAC_FORMAT_AUTO;
    }
    return DAC_FORMAT_AUTO;
}

/* ------------------------------------------------------------ reading ------------- */

static int read_owned(const char *text, size_t len, const char *name, dac_struct_format format,
                      dac_structure **out)
{
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) { /* UTF-8 byte-order mark (Windows editors) */
        text += 3;
        len -= 3;
    }
    if (format == DAC_FORMAT_AUTO)
        format = dac_struct_format_from_path(name);
    if (format == DAC_FORMAT_AUTO)
        format = sniff_format(text, len);
    switch (format) {
    case DAC_FORMAT_XYZ:
        return struct_read_xyz(text, len, name, 0, out);
    case DAC_FORMAT_EXTXYZ:
        return struct_read_xyz(text, len, name, 1, out);
    case DAC_FORMAT_POSCAR:
        return struct_read_poscar(text, len, name, out);
    case DAC_FORMAT_CIF:
        return struct_read_cif(text, len, name, out);
    default:
        return dac_error(DAC_ERR_INPUT, "%s: cannot tell the file format; give it explicitly "
                         "(xyz, extxyz, poscar, cif)", name);
    }
}

int dac_struct_read_buffer(const char *text, size_t len, const char *name,
                           dac_struct_format format, dac_structure **out)
{
    if (!out || (!text && len))
        return dac_error(DAC_ERR_USAGE, "dac_struct_read_buffer: NULL argument");
    *out = NULL;
    if (!name)
        name = "(buffer)";
    /* One copy, so that the readers can rely on a terminating NUL. */
    char *copy = malloc(len + 1);
    if (!copy)
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory for %zu bytes", name, len);
    if (len)
        memcpy(copy, text, len);
    copy[len] = '\0';
    int st = read_owned(copy, len, name, format, out);
    free(copy);
    return st;
}

/* Larger than any structure file we mean to read (10^8 atoms of extended XYZ is ~6 GB
 * at most; the readers cap atoms at 10^8): a bound so /dev/zero or a wrong file cannot
 * take all memory. */
#define MAX_STRUCTURE_BYTES ((size_t)8 << 30)

int dac_struct_read(const char *path, dac_struct_format format, dac_structure **out)
{
    if (!path || !out)
        return dac_error(DAC_ERR_USAGE, "dac_struct_read: NULL argument");
    *out = NULL;
    int is_stdin = !strcmp(path, "-");
    const char *name = is_stdin ? "(stdin)" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return dac_error(DAC_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    char *text = NULL;
    size_t len = 0;
    int st = dac_read_stream(f, name, MAX_STRUCTURE_BYTES, &text, &len);
    if (!is_stdin)
        fclose(f);
    if (st != DAC_OK)
        return st;
    st = read_owned(text, len, name, format, out);
    free(text);
    return st;
}

/* ------------------------------------------------------------ writing ------------- */

/* "c (20 Å)" or "a (10 Å), b (12 Å) and c (20 Å)": the axes that are not periodic,
 * with their lengths. Returns how many. */
static int open_axes(const dac_structure *s, char *buf, size_t size)
{
    int n = 0, total = !s->pbc[0] + !s->pbc[1] + !s->pbc[2];
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < 3; k++) {
        if (s->pbc[k])
            continue;
        const double *v = s->cell_A[k];
        n++;
        len += (size_t)snprintf(buf + len, size - len, "%s%c (%.4g Å)",
                                n == 1 ? "" : n == total ? " and " : ", ", "abc"[k],
                                sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]));
        if (len >= size)
            break;
    }
    return n;
}

static const char *shape_name(int n_open)
{
    return n_open == 3 ? "a molecule in a box" : n_open == 2 ? "a wire" : "a slab";
}

/* POSCAR and CIF have no periodicity flags: whatever is written is periodic along a,
 * b and c. A structure that is not is refused, or, when the caller forces it, written
 * (and warn_forced says what changed). */
static int check_periodic(const char *path, dac_struct_format format, const dac_structure *s,
                          unsigned flags)
{
    const char *fmt = format == DAC_FORMAT_CIF ? "CIF" : "POSCAR";
    if (!s->has_cell)
        return dac_error(DAC_ERR_USAGE, "%s: %s needs a cell, and the structure has none (a "
                         "molecule); write extended XYZ instead", path, fmt);
    char axes[128];
    int n = open_axes(s, axes, sizeof axes);
    if (n == 0 || (flags & DAC_STRUCT_WRITE_FORCE_PERIODIC))
        return DAC_OK;
    return dac_error(DAC_ERR_USAGE, "%s: %s is always periodic along a, b and c, and the "
                     "structure is %s, not periodic along %s: writing it would make it "
                     "periodic along %s too, its images one lattice vector apart",
                     path, fmt, shape_name(n), axes, n == 1 ? "that vector" : "those vectors");
}

static void warn_forced(const char *path, dac_struct_format format, const dac_structure *s)
{
    char axes[128];
    int n = open_axes(s, axes, sizeof axes);
    if (n > 0)
        dac_warn("%s: the structure (%s) was written as %s, periodic along a, b and c: it is "
                 "now periodic along %s as well", path, shape_name(n),
                 format == DAC_FORMAT_CIF ? "CIF" : "POSCAR", axes);
}

int dac_struct_write(const char *path, dac_struct_format format, const dac_structure *s,
                     unsigned flags)
{
    if (!path || !s)
        return dac_error(DAC_ERR_USAGE, "dac_struct_write: NULL argument");
    if (format == DAC_FORMAT_AUTO)
        format = dac_struct_format_from_path(path);
    if (format == DAC_FORMAT_AUTO)
        return dac_error(DAC_ERR_USAGE, "%s: cannot tell the output format from the name; give "
                         "it explicitly (extxyz, poscar, cif)", path);
    if (s->n_atoms && (!s->Z || !s->position_A))
        return dac_error(DAC_ERR_USAGE, "dac_struct_write: structure without atom arrays");
    if (s->has_cell && struct_cell_is_singular((const double(*)[3])s->cell_A))
        return dac_error(DAC_ERR_USAGE, "%s: the structure's cell is singular (zero volume)", path);
    for (size_t i = 0; i < s->n_atoms; i++)
        if (!dac_element_by_Z(s->Z[i]))
            return dac_error(DAC_ERR_USAGE, "%s: atom %zu has no element (Z = %d)", path, i + 1,
                             s->Z[i]);
    int periodic_only = format == DAC_FORMAT_POSCAR || format == DAC_FORMAT_CIF;
    int st = periodic_only ? check_periodic(path, format, s, flags) : DAC_OK;
    if (st != DAC_OK)
        return st;

    dac_outset *set = NULL;
    FILE *f;
    st = dac_outset_create_file(path, &set, &f);
    if (st != DAC_OK)
        return st;
    switch (format) {
    case DAC_FORMAT_POSCAR:
        st = struct_write_poscar(f, s);
        break;
    case DAC_FORMAT_CIF:
        st = struct_write_cif(f, s);
        break;
    default: /* plain XYZ cannot hold a cell: XYZ output is extended XYZ */
        st = struct_write_extxyz(f, s);
        break;
    }
    if (st == DAC_OK && ferror(f))
        st = dac_error(DAC_ERR_RUNTIME, "%s: write error", path);
    st = dac_outset_finish(set, st);
    if (st == DAC_OK && periodic_only)
        warn_forced(path, format, s);
    return st;
}

/*
 * io_poscar.c — VASP POSCAR / CONTCAR (VASP 5 layout, with the species line).
 *
 *   comment
 *   scale            (one number; negative = target cell volume in Å³; or three
 *                     numbers scaling the x, y, z Cartesian components)
 *   a1 a2 a3
 *   b1 b2 b3
 *   c1 c2 c3
 *   Ni C N           (species; POTCAR suffixes like Ni_pv or Ni/hash are cut)
 *   2 40 6           (counts)
 *   [Selective dynamics]
 *   Direct | Cartesian
 *   positions, one line each (selective-dynamics flags and anything after ignored)
 *
 * Anything after the positions (CONTCAR velocities, predictor-corrector data) is
 * ignored. VASP 4 files have no species line; the reader asks for one rather than
 * guessing elements from the comment line or a POTCAR it cannot see. The layout and
 * the meaning of the scale line follow the VASP wiki page "POSCAR".
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "struct/struct_internal.h"

/* Reads `count` numbers from the current line into v. */
static int read_numbers(const struct_cursor *c, int count, double *v, const char *what)
{
    const char *p = c->cur, *end = c->cur + c->cur_len, *t;
    size_t n;
    char q[48];
    for (int k = 0; k < count; k++) {
        if (!struct_next_token(&p, end, &t, &n))
            return struct_line_error(c, "%s: expected %d numbers, found %d", what, count, k);
        if (struct_parse_double(t, n, &v[k]) != 0)
            return struct_line_error(c, "%s: expected a number, found '%s'", what,
                                struct_quote(q, sizeof q, t, n));
    }
    return DAC_OK;
}

/* An atom line: three numbers (selective-dynamics flags and comments may follow). */
static int read_position(const struct_cursor *c, size_t i, double v[3])
{
    const char *p = c->cur, *end = c->cur + c->cur_len, *t;
    size_t n;
    for (int k = 0; k < 3; k++)
        if (!struct_next_token(&p, end, &t, &n) || struct_parse_double(t, n, &v[k]) != 0) {
            char what[64];
            snprintf(what, sizeof what, "position of atom %zu", i + 1);
            return read_numbers(c, 3, v, what); /* same scan again, for the message */
        }
    return DAC_OK;
}

static int next_line(struct_cursor *c, const char *what)
{
    if (!struct_cursor_next(c))
        return struct_line_error(c, "expected %s, found end of file (truncated POSCAR?)", what);
    return DAC_OK;
}

/* Scale line: returns factors for x, y, z in scale[3]; volume > 0 when the single
 * value was negative (a target volume). */
static int read_scale(const struct_cursor *c, double scale[3], double *volume)
{
    const char *p = c->cur, *end = c->cur + c->cur_len, *t[3];
    size_t n[3];
    double v[3];
    char q[48];
    int k = 0;
    while (k < 3 && struct_next_token(&p, end, &t[k], &n[k]) && struct_parse_double(t[k], n[k], &v[k]) == 0)
        k++;
    if (k == 0) {
        if (!struct_next_token(&(const char *){c->cur}, end, &t[0], &n[0]))
            return struct_line_error(c, "expected the scale factor, found an empty line");
        return struct_line_error(c, "expected the scale factor (a number), found '%s'",
                            struct_quote(q, sizeof q, t[0], n[0]));
    }
    *volume = 0;
    if (k == 3) {
        if (!(v[0] > 0 && v[1] > 0 && v[2] > 0))
            return struct_line_error(c, "three scale factors must all be positive");
        memcpy(scale, v, sizeof v);
        return DAC_OK;
    }
    if (v[0] == 0)
        return struct_line_error(c, "the scale factor must not be 0");
    if (v[0] < 0)
        *volume = -v[0];
    scale[0] = scale[1] = scale[2] = v[0] < 0 ? 1.0 : v[0];
    return DAC_OK;
}

/* Species entries in file order. Writers that keep atom order (ours, ASE's unsorted
 * output) repeat an element for each run, so there can be many entries. */
typedef struct {
    int n_species;
    int *Z;
    long *count;
    long total;
} species_table;

static int read_species(const struct_cursor *c, species_table *sp)
{
    const char *p = c->cur, *end = c->cur + c->cur_len, *t;
    size_t n;
    char q[48];
    long dummy;
    size_t max = c->cur_len / 2 + 1; /* tokens a line can hold */
    sp->n_species = 0;
    sp->Z = malloc(max * sizeof *sp->Z);
    sp->count = malloc(max * sizeof *sp->count);
    if (!sp->Z || !sp->count)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    while (struct_next_token(&p, end, &t, &n)) {
        if (sp->n_species == 0 && struct_parse_long(t, n, &dummy) == 0)
            return struct_line_error(c, "found atom counts but no species line: this is VASP 4 "
                                "format; add a line with the element symbols (e.g. 'Ni C N') "
                                "above the counts");
        if (t[0] == '!' || t[0] == '#')
            break;
        /* "Ni_pv", "Fe_sv_GW", "Ni/3c8f…" (VASP 6 POTCAR hashes) name the element first. */
        size_t k = 0;
        while (k < n && t[k] != '_' && t[k] != '/')
            k++;
        if (sp->n_species == 1000000)
            return struct_line_error(c, "more than 10^6 species entries");
        if (struct_parse_element(t, k, &sp->Z[sp->n_species]) != 0)
            return struct_line_error(c, "unknown element '%s' in the species line",
                                struct_quote(q, sizeof q, t, n));
        sp->n_species++;
    }
    if (sp->n_species == 0)
        return struct_line_error(c, "expected the species line (element symbols), found an empty line");
    return DAC_OK;
}

static int read_counts(const struct_cursor *c, species_table *sp)
{
    const char *p = c->cur, *end = c->cur + c->cur_len, *t;
    size_t n;
    char q[48];
    sp->total = 0;
    for (int k = 0; k < sp->n_species; k++) {
        if (!struct_next_token(&p, end, &t, &n))
            return struct_line_error(c, "expected %d atom counts (one per species), found %d",
                                sp->n_species, k);
        if (struct_parse_long(t, n, &sp->count[k]) != 0 || sp->count[k] < 0 ||
            sp->count[k] > STRUCT_MAX_ATOMS)
            return struct_line_error(c, "expected an atom count (0 … %ld), found '%s'", STRUCT_MAX_ATOMS,
                                struct_quote(q, sizeof q, t, n));
        sp->total += sp->count[k];
    }
    long extra;
    if (struct_next_token(&p, end, &t, &n) && struct_parse_long(t, n, &extra) == 0)
        return struct_line_error(c, "more atom counts than the %d species named on the line above",
                            sp->n_species);
    if (sp->total > STRUCT_MAX_ATOMS)
        return struct_line_error(c, "too many atoms (%ld)", sp->total);
    return DAC_OK;
}

static int first_char(const struct_cursor *c)
{
    const char *p = c->cur, *end = c->cur + c->cur_len;
    while (p < end && isspace((unsigned char)*p))
        p++;
    return p < end ? (unsigned char)*p : 0;
}

static int read_poscar(const char *text, size_t len, const char *name, species_table *sp,
                       dac_structure **out);

int struct_read_poscar(const char *text, size_t len, const char *name, dac_structure **out)
{
    species_table sp = {0, NULL, NULL, 0};
    int st = read_poscar(text, len, name, &sp, out);
    free(sp.Z);
    free(sp.count);
    return st;
}

static int read_poscar(const char *text, size_t len, const char *name, species_table *spp,
                       dac_structure **out)
{
    struct_cursor c;
    struct_cursor_init(&c, text, len, name);
    double scale[3] = {1, 1, 1}, volume = 0, cell[3][3];
    species_table *sp = spp;
    int st;
    *out = NULL;
    if (!struct_cursor_next(&c))
        return struct_line_error(&c, "empty file: expected a POSCAR comment line");
    const char *comment = c.cur;
    size_t comment_len = c.cur_len;
    if ((st = next_line(&c, "the scale factor")) || (st = read_scale(&c, scale, &volume)))
        return st;
    static const char *const vec_name[3] = {"lattice vector a", "lattice vector b", "lattice vector c"};
    for (int i = 0; i < 3; i++)
        if ((st = next_line(&c, vec_name[i])) || (st = read_numbers(&c, 3, cell[i], vec_name[i])))
            return st;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            cell[i][j] *= scale[j];
    if (struct_cell_is_singular((const double(*)[3])cell))
        return struct_line_error(&c, "the lattice vectors are linearly dependent (zero cell volume)");
    if (volume > 0) {
        double f = cbrt(volume / fabs(struct_cell_volume((const double(*)[3])cell)));
        for (int i = 0; i < 9; i++)
            cell[i / 3][i % 3] *= f;
        scale[0] = scale[1] = scale[2] = f;
        if (struct_cell_is_singular((const double(*)[3])cell))
            return struct_line_error(&c, "the cell scaled to volume %g Å³ is out of range", volume);
    }
    if ((st = next_line(&c, "the species line (element symbols)")) || (st = read_species(&c, sp)) ||
        (st = next_line(&c, "the atom counts")) || (st = read_counts(&c, sp)) ||
        (st = next_line(&c, "'Direct' or 'Cartesian'")))
        return st;
    int ch = first_char(&c);
    if (ch == 'S' || ch == 's') { /* Selective dynamics */
        if ((st = next_line(&c, "'Direct' or 'Cartesian'")))
            return st;
        ch = first_char(&c);
    }
    int cartesian = ch == 'C' || ch == 'c' || ch == 'K' || ch == 'k';
    if (!cartesian && ch != 'D' && ch != 'd')
        return struct_line_error(&c, "expected 'Direct' or 'Cartesian' (or 'Selective dynamics')");
    size_t left = struct_cursor_lines_left(&c, (size_t)sp->total);
    if (left < (size_t)sp->total)
        return struct_line_error(&c, "the counts add up to %ld atoms but only %zu lines follow "
                            "(truncated?)", sp->total, left);

    dac_structure *s;
    if ((st = dac_structure_create((size_t)sp->total, &s)) != DAC_OK)
        return st;
    size_t i = 0;
    for (int k = 0; k < sp->n_species; k++) {
        for (long m = 0; m < sp->count[k]; m++, i++) {
            double v[3];
            struct_cursor_next(&c);
            if ((st = read_position(&c, i, v))) {
                dac_structure_free(s);
                return st;
            }
            s->Z[i] = sp->Z[k];
            double *r = s->position_A + 3 * i;
            for (int j = 0; j < 3; j++)
                r[j] = cartesian ? v[j] * scale[j]
                                 : v[0] * cell[0][j] + v[1] * cell[1][j] + v[2] * cell[2][j];
            if (!isfinite(r[0]) || !isfinite(r[1]) || !isfinite(r[2])) {
                dac_structure_free(s);
                return struct_line_error(&c, "position of atom %zu is out of range", i + 1);
            }
        }
    }
    s->has_cell = 1;
    memcpy(s->cell_A, cell, sizeof cell);
    s->pbc[0] = s->pbc[1] = s->pbc[2] = 1;
    while (comment_len > 0 && isspace((unsigned char)comment[comment_len - 1]))
        comment_len--;
    while (comment_len > 0 && isspace((unsigned char)comment[0]))
        comment++, comment_len--;
    if (comment_len > 0) {
        s->comment = malloc(comment_len + 1);
        if (!s->comment) {
            dac_structure_free(s);
            return dac_error(DAC_ERR_NOMEM, "out of memory");
        }
        memcpy(s->comment, comment, comment_len);
        s->comment[comment_len] = '\0';
    }
    *out = s;
    return DAC_OK;
}

/* ------------------------------------------------------------ writer -------------- */

/* VASP 5 POSCAR in Direct coordinates. Atoms keep their order: each run of one element
 * is its own species entry (as ASE writes unsorted structures), so "C Ni C" can occur. */
int struct_write_poscar(FILE *f, const dac_structure *s)
{
    /* First line: the comment on one line, or the composition when there is none. */
    if (s->comment && s->comment[0]) {
        for (const char *p = s->comment; *p; p++)
            fputc((unsigned char)*p < 0x20 ? ' ' : *p, f);
    } else {
        for (size_t i = 0; i < s->n_atoms;) {
            size_t j = i;
            while (j < s->n_atoms && s->Z[j] == s->Z[i])
                j++;
            fprintf(f, "%s%zu", dac_element_by_Z(s->Z[i])->symbol, j - i);
            i = j;
        }
    }
    fputs("\n1.0\n", f);
    for (int i = 0; i < 3; i++)
        fprintf(f, " %22.16f %22.16f %22.16f\n", s->cell_A[i][0], s->cell_A[i][1], s->cell_A[i][2]);
    for (int pass = 0; pass < 2; pass++) { /* species line, then counts */
        for (size_t i = 0; i < s->n_atoms;) {
            size_t j = i;
            while (j < s->n_atoms && s->Z[j] == s->Z[i])
                j++;
            if (pass == 0)
                fprintf(f, " %4s", dac_element_by_Z(s->Z[i])->symbol);
            else
                fprintf(f, " %4zu", j - i);
            i = j;
        }
        fputc('\n', f);
    }
    fputs("Direct\n", f);
    for (size_t i = 0; i < s->n_atoms; i++) {
        double fr[3];
        int st = dac_struct_cartesian_to_fractional(s, s->position_A + 3 * i, fr);
        if (st != DAC_OK)
            return st;
        fprintf(f, " %20.16f %20.16f %20.16f\n", fr[0], fr[1], fr[2]);
    }
    return DAC_OK;
}

/*
 * structure.c — the dac_structure object: create, free, append, copy, and conversion
 * between Cartesian and fractional coordinates for any triclinic cell; plus the cell
 * helpers the file readers and writers share (volume, lengths/angles, standard
 * orientation).
 *
 * Storage: the public struct has no capacity field, so the arrays are always allocated
 * to the next power of two of n_atoms (0 for an empty structure). append() therefore
 * knows the capacity from n_atoms alone: it must grow exactly when n_atoms is 0 or a
 * power of two. This holds as long as n_atoms only changes through create/append.
 * Two small helpers the module shares live here too: the elements in alphabetical
 * order (labels and records list elements that way) and re-prefixing an error.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, strcasecmp */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "struct/struct_internal.h"

#define DEG (DAC_PI / 180.0)

/* Smallest power of two >= n (0 for 0). */
static size_t capacity_for(size_t n)
{
    if (n == 0)
        return 0;
    size_t c = 1;
    while (c < n)
        c <<= 1;
    return c;
}

static int alloc_arrays(dac_structure *s, size_t capacity)
{
    if (capacity == 0)
        return 0;
    if (capacity > SIZE_MAX / (3 * sizeof(double)))
        return -1;
    s->Z = calloc(capacity, sizeof *s->Z);
    s->position_A = calloc(3 * capacity, sizeof *s->position_A);
    return (s->Z && s->position_A) ? 0 : -1;
}

int dac_structure_create(size_t n_atoms, dac_structure **out)
{
    if (!out)
        return dac_error(DAC_ERR_USAGE, "dac_structure_create: NULL argument");
    *out = NULL;
    dac_structure *s = calloc(1, sizeof *s);
    if (!s || alloc_arrays(s, capacity_for(n_atoms)) != 0) {
        dac_structure_free(s);
        return dac_error(DAC_ERR_NOMEM, "out of memory for a structure of %zu atoms", n_atoms);
    }
    s->n_atoms = n_atoms;
    *out = s;
    return DAC_OK;
}

void dac_structure_free(dac_structure *s)
{
    if (!s)
        return;
    free(s->Z);
    free(s->position_A);
    free(s->comment);
    free(s);
}

int dac_structure_append(dac_structure *s, int Z, const double position_A[3])
{
    if (!s || !position_A)
        return dac_error(DAC_ERR_USAGE, "dac_structure_append: NULL argument");
    size_t n = s->n_atoms;
    if (n == 0 || (n & (n - 1)) == 0) { /* full: capacity == n */
        size_t cap = n ? 2 * n : 1;
        if (cap > SIZE_MAX / (3 * sizeof(double)))
            return dac_error(DAC_ERR_NOMEM, "structure too large to append to");
        int *z = realloc(s->Z, cap * sizeof *z);
        if (!z)
            return dac_error(DAC_ERR_NOMEM, "out of memory appending atom %zu", n + 1);
        s->Z = z;
        double *p = realloc(s->position_A, 3 * cap * sizeof *p);
        if (!p)
            return dac_error(DAC_ERR_NOMEM, "out of memory appending atom %zu", n + 1);
        s->position_A = p;
    }
    s->Z[n] = Z;
    memcpy(s->position_A + 3 * n, position_A, 3 * sizeof(double));
    s->n_atoms = n + 1;
    return DAC_OK;
}

int dac_structure_copy(const dac_structure *s, dac_structure **out)
{
    if (!s || !out)
        return dac_error(DAC_ERR_USAGE, "dac_structure_copy: NULL argument");
    dac_structure *c;
    int st = dac_structure_create(s->n_atoms, &c);
    *out = NULL;
    if (st != DAC_OK)
        return st;
    if (s->n_atoms) {
        memcpy(c->Z, s->Z, s->n_atoms * sizeof *c->Z);
        memcpy(c->position_A, s->position_A, 3 * s->n_atoms * sizeof *c->position_A);
    }
    c->has_cell = s->has_cell;
    memcpy(c->cell_A, s->cell_A, sizeof c->cell_A);
    memcpy(c->pbc, s->pbc, sizeof c->pbc);
    if (s->comment && !(c->comment = strdup(s->comment))) {
        dac_structure_free(c);
        return dac_error(DAC_ERR_NOMEM, "out of memory copying a structure");
    }
    *out = c;
    return DAC_OK;
}

static int compare_symbols(const void *a, const void *b, void *user_data)
{
    (void)user_data;
    return strcmp(dac_element_by_Z(*(const int *)a)->symbol, dac_element_by_Z(*(const int *)b)->symbol);
}

int struct_elements_alphabetical(int order[STRUCT_MAX_Z], size_t *n)
{
    *n = 0;
    for (int z = 1; z <= STRUCT_MAX_Z; z++)
        if (dac_element_by_Z(z))
            order[(*n)++] = z;
    return dac_sort(order, *n, sizeof order[0], compare_symbols, NULL);
}

int struct_prefix_error(int status, const char *prefix)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", dac_last_error());
    return dac_error(status, "%s%s", prefix, msg);
}

/* ------------------------------------------------------------------ cell maths ---- */

static void cross(const double a[3], const double b[3], double out[3])
{
    out[0] = a[1] * b[2] - a[2] * b[1];
    out[1] = a[2] * b[0] - a[0] * b[2];
    out[2] = a[0] * b[1] - a[1] * b[0];
}

static double dot(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

double struct_cell_volume(const double cell[3][3])
{
    double bc[3];
    cross(cell[1], cell[2], bc);
    return dot(cell[0], bc);
}

int struct_cell_is_singular(const double cell[3][3])
{
    double la = sqrt(dot(cell[0], cell[0])), lb = sqrt(dot(cell[1], cell[1]));
    double lc = sqrt(dot(cell[2], cell[2]));
    double v = fabs(struct_cell_volume(cell));
    /* A cell whose volume is < 1e-10 of the box of its edges has angles within
     * ~1e-8 rad of flat: no real structure, and the inverse would be noise. */
    return !(v > 1e-10 * la * lb * lc) || !isfinite(v);
}

void struct_cell_parameters(const double cell[3][3], double length_A[3], double angle_deg[3])
{
    for (int i = 0; i < 3; i++)
        length_A[i] = sqrt(dot(cell[i], cell[i]));
    for (int i = 0; i < 3; i++) {
        int j = (i + 1) % 3, k = (i + 2) % 3; /* alpha = angle(b, c), … */
        double c = dot(cell[j], cell[k]) / (length_A[j] * length_A[k]);
        c = c > 1 ? 1 : c < -1 ? -1 : c;
        angle_deg[i] = acos(c) / DEG;
    }
}

/* The convention of International Tables Vol. B §3.3.1 (and ASE's cellpar_to_cell):
 * a = (a, 0, 0), b = (b cosγ, b sinγ, 0), c = (c cosβ, c cy, c cz) with
 * cy = (cosα − cosβ cosγ)/sinγ and cz = sqrt(1 − cos²β − cy²). */
int struct_cell_from_parameters(const double length_A[3], const double angle_deg[3],
                                double cell[3][3])
{
    for (int i = 0; i < 3; i++)
        if (!(length_A[i] > 0) || !(angle_deg[i] > 0 && angle_deg[i] < 180))
            return -1;
    /* Exact values for right angles so that orthogonal cells stay exactly orthogonal. */
    double cosv[3], sing;
    for (int i = 0; i < 3; i++)
        cosv[i] = angle_deg[i] == 90.0 ? 0.0 : cos(angle_deg[i] * DEG);
    sing = angle_deg[2] == 90.0 ? 1.0 : sin(angle_deg[2] * DEG);
    double cy = (cosv[0] - cosv[1] * cosv[2]) / sing;
    double cz2 = 1.0 - cosv[1] * cosv[1] - cy * cy;
    if (!(cz2 > 1e-12))
        return -1;
    memset(cell, 0, 9 * sizeof(double));
    cell[0][0] = length_A[0];
    cell[1][0] = length_A[1] * cosv[2];
    cell[1][1] = length_A[1] * sing;
    cell[2][0] = length_A[2] * cosv[1];
    cell[2][1] = length_A[2] * cy;
    cell[2][2] = length_A[2] * sqrt(cz2);
    return 0;
}

/* ------------------------------------------------- Cartesian <-> fractional ------- */

/* cart = frac · cell (cell rows are lattice vectors), so frac = cart · cell⁻¹, and the
 * columns of cell⁻¹ are the reciprocal vectors (b×c, c×a, a×b) / V. */
int dac_struct_cartesian_to_fractional(const dac_structure *s, const double cart[3], double frac[3])
{
    if (!s || !s->has_cell)
        return dac_error(DAC_ERR_USAGE, "fractional coordinates need a cell; the structure has none");
    if (struct_cell_is_singular((const double(*)[3])s->cell_A))
        return dac_error(DAC_ERR_USAGE, "the cell is singular (zero volume)");
    double v = struct_cell_volume((const double(*)[3])s->cell_A);
    double r[3][3];
    cross(s->cell_A[1], s->cell_A[2], r[0]);
    cross(s->cell_A[2], s->cell_A[0], r[1]);
    cross(s->cell_A[0], s->cell_A[1], r[2]);
    double in[3] = {cart[0], cart[1], cart[2]}; /* cart and frac may alias */
    for (int i = 0; i < 3; i++)
        frac[i] = dot(in, r[i]) / v;
    return DAC_OK;
}

void dac_struct_fractional_to_cartesian(const dac_structure *s, const double frac[3], double cart[3])
{
    double f[3] = {frac[0], frac[1], frac[2]};
    for (int j = 0; j < 3; j++)
        cart[j] = f[0] * s->cell_A[0][j] + f[1] * s->cell_A[1][j] + f[2] * s->cell_A[2][j];
}

/*
 * neighbors.c — the structure's side of radius queries: a cell grid over the atoms of a
 * structure (core/grid.h, which explains why the cell lists work for any triclinic cell
 * under periodic, mixed or no boundaries), the full neighbour list in compressed-row
 * form built from its queries, and the close-contact check every analysis runs first.
 *
 * The list. Each centre's hits are appended in one pass to arrays sized from a sample
 * (every 32nd centre), so a 10^7-entry list is allocated once rather than grown; the
 * grid reports each hit's periodic image relative to the caller's own coordinates,
 * which becomes the entry's shift. Memory is what the caller asks for: Σ neighbours.
 *
 * Close contacts. No bond is shorter than about 0.5 Å (H2, the shortest, is 0.74 Å), so
 * two atoms closer than that are one atom listed twice or a disordered site read as two.
 * Checking first bounds everything after it: with no two atoms closer than d_min, a
 * sphere of radius r holds at most about (2r/d_min + 1)³ atoms, so a neighbour list's
 * size is bounded by the input, not by how densely someone piled atoms up. The check
 * itself needs only the grid (memory O(n)) and stops at the first atom that has a
 * contact, so 40 000 atoms at one point fail after one query.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/grid.h"
#include "struct/struct_internal.h"

/* Positions beyond this are not structures (the grid would lose precision binning
 * them); the readers cannot produce them, a program can. */
#define MAX_COORDINATE_A 1e8

int struct_grid_create(const dac_structure *s, double cutoff_A, dac_grid **out)
{
    *out = NULL;
    for (size_t i = 0; i < s->n_atoms; i++)
        for (int k = 0; k < 3; k++)
            if (!(fabs(s->position_A[3 * i + k]) <= MAX_COORDINATE_A))
                return dac_error(DAC_ERR_INPUT, "atom %zu has a non-finite or absurdly large "
                                 "position (%g Å)", i + 1, s->position_A[3 * i + k]);
    int st = dac_grid_create(3, s->position_A, s->n_atoms, s->has_cell ? &s->cell_A[0][0] : NULL,
                             s->has_cell ? s->pbc : NULL, cutoff_A, out);
    if (st != DAC_OK && st != DAC_ERR_NOMEM)
        struct_prefix_error(st, "neighbour search: ");
    return st;
}

/* ------------------------------------------------------------ neighbour list ------ */

/* The output arrays while they fill. */
typedef struct {
    size_t n, cap;
    uint32_t *j;
    float *d;
    int8_t (*shift)[3];
    size_t centre; /* for messages */
} entries;

static int entries_reserve(entries *e, size_t cap)
{
    uint32_t *j = realloc(e->j, cap * sizeof *j);
    if (j)
        e->j = j;
    float *d = realloc(e->d, cap * sizeof *d);
    if (d)
        e->d = d;
    int8_t(*sh)[3] = realloc(e->shift, cap * sizeof *sh);
    if (sh)
        e->shift = sh;
    if (!j || !d || !sh)
        return dac_error(DAC_ERR_NOMEM, "neighbour list: out of memory for %zu entries", cap);
    e->cap = cap;
    return DAC_OK;
}

static int image_too_far(const entries *e, const dac_grid_hit *h)
{
    int k = abs(h->image[0]) > INT8_MAX ? 0 : abs(h->image[1]) > INT8_MAX ? 1 : 2;
    return dac_error(DAC_ERR_INPUT, "neighbour search: atoms %zu and %zu lie %d cells apart along "
                     "lattice vector %d; wrap the atoms into the cell first", e->centre + 1,
                     h->index + 1, abs(h->image[k]), k + 1);
}

/* Called once per entry of the list (10^7 times for 10^6 atoms): kept short. */
static int append_hit(const dac_grid_hit *h, void *user_data)
{
    entries *e = user_data;
    const int *im = h->image;
    if ((unsigned)(im[0] + INT8_MAX) > 2 * INT8_MAX || (unsigned)(im[1] + INT8_MAX) > 2 * INT8_MAX ||
        (unsigned)(im[2] + INT8_MAX) > 2 * INT8_MAX)
        return image_too_far(e, h);
    size_t n = e->n;
    if (n == e->cap && entries_reserve(e, e->cap < 64 ? 64 : 2 * e->cap))
        return DAC_ERR_NOMEM;
    e->j[n] = (uint32_t)h->index;
    e->d[n] = (float)sqrt(h->d2);
    int8_t *sh = e->shift[n];
    sh[0] = (int8_t)im[0];
    sh[1] = (int8_t)im[1];
    sh[2] = (int8_t)im[2];
    e->n = n + 1;
    return 0;
}

static int count_hit(const dac_grid_hit *h, void *user_data)
{
    (void)h;
    ++*(size_t *)user_data;
    return 0;
}

/* Expected entries from every 32nd centre, with 10 % to spare: one allocation instead
 * of repeated growth (at 10^7 entries, growth and its page faults cost more than the
 * search itself). */
static size_t estimate_entries(const dac_grid *g, double cutoff_A, const unsigned char *mask)
{
    enum { STRIDE = 32 };
    size_t n = dac_grid_size(g), centres = 0, sampled = 0, found = 0;
    for (size_t i = 0; i < n; i++) {
        if (mask && !mask[i])
            continue;
        if (centres++ % STRIDE)
            continue;
        if (dac_grid_neighbors(g, i, cutoff_A, count_hit, &found) == DAC_OK)
            sampled++;
    }
    if (!sampled)
        return 64;
    double want = (double)found / (double)sampled * (double)centres * 1.1 + 64;
    return want < 1e12 ? (size_t)want : (size_t)1e12; /* malloc fails → grow from 64 */
}

int struct_neighbors_from_grid(const dac_grid *g, double cutoff_A, const unsigned char *mask,
                               dac_neighbor_list **out)
{
    *out = NULL;
    size_t n = dac_grid_size(g);
    dac_neighbor_list *nl = calloc(1, sizeof *nl);
    if (!nl || !(nl->start = malloc((n + 1) * sizeof *nl->start))) {
        free(nl);
        return dac_error(DAC_ERR_NOMEM, "neighbour list: out of memory for %zu atoms", n);
    }
    nl->n_atoms = n;
    entries e = {0};
    int st = entries_reserve(&e, estimate_entries(g, cutoff_A, mask));
    if (st != DAC_OK)
        st = entries_reserve(&e, 64);
    for (size_t i = 0; i < n && st == DAC_OK; i++) {
        nl->start[i] = e.n;
        e.centre = i;
        if (!mask || mask[i])
            st = dac_grid_neighbors(g, i, cutoff_A, append_hit, &e);
    }
    nl->start[n] = e.n;
    nl->n_pairs = e.n;
    nl->j = e.j;
    nl->distance_A = e.d;
    nl->shift = e.shift;
    if (st != DAC_OK) {
        dac_neighbor_list_free(nl);
        return st;
    }
    *out = nl;
    return DAC_OK;
}

int dac_struct_neighbors(const dac_structure *s, double cutoff_A, const unsigned char *mask,
                         dac_neighbor_list **out)
{
    if (!s || !out)
        return dac_error(DAC_ERR_USAGE, "dac_struct_neighbors: NULL argument");
    *out = NULL;
    if (!(cutoff_A > 0) || !isfinite(cutoff_A))
        return dac_error(DAC_ERR_USAGE, "neighbour search: the cutoff must be a positive number "
                         "of Å, got %g", cutoff_A);
    if (s->n_atoms > UINT32_MAX)
        return dac_error(DAC_ERR_USAGE, "neighbour search: at most %u atoms", (unsigned)UINT32_MAX);
    if (s->n_atoms && !s->position_A)
        return dac_error(DAC_ERR_USAGE, "neighbour search: the structure has no positions");
    dac_grid *g;
    int st = struct_grid_create(s, cutoff_A, &g);
    if (st == DAC_OK)
        st = struct_neighbors_from_grid(g, cutoff_A, mask, out);
    dac_grid_free(g);
    return st;
}

void dac_neighbor_list_free(dac_neighbor_list *nl)
{
    if (!nl)
        return;
    free(nl->start);
    free(nl->j);
    free(nl->distance_A);
    free(nl->shift);
    free(nl);
}

/* ------------------------------------------------------------ close contacts ------ */

/* The closest partner with the lowest index among an atom's contacts. */
typedef struct {
    size_t partner;
    double d2;
} contact;

static int note_contact(const dac_grid_hit *h, void *user_data)
{
    contact *c = user_data;
    if (h->index < c->partner || (h->index == c->partner && h->d2 < c->d2)) {
        c->partner = h->index;
        c->d2 = h->d2;
    }
    return 0;
}

int struct_check_contacts(const dac_structure *s, const dac_grid *g, double min_distance_A)
{
    for (size_t i = 0; i < s->n_atoms; i++) {
        contact c = {SIZE_MAX, INFINITY};
        int st = dac_grid_neighbors(g, i, min_distance_A, note_contact, &c);
        if (st != DAC_OK)
            return st;
        if (c.partner == SIZE_MAX)
            continue;
        /* Scanning upwards, i is the first atom with a contact; its partner is the
         * lowest-numbered one, which makes the message the same on every run. */
        const dac_element *ei = dac_element_by_Z(s->Z[i]), *ej = dac_element_by_Z(s->Z[c.partner]);
        char partner[64];
        if (c.partner == i)
            snprintf(partner, sizeof partner, "its own periodic image");
        else
            snprintf(partner, sizeof partner, "atom %zu (%s)", c.partner + 1, ej ? ej->symbol : "?");
        return dac_error(DAC_ERR_INPUT, "atom %zu (%s) and %s are %.3f Å apart, closer than any "
                         "bond (min_distance_A = %g Å; H2, the shortest bond, is 0.74 Å): one "
                         "atom listed twice, or a disordered site read as two atoms?",
                         i + 1, ei ? ei->symbol : "?", partner, sqrt(c.d2), min_distance_A);
    }
    return DAC_OK;
}

/*
 * test_neighbors.c — the cell-list neighbour search against brute force.
 *
 * Brute force: for every ordered pair (i, j) and every lattice translation n on the
 * periodic axes with |n_a| ≤ ceil(cutoff/d_a) + 4 (enough for atoms up to two cells
 * outside the box), keep r_j + n·C − r_i shorter than the cutoff, except j == i, n == 0.
 * The cell list must return exactly that set of (j, shift) per centre, with the same
 * distances. Cells are random triclinic matrices (random orientation), with seeded
 * dac_rng, including cells thinner than the cutoff, mixed pbc and molecules; lists from
 * a grid built for a longer radius; and the close-contact check, which must name the
 * same pair as brute force.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/grid.h"
#include "dac/core.h"
#include "dac/struct.h"
#include "struct/struct_internal.h"

typedef struct {
    uint32_t j;
    int s[3];
    double d;
} pair_entry;

static int cmp_entry(const void *a, const void *b)
{
    const pair_entry *x = a, *y = b;
    if (x->j != y->j)
        return x->j < y->j ? -1 : 1;
    for (int k = 0; k < 3; k++)
        if (x->s[k] != y->s[k])
            return x->s[k] < y->s[k] ? -1 : 1;
    return 0;
}

static double plane_spacing(const double c[3][3], int a)
{
    const double *u = c[(a + 1) % 3], *v = c[(a + 2) % 3];
    double n[3] = {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]};
    double vol = fabs(c[a][0] * n[0] + c[a][1] * n[1] + c[a][2] * n[2]);
    return vol / sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
}

/* Brute-force neighbours of atom i; returns the count, entries in *out (caller frees). */
static size_t brute_force(const dac_structure *s, size_t i, double cutoff, pair_entry **out)
{
    int reach[3] = {0, 0, 0};
    for (int a = 0; a < 3; a++)
        if (s->has_cell && s->pbc[a])
            reach[a] = (int)ceil(cutoff / plane_spacing(s->cell_A, a)) + 4;
    size_t n = 0, cap = 16;
    pair_entry *e = malloc(cap * sizeof *e);
    for (size_t j = 0; j < s->n_atoms; j++)
        for (int n0 = -reach[0]; n0 <= reach[0]; n0++)
            for (int n1 = -reach[1]; n1 <= reach[1]; n1++)
                for (int n2 = -reach[2]; n2 <= reach[2]; n2++) {
                    if (j == i && !n0 && !n1 && !n2)
                        continue;
                    double v[3];
                    for (int k = 0; k < 3; k++) {
                        v[k] = s->position_A[3 * j + k] - s->position_A[3 * i + k];
                        if (s->has_cell)
                            v[k] += n0 * s->cell_A[0][k] + n1 * s->cell_A[1][k] + n2 * s->cell_A[2][k];
                    }
                    double d = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
                    if (d >= cutoff)
                        continue;
                    if (n == cap)
                        e = realloc(e, (cap *= 2) * sizeof *e);
                    e[n++] = (pair_entry){(uint32_t)j, {n0, n1, n2}, d};
                }
    *out = e;
    return n;
}

/* Checks the list of s against brute force for every centre allowed by mask. With
 * grid_cutoff > cutoff the list comes from a grid built for the longer radius (its
 * queries must visit fewer bins and still find everything). */
static void check_grid_against_brute_force(const dac_structure *s, double cutoff, double grid_cutoff,
                                           const unsigned char *mask)
{
    dac_neighbor_list *nl = NULL;
    if (grid_cutoff > cutoff) {
        dac_grid *g = NULL;
        assert_int_equal(struct_grid_create(s, grid_cutoff, &g), DAC_OK);
        assert_int_equal(struct_neighbors_from_grid(g, cutoff, mask, &nl), DAC_OK);
        dac_grid_free(g);
    } else {
        assert_int_equal(dac_struct_neighbors(s, cutoff, mask, &nl), DAC_OK);
    }
    assert_non_null(nl);
    assert_int_equal(nl->n_atoms, s->n_atoms);
    assert_int_equal(nl->start[s->n_atoms], nl->n_pairs);
    size_t total = 0;
    for (size_t i = 0; i < s->n_atoms; i++) {
        size_t got_n = nl->start[i + 1] - nl->start[i];
        if (mask && !mask[i]) {
            assert_int_equal(got_n, 0);
            continue;
        }
        pair_entry *want, *got = malloc((got_n ? got_n : 1) * sizeof *got);
        size_t want_n = brute_force(s, i, cutoff, &want);
        for (size_t q = 0; q < got_n; q++) {
            size_t e = nl->start[i] + q;
            got[q] = (pair_entry){nl->j[e], {nl->shift[e][0], nl->shift[e][1], nl->shift[e][2]},
                                  nl->distance_A[e]};
        }
        assert_int_equal(got_n, want_n);
        qsort(got, got_n, sizeof *got, cmp_entry);
        qsort(want, want_n, sizeof *want, cmp_entry);
        for (size_t q = 0; q < got_n; q++) {
            assert_int_equal(cmp_entry(&got[q], &want[q]), 0);
            assert_true(fabs(got[q].d - want[q].d) < 1e-5 * (1 + want[q].d));
        }
        total += want_n;
        free(got);
        free(want);
    }
    if (!mask) { /* full list: i→j for every j→i */
        assert_int_equal(total % 2, 0);
    }
    assert_int_equal(nl->n_pairs, total);
    dac_neighbor_list_free(nl);
}

static void check_against_brute_force(const dac_structure *s, double cutoff, const unsigned char *mask)
{
    check_grid_against_brute_force(s, cutoff, cutoff, mask);
}

/* A random cell: rows with components in [-L, L] plus L on the diagonal (so it is
 * rarely singular), in a random orientation; rejects very flat cells. */
static void random_cell(dac_rng *r, double L, double cell[3][3])
{
    for (;;) {
        for (int a = 0; a < 3; a++)
            for (int k = 0; k < 3; k++)
                cell[a][k] = (2 * dac_rng_uniform(r) - 1) * 0.6 * L + (a == k ? L : 0);
        int ok = 1;
        for (int a = 0; a < 3; a++)
            ok &= plane_spacing(cell, a) > 0.15 * L;
        if (ok)
            return;
    }
}

/* n atoms at random fractional coordinates in [lo, hi) of the cell. */
static dac_structure *random_crystal(dac_rng *r, size_t n, const double cell[3][3], const int pbc[3],
                                     double lo, double hi)
{
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(n, &s), DAC_OK);
    assert_non_null(s);
    s->has_cell = 1;
    memcpy(s->cell_A, cell, sizeof s->cell_A);
    memcpy(s->pbc, pbc, sizeof s->pbc);
    for (size_t i = 0; i < n; i++) {
        double f[3];
        for (int a = 0; a < 3; a++)
            f[a] = lo + (hi - lo) * dac_rng_uniform(r);
        s->Z[i] = 6;
        for (int k = 0; k < 3; k++)
            s->position_A[3 * i + k] = f[0] * cell[0][k] + f[1] * cell[1][k] + f[2] * cell[2][k];
    }
    return s;
}

static void test_random_triclinic_periodic(void **state)
{
    (void)state;
    dac_rng r;
    dac_rng_seed(&r, 20260101);
    const int pbc[3] = {1, 1, 1};
    for (int t = 0; t < 12; t++) {
        double cell[3][3];
        random_cell(&r, 4.0 + 10.0 * dac_rng_uniform(&r), cell);
        dac_structure *s = random_crystal(&r, 20 + dac_rng_below(&r, 40), cell, pbc, 0.0, 1.0);
        check_against_brute_force(s, 2.5 + 3.0 * dac_rng_uniform(&r), NULL);
        dac_structure_free(s);
    }
}

/* Cells thinner than the cutoff along one or all directions: several images per axis
 * (ceil(cutoff/d) of them), including an atom's own images. */
static void test_cells_shorter_than_cutoff(void **state)
{
    (void)state;
    dac_rng r;
    dac_rng_seed(&r, 7);
    const int pbc[3] = {1, 1, 1};
    for (int t = 0; t < 10; t++) {
        double cell[3][3];
        random_cell(&r, 2.0 + 2.0 * dac_rng_uniform(&r), cell);
        if (t % 2) /* one long axis, two short */
            for (int k = 0; k < 3; k++)
                cell[0][k] *= 4.0;
        double cutoff = 4.0 + 4.0 * dac_rng_uniform(&r);
        double dmin = fmin(plane_spacing(cell, 0), fmin(plane_spacing(cell, 1), plane_spacing(cell, 2)));
        assert_true(dmin < cutoff); /* the point of this test */
        dac_structure *s = random_crystal(&r, 1 + dac_rng_below(&r, 8), cell, pbc, 0.0, 1.0);
        check_against_brute_force(s, cutoff, NULL);
        dac_structure_free(s);
    }
}

/* Atoms given outside the cell (fractional −1 … 2): the reported shift must refer to
 * the caller's unwrapped coordinates. */
static void test_atoms_outside_cell(void **state)
{
    (void)state;
    dac_rng r;
    dac_rng_seed(&r, 99);
    const int pbc[3] = {1, 1, 1};
    for (int t = 0; t < 6; t++) {
        double cell[3][3];
        random_cell(&r, 6.0, cell);
        dac_structure *s = random_crystal(&r, 30, cell, pbc, -1.0, 2.0);
        check_against_brute_force(s, 3.0 + 2.0 * dac_rng_uniform(&r), NULL);
        dac_structure_free(s);
    }
}

static void test_mixed_pbc(void **state)
{
    (void)state;
    dac_rng r;
    dac_rng_seed(&r, 31337);
    const int patterns[][3] = {{1, 1, 0}, {0, 1, 0}, {1, 0, 1}, {0, 0, 1}, {0, 0, 0}};
    for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++)
        for (int t = 0; t < 3; t++) {
            double cell[3][3];
            random_cell(&r, 3.0 + 8.0 * dac_rng_uniform(&r), cell);
            /* slab-like: atoms also beyond the cell on non-periodic axes */
            dac_structure *s = random_crystal(&r, 25 + dac_rng_below(&r, 20), cell, patterns[p], -0.3, 1.3);
            check_against_brute_force(s, 2.0 + 4.0 * dac_rng_uniform(&r), NULL);
            dac_structure_free(s);
        }
}

static void test_molecule_without_cell(void **state)
{
    (void)state;
    dac_rng r;
    dac_rng_seed(&r, 5);
    for (int t = 0; t < 5; t++) {
        size_t n = 50 + dac_rng_below(&r, 100);
        dac_structure *s = NULL;
        assert_int_equal(dac_structure_create(n, &s), DAC_OK);
        double box = 5.0 + 20.0 * dac_rng_uniform(&r);
        for (size_t i = 0; i < n; i++) {
            s->Z[i] = 8;
            for (int k = 0; k < 3; k++) /* flat along z in one case: a planar molecule */
                s->position_A[3 * i + k] = (t == 0 && k == 2) ? 1.5 : box * dac_rng_uniform(&r) - 3.0;
        }
        check_against_brute_force(s, 1.5 + 3.0 * dac_rng_uniform(&r), NULL);
        dac_structure_free(s);
    }
}

static void test_mask_selects_centres(void **state)
{
    (void)state;
    dac_rng r;
    dac_rng_seed(&r, 11);
    double cell[3][3];
    random_cell(&r, 7.0, cell);
    const int pbc[3] = {1, 1, 0};
    dac_structure *s = random_crystal(&r, 60, cell, pbc, 0.0, 1.0);
    unsigned char mask[60];
    for (int i = 0; i < 60; i++)
        mask[i] = dac_rng_uniform(&r) < 0.2;
    check_against_brute_force(s, 4.0, mask);
    dac_structure_free(s);
}

/* A few hundred Å of empty space and a tiny cutoff must not allocate a bin per Å³. */
static void test_sparse_molecule_and_empty(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(3, &s), DAC_OK);
    double p[3][3] = {{0, 0, 0}, {1.0, 0, 0}, {5e5, -3e5, 7e5}};
    for (int i = 0; i < 3; i++) {
        s->Z[i] = 1;
        memcpy(s->position_A + 3 * i, p[i], sizeof p[i]);
    }
    dac_neighbor_list *nl;
    assert_int_equal(dac_struct_neighbors(s, 0.01, NULL, &nl), DAC_OK);
    assert_int_equal(nl->n_pairs, 0);
    dac_neighbor_list_free(nl);
    check_against_brute_force(s, 1.5, NULL);
    s->n_atoms = 0;
    assert_int_equal(dac_struct_neighbors(s, 3.0, NULL, &nl), DAC_OK);
    assert_int_equal(nl->n_pairs, 0);
    dac_neighbor_list_free(nl);
    dac_structure_free(s);
}

/* Graphene (a = 2.46 Å): 3 neighbours at a/√3, 6 at a, 3 at 2a/√3 within 3.5 Å. */
static void test_graphene_shells(void **state)
{
    (void)state;
    const double a = 2.46, h = a * sqrt(3.0) / 2;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(2, &s), DAC_OK);
    s->has_cell = 1;
    double cell[3][3] = {{a, 0, 0}, {a / 2, h, 0}, {0, 0, 15}};
    memcpy(s->cell_A, cell, sizeof cell);
    s->pbc[0] = s->pbc[1] = 1;
    s->Z[0] = s->Z[1] = 6;
    double p1[3] = {a / 2, h / 3, 0}, p0[3] = {0, 0, 0};
    memcpy(s->position_A, p0, sizeof p0);
    memcpy(s->position_A + 3, p1, sizeof p1);
    dac_neighbor_list *nl;
    assert_int_equal(dac_struct_neighbors(s, 3.5, NULL, &nl), DAC_OK);
    assert_int_equal(nl->start[1], 12);
    int shells[3] = {0, 0, 0};
    for (size_t e = 0; e < nl->start[1]; e++) {
        double d = nl->distance_A[e];
        shells[0] += fabs(d - a / sqrt(3.0)) < 1e-4;
        shells[1] += fabs(d - a) < 1e-4;
        shells[2] += fabs(d - 2 * a / sqrt(3.0)) < 1e-4;
    }
    assert_int_equal(shells[0], 3);
    assert_int_equal(shells[1], 6);
    assert_int_equal(shells[2], 3);
    dac_neighbor_list_free(nl);
    dac_structure_free(s);
}

/* A grid built for a long radius answers shorter queries from fewer bins (core/grid.c):
 * the lists must still match brute force, in every kind of cell. */
static void test_queries_shorter_than_grid_cutoff(void **state)
{
    (void)state;
    dac_rng r;
    dac_rng_seed(&r, 424242);
    const int patterns[][3] = {{1, 1, 1}, {1, 1, 0}, {0, 0, 1}, {0, 0, 0}};
    for (int t = 0; t < 16; t++) {
        double cell[3][3];
        random_cell(&r, 2.0 + 10.0 * dac_rng_uniform(&r), cell);
        dac_structure *s = random_crystal(&r, 10 + dac_rng_below(&r, 40), cell, patterns[t % 4],
                                          -0.5, 1.5);
        double cutoff = 0.5 + 3.0 * dac_rng_uniform(&r);
        check_grid_against_brute_force(s, cutoff, cutoff * (1.2 + 3.0 * dac_rng_uniform(&r)), NULL);
        s->has_cell = t % 3 == 0 ? 0 : 1; /* and as a molecule (bounding box) */
        check_grid_against_brute_force(s, cutoff, 2.5 * cutoff, NULL);
        dac_structure_free(s);
    }
}

/* The close-contact check names the lowest-numbered atom that has a partner closer than
 * the limit (its own periodic image included) and that partner's lowest number —
 * compared with brute force on random crystals, where contacts occur at random. */
static void test_contacts_against_brute_force(void **state)
{
    (void)state;
    dac_rng r;
    dac_rng_seed(&r, 2718);
    const int pbc[3] = {1, 1, 0};
    int found = 0;
    for (int t = 0; t < 40; t++) {
        double cell[3][3];
        random_cell(&r, 3.0 + 8.0 * dac_rng_uniform(&r), cell);
        dac_structure *s = random_crystal(&r, 2 + dac_rng_below(&r, 30), cell, pbc, -0.2, 1.2);
        double limit = 0.3 + 1.2 * dac_rng_uniform(&r);
        size_t want_i = SIZE_MAX, want_j = SIZE_MAX;
        for (size_t i = 0; i < s->n_atoms && want_i == SIZE_MAX; i++) {
            pair_entry *e;
            size_t n = brute_force(s, i, limit, &e);
            for (size_t q = 0; q < n; q++)
                if (e[q].j < want_j) {
                    want_i = i;
                    want_j = e[q].j;
                }
            free(e);
        }
        dac_grid *g = NULL;
        assert_int_equal(struct_grid_create(s, 3.5, &g), DAC_OK);
        int st = struct_check_contacts(s, g, limit);
        dac_grid_free(g);
        if (want_i == SIZE_MAX) {
            assert_int_equal(st, DAC_OK);
        } else {
            char who[96];
            if (want_i == want_j)
                snprintf(who, sizeof who, "atom %zu (C) and its own periodic image", want_i + 1);
            else
                snprintf(who, sizeof who, "atom %zu (C) and atom %zu (C) are", want_i + 1, want_j + 1);
            assert_int_equal(st, DAC_ERR_INPUT);
            if (!strstr(dac_last_error(), who))
                print_error("expected '%s' in '%s'\n", who, dac_last_error());
            assert_non_null(strstr(dac_last_error(), who));
            found++;
        }
        dac_structure_free(s);
    }
    assert_true(found > 5 && found < 35); /* both outcomes were exercised */
}

static void test_bad_arguments(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(2, &s), DAC_OK);
    s->Z[0] = s->Z[1] = 6;
    s->position_A[3] = 1.0;
    dac_neighbor_list *nl = (dac_neighbor_list *)1;
    assert_int_equal(dac_struct_neighbors(s, 0.0, NULL, &nl), DAC_ERR_USAGE);
    assert_null(nl);
    assert_int_equal(dac_struct_neighbors(s, NAN, NULL, &nl), DAC_ERR_USAGE);
    s->has_cell = 1; /* zero cell: singular */
    s->pbc[0] = 1;
    assert_int_equal(dac_struct_neighbors(s, 2.0, NULL, &nl), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "singular"));
    for (int a = 0; a < 3; a++) /* 1 Å cell, 500 Å cutoff: 500 images per axis */
        s->cell_A[a][a] = 1.0;
    /* the cutoff is the caller's choice, not the cell's fault: a usage error that does
     * not ask whether the cell is flat */
    assert_int_equal(dac_struct_neighbors(s, 500.0, NULL, &nl), DAC_ERR_USAGE);
    assert_non_null(strstr(dac_last_error(), "images"));
    assert_null(strstr(dac_last_error(), "flat"));
    s->has_cell = 0;
    s->position_A[0] = NAN;
    assert_int_equal(dac_struct_neighbors(s, 2.0, NULL, &nl), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "atom 1 ")); /* numbered from 1 */
    dac_structure_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queries_shorter_than_grid_cutoff),
        cmocka_unit_test(test_contacts_against_brute_force),
        cmocka_unit_test(test_random_triclinic_periodic),
        cmocka_unit_test(test_cells_shorter_than_cutoff),
        cmocka_unit_test(test_atoms_outside_cell),
        cmocka_unit_test(test_mixed_pbc),
        cmocka_unit_test(test_molecule_without_cell),
        cmocka_unit_test(test_mask_selects_centres),
        cmocka_unit_test(test_sparse_molecule_and_empty),
        cmocka_unit_test(test_graphene_shells),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

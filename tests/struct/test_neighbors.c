/*
 * test_neighbors.c — the cell-list neighbour search against brute force.
 *
 * Brute force: for every ordered pair (i, j) and every lattice translation n on the
 * periodic axes with |n_a| ≤ ceil(cutoff/d_a) + 4 (enough for atoms up to two cells
 * outside the box), keep r_j + n·C − r_i shorter than the cutoff, except j == i, n == 0.
 * The cell list must return exactly that set of (j, shift) per centre, with the same
 * distances. Cells are random triclinic matrices (random orientation), with seeded
 * dac_rng, including cells thinner than the cutoff, mixed pbc and molecules.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dac/core.h"
#include "dac/struct.h"

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

/* Checks the list of s against brute force for every centre allowed by mask. */
static void check_against_brute_force(const dac_structure *s, double cutoff, const unsigned char *mask)
{
    dac_neighbor_list *nl = NULL;
    assert_int_equal(dac_struct_neighbors(s, cutoff, mask, &nl), DAC_OK);
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
    dac_structure *s = dac_structure_create(n);
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
        dac_structure *s = dac_structure_create(n);
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
    dac_structure *s = dac_structure_create(3);
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
    dac_structure *s = dac_structure_create(2);
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

static void test_bad_arguments(void **state)
{
    (void)state;
    dac_structure *s = dac_structure_create(2);
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
    assert_int_equal(dac_struct_neighbors(s, 500.0, NULL, &nl), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "images"));
    s->has_cell = 0;
    s->position_A[0] = NAN;
    assert_int_equal(dac_struct_neighbors(s, 2.0, NULL, &nl), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "atom 0"));
    dac_structure_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
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

/*
 * test_structure.c — the dac_structure object: ownership, growth, copies, and the
 * Cartesian <-> fractional conversion for orthogonal and triclinic cells.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dac_test.h"

#include "dac/core.h"
#include "dac/struct.h"
#include "struct/struct_internal.h"

static void test_create_is_zeroed(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(5, &s), DAC_OK);
    assert_non_null(s);
    assert_int_equal(s->n_atoms, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(s->Z[i], 0);
        for (int k = 0; k < 3; k++)
            assert_true(s->position_A[3 * i + k] == 0.0);
    }
    assert_int_equal(s->has_cell, 0);
    assert_null(s->comment);
    dac_structure_free(s);
    dac_structure_free(NULL); /* like free(NULL) */
}

/* Appending past every power of two keeps all earlier atoms (the implicit capacity
 * rule of structure.c), starting from an empty and from a non-power-of-two size. */
static void test_append_grows_and_keeps_atoms(void **state)
{
    (void)state;
    for (size_t start = 0; start < 6; start += 5) {
        dac_structure *s = NULL;
        assert_int_equal(dac_structure_create(start, &s), DAC_OK);
        assert_non_null(s);
        for (size_t i = 0; i < start; i++)
            s->Z[i] = 1;
        for (size_t i = start; i < 1000; i++) {
            double r[3] = {(double)i, -(double)i, 0.5 * (double)i};
            assert_int_equal(dac_structure_append(s, (int)(i % 90) + 1, r), DAC_OK);
        }
        assert_int_equal(s->n_atoms, 1000);
        for (size_t i = start; i < 1000; i++) {
            assert_int_equal(s->Z[i], (int)(i % 90) + 1);
            assert_true(s->position_A[3 * i] == (double)i);
            assert_true(s->position_A[3 * i + 1] == -(double)i);
            assert_true(s->position_A[3 * i + 2] == 0.5 * (double)i);
        }
        dac_structure_free(s);
    }
}

static void test_copy_is_deep(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    double r[3] = {1, 2, 3};
    assert_int_equal(dac_structure_append(s, 28, r), DAC_OK);
    s->has_cell = 1;
    s->cell_A[0][0] = s->cell_A[1][1] = s->cell_A[2][2] = 4.0;
    s->pbc[0] = s->pbc[1] = 1;
    s->comment = strdup("Ni on carbon");
    dac_structure *c = NULL;
    assert_int_equal(dac_structure_copy(s, &c), DAC_OK);
    assert_non_null(c);
    assert_int_equal(c->n_atoms, 1);
    assert_int_equal(c->Z[0], 28);
    assert_true(c->position_A[2] == 3.0);
    assert_true(c->cell_A[2][2] == 4.0);
    assert_int_equal(c->pbc[0], 1);
    assert_int_equal(c->pbc[2], 0);
    assert_string_equal(c->comment, "Ni on carbon");
    assert_ptr_not_equal(c->comment, s->comment);
    s->position_A[2] = -1;
    s->comment[0] = 'X';
    assert_true(c->position_A[2] == 3.0);
    assert_string_equal(c->comment, "Ni on carbon");
    /* the copy can grow on its own */
    assert_int_equal(dac_structure_append(c, 6, r), DAC_OK);
    assert_int_equal(c->n_atoms, 2);
    assert_int_equal(s->n_atoms, 1);
    dac_structure_free(s);
    dac_structure_free(c);
}

/* A triclinic cell from lengths and angles, built independently of structure.c. */
static void triclinic(dac_structure *s)
{
    s->has_cell = 1;
    double a = 5.1, b = 6.3, c = 7.7, al = 81.0 * DAC_PI / 180, be = 97.0 * DAC_PI / 180,
           ga = 112.0 * DAC_PI / 180;
    double cy = (cos(al) - cos(be) * cos(ga)) / sin(ga);
    double m[3][3] = {{a, 0, 0},
                      {b * cos(ga), b * sin(ga), 0},
                      {c * cos(be), c * cy, c * sqrt(1 - cos(be) * cos(be) - cy * cy)}};
    memcpy(s->cell_A, m, sizeof m);
}

/* cart = f0·a + f1·b + f2·c by definition of fractional coordinates. */
static void test_fractional_to_cartesian_is_linear_combination(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    triclinic(s);
    double f[3] = {0.25, -0.5, 1.75}, r[3];
    dac_struct_fractional_to_cartesian(s, f, r);
    for (int j = 0; j < 3; j++)
        assert_near(r[j], 0.25 * s->cell_A[0][j] - 0.5 * s->cell_A[1][j] + 1.75 * s->cell_A[2][j], 1e-12);
    /* the lattice vectors themselves have unit fractional coordinates */
    for (int i = 0; i < 3; i++) {
        double fr[3];
        assert_int_equal(dac_struct_cartesian_to_fractional(s, s->cell_A[i], fr), DAC_OK);
        for (int k = 0; k < 3; k++)
            assert_near(fr[k], i == k ? 1.0 : 0.0, 1e-12);
    }
    dac_structure_free(s);
}

static void test_fractional_round_trip_triclinic(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    triclinic(s);
    dac_rng rng;
    dac_rng_seed(&rng, 42);
    for (int t = 0; t < 200; t++) {
        double cart[3], frac[3], back[3];
        for (int k = 0; k < 3; k++)
            cart[k] = 40 * dac_rng_uniform(&rng) - 20;
        assert_int_equal(dac_struct_cartesian_to_fractional(s, cart, frac), DAC_OK);
        dac_struct_fractional_to_cartesian(s, frac, back);
        for (int k = 0; k < 3; k++)
            assert_near(back[k], cart[k], 1e-10);
    }
    /* aliasing input and output is allowed */
    double v[3] = {1, 2, 3};
    assert_int_equal(dac_struct_cartesian_to_fractional(s, v, v), DAC_OK);
    dac_struct_fractional_to_cartesian(s, v, v);
    assert_near(v[1], 2, 1e-12);
    dac_structure_free(s);
}

static void test_fractional_needs_a_cell(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    double r[3] = {1, 1, 1}, f[3];
    assert_int_equal(dac_struct_cartesian_to_fractional(s, r, f), DAC_ERR_USAGE);
    assert_non_null(strstr(dac_last_error(), "cell"));
    s->has_cell = 1; /* all-zero cell: singular */
    assert_int_equal(dac_struct_cartesian_to_fractional(s, r, f), DAC_ERR_USAGE);
    s->cell_A[0][0] = 1;
    s->cell_A[1][0] = 2; /* b parallel to a */
    s->cell_A[2][2] = 1;
    assert_int_equal(dac_struct_cartesian_to_fractional(s, r, f), DAC_ERR_USAGE);
    dac_structure_free(s);
}

/* Lengths and angles -> standard orientation -> lengths and angles. */
static void test_cell_parameters_round_trip(void **state)
{
    (void)state;
    double len[3] = {3.5, 4.25, 9.0}, ang[3] = {75.0, 101.5, 119.0}, cell[3][3], l2[3], a2[3];
    assert_int_equal(struct_cell_from_parameters(len, ang, cell), 0);
    assert_true(cell[0][1] == 0 && cell[0][2] == 0 && cell[1][2] == 0); /* a ‖ x, b in xy */
    struct_cell_parameters((const double(*)[3])cell, l2, a2);
    for (int k = 0; k < 3; k++) {
        assert_near(l2[k], len[k], 1e-12);
        assert_near(a2[k], ang[k], 1e-10);
    }
    double bad[3] = {100.0, 10.0, 10.0}; /* alpha > beta + gamma: no cell */
    assert_int_equal(struct_cell_from_parameters(len, bad, cell), -1);
    double zero[3] = {0, 1, 1};
    assert_int_equal(struct_cell_from_parameters(zero, ang, cell), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_is_zeroed),
        cmocka_unit_test(test_append_grows_and_keeps_atoms),
        cmocka_unit_test(test_copy_is_deep),
        cmocka_unit_test(test_fractional_to_cartesian_is_linear_combination),
        cmocka_unit_test(test_fractional_round_trip_triclinic),
        cmocka_unit_test(test_fractional_needs_a_cell),
        cmocka_unit_test(test_cell_parameters_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

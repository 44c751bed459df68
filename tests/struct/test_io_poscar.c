/*
 * test_io_poscar.c — VASP POSCAR / CONTCAR: species line, scale factor (incl. negative
 * = volume and three per-axis factors), Direct and Cartesian, selective dynamics,
 * CONTCAR velocity blocks; round trips; malformed files naming file and line.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "struct_test.h"

#include "dac/core.h"
#include "dac/struct.h"

#define read_ok(t, n) struct_read_ok((t), (n), DAC_FORMAT_AUTO)
#define read_fails(t, n, w, x) struct_read_fails((t), (n), DAC_FORMAT_POSCAR, (w), (x))

/* A hexagonal 2×1 graphene-like cell with a Ni pair, as a CONTCAR: selective dynamics,
 * POTCAR-suffixed species, and a velocity block after the positions. */
static const char *contcar =
    "Ni2 on graphene\n"
    "   2.0\n"
    "     1.2300000000000000    0.0000000000000000    0.0000000000000000\n"
    "    -0.6150000000000000    1.0652112466548008    0.0000000000000000\n"
    "     0.0000000000000000    0.0000000000000000    7.5000000000000000\n"
    "   Ni_pv C\n"
    "     2     1\n"
    "Selective dynamics\n"
    "Direct\n"
    "  0.0000000000000000  0.0000000000000000  0.5000000000000000   F   F   T\n"
    "  0.3333333333333333  0.6666666666666667  0.5000000000000000   T   T   T\n"
    "  0.5000000000000000  0.2500000000000000  0.0000000000000000   T   T   T\n"
    "\n"
    "  0.1 0.2 0.3\n  0.0 0.0 0.0\n  0.0 0.0 0.0\n";

static void test_contcar(void **state)
{
    (void)state;
    dac_structure *s = read_ok(contcar, "run/CONTCAR");
    assert_int_equal(s->n_atoms, 3);
    assert_int_equal(s->Z[0], 28);
    assert_int_equal(s->Z[1], 28);
    assert_int_equal(s->Z[2], 6);
    assert_int_equal(s->has_cell, 1);
    assert_int_equal(s->pbc[0] + s->pbc[1] + s->pbc[2], 3);
    /* every lattice vector is scaled by 2 */
    assert_near(s->cell_A[0][0], 2.46, 1e-14);
    assert_near(s->cell_A[1][1], 2 * 1.0652112466548008, 1e-14);
    assert_near(s->cell_A[2][2], 15.0, 1e-14);
    /* r = f · (scaled) cell */
    assert_near(s->position_A[2], 7.5, 1e-14);
    assert_near(s->position_A[3], 2 * (1.23 / 3 - 0.615 * 2 / 3.0), 1e-12);
    assert_near(s->position_A[4], 2 * 1.0652112466548008 * 2 / 3.0, 1e-12);
    assert_near(s->position_A[6], 2 * (0.5 * 1.23 - 0.25 * 0.615), 1e-12);
    assert_string_equal(s->comment, "Ni2 on graphene");
    dac_structure_free(s);
}

static void test_cartesian_and_negative_scale(void **state)
{
    (void)state;
    /* scale -1000: the cell is rescaled to 1000 Å³, i.e. by 10/2 = 5 for a 2 Å cube;
     * Cartesian positions are scaled by the same factor. */
    const char *text = "cube\n-1000\n2 0 0\n0 2 0\n0 0 2\nCo Zn\n1 1\nCartesian\n0.1 0.2 0.3\n1 1 1\n";
    dac_structure *s = read_ok(text, "cube.vasp");
    assert_near(s->cell_A[0][0], 10.0, 1e-12);
    assert_near(fabs(s->cell_A[0][0] * s->cell_A[1][1] * s->cell_A[2][2]), 1000.0, 1e-9);
    assert_near(s->position_A[0], 0.5, 1e-12);
    assert_near(s->position_A[2], 1.5, 1e-12);
    assert_near(s->position_A[5], 5.0, 1e-12);
    assert_int_equal(s->Z[0], 27);
    assert_int_equal(s->Z[1], 30);
    dac_structure_free(s);
}

static void test_three_scale_factors(void **state)
{
    (void)state;
    /* three factors scale the Cartesian x, y, z components (VASP wiki, POSCAR) */
    const char *text = "t\n1 2 3\n1 1 0\n0 1 0\n0 0 1\nPt\n1\nd\n0.5 0.5 0.5\n";
    dac_structure *s = read_ok(text, "POSCAR");
    assert_near(s->cell_A[0][0], 1, 0);
    assert_near(s->cell_A[0][1], 2, 0);
    assert_near(s->cell_A[2][2], 3, 0);
    assert_near(s->position_A[0], 0.5, 1e-15);
    assert_near(s->position_A[1], 0.5 * 2 + 0.5 * 2, 1e-15);
    assert_near(s->position_A[2], 1.5, 1e-15);
    dac_structure_free(s);
}

static dac_structure *random_periodic(uint64_t seed, size_t n)
{
    dac_rng rng;
    dac_rng_seed(&rng, seed);
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    static const int Z[] = {6, 6, 7, 28, 28, 6, 8, 30};
    for (size_t i = 0; i < n; i++) {
        double r[3];
        for (int k = 0; k < 3; k++)
            r[k] = 20 * dac_rng_uniform(&rng) - 5;
        dac_structure_append(s, Z[dac_rng_below(&rng, 8)], r);
    }
    s->has_cell = 1;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            s->cell_A[i][j] = (i == j ? 9 : 0) + 4 * dac_rng_uniform(&rng) - 2;
    s->pbc[0] = s->pbc[1] = s->pbc[2] = 1;
    s->comment = strdup("random cell");
    return s;
}

/* Write → read keeps order (interleaved elements become repeated species entries),
 * cell and positions. */
static void test_round_trip(void **state)
{
    (void)state;
    dac_structure *s = random_periodic(11, 300);
    const char *path = "test_io_poscar_POSCAR";
    assert_int_equal(dac_struct_write(path, DAC_FORMAT_POSCAR, s, 0), DAC_OK);
    dac_structure *r = NULL;
    int st = dac_struct_read(path, DAC_FORMAT_POSCAR, &r);
    if (st)
        print_error("%s\n", dac_last_error());
    assert_int_equal(st, DAC_OK);
    assert_int_equal(r->n_atoms, s->n_atoms);
    for (size_t i = 0; i < s->n_atoms; i++) {
        assert_int_equal(r->Z[i], s->Z[i]);
        for (int k = 0; k < 3; k++)
            assert_near(r->position_A[3 * i + k], s->position_A[3 * i + k], 1e-12);
    }
    for (int i = 0; i < 9; i++)
        assert_near(r->cell_A[i / 3][i % 3], s->cell_A[i / 3][i % 3], 1e-14);
    assert_string_equal(r->comment, "random cell");
    dac_structure_free(r);
    remove(path);
    dac_structure_free(s);
}

static void test_malformed(void **state)
{
    (void)state;
    read_fails("", "empty", "empty:1:", "empty");
    read_fails("c\n", "P1", "P1:2:", "scale");
    read_fails("c\nabc\n", "P2", "P2:2:", "'abc'");
    read_fails("c\n0\n1 0 0\n0 1 0\n0 0 1\nC\n1\nD\n0 0 0\n", "P3", "P3:2:", "not be 0");
    /* two lattice lines: the species line is read as the third vector */
    read_fails("c\n1\n1 0 0\n0 1 0\nC\n1\nD\n0 0 0\n", "two", "two:5:", "lattice vector c");
    read_fails("c\n1\n1 0 0\n0 1 0\n", "two_eof", "two_eof:5:", "lattice vector c");
    read_fails("c\n1\n1 0 0\n0 1\n0 0 1\nC\n1\nD\n0 0 0\n", "short", "short:4:", "lattice vector b");
    read_fails("c\n1\n1 0 0\n2 0 0\n0 0 1\nC\n1\nD\n0 0 0\n", "flat", "flat:5:", "linearly dependent");
    /* VASP 4: counts where the species should be */
    read_fails("c\n1\n1 0 0\n0 1 0\n0 0 1\n1\nD\n0 0 0\n", "vasp4", "vasp4:6:", "species line");
    read_fails("c\n1\n1 0 0\n0 1 0\n0 0 1\nNi Xx\n1 1\nD\n0 0 0\n0 0 0\n", "xx", "xx:6:", "'Xx'");
    read_fails("c\n1\n1 0 0\n0 1 0\n0 0 1\nNi C\n1\nD\n0 0 0\n", "cnt", "cnt:7:", "2 atom counts");
    read_fails("c\n1\n1 0 0\n0 1 0\n0 0 1\nNi\n1 2\nD\n0 0 0\n", "cnt2", "cnt2:7:", "more atom counts");
    read_fails("c\n1\n1 0 0\n0 1 0\n0 0 1\nNi\n-1\nD\n", "neg", "neg:7:", "atom count");
    read_fails("c\n1\n1 0 0\n0 1 0\n0 0 1\nNi\n1\n0 0 0\n", "mode", "mode:8:", "Direct");
    /* truncated: 3 atoms declared, 2 lines; a huge count allocates nothing */
    read_fails("c\n1\n1 0 0\n0 1 0\n0 0 1\nNi C\n2 1\nDirect\n0 0 0\n0.5 0 0\n", "trunc", "trunc:8:",
               "3 atoms");
    read_fails("c\n1\n1 0 0\n0 1 0\n0 0 1\nNi\n90000000\nDirect\n0 0 0\n", "huge", "huge:8:", NULL);
    read_fails("c\n1\n1 0 0\n0 1 0\n0 0 1\nNi\n2\nDirect\n0 0 0\n0.5 x 0\n", "nan", "nan:10:",
               "position of atom 2");
    read_fails("c\n1\n1 0 0\n0 1 0\n0 0 1\nNi\n2\nSelective dynamics\nDirect\n0 0 0 T T T\n0.5 0\n",
               "sel", "sel:11:", "position of atom 2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contcar),
        cmocka_unit_test(test_cartesian_and_negative_scale),
        cmocka_unit_test(test_three_scale_factors),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

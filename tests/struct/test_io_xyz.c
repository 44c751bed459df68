/*
 * test_io_xyz.c — plain and extended XYZ: known texts in the dialects ASE and OVITO
 * write, write→read round trips, and malformed input that must fail with
 * DAC_ERR_INPUT and a message naming the file and the line.
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

#define read_ok struct_read_ok
#define read_fails(t, n, w, x) struct_read_fails((t), (n), DAC_FORMAT_AUTO, (w), (x))

static void test_plain_xyz(void **state)
{
    (void)state;
    dac_structure *s = read_ok("3\n  water molecule  \nO 0.0 0.0 0.119\nH 0.0 0.763 -0.477\r\n"
                               "h 0 -0.763 -0.477 extra columns ignored\n",
                               "water.xyz", DAC_FORMAT_AUTO);
    assert_int_equal(s->n_atoms, 3);
    assert_int_equal(s->Z[0], 8);
    assert_int_equal(s->Z[1], 1);
    assert_int_equal(s->Z[2], 1); /* lower-case symbol */
    assert_near(s->position_A[2], 0.119, 1e-15);
    assert_near(s->position_A[4], 0.763, 1e-15);
    assert_near(s->position_A[8], -0.477, 1e-15);
    assert_int_equal(s->has_cell, 0);
    assert_string_equal(s->comment, "water molecule");
    dac_structure_free(s);
}

static void test_atomic_numbers_as_symbols(void **state)
{
    (void)state;
    /* also: a UTF-8 byte-order mark in front, as some Windows editors write */
    dac_structure *s = read_ok("\xEF\xBB\xBF" "2\n\n28 0 0 0\n7 1.9 0 0\n", "n.xyz", DAC_FORMAT_XYZ);
    assert_int_equal(s->Z[0], 28);
    assert_int_equal(s->Z[1], 7);
    assert_null(s->comment);
    dac_structure_free(s);
}

/* As ASE writes it (ase.io.write(..., format="extxyz")), with forces and an energy. */
static void test_extxyz_ase(void **state)
{
    (void)state;
    const char *text =
        "2\n"
        "Lattice=\"5.0 0.0 0.0 1.0 6.0 0.0 0.5 0.5 7.0\" Properties=species:S:1:pos:R:3:forces:R:3 "
        "energy=-12.5 config_type=\"Ni pair\" pbc=\"T T F\"\n"
        "Ni       0.10000000       0.20000000       0.30000000      -0.01 0.02 0.03\n"
        "N        1.50000000       2.50000000       3.50000000       0.0 0.0 0.0\n"
        "2\nsecond frame is ignored\nC 0 0 0\nC 1 1 1\n";
    dac_structure *s = read_ok(text, "ase.extxyz", DAC_FORMAT_AUTO);
    assert_int_equal(s->n_atoms, 2);
    assert_int_equal(s->Z[0], 28);
    assert_int_equal(s->Z[1], 7);
    assert_near(s->position_A[3], 1.5, 1e-15);
    assert_near(s->position_A[5], 3.5, 1e-15);
    assert_int_equal(s->has_cell, 1);
    assert_near(s->cell_A[1][0], 1.0, 0);
    assert_near(s->cell_A[2][2], 7.0, 0);
    assert_int_equal(s->pbc[0], 1);
    assert_int_equal(s->pbc[1], 1);
    assert_int_equal(s->pbc[2], 0);
    /* unknown keys are kept as the comment */
    assert_non_null(strstr(s->comment, "energy=-12.5"));
    assert_non_null(strstr(s->comment, "config_type=\"Ni pair\""));
    assert_null(strstr(s->comment, "Lattice"));
    dac_structure_free(s);
}

/* As OVITO exports it: Origin, extra columns in front of pos, no pbc (→ periodic). */
static void test_extxyz_ovito_columns_skipped_by_width(void **state)
{
    (void)state;
    const char *text =
        "2\n"
        "Lattice=\"10.0 0.0 0.0 0.0 10.0 0.0 0.0 0.0 10.0\" Origin=\"0.0 0.0 0.0\" "
        "Properties=id:I:1:species:S:1:Color:R:3:pos:R:3:selected:L:1\n"
        "1 Co 1.0 0.5 0.2 1.25 2.5 3.75 F\n"
        "2 Zn 0.1 0.1 0.1 4.0 5.0 6.0 T\n";
    dac_structure *s = read_ok(text, "ovito.xyz", DAC_FORMAT_AUTO);
    assert_int_equal(s->Z[0], 27);
    assert_int_equal(s->Z[1], 30);
    assert_near(s->position_A[0], 1.25, 0);
    assert_near(s->position_A[2], 3.75, 0);
    assert_near(s->position_A[5], 6.0, 0);
    assert_int_equal(s->pbc[0] + s->pbc[1] + s->pbc[2], 3);
    dac_structure_free(s);
}

static void test_extxyz_z_column_and_comment_key(void **state)
{
    (void)state;
    const char *text = "1\nProperties=Z:I:1:pos:R:3 comment=\"say \\\"hi\\\"\" pbc=\"F F F\"\n"
                       "78 0.5 0.25 0.125\n";
    dac_structure *s = read_ok(text, "z.extxyz", DAC_FORMAT_AUTO);
    assert_int_equal(s->Z[0], 78);
    assert_near(s->position_A[2], 0.125, 0);
    assert_int_equal(s->has_cell, 0);
    assert_string_equal(s->comment, "say \"hi\"");
    dac_structure_free(s);
}

/* A random triclinic structure: every element 1…86, positions spread over ±30 Å. */
static dac_structure *random_structure(uint64_t seed, size_t n, int cell)
{
    dac_rng rng;
    dac_rng_seed(&rng, seed);
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    for (size_t i = 0; i < n; i++) {
        double r[3];
        for (int k = 0; k < 3; k++)
            r[k] = 60 * dac_rng_uniform(&rng) - 30;
        assert_int_equal(dac_structure_append(s, 1 + (int)dac_rng_below(&rng, 86), r), DAC_OK);
    }
    if (cell) {
        s->has_cell = 1;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                s->cell_A[i][j] = (i == j ? 8 : 0) + 3 * dac_rng_uniform(&rng) - 1.5;
        s->pbc[0] = 1;
        s->pbc[1] = 0;
        s->pbc[2] = 1;
    }
    s->comment = strdup("round \"trip\" \\ test");
    return s;
}

static void round_trip(const dac_structure *s, const char *path, dac_struct_format fmt)
{
    assert_int_equal(dac_struct_write(path, fmt, s, 0), DAC_OK);
    dac_structure *r = NULL;
    int st = dac_struct_read(path, DAC_FORMAT_AUTO, &r);
    if (st)
        print_error("%s\n", dac_last_error());
    assert_int_equal(st, DAC_OK);
    assert_int_equal(r->n_atoms, s->n_atoms);
    for (size_t i = 0; i < s->n_atoms; i++) {
        assert_int_equal(r->Z[i], s->Z[i]);
        for (int k = 0; k < 3; k++)
            assert_near(r->position_A[3 * i + k], s->position_A[3 * i + k], 1e-12);
    }
    assert_int_equal(r->has_cell, s->has_cell);
    for (int i = 0; s->has_cell && i < 3; i++) {
        assert_int_equal(r->pbc[i], s->pbc[i]);
        for (int j = 0; j < 3; j++)
            assert_near(r->cell_A[i][j], s->cell_A[i][j], 1e-13);
    }
    assert_string_equal(r->comment, s->comment);
    dac_structure_free(r);
    remove(path);
}

static void test_round_trip(void **state)
{
    (void)state;
    dac_structure *s = random_structure(7, 500, 1);
    round_trip(s, "test_io_xyz_cell.xyz", DAC_FORMAT_AUTO);
    dac_structure_free(s);
    s = random_structure(8, 37, 0); /* a molecule */
    round_trip(s, "test_io_xyz_molecule.extxyz", DAC_FORMAT_EXTXYZ);
    dac_structure_free(s);
    s = random_structure(9, 0, 1); /* no atoms at all */
    round_trip(s, "test_io_xyz_empty.xyz", DAC_FORMAT_XYZ);
    dac_structure_free(s);
}

/* The writer's header is what ASE and OVITO parse: check its exact shape. */
static void test_writer_header(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    double r[3] = {0.5, 0, 0};
    dac_structure_append(s, 28, r);
    s->has_cell = 1;
    s->cell_A[0][0] = 2.5;
    s->cell_A[1][1] = 3;
    s->cell_A[2][2] = 20;
    s->pbc[0] = s->pbc[1] = 1;
    assert_int_equal(dac_struct_write("test_io_xyz_header.xyz", DAC_FORMAT_EXTXYZ, s, 0), DAC_OK);
    FILE *f = fopen("test_io_xyz_header.xyz", "r");
    char line[256];
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "1\n");
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "Lattice=\"2.5 0 0 0 3 0 0 0 20\" Properties=species:S:1:pos:R:3 pbc=\"T T F\"\n");
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, "Ni "));
    fclose(f);
    remove("test_io_xyz_header.xyz");
    dac_structure_free(s);
}

static void test_malformed(void **state)
{
    (void)state;
    read_fails("", "empty.xyz", "empty.xyz:1:", "number of atoms");
    read_fails("three\n\nC 0 0 0\n", "word.xyz", "word.xyz:1:", "number of atoms");
    read_fails("-2\n\n", "neg.xyz", "neg.xyz:1:", NULL);
    /* truncated: 3 declared, 2 given; and a huge count in a tiny file allocates nothing */
    read_fails("3\ncomment\nC 0 0 0\nC 1 1 1\n", "trunc.xyz", "trunc.xyz:1:", "declares 3 atoms");
    read_fails("99999999\ncomment\nC 0 0 0\n", "huge.xyz", "huge.xyz:1:", "declares 99999999");
    read_fails("100000001\n", "toohuge.xyz", "toohuge.xyz:1:", NULL);
    read_fails("2\ncomment\nC 0 0 0\nC 1 1\n", "short.xyz", "short.xyz:4:", "missing z");
    read_fails("2\ncomment\nC 0 0 0\nC 1 zero 1\n", "nan.xyz", "nan.xyz:4:", "'zero'");
    read_fails("2\ncomment\nC 0 0 0\nC 1 nan 1\n", "nan2.xyz", "nan2.xyz:4:", "'nan'");
    read_fails("2\ncomment\nC 0 0 0\nXx 1 1 1\n", "xx.xyz", "xx.xyz:4:", "unknown element 'Xx'");
    read_fails("1\ncomment\n0 1 1 1\n", "z0.xyz", "z0.xyz:3:", "unknown element");
    /* extended header errors are reported on line 2 */
    read_fails("1\nLattice=\"1 0 0 0 1 0 0 0\" Properties=species:S:1:pos:R:3\nC 0 0 0\n", "lat8.xyz",
               "lat8.xyz:2:", "9 numbers");
    read_fails("1\nLattice=\"1 0 0 0 1 0 0 0 x\"\nC 0 0 0\n", "latx.xyz", "latx.xyz:2:", "'x'");
    read_fails("1\nLattice=\"1 0 0 2 0 0 0 0 1\"\nC 0 0 0\n", "flat.xyz", "flat.xyz:2:", "volume");
    read_fails("1\nLattice=\"1 0 0 0 1 0 0 0 1\nC 0 0 0\n", "quote.xyz", "quote.xyz:2:", "unterminated");
    read_fails("1\nProperties=species:S:1:pos:R\nC 0 0 0\n", "prop.xyz", "prop.xyz:2:", "triplets");
    read_fails("1\nProperties=species:S:1:pos:Q:3\nC 0 0 0\n", "type.xyz", "type.xyz:2:", "bad column");
    read_fails("1\nProperties=species:S:1:forces:R:3\nC 0 0 0\n", "nopos.xyz", "nopos.xyz:2:", "pos:R:3");
    read_fails("1\nProperties=pos:R:3\n0 0 0\n", "nospecies.xyz", "nospecies.xyz:2:", "species");
    read_fails("1\nProperties=species:S:1:pos:R:3 pbc=\"T T\"\nC 0 0 0\n", "pbc.xyz", "pbc.xyz:2:", "pbc");
    /* extra declared columns before pos are skipped, but pos must be complete */
    read_fails("1\nProperties=species:S:1:forces:R:3:pos:R:3\nC 1 2 3 4 5\n", "cols.xyz", "cols.xyz:3:",
               "expected 7 columns, found 6: pos (columns 5–7) has only 2 of its 3 values (missing z)");
    /* every declared column must be there, as ASE requires, even one dac does not read
     * (issue 7: a line short of its forces was accepted) */
    read_fails("2\nProperties=species:S:1:pos:R:3:forces:R:3\nNi 0 0 0 1 2 3\nNi 2 0 0 1\n", "f.xyz",
               "f.xyz:4:", "atom 2 of 2: expected 7 columns, found 5: forces (columns 5–7) has only "
               "1 of its 3 values");
    read_fails("1\nProperties=species:S:1:pos:R:3:tags:I:1\nNi 0 0 0\n", "t.xyz", "t.xyz:3:",
               "tags (column 5) is missing");
    read_fails("1\nProperties=species:S:1:pos:R:3\nNi\n", "p.xyz", "p.xyz:3:",
               "pos (columns 2–4) is missing");
}

static void test_format_names(void **state)
{
    (void)state;
    assert_int_equal(dac_struct_format_from_name("XYZ"), DAC_FORMAT_XYZ);
    assert_int_equal(dac_struct_format_from_name("extxyz"), DAC_FORMAT_EXTXYZ);
    assert_int_equal(dac_struct_format_from_name("vasp"), DAC_FORMAT_POSCAR);
    assert_int_equal(dac_struct_format_from_name("cif"), DAC_FORMAT_CIF);
    assert_int_equal(dac_struct_format_from_name("pdb"), DAC_FORMAT_AUTO);
    assert_int_equal(dac_struct_format_from_path("dir.v2/mol.xyz"), DAC_FORMAT_XYZ);
    assert_int_equal(dac_struct_format_from_path("a/b/POSCAR"), DAC_FORMAT_POSCAR);
    assert_int_equal(dac_struct_format_from_path("CONTCAR_relaxed"), DAC_FORMAT_POSCAR);
    assert_int_equal(dac_struct_format_from_path("Ni2.vasp"), DAC_FORMAT_POSCAR);
    assert_int_equal(dac_struct_format_from_path("x.CIF"), DAC_FORMAT_CIF);
    assert_int_equal(dac_struct_format_from_path("x.extxyz"), DAC_FORMAT_EXTXYZ);
    assert_int_equal(dac_struct_format_from_path("dir.cif/README"), DAC_FORMAT_AUTO);
    assert_int_equal(dac_struct_format_from_path("-"), DAC_FORMAT_AUTO);
}

static void test_unknown_format_and_missing_file(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_struct_read("does/not/exist.xyz", DAC_FORMAT_AUTO, &s), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "does/not/exist.xyz"));
    dac_structure *m = NULL;
    assert_int_equal(dac_structure_create(1, &m), DAC_OK);
    m->Z[0] = 6;
    assert_int_equal(dac_struct_write("test_io_xyz.unknown", DAC_FORMAT_AUTO, m, 0), DAC_ERR_USAGE);
    /* a molecule has no POSCAR or CIF form */
    assert_int_equal(dac_struct_write("test_io_xyz.cif", DAC_FORMAT_AUTO, m, 0), DAC_ERR_USAGE);
    assert_non_null(strstr(dac_last_error(), "cell"));
    FILE *f = fopen("test_io_xyz.cif", "r");
    assert_null(f); /* nothing was left behind */
    dac_structure_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_xyz),
        cmocka_unit_test(test_atomic_numbers_as_symbols),
        cmocka_unit_test(test_extxyz_ase),
        cmocka_unit_test(test_extxyz_ovito_columns_skipped_by_width),
        cmocka_unit_test(test_extxyz_z_column_and_comment_key),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_writer_header),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_unknown_format_and_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

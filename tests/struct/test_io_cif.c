/*
 * test_io_cif.c — CIF: cell with uncertainties, atom sites from type symbols or labels,
 * symmetry expansion with special positions merged, the CIF syntax corners (quotes,
 * text fields, comments, DDLm names), the unsupported features (warnings or errors),
 * P1 round trips, and malformed files naming file and line.
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

#define read_ok(t) struct_read_ok((t), "t.cif", DAC_FORMAT_AUTO)
#define read_fails(t, w, x) struct_read_fails((t), "bad.cif", DAC_FORMAT_CIF, (w), (x))

static void frac_of(const dac_structure *s, size_t i, double f[3])
{
    assert_int_equal(dac_struct_cartesian_to_fractional(s, s->position_A + 3 * i, f), DAC_OK);
}

/* Rutile TiO2, P4_2/mnm (No. 136): Ti on 2a (0,0,0), O on 4f (x,x,0). The 16
 * operations must give 2 Ti + 4 O (International Tables Vol. A, multiplicities). */
static const char *rutile =
    "# rutile, cell from Baur (1956) rounded\n"
    "data_rutile\n"
    "_chemical_name_mineral 'rutile'\n"
    "_cell_length_a    4.5937(3)\n"
    "_cell_length_b    4.5937(3)\n"
    "_cell_length_c    2.9587(2)\n"
    "_cell_angle_alpha 90\n_cell_angle_beta 90.0\n_cell_angle_gamma 90.000(5)\n"
    "_symmetry_space_group_name_H-M 'P 42/m n m'\n"
    "loop_\n_symmetry_equiv_pos_site_id\n_symmetry_equiv_pos_as_xyz\n"
    "1 x,y,z\n2 -x,-y,z\n3 -y+1/2,x+1/2,z+1/2\n4 y+1/2,-x+1/2,z+1/2\n"
    "5 -x+1/2,y+1/2,-z+1/2\n6 x+1/2,-y+1/2,-z+1/2\n7 y,x,-z\n8 -y,-x,-z\n"
    "9 -x,-y,-z\n10 x,y,-z\n11 y+1/2,-x+1/2,-z+1/2\n12 -y+1/2,x+1/2,-z+1/2\n"
    "13 x+1/2,-y+1/2,z+1/2\n14 -x+1/2,y+1/2,z+1/2\n15 -y,-x,z\n16 y,x,z\n"
    "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
    "_atom_site_fract_z\n_atom_site_occupancy\n"
    "Ti1 Ti4+ 0 0 0 1.0\n"
    "O1 O2- 0.3053(4) 0.3053(4) 0 1\n";

static void test_rutile_expansion(void **state)
{
    (void)state;
    dac_structure *s = read_ok(rutile);
    assert_int_equal(s->n_atoms, 6);
    int n_ti = 0, n_o = 0;
    for (size_t i = 0; i < 6; i++) {
        n_ti += s->Z[i] == 22;
        n_o += s->Z[i] == 8;
    }
    assert_int_equal(n_ti, 2);
    assert_int_equal(n_o, 4);
    assert_int_equal(s->Z[0], 22); /* sites in file order, identity image first */
    assert_near(s->cell_A[0][0], 4.5937, 1e-12);
    assert_near(s->cell_A[1][1], 4.5937, 1e-12);
    assert_near(s->cell_A[2][2], 2.9587, 1e-12);
    assert_near(s->cell_A[1][0], 0, 1e-12);
    /* the second Ti is the body centre (1/2, 1/2, 1/2) */
    double f[3];
    frac_of(s, 1, f);
    assert_near(f[0], 0.5, 1e-12);
    assert_near(f[2], 0.5, 1e-12);
    /* every O image lies in [0, 1) and the set is {(x,x,0), (1-x,1-x,0),
     * (1/2-x, 1/2+x, 1/2), (1/2+x, 1/2-x, 1/2)} */
    double x = 0.3053, want[4][3] = {{x, x, 0}, {1 - x, 1 - x, 0}, {0.5 - x, 0.5 + x, 0.5}, {0.5 + x, 0.5 - x, 0.5}};
    for (int w = 0; w < 4; w++) {
        int found = 0;
        for (size_t i = 2; i < 6; i++) {
            frac_of(s, i, f);
            found += fabs(f[0] - want[w][0]) < 1e-9 && fabs(f[1] - want[w][1]) < 1e-9 && fabs(f[2] - want[w][2]) < 1e-9;
        }
        assert_int_equal(found, 1);
    }
    assert_string_equal(s->comment, "rutile");
    assert_int_equal(dac_warning_count(), 0);
    dac_structure_free(s);
}

/* Corundum Al2O3, R-3c (No. 167), hexagonal setting: the 36 operations as ASE's
 * Spacegroup(167) lists them. Al on 12c and O on 18e (International Tables Vol. A). */
static const char *corundum =
    "data_corundum\n_cell_length_a 4.76\n_cell_length_b 4.76\n_cell_length_c 12.99\n"
    "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 120\n"
    "loop_\n_space_group_symop_operation_xyz\n"
    "'x,y,z' '-y,x-y,z' '-x+y,-x,z' 'y,x,-z+1/2'\n"
    "'x-y,-y,-z+1/2' '-x,-x+y,-z+1/2' 'x+2/3,y+1/3,z+1/3' '-y+2/3,x-y+1/3,z+1/3'\n"
    "'-x+y+2/3,-x+1/3,z+1/3' 'y+2/3,x+1/3,-z+5/6' 'x-y+2/3,-y+1/3,-z+5/6' '-x+2/3,-x+y+1/3,-z+5/6'\n"
    "'x+1/3,y+2/3,z+2/3' '-y+1/3,x-y+2/3,z+2/3' '-x+y+1/3,-x+2/3,z+2/3' 'y+1/3,x+2/3,-z+1/6'\n"
    "'x-y+1/3,-y+2/3,-z+1/6' '-x+1/3,-x+y+2/3,-z+1/6' '-x,-y,-z' 'y,-x+y,-z'\n"
    "'x-y,x,-z' '-y,-x,z+1/2' '-x+y,y,z+1/2' 'x,x-y,z+1/2'\n"
    "'-x+2/3,-y+1/3,-z+1/3' 'y+2/3,-x+y+1/3,-z+1/3' 'x-y+2/3,x+1/3,-z+1/3' '-y+2/3,-x+1/3,z+5/6'\n"
    "'-x+y+2/3,y+1/3,z+5/6' 'x+2/3,x-y+1/3,z+5/6' '-x+1/3,-y+2/3,-z+2/3' 'y+1/3,-x+y+2/3,-z+2/3'\n"
    "'x-y+1/3,x+2/3,-z+2/3' '-y+1/3,-x+2/3,z+1/6' '-x+y+1/3,y+2/3,z+1/6' 'x+1/3,x-y+2/3,z+1/6'\n"
    "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
    "Al1 0 0 0.35216\nO1 0.30624 0 0.25\n";

static void test_corundum_multiplicities(void **state)
{
    (void)state;
    dac_structure *s = read_ok(corundum);
    int n_al = 0, n_o = 0;
    for (size_t i = 0; i < s->n_atoms; i++) {
        n_al += s->Z[i] == 13;
        n_o += s->Z[i] == 8;
    }
    assert_int_equal(n_al, 12);
    assert_int_equal(n_o, 18);
    assert_int_equal(s->n_atoms, 30);
    /* no unmerged duplicates: the shortest distance under periodicity is Al-O, ≈ 1.86 Å */
    double dmin = 1e9;
    for (size_t i = 0; i < s->n_atoms; i++)
        for (size_t j = i + 1; j < s->n_atoms; j++) {
            double fi[3], fj[3], d[3], r[3];
            frac_of(s, i, fi);
            frac_of(s, j, fj);
            for (int k = 0; k < 3; k++)
                d[k] = fi[k] - fj[k] - nearbyint(fi[k] - fj[k]);
            dac_struct_fractional_to_cartesian(s, d, r);
            double dd = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
            dmin = dd < dmin ? dd : dmin;
        }
    assert_true(dmin > 1.8 && dmin < 1.9);
    dac_structure_free(s);
}

/* P-1 in a 10 Å cube: an atom at 0.0004 and its image at -0.0004 are 0.008 Å apart
 * (merged, < 0.01 Å); at 0.001 they are 0.02 Å apart (kept). */
static void test_merge_tolerance(void **state)
{
    (void)state;
    const char *text = "data_x\n_cell_length_a 10\n_cell_length_b 10\n_cell_length_c 10\n"
                       "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
                       "loop_\n_space_group_symop_operation_xyz\n'x, y, z'\n'-x, -y, -z'\n"
                       "loop_\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
                       "_atom_site_fract_z\n"
                       "Pt 0.0004 0 0\nPt 0.001 0.5 0.5\nC 0.1 0.2 0.3\nN 0.5 0 0.5\n";
    dac_structure *s = read_ok(text);
    assert_int_equal(s->n_atoms, 1 + 2 + 2 + 1);
    dac_structure_free(s);
}

/* Operation syntax: fractions, decimals, leading translations, mixed axes, upper
 * case, blanks, from the DDLm tag _space_group_symop.operation_xyz. */
static void test_symop_notation(void **state)
{
    (void)state;
    const char *text = "data_ops\n_cell.length_a 4\n_cell.length_b 5\n_cell.length_c 6\n"
                       "_cell.angle_alpha 90\n_cell.angle_beta 90\n_cell.angle_gamma 90\n"
                       "loop_\n_space_group_symop.id\n_space_group_symop.operation_xyz\n"
                       "1 'x,y,z'\n2 '-x+1/2, y, z+0.25'\n3 \"1/2+X, -Y+x, +Z\"\n"
                       "loop_\n_atom_site.label\n_atom_site.fract_x\n_atom_site.fract_y\n_atom_site.fract_z\n"
                       "Co1 0.1 0.2 0.3\n";
    dac_structure *s = read_ok(text);
    assert_int_equal(s->n_atoms, 3);
    double f[3];
    frac_of(s, 1, f); /* (-0.1 + 0.5, 0.2, 0.3 + 0.25) */
    assert_near(f[0], 0.4, 1e-12);
    assert_near(f[1], 0.2, 1e-12);
    assert_near(f[2], 0.55, 1e-12);
    frac_of(s, 2, f); /* (0.5 + 0.1, -0.2 + 0.1 + 1, 0.3) */
    assert_near(f[0], 0.6, 1e-12);
    assert_near(f[1], 0.9, 1e-12);
    assert_near(f[2], 0.3, 1e-12);
    assert_int_equal(s->Z[2], 27);
    dac_structure_free(s);
}

/* Elements from labels, text fields, comments and quotes with inner apostrophes;
 * a triclinic cell keeps its lengths and angles. */
static void test_labels_and_syntax(void **state)
{
    (void)state;
    const char *text = "data_complex # a dinuclear complex\n"
                       "_publ_section_title\n;\nloop_ and data_ inside a text field\n"
                       "_cell_length_a 1\n;\n"
                       "_chemical_name_common 'a dinuclear complex's name'\n"
                       "_cell_length_a 8.1 _cell_length_b 9.2\n_cell_length_c 10.3\n"
                       "_cell_angle_alpha 80.5(2) _cell_angle_beta 95.25 _cell_angle_gamma 104\n"
                       "loop_ _atom_site_label _atom_site_fract_x _atom_site_fract_y _atom_site_fract_z\n"
                       "Ni1 0.1 0.1 0.1\nN2A 0.2 0.2 0.2 # a comment\nC12 0.3 0.3 0.3\nCl3 0.4 0.4 0.4\n"
                       "OW1 0.5 0.5 0.5\n";
    dac_structure *s = read_ok(text);
    assert_int_equal(s->n_atoms, 5);
    assert_int_equal(s->Z[0], 28);
    assert_int_equal(s->Z[1], 7);
    assert_int_equal(s->Z[2], 6);
    assert_int_equal(s->Z[3], 17);
    assert_int_equal(s->Z[4], 8);
    double len[3], c[3][3];
    memcpy(c, s->cell_A, sizeof c);
    for (int i = 0; i < 3; i++)
        len[i] = sqrt(c[i][0] * c[i][0] + c[i][1] * c[i][1] + c[i][2] * c[i][2]);
    assert_near(len[0], 8.1, 1e-12);
    assert_near(len[2], 10.3, 1e-12);
    double cos_alpha = (c[1][0] * c[2][0] + c[1][1] * c[2][1] + c[1][2] * c[2][2]) / (len[1] * len[2]);
    assert_near(cos_alpha, cos(80.5 * DAC_PI / 180), 1e-12);
    dac_structure_free(s);
}

/* Upper-case labels: "ZN1" can only be Zn, but "NI2" could be N or Ni — guessing N
 * would silently turn the metal into a non-metal, so it is an error naming the line. */
static void test_upper_case_labels(void **state)
{
    (void)state;
    const char *head = "data_x\n_cell_length_a 5 _cell_length_b 5 _cell_length_c 5\n"
                       "_cell_angle_alpha 90 _cell_angle_beta 90 _cell_angle_gamma 90\n"
                       "loop_ _atom_site_label _atom_site_fract_x _atom_site_fract_y _atom_site_fract_z\n";
    char text[512];
    snprintf(text, sizeof text, "%sZN1 0 0 0\nOW1 0.5 0.5 0.5\n", head);
    dac_structure *s = read_ok(text);
    assert_int_equal(s->Z[0], 30);
    assert_int_equal(s->Z[1], 8);
    dac_structure_free(s);
    snprintf(text, sizeof text, "%sNi1 0 0 0\nNI2 0.5 0.5 0.5\n", head);
    read_fails(text, "bad.cif:6:", "ambiguous");
}

/* A second data block is read as a warning (the first block is complete). */
static void test_second_block_warns(void **state)
{
    (void)state;
    const char *text = "data_first\n_cell_length_a 5 _cell_length_b 5 _cell_length_c 5\n"
                       "_cell_angle_alpha 90 _cell_angle_beta 90 _cell_angle_gamma 90\n"
                       "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
                       "_atom_site_fract_z\n_atom_site_occupancy\n"
                       "Fe1 Fe 0 0 0 1\nCo1 Co 0.5 0.5 0.5 0.9999\nO1 O 0.5 0 0 ?\n"
                       "data_second\n_cell_length_a 1\n";
    dac_structure *s = read_ok(text);
    assert_int_equal(s->n_atoms, 3); /* 0.9999 (rounded) and '?' (CIF default) are 1 */
    assert_int_equal(dac_warning_count(), 1);
    assert_non_null(strstr(dac_warning(0), "t.cif:14:"));
    assert_non_null(strstr(dac_warning(0), "data_first"));
    dac_warnings_clear();
    dac_structure_free(s);
}

/* Partial occupancy is disorder: refused with the line and the site, never read as
 * full atoms. A mixed site (Ni 0.5 / Co 0.5) read as two atoms at one place was
 * reported by the site analysis as a Ni–Co pair at 0.000 Å with purity 1 (issue 7). */
static void test_partial_occupancy_refused(void **state)
{
    (void)state;
    const char *head = "data_mixed\n_cell_length_a 5 _cell_length_b 5 _cell_length_c 5\n"
                       "_cell_angle_alpha 90 _cell_angle_beta 90 _cell_angle_gamma 90\n"
                       "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n"
                       "_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n";
    char text[1024];
    snprintf(text, sizeof text, "%sNi1 Ni 0 0 0 0.5\nCo1 Co 0 0 0 0.5\n", head);
    read_fails(text, "bad.cif:11:", "atom site Ni1 has occupancy 0.5");
    snprintf(text, sizeof text, "%sNi1 Ni 0 0 0 1\nN1 N 0.4 0 0 0.25(3)\n", head);
    read_fails(text, "bad.cif:12:", "N1 has occupancy 0.25: partially occupied");
    snprintf(text, sizeof text, "%sNi1 Ni 0 0 0 1.5\n", head);
    read_fails(text, "bad.cif:11:", "occupancy 1.5");
    snprintf(text, sizeof text, "%sNi1 Ni 0 0 0 full\n", head);
    read_fails(text, "bad.cif:11:", "_atom_site_occupancy");
}

/* Write P1 → read: same elements in the same order, same cell lengths and angles, same
 * fractional coordinates modulo 1 (the reader puts the cell in standard orientation). */
static void test_round_trip(void **state)
{
    (void)state;
    dac_rng rng;
    dac_rng_seed(&rng, 3);
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    s->has_cell = 1;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            s->cell_A[i][j] = (i == j ? 7 : 0) + 3 * dac_rng_uniform(&rng) - 1.5;
    s->pbc[0] = s->pbc[1] = s->pbc[2] = 1;
    s->comment = strdup("Ni2-N6 test");
    for (int i = 0; i < 200; i++) {
        double r[3];
        for (int k = 0; k < 3; k++)
            r[k] = 14 * dac_rng_uniform(&rng) - 3;
        dac_structure_append(s, 1 + (int)dac_rng_below(&rng, 83), r);
    }
    assert_int_equal(dac_struct_write("test_io_cif_rt.cif", DAC_FORMAT_AUTO, s, 0), DAC_OK);
    dac_structure *r = NULL;
    assert_int_equal(dac_struct_read("test_io_cif_rt.cif", DAC_FORMAT_AUTO, &r), DAC_OK);
    assert_int_equal(r->n_atoms, s->n_atoms);
    for (int i = 0; i < 3; i++) {
        double li = 0, lr = 0;
        for (int k = 0; k < 3; k++) {
            li += s->cell_A[i][k] * s->cell_A[i][k];
            lr += r->cell_A[i][k] * r->cell_A[i][k];
        }
        assert_near(sqrt(lr), sqrt(li), 1e-9);
    }
    for (size_t i = 0; i < s->n_atoms; i++) {
        double fs[3], fr[3];
        assert_int_equal(r->Z[i], s->Z[i]);
        frac_of(s, i, fs);
        frac_of(r, i, fr);
        for (int k = 0; k < 3; k++) {
            double d = fr[k] - fs[k];
            assert_near(d - nearbyint(d), 0, 1e-9);
        }
    }
    assert_string_equal(r->comment, "Ni2-N6_test");
    dac_structure_free(r);
    dac_structure_free(s);
    remove("test_io_cif_rt.cif");
}

#define CELL "_cell_length_a 5\n_cell_length_b 5\n_cell_length_c 5\n" \
             "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
#define SITES "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"

static void test_malformed(void **state)
{
    (void)state;
    read_fails("", "bad.cif:1:", "no data_ block");
    read_fails("_cell_length_a 5\n", "bad.cif:1:", "data_");
    /* missing cell length c: reported at the data_ line */
    read_fails("# x\ndata_nc\n_cell_length_a 5\n_cell_length_b 5\n_cell_angle_alpha 90\n"
               "_cell_angle_beta 90\n_cell_angle_gamma 90\n" SITES "C1 0 0 0\n",
               "bad.cif:2:", "_cell_length_c");
    read_fails("data_x\n_cell_length_a 5\n_cell_length_b abc\n", "bad.cif:3:", "_cell_length_b");
    read_fails("data_x\n_cell_length_a 5(1\n", "bad.cif:2:", "_cell_length_a");
    read_fails("data_x\n" CELL "_cell_angle_gamma\n", "bad.cif:8:", "no value");
    read_fails("data_x\n_cell_length_a 5\n_cell_length_b 5\n_cell_length_c 5\n_cell_angle_alpha 120\n"
               "_cell_angle_beta 120\n_cell_angle_gamma 120\n" SITES "C1 0 0 0\n",
               "bad.cif:1:", "impossible");
    /* a loop whose values do not fill the last row (truncated / wrong count) */
    read_fails("data_x\n" CELL SITES "C1 0 0 0\nC2 0.5 0.5\n", "bad.cif:8:", "wrong number of values");
    read_fails("data_x\n" CELL SITES "C1 0 0 0\nXx1 0.5 0.5 0.5\n", "bad.cif:14:", "'Xx1'");
    read_fails("data_x\n" CELL "loop_\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
               "_atom_site_fract_z\nXx 0 0 0\n", "bad.cif:13:", "unknown element");
    read_fails("data_x\n" CELL SITES "C1 0 zero 0\n", "bad.cif:13:", "_atom_site_fract_y");
    read_fails("data_x\n" CELL SITES "C1 0 ? 0\n", "bad.cif:13:", "'?'");
    read_fails("data_x\n" CELL "loop_\n_atom_site_label\n_atom_site_Cartn_x\n_atom_site_Cartn_y\n"
               "_atom_site_Cartn_z\nC1 0 0 0\n", "bad.cif:8:", "Cartesian");
    read_fails("data_x\n" CELL "loop_\n_space_group_symop_operation_xyz\n'x,y'\n" SITES "C1 0 0 0\n",
               "bad.cif:10:", "symmetry operation");
    read_fails("data_x\n" CELL "loop_\n_space_group_symop_operation_xyz\n'2x,y,z'\n" SITES "C1 0 0 0\n",
               "bad.cif:10:", "symmetry operation");
    read_fails("data_x\n" CELL "loop_\n_space_group_symop_operation_xyz\n'x,y,z\n" SITES "C1 0 0 0\n",
               "bad.cif:10:", "unterminated");
    read_fails("data_x\n_publ_section_title\n;\nnever closed\n", "bad.cif:3:", "text field");
    read_fails("data_x\n" CELL "_symmetry_space_group_name_H-M 'F m -3 m'\n" SITES "Na1 0 0 0\n",
               "bad.cif:8:", "F m -3 m");
    read_fails("data_x\n" CELL, "bad.cif:1:", "no atom sites");
    read_fails("data_x\n" CELL "loop_\n", "bad.cif:8:", "without tags");
    read_fails("data_x\n" CELL "0.5\n", "bad.cif:8:", "expected a tag");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rutile_expansion),
        cmocka_unit_test(test_corundum_multiplicities),
        cmocka_unit_test(test_merge_tolerance),
        cmocka_unit_test(test_symop_notation),
        cmocka_unit_test(test_labels_and_syntax),
        cmocka_unit_test(test_upper_case_labels),
        cmocka_unit_test(test_second_block_warns),
        cmocka_unit_test(test_partial_occupancy_refused),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

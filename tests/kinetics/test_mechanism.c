/*
 * test_mechanism.c — the YAML mechanism reader and the CatMAP-style energy table
 * (src/kinetics/mechanism.c, table.c, equation.c): a good file builds the model a
 * program would build by code; every kind of bad input fails with DAC_ERR_INPUT and a
 * message naming the file, the line and what is wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kinetics/kin_test.h"

static const char *GOOD =
    "name: good\n"                                                     /* 1 */
    "conditions: {temperature_K: 310, potential_V_RHE: -0.5, pH: 1}\n" /* 2 */
    "sites:\n"                                                         /* 3 */
    "  a: {count: 1}\n"                                                /* 4 */
    "  b: {count: 1}\n"                                                /* 5 */
    "species:\n"                                                       /* 6 */
    "  CO2: {phase: gas, pressure_bar: 1, G_eV: 0, source: ref}\n"     /* 7 */
    "  CO: {phase: gas, pressure_bar: 0.1, G_eV: 0.208}\n"             /* 8 */
    "  H2O: {phase: solvent, G_eV: 0}\n"                               /* 9 */
    "  COOH_ab: {sites: [a, b], G_eV: 0.3, source: illustrative}\n"    /* 10 */
    "  CO_a: {sites: [a], G_eV: 0.1}\n"                                /* 11 */
    "  OH_b: {sites: b, G_eV: 0.1}\n"                                  /* 12 */
    "  TS1: {phase: transition_state, sites: [a, b], G_eV: 0.9}\n"     /* 13 */
    "steps:\n"                                                         /* 14 */
    "  - name: s1\n"                                                   /* 15 */
    "    equation: CO2 + *a + *b + H+ + e- <-> COOH_ab\n"              /* 16 */
    "    ts: TS1\n"                                                    /* 17 */
    "  - {name: s2, equation: 'COOH_ab <-> CO_a + OH_b', barrier_eV: 0.5, beta: 0.4}\n"
    "  - {name: s3, equation: 'OH_b + H+ + e- <-> H2O + *b'}\n"
    "  - {name: s4, equation: 'CO_a <-> CO + *a', prefactor_per_s: 1.0e13}\n"
    "products: {CO: {electrons: 2}}\n"
    "pathways: {CO: [s1, s2, s3, s4]}\n";

static void test_reads_good_file(void **state)
{
    (void)state;
    dac_kinetics_model *m = kt_parse(GOOD);
    assert_string_equal(dac_kinetics_model_name(m), "good");
    assert_int_equal(dac_kinetics_model_site_type_count(m), 2);
    assert_int_equal(dac_kinetics_model_step_count(m), 4);
    assert_int_equal(dac_kinetics_model_state_count(m), 5); /* *a *b COOH_ab CO_a OH_b */
    assert_int_equal(dac_kinetics_model_product_count(m), 1);
    assert_near(dac_kinetics_model_condition(m, "temperature_K"), 310, 0);
    assert_near(dac_kinetics_model_step_electrons(m, 0), 1, 0);
    long i = dac_kinetics_model_find_species(m, "COOH_ab");
    assert_true(i >= 0);
    assert_string_equal(dac_kinetics_model_species_source(m, (size_t)i), "illustrative");
    assert_int_equal(dac_kinetics_model_step_has_energy(m, 0), 1);
    assert_int_equal(dac_kinetics_model_step_has_energy(m, 2), 0);
    dac_kinetics_solver *s = kt_solver(m);
    dac_kinetics_result *r = NULL;
    assert_int_equal(dac_kinetics_result_create(s, &r), DAC_OK);
    kt_solve(s, r);
    /* the bridging species counts on both site types */
    assert_near(dac_kinetics_result_site_sum(r, 0), 1, 1e-12);
    assert_near(dac_kinetics_result_site_sum(r, 1), 1, 1e-12);
    dac_kinetics_result_free(r);
    dac_kinetics_solver_free(s);
    dac_kinetics_model_free(m);
}

/* Replaces the first occurrence of `from` in GOOD by `to` and expects the reader to
 * fail with a message containing every one of the `want` fragments. */
static void fails(const char *from, const char *to, const char *want1, const char *want2)
{
    const char *at = strstr(GOOD, from);
    assert_non_null(at);
    char text[4096];
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - GOOD), GOOD, to, at + strlen(from));
    dac_kinetics_model *m = NULL;
    int st = dac_kinetics_model_parse(text, strlen(text), "bad.yaml", &m);
    if (st != DAC_ERR_INPUT || !strstr(dac_last_error(), want1) || (want2 && !strstr(dac_last_error(), want2)))
        print_error("replacing '%s' by '%s': status %d, message '%s'\n", from, to, st, dac_last_error());
    assert_int_equal(st, DAC_ERR_INPUT);
    assert_null(m);
    assert_non_null(strstr(dac_last_error(), want1));
    if (want2)
        assert_non_null(strstr(dac_last_error(), want2));
}

static void test_unbalanced_steps(void **state)
{
    (void)state;
    fails("<-> COOH_ab\n", "<-> CO_a + *b\n", "bad.yaml:16:", "is not balanced: H differs by 1");
    fails("'COOH_ab <-> CO_a + OH_b'", "'COOH_ab <-> CO_a + OH_b + *a'", "bad.yaml:18:", "sites of type 'a'");
    fails("'OH_b + H+ + e- <-> H2O + *b'", "'OH_b + H+ <-> H2O + *b'", "bad.yaml:19:", "charge differs by 1");
    fails("CO2 + *a + *b + H+", "CO2 + *a + H+", "bad.yaml:16:", "sites of type 'b'");
}

static void test_unknown_and_missing(void **state)
{
    (void)state;
    fails("'CO_a <-> CO + *a'", "'CO_a <-> CO3 + *a'", "bad.yaml:20:", "unknown species 'CO3'");
    fails("  CO_a: {sites: [a], G_eV: 0.1}\n", "  CO_a: {sites: [a]}\n", "bad.yaml:11:", "missing energy");
    fails("pressure_bar: 0.1, G_eV: 0.208}", "G_eV: 0.208}", "bad.yaml:8:", "missing pressure_bar");
    fails("pressure_bar: 0.1,", "pressure: 0.1,", "bad.yaml:8:", "missing unit (expected pressure_bar)");
    fails("barrier_eV: 0.5, beta", "barrier: 0.5, beta", "bad.yaml:18:", "missing unit (expected barrier_eV)");
    fails("G_eV: 0.208}", "G_eV: 0.208, colour: red}", "bad.yaml:8:", "unknown key 'species.CO.colour'");
    fails("ts: TS1", "ts: TS2", "bad.yaml:16:", "not a transition state");
    fails("sites: [a], G_eV: 0.1}", "sites: [c], G_eV: 0.1}", "bad.yaml:11:", "unknown site type 'c'");
    fails("[s1, s2, s3, s4]", "[s1, s9]", "bad.yaml:", "no step 's9'");
    fails("{CO: {electrons: 2}}", "{CO: 2}", "bad.yaml:", "expected {electrons: N}");
    fails("G_eV: 0.208}", "G_eV: 0.2x}", "bad.yaml:8:", "expected a number");
    fails("beta: 0.4", "beta: 1.4", "bad.yaml:18:", "beta must be in [0, 1]");
}

static void test_bad_equations(void **state)
{
    (void)state;
    fails("'COOH_ab <-> CO_a + OH_b'", "'COOH_ab = CO_a + OH_b'", "bad.yaml:18:", "arrow");
    fails("'COOH_ab <-> CO_a + OH_b'", "'COOH_ab <-> CO_a OH_b'", "bad.yaml:18:", "expected ' + '");
    fails("'COOH_ab <-> CO_a + OH_b'", "'COOH_ab <-> '", "bad.yaml:18:", "right side is empty");
    fails("'COOH_ab <-> CO_a + OH_b'", "'COOH_ab <-> CO_a +'", "bad.yaml:18:", "ends with '+'");
    fails("'COOH_ab <-> CO_a + OH_b'", "'COOH_ab<->CO_a + OH_b'", "bad.yaml:18:", "spaces around the arrow");
    fails("'COOH_ab <-> CO_a + OH_b'", "'COOH_ab <-> CO_a + OH_b -> CO_a'", "bad.yaml:18:", "more than one arrow");
    fails("'COOH_ab <-> CO_a + OH_b'", "'COOH_ab <-> TS1'", "bad.yaml:18:", "transition state");
    fails("'COOH_ab <-> CO_a + OH_b'", "'COOH_ab <-> 0 CO_a + OH_b'", "bad.yaml:18:", "coefficient must be 1 to 999");
}

static void test_structure_errors(void **state)
{
    (void)state;
    fails("  b: {count: 1}\n", "  b: {count: -1}\n", "bad.yaml:5:", "positive count");
    fails("  b: {count: 1}\n", "  b: {concentration_mol_L: 1}\n", "bad.yaml:5:", "all on a surface");
    fails("  CO_a: {sites: [a], G_eV: 0.1}\n", "  CO_a: {sites: [a], G_eV: 0.1}\n  CO_a: {sites: [a], G_eV: 0.2}\n",
          "bad.yaml:12:", "duplicate key");
    fails("  H2O: {phase: solvent, G_eV: 0}\n", "  H2O: {phase: liquid, G_eV: 0}\n", "bad.yaml:9:", "phase:");
    fails("  CO_a: {sites: [a], G_eV: 0.1}\n", "  CO_a: {sites: [a], G_eV: 0.1}\n  Xyz_a: {sites: [a], G_eV: 0}\n",
          "bad.yaml:12:", "cannot read the formula 'Xyz'");
}

static void test_empty_and_garbage(void **state)
{
    (void)state;
    const char *bad[] = {"", "name: x\n", "[1, 2]\n", "sites: {a: {count: 1}}\n",
                         "sites: {a: {count: 1}}\nsteps: []\n", "::::\n\t- x",
                         "sites: {a: {count: 1}}\nspecies: {A_a: {sites: a, G_eV: 0}}\nsteps: [{equation: 'A_a <-> A_a'}]\n"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        dac_kinetics_model *m = NULL;
        int st = dac_kinetics_model_parse(bad[k], strlen(bad[k]), "bad.yaml", &m);
        if (st != DAC_ERR_INPUT)
            print_error("case %zu: status %d (%s)\n", k, st, dac_last_error());
        assert_int_equal(st, DAC_ERR_INPUT);
        assert_null(m);
        assert_non_null(strstr(dac_last_error(), "bad.yaml"));
    }
}

/* ---- energy tables */

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/dac_kin_table_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static const char *TABLE =
    "surface_name\tsite_name\tspecies_name\tformation_energy\tfrequencies\treference\n"
    "None\tgas\tCO\t0.208\t[]\t\"CRC, 298 K\"\n"
    "Ni2N6\t111\tCOOH\t0.35\t[]\tillustrative\n"
    "Ni2N6\t111\tCO\t0.05\t[]\tillustrative\n"
    "Pt\t111\tCO\t-1.2\t[]\tother surface\n"
    "Ni2N6\tbridge\tCO\t9.9\t[]\tunused species\n";

static dac_kinetics_model *table_model(const char *table_path, const char *surface, const char *map, int *status)
{
    dac_kinetics_model *m = kt_model("table");
    assert_int_equal(dac_kinetics_model_add_site_type(m, "s", 1), DAC_OK);
    kt_gas(m, "CO2", 0, 1);
    assert_int_equal(dac_kinetics_model_add_species(m, "CO", DAC_KINETICS_GAS, NULL, 0, NAN), DAC_OK);
    assert_int_equal(dac_kinetics_model_set_species_amount(m, "CO", 0.1), DAC_OK);
    assert_int_equal(dac_kinetics_model_add_species(m, "H2O", DAC_KINETICS_SOLVENT, NULL, 0, 0), DAC_OK);
    kt_ads(m, "COOH_s", "s", NAN);
    kt_ads(m, "CO_s", "s", -7); /* given: wins over the table */
    kt_step(m, NULL, "CO2 + *s + H+ + e- <-> COOH_s");
    kt_step(m, NULL, "COOH_s + H+ + e- <-> CO_s + H2O");
    kt_step(m, NULL, "CO_s <-> CO + *s");
    *status = dac_kinetics_model_read_energy_table(m, table_path, surface, map);
    return m;
}

static void test_energy_table(void **state)
{
    (void)state;
    char *path = write_temp(TABLE);
    int st;
    dac_kinetics_model *m = table_model(path, "Ni2N6", "111=s", &st);
    assert_int_equal(st, DAC_OK);
    assert_near(dac_kinetics_model_species_energy(m, (size_t)dac_kinetics_model_find_species(m, "COOH_s")), 0.35, 0);
    assert_near(dac_kinetics_model_species_energy(m, (size_t)dac_kinetics_model_find_species(m, "CO")), 0.208, 0);
    assert_near(dac_kinetics_model_species_energy(m, (size_t)dac_kinetics_model_find_species(m, "CO_s")), -7, 0);
    const char *src = dac_kinetics_model_species_source(m, (size_t)dac_kinetics_model_find_species(m, "CO"));
    assert_non_null(strstr(src, ":2: CRC, 298 K"));
    assert_int_equal(dac_kinetics_model_validate(m), DAC_OK);
    dac_kinetics_model_free(m);
    /* without the site map nothing matches COOH_s: validation names the missing energy */
    m = table_model(path, "Ni2N6", NULL, &st);
    assert_int_equal(st, DAC_OK);
    assert_int_equal(dac_kinetics_model_validate(m), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "'COOH_s': missing energy"));
    dac_kinetics_model_free(m);
    unlink(path);
    free(path);
}

static void test_bad_tables(void **state)
{
    (void)state;
    const struct { const char *text, *want; } cases[] = {
        {"surface\tsite\tspecies\tenergy\n", ":1: energy table header"},
        {"surface_name\tsite_name\tspecies_name\tformation_energy\nNi2N6\t111\tCOOH\tabc\n", ":2: formation_energy: expected a number"},
        {"surface_name\tsite_name\tspecies_name\tformation_energy\nNi2N6\t111\n", ":2: expected at least 4"},
        {"surface_name\tsite_name\tspecies_name\tformation_energy\nNi2N6\t111\tCOOH\t1\nNi2N6\t111\tCOOH\t2\n", ":3: a second row for COOH_s"},
        {"", "empty energy table"},
        {"a\0b", "NUL"}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *path = write_temp(cases[k].text);
        if (k == 5) { /* a NUL byte: write it explicitly */
            FILE *f = fopen(path, "wb");
            fwrite("a\0b", 1, 3, f);
            fclose(f);
        }
        int st;
        dac_kinetics_model *m = table_model(path, "Ni2N6", "111=s", &st);
        if (st != DAC_ERR_INPUT || !strstr(dac_last_error(), cases[k].want))
            print_error("case %zu: %d '%s'\n", k, st, dac_last_error());
        assert_int_equal(st, DAC_ERR_INPUT);
        assert_non_null(strstr(dac_last_error(), cases[k].want));
        dac_kinetics_model_free(m);
        unlink(path);
        free(path);
    }
}

/* Every example mechanism reads, validates, and gives each energy a source. */
static void test_examples_have_sources(void **state)
{
    (void)state;
    const char *src = getenv("DAC_SOURCE_DIR");
    if (!src)
        skip();
    const char *names[] = {"ni1_n4.yaml", "ni2_indirect.yaml", "ni2_direct.yaml"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/examples/kinetics/%s", src, names[k]);
        dac_kinetics_model *m = NULL;
        int st = dac_kinetics_model_read(path, &m);
        if (st)
            print_error("%s\n", dac_last_error());
        assert_int_equal(st, DAC_OK);
        for (size_t i = 0; i < dac_kinetics_model_species_count(m); i++) {
            dac_kinetics_phase ph = dac_kinetics_model_species_phase(m, i);
            if (ph == DAC_KINETICS_FREE_SITE || ph == DAC_KINETICS_PROTON || ph == DAC_KINETICS_ELECTRON)
                continue;
            const char *s = dac_kinetics_model_species_source(m, i);
            if (!s || !s[0])
                print_error("%s: species %s has no source\n", names[k], dac_kinetics_model_species_name(m, i));
            assert_true(s && s[0]);
        }
        for (size_t j = 0; j < dac_kinetics_model_step_count(m); j++)
            if (dac_kinetics_model_step_has_energy(m, j)) {
                const char *s = dac_kinetics_model_step_source(m, j);
                assert_true(s && s[0]);
            }
        dac_kinetics_model_free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_good_file),     cmocka_unit_test(test_unbalanced_steps),
        cmocka_unit_test(test_unknown_and_missing), cmocka_unit_test(test_bad_equations),
        cmocka_unit_test(test_structure_errors),    cmocka_unit_test(test_empty_and_garbage),
        cmocka_unit_test(test_energy_table),        cmocka_unit_test(test_bad_tables),
        cmocka_unit_test(test_examples_have_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

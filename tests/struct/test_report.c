/*
 * test_report.c — the writers of a site analysis: the JSON record (one line, core's
 * record header, units in keys, null with a reason for what is undefined, 0-based
 * atom_indices), the table (atoms numbered from 1), the totals, and write errors.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dac_test.h"

#include "dac/core.h"
#include "dac/struct.h"

static void add(dac_structure *s, int Z, double x, double y, double z)
{
    double p[3] = {x, y, z};
    assert_int_equal(dac_structure_append(s, Z, p), DAC_OK);
}

/* Ni2 pair with one bridging N, and a single Co 20 Å away (a molecule). */
static dac_structure *pair_and_single(void)
{
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    add(s, 28, 0, 0, 0);
    add(s, 28, 2.5, 0, 0);
    add(s, 7, 1.25, 1.2, 0);
    add(s, 27, 20, 0, 0);
    return s;
}

/* Writes into memory and returns the text (caller frees). noinline, here and below:
 * inlined, GCC 12 takes the memstream's buffer for the local pointer itself
 * (-Wdangling-pointer, a false positive in Release builds). */
__attribute__((noinline)) static char *written_json(const dac_structure *s, const dac_site_analysis *a, const char *name,
                          const dac_provenance *prov)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(dac_site_analysis_write_json(f, name, s, a, prov), DAC_OK);
    fclose(f);
    return text;
}

__attribute__((noinline)) static char *written_table(const dac_structure *s, const dac_site_analysis *a)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(dac_site_analysis_write_table(f, "x.xyz", s, a), DAC_OK);
    fclose(f);
    return text;
}

static void has(const char *text, const char *what)
{
    if (!strstr(text, what))
        print_error("'%s' not in:\n%s\n", what, text);
    assert_non_null(strstr(text, what));
}

static void test_json_record(void **state)
{
    (void)state;
    dac_structure *s = pair_and_single();
    dac_site_analysis *a = NULL;
    assert_int_equal(dac_struct_analyze(s, NULL, &a), DAC_OK);
    char *argv[] = {"dac", "struct", "analyze", "--json", "x.xyz"};
    const char *inputs[] = {"-"};
    dac_provenance prov = {5, argv, 0, 0, 1, inputs};
    char *text = written_json(s, a, "x.xyz", &prov);
    /* one line, the record header first (core/json.h) */
    size_t len = strlen(text);
    assert_true(len > 0 && text[len - 1] == '\n');
    assert_null(memchr(text, '\n', len - 1));
    assert_true(strncmp(text, "{\"record\":\"dac struct analyze\",\"record_version\":1,"
                              "\"provenance\":{\"software\":\"dac ", 79) == 0);
    has(text, "\"command_line\":[\"dac\",\"struct\",\"analyze\",\"--json\",\"x.xyz\"]");
    has(text, "\"inputs\":[{\"path\":\"-\",\"sha256\":null,\"null_reasons\":{\"sha256\":\"standard input\"}}]");
    has(text, "\"file\":\"x.xyz\",\"n_atoms\":4,\"cell_A\":null,");
    has(text, "\"null_reasons\":{\"cell_A\":\"a molecule: no cell\"}");
    has(text, "\"metals\":{\"Co\":1,\"Ni\":2}");
    has(text, "\"options\":{\"pair_cutoff_A\":3.5,\"bond_tolerance\":1.2,\"bridge_min_A\":4.5,"
              "\"min_distance_A\":0.5}");
    /* the pair: 0-based indices, distance, shell */
    has(text, "{\"kind\":\"pair\",\"atom_indices\":[0,1],\"elements\":\"Ni2\",\"mm_distance_A\":2.5,"
              "\"nearest_other_site_A\":17.5,\"coordination\":{\"N\":1},\"label\":\"Ni2-N1\","
              "\"synergy\":\"indirect\",\"extended\":false}");
    /* the single: no M–M distance, no synergy, null with the reason */
    has(text, "{\"kind\":\"single\",\"atom_indices\":[3],\"elements\":\"Co\",\"mm_distance_A\":null,"
              "\"null_reasons\":{\"mm_distance_A\":\"not a pair\"},\"nearest_other_site_A\":17.5");
    has(text, "\"counts\":{\"single\":1,\"pair\":1,\"cluster\":0},\"n_metal_atoms\":3,"
              "\"purity\":{\"site\":0.5,\"atom\":0.66666666666666663}}");
    free(text);
    dac_site_analysis_free(a);
    dac_structure_free(s);
}

/* Undefined numbers are null with a reason, never 0: purity with no metal, the nearest
 * other site of the only site of a molecule. */
static void test_json_nulls(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    add(s, 6, 0, 0, 0);
    dac_site_analysis *a = NULL;
    assert_int_equal(dac_struct_analyze(s, NULL, &a), DAC_OK);
    char *text = written_json(s, a, NULL, NULL);
    has(text, "\"command_line\":null");
    has(text, "\"inputs\":[]");
    has(text, "\"file\":null");
    has(text, "\"sites\":[]");
    has(text, "\"purity\":{\"site\":null,");
    has(text, "\"atom\":null");
    has(text, "\"null_reasons\":{\"site\":\"no sites: no metal atoms\",\"atom\":\"no metal atoms\"}");
    free(text);
    dac_site_analysis_free(a);
    add(s, 28, 5, 0, 0);
    assert_int_equal(dac_struct_analyze(s, NULL, &a), DAC_OK);
    text = written_json(s, a, "one.xyz", NULL);
    has(text, "\"nearest_other_site_A\":null,");
    has(text, "\"nearest_other_site_A\":\"no other site, and no periodic copy of this one\"");
    has(text, "\"purity\":{\"site\":0,\"atom\":0}");
    free(text);
    dac_site_analysis_free(a);
    dac_structure_free(s);
}

static void test_table_and_totals(void **state)
{
    (void)state;
    dac_structure *s = pair_and_single();
    dac_site_analysis *a = NULL;
    assert_int_equal(dac_struct_analyze(s, NULL, &a), DAC_OK);
    char *text = written_table(s, a);
    has(text, "x.xyz: 4 atoms, no cell (molecule)\n  metals: Co 1 Ni 2\n");
    has(text, "atoms (from 1)");
    has(text, "     1  pair     Ni2-N1            1,2                          2.500      17.500  indirect\n");
    has(text, "     2  single   Co1               4                                -      17.500  -\n");
    has(text, "  sites: single 1, pair 1, cluster 0; purity: site 0.500, atom 0.667\n\n");
    free(text);
    dac_site_totals t = {0};
    dac_site_totals_add(&t, a);
    dac_site_totals_add(&t, a);
    char *tt = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&tt, &len);
    assert_int_equal(dac_site_totals_write_table(f, &t), DAC_OK);
    fclose(f);
    assert_string_equal(tt, "total over 2 files: single 2, pair 2, cluster 0; purity: site 0.500, "
                            "atom 0.667\n");
    free(tt);
    dac_site_analysis_free(a);
    dac_structure_free(s);
}

/* A stream that cannot be written is a runtime error, not silence. */
static void test_write_errors(void **state)
{
    (void)state;
    dac_structure *s = pair_and_single();
    dac_site_analysis *a = NULL;
    assert_int_equal(dac_struct_analyze(s, NULL, &a), DAC_OK);
    FILE *ro = fopen("/dev/null", "r");
    assert_non_null(ro);
    assert_int_equal(dac_site_analysis_write_json(ro, "x.xyz", s, a, NULL), DAC_ERR_RUNTIME);
    clearerr(ro);
    assert_int_equal(dac_site_analysis_write_table(ro, "x.xyz", s, a), DAC_ERR_RUNTIME);
    fclose(ro);
    assert_int_equal(dac_site_analysis_write_json(NULL, "x", s, a, NULL), DAC_ERR_USAGE);
    dac_site_analysis_free(a);
    dac_structure_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_record),
        cmocka_unit_test(test_json_nulls),
        cmocka_unit_test(test_table_and_totals),
        cmocka_unit_test(test_write_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

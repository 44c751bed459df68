/*
 * test_stages.c — the make and explain stages of a study (src/report/stage_make.c,
 * stage_explain.c) on small inputs: synthesis runs and a loading curve land in their
 * folders with the outcomes listed for the stages after them; see images what make
 * made; and the activity an outcome predicts is its site mix times the TOF of each
 * site type — for a structure holding one Ni₁-N₄ site it is the single-site model's
 * TOF per atom (ratio 1 to the reference), for one Ni₂-N₆ pair the dual-site TOF shared
 * by its two atoms (ratio TOF_dual / (2 TOF_single)), read from the stage's own record.
 * Skipped where the source tree is absent.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dac_test.h"

#include <cjson/cJSON.h>

#include "core/io.h"
#include "dac/core.h"
#include "dac/report.h"
#include "report/study_internal.h"

/* An absolute scratch folder: the studies run from the source tree. */
static char *scratch(void)
{
    char tmpl[] = "stages-test-XXXXXX", here[4096];
    assert_non_null(mkdtemp(tmpl));
    assert_non_null(getcwd(here, sizeof here));
    size_t n = strlen(here) + sizeof tmpl + 1;
    char *abs = malloc(n);
    assert_non_null(abs);
    snprintf(abs, n, "%s/%s", here, tmpl);
    return abs;
}

static void remove_dir(char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

static cJSON *read_json(const char *dir, const char *name)
{
    char path[1200], *text;
    size_t n;
    assert_true((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) < sizeof path);
    assert_int_equal(dac_read_file(path, (size_t)1 << 26, &text, &n), DAC_OK);
    cJSON *j = cJSON_Parse(text);
    free(text);
    assert_non_null(j);
    return j;
}

/* Runs every stage of a study given as text from the source tree (its paths). */
static void run_study(const char *text, const char *out)
{
    char here[4096];
    assert_non_null(getcwd(here, sizeof here));
    assert_int_equal(chdir(getenv("DAC_SOURCE_DIR")), 0);
    dac_report_study *s = NULL;
    int st = dac_report_study_parse(text, strlen(text), "stages.yaml", 0, &s);
    if (st != DAC_OK)
        print_error("%s\n", dac_last_error());
    assert_int_equal(st, DAC_OK);
    for (size_t i = 0; st == DAC_OK && i < dac_report_study_stage_count(s); i++) {
        int skipped;
        st = dac_report_study_run_stage(s, i, out, NULL, NULL, NULL, &skipped);
        if (st != DAC_OK)
            print_error("%s\n", dac_last_error());
    }
    if (st == DAC_OK)
        st = dac_report_study_write_report(s, out, -1, NULL);
    dac_report_study_free(s);
    dac_warnings_clear();
    assert_int_equal(chdir(here), 0);
    assert_int_equal(st, DAC_OK);
}

static void test_make_and_see(void **state)
{
    (void)state;
    if (!getenv("DAC_SOURCE_DIR"))
        skip();
    char *dir = scratch();
    char out[1200], make[1300];
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(make, sizeof make, "%s/make", out);
    static const char study[] =
        "study: {title: stages, seed: 4}\n"
        "make:\n"
        "  seeds: 2\n"
        "  set: [lattice.sites_per_side=48]\n"
        "  runs:\n"
        "    - {name: t800, recipe: examples/synth/template_ni2_800C.yaml, review: Ni2-N5C2}\n"
        "  loading:\n"
        "    repeats: 1\n"
        "    curves:\n"
        "      - {name: t, recipe: examples/synth/template_ni2_800C.yaml,\n"
        "         vary: \"template.complexes_per_nm2=0.1:0.2:0.1\"}\n"
        "see: {fov_A: 40}\n";
    char text[2400];
    snprintf(text, sizeof text, "%s", study);
    run_study(text, out);
    /* one folder per seed, seeds 4 and 5, with what dac synth writes */
    static const char *const files[] = {"t800/seed_4/final.extxyz", "t800/seed_5/final.extxyz",
                                        "t800/seed_4/final.png", "loading_t.csv", "purity_runs.svg",
                                        "purity_loading.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[1600];
        snprintf(path, sizeof path, "%s/%s", make, files[i]);
        if (access(path, R_OK) != 0)
            print_error("missing %s\n", path);
        assert_int_equal(access(path, R_OK), 0);
    }
    cJSON *sum = read_json(make, "summary.json");
    const cJSON *o = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(sum, "outcomes"), 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "name")->valuestring, "t800");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "structures")), 2);
    double p = report_json_number(o, "purity_site_mean");
    assert_true(p >= 0 && p <= 1);
    cJSON_Delete(sum);
    /* see imaged the first seed's structure */
    char see[1300];
    snprintf(see, sizeof see, "%s/see", out);
    sum = read_json(see, "summary.json");
    o = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(sum, "outcomes"), 0);
    assert_non_null(strstr(cJSON_GetObjectItemCaseSensitive(o, "structure")->valuestring,
                           "make/t800/seed_4/final.extxyz"));
    cJSON_Delete(sum);
    remove_dir(dir);
}

/* The model's CO rate per metal atom; TOF per ensemble over its site types. */
static double per_atom(const cJSON *models, const char *name, double atoms)
{
    for (const cJSON *m = models->child; m; m = m->next)
        if (!strcmp(cJSON_GetObjectItemCaseSensitive(m, "name")->valuestring, name))
            return report_json_number(m, "TOF_CO_per_s") / atoms;
    fail();
    return NAN;
}

static void test_explain_activity(void **state)
{
    (void)state;
    if (!getenv("DAC_SOURCE_DIR"))
        skip();
    char *dir = scratch();
    char out[1200], explain[1300];
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(explain, sizeof explain, "%s/explain", out);
    static const char study[] =
        "study: {title: activity}\n"
        "structures:\n"
        "  - {name: one_pair, path: examples/ni2_n6_graphene.extxyz}\n"
        "  - {name: one_single, path: examples/ni1_n4_graphene.extxyz}\n"
        "explain:\n"
        "  potential_V_RHE: -0.8\n"
        "  co2:\n"
        "    sweep: \"U=-1.0:-0.6:0.2\"\n"
        "    models:\n"
        "      - {name: single, mechanism: examples/kinetics/ni1_n4.yaml}\n"
        "      - {name: indirect, mechanism: examples/kinetics/ni2_indirect.yaml}\n"
        "  sites:\n"
        "    - {label: \"Ni1-*\", model: single}\n"
        "    - {label: \"Ni2-*\", model: indirect}\n"
        "  reference: single\n";
    run_study(study, out);
    cJSON *sum = read_json(explain, "summary.json");
    const cJSON *models = cJSON_GetObjectItemCaseSensitive(sum, "co2_models");
    double single = per_atom(models, "single", 1), dual = per_atom(models, "indirect", 2);
    assert_true(single > 0 && dual > 0);
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(sum, "outcomes");
    const cJSON *pair = cJSON_GetArrayItem(o, 0), *one = cJSON_GetArrayItem(o, 1);
    /* one pair: the dual TOF over its two atoms; one single: the single TOF */
    assert_near(report_json_number(pair, "CO_per_metal_atom_per_s"), dual, 1e-12 * dual);
    assert_near(report_json_number(pair, "mass_activity_over_reference"), dual / single, 1e-12);
    assert_near(report_json_number(one, "mass_activity_over_reference"), 1, 1e-12);
    cJSON_Delete(sum);
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_make_and_see),
        cmocka_unit_test(test_explain_activity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

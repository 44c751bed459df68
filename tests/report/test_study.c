/*
 * test_study.c — the study behind `dac run` (src/report/study.c, stage.c, stage_see.c,
 * study_report.c): the built-in study reads; bad study files fail naming the file, the
 * line and the key; --quick takes the quick: values and changes a stage's stamp only
 * when it changes what the stage reads; a stage runs into a fresh folder that replaces
 * the old one whole, is skipped while its stamp holds, runs again when its part of the
 * study or an input file changes, leaves the previous results intact when it fails, and
 * never replaces a folder dac did not write; folders of killed runs are cleaned up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dac_test.h"

#include "core/io.h"
#include "dac/core.h"
#include "dac/report.h"
#include "report/study_internal.h"

/* Two Ni 2.5 Å apart and one alone in a 40 Å cell: a 200-pixel image. */
static const char three_ni[] =
    "3\nLattice=\"40 0 0 0 40 0 0 0 20\" Properties=species:S:1:pos:R:3 pbc=\"T T F\"\n"
    "Ni 10.0 10.0 10.0\nNi 12.5 10.0 10.0\nNi 30.0 28.0 10.0\n";

static char *scratch(void)
{
    char tmpl[] = "study-test-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return strdup(tmpl);
}

static void remove_dir(char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static dac_report_study *parse_ok(const char *text, int quick)
{
    dac_report_study *s = NULL;
    int st = dac_report_study_parse(text, strlen(text), "study.yaml", quick, &s);
    if (st != DAC_OK)
        print_error("%s\n", dac_last_error());
    assert_int_equal(st, DAC_OK);
    return s;
}

/* ------------------------------------------------------------ reading ------------- */

static void test_default_study(void **state)
{
    (void)state;
    const char *src = getenv("DAC_SOURCE_DIR");
    if (!src)
        skip();
    char here[4096];
    assert_non_null(getcwd(here, sizeof here));
    assert_int_equal(chdir(src), 0); /* its paths are relative to the source tree */
    size_t len;
    const char *text = dac_report_study_default_text(&len);
    assert_true(len > 100 && strlen(text) == len);
    dac_report_study *full = NULL, *quick = NULL;
    assert_int_equal(dac_report_study_parse(text, len, "default", 0, &full), DAC_OK);
    assert_int_equal(dac_report_study_parse(text, len, "default", 1, &quick), DAC_OK);
    assert_int_equal(chdir(here), 0);
    assert_true(dac_report_study_stage_count(full) >= 1);
    for (size_t i = 0; i < dac_report_study_stage_count(full); i++)
        assert_non_null(dac_report_study_stage_name(full, i));
    assert_null(dac_report_study_stage_name(full, dac_report_study_stage_count(full)));
    assert_int_equal(dac_report_study_seed(full), 1);
    /* the quick form changes what see reads, so its stamp differs */
    assert_true(quick->see.fov_A < full->see.fov_A);
    const report_list *a = &full->resolved[REPORT_SEE], *b = &quick->resolved[REPORT_SEE];
    int differ = a->n != b->n;
    for (size_t i = 0; !differ && i < a->n; i++)
        differ = strcmp(a->item[i], b->item[i]) != 0;
    assert_true(differ);
    dac_report_study_free(full);
    dac_report_study_free(quick);
}

/* quick: replaces values, and a list of texts as a whole */
static void test_quick(void **state)
{
    (void)state;
    char *dir = scratch();
    char path[512], text[2048];
    snprintf(path, sizeof path, "%s/a.xyz", dir);
    put(path, three_ni);
    snprintf(text, sizeof text,
             "study: {title: t}\nstructures:\n  - {name: a, path: %s}\n"
             "see: {fov_A: 100, dose_e_A2: 1e5}\nquick:\n  see: {fov_A: 50}\n", path);
    dac_report_study *s = parse_ok(text, 0), *q = parse_ok(text, 1);
    assert_near(s->see.fov_A, 100, 0);
    assert_near(q->see.fov_A, 50, 0);
    assert_near(q->see.dose_e_A2, 1e5, 0);
    assert_string_equal(q->resolved[REPORT_SEE].item[0], "see.fov_A=50");
    assert_int_equal(q->n_structures, 1);
    assert_string_equal(q->structures[0].title ? q->structures[0].title : "", "");
    dac_report_study_free(s);
    dac_report_study_free(q);
    /* a list of texts under quick: replaces the list; a field of a listed mapping is
     * replaced alone */
    char other[600];
    snprintf(other, sizeof other, "%s/b.xyz", dir);
    put(other, three_ni);
    snprintf(text, sizeof text,
             "study: {title: t}\nmake:\n  set: [a=1, b=2]\n  runs:\n    - {name: r, title: R, recipe: %s}\n"
             "quick:\n  make:\n    set: [c=3]\n    runs:\n      - {recipe: %s}\n", path, other);
    s = parse_ok(text, 0), q = parse_ok(text, 1);
    assert_int_equal(s->make.set.n, 2);
    assert_int_equal(q->make.set.n, 1);
    assert_string_equal(q->make.set.item[0], "c=3");
    assert_string_equal(s->make.runs[0].recipe, path);
    assert_string_equal(q->make.runs[0].recipe, other);
    assert_string_equal(q->make.runs[0].title, "R");
    dac_report_study_free(s);
    dac_report_study_free(q);
    remove_dir(dir);
}

static void fails(const char *text, int quick, const char *why)
{
    dac_report_study *s = (dac_report_study *)1;
    int st = dac_report_study_parse(text, strlen(text), "study.yaml", quick, &s);
    if (st != DAC_ERR_INPUT || !strstr(dac_last_error(), why))
        print_error("study:\n%s\n  gave %d: %s\n  expected DAC_ERR_INPUT with \"%s\"\n", text, st,
                    dac_last_error(), why);
    assert_int_equal(st, DAC_ERR_INPUT);
    assert_null(s);
    assert_non_null(strstr(dac_last_error(), why));
}

static void test_bad_studies(void **state)
{
    (void)state;
    char *dir = scratch();
    char xyz[512], text[4096];
    snprintf(xyz, sizeof xyz, "%s/a.xyz", dir);
    put(xyz, three_ni);
    char head[600];
    snprintf(head, sizeof head, "study: {title: t}\nstructures:\n  - {name: a, path: %s}\n", xyz);
    struct { const char *body; int quick; const char *why; } cases[] = {
        {"see: {fov_A: 100}\nsee_more: 1\n", 0, "study.yaml:5: unknown key 'see_more'"},
        {"see:\n  fov: 100\n", 0, "study.yaml:5: unknown key 'see.fov'"},
        {"see: {fov_A: 100}\nquick:\n  see: {fovv_A: 1}\n", 0, "study.yaml:6: unknown key 'quick.see.fovv_A'"},
        {"see: {fov_A: 100}\nquick:\n  see: {fovv_A: 1}\n", 1, "unknown key 'quick.see.fovv_A'"},
        {"see:\n  dose_e_A2: -5\n", 0, "study.yaml:5: key 'see.dose_e_A2': expected a number from 10"},
        {"see:\n  dose_e_A2: lots\n", 0, "got 'lots'"},
        {"see: {pixel_A: 0.2}\nquick: {see: {pixel_A: 9}}\n", 1, "study.yaml:5: key 'see.pixel_A'"},
        {"see: {fov_A: 100}\nmake:\n  seeds: 0\n", 0, "key 'make.seeds': expected an integer from 1"},
        {"make:\n  runs:\n    - {name: x}\n", 0, "key 'make.runs.0.recipe' is missing"},
        {"make:\n  runs:\n    - {name: x, recipe: /no/such/recipe.yaml}\n", 0,
         "key 'make.runs.0.recipe': cannot read '/no/such/recipe.yaml'"},
        {"make:\n  seeds: 2\n", 0, "no runs and no loading curves"},
        {"see: {fov_A: 100}\nexplain:\n  sites:\n    - {label: \"Ni2-*\", model: dual}\n", 0,
         "no model 'dual' in explain.co2.models"},
        {"", 0, "no stage"},
        {"see: [1, 2]\n", 0, "unknown key 'see.0'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(text, sizeof text, "%s%s", head, cases[i].body);
        fails(text, cases[i].quick, cases[i].why);
    }
    /* the header itself */
    snprintf(text, sizeof text, "study: {title: t}\nstructures:\n  - {name: a/b, path: %s}\nsee: {fov_A: 100}\n", xyz);
    fails(text, 0, "key 'structures.0.name': 'a/b'");
    snprintf(text, sizeof text, "study: {title: t}\nstructures:\n  - {name: a, path: %s}\n"
             "  - {name: a, path: %s}\nsee: {fov_A: 100}\n", xyz, xyz);
    fails(text, 0, "study.yaml:4: key 'structures.1.name': 'a' is used twice");
    fails("study: {title: t}\nsee: {fov_A: 100}\n", 0, "nothing to image or explain");
    fails("see: {fov_A: 100}\nstructures: []\n", 0, "key 'study.title' is missing");
    fails("study: {title: t, seed: -1}\nsee: {fov_A: 100}\n", 0, "key 'study.seed'");
    fails("study: [\n", 0, "YAML syntax");
    remove_dir(dir);
}

/* ------------------------------------------------------------ running ------------- */

static char *read_text(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *t = NULL;
    size_t n;
    return dac_read_file(path, (size_t)1 << 26, &t, &n) == DAC_OK ? t : NULL;
}

static int run_see(const char *text, const char *out, int *skipped)
{
    dac_report_study *s = parse_ok(text, 0);
    assert_int_equal(dac_report_study_stage_count(s), 1);
    assert_string_equal(dac_report_study_stage_name(s, 0), "see");
    int st = dac_report_study_run_stage(s, 0, out, NULL, NULL, NULL, skipped);
    if (st == DAC_OK)
        assert_int_equal(dac_report_study_write_report(s, out, -1, NULL), DAC_OK);
    dac_report_study_free(s);
    return st;
}

static void study_text(char *buf, size_t size, const char *xyz, double dose)
{
    snprintf(buf, size, "study: {title: Three Ni, seed: 3}\nstructures:\n"
             "  - {name: three, title: three Ni, path: %s}\n"
             "see: {fov_A: 40, dose_e_A2: %g, support_thickness_A: 10}\n", xyz, dose);
}

static void test_see_stage(void **state)
{
    (void)state;
    char *dir = scratch();
    char xyz[512], out[512], see[600], text[1024];
    snprintf(xyz, sizeof xyz, "%s/three.extxyz", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(see, sizeof see, "%s/see", out);
    put(xyz, three_ni);
    study_text(text, sizeof text, xyz, 1e6);
    int skipped = -1;
    assert_int_equal(run_see(text, out, &skipped), DAC_OK);
    assert_int_equal(skipped, 0);
    static const char *const files[] = {"stamp.json", "summary.json", "fragment.json", "purity.csv",
                                        "three/image.tif", "three/image.truth.csv",
                                        "three/count/summary.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *t = read_text(see, files[i]);
        if (!t)
            print_error("missing %s/%s\n", see, files[i]);
        assert_non_null(t);
        free(t);
    }
    char *summary = read_text(see, "summary.json");
    assert_non_null(strstr(summary, "\"record\":\t\"dac run see\""));
    assert_non_null(strstr(summary, "\"purity_true_site\":\t0.5")); /* one pair, one single */
    free(summary);
    char *html = read_text(out, "report.html");
    assert_non_null(html);
    assert_non_null(strstr(html, "See: would a microscope tell?"));
    assert_non_null(strstr(html, "<code>three</code>"));
    free(html);
    char *stamp = read_text(see, "stamp.json");
    /* unchanged: skipped, nothing touched */
    assert_int_equal(run_see(text, out, &skipped), DAC_OK);
    assert_int_equal(skipped, 1);
    char *stamp2 = read_text(see, "stamp.json");
    assert_string_equal(stamp, stamp2);
    free(stamp2);
    /* the study's part changes: runs again */
    study_text(text, sizeof text, xyz, 5e5);
    assert_int_equal(run_see(text, out, &skipped), DAC_OK);
    assert_int_equal(skipped, 0);
    /* an input file changes: runs again; its mtime alone would not */
    put(xyz, "3\nLattice=\"40 0 0 0 40 0 0 0 20\" Properties=species:S:1:pos:R:3 pbc=\"T T F\"\n"
             "Ni 10.0 10.0 10.0\nNi 12.5 10.0 10.0\nNi 30.0 29.0 10.0\n");
    assert_int_equal(run_see(text, out, &skipped), DAC_OK);
    assert_int_equal(skipped, 0);
    assert_int_equal(run_see(text, out, &skipped), DAC_OK);
    assert_int_equal(skipped, 1);
    /* a failing stage names itself and leaves the previous results as they were */
    free(stamp);
    stamp = read_text(see, "stamp.json");
    put(xyz, "3\nnot a structure\n");
    assert_int_equal(run_see(text, out, &skipped), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "stage 'see' failed: outcome three"));
    stamp2 = read_text(see, "stamp.json");
    assert_non_null(stamp2);
    assert_string_equal(stamp, stamp2);
    free(stamp), free(stamp2);
    /* nothing of the failed run is left in the output folder */
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s' | grep dac-run)\"", out);
    assert_int_equal(system(cmd), 0);
    remove_dir(dir);
}

/* A folder dac did not write is never replaced; one left by a killed run is removed. */
static void test_folders(void **state)
{
    (void)state;
    char *dir = scratch();
    char xyz[512], out[512], path[700], text[1024];
    snprintf(xyz, sizeof xyz, "%s/three.extxyz", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    put(xyz, three_ni);
    study_text(text, sizeof text, xyz, 1e6);
    snprintf(path, sizeof path, "%s/see", out);
    assert_int_equal(dac_make_dirs(path), DAC_OK);
    snprintf(path, sizeof path, "%s/see/thesis.tex", out);
    put(path, "mine");
    int skipped;
    assert_int_equal(run_see(text, out, &skipped), DAC_ERR_RUNTIME);
    assert_non_null(strstr(dac_last_error(), "not written by dac run"));
    char *mine = read_text(out, "see/thesis.tex");
    assert_string_equal(mine, "mine");
    free(mine);
    remove(path);
    /* PIDs stop well below 999999999 on Linux (pid_max ≤ 2^22): that process is gone */
    snprintf(path, sizeof path, "%s/.see.dac-run.999999999.AbCdEf", out);
    assert_int_equal(dac_make_dirs(path), DAC_OK);
    snprintf(path, sizeof path, "%s/.see.dac-run.999999999.AbCdEf/x", out);
    put(path, "partial");
    assert_int_equal(run_see(text, out, &skipped), DAC_OK);
    snprintf(path, sizeof path, "%s/.see.dac-run.999999999.AbCdEf", out);
    assert_int_equal(access(path, F_OK), -1);
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_study),
        cmocka_unit_test(test_quick),
        cmocka_unit_test(test_bad_studies),
        cmocka_unit_test(test_see_stage),
        cmocka_unit_test(test_folders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

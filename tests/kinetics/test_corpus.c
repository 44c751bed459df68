/*
 * test_corpus.c — replays the kinetics fuzzing seeds (tests/fuzz/corpus/
 * fuzz_kinetics_mechanism/ and fuzz_kinetics_table/) and every example mechanism
 * through the readers in the
 * ordinary test build (and its ASan+UBSan pass): each must read to a validated model
 * or fail cleanly with DAC_ERR_INPUT and no model.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinetics/kin_test.h"

static size_t replay_dir(const char *dir, const char *suffix, size_t *ok)
{
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(dp));) {
        size_t len = strlen(e->d_name), sl = strlen(suffix);
        if (e->d_name[0] == '.' || len < sl || strcmp(e->d_name + len - sl, suffix))
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        dac_kinetics_model *m = NULL;
        int st = dac_kinetics_model_read(path, &m);
        if (st != DAC_OK && st != DAC_ERR_INPUT)
            print_error("%s: status %d: %s\n", path, st, dac_last_error());
        assert_true(st == DAC_OK || st == DAC_ERR_INPUT);
        assert_true((st == DAC_OK) == (m != NULL));
        *ok += st == DAC_OK;
        dac_kinetics_model_free(m);
        dac_warnings_clear();
        n++;
    }
    closedir(dp);
    return n;
}

/* Every table seed read for a small model: a clean result or DAC_ERR_INPUT. */
static size_t replay_tables(const char *dir)
{
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(dp));) {
        if (e->d_name[0] == '.')
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        dac_kinetics_model *m = kt_model("replay");
        assert_int_equal(dac_kinetics_model_add_site_type(m, "s", 1), DAC_OK);
        kt_ads(m, "COOH_s", "s", NAN);
        int st = dac_kinetics_model_read_energy_table(m, path, "Ni2N6", "111=s");
        assert_true(st == DAC_OK || st == DAC_ERR_INPUT);
        dac_kinetics_model_free(m);
        n++;
    }
    closedir(dp);
    return n;
}

static void test_replay(void **state)
{
    (void)state;
    const char *src = getenv("DAC_SOURCE_DIR");
    if (!src)
        skip();
    char dir[1024];
    size_t ok = 0;
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/fuzz_kinetics_mechanism", src);
    assert_true(replay_dir(dir, "", &ok) >= 4);
    assert_true(ok >= 3);
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/fuzz_kinetics_table", src);
    assert_true(replay_tables(dir) >= 2);
    ok = 0;
    snprintf(dir, sizeof dir, "%s/examples/kinetics", src);
    size_t n = replay_dir(dir, ".yaml", &ok);
    assert_true(n >= 10);
    assert_int_equal(ok, n); /* every example is a valid mechanism */
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_replay)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

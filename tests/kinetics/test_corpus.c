/*
 * test_corpus.c — every example mechanism of examples/kinetics read and validated in
 * the ordinary test build (and its ASan+UBSan pass). The fuzzing seeds of the readers
 * are replayed with every other corpus by tests/fuzz/test_corpus.c.
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

static void test_replay(void **state)
{
    (void)state;
    const char *src = getenv("DAC_SOURCE_DIR");
    if (!src)
        skip();
    /* The fuzzing seeds are replayed with every other corpus (tests/fuzz/test_corpus.c). */
    char dir[1024];
    size_t ok = 0;
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

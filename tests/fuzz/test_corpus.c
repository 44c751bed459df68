/*
 * test_corpus.c — replays every fuzzing seed (tests/fuzz/corpus/) through the readers in
 * the ordinary test build, so a regression on an input that once crashed a reader is
 * caught by `make test` (and by its ASan+UBSan pass), not only by `make fuzz`.
 * A reader must either succeed with a sane object or fail with DAC_ERR_INPUT/NOMEM.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dac_test.h"

#include "core/config.h"
#include "core/csv.h"
#include "report/report_internal.h"
#include "dac/core.h"
#include "dac/image.h"
#include "dac/kinetics.h"
#include "dac/report.h"
#include "dac/struct.h"
#include "dac/synth.h"
#include "stem/count/learn_internal.h"

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int clean_failure(int st) { return st == DAC_ERR_INPUT || st == DAC_ERR_NOMEM; }

static void replay_image(const unsigned char *data, size_t len, const char *name)
{
    static const dac_image_format formats[] = {DAC_IMAGE_FORMAT_AUTO, DAC_IMAGE_FORMAT_TIFF,
                                               DAC_IMAGE_FORMAT_PNG, DAC_IMAGE_FORMAT_DM3,
                                               DAC_IMAGE_FORMAT_DM4, DAC_IMAGE_FORMAT_MRC};
    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
        dac_image *img = NULL;
        int st = dac_image_read_buffer(data, len, name, formats[f], &img);
        if (st == DAC_OK) {
            assert_non_null(img);
            assert_true(img->width > 0 && img->height > 0 && img->pixels);
        } else {
            if (!clean_failure(st))
                print_error("%s as format %d: status %d: %s\n", name, (int)formats[f], st, dac_last_error());
            assert_true(clean_failure(st));
            assert_null(img);
        }
        dac_image_free(img);
        dac_warnings_clear();
    }
}

static void replay_struct(const unsigned char *data, size_t len, const char *name)
{
    for (int f = DAC_FORMAT_AUTO; f <= DAC_FORMAT_CIF; f++) {
        dac_structure *s = NULL;
        int st = dac_struct_read_buffer((const char *)data, len, name, (dac_struct_format)f, &s);
        if (st == DAC_OK) {
            assert_non_null(s);
        } else {
            assert_true(clean_failure(st) || (f == DAC_FORMAT_AUTO && st == DAC_ERR_USAGE));
            assert_null(s);
        }
        dac_structure_free(s);
        dac_warnings_clear();
    }
}

static void replay_csv(const unsigned char *data, size_t len, const char *name)
{
    dac_csv *csv = NULL;
    int st = dac_csv_parse((const char *)data, len, name, &csv);
    if (st == DAC_OK) {
        assert_non_null(csv);
        assert_true(dac_csv_columns(csv) > 0);
    } else {
        assert_true(clean_failure(st));
        assert_null(csv);
    }
    dac_csv_free(csv);
}

static void replay_fragment(const unsigned char *data, size_t len, const char *name)
{
    dac_report *r;
    assert_int_equal(dac_report_create("replay", &r), DAC_OK);
    int st = report_fragment_parse(r, (const char *)data, len, name, "stage", "stage/");
    assert_true(st == DAC_OK || clean_failure(st));
    dac_report_free(r);
}

static void replay_study(const unsigned char *data, size_t len, const char *name)
{
    for (int quick = 0; quick < 2; quick++) {
        dac_report_study *s = NULL;
        int st = dac_report_study_parse((const char *)data, len, name, quick, &s);
        assert_true(st == DAC_OK ? s != NULL : clean_failure(st) && s == NULL);
        dac_report_study_free(s);
    }
}

static void replay_config(const unsigned char *data, size_t len, const char *name)
{
    dac_config *cfg = NULL;
    int st = dac_config_parse((const char *)data, len, name, &cfg);
    if (st == DAC_OK) {
        assert_non_null(cfg);
        for (size_t i = 0; i < dac_config_size(cfg); i++)
            assert_true(dac_config_line(cfg, dac_config_key(cfg, i)) > 0);
    } else {
        assert_true(clean_failure(st));
        assert_null(cfg);
    }
    dac_config_free(cfg);
}

static void replay_synth_recipe(const unsigned char *data, size_t len, const char *name)
{
    dac_synth_params p;
    int st = dac_synth_recipe_parse((const char *)data, len, name, NULL, 0, &p);
    if (st == DAC_OK)
        assert_int_equal(dac_synth_params_check(&p), DAC_OK);
    else
        assert_true(clean_failure(st));
}

static void replay_model(const unsigned char *data, size_t len, const char *name)
{
    dac_stem_model *m = NULL;
    int st = count_model_parse((const char *)data, len, name, &m);
    if (st == DAC_OK)
        assert_non_null(m);
    else
        assert_true(clean_failure(st) && !m);
    dac_stem_model_free(m);
    dac_warnings_clear();
}

static void replay_kinetics_mechanism(const unsigned char *data, size_t len, const char *name)
{
    dac_kinetics_model *m = NULL;
    int st = dac_kinetics_model_parse((const char *)data, len, name, &m);
    assert_true(st == DAC_OK ? m != NULL : clean_failure(st) && !m);
    dac_kinetics_model_free(m);
    dac_warnings_clear();
}

/* An energy table is read into a small model with one site type and one adsorbate. */
static void replay_kinetics_table(const unsigned char *data, size_t len, const char *name)
{
    dac_kinetics_model *m = NULL;
    assert_int_equal(dac_kinetics_model_create("replay", &m), DAC_OK);
    assert_int_equal(dac_kinetics_model_add_site_type(m, "s", 1), DAC_OK);
    assert_int_equal(dac_kinetics_model_add_species(m, "COOH_s", DAC_KINETICS_ADSORBATE, NULL, 0, NAN),
                     DAC_OK);
    const char *sites[] = {"s"};
    assert_int_equal(dac_kinetics_model_set_species_sites(m, "COOH_s", sites, 1), DAC_OK);
    int st = dac_kinetics_model_parse_energy_table(m, (const char *)data, len, name, "Ni2N6", "111=s");
    assert_true(st == DAC_OK || clean_failure(st));
    dac_kinetics_model_free(m);
    dac_warnings_clear();
}

/* Each corpus folder and the reader its fuzz target drives. */
static const struct {
    const char *dir;
    void (*replay)(const unsigned char *data, size_t len, const char *name);
} corpora[] = {
    {"fuzz_image_dm", replay_image},   {"fuzz_image_mrc", replay_image},
    {"fuzz_image_png", replay_image},  {"fuzz_image_tiff", replay_image},
    {"fuzz_struct_read", replay_struct}, {"fuzz_csv", replay_csv},
    {"fuzz_config", replay_config},    {"fuzz_stem_model", replay_model},
    {"fuzz_kinetics_mechanism", replay_kinetics_mechanism},
    {"fuzz_kinetics_table", replay_kinetics_table},
    {"fuzz_synth_recipe", replay_synth_recipe}, {"fuzz_report_fragment", replay_fragment},
    {"fuzz_study", replay_study},
};

static void test_replay_corpus(void **state)
{
    (void)state;
    const char *src = getenv("DAC_SOURCE_DIR");
    if (!src)
        skip();
    size_t replayed = 0;
    for (size_t d = 0; d < sizeof corpora / sizeof corpora[0]; d++) {
        char dir[1024];
        size_t in_dir = 0;
        snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", src, corpora[d].dir);
        DIR *dp = opendir(dir);
        assert_non_null(dp);
        for (struct dirent *e; (e = readdir(dp));) {
            if (e->d_name[0] == '.')
                continue;
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            size_t len;
            unsigned char *data = slurp(path, &len);
            corpora[d].replay(data, len, path);
            free(data);
            in_dir++;
        }
        closedir(dp);
        assert_true(in_dir > 0); /* an empty corpus folder replays nothing */
        replayed += in_dir;
    }
    assert_true(replayed >= 30);
}

/* Every folder under tests/fuzz/corpus/ is in the table above: a new fuzz target's
 * seeds cannot be left out of the replay by accident. */
static void test_every_corpus_replayed(void **state)
{
    (void)state;
    const char *src = getenv("DAC_SOURCE_DIR");
    if (!src)
        skip();
    char root[1024];
    snprintf(root, sizeof root, "%s/tests/fuzz/corpus", src);
    DIR *dp = opendir(root);
    assert_non_null(dp);
    for (struct dirent *e; (e = readdir(dp));) {
        if (e->d_name[0] == '.')
            continue;
        int known = 0;
        for (size_t d = 0; d < sizeof corpora / sizeof corpora[0]; d++)
            known |= !strcmp(corpora[d].dir, e->d_name);
        if (!known)
            print_error("corpus %s is not replayed: add it to corpora[]\n", e->d_name);
        assert_true(known);
    }
    closedir(dp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_replay_corpus),
                                       cmocka_unit_test(test_every_corpus_replayed)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

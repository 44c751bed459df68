/*
 * test_count_learn.c — the learned detector (dac_stem_learner, dac_stem_model): trained
 * on small simulated images whose support carries a texture the statistical detector
 * takes for atoms, it must do at least as well on a held-out image; training is
 * deterministic; model.json survives a round trip byte for byte; a malformed model is
 * bad input naming the field; the built-in model loads.
 *
 * The texture: "clumps", bright patches of light scatterers 2–3 times wider than an
 * atom image with the integrated intensity of one or two Pt atoms (as carbon clumps or
 * contamination on a real support). Through the matched filter (1.5× the atom width) a
 * clump peaks at about an atom's filtered amplitude, so the z-score test accepts it;
 * its profile (ring means, scale-space bands) is not an atom's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dac_test.h"

#include "core/io.h"
#include "dac/stem.h"
#include "dac/stem_count.h"
#include "stem/count/learn_internal.h"

#define SIDE 256
#define N_ATOMS 14
#define N_CLUMPS 10
#define CLUMP_POINTS 12

typedef struct {
    dac_image *img;
    double truth[2 * N_ATOMS];
} scene;

/* Pt atoms (truth) and clumps (not atoms) at random places at least 12 px (2.4 Å)
 * from the frame edge and 20 px from each other, on 20 Å of carbon. */
static scene render(uint64_t seed)
{
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.support_thickness_A = 20;
    o.dose_e_A2 = 1e6;
    dac_stem_sim *sim;
    assert_int_equal(dac_stem_sim_create(&o, SIDE, SIDE, &sim), DAC_OK);
    dac_rng r;
    dac_rng_seed(&r, seed);
    double pt = dac_stem_sigma_A2(&o, 78), centres[2 * (N_ATOMS + N_CLUMPS)];
    for (int k = 0; k < N_ATOMS + N_CLUMPS; k++) {
        int ok = 0;
        while (!ok) {
            centres[2 * k] = 16 + (SIDE - 32) * dac_rng_uniform(&r);
            centres[2 * k + 1] = 16 + (SIDE - 32) * dac_rng_uniform(&r);
            ok = 1;
            for (int j = 0; j < k; j++)
                ok &= hypot(centres[2 * k] - centres[2 * j], centres[2 * k + 1] - centres[2 * j + 1]) > 20;
        }
    }
    dac_stem_point p[N_ATOMS + N_CLUMPS * CLUMP_POINTS];
    size_t n = 0;
    scene s;
    for (int k = 0; k < N_ATOMS; k++) {
        p[n++] = (dac_stem_point){centres[2 * k], centres[2 * k + 1], pt};
        s.truth[2 * k] = centres[2 * k], s.truth[2 * k + 1] = centres[2 * k + 1];
    }
    for (int k = N_ATOMS; k < N_ATOMS + N_CLUMPS; k++) {
        double total = pt * (1 + dac_rng_uniform(&r)); /* one to two atoms' worth */
        for (int q = 0; q < CLUMP_POINTS; q++) /* a Gaussian cloud of σ 1 Å = 5 px */
            p[n++] = (dac_stem_point){centres[2 * k] + 5 * dac_rng_normal(&r),
                                      centres[2 * k + 1] + 5 * dac_rng_normal(&r),
                                      total / CLUMP_POINTS};
    }
    assert_int_equal(dac_stem_sim_render_points(sim, p, n, seed, &s.img), DAC_OK);
    dac_stem_sim_free(sim);
    return s;
}

/* F1 of a counter's blobs against the truth (1.5 Å = 7.5 px one-to-one). */
static double count_f1(const scene *s, const dac_stem_model *m, double *precision)
{
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    dac_stem_counter *c;
    assert_int_equal(dac_stem_counter_create(&p, &c), DAC_OK);
    dac_stem_counter_set_overlays(c, 0);
    if (m)
        assert_int_equal(dac_stem_counter_set_model(c, m), DAC_OK);
    assert_int_equal(dac_stem_counter_add_image(c, s->img, NULL, "held-out.tif"), DAC_OK);
    size_t nb;
    const dac_stem_blob *b = dac_stem_counter_blobs(c, &nb);
    double *xy = malloc(sizeof *xy * 2 * (nb ? nb : 1));
    for (size_t i = 0; i < nb; i++)
        xy[2 * i] = b[i].x_px, xy[2 * i + 1] = b[i].y_px;
    dac_stem_score_result r;
    assert_int_equal(dac_stem_score(xy, nb, s->truth, N_ATOMS, 1.5 / 0.2, &r, NULL), DAC_OK);
    free(xy);
    dac_stem_counter_free(c);
    if (precision)
        *precision = r.precision;
    return r.f1;
}

/* A model trained on the scenes of seeds first .. first + n − 1. */
static dac_stem_model *train(uint64_t first, int n)
{
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    dac_stem_learn_options o;
    dac_stem_learn_options_default(&o);
    o.max_trees = 80; /* small data: a test, not a model to ship */
    dac_stem_learner *l;
    assert_int_equal(dac_stem_learner_create(&p, &o, &l), DAC_OK);
    for (int k = 0; k < n; k++) {
        scene s = render(first + (uint64_t)k);
        char name[32];
        snprintf(name, sizeof name, "train%d.tif", k);
        assert_int_equal(dac_stem_learner_add_image(l, s.img, NULL, name, s.truth, N_ATOMS), DAC_OK);
        dac_image_free(s.img);
    }
    dac_stem_model *m;
    assert_int_equal(dac_stem_learner_train(l, "clumps", &m), DAC_OK);
    dac_stem_learner_free(l);
    return m;
}

static dac_stem_model *shared_model;

static int setup(void **state)
{
    (void)state;
    shared_model = train(101, 3);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dac_stem_model_free(shared_model);
    return 0;
}

static void test_learned_beats_statistics_on_clumps(void **state)
{
    (void)state;
    scene s = render(999); /* not a training seed */
    double prec_stat, prec_model;
    double f_stat = count_f1(&s, NULL, &prec_stat), f_model = count_f1(&s, shared_model, &prec_model);
    print_message("held-out scene: statistical F1 %.3f (precision %.3f), learned %.3f (%.3f)\n",
                  f_stat, prec_stat, f_model, prec_model);
    /* The texture must fool the statistical test, or the comparison says nothing. */
    assert_true(prec_stat < 0.85);
    assert_true(f_model >= f_stat);
    assert_true(f_model >= 0.9);
    const dac_stem_model_info *in = dac_stem_model_get_info(shared_model);
    assert_int_equal(in->n_images, 3);
    assert_int_equal(in->n_labels, 3 * N_ATOMS);
    assert_true(in->label_coverage > 0.95);
    assert_true(in->decision_threshold > 0 && in->decision_threshold < 1);
    dac_image_free(s.img);
}

static char *model_text(const dac_stem_model *m, const char *path, size_t *len)
{
    assert_int_equal(dac_stem_model_write(m, path, NULL), DAC_OK);
    char *t = NULL;
    assert_int_equal(dac_read_file(path, 1u << 26, &t, len), DAC_OK);
    return t;
}

static void test_round_trip_same_bytes_same_atoms(void **state)
{
    (void)state;
    char a[] = "/tmp/dac_test_modelXXXXXX";
    int fd = mkstemp(a);
    assert_true(fd >= 0);
    close(fd);
    size_t n1, n2;
    char *t1 = model_text(shared_model, a, &n1);
    dac_stem_model *back;
    assert_int_equal(dac_stem_model_read(a, &back), DAC_OK);
    char *t2 = model_text(back, a, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(t1, t2, n1);
    scene s = render(998);
    assert_near(count_f1(&s, back, NULL), count_f1(&s, shared_model, NULL), 0);
    const dac_stem_model_info *in = dac_stem_model_get_info(back);
    assert_string_equal(in->name, "clumps");
    assert_near(in->decision_threshold, dac_stem_model_get_info(shared_model)->decision_threshold, 0);
    double share = 0;
    for (size_t k = 0; k < in->n_features; k++)
        share += dac_stem_model_feature_importance(back, k);
    assert_near(share, 1.0, 1e-9); /* shares of the total gain */
    assert_non_null(strstr(t1, "\"z_detect\""));
    free(t1), free(t2);
    dac_stem_model_free(back);
    dac_image_free(s.img);
    unlink(a);
}

static void test_training_is_deterministic(void **state)
{
    (void)state;
    dac_stem_model *again = train(101, 3);
    assert_int_equal(again->booster_len, shared_model->booster_len);
    assert_memory_equal(again->booster_json, shared_model->booster_json, again->booster_len);
    assert_near(again->decision_threshold, shared_model->decision_threshold, 0);
    dac_stem_model_free(again);
}

/* The shared model's text with one change made by edit, parsed: DAC_ERR_INPUT and a
 * message naming field. */
static void expect_bad(cJSON *(*edit)(cJSON *), const char *field)
{
    char path[] = "/tmp/dac_test_modelXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    size_t n;
    char *t = model_text(shared_model, path, &n);
    unlink(path);
    cJSON *j = edit(cJSON_Parse(t));
    char *bad = cJSON_PrintUnformatted(j);
    dac_stem_model *m = NULL;
    int st = count_model_parse(bad, strlen(bad), "bad.json", &m);
    if (st != DAC_ERR_INPUT || !strstr(dac_last_error(), field))
        print_error("expected an error naming '%s', got %d: %s\n", field, st, dac_last_error());
    assert_int_equal(st, DAC_ERR_INPUT);
    assert_null(m);
    assert_non_null(strstr(dac_last_error(), field));
    assert_non_null(strstr(dac_last_error(), "bad.json"));
    cJSON_Delete(j);
    free(bad), free(t);
}

static cJSON *drop_threshold(cJSON *j)
{
    cJSON_DeleteItemFromObject(j, "decision_threshold");
    return j;
}

static cJSON *threshold_too_big(cJSON *j)
{
    cJSON_ReplaceItemInObject(j, "decision_threshold", cJSON_CreateNumber(1.5));
    return j;
}

static cJSON *other_record(cJSON *j)
{
    cJSON_ReplaceItemInObject(j, "record", cJSON_CreateString("dac stem count summary"));
    return j;
}

static cJSON *renamed_feature(cJSON *j)
{
    cJSON *f = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "features"), 2);
    cJSON_ReplaceItemInObject(f, "name", cJSON_CreateString("brightness"));
    return j;
}

static cJSON *candidates_not_object(cJSON *j)
{
    cJSON_ReplaceItemInObject(j, "candidates", cJSON_CreateString("low"));
    return j;
}

static cJSON *booster_garbage(cJSON *j)
{
    cJSON_ReplaceItemInObject(j, "booster", cJSON_CreateString("{\"learner\": 5}"));
    return j;
}

/* A child index past the end of its tree: XGBoost would read outside the tree. */
static cJSON *booster_bad_child(cJSON *j)
{
    cJSON *b = cJSON_Parse(cJSON_GetObjectItem(j, "booster")->valuestring);
    cJSON *trees = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
        cJSON_GetObjectItem(b, "learner"), "gradient_booster"), "model"), "trees");
    cJSON *left = cJSON_GetObjectItem(cJSON_GetArrayItem(trees, 0), "left_children");
    cJSON_ReplaceItemInArray(left, 0, cJSON_CreateNumber(100000));
    char *text = cJSON_PrintUnformatted(b);
    cJSON_ReplaceItemInObject(j, "booster", cJSON_CreateString(text));
    free(text);
    cJSON_Delete(b);
    return j;
}

static cJSON *trees_count_wrong(cJSON *j)
{
    cJSON *t = cJSON_GetObjectItem(j, "trees");
    cJSON_ReplaceItemInObject(t, "n_trees", cJSON_CreateNumber(3));
    return j;
}

static void test_malformed_model_names_the_field(void **state)
{
    (void)state;
    expect_bad(drop_threshold, "decision_threshold");
    expect_bad(threshold_too_big, "decision_threshold");
    expect_bad(other_record, "record");
    expect_bad(renamed_feature, "features");
    expect_bad(candidates_not_object, "candidates");
    expect_bad(booster_garbage, "booster");
    expect_bad(booster_bad_child, "left_children");
    expect_bad(trees_count_wrong, "n_trees");
    dac_stem_model *m = NULL;
    assert_int_equal(count_model_parse("{\"record\": ", 11, "cut.json", &m), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "not valid JSON"));
    assert_int_equal(count_model_parse("[1, 2]", 6, "array.json", &m), DAC_ERR_INPUT);
    assert_int_equal(dac_stem_model_read("/nonexistent/model.json", &m), DAC_ERR_INPUT);
    assert_null(m);
}

static void test_builtin_and_learner_errors(void **state)
{
    (void)state;
    dac_stem_model *m = NULL;
    assert_int_equal(dac_stem_model_builtin("ptnc", &m), DAC_OK);
    const dac_stem_model_info *in = dac_stem_model_get_info(m);
    assert_string_equal(in->name, "ptnc");
    assert_int_equal(in->n_images, 11);
    assert_int_equal(in->n_labels, 481);
    dac_stem_model_free(m);
    assert_int_equal(dac_stem_model_builtin("ptco", &m), DAC_ERR_USAGE);
    assert_null(m);

    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    dac_stem_learn_options o;
    dac_stem_learn_options_default(&o);
    o.max_depth = 0;
    dac_stem_learner *l = NULL;
    assert_int_equal(dac_stem_learner_create(&p, &o, &l), DAC_ERR_USAGE);
    assert_non_null(strstr(dac_last_error(), "max_depth"));
    assert_int_equal(dac_stem_learner_create(&p, NULL, &l), DAC_OK);
    scene s = render(7);
    double outside[2] = {SIDE + 10, 5};
    assert_int_equal(dac_stem_learner_add_image(l, s.img, NULL, "a.tif", outside, 1), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "a.tif"));
    assert_int_equal(dac_stem_learner_add_image(l, s.img, NULL, "a.tif", s.truth, N_ATOMS), DAC_OK);
    assert_int_equal(dac_stem_learner_train(l, "one", &m), DAC_ERR_USAGE); /* one image */
    dac_stem_learner_free(l);
    /* Labels nowhere near any candidate: nothing to learn. */
    assert_int_equal(dac_stem_learner_create(&p, NULL, &l), DAC_OK);
    double corner[2] = {0, 0};
    assert_int_equal(dac_stem_learner_add_image(l, s.img, NULL, "a.tif", corner, 1), DAC_OK);
    assert_int_equal(dac_stem_learner_add_image(l, s.img, NULL, "b.tif", corner, 1), DAC_OK);
    assert_int_equal(dac_stem_learner_train(l, "none", &m), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "matches a label"));
    dac_stem_learner_free(l);
    dac_image_free(s.img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learned_beats_statistics_on_clumps),
        cmocka_unit_test(test_round_trip_same_bytes_same_atoms),
        cmocka_unit_test(test_training_is_deterministic),
        cmocka_unit_test(test_malformed_model_names_the_field),
        cmocka_unit_test(test_builtin_and_learner_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

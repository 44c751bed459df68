/*
 * test_counter.c — the counter object as a program uses it (dac/stem_count.h): the
 * whole result set written from an image, errors for calls out of order, and the
 * reentrancy the library promises: two images counted on two threads at once give the
 * same bytes as the same two counted one after the other.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dac_test.h"

#include "dac/stem.h"
#include "dac/stem_count.h"

/* A 256² image of a few Pt atoms (one 2.6 Å pair) on 20 Å carbon; seed picks where. */
static dac_image *render(uint64_t seed)
{
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.support_thickness_A = 20;
    o.dose_e_A2 = 1e6;
    dac_stem_sim *sim;
    assert_int_equal(dac_stem_sim_create(&o, 256, 256, &sim), DAC_OK);
    dac_rng r;
    dac_rng_seed(&r, seed);
    dac_stem_point p[9];
    double sigma = dac_stem_sigma_A2(&o, 78);
    for (int k = 0; k < 8; k++)
        p[k] = (dac_stem_point){20 + 216 * dac_rng_uniform(&r), 20 + 216 * dac_rng_uniform(&r), sigma};
    p[8] = (dac_stem_point){p[0].x_px + 13, p[0].y_px, sigma}; /* 2.6 Å from atom 0 */
    dac_image *img;
    assert_int_equal(dac_stem_sim_render_points(sim, p, 9, seed, &img), DAC_OK);
    dac_stem_sim_free(sim);
    return img;
}

typedef struct {
    const dac_image *img;
    const char *dir;
    int status;
} job;

static void *count_one(void *arg)
{
    job *j = arg;
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    dac_stem_counter *c;
    j->status = dac_stem_counter_create(&p, &c);
    if (j->status == DAC_OK)
        j->status = dac_stem_counter_add_image(c, j->img, NULL, "frame.tif");
    if (j->status == DAC_OK)
        j->status = dac_stem_counter_finish(c, 7);
    dac_provenance prov = {0, NULL, 1, 7, 0, NULL};
    if (j->status == DAC_OK)
        j->status = dac_stem_counter_write(c, j->dir, &prov);
    dac_stem_counter_free(c);
    return NULL;
}

static void test_two_threads_same_bytes_as_one_after_the_other(void **state)
{
    (void)state;
    dac_image *img[2] = {render(1), render(2)};
    char root[] = "/tmp/dac_test_counterXXXXXX";
    assert_non_null(mkdtemp(root));
    char dir[4][64];
    for (int k = 0; k < 4; k++)
        snprintf(dir[k], sizeof dir[k], "%s/%s%d", root, k < 2 ? "seq" : "par", k % 2);
    job seq[2] = {{img[0], dir[0], -1}, {img[1], dir[1], -1}};
    count_one(&seq[0]);
    count_one(&seq[1]);
    job par[2] = {{img[0], dir[2], -1}, {img[1], dir[3], -1}};
    pthread_t t[2];
    for (int k = 0; k < 2; k++)
        assert_int_equal(pthread_create(&t[k], NULL, count_one, &par[k]), 0);
    for (int k = 0; k < 2; k++)
        assert_int_equal(pthread_join(t[k], NULL), 0);
    const char *files[] = {"atoms.csv", "sites.csv", "summary.json", "overlay_frame.png",
                           "pair_hist.svg", "pair_hist.png", "pair_hist.gp"};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(seq[k].status, DAC_OK);
        assert_int_equal(par[k].status, DAC_OK);
        for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
            char a[400], b[400];
            snprintf(a, sizeof a, "%s/%s", dir[k], files[f]);
            snprintf(b, sizeof b, "%s/%s", dir[k + 2], files[f]);
            assert_true(dac_test_same_file(a, b));
        }
    }
    /* The two images differ, so their results must too (the test could fail). */
    char a[400], b[400];
    snprintf(a, sizeof a, "%s/atoms.csv", dir[0]);
    snprintf(b, sizeof b, "%s/atoms.csv", dir[1]);
    assert_false(dac_test_same_file(a, b));
    dac_image_free(img[0]);
    dac_image_free(img[1]);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

/* What the counter reports agrees with what it wrote, and the pair is found. */
static void test_results_and_order_of_calls(void **state)
{
    (void)state;
    dac_image *img = render(3);
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    dac_stem_counter *c;
    assert_int_equal(dac_stem_counter_create(&p, &c), DAC_OK);
    assert_int_equal(dac_stem_counter_finish(c, 1), DAC_ERR_USAGE); /* nothing added */
    assert_null(dac_stem_counter_stats(c));
    const char *bad[1] = {"Xx"};
    assert_int_equal(dac_stem_counter_set_elements(c, bad, 1), DAC_ERR_USAGE);
    assert_int_equal(dac_stem_counter_write(c, "/tmp/never", NULL), DAC_ERR_USAGE);
    assert_int_equal(dac_stem_counter_add_image(c, img, NULL, "a.tif"), DAC_OK);
    assert_int_equal(dac_stem_counter_finish(c, 1), DAC_OK);
    assert_int_equal(dac_stem_counter_add_image(c, img, NULL, "b.tif"), DAC_ERR_USAGE);
    const dac_stem_count_stats *s = dac_stem_counter_stats(c);
    assert_non_null(s);
    assert_int_equal(s->n_atoms, 9);
    assert_int_equal(s->n_pair, 1);
    size_t nb, ns;
    const dac_stem_blob *b = dac_stem_counter_blobs(c, &nb);
    const dac_stem_site *site = dac_stem_counter_sites(c, &ns);
    assert_int_equal(nb, 9);
    assert_int_equal(ns, 8);
    for (size_t i = 0; i < nb; i++)
        assert_true(b[i].site >= 0 && (size_t)b[i].site < ns);
    int pairs = 0;
    for (size_t k = 0; k < ns; k++)
        if (site[k].kind == DAC_SITE_PAIR) {
            pairs++;
            assert_true(fabs(site[k].distance_A - 2.6) < 0.1);
        } else {
            assert_true(isnan(site[k].distance_A)); /* only pairs have a distance */
        }
    assert_int_equal(pairs, 1);
    const dac_stem_count_image_info *in = dac_stem_counter_image(c, 0);
    assert_string_equal(in->name, "a.tif");
    assert_true(fabs(in->pixel_A - 0.2) < 1e-12); /* from the image's calibration */
    assert_null(dac_stem_counter_image(c, 1));
    dac_stem_counter_free(c);
    dac_image_free(img);
}

/* A pixel size of 0 in the parameters means "from the image"; an image without one
 * is then bad input naming the image. */
static void test_pixel_size_required(void **state)
{
    (void)state;
    dac_image *img = render(4);
    img->pixel_size_A[0] = img->pixel_size_A[1] = 0;
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    dac_stem_counter *c;
    assert_int_equal(dac_stem_counter_create(&p, &c), DAC_OK);
    assert_int_equal(dac_stem_counter_add_image(c, img, NULL, "nocal.tif"), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "nocal.tif"));
    dac_stem_counter_free(c);
    p.pixel_A = -1;
    assert_int_equal(dac_stem_counter_create(&p, &c), DAC_ERR_USAGE);
    dac_image_free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_threads_same_bytes_as_one_after_the_other),
        cmocka_unit_test(test_results_and_order_of_calls),
        cmocka_unit_test(test_pixel_size_required),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

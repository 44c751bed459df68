/*
 * test_count_threads.c — the counter's own threads (dac_stem_counter_set_threads,
 * dac_stem_counter_add_images): images counted in parallel and the Monte Carlo's
 * repetitions spread over a team give the same bytes in every output file as one
 * thread, and the same as adding the images one by one; a failing image in a batch
 * behaves as it would one by one (earlier images kept, its error returned, later ones
 * dropped), and warnings arrive in image order. Built without OpenMP every thread count
 * is one thread, and the comparisons still hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dac_test.h"

#include "dac/stem.h"
#include "dac/stem_count.h"

/* A 384² image of Pt atoms (pairs among them) on 20 Å carbon; seed picks where. */
static dac_image *render(uint64_t seed, int n)
{
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.support_thickness_A = 20;
    o.dose_e_A2 = 1e6;
    dac_stem_sim *sim;
    assert_int_equal(dac_stem_sim_create(&o, 384, 384, &sim), DAC_OK);
    dac_rng r;
    dac_rng_seed(&r, seed);
    dac_stem_point p[64];
    double sigma = dac_stem_sigma_A2(&o, 78);
    for (int k = 0; k < n; k += 2) {
        p[k] = (dac_stem_point){20 + 300 * dac_rng_uniform(&r), 20 + 344 * dac_rng_uniform(&r), sigma};
        p[k + 1] = (dac_stem_point){p[k].x_px + (k % 4 ? 13 : 40), p[k].y_px, sigma};
    }
    dac_image *img;
    assert_int_equal(dac_stem_sim_render_points(sim, p, (size_t)n, seed, &img), DAC_OK);
    dac_stem_sim_free(sim);
    return img;
}

enum { N_IMAGES = 5 };
static const char *names[N_IMAGES] = {"a.tif", "b.tif", "c.tif", "d.tif", "e.tif"};

/* Counts the images with `threads` threads (batch: one add_images call; else one
 * add_image per image) and writes the set into dir. */
static void count_into(dac_image **img, int threads, int batch, const char *dir)
{
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    dac_stem_counter *c;
    assert_int_equal(dac_stem_counter_create(&p, &c), DAC_OK);
    dac_stem_counter_set_threads(c, threads);
    if (batch) {
        assert_int_equal(dac_stem_counter_add_images(c, N_IMAGES, (const dac_image *const *)img,
                                                     NULL, names), DAC_OK);
    } else {
        for (int k = 0; k < N_IMAGES; k++)
            assert_int_equal(dac_stem_counter_add_image(c, img[k], NULL, names[k]), DAC_OK);
    }
    assert_int_equal(dac_stem_counter_finish(c, 42), DAC_OK);
    dac_provenance prov = {0, NULL, 1, 42, 0, NULL};
    assert_int_equal(dac_stem_counter_write(c, dir, &prov), DAC_OK);
    dac_stem_counter_free(c);
}

static void test_same_bytes_whatever_the_threads(void **state)
{
    (void)state;
    dac_image *img[N_IMAGES];
    for (int k = 0; k < N_IMAGES; k++)
        img[k] = render(100 + (uint64_t)k, 40);
    char root[] = "/tmp/dac_test_threadsXXXXXX";
    assert_non_null(mkdtemp(root));
    /* one thread one by one; one thread batch; 2 and 3 threads batch; 3 one by one. */
    static const int threads[] = {1, 1, 2, 3, 3};
    static const int batch[] = {0, 1, 1, 1, 0};
    char dir[5][64];
    for (int r = 0; r < 5; r++) {
        snprintf(dir[r], sizeof dir[r], "%s/run%d", root, r);
        count_into(img, threads[r], batch[r], dir[r]);
    }
    static const char *files[] = {"atoms.csv", "sites.csv", "summary.json", "pair_hist.csv",
                                  "pair_hist.gp", "pair_hist.svg", "overlay_a.png", "overlay_c.png", "overlay_e.png"};
    for (int r = 1; r < 5; r++)
        for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
            char a[200], b[200];
            snprintf(a, sizeof a, "%s/%s", dir[0], files[f]);
            snprintf(b, sizeof b, "%s/%s", dir[r], files[f]);
            if (!dac_test_same_file(a, b))
                fail_msg("%s differs between 1 thread and run %d (%d threads, %s)", files[f], r,
                         threads[r], batch[r] ? "batch" : "one by one");
        }
    /* The images differ, so their overlays must too (the comparison could fail). */
    char a[200], b[200];
    snprintf(a, sizeof a, "%s/overlay_a.png", dir[0]);
    snprintf(b, sizeof b, "%s/overlay_b.png", dir[0]);
    assert_false(dac_test_same_file(a, b));
    for (int k = 0; k < N_IMAGES; k++)
        dac_image_free(img[k]);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

/* Image 2 of 5 has a NaN pixel: images 0 and 1 stay added, the error names image 2,
 * 3 and 4 are not added, and the counter goes on as if added one by one. Warnings (a
 * mismatched pixel size: x and y differ) come back in image order. */
static void test_failure_and_warnings_in_order(void **state)
{
    (void)state;
    dac_image *img[N_IMAGES];
    for (int k = 0; k < N_IMAGES; k++) {
        img[k] = render(200 + (uint64_t)k, 20);
        img[k]->pixel_size_A[1] = img[k]->pixel_size_A[0] * (1.1 + 0.1 * k);
    }
    img[2]->pixels[1000] = NAN;
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    for (int threads = 1; threads <= 3; threads += 2) {
        dac_stem_counter *c;
        assert_int_equal(dac_stem_counter_create(&p, &c), DAC_OK);
        dac_stem_counter_set_threads(c, threads);
        dac_warnings_clear();
        dac_warn("before");
        int st = dac_stem_counter_add_images(c, N_IMAGES, (const dac_image *const *)img, NULL, names);
        assert_int_equal(st, DAC_ERR_INPUT);
        assert_non_null(strstr(dac_last_error(), "c.tif"));
        assert_non_null(strstr(dac_last_error(), "NaN"));
        assert_int_equal(dac_stem_counter_n_images(c), 2);
        /* "before", then a.tif's, b.tif's and c.tif's pixel-size warnings, in order. */
        assert_string_equal(dac_warning(0), "before");
        const char *order[] = {"a.tif", "b.tif", "c.tif"};
        size_t seen = 0;
        for (size_t i = 1; i < dac_warning_count(); i++)
            if (seen < 3 && strstr(dac_warning(i), order[seen]))
                seen++;
            else if (strstr(dac_warning(i), "d.tif") || strstr(dac_warning(i), "e.tif"))
                fail_msg("a warning of an image after the failure: %s", dac_warning(i));
        assert_int_equal(seen, 3);
        /* The counter is still usable: the last two images, then the statistics. */
        const dac_image *rest[2] = {img[3], img[4]};
        assert_int_equal(dac_stem_counter_add_images(c, 2, rest, NULL, names + 3), DAC_OK);
        assert_int_equal(dac_stem_counter_n_images(c), 4);
        assert_string_equal(dac_stem_counter_image(c, 2)->name, "d.tif");
        assert_int_equal(dac_stem_counter_finish(c, 1), DAC_OK);
        dac_stem_counter_free(c);
    }
    dac_warnings_clear();
    for (int k = 0; k < N_IMAGES; k++)
        dac_image_free(img[k]);
}

static void test_thread_count(void **state)
{
    (void)state;
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    dac_stem_counter *c;
    assert_int_equal(dac_stem_counter_create(&p, &c), DAC_OK);
    assert_true(dac_stem_counter_threads(c) >= 1);
    dac_stem_counter_set_threads(c, 3);
#ifdef _OPENMP
    assert_int_equal(dac_stem_counter_threads(c), 3);
#else
    assert_int_equal(dac_stem_counter_threads(c), 1);
#endif
    dac_stem_counter_set_threads(c, -4); /* ≤ 0: the default again */
    assert_true(dac_stem_counter_threads(c) >= 1);
    assert_int_equal(dac_stem_counter_add_images(c, 0, NULL, NULL, NULL), DAC_OK);
    assert_int_equal(dac_stem_counter_add_images(NULL, 1, NULL, NULL, NULL), DAC_ERR_USAGE);
    assert_int_equal(dac_stem_counter_add_images(c, 1, NULL, NULL, NULL), DAC_ERR_USAGE);
    const dac_image *none[1] = {NULL};
    assert_int_equal(dac_stem_counter_add_images(c, 1, none, NULL, NULL), DAC_ERR_USAGE);
    assert_int_equal(dac_stem_counter_n_images(c), 0);
    dac_stem_counter_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bytes_whatever_the_threads),
        cmocka_unit_test(test_failure_and_warnings_in_order),
        cmocka_unit_test(test_thread_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

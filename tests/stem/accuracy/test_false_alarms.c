/*
 * test_false_alarms.c — does the stated false-alarm rate hold (issue 10)?
 *
 * Atom-free frames of the simulator's amorphous carbon (dac/stem.h: a slab of σ_C ·
 * n_C · t(r), t with 10 % rms roughness over 5 Å, shot noise at the dose), 4–40 Å
 * thick, 2·10⁵–3·10⁶ e⁻/Å² (log-uniform), 0.12–0.30 Å pixels, every third frame with a
 * flat slab (white shot noise only). Every detection is false by construction. The
 * bar: the detections per nm² of searched support, pooled over the frames, within 2×
 * of the stated rate (the default, 0.01 per nm²). Before issue 10 the Gaussian
 * threshold let through 0.02–0.03 per nm² against a stated 0.001 (20–30×).
 *
 * And where the rate cannot be honoured the summary must say so: a frame of explicit,
 * randomly placed carbon atoms (projected density n_C·t, no hard core: clumpier than the
 * slab, as real amorphous carbon is at the atomic scale) has texture that a threshold
 * on the noise does not control; its summary.json must report honoured = false and the
 * expected rate above the stated one.
 *
 * DAC_ACCURACY_VERBOSE=1 prints every frame. Under sanitizers (10–20× slower) two
 * frames: every path runs, the rate is not asserted (too few expected events).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "dac_test.h"

#include "dac/core.h"
#include "dac/image.h"
#include "dac/stem.h"
#include "dac/stem_count.h"

#define FRAME_PX 768

static double log_uniform(dac_rng *r, double lo, double hi)
{
    return exp(log(lo) + dac_rng_uniform(r) * (log(hi) - log(lo)));
}

/* One atom-free frame; its conditions drawn from seed. */
static dac_image *carbon_frame(uint64_t seed, int flat, double *pixel_A, double *dose, double *t_A)
{
    dac_rng r;
    dac_rng_seed(&r, seed);
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.pixel_A = *pixel_A = 0.12 + 0.18 * dac_rng_uniform(&r);
    o.dose_e_A2 = *dose = log_uniform(&r, 2e5, 3e6);
    o.support_thickness_A = *t_A = 4 + 36 * dac_rng_uniform(&r);
    if (flat)
        o.support_roughness = 0;
    dac_stem_sim *sim;
    assert_int_equal(dac_stem_sim_create(&o, FRAME_PX, FRAME_PX, &sim), DAC_OK);
    dac_image *img;
    assert_int_equal(dac_stem_sim_render_points(sim, NULL, 0, seed, &img), DAC_OK);
    dac_stem_sim_free(sim);
    return img;
}

/* A counter with the defaults (as `dac stem count` without options) holding img. */
static dac_stem_counter *counter_of(const dac_image *img, const char *name)
{
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    dac_stem_counter *c;
    assert_int_equal(dac_stem_counter_create(&p, &c), DAC_OK);
    dac_stem_counter_set_overlays(c, 0);
    assert_int_equal(dac_stem_counter_add_image(c, img, NULL, name), DAC_OK);
    return c;
}

/* Detections and searched area of one frame counted with the defaults. */
static void count_frame(const dac_image *img, size_t *n, double *area_nm2)
{
    dac_stem_counter *c = counter_of(img, "carbon");
    *n = dac_stem_counter_image(c, 0)->n_blobs;
    *area_nm2 = dac_stem_counter_image(c, 0)->support_area_nm2;
    dac_stem_counter_free(c);
}

static void test_rate_holds_on_atom_free_carbon(void **state)
{
    (void)state;
    int frames = DAC_TEST_SANITIZED ? 2 : 9;
    size_t total = 0;
    double area = 0;
    for (int k = 0; k < frames; k++) {
        double px, dose, t;
        dac_image *img = carbon_frame(7000 + (uint64_t)k, k % 3 == 2, &px, &dose, &t);
        size_t n;
        double a;
        count_frame(img, &n, &a);
        total += n, area += a;
        if (getenv("DAC_ACCURACY_VERBOSE"))
            fprintf(stderr, "frame %d: px %.3f Å dose %.2g t %.1f Å%s: %zu false in %.0f nm²\n", k, px, dose,
                    t, k % 3 == 2 ? " flat" : "", n, a);
        dac_image_free(img);
    }
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    double expected = p.false_alarms_per_nm2 * area, ratio = (double)total / expected;
    if (getenv("DAC_ACCURACY_VERBOSE"))
        fprintf(stderr, "%zu false detections in %.0f nm²: %.4f per nm², stated %.4f (%.2f×; %.1f expected)\n",
                total, area, (double)total / area, p.false_alarms_per_nm2, ratio, expected);
    if (!DAC_TEST_SANITIZED) {
        assert_true(expected >= 15); /* enough area for the bar to mean something */
        assert_true(ratio >= 0.5 && ratio <= 2.0);
    }
}

/* Randomly placed carbon atoms, n_C·t per Å² (2.0 g/cm³): atomic-scale texture. */
static dac_image *atomic_carbon_frame(uint64_t seed)
{
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.dose_e_A2 = 1e6;
    dac_stem_sim *sim;
    assert_int_equal(dac_stem_sim_create(&o, 512, 512, &sim), DAC_OK);
    dac_rng r;
    dac_rng_seed(&r, seed);
    double n_C = 2.0 * DAC_NA_PER_MOL / 12.011 * 1e-24, side = 512 * o.pixel_A; /* per Å³ */
    size_t n = (size_t)dac_rng_poisson(&r, n_C * 20.0 * side * side);
    dac_stem_point *pt = malloc(sizeof *pt * n);
    double sc = dac_stem_sigma_A2(&o, 6);
    for (size_t i = 0; i < n; i++)
        pt[i] = (dac_stem_point){dac_rng_uniform(&r) * 512 - 0.5, dac_rng_uniform(&r) * 512 - 0.5, sc};
    dac_image *img;
    assert_int_equal(dac_stem_sim_render_points(sim, pt, n, seed, &img), DAC_OK);
    free(pt);
    dac_stem_sim_free(sim);
    return img;
}

static void test_summary_says_which_rate_holds(void **state)
{
    (void)state;
    dac_image *img = atomic_carbon_frame(77);
    dac_stem_counter *c = counter_of(img, "atomic_carbon");
    dac_stem_count_params p; /* the stated rate the counter used */
    dac_stem_count_params_default(&p);
    assert_int_equal(dac_stem_counter_finish(c, 1), DAC_OK);
    char dir[] = "/tmp/dac_test_faXXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    dac_provenance prov = {0, NULL, 1, 1, 0, NULL};
    assert_int_equal(dac_stem_counter_write(c, dir, &prov), DAC_OK);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    size_t len;
    char *text = dac_test_slurp(path, &len);
    assert_non_null(text);
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    cJSON *im = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "images"), 0);
    cJSON *fa = cJSON_GetObjectItem(im, "false_alarms");
    cJSON *e = cJSON_GetObjectItem(fa, "expected_per_nm2"), *h = cJSON_GetObjectItem(fa, "honoured");
    if (getenv("DAC_ACCURACY_VERBOSE"))
        fprintf(stderr, "atomic carbon: %zu detections, expected %.4f per nm² (stated %.4f), honoured %s\n",
                dac_stem_counter_image(c, 0)->n_blobs, cJSON_IsNumber(e) ? e->valuedouble : NAN,
                p.false_alarms_per_nm2, cJSON_IsTrue(h) ? "yes" : "no");
    assert_true(cJSON_IsNumber(e) && e->valuedouble > 2 * p.false_alarms_per_nm2);
    assert_true(cJSON_IsFalse(h));
    cJSON *top = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "false_alarms"), "honoured");
    assert_true(cJSON_IsFalse(top));
    cJSON_Delete(j);
    free(text);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    dac_stem_counter_free(c);
    dac_image_free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_holds_on_atom_free_carbon),
        cmocka_unit_test(test_summary_says_which_rate_holds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_count_score.c — the scorer (one-to-one matching), the point readers, site
 * grouping and the blob-size mixture.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dac/core.h"
#include "stem/count/count_internal.h"

static void test_matching_is_optimal_not_greedy(void **state)
{
    (void)state;
    /* Greedy nearest-first would match d0–t1 (distance 1) and leave d1 and t0 apart
     * (distance 4.4 > 2); the optimum matches d0–t0 (1.5) and d1–t1 (1.9). */
    double det[] = {0, 0, 2.9, 0};
    double tru[] = {-1.5, 0, 1, 0};
    dac_stem_score_result r;
    long match[2];
    assert_int_equal(dac_stem_score(det, 2, tru, 2, 2.0, &r, match), DAC_OK);
    assert_int_equal(r.n_matched, 2);
    assert_int_equal(match[0], 0);
    assert_int_equal(match[1], 1);
    assert_true(fabs(r.f1 - 1) < 1e-12);
    /* Empty detections: precision defined as 0 when there is truth, F1 = 0. */
    assert_int_equal(dac_stem_score(NULL, 0, tru, 2, 2.0, &r, NULL), DAC_OK);
    assert_true(r.recall == 0 && r.f1 == 0);
}

static void test_readers_accept_all_three_formats(void **state)
{
    (void)state;
    char p1[] = "/tmp/dac_score_XXXXXX";
    int fd = mkstemp(p1);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, " ,X,Y\n1,152,351\n2,174,332\n");
    fclose(f);
    double *xy;
    size_t n;
    assert_int_equal(dac_stem_points_read(p1, 0, &xy, &n), DAC_OK);
    assert_int_equal(n, 2);
    assert_true(xy[0] == 152 && xy[1] == 351 && xy[3] == 332);
    free(xy);
    f = fopen(p1, "w");
    fprintf(f, "x_A,y_A,element\n1.0,2.0,Pt\n");
    fclose(f);
    assert_int_equal(dac_stem_points_read(p1, 0, &xy, &n), DAC_ERR_INPUT); /* needs pixel */
    assert_int_equal(dac_stem_points_read(p1, 0.5, &xy, &n), DAC_OK);
    /* The project's convention x_A = (x_px + 0.5)·pixel (docs/stem-count.md, atoms.csv,
     * `dac stem simulate` truth): 1.0 Å at 0.5 Å/px is pixel 1.5, not 2. */
    assert_true(n == 1 && xy[0] == 1.5 && xy[1] == 3.5);
    free(xy);
    /* The same point given in pixels and in Å reads to the same pixel position. */
    f = fopen(p1, "w");
    fprintf(f, "x_px,y_px\n7.25,3\n");
    fclose(f);
    double *xp;
    assert_int_equal(dac_stem_points_read(p1, 0, &xp, &n), DAC_OK);
    f = fopen(p1, "w");
    fprintf(f, "x_A,y_A\n%.6f,%.6f\n", (7.25 + 0.5) * 0.4, (3 + 0.5) * 0.4);
    fclose(f);
    assert_int_equal(dac_stem_points_read(p1, 0.4, &xy, &n), DAC_OK);
    assert_true(fabs(xy[0] - xp[0]) < 1e-6 && fabs(xy[1] - xp[1]) < 1e-6);
    free(xy);
    free(xp);
    f = fopen(p1, "w");
    fprintf(f, "x_px,y_px\n1.5,oops\n");
    fclose(f);
    assert_int_equal(dac_stem_points_read(p1, 0, &xy, &n), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), ":2:"));
    remove(p1);
}

static void test_sites_from_atom_counts(void **state)
{
    (void)state;
    /* pixel 0.5 Å, pair_max 3.5 Å = 7 px: (0,0)+(5,0) pair; (100,0) single; a merged
     * blob of 2 atoms at (200,0) is a pair; three in a row at (300..312) a cluster. */
    dac_stem_blob b[7] = {{0}};
    double x[7] = {0, 5, 100, 200, 300, 306, 312};
    int na[7] = {1, 1, 1, 2, 1, 1, 1};
    for (int i = 0; i < 7; i++)
        b[i].x_px = x[i], b[i].n_atoms = na[i], b[i].intensity = na[i];
    dac_stem_site *s;
    size_t ns;
    assert_int_equal(count_sites(b, 7, 0.5, 3.5, 10, &s, &ns), DAC_OK);
    assert_int_equal(ns, 4);
    assert_int_equal(b[0].site, b[1].site);
    assert_int_equal(s[b[0].site - 10].kind, DAC_SITE_PAIR);
    assert_true(fabs(s[b[0].site - 10].distance_A - 2.5) < 1e-9);
    assert_int_equal(s[b[2].site - 10].kind, DAC_SITE_SINGLE);
    assert_int_equal(s[b[3].site - 10].kind, DAC_SITE_PAIR);
    assert_true(isnan(s[b[3].site - 10].distance_A)); /* unresolved: no distance */
    assert_int_equal(s[b[5].site - 10].kind, DAC_SITE_CLUSTER);
    assert_int_equal(s[b[5].site - 10].n_atoms, 3);
    free(s);
}

static void test_mixture_counts_doubles(void **state)
{
    (void)state;
    /* 80 singles at 100 ± 8, 20 doubles at 200 ± 11 (variance ∝ atoms). */
    dac_rng rng;
    dac_rng_seed(&rng, 9);
    dac_stem_blob b[100] = {{0}};
    for (int i = 0; i < 100; i++) {
        int m = i < 80 ? 1 : 2;
        b[i].intensity = 100.0 * m + 8.0 * sqrt((double)m) * dac_rng_normal(&rng);
    }
    double pt = 85.7;
    count_mixture mix;
    assert_int_equal(count_classify(b, 100, 3, &pt, 1, &mix), DAC_OK);
    assert_true(fabs(mix.unit_intensity - 100) < 3);
    int wrong = 0;
    for (int i = 0; i < 100; i++)
        wrong += b[i].n_atoms != (i < 80 ? 1 : 2);
    assert_true(wrong <= 1);
    /* Two elements with σ ratio 2.1 (Ru/Zn, docs/science.md §3): separable. Co/Ni (1.07):
     * not, and the mixture says so. Single atoms only (max 1 atom per blob): a merged
     * Zn–Zn blob (2 × 14.2) cannot be told from one Ru (29.7) by intensity at all. */
    for (int i = 0; i < 100; i++)
        b[i].intensity = (i < 50 ? 14.2 : 29.7) * (1 + 0.05 * dac_rng_normal(&rng));
    double znru[2] = {14.2, 29.7}, coni[2] = {11.7, 12.5};
    assert_int_equal(count_classify(b, 100, 1, znru, 2, &mix), DAC_OK);
    assert_true(mix.elements_separable);
    int ok = 0;
    for (int i = 0; i < 100; i++)
        ok += b[i].element == (i < 50 ? 0 : 1);
    assert_true(ok >= 95);
    for (int i = 0; i < 100; i++)
        b[i].intensity = (i < 50 ? 11.7 : 12.5) * (1 + 0.08 * dac_rng_normal(&rng));
    assert_int_equal(count_classify(b, 100, 1, coni, 2, &mix), DAC_OK);
    assert_false(mix.elements_separable);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matching_is_optimal_not_greedy),
        cmocka_unit_test(test_readers_accept_all_three_formats),
        cmocka_unit_test(test_sites_from_atom_counts),
        cmocka_unit_test(test_mixture_counts_doubles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_count_hist.c — the bins of the pair-distance histogram (src/stem/count/hist.c):
 * the Freedman–Diaconis width h = 2·IQR·n^(−1/3) (Freedman & Diaconis 1981), its floor
 * at the distance precision and its fallback for too few distances, the rounding to
 * readable widths, the range; and, counted end to end, that summary.json's bins,
 * pair_hist.csv and the distances in sites.csv agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dac_test.h"

#include "dac/stem.h"
#include "stem/count/count_internal.h"

static void test_nice_ceil(void **state)
{
    (void)state;
    assert_near(count_nice_ceil(0.1), 0.1, 1e-15);
    assert_near(count_nice_ceil(0.11), 0.15, 1e-15);
    assert_near(count_nice_ceil(0.38), 0.4, 1e-15);
    assert_near(count_nice_ceil(0.7), 0.8, 1e-15);
    assert_near(count_nice_ceil(0.81), 1.0, 1e-15);
    assert_near(count_nice_ceil(2.2), 2.5, 1e-15);
    assert_true(isnan(count_nice_ceil(0)));
    assert_true(isnan(count_nice_ceil(-1)));
}

/* Both directions of the one rule: up to the next 1, 2 or 5 × 10^k (the y ticks), down
 * to the last one (the scale bar); a nice value stays itself, a decade is crossed. */
static void test_nice_both_ways(void **state)
{
    (void)state;
    static const double up[] = {1, 2, 5, 10}, down[] = {1, 2, 5};
    assert_near(count_nice(3.0, up, 4, 1), 5.0, 1e-15);
    assert_near(count_nice(5.0, up, 4, 1), 5.0, 1e-15);
    assert_near(count_nice(5.5, up, 4, 1), 10.0, 1e-15);
    assert_near(count_nice(0.021, up, 4, 1), 0.05, 1e-15);
    assert_near(count_nice(3.0, down, 3, 0), 2.0, 1e-15);
    assert_near(count_nice(9.9, down, 3, 0), 5.0, 1e-15);
    assert_near(count_nice(20.48, down, 3, 0), 20.0, 1e-15);
    assert_near(count_nice(0.99, down, 3, 0), 0.5, 1e-15);
    assert_true(isnan(count_nice(NAN, up, 4, 1)) && isnan(count_nice(0, down, 3, 0)));
}

/* 1000 distances evenly over [2, 3]: IQR = 0.5 (quartiles 2.25, 2.75), so h = 2·0.5/10
 * = 0.1 Å; bins from 0 to the first edge above the largest (2.9995 Å: 30 bins of 0.1),
 * 100 in each bin over 2–3 Å, their sum n. */
static void test_freedman_diaconis_width(void **state)
{
    (void)state;
    enum { N = 1000 };
    double d[N];
    for (int i = 0; i < N; i++)
        d[i] = 2.0 + (i + 0.5) / N;
    assert_near(count_fd_bin_width(d, N), 2 * 0.5 / 10, 1e-3);
    dac_stem_count_stats s;
    memset(&s, 0, sizeof s);
    count_pair_histogram(d, N, 0.01, &s);
    assert_near(s.hist_bin_width_A, 0.1, 1e-12);
    assert_int_equal(s.n_hist_bins, 30);
    assert_near(s.hist_edges_A[0], 0, 0);
    assert_near(s.hist_edges_A[30], 3.0, 1e-12);
    size_t sum = 0;
    for (size_t b = 0; b < s.n_hist_bins; b++)
        sum += s.hist[b];
    assert_int_equal(sum, N);
    assert_int_equal(s.hist[19], 0);   /* 1.9–2.0 */
    assert_int_equal(s.hist[25], 100); /* 2.5–2.6 */
    /* Eight times the data: the width halves (n^(−1/3)). */
    double *big = malloc(sizeof *big * 8 * N);
    assert_non_null(big);
    for (int i = 0; i < 8 * N; i++)
        big[i] = 2.0 + (i + 0.5) / (8 * N);
    assert_near(count_fd_bin_width(big, 8 * N), 0.05, 1e-3);
    free(big);
}

/* The floors: a width below the precision of a distance is raised to it (then rounded);
 * fewer than 4 distances, or no spread between the quartiles, give 0.25 Å. */
static void test_width_floors(void **state)
{
    (void)state;
    enum { N = 1000 };
    double d[N];
    for (int i = 0; i < N; i++)
        d[i] = 2.0 + (i + 0.5) / N;
    dac_stem_count_stats s;
    count_pair_histogram(d, N, 0.27, &s); /* precision 0.27 Å > FD 0.1 Å */
    assert_near(s.hist_bin_width_A, 0.3, 1e-12);
    assert_near(s.hist_precision_A, 0.27, 0);
    double three[3] = {2.4, 2.6, 3.1};
    assert_true(isnan(count_fd_bin_width(three, 3)));
    count_pair_histogram(three, 3, NAN, &s);
    assert_near(s.hist_bin_width_A, 0.25, 0);
    assert_true(isnan(s.hist_precision_A));
    assert_int_equal(s.n_hist_bins, 13); /* 0 … 3.25 Å holds 3.1 */
    assert_int_equal(s.hist[9] + s.hist[10] + s.hist[12], 3);
    double same[6] = {2.5, 2.5, 2.5, 2.5, 2.5, 2.5};
    assert_true(isnan(count_fd_bin_width(same, 6)));
    count_pair_histogram(same, 6, 0.01, &s);
    assert_near(s.hist_bin_width_A, 0.25, 0);
    assert_int_equal(s.hist[10], 6); /* 2.5 sits on an edge: the bin above it */
    /* No distance at all: one empty bin. */
    count_pair_histogram(NULL, 0, NAN, &s);
    assert_int_equal(s.n_hist_bins, 1);
    assert_int_equal(s.hist[0], 0);
}

/* Very precise, very many distances: the bins would be more than the cap, so the width
 * grows to keep at most DAC_STEM_HIST_MAX_BINS. */
static void test_bin_cap(void **state)
{
    (void)state;
    enum { N = 1000000 }; /* FD: 0.034 Å, rounded 0.04: 85 bins over 3.4 Å */
    double *d = malloc(sizeof *d * N);
    assert_non_null(d);
    for (int i = 0; i < N; i++)
        d[i] = 3.4 * (i + 0.5) / N;
    dac_stem_count_stats s;
    count_pair_histogram(d, N, 0.001, &s);
    assert_true(s.n_hist_bins <= DAC_STEM_HIST_MAX_BINS);
    assert_true(s.n_hist_bins > DAC_STEM_HIST_MAX_BINS / 2);
    assert_near(s.hist_bin_width_A, 0.06, 1e-12); /* 3.4/63 = 0.054, rounded */
    assert_true(s.hist_edges_A[s.n_hist_bins] > 3.4 - 1e-9);
    size_t sum = 0;
    for (size_t b = 0; b < s.n_hist_bins; b++)
        sum += s.hist[b];
    assert_int_equal(sum, N);
    free(d);
}

/* A frame of many 2.6 Å pairs at random tilt: summary.json's bins hold exactly the
 * distances of sites.csv (binned here again with its edges), pair_hist.csv holds the
 * same counts at the bin centres, and the width is the rule's for those distances. */
static void test_summary_sites_and_figure_agree(void **state)
{
    (void)state;
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.support_thickness_A = 20;
    o.dose_e_A2 = 1e6;
    dac_stem_sim *sim;
    assert_int_equal(dac_stem_sim_create(&o, 512, 512, &sim), DAC_OK);
    dac_rng r;
    dac_rng_seed(&r, 11);
    enum { PAIRS = 40 };
    dac_stem_point p[2 * PAIRS];
    double sigma = dac_stem_sigma_A2(&o, 78), step = 64;
    for (int k = 0; k < PAIRS; k++) {
        double cx = step * (1 + k % 7), cy = step * (1 + k / 7), th = 2 * DAC_PI * dac_rng_uniform(&r);
        double half = 0.5 * 2.6 / o.pixel_A * (0.8 + 0.2 * dac_rng_uniform(&r));
        p[2 * k] = (dac_stem_point){cx - half * cos(th), cy - half * sin(th), sigma};
        p[2 * k + 1] = (dac_stem_point){cx + half * cos(th), cy + half * sin(th), sigma};
    }
    dac_image *img;
    assert_int_equal(dac_stem_sim_render_points(sim, p, 2 * PAIRS, 3, &img), DAC_OK);
    dac_stem_sim_free(sim);
    dac_stem_count_params par;
    dac_stem_count_params_default(&par);
    dac_stem_counter *c;
    assert_int_equal(dac_stem_counter_create(&par, &c), DAC_OK);
    dac_stem_counter_set_overlays(c, 0);
    assert_int_equal(dac_stem_counter_add_image(c, img, NULL, "pairs.tif"), DAC_OK);
    assert_int_equal(dac_stem_counter_finish(c, 1), DAC_OK);
    const dac_stem_count_stats *s = dac_stem_counter_stats(c);
    size_t ns;
    const dac_stem_site *site = dac_stem_counter_sites(c, &ns);
    double d[2 * PAIRS];
    size_t n = 0;
    for (size_t j = 0; j < ns; j++)
        if (site[j].kind == DAC_SITE_PAIR && site[j].distance_A > 0)
            d[n++] = site[j].distance_A;
    assert_true(n >= PAIRS / 2);
    assert_int_equal(s->n_pair_distances, n);
    double fd = count_fd_bin_width(d, n);
    double want = count_nice_ceil(fmax(fd, s->hist_precision_A));
    assert_near(s->hist_bin_width_A, want, 1e-12);
    assert_true(s->hist_precision_A > 0 && s->hist_precision_A < 0.2);
    size_t again[DAC_STEM_HIST_MAX_BINS] = {0};
    for (size_t i = 0; i < n; i++) {
        size_t b = (size_t)(d[i] / s->hist_bin_width_A);
        again[b < s->n_hist_bins ? b : s->n_hist_bins - 1]++;
    }
    for (size_t b = 0; b < s->n_hist_bins; b++)
        assert_int_equal(again[b], s->hist[b]);
    char dir[] = "/tmp/dac_test_histXXXXXX", path[128];
    assert_non_null(mkdtemp(dir));
    assert_int_equal(dac_stem_counter_write(c, dir, NULL), DAC_OK);
    snprintf(path, sizeof path, "%s/pair_hist.csv", dir);
    size_t len;
    char *csv = dac_test_slurp(path, &len);
    assert_non_null(csv);
    size_t rows = 0;
    for (const char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        double centre, count;
        assert_int_equal(sscanf(line + 1, "%lf,%lf", &centre, &count), 2);
        assert_near(centre, ((double)rows + 0.5) * s->hist_bin_width_A, 1e-9);
        assert_near(count, (double)s->hist[rows], 0);
        rows++;
    }
    assert_int_equal(rows, s->n_hist_bins);
    free(csv);
    dac_stem_counter_free(c);
    dac_image_free(img);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nice_ceil),
        cmocka_unit_test(test_nice_both_ways),
        cmocka_unit_test(test_freedman_diaconis_width),
        cmocka_unit_test(test_width_floors),
        cmocka_unit_test(test_bin_cap),
        cmocka_unit_test(test_summary_sites_and_figure_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

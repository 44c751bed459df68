/*
 * bench/stem_learn.c — how fast is the learned detector: simulated SIZE² frames of Pt
 * atoms and bright support clumps (the texture of tests/stem/test_count_learn.c) on
 * 20 Å of carbon; N frames are labelled and trained on (candidates, features, the
 * leave-one-image-out choices, the final trees), then one more frame is counted with
 * the model, beside the statistical detector on the same frame. Prints frames and
 * candidates per second for training, megapixels per second for counting.
 * Usage: stem_learn [SIZE [N_FRAMES]]   (defaults 512, 4)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dac/core.h"
#include "dac/stem.h"
#include "dac/stem_count.h"
#include "bench_time.h"

/* One atom per 40 Å², one clump (12 light scatterers over σ 1 Å) per 80 Å². */
static int render(size_t side, uint64_t seed, dac_image **img, double **truth, size_t *n_truth)
{
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.support_thickness_A = 20;
    dac_stem_sim *sim;
    int st = dac_stem_sim_create(&o, side, side, &sim);
    if (st != DAC_OK)
        return st;
    double area = (double)(side * side) * 0.04, pt = dac_stem_sigma_A2(&o, 78);
    size_t na = (size_t)(area / 400), nc = (size_t)(area / 800);
    dac_stem_point *p = malloc(sizeof *p * (na + 12 * nc));
    *truth = malloc(sizeof **truth * 2 * na);
    dac_rng r;
    dac_rng_seed(&r, seed);
    size_t n = 0;
    for (size_t k = 0; p && *truth && k < na + nc; k++) {
        double x = 16 + (double)(side - 32) * dac_rng_uniform(&r);
        double y = 16 + (double)(side - 32) * dac_rng_uniform(&r);
        if (k < na) {
            p[n++] = (dac_stem_point){x, y, pt};
            (*truth)[2 * k] = x, (*truth)[2 * k + 1] = y;
            continue;
        }
        for (int q = 0; q < 12; q++)
            p[n++] = (dac_stem_point){x + 5 * dac_rng_normal(&r), y + 5 * dac_rng_normal(&r),
                                      pt * (1 + dac_rng_uniform(&r)) / 12};
    }
    st = p && *truth ? dac_stem_sim_render_points(sim, p, n, seed, img) : DAC_ERR_NOMEM;
    *n_truth = na;
    free(p);
    dac_stem_sim_free(sim);
    return st;
}

static int count(const dac_image *img, const dac_stem_model *m, const double *truth, size_t nt,
                 double *f1)
{
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    dac_stem_counter *c;
    int st = dac_stem_counter_create(&p, &c);
    dac_stem_counter_set_overlays(c, 0);
    if (st == DAC_OK && m)
        st = dac_stem_counter_set_model(c, m);
    if (st == DAC_OK)
        st = dac_stem_counter_add_image(c, img, NULL, "frame");
    size_t nb = 0;
    const dac_stem_blob *b = st == DAC_OK ? dac_stem_counter_blobs(c, &nb) : NULL;
    double *xy = malloc(sizeof *xy * 2 * (nb + 1));
    for (size_t i = 0; xy && i < nb; i++)
        xy[2 * i] = b[i].x_px, xy[2 * i + 1] = b[i].y_px;
    dac_stem_score_result r;
    if (st == DAC_OK)
        st = dac_stem_score(xy, nb, truth, nt, 1.5 / 0.2, &r, NULL);
    *f1 = st == DAC_OK ? r.f1 : NAN;
    free(xy);
    dac_stem_counter_free(c);
    return st;
}

int main(int argc, char **argv)
{
    size_t side = argc > 1 ? (size_t)atol(argv[1]) : 512;
    int frames = argc > 2 ? atoi(argv[2]) : 4;
    if (side < 128 || frames < 2) {
        fprintf(stderr, "usage: stem_learn [SIZE>=128 [N_FRAMES>=2]]\n");
        return 2;
    }
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    dac_stem_learner *l;
    int st = dac_stem_learner_create(&p, NULL, &l);
    double t_add = 0;
    for (int k = 0; st == DAC_OK && k < frames; k++) {
        dac_image *img = NULL;
        double *truth = NULL;
        size_t nt = 0;
        st = render(side, 100 + (uint64_t)k, &img, &truth, &nt);
        double t0 = bench_wall_s();
        if (st == DAC_OK)
            st = dac_stem_learner_add_image(l, img, NULL, "frame", truth, nt);
        t_add += bench_wall_s() - t0;
        dac_image_free(img);
        free(truth);
    }
    double t0 = bench_wall_s();
    dac_stem_model *m = NULL;
    if (st == DAC_OK)
        st = dac_stem_learner_train(l, "bench", &m);
    double t_train = bench_wall_s() - t0;
    dac_image *img = NULL;
    double *truth = NULL, f_model = NAN, f_stat = NAN;
    size_t nt = 0;
    if (st == DAC_OK)
        st = render(side, 999, &img, &truth, &nt);
    t0 = bench_wall_s();
    if (st == DAC_OK)
        st = count(img, m, truth, nt, &f_model);
    double t_model = bench_wall_s() - t0;
    t0 = bench_wall_s();
    if (st == DAC_OK)
        st = count(img, NULL, truth, nt, &f_stat);
    double t_stat = bench_wall_s() - t0;
    if (st != DAC_OK) {
        fprintf(stderr, "stem_learn: %s\n", dac_last_error());
        return 1;
    }
    const dac_stem_model_info *in = dac_stem_model_get_info(m);
    double mp = (double)(side * side) / 1e6;
    printf("learn: %d frames %zux%zu, %zu candidates: features %.2f s (%.0f candidates/s), "
           "training %.2f s (%zu trees chosen)\n", frames, side, side, in->n_candidates, t_add,
           (double)in->n_candidates / t_add, t_train, in->n_trees);
    printf("count one frame: learned %.3f s (%.1f MP/s, F1 %.3f), statistical %.3f s "
           "(%.1f MP/s, F1 %.3f)\n", t_model, mp / t_model, f_model, t_stat, mp / t_stat, f_stat);
    dac_image_free(img);
    free(truth);
    dac_stem_model_free(m);
    dac_stem_learner_free(l);
    return 0;
}

/*
 * learn.c — training the learned detector on a lab's own labelled images.
 *
 * Each image gives candidates (features.c) and a label per candidate: 1 when it is
 * matched to a hand label by the scorer's one-to-one matching within
 * match_distance_A (dac_stem_score: the most matches, then the least total distance),
 * else 0. So a second candidate beside a labelled atom is a negative, as the scorer
 * would count it: the model learns which of two close maxima a labeller marks.
 *
 * Three choices are made from the data, all by leave-one-image-out over the training
 * images only (so a cross-validation outside, holding out whole images, stays
 * honest): the number of trees, among max_trees/8, /4, /2 and max_trees; the merge
 * distance (MERGE_A: detections closer than it become one, count_merge_groups); and
 * the decision threshold. Every image is predicted by trees trained on the others, and
 * the triple with the best pooled F1 of those predictions is kept — pooled as the
 * scorer pools images (matches, detections and labels summed), the threshold at the
 * middle of the widest run of thresholds that reach it (a step function: any point of
 * the run scores the same on these images, the middle is furthest from both edges).
 * The trees may only rise with the features marked monotone (features.c): with a few
 * thousand rows, a prior that more atom-scale signal is never less evidence of an atom
 * keeps them from learning the noise of the training frames. The final model is
 * trained on every image with the chosen number of trees. Same inputs, same bytes:
 * nothing here is random and XGBoost runs on one thread with a fixed seed
 * (model_xgb.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dac/core.h"
#include "stem/count/learn_internal.h"

#define N_TREE_CHOICES 4
/* Merge distances tried (Å): detections closer than this become one detection at their
 * probability-weighted mean. 0 keeps every detection (labels with close pairs choose
 * it); up to 3 Å, just above the closest pair a labeller of single atoms is likely to
 * mark (2.9 Å on the dev set, history note). */
static const double MERGE_A[] = {0.0, 1.5, 2.0, 2.5, 3.0};
#define N_MERGE 5
/* Thresholds tried: 0.02, 0.03, …, 0.98, i.e. (2 + i)/100 (a finer grid moves F1 by
 * less than one match on the dev set; assumption). */
#define N_T 97
#define THRESHOLD(i) ((double)(2 + (i)) / 100.0)

void dac_stem_learn_options_default(dac_stem_learn_options *o)
{
    memset(o, 0, sizeof *o);
    /* Candidates: z ≈ 2.5 (0.8 false alarms per nm² with the default 1 Å probe, against
     * the detector's 0.01 at z ≈ 3.78) and half the detector's faint-blob floor, so
     * atoms the statistical test misses are among them. On the dev set this holds 96 %
     * of the labels (the detector's own output: 70 %), at ~5 candidates per label
     * (docs/stem-count.md, "Candidates"). */
    o->candidate_false_alarms_per_nm2 = 0.8;
    o->candidate_min_atom_fraction = 0.25;
    /* The scorer's convention (Mitchell et al., J. Am. Chem. Soc. 2022, 144, 8018). */
    o->match_distance_A = 1.5;
    /* Small trees, strongly shrunk: a few thousand rows of 34 features; XGBoost's own
     * defaults (depth 6, eta 0.3) are for far larger sets (assumption, the usual
     * practice of gradient boosting, Friedman 2001: shrinkage 0.1 or less). */
    o->max_depth = 3;
    o->learning_rate = 0.1;
    o->min_child_weight = 1.0; /* XGBoost's default */
    o->lambda = 1.0;           /* XGBoost's default */
    o->max_trees = 400;
}

typedef struct {
    char *name;
    double pixel_A;
    size_t n;            /* candidates */
    float *x;            /* n × n_features */
    double *xy;          /* candidate centres, px */
    float *y;            /* 1: matched to a label */
    double *labels;      /* 2 × n_labels, px */
    size_t n_labels, n_covered;
} learn_image;

struct dac_stem_learner {
    dac_stem_count_params p;
    dac_stem_learn_options o;
    size_t nf;
    int *monotone; /* per feature, from count_features */
    learn_image *im;
    size_t n_im, cap;
};

static int check_options(const dac_stem_learn_options *o)
{
    if (!(o->candidate_false_alarms_per_nm2 > 0) || !isfinite(o->candidate_false_alarms_per_nm2))
        return dac_error(DAC_ERR_USAGE, "stem learn: candidate_false_alarms_per_nm2 must be > 0");
    if (!(o->candidate_min_atom_fraction >= 0) || !isfinite(o->candidate_min_atom_fraction))
        return dac_error(DAC_ERR_USAGE, "stem learn: candidate_min_atom_fraction must be >= 0");
    if (!(o->match_distance_A > 0) || !isfinite(o->match_distance_A))
        return dac_error(DAC_ERR_USAGE, "stem learn: match_distance_A must be > 0 Å");
    if (o->max_depth < 1 || o->max_depth > 12)
        return dac_error(DAC_ERR_USAGE, "stem learn: max_depth must be 1-12, got %d", o->max_depth);
    if (!(o->learning_rate > 0 && o->learning_rate <= 1))
        return dac_error(DAC_ERR_USAGE, "stem learn: learning_rate must be in (0, 1]");
    if (!(o->min_child_weight >= 0) || !(o->lambda >= 0) || !isfinite(o->lambda) ||
        !isfinite(o->min_child_weight))
        return dac_error(DAC_ERR_USAGE, "stem learn: min_child_weight and lambda must be >= 0");
    if (o->max_trees < 8 || o->max_trees > 100000)
        return dac_error(DAC_ERR_USAGE, "stem learn: max_trees must be 8-100000, got %d",
                         o->max_trees);
    return DAC_OK;
}

int dac_stem_learner_create(const dac_stem_count_params *p, const dac_stem_learn_options *o,
                            dac_stem_learner **out)
{
    *out = NULL;
    if (!p)
        return dac_error(DAC_ERR_USAGE, "dac_stem_learner_create: NULL parameters");
    dac_stem_learn_options def;
    dac_stem_learn_options_default(&def);
    if (!o)
        o = &def;
    int st = check_options(o);
    dac_stem_count_params check = *p;
    check.pixel_A = p->pixel_A > 0 ? p->pixel_A : 1.0; /* checked per image */
    if (st == DAC_OK && !(p->pixel_A >= 0 && isfinite(p->pixel_A)))
        st = dac_error(DAC_ERR_USAGE, "stem learn: pixel size must be > 0 Å (or 0: from each "
                       "image's calibration), got %g", p->pixel_A);
    if (st == DAC_OK)
        st = count_check_params(&check);
    if (st != DAC_OK)
        return st;
    dac_stem_learner *l = calloc(1, sizeof *l);
    if (!l)
        return dac_error(DAC_ERR_NOMEM, "stem learn: out of memory");
    l->p = *p, l->o = *o;
    const count_feature_def *f = count_features(&l->nf);
    if (!(l->monotone = malloc(sizeof *l->monotone * l->nf))) {
        free(l);
        return dac_error(DAC_ERR_NOMEM, "stem learn: out of memory");
    }
    for (size_t k = 0; k < l->nf; k++)
        l->monotone[k] = f[k].monotone;
    *out = l;
    return DAC_OK;
}

static void image_clear(learn_image *im)
{
    free(im->name), free(im->x), free(im->xy), free(im->y), free(im->labels);
    memset(im, 0, sizeof *im);
}

void dac_stem_learner_free(dac_stem_learner *l)
{
    if (!l)
        return;
    for (size_t k = 0; k < l->n_im; k++)
        image_clear(&l->im[k]);
    free(l->im);
    free(l->monotone);
    free(l);
}

static int check_labels(const char *name, const double *xy, size_t n, size_t w, size_t h)
{
    for (size_t i = 0; i < n; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        if (!(x >= -0.5 && y >= -0.5 && x < (double)w - 0.5 && y < (double)h - 0.5))
            return dac_error(DAC_ERR_INPUT, "%s: label %zu at (%g, %g) px lies outside the %zux%zu "
                             "image (labels of another image?)", name, i + 1, x, y, w, h);
    }
    return DAC_OK;
}

/* Candidates, their features and their labels for one image. */
static int make_examples(const dac_stem_learner *l, const dac_image *img,
                         const unsigned char *support, learn_image *im)
{
    dac_stem_count_params p = l->p;
    p.pixel_A = im->pixel_A;
    count_candidate_params cp = {l->o.candidate_false_alarms_per_nm2,
                                 l->o.candidate_min_atom_fraction};
    count_detection *d = NULL;
    int st = count_candidates(img->pixels, img->width, img->height, support, &p, &cp, &d, &im->x);
    im->n = d ? d->n_blobs : 0;
    long *match = NULL;
    if (st == DAC_OK) {
        im->xy = malloc(sizeof *im->xy * 2 * (im->n ? im->n : 1));
        im->y = malloc(sizeof *im->y * (im->n ? im->n : 1));
        match = malloc(sizeof *match * (im->n ? im->n : 1));
        if (!im->xy || !im->y || !match)
            st = dac_error(DAC_ERR_NOMEM, "stem learn: out of memory");
    }
    for (size_t i = 0; st == DAC_OK && i < im->n; i++)
        im->xy[2 * i] = d->blobs[i].x_px, im->xy[2 * i + 1] = d->blobs[i].y_px;
    dac_stem_score_result r;
    if (st == DAC_OK)
        st = dac_stem_score(im->xy, im->n, im->labels, im->n_labels,
                            l->o.match_distance_A / im->pixel_A, &r, match);
    for (size_t i = 0; st == DAC_OK && i < im->n; i++)
        im->y[i] = match[i] >= 0 ? 1.0f : 0.0f;
    im->n_covered = st == DAC_OK ? r.n_matched : 0;
    free(match);
    count_detection_free(d);
    return st;
}

int dac_stem_learner_add_image(dac_stem_learner *l, const dac_image *img,
                               const unsigned char *support, const char *name,
                               const double *labels_xy, size_t n_labels)
{
    if (!l || !img || !img->pixels || (n_labels && !labels_xy))
        return dac_error(DAC_ERR_USAGE, "dac_stem_learner_add_image: NULL argument");
    name = name ? name : "(image)";
    if (l->n_im == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        learn_image *v = realloc(l->im, sizeof *v * cap);
        if (!v)
            return dac_error(DAC_ERR_NOMEM, "stem learn: out of memory");
        l->im = v, l->cap = cap;
    }
    learn_image *im = &l->im[l->n_im];
    memset(im, 0, sizeof *im);
    im->pixel_A = l->p.pixel_A > 0 ? l->p.pixel_A : img->pixel_size_A[0];
    int st = im->pixel_A > 0 && isfinite(im->pixel_A)
                 ? check_labels(name, labels_xy, n_labels, img->width, img->height)
                 : dac_error(DAC_ERR_INPUT, "%s: no pixel size in the file; give it with --pixel "
                             "(Å)", name);
    im->name = st == DAC_OK ? strdup(name) : NULL;
    im->labels = st == DAC_OK ? malloc(sizeof *im->labels * 2 * (n_labels ? n_labels : 1)) : NULL;
    if (st == DAC_OK && (!im->name || !im->labels))
        st = dac_error(DAC_ERR_NOMEM, "stem learn: out of memory");
    if (st == DAC_OK) {
        if (n_labels)
            memcpy(im->labels, labels_xy, sizeof *im->labels * 2 * n_labels);
        im->n_labels = n_labels;
        st = make_examples(l, img, support, im);
    }
    if (st != DAC_OK) {
        count_name_image_in_error(name, st);
        image_clear(im);
        return st;
    }
    l->n_im++;
    return DAC_OK;
}

/* ------------------------------------------------------------------ training --- */

/* The rows of every image but `skip` (SIZE_MAX: all), features and labels. */
static int gather(const dac_stem_learner *l, size_t skip, float **x, float **y, size_t *n)
{
    size_t m = 0;
    for (size_t k = 0; k < l->n_im; k++)
        m += k == skip ? 0 : l->im[k].n;
    *x = malloc(sizeof **x * l->nf * (m ? m : 1));
    *y = malloc(sizeof **y * (m ? m : 1));
    if (!*x || !*y) {
        free(*x), free(*y);
        *x = *y = NULL;
        return dac_error(DAC_ERR_NOMEM, "stem learn: out of memory (%zu rows)", m);
    }
    size_t at = 0;
    for (size_t k = 0; k < l->n_im; k++) {
        const learn_image *im = &l->im[k];
        if (k == skip || im->n == 0)
            continue;
        memcpy(*x + at * l->nf, im->x, sizeof **x * l->nf * im->n);
        memcpy(*y + at, im->y, sizeof **y * im->n);
        at += im->n;
    }
    *n = m;
    return DAC_OK;
}

static int tree_choice(const dac_stem_learner *l, int g)
{
    return l->o.max_trees >> (N_TREE_CHOICES - 1 - g); /* /8, /4, /2, /1 */
}

/* Out-of-fold probabilities: oof[g][k] holds image k's candidates predicted by the
 * first tree_choice(g) trees trained on the other images. */
static int out_of_fold(const dac_stem_learner *l, const count_tree_params *tp, float **oof)
{
    int st = DAC_OK;
    for (size_t k = 0; st == DAC_OK && k < l->n_im; k++) {
        float *x = NULL, *y = NULL;
        size_t n = 0;
        count_booster *b = NULL;
        if ((st = gather(l, k, &x, &y, &n)) == DAC_OK)
            st = count_booster_train(x, y, n, l->nf, tp, l->o.max_trees, &b);
        for (int g = 0; st == DAC_OK && g < N_TREE_CHOICES; g++)
            st = count_booster_predict(b, l->im[k].x, l->im[k].n, l->nf, tree_choice(l, g),
                                       oof[g * l->n_im + k]);
        count_booster_free(b);
        free(x), free(y);
    }
    return st;
}

/* Scratch of the F1 evaluations, sized for the largest image. */
typedef struct {
    double *xy, *merged, *wsum;
    float *p;
    size_t *order, *head;
} eval_buf;

/* The detections of one image at threshold t and merge distance r_A, as the model
 * makes them (count_model_detect): probability-weighted means of the groups. */
static size_t detections(const learn_image *im, const float *prob, double t, double r_A,
                         eval_buf *e)
{
    size_t m = 0;
    for (size_t i = 0; i < im->n; i++)
        if (prob[i] >= t) {
            e->xy[2 * m] = im->xy[2 * i], e->xy[2 * m + 1] = im->xy[2 * i + 1];
            e->p[m++] = prob[i];
        }
    size_t g = count_merge_groups(e->xy, e->p, m, r_A / im->pixel_A, e->order, e->head);
    if (g == m) {
        memcpy(e->merged, e->xy, sizeof *e->xy * 2 * m);
        return m;
    }
    for (size_t i = 0; i < m; i++)
        e->merged[2 * i] = e->merged[2 * i + 1] = e->wsum[i] = 0;
    for (size_t i = 0; i < m; i++) {
        size_t h = e->head[i];
        e->merged[2 * h] += e->p[i] * e->xy[2 * i], e->merged[2 * h + 1] += e->p[i] * e->xy[2 * i + 1];
        e->wsum[h] += e->p[i];
    }
    size_t n = 0;
    for (size_t i = 0; i < m; i++)
        if (e->head[i] == i) {
            e->merged[2 * n] = e->merged[2 * i] / e->wsum[i];
            e->merged[2 * n + 1] = e->merged[2 * i + 1] / e->wsum[i];
            n++;
        }
    return n;
}

/* Pooled F1 over the images of the detections at threshold t, merge distance r_A. */
static int pooled_f1(const dac_stem_learner *l, float *const *prob, double t, double r_A,
                     eval_buf *e, double *f1)
{
    size_t det = 0, truth = 0, tp = 0;
    for (size_t k = 0; k < l->n_im; k++) {
        const learn_image *im = &l->im[k];
        size_t m = detections(im, prob[k], t, r_A, e);
        dac_stem_score_result r;
        int st = dac_stem_score(e->merged, m, im->labels, im->n_labels,
                                l->o.match_distance_A / im->pixel_A, &r, NULL);
        if (st != DAC_OK)
            return st;
        det += m, truth += im->n_labels, tp += r.n_matched;
    }
    *f1 = det + truth ? 2.0 * (double)tp / (double)(det + truth) : NAN;
    return DAC_OK;
}

typedef struct {
    int trees;
    double threshold, merge_A, f1;
} choice;

static void eval_free(eval_buf *e)
{
    free(e->xy), free(e->merged), free(e->wsum), free(e->p), free(e->order), free(e->head);
}

/* The best (trees, merge distance, threshold): fewest trees and least merging among
 * equal F1, the threshold at the middle of the widest run reaching that F1. */
static int choose(const dac_stem_learner *l, float **oof, choice *best)
{
    size_t most = 1;
    for (size_t k = 0; k < l->n_im; k++)
        most = l->im[k].n > most ? l->im[k].n : most;
    eval_buf e = {malloc(sizeof(double) * 2 * most), malloc(sizeof(double) * 2 * most),
                  malloc(sizeof(double) * most), malloc(sizeof(float) * most),
                  malloc(sizeof(size_t) * most), malloc(sizeof(size_t) * most)};
    double f1[N_T];
    *best = (choice){0, 0.5, 0, -1};
    int st = e.xy && e.merged && e.wsum && e.p && e.order && e.head
                 ? DAC_OK : dac_error(DAC_ERR_NOMEM, "stem learn: out of memory");
    for (int g = 0; st == DAC_OK && g < N_TREE_CHOICES * N_MERGE; g++) {
        double top = -1, merge_A = MERGE_A[g % N_MERGE];
        for (int i = 0; st == DAC_OK && i < N_T; i++) {
            st = pooled_f1(l, oof + (size_t)(g / N_MERGE) * l->n_im, THRESHOLD(i), merge_A, &e,
                           &f1[i]);
            top = f1[i] > top ? f1[i] : top;
        }
        if (st != DAC_OK || !(top > best->f1 + 1e-12))
            continue;
        int run = 0, best_run = 0, best_end = 0;
        for (int i = 0; i < N_T; i++) {
            run = f1[i] >= top - 1e-12 ? run + 1 : 0;
            if (run > best_run)
                best_run = run, best_end = i;
        }
        int mid = best_end - (best_run - 1) / 2; /* the lower middle of an even run */
        *best = (choice){tree_choice(l, g / N_MERGE), THRESHOLD(mid), merge_A, top};
    }
    eval_free(&e);
    return st;
}

static int final_model(const dac_stem_learner *l, const count_tree_params *tp, const choice *c,
                       const char *name, dac_stem_model *m)
{
    float *x = NULL, *y = NULL;
    size_t n = 0;
    int st = gather(l, (size_t)-1, &x, &y, &n);
    if (st == DAC_OK)
        st = count_booster_train(x, y, n, l->nf, tp, c->trees, &m->booster);
    free(x), free(y);
    double total = 0;
    if (st == DAC_OK && !(m->importance = calloc(l->nf, sizeof *m->importance)))
        st = dac_error(DAC_ERR_NOMEM, "stem learn: out of memory");
    if (st == DAC_OK)
        st = count_booster_importance(m->booster, l->nf, m->importance);
    for (size_t k = 0; st == DAC_OK && k < l->nf; k++)
        total += m->importance[k];
    for (size_t k = 0; st == DAC_OK && total > 0 && k < l->nf; k++)
        m->importance[k] /= total;
    if (st == DAC_OK)
        st = count_booster_save(m->booster, &m->booster_json, &m->booster_len);
    if (st == DAC_OK && (!(m->name = strdup(name)) || !(m->source = strdup(name))))
        st = dac_error(DAC_ERR_NOMEM, "stem learn: out of memory");
    return st;
}

static void describe(const dac_stem_learner *l, const choice *c, dac_stem_model *m)
{
    m->detector = l->p;
    m->detector.pixel_A = 0;
    m->candidates = (count_candidate_params){l->o.candidate_false_alarms_per_nm2,
                                             l->o.candidate_min_atom_fraction};
    m->detector.false_alarms_per_nm2 = m->candidates.false_alarms_per_nm2;
    m->detector.min_atom_fraction = m->candidates.min_atom_fraction;
    m->trees = (count_tree_params){l->o.max_depth, l->o.learning_rate, l->o.min_child_weight,
                                   l->o.lambda, NULL};
    m->decision_threshold = c->threshold;
    m->merge_distance_A = c->merge_A;
    m->match_distance_A = l->o.match_distance_A;
    m->n_features = l->nf;
    dac_stem_model_info *in = &m->info;
    in->n_trees = (size_t)c->trees;
    in->n_images = l->n_im;
    in->cv_f1 = c->f1;
    size_t covered = 0;
    for (size_t k = 0; k < l->n_im; k++) {
        in->n_labels += l->im[k].n_labels;
        in->n_candidates += l->im[k].n;
        covered += l->im[k].n_covered;
        for (size_t i = 0; i < l->im[k].n; i++)
            in->n_positive += l->im[k].y[i] > 0;
    }
    in->label_coverage = in->n_labels ? (double)covered / (double)in->n_labels : 0;
    in->name = m->name;
    in->decision_threshold = m->decision_threshold;
    in->n_features = m->n_features;
}

int dac_stem_learner_train(dac_stem_learner *l, const char *name, dac_stem_model **out)
{
    *out = NULL;
    if (l->n_im < 2)
        return dac_error(DAC_ERR_USAGE, "stem learn: at least two labelled images are needed (the "
                         "number of trees and the threshold are chosen by leaving one out); got %zu",
                         l->n_im);
    size_t pos = 0, all = 0;
    for (size_t k = 0; k < l->n_im; k++)
        for (size_t i = 0; i < l->im[k].n; i++)
            pos += l->im[k].y[i] > 0, all++;
    if (pos == 0 || pos == all)
        return dac_error(DAC_ERR_INPUT, "stem learn: %s of the %zu candidates matches a label "
                         "within %g Å: nothing to learn (labels of other images, or the wrong pixel "
                         "size?)", pos ? "every one" : "none", all, l->o.match_distance_A);
    count_tree_params tp = {l->o.max_depth, l->o.learning_rate, l->o.min_child_weight, l->o.lambda,
                            l->monotone};
    float **oof = calloc((size_t)N_TREE_CHOICES * l->n_im, sizeof *oof);
    int st = oof ? DAC_OK : dac_error(DAC_ERR_NOMEM, "stem learn: out of memory");
    for (size_t g = 0; st == DAC_OK && g < (size_t)N_TREE_CHOICES * l->n_im; g++) {
        size_t n = l->im[g % l->n_im].n;
        if (!(oof[g] = malloc(sizeof **oof * (n ? n : 1))))
            st = dac_error(DAC_ERR_NOMEM, "stem learn: out of memory");
    }
    choice c = {0, 0, 0, 0};
    if (st == DAC_OK)
        st = out_of_fold(l, &tp, oof);
    if (st == DAC_OK)
        st = choose(l, oof, &c);
    for (size_t g = 0; oof && g < (size_t)N_TREE_CHOICES * l->n_im; g++)
        free(oof[g]);
    free(oof);
    dac_stem_model *m = st == DAC_OK ? calloc(1, sizeof *m) : NULL;
    if (st == DAC_OK && !m)
        st = dac_error(DAC_ERR_NOMEM, "stem learn: out of memory");
    if (st == DAC_OK)
        st = final_model(l, &tp, &c, name ? name : "model", m);
    if (st != DAC_OK) {
        dac_stem_model_free(m);
        return st;
    }
    describe(l, &c, m);
    *out = m;
    return DAC_OK;
}

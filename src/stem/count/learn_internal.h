/*
 * learn_internal.h — the learned detector of src/stem/count (private: not installed;
 * tests and the fuzz target include it). Public surface: dac_stem_learner and
 * dac_stem_model in dac/stem_count.h; what it does and why: docs/stem-count.md,
 * "The learned detector".
 *
 * Four pieces, one file each:
 *   features.c  the candidates (the statistical detector run at a lower threshold) and
 *               what is measured on each: the detector's own statistics, scale-space
 *               responses, fit quality, shot noise, local texture, neighbours; and the
 *               merging of detections a labeller marks as one atom;
 *   model_xgb.c every call into XGBoost (gradient-boosted trees), so that nothing else
 *               knows its C API: train, predict, save, load, importances;
 *   model.c     the model object: model.json (read, check, write), the model compiled
 *               into the library, and rescoring a detection with it;
 *   learn.c     training: labels to candidates, leave-one-image-out choice of the
 *               number of trees, the merge distance and the decision threshold, the
 *               final fit.
 */
#ifndef DAC_STEM_COUNT_LEARN_INTERNAL_H
#define DAC_STEM_COUNT_LEARN_INTERNAL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "dac/stem_count.h"
#include "stem/count/count_internal.h"

/* ------------------------------------------------------------------ features --- */

/* One feature: its name (a key of model.json, with its unit) and its definition in
 * words (written into model.json, so a model file says what it was trained on). */
typedef struct {
    const char *name;
    const char *definition;
    int monotone; /* 1: the probability of an atom may only rise with it (more signal at
                     the atom's scale is more evidence); 0: free */
} count_feature_def;

/* The features this build computes, in the order of the columns. */
const count_feature_def *count_features(size_t *n);

/* How the candidates are made: the statistical detector's parameters with a lower
 * false-alarm threshold and a lower faint-blob floor (dac_stem_learn_options). */
typedef struct {
    double false_alarms_per_nm2;
    double min_atom_fraction;
} count_candidate_params;

/* The statistical detector run with the candidate thresholds (count_detect), then
 * the features of every candidate: *x is malloc'ed, n_blobs × n_features floats, row
 * by row (NAN: undefined for this candidate, XGBoost's "missing"). The detection keeps
 * its background map (the counter frees it later). */
int count_candidates(const float *img, size_t w, size_t h, const unsigned char *support,
                     const dac_stem_count_params *p, const count_candidate_params *cp,
                     count_detection **det, float **x);

/* The features of the blobs of a detection (count_candidates without the detection;
 * exposed for tests). x: n_blobs × n_features floats. */
int count_features_compute(const float *img, size_t w, size_t h, const count_detection *d,
                           const dac_stem_count_params *p, float *x);

/* Merges detections a labeller would mark as one atom: in descending prob, each
 * joins the group of the first stronger head closer than r_px, else heads a group of
 * its own. head[i] = index of the head of i's group (i itself for a head); the number
 * of groups is returned. r_px = 0: every detection its own group. O(n · groups). */
size_t count_merge_groups(const double *xy, const float *prob, size_t n, double r_px,
                          size_t *order, size_t *head);

/* ------------------------------------------------------------------- XGBoost ---- */

typedef struct count_booster count_booster;

typedef struct {
    int max_depth;
    double learning_rate;
    double min_child_weight;
    double lambda;
    const int *monotone; /* one per feature (1 rising, 0 free); NULL: none */
} count_tree_params;

/* Trains rounds trees on n rows of nf features (x row by row, y 0/1): binary logistic
 * loss, histogram method, one thread, fixed seed: the same inputs give the same
 * trees, bit for bit. */
int count_booster_train(const float *x, const float *y, size_t n, size_t nf,
                        const count_tree_params *tp, int rounds, count_booster **out);
/* Probabilities of the positive class for n rows; n_trees > 0 uses only the first
 * n_trees trees (0: all). */
int count_booster_predict(const count_booster *b, const float *x, size_t n, size_t nf,
                          int n_trees, float *prob);
/* XGBoost's own JSON model (a malloc'ed, NUL-terminated string). */
int count_booster_save(const count_booster *b, char **json, size_t *len);
/* From that JSON; the caller has checked its structure (count_booster_check). */
int count_booster_load(const char *json, size_t len, count_booster **out);
/* Total gain of the splits on each feature (nf values; 0 for unused features). */
int count_booster_importance(const count_booster *b, size_t nf, double *gain);
void count_booster_free(count_booster *b);

/* Checks XGBoost's JSON model before XGBoost sees it: a binary:logistic gbtree on nf
 * features, every tree's arrays as long as its node count, children after their
 * parent and inside the tree, numerical splits on existing features, finite numbers.
 * DAC_ERR_INPUT naming source and the field. *n_trees: the number of trees. */
int count_booster_check(const char *json, size_t len, size_t nf, const char *source,
                        size_t *n_trees);

/* ------------------------------------------------------------------ the model --- */

struct dac_stem_model {
    char *name;
    char *source;             /* file path or "built-in model NAME", for messages */
    char sha256[65];          /* of the model.json bytes it was read from ("" if trained) */
    dac_stem_count_params detector;  /* the detector the candidates come from */
    count_candidate_params candidates;
    count_tree_params trees;
    double decision_threshold;
    double merge_distance_A;  /* detections closer than this become one (0: none) */
    double match_distance_A;
    size_t n_features;
    double *importance;       /* n_features: share of the total gain */
    dac_stem_model_info info;
    cJSON *provenance;        /* of its training, when read from a file (else NULL) */
    char *booster_json;
    size_t booster_len;
    count_booster *booster;
};

/* Parses model.json held in memory (source names it in messages). */
int count_model_parse(const char *text, size_t len, const char *source, dac_stem_model **out);

/* A copy with its own booster (a counter keeps one: two counters never share XGBoost
 * state). */
int count_model_clone(const dac_stem_model *m, dac_stem_model **out);

/* The learned detector on one image: candidates, features, probabilities, and the
 * detection cut down to the candidates at or above the decision threshold. The
 * detector parameters are the model's, with pixel size and pair distance from p and
 * the faint-blob floor scaled by floor_scale (two elements). *n_candidates: before the
 * cut. */
int count_model_detect(const dac_stem_model *m, const float *img, size_t w, size_t h,
                       const unsigned char *support, const dac_stem_count_params *p,
                       double floor_scale, count_detection **out, size_t *n_candidates);

/* What summary.json says about the detector: "detector": {"kind": "statistical"} or
 * the model's name, threshold, candidates and digest. */
void count_model_json(cJSON *summary, const dac_stem_model *m);

#endif

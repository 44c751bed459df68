/*
 * model_xgb.c — every call into XGBoost (Chen & Guestrin, KDD 2016; Debian's
 * libxgboost 1.7 C API), so the rest of the learned detector never sees its handles.
 *
 * Determinism: the histogram method on one thread with a fixed seed and no
 * subsampling; the same rows in the same order give the same trees bit for bit (the
 * exact method is as deterministic and 6× slower). XGBoost logs to standard error;
 * the library never prints, so while in XGBoost the calling thread's verbosity is 0
 * (its global configuration is per thread) and the caller's setting is restored after.
 *
 * XGBoost trusts the model files it loads: a tree whose child index points outside it
 * is read past its end when predicting. count_booster_check therefore checks the
 * structure of XGBoost's JSON model before it is handed over.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xgboost/c_api.h>

#include "dac/core.h"
#include "stem/count/learn_internal.h"

struct count_booster {
    BoosterHandle h;
};

typedef struct {
    char *saved;
} quiet_scope;

static void quiet_begin(quiet_scope *q)
{
    const char *cfg = NULL;
    q->saved = XGBGetGlobalConfig(&cfg) == 0 && cfg ? strdup(cfg) : NULL;
    XGBSetGlobalConfig("{\"verbosity\": 0}");
}

static void quiet_end(quiet_scope *q)
{
    if (q->saved)
        XGBSetGlobalConfig(q->saved);
    free(q->saved);
}

static int xgb_error(const char *what)
{
    const char *msg = XGBGetLastError();
    return dac_error(DAC_ERR_RUNTIME, "stem learn: XGBoost could not %s: %s", what,
                     msg && *msg ? msg : "no reason given");
}

/* Parameters every booster gets: one thread and quiet (training and prediction). */
static int set_common(BoosterHandle h)
{
    return XGBoosterSetParam(h, "nthread", "1") || XGBoosterSetParam(h, "verbosity", "0");
}

/* XGBoost's "(1,0,…)" for the monotone constraints. */
static int set_monotone(BoosterHandle h, const int *mono, size_t nf)
{
    if (!mono)
        return 0;
    char *s = malloc(4 * nf + 3);
    if (!s)
        return -1;
    size_t at = 0;
    s[at++] = '(';
    for (size_t k = 0; k < nf; k++)
        at += (size_t)sprintf(s + at, k ? ",%d" : "%d", mono[k] > 0 ? 1 : mono[k] < 0 ? -1 : 0);
    s[at++] = ')', s[at] = '\0';
    int r = XGBoosterSetParam(h, "monotone_constraints", s);
    free(s);
    return r;
}

static int set_training(BoosterHandle h, const count_tree_params *tp, size_t nf)
{
    char depth[32], eta[32], mcw[32], lambda[32];
    snprintf(depth, sizeof depth, "%d", tp->max_depth);
    snprintf(eta, sizeof eta, "%.17g", tp->learning_rate);
    snprintf(mcw, sizeof mcw, "%.17g", tp->min_child_weight);
    snprintf(lambda, sizeof lambda, "%.17g", tp->lambda);
    const char *kv[][2] = {{"objective", "binary:logistic"}, {"tree_method", "hist"},
                           {"max_depth", depth}, {"eta", eta}, {"min_child_weight", mcw},
                           {"lambda", lambda}, {"subsample", "1"}, {"colsample_bytree", "1"},
                           {"base_score", "0.5"}, {"seed", "0"}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (XGBoosterSetParam(h, kv[i][0], kv[i][1]))
            return -1;
    return set_monotone(h, tp->monotone, nf) || set_common(h);
}

static int matrix(const float *x, size_t n, size_t nf, DMatrixHandle *dm)
{
    return XGDMatrixCreateFromMat_omp(x, (bst_ulong)n, (bst_ulong)nf, NAN, dm, 1);
}

int count_booster_train(const float *x, const float *y, size_t n, size_t nf,
                        const count_tree_params *tp, int rounds, count_booster **out)
{
    *out = NULL;
    if (n == 0 || nf == 0 || rounds < 1)
        return dac_error(DAC_ERR_USAGE, "stem learn: nothing to train on (%zu rows, %d trees)", n,
                         rounds);
    count_booster *b = calloc(1, sizeof *b);
    if (!b)
        return dac_error(DAC_ERR_NOMEM, "stem learn: out of memory");
    quiet_scope q;
    quiet_begin(&q);
    DMatrixHandle dm = NULL;
    int st = DAC_OK;
    if (matrix(x, n, nf, &dm) || XGDMatrixSetFloatInfo(dm, "label", y, (bst_ulong)n))
        st = xgb_error("take the training rows");
    else if (XGBoosterCreate(&dm, 1, &b->h) || set_training(b->h, tp, nf))
        st = xgb_error("make a booster");
    for (int i = 0; st == DAC_OK && i < rounds; i++)
        if (XGBoosterUpdateOneIter(b->h, i, dm))
            st = xgb_error("train a tree");
    if (dm)
        XGDMatrixFree(dm);
    quiet_end(&q);
    if (st != DAC_OK) {
        count_booster_free(b);
        return st;
    }
    *out = b;
    return DAC_OK;
}

int count_booster_predict(const count_booster *b, const float *x, size_t n, size_t nf,
                          int n_trees, float *prob)
{
    if (n == 0)
        return DAC_OK;
    char cfg[160];
    snprintf(cfg, sizeof cfg, "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
             "\"iteration_end\": %d, \"strict_shape\": false}", n_trees > 0 ? n_trees : 0);
    quiet_scope q;
    quiet_begin(&q);
    DMatrixHandle dm = NULL;
    const bst_ulong *shape = NULL;
    bst_ulong dim = 0;
    const float *r = NULL;
    int st = DAC_OK;
    if (matrix(x, n, nf, &dm))
        st = xgb_error("take the rows to predict");
    else if (XGBoosterPredictFromDMatrix(b->h, dm, cfg, &shape, &dim, &r))
        st = xgb_error("predict");
    else if (dim != 1 || shape[0] != n)
        st = dac_error(DAC_ERR_RUNTIME, "stem learn: XGBoost predicted %lu values for %zu rows",
                       (unsigned long)(dim ? shape[0] : 0), n);
    else
        memcpy(prob, r, sizeof *prob * n);
    if (dm)
        XGDMatrixFree(dm);
    quiet_end(&q);
    return st;
}

int count_booster_save(const count_booster *b, char **json, size_t *len)
{
    *json = NULL, *len = 0;
    quiet_scope q;
    quiet_begin(&q);
    bst_ulong n = 0;
    const char *buf = NULL;
    int st = XGBoosterSaveModelToBuffer(b->h, "{\"format\": \"json\"}", &n, &buf)
                 ? xgb_error("save the model") : DAC_OK;
    if (st == DAC_OK && !(*json = malloc((size_t)n + 1)))
        st = dac_error(DAC_ERR_NOMEM, "stem learn: out of memory");
    if (st == DAC_OK) {
        memcpy(*json, buf, (size_t)n);
        (*json)[n] = '\0';
        *len = (size_t)n;
    }
    quiet_end(&q);
    return st;
}

int count_booster_load(const char *json, size_t len, count_booster **out)
{
    *out = NULL;
    count_booster *b = calloc(1, sizeof *b);
    if (!b)
        return dac_error(DAC_ERR_NOMEM, "stem learn: out of memory");
    quiet_scope q;
    quiet_begin(&q);
    int st = DAC_OK;
    if (XGBoosterCreate(NULL, 0, &b->h) || XGBoosterLoadModelFromBuffer(b->h, json, (bst_ulong)len) ||
        set_common(b->h)) {
        const char *msg = XGBGetLastError();
        st = dac_error(DAC_ERR_INPUT, "XGBoost could not load the booster: %s",
                       msg && *msg ? msg : "no reason given");
    }
    quiet_end(&q);
    if (st != DAC_OK) {
        count_booster_free(b);
        return st;
    }
    *out = b;
    return DAC_OK;
}

int count_booster_importance(const count_booster *b, size_t nf, double *gain)
{
    for (size_t k = 0; k < nf; k++)
        gain[k] = 0;
    quiet_scope q;
    quiet_begin(&q);
    bst_ulong n = 0, dim = 0;
    const char **names = NULL;
    const bst_ulong *shape = NULL;
    const float *score = NULL;
    int st = XGBoosterFeatureScore(b->h, "{\"importance_type\": \"total_gain\"}", &n, &names, &dim,
                                   &shape, &score)
                 ? xgb_error("measure the feature importances") : DAC_OK;
    /* Features without a split are left out; the others are named f<column>. */
    for (bst_ulong i = 0; st == DAC_OK && i < n; i++) {
        char *end = NULL;
        unsigned long k = names[i][0] == 'f' ? strtoul(names[i] + 1, &end, 10) : nf;
        if (end && !*end && k < nf)
            gain[k] = score[i];
    }
    quiet_end(&q);
    return st;
}

void count_booster_free(count_booster *b)
{
    if (!b)
        return;
    if (b->h)
        XGBoosterFree(b->h);
    free(b);
}

/* ------------------------------------------------------- structure check ------- */

typedef struct {
    const char *source;
    size_t tree;
} check_ctx;

static int bad(const check_ctx *c, const char *field, const char *expected)
{
    if (c->tree == (size_t)-1)
        return dac_error(DAC_ERR_INPUT, "%s: field 'booster' (%s): expected %s", c->source, field,
                         expected);
    return dac_error(DAC_ERR_INPUT, "%s: field 'booster' (tree %zu, %s): expected %s", c->source,
                     c->tree, field, expected);
}

static const cJSON *member(const cJSON *o, const char *key)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

/* XGBoost writes counts as strings of digits ("num_nodes": "15"). */
static int count_field(const check_ctx *c, const cJSON *o, const char *key, long max, long *v)
{
    const cJSON *s = member(o, key);
    char *end = NULL;
    *v = cJSON_IsString(s) ? strtol(s->valuestring, &end, 10) : -1;
    if (!end || *end || end == s->valuestring || *v < 0 || *v > max)
        return bad(c, key, "a count written as a string of digits");
    return DAC_OK;
}

static const cJSON *number_array(const check_ctx *c, const cJSON *t, const char *key, long n)
{
    const cJSON *a = member(t, key);
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n) {
        bad(c, key, "an array with one number per node");
        return NULL;
    }
    for (const cJSON *e = a->child; e; e = e->next)
        if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble)) {
            bad(c, key, "finite numbers");
            return NULL;
        }
    return a;
}

/* Per-node arrays XGBoost reads from a tree; split_type may be absent. */
static const char *const NODE_ARRAYS[] = {"left_children", "right_children", "parents",
                                          "split_indices", "split_conditions", "default_left",
                                          "loss_changes", "sum_hessian", "base_weights"};
/* Categorical splits are not made by our training: these must be empty when present. */
static const char *const EMPTY_ARRAYS[] = {"categories", "categories_nodes",
                                           "categories_segments", "categories_sizes"};

/* One tree: every per-node array as long as the tree; children after their parent
 * (XGBoost appends them), inside the tree, both or neither; parents before their
 * children; numerical splits on the nf features. */
static int check_tree(const check_ctx *c, const cJSON *t, size_t nf)
{
    long n;
    if (count_field(c, member(t, "tree_param"), "num_nodes", 1L << 20, &n) != DAC_OK)
        return DAC_ERR_INPUT;
    if (n < 1)
        return bad(c, "num_nodes", "at least one node");
    const cJSON *a[sizeof NODE_ARRAYS / sizeof NODE_ARRAYS[0]];
    for (size_t k = 0; k < sizeof NODE_ARRAYS / sizeof NODE_ARRAYS[0]; k++)
        if (!(a[k] = number_array(c, t, NODE_ARRAYS[k], n)))
            return DAC_ERR_INPUT;
    const cJSON *ty = member(t, "split_type");
    if (ty && !number_array(c, t, "split_type", n))
        return DAC_ERR_INPUT;
    for (size_t k = 0; k < sizeof EMPTY_ARRAYS / sizeof EMPTY_ARRAYS[0]; k++) {
        const cJSON *e = member(t, EMPTY_ARRAYS[k]);
        if (e && (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 0))
            return bad(c, EMPTY_ARRAYS[k], "no categorical splits (an empty array)");
    }
    const cJSON *le = a[0]->child, *re = a[1]->child, *pe = a[2]->child, *se = a[3]->child;
    const cJSON *te = ty ? ty->child : NULL;
    for (long i = 0; i < n; i++, le = le->next, re = re->next, pe = pe->next, se = se->next) {
        double l = le->valuedouble, r = re->valuedouble, p = pe->valuedouble, f = se->valuedouble;
        int leaf = l == -1 && r == -1;
        if (!leaf && !(l > (double)i && l < (double)n && r > (double)i && r < (double)n &&
                       l == floor(l) && r == floor(r)))
            return bad(c, "left_children/right_children", "-1 for a leaf, else nodes after the "
                       "parent inside the tree");
        if (i > 0 ? !(p >= 0 && p < (double)i && p == floor(p)) : p != 2147483647.0)
            return bad(c, "parents", "2147483647 for the root, else a node before the child");
        if (!leaf && !(f >= 0 && f < (double)nf && f == floor(f)))
            return bad(c, "split_indices", "a feature column of the model");
        if (te) {
            if (te->valuedouble != 0)
                return bad(c, "split_type", "numerical splits (0)");
            te = te->next;
        }
    }
    return DAC_OK;
}

int count_booster_check(const char *json, size_t len, size_t nf, const char *source,
                        size_t *n_trees)
{
    *n_trees = 0;
    check_ctx c = {source, (size_t)-1};
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root)
        return bad(&c, "text", "XGBoost's JSON model");
    const cJSON *lr = member(root, "learner"), *mp = member(lr, "learner_model_param");
    const cJSON *obj = member(member(lr, "objective"), "name");
    const cJSON *gb = member(lr, "gradient_booster"), *gm = member(gb, "model");
    const cJSON *trees = member(gm, "trees"), *info = member(gm, "tree_info");
    long nfeat = -1, nt = -1, ncls = -1;
    int st = count_field(&c, mp, "num_feature", 1L << 20, &nfeat);
    if (st == DAC_OK && (size_t)nfeat != nf)
        st = bad(&c, "num_feature", "the model's number of features");
    if (st == DAC_OK)
        st = count_field(&c, mp, "num_class", 1L << 20, &ncls);
    if (st == DAC_OK && ncls != 0)
        st = bad(&c, "num_class", "0 (one binary output)");
    if (st == DAC_OK && !(cJSON_IsString(obj) && !strcmp(obj->valuestring, "binary:logistic")))
        st = bad(&c, "objective", "binary:logistic");
    const cJSON *gbname = member(gb, "name");
    if (st == DAC_OK && !(cJSON_IsString(gbname) && !strcmp(gbname->valuestring, "gbtree")))
        st = bad(&c, "gradient_booster", "gbtree");
    if (st == DAC_OK)
        st = count_field(&c, member(gm, "gbtree_model_param"), "num_trees", 1L << 20, &nt);
    if (st == DAC_OK && (!cJSON_IsArray(trees) || cJSON_GetArraySize(trees) != nt || nt < 1))
        st = bad(&c, "trees", "num_trees trees (at least one)");
    if (st == DAC_OK && (!cJSON_IsArray(info) || cJSON_GetArraySize(info) != nt))
        st = bad(&c, "tree_info", "one entry per tree");
    for (const cJSON *e = info ? info->child : NULL; st == DAC_OK && e; e = e->next)
        if (!cJSON_IsNumber(e) || e->valuedouble != 0)
            st = bad(&c, "tree_info", "0 for every tree (one output)");
    size_t k = 0;
    for (const cJSON *t = trees ? trees->child : NULL; st == DAC_OK && t; t = t->next, k++)
        st = check_tree(&(check_ctx){source, k}, t, nf);
    cJSON_Delete(root);
    if (st == DAC_OK)
        *n_trees = (size_t)nt;
    return st;
}

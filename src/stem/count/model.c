/*
 * model.c — the learned detector's model: model.json read, checked and written, the
 * models compiled into the library, and a detection rescored with one.
 *
 * model.json is a JSON record (core/json.h): "record": "dac stem count model",
 * provenance of the training (the command line, every image and label file with its
 * SHA-256), then everything needed to apply it without the training data: the
 * detector's parameters and the lower thresholds that make the candidates, the
 * feature definitions (by name, in column order, with their meaning in words), the
 * decision threshold, the trees' settings, what the training saw and how well it did
 * in leave-one-image-out, the features' importances, and the booster itself — XGBoost's
 * own JSON model, embedded as one string so its bytes pass through unchanged (a JSON
 * round trip through cJSON would turn XGBoost's "1E0" floats into integers, which
 * XGBoost then refuses).
 *
 * A model whose feature names differ from the ones this build computes is refused:
 * its trees would split on the wrong columns. Every field is checked before use, and
 * the booster's structure before XGBoost sees it (count_booster_check): a malformed or
 * foreign file is DAC_ERR_INPUT naming the field, never a crash.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "core/json.h"
#include "core/outset.h"
#include "dac/core.h"
#include "stem/count/learn_internal.h"

#define RECORD "dac stem count model"
#define BOOSTER_FORMAT "xgboost-1.7-json"
#define MAX_MODEL_BYTES (64u << 20) /* 64 MiB: 100× the shipped model */

/* Models compiled into the library (generated from data/models/ by CMake). */
extern const char dac_model_ptnc_json[];
extern const size_t dac_model_ptnc_json_len;

static const struct {
    const char *name;
    const char *text;
    const size_t *len;
} BUILTIN[] = {{"ptnc", dac_model_ptnc_json, &dac_model_ptnc_json_len}};

void dac_stem_model_free(dac_stem_model *m)
{
    if (!m)
        return;
    free(m->name), free(m->source), free(m->importance), free(m->booster_json);
    cJSON_Delete(m->provenance);
    count_booster_free(m->booster);
    free(m);
}

const dac_stem_model_info *dac_stem_model_get_info(const dac_stem_model *m) { return &m->info; }

const char *dac_stem_model_feature_name(const dac_stem_model *m, size_t k)
{
    size_t n;
    const count_feature_def *f = count_features(&n);
    return k < m->n_features && k < n ? f[k].name : NULL;
}

double dac_stem_model_feature_importance(const dac_stem_model *m, size_t k)
{
    return k < m->n_features ? m->importance[k] : NAN;
}

/* ------------------------------------------------------------------- reading --- */

typedef struct {
    const char *source;
} rd;

static int bad_field(const rd *r, const char *field, const char *expected)
{
    return dac_error(DAC_ERR_INPUT, "%s: field '%s': expected %s", r->source, field, expected);
}

static const cJSON *get(const cJSON *o, const char *key)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

/* A finite number in [lo, hi] at o.key; field is its dotted name for the message. */
static int number(const rd *r, const cJSON *o, const char *key, const char *field, double lo,
                  double hi, const char *expected, double *v)
{
    const cJSON *e = get(o, key);
    if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble) || e->valuedouble < lo || e->valuedouble > hi)
        return bad_field(r, field, expected);
    *v = e->valuedouble;
    return DAC_OK;
}

static int count(const rd *r, const cJSON *o, const char *key, const char *field, size_t *v)
{
    double d = 0;
    int st = number(r, o, key, field, 0, 9007199254740992.0, "a count (integer >= 0)", &d);
    if (st == DAC_OK && d != floor(d))
        st = bad_field(r, field, "a count (integer >= 0)");
    *v = st == DAC_OK ? (size_t)d : 0;
    return st;
}

static const char *string(const rd *r, const cJSON *o, const char *key, const char *field)
{
    const cJSON *e = get(o, key);
    if (!cJSON_IsString(e) || !e->valuestring) {
        bad_field(r, field, "a string");
        return NULL;
    }
    return e->valuestring;
}

static int read_header(const rd *r, const cJSON *j, dac_stem_model *m)
{
    const char *rec = string(r, j, "record", "record");
    if (!rec)
        return DAC_ERR_INPUT;
    if (strcmp(rec, RECORD))
        return bad_field(r, "record", "\"" RECORD "\" (this is not a model file)");
    double v;
    if (number(r, j, "record_version", "record_version", 1, 1, "1", &v) != DAC_OK)
        return DAC_ERR_INPUT;
    if (!cJSON_IsObject(get(j, "provenance")))
        return bad_field(r, "provenance", "an object");
    const char *name = string(r, j, "name", "name");
    if (!name)
        return DAC_ERR_INPUT;
    if (!*name)
        return bad_field(r, "name", "a non-empty string");
    m->name = strdup(name);
    m->provenance = cJSON_Duplicate(get(j, "provenance"), 1);
    return m->name && m->provenance ? DAC_OK : dac_error(DAC_ERR_NOMEM, "%s: out of memory", r->source);
}

static int read_detector(const rd *r, const cJSON *j, dac_stem_model *m)
{
    const cJSON *d = get(j, "detector"), *c = get(j, "candidates");
    dac_stem_count_params *p = &m->detector;
    dac_stem_count_params_default(p);
    double refine = 0, max_atoms = 0, shot = 0;
    int st = DAC_OK;
    if (!cJSON_IsObject(d))
        return bad_field(r, "detector", "an object");
    if (!cJSON_IsObject(c))
        return bad_field(r, "candidates", "an object");
    if ((st = number(r, d, "probe_fwhm_A", "detector.probe_fwhm_A", 1e-3, 100, "a width in Å (0.001-100)", &p->probe_fwhm_A)) ||
        (st = number(r, d, "filter_factor", "detector.filter_factor", 0.5, 10, "a factor in 0.5-10", &p->filter_factor)) ||
        (st = number(r, d, "background_sigma_A", "detector.background_sigma_A", 1e-3, 1000, "a width in Å", &p->background_sigma_A)) ||
        (st = number(r, d, "noise_block_A", "detector.noise_block_A", 1e-3, 1e5, "a length in Å", &p->noise_block_A)) ||
        (st = number(r, d, "min_separation_A", "detector.min_separation_A", 0, 100, "a distance in Å (0-100)", &p->min_separation_A)) ||
        (st = number(r, d, "refine", "detector.refine", 0, 1, "0 or 1", &refine)) ||
        (st = number(r, d, "max_atoms_per_blob", "detector.max_atoms_per_blob", 1, 10, "1-10", &max_atoms)) ||
        (st = number(r, d, "shot_noise_z", "detector.shot_noise_z", 0, 1, "0 or 1", &shot)) ||
        (st = number(r, c, "false_alarms_per_nm2", "candidates.false_alarms_per_nm2", 1e-12, 1e6, "a rate > 0 per nm²", &m->candidates.false_alarms_per_nm2)) ||
        (st = number(r, c, "min_atom_fraction", "candidates.min_atom_fraction", 0, 10, "a fraction >= 0", &m->candidates.min_atom_fraction)))
        return st;
    p->refine = refine != 0, p->max_atoms_per_blob = (int)max_atoms, p->shot_noise_z = shot != 0;
    p->false_alarms_per_nm2 = m->candidates.false_alarms_per_nm2;
    p->min_atom_fraction = m->candidates.min_atom_fraction;
    dac_stem_count_params check = *p;
    check.pixel_A = 1.0;
    if (count_check_params(&check) != DAC_OK)
        return bad_field(r, "detector", "parameters the detector accepts (background sigma > "
                         "probe FWHM)");
    return DAC_OK;
}

static int read_features(const rd *r, const cJSON *j, dac_stem_model *m)
{
    size_t n;
    const count_feature_def *f = count_features(&n);
    const cJSON *a = get(j, "features"), *imp = get(j, "feature_importance_gain");
    if (!cJSON_IsArray(a))
        return bad_field(r, "features", "an array of {\"name\", \"definition\"}");
    if ((size_t)cJSON_GetArraySize(a) != n)
        return dac_error(DAC_ERR_INPUT, "%s: field 'features': the model has %d features, this "
                         "dac computes %zu (a model of another version: train it again)",
                         r->source, cJSON_GetArraySize(a), n);
    if (!cJSON_IsObject(imp))
        return bad_field(r, "feature_importance_gain", "an object with a number per feature");
    m->n_features = n;
    if (!(m->importance = calloc(n, sizeof *m->importance)))
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory", r->source);
    size_t k = 0;
    for (const cJSON *e = a->child; e; e = e->next, k++) {
        const char *name = string(r, e, "name", "features[].name");
        if (!name)
            return DAC_ERR_INPUT;
        if (strcmp(name, f[k].name))
            return dac_error(DAC_ERR_INPUT, "%s: field 'features': feature %zu is '%s', this dac "
                             "computes '%s' there (a model of another version: train it again)",
                             r->source, k + 1, name, f[k].name);
        char field[96];
        snprintf(field, sizeof field, "feature_importance_gain.%s", name);
        if (number(r, imp, name, field, 0, 1, "a share of the gain in 0-1", &m->importance[k]))
            return DAC_ERR_INPUT;
    }
    return DAC_OK;
}

static int read_training(const rd *r, const cJSON *j, dac_stem_model *m)
{
    const cJSON *t = get(j, "trees"), *tr = get(j, "training");
    dac_stem_model_info *in = &m->info;
    double depth = 0, cv = 0;
    int st;
    if (!cJSON_IsObject(t))
        return bad_field(r, "trees", "an object");
    if (!cJSON_IsObject(tr))
        return bad_field(r, "training", "an object");
    if ((st = number(r, j, "decision_threshold", "decision_threshold", 0, 1, "a probability in 0-1", &m->decision_threshold)) ||
        (st = number(r, j, "merge_distance_A", "merge_distance_A", 0, 1e3, "a distance >= 0 in Å", &m->merge_distance_A)) ||
        (st = number(r, j, "match_distance_A", "match_distance_A", 1e-6, 1e3, "a distance > 0 in Å", &m->match_distance_A)) ||
        (st = count(r, t, "n_trees", "trees.n_trees", &in->n_trees)) ||
        (st = number(r, t, "max_depth", "trees.max_depth", 1, 32, "a depth in 1-32", &depth)) ||
        (st = number(r, t, "learning_rate", "trees.learning_rate", 1e-9, 1, "a rate in (0, 1]", &m->trees.learning_rate)) ||
        (st = number(r, t, "min_child_weight", "trees.min_child_weight", 0, 1e9, "a weight >= 0", &m->trees.min_child_weight)) ||
        (st = number(r, t, "lambda", "trees.lambda", 0, 1e9, "a penalty >= 0", &m->trees.lambda)) ||
        (st = count(r, tr, "n_images", "training.n_images", &in->n_images)) ||
        (st = count(r, tr, "n_labels", "training.n_labels", &in->n_labels)) ||
        (st = count(r, tr, "n_candidates", "training.n_candidates", &in->n_candidates)) ||
        (st = count(r, tr, "n_positive", "training.n_positive", &in->n_positive)) ||
        (st = number(r, tr, "label_coverage", "training.label_coverage", 0, 1, "a share in 0-1", &in->label_coverage)))
        return st;
    m->trees.max_depth = (int)depth;
    const cJSON *c = get(tr, "cv_f1");
    if (cJSON_IsNull(c))
        cv = NAN;
    else if ((st = number(r, tr, "cv_f1", "training.cv_f1", 0, 1, "an F1 in 0-1 or null", &cv)))
        return st;
    in->cv_f1 = cv;
    return DAC_OK;
}

static int read_booster(const rd *r, const cJSON *j, dac_stem_model *m)
{
    const char *fmt = string(r, j, "booster_format", "booster_format");
    if (!fmt)
        return DAC_ERR_INPUT;
    if (strcmp(fmt, BOOSTER_FORMAT))
        return bad_field(r, "booster_format", "\"" BOOSTER_FORMAT "\"");
    const char *b = string(r, j, "booster", "booster");
    if (!b)
        return DAC_ERR_INPUT;
    size_t len = strlen(b), n_trees = 0;
    int st = count_booster_check(b, len, m->n_features, r->source, &n_trees);
    if (st == DAC_OK && n_trees != m->info.n_trees)
        st = dac_error(DAC_ERR_INPUT, "%s: field 'trees.n_trees': %zu, but the booster holds %zu "
                       "trees", r->source, m->info.n_trees, n_trees);
    if (st == DAC_OK && !(m->booster_json = strdup(b)))
        st = dac_error(DAC_ERR_NOMEM, "%s: out of memory", r->source);
    m->booster_len = len;
    if (st == DAC_OK && (st = count_booster_load(b, len, &m->booster)) != DAC_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", dac_last_error());
        st = dac_error(DAC_ERR_INPUT, "%s: field 'booster': %s", r->source, msg);
    }
    return st;
}

static void fill_info(dac_stem_model *m)
{
    m->info.name = m->name;
    m->info.decision_threshold = m->decision_threshold;
    m->info.n_features = m->n_features;
}

int count_model_parse(const char *text, size_t len, const char *source, dac_stem_model **out)
{
    *out = NULL;
    rd r = {source};
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    while (j && end && end < text + len && strchr(" \t\r\n", *end) && *end)
        end++;
    if (!j || (end && end < text + len)) { /* not JSON, or something after it */
        cJSON_Delete(j);
        return dac_error(DAC_ERR_INPUT, "%s: not valid JSON (near byte %td)", source,
                         end && end >= text ? end - text : (ptrdiff_t)0);
    }
    dac_stem_model *m = calloc(1, sizeof *m);
    int st = m && (m->source = strdup(source)) ? DAC_OK
                                               : dac_error(DAC_ERR_NOMEM, "%s: out of memory", source);
    if (st == DAC_OK && !cJSON_IsObject(j))
        st = bad_field(&r, "record", "a JSON object (a model file)");
    if (st == DAC_OK)
        st = read_header(&r, j, m);
    if (st == DAC_OK)
        st = read_detector(&r, j, m);
    if (st == DAC_OK)
        st = read_features(&r, j, m);
    if (st == DAC_OK)
        st = read_training(&r, j, m);
    if (st == DAC_OK)
        st = read_booster(&r, j, m);
    cJSON_Delete(j);
    if (st != DAC_OK) {
        dac_stem_model_free(m);
        return st;
    }
    dac_sha256 h;
    unsigned char digest[32];
    dac_sha256_init(&h);
    dac_sha256_update(&h, text, len);
    dac_sha256_final(&h, digest);
    dac_sha256_hex(digest, m->sha256);
    fill_info(m);
    *out = m;
    return DAC_OK;
}

int dac_stem_model_read(const char *path, dac_stem_model **out)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int st = dac_read_file(path, MAX_MODEL_BYTES, &text, &len);
    if (st == DAC_OK)
        st = count_model_parse(text, len, path, out);
    free(text);
    return st;
}

int dac_stem_model_builtin(const char *name, dac_stem_model **out)
{
    *out = NULL;
    for (size_t k = 0; name && k < sizeof BUILTIN / sizeof BUILTIN[0]; k++)
        if (!strcmp(name, BUILTIN[k].name)) {
            char source[64];
            snprintf(source, sizeof source, "built-in model %s", name);
            return count_model_parse(BUILTIN[k].text, *BUILTIN[k].len, source, out);
        }
    return dac_error(DAC_ERR_USAGE, "stem count: no built-in model '%s' (built in: ptnc; a "
                     "model file is named by a path with '/' or '.json', e.g. ./%s)",
                     name ? name : "", name ? name : "model.json");
}

int count_model_clone(const dac_stem_model *m, dac_stem_model **out)
{
    *out = NULL;
    dac_stem_model *c = calloc(1, sizeof *c);
    if (!c)
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory");
    *c = *m;
    c->name = strdup(m->name), c->source = strdup(m->source);
    c->importance = malloc(sizeof *c->importance * (m->n_features ? m->n_features : 1));
    c->booster_json = malloc(m->booster_len + 1);
    c->provenance = m->provenance ? cJSON_Duplicate(m->provenance, 1) : NULL;
    c->booster = NULL;
    int st = c->name && c->source && c->importance && c->booster_json &&
                     (c->provenance || !m->provenance)
                 ? DAC_OK : dac_error(DAC_ERR_NOMEM, "stem count: out of memory");
    if (st == DAC_OK) {
        memcpy(c->importance, m->importance, sizeof *c->importance * m->n_features);
        memcpy(c->booster_json, m->booster_json, m->booster_len + 1);
        st = count_booster_load(c->booster_json, c->booster_len, &c->booster);
    }
    if (st != DAC_OK) {
        dac_stem_model_free(c);
        return st;
    }
    fill_info(c);
    *out = c;
    return DAC_OK;
}

/* ------------------------------------------------------------------- writing --- */

static void add_detector(cJSON *j, const dac_stem_model *m)
{
    const dac_stem_count_params *p = &m->detector;
    cJSON *d = cJSON_AddObjectToObject(j, "detector");
    dac_json_number(d, "probe_fwhm_A", p->probe_fwhm_A, NULL);
    dac_json_number(d, "filter_factor", p->filter_factor, NULL);
    dac_json_number(d, "background_sigma_A", p->background_sigma_A, NULL);
    dac_json_number(d, "noise_block_A", p->noise_block_A, NULL);
    dac_json_number(d, "min_separation_A", p->min_separation_A, NULL);
    dac_json_number(d, "refine", p->refine, NULL);
    dac_json_number(d, "max_atoms_per_blob", p->max_atoms_per_blob, NULL);
    dac_json_number(d, "shot_noise_z", p->shot_noise_z, NULL);
    cJSON *c = cJSON_AddObjectToObject(j, "candidates");
    dac_json_number(c, "false_alarms_per_nm2", m->candidates.false_alarms_per_nm2, NULL);
    dac_json_number(c, "min_atom_fraction", m->candidates.min_atom_fraction, NULL);
}

static void add_features(cJSON *j, const dac_stem_model *m)
{
    size_t n;
    const count_feature_def *f = count_features(&n);
    cJSON *a = cJSON_AddArrayToObject(j, "features");
    for (size_t k = 0; a && k < n; k++) {
        cJSON *o = cJSON_CreateObject();
        dac_json_string(o, "name", f[k].name);
        dac_json_string(o, "definition", f[k].definition);
        dac_json_number(o, "monotone", f[k].monotone, NULL);
        cJSON_AddItemToArray(a, o);
    }
    cJSON *imp = cJSON_AddObjectToObject(j, "feature_importance_gain");
    for (size_t k = 0; imp && k < n; k++)
        dac_json_number(imp, f[k].name, m->importance[k], NULL);
}

static void add_training(cJSON *j, const dac_stem_model *m)
{
    const dac_stem_model_info *in = &m->info;
    dac_json_number(j, "decision_threshold", m->decision_threshold, NULL);
    dac_json_number(j, "merge_distance_A", m->merge_distance_A, NULL);
    dac_json_number(j, "match_distance_A", m->match_distance_A, NULL);
    cJSON *t = cJSON_AddObjectToObject(j, "trees");
    dac_json_count(t, "n_trees", in->n_trees);
    dac_json_number(t, "max_depth", m->trees.max_depth, NULL);
    dac_json_number(t, "learning_rate", m->trees.learning_rate, NULL);
    dac_json_number(t, "min_child_weight", m->trees.min_child_weight, NULL);
    dac_json_number(t, "lambda", m->trees.lambda, NULL);
    dac_json_string(t, "method", "XGBoost gbtree, binary:logistic, tree_method hist, one "
                                 "thread, seed 0, no subsampling");
    cJSON *tr = cJSON_AddObjectToObject(j, "training");
    dac_json_count(tr, "n_images", in->n_images);
    dac_json_count(tr, "n_labels", in->n_labels);
    dac_json_count(tr, "n_candidates", in->n_candidates);
    dac_json_count(tr, "n_positive", in->n_positive);
    dac_json_number(tr, "label_coverage", in->label_coverage, NULL);
    dac_json_number(tr, "cv_f1", in->cv_f1, "not measured");
    dac_json_string(tr, "cv_method", "leave one image out over the training images: the "
                    "number of trees, the merge distance and the decision threshold maximise the "
                    "pooled F1 of the "
                    "held-out images (one-to-one matching within match_distance_A)");
}

static cJSON *model_json(const dac_stem_model *m, const dac_provenance *prov)
{
    cJSON *j;
    if (prov || !m->provenance) {
        j = dac_json_record(RECORD, prov);
    } else {
        j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "record", RECORD);
        cJSON_AddNumberToObject(j, "record_version", 1);
        cJSON_AddItemToObject(j, "provenance", cJSON_Duplicate(m->provenance, 1));
    }
    if (!j)
        return NULL;
    dac_json_string(j, "name", m->name);
    dac_json_string(j, "method", "the statistical detector's candidates at a lower threshold, "
                    "rescored by gradient-boosted trees from the features below "
                    "(docs/stem-count.md)");
    add_detector(j, m);
    add_features(j, m);
    add_training(j, m);
    dac_json_string(j, "booster_format", BOOSTER_FORMAT);
    cJSON_AddStringToObject(j, "booster", m->booster_json);
    return j;
}

int dac_stem_model_write(const dac_stem_model *m, const char *path, const dac_provenance *prov)
{
    cJSON *j = model_json(m, prov);
    if (!j)
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory", path);
    dac_outset *set = NULL;
    FILE *f = NULL;
    int st = dac_outset_create_file(path, &set, &f);
    if (st == DAC_OK)
        st = dac_outset_finish(set, dac_json_write(f, j, path));
    cJSON_Delete(j);
    return st;
}

/* ------------------------------------------------------------------- applying --- */

/* Detections closer than r_px become one blob (count_merge_groups): at the
 * probability-weighted mean position, with the summed intensity (the mixture model may
 * then count two atoms in it) and the strongest member's z and amplitude. */
static int merge_close(count_detection *d, const float *prob, size_t n, double r_px, size_t *kept)
{
    double *xy = malloc(sizeof *xy * 2 * (n ? n : 1)), *wx = calloc(2 * (n ? n : 1), sizeof *wx);
    double *ws = calloc(n ? n : 1, sizeof *ws), *inten = calloc(n ? n : 1, sizeof *inten);
    size_t *order = malloc(sizeof *order * (n ? n : 1)), *head = malloc(sizeof *head * (n ? n : 1));
    int st = xy && wx && ws && inten && order && head
                 ? DAC_OK : dac_error(DAC_ERR_NOMEM, "stem count: out of memory (merge)");
    for (size_t i = 0; st == DAC_OK && i < n; i++)
        xy[2 * i] = d->blobs[i].x_px, xy[2 * i + 1] = d->blobs[i].y_px;
    if (st == DAC_OK && count_merge_groups(xy, prob, n, r_px, order, head) < n) {
        for (size_t i = 0; i < n; i++) {
            size_t h = head[i];
            wx[2 * h] += prob[i] * xy[2 * i], wx[2 * h + 1] += prob[i] * xy[2 * i + 1];
            ws[h] += prob[i], inten[h] += d->blobs[i].intensity;
        }
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (head[i] == i) {
                dac_stem_blob b = d->blobs[i]; /* the strongest member: its z, amplitude */
                b.x_px = wx[2 * i] / ws[i], b.y_px = wx[2 * i + 1] / ws[i];
                b.intensity = inten[i];
                d->blobs[k++] = b;
            }
        n = k;
    }
    free(xy), free(wx), free(ws), free(inten), free(order), free(head);
    *kept = n;
    return st;
}

int count_model_detect(const dac_stem_model *m, const float *img, size_t w, size_t h,
                       const unsigned char *support, const dac_stem_count_params *p,
                       double floor_scale, count_detection **out, size_t *n_candidates)
{
    *out = NULL;
    dac_stem_count_params q = m->detector;
    q.pixel_A = p->pixel_A, q.pair_max_A = p->pair_max_A;
    count_candidate_params cp = m->candidates;
    cp.min_atom_fraction *= floor_scale;
    count_detection *d = NULL;
    float *x = NULL, *prob = NULL;
    int st = count_candidates(img, w, h, support, &q, &cp, &d, &x);
    size_t n = d ? d->n_blobs : 0, kept = 0;
    if (st == DAC_OK && !(prob = malloc(sizeof *prob * (n ? n : 1))))
        st = dac_error(DAC_ERR_NOMEM, "stem count: out of memory (%zu candidates)", n);
    if (st == DAC_OK)
        st = count_booster_predict(m->booster, x, n, m->n_features, 0, prob);
    for (size_t i = 0; st == DAC_OK && i < n; i++)
        if (prob[i] >= m->decision_threshold) {
            prob[kept] = prob[i];
            d->blobs[kept++] = d->blobs[i];
        }
    if (st == DAC_OK)
        st = merge_close(d, prob, kept, m->merge_distance_A / p->pixel_A, &kept);
    free(x), free(prob);
    if (st != DAC_OK) {
        count_detection_free(d);
        return st;
    }
    d->n_blobs = kept;
    *n_candidates = n;
    *out = d;
    return DAC_OK;
}

void count_model_json(cJSON *summary, const dac_stem_model *m)
{
    cJSON *d = cJSON_AddObjectToObject(summary, "detector");
    if (!m) {
        cJSON_AddStringToObject(d, "kind", "statistical");
        return;
    }
    cJSON_AddStringToObject(d, "kind", "learned");
    dac_json_string(d, "model", m->name);
    dac_json_string(d, "model_source", m->source);
    if (m->sha256[0])
        cJSON_AddStringToObject(d, "model_sha256", m->sha256);
    else
        dac_json_number(d, "model_sha256", NAN, "trained in this program, not read from a file");
    dac_json_number(d, "decision_threshold", m->decision_threshold, NULL);
    dac_json_number(d, "candidate_false_alarms_per_nm2", m->candidates.false_alarms_per_nm2, NULL);
    dac_json_number(d, "candidate_min_atom_fraction", m->candidates.min_atom_fraction, NULL);
    dac_json_count(d, "n_trees", m->info.n_trees);
    dac_json_count(d, "training_images", m->info.n_images);
    dac_json_number(d, "training_cv_f1", m->info.cv_f1, "not measured");
}

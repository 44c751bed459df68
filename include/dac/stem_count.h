/*
 * dac/stem_count.h — counting single atoms, pairs and clusters in HAADF-STEM images,
 * with statistics that say how much of a "pair" count could be chance; and scoring a
 * count against the truth.
 *
 * The counter has the plan / execute shape of the simulator (dac/stem.h):
 *
 *     dac_stem_counter *c;
 *     dac_stem_counter_create(&params, &c);         parameters copied, checked
 *     dac_stem_counter_set_elements(c, names, 2);    optional: "Zn", "Ru"
 *     dac_stem_counter_add_image(c, image, NULL, "a.tif");   detect, classify, group
 *     dac_stem_counter_add_image(c, image2, NULL, "b.tif");
 *     dac_stem_counter_finish(c, seed);              statistics over all images
 *     dac_stem_counter_write(c, "out/", &provenance);     atoms.csv, sites.csv, …
 *     dac_stem_counter_free(c);
 *
 * What each step does and why: docs/stem-count.md, and src/stem/count/count_internal.h
 * for the pipeline's inner steps. Positions are in pixels (x = column, y = row, origin
 * at the centre of the top-left pixel) unless a name ends in _A. A counter is used by
 * one thread at a time (it runs its own threads: dac_stem_counter_set_threads); two
 * counters on two threads never interfere.
 */
#ifndef DAC_STEM_COUNT_H
#define DAC_STEM_COUNT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dac/core.h"
#include "dac/image.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest of libdac is hidden */

/* ------------------------------------------------------------- parameters ------- */

typedef struct {
    double pixel_A;              /* pixel size; 0: from each image's calibration */
    double probe_fwhm_A;         /* FWHM of an atom's image (probe ⊗ source) */
    double filter_factor;        /* matched-filter FWHM / probe FWHM (texture suppression) */
    double background_sigma_A;   /* Gaussian σ of the smooth background estimate */
    double noise_block_A;        /* side of the blocks for the local MAD noise */
    double false_alarms_per_nm2; /* expected false detections per nm² of support */
    double min_separation_A;     /* non-maximum suppression radius */
    double min_atom_fraction;    /* reject blobs fainter than this × one atom (0: off) */
    double pair_max_A;           /* atoms closer than this belong to one site */
    int refine;                  /* 1: least-squares Gaussian refinement */
    int max_atoms_per_blob;      /* largest multiple in the mixture model (3) */
    int shot_noise_z;            /* 1: z from the photon-transfer noise model (times one
                                    excess factor per image) instead of block MADs */
} dac_stem_count_params;

/* Fills the defaults (documented with their sources in count_detect.c and
 * docs/stem-count.md); pixel_A is left 0 for the caller to set. */
void dac_stem_count_params_default(dac_stem_count_params *p);


/* ----------------------------------------------------------------- blobs ---------- */

/* One detected blob: an atom, or several unresolved atoms (n_atoms > 1). */
typedef struct {
    double x_px, y_px;    /* refined centre */
    double amplitude;     /* Gaussian peak above the local plane, image units */
    double sigma_px;      /* Gaussian σ */
    double intensity;     /* integrated intensity above background, 2π·A·σ² */
    double snr;           /* detection z-score of the matched filter */
    int n_atoms;          /* from the mixture model; 1 until classified */
    int element;          /* index into the element list; -1 none/undecided */
    long site;            /* index into the site array; -1 before grouping */
    int image;            /* index of the image it came from */
    int refined;          /* 1 if the least-squares fit converged */
} dac_stem_blob;


/* ----------------------------------------------------------------- sites --------- */


typedef struct {
    dac_site_kind kind;
    int image;
    int n_blobs;
    int n_atoms;
    double x_px, y_px;   /* intensity-weighted centre */
    double distance_A;   /* pairs of two resolved blobs: their distance; else NAN */
} dac_stem_site;


/* ----------------------------------------------------------- statistics -------- */

/* Most bins of the pair-distance histogram (their width is chosen from the data:
 * docs/stem-count.md, pair_hist). */
#define DAC_STEM_HIST_MAX_BINS 64

typedef struct {
    size_t n_images, n_atoms, n_sites, n_single, n_pair, n_cluster;
    double support_area_nm2;
    double density_per_nm2;         /* sites per nm² of support */
    double atom_density_per_nm2;
    double purity_site, purity_atom;
    double site_ci95[2], atom_ci95[2];          /* Wilson (one image) or bootstrap */
    double chance_pairs_expected;               /* Monte Carlo in the support masks */
    double chance_pairs_csr;                    /* analytic CSR, edge-corrected */
    double purity_corrected_site, purity_corrected_atom;
    double corrected_site_ci95[2], corrected_atom_ci95[2];
    double pair_distance_mean_A, pair_distance_sd_A;
    size_t n_pair_distances;
    size_t n_hist_bins;             /* bins used, 1 … DAC_STEM_HIST_MAX_BINS */
    double hist_bin_width_A;        /* Freedman–Diaconis, at least the precision */
    double hist_precision_A;        /* median precision of a resolved pair's distance
                                       (NAN: no resolved pair) */
    double hist_edges_A[DAC_STEM_HIST_MAX_BINS + 1];
    size_t hist[DAC_STEM_HIST_MAX_BINS];
    double clark_evans;             /* R = mean NN distance / (0.5/sqrt(density)) */
    double est_single, est_pair, est_cluster; /* chance-corrected site counts */
    int ci_method;                  /* 0 Wilson, 1 bootstrap over images */
} dac_stem_count_stats;


/* ---------------------------------------------------------------- the counter --- */

typedef struct dac_stem_counter dac_stem_counter;

/* Per image: what the detector saw and decided (for the summary and for diagnosis). */
typedef struct {
    const char *name;              /* as given to add_image */
    size_t width, height;
    double pixel_A;                /* used */
    double support_area_nm2;       /* searched support area */
    size_t n_blobs, n_atoms;
    double threshold_z;            /* detection threshold used */
    double atom_fwhm_A;            /* atom image width measured on the image (NAN: not
                                      measured, the nominal probe was used) */
    int elements_separable;        /* two elements: intensities tell them apart */
} dac_stem_count_image_info;

/* Copies and checks the parameters (DAC_ERR_USAGE naming the field). */
int dac_stem_counter_create(const dac_stem_count_params *p, dac_stem_counter **out);
void dac_stem_counter_free(dac_stem_counter *c);
/* One or two metal element symbols ("Ni"; "Zn", "Ru"). With two, blobs are classified
 * by integrated intensity into A, B and their sums, and the faint-blob floor is scaled
 * to the lighter element (or every light atom beside a heavy one would be rejected). */
int dac_stem_counter_set_elements(dac_stem_counter *c, const char *const *symbols, int n);
/* Draw overlays (default 1): the image with the sites circled, one PNG per image. */
void dac_stem_counter_set_overlays(dac_stem_counter *c, int on);
/* Threads for what runs in parallel: the images of one add_images call (one thread per
 * image) and the chance-pair Monte Carlo of finish. n ≤ 0 (the default): OpenMP's
 * default (OMP_NUM_THREADS, else every core); 1 without OpenMP. Every result, warning
 * and error is the same whatever the number. dac_stem_counter_threads: the number used. */
void dac_stem_counter_set_threads(dac_stem_counter *c, int n);
int dac_stem_counter_threads(const dac_stem_counter *c);
void dac_stem_counter_set_progress(dac_stem_counter *c, dac_progress_fn fn, void *user_data);
/* Detects, refines, classifies and groups the atoms of one image. support: w*h bytes,
 * non-zero = support, or NULL for the automatic vacuum mask. name appears in messages
 * and outputs. Errors name the image. The image is not kept (an 8-bit display copy is,
 * for the overlay). */
int dac_stem_counter_add_image(dac_stem_counter *c, const dac_image *image,
                               const unsigned char *support, const char *name);
/* As add_image for n images at once, counted in parallel. supports and names may be
 * NULL (all automatic / unnamed), or hold NULLs. The images are added as if one by one
 * in order: on a failure the images before it stay added, it and those after do not,
 * and its error is the one returned; warnings come in image order. */
int dac_stem_counter_add_images(dac_stem_counter *c, size_t n, const dac_image *const *images,
                                const unsigned char *const *supports, const char *const *names);
/* Statistics over every image added (Monte Carlo chance pairs and bootstrap driven by
 * seed: same seed, same numbers). */
int dac_stem_counter_finish(dac_stem_counter *c, uint64_t seed);
/* Writes the result set into folder dir: atoms.csv, sites.csv, summary.json (a JSON
 * record with prov), pair_hist (figure), and overlay_<image>.png per image. After
 * finish. */
int dac_stem_counter_write(const dac_stem_counter *c, const char *dir, const dac_provenance *prov);

/* Results (valid until the counter is freed). */
size_t dac_stem_counter_n_images(const dac_stem_counter *c);
const dac_stem_count_image_info *dac_stem_counter_image(const dac_stem_counter *c, size_t k);
const dac_stem_blob *dac_stem_counter_blobs(const dac_stem_counter *c, size_t *n);
const dac_stem_site *dac_stem_counter_sites(const dac_stem_counter *c, size_t *n);
const dac_stem_count_stats *dac_stem_counter_stats(const dac_stem_counter *c); /* after finish */

/* ------------------------------------------------------ the learned detector --- */

/* A classifier that rescores the statistical detector's candidates, trained on a lab's
 * own hand-labelled images (docs/stem-count.md, "The learned detector"):
 *
 *     dac_stem_learner *l;
 *     dac_stem_learner_create(&params, &options, &l);
 *     dac_stem_learner_add_image(l, image, NULL, "a.tif", labels_xy, n_labels);   ×N
 *     dac_stem_learner_train(l, "mylab", &model);     deterministic: same bytes
 *     dac_stem_model_write(model, "model.json", &provenance);
 *
 *     dac_stem_model_read("model.json", &model);       or dac_stem_model_builtin("ptnc")
 *     dac_stem_counter_set_model(counter, model);      before add_image
 *
 * Candidates are the statistical detector's blobs at a lower threshold; each gets
 * features measured on the image (z, fitted amplitude and width, fit residual,
 * shot-noise z, isotropy, scale-space responses, background level and roughness,
 * neighbours); gradient-boosted trees (XGBoost) give each a probability of being a
 * labelled atom, and those at or above the model's decision threshold are the atoms. */
typedef struct dac_stem_model dac_stem_model;
typedef struct dac_stem_learner dac_stem_learner;

typedef struct {
    double candidate_false_alarms_per_nm2; /* the detector's rate for candidates */
    double candidate_min_atom_fraction;    /* the faint-blob floor for candidates */
    double match_distance_A;   /* a candidate matched one to one to a label within this
                                  is a positive (the scorer's convention) */
    int max_depth;             /* of each tree */
    double learning_rate;      /* shrinkage of each tree */
    double min_child_weight;   /* least Hessian sum in a leaf */
    double lambda;             /* L2 penalty on leaf values */
    int max_trees;             /* the number of trees is chosen among max_trees/8, /4,
                                  /2 and max_trees by leave-one-image-out */
} dac_stem_learn_options;

/* Defaults with their sources (src/stem/count/learn.c, docs/stem-count.md). */
void dac_stem_learn_options_default(dac_stem_learn_options *o);

/* What a model is and how it was trained (valid until the model is freed). */
typedef struct {
    const char *name;
    double decision_threshold;   /* probability at or above which a candidate is an atom */
    size_t n_features, n_trees;
    size_t n_images, n_labels, n_candidates, n_positive;  /* training data */
    double label_coverage;       /* share of labels some candidate matched: recall ceiling */
    double cv_f1;                /* pooled leave-one-image-out F1 of the training images at
                                    the chosen trees and threshold (NAN: not known) */
} dac_stem_model_info;

/* p: the detector parameters the candidates are made with (pixel_A as for the
 * counter); o: NULL for the defaults. DAC_ERR_USAGE naming the field. */
int dac_stem_learner_create(const dac_stem_count_params *p, const dac_stem_learn_options *o,
                            dac_stem_learner **out);
void dac_stem_learner_free(dac_stem_learner *l);
/* One labelled image: labels_xy holds n_labels positions in pixels (x = column, y =
 * row, as dac_stem_points_read returns them); every atom of the image must be
 * labelled (an unlabelled atom teaches the model that atoms are not atoms). support as
 * for dac_stem_counter_add_image. */
int dac_stem_learner_add_image(dac_stem_learner *l, const dac_image *image,
                               const unsigned char *support, const char *name,
                               const double *labels_xy, size_t n_labels);
/* Trains the model (at least two images: the threshold and the number of trees are
 * chosen by leave-one-image-out over them). name: the model's name (NULL: "model"). */
int dac_stem_learner_train(dac_stem_learner *l, const char *name, dac_stem_model **out);

/* Reads model.json; a malformed or foreign file is DAC_ERR_INPUT naming the field. */
int dac_stem_model_read(const char *path, dac_stem_model **out);
/* A model compiled into the library: "ptnc" (Pt on N-doped carbon, 11 labelled images
 * of Mitchell et al. 2022; docs/stem-count.md). DAC_ERR_USAGE for another name. */
int dac_stem_model_builtin(const char *name, dac_stem_model **out);
/* Writes model.json (one-file output set). prov: the training's provenance (inputs:
 * the images and label files); NULL keeps the provenance the model was read with. */
int dac_stem_model_write(const dac_stem_model *m, const char *path, const dac_provenance *prov);
void dac_stem_model_free(dac_stem_model *m);
const dac_stem_model_info *dac_stem_model_get_info(const dac_stem_model *m);
/* Feature k (< info.n_features): its name and its share of the trees' total gain. */
const char *dac_stem_model_feature_name(const dac_stem_model *m, size_t k);
double dac_stem_model_feature_importance(const dac_stem_model *m, size_t k);

/* Counts with the model instead of the statistical test (the counter keeps its own
 * copy; m may be freed afterwards; NULL: back to the statistical detector). The
 * model's detector parameters replace the counter's, except the pixel size and the
 * pair distance. Before the first add_image. */
int dac_stem_counter_set_model(dac_stem_counter *c, const dac_stem_model *m);

/* ---------------------------------------------------------------- scoring ------- */

/* One-to-one matching of detections to truth within max_distance (same units as the
 * coordinates): minimum total distance over all matchings of maximal size
 * (Hungarian algorithm on the gated cost matrix). match[i] = truth index or -1. */
typedef struct {
    size_t n_detected, n_truth, n_matched;
    double precision, recall, f1;
    double rms_distance; /* over matched pairs */
    double mean_dx, mean_dy; /* mean detected − true offset over matched pairs: a
                                systematic value reveals a coordinate-convention shift */
} dac_stem_score_result;

int dac_stem_score(const double *det_xy, size_t n_det, const double *truth_xy, size_t n_truth,
                   double max_distance, dac_stem_score_result *out, long *match);

/* Reads point positions (pixels) from a CSV: our atoms.csv (x_px,y_px), our truth.csv
 * (x_px,y_px or x_A,y_A with pixel_A) or a hand-label file (",X,Y", X = column).
 * xy is malloc'ed, 2 doubles per point. */
int dac_stem_points_read(const char *path, double pixel_A, double **xy, size_t *n);

/* The pixel size implied by a CSV with both x_px and x_A columns (x_A = (x_px + 0.5)·
 * pixel, the convention of atoms.csv and truth.csv); 0 if the file has none. */
double dac_stem_points_pixel_A(const char *path);

/* Writes a scoring: one line of text, or (json) a JSON record "dac stem score" with
 * prov, distances in Å. */
int dac_stem_score_write(FILE *f, const dac_stem_score_result *r, double pixel_A,
                         double max_distance_A, int json, const dac_provenance *prov);

/* The image (0.5–99.5 % stretch) with the outcome of a scoring drawn on it: matched
 * detections (true positives) green, unmatched detections (false positives) red,
 * missed truths blue; matched pairs joined by a green line. match as returned by
 * dac_stem_score. path must end in .png. Atomic. */
int dac_stem_score_write_overlay(const char *path, const float *img, size_t w, size_t h,
                                 const double *det_xy, size_t n_det, const double *truth_xy,
                                 size_t n_truth, const long *match, double pixel_A);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif

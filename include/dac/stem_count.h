/*
 * dac/stem_count.h — counting single atoms, pairs and clusters in HAADF-STEM images,
 * with statistics that say how much of a "pair" count could be chance.
 *
 * The pipeline (domain.md §3), each step callable on its own:
 *   1. background and noise: a large-scale smooth background (normalised Gaussian
 *      convolution inside the support), the support mask (vacuum excluded), and a
 *      local robust noise level (block MAD) of the matched-filter output;
 *   2. detection: matched filter of the probe shape turned into a local z-score and
 *      thresholded at a stated false-alarm rate (Gaussian tail with a multiple-testing
 *      correction over the number of resolution elements), non-maximum suppression;
 *   3. refinement: least-squares 2D Gaussians on a local plane, overlapping
 *      neighbours fitted together (Levenberg–Marquardt), at the atom width measured on
 *      the image, centres kept within one σ of the filter maxima;
 *      then detection on the residual (the fitted model subtracted, the same statistic
 *      and threshold), new atoms refitted with their neighbours, up to three rounds —
 *      atoms the filter merged with a brighter neighbour (1.4–2.5 Å apart);
 *   4. blob size: a mixture model of integrated intensities with components at
 *      1×, 2×, 3× the single-atom intensity (and, with two elements, at σ_A, σ_B and
 *      their sums); merged pairs become n_atoms = 2;
 *   5. sites: connected components of atoms within pair_max_A;
 *   6. statistics: purity on site and atom basis, Wilson intervals, expected chance
 *      pairs (Monte Carlo placement in the support mask, plus the analytic CSR value),
 *      chance-corrected purity, Clark–Evans ratio, bootstrap over images.
 *
 * Positions are in pixels (x = column, y = row, origin at the centre of the top-left
 * pixel) unless a name ends in _A. The caller owns every array it passes; objects
 * made here are freed with their _free function.
 */
#ifndef DAC_STEM_COUNT_H
#define DAC_STEM_COUNT_H

#include <stddef.h>
#include <stdint.h>

#include "dac/core.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest of libdac is hidden */

/* ------------------------------------------------------------- parameters ------- */

typedef struct {
    double pixel_A;              /* pixel size; required (> 0) */
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

/* The one-sided Gaussian threshold z such that P(Z > z) = alpha / n_tests
 * (Bonferroni). Exposed for tests and docs. */
double dac_stem_count_threshold_z(double false_alarms, double n_tests);

/* ---------------------------------------------------- background and support --- */

/* Support mask from the smooth background: vacuum is the low class of a two-class
 * (Otsu) split of the background when the split is clear; else everything is support.
 * mask: w*h bytes, 1 = support. */
int dac_stem_count_support_auto(const float *background, size_t w, size_t h,
                                unsigned char *mask);

/* Smooth background: Gaussian of sigma_px, normalised inside `mask` (pixels outside
 * the mask are estimated from their own class), so vacuum edges do not bleed into the
 * support. out: w*h floats. mask may be NULL (all support). */
int dac_stem_count_background(const float *img, size_t w, size_t h,
                              const unsigned char *mask, double sigma_px, float *out);

/* Separable Gaussian blur with mirrored edges (small sigma: direct; large: through a
 * block-mean pyramid). out may not alias in. */
int dac_stem_count_blur(const float *in, size_t w, size_t h, double sigma_px, float *out);

/* Local robust spread: 1.4826·MAD of `in` over blocks of `block` pixels (only mask
 * pixels count where mask is given), bilinearly interpolated between block centres. */
int dac_stem_count_local_mad(const float *in, size_t w, size_t h, const unsigned char *mask,
                             size_t block, float *out);

/* The image's photon-transfer noise model (count_noise.c): pixel variance
 * var = gain·(mean − offset), measured from the pixel-scale residual in small blocks.
 * CONSTANT: block means too uniform to measure a slope, var = var_median everywhere.
 * INVALID: no usable calibration (too small, variance not rising with signal). */
typedef enum {
    DAC_STEM_NOISE_INVALID = 0,
    DAC_STEM_NOISE_SHOT = 1,
    DAC_STEM_NOISE_CONSTANT = 2
} dac_stem_noise_kind;

typedef struct {
    int model;          /* dac_stem_noise_kind */
    double gain;        /* image units per detected electron (SHOT) */
    double offset;      /* image value of zero variance (SHOT) */
    double var_min;     /* smallest measured bin variance: floor of the model */
    double var_median;  /* median block variance */
    double electrons_median; /* (SHOT) median block (mean − offset)/gain: the dose per pixel */
} dac_stem_noise_model;

/* Calibrates the model on the pixels inside mask (NULL: all). An image too small or a
 * calibration that fails gives model = INVALID and DAC_OK. */
int dac_stem_count_noise_model(const float *img, size_t w, size_t h, const unsigned char *mask,
                               dac_stem_noise_model *m);
/* Pixel variance predicted at a local mean level. */
double dac_stem_noise_variance(const dac_stem_noise_model *m, double mean);

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

/* The result of detection on one image. Maps are kept for overlays and diagnostics. */
typedef struct {
    size_t width, height;
    double pixel_A;
    float *background;      /* smooth background, w*h */
    unsigned char *support; /* 1 = support, w*h */
    double support_area_nm2;
    double threshold_z;     /* detection threshold actually used */
    double unit_amplitude;  /* filtered amplitude of a typical atom (0: not measured) */
    size_t n_rejected_faint; /* candidates rejected by the min_atom_fraction test */
    size_t n_decoys;        /* local minima passing the same tests (false-alarm estimate) */
    double threshold_z_gauss; /* the Gaussian-tail threshold before decoy calibration */
    double n_resolution_elements;
    double atom_fwhm_A;     /* atom image FWHM used by the refinement: measured on the
                               frame (median of the bright blobs) or the nominal probe */
    size_t n_residual;      /* blobs added by detection on the residual */
    size_t n_residual_decoys; /* residual minima passing the mirrored tests */
    dac_stem_noise_model noise; /* the shot-noise calibration (INVALID: block MADs used) */
    double noise_excess;    /* robust σ of the filtered residual over the shot-noise
                               prediction (support texture, scan noise); 0 if not used */
    dac_stem_blob *blobs;
    size_t n_blobs;
} dac_stem_detection;

/* Detects and (if p->refine) refines blobs. `support` may be NULL for the automatic
 * mask. NaN/Inf pixels fail with DAC_ERR_INPUT; a constant image gives no blobs. */
int dac_stem_count_detect(const float *img, size_t w, size_t h,
                          const unsigned char *support, const dac_stem_count_params *p,
                          dac_stem_detection **out);
void dac_stem_detection_free(dac_stem_detection *d);

/* Least-squares refinement of blobs in place (used by detect; exposed for tests):
 * 2D Gaussians on a local plane, blobs whose windows overlap fitted together. A fit
 * that moves a centre more than max_shift_px (> 0) from its start is replaced by a fit
 * with the centres held at their starts (max_shift_px = 0: no limit). */
int dac_stem_count_refine(const float *img, size_t w, size_t h, dac_stem_blob *blobs,
                          size_t n, double sigma_px_guess, double max_shift_px);

/* As dac_stem_count_refine, but only the groups (blobs with overlapping windows) that
 * hold at least one blob with only[i] != 0 are fitted; only = NULL fits all. Used to
 * refit the neighbourhoods of atoms added from the residual. */
int dac_stem_count_refine_groups(const float *img, size_t w, size_t h, dac_stem_blob *blobs,
                                 size_t n, double sigma_px_guess, double max_shift_px,
                                 const unsigned char *only);

/* Iterative detection on the residual (DAOPHOT, Stetson 1987; StatSTEM, De Backer et
 * al. 2016): the fitted Gaussians of all blobs, seen through the matched filter, are
 * subtracted from f (the filtered image above the smooth background), z = residual /
 * noise (the same noise map and threshold as the first pass), and local maxima above
 * threshold_z that pass the amplitude test (≥ min_fraction × unit_amplitude, when
 * unit_amplitude > 0) and lie further than min_sep_px from every blob become new blobs
 * (the threshold raised, as in the first pass, if residual minima passing the mirrored
 * tests — decoys — exceed false_alarms_per_px2 × the searched support area);
 * the groups holding them are refitted (sigma_px, max_shift_px as in
 * dac_stem_count_refine). Repeats until a round adds nothing, at most max_rounds.
 * s_f: the matched filter's σ (px). mask: where candidates may lie (NULL: everywhere).
 * *blobs is reallocated; *n_added and *n_decoys (may be NULL) count the blobs added and
 * the decoys seen over all rounds. */
typedef struct {
    const float *f;       /* filtered image minus filtered background, w*h */
    const float *noise;   /* σ of f per pixel, w*h (≤ 0: no test there) */
    const unsigned char *mask;
    double s_f, threshold_z, unit_amplitude, min_fraction, min_sep_px;
    double false_alarms_per_px2; /* stated false-alarm rate per pixel of searched support */
    double sigma_px, max_shift_px;
    int max_rounds;
} dac_stem_residual_params;

int dac_stem_count_residual(const float *img, size_t w, size_t h,
                            const dac_stem_residual_params *rp, dac_stem_blob **blobs, size_t *n,
                            size_t *n_added, size_t *n_decoys);

/* The atom image width of a frame: the median σ (px) of free-width single-Gaussian fits
 * to the isolated blobs with z ≥ min_z (at least 5 of them; else *sigma_px = 0), each
 * fit started at sigma_px_guess. */
int dac_stem_count_atom_width(const float *img, size_t w, size_t h, const dac_stem_blob *blobs,
                              size_t n, double sigma_px_guess, double min_z, double *sigma_px);

/* Splits blobs that are wider than one atom into two when two Gaussians fit
 * significantly better (BIC); *blobs is reallocated and *n grows. Used by detect. */
int dac_stem_count_split(const float *img, size_t w, size_t h, dac_stem_blob **blobs, size_t *n,
                         double sigma_px_guess);

/* ----------------------------------------------------------- blob size ---------- */

/* Result of the intensity mixture. unit: the fitted intensity of one atom of the
 * reference (first) element; spread: σ of a single-atom component. */
typedef struct {
    double unit_intensity;
    double spread;
    int n_elements;
    double sigma_ratio;     /* σ(B)/σ(A) from the element table (1 with one element) */
    int elements_separable; /* 1 when the intensities tell the elements apart */
    int counts_atoms;       /* 1 when intensities are precise enough to count atoms per
                               blob (spread/unit < 0.215); else every blob is one atom */
    int converged;
} dac_stem_mixture;

/* Classifies blobs into n_atoms (and element indices when two cross-sections are
 * given: haadf_sigma[0], haadf_sigma[1]; n_elements 1 or 2). */
int dac_stem_count_mixture(dac_stem_blob *blobs, size_t n, int max_atoms,
                           const double *haadf_sigma, int n_elements, dac_stem_mixture *out);

/* ----------------------------------------------------------------- sites --------- */


typedef struct {
    dac_site_kind kind;
    int image;
    int n_blobs;
    int n_atoms;
    double x_px, y_px;   /* intensity-weighted centre */
    double distance_A;   /* pairs of two resolved blobs: their distance; else 0 */
} dac_stem_site;

/* Groups blobs (all from one image) into sites: connected components of blobs closer
 * than pair_max_A; kind from the total atom count. Sets blob.site (offset by
 * site_offset). *sites is malloc'ed. */
int dac_stem_count_sites(dac_stem_blob *blobs, size_t n, double pixel_A, double pair_max_A,
                         long site_offset, dac_stem_site **sites, size_t *n_sites);

/* ----------------------------------------------------------- statistics -------- */

#define DAC_STEM_HIST_BINS 14

/* Per image input to the statistics. */
typedef struct {
    const dac_stem_site *sites;
    size_t n_sites;
    const dac_stem_blob *blobs; /* for the Clark–Evans ratio (may be NULL) */
    size_t n_blobs;
    const unsigned char *support; /* w*h */
    size_t width, height;
    double pixel_A;
} dac_stem_count_image;

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
    double hist_edges_A[DAC_STEM_HIST_BINS + 1];
    size_t hist[DAC_STEM_HIST_BINS];
    double clark_evans;             /* R = mean NN distance / (0.5/sqrt(density)) */
    double est_single, est_pair, est_cluster; /* chance-corrected site counts */
    int ci_method;                  /* 0 Wilson, 1 bootstrap over images */
} dac_stem_count_stats;

/* Wilson score interval for k successes in n trials at z (1.96 for 95 %). */
void dac_stem_wilson(double k, double n, double z, double ci[2]);

/* Expected number of isolated pairs among n points placed uniformly at random in an
 * area with density lambda (per Å²) and linking distance r_A (Poisson process; the
 * edge correction enters through `coverage`, the mean fraction of a disc of radius
 * r_A inside the support). */
double dac_stem_chance_pairs_csr(double n, double lambda_per_A2, double r_A, double coverage);

/* All statistics; seed drives the Monte Carlo and the bootstrap (same seed, same
 * numbers). mc_repeats: Monte Carlo placements (0: default 200). */
int dac_stem_count_statistics(const dac_stem_count_image *images, size_t n_images,
                              double pair_max_A, uint64_t seed, int mc_repeats,
                              dac_stem_count_stats *out);

/* ---------------------------------------------------------------- writers ------- */

/* All writers are atomic (dac_outfile). pixel_A_by_image[blob.image] converts to Å;
 * element_names[blob.element] names the element ("" when -1 or names is NULL). */
int dac_stem_count_write_atoms_csv(const char *path, const dac_stem_blob *blobs, size_t n,
                                   const double *pixel_A_by_image,
                                   const char *const *element_names, int n_elements);
/* site,image,kind,n_blobs,n_atoms,x_px,y_px,x_A,y_A,distance_A */
int dac_stem_count_write_sites_csv(const char *path, const dac_stem_site *sites, size_t n,
                                   const double *pixel_A_by_image);
/* summary.json: the statistics, the parameters, per-image detection figures. */
int dac_stem_count_write_summary(const char *path, const dac_stem_count_stats *s,
                                 const dac_stem_count_params *p,
                                 const dac_stem_detection *const *detections,
                                 const char *const *image_names, size_t n_images,
                                 const dac_stem_mixture *mixtures /* one per image */,
                                 const char *const *element_names, int n_elements, uint64_t seed);
/* The image (percentile stretch) with singles (green), pairs (yellow, joined by a line)
 * and clusters (magenta) circled; only blobs of `image` are drawn. */
int dac_stem_count_write_overlay(const char *path, const float *img, size_t w, size_t h,
                                 const dac_stem_blob *blobs, size_t n, const dac_stem_site *sites,
                                 int image, double pixel_A);
/* Histogram of resolved pair distances as an SVG bar chart. */
int dac_stem_count_write_pair_hist_svg(const char *path, const dac_stem_count_stats *s);

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

/* The image (0.5–99.5 % stretch) with the outcome of a scoring drawn on it: matched
 * detections (true positives) green, unmatched detections (false positives) red,
 * missed truths blue; matched pairs joined by a green line. match as returned by
 * dac_stem_score. Atomic. */
int dac_stem_score_write_overlay(const char *path, const float *img, size_t w, size_t h,
                                 const double *det_xy, size_t n_det, const double *truth_xy,
                                 size_t n_truth, const long *match, double pixel_A);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif

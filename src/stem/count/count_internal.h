/*
 * count_internal.h — the steps of the HAADF-STEM counting pipeline, shared by the
 * files of src/stem/count (private: not installed; tests may include it; private names
 * start with count_). The public surface is dac_stem_counter in dac/stem_count.h.
 *
 * The pipeline (docs/science.md §3), each step callable on its own from a test:
 *   1. background and noise: a large-scale smooth background (normalised Gaussian
 *      convolution inside the support), the support mask (vacuum excluded), and a
 *      local robust noise level (block MAD) of the matched-filter output;
 *   2. detection: matched filter of the probe shape turned into a local z-score and
 *      thresholded at a stated false-alarm rate (Gaussian tail with a multiple-testing
 *      correction over the number of resolution elements), non-maximum suppression;
 *   3. refinement: least-squares 2D Gaussians on a local plane, overlapping
 *      neighbours fitted together (Levenberg–Marquardt), at the atom width measured on
 *      the image, centres kept within one σ of the filter maxima; then detection on the
 *      residual (the fitted model subtracted, the same statistic and threshold);
 *   4. blob size: a mixture model of integrated intensities with components at
 *      1×, 2×, 3× the single-atom intensity (and, with two elements, at σ_A, σ_B and
 *      their sums); merged pairs become n_atoms = 2;
 *   5. sites: connected components of atoms within pair_max_A;
 *   6. statistics: purity on site and atom basis, Wilson intervals, expected chance
 *      pairs (Monte Carlo placement in the support mask, plus the analytic CSR value),
 *      chance-corrected purity, Clark–Evans ratio, bootstrap over images.
 *
 * Positions are in pixels (x = column, y = row, origin at the centre of the top-left
 * pixel) unless a name ends in _A.
 */
#ifndef DAC_STEM_COUNT_INTERNAL_H
#define DAC_STEM_COUNT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dac/core.h"
#include "dac/stem_count.h"

/* The one-sided Gaussian threshold z such that P(Z > z) = alpha / n_tests
 * (Bonferroni). Exposed for tests and docs. */
double count_threshold_z(double false_alarms, double n_tests);

/* ---------------------------------------------------- background and support --- */

/* Support mask from the smooth background: vacuum is the low class of a two-class
 * (Otsu) split of the background when the split is clear; else everything is support.
 * mask: w*h bytes, 1 = support. */
int count_support_auto(const float *background, size_t w, size_t h,
                                unsigned char *mask);

/* Smooth background: Gaussian of sigma_px, normalised inside `mask` (pixels outside
 * the mask are estimated from their own class), so vacuum edges do not bleed into the
 * support. out: w*h floats. mask may be NULL (all support). */
int count_background(const float *img, size_t w, size_t h,
                              const unsigned char *mask, double sigma_px, float *out);

/* Separable Gaussian blur with mirrored edges (small sigma: direct; large: through a
 * block-mean pyramid). out may not alias in. */
int count_blur(const float *in, size_t w, size_t h, double sigma_px, float *out);

/* Local robust spread: 1.4826·MAD of `in` over blocks of `block` pixels (only mask
 * pixels count where mask is given), bilinearly interpolated between block centres. */
int count_local_mad(const float *in, size_t w, size_t h, const unsigned char *mask,
                             size_t block, float *out);

/* The image's photon-transfer noise model (count_noise.c): pixel variance
 * var = gain·(mean − offset), measured from the pixel-scale residual in small blocks.
 * CONSTANT: block means too uniform to measure a slope, var = var_median everywhere.
 * INVALID: no usable calibration (too small, variance not rising with signal). */
typedef enum {
    COUNT_NOISE_INVALID = 0,
    COUNT_NOISE_SHOT = 1,
    COUNT_NOISE_CONSTANT = 2
} count_noise_kind;

typedef struct {
    int model;          /* count_noise_kind */
    double gain;        /* image units per detected electron (SHOT) */
    double offset;      /* image value of zero variance (SHOT) */
    double var_min;     /* smallest positive bin variance: floor of the model */
    double var_median;  /* median block variance */
    double electrons_median; /* (SHOT) median block (mean − offset)/gain: the dose per pixel */
} count_noise_model;

/* Calibrates the model on the pixels inside mask (NULL: all). An image too small or a
 * calibration that fails gives model = INVALID and DAC_OK. */
int count_noise_calibrate(const float *img, size_t w, size_t h, const unsigned char *mask,
                               count_noise_model *m);
/* Pixel variance predicted at a local mean level. */
double count_noise_variance(const count_noise_model *m, double mean);
/* An atom-free frame with the image's own noise: each pixel drawn around level[i] (the
 * smooth background) as the model says (shot: offset + gain·Poisson((level − offset)/
 * gain); constant: Gaussian). The null of the detection statistic is measured on it
 * (calibrate.c). DAC_ERR_RUNTIME for an INVALID model. */
int count_noise_synthesize(const count_noise_model *m, const float *level, size_t n,
                           uint64_t seed, float *out);

/* The atom image's shape measured on the frame (kernel.c): a non-negative sum of
 * concentric Gaussians (multi-Gaussian expansion) fitted to the radial profile stacked
 * over the isolated bright atoms, peak normalised (Σ weight = 1). used = 1 when its
 * tail is real (beyond 1.5 FWHM more than a few % of the intensity, well above its
 * jackknife error): then the fits and the residual use it instead of one Gaussian. */
#define COUNT_KERNEL_MAX 6
typedef struct {
    int n;                              /* Gaussians (0: not measured) */
    double weight[COUNT_KERNEL_MAX];    /* peak fractions, Σ = 1 */
    double sigma_px[COUNT_KERNEL_MAX];
    double volume_px2;                  /* ∫K d²r = 2π Σ w σ² */
    double fwhm_px;
    double tail_fraction;               /* of ∫K beyond 1.5 FWHM (NAN: not measured) */
    double tail_fraction_se;            /* delete-one jackknife over the atoms */
    size_t n_atoms;                     /* atoms stacked */
    int used;
} count_kernel;

/* Measures the kernel on the isolated blobs with snr ≥ min_z (their refined centres);
 * sigma_px: the measured Gaussian width (sets the grid of widths). Fewer than 5 usable
 * atoms: out->n = 0, used = 0, DAC_OK. */
int count_kernel_measure(const float *img, size_t w, size_t h, const dac_stem_blob *blobs,
                         size_t n, double min_z, double sigma_px, double pixel_A,
                         count_kernel *out);
/* K at squared radius r2 (px²); K(0) = 1. */
double count_kernel_value(const count_kernel *k, double r2);
/* Adds amp·(K ⊛ G_v)(r − (x, y)) to buf within `reach` px, G_v a normalised Gaussian of
 * variance v px² (v = 0: K itself; v = σ_f²: K seen through the matched filter): each
 * Gaussian of σ becomes amp·w·σ²/(σ²+v)·exp(−r²/2(σ²+v)). sign ±1. */
void count_kernel_add(const count_kernel *k, double amp, double x, double y, double v,
                      double reach, float *buf, size_t w, size_t h);
/* Radius (px) beyond which K ⊛ G_v is below `frac` of its peak. */
double count_kernel_reach(const count_kernel *k, double v, double frac);

/* A null of the detection statistic on one frame (calibrate.c): the upper tail of its
 * local maxima, fitted as a generalised Pareto over the top 20 %, and the threshold at
 * which their count per nm² is the stated rate. */
typedef struct {
    int calibrated;        /* 1: enough maxima for the tail fit */
    size_t n_maxima;       /* null maxima counted (after thinning) */
    size_t n_exceed;       /* of them above u0, estimated (the fit is truncated at the
                              detection threshold) */
    double area_nm2;       /* where they were counted */
    double u0, xi, beta;   /* the tail: exceedances over u0 ~ GPD(ξ, β) */
    double threshold_z;    /* z at which the fitted rate is the stated one (NAN: none) */
    size_t n_dropped;      /* detections below the threshold used, removed (noise null) */
} count_null;

/* The pieces: the thinned local maxima of z inside mask appended to *v (m values;
 * *v realloc'ed), and the tail fitted to v[0..m) (reordered and overwritten) of null maxima counted
 * over area_nm2, truncated at t_lowest (INFINITY: a pure null), and the threshold for
 * the stated rate. */
int count_null_maxima(const float *z, size_t w, size_t h, const unsigned char *mask,
                      double min_sep_px, double **v, size_t *m);
int count_null_fit(double *v, size_t m, double area_nm2, double t_lowest,
                   double false_alarms_per_nm2, count_null *out);
/* The fitted rate of null maxima above t, per nm² (NAN when not calibrated). */
double count_null_rate(const count_null *c, double t);

/* Local maxima (3×3) of z ≥ t inside mask, and greedy thinning by z within r px
 * (detect.c); negate: of −z instead (the decoys, minima of z). */
int count_local_maxima(const float *z, int negate, size_t w, size_t h, const unsigned char *mask,
                       double t, size_t **idx, size_t *count);
size_t count_suppress(size_t *idx, size_t m, const float *z, int negate, size_t w, size_t h,
                      double r);

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
    double atom_fwhm_measured_A; /* the measurement itself before it is bounded to
                               0.5–2 Å (NAN: fewer than 5 isolated bright blobs) */
    size_t n_residual;      /* blobs added by detection on the residual */
    size_t n_residual_decoys; /* residual minima passing the mirrored tests */
    count_null noise_null;  /* the null of the statistic on a frame of the image's own
                               noise (count_noise_synthesize): sets the threshold */
    count_null null;        /* the null of the atom-free residual (texture included):
                               the false-alarm rate that holds at the threshold used */
    count_kernel kernel;    /* the atom image's shape measured on the frame (used: the
                               fits and the residual use it) */
    count_noise_model noise; /* the shot-noise calibration (INVALID: block MADs used) */
    double noise_excess;    /* robust σ of the filtered residual over the shot-noise
                               prediction (support texture, scan noise); 0 if not used */
    dac_stem_blob *blobs;
    size_t n_blobs;
} count_detection;

/* The first pass's statistic (detect.c): the image filtered by the matched filter over
 * a robust background (pixels with z > 3 replaced by a first estimate so atoms do not
 * lift it), f, and its z against the local noise; noise (may be NULL) gets the noise
 * map. Writes d->background (bg_ready: it already holds the plain background; keep_bg:
 * it ends as the background of the clipped image, else as the plain one) and
 * d->noise_excess. res, fimg: scratch; f, z, noise: w*h out. */
int count_statistic(const float *img, size_t w, size_t h, const unsigned char *mask,
                    const dac_stem_count_params *p, int bg_ready, int keep_bg, count_detection *d,
                    float *res, float *fimg, float *f, float *z, float *noise);

/* The frame's false alarms (calibrate.c), after detection and refinement: the threshold
 * for the stated rate measured on frames of the image's own noise drawn around its
 * atom-free background (d->noise_null) and raised to it, the detections below dropped
 * and their neighbours refitted (s_fit, max_shift as the refinement used them;
 * max_shift 0: no refit), and the rate that holds with the support's texture, measured
 * on the frame with the atoms taken off (d->null). support: where the background was
 * made; search: where atoms were searched; scratch: w*h floats. */
int count_false_alarms(const float *img, size_t w, size_t h, const unsigned char *support,
                       const unsigned char *search, const dac_stem_count_params *p, double s_fit,
                       double max_shift, count_detection *d, float *scratch);

/* Detects and (if p->refine) refines blobs, then calibrates the false alarms.
 * `support` may be NULL for the automatic mask. NaN/Inf pixels fail with
 * DAC_ERR_INPUT; a constant image gives no blobs. */
int count_detect(const float *img, size_t w, size_t h,
                          const unsigned char *support, const dac_stem_count_params *p,
                          count_detection **out);
/* As count_detect, without the smooth background map (d->background NULL, and not
 * made): the statistical counter keeps none. */
int count_detect_blobs(const float *img, size_t w, size_t h, const unsigned char *support,
                       const dac_stem_count_params *p, count_detection **out);
void count_detection_free(count_detection *d);

/* Indices of the blobs with snr ≥ min_z and no other blob within `reach`, in index
 * order (refine.c). */
int count_isolated(const dac_stem_blob *b, size_t n, double min_z, double reach, size_t *out,
                   size_t *k);

/* Least-squares refinement of blobs in place (used by detect; exposed for tests):
 * 2D Gaussians on a local plane, blobs whose windows overlap fitted together. A fit
 * that moves a centre more than max_shift_px (> 0) from its start is replaced by a fit
 * with the centres held at their starts (max_shift_px = 0: no limit). */
int count_refine(const float *img, size_t w, size_t h, dac_stem_blob *blobs,
                          size_t n, double sigma_px_guess, double max_shift_px);

/* As count_refine, but only the groups (blobs with overlapping windows) that
 * hold at least one blob with only[i] != 0 are fitted; only = NULL fits all. Used to
 * refit the neighbourhoods of atoms added from the residual. With a kernel (n > 0),
 * every blob is amplitude × the kernel (centre and amplitude fitted, the shape held),
 * the light of all other blobs, tails included, is subtracted from each group's data,
 * and the intensity is the model's integral; sigma_px_guess is then the kernel's
 * equivalent σ (FWHM/2.355), which sets the fit windows. */
int count_refine_groups(const float *img, size_t w, size_t h, dac_stem_blob *blobs,
                                 size_t n, double sigma_px_guess, double max_shift_px,
                                 const unsigned char *only, const count_kernel *kernel);

/* Iterative detection on the residual (DAOPHOT, Stetson 1987; StatSTEM, De Backer et
 * al. 2016): the fitted Gaussians of all blobs, seen through the matched filter, are
 * subtracted from f (the filtered image above the smooth background), z = residual /
 * noise (the same noise map and threshold as the first pass), and local maxima above
 * threshold_z that pass the amplitude test (≥ min_fraction × unit_amplitude, when
 * unit_amplitude > 0) and lie further than min_sep_px from every blob become new blobs
 * (the threshold raised, as in the first pass, if residual minima passing the mirrored
 * tests — decoys — exceed false_alarms_per_px2 × the searched support area);
 * the groups holding them are refitted (sigma_px, max_shift_px as in
 * count_refine). Repeats until a round adds nothing, at most max_rounds.
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
    const count_kernel *kernel; /* non-NULL: blobs are amplitude × this shape */
    float *scratch;             /* w*h floats for the filtered model (overwritten) */
} count_residual_params;

/* img minus the image of every atom (blobs with amplitude > 0: kernel, or each blob's own
 * Gaussian when kernel is NULL, out to 10⁻³ of the peak) into out (w × h). */
void count_atoms_off(const float *img, size_t w, size_t h, const dac_stem_blob *b, size_t n,
                     const count_kernel *kernel, float *out);

/* The filtered image the residual is tested on, with a background that holds no atom:
 * f = G_f⊛img − G_comb⊛(img − M), M the image of every blob (amplitude × kernel, or
 * its Gaussian), G_comb of σ s_comb (σ_bg ⊕ σ_f) normalised inside support. The first
 * pass's background holds the light of bright atoms' tails and surroundings (only
 * their cores were clipped), which made the residual negative beside them and hid
 * light neighbours; with the atoms taken off first, f − G_f⊛M is the band-passed
 * residual image itself. fimg: G_f⊛img. res: w*h scratch (img − M); f: w*h out. */
int count_residual_filtered(const float *img, const float *fimg, size_t w, size_t h,
                            const unsigned char *support, double s_comb,
                            const dac_stem_blob *b, size_t n, const count_kernel *kernel,
                            float *res, float *f);

int count_residual(const float *img, size_t w, size_t h,
                            const count_residual_params *rp, dac_stem_blob **blobs, size_t *n,
                            size_t *n_added, size_t *n_decoys);

/* The atom image width of a frame: the median σ (px) of free-width single-Gaussian fits
 * to the isolated blobs with z ≥ min_z (at least 5 of them; else *sigma_px = 0), each
 * fit started at sigma_px_guess. */
int count_atom_width(const float *img, size_t w, size_t h, const dac_stem_blob *blobs,
                              size_t n, double sigma_px_guess, double min_z, double *sigma_px);

/* Splits blobs that are wider than one atom into two when two Gaussians fit
 * significantly better (BIC); *blobs is reallocated and *n grows. Used by detect. */
int count_split(const float *img, size_t w, size_t h, dac_stem_blob **blobs, size_t *n,
                         double sigma_px_guess);

/* ----------------------------------------------------------- blob size ---------- */

/* Result of the intensity mixture. unit: the fitted intensity of one atom of the
 * reference (first) element; spread: σ of a single-atom component. */
typedef struct {
    double unit_intensity;
    double spread;          /* σ of one atom's measured intensity (scatter ⊕ typical error) */
    double atom_scatter;    /* the scatter between atoms alone (s of the model) */
    double element_d_prime; /* two elements: separation of A and B in pooled σ (NAN else) */
    int n_elements;
    double sigma_ratio;     /* σ(B)/σ(A) from the element table (1 with one element) */
    int elements_separable; /* 1 when the intensities tell the elements apart */
    int counts_atoms;       /* 1 when intensities are precise enough to count atoms per
                               blob (spread/unit < 0.215); else every blob is one atom */
    int converged;
} count_mixture;

/* Classifies blobs into n_atoms (and element indices when two cross-sections are
 * given: haadf_sigma[0], haadf_sigma[1]; n_elements 1 or 2). */
int count_classify(dac_stem_blob *blobs, size_t n, int max_atoms,
                           const double *haadf_sigma, int n_elements, count_mixture *out);

/* Groups blobs (all from one image) into sites: connected components of blobs closer
 * than pair_max_A; kind from the total atom count. Sets blob.site (offset by
 * site_offset). *sites is malloc'ed. */
int count_sites(dac_stem_blob *blobs, size_t n, double pixel_A, double pair_max_A,
                         long site_offset, dac_stem_site **sites, size_t *n_sites);

/* Per image input to the statistics. */
typedef struct {
    const dac_stem_site *sites;
    size_t n_sites;
    const dac_stem_blob *blobs; /* for the Clark–Evans ratio (may be NULL) */
    size_t n_blobs;
    const unsigned char *support; /* w*h */
    size_t width, height;
    double pixel_A;
} count_image;

/* Wilson score interval for k successes in n trials at z (1.96 for 95 %). */
void count_wilson(double k, double n, double z, double ci[2]);

/* Expected number of isolated pairs among n points placed uniformly at random in an
 * area with density lambda (per Å²) and linking distance r_A (Poisson process; the
 * edge correction enters through `coverage`, the mean fraction of a disc of radius
 * r_A inside the support). */
double count_chance_pairs_csr(double n, double lambda_per_A2, double r_A, double coverage);

/* The pair-distance bins (hist.c): d[n] resolved pair distances (Å) into s's hist
 * fields, the width by Freedman–Diaconis with precision_A (NAN: none) as its floor. */
void count_pair_histogram(const double *d, size_t n, double precision_A,
                          dac_stem_count_stats *s);
/* 2·IQR·n^(−1/3); NAN for n < 4 or no interquartile spread. */
double count_fd_bin_width(const double *d, size_t n);
/* Readable numbers m·10^k, m from the ascending mantissas m[n] in [1, 10]: the
 * smallest ≥ x (up) or the largest ≤ x (not up), for x > 0 (else NAN). One rule for the
 * histogram's bin width, the pair figure's y ticks and the overlay's scale bar. */
double count_nice(double x, const double *m, size_t n, int up);
/* The smallest 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k ≥ x > 0 (NAN for x ≤ 0). */
double count_nice_ceil(double x);

/* All statistics; seed drives the Monte Carlo and the bootstrap (same seed, same
 * numbers). mc_repeats: Monte Carlo placements (0: default 200). */
int count_statistics(const count_image *images, size_t n_images,
                              double pair_max_A, uint64_t seed, int mc_repeats,
                              dac_stem_count_stats *out);

/* ------------------------------------------------------------- the counter ------ */

/* Checks the parameters (the pixel size included); DAC_ERR_USAGE naming the field. */
int count_check_params(const dac_stem_count_params *p);

/* A grey display copy of an image (0.5–99.5 % stretch, so bright atoms do not wash out
 * the support): what the overlay is drawn on. grey holds the palette's grey levels,
 * 0 … COUNT_GREYS − 1 (overlay.c). */
typedef struct {
    size_t width, height;
    unsigned char *grey;
} count_display;

int count_display_image(const float *img, size_t w, size_t h, count_display *out);

/* What the counter keeps of one image. */
typedef struct {
    char *name;
    double pixel_A;
    count_detection *detection; /* background map freed once counted */
    count_mixture mixture;
    count_display display;      /* empty when overlays are off */
    size_t first_site, n_sites; /* its sites in the counter's list */
    size_t n_candidates;        /* learned detector: candidates before the model's cut */
    dac_stem_count_image_info info;
} count_frame;

void count_frame_clear(count_frame *fr);
/* Prefixes the last error message with the image's name unless it already holds it
 * (library errors may name only a field). */
void count_name_image_in_error(const char *name, int st);

/* ---------------------------------------------------------------- writers ------- */

/* Everything the result set is written from. */
typedef struct {
    const dac_stem_count_params *params;
    const count_frame *frames;
    size_t n_frames;
    const dac_stem_blob *blobs;
    size_t n_blobs;
    const dac_stem_site *sites;
    size_t n_sites;
    const dac_stem_count_stats *stats;
    const char *elements[2];
    int n_elements;
    int overlays;
    const dac_stem_model *model; /* the learned detector used, or NULL */
} count_results;

/* The result set in folder dir (one output set): atoms.csv, sites.csv, summary.json,
 * pair_hist.*, overlay_<image>.png. Å coordinates follow dac stem simulate's truth:
 * measured from the outer corner of pixel (0, 0), so x_A = (x_px + 0.5)·pixel. */
int count_write_results(const count_results *r, const char *dir, const dac_provenance *prov);

/* --------------------------------------------------------------- overlays ------ */

/* A drawing on a counted image (overlay.c): 8-bit indices into one palette — grey
 * levels, the same levels tinted for vacuum, then a few inks — written as a palette
 * PNG. pixel_A ≤ 0: unknown (no scale bar). */
enum {
    COUNT_GREYS = 192,
    COUNT_SHADE0 = 192,  /* vacuum: COUNT_SHADES tinted grey levels */
    COUNT_SHADES = 48,
    COUNT_PALETTE_SIZE = 256
};
typedef enum {
    COUNT_INK_SINGLE = 240,
    COUNT_INK_PAIR,
    COUNT_INK_CLUSTER,
    COUNT_INK_MATCHED, /* the scorer's true positives, false positives, misses */
    COUNT_INK_FALSE,
    COUNT_INK_MISSED,
    COUNT_INK_WHITE,
    COUNT_INK_BLACK,
    COUNT_INK_PANEL,
    COUNT_INK_END
} count_ink;
#define COUNT_SWATCH_SHADE (-1) /* a legend row whose swatch is the vacuum tint */

typedef struct {
    size_t width, height;
    double pixel_A;
    unsigned char *px;
} count_canvas;

void count_palette(unsigned char pal[COUNT_PALETTE_SIZE][3]);
/* The display copy as a canvas, pixels outside support (w*h, 0 = vacuum; NULL: none)
 * shaded. */
int count_canvas_create(const count_display *d, const unsigned char *support, double pixel_A,
                        count_canvas *out);
void count_canvas_free(count_canvas *c);
int count_canvas_write_png(FILE *f, const char *name, const count_canvas *c);

/* Marker ring radius (px) for a pixel size; a ring in ink (edge = 0) or its black edge
 * (edge = 1: draw every edge before any ring). */
double count_marker_radius(double pixel_A);
void count_draw_ring(count_canvas *c, double cx, double cy, double r, int ink, int edge);
/* A line between two markers of radius r, from ring to ring. */
void count_draw_link(count_canvas *c, double x0, double y0, double x1, double y1, double r,
                     int ink);
void count_fill_rect(count_canvas *c, long x0, long y0, long x1, long y1, int ink);
/* Built-in 5×8 font (digits, a–z, Å, ², . , : - / ( ) % =), scaled by whole pixels. */
void count_draw_text(count_canvas *c, long x, long y, int scale, int ink, const char *utf8);
size_t count_text_width(const char *utf8, int scale);
int count_text_scale(const count_canvas *c);

typedef struct {
    int ink; /* a count_ink for a ring swatch, COUNT_SWATCH_SHADE for the vacuum tint */
    char text[64];
} count_legend_row;
void count_draw_legend(count_canvas *c, const count_legend_row *rows, int n);
/* 1, 2 or 5 × 10^k Å, at most a fifth of width_A; and the bar drawn bottom-left. */
double count_scale_bar_A(double width_A);
void count_draw_scale_bar(count_canvas *c);

#endif

/*
 * dac/stem.h — incoherent HAADF-STEM image simulation (docs/science.md §3).
 *
 * The image is I(r) = Σ_j σ_j P(r − r_j) + σ_C n_C t(r) ⊛ P, in detected electrons per
 * pixel after multiplying by dose × pixel area, then shot noise, detector gain/offset/
 * read noise and scan distortions. P is the probe intensity (integral 1, Å⁻²), σ the
 * ADF cross-section of each atom (Å²), t(r) the thickness of an optional amorphous
 * carbon slab.
 *
 * Shape follows FFTW's plan / execute / destroy: the probe (dac_stem_probe) and the
 * simulator (dac_stem_sim) do the expensive set-up once — the probe's optical transfer
 * function, FFTW plans, the per-frequency multiplier — and render any number of
 * structures or point sets of the same image size cheaply. Creating and freeing use the
 * FFTW planner, which is not thread-safe: do those from one thread; renders on distinct
 * simulators may run in parallel.
 *
 * Coordinates: pixel centres sit at integer pixel coordinates, origin at the centre of
 * the top-left pixel; x_px is the column (grows right), y_px the row (grows down). The
 * image plane axes for a view direction v are e1 (image right) and e2 = v × e1 (image
 * down), so (e1, e2, v) is right-handed: one looks along the beam.
 */
#ifndef DAC_STEM_H
#define DAC_STEM_H

#include <stddef.h>
#include <stdint.h>

#include "dac/core.h"
#include "dac/image.h"
#include "dac/struct.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest of libdac is hidden */

/* ------------------------------------------------------------------ probe --------- */

typedef struct {
    double voltage_kV;            /* accelerating voltage (default 300) */
    double alpha_mrad;            /* probe-forming semi-angle (default 25) */
    double defocus_A;             /* Δf, Å (default 0) */
    double cs_mm;                 /* spherical aberration C_s, mm (default 0) */
    double source_fwhm_A;         /* Gaussian source-size broadening (default 0.7) */
    double gaussian_fwhm_A;       /* > 0: a plain Gaussian probe of this FWHM instead */
} dac_stem_probe_options;

void dac_stem_probe_options_default(dac_stem_probe_options *opt);

/* The probe intensity P(r) (∫P d²r = 1) and its optical transfer function
 * OTF(k) = ∫P e^{−2πik·r} d²r. Radially symmetric aberrations only (Δf, C_s), so P is
 * round and the OTF real. */
typedef struct dac_stem_probe dac_stem_probe;

int dac_stem_probe_create(const dac_stem_probe_options *opt, dac_stem_probe **out);
void dac_stem_probe_free(dac_stem_probe *probe);
/* Electron wavelength used, Å. */
double dac_stem_probe_wavelength_A(const dac_stem_probe *probe);
/* OTF at spatial frequency |k| = k_per_A (1/Å), source broadening included. */
double dac_stem_probe_otf(const dac_stem_probe *probe, double kx_per_A, double ky_per_A);
/* P(x, y) in Å⁻², evaluated exactly from the OTF (band-limited Fourier sum). */
double dac_stem_probe_intensity(const dac_stem_probe *probe, double x_A, double y_A);
/* Full width at half maximum of P along x, Å (bisection on dac_stem_probe_intensity). */
int dac_stem_probe_fwhm(const dac_stem_probe *probe, double *fwhm_A);

/* ------------------------------------------------------------------ simulator ----- */

typedef struct {
    dac_stem_probe_options probe;
    double view[3];               /* beam direction (default 0,0,1) */
    double pixel_A;               /* default 0.2 */
    double fov_A[2];              /* width, height; 0 = from the cell and atoms */
    double margin_A;              /* around atoms on axes no periodic tiling fills (default 5) */
    double zpower;                /* 0: cross-section table; n > 0: σ ∝ Zⁿ */
    double support_thickness_A;   /* amorphous carbon slab mean thickness (default 0) */
    double support_roughness;     /* relative rms thickness variation (default 0.1) */
    double support_correlation_A; /* correlation length of that variation (default 5) */
    double support_density_g_cm3; /* default 2.0 */
    double dose_e_A2;             /* e⁻/Å² (default 1e6, at most 1e15); INFINITY: noiseless */
    double gain;                  /* counts per detected electron (default 1) */
    double offset;                /* counts added to every pixel (default 0) */
    double read_noise;            /* Gaussian rms, counts (default 0) */
    double jitter_px;             /* rms horizontal shift per scan line (default 0) */
    double drift_px;              /* horizontal drift over the frame (default 0) */
} dac_stem_options;

void dac_stem_options_default(dac_stem_options *opt);
/* Checks ranges; DAC_ERR_USAGE naming the field when one is out of range. */
int dac_stem_options_check(const dac_stem_options *opt);

/* ADF cross-section of element Z under the options, Å² (not 10⁻⁴ Å²). Table value; for
 * elements without one, c·Z^1.9 with c fitted to the table; with zpower n > 0,
 * σ_C,table × (Z/6)ⁿ (normalised so carbon keeps its table value). */
double dac_stem_sigma_A2(const dac_stem_options *opt, int Z);

/* Image frame of a structure: unit axes, the FOV origin (Å, in the image plane, the
 * outer corner of pixel 0,0) and the size in pixels. The FOV is the bounding box of the
 * projected cell; along image axes that periodic tiling does not fill (no cell, or
 * non-periodic lateral cell vectors) it also covers every atom ± margin_A, so atoms
 * outside a non-periodic cell are drawn. Atoms are drawn inside the region of size
 * extent_A centred in the image: that box (or --fov) before rounding up to whole
 * pixels, so a periodic cell is not drawn twice at the seam. */
typedef struct {
    double e1[3], e2[3], view[3];
    double origin_A[2];
    double extent_A[2];
    size_t width, height;
    double pixel_A;
} dac_stem_frame;

int dac_stem_frame_compute(const dac_stem_options *opt, const dac_structure *s,
                           dac_stem_frame *frame);

/* One atom to render: pixel coordinates (see top of file) and cross-section in Å². */
typedef struct {
    double x_px, y_px;
    double sigma_A2;
} dac_stem_point;

/* Ground truth of a rendered structure: one entry per metal atom drawn (periodic images
 * count separately), its position in the image (scan distortion of its line included)
 * and in the sample frame, and the drawn copy of its site. Sites come from
 * dac_struct_analyze (default options); each periodic copy of a site that is drawn, even
 * in part, is a "site copy" with its own id. A copy is complete when every one of its
 * atoms is inside the image; a copy cut by the image edge, and any copy of an extended
 * site (an infinite network), is not. */
typedef struct {
    double x_px, y_px;  /* where it appears in the image */
    double x_A, y_A;    /* sample frame: image-plane coordinates from the FOV origin */
    int Z;
    size_t atom;        /* index in the structure */
    size_t structure_site; /* index in the site analysis of the structure */
    size_t site;        /* drawn site copy: 0, 1, … in order of first appearance */
    dac_site_kind kind;
    int complete;       /* 1: every atom of this site copy is inside the image */
} dac_stem_truth_atom;

typedef struct {
    size_t n_atoms;
    dac_stem_truth_atom *atoms;
    size_t site_count[4];            /* complete drawn site copies by kind (dac_site_kind) */
    size_t site_count_incomplete[4]; /* drawn site copies cut by the image edge, by kind */
    size_t n_site_copies;            /* all drawn site copies, complete or not */
    size_t structure_site_count[4];  /* sites of the structure itself (one cell) by kind */
    size_t n_atoms_total;  /* all atoms drawn (support included) */
    size_t n_atoms_not_drawn; /* structure atoms of which no copy is inside the image */
    double expected_electrons; /* dose × Σσ over the image (NAN when noiseless) */
    dac_stem_frame frame;  /* the frame the structure was drawn in */
} dac_stem_truth;

void dac_stem_truth_free(dac_stem_truth *t);
/* CSV: x_px,y_px,x_A,y_A,element,site,kind,complete (site: the drawn copy's id). To an
 * open stream (flushed; DAC_ERR_RUNTIME on a write error), or atomically to a path. */
int dac_stem_truth_write(FILE *f, const dac_stem_truth *t);
int dac_stem_truth_write_csv(const char *path, const dac_stem_truth *t);

typedef struct dac_stem_sim dac_stem_sim;

/* Plans everything for images of width × height pixels under opt (copied). */
int dac_stem_sim_create(const dac_stem_options *opt, size_t width, size_t height,
                        dac_stem_sim **out);
void dac_stem_sim_free(dac_stem_sim *sim);
void dac_stem_sim_set_progress(dac_stem_sim *sim, dac_progress_fn fn, void *user_data);
const dac_stem_probe *dac_stem_sim_probe(const dac_stem_sim *sim);

/* Renders points (pixel coordinates, σ) plus the support slab with the noise of the
 * options; *image is new (pixel size set). Same seed, same pixels (for the same build
 * on the same CPU: FFTW may pick other SIMD kernels elsewhere). */
int dac_stem_sim_render_points(dac_stem_sim *sim, const dac_stem_point *points, size_t n,
                               uint64_t seed, dac_image **image);

/* Renders a structure: frame from dac_stem_frame_compute with the simulator's size,
 * periodic images tiled along lateral periodic axes, sites from dac_struct_analyze
 * (default options). truth may be NULL. Atoms of which no copy falls inside the image
 * (a --fov smaller than the structure) are not drawn and a warning says how many. */
int dac_stem_sim_render(dac_stem_sim *sim, const dac_structure *s, uint64_t seed,
                        dac_image **image, dac_stem_truth **truth);

/* Writes the result of a render as one set of files beside each other: IMAGE.tif
 * (float32, ImageJ scale), IMAGE.truth.csv (dac_stem_truth_write), IMAGE.json (every
 * parameter, the frame, the counts and the provenance: the record "dac stem simulate")
 * and, with png != 0, IMAGE.png (8-bit, 0.5–99.5 % stretch). image_path must end in
 * .tif or .tiff; IMAGE is the path without it. All or nothing: a failure leaves none
 * of them (a stale truth next to a new image would score the wrong answer). */
int dac_stem_sim_write(const dac_stem_sim *sim, const dac_image *image,
                       const dac_stem_truth *truth, const char *image_path, int png,
                       const dac_provenance *prov);

/* Horizontal shift (px) of scan line `row` in the last render: jitter + drift. */
double dac_stem_sim_line_shift(const dac_stem_sim *sim, size_t row);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif

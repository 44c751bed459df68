/*
 * patch.c — the pixels around each candidate, for the learned detector.
 *
 * The other features (features.c) are summaries of the blob: its z, its rings, its
 * bands. The published detector of these images (SAC-CNN, Mitchell et al., J. Am.
 * Chem. Soc. 2022, 144, 8018) learns from the pixels around a candidate instead. This
 * gives the trees the same input: a PATCH_SIDE × PATCH_SIDE grid of samples every
 * PATCH_STEP_A Å around the centre, free of the frame's units, dose and pixel size —
 * resampled to Å (bilinear, from the image blurred at PATCH_BLUR_A so that a sample is
 * not one pixel's shot noise), the smooth background subtracted, over the frame's
 * typical atom amplitude (as the rings of features.c).
 *
 * Trees cannot learn that a rotated atom is still an atom, so each patch is turned into
 * a canonical orientation first: u along the blob's first angular harmonic (towards
 * the brighter side over 0.75–2.5 Å, the dipole of features.c), v mirrored so that the
 * second harmonic's sine is positive there. A round atom's orientation is the noise's;
 * a blob on the flank of a patch or on a streak always shows its feature on the same
 * side of the grid.
 *
 * The column definitions are COUNT_PATCH_DEFS (learn_internal.h), in the order written
 * here: row by row in v, each row in u, both from −PATCH_HALF_A to +PATCH_HALF_A.
 *
 * Measured on the 11 PtNC images and not kept (docs/notes/stem-count-history.md,
 * "Pixel patches"): the features are off unless built with -DCOUNT_PATCH=1; the
 * switches of the variants measured are in learn_internal.h.
 */
#include <math.h>
#include <stdlib.h>

#include "dac/core.h"
#include "stem/count/learn_internal.h"

#define PATCH_SIDE COUNT_PATCH_SIDE
#define PATCH_STEP_A 0.5 /* Å: about half the atom image's FWHM (≈ 1 Å), so the
                            atom is seen by a few samples across (assumption) */
#define PATCH_HALF_A (PATCH_STEP_A * (PATCH_SIDE - 1) / 2.0)
/* The blur before sampling: σ 0.4 Å, the finest scale of features.c's bands, below the
 * atom image's own σ (≈ 0.42 Å for 1 Å FWHM): it keeps the atom and averages ~2
 * pixels of shot noise at 0.3 Å pixels (assumption). */
#define PATCH_BLUR_A 0.4
/* The ring the orientation is read in: the one of features.c's dipole. */
#define ORIENT_IN_A 0.75
#define ORIENT_OUT_A 2.5

/* Bilinear value of map − background at (x, y) px; NAN outside the image. */
static double sample(const float *map, const float *bg, size_t w, size_t h, double x, double y)
{
    if (w < 2 || h < 2 || !(x >= 0 && y >= 0 && x <= (double)(w - 1) && y <= (double)(h - 1)))
        return NAN;
    size_t x0 = (size_t)x, y0 = (size_t)y;
    x0 = x0 + 1 < w ? x0 : w - 2, y0 = y0 + 1 < h ? y0 : h - 2;
    double fx = x - (double)x0, fy = y - (double)y0;
    size_t i = y0 * w + x0;
    double v00 = map[i] - bg[i], v10 = map[i + 1] - bg[i + 1];
    double v01 = map[i + w] - bg[i + w], v11 = map[i + w + 1] - bg[i + w + 1];
    return (1 - fy) * ((1 - fx) * v00 + fx * v10) + fy * ((1 - fx) * v01 + fx * v11);
}

/* The canonical frame of a blob: the unit vector u (the dipole's direction) and the
 * sign of v, from the first two angular harmonics of map − background in the ring. */
static void orientation(const float *map, const float *bg, size_t w, size_t h,
                        const dac_stem_blob *b, double px, double *cu, double *su, double *sv)
{
    double r_in = ORIENT_IN_A / px, r_out = ORIENT_OUT_A / px;
    double h1c = 0, h1s = 0, h2c = 0, h2s = 0;
    for (long y = (long)floor(b->y_px - r_out); y <= (long)ceil(b->y_px + r_out); y++)
        for (long x = (long)floor(b->x_px - r_out); x <= (long)ceil(b->x_px + r_out); x++) {
            if (x < 0 || y < 0 || x >= (long)w || y >= (long)h)
                continue;
            double dx = (double)x - b->x_px, dy = (double)y - b->y_px;
            double r2 = dx * dx + dy * dy;
            if (r2 < r_in * r_in || r2 >= r_out * r_out)
                continue;
            size_t i = (size_t)y * w + (size_t)x;
            double v = map[i] - bg[i], phi = atan2(dy, dx);
            h1c += v * cos(phi), h1s += v * sin(phi);
            h2c += v * cos(2 * phi), h2s += v * sin(2 * phi);
        }
    double a = hypot(h1c, h1s);
    *cu = a > 0 ? h1c / a : 1.0, *su = a > 0 ? h1s / a : 0.0;
    /* The second harmonic in the rotated frame: h2 · e^{−2iθ}; its sine part. */
    double c2 = *cu * *cu - *su * *su, s2 = 2 * *cu * *su;
    *sv = h2s * c2 - h2c * s2 >= 0 ? 1.0 : -1.0;
}

/* The canonical grid of one blob: the sample points (x, y) px, PATCH_SIDE² pairs. */
static void grid_of(const float *map, const float *bg, size_t w, size_t h,
                    const dac_stem_blob *b, double px, double *xy)
{
    double cu = 1, su = 0, sv = 1;
    if (COUNT_PATCH_CANONICAL)
        orientation(map, bg, w, h, b, px, &cu, &su, &sv);
    for (int j = 0; j < PATCH_SIDE; j++)
        for (int i = 0; i < PATCH_SIDE; i++) {
            double u = (-PATCH_HALF_A + PATCH_STEP_A * i) / px;
            double v = sv * (-PATCH_HALF_A + PATCH_STEP_A * j) / px;
            xy[2 * (j * PATCH_SIDE + i)] = b->x_px + u * cu - v * su;
            xy[2 * (j * PATCH_SIDE + i) + 1] = b->y_px + u * su + v * cu;
        }
}

static void patch_at(const float *map, const float *bg, size_t w, size_t h, const double *xy,
                     double amp0, float *row)
{
    for (int k = 0; k < PATCH_SIDE * PATCH_SIDE; k++) {
        double s = sample(map, bg, w, h, xy[2 * k], xy[2 * k + 1]);
        row[k] = isfinite(s) && amp0 > 0 ? (float)(s / amp0) : NAN;
    }
}

/* map blurred at PATCH_BLUR_A into out. */
static int blurred(const float *map, size_t w, size_t h, double px, float *out)
{
    return count_blur(map, w, h, PATCH_BLUR_A / px, out);
}

int count_patch_features(const float *img, size_t w, size_t h, const count_detection *d,
                         double px, double amp0, float *x, size_t stride, size_t col0)
{
    size_t n = w * h, side2 = PATCH_SIDE * PATCH_SIDE;
    float *blur = malloc(sizeof *blur * n), *off = malloc(sizeof *off * n);
    float *off_blur = malloc(sizeof *off_blur * n);
    double *xy = malloc(sizeof *xy * 2 * side2 * (d->n_blobs ? d->n_blobs : 1));
    int st = blur && off && off_blur && xy
                 ? blurred(img, w, h, px, blur)
                 : dac_error(DAC_ERR_NOMEM, "stem learn: out of memory (patches)");
    for (size_t b = 0; st == DAC_OK && b < d->n_blobs; b++) {
        grid_of(blur, d->background, w, h, &d->blobs[b], px, xy + 2 * side2 * b);
        patch_at(blur, d->background, w, h, xy + 2 * side2 * b, amp0, x + b * stride + col0);
    }
    if (st == DAC_OK && COUNT_PATCH_RESIDUAL) {
        count_atoms_off(img, w, h, d->blobs, d->n_blobs, d->kernel.used ? &d->kernel : NULL, off);
        st = blurred(off, w, h, px, off_blur);
    }
    for (size_t b = 0; st == DAC_OK && COUNT_PATCH_RESIDUAL && b < d->n_blobs; b++)
        patch_at(off_blur, d->background, w, h, xy + 2 * side2 * b, amp0,
                 x + b * stride + col0 + side2);
    free(blur), free(off), free(off_blur), free(xy);
    return st;
}

/* Element k of the dihedral group acts on the grid's centred coordinates (a, b): k % 4
 * quarter turns (a, b) → (−b, a), then the mirror a → −a when k ≥ 4. */
void count_patch_dihedral(const float *in, int k, float *out)
{
    int c = PATCH_SIDE / 2;
    for (int blk = 0; blk < COUNT_PATCH_FEATURES / (PATCH_SIDE * PATCH_SIDE); blk++)
        for (int j = 0; j < PATCH_SIDE; j++)
            for (int i = 0; i < PATCH_SIDE; i++) {
                int a = i - c, b = j - c;
                for (int r = 0; r < k % 4; r++) {
                    int t = a;
                    a = -b, b = t;
                }
                if (k >= 4)
                    a = -a;
                size_t o = (size_t)blk * PATCH_SIDE * PATCH_SIDE;
                out[o + (size_t)((b + c) * PATCH_SIDE + a + c)] = in[o + (size_t)(j * PATCH_SIDE + i)];
            }
}

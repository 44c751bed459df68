/*
 * render.c — the simulator object: plans once, renders point scatterers many times.
 *
 * Incoherent imaging makes the image a convolution, I = P ⊛ Σ σ_j δ(r − r_j), done by
 * FFT. Exact sub-pixel placement: each atom is deposited on the pixel grid with quintic
 * B-spline weights (6×6 pixels), and the spectrum is divided by the B-spline's transfer
 * function sinc⁶(f_x)·sinc⁶(f_y) (f in cycles/pixel) before multiplying by the probe
 * OTF. The m = 0 term of the deposit's spectrum is then exactly Σσ_j e^{−2πik·r_j}; its
 * aliases are weighted by sinc⁶(f+m)/sinc⁶(f), which is zero with zero slope at f = 0,
 * so the total intensity and the centroid of every atom are exact, and at the
 * frequencies the probe passes (f ≲ 0.3 with a 0.7 Å source at 0.2 Å pixels) the
 * aliases stay below ~10⁻⁴ of the peak (tests/stem/test_simulate.c compares a spot
 * with the closed-form probe pixel by pixel). The cubic B-spline (sinc⁴) measured
 * 1·10⁻³, a bilinear deposit (sinc²) ~10⁻²; 36 weights per atom cost nothing next to
 * the FFTs.
 *
 * The inverse transform is done in two stages — along y (columns), then c2r along x
 * (rows) — so each scan line can be shifted by a sub-pixel amount (jitter, drift) with
 * one phase ramp per row, for free and exactly for the band-limited image.
 *
 * Units: with dose D (e⁻/Å²) and pixel p, pixel n receives D p² electrons of which the
 * fraction Σσ_j P(r_n − r_j) reaches the detector; the pixel value is that expectation
 * in electrons before noise (noiseless images: the fraction itself). The FFT domain is
 * the field of view, periodic: anything leaving one edge enters the opposite one.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dac/stem.h"
#include "stem/sim/sim_internal.h"

struct dac_stem_sim {
    dac_stem_options opt;
    size_t width, height, nu; /* nu = width/2+1 complex columns */
    dac_stem_probe *probe;
    float *real;              /* width*height */
    fftwf_complex *spec;      /* height*nu */
    float *mult;              /* height*nu: OTF / (deposit transfer · width·height) */
    float *bx, *by;           /* deposit transfer per column / row frequency */
    double *shift;            /* height: last render's line shifts, px */
    fftwf_plan fwd, cols, rows;
    sim_support *support;
    dac_progress_fn progress;
    void *progress_data;
};

static double sinc(double x) { return x == 0 ? 1.0 : sin(DAC_PI * x) / (DAC_PI * x); }

/* Transfer of the quintic B-spline deposit at f cycles/pixel: sinc⁶(f). */
static float bspline_transfer(long i, size_t n)
{
    double s = sinc((double)i / (double)n), s2 = s * s;
    return (float)(s2 * s2 * s2);
}

static int sim_plan(dac_stem_sim *s)
{
    size_t W = s->width, H = s->height, nu = s->nu;
    s->real = fftwf_malloc(sizeof(float) * W * H);
    s->spec = fftwf_malloc(sizeof(fftwf_complex) * H * nu);
    s->mult = malloc(sizeof(float) * H * nu);
    s->bx = malloc(sizeof(float) * nu);
    s->by = malloc(sizeof(float) * H);
    s->shift = calloc(H, sizeof(double));
    if (!s->real || !s->spec || !s->mult || !s->bx || !s->by || !s->shift)
        return dac_error(DAC_ERR_NOMEM, "stem: out of memory for a %zu×%zu image", W, H);
    /* FFTW_ESTIMATE: plans in milliseconds and the same plan every run (deterministic). */
    s->fwd = fftwf_plan_dft_r2c_2d((int)H, (int)W, s->real, s->spec, FFTW_ESTIMATE);
    int nH = (int)H, nW = (int)W;
    s->cols = fftwf_plan_many_dft(1, &nH, (int)nu, s->spec, NULL, (int)nu, 1, s->spec, NULL,
                                  (int)nu, 1, FFTW_BACKWARD, FFTW_ESTIMATE);
    s->rows = fftwf_plan_many_dft_c2r(1, &nW, (int)H, s->spec, NULL, 1, (int)nu, s->real, NULL,
                                      1, (int)W, FFTW_ESTIMATE);
    if (!s->fwd || !s->cols || !s->rows)
        return dac_error(DAC_ERR_RUNTIME, "stem: FFTW could not plan a %zu×%zu transform", W, H);
    return DAC_OK;
}

static void sim_fill_multiplier(dac_stem_sim *s)
{
    size_t W = s->width, H = s->height, nu = s->nu;
    double p = s->opt.pixel_A, scale = 1.0 / ((double)W * (double)H);
    for (size_t u = 0; u < nu; u++)
        s->bx[u] = bspline_transfer((long)u, W);
    for (size_t v = 0; v < H; v++)
        s->by[v] = bspline_transfer(v <= H / 2 ? (long)v : (long)v - (long)H, H);
    for (size_t v = 0; v < H; v++) {
        double ky = (v <= H / 2 ? (double)v : (double)v - (double)H) / (H * p);
        for (size_t u = 0; u < nu; u++) {
            double kx = (double)u / (W * p);
            double otf = dac_stem_probe_otf(s->probe, kx, ky);
            s->mult[v * nu + u] = (float)(otf * scale / ((double)s->bx[u] * s->by[v]));
        }
    }
}

int dac_stem_sim_create(const dac_stem_options *opt, size_t width, size_t height,
                        dac_stem_sim **out)
{
    *out = NULL;
    int st = dac_stem_options_check(opt);
    if (st)
        return st;
    if (width < 4 || height < 4 || width > 32768 || height > 32768 ||
        width * height > (size_t)1 << 26)
        return dac_error(DAC_ERR_USAGE, "stem: image size %zu×%zu: expected 4 … 32768 per "
                         "side and at most 2^26 pixels (8192², ~1 GB of buffers)", width, height);
    dac_stem_sim *s = calloc(1, sizeof *s);
    if (!s)
        return dac_error(DAC_ERR_NOMEM, "stem: out of memory");
    s->opt = *opt;
    s->width = width;
    s->height = height;
    s->nu = width / 2 + 1;
    if ((st = dac_stem_probe_create(&opt->probe, &s->probe)) || (st = sim_plan(s)) ||
        (st = sim_support_create(&s->support, opt, width, height))) {
        dac_stem_sim_free(s);
        return st;
    }
    sim_fill_multiplier(s);
    *out = s;
    return DAC_OK;
}

void dac_stem_sim_free(dac_stem_sim *s)
{
    if (!s)
        return;
    if (s->fwd)
        fftwf_destroy_plan(s->fwd);
    if (s->cols)
        fftwf_destroy_plan(s->cols);
    if (s->rows)
        fftwf_destroy_plan(s->rows);
    fftwf_free(s->real);
    fftwf_free(s->spec);
    free(s->mult);
    free(s->bx);
    free(s->by);
    free(s->shift);
    sim_support_free(s->support);
    dac_stem_probe_free(s->probe);
    free(s);
}

void dac_stem_sim_set_progress(dac_stem_sim *s, dac_progress_fn fn, void *user_data)
{
    s->progress = fn;
    s->progress_data = user_data;
}

const dac_stem_probe *dac_stem_sim_probe(const dac_stem_sim *s) { return s->probe; }
const dac_stem_options *sim_options(const dac_stem_sim *s) { return &s->opt; }
size_t sim_width(const dac_stem_sim *s) { return s->width; }
size_t sim_height(const dac_stem_sim *s) { return s->height; }

double dac_stem_sim_line_shift(const dac_stem_sim *s, size_t row)
{
    return row < s->height ? s->shift[row] : 0.0;
}

static int report(dac_stem_sim *s, double f)
{
    if (s->progress && s->progress(f, s->progress_data))
        return dac_error(DAC_ERR_RUNTIME, "stem: rendering cancelled");
    return DAC_OK;
}

/* Centred quintic B-spline B5(x) (support |x| < 3; de Boor, "A Practical Guide to
 * Splines"), the 6-fold convolution of the unit box, whose transfer is sinc⁶. */
static double bspline5(double x)
{
    x = fabs(x);
    double x2 = x * x, x4 = x2 * x2;
    if (x < 1)
        return (66 - 60 * x2 + 30 * x4 - 10 * x4 * x) / 120;
    if (x < 2)
        return (51 + 75 * x - 210 * x2 + 150 * x2 * x - 45 * x4 + 5 * x4 * x) / 120;
    if (x < 3) {
        double m = 3 - x, m2 = m * m;
        return m2 * m2 * m / 120;
    }
    return 0;
}

/* Weights of nodes −2 … 3 for a point at fractional offset t ∈ [0,1). */
static void bspline_weights(double t, double w[6])
{
    for (int i = 0; i < 6; i++)
        w[i] = bspline5((double)(i - 2) - t);
}

static size_t wrap(long i, size_t n)
{
    long m = i % (long)n;
    return (size_t)(m < 0 ? m + (long)n : m);
}

static int deposit(dac_stem_sim *s, const dac_stem_point *pts, size_t n)
{
    size_t W = s->width, H = s->height;
    memset(s->real, 0, sizeof(float) * W * H);
    for (size_t a = 0; a < n; a++) {
        double x = pts[a].x_px, y = pts[a].y_px, sig = pts[a].sigma_A2;
        if (!isfinite(x) || !isfinite(y) || !isfinite(sig) || fabs(x) > 1e9 || fabs(y) > 1e9)
            return dac_error(DAC_ERR_USAGE, "stem: point %zu has a non-finite or absurd "
                             "position or cross-section", a);
        double fx = floor(x), fy = floor(y), wx[6], wy[6];
        bspline_weights(x - fx, wx);
        bspline_weights(y - fy, wy);
        size_t cx[6];
        for (int i = 0; i < 6; i++)
            cx[i] = wrap((long)fx - 2 + i, W);
        for (int j = 0; j < 6; j++) {
            float *row = s->real + wrap((long)fy - 2 + j, H) * W;
            double wj = sig * wy[j];
            for (int i = 0; i < 6; i++)
                row[cx[i]] += (float)(wj * wx[i]);
        }
    }
    return DAC_OK;
}

/* Multiplies by the OTF multiplier, inverts along y, shifts each line, inverts along x. */
static void inverse_with_shifts(dac_stem_sim *s)
{
    size_t W = s->width, H = s->height, nu = s->nu;
    for (size_t i = 0; i < H * nu; i++) {
        s->spec[i][0] *= s->mult[i];
        s->spec[i][1] *= s->mult[i];
    }
    fftwf_execute(s->cols);
    for (size_t v = 0; v < H; v++) {
        if (s->shift[v] == 0.0)
            continue;
        /* Content moves right by shift: coefficient u gains e^{−2πi u shift / W}. */
        double th = -2.0 * DAC_PI * s->shift[v] / (double)W;
        double cr = cos(th), ci = sin(th), pr = 1, pi = 0;
        fftwf_complex *row = s->spec + v * nu;
        for (size_t u = 0; u < nu; u++) {
            double re = row[u][0], im = row[u][1];
            row[u][0] = (float)(re * pr - im * pi);
            row[u][1] = (float)(re * pi + im * pr);
            double npr = pr * cr - pi * ci;
            pi = pr * ci + pi * cr;
            pr = npr;
        }
    }
    fftwf_execute(s->rows);
}

int dac_stem_sim_render_points(dac_stem_sim *s, const dac_stem_point *pts, size_t n,
                               uint64_t seed, dac_image **image)
{
    *image = NULL;
    int st;
    if ((st = report(s, 0.0)) || (st = deposit(s, pts, n)) || (st = report(s, 0.2)))
        return st;
    fftwf_execute(s->fwd);
    if (s->opt.support_thickness_A > 0 &&
        (st = sim_support_add(s->support, seed, s->spec, s->bx, s->by)))
        return st;
    sim_scan_shifts(&s->opt, seed, s->height, s->shift);
    if ((st = report(s, 0.4)))
        return st;
    inverse_with_shifts(s);
    if ((st = report(s, 0.7)))
        return st;
    dac_image *img;
    if ((st = dac_image_create(s->width, s->height, &img)) != DAC_OK)
        return st;
    size_t N = s->width * s->height;
    int noiseless = isinf(s->opt.dose_e_A2);
    /* real[] holds Σσ_j P(r_n − r_j)·p² (the deposit's mass is σ): the detected fraction
     * times p², so dose × real is the expected number of electrons. */
    double p2 = s->opt.pixel_A * s->opt.pixel_A;
    float scale = (float)(noiseless ? 1.0 / p2 : s->opt.dose_e_A2);
    for (size_t i = 0; i < N; i++)
        img->pixels[i] = s->real[i] * scale;
    if (!noiseless)
        sim_noise_apply(&s->opt, seed, img->pixels, N);
    img->pixel_size_A[0] = img->pixel_size_A[1] = s->opt.pixel_A;
    if ((st = report(s, 1.0))) {
        dac_image_free(img);
        return st;
    }
    *image = img;
    return DAC_OK;
}

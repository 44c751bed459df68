/*
 * probe.c — the STEM probe: intensity P(r) = |F⁻¹[A(k)·e^{−iχ(k)}]|² normalised to
 * ∫P = 1, blurred by a Gaussian source, and its optical transfer function (OTF).
 *
 * Why compute the OTF rather than the real-space probe: the image is the probe
 * convolved with point scatterers, done by FFT, so what the renderer needs is the OTF
 * at the image's frequencies. The coherent probe is computed once on its own fine grid
 * (spacing ≤ λ/(5α), so |ψ|², band-limited to 2α/λ, is sampled above Nyquist; size ≥
 * 80 Å so the aperture is sampled by ≥ 100 points across its radius), then FFT'd to the
 * OTF. Samples of the OTF on the 1/L grid are exact Fourier samples of the L-periodised
 * probe; we keep the profile along k_x (the probe is round: only Δf and C_s) and
 * interpolate it linearly in |k|. The source blur is an exact Gaussian factor
 * exp(−2π²σ_s²k²), so it costs nothing and never aliases.
 *
 * Formulas: χ(k) = πλΔf k² + ½πC_sλ³k⁴ and λ relativistic (docs/science.md §3; Kirkland,
 * "Advanced Computing in Electron Microscopy", 2nd ed., ch. 3 and 5). The aperture edge
 * is anti-aliased (fractional coverage of each k-sample) so the discrete pupil area —
 * hence the normalisation and the OTF near its cut-off — converges quickly.
 */
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>

#include "dac/stem.h"
#include "stem/sim/sim_internal.h"

/* FWHM = 2√(2 ln 2) σ for a Gaussian. */
#define FWHM_PER_SIGMA 2.3548200450309493

struct dac_stem_probe {
    dac_stem_probe_options opt;
    double lambda_A;
    double sigma_source_A;   /* Gaussian source rms, Å */
    double sigma_gauss_A;    /* > 0: plain Gaussian probe */
    size_t n;                /* coherent grid points per side (0 for Gaussian) */
    double dk;               /* 1/L, 1/Å */
    double *otf_grid;        /* n*n coherent OTF (real part), no source blur */
    double *otf_axis;        /* n/2+1 samples along k_x, no source blur */
    double *marginal;        /* n: Σ_ky OTF(kx, ky)·blur, for fast profiles along x */
};

void dac_stem_probe_options_default(dac_stem_probe_options *opt)
{
    opt->voltage_kV = 300.0; /* issue 3 defaults: aberration-corrected 300 kV STEM */
    opt->alpha_mrad = 25.0;
    opt->defocus_A = 0.0;
    opt->cs_mm = 0.0;
    /* docs/science.md §3: source size broadens atom images to ≈0.7–1.0 Å FWHM */
    opt->source_fwhm_A = 0.7;
    opt->gaussian_fwhm_A = 0.0;
}

static size_t next_pow2(size_t n)
{
    size_t p = 16;
    while (p < n)
        p <<= 1;
    return p;
}

/* Signed frequency index of FFT bin i of n. */
static long signed_index(size_t i, size_t n) { return i <= n / 2 ? (long)i : (long)i - (long)n; }

static int probe_check(const dac_stem_probe_options *o)
{
    if (!(o->voltage_kV > 0 && o->voltage_kV <= 1e4))
        return dac_error(DAC_ERR_USAGE, "probe: voltage %g kV: expected 0 < kV ≤ 10000", o->voltage_kV);
    if (!(o->gaussian_fwhm_A >= 0 && o->gaussian_fwhm_A < 100))
        return dac_error(DAC_ERR_USAGE, "probe: Gaussian FWHM %g Å: expected 0 … 100", o->gaussian_fwhm_A);
    if (!(o->source_fwhm_A >= 0 && o->source_fwhm_A < 100))
        return dac_error(DAC_ERR_USAGE, "probe: source FWHM %g Å: expected 0 … 100", o->source_fwhm_A);
    if (o->gaussian_fwhm_A > 0)
        return DAC_OK;
    if (!(o->alpha_mrad >= 1 && o->alpha_mrad <= 200))
        return dac_error(DAC_ERR_USAGE, "probe: alpha %g mrad: expected 1 … 200", o->alpha_mrad);
    if (!(fabs(o->defocus_A) <= 5000))
        return dac_error(DAC_ERR_USAGE, "probe: defocus %g Å: expected |Δf| ≤ 5000", o->defocus_A);
    if (!(fabs(o->cs_mm) <= 10))
        return dac_error(DAC_ERR_USAGE, "probe: Cs %g mm: expected |Cs| ≤ 10", o->cs_mm);
    return DAC_OK;
}

/* Coherent probe → OTF on an n×n grid of spacing dk. */
static int compute_coherent(dac_stem_probe *p)
{
    const double alpha = p->opt.alpha_mrad * 1e-3, lambda = p->lambda_A;
    const double k_alpha = alpha / lambda;
    const double cs_A = p->opt.cs_mm * 1e7;
    /* Geometric blur radius of the aberrated probe (ray optics): |Δf|α + |C_s|α³. */
    double blur_A = fabs(p->opt.defocus_A) * alpha + fabs(cs_A) * alpha * alpha * alpha;
    double L = fmax(80.0, 8.0 * blur_A);
    double spacing = 1.0 / (5.0 * k_alpha);
    size_t n = next_pow2((size_t)ceil(L / spacing));
    if (n > 2048)
        return dac_error(DAC_ERR_USAGE, "probe: defocus/Cs give a probe too wide to sample "
                         "(needs a %zu-point grid; limit 2048)", n);
    p->n = n;
    p->dk = 1.0 / (n * spacing);
    fftw_complex *buf = fftw_malloc(sizeof(fftw_complex) * n * n);
    p->otf_grid = malloc(sizeof(double) * n * n);
    p->otf_axis = malloc(sizeof(double) * (n / 2 + 1));
    p->marginal = calloc(n, sizeof(double));
    if (!buf || !p->otf_grid || !p->otf_axis || !p->marginal) {
        fftw_free(buf);
        return dac_error(DAC_ERR_NOMEM, "probe: out of memory for a %zu² grid", n);
    }
    fftw_plan back = fftw_plan_dft_2d((int)n, (int)n, buf, buf, FFTW_BACKWARD, FFTW_ESTIMATE);
    fftw_plan fwd = fftw_plan_dft_2d((int)n, (int)n, buf, buf, FFTW_FORWARD, FFTW_ESTIMATE);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double ky = signed_index(i, n) * p->dk, kx = signed_index(j, n) * p->dk;
            double k2 = kx * kx + ky * ky, k = sqrt(k2);
            double a = (k_alpha - k) / p->dk + 0.5; /* anti-aliased pupil edge */
            a = a < 0 ? 0 : a > 1 ? 1 : a;
            double chi = DAC_PI * lambda * p->opt.defocus_A * k2 +
                         0.5 * DAC_PI * cs_A * lambda * lambda * lambda * k2 * k2;
            buf[i * n + j] = a * cexp(-I * chi);
        }
    fftw_execute(back);
    for (size_t i = 0; i < n * n; i++)
        buf[i] = creal(buf[i]) * creal(buf[i]) + cimag(buf[i]) * cimag(buf[i]);
    fftw_execute(fwd);
    double norm = creal(buf[0]);
    for (size_t i = 0; i < n * n; i++)
        p->otf_grid[i] = creal(buf[i]) / norm;
    for (size_t j = 0; j <= n / 2; j++)
        p->otf_axis[j] = p->otf_grid[j];
    /* P(x, 0) = Σ_kx cos(2πkx x) Σ_ky OTF: the inner sums, source blur included. */
    const double s2 = p->sigma_source_A * p->sigma_source_A;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double ky = signed_index(i, n) * p->dk, kx = signed_index(j, n) * p->dk;
            p->marginal[j] += p->otf_grid[i * n + j] *
                              exp(-2.0 * DAC_PI * DAC_PI * s2 * (kx * kx + ky * ky));
        }
    fftw_destroy_plan(back);
    fftw_destroy_plan(fwd);
    fftw_free(buf);
    return DAC_OK;
}

int dac_stem_probe_create(const dac_stem_probe_options *opt, dac_stem_probe **out)
{
    *out = NULL;
    int st = probe_check(opt);
    if (st)
        return st;
    dac_stem_probe *p = calloc(1, sizeof *p);
    if (!p)
        return dac_error(DAC_ERR_NOMEM, "probe: out of memory");
    p->opt = *opt;
    p->lambda_A = dac_electron_wavelength_A(opt->voltage_kV * 1e3);
    p->sigma_source_A = opt->source_fwhm_A / FWHM_PER_SIGMA;
    if (opt->gaussian_fwhm_A > 0) {
        p->sigma_gauss_A = opt->gaussian_fwhm_A / FWHM_PER_SIGMA;
    } else if ((st = compute_coherent(p)) != DAC_OK) {
        dac_stem_probe_free(p);
        return st;
    }
    *out = p;
    return DAC_OK;
}

void dac_stem_probe_free(dac_stem_probe *p)
{
    if (!p)
        return;
    free(p->otf_grid);
    free(p->otf_axis);
    free(p->marginal);
    free(p);
}

double dac_stem_probe_wavelength_A(const dac_stem_probe *p) { return p->lambda_A; }

/* Coherent part of the OTF at radius k, linear in |k| between axis samples; zero
 * beyond the grid (the coherent OTF vanishes beyond 2α/λ, inside the grid). */
static double coherent_otf(const dac_stem_probe *p, double k)
{
    double x = k / p->dk;
    size_t i = (size_t)x;
    if (i >= p->n / 2)
        return 0.0;
    double t = x - (double)i;
    return (1 - t) * p->otf_axis[i] + t * p->otf_axis[i + 1];
}

double dac_stem_probe_otf(const dac_stem_probe *p, double kx, double ky)
{
    double k2 = kx * kx + ky * ky;
    if (p->sigma_gauss_A > 0)
        return exp(-2.0 * DAC_PI * DAC_PI * p->sigma_gauss_A * p->sigma_gauss_A * k2);
    double blur = exp(-2.0 * DAC_PI * DAC_PI * p->sigma_source_A * p->sigma_source_A * k2);
    return blur * coherent_otf(p, sqrt(k2));
}

double dac_stem_probe_intensity(const dac_stem_probe *p, double x, double y)
{
    if (p->sigma_gauss_A > 0) {
        double s2 = p->sigma_gauss_A * p->sigma_gauss_A;
        return exp(-(x * x + y * y) / (2 * s2)) / (2 * DAC_PI * s2);
    }
    /* P(r) = Σ_k OTF(k) e^{2πik·r} dk²; the OTF is even, so a cosine sum. */
    const size_t n = p->n;
    const double s2 = p->sigma_source_A * p->sigma_source_A;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double ky = signed_index(i, n) * p->dk;
        const double *row = p->otf_grid + i * n;
        for (size_t j = 0; j < n; j++) {
            if (row[j] == 0.0)
                continue;
            double kx = signed_index(j, n) * p->dk;
            double k2 = kx * kx + ky * ky;
            sum += row[j] * exp(-2.0 * DAC_PI * DAC_PI * s2 * k2) *
                   cos(2.0 * DAC_PI * (kx * x + ky * y));
        }
    }
    return sum * p->dk * p->dk;
}

/* P(x, 0): the same sum as dac_stem_probe_intensity, in O(n) from the marginal. */
static double intensity_x(const dac_stem_probe *p, double x)
{
    if (p->sigma_gauss_A > 0)
        return dac_stem_probe_intensity(p, x, 0);
    double sum = 0;
    for (size_t j = 0; j < p->n; j++)
        sum += p->marginal[j] * cos(2.0 * DAC_PI * signed_index(j, p->n) * p->dk * x);
    return sum * p->dk * p->dk;
}

int dac_stem_probe_fwhm(const dac_stem_probe *p, double *fwhm_A)
{
    double half = 0.5 * intensity_x(p, 0);
    double lo = 0.0, hi = 0.05;
    while (intensity_x(p, hi) > half) {
        lo = hi;
        hi += 0.05;
        if (hi > 50)
            return dac_error(DAC_ERR_RUNTIME, "probe: no half maximum within 50 Å");
    }
    for (int it = 0; it < 40; it++) {
        double mid = 0.5 * (lo + hi);
        if (intensity_x(p, mid) > half)
            lo = mid;
        else
            hi = mid;
    }
    *fwhm_A = lo + hi; /* 2 × the half-width */
    return DAC_OK;
}

/*
 * support.c — an amorphous carbon slab under the metal atoms, as a continuous projected
 * density: areal σ-density s(r) = σ_C · n_C · t(r), with n_C the carbon number density
 * (from --support-density, g/cm³) and t(r) = t0·(1 + ρ g(r)) the local thickness.
 *
 * g is a stationary Gaussian random field, zero mean, unit variance, with Gaussian
 * correlation ⟨g(0)g(r)⟩ = exp(−r²/(2ℓ²)), ℓ = --support-correlation. Its power
 * spectrum 2πℓ²·exp(−2π²ℓ²k²) is the square of the filter h(k) = exp(−π²ℓ²k²), which
 * is applied to white noise. Because the
 * field is smooth on the scale ℓ, the noise is drawn on a coarse grid of spacing ≈ ℓ/2
 * covering the same periodic field of view (the filter is e^{−π²} ≈ 5·10⁻⁵ at that
 * grid's Nyquist frequency, so nothing is lost), and its spectrum is copied into the
 * low frequencies of the image spectrum. A 2048² image then needs a ~160² FFT for its
 * support instead of another full-size one.
 *
 * The thickness is not clipped at zero: at the default ρ = 0.1 a negative thickness is a
 * 10σ event. t(r) is periodic over the field of view, like the rest of the image.
 */
#include <math.h>
#include <stdlib.h>

#include "dac/stem.h"
#include "stem/sim/sim_internal.h"

struct sim_support {
    dac_stem_options opt;
    size_t W, H;       /* image size */
    size_t Wc, Hc, nuc; /* coarse grid; nuc = Wc/2+1 */
    float *real;
    fftwf_complex *spec;
    float *filter;     /* Hc*nuc: normalised h(k); 0 where not copied */
    fftwf_plan plan;
};

double sim_support_mean_fraction(const dac_stem_options *o)
{
    const dac_element *c = dac_element_by_Z(6);
    double mass_u = c ? c->mass_u : 12.011;
    /* atoms per Å³: ρ[g/cm³] · N_A / M[g/mol] · 10⁻²⁴ cm³/Å³ */
    double n_C = o->support_density_g_cm3 * DAC_NA_PER_MOL / mass_u * 1e-24;
    return dac_stem_sigma_A2(o, 6) * n_C * o->support_thickness_A;
}

static size_t coarse_size(size_t n, double pixel_A, double corr_A)
{
    size_t c = (size_t)ceil((double)n * pixel_A / (0.5 * corr_A));
    if (c < 2)
        c = 2;
    return c > n ? n : c;
}

static long signed_index(size_t i, size_t n) { return 2 * i < n ? (long)i : (long)i - (long)n; }

/* Kept frequencies: strictly inside the coarse grid's Nyquist band, not k = 0. */
static int kept(long u, long v, size_t Wc, size_t Hc)
{
    return 2 * labs(u) < (long)Wc && 2 * labs(v) < (long)Hc && (u || v);
}

int sim_support_create(sim_support **out, const dac_stem_options *opt, size_t W, size_t H)
{
    *out = NULL;
    if (!(opt->support_thickness_A > 0))
        return DAC_OK;
    sim_support *s = calloc(1, sizeof *s);
    if (!s)
        return dac_error(DAC_ERR_NOMEM, "stem: out of memory for the support");
    s->opt = *opt;
    s->W = W;
    s->H = H;
    s->Wc = coarse_size(W, opt->pixel_A, opt->support_correlation_A);
    s->Hc = coarse_size(H, opt->pixel_A, opt->support_correlation_A);
    s->nuc = s->Wc / 2 + 1;
    s->real = fftwf_malloc(sizeof(float) * s->Wc * s->Hc);
    s->spec = fftwf_malloc(sizeof(fftwf_complex) * s->Hc * s->nuc);
    s->filter = malloc(sizeof(float) * s->Hc * s->nuc);
    if (!s->real || !s->spec || !s->filter) {
        sim_support_free(s);
        return dac_error(DAC_ERR_NOMEM, "stem: out of memory for the support");
    }
    s->plan = fftwf_plan_dft_r2c_2d((int)s->Hc, (int)s->Wc, s->real, s->spec, FFTW_ESTIMATE);
    /* Variance of the coarse field = Σ_k |c h(k)|² / (Wc Hc) over the full k-plane;
     * choose c so that it is 1. */
    double l = opt->support_correlation_A, p = opt->pixel_A, total = 0;
    for (size_t v = 0; v < s->Hc; v++)
        for (size_t u = 0; u < s->Wc; u++) {
            long us = signed_index(u, s->Wc), vs = signed_index(v, s->Hc);
            if (!kept(us, vs, s->Wc, s->Hc))
                continue;
            double kx = us / (W * p), ky = vs / (H * p);
            total += exp(-2 * DAC_PI * DAC_PI * l * l * (kx * kx + ky * ky));
        }
    double c = total > 0 ? sqrt((double)s->Wc * s->Hc / total) : 0;
    for (size_t v = 0; v < s->Hc; v++)
        for (size_t u = 0; u < s->nuc; u++) {
            long vs = signed_index(v, s->Hc);
            double kx = u / (W * p), ky = vs / (H * p);
            s->filter[v * s->nuc + u] =
                kept((long)u, vs, s->Wc, s->Hc)
                    ? (float)(c * exp(-DAC_PI * DAC_PI * l * l * (kx * kx + ky * ky)))
                    : 0.0f;
        }
    *out = s;
    return DAC_OK;
}

void sim_support_free(sim_support *s)
{
    if (!s)
        return;
    if (s->plan)
        fftwf_destroy_plan(s->plan);
    fftwf_free(s->real);
    fftwf_free(s->spec);
    free(s->filter);
    free(s);
}

int sim_support_add(sim_support *s, uint64_t seed, fftwf_complex *spec,
                     const float *weight_x, const float *weight_y)
{
    if (!s)
        return DAC_OK;
    size_t W = s->W, H = s->H, nu = W / 2 + 1;
    double p = s->opt.pixel_A;
    double mean = sim_support_mean_fraction(&s->opt) * p * p; /* per-pixel σ mass */
    /* The mean: Σ over W·H pixels of the per-pixel mass (k = 0; transfer is 1 there). */
    spec[0][0] += (float)(mean * (double)W * H);
    if (!(s->opt.support_roughness > 0))
        return DAC_OK;
    dac_rng rng;
    dac_rng_seed_stream(&rng, seed, SIM_STREAM_SUPPORT);
    for (size_t i = 0; i < s->Wc * s->Hc; i++)
        s->real[i] = (float)dac_rng_normal(&rng);
    fftwf_execute(s->plan);
    /* Fine spectrum of the same continuous field: (W H)/(Wc Hc) × coarse spectrum. */
    double amp = mean * s->opt.support_roughness * ((double)W * H) / ((double)s->Wc * s->Hc);
    for (size_t v = 0; v < s->Hc; v++) {
        long vs = signed_index(v, s->Hc);
        size_t vf = vs >= 0 ? (size_t)vs : (size_t)((long)H + vs);
        for (size_t u = 0; u < s->nuc; u++) {
            float f = s->filter[v * s->nuc + u];
            if (f == 0.0f)
                continue;
            double w = amp * f * weight_x[u] * weight_y[vf];
            spec[vf * nu + u][0] += (float)(w * s->spec[v * s->nuc + u][0]);
            spec[vf * nu + u][1] += (float)(w * s->spec[v * s->nuc + u][1]);
        }
    }
    return DAC_OK;
}

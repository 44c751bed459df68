/*
 * options.c — defaults and range checks for the HAADF simulator, and the contrast
 * model σ(Z). Every default names its source or is marked an assumption.
 */
#include <math.h>

#include "dac/stem.h"

#define MAX_DOSE_E_A2 1e15

void dac_stem_options_default(dac_stem_options *o)
{
    dac_stem_probe_options_default(&o->probe);
    o->view[0] = 0;
    o->view[1] = 0;
    o->view[2] = 1;
    o->pixel_A = 0.2; /* issue 3 default; samples a 0.7 Å FWHM atom image by 3.5 px */
    o->fov_A[0] = o->fov_A[1] = 0;
    /* Assumption: 5 Å keeps the probe tails of edge atoms (≤1 % beyond ~3 Å with a
     * 0.7 Å source) from wrapping around the periodic FFT domain. */
    o->margin_A = 5.0;
    o->zpower = 0;
    o->support_thickness_A = 0;
    /* Assumption: 10 % rms thickness variation over 5 Å gives the mottled look of
     * amorphous carbon films at atomic resolution; not fitted to data. */
    o->support_roughness = 0.1;
    o->support_correlation_A = 5.0;
    /* Assumption: evaporated amorphous carbon support films are ≈1.8–2.2 g/cm³ (graphite
     * is 2.26); 2.0 is the middle of that range. */
    o->support_density_g_cm3 = 2.0;
    /* Assumption: 1e6 e⁻/Å² = 4·10⁴ e⁻ per 0.2 Å pixel, e.g. 50 pA for 128 µs, or a
     * few summed frames at typical 20–80 pA, 5–20 µs dwell: the upper end of the doses
     * used for single-atom catalyst images, where Ni on thin carbon is still countable.
     * Lower it to study detection limits. */
    o->dose_e_A2 = 1e6;
    o->gain = 1;
    o->offset = 0;
    o->read_noise = 0;
    o->jitter_px = 0;
    o->drift_px = 0;
}

static int check_range(double v, double lo, double hi, const char *name)
{
    if (!(v >= lo && v <= hi))
        return dac_error(DAC_ERR_USAGE, "stem: %s = %g: expected %g … %g", name, v, lo, hi);
    return DAC_OK;
}

int dac_stem_options_check(const dac_stem_options *o)
{
    int st;
    double vn = sqrt(o->view[0] * o->view[0] + o->view[1] * o->view[1] + o->view[2] * o->view[2]);
    if (!(vn > 1e-9) || !isfinite(vn))
        return dac_error(DAC_ERR_USAGE, "stem: view direction must be a non-zero vector");
    if ((st = check_range(o->pixel_A, 0.005, 100, "pixel_A")) ||
        (st = check_range(o->fov_A[0], 0, 1e6, "fov_A width")) ||
        (st = check_range(o->fov_A[1], 0, 1e6, "fov_A height")) ||
        (st = check_range(o->margin_A, 0, 1e4, "margin_A")) ||
        (st = check_range(o->zpower, 0, 4, "zpower")) ||
        (st = check_range(o->support_thickness_A, 0, 1e4, "support_thickness_A")) ||
        (st = check_range(o->support_roughness, 0, 10, "support_roughness")) ||
        (st = check_range(o->support_correlation_A, 0.5, 1e4, "support_correlation_A")) ||
        (st = check_range(o->support_density_g_cm3, 0, 30, "support_density_g_cm3")) ||
        (st = check_range(o->gain, 0, 1e9, "gain")) ||
        (st = check_range(o->offset, -1e12, 1e12, "offset")) ||
        (st = check_range(o->read_noise, 0, 1e12, "read_noise")) ||
        (st = check_range(o->jitter_px, 0, 1e4, "jitter_px")) ||
        (st = check_range(o->drift_px, -1e6, 1e6, "drift_px")))
        return st;
    if (!(o->dose_e_A2 > 0) || isnan(o->dose_e_A2))
        return dac_error(DAC_ERR_USAGE, "stem: dose_e_A2 = %g: expected > 0 (or infinity)", o->dose_e_A2);
    /* Assumption: no experiment comes near 1e15 e⁻/Å² (single-atom catalyst images use
     * ~1e4–1e7, see the default above); beyond it the electrons per pixel (dose × pixel²,
     * up to 1e19 at 100 Å pixels) approach the 2^64 range of the Poisson counts. */
    if (isfinite(o->dose_e_A2) && o->dose_e_A2 > MAX_DOSE_E_A2)
        return dac_error(DAC_ERR_USAGE, "stem: dose_e_A2 = %g: expected at most %g e⁻/Å² (or "
                         "infinity for a noiseless image): larger doses are far beyond any "
                         "experiment and overflow the electron counts", o->dose_e_A2, MAX_DOSE_E_A2);
    return DAC_OK;
}

/* c in σ ≈ c·Z^1.9 (10⁻⁴ Å²), the geometric mean of σ/Z^1.9 over the table entries.
 * n = 1.9 from docs/science.md §3 (Kirkland's scattering factors, 300 kV, 70–200 mrad). */
static double table_fit_constant(void)
{
    double sum = 0;
    int n = 0;
    for (int Z = 1; Z <= dac_element_count(); Z++) {
        const dac_element *e = dac_element_by_Z(Z);
        if (e && e->haadf_sigma_1e4A2 > 0) {
            sum += log(e->haadf_sigma_1e4A2 / pow(Z, 1.9));
            n++;
        }
    }
    return n ? exp(sum / n) : 0.65 / pow(6, 1.9);
}

double dac_stem_sigma_A2(const dac_stem_options *o, int Z)
{
    if (Z <= 0)
        return 0;
    const dac_element *e = dac_element_by_Z(Z);
    if (o->zpower > 0) {
        const dac_element *c = dac_element_by_Z(6);
        double sc = c && c->haadf_sigma_1e4A2 > 0 ? c->haadf_sigma_1e4A2 : 0.65;
        return 1e-4 * sc * pow(Z / 6.0, o->zpower);
    }
    if (e && e->haadf_sigma_1e4A2 > 0)
        return 1e-4 * e->haadf_sigma_1e4A2;
    return 1e-4 * table_fit_constant() * pow(Z, 1.9);
}

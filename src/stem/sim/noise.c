/*
 * noise.c — what the detector and the scan add to the noiseless image.
 *
 * Shot noise: the number of electrons scattered onto the ADF detector at one probe
 * position is Poisson with mean λ = dose × pixel area × detected fraction (each incident
 * electron scatters independently). The detector turns n electrons into gain·n + offset
 * counts plus Gaussian read noise. Scan: each line is displaced horizontally by
 * jitter·N(0,1) px (line-to-line flyback/timing jitter) plus drift·row/height px (a
 * constant drift during the frame shears the image along the slow scan).
 *
 * Random numbers come from separate streams of the seed (sim_internal.h), drawn in
 * pixel order, so a seed gives the same bytes for the same build on the same CPU. Not
 * across CPUs: FFTW may choose different SIMD kernels on another CPU, which changes the
 * last bits of the noiseless image and hence, rarely, a Poisson draw.
 */
#include <math.h>

#include "dac/stem.h"
#include "stem/sim/sim_internal.h"

void sim_noise_apply(const dac_stem_options *o, uint64_t seed, float *pix, size_t n)
{
    dac_rng rng;
    dac_rng_seed_stream(&rng, seed, SIM_STREAM_SHOT);
    const double gain = o->gain, offset = o->offset, read = o->read_noise;
    for (size_t i = 0; i < n; i++) {
        /* The band-limited convolution rings slightly below zero far from atoms. */
        double mean = pix[i] > 0 ? pix[i] : 0.0;
        uint64_t count = dac_rng_poisson(&rng, mean);
        double v = gain * (double)count + offset;
        if (read > 0)
            v += read * dac_rng_normal(&rng);
        pix[i] = (float)v;
    }
}

void sim_scan_shifts(const dac_stem_options *o, uint64_t seed, size_t height, double *shift)
{
    dac_rng rng;
    dac_rng_seed_stream(&rng, seed, SIM_STREAM_SCAN);
    for (size_t y = 0; y < height; y++) {
        double s = o->drift_px * (double)y / (double)height;
        if (o->jitter_px > 0)
            s += o->jitter_px * dac_rng_normal(&rng);
        shift[y] = s;
    }
}

/*
 * sim_internal.h — seams between the files of src/stem/sim, the simulator (not public;
 * private names start with sim_): the support slab
 * generator and the noise model are separate files so each can be read and tested on
 * its own; the renderer calls them.
 */
#ifndef DAC_STEM_SIM_INTERNAL_H
#define DAC_STEM_SIM_INTERNAL_H

#include <fftw3.h>

#include "dac/stem.h"

/* Read access to the simulator's settings for scene.c. */
const dac_stem_options *sim_options(const dac_stem_sim *s);
size_t sim_width(const dac_stem_sim *s);
size_t sim_height(const dac_stem_sim *s);

/* Random streams of one seed (dac_rng_seed_stream), one per stochastic ingredient, so
 * turning one ingredient on or off leaves the others' random numbers unchanged. */
enum { SIM_STREAM_SHOT = 0, SIM_STREAM_SUPPORT = 1, SIM_STREAM_SCAN = 2 };

/* Amorphous carbon slab (support.c). Planned once per simulator: a coarse grid on
 * which white noise is drawn and filtered; its low frequencies are added into the
 * fine image spectrum. */
typedef struct sim_support sim_support;
int sim_support_create(sim_support **out, const dac_stem_options *opt, size_t width,
                        size_t height);
void sim_support_free(sim_support *s);
/* Adds the slab's spectrum (areal σ-density × pixel area, FFTW unnormalised
 * convention of a width×height r2c transform) times weight(u,v) into spec.
 * weight is the deposit kernel's transfer, so the later division cancels it. */
int sim_support_add(sim_support *s, uint64_t seed, fftwf_complex *spec,
                     const float *weight_x, const float *weight_y);
/* Mean areal σ-density of the slab, dimensionless (σ_C n_C t0). */
double sim_support_mean_fraction(const dac_stem_options *opt);

/* Noise (noise.c): expected electrons → detected counts, in place. */
void sim_noise_apply(const dac_stem_options *opt, uint64_t seed, float *pixels, size_t n);
/* Per-line horizontal shift in px (jitter + drift) into shift[height]. */
void sim_scan_shifts(const dac_stem_options *opt, uint64_t seed, size_t height, double *shift);

#endif

/*
 * rng.h — the generator's step inline (private to libdac).
 *
 * dac_rng_next is a call into rng.c; a loop that draws a few words per iteration pays
 * for the call and for reloading the state as much as for the step (dac synth draws
 * three per event). dac_rng_step is that step, the one dac_rng_next itself runs, so the
 * words are the same whichever is called.
 */
#ifndef DAC_CORE_RNG_H
#define DAC_CORE_RNG_H

#include <stdint.h>

#include "dac/core.h"

/* xoshiro256** (Blackman & Vigna 2018): the next word, the state advanced by one. */
static inline uint64_t dac_rng_step(dac_rng *rng)
{
    uint64_t *s = rng->s, x = s[1] * 5;
    const uint64_t result = ((x << 7) | (x >> 57)) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

#endif

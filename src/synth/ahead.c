/*
 * ahead.c — making the run loop's look-ahead (ahead.h explains it; engine.c runs it):
 * the wrapped row and column tables of the ring's prefetches, and whether the
 * speculative guesses are worth their instructions on this lattice.
 */
#include <stdlib.h>

#include "synth/ahead.h"

/* Below 2¹⁸ sites (1.4 MB of lattice arrays) the lattice stays in L2: nothing is
 * prefetched. The guesses cost ~60 instructions per event and pay only where the
 * lattice is far beyond the last-level cache: bench/synth measured them 10–20 % slower
 * at 10⁶ sites (5.3 MB, inside the 32 MB L3) and ~10 % faster at 1.6·10⁷ (85 MB). The
 * switch between, at 2²² sites (22 MB), is an assumption: nothing was measured there. */
#define SYNTH_PREFETCH_MIN_SITES ((size_t)1 << 18)
#define SYNTH_DEEP_MIN_SITES ((size_t)1 << 22)

int synth_ahead_create(dac_synth_engine *e)
{
    int L = e->g.L;
    size_t sites = (size_t)L * (size_t)L;
    if (sites < SYNTH_PREFETCH_MIN_SITES)
        return DAC_OK;
    /* not added to e->bytes: 8 (L + 4) bytes and the guesses, under 0.01 per site from
     * 2^18 sites, and counted they would change every summary's engine_bytes_per_site,
     * which this speed-up keeps the same bytes */
    struct synth_ahead *a = calloc(1, sizeof *a + 2 * ((size_t)L + 4) * sizeof *a->wrapped);
    if (!a)
        return dac_error(DAC_ERR_NOMEM, "synth: out of memory for a lattice of %zu sites", sites);
    for (int v = -2; v < L + 2; v++) {
        a->wrapped[v + 2] = synth_row(&e->g, synth_wrap(v, L));
        a->wrapped[L + 4 + v + 2] = synth_col(synth_wrap(v, L));
    }
    a->deep = sites >= SYNTH_DEEP_MIN_SITES;
    e->ahead = a;
    return DAC_OK;
}

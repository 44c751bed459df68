/*
 * ahead.c — making the run loop's look-ahead (ahead.h explains it; engine.c runs it):
 * the wrapped row and column tables of the ring's prefetches, and whether the
 * speculative guesses are worth their instructions on this lattice.
 */
#include <stdlib.h>

#include "synth/ahead.h"

/* Below 2¹⁸ sites (1.4 MB of lattice arrays) the lattice stays in L2: nothing is
 * prefetched. The guesses cost ~60 instructions per event and pay only where the
 * lattice is far beyond the caches. bench/synth, ns per event with the guesses against
 * without (best of 2, paired, idle 2-core VM, 2026-12-02): 10⁶ sites 10–20 % slower
 * (an earlier, loaded series), 2000² 76 against 71 (slower), 2896² 101–115 against
 * 111–118 (par), 4000² 106–132 against 140–145 (faster). Hence the switch at 2²² sites
 * (22 MB), between 2000² and 2896². */
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

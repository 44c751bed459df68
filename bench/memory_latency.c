/*
 * bench/memory_latency.c — how much memory this machine's caches hold for one core: the
 * time of one dependent load (a pointer chase over a random cycle of cache lines, one
 * line per step, 2 MB pages where the kernel gives them) for working sets of 1–64 MB.
 *
 * Why it is here: the engines whose cost per event is set by random access into large
 * arrays (dac synth's lattice, the counter's frames) are only as fast as the last cache
 * that holds their working set. A CPU's reported L3 need not serve a virtual machine
 * (shared with other tenants), so docs/synth.md quotes this measurement, not the
 * datasheet, when it explains why 1.6·10⁷ sites cost more per event than 10⁵.
 * Usage: bench/memory_latency [MAX_MB (64)]
 */
#define _DEFAULT_SOURCE /* madvise */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "dac/core.h"
#include "bench_time.h"

#define LINE 64
#define STEPS 20000000u

/* ns per dependent load over n lines: every line points to the next of a random cycle
 * (Sattolo's shuffle: one cycle through all lines, so no shorter loop stays cached). */
static double chase_ns(size_t n, dac_rng *rng)
{
    size_t *p = NULL;
    if (posix_memalign((void **)&p, (size_t)2 << 20, n * LINE))
        return -1;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, n * LINE, MADV_HUGEPAGE); /* advice only */
#endif
    const size_t stride = LINE / sizeof *p;
    for (size_t i = 0; i < n; i++)
        p[i * stride] = i;
    for (size_t i = n - 1; i > 0; i--) { /* Sattolo: j < i */
        size_t j = (size_t)dac_rng_below(rng, i), t = p[i * stride];
        p[i * stride] = p[j * stride];
        p[j * stride] = t;
    }
    /* p[i] now names the line after line i; store it as an index into p */
    for (size_t i = 0; i < n; i++)
        p[i * stride] *= stride;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) /* one lap to warm whatever can be warmed */
        k = p[k];
    double t0 = bench_wall_s();
    for (unsigned i = 0; i < STEPS; i++)
        k = p[k];
    double ns = 1e9 * (bench_wall_s() - t0) / STEPS;
    if (k == (size_t)-1) /* keeps the chase from being optimised away */
        printf("?");
    free(p);
    return ns;
}

int main(int argc, char **argv)
{
    long max_mb = argc > 1 ? atol(argv[1]) : 64;
    if (argc > 2 || max_mb < 1 || max_mb > 4096) {
        fprintf(stderr, "usage: bench/memory_latency [MAX_MB 1 … 4096 (64)]\n");
        return 2;
    }
    dac_rng rng;
    dac_rng_seed(&rng, 1);
    printf("one dependent load at a time over a random cycle of 64-byte lines\n");
    printf("%8s %12s\n", "size_MB", "ns_per_load");
    for (long mb = 1; mb <= max_mb; mb *= 2) {
        double ns = chase_ns((size_t)mb << 20 >> 6, &rng);
        if (ns < 0) {
            fprintf(stderr, "bench memory_latency: out of memory at %ld MB\n", mb);
            return 1;
        }
        printf("%8ld %12.1f\n", mb, ns);
    }
    return 0;
}

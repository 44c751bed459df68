/*
 * memory.c — the lattice arrays on huge pages.
 *
 * Every hop reads the neighbourhood of a random site. On 1.6·10⁷ sites the site bytes
 * and the site → atom index span ~80 MB; with 4 KB pages nearly every hop also misses
 * the TLB and waits for a page walk, which the benchmark showed as the largest single
 * cost on large lattices. Arrays of 2 MB and more are therefore aligned to 2 MB and
 * offered to the kernel for transparent huge pages (Linux madvise; elsewhere, or when
 * the kernel says no, they are ordinary memory and only slower).
 */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "synth/synth_internal.h"

#define HUGE_PAGE ((size_t)2 << 20)

void *synth_big_alloc(size_t bytes, int fill)
{
    if (bytes < HUGE_PAGE / 8) {
        void *p = malloc(bytes ? bytes : 1);
        if (p)
            memset(p, fill, bytes);
        return p;
    }
    size_t rounded = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    void *p = aligned_alloc(HUGE_PAGE, rounded);
    if (!p)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, rounded, MADV_HUGEPAGE); /* advice only: failure is harmless */
#endif
    memset(p, fill, bytes);
    return p;
}

/*
 * parallel.h — OpenMP without #ifdefs at every loop (private).
 *
 * DAC_OMP(parallel for ...) is the pragma when the library is built with OpenMP (GCC's
 * -fopenmp, an optional dependency) and nothing otherwise, so a build without it is the
 * same code on one thread. Parallel loops in dac give the same bytes whatever the thread
 * count: randomness is drawn from one stream per unit of work (docs/design.md), and
 * results are combined in the units' order, never in the order threads finish.
 */
#ifndef DAC_CORE_PARALLEL_H
#define DAC_CORE_PARALLEL_H

#ifdef _OPENMP
#include <omp.h>
#define DAC_OMP(clauses) _Pragma(DAC_OMP_STR(omp clauses))
#define DAC_OMP_STR(x) #x
#else
#define DAC_OMP(clauses)
#endif

/* Threads a parallel region of `requested` threads gets (≤ 0: the OpenMP default,
 * OMP_NUM_THREADS or the number of cores), at most `units` (≥ 1). */
static inline int dac_threads(int requested, long units)
{
#ifdef _OPENMP
    int t = requested > 0 ? requested : omp_get_max_threads();
#else
    int t = 1;
    (void)requested;
#endif
    if (units < t)
        t = units > 1 ? (int)units : 1;
    return t;
}

#endif

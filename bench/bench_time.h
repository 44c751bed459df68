/*
 * bench/bench_time.h — the benchmarks' clocks, once: wall seconds and this process's CPU
 * seconds. On a shared machine wall time counts the other jobs, so the benchmarks whose
 * bar is "on one core" report CPU time (their comments say which they print).
 */
#ifndef DAC_BENCH_TIME_H
#define DAC_BENCH_TIME_H

#include <time.h>

static inline double bench_clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline double bench_wall_s(void) { return bench_clock_s(CLOCK_MONOTONIC); }
static inline double bench_cpu_s(void) { return bench_clock_s(CLOCK_PROCESS_CPUTIME_ID); }

#endif

/*
 * sweep.h — parameter sweeps shared by `dac synth sweep` and `dac kinetics sweep`
 * (private to libdac).
 *
 * A sweep is a grid of axes (--vary KEY=a:b:step) times a number of repeats, numbered
 * 0 … size−1 with the repeat fastest, then the last axis. dac_sweep_run calls the
 * caller's function once per point, in parallel: OpenMP threads inside a process and,
 * when MPI has been initialised by the program (the library never initialises it),
 * MPI ranks across processes. Points are dealt out in contiguous blocks (rank, then
 * thread), so one worker sees increasing indices over one block and may warm-start
 * each point from the previous one. Each point returns one CSV line; rank 0 writes them
 * under the header in index order, so the file's bytes depend neither on the number of
 * threads nor on the number of ranks. Randomness belongs to the caller, per point
 * (never per worker).
 */
#ifndef DAC_CORE_SWEEP_H
#define DAC_CORE_SWEEP_H

#include <stddef.h>
#include <stdio.h>

#include "dac/core.h"

typedef struct {
    char key[128];
    double lo, hi, step;
    size_t n;
} dac_sweep_axis;

/* "KEY=a:b:step" (step > 0, b ≥ a, n = floor((b−a)/step + 1e-9) + 1 ≤ 10⁶); errors
 * (DAC_ERR_USAGE) name the spec. */
int dac_sweep_parse_axis(const char *spec, dac_sweep_axis *out);

typedef struct dac_sweep dac_sweep;

/* Copies the axes; repeats ≥ 1; at most 10⁹ points in all. */
int dac_sweep_create(const dac_sweep_axis *axes, size_t n_axes, size_t repeats, dac_sweep **out);
void dac_sweep_free(dac_sweep *s);
size_t dac_sweep_size(const dac_sweep *s);            /* Π n_i × repeats */
size_t dac_sweep_axes(const dac_sweep *s);
const dac_sweep_axis *dac_sweep_axis_at(const dac_sweep *s, size_t i);
/* Values (one per axis, lo + i·step rounded to 12 significant digits) and repeat of
 * point index. */
void dac_sweep_point(const dac_sweep *s, size_t index, double *values, size_t *repeat);

/* fn is called once per point; the calls made for one worker come in increasing index
 * order over a contiguous block of points, so a caller can warm-start each point from
 * the previous one of the same worker. worker ∈ [0, threads) within this process.
 * *row: a malloc'ed CSV line without its newline (dac_sweep_run frees it). A non-zero
 * status stops the sweep; the lowest failing point's message is reported. */
typedef int (*dac_sweep_fn)(size_t index, const double *values, size_t repeat, int worker,
                            void *ctx, char **row);

/* n_threads ≤ 0: all cores. Rows are written to out (rank 0 only; out may be NULL on
 * the other ranks) under header, in index order. progress (rank 0, from the calling
 * thread) gets the fraction of this rank's points done; non-zero stops the sweep. */
int dac_sweep_run(const dac_sweep *s, dac_sweep_fn fn, void *ctx, int n_threads,
                  const char *header, FILE *out, dac_progress_fn progress, void *user_data);

/* 1 when this process is MPI rank 0 or MPI is not in use (only rank 0 writes files). */
int dac_sweep_is_root(void);
/* Processes in the sweep (1 without MPI). */
int dac_sweep_ranks(void);

#endif

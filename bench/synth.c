/*
 * bench/synth.c — events per second and bytes per site of the synthesis engine.
 *
 * Pure hopping (no bonds, no pockets, no acceleration) at 1 % coverage, on 10⁵, 10⁶
 * and 1.6·10⁷ sites: the bars are ≥ 10⁷ events/s on one core at 10⁶ sites,
 * ≤ 16 bytes per site, and a cost per event flat across the sizes. CPU time is measured:
 * the machine may be shared, so each size can be run several times (the same seed, the
 * same events) and the best and the median reported; the best is the least disturbed.
 * Usage: bench/synth [events per size (default 3e7) [one lattice side of its own, or 0
 *        for 320, 1000 and 4000 [runs per size (default 1)]]].
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/sort.h"
#include "dac/synth.h"
#include "bench_time.h"
#include "synth/synth_internal.h"

static int compare_double(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One run: CPU seconds of the events, their number, bytes per site, creation seconds.
 * CPU time of this process, because the machine is shared: "one core" is what we were
 * given of it, not the wall clock. */
static int bench_run(const dac_synth_params *p, double t, double *cpu_s, double *n, double *bytes, double *create_s)
{
    dac_synth_engine *e;
    double t0 = bench_cpu_s();
    if (dac_synth_engine_create(p, 1, &e)) {
        fprintf(stderr, "bench synth: %s\n", dac_last_error());
        return 1;
    }
    double t1 = bench_cpu_s();
    if (dac_synth_engine_run(e, t)) {
        fprintf(stderr, "bench synth: %s\n", dac_last_error());
        dac_synth_engine_free(e);
        return 1;
    }
    *cpu_s = bench_cpu_s() - t1;
    *n = (double)e->events;
    *bytes = (double)dac_synth_engine_bytes(e) / (double)(p->sites_per_side * p->sites_per_side);
    *create_s = t1 - t0;
    dac_synth_engine_free(e);
    return 0;
}

static int bench_size(size_t L, double events, int runs)
{
    dac_synth_params p;
    dac_synth_params_default(&p);
    p.sites_per_side = L;
    p.n_metals = 1;
    if (synth_metal_defaults(28, &p.metal[0]))
        return 1;
    p.metal[0].release = DAC_SYNTH_RELEASE_AT_START;
    p.metal[0].atoms = L * L / 100;
    p.metal[0].bond_eV[0] = 0;
    p.start_K = 1173.15;
    p.n_segments = 1;
    p.denitrogenation = 0;
    p.first_passage = 0;
    p.timeseries_points = 0;
    double kT = DAC_KB_EV_PER_K * p.start_K, k = kT / DAC_H_EV_S * exp(-p.metal[0].hop_barrier_eV / kT);
    double t = events / (6.0 * k * (double)p.metal[0].atoms);
    p.segment[0].hold_s = t;
    double ns[64], n = 0, bytes = 0, create_s = 0, cpu_best = 0;
    for (int r = 0; r < runs; r++) {
        double cpu_s;
        if (bench_run(&p, t, &cpu_s, &n, &bytes, &create_s))
            return 1;
        ns[r] = 1e9 * cpu_s / n;
        cpu_best = r == 0 || cpu_s < cpu_best ? cpu_s : cpu_best;
    }
    if (dac_sort(ns, (size_t)runs, sizeof *ns, compare_double, NULL))
        return 1;
    double median = runs % 2 ? ns[runs / 2] : 0.5 * (ns[runs / 2 - 1] + ns[runs / 2]);
    printf("%10zu %9zu %11.3g %8.2f %11.3g %9.1f %9.1f %8.2f %9.2f\n", L * L, p.metal[0].atoms, n, cpu_best,
           1e9 / ns[0], ns[0], median, bytes, create_s);
    return 0;
}

int main(int argc, char **argv)
{
    double events = argc > 1 ? atof(argv[1]) : 3e7;
    size_t only = argc > 2 ? (size_t)atol(argv[2]) : 0; /* one lattice side only */
    int runs = argc > 3 ? atoi(argv[3]) : 1;
    if (!(events >= 1) || runs < 1 || runs > 64 || argc > 4) {
        fprintf(stderr, "usage: bench/synth [EVENTS>=1 (3e7) [SIDE: 0 for 320, 1000 and 4000, or one "
                        "side of its own [RUNS 1 … 64 (1)]]]\n");
        return 2;
    }
    printf("pure hopping, 1 %% coverage, no bonds, one core; best of %d run%s (CPU time)\n", runs, runs > 1 ? "s" : "");
    printf("%10s %9s %11s %8s %11s %9s %9s %8s %9s\n", "sites", "atoms", "events", "cpu_s", "events_per_s",
           "ns_per_ev", "ns_median", "B_per_site", "create_s");
    static const size_t sizes[] = {320, 1000, 4000};
    if (only) /* any side the engine accepts: it says why when it does not */
        return bench_size(only, events, runs);
    for (size_t i = 0; i < 3; i++)
        if (bench_size(sizes[i], events, runs))
            return 1;
    return 0;
}

/*
 * bench/synth.c — events per second and bytes per site of the synthesis engine.
 *
 * Pure hopping (no bonds, no pockets, no acceleration) at 1 % coverage, on 10⁵, 10⁶
 * and 1.6·10⁷ sites: the bars are ≥ 10⁷ events/s on one core at 10⁶ sites,
 * ≤ 16 bytes per site, and a cost per event flat across the sizes. CPU time is measured:
 * the machine may be shared.
 * Usage: bench/synth [events per size (default 3e7) [one lattice side: 320, 1000, 4000]].
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dac/synth.h"
#include "synth/synth_internal.h"

/* CPU time of this process: the machine is shared, so "one core" is what we were given
 * of it, not the wall clock. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int bench_size(size_t L, double events)
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
    dac_synth_engine *e;
    double t0 = now();
    if (dac_synth_engine_create(&p, 1, &e)) {
        fprintf(stderr, "bench synth: %s\n", dac_last_error());
        return 1;
    }
    double t1 = now();
    if (dac_synth_engine_run(e, t)) {
        fprintf(stderr, "bench synth: %s\n", dac_last_error());
        dac_synth_engine_free(e);
        return 1;
    }
    double t2 = now(), n = (double)e->events;
    printf("%10zu %9zu %11.3g %8.2f %11.3g %9.1f %8.2f %9.2f\n", L * L, p.metal[0].atoms, n, t2 - t1,
           n / (t2 - t1), 1e9 * (t2 - t1) / n, (double)dac_synth_engine_bytes(e) / (double)(L * L), t1 - t0);
    dac_synth_engine_free(e);
    return 0;
}

int main(int argc, char **argv)
{
    double events = argc > 1 ? atof(argv[1]) : 3e7;
    size_t only = argc > 2 ? (size_t)atol(argv[2]) : 0; /* one lattice side only */
    printf("pure hopping, 1 %% coverage, no bonds, one core\n");
    printf("%10s %9s %11s %8s %11s %9s %8s %9s\n", "sites", "atoms", "events", "cpu_s", "events_per_s",
           "ns_per_ev", "B_per_site", "create_s");
    static const size_t sizes[] = {320, 1000, 4000};
    for (size_t i = 0; i < 3; i++)
        if ((!only || only == sizes[i]) && bench_size(sizes[i], events))
            return 1;
    return 0;
}

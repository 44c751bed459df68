/*
 * synth_test.h — what the synthesis suites share: a parameter object for a plain lattice
 * gas (one metal placed at random at t = 0, a hold at one temperature, no
 * denitrogenation), running an engine to a time, and the sanitizer switch that keeps
 * the statistical tests affordable in the ASan build.
 */
#ifndef DAC_SYNTH_TEST_H
#define DAC_SYNTH_TEST_H

#include <stdlib.h>
#include <string.h>

#include "dac_test.h"

#include "dac/synth.h"
#include "synth/synth_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define SYNTH_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SYNTH_TEST_SANITIZED 1
#endif
#endif
#ifndef SYNTH_TEST_SANITIZED
#define SYNTH_TEST_SANITIZED 0
#endif

/* One metal (Ni energies), `atoms` placed at random at t = 0, a hold of hold_s at T_K. */
static inline void synth_test_gas(dac_synth_params *p, size_t L, double T_K, double hold_s, size_t atoms)
{
    dac_synth_params_default(p);
    p->route = DAC_SYNTH_COPYROLYSIS;
    p->sites_per_side = L;
    p->n_metals = 1;
    assert_int_equal(synth_metal_defaults(28, &p->metal[0]), DAC_OK);
    p->metal[0].release = DAC_SYNTH_RELEASE_AT_START;
    p->metal[0].atoms = atoms;
    p->metal[0].bond_eV[0] = 0;
    p->start_K = T_K;
    p->n_segments = 1;
    p->segment[0].hold_s = hold_s;
    p->denitrogenation = 0;
    p->timeseries_points = 0;
}

static inline dac_synth_engine *synth_test_engine(const dac_synth_params *p, uint64_t seed)
{
    dac_synth_engine *e = NULL;
    int st = dac_synth_engine_create(p, seed, &e);
    if (st)
        print_error("engine: %s\n", dac_last_error());
    assert_int_equal(st, DAC_OK);
    return e;
}

static inline void synth_test_run(dac_synth_engine *e, double t)
{
    int st = dac_synth_engine_run(e, t);
    if (st)
        print_error("run: %s\n", dac_last_error());
    assert_int_equal(st, DAC_OK);
}

/* Hop rate per direction of metal m on a plain site with no neighbour, 1/s. */
static inline double synth_test_gamma(const dac_synth_params *p, int m)
{
    double kT = DAC_KB_EV_PER_K * p->start_K;
    return kT / DAC_H_EV_S * exp(-p->metal[m].hop_barrier_eV / kT);
}

#endif

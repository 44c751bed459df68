/*
 * test_equilibrium.c — what detailed balance and random placement must give.
 *
 * Hop barriers depend only on the state an atom leaves, E = E_hop + pocket binding +
 * Σ bonds, so the chain is reversible with stationary weights exp(−U/kT),
 * U = −Σ pocket binding − Σ bonds (Kawasaki dynamics of a lattice gas; e.g. Landau &
 * Binder, "A Guide to Monte Carlo Simulations in Statistical Physics", §5.3). Checked
 * by time averages against exact canonical sums:
 *  - trap/detrap, no metal–metal bonds: M atoms, N_p pockets binding B, N_f plain sites,
 *    E[k anchored] = Σ k C(N_p,k) C(N_f,M−k) w^k / Σ C(N_p,k) C(N_f,M−k) w^k, w = e^{B/kT};
 *  - one bond ε between two atoms on N sites: P(bonded) = z w / (z w + N − 1 − z), w = e^{ε/kT}.
 * Random placement without diffusion at coverage θ leaves an atom with no occupied
 * neighbour with probability (1 − θ)^z (docs/science.md §2; exactly Π_j (N−M−j)/(N−1−j)).
 * Every comparison is within four standard errors (batch means) and a stated bound.
 */
#include "synth_test.h"

/* Time-sampled mean of f over n samples spaced dt, with its standard error from 20
 * batch means (samples within a batch may be correlated). */
typedef double (*observable)(const dac_synth_engine *e);

static void sample(dac_synth_engine *e, observable f, double dt, size_t n, double *mean, double *sem)
{
    enum { BATCHES = 20 };
    double batch[BATCHES] = {0};
    size_t per = n / BATCHES;
    double t = dac_synth_engine_time_s(e);
    for (size_t k = 0; k < per * BATCHES; k++) {
        t += dt;
        synth_test_run(e, t);
        batch[k / per] += f(e) / (double)per;
    }
    double s = 0, s2 = 0;
    for (int b = 0; b < BATCHES; b++) {
        s += batch[b];
        s2 += batch[b] * batch[b];
    }
    *mean = s / BATCHES;
    *sem = sqrt((s2 / BATCHES - *mean * *mean) / (BATCHES - 1));
}

static double anchored(const dac_synth_engine *e)
{
    double k = 0;
    for (size_t i = 0; i < e->n_atoms; i++)
        k += (e->state[synth_index(&e->g, e->atoms[i].x, e->atoms[i].y)] & SYNTH_POCKET) != 0;
    return k;
}

static double lchoose(double n, double k) { return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1); }

static void test_trap_detrap(void **state)
{
    (void)state;
    dac_synth_params p;
    size_t M = 4, Np = 8, L = 32, n = SYNTH_TEST_SANITIZED ? 1500 : 6000;
    synth_test_gas(&p, L, 600.0, 1.0, M);
    p.pockets = Np;
    p.first_passage = 0;
    p.metal[0].pocket_N_binding_eV = 0.0625; /* 4 owned N: B = 0.25 eV */
    double kT = DAC_KB_EV_PER_K * p.start_K, B = 4 * 0.0625, G = synth_test_gamma(&p, 0);
    double dt = 600.0 / (6 * G); /* ~600 hops between samples; batch means take the rest */
    p.segment[0].hold_s = dt * (double)(n + 200);
    dac_synth_engine *e = synth_test_engine(&p, 5);
    synth_test_run(e, 100 * dt); /* forget the start */
    double mean, sem;
    sample(e, anchored, dt, n, &mean, &sem);
    double Nf = (double)(L * L - Np), num = 0, den = 0;
    for (size_t k = 0; k <= M; k++) {
        double w = exp(lchoose((double)Np, (double)k) + lchoose(Nf, (double)(M - k)) + (double)k * B / kT);
        num += (double)k * w;
        den += w;
    }
    double expect = num / den;
    if (fabs(mean - expect) > 4 * sem)
        print_error("anchored %g ± %g of %zu, Boltzmann %g\n", mean, sem, M, expect);
    assert_true(fabs(mean - expect) <= 4 * sem);
    assert_true(fabs(mean / (double)(M)-expect / (double)M) < 0.05); /* and the error is small */
    dac_synth_engine_free(e);
}

static double bonded(const dac_synth_engine *e)
{
    const synth_lattice *g = &e->g;
    const synth_atom *a = &e->atoms[0], *b = &e->atoms[1];
    for (int d = 0; d < g->z; d++)
        if (synth_wrap(a->x + g->dx[d], g->L) == b->x && synth_wrap(a->y + g->dy[d], g->L) == b->y)
            return 1;
    return 0;
}

static void test_bond_boltzmann(void **state)
{
    (void)state;
    dac_synth_params p;
    size_t L = 16, n = SYNTH_TEST_SANITIZED ? 1500 : 6000;
    synth_test_gas(&p, L, 600.0, 1.0, 2);
    p.first_passage = 0;
    p.metal[0].bond_eV[0] = 0.1;
    double kT = DAC_KB_EV_PER_K * p.start_K, G = synth_test_gamma(&p, 0), dt = 500.0 / (6 * G);
    p.segment[0].hold_s = dt * (double)(n + 200);
    dac_synth_engine *e = synth_test_engine(&p, 9);
    synth_test_run(e, 100 * dt);
    double mean, sem, w = exp(0.1 / kT), N = (double)(L * L);
    sample(e, bonded, dt, n, &mean, &sem);
    double expect = 6 * w / (6 * w + N - 1 - 6);
    if (fabs(mean - expect) > 4 * sem)
        print_error("P(bonded) = %g ± %g, Boltzmann %g\n", mean, sem, expect);
    assert_true(fabs(mean - expect) <= 4 * sem);
    assert_true(sem < 0.1 * expect);
    dac_synth_engine_free(e);
}

/* Deposition at a constant flux with no hopping at all (hop barrier 100 eV). */
static void check_random_deposition(dac_synth_lattice type)
{
    dac_synth_params p;
    size_t L = 256, N = L * L, M = N / 10;
    int z = type == DAC_SYNTH_SQUARE ? 4 : 6;
    synth_test_gas(&p, L, 600.0, 1.0, M);
    p.lattice = type;
    p.spacing_A = type == DAC_SYNTH_SQUARE ? 2.6 : 2.46;
    p.metal[0].release = DAC_SYNTH_RELEASE_FLUX;
    p.metal[0].release_flux_per_site_s = 1.0;
    p.metal[0].hop_barrier_eV = 100;
    p.segment[0].hold_s = 1.0; /* F·t = 1 per site: 10× what is needed */
    double sum = 0, sum2 = 0;
    const int runs = 4;
    for (int r = 0; r < runs; r++) {
        dac_synth_engine *e = synth_test_engine(&p, 100 + (uint64_t)r);
        synth_test_run(e, 1.0);
        assert_int_equal(e->n_atoms, M);
        assert_int_equal(e->by_kind[SYNTH_EV_HOP], 0);
        size_t lonely = 0;
        for (size_t i = 0; i < M; i++) {
            const synth_atom *a = &e->atoms[i];
            int occupied = 0;
            for (int d = 0; d < z; d++)
                occupied |= e->state[synth_index(&e->g, synth_wrap(a->x + e->g.dx[d], (int)L),
                                                 synth_wrap(a->y + e->g.dy[d], (int)L))] & SYNTH_OCC;
            lonely += !occupied;
        }
        double f = (double)lonely / (double)M;
        sum += f;
        sum2 += f * f;
        dac_synth_engine_free(e);
    }
    double mean = sum / runs, theta = (double)M / (double)N, expect = pow(1 - theta, z);
    double sem = fmax(sqrt((sum2 / runs - mean * mean) / (runs - 1)), sqrt(expect * (1 - expect) / (double)(runs * M)));
    if (fabs(mean - expect) > 4 * sem)
        print_error("isolated fraction %g ± %g, (1−θ)^z = %g\n", mean, sem, expect);
    assert_true(fabs(mean - expect) <= 4 * sem);
}

static void test_random_deposition(void **state)
{
    (void)state;
    check_random_deposition(DAC_SYNTH_TRIANGULAR);
    check_random_deposition(DAC_SYNTH_SQUARE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_trap_detrap), cmocka_unit_test(test_bond_boltzmann),
                                       cmocka_unit_test(test_random_deposition)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

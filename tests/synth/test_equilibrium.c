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
 *  - one bond ε between two atoms on N sites: P(bonded) = z w / (z w + N − 1 − z), w = e^{ε/kT};
 *  - two atoms, bonds and pockets together on the engine's own random pockets (some of
 *    them neighbours): P(a pair in two neighbouring pockets) and P(a pocket atom bonded
 *    to one on plain support), from the exact sum over all placements of two atoms,
 *    weight exp((B_i + B_j + ε·[i, j neighbours])/kT).
 * Random placement without diffusion at coverage θ leaves an atom with no occupied
 * neighbour with probability (1 − θ)^z (docs/science.md §2; exactly Π_j (N−M−j)/(N−1−j)).
 * The same law holds for the support's pockets, n placed uniformly on distinct sites:
 * a pocket has no pocket neighbour with probability Π_{j<z} (N−n−j)/(N−1−j); with a
 * minimum separation s none is closer than s steps.
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

static int neighbours(const synth_lattice *g, int x0, int y0, int x1, int y1)
{
    for (int d = 0; d < g->z; d++)
        if (synth_wrap(x0 + g->dx[d], g->L) == x1 && synth_wrap(y0 + g->dy[d], g->L) == y1)
            return 1;
    return 0;
}

static double bonded(const dac_synth_engine *e)
{
    const synth_atom *a = &e->atoms[0], *b = &e->atoms[1];
    return neighbours(&e->g, a->x, a->y, b->x, b->y);
}

/* Two Ni atoms on an L × L gas lattice at 600 K, bonded by 0.1 eV, hopping one by one. */
static void two_atoms(dac_synth_params *p, size_t L)
{
    synth_test_gas(p, L, 600.0, 1.0, 2);
    p->first_passage = 0;
    p->metal[0].bond_eV[0] = 0.1;
}

static void test_bond_boltzmann(void **state)
{
    (void)state;
    dac_synth_params p;
    size_t L = 16, n = SYNTH_TEST_SANITIZED ? 1500 : 6000;
    two_atoms(&p, L);
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

/* Pocket binding of a site for metal 0: what the engine's state byte says it owns. */
static double site_binding(const dac_synth_engine *e, uint32_t i)
{
    uint8_t s = e->state[i];
    if (!(s & SYNTH_POCKET))
        return 0;
    int nN = (s & SYNTH_NMASK) >> SYNTH_NSHIFT;
    const dac_synth_metal *m = &e->p.metal[0];
    return nN * m->pocket_N_binding_eV + (SYNTH_SHELL_PER_SITE - nN) * m->pocket_C_binding_eV;
}

static int in_pocket(const dac_synth_engine *e, const synth_atom *a)
{
    return (e->state[synth_index(&e->g, a->x, a->y)] & SYNTH_POCKET) != 0;
}

static double pocket_pair(const dac_synth_engine *e)
{
    const synth_atom *a = &e->atoms[0], *b = &e->atoms[1];
    return in_pocket(e, a) && in_pocket(e, b) && neighbours(&e->g, a->x, a->y, b->x, b->y);
}

static double anchored_with_plain(const dac_synth_engine *e)
{
    const synth_atom *a = &e->atoms[0], *b = &e->atoms[1];
    return in_pocket(e, a) != in_pocket(e, b) && neighbours(&e->g, a->x, a->y, b->x, b->y);
}

static void test_pockets_and_bonds(void **state)
{
    (void)state;
    dac_synth_params p;
    size_t L = 16, n = SYNTH_TEST_SANITIZED ? 1500 : 6000;
    two_atoms(&p, L);
    p.pockets = 24; /* ~9 % of the sites: several touch by chance */
    p.metal[0].pocket_N_binding_eV = p.metal[0].pocket_C_binding_eV = 0.05; /* B = 0.2 eV */
    double kT = DAC_KB_EV_PER_K * p.start_K, G = synth_test_gamma(&p, 0), dt = 500.0 / (6 * G);
    p.segment[0].hold_s = 2 * dt * (double)(n + 200);
    dac_synth_engine *e = synth_test_engine(&p, 11);
    /* the exact canonical sums over all placements of the two atoms */
    const synth_lattice *g = &e->g;
    double Z = 0, z_pair = 0, z_mixed = 0;
    size_t touching = 0;
    for (int i = 0; i < (int)(L * L); i++)
        for (int j = i + 1; j < (int)(L * L); j++) {
            int xi = i % (int)L, yi = i / (int)L, xj = j % (int)L, yj = j / (int)L;
            uint32_t si = synth_index(g, xi, yi), sj = synth_index(g, xj, yj);
            double Bi = site_binding(e, si), Bj = site_binding(e, sj);
            int nb = neighbours(g, xi, yi, xj, yj);
            double w = exp((Bi + Bj + (nb ? p.metal[0].bond_eV[0] : 0)) / kT);
            Z += w;
            if (nb && Bi > 0 && Bj > 0) {
                z_pair += w;
                touching++;
            }
            if (nb && (Bi > 0) != (Bj > 0))
                z_mixed += w;
        }
    assert_true(touching >= 2); /* the placement lets pockets touch */
    synth_test_run(e, 100 * dt);
    double mean, sem;
    sample(e, pocket_pair, dt, n, &mean, &sem);
    print_message("%zu touching pocket pairs: P(pair in two pockets) = %g ± %g, Boltzmann %g\n",
                  touching, mean, sem, z_pair / Z);
    assert_true(fabs(mean - z_pair / Z) <= 4 * sem);
    assert_true(sem < 0.15 * z_pair / Z);
    sample(e, anchored_with_plain, dt, n, &mean, &sem);
    print_message("P(pocket atom bonded to a plain one) = %g ± %g, Boltzmann %g\n", mean, sem, z_mixed / Z);
    assert_true(fabs(mean - z_mixed / Z) <= 4 * sem);
    assert_true(sem < 0.2 * z_mixed / Z);
    dac_synth_engine_free(e);
}

/* Pockets on a lattice with no atoms: how many have a pocket neighbour, and how close
 * the closest two are. */
static void pocket_census(const dac_synth_engine *e, size_t *isolated, int *closest)
{
    const synth_lattice *g = &e->g;
    *isolated = 0;
    *closest = INT32_MAX;
    for (size_t k = 0; k < e->n_pockets; k++) {
        const synth_pocket *a = &e->pockets[k];
        int touching = 0;
        for (int d = 0; d < g->z; d++)
            touching |= e->state[synth_index(g, synth_wrap(a->x[0] + g->dx[d], g->L),
                                             synth_wrap(a->y[0] + g->dy[d], g->L))] & SYNTH_POCKET;
        *isolated += !touching;
        for (size_t j = k + 1; j < e->n_pockets && e->n_pockets < 2000; j++) {
            int d = synth_lattice_distance(g, a->x[0], a->y[0], e->pockets[j].x[0], e->pockets[j].y[0]);
            *closest = d < *closest ? d : *closest;
        }
    }
}

static void test_pocket_placement(void **state)
{
    (void)state;
    dac_synth_params p;
    size_t L = 256, N = L * L;
    synth_test_gas(&p, L, 600.0, 1.0, 0);
    p.pockets = N / 10;
    double sum = 0, sum2 = 0, expect = 1;
    const int runs = 12;
    for (int j = 0; j < 6; j++)
        expect *= (double)(N - p.pockets - (size_t)j) / (double)(N - 1 - (size_t)j);
    for (int r = 0; r < runs; r++) {
        dac_synth_engine *e = synth_test_engine(&p, 200 + (uint64_t)r);
        assert_int_equal(e->n_pockets, p.pockets);
        size_t isolated;
        int closest;
        pocket_census(e, &isolated, &closest);
        double f = (double)isolated / (double)p.pockets;
        sum += f;
        sum2 += f * f;
        dac_synth_engine_free(e);
    }
    /* the spread of 12 runs, or the binomial error if that is larger (the runs' own
     * estimate of it is itself uncertain by ~20 %) */
    double mean = sum / runs, sem = fmax(sqrt((sum2 / runs - mean * mean) / (runs - 1)),
                                         sqrt(expect * (1 - expect) / (double)(runs * p.pockets)));
    print_message("pockets with no pocket neighbour: %g ± %g, uniform placement %g\n", mean, sem, expect);
    assert_true(fabs(mean - expect) <= 4 * sem);
    assert_true(fabs(mean - expect) < 0.01);
    /* with a minimum separation, no two closer (and the count still met) */
    p.sites_per_side = L = 64;
    p.pockets = 150;
    for (size_t s = 2; s <= 3; s++) {
        p.pocket_min_separation_sites = s;
        dac_synth_engine *e = synth_test_engine(&p, 7);
        size_t isolated;
        int closest;
        pocket_census(e, &isolated, &closest);
        assert_int_equal(e->n_pockets, p.pockets);
        assert_int_equal(isolated, p.pockets);
        assert_true(closest >= (int)s);
        dac_synth_engine_free(e);
    }
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
                                       cmocka_unit_test(test_pockets_and_bonds),
                                       cmocka_unit_test(test_random_deposition),
                                       cmocka_unit_test(test_pocket_placement)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

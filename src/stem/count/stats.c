/*
 * count_stats.c — what the counts mean: purity with intervals, and how many "pairs"
 * are atoms that happen to be neighbours.
 *
 * Chance pairs (docs/science.md §3): sites scattered at random with density λ have a
 * neighbour within r with probability 1 − exp(−λπr²), so a pair count must be
 * corrected. We estimate the true site population (singles, pairs, clusters) with the
 * atom total held at the observed number: only pairs and clusters are free, singles are
 * the atoms left over. A candidate population is placed at random inside the real
 * support mask (so vacuum and frame edges count exactly) and grouped with the same rule
 * as the data; pairs and clusters are fitted to the three observed counts by damped
 * Gauss–Newton (see FP_DAMPING for why the pair count alone is not enough).
 * Chance pairs are the expected number of observed pairs made of two true singles.
 * The analytic value for a Poisson process (isolated two-point components, with the
 * disc area reduced by the mean fraction of the disc inside the support) is reported
 * beside it as a check.
 *
 * Intervals: Wilson score interval on pooled counts for fewer than 5 images (Wilson
 * 1927; better coverage than the normal approximation at small n and extreme p); for
 * 5 or more a percentile bootstrap over images (Efron 1979), because atoms in one image
 * share the image's loading and are not independent trials across images.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dac/core.h"
#include "core/grid.h"
#include "core/parallel.h"
#include "core/sort.h"
#include "core/uf.h"
#include "stem/count/count_internal.h"

#define BOOTSTRAP_REPEATS 2000
/* Fewest images for the bootstrap over images; below, Wilson on pooled counts
 * (assumption: with 5 images the resamples take 126 distinct values). */
#define BOOTSTRAP_MIN_IMAGES 5
/* Per-image columns for the bootstrap: obs pairs, obs sites, obs atoms, est singles,
 * est pairs, est clusters, est atoms in clusters (the estimates unclipped). */
#define PER_COLS 7

void count_wilson(double k, double n, double z, double ci[2])
{
    if (!(n > 0)) { /* no trials: no interval */
        ci[0] = ci[1] = NAN;
        return;
    }
    double p = k / n, z2 = z * z;
    double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
    double half = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
    ci[0] = fmax(0, centre - half);
    ci[1] = fmin(1, centre + half);
}

/* Area of the union of two discs of radius r at distance d. */
static double union_area(double r, double d)
{
    if (d >= 2 * r)
        return 2 * DAC_PI * r * r;
    double lens = 2 * r * r * acos(d / (2 * r)) - 0.5 * d * sqrt(4 * r * r - d * d);
    return 2 * DAC_PI * r * r - lens;
}

double count_chance_pairs_csr(double n, double lambda, double r, double coverage)
{
    /* E[# isolated 2-components] = (n/2) ∫_0^r λ 2πs exp(−λ U(s)) ds, U = union area. */
    if (!(n > 1) || !(lambda > 0) || !(r > 0))
        return 0;
    double le = lambda * (coverage > 0 ? coverage : 1), sum = 0;
    int steps = 400;
    for (int i = 0; i < steps; i++) {
        double s = (i + 0.5) * r / steps;
        sum += le * 2 * DAC_PI * s * exp(-le * union_area(r, s)) * (r / steps);
    }
    return 0.5 * n * sum;
}

/* The support for the Monte Carlo's random look-ups: a 4096² mask is 16 MB, nearly
 * every look-up a cache and TLB miss. A 64 kB table of 16×16 blocks answers for the
 * blocks wholly inside (or outside) the support; only a mixed block (the support's
 * edge) reads the mask. The same answer as the mask's byte. */
#define SUPPORT_BLOCK 16
typedef struct {
    unsigned char *block; /* per block: 0 all out, 1 mixed, 2 all in; NULL: no mask */
    size_t bw;            /* blocks per row */
} support_map;

static int support_map_make(const count_image *im, support_map *m)
{
    memset(m, 0, sizeof *m);
    if (!im->support)
        return DAC_OK;
    size_t w = im->width, h = im->height, bh = (h + SUPPORT_BLOCK - 1) / SUPPORT_BLOCK;
    m->bw = (w + SUPPORT_BLOCK - 1) / SUPPORT_BLOCK;
    unsigned *in = calloc(m->bw * bh + 1, sizeof *in);
    m->block = malloc(m->bw * bh + 1);
    if (!in || !m->block) {
        free(in), free(m->block);
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (Monte Carlo)");
    }
    for (size_t y = 0; y < h; y++) {
        const unsigned char *row = im->support + y * w;
        unsigned *c = in + (y / SUPPORT_BLOCK) * m->bw;
        for (size_t x0 = 0; x0 < w; x0 += SUPPORT_BLOCK) {
            unsigned on = 0;
            if (x0 + SUPPORT_BLOCK <= w) /* a whole block: a fixed count the compiler unrolls */
                for (size_t x = 0; x < SUPPORT_BLOCK; x++)
                    on += row[x0 + x] != 0;
            else
                for (size_t x = x0; x < w; x++)
                    on += row[x] != 0;
            c[x0 / SUPPORT_BLOCK] += on;
        }
    }
    for (size_t by = 0; by < bh; by++)
        for (size_t bx = 0; bx < m->bw; bx++) {
            size_t bwid = w - bx * SUPPORT_BLOCK < SUPPORT_BLOCK ? w - bx * SUPPORT_BLOCK : SUPPORT_BLOCK;
            size_t bhgt = h - by * SUPPORT_BLOCK < SUPPORT_BLOCK ? h - by * SUPPORT_BLOCK : SUPPORT_BLOCK;
            unsigned c = in[by * m->bw + bx];
            m->block[by * m->bw + bx] = c == 0 ? 0 : c == bwid * bhgt ? 2 : 1;
        }
    free(in);
    return DAC_OK;
}

static int in_support(const count_image *im, const support_map *m, size_t x, size_t y)
{
    if (m && m->block) {
        unsigned char b = m->block[(y / SUPPORT_BLOCK) * m->bw + x / SUPPORT_BLOCK];
        if (b != 1)
            return b == 2;
    }
    return !im->support || im->support[y * im->width + x];
}

/* A uniform random point inside the support mask (rejection sampling); m: the mask as
 * support_map_make made it, or NULL to read the bytes. */
static int random_support_point(const count_image *im, const support_map *m, dac_rng *rng,
                                double *x, double *y)
{
    for (int tries = 0; tries < 100000; tries++) {
        double px = dac_rng_uniform(rng) * (double)im->width, py = dac_rng_uniform(rng) * (double)im->height;
        if (in_support(im, m, (size_t)px, (size_t)py)) {
            *x = px - 0.5, *y = py - 0.5;
            return 1;
        }
    }
    return 0;
}

typedef struct {
    double single, pair, cluster, chance_pairs;
} site_counts;

/* Joins in uf every two placed points within r (≤ r) through core's cell grid (its
 * open-boundary link visits each pair of cells once, which is what makes the few
 * hundred links per image cheap); points that found no support (x < −1) stay alone
 * and out of the grid. */
static int link_points(const double *x, const double *y, size_t n, double r, dac_uf *uf)
{
    double *xy = malloc(sizeof *xy * 2 * (n ? n : 1));
    size_t *placed = malloc(sizeof *placed * (n ? n : 1)), m = 0;
    if (!xy || !placed) {
        free(xy), free(placed);
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (Monte Carlo)");
    }
    for (size_t i = 0; i < n; i++)
        if (x[i] >= -1) {
            xy[2 * m] = x[i], xy[2 * m + 1] = y[i];
            placed[m++] = i;
        }
    dac_grid *g = NULL;
    dac_uf sub = {0};
    double reach = r * (1 + 1e-12) + 1e-300;
    int st = dac_uf_init(&sub, m);
    if (st == DAC_OK && m)
        st = dac_grid_create(2, xy, m, NULL, NULL, reach, &g);
    if (st == DAC_OK && g)
        st = dac_grid_link(g, reach, &sub);
    for (size_t k = 0; st == DAC_OK && k < m; k++)
        dac_uf_union(uf, placed[k], placed[dac_uf_find(&sub, k)]);
    dac_grid_free(g);
    dac_uf_free(&sub);
    free(xy), free(placed);
    return st;
}

/* Site geometry for the Monte Carlo: pairs keep their observed separations (merged
 * blobs: 0), clusters are regular polygons with the mean pair spacing. Sites have an
 * extent, so a pair meets a neighbour within pair_max of either atom — treating sites
 * as points would under-count chance merging at high density. */
typedef struct {
    const double *pair_px; /* observed pair separations, px */
    size_t n_pair_px;
    double spacing_px;     /* atom spacing inside clusters */
    int cluster_atoms;
    const support_map *support; /* the image's support for random look-ups */
} site_shapes;

/* Count of kind-k sites placed in repetition rep: floor(v) plus one more in the fraction
 * frac(v) of the repetitions (stratified rounding), so the expectation is a smooth
 * function of a fractional estimate and the fixed point does not stall on integers. */
static size_t stratified_count(double v, int rep, int repeats)
{
    double f = floor(v);
    return (size_t)f + ((rep + 0.5) / repeats < v - f);
}

/* One placement (repetition rep) of the est sites at random in the support, its atoms
 * linked within r_px; the observed counts it gives added to *out. */
static int place_once(const count_image *im, const double est[3], const site_shapes *sh,
                      double r_px, uint64_t seed, int rep, int repeats, site_counts *out)
{
    int c3 = sh->cluster_atoms;
    size_t cnt[3] = {stratified_count(est[0], rep, repeats), stratified_count(est[1], rep, repeats),
                     stratified_count(est[2], rep, repeats)};
    size_t n = cnt[0] + 2 * cnt[1] + (size_t)c3 * cnt[2], k = 0;
    if (n == 0)
        return DAC_OK;
    double *x = malloc(sizeof *x * n), *y = malloc(sizeof *y * n);
    int *from_single = malloc(sizeof *from_single * n), *kind_atoms = malloc(sizeof *kind_atoms * n);
    size_t *nsing = malloc(sizeof *nsing * n);
    int st = DAC_OK;
    if (!x || !y || !from_single || !kind_atoms || !nsing) {
        free(x), free(y), free(from_single), free(kind_atoms), free(nsing);
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (Monte Carlo)");
    }
    /* One random stream per repetition and kind, drawn slot by slot: adding a pair
     * appends one placement and leaves all others where they were, so expectations
     * at nearby estimates share their random numbers (finite differences stay
     * smooth). */
    for (int kind = 0; kind < 3; kind++) {
        dac_rng rng;
        dac_rng_seed_stream(&rng, seed + 1000003u * (uint64_t)rep, (uint64_t)kind + 11);
        int na = kind == 0 ? 1 : kind == 1 ? 2 : c3;
        for (size_t s = 0; s < cnt[kind]; s++) {
            double cx, cy, th = 2 * DAC_PI * dac_rng_uniform(&rng);
            if (!random_support_point(im, sh->support, &rng, &cx, &cy))
                cx = cy = -1e9 * (double)(k + 1);
            double rad = 0;
            if (na == 2)
                rad = sh->n_pair_px ? 0.5 * sh->pair_px[dac_rng_below(&rng, sh->n_pair_px)] : 0;
            else if (na > 2)
                rad = sh->spacing_px / (2 * sin(DAC_PI / na)); /* polygon circumradius */
            for (int j = 0; j < na; j++, k++) {
                double t = th + 2 * DAC_PI * j / na;
                /* A single (or a merged pair) sits at its centre: no trigonometry. */
                x[k] = rad > 0 ? cx + rad * cos(t) : cx, y[k] = rad > 0 ? cy + rad * sin(t) : cy;
                from_single[k] = na == 1;
            }
        }
    }
    dac_uf uf = {0};
    st = dac_uf_init(&uf, n);
    if (st == DAC_OK)
        st = link_points(x, y, n, r_px, &uf);
    for (size_t i = 0; i < n; i++)
        kind_atoms[i] = 0, nsing[i] = 0;
    for (size_t i = 0; st == DAC_OK && i < n; i++) {
        size_t a = dac_uf_find(&uf, i);
        kind_atoms[a] += 1;
        nsing[a] += (size_t)from_single[i];
    }
    for (size_t i = 0; st == DAC_OK && i < n; i++) {
        if (dac_uf_find(&uf, i) != i)
            continue;
        int ka = kind_atoms[i];
        out->single += ka == 1;
        out->pair += ka == 2;
        out->cluster += ka >= 3;
        out->chance_pairs += ka == 2 && nsing[i] == 2;
    }
    dac_uf_free(&uf);
    free(x), free(y), free(from_single), free(kind_atoms), free(nsing);
    return st;
}

/* Expected observed counts when est sites (singles, pairs, clusters) are placed at random
 * in the support and their atoms linked within r_px. The repetitions are tasks: inside
 * the counter's thread team (counter.c) idle threads take them; alone, this thread
 * runs them in turn. Each has its own random streams and its own counts, summed in
 * repetition order, so the result does not depend on who ran what. */
static int monte_carlo(const count_image *im, const double est[3], const site_shapes *sh,
                       double r_px, uint64_t seed, int repeats, site_counts *out)
{
    memset(out, 0, sizeof *out);
    site_counts *per = calloc((size_t)repeats, sizeof *per);
    int *status = calloc((size_t)repeats, sizeof *status);
    if (!per || !status) {
        free(per), free(status);
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (Monte Carlo)");
    }
    size_t n_rep = (size_t)repeats; /* unsigned: clang's taskloop compares its bounds so */
    DAC_OMP(taskloop grainsize(1))
    for (size_t rep = 0; rep < n_rep; rep++)
        status[rep] = place_once(im, est, sh, r_px, seed, (int)rep, repeats, &per[rep]);
    int st = DAC_OK;
    for (int rep = 0; rep < repeats; rep++) {
        if (status[rep] != DAC_OK && st == DAC_OK) /* the message stayed on its thread */
            st = dac_error(status[rep], "stem count: out of memory (Monte Carlo)");
        out->single += per[rep].single, out->pair += per[rep].pair;
        out->cluster += per[rep].cluster, out->chance_pairs += per[rep].chance_pairs;
    }
    out->single /= repeats, out->pair /= repeats, out->cluster /= repeats, out->chance_pairs /= repeats;
    free(per), free(status);
    return st;
}

/* Estimation controls. Pair counts alone do not identify the true pairs at high
 * density: one more true pair takes two singles away, and the chance pairs they would
 * have formed cancel the pair it adds (near 2 atoms/nm² at 3.5 Å the slope of expected
 * over true pairs is ≈ 0, so a fixed point on pairs drifts). Singles are informative
 * (each true pair removes two isolated atoms), so (pairs, clusters) are fitted to all
 * three observed counts by damped Gauss–Newton with Poisson weights, the Jacobian by
 * finite differences (FP_H sites) with common random numbers. FP_DAMPING, FP_H:
 * assumptions checked by the convergence tests in test_count_stats.c. Converged when
 * no count moves by more than FP_TOL_SITES. */
#define FP_DAMPING 0.7
#define FP_H 2.0
#define FP_TOL_SITES 0.5
#define FP_MAX_ITER 40

/* Pairs x[0] and clusters x[1] inside the atom budget: both ≥ 0, 2p + a·c ≤ N. */
static void clamp_estimate(double x[2], double n_atoms, double ca)
{
    x[1] = fmin(fmax(0, x[1]), n_atoms / ca);
    x[0] = fmin(fmax(0, x[0]), (n_atoms - ca * x[1]) / 2);
}

/* The population for (pairs, clusters) = x with singles the atoms left over, and its
 * expected observed counts. */
static int expected_counts(const count_image *im, const site_shapes *sh, double r_px,
                           uint64_t seed, int repeats, double n_atoms, double ca, const double x[2],
                           double est[3], site_counts *e)
{
    est[1] = fmax(0, x[0]), est[2] = fmax(0, x[1]);
    est[0] = fmax(0, n_atoms - 2 * est[1] - ca * est[2]);
    return monte_carlo(im, est, sh, r_px, seed, repeats, e);
}

/* What one image's correction works with: the observed counts, the site shapes and
 * the atom budget. */
typedef struct {
    const count_image *im;
    site_shapes sh;
    double r_px, n_atoms, ca, obs[3];
    uint64_t seed;
    int repeats;
} correction;

/* Expected counts e at x and the Jacobian J (3 counts × pairs, clusters) by finite
 * differences with common random numbers (forward; backward near the atom budget). */
static int jacobian(const correction *k, const double x[2], site_counts *e, double J[3][2])
{
    double est[3];
    int st = expected_counts(k->im, &k->sh, k->r_px, k->seed, k->repeats, k->n_atoms, k->ca, x, est, e);
    for (int v = 0; v < 2 && st == DAC_OK; v++) {
        double xh[2] = {x[0], x[1]}, tmp[3], step = FP_H;
        double room = (k->n_atoms - 2 * x[0] - k->ca * x[1]) / (v ? k->ca : 2);
        if (room < FP_H)
            step = x[v] >= FP_H ? -FP_H : room > x[v] ? room : -x[v];
        if (fabs(step) < 1e-3) {
            J[0][v] = J[1][v] = J[2][v] = 0;
            continue;
        }
        xh[v] += step;
        site_counts eh;
        st = expected_counts(k->im, &k->sh, k->r_px, k->seed, k->repeats, k->n_atoms, k->ca, xh, tmp, &eh);
        J[0][v] = (eh.single - e->single) / step;
        J[1][v] = (eh.pair - e->pair) / step;
        J[2][v] = (eh.cluster - e->cluster) / step;
    }
    return st;
}

/* The Gauss–Newton step d for the residual obs − e: weighted normal equations with
 * weights 1/(obs + 1) (Poisson variance), a tiny ridge for absent clusters. */
static void gn_step(const correction *k, const site_counts *e, double J[3][2], double d[2])
{
    double r[3] = {k->obs[0] - e->single, k->obs[1] - e->pair, k->obs[2] - e->cluster};
    double A[2][2] = {{0, 0}, {0, 0}}, g[2] = {0, 0};
    for (int q = 0; q < 3; q++) {
        double w = 1.0 / (k->obs[q] + 1);
        for (int i = 0; i < 2; i++) {
            g[i] += w * J[q][i] * r[q];
            for (int j = 0; j < 2; j++)
                A[i][j] += w * J[q][i] * J[q][j];
        }
    }
    A[0][0] += 1e-9 + 1e-6 * A[0][0], A[1][1] += 1e-9 + 1e-6 * A[1][1];
    double det = A[0][0] * A[1][1] - A[0][1] * A[1][0];
    d[0] = (A[1][1] * g[0] - A[0][1] * g[1]) / det;
    d[1] = (A[0][0] * g[1] - A[1][0] * g[0]) / det;
}

/* 1 when x sits on a bound of the atom budget: no pairs, no clusters, or no singles. */
static int at_bound(const correction *k, const double x[2])
{
    return x[0] <= 1e-9 || x[1] <= 1e-9 || k->n_atoms - 2 * x[0] - k->ca * x[1] <= 1e-9;
}

/* Chance correction of one image; est[3], the estimated atom total and chance pairs
 * out. The atom total is held at the observed number: only pairs and clusters are
 * estimated, singles are the atoms left over (N − 2p − a·c).
 *
 * The Monte Carlo can only place populations inside the budget (p, c ≥ 0, singles ≥
 * 0), so the fit is constrained there. But a per-image estimate clipped at a bound is
 * biased: on a small dense frame of random singles the observed pairs fall below their
 * expectation half of the time, the estimate is then held at 0 pairs, and the mean over
 * frames comes out at +0.07 (issue 10). So when the fit ends on a bound, the estimate is
 * continued past it by the undamped Gauss–Newton step from there — the linearised
 * unconstrained solution, unbiased to first order — and may be negative; only the
 * totals pooled over all images are clipped (count_statistics). */
static int correct_image(const count_image *im, double r_px, uint64_t seed, int repeats,
                         double est[3], double *est_atoms, double *chance, int *converged)
{
    correction k = {.im = im, .r_px = r_px, .seed = seed, .repeats = repeats};
    double a3 = 0;
    for (size_t q = 0; q < im->n_sites; q++) {
        int kind = im->sites[q].kind;
        k.obs[kind - 1] += 1;
        k.n_atoms += im->sites[q].n_atoms;
        if (kind == DAC_SITE_CLUSTER)
            a3 += im->sites[q].n_atoms;
    }
    a3 = k.obs[2] > 0 ? a3 / k.obs[2] : 3;
    double *pd = malloc(sizeof *pd * (im->n_sites + 1)), sum_pd = 0;
    support_map sm;
    if (!pd)
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (Monte Carlo)");
    if (support_map_make(im, &sm) != DAC_OK) {
        free(pd);
        return DAC_ERR_NOMEM;
    }
    k.sh = (site_shapes){pd, 0, 0, (int)fmax(3, llround(a3)), &sm};
    size_t n_resolved = 0;
    for (size_t q = 0; q < im->n_sites; q++)
        if (im->sites[q].kind == DAC_SITE_PAIR) {
            /* A pair merged into one blob has no distance: placed as one point. */
            double d = isfinite(im->sites[q].distance_A) ? im->sites[q].distance_A / im->pixel_A : 0;
            pd[k.sh.n_pair_px++] = d;
            if (d > 0)
                sum_pd += d, n_resolved++;
        }
    /* Without resolved pairs, clusters get a spacing of 0.7 × the linking distance
     * (2.5 Å for 3.5 Å, a typical M–M bond; assumption). */
    k.sh.spacing_px = n_resolved ? sum_pd / (double)n_resolved : 0.7 * r_px;
    /* Cluster atoms in the placement are the rounded mean size; the atom budget uses
     * the same number so placed atoms = observed atoms. */
    k.ca = (double)k.sh.cluster_atoms;
    double x[2] = {k.obs[1], k.obs[2]}, J[3][2], d[2];
    clamp_estimate(x, k.n_atoms, k.ca);
    site_counts e = {0};
    *converged = 0;
    int st = DAC_OK;
    for (int it = 0; it < FP_MAX_ITER && st == DAC_OK; it++) {
        if ((st = jacobian(&k, x, &e, J)) != DAC_OK)
            break;
        gn_step(&k, &e, J, d);
        double old[2] = {x[0], x[1]};
        x[0] += FP_DAMPING * d[0], x[1] += FP_DAMPING * d[1];
        clamp_estimate(x, k.n_atoms, k.ca);
        if (fabs(x[0] - old[0]) < FP_TOL_SITES && fabs(x[1] - old[1]) < FP_TOL_SITES) {
            *converged = 1;
            break;
        }
    }
    if (st == DAC_OK)
        st = expected_counts(im, &k.sh, r_px, seed, repeats, k.n_atoms, k.ca, x, est, &e);
    *chance = e.chance_pairs;
    if (st == DAC_OK && at_bound(&k, x) && (st = jacobian(&k, x, &e, J)) == DAC_OK) {
        gn_step(&k, &e, J, d);
        x[0] += d[0], x[1] += d[1];
        est[1] = x[0], est[2] = x[1], est[0] = k.n_atoms - 2 * x[0] - k.ca * x[1];
    }
    *est_atoms = est[0] + 2 * est[1] + k.ca * est[2];
    free(pd), free(sm.block);
    return st;
}

/* Mean fraction of a disc of radius r_px inside the support, by sampling. */
static double disc_coverage(const count_image *im, double r_px, dac_rng *rng)
{
    int inside = 0, total = 0;
    for (int s = 0; s < 4000; s++) {
        double x, y;
        if (!random_support_point(im, NULL, rng, &x, &y))
            return 1;
        double rr = r_px * sqrt(dac_rng_uniform(rng)), th = 2 * DAC_PI * dac_rng_uniform(rng);
        double qx = x + 0.5 + rr * cos(th), qy = y + 0.5 + rr * sin(th);
        total++;
        if (qx < 0 || qy < 0 || qx >= (double)im->width || qy >= (double)im->height)
            continue;
        size_t i = (size_t)qy * im->width + (size_t)qx;
        inside += !im->support || im->support[i];
    }
    return total ? (double)inside / total : 1;
}

static double support_area_nm2(const count_image *im)
{
    size_t c = 0, n = im->width * im->height;
    if (!im->support)
        c = n;
    else
        for (size_t i = 0; i < n; i++)
            c += im->support[i] != 0;
    return (double)c * im->pixel_A * im->pixel_A / 100.0;
}

/* Blob indices by x (dac_sort context: the blobs). */
static int by_x(const void *a, const void *b, void *ctx)
{
    const dac_stem_blob *bl = ctx;
    return dac_compare_double(&bl[*(const size_t *)a].x_px, &bl[*(const size_t *)b].x_px, NULL);
}

/* Sum over images of nearest-neighbour distances (Å) and of their CSR expectations
 * 0.5/sqrt(λ) per atom (Clark & Evans 1954, no edge correction). Nearest neighbours by
 * a sweep over atoms sorted by x, stopping once |Δx| exceeds the best distance. */
static void clark_evans_terms(const count_image *im, double area_nm2, double *obs, double *exp_)
{
    size_t n = im->n_blobs;
    if (n < 2 || !im->blobs || !(area_nm2 > 0))
        return;
    size_t *o = malloc(sizeof *o * n);
    if (!o)
        return;
    for (size_t i = 0; i < n; i++)
        o[i] = i;
    if (dac_sort(o, n, sizeof *o, by_x, (void *)im->blobs) != DAC_OK) {
        free(o);
        return;
    }
    double lambda_A2 = (double)n / (area_nm2 * 100.0);
    for (size_t k = 0; k < n; k++) {
        const dac_stem_blob *a = &im->blobs[o[k]];
        double best = INFINITY;
        for (size_t j = k + 1; j < n; j++) {
            double dx = im->blobs[o[j]].x_px - a->x_px, dy = im->blobs[o[j]].y_px - a->y_px;
            if (dx * dx >= best)
                break;
            best = fmin(best, dx * dx + dy * dy);
        }
        for (size_t j = k; j-- > 0;) {
            double dx = im->blobs[o[j]].x_px - a->x_px, dy = im->blobs[o[j]].y_px - a->y_px;
            if (dx * dx >= best)
                break;
            best = fmin(best, dx * dx + dy * dy);
        }
        *obs += sqrt(best) * im->pixel_A;
        *exp_ += 0.5 / sqrt(lambda_A2);
    }
    free(o);
}

/* The pooled estimates e = {singles, pairs, clusters, atoms in clusters} brought into
 * the atom budget, and only here: the per-image estimates are left unclipped so that
 * they average out (correct_image). Pairs and clusters below 0 become 0 and their atoms
 * singles; singles below 0 (more pairs than the atoms allow) become 0 and the pairs take
 * what is left. The atom total Σ N is kept. out: the clipped e. */
static void clip_pooled(const double e[4], double out[4])
{
    double n = e[0] + 2 * e[1] + e[3];
    double per_cluster = e[2] != 0 ? e[3] / e[2] : 3;
    double C = fmax(0, e[2]), CA = C * per_cluster, P = fmax(0, e[1]);
    if (CA > n)
        CA = fmax(0, n), C = CA / per_cluster;
    if (2 * P + CA > n)
        P = 0.5 * (n - CA);
    out[0] = fmax(0, n - 2 * P - CA), out[1] = P, out[2] = C, out[3] = CA;
}

/* The corrected purities of pooled estimates (clip_pooled); NaN without sites or atoms. */
static void corrected_purity(const double e[4], double *site, double *atom)
{
    double c[4];
    clip_pooled(e, c);
    *site = c[0] + c[1] + c[2] > 0 ? c[1] / (c[0] + c[1] + c[2]) : NAN;
    *atom = c[0] + 2 * c[1] + c[3] > 0 ? 2 * c[1] / (c[0] + 2 * c[1] + c[3]) : NAN;
}

/* Percentile bootstrap over images of pooled purities; per[i*PER_COLS + ...] as above. */
static int bootstrap(const double *per, size_t m, uint64_t seed, dac_stem_count_stats *s)
{
    double *v = malloc(sizeof *v * BOOTSTRAP_REPEATS * 4);
    if (!v)
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (bootstrap)");
    dac_rng rng;
    dac_rng_seed_stream(&rng, seed, 1);
    for (int b = 0; b < BOOTSTRAP_REPEATS; b++) {
        double t[PER_COLS] = {0};
        for (size_t k = 0; k < m; k++) {
            size_t i = (size_t)dac_rng_below(&rng, m);
            for (int q = 0; q < PER_COLS; q++)
                t[q] += per[i * PER_COLS + (size_t)q];
        }
        /* A resample without sites has no purity: NaN, left out of the percentiles. */
        v[b] = t[1] > 0 ? t[0] / t[1] : NAN;
        v[BOOTSTRAP_REPEATS + b] = t[2] > 0 ? 2 * t[0] / t[2] : NAN;
        corrected_purity(t + 3, &v[2 * BOOTSTRAP_REPEATS + b], &v[3 * BOOTSTRAP_REPEATS + b]);
    }
    double *ci[4] = {s->site_ci95, s->atom_ci95, s->corrected_site_ci95, s->corrected_atom_ci95};
    for (int q = 0; q < 4; q++) {
        double *a = v + q * BOOTSTRAP_REPEATS;
        if (dac_sort(a, BOOTSTRAP_REPEATS, sizeof *a, dac_compare_double, NULL) != DAC_OK) {
            free(v);
            return DAC_ERR_NOMEM;
        }
        int n = 0; /* NaNs sort last */
        while (n < BOOTSTRAP_REPEATS && isfinite(a[n]))
            n++;
        ci[q][0] = n ? a[(int)(0.025 * n)] : NAN;
        ci[q][1] = n ? a[(int)(0.975 * n) - (n > 1)] : NAN;
    }
    free(v);
    s->ci_method = 1;
    return DAC_OK;
}

/* Variance (px²) of each resolved pair's distance in var[n_sites] (0 elsewhere): the
 * two centres' errors √2·σ/z per axis — the Cramér–Rao bound for a Gaussian blob in
 * white noise found by its matched filter (as in detect.c) — added. The blobs number
 * their sites in the counter's list, where this image's run starts at the smallest
 * number they hold (every site has a blob). */
static void pair_variances(const count_image *im, double *var)
{
    long first = -1;
    for (size_t i = 0; i < im->n_blobs && im->blobs; i++)
        if (im->blobs[i].site >= 0 && (first < 0 || im->blobs[i].site < first))
            first = im->blobs[i].site;
    for (size_t i = 0; i < im->n_blobs && im->blobs; i++) {
        const dac_stem_blob *b = &im->blobs[i];
        long j = b->site - first;
        if (j < 0 || (size_t)j >= im->n_sites || im->sites[j].kind != DAC_SITE_PAIR ||
            !(im->sites[j].distance_A > 0))
            continue;
        double sx = b->snr > 0 ? sqrt(2.0) * b->sigma_px / b->snr : NAN;
        var[j] += sx * sx;
    }
}

static void pair_distances(const count_image *images, size_t m, double pair_max_A,
                           dac_stem_count_stats *s)
{
    (void)pair_max_A; /* distances are within it by construction */
    size_t total = 0;
    for (size_t k = 0; k < m; k++)
        total += images[k].n_sites;
    double *d = malloc(sizeof *d * (total + 1)), *prec = malloc(sizeof *prec * (total + 1));
    double sum = 0, sum2 = 0;
    size_t n = 0, np = 0;
    for (size_t k = 0; d && prec && k < m; k++) {
        const count_image *im = &images[k];
        double *var = calloc(im->n_sites + 1, sizeof *var);
        if (var)
            pair_variances(im, var);
        for (size_t j = 0; j < im->n_sites; j++) {
            double dist = im->sites[j].distance_A;
            if (im->sites[j].kind != DAC_SITE_PAIR || !(dist > 0))
                continue;
            d[n++] = dist;
            sum += dist, sum2 += dist * dist;
            if (var && var[j] > 0 && isfinite(var[j]))
                prec[np++] = sqrt(var[j]) * im->pixel_A;
        }
        free(var);
    }
    double precision = NAN; /* the median over the resolved pairs */
    if (np && dac_sort(prec, np, sizeof *prec, dac_compare_double, NULL) == DAC_OK)
        precision = prec[np / 2];
    count_pair_histogram(d, n, precision, s);
    s->n_pair_distances = n;
    s->pair_distance_mean_A = s->pair_distance_sd_A = NAN;
    if (n) {
        double nn = (double)n;
        s->pair_distance_mean_A = sum / nn;
        s->pair_distance_sd_A = nn > 1 ? sqrt(fmax(0, (sum2 - sum * sum / nn) / (nn - 1))) : NAN;
    }
    free(d), free(prec);
}

int count_statistics(const count_image *images, size_t m, double pair_max_A,
                              uint64_t seed, int repeats, dac_stem_count_stats *s)
{
    memset(s, 0, sizeof *s);
    s->n_images = m;
    if (repeats <= 0)
        repeats = 200;
    double *per = calloc(m ? m * PER_COLS : 1, sizeof *per), pooled[4] = {0, 0, 0, 0};
    if (!per)
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (statistics)");
    double ce_obs = 0, ce_exp = 0;
    dac_rng rng;
    dac_rng_seed_stream(&rng, seed, 2);
    int st = DAC_OK;
    for (size_t k = 0; k < m && st == DAC_OK; k++) {
        const count_image *im = &images[k];
        double area = support_area_nm2(im), r_px = pair_max_A / im->pixel_A;
        size_t atoms = 0, c[3] = {0, 0, 0};
        for (size_t j = 0; j < im->n_sites; j++) {
            atoms += (size_t)im->sites[j].n_atoms;
            c[im->sites[j].kind - 1]++;
        }
        s->support_area_nm2 += area;
        s->n_atoms += atoms, s->n_single += c[0], s->n_pair += c[1], s->n_cluster += c[2];
        double est[3] = {0, 0, 0}, est_atoms = 0, chance = 0;
        int converged = 1;
        /* ~5·10⁴ placed sites per expectation keep the Monte Carlo error of the chance
         * counts well under their Poisson error; fewer repeats for big images. */
        int reps = im->n_sites > 0 ? (int)fmin(repeats, fmax(5, 50000.0 / (double)im->n_sites)) : 1;
        st = correct_image(im, r_px, seed + 7919 * (uint64_t)k, reps, est, &est_atoms, &chance,
                           &converged);
        if (st == DAC_OK && !converged)
            dac_warn("stem count: image %zu: chance-pair correction did not converge in %d steps "
                     "(density %.3g atoms/nm²); corrected purity is approximate",
                     k + 1, FP_MAX_ITER, area > 0 ? (double)atoms / area : 0.0);
        s->chance_pairs_expected += chance;
        double e4[4] = {est[0], est[1], est[2], est_atoms - est[0] - 2 * est[1]};
        for (int q = 0; q < 4; q++)
            pooled[q] += e4[q];
        if (area > 0 && atoms > 1) {
            double lambda = (double)atoms / (area * 100.0);
            s->chance_pairs_csr += count_chance_pairs_csr((double)atoms, lambda, pair_max_A,
                                                             disc_coverage(im, r_px, &rng));
        }
        clark_evans_terms(im, area, &ce_obs, &ce_exp);
        double *q = per + PER_COLS * k;
        q[0] = (double)c[1], q[1] = (double)(c[0] + c[1] + c[2]), q[2] = (double)atoms;
        for (int j = 0; j < 4; j++)
            q[3 + j] = e4[j];
    }
    s->n_sites = s->n_single + s->n_pair + s->n_cluster;
    /* Undefined statistics are NaN (written as null with a reason), never 0. */
    s->density_per_nm2 = s->atom_density_per_nm2 = NAN;
    if (s->support_area_nm2 > 0) {
        s->density_per_nm2 = (double)s->n_sites / s->support_area_nm2;
        s->atom_density_per_nm2 = (double)s->n_atoms / s->support_area_nm2;
    }
    /* The pooled estimates, clipped into the atom budget (only the totals). */
    double clipped[4];
    clip_pooled(pooled, clipped);
    s->est_single = clipped[0], s->est_pair = clipped[1], s->est_cluster = clipped[2];
    double est_sites = s->est_single + s->est_pair + s->est_cluster;
    double est_atoms_total = s->est_single + 2 * s->est_pair + clipped[3];
    s->purity_site = s->n_sites ? (double)s->n_pair / (double)s->n_sites : NAN;
    s->purity_atom = s->n_atoms ? 2.0 * (double)s->n_pair / (double)s->n_atoms : NAN;
    corrected_purity(pooled, &s->purity_corrected_site, &s->purity_corrected_atom);
    /* z = 1.959964: the two-sided 95 % normal quantile. */
    count_wilson((double)s->n_pair, (double)s->n_sites, 1.959964, s->site_ci95);
    count_wilson(2.0 * (double)s->n_pair, (double)s->n_atoms, 1.959964, s->atom_ci95);
    count_wilson(s->est_pair, est_sites, 1.959964, s->corrected_site_ci95);
    count_wilson(2.0 * s->est_pair, est_atoms_total, 1.959964, s->corrected_atom_ci95);
    /* Below BOOTSTRAP_MIN_IMAGES the resamples take too few distinct values (two images
     * give three) and the percentile interval collapses; the Wilson interval on pooled
     * counts stays (ci_method 0). */
    if (st == DAC_OK && m >= BOOTSTRAP_MIN_IMAGES)
        st = bootstrap(per, m, seed, s);
    pair_distances(images, m, pair_max_A, s);
    s->clark_evans = ce_exp > 0 ? ce_obs / ce_exp : NAN;
    free(per);
    return st;
}

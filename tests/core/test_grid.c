/*
 * test_grid.c — the cell grid (src/core/grid.c) against brute force: for random points
 * in triclinic, mixed-periodic, open, 2-D and thinner-than-the-cutoff cells, the grid
 * must report exactly the (point, neighbour, image) triples that a search over every
 * point and every periodic image finds, each once, with the distance and the vector
 * r_j + image·cell − r_query. Then the limits: huge piles of points, reach, bad cells.
 */
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "core_test.h"

#include "core/grid.h"
#include "core/uf.h"

typedef struct {
    size_t query, index;
    int image[3];
    double d2;
    double delta[3];
} pair;

typedef struct {
    pair *p;
    size_t n, cap;
    size_t query; /* stamped on the hits of the current query */
} pairs;

static void pairs_add(pairs *ps, const pair *p)
{
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? 2 * ps->cap : 256;
        ps->p = realloc(ps->p, ps->cap * sizeof *ps->p);
        assert_non_null(ps->p);
    }
    ps->p[ps->n++] = *p;
}

static int collect(const dac_grid_hit *h, void *ud)
{
    pairs *ps = ud;
    pair p = {ps->query, h->index, {h->image[0], h->image[1], h->image[2]}, h->d2,
              {h->delta[0], h->delta[1], h->delta[2]}};
    pairs_add(ps, &p);
    return 0;
}

static int cmp_pair(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->query != y->query)
        return x->query < y->query ? -1 : 1;
    if (x->index != y->index)
        return x->index < y->index ? -1 : 1;
    for (int c = 0; c < 3; c++)
        if (x->image[c] != y->image[c])
            return x->image[c] < y->image[c] ? -1 : 1;
    return 0;
}

/* A geometry: dim, cell (rows; NULL for none), periodic flags, and the points, both
 * Cartesian (what the grid gets) and fractional (what brute force starts from). */
typedef struct {
    int dim;
    const double *cell;
    const int *pbc;
    double *r; /* n × dim, Cartesian */
    double *f; /* n × 3, fractional (Cartesian when there is no cell) */
    size_t n;
} scene;

static void cartesian(const scene *s, const double f[3], double r[3])
{
    for (int c = 0; c < 3; c++) {
        r[c] = 0;
        if (c >= s->dim)
            continue;
        if (!s->cell) {
            r[c] = f[c];
            continue;
        }
        for (int a = 0; a < s->dim; a++)
            r[c] += f[a] * s->cell[a * s->dim + c];
    }
}

static int periodic(const scene *s, int a) { return s->cell && a < s->dim && (!s->pbc || s->pbc[a]); }

/* Random points: fractional coordinates in [lo, hi) on each of the dim axes (Cartesian
 * for no cell), so many lie outside the cell, where the grid must wrap them. */
static void random_points(scene *s, size_t n, const double *lo, const double *hi, uint64_t seed)
{
    dac_rng rng;
    dac_rng_seed(&rng, seed);
    s->n = n;
    s->r = malloc(n * (size_t)s->dim * sizeof *s->r);
    s->f = calloc(n * 3, sizeof *s->f);
    assert_true(s->r && s->f);
    for (size_t i = 0; i < n; i++) {
        double r[3];
        for (int a = 0; a < s->dim; a++)
            s->f[i * 3 + (size_t)a] = lo[a] + (hi[a] - lo[a]) * dac_rng_uniform(&rng);
        cartesian(s, &s->f[i * 3], r);
        for (int c = 0; c < s->dim; c++)
            s->r[i * (size_t)s->dim + (size_t)c] = r[c];
    }
}

static void scene_free(scene *s) { free(s->r), free(s->f); }

/* Half-width of the image window brute force tries around the nearest image along
 * each axis: ceil(radius / plane spacing) + 1, with the spacing d_a = V / |b × c|
 * (cyclic) computed here independently of the grid. */
static void image_window(const scene *s, double radius, int w[3])
{
    double cell[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    for (int a = 0; a < s->dim && s->cell; a++)
        for (int c = 0; c < s->dim; c++)
            cell[a][c] = s->cell[a * s->dim + c];
    for (int a = 0; a < 3; a++) {
        const double *u = cell[(a + 1) % 3], *v = cell[(a + 2) % 3], *t = cell[a];
        double x[3] = {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]};
        double vol = fabs(t[0] * x[0] + t[1] * x[1] + t[2] * x[2]);
        double d = vol / sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
        w[a] = periodic(s, a) ? (int)ceil(radius / d) + 1 : 0;
    }
}

/* Every (j, image) within radius of the query at fractional fq (Cartesian q), skipping
 * (skip, zero image): all points, and for each every image in a window wide enough
 * around the nearest one. */
static void brute_query(const scene *s, const double fq[3], const double q[3], size_t skip,
                        double radius, size_t query, pairs *out)
{
    int w[3];
    image_window(s, radius, w);
    for (size_t j = 0; j < s->n; j++) {
        int c0[3];
        for (int a = 0; a < 3; a++)
            c0[a] = periodic(s, a) ? (int)lround(fq[a] - s->f[j * 3 + (size_t)a]) : 0;
        for (int i0 = c0[0] - w[0]; i0 <= c0[0] + w[0]; i0++)
            for (int i1 = c0[1] - w[1]; i1 <= c0[1] + w[1]; i1++)
                for (int i2 = c0[2] - w[2]; i2 <= c0[2] + w[2]; i2++) {
                    if (j == skip && !i0 && !i1 && !i2)
                        continue;
                    double shift[3], f[3] = {i0, i1, i2};
                    cartesian(s, f, shift);
                    pair p = {query, j, {i0, i1, i2}, 0, {0, 0, 0}};
                    for (int c = 0; c < s->dim; c++) {
                        p.delta[c] = s->r[j * (size_t)s->dim + (size_t)c] + shift[c] - q[c];
                        p.d2 += p.delta[c] * p.delta[c];
                    }
                    if (p.d2 < radius * radius)
                        pairs_add(out, &p);
                }
    }
}

/* Drops pairs within 1e-9 of the radius, where rounding may decide either way. */
static void drop_borderline(pairs *ps, double radius)
{
    size_t k = 0;
    for (size_t i = 0; i < ps->n; i++)
        if (fabs(sqrt(ps->p[i].d2) - radius) > 1e-9)
            ps->p[k++] = ps->p[i];
    ps->n = k;
}

/* The grid's hits equal brute force's as multisets of (query, index, image), with the
 * same distance, and each hit's vector is r_j + image·cell − r_query. */
static void assert_same_pairs(const scene *s, pairs *grid, pairs *brute, const double *queries,
                              double radius)
{
    drop_borderline(grid, radius);
    drop_borderline(brute, radius);
    qsort(grid->p, grid->n, sizeof *grid->p, cmp_pair);
    qsort(brute->p, brute->n, sizeof *brute->p, cmp_pair);
    if (grid->n != brute->n)
        print_error("grid found %zu pairs, brute force %zu\n", grid->n, brute->n);
    assert_int_equal(grid->n, brute->n);
    for (size_t i = 0; i < grid->n; i++) {
        const pair *g = &grid->p[i], *b = &brute->p[i];
        if (cmp_pair(g, b))
            print_error("pair %zu: grid (%zu, %zu, [%d %d %d]) vs brute force (%zu, %zu, [%d %d %d])\n", i,
                        g->query, g->index, g->image[0], g->image[1], g->image[2], b->query, b->index,
                        b->image[0], b->image[1], b->image[2]);
        assert_int_equal(cmp_pair(g, b), 0);
        assert_near(g->d2, b->d2, 1e-9 * (1 + b->d2));
        /* r_j + image·cell − r_q = delta */
        double shift[3], f[3] = {g->image[0], g->image[1], g->image[2]};
        cartesian(s, f, shift);
        double d2 = 0;
        for (int c = 0; c < 3; c++) {
            double expect = c < s->dim ? s->r[g->index * (size_t)s->dim + (size_t)c] + shift[c] -
                                             queries[g->query * 3 + (size_t)c]
                                       : 0.0;
            assert_near(g->delta[c], expect, 1e-9 * (1 + fabs(expect)));
            d2 += g->delta[c] * g->delta[c];
        }
        assert_near(g->d2, d2, 1e-9 * (1 + d2));
        if (s->dim == 2)
            assert_int_equal(g->image[2], 0);
        for (int a = 0; a < 3; a++)
            if (!periodic(s, a))
                assert_int_equal(g->image[a], 0);
    }
}

/* Neighbours of every point, grid against brute force, at the cutoff and below it.
 * Returns the number of pairs (so a case can check it tested something). */
static size_t check_neighbors(const scene *s, double cutoff)
{
    dac_grid *g = NULL;
    int st = dac_grid_create(s->dim, s->r, s->n, s->cell, s->pbc, cutoff, &g);
    if (st != DAC_OK)
        print_error("%s\n", dac_last_error());
    assert_int_equal(st, DAC_OK);
    assert_int_equal(dac_grid_size(g), s->n);
    double *queries = calloc(s->n * 3, sizeof *queries);
    assert_non_null(queries);
    for (size_t i = 0; i < s->n; i++)
        for (int c = 0; c < s->dim; c++)
            queries[i * 3 + (size_t)c] = s->r[i * (size_t)s->dim + (size_t)c];
    size_t total = 0;
    const double radii[] = {cutoff, 0.6 * cutoff};
    for (int k = 0; k < 2; k++) {
        pairs grid = {0}, brute = {0};
        for (size_t i = 0; i < s->n; i++) {
            grid.query = i;
            assert_int_equal(dac_grid_neighbors(g, i, radii[k], collect, &grid), 0);
            brute_query(s, &s->f[i * 3], &queries[i * 3], i, radii[k], i, &brute);
        }
        assert_same_pairs(s, &grid, &brute, queries, radii[k]);
        total += grid.n;
        free(grid.p), free(brute.p);
    }
    free(queries);
    dac_grid_free(g);
    return total;
}

/* Queries at random positions (fractional lo … hi: inside, outside the cell, beyond
 * the points' bounding box), grid against brute force. */
static void check_queries(const scene *s, double cutoff, double lo, double hi, uint64_t seed)
{
    dac_grid *g = NULL;
    assert_int_equal(dac_grid_create(s->dim, s->r, s->n, s->cell, s->pbc, cutoff, &g), DAC_OK);
    enum { NQ = 60 };
    double queries[NQ * 3] = {0};
    dac_rng rng;
    dac_rng_seed(&rng, seed);
    pairs grid = {0}, brute = {0};
    for (size_t k = 0; k < NQ; k++) {
        double f[3] = {0, 0, 0}, q[3];
        for (int a = 0; a < s->dim; a++)
            f[a] = lo + (hi - lo) * dac_rng_uniform(&rng);
        cartesian(s, f, q);
        memcpy(&queries[k * 3], q, sizeof q);
        grid.query = k;
        assert_int_equal(dac_grid_query(g, q, cutoff, collect, &grid), 0);
        brute_query(s, f, q, SIZE_MAX, cutoff, k, &brute);
    }
    assert_same_pairs(s, &grid, &brute, queries, cutoff);
    free(grid.p), free(brute.p);
    dac_grid_free(g);
}

static const double skewed[9] = {10, 0, 0, 3, 9, 0, -2, 1.5, 8};

/* 3-D triclinic, periodic along all three vectors; points up to a cell outside. */
static void test_triclinic_periodic(void **state)
{
    (void)state;
    scene s = {3, skewed, NULL, NULL, NULL, 0};
    random_points(&s, 300, (double[]){-0.5, -0.5, -1}, (double[]){1.5, 1, 2}, 1);
    assert_true(check_neighbors(&s, 3.5) > 1000);
    check_queries(&s, 3.5, -2, 3, 11);
    scene_free(&s);
}

/* Mixed boundaries (periodic along a and b, open along c: a slab with vacuum). */
static void test_mixed_boundaries(void **state)
{
    (void)state;
    const int pbc[3] = {1, 1, 0};
    scene s = {3, skewed, pbc, NULL, NULL, 0};
    random_points(&s, 250, (double[]){-1, 0, 0}, (double[]){2, 1, 0.6}, 2);
    assert_true(check_neighbors(&s, 3.2) > 500);
    check_queries(&s, 3.2, -1.5, 2.5, 12);
    scene_free(&s);
    const int only_c[3] = {0, 0, 1};
    scene t = {3, skewed, only_c, NULL, NULL, 0};
    random_points(&t, 200, (double[]){0, 0, -1}, (double[]){0.7, 0.7, 2}, 3);
    assert_true(check_neighbors(&t, 3.0) > 300);
    scene_free(&t);
}

/* No cell: a bounding box, nothing periodic. */
static void test_no_cell(void **state)
{
    (void)state;
    scene s = {3, NULL, NULL, NULL, NULL, 0};
    random_points(&s, 400, (double[]){-15, 0, 3}, (double[]){15, 20, 13}, 4);
    assert_true(check_neighbors(&s, 2.5) > 200);
    check_queries(&s, 2.5, -20, 25, 14); /* far outside the box too */
    scene_free(&s);
}

/* 2-D: open (a STEM image: pixels, no cell), an open cell, and periodic triclinic. */
static void test_two_dimensions(void **state)
{
    (void)state;
    scene open = {2, NULL, NULL, NULL, NULL, 0};
    random_points(&open, 500, (double[]){0, 0}, (double[]){100, 50}, 5);
    assert_true(check_neighbors(&open, 5) > 500);
    check_queries(&open, 5, -10, 110, 15);
    scene_free(&open);

    const double cell2[4] = {20, 0, 6, 15};
    const int none[2] = {0, 0}, both[2] = {1, 1}, one[2] = {1, 0};
    const int *flags[] = {none, both, one};
    for (int k = 0; k < 3; k++) {
        scene s = {2, cell2, flags[k], NULL, NULL, 0};
        random_points(&s, 300, (double[]){-0.5, -0.5}, (double[]){1.5, 1.5}, 6 + (uint64_t)k);
        assert_true(check_neighbors(&s, 3) > 300);
        check_queries(&s, 3, -2, 3, 16 + (uint64_t)k);
        scene_free(&s);
    }
}

/* Hits per point index, for one query. */
static int count_by_index(const dac_grid_hit *h, void *ud)
{
    size_t *count = ud;
    count[h->index]++;
    return 0;
}

/* A cell shorter than the cutoff along one axis (a 1.2 Å slab, cutoff 3 Å): the same
 * neighbour is found in several images, and a point sees its own images. */
static void test_cell_thinner_than_cutoff(void **state)
{
    (void)state;
    const double thin[9] = {9, 0, 0, 1, 8, 0, 0.3, 0.2, 1.2};
    scene s = {3, thin, NULL, NULL, NULL, 0};
    random_points(&s, 40, (double[]){0, 0, -2}, (double[]){1, 1, 3}, 8);
    assert_true(check_neighbors(&s, 3.0) > 100);
    check_queries(&s, 3.0, -1, 2, 18);
    dac_grid *g;
    assert_int_equal(dac_grid_create(3, s.r, s.n, thin, NULL, 3.0, &g), DAC_OK);
    size_t count[40] = {0}, most = 0;
    assert_int_equal(dac_grid_neighbors(g, 7, 3.0, count_by_index, count), 0);
    /* Its own images ±1, ±2 along c (about 1.2 and 2.4 Å away): at least 4. */
    assert_true(count[7] >= 4);
    for (size_t j = 0; j < 40; j++)
        if (j != 7 && count[j] > most)
            most = count[j];
    assert_true(most >= 3); /* some neighbour seen in three images or more */
    dac_grid_free(g);

    /* 2-D: a strip thinner than the cutoff. */
    const double strip[4] = {0.7, 0, 0.2, 12};
    scene t = {2, strip, NULL, NULL, NULL, 0};
    random_points(&t, 30, (double[]){-1, 0}, (double[]){2, 1}, 9);
    assert_true(check_neighbors(&t, 2.0) > 100);
    scene_free(&s), scene_free(&t);
}

/* Every point at one place (40 000 atoms read as the same position, a degenerate
 * image): building is fast, the grid's memory stays O(n), and a query visits every
 * other point once (counted, not stored: no n² pair list). */
static int count_hits(const dac_grid_hit *h, void *ud)
{
    (void)h;
    ++*(size_t *)ud;
    return 0;
}

static size_t heap_in_use(void)
{
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#else
    return 0; /* ASan's allocator keeps its own books: the check is skipped there */
#endif
}

static void test_pile_of_points(void **state)
{
    (void)state;
    enum { N = 40000 };
    double *r = malloc(N * 3 * sizeof *r);
    assert_non_null(r);
    for (size_t i = 0; i < 3 * N; i++)
        r[i] = 1.25;
    const double *cells[] = {NULL, skewed};
    for (int k = 0; k < 2; k++) {
        size_t before = heap_in_use();
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        dac_grid *g;
        assert_int_equal(dac_grid_create(3, r, N, cells[k], NULL, 2.0, &g), DAC_OK);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        assert_true(seconds < 0.5); /* ~ms here; a grid sized by the pile's density is not */
        size_t used = heap_in_use() - before;
        if (before)
            assert_true(used < 200 * (size_t)N + 65536);
        size_t hits = 0;
        assert_int_equal(dac_grid_neighbors(g, 123, 2.0, count_hits, &hits), 0);
        assert_int_equal(hits, N - 1);
        dac_grid_free(g);
    }
    free(r);
}

/* Few points spread far apart (1000 points over 10^6 × 10^6 with a 1 Å cutoff) must
 * not get bins by the area: memory O(n), not O(area). 2-D matters: the third axis is
 * flat there and cannot take its share of the reduction. */
static void test_sparse_points_memory(void **state)
{
    (void)state;
    if (!heap_in_use())
        skip();
    for (int dim = 2; dim <= 3; dim++) {
        scene s = {dim, NULL, NULL, NULL, NULL, 0};
        random_points(&s, 1000, (double[]){0, 0, 0}, (double[]){1e6, 1e6, 1e6}, 10);
        size_t before = heap_in_use();
        dac_grid *g;
        assert_int_equal(dac_grid_create(dim, s.r, s.n, NULL, NULL, 1.0, &g), DAC_OK);
        size_t used = heap_in_use() - before;
        if (used >= 200 * s.n + 65536)
            print_error("%d-D: %zu bytes for %zu points\n", dim, used, s.n);
        assert_true(used < 200 * s.n + 65536);
        dac_grid_free(g);
        assert_true(check_neighbors(&s, 1.0) == 0);
        scene_free(&s);
    }
}

static int stop_after_three(const dac_grid_hit *h, void *ud)
{
    (void)h;
    return ++*(int *)ud == 3 ? 42 : 0;
}

/* A visitor's non-zero return stops the query and is its result. */
static void test_visitor_stops(void **state)
{
    (void)state;
    double r[30];
    for (int i = 0; i < 30; i++)
        r[i] = 0.1 * i;
    dac_grid *g;
    assert_int_equal(dac_grid_create(3, r, 10, NULL, NULL, 5, &g), DAC_OK);
    int seen = 0;
    assert_int_equal(dac_grid_neighbors(g, 0, 5, stop_after_three, &seen), 42);
    assert_int_equal(seen, 3);
    dac_grid_free(g);
}

/* Radii are within [0, cutoff]; indices and positions must exist and be finite. */
static void test_query_limits(void **state)
{
    (void)state;
    double r[6] = {0, 0, 0, 1, 1, 1};
    dac_grid *g;
    assert_int_equal(dac_grid_create(3, r, 2, skewed, NULL, 3, &g), DAC_OK);
    size_t hits = 0;
    assert_int_equal(dac_grid_neighbors(g, 0, 3.0001, count_hits, &hits), DAC_ERR_USAGE);
    assert_non_null(strstr(dac_last_error(), "radius"));
    assert_int_equal(dac_grid_query(g, r, 4, count_hits, &hits), DAC_ERR_USAGE);
    assert_int_equal(dac_grid_neighbors(g, 0, -1, count_hits, &hits), DAC_ERR_USAGE);
    assert_int_equal(dac_grid_neighbors(g, 0, NAN, count_hits, &hits), DAC_ERR_USAGE);
    assert_int_equal(dac_grid_neighbors(g, 2, 1, count_hits, &hits), DAC_ERR_USAGE);
    assert_non_null(strstr(dac_last_error(), "no point 3"));
    assert_int_equal(dac_grid_query(g, (double[]){NAN, 0, 0}, 1, count_hits, &hits), DAC_ERR_USAGE);
    /* So far from the cell that the image would not fit an int: refused, not wrapped
     * into garbage. */
    assert_int_equal(dac_grid_query(g, (double[]){1e12, 0, 0}, 1, count_hits, &hits), DAC_ERR_USAGE);
    assert_int_equal(hits, 0);
    /* Radius 0 finds nothing (distances are strictly below the radius); the cutoff
     * itself is allowed. */
    assert_int_equal(dac_grid_neighbors(g, 0, 0, count_hits, &hits), 0);
    assert_int_equal(hits, 0);
    assert_int_equal(dac_grid_neighbors(g, 0, 3, count_hits, &hits), 0);
    assert_true(hits > 0);
    dac_grid_free(g);

    /* No points: a grid that finds nothing. */
    assert_int_equal(dac_grid_create(2, NULL, 0, NULL, NULL, 1, &g), DAC_OK);
    hits = 0;
    assert_int_equal(dac_grid_query(g, (double[]){0, 0}, 1, count_hits, &hits), 0);
    assert_int_equal(hits, 0);
    dac_grid_free(g);
}

/* A cutoff reaching more than 100 images of a thin cell is a usage error naming the
 * lattice vector (the caller chose the cutoff); a flat cell is bad input; bad
 * dimensions, cutoffs and positions are refused. */
static void test_create_errors(void **state)
{
    (void)state;
    double r[9] = {0, 0, 0, 1, 1, 1, 2, 2, 2};
    dac_grid *g = (dac_grid *)1;
    const double thin_c[9] = {10, 0, 0, 0, 10, 0, 0, 0, 1};
    assert_int_equal(dac_grid_create(3, r, 3, thin_c, NULL, 150, &g), DAC_ERR_USAGE);
    assert_null(g);
    assert_non_null(strstr(dac_last_error(), "lattice vector 3"));
    const int open_c[3] = {1, 1, 0};
    assert_int_equal(dac_grid_create(3, r, 3, thin_c, open_c, 150, &g), DAC_OK);
    dac_grid_free(g);
    const double thin_a2[4] = {0.5, 0, 0, 30};
    assert_int_equal(dac_grid_create(2, r, 3, thin_a2, NULL, 60, &g), DAC_ERR_USAGE);
    assert_non_null(strstr(dac_last_error(), "lattice vector 1"));

    const double flat[9] = {1, 0, 0, 2, 0, 0, 0, 0, 1};
    assert_int_equal(dac_grid_create(3, r, 3, flat, NULL, 1, &g), DAC_ERR_INPUT);
    assert_null(g);
    assert_non_null(strstr(dac_last_error(), "singular"));
    const double flat2[4] = {1, 1, 2, 2}, zero[9] = {0};
    assert_int_equal(dac_grid_create(2, r, 3, flat2, NULL, 1, &g), DAC_ERR_INPUT);
    assert_int_equal(dac_grid_create(3, r, 3, zero, NULL, 1, &g), DAC_ERR_INPUT);

    assert_int_equal(dac_grid_create(1, r, 3, NULL, NULL, 1, &g), DAC_ERR_USAGE);
    assert_int_equal(dac_grid_create(4, r, 3, NULL, NULL, 1, &g), DAC_ERR_USAGE);
    assert_int_equal(dac_grid_create(3, r, 3, NULL, NULL, 0, &g), DAC_ERR_USAGE);
    assert_int_equal(dac_grid_create(3, r, 3, NULL, NULL, INFINITY, &g), DAC_ERR_USAGE);
    assert_int_equal(dac_grid_create(3, r, 3, NULL, NULL, NAN, &g), DAC_ERR_USAGE);
    r[7] = NAN;
    assert_int_equal(dac_grid_create(3, r, 3, NULL, NULL, 1, &g), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "point 3"));
    r[7] = 1e300;
    assert_int_equal(dac_grid_create(3, r, 3, skewed, NULL, 1, &g), DAC_ERR_INPUT);
    assert_null(g);
}

/* dac_grid_link joins exactly the pairs brute force finds within the radius (own
 * periodic images included, which join nothing), so the groups and their canonical
 * labels agree; a union-find of the wrong size is refused. */
static void test_link_matches_brute_force(void **state)
{
    (void)state;
    const int pbc[3] = {1, 1, 0};
    scene s = {3, skewed, pbc, NULL, NULL, 0};
    random_points(&s, 100, (double[]){-1, 0, 0}, (double[]){2, 1, 0.5}, 21);
    const double radius = 1.2; /* ~0.7 neighbours per point: pairs, chains and singles */
    dac_grid *g;
    assert_int_equal(dac_grid_create(3, s.r, s.n, skewed, pbc, 2.0, &g), DAC_OK);
    dac_uf linked, brute;
    assert_int_equal(dac_uf_init(&linked, s.n), DAC_OK);
    assert_int_equal(dac_uf_init(&brute, s.n), DAC_OK);
    assert_int_equal(dac_grid_link(g, radius, &linked), DAC_OK);
    pairs ps = {0};
    for (size_t i = 0; i < s.n; i++) {
        double q[3] = {0, 0, 0};
        memcpy(q, &s.r[i * 3], 3 * sizeof *q);
        brute_query(&s, &s.f[i * 3], q, i, radius, i, &ps);
    }
    for (size_t k = 0; k < ps.n; k++)
        dac_uf_union(&brute, ps.p[k].query, ps.p[k].index);
    size_t *la = malloc(s.n * sizeof *la), *lb = malloc(s.n * sizeof *lb);
    assert_true(la && lb);
    size_t groups = dac_uf_labels(&linked, la);
    assert_int_equal(groups, dac_uf_labels(&brute, lb));
    assert_memory_equal(la, lb, s.n * sizeof *la);
    assert_true(groups > 10 && groups < s.n - 10); /* pairs and singles both */

    dac_uf small;
    assert_int_equal(dac_uf_init(&small, 5), DAC_OK);
    assert_int_equal(dac_grid_link(g, radius, &small), DAC_ERR_USAGE);
    assert_int_equal(dac_grid_link(g, 2.5, &linked), DAC_ERR_USAGE); /* beyond the cutoff */
    dac_uf_free(&small), dac_uf_free(&linked), dac_uf_free(&brute);
    free(la), free(lb), free(ps.p);
    dac_grid_free(g);
    scene_free(&s);
}

/* Open axes have no images, so any finite coordinate is fine there (a pixel position
 * far from the origin), for points and queries alike. */
static void test_far_coordinates_on_open_axes(void **state)
{
    (void)state;
    double r[6] = {0, 0, 0, 1e12, 0, 0};
    dac_grid *g;
    assert_int_equal(dac_grid_create(3, r, 2, NULL, NULL, 1, &g), DAC_OK);
    size_t count[2] = {0, 0};
    assert_int_equal(dac_grid_query(g, (double[]){1e12 + 0.5, 0, 0}, 1, count_by_index, count), 0);
    assert_int_equal(count[0], 0);
    assert_int_equal(count[1], 1);
    dac_grid_free(g);
    const int pbc[3] = {0, 1, 1};
    assert_int_equal(dac_grid_create(3, r, 2, skewed, pbc, 1, &g), DAC_OK); /* along a: open */
    dac_grid_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_triclinic_periodic),
        cmocka_unit_test(test_mixed_boundaries),
        cmocka_unit_test(test_no_cell),
        cmocka_unit_test(test_two_dimensions),
        cmocka_unit_test(test_cell_thinner_than_cutoff),
        cmocka_unit_test(test_pile_of_points),
        cmocka_unit_test(test_sparse_points_memory),
        cmocka_unit_test(test_visitor_stops),
        cmocka_unit_test(test_query_limits),
        cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_link_matches_brute_force),
        cmocka_unit_test(test_far_coordinates_on_open_axes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

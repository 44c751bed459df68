/*
 * struct_neighbors.c — benchmark of the neighbour search and the site analysis on a
 * periodic graphene sheet of 10^6 atoms with 1 % of the carbon atoms replaced by Ni at
 * random (seeded), cutoff 3.5 Å (issue 2: the whole analysis must take < 1 s on one
 * core in a Release build; ASE's Python neighbour list takes tens of seconds). (a) is
 * dac_struct_neighbors, the full list; (b) is dac_struct_analyze, which builds one cell
 * grid over all atoms, checks every atom for close contacts (issue 7), lists the
 * neighbours of the metals only, and finds the sites.
 *
 * usage: struct_neighbors [n_cells_x n_cells_y [seed]]   (default 500 500 2026:
 * 500 × 500 rectangular 4-atom cells = 10^6 atoms)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <math.h>

#include "dac/core.h"
#include "dac/struct.h"
#include "bench_time.h"

/* Rectangular graphene: C–C 1.42 Å, 4 atoms per 4.26 × 2.46 Å cell, in a cell with
 * 20 Å along z; periodic in the sheet, not across it (a slab). */
static dac_structure *graphene(long nx, long ny)
{
    const double acc = 1.42, h = sqrt(3.0) / 2 * acc, ax = 3 * acc, ay = 2 * h;
    const double basis[4][2] = {{0, 0}, {acc, 0}, {1.5 * acc, h}, {2.5 * acc, h}};
    dac_structure *s;
    if (dac_structure_create((size_t)(4 * nx * ny), &s) != DAC_OK)
        return NULL;
    s->has_cell = 1;
    s->cell_A[0][0] = (double)nx * ax;
    s->cell_A[1][1] = (double)ny * ay;
    s->cell_A[2][2] = 20.0;
    s->pbc[0] = s->pbc[1] = 1;
    size_t k = 0;
    for (long i = 0; i < nx; i++)
        for (long j = 0; j < ny; j++)
            for (int b = 0; b < 4; b++, k++) {
                s->Z[k] = 6;
                s->position_A[3 * k] = basis[b][0] + (double)i * ax;
                s->position_A[3 * k + 1] = basis[b][1] + (double)j * ay;
                s->position_A[3 * k + 2] = 10.0;
            }
    return s;
}

int main(int argc, char **argv)
{
    long nx = argc > 2 ? atol(argv[1]) : 500, ny = argc > 2 ? atol(argv[2]) : 500;
    uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 2026;
    if (nx < 2 || ny < 2) {
        fprintf(stderr, "usage: struct_neighbors [n_cells_x n_cells_y [seed]]\n");
        return 2;
    }
    dac_structure *s = graphene(nx, ny);
    if (!s) {
        fprintf(stderr, "struct_neighbors: out of memory\n");
        return 1;
    }
    /* 1 % metal: a partial Fisher–Yates shuffle picks distinct atoms */
    size_t n = s->n_atoms, n_metal = n / 100;
    size_t *perm = malloc(n * sizeof *perm);
    dac_rng rng;
    dac_rng_seed(&rng, seed);
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = 0; i < n_metal; i++) {
        size_t j = i + (size_t)dac_rng_below(&rng, n - i);
        size_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        s->Z[perm[i]] = 28;
    }
    free(perm);

    double t0 = bench_wall_s(), c0 = bench_cpu_s();
    dac_neighbor_list *nl;
    if (dac_struct_neighbors(s, 3.5, NULL, &nl)) {
        fprintf(stderr, "struct_neighbors: %s\n", dac_last_error());
        return 1;
    }
    double t1 = bench_wall_s(), c1 = bench_cpu_s();
    dac_site_analysis *a;
    if (dac_struct_analyze(s, NULL, &a)) {
        fprintf(stderr, "struct_neighbors: %s\n", dac_last_error());
        return 1;
    }
    double t2 = bench_wall_s(), c2 = bench_cpu_s();
    printf("graphene sheet: %zu atoms (%zu Ni, seed %llu), cutoff 3.5 Å\n", n, n_metal,
           (unsigned long long)seed);
    printf("(a) full neighbour list: %.3f s wall, %.3f s CPU, %.3g atoms/s; %zu entries (%.1f per atom)\n",
           t1 - t0, c1 - c0, (double)n / (t1 - t0), nl->n_pairs, (double)nl->n_pairs / (double)n);
    printf("(b) site analysis:       %.3f s wall, %.3f s CPU, %.3g atoms/s; %zu sites (single %zu, "
           "pair %zu, cluster %zu)\n", t2 - t1, c2 - c1, (double)n / (t2 - t1), a->n_sites,
           a->count[DAC_SITE_SINGLE], a->count[DAC_SITE_PAIR], a->count[DAC_SITE_CLUSTER]);
    printf("total (a)+(b):           %.3f s wall, %.3f s CPU, %.3g atoms/s (target: analysis < 1 s)\n",
           t2 - t0, c2 - c0, (double)n / (t2 - t0));
    dac_site_analysis_free(a);
    dac_neighbor_list_free(nl);
    dac_structure_free(s);
    return 0;
}

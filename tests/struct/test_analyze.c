/*
 * test_analyze.c — metal sites on hand-built structures: kinds, ordering, element
 * strings, labels (N C O S P first, then alphabetical), first shell counted once per
 * site, synergy (direct when M···M ≥ bridge distance, the review's rule,
 * docs/science.md §1), purity on both bases (docs/science.md §3), periodic images and
 * bad input: atoms closer than any bond, dense piles that must fail fast and small,
 * options named in messages.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <cmocka.h>

#include "dac/core.h"
#include "dac/struct.h"

static int Z_of(const char *sym)
{
    const dac_element *e = dac_element_by_symbol(sym);
    assert_non_null(e);
    return e->Z;
}

static void add(dac_structure *s, const char *sym, double x, double y, double z)
{
    double p[3] = {x, y, z};
    assert_int_equal(dac_structure_append(s, Z_of(sym), p), DAC_OK);
}

static dac_site_analysis *analyze(const dac_structure *s, const dac_site_options *opt)
{
    dac_site_analysis *a = NULL;
    assert_int_equal(dac_struct_analyze(s, opt, &a), DAC_OK);
    assert_non_null(a);
    return a;
}

/* Four N in a square at 1.9 Å around a metal at (x, y, 0). */
static void add_mn4(dac_structure *s, const char *metal, double x, double y)
{
    add(s, metal, x, y, 0);
    const double r = 1.9;
    add(s, "N", x + r, y, 0);
    add(s, "N", x - r, y, 0);
    add(s, "N", x, y + r, 0);
    add(s, "N", x, y - r, 0);
}

static void test_single_site(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    add(s, "C", 10, 10, 10); /* far away: not in the shell */
    add_mn4(s, "Ni", 0, 0);
    dac_site_analysis *a = analyze(s, NULL);
    assert_int_equal(a->n_sites, 1);
    const dac_site *site = &a->sites[0];
    assert_int_equal(site->kind, DAC_SITE_SINGLE);
    assert_int_equal(site->n_atoms, 1);
    assert_int_equal(site->atoms[0], 1);
    assert_string_equal(site->elements, "Ni");
    assert_string_equal(site->label, "Ni1-N4");
    assert_int_equal(site->coordination[7], 4);
    assert_int_equal(site->coordination[6], 0);
    assert_true(isnan(site->mm_distance_A));
    assert_true(isinf(site->nearest_other_site_A));
    assert_int_equal(site->synergy, DAC_SYNERGY_NONE);
    assert_null(dac_synergy_name(site->synergy));
    assert_int_equal(a->count[DAC_SITE_SINGLE], 1);
    assert_true(a->purity_site == 0.0 && a->purity_atom == 0.0);
    dac_site_analysis_free(a);
    dac_structure_free(s);
}

/* Two Ni 2.46 Å apart sharing two N (the Ni2-N6 double pocket): 6 N, not 8, because a
 * shared N is counted once per site. */
static void test_pair_shared_nitrogen_counted_once(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    const double dx = 1.42, dy = 1.23;
    add(s, "Ni", 0, 0, 0);
    add(s, "Ni", 0, 2 * dy, 0);
    for (int k = -1; k <= 3; k += 2)
        for (int sx = -1; sx <= 1; sx += 2)
            add(s, "N", sx * dx, k * dy, 0);
    dac_site_analysis *a = analyze(s, NULL);
    assert_int_equal(a->n_sites, 1);
    const dac_site *site = &a->sites[0];
    assert_int_equal(site->kind, DAC_SITE_PAIR);
    assert_string_equal(site->elements, "Ni2");
    assert_string_equal(site->label, "Ni2-N6");
    assert_true(fabs(site->mm_distance_A - 2 * dy) < 1e-12);
    assert_int_equal(site->synergy, DAC_SYNERGY_INDIRECT);
    assert_string_equal(dac_synergy_name(site->synergy), "indirect");
    assert_true(a->purity_site == 1.0 && a->purity_atom == 1.0);
    dac_site_analysis_free(a);
    dac_structure_free(s);
}

/* The review's rule: a pair at 5.8 Å (the Co2 cryptate) is "direct" when found, which
 * needs a pair cutoff above 5.8 Å; with the bridge distance raised above 5.8 Å it is
 * "indirect"; with the default cutoff it is two singles. */
static void test_synergy_rule(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    add(s, "Zn", 0, 0, 5.8);
    add(s, "Co", 0, 0, 0);
    dac_site_analysis *a = analyze(s, NULL);
    assert_int_equal(a->count[DAC_SITE_SINGLE], 2);
    assert_true(fabs(a->sites[0].nearest_other_site_A - 5.8) < 1e-12);
    dac_site_analysis_free(a);

    dac_site_options opt;
    dac_site_options_default(&opt);
    opt.pair_cutoff_A = 6.0;
    a = analyze(s, &opt);
    assert_int_equal(a->n_sites, 1);
    assert_string_equal(a->sites[0].elements, "CoZn");
    assert_string_equal(a->sites[0].label, "CoZn");
    assert_int_equal(a->sites[0].synergy, DAC_SYNERGY_DIRECT);
    dac_site_analysis_free(a);

    opt.bridge_min_A = 5.9;
    a = analyze(s, &opt);
    assert_int_equal(a->sites[0].synergy, DAC_SYNERGY_INDIRECT);
    dac_site_analysis_free(a);
    dac_structure_free(s);
}

/* Sites listed by their lowest atom index, atoms ascending; one single, one pair, one
 * cluster: purity.site = 1/3, purity.atom = 2·1/7. */
static void test_mixed_sites_order_and_purity(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    add(s, "Pt", 20, 0, 0);      /* 0: cluster */
    add(s, "Fe", 0, 0, 0);       /* 1: pair with 4 */
    add(s, "Pt", 22.6, 0, 0);    /* 2: cluster */
    add(s, "Cu", 40, 0, 0);      /* 3: single */
    add(s, "Fe", 0, 2.3, 0);     /* 4: pair */
    add(s, "Pt", 21.3, 2.25, 0); /* 5: cluster */
    add(s, "Pt", 21.3, 0.75, 2.1); /* 6: cluster */
    dac_site_analysis *a = analyze(s, NULL);
    assert_int_equal(a->n_sites, 3);
    assert_int_equal(a->sites[0].kind, DAC_SITE_CLUSTER);
    assert_int_equal(a->sites[1].kind, DAC_SITE_PAIR);
    assert_int_equal(a->sites[2].kind, DAC_SITE_SINGLE);
    size_t want0[] = {0, 2, 5, 6};
    assert_int_equal(a->sites[0].n_atoms, 4);
    for (int k = 0; k < 4; k++)
        assert_int_equal(a->sites[0].atoms[k], want0[k]);
    assert_string_equal(a->sites[0].elements, "Pt4");
    assert_string_equal(a->sites[0].label, "Pt4");
    assert_int_equal(a->sites[0].synergy, DAC_SYNERGY_NONE);
    assert_int_equal(a->sites[1].atoms[0], 1);
    assert_int_equal(a->sites[1].atoms[1], 4);
    assert_string_equal(a->sites[2].label, "Cu1");
    assert_int_equal(a->n_metal_atoms, 7);
    assert_int_equal(a->count[DAC_SITE_SINGLE], 1);
    assert_int_equal(a->count[DAC_SITE_PAIR], 1);
    assert_int_equal(a->count[DAC_SITE_CLUSTER], 1);
    assert_true(fabs(a->purity_site - 1.0 / 3.0) < 1e-15);
    assert_true(fabs(a->purity_atom - 2.0 / 7.0) < 1e-15);
    /* nearest other metals: cluster Pt(2) – Cu 17.4 Å; pair Fe(1) – Pt(0) 20 Å */
    assert_true(fabs(a->sites[0].nearest_other_site_A - (40 - 22.6)) < 1e-12);
    assert_true(fabs(a->sites[1].nearest_other_site_A - 20.0) < 1e-12);
    assert_true(fabs(a->sites[2].nearest_other_site_A - (40 - 22.6)) < 1e-12);
    dac_site_analysis_free(a);
    dac_structure_free(s);
}

/* Label order: N, C, O, S, P first, then the rest alphabetically (Cl before H);
 * counts of one are written. */
static void test_label_order(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    add(s, "Co", 0, 0, 0);
    const char *ligands[] = {"H", "P", "Cl", "O", "C", "S", "N", "C", "Br"};
    size_t n = sizeof ligands / sizeof ligands[0];
    for (size_t k = 0; k < n; k++) { /* one per direction on a sphere, at 0.9 × bond */
        double phi = 2.0 * DAC_PI * (double)k / (double)n, th = 0.3 + 2.5 * (double)k / (double)n;
        double d = 0.9 * (1.26 + dac_element_by_symbol(ligands[k])->covalent_radius_A);
        add(s, ligands[k], d * sin(th) * cos(phi), d * sin(th) * sin(phi), d * cos(th));
    }
    dac_site_analysis *a = analyze(s, NULL);
    assert_string_equal(a->sites[0].label, "Co1-N1C2O1S1P1Br1Cl1H1");
    dac_site_analysis_free(a);
    dac_structure_free(s);
}

/* Bond criterion d < tol × (r_i + r_j): tightening the tolerance drops the atom. */
static void test_bond_tolerance(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    add(s, "Ni", 0, 0, 0);
    add(s, "O", 2.3, 0, 0); /* r_Ni + r_O = 1.24 + 0.66 = 1.90; 2.3/1.90 = 1.21 */
    dac_site_analysis *a = analyze(s, NULL);
    assert_string_equal(a->sites[0].label, "Ni1");
    dac_site_analysis_free(a);
    dac_site_options opt;
    dac_site_options_default(&opt);
    opt.bond_tolerance = 1.25;
    a = analyze(s, &opt);
    assert_string_equal(a->sites[0].label, "Ni1-O1");
    dac_site_analysis_free(a);
    dac_structure_free(s);
}

static dac_structure *periodic(double a, double b, double c, int pa, int pb, int pc)
{
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    s->has_cell = 1;
    s->cell_A[0][0] = a;
    s->cell_A[1][1] = b;
    s->cell_A[2][2] = c;
    s->pbc[0] = pa;
    s->pbc[1] = pb;
    s->pbc[2] = pc;
    return s;
}

/* A pair split by the periodic boundary; the nearest other site is its own periodic
 * copy one lattice vector away; without pbc along x the two are separate. */
static void test_periodic_pair_and_images(void **state)
{
    (void)state;
    dac_structure *s = periodic(12, 15, 20, 1, 1, 0);
    add(s, "Ni", 0.5, 5, 10);
    add(s, "N", 11.0, 5, 10); /* bridges the two Ni through the boundary */
    add(s, "Ni", 11.5, 5.0, 10);
    dac_site_analysis *a = analyze(s, NULL);
    assert_int_equal(a->n_sites, 1);
    assert_int_equal(a->sites[0].kind, DAC_SITE_PAIR);
    assert_true(fabs(a->sites[0].mm_distance_A - 1.0) < 1e-12);
    assert_string_equal(a->sites[0].label, "Ni2-N1");
    assert_int_equal(a->sites[0].extended, 0);
    assert_true(fabs(a->sites[0].nearest_other_site_A - 11.0) < 1e-12);
    dac_site_analysis_free(a);
    s->pbc[0] = 0;
    a = analyze(s, NULL);
    assert_int_equal(a->count[DAC_SITE_SINGLE], 2);
    assert_true(fabs(a->sites[0].nearest_other_site_A - 11.0) < 1e-12);
    dac_site_analysis_free(a);
    dac_structure_free(s);
}

/* One Ni in a 2.5 Å periodic cell is an infinite chain: a cluster, not a single; with a
 * 6 Å cell it is a single whose nearest other site is its image 6 Å away. */
static void test_extended_network(void **state)
{
    (void)state;
    dac_structure *s = periodic(2.5, 10, 10, 1, 0, 0);
    add(s, "Ni", 0, 0, 0);
    dac_site_analysis *a = analyze(s, NULL);
    assert_int_equal(a->n_sites, 1);
    assert_int_equal(a->sites[0].kind, DAC_SITE_CLUSTER);
    assert_int_equal(a->sites[0].extended, 1);
    assert_true(isinf(a->sites[0].nearest_other_site_A));
    dac_site_analysis_free(a);
    s->cell_A[0][0] = 6.0;
    a = analyze(s, NULL);
    assert_int_equal(a->sites[0].kind, DAC_SITE_SINGLE);
    assert_true(fabs(a->sites[0].nearest_other_site_A - 6.0) < 1e-12);
    dac_site_analysis_free(a);
    dac_structure_free(s);
}

/* Far neighbours: two singles 57 Å apart in a molecule are found by the widening
 * search; the distance is exact. */
static void test_far_nearest_site(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    add_mn4(s, "Fe", 0, 0);
    for (int k = 0; k < 50; k++)
        add(s, "C", 3.0 + k, 0, 0);
    add_mn4(s, "Co", 57.0, 0);
    dac_site_analysis *a = analyze(s, NULL);
    assert_int_equal(a->n_sites, 2);
    assert_true(fabs(a->sites[0].nearest_other_site_A - 57.0) < 1e-12);
    assert_true(fabs(a->sites[1].nearest_other_site_A - 57.0) < 1e-12);
    assert_string_equal(a->sites[1].label, "Co1-N4");
    dac_site_analysis_free(a);
    dac_structure_free(s);
}

/* A nanoparticle (256 Ni, fcc) far from two single atoms: the search from outside a
 * large site must give the same nearest distances as brute force over all metal pairs. */
static void test_far_from_large_cluster(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    const double a = 3.52, b[4][3] = {{0, 0, 0}, {.5, .5, 0}, {.5, 0, .5}, {0, .5, .5}};
    add(s, "Fe", 40.0, 3.0, -2.0);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            for (int k = 0; k < 4; k++)
                for (int q = 0; q < 4; q++)
                    add(s, "Ni", (i + b[q][0]) * a, (j + b[q][1]) * a, (k + b[q][2]) * a);
    add(s, "Cu", -70.0, 5.0, 1.0);
    dac_site_analysis *a_ = analyze(s, NULL);
    assert_int_equal(a_->n_sites, 3);
    assert_int_equal(a_->sites[1].n_atoms, 256);
    /* brute force: nearest metal of another site for each site */
    for (size_t k = 0; k < 3; k++) {
        double best = INFINITY;
        const dac_site *site = &a_->sites[k];
        for (size_t q = 0; q < site->n_atoms; q++)
            for (size_t j = 0; j < s->n_atoms; j++) {
                int mine = 0;
                for (size_t r = 0; r < site->n_atoms; r++)
                    mine |= site->atoms[r] == j;
                if (mine)
                    continue;
                const double *p = s->position_A + 3 * site->atoms[q], *o = s->position_A + 3 * j;
                best = fmin(best, sqrt((p[0] - o[0]) * (p[0] - o[0]) + (p[1] - o[1]) * (p[1] - o[1]) +
                                       (p[2] - o[2]) * (p[2] - o[2])));
            }
        assert_true(fabs(site->nearest_other_site_A - best) < 1e-12);
    }
    dac_site_analysis_free(a_);
    dac_structure_free(s);
}

static void test_no_metal_and_bad_input(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    add(s, "C", 0, 0, 0);
    add(s, "N", 1.4, 0, 0);
    dac_site_analysis *a = analyze(s, NULL);
    assert_int_equal(a->n_sites, 0);
    assert_int_equal(a->n_metal_atoms, 0);
    assert_true(isnan(a->purity_site) && isnan(a->purity_atom));
    dac_site_analysis_free(a);

    dac_site_options opt;
    dac_site_options_default(&opt);
    opt.pair_cutoff_A = -1;
    a = (dac_site_analysis *)1;
    assert_int_equal(dac_struct_analyze(s, &opt, &a), DAC_ERR_USAGE);
    assert_null(a);
    dac_site_options_default(&opt);
    opt.bond_tolerance = NAN;
    assert_int_equal(dac_struct_analyze(s, &opt, &a), DAC_ERR_USAGE);

    s->Z[1] = 0; /* messages number atoms from 1: the second atom is "atom 2" */
    assert_int_equal(dac_struct_analyze(s, NULL, &a), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "atom 2 "));
    s->Z[1] = 500;
    assert_int_equal(dac_struct_analyze(s, NULL, &a), DAC_ERR_INPUT);
    dac_structure_free(s);
}

/* ---- close contacts (issue 7) ---------------------------------------------------- */

/* Expects DAC_ERR_INPUT from the analysis with `what` in the message. */
static void analyze_fails(const dac_structure *s, const dac_site_options *opt, const char *what)
{
    dac_site_analysis *a = (dac_site_analysis *)1;
    int st = dac_struct_analyze(s, opt, &a);
    if (st != DAC_ERR_INPUT || !strstr(dac_last_error(), what))
        print_error("status %d, message '%s', expected '%s'\n", st, dac_last_error(), what);
    assert_int_equal(st, DAC_ERR_INPUT);
    assert_null(a);
    assert_non_null(strstr(dac_last_error(), what));
}

/* Two Ni at one place were reported as a pair at 0.000 Å with purity 1. No bond is
 * shorter than H2's 0.74 Å, so atoms closer than min_distance_A (0.5 Å) are bad input,
 * named by their 1-based numbers; the limit is an option. */
static void test_coincident_atoms_refused(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    add(s, "C", 10, 10, 10);
    add_mn4(s, "Ni", 0, 0); /* atoms 2–6 */
    add(s, "Ni", 0, 0, 0);  /* atom 7, on top of atom 2 */
    analyze_fails(s, NULL, "atom 2 (Ni) and atom 7 (Ni) are 0.000 Å apart");
    s->position_A[3 * 6] = 0.3; /* 0.3 Å: still closer than any bond */
    analyze_fails(s, NULL, "are 0.300 Å apart");
    s->position_A[3 * 6] = 0.6; /* 0.6 Å: allowed by default, refused with 0.7 */
    dac_site_analysis *a = analyze(s, NULL);
    assert_int_equal(a->count[DAC_SITE_PAIR], 1);
    dac_site_analysis_free(a);
    dac_site_options opt;
    dac_site_options_default(&opt);
    assert_true(opt.min_distance_A == 0.5);
    opt.min_distance_A = 0.7;
    analyze_fails(s, &opt, "min_distance_A = 0.7 Å");
    /* a non-metal on a non-metal is as impossible (atom 1 is C, atom 8 its double) */
    s->position_A[3 * 6] = 3.0;
    add(s, "C", 10, 10, 10.2);
    analyze_fails(s, NULL, "atom 1 (C) and atom 8 (C) are 0.200 Å apart");
    dac_structure_free(s);
}

/* Across a periodic boundary, and an atom on its own periodic image (a cell shorter
 * than the limit along a periodic axis). */
static void test_coincident_through_boundary(void **state)
{
    (void)state;
    dac_structure *s = periodic(10, 10, 10, 1, 1, 1);
    add(s, "Ni", 0.05, 5, 5);
    add(s, "Co", 9.95, 5, 5); /* 0.1 Å from the Ni through the boundary */
    analyze_fails(s, NULL, "atom 1 (Ni) and atom 2 (Co) are 0.100 Å apart");
    s->pbc[0] = 0; /* not periodic along a: 9.9 Å apart, two singles */
    dac_site_analysis *a = analyze(s, NULL);
    assert_int_equal(a->count[DAC_SITE_SINGLE], 2);
    dac_site_analysis_free(a);
    dac_structure_free(s);
    s = periodic(0.3, 10, 10, 1, 0, 0);
    add(s, "Ni", 0, 0, 0);
    analyze_fails(s, NULL, "atom 1 (Ni) and its own periodic image are 0.300 Å apart");
    dac_structure_free(s);
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static long max_rss_MB(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024; /* Linux: kilobytes */
}

/* 40 000 Ni at one point took 5.8 GB before failing (the neighbour list held n²
 * entries); 2 000 overlapping atoms ran for more than 20 s. The close-contact check runs
 * first in memory O(n) and stops at the first contact: both fail at once, and the
 * process stays small. (Measured after the fix: well under 0.1 s and a few MB.) */
static void test_dense_piles_fail_fast(void **state)
{
    (void)state;
    long rss_before = max_rss_MB();
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    for (int i = 0; i < 40000; i++)
        add(s, "Ni", 1, 2, 3);
    double t0 = cpu_seconds();
    analyze_fails(s, NULL, "atom 1 (Ni) and atom 2 (Ni) are 0.000 Å apart");
    assert_true(cpu_seconds() - t0 < 2.0);
    dac_structure_free(s);

    dac_rng rng;
    dac_rng_seed(&rng, 7);
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    for (int i = 0; i < 2000; i++) /* a 2 Å ball: 2 000 atoms cannot keep 0.5 Å apart */
        add(s, "Pt", 2 * dac_rng_uniform(&rng), 2 * dac_rng_uniform(&rng), 2 * dac_rng_uniform(&rng));
    t0 = cpu_seconds();
    analyze_fails(s, NULL, "closer than any bond");
    assert_true(cpu_seconds() - t0 < 2.0);
    dac_structure_free(s);
    /* the 40 000 atoms themselves take 1.3 MB; the old list took gigabytes */
    assert_true(max_rss_MB() - rss_before < 200);
}

/* A dense but physical site (fcc Pt, 2.77 Å apart, 4 000 atoms) still analyses fast. */
static void test_dense_real_cluster_is_fine(void **state)
{
    (void)state;
    dac_structure *s = NULL;
    assert_int_equal(dac_structure_create(0, &s), DAC_OK);
    const double a = 3.92, b[4][3] = {{0, 0, 0}, {.5, .5, 0}, {.5, 0, .5}, {0, .5, .5}};
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < 10; j++)
            for (int k = 0; k < 10; k++)
                for (int q = 0; q < 4; q++)
                    add(s, "Pt", (i + b[q][0]) * a, (j + b[q][1]) * a, (k + b[q][2]) * a);
    double t0 = cpu_seconds();
    dac_site_analysis *an = analyze(s, NULL);
    assert_true(cpu_seconds() - t0 < 2.0);
    assert_int_equal(an->n_sites, 1);
    assert_int_equal(an->sites[0].n_atoms, 4000);
    assert_string_equal(an->sites[0].elements, "Pt4000");
    dac_site_analysis_free(an);
    dac_structure_free(s);
}

/* Bad options name their field (the CLI turns it into the option as typed); a pair
 * cutoff that reaches too many periodic images is the caller's choice, a usage error,
 * and does not ask whether the cell is flat. */
static void test_option_messages(void **state)
{
    (void)state;
    dac_structure *s = periodic(10, 10, 10, 1, 1, 1);
    add(s, "Ni", 1, 1, 1);
    dac_site_options opt;
    dac_site_options_default(&opt);
    opt.pair_cutoff_A = 1e6;
    dac_site_analysis *a = (dac_site_analysis *)1;
    assert_int_equal(dac_struct_analyze(s, &opt, &a), DAC_ERR_USAGE);
    assert_null(a);
    assert_non_null(strstr(dac_last_error(), "pair_cutoff_A = 1e+06 Å"));
    assert_non_null(strstr(dac_last_error(), "periodic images"));
    assert_null(strstr(dac_last_error(), "flat"));
    dac_site_options_default(&opt);
    opt.bond_tolerance = 1e4;
    assert_int_equal(dac_struct_analyze(s, &opt, &a), DAC_ERR_USAGE);
    assert_non_null(strstr(dac_last_error(), "bond_tolerance = 10000"));
    dac_site_options_default(&opt);
    opt.min_distance_A = 0;
    assert_int_equal(dac_struct_analyze(s, &opt, &a), DAC_ERR_USAGE);
    assert_true(strncmp(dac_last_error(), "min_distance_A", 14) == 0);
    /* the analysis keeps the options it ran with */
    dac_site_options_default(&opt);
    opt.pair_cutoff_A = 4.0;
    a = analyze(s, &opt);
    assert_true(a->options.pair_cutoff_A == 4.0 && a->options.min_distance_A == 0.5);
    dac_site_analysis_free(a);
    dac_structure_free(s);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(dac_site_kind_name(DAC_SITE_SINGLE), "single");
    assert_string_equal(dac_site_kind_name(DAC_SITE_PAIR), "pair");
    assert_string_equal(dac_site_kind_name(DAC_SITE_CLUSTER), "cluster");
    assert_string_equal(dac_synergy_name(DAC_SYNERGY_DIRECT), "direct");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_site),
        cmocka_unit_test(test_pair_shared_nitrogen_counted_once),
        cmocka_unit_test(test_synergy_rule),
        cmocka_unit_test(test_mixed_sites_order_and_purity),
        cmocka_unit_test(test_label_order),
        cmocka_unit_test(test_bond_tolerance),
        cmocka_unit_test(test_periodic_pair_and_images),
        cmocka_unit_test(test_extended_network),
        cmocka_unit_test(test_far_nearest_site),
        cmocka_unit_test(test_far_from_large_cluster),
        cmocka_unit_test(test_no_metal_and_bad_input),
        cmocka_unit_test(test_coincident_atoms_refused),
        cmocka_unit_test(test_coincident_through_boundary),
        cmocka_unit_test(test_dense_piles_fail_fast),
        cmocka_unit_test(test_dense_real_cluster_is_fine),
        cmocka_unit_test(test_option_messages),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

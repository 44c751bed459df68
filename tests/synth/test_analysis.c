/*
 * test_analysis.c — the lattice's sites are the sites `dac struct analyze` finds in the
 * structure the engine writes: the same counts of singles, pairs and clusters and the
 * same labels ("Ni2-N3C4"), after a round trip through an extended XYZ file. Scenarios
 * that stress the shell geometry: clusters on and off pockets, and pockets that touch
 * (co-pyrolysis), dual pockets left half empty by atoms that escaped (weak pockets, no
 * bonds), heteronuclear pairs on carbon nitride, and the square lattice. Also: the
 * geometry check refuses spacings at which dac struct would see other pairs.
 */
#include "synth_test.h"

#include "core/sort.h"

static int compare_str(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Labels of every site, sorted, from a dac struct analysis. */
static char **struct_labels(const dac_site_analysis *A)
{
    char **l = calloc(A->n_sites + 1, sizeof *l);
    assert_non_null(l);
    for (size_t k = 0; k < A->n_sites; k++)
        l[k] = A->sites[k].label;
    assert_int_equal(dac_sort(l, A->n_sites, sizeof *l, compare_str, NULL), DAC_OK);
    return l;
}

static void round_trip(dac_synth_engine *e, const char *path)
{
    print_message("%s: %llu events\n", path, (unsigned long long)e->events);
    dac_synth_result *r;
    dac_structure *s, *back;
    assert_int_equal(dac_synth_engine_result(e, &r), DAC_OK);
    assert_int_equal(dac_synth_engine_snapshot(e, &s), DAC_OK);
    assert_int_equal(dac_struct_write(path, DAC_FORMAT_EXTXYZ, s, 0), DAC_OK);
    assert_int_equal(dac_struct_read(path, DAC_FORMAT_AUTO, &back), DAC_OK);
    dac_site_analysis *A;
    assert_int_equal(dac_struct_analyze(back, NULL, &A), DAC_OK);
    for (int k = 1; k <= 3; k++)
        assert_int_equal(A->count[k], r->count[k]);
    assert_int_equal(A->n_metal_atoms, r->n_metal_atoms);
    /* the multiset of labels, and of labels per kind */
    char **l = struct_labels(A);
    size_t pos = 0;
    char **mine = calloc(A->n_sites + 1, sizeof *mine);
    for (size_t k = 0; k < r->n_labels; k++)
        for (size_t j = 0; j < r->labels[k].count; j++)
            mine[pos++] = r->labels[k].label;
    assert_int_equal(pos, A->n_sites);
    assert_int_equal(dac_sort(mine, pos, sizeof *mine, compare_str, NULL), DAC_OK);
    for (size_t k = 0; k < pos; k++)
        if (strcmp(mine[k], l[k])) {
            print_error("label %zu: lattice %s, dac struct %s\n", k, mine[k], l[k]);
            fail();
        }
    for (size_t k = 0; k < A->n_sites; k++) /* pairs stay pairs under their own label */
        if (A->sites[k].kind == DAC_SITE_PAIR) {
            size_t j = 0;
            while (j < r->n_labels && strcmp(r->labels[j].label, A->sites[k].label))
                j++;
            assert_true(j < r->n_labels && r->labels[j].kind_count[DAC_SITE_PAIR] > 0);
        }
    free(mine);
    free(l);
    dac_site_analysis_free(A);
    dac_structure_free(back);
    dac_structure_free(s);
    dac_synth_result_free(r);
    remove(path);
}

/* Metal atoms in a pocket with a metal in a neighbouring pocket. */
static size_t anchored_neighbours(const dac_synth_engine *e)
{
    const synth_lattice *g = &e->g;
    size_t n = 0;
    for (size_t i = 0; i < e->n_atoms; i++) {
        const synth_atom *a = &e->atoms[i];
        if (!(e->state[synth_index(g, a->x, a->y)] & SYNTH_POCKET))
            continue;
        for (int d = 0; d < g->z; d++) {
            uint8_t s = e->state[synth_index(g, synth_wrap(a->x + g->dx[d], g->L), synth_wrap(a->y + g->dy[d], g->L))];
            n += (s & SYNTH_POCKET) && (s & SYNTH_OCC);
        }
    }
    return n;
}

static void test_copyrolysis_clusters(void **state)
{
    (void)state;
    dac_synth_params p;
    synth_test_gas(&p, 96, 800, 0, 0);
    p.metal[0].bond_eV[0] = 1.48;
    p.metal[0].atoms = 900;
    p.metal[0].release = DAC_SYNTH_RELEASE_FLUX;
    p.metal[0].release_flux_per_site_s = 1e-2;
    p.pockets = 300;
    p.denitrogenation = 1;
    p.n_loss_activation_min_eV = 1.8; /* shells of mixed N and C within seconds */
    p.segment[0].hold_s = 12;
    dac_synth_engine *e = synth_test_engine(&p, 1);
    synth_test_run(e, 12);
    dac_synth_result *r;
    assert_int_equal(dac_synth_engine_result(e, &r), DAC_OK);
    assert_true(r->count[DAC_SITE_CLUSTER] > 5 && r->count[DAC_SITE_SINGLE] > 5);
    /* pockets touch (uniform placement): their shells meet between two metals */
    print_message("%zu metals in a pocket beside another filled pocket, %zu pairs\n", anchored_neighbours(e),
                  r->count[DAC_SITE_PAIR]);
    assert_true(anchored_neighbours(e) >= 4);
    dac_synth_result_free(r);
    round_trip(e, "synth_analysis_a.extxyz");
    dac_synth_engine_free(e);
}

/* Weak pockets and no bonds: atoms leave their dual pockets, half-empty ones remain. */
static void test_template_escapes(void **state)
{
    (void)state;
    dac_synth_params p;
    synth_test_gas(&p, 64, 1173.15, 0, 0);
    p.route = DAC_SYNTH_TEMPLATE;
    p.metal[0].release = DAC_SYNTH_RELEASE_NONE;
    p.metal[0].pocket_N_binding_eV = p.metal[0].pocket_C_binding_eV = 0.15;
    p.metal[0].hop_barrier_eV = 1.0; /* walkers ~10⁹ hops/s, escapes ~10⁷/s */
    p.complexes = 150;
    p.pockets = 60;
    p.denitrogenation = 1;
    p.n_loss_activation_min_eV = 1.6; /* some shells partly C */
    p.n_loss_activation_width_eV = 1.0;
    p.ligand_activation_eV = 1.0;
    p.segment[0].hold_s = 3e-7;
    dac_synth_engine *e = synth_test_engine(&p, 2);
    synth_test_run(e, 3e-7);
    size_t half = 0;
    for (size_t k = 0; k < e->n_pockets; k++) {
        const synth_pocket *pk = &e->pockets[k];
        if (pk->dual)
            half += !(e->state[synth_index(&e->g, pk->x[0], pk->y[0])] & SYNTH_OCC) !=
                    !(e->state[synth_index(&e->g, pk->x[1], pk->y[1])] & SYNTH_OCC);
    }
    assert_true(half > 10);
    round_trip(e, "synth_analysis_b.extxyz");
    dac_synth_engine_free(e);
}

/* Zn in the pockets of carbon nitride, Ru landing next to them. */
static void test_navigation_hetero(void **state)
{
    (void)state;
    dac_synth_params p;
    synth_test_gas(&p, 96, 298.15, 0, 0);
    p.route = DAC_SYNTH_NAVIGATION;
    p.spacing_A = 2.377;
    p.pocket_period_sites = 3;
    p.n_metals = 2;
    assert_int_equal(synth_metal_defaults(30, &p.metal[0]), DAC_OK);
    assert_int_equal(synth_metal_defaults(44, &p.metal[1]), DAC_OK);
    p.metal[0].release = DAC_SYNTH_RELEASE_IN_POCKETS;
    p.metal[0].atoms = 150;
    p.metal[1].release = DAC_SYNTH_RELEASE_ARRHENIUS;
    p.metal[1].release_activation_eV = 0;
    p.metal[1].release_prefactor_per_s = 1e-2;
    p.metal[1].hop_barrier_eV = 1.0;
    p.metal[1].atoms = 150;
    p.metal[1].capture = 1;
    p.metal[0].bond_eV[1] = p.metal[1].bond_eV[0] = 1.35;
    p.m1 = 0;
    p.light = 1;
    p.segment[0].hold_s = 600;
    dac_synth_engine *e = synth_test_engine(&p, 3);
    synth_test_run(e, 600);
    dac_synth_result *r;
    assert_int_equal(dac_synth_engine_result(e, &r), DAC_OK);
    assert_true(r->pairs_hetero > 50);
    dac_synth_result_free(r);
    round_trip(e, "synth_analysis_c.extxyz");
    dac_synth_engine_free(e);
}

static void test_square_lattice(void **state)
{
    (void)state;
    dac_synth_params p;
    synth_test_gas(&p, 64, 1173.15, 0, 0);
    p.route = DAC_SYNTH_TEMPLATE;
    p.lattice = DAC_SYNTH_SQUARE;
    p.spacing_A = 2.6;
    p.metal[0].release = DAC_SYNTH_RELEASE_NONE;
    p.metal[0].pocket_N_binding_eV = p.metal[0].pocket_C_binding_eV = 0.12;
    p.metal[0].hop_barrier_eV = 1.0;
    p.complexes = 120;
    p.pockets = 40;
    p.denitrogenation = 1;
    p.n_loss_activation_min_eV = 1.6;
    p.ligand_activation_eV = 1.0;
    p.segment[0].hold_s = 3e-7;
    dac_synth_engine *e = synth_test_engine(&p, 4);
    synth_test_run(e, 3e-7);
    round_trip(e, "synth_analysis_d.extxyz");
    dac_synth_engine_free(e);
}

static void test_geometry_check(void **state)
{
    (void)state;
    dac_synth_params p;
    dac_synth_params_default(&p);
    static const int Z[] = {28, 30, 44, 78, 29, 27, 26, 46, 47, 79};
    synth_lattice g;
    const double ok_tri[] = {2.25, 2.377, 2.46, 2.9, 3.1}, ok_sq[] = {2.6, 3.0};
    for (size_t k = 0; k < 5; k++) {
        p.spacing_A = ok_tri[k];
        synth_lattice_init(&g, &p);
        for (size_t m = 0; m < 10; m++)
            assert_int_equal(synth_geometry_check(&g, &Z[m], 1), DAC_OK);
    }
    p.lattice = DAC_SYNTH_SQUARE;
    for (size_t k = 0; k < 2; k++) {
        p.spacing_A = ok_sq[k];
        synth_lattice_init(&g, &p);
        assert_int_equal(synth_geometry_check(&g, Z, 2), DAC_OK);
        assert_int_equal(synth_geometry_check(&g, Z + 2, 2), DAC_OK);
    }
    p.lattice = DAC_SYNTH_TRIANGULAR;
    const double bad[] = {1.9, 2.0, 3.3, 4.0};
    for (size_t k = 0; k < 4; k++) {
        p.spacing_A = bad[k];
        synth_lattice_init(&g, &p);
        assert_int_equal(synth_geometry_check(&g, Z, 1), DAC_ERR_INPUT);
        assert_non_null(strstr(dac_last_error(), "spacing_A"));
    }
}

static void test_label_format(void **state)
{
    (void)state;
    char buf[64];
    int Z[2] = {30, 44}; /* Zn, Ru: Ru first */
    size_t one[2] = {1, 0}, pair[2] = {1, 1}, ni2[2] = {2, 0};
    synth_format_label(Z, one, 2, 4, 0, buf, sizeof buf);
    assert_string_equal(buf, "Zn1-N4");
    synth_format_label(Z, pair, 2, 3, 1, buf, sizeof buf);
    assert_string_equal(buf, "RuZn-N3C1");
    int Ni[1] = {28};
    synth_format_label(Ni, ni2, 1, 3, 4, buf, sizeof buf);
    assert_string_equal(buf, "Ni2-N3C4");
    synth_format_label(Ni, ni2, 1, 0, 7, buf, sizeof buf);
    assert_string_equal(buf, "Ni2-C7");
    synth_format_label(Ni, one, 1, 0, 0, buf, sizeof buf);
    assert_string_equal(buf, "Ni1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_format), cmocka_unit_test(test_geometry_check),
        cmocka_unit_test(test_copyrolysis_clusters), cmocka_unit_test(test_template_escapes),
        cmocka_unit_test(test_navigation_hetero), cmocka_unit_test(test_square_lattice)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

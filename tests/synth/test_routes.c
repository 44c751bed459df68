/*
 * test_routes.c — the example recipes show what the issue asks of them (docs/synth.md):
 *  - template Ni2 at 700 / 800 / 900 °C: mean shell N of the pairs 7 / 5 / 3 ± 0.5 and
 *    the most frequent pair label Ni2-N7 / Ni2-N5C2 / Ni2-N3C4 (the review's labels; the
 *    two N-loss parameters are calibrated to them, tests/synth/test_program.c);
 *  - template pair purity ≥ 0.85 at the documented loading, co-pyrolysis at the same Ni
 *    loading far below it;
 *  - navigation ZnRu: heteronuclear pair purity > 0.8 with light, far lower (< 0.3) in
 *    the dark;
 *  - same seed, same structure; another seed, another.
 * The recipes are read from examples/synth/ (DAC_SOURCE_DIR).
 */
#include "synth_test.h"

static dac_synth_result *run_example(const char *name, const char *const *set, size_t n_set, uint64_t seed,
                                     dac_structure **snap)
{
    const char *src = getenv("DAC_SOURCE_DIR");
    if (!src)
        skip();
    char path[2048];
    snprintf(path, sizeof path, "%s/examples/synth/%s", src, name);
    dac_synth_params p;
    int st = dac_synth_recipe_read(path, set, n_set, &p);
    if (st)
        print_error("%s: %s\n", path, dac_last_error());
    assert_int_equal(st, DAC_OK);
    dac_synth_engine *e = synth_test_engine(&p, seed);
    synth_test_run(e, dac_synth_engine_end_s(e));
    dac_synth_result *r;
    assert_int_equal(dac_synth_engine_result(e, &r), DAC_OK);
    if (snap)
        assert_int_equal(dac_synth_engine_snapshot(e, snap), DAC_OK);
    dac_synth_engine_free(e);
    return r;
}

static void test_template_labels(void **state)
{
    (void)state;
    const char *files[3] = {"template_ni2_700C.yaml", "template_ni2_800C.yaml", "template_ni2_900C.yaml"};
    const char *labels[3] = {"Ni2-N7", "Ni2-N5C2", "Ni2-N3C4"};
    const double N[3] = {7, 5, 3};
    for (int k = 0; k < 3; k++) {
        dac_synth_result *r = run_example(files[k], NULL, 0, 1, NULL);
        print_message("%s: mean shell N %.2f, most frequent pair %s, purity %.3f\n", files[k],
                      r->mean_shell_N_pairs, dac_synth_result_top_label(r, DAC_SITE_PAIR), r->purity_site);
        assert_true(fabs(r->mean_shell_N_pairs - N[k]) <= 0.5);
        assert_string_equal(dac_synth_result_top_label(r, DAC_SITE_PAIR), labels[k]);
        assert_true(r->purity_site >= 0.85);
        dac_synth_result_free(r);
    }
    /* the model's prediction at 1000 °C (reported in docs/synth.md) */
    const char *hot[1] = {"temperature_program.segments.0.to_C=1000"};
    dac_synth_result *r = run_example(files[2], hot, 1, 1, NULL);
    print_message("1000 °C: mean shell N %.2f, most frequent pair %s\n", r->mean_shell_N_pairs,
                  dac_synth_result_top_label(r, DAC_SITE_PAIR));
    assert_true(r->mean_shell_N_pairs < 2.0);
    dac_synth_result_free(r);
}

static void test_template_beats_copyrolysis(void **state)
{
    (void)state;
    dac_synth_result *t = run_example("template_ni2_800C.yaml", NULL, 0, 2, NULL);
    dac_synth_result *c = run_example("copyrolysis_ni.yaml", NULL, 0, 2, NULL); /* also 0.2 Ni/nm² */
    print_message("pair purity at 0.2 Ni/nm²: template %.3f, co-pyrolysis %.3f\n", t->purity_site, c->purity_site);
    assert_true(t->purity_site >= 0.85);
    assert_true(c->purity_site < 0.2);
    assert_true(c->count[DAC_SITE_CLUSTER] > 0 && c->count[DAC_SITE_SINGLE] > 0); /* a mixture */
    dac_synth_result_free(t);
    dac_synth_result_free(c);
}

static void test_navigation_light(void **state)
{
    (void)state;
    dac_synth_result *on = run_example("navigation_znru_light.yaml", NULL, 0, 3, NULL);
    dac_synth_result *off = run_example("navigation_znru_dark.yaml", NULL, 0, 3, NULL);
    print_message("hetero-pair purity: light %.3f, dark %.3f\n", on->hetero_purity_site, off->hetero_purity_site);
    assert_true(on->hetero_purity_site > 0.8);
    assert_true(off->hetero_purity_site < 0.3);
    assert_string_equal(dac_synth_result_top_label(on, 0), "RuZn-N4");
    dac_synth_result_free(on);
    dac_synth_result_free(off);
}

static int same_structure(const dac_structure *a, const dac_structure *b)
{
    if (a->n_atoms != b->n_atoms)
        return 0;
    return !memcmp(a->Z, b->Z, a->n_atoms * sizeof *a->Z) &&
           !memcmp(a->position_A, b->position_A, 3 * a->n_atoms * sizeof(double));
}

static void test_reproducible(void **state)
{
    (void)state;
    const char *small[1] = {"lattice.sites_per_side=160"};
    dac_structure *a, *b, *c;
    dac_synth_result *ra = run_example("copyrolysis_ni.yaml", small, 1, 7, &a);
    dac_synth_result *rb = run_example("copyrolysis_ni.yaml", small, 1, 7, &b);
    dac_synth_result *rc = run_example("copyrolysis_ni.yaml", small, 1, 8, &c);
    assert_true(same_structure(a, b));
    assert_true(ra->events == rb->events && ra->sim_time_s == rb->sim_time_s);
    assert_false(same_structure(a, c));
    dac_structure_free(a);
    dac_structure_free(b);
    dac_structure_free(c);
    dac_synth_result_free(ra);
    dac_synth_result_free(rb);
    dac_synth_result_free(rc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_template_labels),
                                       cmocka_unit_test(test_template_beats_copyrolysis),
                                       cmocka_unit_test(test_navigation_light), cmocka_unit_test(test_reproducible)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

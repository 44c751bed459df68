/*
 * test_recipe.c — reading recipes: the examples, units in every key, overrides, and
 * bad input refused with the file, the line and the key (exit 3 in the CLI). The recipe
 * fuzzer's seeds are replayed by tests/fuzz/test_corpus.c.
 */
#include "synth_test.h"

static const char *base =
    "route: co-pyrolysis\n"
    "lattice:\n"
    "  sites_per_side: 64\n"
    "metals:\n"
    "  - element: Ni\n"
    "    loading_atoms_nm2: 0.2\n"
    "temperature_program:\n"
    "  start_C: 25\n"
    "  segments:\n"
    "    - ramp_K_per_min: 5\n"
    "      to_C: 900\n"
    "    - hold_min: 10\n";

static int parse(const char *text, const char *const *set, size_t n, dac_synth_params *p)
{
    return dac_synth_recipe_parse(text, strlen(text), "r.yaml", set, n, p);
}

static void test_base(void **state)
{
    (void)state;
    dac_synth_params p;
    assert_int_equal(parse(base, NULL, 0, &p), DAC_OK);
    assert_int_equal(p.route, DAC_SYNTH_COPYROLYSIS);
    assert_int_equal(p.sites_per_side, 64);
    assert_int_equal(p.n_metals, 1);
    assert_int_equal(p.metal[0].Z, 28);
    assert_int_equal(p.metal[0].release, DAC_SYNTH_RELEASE_ARRHENIUS);
    double area = dac_synth_params_area_nm2(&p);
    assert_near(area, 64.0 * 64 * 2.46 * 2.46 * sqrt(3) / 2 / 100, 1e-9);
    assert_int_equal(p.metal[0].atoms, (size_t)llround(0.2 * area));
    assert_near(p.metal[0].bond_eV[0], 4.44 / 3, 1e-12); /* 2 E_coh / 6, Kittel */
    assert_int_equal(p.n_segments, 2);
    assert_near(p.segment[0].to_K, 1173.15, 1e-9);
    assert_near(p.segment[1].hold_s, 600, 1e-9);
    assert_near(dac_synth_params_duration_s(&p), 875 / 5.0 * 60 + 600, 1e-6);
}

static void test_overrides(void **state)
{
    (void)state;
    dac_synth_params p;
    const char *set[3] = {"lattice.sites_per_side=128", "metals.0.hop_barrier_eV=0.45",
                          "temperature_program.segments.2.hold_s=30"};
    assert_int_equal(parse(base, set, 3, &p), DAC_OK);
    assert_int_equal(p.sites_per_side, 128);
    assert_near(p.metal[0].hop_barrier_eV, 0.45, 0);
    assert_int_equal(p.n_segments, 3);
    const char *bad[1] = {"no_equals_sign"};
    assert_int_equal(parse(base, bad, 1, &p), DAC_ERR_USAGE);
    const char *unknown[1] = {"lattice.size=4"};
    assert_int_equal(parse(base, unknown, 1, &p), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "lattice.size"));
}

static void test_examples(void **state)
{
    (void)state;
    const char *src = getenv("DAC_SOURCE_DIR");
    if (!src)
        skip();
    static const char *files[] = {"copyrolysis_ni.yaml", "template_ni2_700C.yaml", "template_ni2_800C.yaml",
                                  "template_ni2_900C.yaml", "template_ni2_ncnt.yaml",
                                  "navigation_znru_light.yaml", "navigation_znru_dark.yaml"};
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/examples/synth/%s", src, files[k]);
        dac_synth_params p;
        int st = dac_synth_recipe_read(path, NULL, 0, &p);
        if (st)
            print_error("%s: %s\n", files[k], dac_last_error());
        assert_int_equal(st, DAC_OK);
        assert_true(dac_synth_params_duration_s(&p) > 0);
        if (strstr(files[k], "navigation")) {
            assert_int_equal(p.route, DAC_SYNTH_NAVIGATION);
            assert_int_equal(p.light, strstr(files[k], "light") != NULL);
        }
    }
}

/* Each bad recipe: the text replaces `from` in base with `to`; the message must name
 * the key (or what is wrong) and the line. */
typedef struct {
    const char *from, *to, *expect, *line;
} bad_case;

static void test_bad_input(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {"  sites_per_side: 64\n", "  sites_per_side: 64\n  colour: red\n", "unknown key 'lattice.colour'", "r.yaml:4:"},
        {"    loading_atoms_nm2: 0.2\n", "    loading_atoms_nm2: 0.2\n    hop_barrier: 0.3\n", "hop_barrier_eV", "r.yaml:7:"},
        {"    loading_atoms_nm2: 0.2\n", "    loading_atoms_nm2: 0.2\n    release_prefactor_per_s: -1\n", "release_prefactor_per_s", "r.yaml:7:"},
        {"    loading_atoms_nm2: 0.2\n", "    loading_atoms_nm2: .nan\n", "loading_atoms_nm2", "r.yaml:6:"},
        {"    loading_atoms_nm2: 0.2\n", "    loading_atoms_nm2: 1e9\n", "above the number of lattice sites", "r.yaml:6:"},
        {"    loading_atoms_nm2: 0.2\n", "    loading_atoms_nm2: -0.1\n", "loading_atoms_nm2", "r.yaml:6:"},
        {"  start_C: 25\n", "  start_C: -300\n", "start_C", "r.yaml:8:"},
        {"      to_C: 900\n", "      to_K: -5\n", "to_K", "r.yaml:11:"},
        {"      to_C: 900\n", "      to_C: inf\n", "to_C", "r.yaml:11:"},
        {"    - ramp_K_per_min: 5\n", "    - ramp_K_per_min: -5\n", "ramp_K_per_min", "r.yaml:10:"},
        {"  sites_per_side: 64\n", "  sites_per_side: 8\n", "sites_per_side", "r.yaml:3:"},
        {"  sites_per_side: 64\n", "  sites_per_side: 100\n", "multiple of 8", "r.yaml:3:"},
        {"route: co-pyrolysis\n", "route: sol-gel\n", "route", "r.yaml:1:"},
        {"route: co-pyrolysis\n", "", "missing key 'route'", "r.yaml:"},
        {"  - element: Ni\n", "  - element: Xx\n", "metals.0.element", "r.yaml:5:"},
        {"  - element: Ni\n", "  - element: N\n", "metals.0.element", "r.yaml:5:"},
        {"metals:\n", "template:\n  complexes: 3\nmetals:\n", "only for route: template", "r.yaml:5:"},
        {"    - hold_min: 10\n", "    - hold_min: 10\n      hold_s: 3\n", "one hold duration", "r.yaml:12:"},
        {"      to_C: 900\n", "", "to_C", "r.yaml"},
        {"  sites_per_side: 64\n", "  sites_per_side: [64\n", "YAML", "r.yaml:"},
        {"  sites_per_side: 64\n", "  sites_per_side: 64\n  spacing_A: 0\n", "spacing_A", "r.yaml:4:"},
        {"metals:\n", "support:\n  pocket_min_separation_sites: 0\nmetals:\n", "pocket_min_separation_sites", "r.yaml:5:"},
        {"metals:\n", "support:\n  pocket_period_sites: 4\n  pocket_min_separation_sites: 2\nmetals:\n",
         "not to a superlattice", "r.yaml:6:"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const bad_case *c = &cases[k];
        char text[4096];
        const char *at = strstr(base, c->from);
        assert_non_null(at);
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - base), base, c->to, at + strlen(c->from));
        dac_synth_params p;
        int st = parse(text, NULL, 0, &p);
        const char *msg = dac_last_error();
        if (st != DAC_ERR_INPUT || !strstr(msg, c->expect) || strncmp(msg, c->line, strlen(c->line)))
            print_error("case %zu: status %d, message '%s' (expected '%s' at '%s')\n", k, st, msg, c->expect, c->line);
        assert_int_equal(st, DAC_ERR_INPUT);
        assert_non_null(strstr(msg, c->expect));
        assert_int_equal(strncmp(msg, c->line, strlen(c->line)), 0);
    }
}

/* Parameters that read but cannot be realised are refused by the engine, not crashed on. */
static void test_engine_refuses(void **state)
{
    (void)state;
    dac_synth_params p;
    const char *tight[1] = {"lattice.spacing_A=1.8"};
    assert_int_equal(parse(base, tight, 1, &p), DAC_ERR_INPUT); /* the reader says it first */
    assert_non_null(strstr(dac_last_error(), "spacing_A"));
    assert_int_equal(parse(base, NULL, 0, &p), DAC_OK);
    p.spacing_A = 1.8; /* a program filling the object by hand: the engine refuses */
    dac_synth_engine *e = NULL;
    assert_int_equal(dac_synth_engine_create(&p, 1, &e), DAC_ERR_INPUT);
    assert_null(e);
    assert_non_null(strstr(dac_last_error(), "spacing_A"));
    static const char *crowded =
        "route: navigation\n"
        "lattice: {sites_per_side: 16}\n"
        "support: {pocket_period_sites: 4}\n"
        "metals: [{element: Zn}, {element: Ru}]\n"
        "navigation: {m1: Zn, m1_atoms: 20, m2: Ru, m2_atoms: 5}\n"
        "temperature_program: {segments: [{hold_min: 1}]}\n";
    assert_int_equal(parse(crowded, NULL, 0, &p), DAC_OK); /* 20 Zn, but 16 pockets */
    assert_int_equal(dac_synth_engine_create(&p, 1, &e), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "pockets"));
    /* pockets that cannot keep the separation asked for: refused, not looped on */
    const char *apart[2] = {"support.pockets_per_nm2=2", "support.pocket_min_separation_sites=4"};
    assert_int_equal(parse(base, apart, 2, &p), DAC_OK);
    assert_int_equal(dac_synth_engine_create(&p, 1, &e), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "pocket_min_separation_sites"));
    assert_int_equal(dac_synth_recipe_read("/nonexistent/recipe.yaml", NULL, 0, &p), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "/nonexistent/recipe.yaml"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_base), cmocka_unit_test(test_overrides),
                                       cmocka_unit_test(test_examples), cmocka_unit_test(test_bad_input),
                                       cmocka_unit_test(test_engine_refuses)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_sweep.c — the sweep runner (core/sweep.c) and `dac synth sweep` in the library:
 * axes parse as documented, points come in grid order with repeats fastest, every
 * worker sees one contiguous block in increasing order, the table is the same bytes
 * for 1, 2 and 3 threads, the lowest failing point is the one reported, and a synthesis
 * sweep row is the run `dac synth --seed S --set …` gives alone.
 */
#include <stdio.h>

#include "synth_test.h"

#include "core/sweep.h"

static void test_parse_axis(void **state)
{
    (void)state;
    dac_sweep_axis a;
    assert_int_equal(dac_sweep_parse_axis("template.complexes_per_nm2=0.1:0.3:0.1", &a), DAC_OK);
    assert_string_equal(a.key, "template.complexes_per_nm2");
    assert_int_equal(a.n, 3); /* 0.1, 0.2, 0.3 despite rounding */
    assert_int_equal(dac_sweep_parse_axis("T=700:900:100", &a), DAC_OK);
    assert_int_equal(a.n, 3);
    assert_int_equal(dac_sweep_parse_axis("x=0:1:0.3", &a), DAC_OK);
    assert_int_equal(a.n, 4); /* 0, 0.3, 0.6, 0.9 */
    static const char *bad[] = {"x", "=1:2:1", "x=1:2", "x=1:2:0", "x=2:1:1", "x=a:2:1", "x=1:2:1:3", "x=0:1e9:1e-3"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(dac_sweep_parse_axis(bad[k], &a), DAC_ERR_USAGE);
        assert_non_null(strstr(dac_last_error(), "--vary"));
    }
}

typedef struct {
    size_t last[8];  /* per worker: last index seen + 1 */
    int order_ok;
    size_t fail_at;  /* indices ≥ this fail */
} probe_ctx;

static int probe(size_t index, const double *v, size_t repeat, int worker, void *vctx, char **row)
{
    probe_ctx *c = vctx;
    if (worker < 8) {
        if (c->last[worker] && index != c->last[worker]) /* contiguous, increasing */
            c->order_ok = 0;
        c->last[worker] = index + 1;
    }
    if (index >= c->fail_at)
        return dac_error(DAC_ERR_INPUT, "point %zu refused", index);
    char buf[128];
    snprintf(buf, sizeof buf, "%zu,%g,%g,%zu", index, v[0], v[1], repeat);
    *row = strdup(buf);
    return *row ? DAC_OK : DAC_ERR_NOMEM;
}

static char *run_probe(const dac_sweep *s, int threads, size_t fail_at, int *status)
{
    probe_ctx c = {{0}, 1, fail_at};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    *status = dac_sweep_run(s, probe, &c, threads, "index,a,b,repeat", f, NULL, NULL);
    fclose(f);
    assert_true(c.order_ok);
    return text;
}

static void test_run_threads(void **state)
{
    (void)state;
    dac_sweep_axis ax[2];
    assert_int_equal(dac_sweep_parse_axis("a=1:3:1", &ax[0]), DAC_OK);
    assert_int_equal(dac_sweep_parse_axis("b=10:20:10", &ax[1]), DAC_OK);
    dac_sweep *s;
    assert_int_equal(dac_sweep_create(ax, 2, 2, &s), DAC_OK);
    assert_int_equal(dac_sweep_size(s), 12);
    double v[2];
    size_t rep;
    dac_sweep_point(s, 5, v, &rep); /* (a, b, repeat) = (2, 10, 1) */
    assert_near(v[0], 2, 0);
    assert_near(v[1], 10, 0);
    assert_int_equal(rep, 1);
    int st;
    char *one = run_probe(s, 1, SIZE_MAX, &st);
    assert_int_equal(st, DAC_OK);
    assert_non_null(strstr(one, "index,a,b,repeat\n0,1,10,0\n1,1,10,1\n2,1,20,0\n"));
    for (int threads = 2; threads <= 3; threads++) {
        char *many = run_probe(s, threads, SIZE_MAX, &st);
        assert_int_equal(st, DAC_OK);
        assert_string_equal(one, many);
        free(many);
    }
    free(one);
    /* points 7 … fail: point 7 is reported, whatever the split */
    for (int threads = 1; threads <= 3; threads++) {
        free(run_probe(s, threads, 7, &st));
        assert_int_equal(st, DAC_ERR_INPUT);
        if (!strstr(dac_last_error(), "sweep point 7 (a=2, b=20, repeat 1): point 7 refused"))
            print_error("%s\n", dac_last_error());
        assert_non_null(strstr(dac_last_error(), "sweep point 7 (a=2, b=20, repeat 1): point 7 refused"));
    }
    dac_sweep_free(s);
}

static const char *recipe =
    "route: co-pyrolysis\n"
    "lattice: {sites_per_side: 48}\n"
    "support: {pockets_per_nm2: 0.3}\n"
    "metals: [{element: Ni, loading_atoms_nm2: 0.2}]\n"
    "temperature_program:\n"
    "  segments: [{ramp_K_per_min: 20, to_C: 600}, {hold_min: 5}]\n";

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_synth_sweep(void **state)
{
    (void)state;
    FILE *f = fopen("synth_sweep_recipe.yaml", "w");
    assert_non_null(f);
    fputs(recipe, f);
    fclose(f);
    const char *vary[2] = {"metals.0.loading_atoms_nm2=0.1:0.3:0.2", "temperature_program.segments.0.to_C=500:600:100"};
    dac_synth_sweep_options o = {"synth_sweep_recipe.yaml", NULL, 0, vary, 2, 2, 40, 1};
    size_t runs = 0;
    assert_int_equal(dac_synth_sweep(&o, "synth_sweep_1.csv", NULL, NULL, NULL, &runs), DAC_OK);
    assert_int_equal(runs, 8);
    o.n_threads = 2;
    assert_int_equal(dac_synth_sweep(&o, "synth_sweep_2.csv", NULL, NULL, NULL, &runs), DAC_OK);
    char *a = read_text("synth_sweep_1.csv"), *b = read_text("synth_sweep_2.csv");
    assert_string_equal(a, b);
    assert_int_equal(strncmp(a, "index,repeat,seed,metals.0.loading_atoms_nm2,temperature_program.segments.0.to_C,events,", 87), 0);
    /* row 5 = (loading 0.3, 500 °C, repeat 1), seed 45: the same as a single run */
    const char *row = a;
    for (int k = 0; k < 6; k++)
        row = strchr(row, '\n') + 1;
    unsigned long idx, rep, seed, events;
    double load, T;
    assert_int_equal(sscanf(row, "%lu,%lu,%lu,%lf,%lf,%lu,", &idx, &rep, &seed, &load, &T, &events), 6);
    assert_int_equal(idx, 5);
    assert_int_equal(seed, 45);
    const char *set[2] = {"metals.0.loading_atoms_nm2=0.3", "temperature_program.segments.0.to_C=500"};
    dac_synth_params p;
    assert_int_equal(dac_synth_recipe_read("synth_sweep_recipe.yaml", set, 2, &p), DAC_OK);
    dac_synth_engine *e = synth_test_engine(&p, seed);
    synth_test_run(e, dac_synth_engine_end_s(e));
    assert_int_equal(e->events, events);
    dac_synth_engine_free(e);
    FILE *fig = fopen("synth_sweep_1_figure.csv", "r"); /* the figure's table, gnuplot or not */
    assert_non_null(fig);
    fclose(fig);
    char *json = read_text("synth_sweep_1.json");
    assert_non_null(strstr(json, "\"record\":\t\"dac synth sweep\""));
    free(json);
    free(a);
    free(b);
    /* a bad axis value is refused before the run, nothing written */
    const char *bad[1] = {"lattice.sites_per_side=12:20:8"};
    o.vary = bad;
    o.n_vary = 1;
    assert_int_equal(dac_synth_sweep(&o, "synth_sweep_3.csv", NULL, NULL, NULL, &runs), DAC_ERR_INPUT);
    assert_null(fopen("synth_sweep_3.csv", "r"));
    remove("synth_sweep_1.csv");
    remove("synth_sweep_2.csv");
    remove("synth_sweep_1.json");
    remove("synth_sweep_2.json");
    remove("synth_sweep_recipe.yaml");
    static const char *ext[] = {"csv", "gp", "svg", "png"};
    for (int k = 0; k < 4; k++)
        for (int j = 1; j <= 2; j++) {
            char name[64];
            snprintf(name, sizeof name, "synth_sweep_%d_figure.%s", j, ext[k]);
            remove(name);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_parse_axis), cmocka_unit_test(test_run_threads),
                                       cmocka_unit_test(test_synth_sweep)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

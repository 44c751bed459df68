/*
 * test_core.c — errors and warnings, units and constants, the element table, atomic
 * output files, CSV quoting, strict number parsing, and YAML configurations (dotted
 * keys with lines, unknown keys, --set overrides, what is refused).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/csv.h"
#include "core/outset.h"
#include "core/parse.h"
#include "core/select.h"
#include "dac/core.h"

static void test_error_context(void **state)
{
    (void)state;
    dac_error_clear();
    assert_string_equal(dac_last_error(), "");
    int st = dac_error_at(DAC_ERR_INPUT, "a.xyz", 7, "expected %d atoms", 3);
    assert_int_equal(st, DAC_ERR_INPUT);
    assert_string_equal(dac_last_error(), "a.xyz:7: expected 3 atoms");
    assert_int_equal(dac_last_error_code(), DAC_ERR_INPUT);
    assert_int_equal(dac_status_exit_code(DAC_ERR_INPUT), 3);
    assert_int_equal(dac_status_exit_code(DAC_ERR_USAGE), 2);
    assert_int_equal(dac_status_exit_code(DAC_ERR_NOMEM), 1);
    dac_warn("first %s", "note");
    assert_int_equal(dac_warning_count(), 1);
    assert_string_equal(dac_warning(0), "first note");
    dac_warnings_clear();
    assert_int_equal(dac_warning_count(), 0);
}

/* λ = 12.2643/sqrt(V(1+0.97848e-6 V)) Å (docs/science.md §3): 2.508 pm at 200 kV, 1.969 pm at 300 kV. */
static void test_wavelength(void **state)
{
    (void)state;
    assert_true(fabs(dac_electron_wavelength_A(200e3) - 0.02508) < 0.00001);
    assert_true(fabs(dac_electron_wavelength_A(300e3) - 0.01969) < 0.00001);
    double V = 80e3;
    double approx = 12.2643 / sqrt(V * (1 + 0.97848e-6 * V));
    assert_true(fabs(dac_electron_wavelength_A(V) / approx - 1) < 1e-4);
}

/* 8.90 kcal/mol at 298.15 K speeds a step by exp(8.90/0.5925) ≈ 3.3e6 (docs/science.md §4). */
static void test_units(void **state)
{
    (void)state;
    assert_true(fabs(dac_unit_eV_to_kJ_mol(1.0) - 96.485332) < 1e-4);
    assert_true(fabs(dac_unit_eV_to_kcal_mol(1.0) - 23.060548) < 1e-4);
    assert_true(fabs(dac_unit_kcal_mol_to_eV(dac_unit_eV_to_kcal_mol(0.7)) - 0.7) < 1e-12);
    double kT_kcal = dac_unit_eV_to_kcal_mol(DAC_KB_EV_PER_K * 298.15);
    assert_true(fabs(kT_kcal - 0.5925) < 1e-4);
    double speedup = exp((16.99 - 8.09) / kT_kcal);
    assert_true(speedup > 3.2e6 && speedup < 3.4e6);
    assert_true(fabs(dac_unit_C_to_K(700) - 973.15) < 1e-12);
    assert_true(fabs(dac_unit_K_to_C(273.15)) < 1e-12);
}

static void test_elements(void **state)
{
    (void)state;
    const dac_element *ni = dac_element_by_symbol("Ni");
    assert_non_null(ni);
    assert_int_equal(ni->Z, 28);
    assert_true(ni->is_metal);
    assert_true(fabs(ni->covalent_radius_A - 1.24) < 1e-9);
    assert_true(fabs(ni->haadf_sigma_1e4A2 - 12.5) < 1e-9);
    const dac_element *pt = dac_element_by_Z(78);
    assert_string_equal(pt->symbol, "Pt");
    assert_true(fabs(pt->haadf_sigma_1e4A2 - 85.7) < 1e-9);
    assert_false(dac_element_by_symbol("N")->is_metal);
    assert_false(dac_element_by_symbol("C")->is_metal);
    assert_null(dac_element_by_symbol("Xx"));
    assert_null(dac_element_by_symbol("NI"));
    assert_null(dac_element_by_Z(0));
    assert_true(dac_element_count() >= 96);
    /* Every row parsed: Z = index, radii positive. */
    for (int Z = 1; Z <= dac_element_count(); Z++) {
        const dac_element *e = dac_element_by_Z(Z);
        assert_non_null(e);
        assert_int_equal(e->Z, Z);
        assert_true(e->covalent_radius_A > 0.2 && e->covalent_radius_A < 3.0);
        assert_true(e->mass_u > 0.9);
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_outfile_atomic(void **state)
{
    (void)state;
    char dir[] = "/tmp/dac_test_outXXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/out.csv", dir);

    dac_outset *o;
    FILE *f;
    assert_int_equal(dac_outset_create_file(path, &o, &f), DAC_OK);
    dac_csv_write_field(f, "name", 0);
    dac_csv_write_field(f, "distance_A", 1);
    dac_csv_write_field(f, "a,\"b\"", 0);
    dac_csv_write_number(f, 2.5, 1);
    /* Nothing at the final path before commit. */
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(dac_outset_commit(o), DAC_OK);
    assert_string_equal(slurp(path), "name,distance_A\n\"a,\"\"b\"\"\",2.5\n");

    /* Abort leaves the old file untouched and no temporary behind. */
    assert_int_equal(dac_outset_create_file(path, &o, &f), DAC_OK);
    fputs("partial", f);
    dac_outset_abort(o);
    assert_string_equal(slurp(path), "name,distance_A\n\"a,\"\"b\"\"\",2.5\n");
    remove(path);
    assert_int_equal(rmdir(dir), 0); /* fails if a temporary was left */

    assert_int_equal(dac_outset_create_file("/nonexistent-dir/x.csv", &o, &f), DAC_ERR_RUNTIME);
    assert_non_null(strstr(dac_last_error(), "/nonexistent-dir/x.csv"));
}

static void test_format_double(void **state)
{
    (void)state;
    char buf[40];
    dac_format_double(buf, sizeof buf, 0.1);
    assert_string_equal(buf, "0.1");
    dac_format_double(buf, sizeof buf, 1.0 / 3.0);
    assert_true(strtod(buf, NULL) == 1.0 / 3.0);
    dac_format_double(buf, sizeof buf, NAN);
    assert_string_equal(buf, "nan");
}

static void test_parse(void **state)
{
    (void)state;
    double x;
    long n;
    assert_int_equal(dac_parse_double("1.5e3", &x), DAC_OK);
    assert_true(x == 1500.0);
    assert_int_equal(dac_parse_double("1.5x", &x), DAC_ERR_INPUT);
    assert_int_equal(dac_parse_double("", &x), DAC_ERR_INPUT);
    assert_int_equal(dac_parse_double("nan", &x), DAC_ERR_INPUT);
    assert_int_equal(dac_parse_double("1e999", &x), DAC_ERR_INPUT);
    assert_int_equal(dac_parse_long("42", &n), DAC_OK);
    assert_int_equal(n, 42);
    assert_int_equal(dac_parse_long("4.2", &n), DAC_ERR_INPUT);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Quickselect agrees with sorting for every k, with ties and sorted input. */
static void test_select(void **state)
{
    (void)state;
    enum { N = 257 };
    float v[N], sorted[N], work[N];
    dac_rng r;
    dac_rng_seed(&r, 3);
    for (int pass = 0; pass < 3; pass++) {
        for (int i = 0; i < N; i++)
            v[i] = pass == 0 ? (float)dac_rng_normal(&r) : pass == 1 ? (float)(i % 7) : (float)i;
        memcpy(sorted, v, sizeof v);
        qsort(sorted, N, sizeof sorted[0], cmp_float);
        for (int k = 0; k < N; k++) {
            memcpy(work, v, sizeof v);
            assert_true(dac_select_float(work, N, (size_t)k) == sorted[k]);
        }
    }
    float one = 5.0f;
    assert_true(dac_select_float(&one, 1, 0) == 5.0f);
    /* Larger arrays (the partition, not only the final insertion sort): all equal, two
     * values, reversed, and counts with many ties as in an image of electrons. */
    enum { M = 5000 };
    float *x = malloc(sizeof *x * M), *xs = malloc(sizeof *xs * M), *xw = malloc(sizeof *xw * M);
    assert_non_null(x), assert_non_null(xs), assert_non_null(xw);
    for (int pass = 0; pass < 4; pass++) {
        for (int i = 0; i < M; i++)
            x[i] = pass == 0 ? 3.0f : pass == 1 ? (float)(i % 2) : pass == 2 ? (float)(M - i)
                                                               : (float)dac_rng_poisson(&r, 6);
        memcpy(xs, x, sizeof *x * M);
        qsort(xs, M, sizeof xs[0], cmp_float);
        for (int k = 0; k < M; k += 37) {
            memcpy(xw, x, sizeof *x * M);
            assert_true(dac_select_float(xw, M, (size_t)k) == xs[k]);
        }
        memcpy(xw, x, sizeof *x * M);
        assert_true(dac_select_float(xw, M, M - 1) == xs[M - 1]);
    }
    /* Arrays large enough to be narrowed by a sample first (select.c), random and in
     * runs that a strided sample would alias with; every k stays exact and the array a
     * permutation of itself (the MAD callers reuse it). */
    for (int pass = 0; pass < 4; pass++) {
        size_t n = pass < 2 ? 3000 : M; /* the gathered values on the stack, then the heap */
        for (size_t i = 0; i < n; i++)
            x[i] = pass % 2 == 0 ? (float)dac_rng_normal(&r)
                                 : (float)(i % 50) + (float)(i / 50) * 0.001f;
        memcpy(xs, x, sizeof *x * n);
        qsort(xs, n, sizeof xs[0], cmp_float);
        for (size_t k = 0; k < n; k += 13) {
            memcpy(xw, x, sizeof *x * n);
            assert_true(dac_select_float(xw, n, k) == xs[k]);
            qsort(xw, n, sizeof xw[0], cmp_float);
            assert_memory_equal(xw, xs, sizeof *xs * n);
        }
    }
    free(x), free(xs), free(xw);
}

static void test_config(void **state)
{
    (void)state;
    const char *yaml = "study: demo\nprobe:\n  alpha_mrad: 25\n  kv: 300\n"
                       "atoms:\n  - element: Ni\n  - element: Zn\nbad: 12x\n";
    dac_config *c;
    assert_int_equal(dac_config_parse(yaml, strlen(yaml), "s.yaml", &c), DAC_OK);
    assert_string_equal(dac_config_get(c, "study"), "demo");
    assert_string_equal(dac_config_get(c, "probe.alpha_mrad"), "25");
    assert_string_equal(dac_config_get(c, "atoms.1.element"), "Zn");
    assert_int_equal(dac_config_line(c, "probe.kv"), 4);
    double a = 0;
    assert_int_equal(dac_config_get_double(c, "probe.alpha_mrad", &a), DAC_OK);
    assert_true(a == 25.0);
    double untouched = 7;
    assert_int_equal(dac_config_get_double(c, "missing", &untouched), DAC_OK);
    assert_true(untouched == 7);
    assert_int_equal(dac_config_get_double(c, "bad", &a), DAC_ERR_INPUT);
    assert_string_equal(dac_last_error(), "s.yaml:8: key 'bad': expected a number, got '12x'");
    dac_config_free(c);
}

static void test_config_malformed(void **state)
{
    (void)state;
    const char *cases[] = {
        "a: [1, 2\n",          /* unclosed flow sequence */
        "a: 1\na: 2\n",        /* duplicate key */
        "- 1\n- 2\n",          /* top level not a mapping */
        "a: &x 1\nb: *x\n",    /* alias */
        "a:\n\tb: 1\n",        /* tab indentation */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dac_config *c = (dac_config *)1;
        assert_int_equal(dac_config_parse(cases[i], strlen(cases[i]), "bad.yaml", &c), DAC_ERR_INPUT);
        assert_null(c);
        assert_non_null(strstr(dac_last_error(), "bad.yaml:"));
    }
}

/* A reader marks what it reads; dac_config_check_unused then names the first key in
 * the file nobody asked for, with its line (a misspelt key is an error, not ignored). */
static void test_config_unknown_key(void **state)
{
    (void)state;
    const char *yaml = "probe:\n  alpha_mrad: 25\n  alhpa_mrad: 30\n  voltage_kV: 300\n"
                       "seed: 7\nnotes: hello\n";
    dac_config *c;
    assert_int_equal(dac_config_parse(yaml, strlen(yaml), "s.yaml", &c), DAC_OK);
    double alpha = 0;
    long seed = 0;
    assert_int_equal(dac_config_get_double(c, "probe.alpha_mrad", &alpha), DAC_OK);
    assert_int_equal(dac_config_get_long(c, "seed", &seed), DAC_OK);
    assert_int_equal(seed, 7);
    assert_non_null(dac_config_get(c, "probe.voltage_kV"));
    assert_int_equal(dac_config_get_double(c, "probe.absent", &alpha), DAC_OK); /* no key */
    assert_int_equal(dac_config_check_unused(c), DAC_ERR_INPUT);
    assert_string_equal(dac_last_error(), "s.yaml:3: unknown key 'probe.alhpa_mrad'");
    /* The line alone does not count as reading the key. */
    assert_int_equal(dac_config_line(c, "probe.alhpa_mrad"), 3);
    assert_int_equal(dac_config_check_unused(c), DAC_ERR_INPUT);
    assert_non_null(dac_config_get(c, "probe.alhpa_mrad"));
    assert_int_equal(dac_config_check_unused(c), DAC_ERR_INPUT);
    assert_string_equal(dac_last_error(), "s.yaml:6: unknown key 'notes'");
    assert_non_null(dac_config_get(c, "notes"));
    assert_int_equal(dac_config_check_unused(c), DAC_OK);
    dac_config_free(c);
}

/* mark_prefix marks a whole subtree (a section a reader hands on as a block), and only
 * keys that start with the prefix as given. */
static void test_config_mark_prefix(void **state)
{
    (void)state;
    const char *yaml = "mechanism:\n  steps:\n    - name: A\n      dG_eV: 0.1\n    - name: B\n"
                       "  steps_extra: 1\n";
    dac_config *c;
    assert_int_equal(dac_config_parse(yaml, strlen(yaml), "m.yaml", &c), DAC_OK);
    assert_int_equal(dac_config_size(c), 4);
    assert_string_equal(dac_config_key(c, 1), "mechanism.steps.0.dG_eV");
    assert_string_equal(dac_config_value(c, 2), "B");
    assert_null(dac_config_key(c, 4));
    dac_config_mark_prefix(c, "mechanism.steps.");
    assert_int_equal(dac_config_check_unused(c), DAC_ERR_INPUT);
    assert_string_equal(dac_last_error(), "m.yaml:6: unknown key 'mechanism.steps_extra'");
    dac_config_mark_prefix(c, "nothing.");
    dac_config_mark_prefix(c, "mechanism.steps_extra");
    assert_int_equal(dac_config_check_unused(c), DAC_OK);
    dac_config_free(c);
}

/* dac_config_set (--set key=value) replaces a value, keeping the key's line for
 * messages, or adds a key (line 0: messages name the file only); an added key is
 * unknown until read, so a misspelt --set is caught too. */
static void test_config_set(void **state)
{
    (void)state;
    const char *yaml = "probe:\n  alpha_mrad: 25\n";
    dac_config *c;
    assert_int_equal(dac_config_parse(yaml, strlen(yaml), "s.yaml", &c), DAC_OK);
    assert_int_equal(dac_config_set(c, "probe.alpha_mrad", "30x"), DAC_OK);
    assert_int_equal(dac_config_size(c), 1);
    double a = 0;
    assert_int_equal(dac_config_get_double(c, "probe.alpha_mrad", &a), DAC_ERR_INPUT);
    assert_string_equal(dac_last_error(), "s.yaml:2: key 'probe.alpha_mrad': expected a number, got '30x'");
    assert_int_equal(dac_config_set(c, "probe.alpha_mrad", "21.5"), DAC_OK);
    assert_int_equal(dac_config_get_double(c, "probe.alpha_mrad", &a), DAC_OK);
    assert_true(a == 21.5);

    assert_int_equal(dac_config_set(c, "probe.defocus_A", "-40"), DAC_OK);
    assert_int_equal(dac_config_size(c), 2);
    assert_int_equal(dac_config_line(c, "probe.defocus_A"), 0);
    assert_int_equal(dac_config_check_unused(c), DAC_ERR_INPUT);
    assert_string_equal(dac_last_error(), "s.yaml: unknown key 'probe.defocus_A'");
    long d = 0;
    assert_int_equal(dac_config_get_long(c, "probe.defocus_A", &d), DAC_OK);
    assert_int_equal(d, -40);
    assert_int_equal(dac_config_check_unused(c), DAC_OK);
    assert_int_equal(dac_config_set(c, "probe.defocus_A", "x"), DAC_OK);
    assert_int_equal(dac_config_get_long(c, "probe.defocus_A", &d), DAC_ERR_INPUT);
    assert_string_equal(dac_last_error(), "s.yaml: key 'probe.defocus_A': expected an integer, got 'x'");
    dac_config_free(c);
}

/* An empty file is an empty configuration; a file is read with its path as its name,
 * and a missing one is named. */
static void test_config_files(void **state)
{
    (void)state;
    dac_config *c;
    assert_int_equal(dac_config_parse("", 0, "e.yaml", &c), DAC_OK);
    assert_int_equal(dac_config_size(c), 0);
    assert_int_equal(dac_config_check_unused(c), DAC_OK);
    assert_string_equal(dac_config_name(c), "e.yaml");
    dac_config_free(c);
    dac_config_free(NULL);

    char dir[] = "/tmp/dac_test_cfgXXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/study.yaml", dir);
    c = (dac_config *)1;
    assert_int_equal(dac_config_read(path, &c), DAC_ERR_INPUT);
    assert_null(c);
    assert_non_null(strstr(dac_last_error(), path));
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("# a study\nname: demo\nbad: [1,\n", f);
    fclose(f);
    assert_int_equal(dac_config_read(path, &c), DAC_ERR_INPUT);
    char where[300];
    snprintf(where, sizeof where, "%s:", path);
    assert_non_null(strstr(dac_last_error(), where));
    f = fopen(path, "w");
    fputs("# a study\nname: demo\n", f);
    fclose(f);
    assert_int_equal(dac_config_read(path, &c), DAC_OK);
    assert_string_equal(dac_config_name(c), path);
    assert_int_equal(dac_config_line(c, "name"), 2);
    dac_config_free(c);
    remove(path);
    rmdir(dir);
}

/* What configs do not support is refused with file:line rather than half-read: a
 * second document (its keys would be silently ignored), tags and anchors (the file's
 * header promises both are rejected), keys with '.', complex keys, deep nesting. */
static void test_config_unsupported(void **state)
{
    (void)state;
    char deep[2000] = "";
    for (int i = 0; i < 40; i++)
        snprintf(deep + strlen(deep), sizeof deep - strlen(deep), "%*sk:\n", i, "");
    char longkey[4000] = ""; /* 30 nested keys of 40 characters: a 1229-byte path */
    for (int i = 0; i < 30; i++)
        snprintf(longkey + strlen(longkey), sizeof longkey - strlen(longkey), "%*s%040d:\n", i, "", i);
    const char *cases[][2] = {
        {"a: 1\n---\nb: 2\n", "u.yaml:2:"},
        {"a: 1\n...\n---\nb: 2\n", "u.yaml:3:"},
        {"a: !!str 5\n", "u.yaml:1:"},
        {"a: !custom {b: 1}\n", "u.yaml:1:"},
        {"a: &x 1\n", "u.yaml:1:"},
        {"a.b: 1\n", "u.yaml:1: key 'a.b' must not contain '.'"},
        {"? [a, b]\n: 1\n", "u.yaml:1: a mapping key must be a plain scalar"},
        {"just text\n", "u.yaml:1: expected a mapping at the top level"},
        {"a: 1\nb:\n  c: 2\nb: 3\n", "u.yaml:4: duplicate key 'b' (first on line"},
        {deep, "nesting deeper than"},
        {longkey, "key path too long"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dac_config *c = (dac_config *)1;
        int st = dac_config_parse(cases[i][0], strlen(cases[i][0]), "u.yaml", &c);
        if (st != DAC_ERR_INPUT || !strstr(dac_last_error(), cases[i][1]))
            print_error("case %zu: status %d, '%s'\n", i, st, dac_last_error());
        assert_int_equal(st, DAC_ERR_INPUT);
        assert_null(c);
        assert_non_null(strstr(dac_last_error(), cases[i][1]));
    }
    /* A document start marker and an end marker around one document are fine. */
    const char *ok = "---\na: 1\n...\n";
    dac_config *c;
    assert_int_equal(dac_config_parse(ok, strlen(ok), "u.yaml", &c), DAC_OK);
    assert_string_equal(dac_config_get(c, "a"), "1");
    dac_config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_context), cmocka_unit_test(test_wavelength),
        cmocka_unit_test(test_units),         cmocka_unit_test(test_elements),
        cmocka_unit_test(test_outfile_atomic), cmocka_unit_test(test_format_double),
        cmocka_unit_test(test_parse),         cmocka_unit_test(test_select),         cmocka_unit_test(test_config),
        cmocka_unit_test(test_config_malformed),
        cmocka_unit_test(test_config_unknown_key), cmocka_unit_test(test_config_mark_prefix),
        cmocka_unit_test(test_config_set),       cmocka_unit_test(test_config_files),
        cmocka_unit_test(test_config_unsupported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

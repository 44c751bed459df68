/*
 * test_transient.c — time courses (src/kinetics/transient.c) against closed forms:
 * first-order deactivation of a dissolved catalyst (the TON plateau of photocatalysis)
 * and Langmuir adsorption relaxing to its isotherm; the writer's table and record.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "kinetics/kin_test.h"

static const char *DEACTIVATION =
    "name: deact\n"
    "sites: {cat: {concentration_mol_L: 1.0e-6}}\n"
    "species:\n"
    "  CO2: {phase: solute, concentration_mol_L: 1, G_eV: 0}\n"
    "  OC2: {phase: solute, concentration_mol_L: 0, formula: CO2, G_eV: -1}\n"
    "  Dead_cat: {sites: cat, formula: '', G_eV: -1}\n"
    "steps:\n"
    "  - {name: turnover, equation: 'CO2 + *cat -> OC2 + *cat', barrier_eV: 0.70}\n"
    "  - {name: deactivation, equation: '*cat -> Dead_cat', barrier_eV: 0.85}\n"
    "products: [OC2]\n";

/* Law: a catalyst that turns over at k and dies at first order k_d has
 * θ_active = e^{−k_d t}, TOF(t) = k e^{−k_d t} and TON(t) = (k/k_d)(1 − e^{−k_d t}) —
 * the plateau k/k_d that bounds a photocatalyst's TON. */
static void test_deactivation_ton(void **state)
{
    (void)state;
    dac_kinetics_model *m = kt_parse(DEACTIVATION);
    dac_kinetics_solver *s = kt_solver(m);
    dac_kinetics_transient *t = NULL;
    assert_int_equal(dac_kinetics_solver_transient(s, 1000, 50, 0, &t), DAC_OK);
    double k = TST_298 * exp(-0.70 / KT_298), kd = TST_298 * exp(-0.85 / KT_298);
    assert_int_equal(dac_kinetics_transient_count(t), 51);
    assert_near(dac_kinetics_transient_time(t, 0), 0, 0);
    for (size_t i = 0; i < 51; i++) {
        double time = dac_kinetics_transient_time(t, i), ton = (k / kd) * (1 - exp(-kd * time));
        assert_near(time, 1000.0 * (double)i / 50, 1e-9);
        assert_near(dac_kinetics_transient_ton(t, i, 0), ton, 1e-6 * (k / kd));
        assert_near(dac_kinetics_transient_tof(t, i, 0) / (k * exp(-kd * time)), 1, 1e-6);
        assert_near(dac_kinetics_transient_coverage(t, i, 0), exp(-kd * time), 1e-6);
    }
    assert_true(dac_kinetics_transient_site_balance_error(t) < 1e-6);
    dac_kinetics_transient_free(t);
    dac_kinetics_solver_free(s);
    dac_kinetics_model_free(m);
}

/* Law: A + * ⇌ A* from a clean surface relaxes as θ(t) = θ_eq(1 − e^{−(k_a p + k_d)t})
 * (linear first-order kinetics), to the Langmuir θ_eq = Kp/(1 + Kp). */
static void test_langmuir_relaxation(void **state)
{
    (void)state;
    dac_kinetics_model *m = kt_parse(
        "sites: {s: {count: 1}}\n"
        "species:\n"
        "  CO: {phase: gas, pressure_bar: 0.5, G_eV: 0}\n"
        "  CO_s: {sites: s, G_eV: -0.05}\n"
        "steps: [{equation: 'CO + *s <-> CO_s', barrier_eV: 0.75}]\n");
    dac_kinetics_solver *s = kt_solver(m);
    dac_kinetics_transient *t = NULL;
    double ka = TST_298 * exp(-0.75 / KT_298), kd = TST_298 * exp(-0.80 / KT_298), p = 0.5;
    double rate = ka * p + kd, th_eq = ka * p / rate;
    assert_int_equal(dac_kinetics_solver_transient(s, 20 / rate, 40, 1, &t), DAC_OK);
    for (size_t i = 1; i < dac_kinetics_transient_count(t); i++) {
        double time = dac_kinetics_transient_time(t, i);
        double expect = th_eq * (1 - exp(-rate * time));
        if (expect > 1e-6) /* below, the 1e-20 seed of an empty state shows */
            assert_near(dac_kinetics_transient_coverage(t, i, 1) / expect, 1, 1e-5);
    }
    size_t last = dac_kinetics_transient_count(t) - 1;
    assert_near(dac_kinetics_transient_coverage(t, last, 1), th_eq, 1e-6);
    dac_kinetics_transient_free(t);
    dac_kinetics_solver_free(s);
    dac_kinetics_model_free(m);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = calloc((size_t)n + 1, 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

/* The writer: OUT.csv with unit headers and OUT.json with the final TON. */
static void test_transient_files(void **state)
{
    (void)state;
    dac_kinetics_model *m = kt_parse(DEACTIVATION);
    dac_kinetics_solver *s = kt_solver(m);
    dac_kinetics_transient *t = NULL;
    assert_int_equal(dac_kinetics_solver_transient(s, 500, 10, 0, &t), DAC_OK);
    char dir[] = "/tmp/dac_kin_tr_XXXXXX", path[256], json[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/ton.csv", dir);
    snprintf(json, sizeof json, "%s/ton.json", dir);
    const dac_kinetics_transient *one[] = {t};
    dac_provenance prov = {0};
    assert_int_equal(dac_kinetics_transient_write(one, 1, path, 0, &prov), DAC_OK);
    char *csv = slurp(path);
    const char *head = "time_s,theta_*cat,theta_Dead_cat,TOF_OC2_per_s,TON_OC2\n";
    assert_true(!strncmp(csv, head, strlen(head)));
    free(csv);
    char *text = slurp(json);
    cJSON *rec = cJSON_Parse(text);
    assert_non_null(rec);
    cJSON *mech = cJSON_GetArrayItem(cJSON_GetObjectItem(rec, "mechanisms"), 0);
    double ton = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(mech, "final"), "TON"), "OC2")->valuedouble;
    assert_near(ton, dac_kinetics_transient_ton(t, 10, 0), 1e-9 * ton);
    assert_string_equal(cJSON_GetObjectItem(rec, "record")->valuestring, "dac kinetics transient");
    cJSON_Delete(rec);
    free(text);
    /* a path that is not a .csv is a usage error and writes nothing */
    snprintf(path, sizeof path, "%s/ton.txt", dir);
    assert_int_equal(dac_kinetics_transient_write(one, 1, path, 0, &prov), DAC_ERR_USAGE);
    assert_int_not_equal(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/ton.csv", dir);
    unlink(path);
    unlink(json);
    rmdir(dir);
    dac_kinetics_transient_free(t);
    dac_kinetics_solver_free(s);
    dac_kinetics_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deactivation_ton),
        cmocka_unit_test(test_langmuir_relaxation),
        cmocka_unit_test(test_transient_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_json.c — JSON records (src/core/json.c): the header and provenance block, null
 * with a reason for every number that is not finite, exact seeds above 2^53, valid
 * UTF-8 whatever the file names, and writing a record through an output set.
 */
#include "core_test.h"

#include "core/json.h"

/* Strict UTF-8 (RFC 3629 §4, the byte ranges of its ABNF): the test's own oracle. */
static int is_valid_utf8(const unsigned char *p)
{
    while (*p) {
        unsigned c = *p;
        int n = c < 0x80 ? 0 : c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2
                : c >= 0xF0 && c <= 0xF4 ? 3 : -1;
        if (n < 0)
            return 0;
        unsigned lo = 0x80, hi = 0xBF; /* range of the second byte */
        if (c == 0xE0)
            lo = 0xA0; /* no overlong 3-byte forms */
        if (c == 0xED)
            hi = 0x9F; /* no surrogates */
        if (c == 0xF0)
            lo = 0x90; /* no overlong 4-byte forms */
        if (c == 0xF4)
            hi = 0x8F; /* nothing above U+10FFFF */
        for (int k = 1; k <= n; k++) {
            unsigned b = p[k];
            if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
                return 0;
        }
        p += n + 1;
    }
    return 1;
}

/* Prints j, checks the text is valid UTF-8 JSON, and gives it back parsed. */
static cJSON *round_trip(const cJSON *j, char **text_out)
{
    char *text = cJSON_Print(j);
    assert_non_null(text);
    assert_true(is_valid_utf8((const unsigned char *)text));
    cJSON *back = cJSON_Parse(text);
    if (!back)
        print_error("cJSON cannot parse:\n%s\n", text);
    assert_non_null(back);
    if (text_out)
        *text_out = text;
    else
        cJSON_free(text);
    return back;
}

static const char *reason(const cJSON *obj, const char *key)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(obj, "null_reasons");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(r, key);
    return cJSON_IsString(s) ? s->valuestring : NULL;
}

static const cJSON *item(const cJSON *obj, const char *key)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!x)
        print_error("no key '%s'\n", key);
    assert_non_null(x);
    return x;
}

/* A record starts "record", "record_version", "provenance" (in that order); the
 * provenance names the software, the command line as typed (an array: arguments with
 * spaces stay whole), the seed, and each input with its SHA-256 and size — or null and
 * why when it cannot be read (missing, a folder, standard input). */
static void test_record_header_and_provenance(void **state)
{
    (void)state;
    char *dir = scratch_dir("json");
    char *input = scratch_path(dir, "abc.txt"), *missing = scratch_path(dir, "gone.cif");
    write_text(input, "abc");
    char *argv[] = {"dac", "struct", "analyze", "my file.cif"};
    const char *inputs[] = {input, missing, dir, "-"};
    dac_provenance prov = {4, argv, 1, 42, 4, inputs};
    cJSON *j = dac_json_record("struct_analysis", &prov);
    assert_non_null(j);
    dac_json_number(j, "distance_A", 2.5, NULL);
    cJSON *r = round_trip(j, NULL);

    const cJSON *first = r->child;
    assert_string_equal(first->string, "record");
    assert_string_equal(first->valuestring, "struct_analysis");
    assert_string_equal(first->next->string, "record_version");
    assert_true(first->next->valuedouble == 1);
    const cJSON *p = first->next->next;
    assert_string_equal(p->string, "provenance");
    assert_string_equal(p->next->string, "distance_A"); /* the content follows */

    assert_string_equal(item(p, "software")->valuestring, "dac " DAC_VERSION);
    const cJSON *cl = item(p, "command_line");
    assert_true(cJSON_IsArray(cl));
    assert_int_equal(cJSON_GetArraySize(cl), 4);
    for (int i = 0; i < 4; i++)
        assert_string_equal(cJSON_GetArrayItem(cl, i)->valuestring, argv[i]);
    assert_true(item(p, "seed")->valuedouble == 42);

    const cJSON *in = item(p, "inputs");
    assert_int_equal(cJSON_GetArraySize(in), 4);
    const cJSON *ok = cJSON_GetArrayItem(in, 0);
    assert_string_equal(item(ok, "path")->valuestring, input);
    /* FIPS 180-4 example: SHA-256("abc"). */
    assert_string_equal(item(ok, "sha256")->valuestring,
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_true(item(ok, "bytes")->valuedouble == 3);
    assert_null(cJSON_GetObjectItemCaseSensitive(ok, "null_reasons"));
    for (int i = 1; i < 4; i++) {
        const cJSON *bad = cJSON_GetArrayItem(in, i);
        assert_string_equal(item(bad, "path")->valuestring, inputs[i]);
        assert_true(cJSON_IsNull(item(bad, "sha256")));
        assert_null(cJSON_GetObjectItemCaseSensitive(bad, "bytes"));
        assert_non_null(reason(bad, "sha256"));
    }
    assert_non_null(strstr(reason(cJSON_GetArrayItem(in, 1), "sha256"), "not readable"));
    assert_non_null(strstr(reason(cJSON_GetArrayItem(in, 3), "sha256"), "standard input"));
    cJSON_Delete(r);
    cJSON_Delete(j);
    free(input), free(missing);
    scratch_remove(dir);
}

/* A record made by a program (no command line, no seed, no inputs) says so with null
 * and the reason, never by leaving the keys out or writing 0. */
static void test_record_without_provenance(void **state)
{
    (void)state;
    dac_provenance empty = {0, NULL, 0, 0, 0, NULL};
    const dac_provenance *cases[] = {NULL, &empty};
    for (int c = 0; c < 2; c++) {
        cJSON *j = dac_json_record("x", cases[c]);
        cJSON *r = round_trip(j, NULL);
        const cJSON *p = item(r, "provenance");
        assert_true(cJSON_IsNull(item(p, "command_line")));
        assert_true(cJSON_IsNull(item(p, "seed")));
        assert_non_null(strstr(reason(p, "command_line"), "program"));
        assert_non_null(strstr(reason(p, "seed"), "no random numbers"));
        assert_true(cJSON_IsArray(item(p, "inputs")));
        assert_int_equal(cJSON_GetArraySize(item(p, "inputs")), 0);
        cJSON_Delete(r);
        cJSON_Delete(j);
    }
}

/* NaN and ±inf are written as null, and the object holding them names each key with
 * its reason ("not finite" when the caller gave none); finite values are untouched and
 * the text never holds "nan" or "inf". */
static void test_non_finite_numbers_are_null_with_reason(void **state)
{
    (void)state;
    cJSON *j = cJSON_CreateObject();
    dac_json_number(j, "mean_distance_A", NAN, "no pairs");
    dac_json_number(j, "max_dG_eV", INFINITY, NULL);
    dac_json_number(j, "min_dG_eV", -INFINITY, "unbounded below");
    dac_json_number(j, "temperature_K", 298.15, "unused reason");
    char *text;
    cJSON *r = round_trip(j, &text);
    assert_null(strstr(text, "nan"));
    assert_null(strstr(text, "inf"));
    cJSON_free(text);
    assert_true(cJSON_IsNull(item(r, "mean_distance_A")));
    assert_true(cJSON_IsNull(item(r, "max_dG_eV")));
    assert_true(cJSON_IsNull(item(r, "min_dG_eV")));
    assert_true(item(r, "temperature_K")->valuedouble == 298.15);
    assert_string_equal(reason(r, "mean_distance_A"), "no pairs");
    assert_string_equal(reason(r, "max_dG_eV"), "not finite");
    assert_string_equal(reason(r, "min_dG_eV"), "unbounded below");
    assert_null(reason(r, "temperature_K"));
    assert_int_equal(cJSON_GetArraySize(item(r, "null_reasons")), 3);
    cJSON_Delete(r);
    cJSON_Delete(j);
}

/* An array with NaN: the NaN entries are null, the others keep their values, and the
 * parent object gives the reason under the array's key; an all-finite array has none. */
static void test_numbers_array_with_nan(void **state)
{
    (void)state;
    const double v[] = {1.25, NAN, -3, INFINITY, 0};
    const size_t counts[] = {0, 7, (size_t)1 << 40};
    cJSON *j = cJSON_CreateObject();
    dac_json_numbers(j, "energies_eV", v, 5, "state not reached");
    dac_json_numbers(j, "finite_eV", v, 1, "never used");
    dac_json_numbers(j, "none_eV", v, 0, "never used");
    dac_json_counts(j, "counts", counts, 3);
    cJSON *r = round_trip(j, NULL);
    const cJSON *a = item(r, "energies_eV");
    assert_int_equal(cJSON_GetArraySize(a), 5);
    assert_true(cJSON_GetArrayItem(a, 0)->valuedouble == 1.25);
    assert_true(cJSON_IsNull(cJSON_GetArrayItem(a, 1)));
    assert_true(cJSON_GetArrayItem(a, 2)->valuedouble == -3);
    assert_true(cJSON_IsNull(cJSON_GetArrayItem(a, 3)));
    assert_true(cJSON_GetArrayItem(a, 4)->valuedouble == 0);
    assert_string_equal(reason(r, "energies_eV"), "state not reached");
    assert_null(reason(r, "finite_eV"));
    assert_null(reason(r, "none_eV"));
    assert_int_equal(cJSON_GetArraySize(item(r, "none_eV")), 0);
    const cJSON *c = item(r, "counts");
    assert_true(cJSON_GetArrayItem(c, 2)->valuedouble == (double)((size_t)1 << 40));
    cJSON_Delete(r);
    cJSON_Delete(j);
}

/* The digits of "key": <integer> in the printed text. */
static unsigned long long printed_integer(const char *text, const char *key)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr(text, pattern);
    assert_non_null(at);
    at += strlen(pattern);
    while (*at == ' ' || *at == '\t')
        at++;
    assert_true(*at >= '0' && *at <= '9');
    char *end;
    unsigned long long v = strtoull(at, &end, 10);
    assert_true(*end == ',' || *end == '\n' || *end == '}');
    return v;
}

/* A seed is an exact integer in the text, also above 2^53 where a double would round it
 * (2^53 + 1 prints as …992 through a double), and in 10^15 … 2^53 where a double holds
 * it exactly but cJSON prints only 15 digits (2^53 − 1 came out as 9.00719925474099e+15);
 * the record stays valid JSON. */
static void test_seed_above_2_53_is_exact(void **state)
{
    (void)state;
    const uint64_t seeds[] = {0, 1, 2147483648ull, 999999999999999ull, 1000000000000000ull,
                              1234567890123456ull, (1ull << 53) - 1, 1ull << 53, (1ull << 53) + 1,
                              12345678901234567891ull, UINT64_MAX};
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        dac_provenance prov = {0, NULL, 1, seeds[i], 0, NULL};
        cJSON *j = dac_json_record("x", &prov);
        dac_json_uint64(j, "events", seeds[i]);
        char *text;
        cJSON *r = round_trip(j, &text);
        assert_true(printed_integer(text, "seed") == seeds[i]);
        assert_true(printed_integer(text, "events") == seeds[i]);
        cJSON_free(text);
        cJSON_Delete(r);
        cJSON_Delete(j);
    }
}

/* A file whose name is not valid UTF-8 (Latin-1 é, a lone 0xFF, an overlong '/', a
 * surrogate, a cut sequence) is still named in valid JSON: each bad byte becomes
 * U+FFFD, valid multi-byte characters stay, and the file is still hashed. */
static void test_invalid_utf8_file_name(void **state)
{
    (void)state;
    char *dir = scratch_dir("json");
    const char *name = "caf\xe9-\xff-\xc0\xaf-\xed\xa0\x80-Ni\xe2\x82\x82-\xe2\x82.csv";
    char *path = scratch_path(dir, name);
    write_text(path, "abc");
    const char *inputs[] = {path};
    char *argv[] = {"dac", path};
    dac_provenance prov = {2, argv, 0, 0, 1, inputs};
    cJSON *j = dac_json_record("x", &prov);
    dac_json_string(j, "label", "\x80\x80");
    dac_json_string(j, "nothing", NULL);
    cJSON *r = round_trip(j, NULL);
    const cJSON *in = cJSON_GetArrayItem(item(item(r, "provenance"), "inputs"), 0);
    const char *got = item(in, "path")->valuestring;
    const char *tail = got + strlen(dir) + 1;
    /* é: 1 bad byte; 0xFF: 1; overlong C0 AF: 2; surrogate ED A0 80: 3; cut E2 82: 2. */
    assert_string_equal(tail, "caf\xEF\xBF\xBD-\xEF\xBF\xBD-\xEF\xBF\xBD\xEF\xBF\xBD-"
                              "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD-Ni\xE2\x82\x82-"
                              "\xEF\xBF\xBD\xEF\xBF\xBD.csv");
    assert_string_equal(item(in, "sha256")->valuestring,
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const cJSON *cl = item(item(r, "provenance"), "command_line");
    assert_string_equal(cJSON_GetArrayItem(cl, 1)->valuestring, got);
    assert_string_equal(item(r, "label")->valuestring, "\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_true(cJSON_IsNull(item(r, "nothing")));
    cJSON_Delete(r);
    cJSON_Delete(j);
    free(path);
    scratch_remove(dir);
}

/* Valid UTF-8 of every length (2-, 3-, 4-byte, the largest code point) passes
 * unchanged; the first byte past U+10FFFF (F4 90 …) does not. */
static void test_valid_utf8_kept(void **state)
{
    (void)state;
    const char *good = "\xC3\xA9 \xE2\x82\x82 \xF0\x9F\x94\xAC \xF4\x8F\xBF\xBF \xEF\xBF\xBD";
    cJSON *s = dac_json_create_string(good);
    assert_string_equal(s->valuestring, good);
    cJSON_Delete(s);
    s = dac_json_create_string("\xF4\x90\x80\x80");
    assert_string_equal(s->valuestring, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    cJSON_Delete(s);
}

/* A record written through an output set is the printed JSON with a final newline. */
static void test_record_through_output_set(void **state)
{
    (void)state;
    char *dir = scratch_dir("json");
    cJSON *j = dac_json_record("summary", NULL);
    dac_json_bool(j, "converged", 1);
    dac_json_count(j, "n_atoms", 12);
    dac_outset *set;
    assert_int_equal(dac_outset_create(dir, &set), DAC_OK);
    assert_int_equal(dac_outset_json(set, "summary.json", j), DAC_OK);
    assert_int_equal(dac_outset_json(set, "../x.json", j), DAC_ERR_USAGE);
    assert_int_equal(dac_outset_commit(set), DAC_OK);
    char *p = scratch_path(dir, "summary.json");
    char *text = read_text(p), *expect = cJSON_Print(j);
    assert_non_null(text);
    assert_int_equal(strlen(text), strlen(expect) + 1);
    assert_memory_equal(text, expect, strlen(expect));
    assert_int_equal(text[strlen(expect)], '\n');
    cJSON *r = cJSON_Parse(text);
    assert_true(cJSON_IsTrue(item(r, "converged")));
    assert_true(item(r, "n_atoms")->valuedouble == 12);
    cJSON_Delete(r);
    cJSON_free(expect);
    free(text), free(p);
    cJSON_Delete(j);
    scratch_remove(dir);
}

/* A stream that cannot be written makes dac_json_write fail naming the file. */
static void test_write_error(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/null", "r");
    assert_non_null(f);
    cJSON *j = dac_json_record("x", NULL);
    assert_int_equal(dac_json_write(f, j, "out.json"), DAC_ERR_RUNTIME);
    assert_non_null(strstr(dac_last_error(), "out.json"));
    fclose(f);
    cJSON_Delete(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_header_and_provenance),
        cmocka_unit_test(test_record_without_provenance),
        cmocka_unit_test(test_non_finite_numbers_are_null_with_reason),
        cmocka_unit_test(test_numbers_array_with_nan),
        cmocka_unit_test(test_seed_above_2_53_is_exact),
        cmocka_unit_test(test_invalid_utf8_file_name),
        cmocka_unit_test(test_valid_utf8_kept),
        cmocka_unit_test(test_record_through_output_set),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

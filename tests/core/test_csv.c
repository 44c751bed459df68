/*
 * test_csv.c — the one CSV reader (src/core/csv.c: RFC 4180, line numbers, comments,
 * malformed files) and the writing helpers (quoting, numbers that read back exactly),
 * including the round trip writer → reader.
 */
#include "core_test.h"

#include "core/csv.h"

static dac_csv *parse_ok(const char *text, size_t len)
{
    dac_csv *csv = NULL;
    int st = dac_csv_parse(text, len, "t.csv", &csv);
    if (st != DAC_OK)
        print_error("unexpected failure: %s\n", dac_last_error());
    assert_int_equal(st, DAC_OK);
    assert_non_null(csv);
    return csv;
}

static dac_csv *parse_text(const char *text) { return parse_ok(text, strlen(text)); }

/* The text must fail with DAC_ERR_INPUT and a message holding `expect`. */
static void parse_fails(const char *text, size_t len, const char *expect)
{
    dac_csv *csv = (dac_csv *)1;
    int st = dac_csv_parse(text, len, "t.csv", &csv);
    if (st != DAC_ERR_INPUT || !strstr(dac_last_error(), expect))
        print_error("status %d, message '%s', expected '%s'\n", st, dac_last_error(), expect);
    assert_int_equal(st, DAC_ERR_INPUT);
    assert_null(csv);
    assert_non_null(strstr(dac_last_error(), expect));
}

/* A literal's length, NUL bytes inside it included. */
#define PARSE_FAILS(literal, expect) parse_fails(literal, sizeof literal - 1, expect)

static void assert_row(const dac_csv *csv, size_t row, long line, const char *const *fields)
{
    assert_int_equal(dac_csv_line(csv, row), line);
    for (size_t c = 0; c < dac_csv_columns(csv); c++)
        assert_string_equal(dac_csv_field(csv, row, c), fields[c]);
}

/* RFC 4180: quoted commas, "" for a quote, newlines inside quotes — and the rows after
 * a multi-line field still know their own line. */
static void test_rfc4180(void **state)
{
    (void)state;
    dac_csv *csv = parse_text("name,comment,x_A\n"
                              "a,\"one, two\",1\n"
                              "b,\"say \"\"hi\"\"\",2\n"
                              "c,\"line 1\nline 2\nline 3\",3\n"
                              "d,plain,4\n"
                              "e,\"\",\"5\"\n");
    assert_int_equal(dac_csv_columns(csv), 3);
    assert_int_equal(dac_csv_rows(csv), 5);
    assert_string_equal(dac_csv_header(csv, 2), "x_A");
    assert_null(dac_csv_header(csv, 3));
    assert_string_equal(dac_csv_name(csv), "t.csv");
    assert_row(csv, 0, 2, (const char *[]){"a", "one, two", "1"});
    assert_row(csv, 1, 3, (const char *[]){"b", "say \"hi\"", "2"});
    assert_row(csv, 2, 4, (const char *[]){"c", "line 1\nline 2\nline 3", "3"});
    assert_row(csv, 3, 7, (const char *[]){"d", "plain", "4"});
    assert_row(csv, 4, 8, (const char *[]){"e", "", "5"});
    assert_null(dac_csv_field(csv, 5, 0));
    assert_null(dac_csv_field(csv, 0, 3));
    assert_int_equal(dac_csv_line(csv, 5), 0);
    dac_csv_free(csv);
}

/* CRLF line ends (Windows, Excel) give the same fields as LF, with no '\r' left on the
 * last field; a CRLF inside quotes is part of the field, as RFC 4180 says. */
static void test_crlf(void **state)
{
    (void)state;
    dac_csv *csv = parse_text("x_A,label\r\n1,\"a\r\nb\"\r\n2,c\r\n\"3\",\"d\"\r\n");
    assert_string_equal(dac_csv_header(csv, 1), "label");
    assert_int_equal(dac_csv_rows(csv), 3);
    assert_row(csv, 0, 2, (const char *[]){"1", "a\r\nb"});
    assert_row(csv, 1, 4, (const char *[]){"2", "c"});
    assert_row(csv, 2, 5, (const char *[]){"3", "d"});
    dac_csv_free(csv);
}

/* '#' lines before the header are notes (the element table's sources); after the
 * header a leading '#' is data. Blank lines (also of spaces, tabs or a lone CR) are
 * skipped anywhere, and the rows keep their own line numbers. */
static void test_comments_and_blank_lines(void **state)
{
    (void)state;
    dac_csv *csv = parse_text("# source: CIAAW 2021\n\n#  second note, with a comma\n"
                              "Z,symbol\n\n1,H\n  \t\n\r\n#2,He\n\n");
    assert_int_equal(dac_csv_columns(csv), 2);
    assert_string_equal(dac_csv_header(csv, 0), "Z");
    assert_int_equal(dac_csv_rows(csv), 2);
    assert_row(csv, 0, 6, (const char *[]){"1", "H"});
    assert_row(csv, 1, 9, (const char *[]){"#2", "He"});
    dac_csv_free(csv);
}

/* A UTF-8 byte order mark (Excel's "CSV UTF-8") is not part of the first column's name. */
static void test_byte_order_mark(void **state)
{
    (void)state;
    dac_csv *csv = parse_text("\xEF\xBB\xBFx_A,y_A\r\n1,2\r\n");
    assert_string_equal(dac_csv_header(csv, 0), "x_A");
    assert_int_equal(dac_csv_column(csv, "x_A"), 0);
    assert_int_equal(dac_csv_line(csv, 0), 2);
    dac_csv_free(csv);
    csv = parse_text("\xEF\xBB\xBF# note\nx_A\n1\n");
    assert_string_equal(dac_csv_header(csv, 0), "x_A");
    dac_csv_free(csv);
}

/* A header alone is a valid table with no rows, with or without its final newline;
 * a trailing comma is one more (empty) field. */
static void test_header_only_and_trailing_comma(void **state)
{
    (void)state;
    const char *cases[] = {"a,b\n", "a,b", "# note\na,b\r\n\n"};
    for (size_t i = 0; i < 3; i++) {
        dac_csv *csv = parse_text(cases[i]);
        assert_int_equal(dac_csv_columns(csv), 2);
        assert_int_equal(dac_csv_rows(csv), 0);
        dac_csv_free(csv);
    }
    dac_csv *csv = parse_text("a,b,\n1,2,\n");
    assert_int_equal(dac_csv_columns(csv), 3);
    assert_row(csv, 0, 2, (const char *[]){"1", "2", ""});
    dac_csv_free(csv);
    csv = parse_text("a,b\n1,2"); /* no final newline */
    assert_row(csv, 0, 2, (const char *[]){"1", "2"});
    dac_csv_free(csv);
}

/* Malformed files fail with DAC_ERR_INPUT naming file:line and what is wrong. */
static void test_malformed(void **state)
{
    (void)state;
    PARSE_FAILS("a,b\n1,2\n3\n", "t.csv:3: expected 2 fields as in the header, got 1");
    PARSE_FAILS("a,b\n1,2,3\n", "t.csv:2: expected 2 fields as in the header, got 3");
    /* The line counts the newlines inside the quoted field before it. */
    PARSE_FAILS("a,b\n1,\"x\ny\"\n2\n", "t.csv:4: expected 2 fields");
    PARSE_FAILS("a,b\n1,\"never closed\n2,3\n", "t.csv:2: unterminated quoted field");
    PARSE_FAILS("a,b\n1,\"q\"x\n", "t.csv:2: text after a closing quote");
    PARSE_FAILS("a,b\n1,\0\n", "t.csv: not a text file (NUL byte)");
    PARSE_FAILS("", "t.csv: empty CSV file");
    PARSE_FAILS("# only a note\n\n  \n", "t.csv: empty CSV file");
}

/* dac_csv_read names a missing file; it reads a real one with the path as its name. */
static void test_read_file(void **state)
{
    (void)state;
    char *dir = scratch_dir("csv");
    char *path = scratch_path(dir, "t.csv"), *missing = scratch_path(dir, "none.csv");
    dac_csv *csv = (dac_csv *)1;
    assert_int_equal(dac_csv_read(missing, &csv), DAC_ERR_INPUT);
    assert_null(csv);
    assert_non_null(strstr(dac_last_error(), missing));
    write_text(path, "x_A\n1\nfoo,bar\n");
    assert_int_equal(dac_csv_read(path, &csv), DAC_ERR_INPUT);
    char expect[1200];
    snprintf(expect, sizeof expect, "%s:3: expected 1 fields", path);
    assert_non_null(strstr(dac_last_error(), expect));
    write_text(path, "x_A\n1\n");
    assert_int_equal(dac_csv_read(path, &csv), DAC_OK);
    assert_string_equal(dac_csv_name(csv), path);
    assert_int_equal(dac_csv_rows(csv), 1);
    dac_csv_free(csv);
    dac_csv_free(NULL);
    free(path), free(missing);
    scratch_remove(dir);
}

/* Columns are found by header name with the header's surrounding spaces ignored
 * (" x_A " is x_A); the name asked for is taken as given; −1 when absent. */
static void test_column_lookup(void **state)
{
    (void)state;
    dac_csv *csv = parse_text(" x_A , y_A,z\t,\"  w \"\n1,2,3,4\n");
    assert_int_equal(dac_csv_column(csv, "x_A"), 0);
    assert_int_equal(dac_csv_column(csv, "y_A"), 1);
    assert_int_equal(dac_csv_column(csv, "w"), 3);
    assert_int_equal(dac_csv_column(csv, "z"), -1); /* a tab is not trimmed */
    assert_int_equal(dac_csv_column(csv, "z\t"), 2);
    assert_int_equal(dac_csv_column(csv, " x_A"), -1);
    assert_int_equal(dac_csv_column(csv, "x"), -1);
    assert_int_equal(dac_csv_column(csv, ""), -1);
    dac_csv_free(csv);
}

/* dac_csv_double reads a finite number (spaces around it allowed) and otherwise says
 * "FILE:LINE: column 'NAME': expected a number, got 'TEXT'" (TEXT cut at 40 bytes). */
static void test_csv_double(void **state)
{
    (void)state;
    dac_csv *csv = parse_text("id,x_A\n"
                              "a, 1.5e-3 \n"
                              "b,abc\n"
                              "c,\n"
                              "d,nan\n"
                              "e,1e999\n"
                              "f,1234567890123456789012345678901234567890123456789012345678901234567890\n"
                              "g,\"2,5\"\n"
                              "h,-0\n");
    double v = 7;
    assert_int_equal(dac_csv_double(csv, 0, 1, &v), DAC_OK);
    assert_true(v == 1.5e-3);
    assert_int_equal(dac_csv_double(csv, 7, 1, &v), DAC_OK);
    assert_true(v == 0 && signbit(v));
    const char *bad[][2] = {{"abc", "t.csv:3: column 'x_A': expected a number, got 'abc'"},
                            {"", "t.csv:4: column 'x_A': expected a number, got ''"},
                            {"nan", "t.csv:5: column 'x_A': expected a number, got 'nan'"},
                            {"1e999", "t.csv:6: column 'x_A': expected a number, got '1e999'"},
                            {"long", "t.csv:7: column 'x_A': expected a number, got "
                                     "'1234567890123456789012345678901234567890'"},
                            {"2,5", "t.csv:8: column 'x_A': expected a number, got '2,5'"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 7;
        assert_int_equal(dac_csv_double(csv, i + 1, 1, &v), DAC_ERR_INPUT);
        assert_true(v == 7);
        assert_string_equal(dac_last_error(), bad[i][1]);
    }
    assert_int_equal(dac_csv_double(csv, 8, 1, &v), DAC_ERR_USAGE); /* no such row */
    assert_int_equal(dac_csv_double(csv, 0, 2, &v), DAC_ERR_USAGE);
    dac_csv_free(csv);
}

/* Whatever a field holds, the writer's quoting brings it back through the reader
 * unchanged; NaN is written as an empty cell and other numbers read back exactly. */
static void test_writer_round_trip(void **state)
{
    (void)state;
    const char *fields[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "cr\rhere", "crlf\r\nend",
                            "  spaced  ", "", "\"", ",", "#not a comment", "trailing\r"};
    enum { N = sizeof fields / sizeof fields[0] };
    const double numbers[] = {0.1, -2.5e-300, 1.0 / 3.0, 6.02214076e23, NAN, -0.0};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    /* Header: the field texts themselves (the first starts with '#', like a comment). */
    dac_csv_write_field(f, "#id", 0);
    for (size_t i = 0; i < N; i++)
        dac_csv_write_field(f, fields[i], i + 1 == N);
    for (size_t r = 0; r < 6; r++) {
        dac_csv_write_number(f, numbers[r], 0);
        for (size_t i = 0; i < N; i++)
            dac_csv_write_field(f, fields[(i + r) % N], i + 1 == N);
    }
    dac_csv_write_field(f, NULL, 0); /* NULL: an empty field */
    for (size_t i = 0; i < N; i++)
        dac_csv_write_field(f, fields[i], i + 1 == N);
    fclose(f);
    dac_csv *csv = parse_ok(text, len);
    assert_int_equal(dac_csv_columns(csv), N + 1);
    assert_string_equal(dac_csv_header(csv, 0), "#id");
    for (size_t i = 0; i < N; i++)
        assert_string_equal(dac_csv_header(csv, i + 1), fields[i]);
    assert_int_equal(dac_csv_rows(csv), 7);
    assert_string_equal(dac_csv_field(csv, 6, 0), "");
    for (size_t r = 0; r < 6; r++) {
        double v;
        if (isnan(numbers[r])) {
            assert_string_equal(dac_csv_field(csv, r, 0), "");
        } else {
            assert_int_equal(dac_csv_double(csv, r, 0, &v), DAC_OK);
            assert_memory_equal(&v, &numbers[r], sizeof v); /* bit for bit, -0 too */
        }
        for (size_t i = 0; i < N; i++)
            assert_string_equal(dac_csv_field(csv, r, i + 1), fields[(i + r) % N]);
    }
    dac_csv_free(csv);
    free(text);
}

/* dac_format_double: the text reads back as exactly the value, with the fewest of 15,
 * 16 or 17 significant digits that do (one fewer would not read back); special values
 * have names. Random bit patterns cover subnormals and every exponent. */
static void test_format_double_round_trip(void **state)
{
    (void)state;
    char buf[40], shorter[40];
    dac_format_double(buf, sizeof buf, 0.1);
    assert_string_equal(buf, "0.1");
    dac_format_double(buf, sizeof buf, 0.1 + 0.2);
    assert_string_equal(buf, "0.30000000000000004");
    dac_format_double(buf, sizeof buf, 5e-324);
    assert_true(strtod(buf, NULL) == 5e-324);
    dac_format_double(buf, sizeof buf, INFINITY);
    assert_string_equal(buf, "inf");
    dac_format_double(buf, sizeof buf, -INFINITY);
    assert_string_equal(buf, "-inf");
    dac_format_double(buf, sizeof buf, NAN);
    assert_string_equal(buf, "nan");

    dac_rng rng;
    dac_rng_seed(&rng, 2024);
    size_t by_digits[18] = {0};
    for (int i = 0; i < 60000; i++) {
        uint64_t bits = dac_rng_next(&rng);
        double v;
        memcpy(&v, &bits, sizeof v);
        if (i % 2) /* also ordinary magnitudes, not only the extremes bits give */
            v = (dac_rng_uniform(&rng) - 0.5) * pow(10, (double)(i % 40) - 20);
        if (!isfinite(v))
            continue;
        dac_format_double(buf, sizeof buf, v);
        assert_true(strtod(buf, NULL) == v);
        int digits = 0;
        for (int p = 15; p <= 17 && !digits; p++) {
            snprintf(shorter, sizeof shorter, "%.*g", p, v);
            if (!strcmp(shorter, buf))
                digits = p;
        }
        assert_true(digits >= 15);
        if (digits > 15) {
            snprintf(shorter, sizeof shorter, "%.*g", digits - 1, v);
            assert_false(strtod(shorter, NULL) == v);
        }
        by_digits[digits]++;
    }
    /* Each precision was needed somewhere, or the test did not test the choice. */
    assert_true(by_digits[15] > 0 && by_digits[16] > 0 && by_digits[17] > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4180),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_comments_and_blank_lines),
        cmocka_unit_test(test_byte_order_mark),
        cmocka_unit_test(test_header_only_and_trailing_comma),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_column_lookup),
        cmocka_unit_test(test_csv_double),
        cmocka_unit_test(test_writer_round_trip),
        cmocka_unit_test(test_format_double_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

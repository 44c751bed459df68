/*
 * test_elements_lazy.c — the element table loads on first use; that first use may sit
 * inside a caller's strtok() loop (the CLI's --elements Zn,Ru parser did), so loading
 * must not disturb strtok's hidden state. A regression test: this must be the first
 * element lookup of the process.
 */
#include <string.h>

#include "dac_test.h"

#include "dac/core.h"

static void test_first_lookup_inside_strtok(void **state)
{
    (void)state;
    char buf[] = "Zn,Ru,Pt";
    const char *want[] = {"Zn", "Ru", "Pt"};
    int n = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        assert_true(n < 3);
        assert_string_equal(tok, want[n]);
        assert_non_null(dac_element_by_symbol(tok));
        n++;
    }
    assert_int_equal(n, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_first_lookup_inside_strtok)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

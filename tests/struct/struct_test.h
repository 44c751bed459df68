/*
 * struct_test.h — what the structure reader suites share: read a text that must parse,
 * or one that must fail with DAC_ERR_INPUT and a message naming where (file:line) and,
 * when given, what.
 */
#ifndef DAC_STRUCT_TEST_H
#define DAC_STRUCT_TEST_H

#include <string.h>

#include "dac_test.h"

#include "dac/core.h"
#include "dac/struct.h"

static inline dac_structure *struct_read_ok(const char *text, const char *name, dac_struct_format fmt)
{
    dac_structure *s = NULL;
    dac_warnings_clear();
    int st = dac_struct_read_buffer(text, strlen(text), name, fmt, &s);
    if (st != DAC_OK)
        print_error("unexpected failure: %s\n", dac_last_error());
    assert_int_equal(st, DAC_OK);
    assert_non_null(s);
    return s;
}

static inline void struct_read_fails(const char *text, const char *name, dac_struct_format fmt,
                                     const char *where, const char *what)
{
    dac_structure *s = (dac_structure *)1;
    int st = dac_struct_read_buffer(text, strlen(text), name, fmt, &s);
    if (st != DAC_ERR_INPUT || !strstr(dac_last_error(), where) || (what && !strstr(dac_last_error(), what)))
        print_error("input:\n%s\nstatus %d, message '%s', expected '%s' and '%s'\n", text, st,
                    dac_last_error(), where, what ? what : "");
    assert_int_equal(st, DAC_ERR_INPUT);
    assert_null(s);
    assert_non_null(strstr(dac_last_error(), where));
    if (what)
        assert_non_null(strstr(dac_last_error(), what));
}

#endif

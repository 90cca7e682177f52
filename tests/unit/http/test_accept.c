/* SPDX-License-Identifier: MIT */
/* Unit tests for the Accept parser in http/req.c (http_accept_quality): weights, the most
 * specific range deciding, malformed ranges skipped, quoted parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "http/http_int.h"

static int
quality(const char *accept, const char *type)
{
    return http_accept_quality(accept, strlen(accept), type, NULL);
}

static void
exact_wildcard_and_missing_types(void **state)
{
    (void)state;
    assert_int_equal(quality("application/json", "application/json"), 1000);
    assert_int_equal(quality("APPLICATION/JSON", "application/json"), 1000);
    assert_int_equal(quality("*/*", "application/json"), 1000);
    assert_int_equal(quality("application/*", "application/json"), 1000);
    assert_int_equal(quality("application/xml", "application/json"), 0);
    assert_int_equal(quality("text/html", "application/json"), 0);
    assert_int_equal(quality("text/*", "application/json"), 0);
    assert_int_equal(quality("text/html, application/json;q=0.5", "application/json"), 500);
    /* The caller's type may carry parameters; they are not compared. */
    assert_int_equal(quality("text/html", "text/html; charset=utf-8"), 1000);
}

static void
most_specific_range_decides(void **state)
{
    int spec = -1;

    (void)state;
    assert_int_equal(quality("application/json;q=0, */*", "application/json"), 0);
    assert_int_equal(
        quality("*/*;q=0.1, application/*;q=0.2, application/json;q=0.3", "application/json"), 300);
    assert_int_equal(quality("application/*;q=0, */*", "application/json"), 0);
    assert_int_equal(http_accept_quality("text/csv, */*", 13, "text/csv", &spec), 1000);
    assert_int_equal(spec, 3);
    assert_int_equal(http_accept_quality("text/csv, */*", 13, "application/json", &spec), 1000);
    assert_int_equal(spec, 1);
}

static void
weights_are_parsed_strictly(void **state)
{
    (void)state;
    assert_int_equal(quality("application/json;q=0", "application/json"), 0);
    assert_int_equal(quality("application/json; q=0.000", "application/json"), 0);
    assert_int_equal(quality("application/json ;Q=0.25", "application/json"), 250);
    assert_int_equal(quality("application/json;q=1.000", "application/json"), 1000);
    assert_int_equal(quality("application/json;q=0.001", "application/json"), 1);
    /* Bad weights make the range malformed: skipped, and with nothing left, as if absent. */
    assert_int_equal(quality("application/json;q=2", "application/json"), -1);
    assert_int_equal(quality("application/json;q=1.5", "application/json"), -1);
    assert_int_equal(quality("application/json;q=0.0001", "application/json"), -1);
    assert_int_equal(quality("application/json;q=", "application/json"), -1);
    assert_int_equal(quality("application/json;q=abc, text/html", "application/json"), 0);
}

static void
malformed_ranges_are_skipped(void **state)
{
    (void)state;
    assert_int_equal(quality("", "application/json"), -1);
    assert_int_equal(quality(" , ,", "application/json"), -1);
    assert_int_equal(quality("garbage", "application/json"), -1);
    assert_int_equal(quality("*/json", "application/json"), -1);
    assert_int_equal(quality("application/", "application/json"), -1);
    assert_int_equal(quality("/json", "application/json"), -1);
    assert_int_equal(quality("application/json;", "application/json"), -1);
    assert_int_equal(quality("application/json;charset", "application/json"), -1);
    assert_int_equal(quality("garbage, text/html", "application/json"), 0);
    assert_int_equal(quality("text/html x", "text/html"), -1);
}

static void
quoted_parameters_may_hold_commas_and_semicolons(void **state)
{
    (void)state;
    assert_int_equal(quality("text/html;x=\"a,b;q=0\";q=0.5, application/json;q=0", "text/html"),
                     500);
    assert_int_equal(quality("text/html;x=\"a\\\"b\"", "text/html"), 1000);
    assert_int_equal(quality("text/html;x=\"unterminated", "text/html"), -1);
    assert_int_equal(quality("text/html;x=\"ends in backslash\\", "text/html"), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_wildcard_and_missing_types),
        cmocka_unit_test(most_specific_range_decides),
        cmocka_unit_test(weights_are_parsed_strictly),
        cmocka_unit_test(malformed_ranges_are_skipped),
        cmocka_unit_test(quoted_parameters_may_hold_commas_and_semicolons),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

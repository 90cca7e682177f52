/* SPDX-License-Identifier: MIT */
/* Unit tests for the query-string parser and percent-decoding in http/req.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "http/http_int.h"

static struct arena *arena;

static int
setup(void **state)
{
    (void)state;
    arena = arena_new();
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    arena_free(arena);
    return 0;
}

static int
parse(const char *raw, struct http_kv **kv, size_t *n, struct err *err)
{
    err_clear(err);
    return http_query_parse(raw, strlen(raw), arena, kv, n, err);
}

static void
pct_decode_handles_escapes_plus_and_rejects_bad_ones(void **state)
{
    size_t len;

    (void)state;
    assert_string_equal(http_pct_decode("a%20b%2fc", 9, false, arena, &len), "a b/c");
    assert_int_equal(len, 5);
    assert_string_equal(http_pct_decode("a+b", 3, false, arena, NULL), "a+b");
    assert_string_equal(http_pct_decode("a+b", 3, true, arena, NULL), "a b");
    assert_string_equal(http_pct_decode("%C3%A9", 6, true, arena, NULL), "\xc3\xa9");
    assert_null(http_pct_decode("%zz", 3, true, arena, NULL));
    assert_null(http_pct_decode("%4", 2, true, arena, NULL));
    assert_null(http_pct_decode("%", 1, true, arena, NULL));
    assert_null(http_pct_decode("a%00b", 5, true, arena, NULL));
    assert_null(http_pct_decode("a\0b", 3, true, arena, NULL));
    assert_string_equal(http_pct_decode("", 0, true, arena, &len), "");
    assert_int_equal(len, 0);
}

static void
query_pairs_are_decoded_in_order_with_repeats(void **state)
{
    struct http_kv *kv;
    size_t n;
    struct err err;

    (void)state;
    assert_int_equal(parse("severity=high%2Ccritical&q=a+b%21&severity=low", &kv, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(kv[0].name, "severity");
    assert_string_equal(kv[0].value, "high,critical");
    assert_string_equal(kv[1].name, "q");
    assert_string_equal(kv[1].value, "a b!");
    assert_string_equal(kv[2].name, "severity");
    assert_string_equal(kv[2].value, "low");
}

static void
empty_values_and_empty_pieces(void **state)
{
    struct http_kv *kv;
    size_t n;
    struct err err;

    (void)state;
    assert_int_equal(parse("a&b=&&c==x&", &kv, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(kv[0].name, "a");
    assert_string_equal(kv[0].value, "");
    assert_string_equal(kv[1].name, "b");
    assert_string_equal(kv[1].value, "");
    assert_string_equal(kv[2].name, "c");
    assert_string_equal(kv[2].value, "=x");
    assert_int_equal(parse("", &kv, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(parse("&&&", &kv, &n, &err), 0);
    assert_int_equal(n, 0);
    /* An encoded name. */
    assert_int_equal(parse("sort%5B0%5D=-x", &kv, &n, &err), 0);
    assert_string_equal(kv[0].name, "sort[0]");
}

static void
malformed_queries_are_validation_errors(void **state)
{
    const char *bad[] = {"q=%zz", "q=%4", "q=%", "q=a%00b", "%zz=1", "=1", "q=%ff%fe", "q=%C3"};
    struct http_kv *kv;
    size_t n, i;
    struct err err;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse(bad[i], &kv, &n, &err), -1);
        assert_int_equal(err.code, ERR_VALIDATION_ERROR);
        assert_true(err.n_fields >= 1);
    }
    assert_int_equal(parse("page=%zz", &kv, &n, &err), -1);
    assert_string_equal(err.fields[0].field, "page");
    assert_string_equal(err.detail, "The query string is malformed.");
}

static void
too_many_parameters_is_a_validation_error(void **state)
{
    char raw[1024] = "";
    size_t len = 0, n;
    struct http_kv *kv;
    struct err err;
    int i;

    (void)state;
    for (i = 0; i < HTTP_QUERY_MAX; i++)
        len += (size_t)snprintf(raw + len, sizeof(raw) - len, "p%d=1&", i);
    assert_int_equal(parse(raw, &kv, &n, &err), 0);
    assert_int_equal(n, HTTP_QUERY_MAX);
    snprintf(raw + len, sizeof(raw) - len, "one=more");
    assert_int_equal(parse(raw, &kv, &n, &err), -1);
    assert_int_equal(err.code, ERR_VALIDATION_ERROR);
}

static void
accessors_read_the_parsed_query(void **state)
{
    struct req req;
    struct err err = {0};

    (void)state;
    req_init(&req, 0);
    req.raw_query = "a=1&b=2&a=3";
    assert_int_equal(http_query_parse(req.raw_query, strlen(req.raw_query), req.arena, &req.query,
                                      &req.n_query, &err),
                     0);
    assert_string_equal(req_query(&req, "a"), "1");
    assert_string_equal(req_query(&req, "b"), "2");
    assert_null(req_query(&req, "c"));
    assert_int_equal(req_query_count(&req), 3);
    assert_string_equal(req_query_at(&req, 2)->value, "3");
    assert_null(req_query_at(&req, 3));
    assert_string_equal(req_raw_query(&req), "a=1&b=2&a=3");
    req_cleanup(&req);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pct_decode_handles_escapes_plus_and_rejects_bad_ones),
        cmocka_unit_test(query_pairs_are_decoded_in_order_with_repeats),
        cmocka_unit_test(empty_values_and_empty_pieces),
        cmocka_unit_test(malformed_queries_are_validation_errors),
        cmocka_unit_test(too_many_parameters_is_a_validation_error),
        cmocka_unit_test(accessors_read_the_parsed_query),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}

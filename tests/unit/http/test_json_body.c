/* SPDX-License-Identifier: MIT */
/* Unit tests for JSON body validation (http_json_parse / req_json_body): every rejected input
 * gives VALIDATION_ERROR with a detail that says what is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "http/http_int.h"

static void
expect_rejected(const char *body, size_t len, const char *detail_part)
{
    struct err err = {0};
    json_t *root = http_json_parse(body, len, &err);

    if (root)
        fail_msg("accepted: %.*s", (int)len, body);
    assert_int_equal(err.code, ERR_VALIDATION_ERROR);
    if (!strstr(err.detail, detail_part))
        fail_msg("detail \"%s\" lacks \"%s\"", err.detail, detail_part);
}

static void
valid_object_is_parsed(void **state)
{
    struct err err = {0};
    const char *body = " {\"name\": \"caf\xc3\xa9\", \"n\": [1, {\"x\": null}]}\n";
    json_t *root = http_json_parse(body, strlen(body), &err);

    (void)state;
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "name")), "caf\xc3\xa9");
    json_decref(root);
}

static void
empty_body_is_rejected(void **state)
{
    (void)state;
    expect_rejected("", 0, "empty");
    expect_rejected(" \r\n\t", 4, "empty");
}

static void
malformed_json_is_rejected(void **state)
{
    (void)state;
    expect_rejected("{", 1, "not valid JSON");
    expect_rejected("{\"a\":}", 6, "not valid JSON");
    expect_rejected("{\"a\":1} x", 9, "not valid JSON");
    expect_rejected("{'a':1}", 7, "not valid JSON");
    expect_rejected("{\"a\":\"\\u0000\"}", 14, "not valid JSON");
}

static void
parser_internals_never_reach_the_detail(void **state)
{
    static const char *const bodies[] = {"{\"a\":\"\\u0000\"}", "{\"a\\u0000b\":1}", "{",
                                         "{\"a\":1} x", "{\"a\":1e999999}"};
    (void)state;
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct err err = {0};

        assert_null(http_json_parse(bodies[i], strlen(bodies[i]), &err));
        assert_int_equal(err.code, ERR_VALIDATION_ERROR);
        assert_null(strstr(err.detail, "JSON_"));
        assert_null(strstr(err.detail, "jansson"));
    }
    {
        struct err err = {0};

        http_json_parse(bodies[0], strlen(bodies[0]), &err);
        assert_non_null(strstr(err.detail, "NUL"));
    }
}

static void
invalid_utf8_is_rejected(void **state)
{
    (void)state;
    expect_rejected("{\"a\":\"\xff\"}", 9, "UTF-8");
    expect_rejected("{\"a\":\"\xc3\"}", 9, "UTF-8");
    expect_rejected("{\"a\":\"\xed\xa0\x80\"}", 11, "UTF-8"); /* a surrogate */
    expect_rejected("{\"a\":1}\0", 8, "UTF-8");               /* a raw NUL byte */
}

static void
duplicate_keys_are_rejected(void **state)
{
    (void)state;
    expect_rejected("{\"a\":1,\"a\":2}", 13, "duplicate");
    expect_rejected("{\"o\":{\"b\":1,\"b\":1}}", 19, "duplicate");
}

static void
top_level_must_be_an_object(void **state)
{
    (void)state;
    expect_rejected("[]", 2, "must be a JSON object");
    expect_rejected("\"s\"", 3, "must be a JSON object");
    expect_rejected("42", 2, "must be a JSON object");
    expect_rejected("null", 4, "must be a JSON object");
}

static void
nesting_limit_is_32(void **state)
{
    char body[256];
    struct err err = {0};
    json_t *root;
    size_t n = 0;
    int i;

    (void)state;
    /* 32 levels: {"a":{"a":...{}...}} is accepted. */
    for (i = 0; i < HTTP_JSON_DEPTH_MAX - 1; i++)
        n += (size_t)snprintf(body + n, sizeof(body) - n, "{\"a\":");
    n += (size_t)snprintf(body + n, sizeof(body) - n, "[]");
    for (i = 0; i < HTTP_JSON_DEPTH_MAX - 1; i++)
        body[n++] = '}';
    root = http_json_parse(body, n, &err);
    assert_non_null(root);
    json_decref(root);
    /* 33 levels are not. */
    n = 0;
    for (i = 0; i < HTTP_JSON_DEPTH_MAX; i++)
        n += (size_t)snprintf(body + n, sizeof(body) - n, "{\"a\":");
    n += (size_t)snprintf(body + n, sizeof(body) - n, "[]");
    for (i = 0; i < HTTP_JSON_DEPTH_MAX; i++)
        body[n++] = '}';
    expect_rejected(body, n, "deeper than 32");
    /* Brackets inside strings do not count. */
    {
        const char *text =
            "{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"{{{{{{{{{{{{{{{{{{{{{{"
            "{{{{{{{{{{{{{{\"}";

        root = http_json_parse(text, strlen(text), &err);
    }
    assert_non_null(root);
    json_decref(root);
}

static void
req_json_body_is_cached_and_owned_by_the_arena(void **state)
{
    struct req req;
    struct err err = {0};
    json_t *a, *b;

    (void)state;
    req_init(&req, 0);
    buf_init(&req.body, 1024);
    buf_puts(&req.body, "{\"k\":\"v\"}");
    a = req_json_body(&req, &err);
    b = req_json_body(&req, &err);
    assert_non_null(a);
    assert_ptr_equal(a, b);
    assert_string_equal(json_string_value(json_object_get(a, "k")), "v");
    req_cleanup(&req); /* frees the JSON: ASan reports a leak otherwise */

    req_init(&req, 0);
    assert_null(req_json_body(&req, &err));
    assert_int_equal(err.code, ERR_VALIDATION_ERROR);
    req_cleanup(&req);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_object_is_parsed),
        cmocka_unit_test(empty_body_is_rejected),
        cmocka_unit_test(malformed_json_is_rejected),
        cmocka_unit_test(invalid_utf8_is_rejected),
        cmocka_unit_test(duplicate_keys_are_rejected),
        cmocka_unit_test(parser_internals_never_reach_the_detail),
        cmocka_unit_test(top_level_must_be_an_object),
        cmocka_unit_test(nesting_limit_is_32),
        cmocka_unit_test(req_json_body_is_cached_and_owned_by_the_arena),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

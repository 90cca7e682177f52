/* SPDX-License-Identifier: MIT */
/* Unit tests for problem rendering (http/problem.c) and the response state (http/resp.c):
 * RFC 9457 fields, kebab-case type URLs, 500 hiding its cause, Retry-After, ETag matching,
 * media types and request id sanity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "http/http_int.h"

static json_t *
render(const struct err *err)
{
    struct buf out;
    json_t *root;

    buf_init(&out, 1 << 16);
    assert_int_equal(problem_render(&out, err, "/api/v1/x", "req_1"), 0);
    root = json_loads(buf_str(&out), JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(root);
    buf_cleanup(&out);
    return root;
}

static void
type_url_is_kebab_case_of_the_code(void **state)
{
    char url[128];

    (void)state;
    problem_type_url(ERR_NOT_FOUND, url, sizeof(url));
    assert_string_equal(url, "https://vigil.dev/problems/not-found");
    problem_type_url(ERR_IDEMPOTENCY_KEY_REUSED, url, sizeof(url));
    assert_string_equal(url, "https://vigil.dev/problems/idempotency-key-reused");
    problem_type_url(ERR_INTERNAL, url, sizeof(url));
    assert_string_equal(url, "https://vigil.dev/problems/internal");
    problem_type_url(ERR_NOT_FOUND, url, 10); /* truncates, stays terminated */
    assert_int_equal(strlen(url), 9);
}

static void
problem_has_every_field_and_errors_only_when_present(void **state)
{
    struct err err = {0};
    json_t *p;

    (void)state;
    err_set(&err, NOT_FOUND, "No finding find_1.");
    p = render(&err);
    assert_string_equal(json_string_value(json_object_get(p, "type")),
                        "https://vigil.dev/problems/not-found");
    assert_string_equal(json_string_value(json_object_get(p, "title")), "Resource not found");
    assert_int_equal(json_integer_value(json_object_get(p, "status")), 404);
    assert_string_equal(json_string_value(json_object_get(p, "detail")), "No finding find_1.");
    assert_string_equal(json_string_value(json_object_get(p, "instance")), "/api/v1/x");
    assert_string_equal(json_string_value(json_object_get(p, "code")), "NOT_FOUND");
    assert_string_equal(json_string_value(json_object_get(p, "request_id")), "req_1");
    assert_null(json_object_get(p, "errors"));
    assert_int_equal(json_object_size(p), 7);
    json_decref(p);

    err_clear(&err);
    err_field(&err, "name", "is required");
    err_field(&err, "severity", "must be one of %s", "low, high");
    p = render(&err);
    assert_int_equal(json_integer_value(json_object_get(p, "status")), 400);
    assert_string_equal(json_string_value(json_object_get(p, "code")), "VALIDATION_ERROR");
    assert_int_equal(json_array_size(json_object_get(p, "errors")), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(p, "errors"), 1), "field")),
                        "severity");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(p, "errors"), 1), "message")),
                        "must be one of low, high");
    json_decref(p);
}

static void
internal_error_shows_a_generic_detail_only(void **state)
{
    struct err err = {0};
    json_t *p;

    (void)state;
    err_internal(&err, "sqlite: disk I/O error at /var/secret.db");
    p = render(&err);
    assert_int_equal(json_integer_value(json_object_get(p, "status")), 500);
    assert_string_equal(json_string_value(json_object_get(p, "detail")),
                        "An internal error occurred.");
    json_decref(p);
    /* Even when someone raised INTERNAL with internals in the detail. */
    err_clear(&err);
    err_set(&err, INTERNAL, "SELECT * FROM secrets failed");
    p = render(&err);
    assert_string_equal(json_string_value(json_object_get(p, "detail")),
                        "An internal error occurred.");
    json_decref(p);
    /* No error at all renders as a 500. */
    err_clear(&err);
    p = render(&err);
    assert_int_equal(json_integer_value(json_object_get(p, "status")), 500);
    json_decref(p);
    p = render(NULL);
    assert_string_equal(json_string_value(json_object_get(p, "code")), "INTERNAL");
    json_decref(p);
}

static void
empty_detail_falls_back_to_the_title(void **state)
{
    struct err err = {0};
    json_t *p;

    (void)state;
    err.code = ERR_FORBIDDEN;
    p = render(&err);
    assert_string_equal(json_string_value(json_object_get(p, "detail")), "Forbidden");
    json_decref(p);
}

static void
resp_problem_replaces_the_response_and_sets_retry_after(void **state)
{
    struct req req;
    struct err err = {0};
    const char *name, *value;
    size_t len;
    int fds[2];

    (void)state;
    req_init(&req, 0);
    req.path = "/p";
    buf_puts(resp_body(&req), "partial");
    resp_header(&req, "X-RateLimit-Limit", "100");
    err_set(&err, RATE_LIMIT_EXCEEDED, "Slow down.");
    err.retry_after = 7;
    assert_int_equal(resp_problem(&req, &err), 0);
    assert_int_equal(resp_status(&req), 429);
    assert_string_equal(resp_content_type(&req), "application/problem+json");
    assert_null(strstr(resp_data(&req, &len), "partial"));
    assert_string_equal(resp_header_get(&req, "Retry-After"), "7");
    assert_string_equal(resp_header_get(&req, "x-ratelimit-limit"), "100");
    assert_int_equal(resp_header_count(&req), 2);
    assert_true(resp_header_at(&req, 0, &name, &value));
    assert_false(resp_header_at(&req, 2, &name, &value));

    /* A 500 is logged with its cause (and only there). */
    assert_int_equal(pipe(fds), 0);
    log_set_fd(fds[1]);
    err_clear(&err);
    err_internal(&err, "the hidden cause");
    resp_problem(&req, &err);
    log_set_fd(2);
    close(fds[1]);
    {
        char text[2048];
        ssize_t n = read(fds[0], text, sizeof(text) - 1);

        assert_true(n > 0);
        text[n] = '\0';
        assert_non_null(strstr(text, "the hidden cause"));
    }
    close(fds[0]);
    assert_null(strstr(resp_data(&req, NULL), "hidden"));
    req_cleanup(&req);
}

static void
resp_state_and_headers(void **state)
{
    struct req req;

    (void)state;
    req_init(&req, 16);
    assert_int_equal(resp_status(&req), 0);
    assert_null(resp_content_type(&req));
    buf_puts(resp_body(&req), "{}");
    assert_int_equal(resp_json(&req, 201), 0);
    assert_int_equal(resp_status(&req), 201);
    assert_string_equal(resp_content_type(&req), "application/json; charset=utf-8");
    resp_location(&req, "/api/v1/scans/%s", "scan_1");
    assert_string_equal(resp_header_get(&req, "Location"), "/api/v1/scans/scan_1");
    resp_header(&req, "location", "/other"); /* replaces, case-insensitively */
    assert_string_equal(resp_header_get(&req, "Location"), "/other");
    assert_int_equal(resp_header_count(&req), 1);
    resp_header(&req, "Content-Type", "text/html");    /* the server's: ignored */
    resp_header(&req, "X-Evil", "a\r\nSet-Cookie: x"); /* response splitting: dropped */
    assert_int_equal(resp_header_count(&req), 1);
    assert_int_equal(resp_json_new(&req, 200, json_pack("{s:i}", "n", 1)), 0);
    assert_string_equal(resp_data(&req, NULL), "{\"n\":1}");
    assert_int_equal(resp_status(&req), 200);
    assert_int_equal(resp_empty(&req, 204), 0);
    assert_int_equal(resp_data(&req, NULL)[0], '\0');
    /* Overflowing the capped body turns the response into a 500. */
    buf_puts(resp_body(&req), "0123456789abcdefXYZ");
    log_set_level(LOG_ERROR + 1);
    resp_json(&req, 200);
    log_set_level(LOG_INFO);
    assert_int_equal(resp_status(&req), 500);
    req_cleanup(&req);
}

static void
etag_matching_is_weak_and_handles_lists(void **state)
{
    char etag[48], other[48];

    (void)state;
    http_etag_compute("hello", 5, etag, sizeof(etag));
    assert_string_equal(etag, "W/\"3610a686-5\"");
    http_etag_compute("hellp", 5, other, sizeof(other));
    assert_string_not_equal(etag, other);
    assert_true(http_etag_matches(etag, etag));
    assert_true(http_etag_matches("\"3610a686-5\"", etag));
    assert_true(http_etag_matches("\"x\", W/\"3610a686-5\" ,\"y\"", etag));
    assert_true(http_etag_matches("*", etag));
    assert_false(http_etag_matches("\"x\", \"y\"", etag));
    assert_false(http_etag_matches("", etag));
    assert_false(http_etag_matches(",,, ", etag));
    assert_false(http_etag_matches(NULL, etag));
}

static void
media_types_and_request_ids(void **state)
{
    char long_id[80];

    (void)state;
    assert_true(http_media_type_ok("application/json", HTTP_POST));
    assert_true(http_media_type_ok("Application/JSON; charset=utf-8", HTTP_PUT));
    assert_true(http_media_type_ok("application/json;charset=UTF-8", HTTP_POST));
    assert_true(http_media_type_ok("application/merge-patch+json", HTTP_PATCH));
    assert_false(http_media_type_ok("application/merge-patch+json", HTTP_POST));
    assert_false(http_media_type_ok("application/jsonx", HTTP_POST));
    assert_false(http_media_type_ok("text/plain", HTTP_POST));
    assert_false(http_media_type_ok("", HTTP_POST));
    assert_false(http_media_type_ok(NULL, HTTP_POST));

    assert_true(http_request_id_valid("abc-DEF_1.2:3"));
    assert_false(http_request_id_valid(""));
    assert_false(http_request_id_valid(NULL));
    assert_false(http_request_id_valid("a b"));
    assert_false(http_request_id_valid("a\"b"));
    memset(long_id, 'a', 64);
    long_id[64] = '\0';
    assert_true(http_request_id_valid(long_id));
    long_id[64] = 'a';
    long_id[65] = '\0';
    assert_false(http_request_id_valid(long_id));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(type_url_is_kebab_case_of_the_code),
        cmocka_unit_test(problem_has_every_field_and_errors_only_when_present),
        cmocka_unit_test(internal_error_shows_a_generic_detail_only),
        cmocka_unit_test(empty_detail_falls_back_to_the_title),
        cmocka_unit_test(resp_problem_replaces_the_response_and_sets_retry_after),
        cmocka_unit_test(resp_state_and_headers),
        cmocka_unit_test(etag_matching_is_weak_and_handles_lists),
        cmocka_unit_test(media_types_and_request_ids),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* Unit tests for spec/url.c: base paths of server URLs (absolute, relative to the document's
 * URL, dot segments), paths and request targets of probe URLs (query, IPv6 host, userinfo not
 * shown), and the target joined with the spec's base path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/arena.h"
#include "spec/url.h"

static void
base_path_of_server_urls(void **state)
{
    struct arena *a = arena_new();

    (void)state;
    assert_string_equal(spec_url_base_path(a, NULL, "https://api.example.com/v1/"), "/v1");
    assert_string_equal(spec_url_base_path(a, NULL, "https://api.example.com"), "");
    assert_string_equal(spec_url_base_path(a, NULL, "http://[::1]:8080/api/v2?x=1#f"), "/api/v2");
    assert_string_equal(spec_url_base_path(a, NULL, "//api.example.com/go/"), "/go");
    assert_string_equal(spec_url_base_path(a, NULL, "/v1"), "/v1");
    assert_string_equal(spec_url_base_path(a, NULL, "v1/"), "/v1");
    assert_string_equal(spec_url_base_path(a, NULL, "./v1"), "/v1");
    assert_string_equal(spec_url_base_path(a, NULL, "."), "");
    assert_string_equal(spec_url_base_path(a, NULL, "/"), "");
    /* A "://" inside a path is part of the path. */
    assert_string_equal(spec_url_base_path(a, NULL, "/a/http://b"), "/a/http://b");
    arena_free(a);
}

/* OpenAPI 3: a relative server URL is relative to the document's own URL. */
static void
server_url_relative_to_the_spec_url(void **state)
{
    struct arena *a = arena_new();
    const char *doc = "http://127.0.0.1:8080/docs/openapi.json";

    (void)state;
    assert_string_equal(spec_url_base_path(a, doc, "v1"), "/docs/v1");
    assert_string_equal(spec_url_base_path(a, doc, "../v1/"), "/v1");
    assert_string_equal(spec_url_base_path(a, doc, "/v2"), "/v2");
    assert_string_equal(spec_url_base_path(a, doc, "."), "/docs");
    assert_string_equal(spec_url_base_path(a, doc, "https://other.example/x"), "/x");
    /* A file name is no URL: relative to the root, as before. */
    assert_string_equal(spec_url_base_path(a, "openapi.yaml", "v1"), "/v1");
    arena_free(a);
}

static void
path_of_probe_urls(void **state)
{
    char path[64];

    (void)state;
    spec_url_path("http://127.0.0.1:9/users/1?x=1#frag", path, sizeof(path));
    assert_string_equal(path, "/users/1");
    spec_url_path("http://127.0.0.1:9", path, sizeof(path));
    assert_string_equal(path, "/");
    spec_url_path("http://[::1]:9/a/../etc/passwd", path, sizeof(path));
    assert_string_equal(path, "/a/../etc/passwd"); /* as sent, never normalised */
    spec_url_path("not a url", path, sizeof(path));
    assert_string_equal(path, "/");
    spec_url_path("http://h/abcdefghij", path, 6);
    assert_string_equal(path, "/abcd");
}

static void
request_target_and_authority(void **state)
{
    struct arena *a = arena_new();

    (void)state;
    assert_string_equal(spec_url_request_target(a, "http://h:81/u?id=1&b=%20#f"), "/u?id=1&b=%20");
    assert_string_equal(spec_url_request_target(a, "http://h:81"), "/");
    assert_string_equal(spec_url_authority(a, "http://[::1]:8080/x"), "[::1]:8080");
    assert_string_equal(spec_url_authority(a, "https://api.example.com/x"), "api.example.com");
    /* userinfo is no part of a Host header */
    assert_string_equal(spec_url_authority(a, "http://u:secret@h:81/x"), "h:81");
    assert_null(spec_url_authority(a, "no scheme"));
    arena_free(a);
}

static void
target_joined_with_base_path(void **state)
{
    struct arena *a = arena_new();

    (void)state;
    assert_string_equal(spec_url_with_path(a, "http://127.0.0.1:8080", "/api/v1"),
                        "http://127.0.0.1:8080/api/v1");
    assert_string_equal(spec_url_with_path(a, "http://127.0.0.1:8080/", "/api/v1/"),
                        "http://127.0.0.1:8080/api/v1");
    assert_string_equal(spec_url_with_path(a, "http://[::1]:8080/", "/v1"), "http://[::1]:8080/v1");
    assert_string_equal(spec_url_with_path(a, "http://h/?k=v#f", "/v1"), "http://h/v1?k=v");
    assert_null(spec_url_with_path(a, "::", "/v1"));
    arena_free(a);
}

static void
userinfo_as_libcurl_reads_it(void **state)
{
    (void)state;
    assert_true(spec_url_has_userinfo("http://alice:secret@127.0.0.1:9/"));
    assert_true(spec_url_has_userinfo("http://alice@127.0.0.1:9/"));
    assert_true(spec_url_has_userinfo("HTTPS://:secret@[::1]:9/x"));
    /* An '@' past the authority is no userinfo. */
    assert_false(spec_url_has_userinfo("http://127.0.0.1:9/users/@me"));
    assert_false(spec_url_has_userinfo("http://127.0.0.1:9/?to=a@b#c@d"));
    assert_false(spec_url_has_userinfo("http://127.0.0.1:9/"));
    assert_false(spec_url_has_userinfo("not a url"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base_path_of_server_urls),
        cmocka_unit_test(server_url_relative_to_the_spec_url),
        cmocka_unit_test(path_of_probe_urls),
        cmocka_unit_test(request_target_and_authority),
        cmocka_unit_test(target_joined_with_base_path),
        cmocka_unit_test(userinfo_as_libcurl_reads_it),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

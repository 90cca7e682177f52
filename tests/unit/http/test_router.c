/* SPDX-License-Identifier: MIT */
/* Unit tests for http/router.c: params, literal-before-param, 404 vs 405 and the Allow set,
 * percent-decoding, trailing slashes, weird paths, and table validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/arena.h"
#include "http/http_int.h"

static int
h_dummy(struct req *req, struct err *err)
{
    (void)req;
    (void)err;
    return 0;
}

static const struct route table[] = {
    {HTTP_GET, "/", h_dummy, 0, 0, 0},
    {HTTP_GET, "/api/v1/findings", h_dummy, 0, 0, 0},
    {HTTP_POST, "/api/v1/findings", h_dummy, 0, HTTP_BODY_DEFAULT, 0},
    {HTTP_GET, "/api/v1/findings/{id}", h_dummy, 0, 0, 0},
    {HTTP_PATCH, "/api/v1/findings/{id}", h_dummy, 0, HTTP_BODY_DEFAULT, 0},
    {HTTP_DELETE, "/api/v1/findings/{id}", h_dummy, 0, 0, 0},
    {HTTP_GET, "/api/v1/findings/export", h_dummy, 0, 0, 0},
    {HTTP_GET, "/api/v1/projects/{project}/findings/{id}", h_dummy, 0, 0, 0},
    {HTTP_GET, "/api/v1/scans/{id}/report", h_dummy, 0, 0, 0},
    {HTTP_GET, "/api/v1/scans/latest/summary", h_dummy, 0, 0, 0},
};
#define N_TABLE (sizeof(table) / sizeof(table[0]))

struct fixture {
    struct router *router;
    struct arena *arena;
};

static int
setup(void **state)
{
    static struct fixture f;
    struct err err = {0};

    f.router = router_new(table, N_TABLE, &err);
    assert_non_null(f.router);
    f.arena = arena_new();
    *state = &f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    router_free(f->router);
    arena_free(f->arena);
    return 0;
}

static enum router_result
match(void **state, enum http_method m, const char *path, struct router_match *out)
{
    struct fixture *f = *state;

    return router_match(f->router, m, path, strlen(path), f->arena, out);
}

static void
literal_routes_match_exactly(void **state)
{
    struct router_match m;

    assert_int_equal(match(state, HTTP_GET, "/", &m), ROUTER_MATCH);
    assert_ptr_equal(m.route, &table[0]);
    assert_int_equal(match(state, HTTP_GET, "/api/v1/findings", &m), ROUTER_MATCH);
    assert_ptr_equal(m.route, &table[1]);
    assert_int_equal(m.n_params, 0);
    assert_int_equal(match(state, HTTP_POST, "/api/v1/findings", &m), ROUTER_MATCH);
    assert_ptr_equal(m.route, &table[2]);
}

static void
params_are_captured_by_name_and_decoded(void **state)
{
    struct router_match m;

    assert_int_equal(match(state, HTTP_GET, "/api/v1/findings/find_abc", &m), ROUTER_MATCH);
    assert_ptr_equal(m.route, &table[3]);
    assert_int_equal(m.n_params, 1);
    assert_string_equal(m.params[0].name, "id");
    assert_string_equal(m.params[0].value, "find_abc");

    assert_int_equal(match(state, HTTP_GET, "/api/v1/projects/proj_1/findings/find_2", &m),
                     ROUTER_MATCH);
    assert_ptr_equal(m.route, &table[7]);
    assert_int_equal(m.n_params, 2);
    assert_string_equal(m.params[0].name, "project");
    assert_string_equal(m.params[0].value, "proj_1");
    assert_string_equal(m.params[1].name, "id");
    assert_string_equal(m.params[1].value, "find_2");

    /* %2F decodes inside one segment and does not split it. */
    assert_int_equal(match(state, HTTP_GET, "/api/v1/findings/a%2Fb%20c", &m), ROUTER_MATCH);
    assert_string_equal(m.params[0].value, "a/b c");
    /* '+' is literal in a path. */
    assert_int_equal(match(state, HTTP_GET, "/api/v1/findings/a+b", &m), ROUTER_MATCH);
    assert_string_equal(m.params[0].value, "a+b");
}

static void
literal_segments_win_over_params_and_backtrack(void **state)
{
    struct router_match m;

    assert_int_equal(match(state, HTTP_GET, "/api/v1/findings/export", &m), ROUTER_MATCH);
    assert_ptr_equal(m.route, &table[6]);
    /* Encoded literal still matches the literal. */
    assert_int_equal(match(state, HTTP_GET, "/api/v1/findings/%65xport", &m), ROUTER_MATCH);
    assert_ptr_equal(m.route, &table[6]);
    /* "latest" is a literal under scans/, but /scans/latest/report only exists via {id}. */
    assert_int_equal(match(state, HTTP_GET, "/api/v1/scans/latest/report", &m), ROUTER_MATCH);
    assert_ptr_equal(m.route, &table[8]);
    assert_string_equal(m.params[0].value, "latest");
    assert_int_equal(match(state, HTTP_GET, "/api/v1/scans/latest/summary", &m), ROUTER_MATCH);
    assert_ptr_equal(m.route, &table[9]);
}

static void
unknown_path_is_not_found_and_known_path_lists_allowed_methods(void **state)
{
    struct router_match m;
    struct fixture *f = *state;

    assert_int_equal(match(state, HTTP_GET, "/api/v1/nothing", &m), ROUTER_NOT_FOUND);
    assert_int_equal(match(state, HTTP_GET, "/api/v1", &m), ROUTER_NOT_FOUND);
    assert_int_equal(match(state, HTTP_GET, "/api/v1/findings/a/b", &m), ROUTER_NOT_FOUND);
    assert_int_equal(match(state, HTTP_PUT, "/api/v1/findings/x", &m), ROUTER_METHOD_NOT_ALLOWED);
    assert_string_equal(router_allow_header(m.allowed, f->arena),
                        "GET, HEAD, PATCH, DELETE, OPTIONS");
    assert_int_equal(match(state, HTTP_DELETE, "/api/v1/findings", &m), ROUTER_METHOD_NOT_ALLOWED);
    assert_string_equal(router_allow_header(m.allowed, f->arena), "GET, HEAD, POST, OPTIONS");
}

static void
head_is_served_by_get(void **state)
{
    struct router_match m;

    assert_int_equal(match(state, HTTP_HEAD, "/api/v1/findings/x", &m), ROUTER_MATCH);
    assert_ptr_equal(m.route, &table[3]);
    assert_int_equal(match(state, HTTP_OPTIONS, "/api/v1/findings/x", &m),
                     ROUTER_METHOD_NOT_ALLOWED);
}

static void
one_trailing_slash_is_tolerated_but_empty_segments_are_not(void **state)
{
    struct router_match m;

    assert_int_equal(match(state, HTTP_GET, "/api/v1/findings/", &m), ROUTER_MATCH);
    assert_ptr_equal(m.route, &table[1]);
    assert_int_equal(match(state, HTTP_GET, "/api/v1/findings/x/", &m), ROUTER_MATCH);
    assert_string_equal(m.params[0].value, "x");
    assert_int_equal(match(state, HTTP_GET, "/api/v1/findings//", &m), ROUTER_NOT_FOUND);
    assert_int_equal(match(state, HTTP_GET, "/api//v1/findings", &m), ROUTER_NOT_FOUND);
    assert_int_equal(match(state, HTTP_GET, "//", &m), ROUTER_NOT_FOUND);
}

static void
weird_paths_never_match_wrongly(void **state)
{
    struct fixture *f = *state;
    struct router_match m;
    char nul_path[] = "/api/v1/findings/a\0b";
    char long_path[4096];
    size_t i;

    assert_int_equal(match(state, HTTP_GET, "", &m), ROUTER_NOT_FOUND);
    assert_int_equal(match(state, HTTP_GET, "api/v1/findings", &m), ROUTER_NOT_FOUND);
    assert_int_equal(match(state, HTTP_GET, "*", &m), ROUTER_NOT_FOUND);
    assert_int_equal(match(state, HTTP_GET, "/api/v1/findings/%00", &m), ROUTER_NOT_FOUND);
    assert_int_equal(match(state, HTTP_GET, "/api/v1/findings/%zz", &m), ROUTER_NOT_FOUND);
    assert_int_equal(match(state, HTTP_GET, "/api/v1/findings/%4", &m), ROUTER_NOT_FOUND);
    assert_int_equal(match(state, HTTP_GET, "/api/v1/findings/%", &m), ROUTER_NOT_FOUND);
    assert_int_equal(
        router_match(f->router, HTTP_GET, nul_path, sizeof(nul_path) - 1, f->arena, &m),
        ROUTER_NOT_FOUND);
    /* ".." is only a parameter value: the handler's id check rejects it. */
    assert_int_equal(match(state, HTTP_GET, "/api/v1/findings/..", &m), ROUTER_MATCH);
    assert_string_equal(m.params[0].value, "..");
    assert_int_equal(match(state, HTTP_GET, "/api/v1/../v1/findings", &m), ROUTER_NOT_FOUND);
    for (i = 0; i + 2 < sizeof(long_path); i += 2)
        memcpy(long_path + i, "/a", 2);
    long_path[i] = '\0';
    assert_int_equal(match(state, HTTP_GET, long_path, &m), ROUTER_NOT_FOUND);
    assert_int_equal(router_match(f->router, HTTP_METHOD_COUNT, "/", 1, f->arena, &m),
                     ROUTER_NOT_FOUND);
}

static void
bad_tables_are_rejected(void **state)
{
    static const struct route dup[] = {
        {HTTP_GET, "/a/{id}", h_dummy, 0, 0, 0},
        {HTTP_GET, "/a/{name}", h_dummy, 0, 0, 0},
    };
    static const struct route bad[][1] = {
        {{HTTP_GET, "a", h_dummy, 0, 0, 0}},     {{HTTP_GET, "/a/{}", h_dummy, 0, 0, 0}},
        {{HTTP_GET, "/a/{x", h_dummy, 0, 0, 0}}, {{HTTP_GET, "/a/", h_dummy, 0, 0, 0}},
        {{HTTP_GET, "/a//b", h_dummy, 0, 0, 0}}, {{HTTP_GET, "/a%20b", h_dummy, 0, 0, 0}},
        {{HTTP_GET, "/a", NULL, 0, 0, 0}},       {{HTTP_GET, NULL, h_dummy, 0, 0, 0}},
    };
    static const struct route same_path_two_methods[] = {
        {HTTP_GET, "/a/{id}", h_dummy, 0, 0, 0},
        {HTTP_PUT, "/a/{key}", h_dummy, 0, 0, 0},
    };
    struct err err = {0};
    struct router *r;
    size_t i;

    (void)state;
    assert_null(router_new(dup, 2, &err));
    assert_int_equal(err.code, ERR_INTERNAL);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err_clear(&err);
        assert_null(router_new(bad[i], 1, &err));
        assert_int_equal(err.code, ERR_INTERNAL);
    }
    /* Different param names at one position are fine: names belong to the route. */
    r = router_new(same_path_two_methods, 2, &err);
    assert_non_null(r);
    {
        struct arena *a = arena_new();
        struct router_match m;

        assert_int_equal(router_match(r, HTTP_PUT, "/a/1", 4, a, &m), ROUTER_MATCH);
        assert_string_equal(m.params[0].name, "key");
        assert_int_equal(router_match(r, HTTP_GET, "/a/1", 4, a, &m), ROUTER_MATCH);
        assert_string_equal(m.params[0].name, "id");
        arena_free(a);
    }
    router_free(r);
    router_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_routes_match_exactly),
        cmocka_unit_test(params_are_captured_by_name_and_decoded),
        cmocka_unit_test(literal_segments_win_over_params_and_backtrack),
        cmocka_unit_test(unknown_path_is_not_found_and_known_path_lists_allowed_methods),
        cmocka_unit_test(head_is_served_by_get),
        cmocka_unit_test(one_trailing_slash_is_tolerated_but_empty_segments_are_not),
        cmocka_unit_test(weird_paths_never_match_wrongly),
        cmocka_unit_test(bad_tables_are_rejected),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}

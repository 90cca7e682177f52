/* SPDX-License-Identifier: MIT */
/* The audit log's action names (derived from the route) and the paging parameters of the
 * simple lists (users, service accounts, audit events). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/audit.c"
#include "http/http_int.h"

static const char *
action_of(enum http_method method, const char *pattern)
{
    static char out[128];
    struct route route = {.method = method, .pattern = pattern};
    struct req req;

    req_init(&req, 0);
    req.route = &route;
    req.method = method;
    snprintf(out, sizeof(out), "%s", route_action(&req));
    req_cleanup(&req);
    return out;
}

static void
actions_are_named_after_routes(void **state)
{
    (void)state;
    assert_string_equal(action_of(HTTP_POST, "/api/v1/clients"), "clients.create");
    assert_string_equal(action_of(HTTP_PUT, "/api/v1/clients/{id}"), "clients.replace");
    assert_string_equal(action_of(HTTP_PATCH, "/api/v1/users/{id}"), "users.update");
    assert_string_equal(action_of(HTTP_DELETE, "/api/v1/service-accounts/{id}"),
                        "service-accounts.delete");
    assert_string_equal(action_of(HTTP_POST, "/api/v1/users/{id}/invite"), "users.invite");
    assert_string_equal(action_of(HTTP_POST, "/api/v1/service-accounts/{id}/tokens"),
                        "service-accounts.tokens");
}

static int
paging(const char *query, struct store_list *q, const char **values, struct err *err)
{
    static const char *const extra[] = {"actor", "action", NULL};
    struct err perr = {0};
    struct req req;
    int rc;

    req_init(&req, 0);
    req.raw_query = query;
    if (http_query_parse(query, strlen(query), req.arena, &req.query, &req.n_query, &perr))
        fail_msg("query '%s' does not parse", query);
    rc = api_paging_query(&req, extra, q, values, err);
    /* The values live in the request's arena: keep copies that outlive it. */
    for (int i = 0; i < 2; i++)
        values[i] = values[i] ? strdup(values[i]) : NULL;
    req_cleanup(&req);
    return rc;
}

static void
paging_parameters_are_checked(void **state)
{
    struct store_list q;
    const char *values[2] = {0};
    struct err err = {0};

    (void)state;
    assert_int_equal(paging("", &q, values, &err), 0);
    assert_int_equal(q.page, 1);
    assert_int_equal(q.per_page, STORE_PER_PAGE_DEFAULT);
    assert_int_equal(paging("page=3&limit=7&action=login.failure", &q, values, &err), 0);
    assert_int_equal(q.page, 3);
    assert_int_equal(q.per_page, 7);
    assert_null(values[0]);
    assert_string_equal(values[1], "login.failure");
    free((void *)values[1]);
    values[1] = NULL;
    assert_int_equal(paging("per_page=0", &q, values, &err), -1);
    assert_string_equal(err.fields[0].field, "per_page");
    err_clear(&err);
    assert_int_equal(paging("per_page=101", &q, values, &err), -1);
    err_clear(&err);
    assert_int_equal(paging("sort=name", &q, values, &err), -1);
    assert_string_equal(err.fields[0].field, "sort");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(actions_are_named_after_routes),
        cmocka_unit_test(paging_parameters_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

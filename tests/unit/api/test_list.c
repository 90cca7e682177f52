/* SPDX-License-Identifier: MIT */
/* List query parsing (api/list.c): what each query parameter becomes in a store_list, and the
 * exact field named by every refusal. Requests are built without a server (http_int.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "api/api_int.h"
#include "core/arena.h"
#include "http/http_int.h"

struct fixture {
    struct req req;
    struct store_list q;
    struct err err;
};

/* Parses `query` as a list query of `kind`; returns what api_list_query returned. */
static int
parse(struct fixture *fx, enum store_kind kind, const char *query, unsigned extra)
{
    struct err perr = {0};

    req_cleanup(&fx->req);
    req_init(&fx->req, 0);
    fx->req.path = "/api/v1/findings";
    fx->req.raw_query = query;
    err_clear(&fx->err);
    if (http_query_parse(query, strlen(query), fx->req.arena, &fx->req.query, &fx->req.n_query,
                         &perr))
        fail_msg("query '%s' does not parse: %s", query, perr.detail);
    return api_list_query(&fx->req, kind, extra, NULL, &fx->q, &fx->err);
}

static void
expect_field_error(struct fixture *fx, enum store_kind kind, const char *query, const char *field)
{
    assert_int_equal(parse(fx, kind, query, kind == STORE_FINDINGS ? API_LIST_FORMAT : 0), -1);
    assert_int_equal(fx->err.code, ERR_VALIDATION_ERROR);
    assert_true(fx->err.n_fields >= 1);
    assert_string_equal(fx->err.fields[0].field, field);
}

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));

    req_init(&fx->req, 0);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;

    req_cleanup(&fx->req);
    free(fx);
    return 0;
}

static void
defaults_are_page_one_of_fifty(void **state)
{
    struct fixture *fx = *state;

    assert_int_equal(parse(fx, STORE_FINDINGS, "", 0), 0);
    assert_int_equal(fx->q.page, 1);
    assert_int_equal(fx->q.per_page, 50);
    assert_int_equal(fx->q.n_sort, 0);
    assert_int_equal(fx->q.n_filters, 0);
}

static void
paging_sort_filters_and_dates_are_read(void **state)
{
    struct fixture *fx = *state;

    assert_int_equal(parse(fx, STORE_FINDINGS,
                           "page=3&limit=20&sort=-severity,created_at&severity=high,critical,low"
                           "&created_after=2026-01-15T10:30:00Z&search=sql+injection",
                           0),
                     0);
    assert_int_equal(fx->q.page, 3);
    assert_int_equal(fx->q.per_page, 20);
    assert_int_equal(fx->q.n_sort, 2);
    assert_string_equal(fx->q.sort[0].field, "severity");
    assert_true(fx->q.sort[0].desc);
    assert_false(fx->q.sort[1].desc);
    assert_int_equal(fx->q.n_filters, 1);
    assert_int_equal(fx->q.filters[0].n_values, 3); /* a comma means OR */
    assert_true(fx->q.has_created_after);
    assert_int_equal(fx->q.created_after, 1768473000);
    assert_string_equal(fx->q.search, "sql injection");
}

static void
bad_paging_names_the_parameter(void **state)
{
    struct fixture *fx = *state;
    const char *pages[] = {"page=0", "page=-1",      "page=abc", "page=9223372036854775808",
                           "page=",  "page=1&page=2"};

    for (size_t i = 0; i < sizeof(pages) / sizeof(*pages); i++)
        expect_field_error(fx, STORE_FINDINGS, pages[i], "page");
    expect_field_error(fx, STORE_FINDINGS, "per_page=0", "per_page");
    expect_field_error(fx, STORE_FINDINGS, "per_page=101", "per_page");
    expect_field_error(fx, STORE_FINDINGS, "per_page=10&limit=10", "limit");
}

static void
unknown_parameters_and_fields_are_refused(void **state)
{
    struct fixture *fx = *state;

    expect_field_error(fx, STORE_FINDINGS, "severty=high", "severty");
    expect_field_error(fx, STORE_FINDINGS, "sort=password", "sort");
    expect_field_error(fx, STORE_FINDINGS, "sort=severity;DROP+TABLE+findings", "sort");
    expect_field_error(fx, STORE_FINDINGS, "created_before=yesterday", "created_before");
    expect_field_error(fx, STORE_FINDINGS, "updated_after=2026-01-01", "updated_after");
    expect_field_error(fx, STORE_FINDINGS, "format=xml", "format");
    expect_field_error(fx, STORE_CLIENTS, "format=csv", "format"); /* only where offered */
    expect_field_error(fx, STORE_FINDINGS, "severity=high,", "severity");
    /* A repeated filter is refused: the comma is the one way to say OR (issue 14, item 13). */
    expect_field_error(fx, STORE_FINDINGS, "severity=high&severity=low", "severity");
    expect_field_error(fx, STORE_FINDINGS, "status=open&sort=title&status=open", "status");
    assert_non_null(strstr(fx->err.fields[0].message, "a comma means OR"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(defaults_are_page_one_of_fifty, setup, teardown),
        cmocka_unit_test_setup_teardown(paging_sort_filters_and_dates_are_read, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_paging_names_the_parameter, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_parameters_and_fields_are_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

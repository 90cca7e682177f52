/* SPDX-License-Identifier: MIT */
/* Scale: with 100,000 findings in one organization (and 1,000 in another), the first page of
 * 50, a filtered page and a page with its total stay far under a millisecond each on average.
 * Rows are inserted in one transaction with plain SQL (the per-call durability of the store
 * would make seeding take minutes); the lists then go through the real store functions. The
 * bound is generous (2 ms, for sanitizer and shared CI machines); typical is ~0.1-0.3 ms. */
#include "unit/store/store_fixture.h"

#include <time.h>

#include "core/clock.h"
#include "store/store_int.h"

#define N_FINDINGS 100000
#define ROUNDS     200

static void
seed(struct fixture *fx, const char *project_a, const char *project_b)
{
    struct conn *c = conn_acquire(fx->store, NULL);
    char *msg = NULL;
    char sql[2048];
    int rc;

    snprintf(sql, sizeof(sql),
             "PRAGMA synchronous = OFF;" /* seeding only: fsyncs are not what is measured */
             "BEGIN;"
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
             " INSERT INTO findings (id, org_id, project_id, title, severity, status, confidence,"
             " description, cwe, fingerprint, first_seen, last_seen, created_at, updated_at)"
             " SELECT printf('find_seed%%07d', i), '%s', '%s', 'Finding ' || i, i %% 5,"
             " CASE i %% 3 WHEN 0 THEN 'open' WHEN 1 THEN 'confirmed' ELSE 'remediated' END,"
             " 1, 'description of finding ' || i, 'CWE-' || (i %% 50), hex(randomblob(32)),"
             " 1700000000 + i, 1700000000 + i, 1700000000 + i, 1700000000 + i FROM n;"
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)"
             " INSERT INTO findings (id, org_id, project_id, title, severity, status, confidence,"
             " fingerprint, first_seen, last_seen, created_at, updated_at)"
             " SELECT printf('find_b%%07d', i), '%s', '%s', 'B ' || i, 4, 'open', 1, 'x',"
             " 1800000000, 1800000000, 1800000000, 1800000000 FROM n;"
             "COMMIT;"
             "PRAGMA synchronous = FULL;",
             N_FINDINGS, fx->org_a.id, project_a, fx->org_b.id, project_b);
    rc = sqlite3_exec(c->sqlite, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("seed: %s", msg);
    conn_release(fx->store, c);
}

static double
time_list(struct fixture *fx, const struct store_list *q, int64_t want_total)
{
    struct store_page page;
    int64_t start = clock_mono_ns();

    for (int i = 0; i < ROUNDS; i++) {
        struct arena *a = arena_new();
        struct db *db = store_bind(fx->store, fx->org_a.id, a);

        OK(store_finding_list(db, q, &page, err));
        assert_int_equal(page.total, want_total);
        assert_true(page.n > 0);
        arena_free(a);
    }
    return (double)(clock_mono_ns() - start) / ROUNDS / 1e6;
}

static void
first_pages_of_100k_findings_are_fast(void **state)
{
    struct fixture *fx = *state;
    struct project in = {.name = "big", .present = PROJECT_F_ALL}, pa, pb;
    const char *sev[] = {"critical"};
    const char *cwe[] = {"CWE-7"};
    struct store_list q = {0};
    struct store_page page;
    double ms;

    OK(store_project_create(fx->a, &in, &pa, err));
    OK(store_project_create(fx->b, &in, &pb, err));
    seed(fx, pa.id, pb.id);

    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.n, 50);
    assert_int_equal(page.total, N_FINDINGS);
    assert_string_equal(page.findings[0].id, "find_seed0100000"); /* newest first */

    ms = time_list(fx, &q, N_FINDINGS);
    print_message("first page, no filter: %.3f ms\n", ms);
    assert_true(ms < 2.0);

    q.filters[0] = (struct store_filter){.field = "severity", .values = sev, .n_values = 1};
    q.n_filters = 1;
    ms = time_list(fx, &q, N_FINDINGS / 5);
    print_message("first page, severity=critical with count: %.3f ms\n", ms);
    assert_true(ms < 10.0); /* counting 20,000 matches on the index */

    q.filters[0] = (struct store_filter){.field = "cwe", .values = cwe, .n_values = 1};
    ms = time_list(fx, &q, N_FINDINGS / 50);
    print_message("first page, cwe=CWE-7 with count: %.3f ms\n", ms);
    assert_true(ms < 5.0);

    q = (struct store_list){.page = 1000, .per_page = 100};
    ms = time_list(fx, &q, N_FINDINGS);
    print_message("last page (offset 99,900): %.3f ms\n", ms);
    assert_true(ms < 100.0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(first_pages_of_100k_findings_are_fast, fixture_setup,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* Scale: with 100,000 findings in one organization (and 1,000 in another), the first page of
 * 50, a filtered page with its total and the last page each cost a bounded amount of SQLite work
 * (VM instructions, counted): far less than one pass over the rows. Rows are inserted in one
 * transaction with plain SQL (the per-call durability of the store would make seeding take
 * minutes); the lists then go through the real store functions. Typical: 16-60 ticks of 100
 * instructions; a scan of the 100,000 rows would cost over 1,000. */
#include "unit/store/store_fixture.h"

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "core/clock.h"
#include <sqlite3.h>

#include "store/store_int.h"

#define N_FINDINGS 100000
#define ROUNDS     200
/* Ticks a list call may cost: a scan of the 100,000 rows would be thousands. */
#define WORK_MAX 200.0

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
             " description, cwe, fingerprint, first_seen, last_seen, created_at, updated_at,"
             " sla_due_at)"
             " SELECT printf('find_seed%%07d', i), '%s', '%s', 'Finding ' || i, i %% 5,"
             " CASE i %% 3 WHEN 0 THEN 'open' WHEN 1 THEN 'confirmed' ELSE 'remediated' END,"
             " 1, 'description of finding ' || i, 'CWE-' || (i %% 50), hex(randomblob(32)),"
             " 1700000000 + i, 1700000000 + i, 1700000000 + i, 1700000000 + i,"
             " CASE i %% 5 WHEN 0 THEN NULL ELSE 1700000000 + i + 86400 * (i %% 5) * 30 END"
             " FROM n;"
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

/* Work is counted, not timed: a progress handler on every pooled connection ticks once per
 * 100 SQLite VM instructions, so a list that scans 100,000 rows costs thousands of ticks and one
 * served from an index or the count and id caches costs a handful. The test is deterministic
 * on a loaded machine; the milliseconds are printed as a figure only (bench/ holds timings). */
#define TICK_OPS 100

static long ticks;

static int
count_tick(void *unused)
{
    (void)unused;
    ticks++;
    return 0;
}

static void
count_work(struct fixture *fx, bool on)
{
    pthread_mutex_lock(&fx->store->lock);
    for (struct conn *c = fx->store->idle; c; c = c->next_idle)
        sqlite3_progress_handler(c->sqlite, on ? TICK_OPS : 0, on ? count_tick : NULL, NULL);
    pthread_mutex_unlock(&fx->store->lock);
}

/* Average VM instructions (in ticks of TICK_OPS) one list call costs, over ROUNDS calls after
 * a first call that warms the caches. */
static double
work_list(struct fixture *fx, const struct store_list *q, int64_t want_total)
{
    struct store_page page;
    int64_t start = 0;
    double per_call;

    for (int i = 0; i <= ROUNDS; i++) {
        struct arena *a = arena_new();
        struct db *db = store_bind(fx->store, fx->org_a.id, a);

        if (i == 1) {
            ticks = 0;
            count_work(fx, true);
            start = clock_mono_ns();
        }
        OK(store_finding_list(db, q, &page, err));
        assert_int_equal(page.total, want_total);
        assert_true(page.n > 0);
        arena_free(a);
    }
    print_message("  %.3f ms a call (figure only)\n",
                  (double)(clock_mono_ns() - start) / ROUNDS / 1e6);
    count_work(fx, false);
    per_call = (double)ticks / ROUNDS;
    return per_call;
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
    double work;

    SQLITE_ONLY("counts SQLite VM instructions; PostgreSQL has no such counter");
    OK(store_project_create(fx->a, &in, &pa, err));
    OK(store_project_create(fx->b, &in, &pb, err));
    seed(fx, pa.id, pb.id);

    OK(store_finding_list(fx->a, &q, &page, err));
    assert_int_equal(page.n, 50);
    assert_int_equal(page.total, N_FINDINGS);
    assert_string_equal(page.findings[0].id, "find_seed0100000"); /* newest first */

    work = work_list(fx, &q, N_FINDINGS);
    print_message("first page, no filter: %.1f ticks of %d VM ops\n", work, TICK_OPS);
    assert_true(work < WORK_MAX);

    q.filters[0] = (struct store_filter){.field = "severity", .values = sev, .n_values = 1};
    q.n_filters = 1;
    work = work_list(fx, &q, N_FINDINGS / 5);
    print_message("first page, severity=critical with count: %.1f ticks\n", work);
    assert_true(work < WORK_MAX);

    q.filters[0] = (struct store_filter){.field = "cwe", .values = cwe, .n_values = 1};
    work = work_list(fx, &q, N_FINDINGS / 50);
    print_message("first page, cwe=CWE-7 with count: %.1f ticks\n", work);
    assert_true(work < WORK_MAX);

    q = (struct store_list){.page = 1000, .per_page = 100};
    work = work_list(fx, &q, N_FINDINGS);
    print_message("last page (offset 99,900): %.1f ticks\n", work);
    assert_true(work < WORK_MAX);

    /* The findings' ETag moment (store_finding_next_change) is a few index seeks, whatever
     * the table holds: it runs before every conditional finding GET. Far in the past, every
     * seeded due time is ahead; far in the future, none is. */
    for (int far = 0; far < 2; far++) {
        int64_t at;

        ticks = 0;
        count_work(fx, true);
        for (int i = 0; i < ROUNDS; i++) {
            struct arena *a = arena_new();

            OK(store_finding_next_change(store_bind(fx->store, fx->org_a.id, a),
                                         far ? 4000000000 : 1600000000, &at, err));
            arena_free(a);
        }
        count_work(fx, false);
        work = (double)ticks / ROUNDS;
        print_message("next change moment (%s): %.1f ticks\n", far ? "none ahead" : "all ahead",
                      work);
        assert_true(work < WORK_MAX);
        assert_int_equal(at, far ? 0 : 1700000000 + 1 + 86400 * 30 + 1);
    }
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

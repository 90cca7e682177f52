/* SPDX-License-Identifier: MIT */
/* The job queue: claim order and exclusivity, lease renewal and loss, reclaim of an expired
 * lease (rerun from the start), attempts, retry, cancel, the per-organization cap, and claims
 * racing from threads. The clock is the `now` argument: no sleeps. */
#include "unit/store/store_fixture.h"

#include <pthread.h>

#include "core/clock.h"

#define T0 1768473000

static void
claims_in_order_and_never_twice(void **state)
{
    struct fixture *fx = *state;
    struct store_job j1, j2, got;
    bool claimed;

    OK(store_job_enqueue(fx->store, fx->org_a.id, "scan", "{\"n\":1}", T0, 3, T0, fx->arena, &j1,
                         err));
    OK(store_job_enqueue(fx->store, fx->org_a.id, "scan", "{\"n\":2}", T0, 3, T0 + 1, fx->arena,
                         &j2, err));
    assert_int_equal(j1.state, STORE_JOB_QUEUED);

    OK(store_job_claim(fx->store, "scan", "w1", T0 + 5, 30, 0, fx->arena, &got, &claimed, err));
    assert_true(claimed);
    assert_string_equal(got.id, j1.id);
    assert_string_equal(got.payload, "{\"n\":1}");
    assert_int_equal(got.state, STORE_JOB_RUNNING);
    assert_int_equal(got.attempts, 1);
    assert_string_equal(got.lease_owner, "w1");
    assert_int_equal(got.lease_expires_at, T0 + 35);

    OK(store_job_claim(fx->store, "scan", "w2", T0 + 5, 30, 0, fx->arena, &got, &claimed, err));
    assert_true(claimed);
    assert_string_equal(got.id, j2.id);
    OK(store_job_claim(fx->store, "scan", "w3", T0 + 5, 30, 0, fx->arena, &got, &claimed, err));
    assert_false(claimed);
    /* another kind sees nothing */
    OK(store_job_claim(fx->store, "webhook", "w3", T0 + 5, 30, 0, fx->arena, &got, &claimed, err));
    assert_false(claimed);
}

static void
run_after_delays_the_claim(void **state)
{
    struct fixture *fx = *state;
    struct store_job j, got;
    bool claimed;

    OK(store_job_enqueue(fx->store, fx->org_a.id, "scan", "{}", T0 + 100, 3, T0, fx->arena, &j,
                         err));
    OK(store_job_claim(fx->store, "scan", "w1", T0 + 99, 30, 0, fx->arena, &got, &claimed, err));
    assert_false(claimed);
    OK(store_job_claim(fx->store, "scan", "w1", T0 + 100, 30, 0, fx->arena, &got, &claimed, err));
    assert_true(claimed);
}

static void
expired_lease_is_reclaimed_and_the_old_owner_is_refused(void **state)
{
    struct fixture *fx = *state;
    struct store_job j, got;
    bool claimed, cancel;

    OK(store_job_enqueue(fx->store, fx->org_a.id, "scan", "{}", T0, 3, T0, fx->arena, &j, err));
    OK(store_job_claim(fx->store, "scan", "w1", T0, 30, 0, fx->arena, &got, &claimed, err));
    assert_true(claimed);
    /* renewed in time: still w1's at T0 + 50 */
    OK(store_job_renew(fx->store, j.id, "w1", T0 + 20, 30, &cancel, err));
    assert_false(cancel);
    OK(store_job_claim(fx->store, "scan", "w2", T0 + 49, 30, 0, fx->arena, &got, &claimed, err));
    assert_false(claimed);
    /* w1 dies; at T0 + 50 the lease is over and w2 takes the job, attempt 2 */
    OK(store_job_claim(fx->store, "scan", "w2", T0 + 50, 30, 0, fx->arena, &got, &claimed, err));
    assert_true(claimed);
    assert_string_equal(got.id, j.id);
    assert_string_equal(got.lease_owner, "w2");
    assert_int_equal(got.attempts, 2);
    /* w1 comes back: every write of it is refused */
    FAILS(store_job_renew(fx->store, j.id, "w1", T0 + 51, 30, &cancel, err), CONFLICT, NULL);
    FAILS(store_job_finish(fx->store, j.id, "w1", STORE_JOB_DONE, NULL, T0 + 51, err), CONFLICT,
          NULL);
    OK(store_job_finish(fx->store, j.id, "w2", STORE_JOB_DONE, NULL, T0 + 60, err));
    OK(store_job_get(fx->store, fx->org_a.id, j.id, fx->arena, &got, err));
    assert_int_equal(got.state, STORE_JOB_DONE);
    assert_int_equal(got.finished_at, T0 + 60);
    assert_null(got.lease_owner);
    /* finished jobs are never claimed again */
    OK(store_job_claim(fx->store, "scan", "w3", T0 + 1000, 30, 0, fx->arena, &got, &claimed, err));
    assert_false(claimed);
}

static void
last_attempt_lost_fails_the_job(void **state)
{
    struct fixture *fx = *state;
    struct store_job j, got;
    bool claimed;

    OK(store_job_enqueue(fx->store, fx->org_a.id, "scan", "{}", T0, 2, T0, fx->arena, &j, err));
    OK(store_job_claim(fx->store, "scan", "w1", T0, 10, 0, fx->arena, &got, &claimed, err));
    OK(store_job_claim(fx->store, "scan", "w2", T0 + 10, 10, 0, fx->arena, &got, &claimed, err));
    assert_true(claimed);
    assert_int_equal(got.attempts, 2);
    OK(store_job_claim(fx->store, "scan", "w3", T0 + 20, 10, 0, fx->arena, &got, &claimed, err));
    assert_false(claimed);
    OK(store_job_get(fx->store, NULL, j.id, fx->arena, &got, err));
    assert_int_equal(got.state, STORE_JOB_FAILED);
    assert_non_null(strstr(got.last_error, "worker lost"));
}

static void
retry_requeues_until_attempts_run_out(void **state)
{
    struct fixture *fx = *state;
    struct store_job j, got;
    bool claimed, requeued;

    OK(store_job_enqueue(fx->store, fx->org_a.id, "scan", "{}", T0, 2, T0, fx->arena, &j, err));
    OK(store_job_claim(fx->store, "scan", "w1", T0, 30, 0, fx->arena, &got, &claimed, err));
    OK(store_job_retry(fx->store, j.id, "w1", T0 + 60, "boom", T0 + 1, &requeued, err));
    assert_true(requeued);
    OK(store_job_claim(fx->store, "scan", "w1", T0 + 59, 30, 0, fx->arena, &got, &claimed, err));
    assert_false(claimed);
    OK(store_job_claim(fx->store, "scan", "w1", T0 + 60, 30, 0, fx->arena, &got, &claimed, err));
    assert_true(claimed);
    assert_string_equal(got.last_error, "boom");
    OK(store_job_retry(fx->store, j.id, "w1", T0 + 120, "boom again", T0 + 61, &requeued, err));
    assert_false(requeued);
    OK(store_job_get(fx->store, fx->org_a.id, j.id, fx->arena, &got, err));
    assert_int_equal(got.state, STORE_JOB_FAILED);
    assert_string_equal(got.last_error, "boom again");
}

static void
cancel_queued_running_finished_and_other_org(void **state)
{
    struct fixture *fx = *state;
    struct store_job q, r, got;
    bool claimed, was_running, cancel;

    OK(store_job_enqueue(fx->store, fx->org_a.id, "scan", "{}", T0, 3, T0, fx->arena, &r, err));
    OK(store_job_enqueue(fx->store, fx->org_a.id, "scan", "{}", T0, 3, T0 + 1, fx->arena, &q, err));
    OK(store_job_claim(fx->store, "scan", "w1", T0 + 2, 30, 0, fx->arena, &got, &claimed, err));
    assert_string_equal(got.id, r.id);

    FAILS(store_job_cancel(fx->store, fx->org_b.id, q.id, T0 + 3, &was_running, err), NOT_FOUND,
          NULL);
    OK(store_job_cancel(fx->store, fx->org_a.id, q.id, T0 + 3, &was_running, err));
    assert_false(was_running);
    FAILS(store_job_cancel(fx->store, fx->org_a.id, q.id, T0 + 3, &was_running, err), CONFLICT,
          NULL);
    OK(store_job_claim(fx->store, "scan", "w2", T0 + 3, 30, 0, fx->arena, &got, &claimed, err));
    assert_false(claimed); /* the cancelled queued job is never claimed */

    OK(store_job_cancel(fx->store, fx->org_a.id, r.id, T0 + 4, &was_running, err));
    assert_true(was_running);
    OK(store_job_renew(fx->store, r.id, "w1", T0 + 5, 30, &cancel, err));
    assert_true(cancel);
    OK(store_job_finish(fx->store, r.id, "w1", STORE_JOB_CANCELLED, NULL, T0 + 6, err));
    FAILS(store_job_cancel(fx->store, fx->org_a.id, r.id, T0 + 7, &was_running, err), CONFLICT,
          NULL);
}

static void
cancelled_job_whose_worker_died_is_not_rerun(void **state)
{
    struct fixture *fx = *state;
    struct store_job j, got;
    bool claimed, was_running;

    OK(store_job_enqueue(fx->store, fx->org_a.id, "scan", "{}", T0, 3, T0, fx->arena, &j, err));
    OK(store_job_claim(fx->store, "scan", "w1", T0, 30, 0, fx->arena, &got, &claimed, err));
    OK(store_job_cancel(fx->store, fx->org_a.id, j.id, T0 + 1, &was_running, err));
    OK(store_job_claim(fx->store, "scan", "w2", T0 + 31, 30, 0, fx->arena, &got, &claimed, err));
    assert_false(claimed);
    OK(store_job_get(fx->store, fx->org_a.id, j.id, fx->arena, &got, err));
    assert_int_equal(got.state, STORE_JOB_CANCELLED);
}

static void
abandoned_scan_job_ends_its_scan(void **state)
{
    struct fixture *fx = *state;
    struct store_scan in = {.target = "http://127.0.0.1:9", .request = "{}"}, s1, s2, got;
    struct store_job job;
    bool claimed, was_running;
    int64_t now = clock_now();

    OK(store_scan_create(fx->a, &in, 1, &s1, err));
    OK(store_scan_create(fx->a, &in, 1, &s2, err));
    /* created in the same second: either may be claimed first, so s1 is the first one claimed */
    OK(store_job_claim(fx->store, STORE_SCAN_JOB_KIND, "w1", now, 10, 0, fx->arena, &job, &claimed,
                       err));
    assert_true(claimed);
    if (strcmp(job.id, s1.job_id) != 0) {
        struct store_scan t = s1;

        s1 = s2;
        s2 = t;
    }
    assert_string_equal(job.id, s1.job_id);
    OK(store_scan_started(fx->store, s1.id, now, err));
    OK(store_job_claim(fx->store, STORE_SCAN_JOB_KIND, "w2", now, 10, 0, fx->arena, &job, &claimed,
                       err));
    assert_string_equal(job.id, s2.job_id);
    OK(store_scan_started(fx->store, s2.id, now, err));
    OK(store_scan_cancel(fx->a, s2.id, &was_running, err));
    assert_true(was_running);
    /* both workers die; their leases expire: s1 had its one attempt, s2 was being cancelled */
    OK(store_job_claim(fx->store, STORE_SCAN_JOB_KIND, "w3", now + 10, 10, 0, fx->arena, &job,
                       &claimed, err));
    assert_false(claimed);
    OK(store_scan_get(fx->a, s1.id, &got, err));
    assert_int_equal(got.status, STORE_SCAN_FAILED);
    assert_non_null(strstr(got.error, "worker lost"));
    OK(store_scan_get(fx->a, s2.id, &got, err));
    assert_int_equal(got.status, STORE_SCAN_CANCELLED);
}

static void
per_org_cap_queues_the_rest(void **state)
{
    struct fixture *fx = *state;
    struct store_job j, got;
    const char *first_a;
    bool claimed;

    for (int i = 0; i < 3; i++)
        OK(store_job_enqueue(fx->store, fx->org_a.id, "scan", "{}", T0, 3, T0 + i, fx->arena, &j,
                             err));
    OK(store_job_enqueue(fx->store, fx->org_b.id, "scan", "{}", T0, 3, T0 + 10, fx->arena, &j,
                         err));
    OK(store_job_claim(fx->store, "scan", "w1", T0 + 20, 30, 2, fx->arena, &got, &claimed, err));
    assert_string_equal(got.org_id, fx->org_a.id);
    first_a = got.id;
    OK(store_job_claim(fx->store, "scan", "w2", T0 + 20, 30, 2, fx->arena, &got, &claimed, err));
    assert_string_equal(got.org_id, fx->org_a.id);
    /* org A is at its cap of 2: org B's later job goes first */
    OK(store_job_claim(fx->store, "scan", "w3", T0 + 20, 30, 2, fx->arena, &got, &claimed, err));
    assert_true(claimed);
    assert_string_equal(got.org_id, fx->org_b.id);
    OK(store_job_claim(fx->store, "scan", "w4", T0 + 20, 30, 2, fx->arena, &got, &claimed, err));
    assert_false(claimed);
    /* B's job finishing does not lift A's cap; one of A's finishing does */
    OK(store_job_finish(fx->store, got.id, "w3", STORE_JOB_DONE, NULL, T0 + 21, err));
    OK(store_job_claim(fx->store, "scan", "w4", T0 + 21, 30, 2, fx->arena, &got, &claimed, err));
    assert_false(claimed);
    OK(store_job_finish(fx->store, first_a, "w1", STORE_JOB_DONE, NULL, T0 + 22, err));
    OK(store_job_claim(fx->store, "scan", "w4", T0 + 22, 30, 2, fx->arena, &got, &claimed, err));
    assert_true(claimed);
    assert_string_equal(got.org_id, fx->org_a.id);
}

static void
bad_enqueue_arguments(void **state)
{
    struct fixture *fx = *state;
    struct store_job j;

    FAILS(store_job_enqueue(fx->store, fx->org_a.id, "", "{}", T0, 3, T0, fx->arena, &j, err),
          VALIDATION_ERROR, "kind");
    FAILS(store_job_enqueue(fx->store, fx->org_a.id, "scan", NULL, T0, 3, T0, fx->arena, &j, err),
          VALIDATION_ERROR, "payload");
    FAILS(store_job_enqueue(fx->store, fx->org_a.id, "scan", "{}", T0, 0, T0, fx->arena, &j, err),
          VALIDATION_ERROR, "max_attempts");
    FAILS(store_job_get(fx->store, fx->org_a.id, "job_missing", fx->arena, &j, err), NOT_FOUND,
          NULL);
}

/* ---- racing claims --------------------------------------------------------------------- */

#define RACE_JOBS    200
#define RACE_THREADS 4

struct racer {
    struct store *store;
    char owner[16];
    int claimed;
    char ids[RACE_JOBS][40];
};

static void *
race(void *arg)
{
    struct racer *r = arg;
    struct arena *a = arena_new();

    for (;;) {
        struct store_job got;
        bool claimed;
        struct err err = {0};

        if (store_job_claim(r->store, "scan", r->owner, T0, 300, 0, a, &got, &claimed, &err))
            continue; /* busy: try again */
        if (!claimed)
            break;
        snprintf(r->ids[r->claimed++], 40, "%s", got.id);
        if (store_job_finish(r->store, got.id, r->owner, STORE_JOB_DONE, NULL, T0, &err))
            fail_msg("finish: %s", err.detail);
    }
    arena_free(a);
    return NULL;
}

static void
racing_workers_take_each_job_exactly_once(void **state)
{
    struct fixture *fx = *state;
    static struct racer racers[RACE_THREADS];
    pthread_t threads[RACE_THREADS];
    struct store_job j;
    int total = 0;

    for (int i = 0; i < RACE_JOBS; i++)
        OK(store_job_enqueue(fx->store, fx->org_a.id, "scan", "{}", T0, 1, T0, fx->arena, &j, err));
    for (int t = 0; t < RACE_THREADS; t++) {
        racers[t].store = fx->store;
        racers[t].claimed = 0;
        snprintf(racers[t].owner, sizeof(racers[t].owner), "w%d", t);
        assert_int_equal(pthread_create(&threads[t], NULL, race, &racers[t]), 0);
    }
    for (int t = 0; t < RACE_THREADS; t++)
        pthread_join(threads[t], NULL);
    for (int t = 0; t < RACE_THREADS; t++)
        total += racers[t].claimed;
    assert_int_equal(total, RACE_JOBS);
    for (int t = 0; t < RACE_THREADS; t++)
        for (int i = 0; i < racers[t].claimed; i++)
            for (int u = t; u < RACE_THREADS; u++)
                for (int k = (u == t ? i + 1 : 0); k < racers[u].claimed; k++)
                    assert_string_not_equal(racers[t].ids[i], racers[u].ids[k]);
}

/* Claimers racing over several organizations with a cap of one running job each: every
 * organization gets exactly one, never two, whatever the interleaving (on PostgreSQL the cap
 * is kept by the per-organization advisory lock, not by a writer lock). */
#define CAP_ORGS    3
#define CAP_JOBS    4 /* per organization */
#define CAP_THREADS 6

struct capped_racer {
    struct store *store;
    char owner[16];
    int claimed;
    char orgs[CAP_ORGS * CAP_JOBS][40];
};

static void *
capped_race(void *arg)
{
    struct capped_racer *r = arg;
    struct arena *a = arena_new();

    for (int tries = 0; tries < 1000; tries++) {
        struct store_job got;
        bool claimed;
        struct err err = {0};

        if (store_job_claim(r->store, "scan", r->owner, T0, 300, 1, a, &got, &claimed, &err))
            continue; /* busy: try again */
        if (!claimed)
            break;
        snprintf(r->orgs[r->claimed++], 40, "%s", got.org_id);
    }
    arena_free(a);
    return NULL;
}

static void
racing_claims_keep_the_per_org_cap(void **state)
{
    struct fixture *fx = *state;
    struct capped_racer racers[CAP_THREADS];
    pthread_t threads[CAP_THREADS];
    struct org third;
    const char *orgs[CAP_ORGS];
    struct store_job j;
    int per_org[CAP_ORGS] = {0}, total = 0;

    OK(store_org_create(fx->store, "Org C", fx->arena, &third, err));
    orgs[0] = fx->org_a.id;
    orgs[1] = fx->org_b.id;
    orgs[2] = third.id;
    for (int i = 0; i < CAP_JOBS; i++)
        for (int o = 0; o < CAP_ORGS; o++)
            OK(store_job_enqueue(fx->store, orgs[o], "scan", "{}", T0, 1, T0 + i, fx->arena, &j,
                                 err));
    for (int t = 0; t < CAP_THREADS; t++) {
        racers[t] = (struct capped_racer){.store = fx->store};
        snprintf(racers[t].owner, sizeof(racers[t].owner), "w%d", t);
        assert_int_equal(pthread_create(&threads[t], NULL, capped_race, &racers[t]), 0);
    }
    for (int t = 0; t < CAP_THREADS; t++)
        pthread_join(threads[t], NULL);
    for (int t = 0; t < CAP_THREADS; t++) {
        for (int i = 0; i < racers[t].claimed; i++) {
            for (int o = 0; o < CAP_ORGS; o++)
                per_org[o] += strcmp(racers[t].orgs[i], orgs[o]) == 0;
            total++;
        }
    }
    assert_int_equal(total, CAP_ORGS);
    for (int o = 0; o < CAP_ORGS; o++)
        assert_int_equal(per_org[o], 1);
}

/* PostgreSQL: a claim takes no writer lock, so a worker claims while another process holds
 * it (a long API write, another server's batch). Were the claim to wait for it, this test
 * would hang until CTest's timeout. */
static void
a_claim_does_not_wait_for_the_writer_lock(void **state)
{
    struct fixture *fx = *state;
    struct store_job j, got;
    bool claimed = false;
    PGconn *holder;
    PGresult *res;

    if (!fixture_pg_admin()) {
        fprintf(stderr, "skipped on SQLite: one writer at a time is SQLite's own design\n");
        skip();
    }
    OK(store_job_enqueue(fx->store, fx->org_a.id, "scan", "{}", T0, 1, T0, fx->arena, &j, err));
    holder = PQconnectdb(fx->pg_url);
    assert_int_equal(PQstatus(holder), CONNECTION_OK);
    /* pg.c's WRITER_LOCK_KEY ("vigilw"), held at session level the whole time. */
    res = PQexec(holder, "SELECT pg_advisory_lock(130195078605943)");
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    PQclear(res);
    OK(store_job_claim(fx->store, "scan", "w1", T0, 300, 2, fx->arena, &got, &claimed, err));
    assert_true(claimed);
    assert_string_equal(got.id, j.id);
    PQclear(PQexec(holder, "SELECT pg_advisory_unlock_all()"));
    PQfinish(holder);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(claims_in_order_and_never_twice, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(run_after_delays_the_claim, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(expired_lease_is_reclaimed_and_the_old_owner_is_refused,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(last_attempt_lost_fails_the_job, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(retry_requeues_until_attempts_run_out, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(cancel_queued_running_finished_and_other_org, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(cancelled_job_whose_worker_died_is_not_rerun, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(abandoned_scan_job_ends_its_scan, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(per_org_cap_queues_the_rest, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(bad_enqueue_arguments, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(racing_workers_take_each_job_exactly_once, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(racing_claims_keep_the_per_org_cap, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(a_claim_does_not_wait_for_the_writer_lock, fixture_setup,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* Webhooks in the store: events only for subscribed active endpoints, none from a rolled-back
 * write, fan-out by the dispatcher, and the state an attempt record leaves (retry, last
 * attempt, 410, five days of failures, a lost lease). Time is the `now` argument where the
 * functions take one. */
#include "unit/store/store_fixture.h"

#include "core/clock.h"
#include "jobs/jobs.h"

static const char *const all_events[] = {"*"};
static const char *const finding_events[] = {"finding.created"};

static struct webhook
hook_in(const char *const *events, size_t n, bool active)
{
    struct webhook w = {.url = "http://127.0.0.1:9/hook",
                        .events = (const char **)events,
                        .n_events = n,
                        .secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                        .active = active};
    return w;
}

static struct project
new_project(struct db *db)
{
    struct project in = {.name = "p"}, out;

    OK(store_project_create(db, &in, &out, err));
    return out;
}

static size_t
dispatch_all(struct fixture *fx)
{
    size_t n = 0;

    OK(store_webhook_dispatch(fx->store, clock_now(), 100, &n, err));
    return n;
}

static struct store_page
deliveries(struct fixture *fx, struct db *db, const char *hook_id)
{
    static const char *values[1];
    struct store_list q = {.page = 1, .per_page = 100};
    struct store_page page;

    values[0] = hook_id;
    q.filters[0] = (struct store_filter){.field = "webhook_id", .values = values, .n_values = 1};
    q.n_filters = 1;
    (void)fx;
    OK(store_webhook_deliveries(db, hook_id, &q, &page, err));
    return page;
}

static void
events_only_for_subscribed_active_endpoints(void **state)
{
    struct fixture *fx = *state;
    struct webhook sub = hook_in(finding_events, 1, true), off = hook_in(all_events, 1, false);
    struct webhook in_b = hook_in(all_events, 1, true), s, o, b;
    struct store_page page;

    /* Nobody listens yet: the write leaves no event at all. */
    new_project(fx->a);
    assert_int_equal(dispatch_all(fx), 0);

    OK(store_webhook_create(fx->a, &sub, &s, err));
    OK(store_webhook_create(fx->a, &off, &o, err));
    OK(store_webhook_create(fx->b, &in_b, &b, err));
    new_project(fx->a); /* project.created: only `off` would want it, and it is inactive */
    assert_int_equal(dispatch_all(fx), 0);
    {
        struct project p = new_project(fx->a);
        struct finding f = {.project_id = p.id, .title = "t"}, out;

        OK(store_finding_create(fx->a, &f, &out, err));
    }
    assert_int_equal(dispatch_all(fx), 1);
    assert_int_equal(dispatch_all(fx), 0); /* dispatched once */
    page = deliveries(fx, fx->a, s.id);
    assert_int_equal(page.n, 1);
    assert_string_equal(page.deliveries[0].event, "finding.created");
    assert_int_equal(page.deliveries[0].status, STORE_DELIVERY_PENDING);
    assert_int_equal(deliveries(fx, fx->a, o.id).n, 0);
    assert_int_equal(deliveries(fx, fx->b, b.id).n, 0); /* the other organization's */
    FAILS(store_webhook_deliveries(fx->b, s.id, &(struct store_list){.page = 1, .per_page = 10},
                                   &page, err),
          NOT_FOUND, NULL);
}

static void
a_rolled_back_write_leaves_no_event(void **state)
{
    struct fixture *fx = *state;
    struct webhook in = hook_in(all_events, 1, true), h;
    struct project p;

    OK(store_webhook_create(fx->a, &in, &h, err));
    store_fault_fail_next_commit();
    {
        struct project pin = {.name = "rolled back"};

        FAILS(store_project_create(fx->a, &pin, &p, err), INTERNAL, NULL);
    }
    assert_int_equal(dispatch_all(fx), 0);
    new_project(fx->a);
    assert_int_equal(dispatch_all(fx), 1);
}

/* Claims the one webhook job and loads its send. */
static void
claim(struct fixture *fx, const char *owner, int64_t now, struct store_job *job,
      struct store_webhook_send *send)
{
    bool claimed;

    OK(store_job_claim(fx->store, STORE_WEBHOOK_JOB_KIND, owner, now, 30, 0, fx->arena, job,
                       &claimed, err));
    assert_true(claimed);
    OK(store_webhook_send_load(fx->store, job->payload, now, fx->arena, send, err));
    assert_null(send->skip);
}

static void
failures_retry_then_fail_and_a_lost_lease_writes_nothing(void **state)
{
    struct fixture *fx = *state;
    struct webhook in = hook_in(all_events, 1, true), h, got;
    struct store_job job;
    struct store_webhook_send send;
    struct store_page page;
    int64_t now = clock_now();
    bool disabled;
    const char *reason;

    OK(store_webhook_create(fx->a, &in, &h, err));
    new_project(fx->a);
    dispatch_all(fx);
    for (int n = 1; n <= STORE_WEBHOOK_MAX_ATTEMPTS; n++) {
        struct store_webhook_outcome o = {
            .attempt = {.at = now, .status_code = 500, .error = "answered 500"},
            .disable_after = WEBHOOK_DISABLE_AFTER};

        claim(fx, "w1", now, &job, &send);
        assert_int_equal(send.attempt, n);
        assert_int_equal(job.attempts, n);
        o.retry_at = webhook_retry_at(job.attempts, now);
        assert_int_equal(o.retry_at == 0, n == STORE_WEBHOOK_MAX_ATTEMPTS);
        if (n == 2) {
            /* Another worker took over after a lease loss: w2's record is refused whole. */
            FAILS(store_webhook_attempt_record(fx->store, job.id, "w2", &send, &o, now, &disabled,
                                               &reason, fx->arena, err),
                  CONFLICT, NULL);
        }
        OK(store_webhook_attempt_record(fx->store, job.id, "w1", &send, &o, now, &disabled, &reason,
                                        fx->arena, err));
        assert_false(disabled);
        page = deliveries(fx, fx->a, h.id);
        assert_int_equal(page.deliveries[0].attempts, n);
        assert_int_equal(page.deliveries[0].n_log, n);
        assert_int_equal(page.deliveries[0].status, n < STORE_WEBHOOK_MAX_ATTEMPTS
                                                        ? STORE_DELIVERY_PENDING
                                                        : STORE_DELIVERY_FAILED);
        if (o.retry_at)
            now = o.retry_at;
    }
    OK(store_webhook_get(fx->a, h.id, &got, err));
    assert_true(got.active);
    assert_true(got.failing_since > 0);
}

static void
a_410_or_five_days_of_failing_deactivates(void **state)
{
    struct fixture *fx = *state;
    struct webhook in = hook_in(all_events, 1, true), h, got;
    struct store_job job;
    struct store_webhook_send send;
    int64_t now = clock_now();
    bool disabled;
    const char *reason;
    struct store_webhook_outcome fail = {.attempt = {.at = now, .status_code = 500},
                                         .retry_at = now + 5,
                                         .disable_after = WEBHOOK_DISABLE_AFTER};
    struct store_webhook_outcome gone = {.attempt = {.at = now, .status_code = 410},
                                         .gone = true,
                                         .disable_after = WEBHOOK_DISABLE_AFTER};

    OK(store_webhook_create(fx->a, &in, &h, err));
    new_project(fx->a);
    dispatch_all(fx);
    claim(fx, "w1", now, &job, &send);
    OK(store_webhook_attempt_record(fx->store, job.id, "w1", &send, &fail, now, &disabled, &reason,
                                    fx->arena, err));
    assert_false(disabled);
    now += WEBHOOK_DISABLE_AFTER;
    fail.attempt.at = now;
    fail.retry_at = now + 300;
    claim(fx, "w1", now, &job, &send);
    OK(store_webhook_attempt_record(fx->store, job.id, "w1", &send, &fail, now, &disabled, &reason,
                                    fx->arena, err));
    assert_true(disabled);
    assert_non_null(strstr(reason, "5 days"));
    OK(store_webhook_get(fx->a, h.id, &got, err));
    assert_false(got.active);
    /* The retry the record queued is not sent to an inactive endpoint. */
    {
        bool claimed;

        OK(store_job_claim(fx->store, STORE_WEBHOOK_JOB_KIND, "w1", now + 400, 30, 0, fx->arena,
                           &job, &claimed, err));
        assert_false(claimed);
    }

    /* Back on; a 410 switches it off at once. */
    {
        struct webhook on = {.active = true, .present = WEBHOOK_F_ACTIVE};

        OK(store_webhook_update(fx->a, h.id, &on, &got, err));
        assert_int_equal(got.failing_since, 0);
        assert_null(got.disabled_reason);
    }
    new_project(fx->a);
    dispatch_all(fx);
    claim(fx, "w1", now, &job, &send);
    OK(store_webhook_attempt_record(fx->store, job.id, "w1", &send, &gone, now, &disabled, &reason,
                                    fx->arena, err));
    assert_true(disabled);
    assert_non_null(strstr(reason, "410"));
}

static void
retry_delays_follow_the_schedule_with_bounded_jitter(void **state)
{
    static const int64_t delays[] = {5, 300, 1800, 7200, 18000, 36000, 36000};
    (void)state;

    for (int n = 1; n <= 7; n++) {
        for (int k = 0; k < 50; k++) {
            int64_t d = webhook_retry_at(n, 1000) - 1000;

            assert_true(d >= delays[n - 1] && d <= delays[n - 1] + delays[n - 1] / 10);
        }
    }
    assert_int_equal(webhook_retry_at(8, 1000), 0);
    assert_int_equal(webhook_retry_at(0, 1000), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(events_only_for_subscribed_active_endpoints, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(a_rolled_back_write_leaves_no_event, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(failures_retry_then_fail_and_a_lost_lease_writes_nothing,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(a_410_or_five_days_of_failing_deactivates, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test(retry_delays_follow_the_schedule_with_bounded_jitter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

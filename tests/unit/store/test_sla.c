/* SPDX-License-Identifier: MIT */
/* SLAs and risk acceptance in the store (issue 11): sla_due_at from the severity and the
 * organization's setting, the sla_breached filter against the clock (cached totals included),
 * acceptance and its CONFLICTs, the expiry sweep across organizations, expiry on read, the
 * clearing of an acceptance by a status change, and the next-change moment the API's ETags use.
 * Time moves with clock_test_advance, never by sleeping; each test puts the clock back. */
#include "unit/store/store_fixture.h"

#include <strings.h>

#include "core/clock.h"
#include "model/sla.h"

#define DAY 86400

static const char *const updated_events[] = {"finding.updated"};

static const char *
mk_project(struct db *db)
{
    struct project in = {.name = "p", .present = PROJECT_F_ALL}, out;

    OK(store_project_create(db, &in, &out, err));
    return out.id;
}

static struct finding
mk_finding(struct db *db, const char *project, enum severity severity, enum finding_status status)
{
    struct finding in = {.project_id = project,
                         .title = "t",
                         .severity = severity,
                         .status = status,
                         .cvss_score = -1},
                   out;

    OK(store_finding_create(db, &in, &out, err));
    return out;
}

static struct finding
get(struct db *db, const char *id)
{
    struct finding f;

    OK(store_finding_get(db, id, &f, err));
    return f;
}

static int64_t
count_breached(struct db *db, const char *project, const char *value)
{
    const char *project_v[] = {project}, *breached_v[] = {value};
    struct store_list q = {.per_page = 100};
    struct store_page page;

    q.filters[0] = (struct store_filter){.field = "project_id", .values = project_v, .n_values = 1};
    q.filters[1] =
        (struct store_filter){.field = "sla_breached", .values = breached_v, .n_values = 1};
    q.n_filters = 2;
    OK(store_finding_list(db, &q, &page, err));
    assert_int_equal((int64_t)page.n, page.total);
    for (size_t i = 0; i < page.n; i++)
        assert_int_equal(finding_sla_breached(&page.findings[i], clock_now()),
                         strcasecmp(value, "true") == 0);
    return page.total;
}

static struct finding_status_change
last_change(struct db *db, const char *id)
{
    struct finding_status_change *h;
    size_t n;

    OK(store_finding_history(db, id, &h, &n, err));
    assert_true(n > 0);
    return h[n - 1];
}

static struct finding_acceptance
acceptance(const char *reason, int64_t expires_at)
{
    return (struct finding_acceptance){.reason = reason, .expires_at = expires_at};
}

static size_t
dispatch_all(struct fixture *fx)
{
    size_t n = 0;

    OK(store_webhook_dispatch(fx->store, clock_now(), 100, &n, err));
    return n;
}

/* ---- SLA ------------------------------------------------------------------------------ */

static void
due_time_follows_severity_and_setting(void **state)
{
    struct fixture *fx = *state;
    const char *p = mk_project(fx->a);
    struct finding crit = mk_finding(fx->a, p, SEVERITY_CRITICAL, FINDING_OPEN);
    struct finding low = mk_finding(fx->a, p, SEVERITY_LOW, FINDING_OPEN);
    struct finding info = mk_finding(fx->a, p, SEVERITY_INFO, FINDING_OPEN);
    struct finding other = mk_finding(fx->b, mk_project(fx->b), SEVERITY_CRITICAL, FINDING_OPEN);
    struct finding_sla sla, got;
    struct finding patch = {.severity = SEVERITY_HIGH, .present = FINDING_F_SEVERITY}, out;
    int64_t at;

    assert_int_equal(crit.sla_due_at, crit.first_seen + 7 * DAY);
    assert_int_equal(low.sla_due_at, low.first_seen + 180 * DAY);
    assert_int_equal(info.sla_due_at, 0);
    assert_int_equal(get(fx->a, crit.id).sla_due_at, crit.sla_due_at);

    OK(store_sla_get(fx->a, &got, &at, err));
    assert_int_equal(at, 0);
    assert_int_equal(got.days[SEVERITY_HIGH], 30);
    finding_sla_defaults(&sla);
    sla.days[SEVERITY_CRITICAL] = 2;
    sla.days[SEVERITY_LOW] = 400;
    OK(store_sla_put(fx->a, &sla, err));
    OK(store_sla_get(fx->a, &got, &at, err));
    assert_true(at > 0);
    assert_int_equal(got.days[SEVERITY_CRITICAL], 2);
    assert_int_equal(get(fx->a, crit.id).sla_due_at, crit.first_seen + 2 * DAY);
    assert_int_equal(get(fx->a, low.id).sla_due_at, low.first_seen + 400 * DAY);
    assert_int_equal(get(fx->a, info.id).sla_due_at, 0);
    /* Another organization keeps its own (the defaults). */
    assert_int_equal(get(fx->b, other.id).sla_due_at, other.first_seen + 7 * DAY);

    OK(store_finding_update(fx->a, crit.id, &patch, &out, err));
    assert_int_equal(out.sla_due_at, crit.first_seen + 30 * DAY);
    assert_int_equal(get(fx->a, crit.id).sla_due_at, crit.first_seen + 30 * DAY);
    /* A new finding uses the organization's days. */
    assert_int_equal(mk_finding(fx->a, p, SEVERITY_CRITICAL, FINDING_OPEN).sla_due_at,
                     clock_now() + 2 * DAY);
}

static void
breached_filter_follows_the_clock(void **state)
{
    struct fixture *fx = *state;
    const char *p = mk_project(fx->a);
    struct finding crit = mk_finding(fx->a, p, SEVERITY_CRITICAL, FINDING_OPEN);

    mk_finding(fx->a, p, SEVERITY_CRITICAL, FINDING_CONFIRMED);
    mk_finding(fx->a, p, SEVERITY_CRITICAL, FINDING_REMEDIATED);
    mk_finding(fx->a, p, SEVERITY_CRITICAL, FINDING_ACCEPTED);
    mk_finding(fx->a, p, SEVERITY_LOW, FINDING_OPEN);
    mk_finding(fx->a, p, SEVERITY_INFO, FINDING_OPEN);

    /* Twice each: the second answer may come from the count cache. */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(count_breached(fx->a, p, "true"), 0);
        assert_int_equal(count_breached(fx->a, p, "false"), 6);
    }
    assert_false(finding_sla_breached(&crit, clock_now()));

    /* The same query a week and a day later, with no write between: a cached total of the
     * earlier second must not answer it. */
    clock_test_advance(8 * DAY);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(count_breached(fx->a, p, "TRUE"), 2);
        assert_int_equal(count_breached(fx->a, p, "false"), 4);
    }
    assert_true(finding_sla_breached(&crit, clock_now()));
    assert_true(finding_sla_breached(&(struct finding){.status = FINDING_OPEN, .sla_due_at = 1},
                                     clock_now()));
    /* Exactly at the due time it is not breached yet; a second later it is. */
    assert_false(
        finding_sla_breached(&(struct finding){.status = FINDING_OPEN, .sla_due_at = 100}, 100));
    assert_true(
        finding_sla_breached(&(struct finding){.status = FINDING_OPEN, .sla_due_at = 100}, 101));
    clock_test_advance(-8 * DAY);
}

static void
breached_filter_rejects_other_values(void **state)
{
    struct fixture *fx = *state;
    const char *bad[] = {"yes"}, *two[] = {"true", "false"};
    struct store_list q = {0};
    struct store_page page;

    q.filters[0] = (struct store_filter){.field = "sla_breached", .values = bad, .n_values = 1};
    q.n_filters = 1;
    FAILS(store_finding_list(fx->a, &q, &page, err), VALIDATION_ERROR, "sla_breached");
    q.filters[0] = (struct store_filter){.field = "sla_breached", .values = two, .n_values = 2};
    FAILS(store_finding_list(fx->a, &q, &page, err), VALIDATION_ERROR, "sla_breached");
}

/* ---- acceptance ------------------------------------------------------------------------- */

static void
accept_records_acceptance_history_and_event(void **state)
{
    struct fixture *fx = *state;
    const char *p = mk_project(fx->a);
    struct finding f = mk_finding(fx->a, p, SEVERITY_HIGH, FINDING_OPEN), out;
    struct finding_acceptance in = acceptance("behind the VPN", clock_now() + 30 * DAY);
    struct webhook hook = {.url = "http://127.0.0.1:9/hook",
                           .events = (const char **)updated_events,
                           .n_events = 1,
                           .secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                           .active = true},
                   created;
    struct finding_status_change c;

    OK(store_webhook_create(fx->a, &hook, &created, err));
    dispatch_all(fx);
    store_db_set_actor(fx->a, "usr_accepter0000000000");
    OK(store_finding_accept(fx->a, f.id, &in, &out, err));
    assert_int_equal(out.status, FINDING_ACCEPTED);
    assert_string_equal(out.acceptance.reason, "behind the VPN");
    assert_int_equal(out.acceptance.expires_at, in.expires_at);
    assert_string_equal(out.acceptance.by, "usr_accepter0000000000");
    assert_true(out.acceptance.accepted_at >= f.created_at);
    assert_string_equal(get(fx->a, f.id).acceptance.reason, "behind the VPN");
    c = last_change(fx->a, f.id);
    assert_string_equal(c.from, "open");
    assert_string_equal(c.to, "accepted");
    assert_string_equal(c.actor, "usr_accepter0000000000");
    assert_string_equal(c.note, "risk accepted");
    assert_int_equal(dispatch_all(fx), 1); /* finding.updated, as a PATCH emits */

    /* Another organization cannot see it, let alone accept it. */
    FAILS(store_finding_accept(fx->b, f.id, &in, &out, err), NOT_FOUND, NULL);
    FAILS(store_finding_accept(fx->a, "find_missing000000000000", &in, &out, err), NOT_FOUND, NULL);
}

static void
closed_findings_cannot_be_accepted(void **state)
{
    struct fixture *fx = *state;
    const char *p = mk_project(fx->a);
    struct finding fixed = mk_finding(fx->a, p, SEVERITY_HIGH, FINDING_REMEDIATED);
    struct finding fp = mk_finding(fx->a, p, SEVERITY_HIGH, FINDING_FALSE_POSITIVE), out;
    struct finding_acceptance in = acceptance("r", clock_now() + DAY);

    FAILS(store_finding_accept(fx->a, fixed.id, &in, &out, err), CONFLICT, NULL);
    FAILS(store_finding_accept(fx->a, fp.id, &in, &out, err), CONFLICT, NULL);
    assert_int_equal(get(fx->a, fixed.id).status, FINDING_REMEDIATED);
    assert_null(get(fx->a, fp.id).acceptance.reason);
}

static void
leaving_accepted_clears_the_acceptance(void **state)
{
    struct fixture *fx = *state;
    const char *p = mk_project(fx->a);
    struct finding f = mk_finding(fx->a, p, SEVERITY_HIGH, FINDING_OPEN), out;
    struct finding_acceptance in = acceptance("r", clock_now() + DAY);
    struct finding title = {.title = "renamed", .present = FINDING_F_TITLE};
    struct finding status = {.status = FINDING_CONFIRMED, .present = FINDING_F_STATUS};

    OK(store_finding_accept(fx->a, f.id, &in, &out, err));
    OK(store_finding_update(fx->a, f.id, &title, &out, err));
    assert_string_equal(out.acceptance.reason, "r");
    OK(store_finding_update(fx->a, f.id, &status, &out, err));
    assert_null(out.acceptance.reason);
    assert_int_equal(out.acceptance.expires_at, 0);
    assert_null(get(fx->a, f.id).acceptance.reason);
    assert_null(get(fx->a, f.id).acceptance.by);
}

/* ---- expiry ----------------------------------------------------------------------------- */

static void
sweep_reopens_expired_acceptances_of_every_organization(void **state)
{
    struct fixture *fx = *state;
    int64_t now = clock_now();
    struct finding a = mk_finding(fx->a, mk_project(fx->a), SEVERITY_LOW, FINDING_OPEN);
    struct finding b = mk_finding(fx->b, mk_project(fx->b), SEVERITY_LOW, FINDING_CONFIRMED);
    struct finding later = mk_finding(fx->a, mk_project(fx->a), SEVERITY_LOW, FINDING_OPEN), out;
    struct finding_acceptance soon = acceptance("soon", now + 100);
    struct finding_acceptance far = acceptance("far", now + 10 * DAY);
    struct finding_status_change c;
    size_t n;

    OK(store_finding_accept(fx->a, a.id, &soon, &out, err));
    OK(store_finding_accept(fx->b, b.id, &soon, &out, err));
    OK(store_finding_accept(fx->a, later.id, &far, &out, err));

    OK(store_acceptances_expire(fx->store, now + 99, &n, err));
    assert_int_equal(n, 0);
    OK(store_acceptances_expire(fx->store, now + 100, &n, err));
    assert_int_equal(n, 2);
    OK(store_acceptances_expire(fx->store, now + 100, &n, err));
    assert_int_equal(n, 0); /* once */

    out = get(fx->a, a.id);
    assert_int_equal(out.status, FINDING_OPEN);
    assert_null(out.acceptance.reason);
    out = get(fx->b, b.id);
    assert_int_equal(out.status, FINDING_OPEN); /* reopened: open, whatever it was before */
    c = last_change(fx->b, b.id);
    assert_string_equal(c.from, "accepted");
    assert_string_equal(c.to, "open");
    assert_string_equal(c.actor, "system");
    assert_string_equal(c.note, "acceptance expired");
    out = get(fx->a, later.id);
    assert_int_equal(out.status, FINDING_ACCEPTED);
    assert_string_equal(out.acceptance.reason, "far");
}

static void
reads_expire_before_the_sweep(void **state)
{
    struct fixture *fx = *state;
    const char *p = mk_project(fx->a);
    struct finding single = mk_finding(fx->a, p, SEVERITY_LOW, FINDING_OPEN);
    struct finding listed = mk_finding(fx->a, p, SEVERITY_LOW, FINDING_OPEN);
    struct finding edited = mk_finding(fx->a, p, SEVERITY_LOW, FINDING_OPEN), out;
    struct finding_acceptance in = acceptance("r", clock_now() + 60);
    struct finding title = {.title = "renamed", .present = FINDING_F_TITLE};
    struct store_list q = {.per_page = 100};
    struct store_page page;
    size_t n;

    OK(store_finding_accept(fx->a, single.id, &in, &out, err));
    OK(store_finding_accept(fx->a, listed.id, &in, &out, err));
    OK(store_finding_accept(fx->a, edited.id, &in, &out, err));
    clock_test_advance(61);

    out = get(fx->a, single.id);
    assert_int_equal(out.status, FINDING_OPEN);
    assert_null(out.acceptance.reason);
    assert_string_equal(last_change(fx->a, single.id).note, "acceptance expired");

    OK(store_finding_list(fx->a, &q, &page, err));
    for (size_t i = 0; i < page.n; i++) {
        assert_int_equal(page.findings[i].status, FINDING_OPEN);
        assert_null(page.findings[i].acceptance.reason);
    }
    /* The list reopened all three (the edit below finds nothing left to expire). */
    OK(store_finding_update(fx->a, edited.id, &title, &out, err));
    assert_int_equal(out.status, FINDING_OPEN);
    OK(store_acceptances_expire(fx->store, clock_now(), &n, err));
    assert_int_equal(n, 0);
    clock_test_advance(-61);
}

static void
next_change_is_the_earliest_breach_or_expiry(void **state)
{
    struct fixture *fx = *state;
    const char *p = mk_project(fx->a);
    int64_t now = clock_now(), at;
    struct finding crit = mk_finding(fx->a, p, SEVERITY_CRITICAL, FINDING_OPEN), out;
    struct finding low = mk_finding(fx->a, p, SEVERITY_LOW, FINDING_OPEN);
    struct finding_acceptance in = acceptance("r", now + DAY);

    OK(store_finding_next_change(fx->b, now, &at, err));
    assert_int_equal(at, 0);
    OK(store_finding_next_change(fx->a, now, &at, err));
    assert_int_equal(at, crit.sla_due_at + 1);
    OK(store_finding_accept(fx->a, low.id, &in, &out, err));
    OK(store_finding_next_change(fx->a, now, &at, err));
    assert_int_equal(at, now + DAY);
    OK(store_finding_next_change(fx->a, now + DAY, &at, err));
    assert_int_equal(at, crit.sla_due_at + 1);
    OK(store_finding_next_change(fx->a, crit.sla_due_at + 1, &at, err));
    assert_int_equal(at, 0);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(due_time_follows_severity_and_setting),
        T(breached_filter_follows_the_clock),
        T(breached_filter_rejects_other_values),
        T(accept_records_acceptance_history_and_event),
        T(closed_findings_cannot_be_accepted),
        T(leaving_accepted_clears_the_acceptance),
        T(sweep_reopens_expired_acceptances_of_every_organization),
        T(reads_expire_before_the_sweep),
        T(next_change_is_the_earliest_breach_or_expiry),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* Scans in the store (migration 009): sealed credentials are kept until the scan ends and then
 * wiped unless kept (finish, cancel of a queued scan), a rerun copies them and refuses once they
 * are wiped, a scan's findings list (replaced when written again), the
 * per-organization policy, tenancy, and a fault sweep over the rerun. */
#include "unit/store/store_fixture.h"

#include "core/clock.h"

static const unsigned char BLOB[] = "nonce+ciphertext, opaque to the store";

static struct store_scan
with_credentials(bool keep)
{
    struct store_scan in = {.target = "http://127.0.0.1:9", .request = "{\"spec\":\"x\"}"};

    in.credentials = BLOB;
    in.credentials_len = sizeof(BLOB);
    in.keep_credentials = keep;
    in.auth_summary = "{\"auth\":{\"type\":\"bearer\",\"secret\":\"***\"}}";
    return in;
}

static void
expect_blob(struct fixture *fx, const char *id, bool present)
{
    const unsigned char *blob;
    size_t len;

    OK(store_scan_credentials(fx->store, id, fx->arena, &blob, &len, err));
    if (present) {
        assert_non_null(blob);
        assert_int_equal(len, sizeof(BLOB));
        assert_memory_equal(blob, BLOB, len);
    } else {
        assert_null(blob);
    }
}

static void
finish(struct fixture *fx, const char *id)
{
    struct store_scan fin = {.exit_status = 0, .summary = "{}"};

    OK(store_scan_started(fx->store, id, clock_now(), err));
    OK(store_scan_finish(fx->store, id, STORE_SCAN_COMPLETE, &fin, NULL, 0, clock_now(), err));
}

static void
credentials_are_wiped_at_the_end_unless_kept(void **state)
{
    struct fixture *fx = *state;
    struct store_scan in = with_credentials(false), kept_in = with_credentials(true), s, k, got;

    OK(store_scan_create(fx->a, &in, 1, &s, err));
    OK(store_scan_create(fx->a, &kept_in, 1, &k, err));
    assert_null(s.credentials);
    assert_string_equal(s.credentials_state, "stored");
    expect_blob(fx, s.id, true);
    OK(store_scan_get(fx->a, s.id, &got, err));
    assert_string_equal(got.credentials_state, "stored");
    assert_string_equal(got.auth_summary, in.auth_summary);
    assert_null(got.credentials);
    finish(fx, s.id);
    finish(fx, k.id);
    expect_blob(fx, s.id, false);
    OK(store_scan_get(fx->a, s.id, &got, err));
    assert_string_equal(got.credentials_state, "wiped");
    expect_blob(fx, k.id, true);
    OK(store_scan_get(fx->a, k.id, &got, err));
    assert_string_equal(got.credentials_state, "stored");
    assert_true(got.keep_credentials);
}

static void
cancelling_a_queued_scan_wipes_them(void **state)
{
    struct fixture *fx = *state;
    struct store_scan in = with_credentials(false), s, got;
    bool running;

    OK(store_scan_create(fx->a, &in, 1, &s, err));
    OK(store_scan_cancel(fx->a, s.id, &running, err));
    assert_false(running);
    expect_blob(fx, s.id, false);
    OK(store_scan_get(fx->a, s.id, &got, err));
    assert_string_equal(got.credentials_state, "wiped");
}

static void
rerun_copies_credentials_and_refuses_after_a_wipe(void **state)
{
    struct fixture *fx = *state;
    struct store_scan kept_in = with_credentials(true), in = with_credentials(false);
    struct store_scan plain_in = {.target = "http://127.0.0.1:9", .request = "{}"};
    struct store_scan k, r, s, p, pr, got;

    OK(store_scan_create(fx->a, &kept_in, 1, &k, err));
    finish(fx, k.id);
    OK(store_scan_rerun(fx->a, k.id, 1, &r, err));
    assert_string_not_equal(r.id, k.id);
    OK(store_scan_get(fx->a, r.id, &got, err));
    assert_int_equal(got.status, STORE_SCAN_QUEUED);
    assert_string_equal(got.rerun_of, k.id);
    assert_string_equal(got.request, kept_in.request);
    assert_string_equal(got.credentials_state, "stored");
    assert_true(got.keep_credentials);
    expect_blob(fx, r.id, true);

    OK(store_scan_create(fx->a, &in, 1, &s, err));
    finish(fx, s.id);
    FAILS(store_scan_rerun(fx->a, s.id, 1, &r, err), CONFLICT, NULL);

    OK(store_scan_create(fx->a, &plain_in, 1, &p, err));
    finish(fx, p.id);
    OK(store_scan_rerun(fx->a, p.id, 1, &pr, err));
    OK(store_scan_get(fx->a, pr.id, &got, err));
    assert_string_equal(got.credentials_state, "none");

    /* another organization sees no such scan */
    FAILS(store_scan_rerun(fx->b, k.id, 1, &r, err), NOT_FOUND, NULL);
}

static void
rerun_survives_every_store_fault(void **state)
{
    struct fixture *fx = *state;
    struct store_scan kept_in = with_credentials(true), k, r;
    struct store_list q = {0};
    struct store_page page;
    long calls;
    int64_t made = 2; /* the original and the counting rerun */

    OK(store_scan_create(fx->a, &kept_in, 1, &k, err));
    finish(fx, k.id);
    store_fault_arm(0);
    OK(store_scan_rerun(fx->a, k.id, 1, &r, err));
    calls = store_fault_calls();
    assert_true(calls > 0);
    for (long n = 1; n <= calls; n++) {
        struct err e = {0};

        store_fault_arm(n);
        if (store_scan_rerun(fx->a, k.id, 1, &r, &e) != 0)
            assert_int_equal(e.code, ERR_INTERNAL);
        else
            made++;
    }
    store_fault_disarm();
    /* a failed rerun left nothing behind: exactly one scan per success */
    OK(store_scan_list(fx->a, &q, &page, err));
    assert_int_equal(page.total, made);
    assert_int_equal(made, 2); /* every one of the rerun's store calls can fail it */
}

static void
scan_findings_are_listed_per_scan_and_replaced_on_rewrite(void **state)
{
    struct fixture *fx = *state;
    struct store_scan in = {.target = "http://127.0.0.1:9", .request = "{}"}, s, other;
    struct finding found[2] = {{0}, {0}};
    struct store_list q = {0};
    struct store_page page;
    const char *sev_values[] = {"high"};

    OK(store_scan_create(fx->a, &in, 1, &s, err));
    OK(store_scan_create(fx->a, &in, 1, &other, err));
    found[0].title = "BOLA";
    found[0].severity = SEVERITY_HIGH;
    found[0].check_id = "bola";
    found[0].fingerprint = "fp-1";
    found[0].evidence.request = "GET /x\nAuthorization: Bearer sk_l****";
    found[1].title = "Headers";
    found[1].severity = SEVERITY_LOW;
    found[1].fingerprint = "fp-2";
    OK(store_scan_load(fx->store, s.id, fx->arena, &s, err));
    OK(store_scan_findings_put(fx->store, &s, NULL, found, 2, clock_now(), err));
    /* written again (a rerun after a crash): replaced, not doubled */
    OK(store_scan_findings_put(fx->store, &s, NULL, found, 2, clock_now(), err));
    OK(store_scan_findings_list(fx->a, s.id, &q, &page, err));
    assert_int_equal(page.total, 2);
    assert_int_equal(page.findings[0].status, FINDING_OPEN);
    assert_string_equal(page.findings[0].scan_id, s.id);
    q.filters[0] = (struct store_filter){.field = "severity", .values = sev_values, .n_values = 1};
    q.n_filters = 1;
    OK(store_scan_findings_list(fx->a, s.id, &q, &page, err));
    assert_int_equal(page.total, 1);
    assert_string_equal(page.findings[0].title, "BOLA");
    assert_string_equal(page.findings[0].evidence.request, found[0].evidence.request);
    /* another scan's list, another organization's */
    OK(store_scan_findings_list(fx->a, other.id, &q, &page, err));
    assert_int_equal(page.total, 0);
    FAILS(store_scan_findings_list(fx->b, s.id, &q, &page, err), NOT_FOUND, NULL);
}

static void
policy_is_per_organization(void **state)
{
    struct fixture *fx = *state;
    const char *allow;
    int64_t at;

    OK(store_scan_policy_get(fx->a, &allow, &at, err));
    assert_string_equal(allow, "");
    assert_int_equal(at, 0);
    OK(store_scan_policy_put(fx->a, "127.0.0.1/32", err));
    OK(store_scan_policy_put(fx->a, "127.0.0.1/32,10.0.0.0/8", err));
    OK(store_scan_policy_get(fx->a, &allow, &at, err));
    assert_string_equal(allow, "127.0.0.1/32,10.0.0.0/8");
    assert_true(at > 0);
    OK(store_scan_policy_get(fx->b, &allow, &at, err));
    assert_string_equal(allow, "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(credentials_are_wiped_at_the_end_unless_kept, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(cancelling_a_queued_scan_wipes_them, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(rerun_copies_credentials_and_refuses_after_a_wipe,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(rerun_survives_every_store_fault, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(scan_findings_are_listed_per_scan_and_replaced_on_rewrite,
                                        fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(policy_is_per_organization, fixture_setup,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

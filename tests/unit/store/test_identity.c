/* SPDX-License-Identifier: MIT */
/* Users, service accounts, token ownership, refresh families, password-set tokens and the audit
 * log: tenancy, uniqueness and the revocations that must happen in the same transaction. */
#include "unit/store/store_fixture.h"

#include "core/clock.h"
#include "core/id.h"
#include "model/scope.h"
#include "store/store_int.h"

static struct user
mk_user(struct fixture *fx, const char *org_id, const char *username, enum user_role role)
{
    struct user in = {
        .org_id = org_id, .username = username, .role = role, .password_hash = "$argon2id$fake"};
    struct user out;

    OK(store_user_create(db_for(fx, in.org_id), &in, &out, err));
    return out;
}

static void
usernames_are_unique_per_organization_case_insensitively(void **state)
{
    struct fixture *fx = *state;
    struct user in = {.org_id = fx->org_a.id, .username = "ALICE", .role = USER_ROLE_MEMBER};
    struct user u = mk_user(fx, fx->org_a.id, "alice", USER_ROLE_ADMIN), got;

    assert_true(id_is_valid(u.id, "usr_"));
    FAILS(store_user_create(db_for(fx, in.org_id), &in, &got, err), CONFLICT, NULL);
    in.org_id = fx->org_b.id;
    OK(store_user_create(db_for(fx, in.org_id), &in, &got, err));

    /* Two organizations hold the name: a login must name its organization. */
    FAILS(store_user_find_login(fx->store, NULL, "Alice", fx->arena, &got, err), NOT_FOUND, NULL);
    OK(store_user_find_login(fx->store, fx->org_a.id, "Alice", fx->arena, &got, err));
    assert_string_equal(got.id, u.id);
    assert_string_equal(got.password_hash, "$argon2id$fake");
    assert_int_equal(got.role, USER_ROLE_ADMIN);
    FAILS(store_user_get(fx->b, u.id, &got, err), NOT_FOUND, NULL);
}

static void
disabling_a_user_revokes_its_refresh_families(void **state)
{
    struct fixture *fx = *state;
    struct user u = mk_user(fx, fx->org_a.id, "bob", USER_ROLE_MEMBER), after;
    struct user_write w = {.disabled = true, .present = USER_SET_DISABLED};
    struct store_refresh_row row;
    unsigned char d1[32], d2[32];
    enum user_role old;
    int64_t now = clock_now();

    memset(d1, 1, sizeof(d1));
    memset(d2, 2, sizeof(d2));
    OK(store_refresh_family_create(fx->a, u.id, "rtf_one", now + 1000, d1, now + 100, now, err));
    OK(store_refresh_find(fx->store, d1, fx->arena, &row, err));
    assert_string_equal(row.user_id, u.id);
    assert_int_equal(row.used_at, 0);
    OK(store_refresh_rotate(fx->store, d1, d2, now + 100, now, err));
    FAILS(store_refresh_rotate(fx->store, d1, d2, now + 100, now, err), CONFLICT, NULL);
    OK(store_refresh_find(fx->store, d2, fx->arena, &row, err));
    assert_string_equal(row.family_id, "rtf_one");

    OK(store_user_update(fx->a, u.id, &w, &after, &old, err));
    assert_true(after.disabled);
    assert_int_equal(old, USER_ROLE_MEMBER);
    OK(store_refresh_find(fx->store, d2, fx->arena, &row, err));
    assert_true(row.family_revoked_at > 0);
    FAILS(store_refresh_rotate(fx->store, d2, d1, now + 100, now, err), CONFLICT, NULL);
}

static void
deleting_a_user_revokes_its_personal_tokens_only(void **state)
{
    struct fixture *fx = *state;
    struct user u = mk_user(fx, fx->org_a.id, "carol", USER_ROLE_ADMIN);
    struct service_account in = {.org_id = fx->org_a.id,
                                 .name = "ci",
                                 .role = USER_ROLE_MEMBER,
                                 .created_by = u.id},
                           svc, other;
    struct api_token personal = {.org_id = fx->org_a.id,
                                 .name = "p",
                                 .scopes = SCOPE(ADMIN),
                                 .token_prefix = "vgl_live_aaaa",
                                 .user_id = u.id},
                     service = {.org_id = fx->org_a.id,
                                .name = "s",
                                .scopes = SCOPE(FINDINGS_READ),
                                .token_prefix = "vgl_live_bbbb"},
                     got;
    struct store_page page;

    OK(store_service_account_create(db_for(fx, in.org_id), &in, &svc, err));
    service.service_account_id = svc.id;
    personal.id = id_new(fx->arena, "tok_");
    service.id = id_new(fx->arena, "tok_");
    memset(personal.digest, 7, 32);
    memset(service.digest, 8, 32);
    OK(store_token_insert(db_for(fx, personal.org_id), &personal, err));
    OK(store_token_insert(db_for(fx, service.org_id), &service, err));
    OK(store_token_list_owned(fx->a, u.id, NULL, NULL, &page, err));
    assert_int_equal(page.total, 1);
    assert_string_equal(page.tokens[0].id, personal.id);

    OK(store_user_delete(fx->a, u.id, err));
    FAILS(store_user_delete(fx->a, u.id, err), NOT_FOUND, NULL);
    OK(store_token_get(fx->a, personal.id, &got, err));
    assert_true(got.revoked_at > 0);
    assert_string_equal(got.user_id, u.id);
    OK(store_token_get(fx->a, service.id, &got, err));
    assert_int_equal(got.revoked_at, 0);
    assert_string_equal(got.service_account_id, svc.id);

    FAILS(store_service_account_get(fx->b, svc.id, &other, err), NOT_FOUND, NULL);
    OK(store_service_account_delete(fx->a, svc.id, err));
    OK(store_token_get(fx->a, service.id, &got, err));
    assert_true(got.revoked_at > 0);
}

static void
password_tokens_are_single_use(void **state)
{
    struct fixture *fx = *state;
    struct user u = mk_user(fx, fx->org_a.id, "dave", USER_ROLE_VIEWER), got;
    unsigned char d[32];
    int64_t now = clock_now();

    memset(d, 9, sizeof(d));
    FAILS(store_password_token_create(fx->b, u.id, d, now + 60, now, err), NOT_FOUND, NULL);
    OK(store_password_token_create(fx->a, u.id, d, now + 60, now, err));
    OK(store_password_token_consume(fx->store, d, "$argon2id$new", now, fx->arena, &got, err));
    assert_string_equal(got.id, u.id);
    FAILS(store_password_token_consume(fx->store, d, "$argon2id$x", now, fx->arena, &got, err),
          UNAUTHORIZED, NULL);
    OK(store_user_find_login(fx->store, NULL, "dave", fx->arena, &got, err));
    assert_string_equal(got.password_hash, "$argon2id$new");
}

static void
audit_events_filter_and_page_per_organization(void **state)
{
    struct fixture *fx = *state;
    struct audit_event e = {.org_id = fx->org_a.id, .actor = "usr_a", .action = "login.success"};
    struct store_audit_filter f = {0};
    struct store_list q = {.page = 1, .per_page = 2};
    struct store_page page;

    for (int i = 0; i < 3; i++)
        OK(store_audit_record(db_for(fx, e.org_id), &e, err));
    e.action = "clients.create";
    e.target = "client_x";
    OK(store_audit_record(db_for(fx, e.org_id), &e, err));
    e.org_id = fx->org_b.id;
    OK(store_audit_record(db_for(fx, e.org_id), &e, err));

    OK(store_audit_list(fx->a, &f, &q, &page, err));
    assert_int_equal(page.total, 4);
    assert_int_equal(page.n, 2);
    assert_string_equal(page.audit_events[0].action, "clients.create");
    f.action = "login.success";
    OK(store_audit_list(fx->a, &f, NULL, &page, err));
    assert_int_equal(page.total, 3);
    f.action = NULL;
    f.has_created_after = true;
    f.created_after = clock_now() + 10;
    OK(store_audit_list(fx->a, &f, NULL, &page, err));
    assert_int_equal(page.total, 0);
}

/* Events of one second keep the order they were written in even when another server wrote
 * first: seq comes from the database, not from a counter of this process. The "other server"
 * is a row written straight into the table with a seq far above anything this process made. */
static void
audit_events_of_one_second_order_across_servers(void **state)
{
    struct fixture *fx = *state;
    struct audit_event e = {
        .org_id = fx->org_a.id, .actor = "usr_a", .action = "mine", .created_at = 1000};
    struct store_page page;
    struct conn *c;

    OK(store_audit_record(fx->a, &e, err));
    OK((c = db_conn(fx->a, err)) ? 0 : -1);
    OK(tx_begin(c, true, err));
    OK(sql_run(c, NULL, err,
               "INSERT INTO audit_events (id, org_id, action, created_at, seq)"
               " VALUES ('aud_other', ?1, 'other.server', 1000, 1000000)",
               "t", fx->org_a.id));
    OK(tx_commit(c, err));
    e.action = "mine.after";
    OK(store_audit_record(fx->a, &e, err));
    OK(store_audit_list(fx->a, &(struct store_audit_filter){0}, NULL, &page, err));
    assert_int_equal(page.total, 3);
    assert_string_equal(page.audit_events[0].action, "mine.after");
    assert_string_equal(page.audit_events[1].action, "other.server");
    assert_string_equal(page.audit_events[2].action, "mine");
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(usernames_are_unique_per_organization_case_insensitively),
        T(disabling_a_user_revokes_its_refresh_families),
        T(deleting_a_user_revokes_its_personal_tokens_only),
        T(password_tokens_are_single_use),
        T(audit_events_filter_and_page_per_organization),
        T(audit_events_of_one_second_order_across_servers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

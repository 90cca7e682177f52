/* SPDX-License-Identifier: MIT */
/* Unbound functions: organizations, API token insert, lookup by digest, listing, revocation
 * and the rate-limited last_used_at touch. */
#include "unit/store/store_fixture.h"

#include "core/id.h"
#include "model/scope.h"

static struct api_token
mk_token(struct fixture *fx, const char *org_id, const char *name, unsigned char fill,
         int64_t created_at)
{
    struct api_token t = {.org_id = org_id,
                          .name = name,
                          .scopes = SCOPE(FINDINGS_READ) | SCOPE(PROJECTS_WRITE),
                          .token_prefix = "vgl_live_abcd",
                          .created_at = created_at,
                          .created_by = "cli"};

    t.id = id_new(fx->arena, "tok_");
    memset(t.digest, fill, sizeof(t.digest));
    OK(store_token_insert(db_for(fx, t.org_id), &t, err));
    return t;
}

static void
organizations_are_created_counted_and_found(void **state)
{
    struct fixture *fx = *state;
    struct org o;
    int64_t n = 0;

    OK(store_org_count(fx->store, &n, err));
    assert_int_equal(n, 2);
    OK(store_org_get(fx->store, fx->org_a.id, fx->arena, &o, err));
    assert_string_equal(o.name, "Org A");
    assert_true(o.created_at > 0);
    FAILS(store_org_get(fx->store, "org_missing", fx->arena, &o, err), NOT_FOUND, NULL);
    FAILS(store_org_create(fx->store, "", fx->arena, &o, err), VALIDATION_ERROR, "name");
}

static void
token_is_found_by_digest_with_its_fields(void **state)
{
    struct fixture *fx = *state;
    struct api_token t = mk_token(fx, fx->org_a.id, "ci", 0x11, 1000), got;
    unsigned char other[API_TOKEN_DIGEST_LEN];

    OK(store_token_find_by_digest(fx->store, t.digest, fx->arena, &got, err));
    assert_string_equal(got.id, t.id);
    assert_string_equal(got.org_id, fx->org_a.id);
    assert_string_equal(got.name, "ci");
    assert_true(got.scopes == (SCOPE(FINDINGS_READ) | SCOPE(PROJECTS_WRITE)));
    assert_string_equal(got.token_prefix, "vgl_live_abcd");
    assert_memory_equal(got.digest, t.digest, API_TOKEN_DIGEST_LEN);
    assert_int_equal(got.created_at, 1000);
    assert_int_equal(got.expires_at, 0);
    assert_int_equal(got.last_used_at, 0);
    assert_int_equal(got.revoked_at, 0);
    assert_string_equal(got.created_by, "cli");
    memset(other, 0x12, sizeof(other));
    FAILS(store_token_find_by_digest(fx->store, other, fx->arena, &got, err), NOT_FOUND, NULL);
}

static void
token_insert_refuses_duplicates_and_unknown_orgs(void **state)
{
    struct fixture *fx = *state;
    struct api_token t = mk_token(fx, fx->org_a.id, "ci", 0x21, 1000), dup = t;

    dup.id = "tok_another";
    FAILS(store_token_insert(db_for(fx, dup.org_id), &dup, err), CONFLICT, NULL); /* same digest */
    dup = t;
    dup.digest[0] ^= 1;
    FAILS(store_token_insert(db_for(fx, dup.org_id), &dup, err), CONFLICT, NULL); /* same id */
    dup.id = "tok_third";
    dup.org_id = "org_nowhere";
    FAILS(store_token_insert(db_for(fx, dup.org_id), &dup, err), NOT_FOUND, NULL);
}

static void
tokens_are_listed_and_revoked_per_organization(void **state)
{
    struct fixture *fx = *state;
    struct api_token t1 = mk_token(fx, fx->org_a.id, "first", 0x31, 1000);
    struct api_token t2 = mk_token(fx, fx->org_a.id, "second", 0x32, 2000);
    struct api_token tb = mk_token(fx, fx->org_b.id, "b's", 0x33, 1500), got;
    struct store_page page;
    struct store_list q = {.per_page = 1};

    OK(store_token_list(fx->a, NULL, &page, err));
    assert_int_equal(page.total, 2);
    assert_int_equal(page.n, 2);
    assert_string_equal(page.tokens[0].id, t2.id); /* newest first */
    assert_string_equal(page.tokens[1].id, t1.id);
    OK(store_token_list(fx->a, &q, &page, err));
    assert_int_equal(page.n, 1);
    assert_int_equal(page.total, 2);

    FAILS(store_token_get(fx->a, tb.id, &got, err), NOT_FOUND, NULL);
    FAILS(store_token_revoke(fx->a, tb.id, 5000, err), NOT_FOUND, NULL);
    OK(store_token_find_by_digest(fx->store, tb.digest, fx->arena, &got, err));
    assert_int_equal(got.revoked_at, 0);

    OK(store_token_revoke(fx->a, t1.id, 5000, err));
    OK(store_token_revoke(fx->a, t1.id, 6000, err)); /* keeps the first */
    OK(store_token_get(fx->a, t1.id, &got, err));
    assert_int_equal(got.revoked_at, 5000);
    assert_false(api_token_is_active(&got, 5001));
    OK(store_token_find_by_digest(fx->store, t1.digest, fx->arena, &got, err));
    assert_int_equal(got.revoked_at, 5000);
}

static void
touch_writes_at_most_once_a_minute(void **state)
{
    struct fixture *fx = *state;
    struct api_token t = mk_token(fx, fx->org_a.id, "ci", 0x41, 1000), got;

    OK(store_token_touch(fx->store, t.id, 10000, err));
    OK(store_token_get(fx->a, t.id, &got, err));
    assert_int_equal(got.last_used_at, 10000);
    OK(store_token_touch(fx->store, t.id, 10059, err)); /* within the interval: no write */
    OK(store_token_get(fx->a, t.id, &got, err));
    assert_int_equal(got.last_used_at, 10000);
    OK(store_token_touch(fx->store, t.id, 10060, err));
    OK(store_token_get(fx->a, t.id, &got, err));
    assert_int_equal(got.last_used_at, 10060);
    OK(store_token_touch(fx->store, "tok_missing", 10060, err)); /* not an error */
}

static void
ping_answers_and_fault_makes_it_unavailable(void **state)
{
    struct fixture *fx = *state;
    int version = 0;

    OK(store_ping(fx->store, err));
    store_fault_arm(1);
    FAILS(store_ping(fx->store, err), SERVICE_UNAVAILABLE, NULL);
    OK(store_ping(fx->store, err));
    OK(store_schema_version(fx->store, &version, err));
    assert_true(version >= 1);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(organizations_are_created_counted_and_found),
        T(token_is_found_by_digest_with_its_fields),
        T(token_insert_refuses_duplicates_and_unknown_orgs),
        T(tokens_are_listed_and_revoked_per_organization),
        T(touch_writes_at_most_once_a_minute),
        T(ping_answers_and_fault_makes_it_unavailable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

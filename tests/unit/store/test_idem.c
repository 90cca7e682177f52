/* SPDX-License-Identifier: MIT */
/* Idempotency keys: the five states, finish and abort, expiry, stale in-flight keys, keys being
 * per organization, principal, method and route, and once-only secrets never stored. */
#include "unit/store/store_fixture.h"

#include <pthread.h>

/* A key of principal usr_a on POST /api/v1/clients. */
static struct store_idem_scope
scope_of(const char *key)
{
    return (struct store_idem_scope){"usr_a", "POST", "/api/v1/clients", key};
}

static int
begin(struct db *db, const char *key, const char *hash, int64_t now, enum store_idem_state *st,
      struct store_idem_reply *reply, struct err *e)
{
    struct store_idem_scope scope = scope_of(key);

    return store_idem_begin(db, &scope, hash, now, st, reply, e);
}

static int
finish(struct db *db, const char *key, int status, const char *body, size_t len, struct err *e)
{
    struct store_idem_scope scope = scope_of(key);
    struct store_idem_reply answer = {status, "application/json", "/api/v1/clients/c1", body, len};

    return store_idem_finish(db, &scope, &answer, false, e);
}

static void
key_goes_new_in_flight_replay_and_mismatch(void **state)
{
    struct fixture *fx = *state;
    enum store_idem_state st;
    struct store_idem_reply reply;
    int64_t now = 1768473000;
    const char body[] = "{\"data\":{\"id\":\"proj_1\"}}";

    OK(begin(fx->a, "key-1", "hash-A", now, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_NEW);
    OK(begin(fx->a, "key-1", "hash-A", now + 1, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_IN_FLIGHT);
    OK(begin(fx->a, "key-1", "hash-B", now + 1, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_MISMATCH);

    OK(finish(fx->a, "key-1", 201, body, sizeof(body) - 1, err));
    OK(begin(fx->a, "key-1", "hash-A", now + 2, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_REPLAY);
    assert_int_equal(reply.status, 201);
    assert_string_equal(reply.content_type, "application/json");
    assert_int_equal(reply.len, sizeof(body) - 1);
    assert_memory_equal(reply.body, body, reply.len);
    assert_string_equal(reply.location, "/api/v1/clients/c1");
    OK(begin(fx->a, "key-1", "hash-B", now + 2, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_MISMATCH);
    /* finishing twice: the key is no longer in flight */
    FAILS(finish(fx->a, "key-1", 201, body, 3, err), NOT_FOUND, NULL);
}

static void
abort_forgets_the_key(void **state)
{
    struct fixture *fx = *state;
    enum store_idem_state st;
    struct store_idem_reply reply;
    int64_t now = 1768473000;
    struct store_idem_scope k = scope_of("k"), never = scope_of("never-used");

    OK(begin(fx->a, "k", "h", now, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_NEW);
    OK(store_idem_abort(fx->a, &k, err));
    OK(begin(fx->a, "k", "other", now, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_NEW);
    OK(store_idem_abort(fx->a, &never, err));
}

static void
keys_expire_and_stale_in_flight_keys_are_taken_over(void **state)
{
    struct fixture *fx = *state;
    enum store_idem_state st;
    struct store_idem_reply reply;
    int64_t now = 1768473000, deleted = -1;

    OK(begin(fx->a, "old", "h1", now, &st, &reply, err));
    OK(finish(fx->a, "old", 201, "{}", 2, err));
    OK(begin(fx->a, "old", "h2", now + STORE_IDEM_TTL - 1, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_MISMATCH);
    OK(begin(fx->a, "old", "h2", now + STORE_IDEM_TTL, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_NEW);

    OK(begin(fx->a, "stuck", "h", now, &st, &reply, err));
    OK(begin(fx->a, "stuck", "h", now + STORE_IDEM_STALE - 1, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_IN_FLIGHT);
    OK(begin(fx->a, "stuck", "h", now + STORE_IDEM_STALE, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_NEW);

    OK(store_idem_purge(fx->store, now + 2 * STORE_IDEM_TTL + 1, &deleted, err));
    assert_int_equal(deleted, 2);
}

static void
keys_are_per_organization_and_validated(void **state)
{
    struct fixture *fx = *state;
    enum store_idem_state st;
    struct store_idem_reply reply;
    char long_key[STORE_IDEM_KEY_MAX + 2];

    OK(begin(fx->a, "shared", "h", 100, &st, &reply, err));
    OK(begin(fx->b, "shared", "other", 100, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_NEW);
    memset(long_key, 'k', sizeof(long_key) - 1);
    long_key[sizeof(long_key) - 1] = '\0';
    FAILS(begin(fx->a, long_key, "h", 100, &st, &reply, err), VALIDATION_ERROR, "Idempotency-Key");
    FAILS(begin(fx->a, "", "h", 100, &st, &reply, err), VALIDATION_ERROR, "Idempotency-Key");
}

static void
keys_are_per_principal_method_and_route(void **state)
{
    struct fixture *fx = *state;
    enum store_idem_state st;
    struct store_idem_reply reply;
    struct store_idem_scope other_principal = {"tok_b", "POST", "/api/v1/clients", "K"};
    struct store_idem_scope other_route = {"usr_a", "POST", "/api/v1/projects", "K"};
    struct store_idem_scope other_method = {"usr_a", "PUT", "/api/v1/clients", "K"};

    OK(begin(fx->a, "K", "h", 100, &st, &reply, err));
    OK(finish(fx->a, "K", 201, "{}", 2, err));
    OK(store_idem_begin(fx->a, &other_principal, "other", 100, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_NEW);
    OK(store_idem_begin(fx->a, &other_route, "h", 100, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_NEW);
    OK(store_idem_begin(fx->a, &other_method, "h", 100, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_NEW);
    OK(begin(fx->a, "K", "h", 100, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_REPLAY);
}

static void
a_once_only_secret_is_never_stored(void **state)
{
    struct fixture *fx = *state;
    enum store_idem_state st;
    struct store_idem_reply reply;
    struct store_idem_scope scope = scope_of("tok-key");
    const char body[] = "{\"data\":{\"token\":\"vgl_live_secret\"}}";
    struct store_idem_reply answer = {201, "application/json", "/api/v1/tokens/tok_1", body,
                                      sizeof(body) - 1};

    OK(store_idem_begin(fx->a, &scope, "h", 100, &st, &reply, err));
    OK(store_idem_finish(fx->a, &scope, &answer, true, err));
    OK(store_idem_begin(fx->a, &scope, "h", 101, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_SECRET);
    assert_int_equal(reply.status, 201);
    assert_string_equal(reply.location, "/api/v1/tokens/tok_1");
    assert_int_equal(reply.len, 0);
    assert_null(strstr(reply.body, "vgl_live_"));
    OK(store_idem_begin(fx->a, &scope, "other", 101, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_MISMATCH);
}

struct racer {
    struct store *store;
    const char *org_id;
    enum store_idem_state state;
    int rc;
};

static void *
race(void *p)
{
    struct racer *r = p;
    struct arena *a = arena_new();
    struct db *db = store_bind(r->store, r->org_id, a);
    struct store_idem_reply reply;
    struct err e = {0};

    r->rc = begin(db, "raced", "h", 1000, &r->state, &reply, &e);
    arena_free(a);
    return NULL;
}

static void
concurrent_first_uses_of_a_key_admit_exactly_one(void **state)
{
    struct fixture *fx = *state;
    struct racer racers[6];
    pthread_t threads[6];
    int new_count = 0;

    for (int i = 0; i < 6; i++) {
        racers[i] = (struct racer){.store = fx->store, .org_id = fx->org_a.id};
        pthread_create(&threads[i], NULL, race, &racers[i]);
    }
    for (int i = 0; i < 6; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(racers[i].rc, 0);
        if (racers[i].state == STORE_IDEM_NEW)
            new_count++;
        else
            assert_int_equal(racers[i].state, STORE_IDEM_IN_FLIGHT);
    }
    assert_int_equal(new_count, 1);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(key_goes_new_in_flight_replay_and_mismatch),
        T(abort_forgets_the_key),
        T(keys_expire_and_stale_in_flight_keys_are_taken_over),
        T(keys_are_per_organization_and_validated),
        T(concurrent_first_uses_of_a_key_admit_exactly_one),
        T(keys_are_per_principal_method_and_route),
        T(a_once_only_secret_is_never_stored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

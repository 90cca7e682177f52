/* SPDX-License-Identifier: MIT */
/* Idempotency keys: the four states, finish and abort, expiry, stale in-flight keys, and keys
 * being per organization. */
#include "unit/store/store_fixture.h"

#include <pthread.h>

static void
key_goes_new_in_flight_replay_and_mismatch(void **state)
{
    struct fixture *fx = *state;
    enum store_idem_state st;
    struct store_idem_reply reply;
    int64_t now = 1768473000;
    const char body[] = "{\"data\":{\"id\":\"proj_1\"}}";

    OK(store_idem_begin(fx->a, "key-1", "hash-A", now, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_NEW);
    OK(store_idem_begin(fx->a, "key-1", "hash-A", now + 1, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_IN_FLIGHT);
    OK(store_idem_begin(fx->a, "key-1", "hash-B", now + 1, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_MISMATCH);

    OK(store_idem_finish(fx->a, "key-1", 201, "application/json", body, sizeof(body) - 1, err));
    OK(store_idem_begin(fx->a, "key-1", "hash-A", now + 2, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_REPLAY);
    assert_int_equal(reply.status, 201);
    assert_string_equal(reply.content_type, "application/json");
    assert_int_equal(reply.len, sizeof(body) - 1);
    assert_memory_equal(reply.body, body, reply.len);
    OK(store_idem_begin(fx->a, "key-1", "hash-B", now + 2, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_MISMATCH);
    /* finishing twice: the key is no longer in flight */
    FAILS(store_idem_finish(fx->a, "key-1", 201, "application/json", body, 3, err), NOT_FOUND,
          NULL);
}

static void
abort_forgets_the_key(void **state)
{
    struct fixture *fx = *state;
    enum store_idem_state st;
    struct store_idem_reply reply;
    int64_t now = 1768473000;

    OK(store_idem_begin(fx->a, "k", "h", now, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_NEW);
    OK(store_idem_abort(fx->a, "k", err));
    OK(store_idem_begin(fx->a, "k", "other", now, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_NEW);
    OK(store_idem_abort(fx->a, "never-used", err));
}

static void
keys_expire_and_stale_in_flight_keys_are_taken_over(void **state)
{
    struct fixture *fx = *state;
    enum store_idem_state st;
    struct store_idem_reply reply;
    int64_t now = 1768473000, deleted = -1;

    OK(store_idem_begin(fx->a, "old", "h1", now, &st, &reply, err));
    OK(store_idem_finish(fx->a, "old", 201, "application/json", "{}", 2, err));
    OK(store_idem_begin(fx->a, "old", "h2", now + STORE_IDEM_TTL - 1, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_MISMATCH);
    OK(store_idem_begin(fx->a, "old", "h2", now + STORE_IDEM_TTL, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_NEW);

    OK(store_idem_begin(fx->a, "stuck", "h", now, &st, &reply, err));
    OK(store_idem_begin(fx->a, "stuck", "h", now + STORE_IDEM_STALE - 1, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_IN_FLIGHT);
    OK(store_idem_begin(fx->a, "stuck", "h", now + STORE_IDEM_STALE, &st, &reply, err));
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

    OK(store_idem_begin(fx->a, "shared", "h", 100, &st, &reply, err));
    OK(store_idem_begin(fx->b, "shared", "other", 100, &st, &reply, err));
    assert_int_equal(st, STORE_IDEM_NEW);
    memset(long_key, 'k', sizeof(long_key) - 1);
    long_key[sizeof(long_key) - 1] = '\0';
    FAILS(store_idem_begin(fx->a, long_key, "h", 100, &st, &reply, err), VALIDATION_ERROR,
          "Idempotency-Key");
    FAILS(store_idem_begin(fx->a, "", "h", 100, &st, &reply, err), VALIDATION_ERROR,
          "Idempotency-Key");
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

    r->rc = store_idem_begin(db, "raced", "h", 1000, &r->state, &reply, &e);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* Token buckets and login throttling on an injected clock. The .c is included so the eviction
 * test can aim keys at one shard. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>

#include "../../../src/auth/ratelimit.c"

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z in ms */

/* ---------------------------------------------------------------------------------------- */
/* Buckets                                                                                   */

static void
burst_then_deny_with_retry_after(void **state)
{
    struct ratelimit *rl = ratelimit_new(0);
    struct ratelimit_result r;
    (void)state;

    /* Standard tier: 100 at once, then 1000 a minute (one every 60 ms). */
    for (int i = 0; i < 100; i++) {
        ratelimit_take(rl, "tok_a", RATELIMIT_TIER_STANDARD, T0, &r);
        assert_true(r.allowed);
        assert_int_equal(r.limit, 100);
        assert_int_equal(r.per_minute, 1000);
        assert_int_equal(r.remaining, 99 - i);
        assert_int_equal(r.retry_after, 0);
    }
    /* Empty: refilling 100 tokens takes 6 s, so the bucket is full at T0 + 6 s. */
    assert_int_equal(r.reset, T0 / 1000 + 6);
    ratelimit_take(rl, "tok_a", RATELIMIT_TIER_STANDARD, T0, &r);
    assert_false(r.allowed);
    assert_int_equal(r.remaining, 0);
    assert_int_equal(r.retry_after, 1); /* 60 ms, rounded up to a whole second */
    assert_int_equal(r.reset, T0 / 1000 + 6);

    /* A slow tier shows a longer wait: 6 a minute is one every 10 s. */
    for (int i = 0; i < 2; i++)
        ratelimit_take(rl, "slow", (struct ratelimit_tier){6, 2}, T0, &r);
    ratelimit_take(rl, "slow", (struct ratelimit_tier){6, 2}, T0, &r);
    assert_false(r.allowed);
    assert_int_equal(r.retry_after, 10);
    ratelimit_take(rl, "slow", (struct ratelimit_tier){6, 2}, T0 + 9999, &r);
    assert_false(r.allowed);
    assert_int_equal(r.retry_after, 1);
    ratelimit_take(rl, "slow", (struct ratelimit_tier){6, 2}, T0 + 10000, &r);
    assert_true(r.allowed);
    ratelimit_free(rl);
}

static void
bucket_refills_at_the_tier_rate(void **state)
{
    struct ratelimit *rl = ratelimit_new(0);
    struct ratelimit_result r;
    (void)state;

    for (int i = 0; i < 100; i++)
        ratelimit_take(rl, "k", RATELIMIT_TIER_STANDARD, T0, &r);
    /* 59 ms later: not yet a whole token; at 60 ms exactly one. */
    ratelimit_take(rl, "k", RATELIMIT_TIER_STANDARD, T0 + 59, &r);
    assert_false(r.allowed);
    ratelimit_take(rl, "k", RATELIMIT_TIER_STANDARD, T0 + 60, &r);
    assert_true(r.allowed);
    assert_int_equal(r.remaining, 0);
    /* Half a minute later: 500 tokens' worth, capped at the burst. */
    ratelimit_take(rl, "k", RATELIMIT_TIER_STANDARD, T0 + 30000, &r);
    assert_true(r.allowed);
    assert_int_equal(r.remaining, 99);
    /* Sustained: one request every 60 ms forever stays allowed. */
    for (int i = 1; i <= 1000; i++) {
        ratelimit_take(rl, "k", RATELIMIT_TIER_STANDARD, T0 + 30000 + 60LL * i, &r);
        assert_true(r.allowed);
    }
    /* A clock stepping back refills nothing and breaks nothing. */
    ratelimit_take(rl, "k", RATELIMIT_TIER_STANDARD, T0, &r);
    assert_true(r.allowed);
    assert_int_equal(r.remaining, 98);
    ratelimit_free(rl);
}

static void
keys_and_tiers_are_independent(void **state)
{
    struct ratelimit *rl = ratelimit_new(0);
    struct ratelimit_result r;
    (void)state;

    for (int i = 0; i < 200; i++)
        ratelimit_take(rl, "tok_admin", RATELIMIT_TIER_ADMIN, T0, &r);
    assert_true(r.allowed); /* the 200th is the last allowed */
    ratelimit_take(rl, "tok_admin", RATELIMIT_TIER_ADMIN, T0, &r);
    assert_false(r.allowed);
    ratelimit_take(rl, "tok_other", RATELIMIT_TIER_STANDARD, T0, &r);
    assert_true(r.allowed);
    assert_int_equal(r.remaining, 99);
    ratelimit_take(rl, "tok_svc", RATELIMIT_TIER_SERVICE, T0, &r);
    assert_true(r.allowed);
    assert_int_equal(r.limit, 500);
    assert_int_equal(r.remaining, 499);
    /* Keys that share a long prefix are still different keys. */
    ratelimit_take(rl, "tok_admin2", RATELIMIT_TIER_ADMIN, T0, &r);
    assert_true(r.allowed);
    assert_int_equal(ratelimit_count(rl), 4);
    /* A lower tier caps the level a key already has. */
    ratelimit_take(rl, "tok_svc", RATELIMIT_TIER_STANDARD, T0, &r);
    assert_true(r.allowed);
    assert_int_equal(r.remaining, 99);
    ratelimit_free(rl);
}

struct race {
    struct ratelimit *rl;
    int allowed;
};

static void *
race_worker(void *arg)
{
    struct race *race = arg;
    struct ratelimit_result r;
    char key[16];

    for (int i = 0; i < 2000; i++) {
        ratelimit_take(race->rl, "shared", RATELIMIT_TIER_SERVICE, T0, &r);
        race->allowed += r.allowed;
        snprintf(key, sizeof(key), "k%d", i % 50);
        ratelimit_take(race->rl, key, RATELIMIT_TIER_STANDARD, T0 + i, &r);
    }
    return NULL;
}

static void
threads_lose_no_update(void **state)
{
    struct race races[8];
    pthread_t threads[8];
    int total = 0;
    (void)state;

    races[0].rl = ratelimit_new(0);
    for (int i = 0; i < 8; i++) {
        races[i].rl = races[0].rl;
        races[i].allowed = 0;
        assert_int_equal(pthread_create(&threads[i], NULL, race_worker, &races[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(threads[i], NULL);
        total += races[i].allowed;
    }
    /* 16000 attempts at one instant on a 500 burst: exactly 500 pass. */
    assert_int_equal(total, 500);
    assert_int_equal(ratelimit_count(races[0].rl), 51);
    ratelimit_free(races[0].rl);
}

/* Finds n keys "<prefix><i>" that hash to the same shard as `like`. */
static void
keys_in_shard(struct ratelimit *rl, const char *like, const char *prefix, int n, char keys[][32])
{
    struct shard *want = shard_of(&rl->map, key_hash(&rl->map, like, strlen(like)));
    int found = 0;

    for (int i = 0; found < n; i++) {
        snprintf(keys[found], 32, "%s%d", prefix, i);
        if (shard_of(&rl->map, key_hash(&rl->map, keys[found], strlen(keys[found]))) == want)
            found++;
    }
}

static void
memory_is_bounded_and_idle_buckets_go_first(void **state)
{
    struct ratelimit_tier fast = {60000, 10}; /* one token a millisecond */
    struct ratelimit_tier slow = {60, 10};    /* one token a second */
    struct ratelimit *rl = ratelimit_new(64); /* 4 a shard */
    struct ratelimit_result r;
    char keys[8][32], name[32];
    (void)state;

    /* Many keys at one instant: never more than the cap, every new key starts full. */
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof(name), "flood-%d", i);
        ratelimit_take(rl, name, RATELIMIT_TIER_STANDARD, T0, &r);
        assert_true(r.allowed);
        assert_true(ratelimit_count(rl) <= 64);
    }
    ratelimit_free(rl);

    /* hot is drained at T0 (full again at T0 + 10 ms); three neighbours in its shard take one
     * token at T0 + 1 (full again at T0 + 2). At T0 + 3 new neighbours on a slow tier (full
     * again only at T0 + 1003) push the shard past its cap: the refilled neighbours are dropped,
     * hot is kept with its low level. */
    rl = ratelimit_new(64);
    keys_in_shard(rl, "hot", "n", 8, keys);
    for (int i = 0; i < 10; i++)
        ratelimit_take(rl, "hot", fast, T0, &r);
    for (int i = 0; i < 3; i++)
        ratelimit_take(rl, keys[i], fast, T0 + 1, &r);
    assert_int_equal(ratelimit_count(rl), 4);
    for (int i = 3; i < 6; i++)
        ratelimit_take(rl, keys[i], slow, T0 + 3, &r);
    assert_int_equal(ratelimit_count(rl), 4);
    ratelimit_take(rl, "hot", fast, T0 + 4, &r);
    assert_true(r.allowed);
    assert_int_equal(r.remaining, 3); /* 4 refilled, 1 taken: not a fresh bucket (9) */

    /* With nothing idle, the least recently used goes: one of keys[3..5], never hot. */
    ratelimit_take(rl, keys[6], slow, T0 + 5, &r);
    assert_int_equal(ratelimit_count(rl), 4);
    ratelimit_take(rl, "hot", fast, T0 + 5, &r);
    assert_int_equal(r.remaining, 3);
    ratelimit_free(rl);
}

/* ---------------------------------------------------------------------------------------- */
/* Login throttling                                                                          */

#define S0 1767225600LL

static void
username_locks_after_five_failures_with_growing_delays(void **state)
{
    struct ratelimit_throttle *t = ratelimit_throttle_new(NULL, 0);
    struct err err = {0};
    (void)state;

    for (int i = 0; i < 4; i++) {
        ratelimit_throttle_failure(t, "alice", "127.0.0.1", S0 + i);
        assert_int_equal(ratelimit_throttle_check(t, "alice", "127.0.0.1", S0 + i, &err), 0);
    }
    ratelimit_throttle_failure(t, "alice", "127.0.0.1", S0 + 4);
    assert_int_equal(ratelimit_throttle_check(t, "alice", "127.0.0.1", S0 + 4, &err), -1);
    assert_int_equal(err.code, ERR_RATE_LIMIT_EXCEEDED);
    assert_int_equal(err.retry_after, 30);
    err_clear(&err);
    /* Case does not matter, the address does not help. */
    assert_int_equal(ratelimit_throttle_check(t, "ALICE", "127.0.0.2", S0 + 20, &err), -1);
    assert_int_equal(err.retry_after, 14);
    err_clear(&err);
    assert_int_equal(ratelimit_throttle_check(t, "alice", NULL, S0 + 34, &err), 0);
    /* Other users are not affected. */
    assert_int_equal(ratelimit_throttle_check(t, "bob", "127.0.0.1", S0 + 5, &err), 0);

    /* The next failures double the lock: 60 s, 120 s... capped at 15 min. */
    ratelimit_throttle_failure(t, "alice", NULL, S0 + 34);
    assert_int_equal(ratelimit_throttle_check(t, "alice", NULL, S0 + 34, &err), -1);
    assert_int_equal(err.retry_after, 60);
    err_clear(&err);
    ratelimit_throttle_failure(t, "alice", NULL, S0 + 94);
    assert_int_equal(ratelimit_throttle_check(t, "alice", NULL, S0 + 94, &err), -1);
    assert_int_equal(err.retry_after, 120);
    err_clear(&err);
    for (int i = 0; i < 10; i++)
        ratelimit_throttle_failure(t, "alice", NULL, S0 + 300 + i);
    assert_int_equal(ratelimit_throttle_check(t, "alice", NULL, S0 + 309, &err), -1);
    assert_int_equal(err.retry_after, 900);
    err_clear(&err);

    /* A success clears the username's streak. */
    ratelimit_throttle_success(t, "Alice");
    assert_int_equal(ratelimit_throttle_check(t, "alice", NULL, S0 + 310, &err), 0);
    ratelimit_throttle_failure(t, "alice", NULL, S0 + 311);
    assert_int_equal(ratelimit_throttle_check(t, "alice", NULL, S0 + 311, &err), 0);
    ratelimit_throttle_free(t);
}

static void
failures_far_apart_do_not_add_up(void **state)
{
    struct ratelimit_throttle *t = ratelimit_throttle_new(NULL, 0);
    struct err err = {0};
    (void)state;

    /* Four failures, then a pause longer than the 15 min window: the streak restarts. */
    for (int i = 0; i < 4; i++)
        ratelimit_throttle_failure(t, "carol", NULL, S0 + i);
    ratelimit_throttle_failure(t, "carol", NULL, S0 + 3 + 901);
    assert_int_equal(ratelimit_throttle_check(t, "carol", NULL, S0 + 3 + 901, &err), 0);
    ratelimit_throttle_free(t);
}

static void
address_locks_after_its_own_threshold_and_survives_success(void **state)
{
    struct ratelimit_throttle_config cfg = {
        .user_failures = 100, .address_failures = 3, .window = 60, .base_lock = 10, .max_lock = 40};
    struct ratelimit_throttle *t = ratelimit_throttle_new(&cfg, 0);
    struct err err = {0};
    char user[16];
    (void)state;

    /* Spraying one password over many usernames from one address. */
    for (int i = 0; i < 3; i++) {
        snprintf(user, sizeof(user), "user%d", i);
        ratelimit_throttle_failure(t, user, "::1", S0);
    }
    assert_int_equal(ratelimit_throttle_check(t, "someone-new", "::1", S0, &err), -1);
    assert_int_equal(err.retry_after, 10);
    err_clear(&err);
    ratelimit_throttle_success(t, "user0");
    assert_int_equal(ratelimit_throttle_check(t, "user0", "::1", S0 + 1, &err), -1);
    err_clear(&err);
    assert_int_equal(ratelimit_throttle_check(t, "user0", "127.0.0.1", S0 + 1, &err), 0);
    assert_int_equal(ratelimit_throttle_check(t, "user0", "::1", S0 + 10, &err), 0);
    ratelimit_throttle_free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(burst_then_deny_with_retry_after),
        cmocka_unit_test(bucket_refills_at_the_tier_rate),
        cmocka_unit_test(keys_and_tiers_are_independent),
        cmocka_unit_test(threads_lose_no_update),
        cmocka_unit_test(memory_is_bounded_and_idle_buckets_go_first),
        cmocka_unit_test(username_locks_after_five_failures_with_growing_delays),
        cmocka_unit_test(failures_far_apart_do_not_add_up),
        cmocka_unit_test(address_locks_after_its_own_threshold_and_survives_success),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

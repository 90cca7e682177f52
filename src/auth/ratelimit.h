/* SPDX-License-Identifier: MIT */
/* Request rate limits and failed-login throttling, in memory, shared by every server thread.
 * Rate limits are token buckets, one per credential key: a bucket holds up to `burst` requests
 * and refills at `per_minute`, so a client may spend a burst at once and then the sustained rate.
 * Login throttling counts failures per username and per client address and locks either out for
 * a growing delay. Both keep their state in a sharded hash map with one mutex per shard and a
 * hard cap on entries: an entry that carries no information any more (a full bucket, a forgotten
 * failure streak) is dropped first, then the least recently used. Time is always an argument, so
 * tests run on an exact clock. State is per process: with several servers each limits alone. */
#ifndef VIGIL_AUTH_RATELIMIT_H
#define VIGIL_AUTH_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define RATELIMIT_KEY_MAX             256 /* key bytes kept; longer keys are cut (stricter) */
#define RATELIMIT_MAX_ENTRIES_DEFAULT 100000

/* ---------------------------------------------------------------------------------------- */
/* Rate limits                                                                               */

struct ratelimit_tier {
    uint32_t per_minute; /* sustained rate (> 0) */
    uint32_t burst;      /* bucket size (> 0) */
};

/* The SPEC's default tiers (configurable: the server may build its own). */
#define RATELIMIT_TIER_STANDARD ((struct ratelimit_tier){1000, 100})
#define RATELIMIT_TIER_ADMIN    ((struct ratelimit_tier){2000, 200})
#define RATELIMIT_TIER_SERVICE  ((struct ratelimit_tier){5000, 500})
/* Requests that fail authentication (no, bad or dead credential), per client address. */
#define RATELIMIT_TIER_ANONYMOUS ((struct ratelimit_tier){60, 30})

/* The outcome of one request, and the values of the response headers:
 *   X-RateLimit-Limit     = limit (the bucket size, so Remaining never exceeds Limit)
 *   X-RateLimit-Remaining = remaining
 *   X-RateLimit-Reset     = reset (unix seconds when the bucket will be full again)
 *   Retry-After           = retry_after (denials only). */
struct ratelimit_result {
    bool allowed;
    uint32_t limit;      /* the tier's burst */
    uint32_t per_minute; /* the tier's sustained rate, for documentation or logs */
    uint32_t remaining;  /* whole requests that could be made right now */
    int64_t reset;       /* unix seconds, rounded up */
    int64_t retry_after; /* seconds until one request is allowed (>= 1); 0 when allowed */
};

struct ratelimit; /* opaque; owner: the server, for its lifetime */

/* A limiter holding at most max_entries buckets (0 = RATELIMIT_MAX_ENTRIES_DEFAULT). */
struct ratelimit *ratelimit_new(size_t max_entries);
void ratelimit_free(struct ratelimit *limiter); /* NULL is fine */

/* Takes one request from key's bucket at now_ms (unix milliseconds, e.g. clock_now_ms()) and
 * fills *result. A new key starts with a full bucket. Changing a key's tier keeps its level,
 * capped to the new burst. Thread-safe. Keys should name the credential (a token id, a user
 * id), never carry the secret. */
void ratelimit_take(struct ratelimit *limiter, const char *key, struct ratelimit_tier tier,
                    int64_t now_ms, struct ratelimit_result *result /* out */);

/* Buckets currently held (for tests and metrics). Thread-safe. */
size_t ratelimit_count(struct ratelimit *limiter);

/* ---------------------------------------------------------------------------------------- */
/* Failed-login throttling                                                                   */

/* After `user_failures` failures for one username (or `address_failures` from one client
 * address) with no gap longer than `window` between them, every further failure locks that
 * username (address) out for base_lock * 2^(failures - threshold) seconds, at most max_lock. */
struct ratelimit_throttle_config {
    uint32_t user_failures;
    uint32_t address_failures;
    int64_t window;    /* seconds */
    int64_t base_lock; /* seconds */
    int64_t max_lock;  /* seconds */
};

/* 5 failures per username, 20 per address (many users may share one NAT), within 15 min;
 * lockouts of 30 s, 60 s, 120 s... up to 15 min. */
#define RATELIMIT_THROTTLE_DEFAULT                                                                 \
    {                                                                                              \
        5, 20, 900, 30, 900                                                                        \
    }

struct ratelimit_throttle; /* opaque; owner: the server, for its lifetime */

/* config is copied; NULL means RATELIMIT_THROTTLE_DEFAULT. max_entries as for ratelimit_new. */
struct ratelimit_throttle *ratelimit_throttle_new(const struct ratelimit_throttle_config *config,
                                                  size_t max_entries);
void ratelimit_throttle_free(struct ratelimit_throttle *throttle); /* NULL is fine */

/* Call before checking a password. Raises RATE_LIMIT_EXCEEDED (with err->retry_after set) if
 * the username or the address is locked out at `now` (unix seconds), whether or not the user
 * exists. Usernames compare case-insensitively (ASCII); either argument may be NULL. */
int ratelimit_throttle_check(struct ratelimit_throttle *throttle, const char *username,
                             const char *address, int64_t now, struct err *err);

/* Records a failed login for both; call it for unknown usernames too, so an attacker cannot
 * tell them apart by the throttling. */
void ratelimit_throttle_failure(struct ratelimit_throttle *throttle, const char *username,
                                const char *address, int64_t now);

/* Forgets the username's failures after a successful login. The address keeps its count: one
 * valid account must not let a client keep guessing at others. */
void ratelimit_throttle_success(struct ratelimit_throttle *throttle, const char *username);

#endif

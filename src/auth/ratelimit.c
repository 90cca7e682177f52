/* SPDX-License-Identifier: MIT */
/* Token buckets and login throttling over one bounded, sharded map. A shard is a chained hash
 * table under its own mutex; an entry is a key and three integers whose meaning the user of the
 * map decides, plus `expires_ms`, the moment after which the entry says nothing a fresh one
 * would not (a bucket that has refilled, a failure streak past its window). When a shard is full
 * the expired entries go first, then the least recently used one. The hash is seeded at random
 * per map, so clients cannot aim their keys at one chain. */
#include "auth/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/id.h"
#include "core/str.h"
#include "core/xalloc.h"

#define SHARDS 16

/* One token is this many units; a bucket refilling at per_minute tokens a minute then gains
 * exactly per_minute units a millisecond, so all bucket arithmetic is in integers. */
#define UNITS_PER_TOKEN 60000

/* ---------------------------------------------------------------------------------------- */
/* The map                                                                                   */

struct entry {
    struct entry *next;
    uint64_t hash;
    int64_t a, b, c;    /* meaning set by the map's user */
    int64_t expires_ms; /* after this the entry may be dropped at no loss */
    int64_t used_ms;    /* last access, for least-recently-used eviction */
    char key[];
};

struct shard {
    pthread_mutex_t lock;
    struct entry **slots;
    size_t n_slots; /* a power of two */
    size_t count;
    size_t cap;
};

struct map {
    struct shard shards[SHARDS];
    uint64_t seed;
};

static void
map_init(struct map *map, size_t max_entries)
{
    size_t cap, slots = 1;

    if (max_entries == 0)
        max_entries = RATELIMIT_MAX_ENTRIES_DEFAULT;
    cap = max_entries / SHARDS;
    if (cap == 0)
        cap = 1;
    while (slots < cap)
        slots <<= 1;
    random_bytes(&map->seed, sizeof(map->seed));
    for (int i = 0; i < SHARDS; i++) {
        struct shard *shard = &map->shards[i];

        pthread_mutex_init(&shard->lock, NULL);
        shard->slots = xcalloc(slots, sizeof(shard->slots[0]));
        shard->n_slots = slots;
        shard->count = 0;
        shard->cap = cap;
    }
}

static void
map_cleanup(struct map *map)
{
    for (int i = 0; i < SHARDS; i++) {
        struct shard *shard = &map->shards[i];

        for (size_t s = 0; s < shard->n_slots; s++) {
            struct entry *e = shard->slots[s], *next;

            for (; e; e = next) {
                next = e->next;
                free(e);
            }
        }
        free(shard->slots);
        pthread_mutex_destroy(&shard->lock);
    }
}

/* FNV-1a over the seed and the key, finished with a 64-bit mixer (splitmix64). */
static uint64_t
key_hash(const struct map *map, const char *key, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ map->seed;

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

static struct shard *
shard_of(struct map *map, uint64_t hash)
{
    return &map->shards[hash >> 60]; /* top bits pick the shard, low bits the slot */
}

static void
shard_unlink(struct shard *shard, struct entry **link)
{
    struct entry *e = *link;

    *link = e->next;
    free(e);
    shard->count--;
}

/* Makes room for one entry: drops every expired entry, or if none, the least recently used. */
static void
shard_evict(struct shard *shard, int64_t now_ms)
{
    struct entry **oldest = NULL;
    size_t before = shard->count;

    for (size_t s = 0; s < shard->n_slots; s++) {
        struct entry **link = &shard->slots[s];

        while (*link) {
            if ((*link)->expires_ms <= now_ms) {
                shard_unlink(shard, link);
                continue;
            }
            if (!oldest || (*link)->used_ms < (*oldest)->used_ms)
                oldest = link;
            link = &(*link)->next;
        }
    }
    if (shard->count == before && oldest)
        shard_unlink(shard, oldest);
}

/* Finds or creates key's entry in a locked shard. *created tells which; a new entry is zeroed
 * with expires_ms = 0. */
static struct entry *
shard_get(struct shard *shard, uint64_t hash, const char *key, size_t len, int64_t now_ms,
          bool *created)
{
    size_t slot = (size_t)hash & (shard->n_slots - 1);
    struct entry *e;

    for (e = shard->slots[slot]; e; e = e->next) {
        if (e->hash == hash && strncmp(e->key, key, len) == 0 && e->key[len] == '\0') {
            e->used_ms = now_ms;
            *created = false;
            return e;
        }
    }
    if (shard->count >= shard->cap)
        shard_evict(shard, now_ms);
    e = xcalloc(1, sizeof(*e) + len + 1);
    memcpy(e->key, key, len);
    e->hash = hash;
    e->used_ms = now_ms;
    e->next = shard->slots[slot];
    shard->slots[slot] = e;
    shard->count++;
    *created = true;
    return e;
}

/* Locks the shard holding key and returns its entry; the caller unlocks *shard_out. */
static struct entry *
map_lock_entry(struct map *map, const char *key, int64_t now_ms, struct shard **shard_out,
               bool *created)
{
    size_t len = strnlen(key, RATELIMIT_KEY_MAX);
    uint64_t hash = key_hash(map, key, len);
    struct shard *shard = shard_of(map, hash);

    pthread_mutex_lock(&shard->lock);
    *shard_out = shard;
    return shard_get(shard, hash, key, len, now_ms, created);
}

static size_t
map_count(struct map *map)
{
    size_t total = 0;

    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&map->shards[i].lock);
        total += map->shards[i].count;
        pthread_mutex_unlock(&map->shards[i].lock);
    }
    return total;
}

/* ---------------------------------------------------------------------------------------- */
/* Token buckets: a = units in the bucket, b = time of that level (ms)                       */

struct ratelimit {
    struct map map;
};

struct ratelimit *
ratelimit_new(size_t max_entries)
{
    struct ratelimit *limiter = xcalloc(1, sizeof(*limiter));

    map_init(&limiter->map, max_entries);
    return limiter;
}

void
ratelimit_free(struct ratelimit *limiter)
{
    if (!limiter)
        return;
    map_cleanup(&limiter->map);
    free(limiter);
}

static int64_t
ceil_div(int64_t a, int64_t b)
{
    return a <= 0 ? 0 : (a + b - 1) / b;
}

void
ratelimit_take(struct ratelimit *limiter, const char *key, struct ratelimit_tier tier,
               int64_t now_ms, struct ratelimit_result *result)
{
    int64_t capacity, rate, units, full_in_ms;
    struct shard *shard;
    struct entry *e;
    bool created;

    if (tier.per_minute == 0)
        tier.per_minute = 1;
    if (tier.burst == 0)
        tier.burst = 1;
    rate = tier.per_minute;
    capacity = (int64_t)tier.burst * UNITS_PER_TOKEN;

    e = map_lock_entry(&limiter->map, key, now_ms, &shard, &created);
    if (created) {
        units = capacity;
    } else {
        int64_t elapsed = now_ms - e->b;

        units = e->a;
        /* A clock that steps back refills nothing; a long pause fills the bucket without
         * multiplying a huge gap by the rate. */
        if (elapsed > 0)
            units = elapsed >= ceil_div(capacity, rate) ? capacity : units + elapsed * rate;
        if (units > capacity)
            units = capacity;
    }

    result->allowed = units >= UNITS_PER_TOKEN;
    if (result->allowed)
        units -= UNITS_PER_TOKEN;
    e->a = units;
    e->b = now_ms;
    full_in_ms = ceil_div(capacity - units, rate);
    e->expires_ms = now_ms + full_in_ms;
    pthread_mutex_unlock(&shard->lock);

    result->limit = tier.burst;
    result->per_minute = tier.per_minute;
    result->remaining = (uint32_t)(units / UNITS_PER_TOKEN);
    result->reset = ceil_div(now_ms + full_in_ms, 1000);
    result->retry_after = 0;
    if (!result->allowed) {
        int64_t wait_ms = ceil_div(UNITS_PER_TOKEN - units, rate);
        int64_t seconds = ceil_div(wait_ms, 1000);

        result->retry_after = seconds < 1 ? 1 : seconds;
    }
}

size_t
ratelimit_count(struct ratelimit *limiter)
{
    return map_count(&limiter->map);
}

/* ---------------------------------------------------------------------------------------- */
/* Login throttling: a = failures in the streak, b = last failure (s), c = locked until (s)  */

struct ratelimit_throttle {
    struct map map;
    struct ratelimit_throttle_config config;
};

struct ratelimit_throttle *
ratelimit_throttle_new(const struct ratelimit_throttle_config *config, size_t max_entries)
{
    static const struct ratelimit_throttle_config defaults = RATELIMIT_THROTTLE_DEFAULT;
    struct ratelimit_throttle *throttle = xcalloc(1, sizeof(*throttle));

    throttle->config = config ? *config : defaults;
    map_init(&throttle->map, max_entries);
    return throttle;
}

void
ratelimit_throttle_free(struct ratelimit_throttle *throttle)
{
    if (!throttle)
        return;
    map_cleanup(&throttle->map);
    free(throttle);
}

/* "u:" + lower-cased username, or "a:" + address, cut to RATELIMIT_KEY_MAX. */
static void
throttle_key(char out[RATELIMIT_KEY_MAX + 1], char kind, const char *value)
{
    out[0] = kind;
    out[1] = ':';
    str_copy(out + 2, value, RATELIMIT_KEY_MAX - 1);
    if (kind == 'u')
        str_lower(out + 2);
}

/* Locks the shard of throttle key (kind, value) and returns its entry, or NULL (shard still
 * locked) if there is none. Never creates one. */
static struct entry *
throttle_find(struct ratelimit_throttle *throttle, char kind, const char *value,
              struct shard **shard_out)
{
    char key[RATELIMIT_KEY_MAX + 1];
    struct map *map = &throttle->map;
    struct shard *shard;
    struct entry *e;
    uint64_t hash;

    throttle_key(key, kind, value);
    hash = key_hash(map, key, strlen(key));
    shard = shard_of(map, hash);
    pthread_mutex_lock(&shard->lock);
    *shard_out = shard;
    for (e = shard->slots[(size_t)hash & (shard->n_slots - 1)]; e; e = e->next) {
        if (e->hash == hash && strcmp(e->key, key) == 0)
            return e;
    }
    return NULL;
}

/* Seconds key is still locked at now (0 if not). */
static int64_t
throttle_locked_for(struct ratelimit_throttle *throttle, char kind, const char *value, int64_t now)
{
    struct shard *shard;
    struct entry *e;
    int64_t left = 0;

    if (!value)
        return 0;
    e = throttle_find(throttle, kind, value, &shard);
    if (e && e->c > now)
        left = e->c - now;
    pthread_mutex_unlock(&shard->lock);
    return left;
}

int
ratelimit_throttle_check(struct ratelimit_throttle *throttle, const char *username,
                         const char *address, int64_t now, struct err *err)
{
    int64_t user = throttle_locked_for(throttle, 'u', username, now);
    int64_t addr = throttle_locked_for(throttle, 'a', address, now);
    int64_t wait = user > addr ? user : addr;

    if (wait <= 0)
        return 0;
    err_set(err, RATE_LIMIT_EXCEEDED, "too many failed logins; try again in %lld seconds",
            (long long)wait);
    if (err)
        err->retry_after = wait > INT32_MAX ? INT32_MAX : (int)wait;
    return -1;
}

static void
throttle_record(struct ratelimit_throttle *throttle, char kind, const char *value,
                uint32_t threshold, int64_t now)
{
    const struct ratelimit_throttle_config *cfg = &throttle->config;
    char key[RATELIMIT_KEY_MAX + 1];
    struct shard *shard;
    struct entry *e;
    bool created;
    int64_t until;

    if (!value)
        return;
    throttle_key(key, kind, value);
    e = map_lock_entry(&throttle->map, key, now * 1000, &shard, &created);
    if (created || now - e->b > cfg->window)
        e->a = 0;
    e->a++;
    e->b = now;
    if (e->a >= threshold) {
        int64_t lock = cfg->base_lock;

        for (int64_t i = threshold; i < e->a && lock < cfg->max_lock; i++)
            lock *= 2;
        if (lock > cfg->max_lock)
            lock = cfg->max_lock;
        e->c = now + lock;
    }
    until = e->b + cfg->window > e->c ? e->b + cfg->window : e->c;
    e->expires_ms = until * 1000;
    pthread_mutex_unlock(&shard->lock);
}

void
ratelimit_throttle_failure(struct ratelimit_throttle *throttle, const char *username,
                           const char *address, int64_t now)
{
    throttle_record(throttle, 'u', username, throttle->config.user_failures, now);
    throttle_record(throttle, 'a', address, throttle->config.address_failures, now);
}

void
ratelimit_throttle_success(struct ratelimit_throttle *throttle, const char *username)
{
    struct shard *shard;
    struct entry *e;

    if (!username)
        return;
    e = throttle_find(throttle, 'u', username, &shard);
    if (e) {
        e->a = e->b = e->c = 0;
        e->expires_ms = 0; /* nothing left to remember: the next eviction may take it */
    }
    pthread_mutex_unlock(&shard->lock);
}

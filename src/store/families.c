/* SPDX-License-Identifier: MIT */
/* Whether a login session (a refresh family) is still live, for every request that carries an
 * access JWT: its `sid` claim names the family, and a revoked one (logout, refresh reuse, a
 * disabled, deleted or re-passworded user) ends the session at once rather than when the JWT
 * expires. The answer comes from refresh_families, through a small cache: a revocation is
 * final, so a "revoked" entry stays valid; a "live" entry is trusted for at most
 * STORE_FAMILY_CACHE_TTL_MS and dropped as soon as this process revokes any family. Another
 * process sharing the database is seen within that TTL. */
#include "store/store_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xalloc.h"

#define FAMILY_CACHE_SLOTS 4096 /* direct-mapped; about 400 KiB */
#define FAMILY_ID_MAX      48

struct family_entry {
    char id[FAMILY_ID_MAX];
    char user_id[FAMILY_ID_MAX];
    bool revoked;
    int64_t checked_ms;
    uint64_t generation; /* family_cache.generation when a live answer was read */
};

/* Owner: the store. `generation` is bumped by every revocation in this process. */
struct family_cache {
    pthread_mutex_t lock;
    uint64_t generation;
    struct family_entry slots[FAMILY_CACHE_SLOTS];
};

struct family_cache *
family_cache_new(void)
{
    struct family_cache *cache = xcalloc(1, sizeof(*cache));

    pthread_mutex_init(&cache->lock, NULL);
    return cache;
}

void
family_cache_free(struct family_cache *cache)
{
    if (!cache)
        return;
    pthread_mutex_destroy(&cache->lock);
    free(cache);
}

void
family_cache_invalidate(struct family_cache *cache)
{
    pthread_mutex_lock(&cache->lock);
    cache->generation++;
    pthread_mutex_unlock(&cache->lock);
}

static size_t
slot_of(const char *id)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a: a table index, not a security boundary */

    for (const char *p = id; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 1099511628211ULL;
    }
    return (size_t)(h % FAMILY_CACHE_SLOTS);
}

/* 1 and *revoked set on a usable entry for (id, user_id), else 0. */
static int
cache_get(struct family_cache *cache, const char *id, const char *user_id, int64_t now_ms,
          bool *revoked)
{
    const struct family_entry *e = &cache->slots[slot_of(id)];
    int hit = 0;

    pthread_mutex_lock(&cache->lock);
    if (strcmp(e->id, id) == 0 && strcmp(e->user_id, user_id) == 0 &&
        (e->revoked || (e->generation == cache->generation && now_ms >= e->checked_ms &&
                        now_ms - e->checked_ms < STORE_FAMILY_CACHE_TTL_MS))) {
        *revoked = e->revoked;
        hit = 1;
    }
    pthread_mutex_unlock(&cache->lock);
    return hit;
}

static void
cache_put(struct family_cache *cache, const char *id, const char *user_id, uint64_t generation,
          int64_t now_ms, bool revoked)
{
    struct family_entry *e = &cache->slots[slot_of(id)];

    if (strlen(id) >= FAMILY_ID_MAX || strlen(user_id) >= FAMILY_ID_MAX)
        return;
    pthread_mutex_lock(&cache->lock);
    /* A live answer read before a revocation of this process must not be cached as current. */
    if (revoked || generation == cache->generation) {
        memcpy(e->id, id, strlen(id) + 1);
        memcpy(e->user_id, user_id, strlen(user_id) + 1);
        e->revoked = revoked;
        e->checked_ms = now_ms;
        e->generation = generation;
    }
    pthread_mutex_unlock(&cache->lock);
}

int
store_refresh_family_live(struct store *store, const char *family_id, const char *user_id,
                          bool *live, struct err *err)
{
    struct family_cache *cache = store->families;
    int64_t now_ms = clock_now_ms();
    uint64_t generation;
    bool revoked = true;
    struct conn *c;
    struct stmt *st;
    int step;

    if (cache_get(cache, family_id, user_id, now_ms, &revoked)) {
        *live = !revoked;
        return 0;
    }
    pthread_mutex_lock(&cache->lock);
    generation = cache->generation;
    pthread_mutex_unlock(&cache->lock);
    if (store_fault_check(err) || !(c = conn_acquire(store, err)))
        return -1;
    st = stmt_get(c, "SELECT revoked_at FROM refresh_families WHERE id = ?1 AND user_id = ?2", err);
    if (!st) {
        conn_release(store, c);
        return -1;
    }
    bind_text(st, 1, family_id);
    bind_text(st, 2, user_id);
    step = stmt_step(st);
    /* No such family of this user (deleted with it, or never ours): as good as revoked. */
    if (step == ST_ROW)
        revoked = col_int(st, 0) != 0;
    stmt_reset(st);
    if (step != ST_ROW && step != ST_DONE) {
        sql_fail(c, step, "refresh family lookup", err);
        conn_release(store, c);
        return -1;
    }
    conn_release(store, c);
    cache_put(cache, family_id, user_id, generation, now_ms, revoked);
    *live = !revoked;
    return 0;
}

/* SPDX-License-Identifier: MIT */
/* Totals of filtered lists, remembered until the next write. Counting the rows a filter
 * matches is the expensive half of a list request (the page itself is an indexed LIMIT), and
 * clients page through the same filter many times between writes. An entry is keyed by the
 * exact count query and its bound values and tagged with the store's write generation when the
 * count began; any write commit bumps the generation, so a stale total is never served. The
 * generation only sees this process's writes: a second process writing to the same file would
 * need the same signal from the database (the PostgreSQL backend will keep it in a table). */
#include "store/store_int.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define COUNT_CACHE_SLOTS 1024

struct count_entry {
    char *key; /* owned; NULL = empty */
    size_t key_len;
    uint64_t generation;
    int64_t total;
};

struct count_cache {
    pthread_mutex_t lock;
    struct count_entry slots[COUNT_CACHE_SLOTS];
};

static uint64_t
key_hash(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a: a table index, not a security boundary */

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ULL;
    }
    return h;
}

struct count_cache *
count_cache_new(void)
{
    struct count_cache *cache = xcalloc(1, sizeof(*cache));

    pthread_mutex_init(&cache->lock, NULL);
    return cache;
}

void
count_cache_free(struct count_cache *cache)
{
    if (!cache)
        return;
    for (size_t i = 0; i < COUNT_CACHE_SLOTS; i++)
        free(cache->slots[i].key);
    pthread_mutex_destroy(&cache->lock);
    free(cache);
}

bool
count_cache_get(struct count_cache *cache, const char *key, size_t len, uint64_t generation,
                int64_t *total)
{
    struct count_entry *e = &cache->slots[key_hash(key, len) % COUNT_CACHE_SLOTS];
    bool hit;

    pthread_mutex_lock(&cache->lock);
    hit =
        e->key && e->generation == generation && e->key_len == len && memcmp(e->key, key, len) == 0;
    if (hit)
        *total = e->total;
    pthread_mutex_unlock(&cache->lock);
    return hit;
}

void
count_cache_put(struct count_cache *cache, const char *key, size_t len, uint64_t generation,
                int64_t total)
{
    struct count_entry *e = &cache->slots[key_hash(key, len) % COUNT_CACHE_SLOTS];

    pthread_mutex_lock(&cache->lock);
    if (!e->key || e->key_len != len || memcmp(e->key, key, len) != 0) {
        free(e->key);
        e->key = xmalloc(len);
        memcpy(e->key, key, len);
        e->key_len = len;
    }
    e->generation = generation;
    e->total = total;
    pthread_mutex_unlock(&cache->lock);
}

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

/* ---- Ordered id lists ----------------------------------------------------------------------
 * The rowids a list query matches, in its order, for queries that proved expensive (they
 * sort, or scan many rows to skip an OFFSET). Paging through such a list then costs a slice of
 * the array and one point lookup per row instead of a sort per page. A few entries, least
 * recently used out, each valid for one write generation like the counts above. An entry may
 * also only mark a query as expensive (ids NULL): the next request builds the list. */

#define ID_CACHE_SLOTS 8

struct id_entry {
    char *key; /* owned; NULL = empty */
    size_t key_len;
    uint64_t generation; /* of ids */
    int64_t *ids;        /* owned, NULL while only marked */
    size_t n;
    uint64_t used; /* LRU clock */
};

struct id_cache {
    pthread_mutex_t lock;
    struct id_entry slots[ID_CACHE_SLOTS];
    uint64_t clock;
};

struct id_cache *
id_cache_new(void)
{
    struct id_cache *cache = xcalloc(1, sizeof(*cache));

    pthread_mutex_init(&cache->lock, NULL);
    return cache;
}

void
id_cache_free(struct id_cache *cache)
{
    if (!cache)
        return;
    for (size_t i = 0; i < ID_CACHE_SLOTS; i++) {
        free(cache->slots[i].key);
        free(cache->slots[i].ids);
    }
    pthread_mutex_destroy(&cache->lock);
    free(cache);
}

static struct id_entry *
id_find(struct id_cache *cache, const char *key, size_t len)
{
    for (size_t i = 0; i < ID_CACHE_SLOTS; i++) {
        struct id_entry *e = &cache->slots[i];

        if (e->key && e->key_len == len && memcmp(e->key, key, len) == 0)
            return e;
    }
    return NULL;
}

/* The entry for key, taking over the least recently used slot if there is none. */
static struct id_entry *
id_slot(struct id_cache *cache, const char *key, size_t len)
{
    struct id_entry *e = id_find(cache, key, len), *oldest = &cache->slots[0];

    if (e)
        return e;
    for (size_t i = 1; i < ID_CACHE_SLOTS; i++) {
        if (cache->slots[i].used < oldest->used)
            oldest = &cache->slots[i];
    }
    free(oldest->key);
    free(oldest->ids);
    memset(oldest, 0, sizeof(*oldest));
    oldest->key = xmalloc(len);
    memcpy(oldest->key, key, len);
    oldest->key_len = len;
    return oldest;
}

enum id_lookup
id_cache_get(struct id_cache *cache, const char *key, size_t len, uint64_t generation,
             size_t offset, size_t limit, int64_t *out, size_t *n_out, size_t *total)
{
    struct id_entry *e;
    enum id_lookup result = ID_UNKNOWN;

    pthread_mutex_lock(&cache->lock);
    e = id_find(cache, key, len);
    if (e) {
        e->used = ++cache->clock;
        result = ID_EXPENSIVE;
        if (e->ids && e->generation == generation) {
            size_t n = 0;

            for (size_t i = offset; i < e->n && n < limit; i++)
                out[n++] = e->ids[i];
            *n_out = n;
            *total = e->n;
            result = ID_HIT;
        }
    }
    pthread_mutex_unlock(&cache->lock);
    return result;
}

void
id_cache_mark(struct id_cache *cache, const char *key, size_t len)
{
    struct id_entry *e;

    pthread_mutex_lock(&cache->lock);
    e = id_slot(cache, key, len);
    e->used = ++cache->clock;
    pthread_mutex_unlock(&cache->lock);
}

void
id_cache_put(struct id_cache *cache, const char *key, size_t len, uint64_t generation, int64_t *ids,
             size_t n)
{
    struct id_entry *e;

    pthread_mutex_lock(&cache->lock);
    e = id_slot(cache, key, len);
    free(e->ids);
    e->ids = ids;
    e->n = n;
    e->generation = generation;
    e->used = ++cache->clock;
    pthread_mutex_unlock(&cache->lock);
}

/* SPDX-License-Identifier: MIT */
/* The engine-neutral part of the store: opening a URL with the engine it names, the store's
 * shared state (caches, locks), the statement-layer helpers every resource file uses (row
 * loading, string lists as JSON, transactions that count toward the fault injector), health
 * and schema queries, and the binding of a request to an organization. What an engine
 * provides is in engine.h; sqlite.c and pg.c implement it. */
#include "store/store_int.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/str.h"
#include "core/xalloc.h"

/* ---- Opening and closing ------------------------------------------------------------------ */

struct store *
store_open(const char *url, struct err *err)
{
    if (!url || !*url) {
        err_set(err, VALIDATION_ERROR, "The database URL is empty.");
        return NULL;
    }
    if (str_has_prefix(url, "postgres://") || str_has_prefix(url, "postgresql://"))
        return pg_store_open(url, err);
    return sqlite_store_open(url, err);
}

struct store *
store_alloc(const struct engine *engine)
{
    struct store *store = xcalloc(1, sizeof(*store));

    store->engine = engine;
    store->pool_max = STORE_POOL_MAX;
    pthread_mutex_init(&store->lock, NULL);
    pthread_cond_init(&store->available, NULL);
    pthread_mutex_init(&store->sync_lock, NULL);
    pthread_cond_init(&store->synced, NULL);
    pthread_mutex_init(&store->write_lock, NULL);
    pthread_cond_init(&store->batch_done, NULL);
    store->counts = count_cache_new();
    store->id_lists = id_cache_new();
    store->families = family_cache_new();
    return store;
}

void
store_free_common(struct store *store)
{
    pthread_cond_destroy(&store->available);
    pthread_mutex_destroy(&store->lock);
    pthread_cond_destroy(&store->synced);
    pthread_mutex_destroy(&store->sync_lock);
    pthread_mutex_destroy(&store->write_lock);
    pthread_cond_destroy(&store->batch_done);
    count_cache_free(store->counts);
    id_cache_free(store->id_lists);
    family_cache_free(store->families);
    free(store);
}

bool
store_is_shared(const struct store *store)
{
    return store->engine->dialect == DIALECT_POSTGRES;
}

void
store_set_pool_size(struct store *store, int size)
{
    pthread_mutex_lock(&store->lock);
    store->pool_max = size > 0 ? size : STORE_POOL_MAX;
    pthread_mutex_unlock(&store->lock);
}

struct conn *
pool_take(struct store *store)
{
    struct conn *c;

    pthread_mutex_lock(&store->lock);
    while (!store->idle && store->opened >= store->pool_max)
        pthread_cond_wait(&store->available, &store->lock);
    c = store->idle;
    if (c) {
        store->idle = c->next_idle;
        c->next_idle = NULL;
    } else {
        store->opened++;
    }
    pthread_mutex_unlock(&store->lock);
    return c;
}

void
pool_put(struct store *store, struct conn *c)
{
    pthread_mutex_lock(&store->lock);
    if (c) {
        c->next_idle = store->idle;
        store->idle = c;
    } else {
        store->opened--;
    }
    pthread_cond_signal(&store->available);
    pthread_mutex_unlock(&store->lock);
}

void
store_close(struct store *store)
{
    if (store)
        store->engine->close(store);
}

enum store_health
store_write_health(struct store *store)
{
    return (enum store_health)store->engine->write_health(store);
}

/* ---- Statements and transactions ---------------------------------------------------------- */

int
tx_begin(struct conn *c, bool write, struct err *err)
{
    if (store_fault_check(err))
        return -1;
    return c->store->engine->tx_begin(c, write, err);
}

int
tx_begin_row_locked(struct conn *c, struct err *err)
{
    if (store_fault_check(err))
        return -1;
    return c->store->engine->tx_begin_row_locked(c, err);
}

int
stmt_exec(struct conn *c, struct stmt *st, struct err *err)
{
    int rc = stmt_step(st);

    stmt_reset(st);
    if (rc != ST_DONE && rc != ST_ROW)
        return sql_fail(c, rc, "step", err);
    return 0;
}

int
exec_simple(struct conn *c, const char *sql, struct err *err)
{
    struct stmt *st = stmt_get(c, sql, err);

    if (!st)
        return -1;
    return stmt_exec(c, st, err);
}

char *
col_text(struct stmt *st, int i, struct arena *a)
{
    const char *s = col_raw_text(st, i);

    if (!s)
        return NULL;
    return arena_strndup(a, s, col_bytes(st, i));
}

char *
strings_to_json(const char *const *items, size_t n, struct arena *a)
{
    json_t *arr = json_array();
    char *text, *out;

    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_string(items[i]));
    text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    if (!text)
        abort(); /* jansson fails only when out of memory */
    out = arena_strdup(a, text);
    free(text);
    return out;
}

const char **
strings_from_json(const char *text, size_t *n, struct arena *a)
{
    json_t *arr = text ? json_loads(text, 0, NULL) : NULL;
    const char **items;
    size_t i, k = 0;
    json_t *v;

    *n = 0;
    if (!json_is_array(arr)) {
        json_decref(arr);
        return NULL;
    }
    items = arena_calloc(a, json_array_size(arr) + 1, sizeof(*items));
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v))
            items[k++] = arena_strdup(a, json_string_value(v));
    }
    json_decref(arr);
    *n = k;
    return items;
}

int
row_load(struct conn *c, const char *sql, const char *org_id, const char *id, row_read_fn read,
         void *out, struct arena *a, const char *what, struct err *err)
{
    struct stmt *st = stmt_get(c, sql, err);
    int step;

    if (!st)
        return -1;
    bind_text(st, 1, org_id);
    bind_text(st, 2, id);
    step = stmt_step(st);
    if (step == ST_ROW)
        read(st, out, a);
    stmt_reset(st);
    if (step == ST_DONE)
        return err_set(err, NOT_FOUND, "The %s was not found.", what);
    if (step != ST_ROW)
        return sql_fail(c, step, what, err);
    return 0;
}

int
row_exists(struct conn *c, const char *sql, const char *a, const char *b, bool *found,
           struct err *err)
{
    struct stmt *st = stmt_get(c, sql, err);
    int step;

    if (!st)
        return -1;
    bind_text(st, 1, a);
    bind_text(st, 2, b);
    step = stmt_step(st);
    stmt_reset(st);
    if (step != ST_ROW && step != ST_DONE)
        return sql_fail(c, step, "exists", err);
    *found = step == ST_ROW;
    return 0;
}

/* ---- Statement helpers with typed bindings (store_int.h) --------------------------------- */

/* Binds the variadic values described by `types` from position 1 (store_int.h). */
static void
bind_va(struct stmt *st, const char *types, va_list ap)
{
    for (int i = 0; types[i]; i++) {
        if (types[i] == 't') {
            bind_text(st, i + 1, va_arg(ap, const char *));
        } else if (types[i] == 'i') {
            bind_int(st, i + 1, va_arg(ap, int64_t));
        } else {
            const unsigned char *blob = va_arg(ap, const unsigned char *);

            bind_blob(st, i + 1, blob, STORE_SECRET_DIGEST_LEN);
        }
    }
}

int
sql_run(struct conn *c, int *changes, struct err *err, const char *sql, const char *types, ...)
{
    struct stmt *st = stmt_get(c, sql, err);
    va_list ap;

    if (!st)
        return -1;
    va_start(ap, types);
    bind_va(st, types, ap);
    va_end(ap);
    if (stmt_exec(c, st, err))
        return -1;
    if (changes)
        *changes = stmt_changes(c);
    return 0;
}

int
sql_row(struct conn *c, row_read_fn read, void *out, struct arena *a, const char *what,
        struct err *err, const char *sql, const char *types, ...)
{
    struct stmt *st = stmt_get(c, sql, err);
    va_list ap;
    int step;

    if (!st)
        return -1;
    va_start(ap, types);
    bind_va(st, types, ap);
    va_end(ap);
    step = stmt_step(st);
    if (step == ST_ROW)
        read(st, out, a);
    stmt_reset(st);
    if (step == ST_DONE)
        return err_set(err, NOT_FOUND, "The %s was not found.", what);
    if (step != ST_ROW)
        return sql_fail(c, step, what, err);
    return 0;
}

int
sql_page(struct conn *c, const char *columns, const char *from_where, const char *order,
         const struct store_list *q, size_t item_size, row_read_fn read, struct arena *a,
         void **items, size_t *n, int64_t *total, struct err *err, const char *types, ...)
{
    int64_t page = q && q->page ? q->page : 1;
    int64_t per_page = q && q->per_page ? q->per_page : STORE_PER_PAGE_DEFAULT;
    size_t nt = strlen(types), cap = (size_t)per_page, count = 0;
    char *sql;
    struct stmt *st;
    va_list ap;
    int step;
    char *rows;

    sql = arena_printf(a, "SELECT count(*) %s", from_where);
    st = stmt_get(c, sql, err);
    if (!st)
        return -1;
    va_start(ap, types);
    bind_va(st, types, ap);
    va_end(ap);
    step = stmt_step(st);
    *total = step == ST_ROW ? col_int(st, 0) : 0;
    stmt_reset(st);
    if (step != ST_ROW)
        return sql_fail(c, step, "count", err);

    sql = arena_printf(a, "SELECT %s %s ORDER BY %s LIMIT ?%zu OFFSET ?%zu", columns, from_where,
                       order, nt + 1, nt + 2);
    st = stmt_get(c, sql, err);
    if (!st)
        return -1;
    va_start(ap, types);
    bind_va(st, types, ap);
    va_end(ap);
    bind_int(st, (int)nt + 1, per_page);
    bind_int(st, (int)nt + 2, (page - 1) * per_page);
    rows = arena_calloc(a, cap ? cap : 1, item_size);
    while ((step = stmt_step(st)) == ST_ROW && count < cap)
        read(st, rows + count++ * item_size, a);
    stmt_reset(st);
    if (step != ST_DONE && step != ST_ROW)
        return sql_fail(c, step, "list", err);
    *items = rows;
    *n = count;
    return 0;
}

int
stmt_rows(struct conn *c, struct stmt *st, row_read_fn read, size_t item_size, struct arena *a,
          void **items, size_t *n, const char *what, struct err *err)
{
    size_t cap = 16;
    char *out = arena_alloc(a, cap * item_size);

    *n = 0;
    for (;;) {
        int step = stmt_step(st);

        if (step == ST_DONE)
            break;
        if (step != ST_ROW) {
            stmt_reset(st);
            return sql_fail(c, step, what, err);
        }
        if (*n == cap) {
            char *grown = arena_alloc(a, 2 * cap * item_size);

            memcpy(grown, out, cap * item_size);
            out = grown;
            cap *= 2;
        }
        memset(out + *n * item_size, 0, item_size);
        read(st, out + *n * item_size, a);
        (*n)++;
    }
    stmt_reset(st);
    *items = out;
    return 0;
}

int
sql_rows(struct conn *c, row_read_fn read, size_t item_size, struct arena *a, void **items,
         size_t *n, const char *what, struct err *err, const char *sql, const char *types, ...)
{
    struct stmt *st = stmt_get(c, sql, err);
    va_list ap;

    *items = NULL;
    *n = 0;
    if (!st)
        return -1;
    va_start(ap, types);
    bind_va(st, types, ap);
    va_end(ap);
    return stmt_rows(c, st, read, item_size, a, items, n, what, err);
}

static void
db_release(void *p)
{
    struct db *db = p;

    conn_release(db->store, db->conn);
    db->conn = NULL;
}

struct db *
store_bind(struct store *store, const char *org_id, struct arena *a)
{
    struct db *db = arena_alloc(a, sizeof(*db));

    db->store = store;
    db->arena = a;
    db->org_id = arena_strdup(a, org_id);
    db->actor = arena_strdup(a, "system");
    arena_defer(a, db_release, db);
    return db;
}

void
store_db_set_actor(struct db *db, const char *actor)
{
    db->actor = arena_strdup(db->arena, actor ? actor : "system");
}

struct conn *
db_conn(struct db *db, struct err *err)
{
    if (!db->conn)
        db->conn = conn_acquire(db->store, err);
    return db->conn;
}

int
store_ping(struct store *store, struct err *err)
{
    struct err inner = {0};
    struct conn *c = conn_acquire(store, &inner);
    struct stmt *st;
    int rc = -1;

    if (c && store_fault_check(&inner) == 0) {
        st = stmt_get(c, "SELECT count(*) FROM schema_migrations", &inner);
        if (st && stmt_step(st) == ST_ROW)
            rc = 0;
        if (st)
            stmt_reset(st);
    }
    conn_release(store, c);
    if (rc) {
        err_set(err, SERVICE_UNAVAILABLE, "The database is unreachable.");
        err_cause(err, "%s", inner.cause[0] ? inner.cause : "ping query failed");
    }
    return rc;
}

int
store_schema_version(struct store *store, int *version, struct err *err)
{
    struct conn *c = conn_acquire(store, err);
    struct stmt *st;
    int rc = -1;

    if (!c)
        return -1;
    st = stmt_get(c, "SELECT coalesce(max(version), 0) FROM schema_migrations", err);
    if (st) {
        int step = stmt_step(st);

        if (step == ST_ROW) {
            *version = (int)col_int(st, 0);
            rc = 0;
        } else {
            sql_fail(c, step, "schema version", err);
        }
        stmt_reset(st);
    }
    conn_release(store, c);
    return rc;
}

/* SPDX-License-Identifier: MIT */
/* The SQLite engine (engine.h): opening the database and migrating it, the connection pool,
 * the per-connection cache of prepared statements, the statement layer over sqlite3_stmt,
 * transactions with batching and group commit, and error mapping. Invariant: a connection is
 * either on the idle list (outside any transaction) or lent to exactly one struct db or one
 * unbound call. */
#include "store/store_int.h"

#include <sqlite3.h>

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/str.h"
#include "core/testhook.h"
#include "core/xalloc.h"

#define BUSY_TIMEOUT_MS 5000
/* Retry-After of a write refused for a storage fault: long enough not to hammer a full disk,
 * short enough that a fixed one is noticed soon. */
#define STORE_FAULT_RETRY_AFTER_S 5

/* ---- Statement cache -------------------------------------------------------------------- */

static uint64_t
sql_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

/* The statement layer's statement: the SQLite statement and nothing else. */
struct sqlite_stmt {
    struct stmt base;
    sqlite3_stmt *raw;
};

static sqlite3_stmt *
raw(struct stmt *st)
{
    return ((struct sqlite_stmt *)st)->raw;
}

static void
sqlite_stmt_free(struct sqlite_stmt *st)
{
    if (st) {
        sqlite3_finalize(st->raw);
        free(st);
    }
}

static int sqlite_fail(struct conn *c, int rc, const char *what, struct err *err);
static void sqlite_tx_rollback(struct conn *c);

static struct stmt *
sqlite_stmt_get(struct conn *c, const char *sql, struct err *err)
{
    uint64_t h = sql_hash(sql);
    struct sqlite_stmt *wrapped;
    sqlite3_stmt *st;
    int rc;

    for (size_t i = 0; i < c->n_cache; i++) {
        struct stmt_entry *e = &c->cache[i];

        if (e->hash == h && strcmp(e->sql, sql) == 0) {
            sqlite3_reset(e->stmt->raw);
            sqlite3_clear_bindings(e->stmt->raw);
            return &e->stmt->base;
        }
    }
    rc = sqlite3_prepare_v3(c->sqlite, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        sqlite_fail(c, rc, "prepare", err);
        return NULL;
    }
    if (c->n_cache == STMT_CACHE_MAX) {
        /* Only dynamic list queries can fill the cache; drop one not in use. */
        for (size_t i = 0; i < c->n_cache; i++) {
            if (!sqlite3_stmt_busy(c->cache[i].stmt->raw)) {
                sqlite_stmt_free(c->cache[i].stmt);
                free(c->cache[i].sql);
                c->cache[i] = c->cache[--c->n_cache];
                break;
            }
        }
    }
    if (c->n_cache == STMT_CACHE_MAX) {
        /* Every cached statement is in use (cannot happen with the fixed queries). */
        sqlite3_finalize(st);
        err_internal(err, "statement cache exhausted");
        return NULL;
    }
    wrapped = xmalloc(sizeof(*wrapped));
    wrapped->base.engine = &sqlite_engine;
    wrapped->raw = st;
    c->cache[c->n_cache].sql = xstrdup(sql);
    c->cache[c->n_cache].hash = h;
    c->cache[c->n_cache].stmt = wrapped;
    c->n_cache++;
    return &wrapped->base;
}

static int
sqlite_step(struct stmt *st)
{
    return sqlite3_step(raw(st));
}

static void
sqlite_reset(struct stmt *st)
{
    sqlite3_reset(raw(st));
}

static void
sqlite_bind_text(struct stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(raw(st), i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(raw(st), i);
}

static void
sqlite_bind_int(struct stmt *st, int i, int64_t v)
{
    sqlite3_bind_int64(raw(st), i, v);
}

static void
sqlite_bind_double(struct stmt *st, int i, double v)
{
    sqlite3_bind_double(raw(st), i, v);
}

static void
sqlite_bind_blob(struct stmt *st, int i, const void *p, size_t n, bool copy)
{
    sqlite3_bind_blob64(raw(st), i, p, (sqlite3_uint64)n, copy ? SQLITE_TRANSIENT : SQLITE_STATIC);
}

static void
sqlite_bind_null(struct stmt *st, int i)
{
    sqlite3_bind_null(raw(st), i);
}

static bool
sqlite_col_is_null(struct stmt *st, int i)
{
    return sqlite3_column_type(raw(st), i) == SQLITE_NULL;
}

static const char *
sqlite_col_text(struct stmt *st, int i)
{
    return (const char *)sqlite3_column_text(raw(st), i);
}

static int64_t
sqlite_col_int(struct stmt *st, int i)
{
    return sqlite3_column_int64(raw(st), i);
}

static double
sqlite_col_double(struct stmt *st, int i)
{
    return sqlite3_column_double(raw(st), i);
}

static const void *
sqlite_col_blob(struct stmt *st, int i, size_t *len)
{
    const void *p = sqlite3_column_blob(raw(st), i);

    if (len)
        *len = (size_t)sqlite3_column_bytes(raw(st), i);
    return p;
}

static size_t
sqlite_col_bytes(struct stmt *st, int i)
{
    return (size_t)sqlite3_column_bytes(raw(st), i);
}

/* A page query is expensive when it sorted, or stepped through many rows (a deep OFFSET, a
 * filter the index does not cover). The counters are reset on each read. */
static bool
sqlite_was_expensive(struct stmt *st)
{
    int sorts = sqlite3_stmt_status(raw(st), SQLITE_STMTSTATUS_SORT, 1);
    int scans = sqlite3_stmt_status(raw(st), SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
    int steps = sqlite3_stmt_status(raw(st), SQLITE_STMTSTATUS_VM_STEP, 1);

    return sorts > 0 || scans > 1000 || steps > 10000;
}

static int64_t
sqlite_changes(struct conn *c)
{
    return sqlite3_changes(c->sqlite);
}

static int
sqlite_exec_script(struct conn *c, const char *sql, struct err *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(c->sqlite, sql, NULL, NULL, &msg);

    if (rc != SQLITE_OK) {
        err_internal(err, "sqlite: %s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* ---- Errors, transactions, helpers --------------------------------------------------------- */

/* The answer to a write refused for a storage fault (sqlite primary code). */
static int
fault_raise(int fault, struct err *err)
{
    const char *why = fault == SQLITE_FULL       ? "the disk is full"
                      : fault == SQLITE_READONLY ? "the database is read-only"
                                                 : "the disk reports I/O errors";

    err_set(err, SERVICE_UNAVAILABLE, "The database cannot store changes right now (%s).", why);
    if (err)
        err->retry_after = STORE_FAULT_RETRY_AFTER_S;
    return -1;
}

static void
fault_record(struct store *store, int fault)
{
    if (store)
        atomic_store(&store->write_fault, fault);
}

static int
sqlite_fail(struct conn *c, int rc, const char *what, struct err *err)
{
    const char *msg = c && c->sqlite ? sqlite3_errmsg(c->sqlite) : sqlite3_errstr(rc);

    switch (rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
        fault_record(c ? c->store : NULL, rc & 0xff);
        fault_raise(rc & 0xff, err);
        break;
    case SQLITE_CONSTRAINT:
        err_set(err, CONFLICT, "The change conflicts with the current state of the resource.");
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        err_set(err, SERVICE_UNAVAILABLE, "The database is busy; retry shortly.");
        if (err)
            err->retry_after = 1;
        break;
    default:
        err_internal(err, "%s", "");
        break;
    }
    return err_cause(err, "sqlite %s: %s (%d)", what, msg, rc);
}

/* ---- Write transactions: batches and group commit ------------------------------------------
 *
 * Every write transaction of this process runs on the one write connection, store->writer,
 * and concurrent ones share a batch: the first opens a real transaction (BEGIN IMMEDIATE) and
 * each, itself included, runs inside a SAVEPOINT of it, so a failing write rolls back alone.
 * The batch commits when the member finishing last sees no other writer waiting (or the batch
 * is large or old), and every member returns only once the batch is committed AND the WAL
 * holding it has been fdatasync'ed (wal_sync). Callers see one private transaction each: a
 * tx_commit that returns 0 means their write is durable.
 *
 * Why: a finding insert touches ~30 pages (table, indexes, full-text index, history); a WAL
 * frame per page per transaction made each durable insert write ~120 KB and wait for its own
 * fsync. A batch writes the shared pages once and flushes once. */

/* Batches this much larger or older commit even while more writers are waiting, so a steady
 * stream of writes cannot hold a batch open forever. */
#define BATCH_MAX_MEMBERS 64
#define BATCH_MAX_AGE_NS  (2 * 1000 * 1000)

/* Exchanges the SQLite handle and statement cache of c with the writer's (see struct conn). */
static void
swap_with_writer(struct conn *c)
{
    struct conn *w = c->store->writer;
    struct conn tmp;
    size_t n = offsetof(struct conn, store);

    memcpy(&tmp, c, n);
    memcpy(c, w, n);
    memcpy(w, &tmp, n);
}

static bool
batched(const struct conn *c)
{
    return c->store && c->store->writer;
}

/* Takes the writer: waits for the write lock, then borrows the write connection's handle. */
static void
writer_acquire(struct conn *c)
{
    struct store *store = c->store;

    atomic_fetch_add(&store->writers_waiting, 1);
    pthread_mutex_lock(&store->write_lock);
    atomic_fetch_sub(&store->writers_waiting, 1);
    c->holds_write_lock = true;
    swap_with_writer(c);
}

/* Gives the handle back; the lock stays held (the caller releases or waits on it). */
static void
writer_return(struct conn *c)
{
    if (c->holds_write_lock) {
        swap_with_writer(c);
        c->holds_write_lock = false;
    }
}

/* Records how batch `id` ended and wakes its members. Called with write_lock held. */
static void
batch_finish(struct store *store, uint64_t id, int rc, uint64_t seq)
{
    struct batch_result *r = &store->batch_results[id % STORE_BATCH_RESULTS];

    r->id = id;
    r->rc = rc;
    r->seq = seq;
    store->batch_open = false;
    pthread_cond_broadcast(&store->batch_done);
}

/* Commits the open batch on c (which holds the writer). Called with write_lock held. */
static void
batch_commit(struct conn *c)
{
    struct store *store = c->store;
    struct err err = {0};
    uint64_t seq = 0;
    int rc;

    rc = exec_simple(c, "COMMIT", &err);
    if (rc) {
        log_msg(LOG_ERROR, "store: batch commit failed: %s", err.cause);
        if (!sqlite3_get_autocommit(c->sqlite))
            exec_simple(c, "ROLLBACK", NULL);
    } else {
        /* Numbered after COMMIT returned, so a sync that reads this number starts after
         * these frames were written. */
        pthread_mutex_lock(&store->sync_lock);
        seq = ++store->commits;
        pthread_mutex_unlock(&store->sync_lock);
        atomic_fetch_add(&store->generation, 1);
    }
    batch_finish(store, store->batch_id, rc, seq);
}

/* A member is done with the writer: commits the batch if nobody else is about to join it. */
static void
batch_maybe_commit(struct conn *c)
{
    struct store *store = c->store;

    if (!store->batch_open)
        return;
    if (sqlite3_get_autocommit(c->sqlite)) {
        /* A statement error rolled the whole transaction back (I/O error, disk full...):
         * every member of this batch has failed. */
        batch_finish(store, store->batch_id, -1, 0);
        return;
    }
    if (atomic_load(&store->writers_waiting) == 0 || store->batch_members >= BATCH_MAX_MEMBERS ||
        clock_mono_ns() - store->batch_started_ns >= BATCH_MAX_AGE_NS)
        batch_commit(c);
}

/* Waits, write_lock held, until batch `id` has ended; returns its result. */
static int
batch_wait(struct store *store, uint64_t id, uint64_t *seq)
{
    struct batch_result *r = &store->batch_results[id % STORE_BATCH_RESULTS];

    while (r->id < id)
        pthread_cond_wait(&store->batch_done, &store->write_lock);
    if (r->id != id) {
        /* STORE_BATCH_RESULTS later batches ended before this member woke: its outcome is
         * lost, so it reports a failure rather than guess. */
        log_msg(LOG_ERROR, "store: result of write batch %llu was overwritten",
                (unsigned long long)id);
        return -1;
    }
    *seq = r->seq;
    return r->rc;
}

/* Test hook (VIGIL_TEST_HOOKS=1): VIGIL_TEST_STORE_MODE_FILE names a file whose content makes
 * the write connection meet a real storage fault from SQLite: "read_only" (PRAGMA query_only)
 * or "full" (PRAGMA max_page_count at the current size); anything else, or no file, undoes
 * both. Read when a write transaction opens, so a test flips it between requests. */
static void
test_mode_apply(struct conn *c)
{
    const char *path = testhook_enabled() ? getenv("VIGIL_TEST_STORE_MODE_FILE") : NULL;
    const char *sql = "PRAGMA query_only = 0; PRAGMA max_page_count = 4294967294";
    char mode[16] = "";
    FILE *f;

    if (!path)
        return;
    f = fopen(path, "r");
    if (f) {
        if (!fgets(mode, sizeof(mode), f))
            mode[0] = '\0';
        fclose(f);
    }
    if (strncmp(mode, "read_only", 9) == 0)
        sql = "PRAGMA query_only = 1";
    else if (strncmp(mode, "full", 4) == 0)
        sql = "PRAGMA query_only = 0; PRAGMA max_page_count = 1";
    sqlite3_exec(c->sqlite, sql, NULL, NULL, NULL);
}

static int
sqlite_tx_begin(struct conn *c, bool write, struct err *err)
{
    struct store *store = c->store;

    c->write_tx = write;
    if (write)
        test_mode_apply(c);
    if (!write || !batched(c))
        return exec_simple(c, write ? "BEGIN IMMEDIATE" : "BEGIN", err);

    writer_acquire(c);
    test_mode_apply(c); /* now on the writer's handle */
    if (!store->batch_open) {
        /* BEGIN IMMEDIATE takes SQLite's write lock up front, so another process's writer
         * makes this wait in the busy handler rather than fail later. */
        if (exec_simple(c, "BEGIN IMMEDIATE", err))
            goto fail;
        store->batch_open = true;
        store->batch_id++;
        store->batch_members = 0;
        store->batch_started_ns = clock_mono_ns();
    }
    if (exec_simple(c, "SAVEPOINT w", err)) {
        batch_maybe_commit(c);
        goto fail;
    }
    store->batch_members++;
    c->batch = store->batch_id;
    return 0;
fail:
    writer_return(c);
    pthread_mutex_unlock(&store->write_lock);
    c->write_tx = false;
    return -1;
}

/* SQLite has one writer at a time whatever the transaction: a claim is a write like others. */
static int
sqlite_tx_begin_row_locked(struct conn *c, struct err *err)
{
    return sqlite_tx_begin(c, true, err);
}

/* Makes commit number `seq` durable. Connections run with synchronous = NORMAL, so COMMIT has
 * written its WAL frames to the file but not synced them; this syncs the WAL file before the
 * commit is acknowledged. Threads that commit while one fsync is running wait for it and, if
 * it started after their commit, need no fsync of their own: one fsync covers a whole group.
 * That keeps every acknowledged write durable (as synchronous = FULL would) while a burst of
 * writes costs one disk flush per group instead of one per write. */
static int
wal_sync(struct store *store, uint64_t seq, struct err *err)
{
    int rc = 0;

    pthread_mutex_lock(&store->sync_lock);
    while (store->durable < seq && rc == 0) {
        uint64_t target;
        int fd;

        if (store->syncing) {
            pthread_cond_wait(&store->synced, &store->sync_lock);
            continue;
        }
        store->syncing = true;
        target = store->commits;
        pthread_mutex_unlock(&store->sync_lock);

        fd = open(store->wal_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fdatasync(fd) != 0) {
            /* The commit may or may not be on disk: the client is told to retry (an
             * idempotency key makes that safe), and /health reports the I/O error. */
            fault_record(store, SQLITE_IOERR);
            fault_raise(SQLITE_IOERR, err);
            rc = err_cause(err, "fdatasync %s: %s", store->wal_path, strerror(errno));
        }
        if (fd >= 0)
            close(fd);

        pthread_mutex_lock(&store->sync_lock);
        store->syncing = false;
        if (rc == 0 && target > store->durable)
            store->durable = target;
        pthread_cond_broadcast(&store->synced);
    }
    pthread_mutex_unlock(&store->sync_lock);
    return rc;
}

static int
sqlite_tx_commit(struct conn *c, struct err *err)
{
    struct store *store = c->store;
    uint64_t seq = 0;
    int rc;

    if (c->write_tx && store_fault_commit_check()) {
        sqlite_tx_rollback(c);
        return err_internal(err, "injected commit fault");
    }
    if (!c->write_tx || !batched(c)) {
        if (exec_simple(c, "COMMIT", err)) {
            sqlite_tx_rollback(c);
            return -1;
        }
        if (c->write_tx && store)
            atomic_fetch_add(&store->generation, 1);
        c->write_tx = false;
        return 0;
    }
    if (exec_simple(c, "RELEASE w", err)) {
        sqlite_tx_rollback(c);
        return -1;
    }
    c->write_tx = false;
    batch_maybe_commit(c);
    writer_return(c);
    rc = batch_wait(store, c->batch, &seq);
    pthread_mutex_unlock(&store->write_lock);
    if (rc) {
        int fault = atomic_load(&store->write_fault);

        /* The batch met a storage fault (a member's statement or the COMMIT): 503, not 500. */
        if (fault) {
            fault_raise(fault, err);
            return err_cause(err, "the write batch failed to commit");
        }
        return err_internal(err, "the write batch failed to commit");
    }
    return wal_sync(store, seq, err);
}

static void
sqlite_tx_rollback(struct conn *c)
{
    if (c->holds_write_lock) {
        /* A member's failure undoes only its own savepoint; the batch goes on. */
        if (!sqlite3_get_autocommit(c->sqlite)) {
            exec_simple(c, "ROLLBACK TO w", NULL);
            exec_simple(c, "RELEASE w", NULL);
        }
        c->write_tx = false;
        batch_maybe_commit(c);
        writer_return(c);
        pthread_mutex_unlock(&c->store->write_lock);
        return;
    }
    if (!sqlite3_get_autocommit(c->sqlite))
        exec_simple(c, "ROLLBACK", NULL);
    c->write_tx = false;
}

/* ---- Connections and the pool ------------------------------------------------------------ */

static void
conn_free(struct conn *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_cache; i++) {
        sqlite_stmt_free(c->cache[i].stmt);
        free(c->cache[i].sql);
    }
    sqlite3_close(c->sqlite);
    free(c);
}

static struct conn *
conn_open(const char *path, struct err *err)
{
    static const char *const pragmas = "PRAGMA journal_mode = WAL;"
                                       "PRAGMA foreign_keys = ON;"
                                       "PRAGMA cache_size = -3072;"    /* 3 MiB a connection */
                                       "PRAGMA synchronous = NORMAL;"; /* + wal_sync */
    struct conn *c = xcalloc(1, sizeof(*c));
    char *msg = NULL;
    int rc;

    rc = sqlite3_open_v2(path, &c->sqlite,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        sqlite_fail(c, rc, "open", err);
        conn_free(c);
        return NULL;
    }
    sqlite3_extended_result_codes(c->sqlite, 1);
    sqlite3_busy_timeout(c->sqlite, BUSY_TIMEOUT_MS);
    rc = sqlite3_exec(c->sqlite, pragmas, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        err_internal(err, "sqlite pragmas: %s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        conn_free(c);
        return NULL;
    }
    return c;
}

static struct conn *
sqlite_conn_acquire(struct store *store, struct err *err)
{
    struct conn *c = pool_take(store);

    if (c)
        return c;
    c = conn_open(store->path, err); /* outside the pool's lock: it touches the disk */
    if (c)
        c->store = store;
    else
        pool_put(store, NULL);
    return c;
}

static void
sqlite_conn_release(struct store *store, struct conn *c)
{
    sqlite_tx_rollback(c); /* a connection goes back clean even if a caller forgot */
    pool_put(store, c);
}

/* ---- Migrations --------------------------------------------------------------------------- */

static int
migrate(struct conn *c, struct err *err)
{
    char *msg = NULL;
    struct stmt *st;
    int rc, current = 0;

    rc = sqlite3_exec(c->sqlite,
                      "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                      " applied_at INTEGER NOT NULL)",
                      NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        err_internal(err, "schema_migrations: %s", msg ? msg : "");
        sqlite3_free(msg);
        return -1;
    }
    /* BEGIN IMMEDIATE serialises two processes migrating the same file; the version is read
     * inside the transaction so the second one applies nothing. */
    if (exec_simple(c, "BEGIN IMMEDIATE", err))
        return -1;
    st = stmt_get(c, "SELECT coalesce(max(version), 0) FROM schema_migrations", err);
    if (!st)
        goto fail;
    if (stmt_step(st) == ST_ROW)
        current = (int)col_int(st, 0);
    stmt_reset(st);
    for (size_t i = 0; i < store_n_migrations; i++) {
        const struct store_migration *m = &store_migrations[i];

        if (m->version <= current)
            continue;
        rc = sqlite3_exec(c->sqlite, m->sql, NULL, NULL, &msg);
        if (rc != SQLITE_OK) {
            err_internal(err, "migration %03d_%s: %s", m->version, m->name, msg ? msg : "");
            sqlite3_free(msg);
            goto fail;
        }
        st = stmt_get(c,
                      "INSERT INTO schema_migrations (version, name, applied_at) "
                      "VALUES (?, ?, ?)",
                      err);
        if (!st)
            goto fail;
        bind_int(st, 1, m->version);
        bind_text(st, 2, m->name);
        bind_int(st, 3, clock_now());
        if (stmt_exec(c, st, err))
            goto fail;
    }
    if (exec_simple(c, "COMMIT", err))
        goto fail;
    return 0;
fail:
    sqlite_tx_rollback(c);
    return -1;
}

/* ---- Opening and closing ------------------------------------------------------------------- */

static const char *
url_path(const char *url, struct err *err)
{
    if (!url || !*url) {
        err_set(err, VALIDATION_ERROR, "The database URL is empty.");
        return NULL;
    }
    if (str_has_prefix(url, "sqlite://"))
        url += 9;
    else if (str_has_prefix(url, "sqlite:"))
        url += 7;
    if (!*url || strcmp(url, ":memory:") == 0 || str_has_prefix(url, "file:")) {
        err_set(err, VALIDATION_ERROR, "The SQLite database must be a file path.");
        return NULL;
    }
    return url;
}

/* Creates the database's directory if it is missing (one level, as for ./var/vigil.db). */
static void
ensure_parent_dir(const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');

    if (slash && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            /* sqlite3_open_v2 will report the real problem. */
        }
    }
    free(dir);
}

struct store *
sqlite_store_open(const char *url, struct err *err)
{
    const char *path = url_path(url, err);
    struct store *store;
    struct conn *c;

    if (!path)
        return NULL;
    ensure_parent_dir(path);
    store = store_alloc(&sqlite_engine);
    store->path = xstrdup(path);
    store->wal_path = xmalloc(strlen(path) + 5);
    memcpy(store->wal_path, path, strlen(path));
    memcpy(store->wal_path + strlen(path), "-wal", 5);
    c = conn_acquire(store, err);
    if (!c) {
        store_close(store);
        return NULL;
    }
    if (migrate(c, err)) {
        conn_release(store, c);
        store_close(store);
        return NULL;
    }
    conn_release(store, c);
    /* The write connection (see struct conn), opened last so migrations ran without it. */
    store->writer = conn_open(store->path, err);
    if (!store->writer) {
        store_close(store);
        return NULL;
    }
    store->writer->store = store;
    return store;
}

static void
sqlite_close(struct store *store)
{
    struct conn *c, *next;

    for (c = store->idle; c; c = next) {
        next = c->next_idle;
        conn_free(c);
    }
    conn_free(store->writer);
    free(store->wal_path);
    free(store->path);
    store_free_common(store);
}

/* The write probe: a real write transaction through the batch path, so it meets what client
 * writes meet. A 16 KiB row that needs new pages is inserted and deleted again, and the
 * transaction commits: a full disk (or max_page_count), a read-only database or an I/O error
 * records its fault again; only a durable commit clears it. (Other commits do not: a small
 * write can fit in a page a full disk still has, while the next larger one fails.) */
static void
write_probe(struct store *store)
{
    struct err err = {0};
    struct conn *c = conn_acquire(store, &err);

    if (!c)
        return;
    if (tx_begin(c, true, &err) == 0) {
        if (exec_simple(c,
                        "INSERT INTO schema_migrations (version, name, applied_at)"
                        " VALUES (-1, hex(zeroblob(8192)), 0)",
                        &err) ||
            exec_simple(c, "DELETE FROM schema_migrations WHERE version = -1", &err))
            sqlite_tx_rollback(c);
        else if (tx_commit(c, &err) == 0)
            fault_record(store, 0);
    }
    conn_release(store, c);
}

static int
sqlite_write_health(struct store *store)
{
    int fault = atomic_load(&store->write_fault);

    if (fault) {
        write_probe(store);
        fault = atomic_load(&store->write_fault);
    }
    switch (fault) {
    case 0:
        return STORE_HEALTH_OK;
    case SQLITE_FULL:
        return STORE_HEALTH_FULL;
    case SQLITE_READONLY:
        return STORE_HEALTH_READ_ONLY;
    default:
        return STORE_HEALTH_IO_ERROR;
    }
}

/* ---- The engine ----------------------------------------------------------------------- */

const struct engine sqlite_engine = {
    .name = "sqlite",
    .dialect = DIALECT_SQLITE,
    .conn_acquire = sqlite_conn_acquire,
    .conn_release = sqlite_conn_release,
    .stmt_get = sqlite_stmt_get,
    .step = sqlite_step,
    .reset = sqlite_reset,
    .bind_text = sqlite_bind_text,
    .bind_int = sqlite_bind_int,
    .bind_double = sqlite_bind_double,
    .bind_blob = sqlite_bind_blob,
    .bind_null = sqlite_bind_null,
    .col_is_null = sqlite_col_is_null,
    .col_text = sqlite_col_text,
    .col_int = sqlite_col_int,
    .col_double = sqlite_col_double,
    .col_blob = sqlite_col_blob,
    .col_bytes = sqlite_col_bytes,
    .was_expensive = sqlite_was_expensive,
    .changes = sqlite_changes,
    .exec_script = sqlite_exec_script,
    .map_error = sqlite_fail,
    .tx_begin = sqlite_tx_begin,
    .tx_begin_row_locked = sqlite_tx_begin_row_locked,
    .tx_commit = sqlite_tx_commit,
    .tx_rollback = sqlite_tx_rollback,
    .write_health = sqlite_write_health,
    .close = sqlite_close,
};

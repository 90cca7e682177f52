/* SPDX-License-Identifier: MIT */
/* Internal to store/: connections, the statement layer every resource file uses (engine.h
 * declares what an engine provides; the wrappers below dispatch to it), transactions, binding
 * and column helpers, and the list machinery. Nothing here is visible above store/. Every
 * statement is prepared once per connection and reused; all values are bound, never spliced
 * into SQL text. */
#ifndef VIGIL_STORE_STORE_INT_H
#define VIGIL_STORE_STORE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/engine.h"
#include "store/store.h"

/* ---- Migrations (migrations.c, generated from sql/) ------------------------------------- */

struct store_migration {
    int version;
    const char *name;
    const char *sql;
};
extern const struct store_migration store_migrations[]; /* SQLite: sql/NNN_name.sql */
extern const size_t store_n_migrations;
extern const struct store_migration store_migrations_pg[]; /* PostgreSQL: sql/pg/NNN_name.sql */
extern const size_t store_n_migrations_pg;

/* ---- Connections -------------------------------------------------------------------------- */

#define STMT_CACHE_MAX 256

struct sqlite3;
struct sqlite_stmt; /* sqlite.c */
struct stmt_entry {
    char *sql; /* owned copy: the cache key */
    uint64_t hash;
    struct sqlite_stmt *stmt;
};

/* One database connection. Owned by the pool; lent to one thread at a time. The SQLite
 * engine keeps its handle and statement cache in the first fields; the PostgreSQL engine its
 * own state behind `pg`.
 *
 * SQLite:
 * Write transactions all run on one connection, store->writer: tx_begin(c, true) swaps the
 * SQLite handle and statement cache of `c` with the writer's (under store->write_lock) and
 * tx_commit/tx_rollback swap them back. Being the only connection that writes, the writer's page
 * cache is never invalidated by another writer, so a write reads almost nothing from disk;
 * callers see no difference, since they only ever use `c`. The fields that swap come first. */
struct conn {
    struct sqlite3 *sqlite;
    struct stmt_entry cache[STMT_CACHE_MAX];
    size_t n_cache;
    /* ---- fields below stay with the lent connection ---- */
    struct store *store;       /* the pool it belongs to */
    bool write_tx;             /* the open transaction was begun for writing */
    bool holds_write_lock;     /* this connection holds store->write_lock and the writer's handle */
    uint64_t batch;            /* the write batch its transaction joined */
    uint64_t count_generation; /* store generation when the current count began */
    struct conn *next_idle;
    struct pg_conn *pg; /* pg.c: the PostgreSQL engine's connection */
};

/* ---- Refresh-family cache (families.c): is a login session live? ------------------------- */

struct family_cache;
struct family_cache *family_cache_new(void);
void family_cache_free(struct family_cache *cache); /* accepts NULL */
/* Drops every "live" answer: call after revoking any family in this process. */
void family_cache_invalidate(struct family_cache *cache);

/* ---- Count cache (count_cache.c): list totals valid until the next write ----------------- */

struct count_cache;
struct count_cache *count_cache_new(void);
void count_cache_free(struct count_cache *cache); /* accepts NULL */
/* True and *total set if `key` was counted at this generation. */
bool count_cache_get(struct count_cache *cache, const char *key, size_t len, uint64_t generation,
                     int64_t *total /* out */);
void count_cache_put(struct count_cache *cache, const char *key, size_t len, uint64_t generation,
                     int64_t total);

/* Ordered rowid lists of expensive list queries (count_cache.c). */
struct id_cache;
enum id_lookup {
    ID_UNKNOWN,   /* never seen as expensive */
    ID_EXPENSIVE, /* known expensive, no list for this generation */
    ID_HIT,       /* out[0..*n_out) is the page, *total the whole list's length */
};
#define ID_LIST_MAX 200000 /* longer result lists are not cached */
struct id_cache *id_cache_new(void);
void id_cache_free(struct id_cache *cache); /* accepts NULL */
enum id_lookup id_cache_get(struct id_cache *cache, const char *key, size_t len,
                            uint64_t generation, size_t offset, size_t limit,
                            int64_t *out /* out */, size_t *n_out /* out */,
                            size_t *total /* out */);
void id_cache_mark(struct id_cache *cache, const char *key, size_t len);
/* Takes ownership of ids (malloc'ed). */
void id_cache_put(struct id_cache *cache, const char *key, size_t len, uint64_t generation,
                  int64_t *ids, size_t n);

/* How many finished batches are remembered for members that have not woken up yet: a
 * member's batch is at most a few batches old when it wakes. */
#define STORE_BATCH_RESULTS 64

/* Owner: whoever called store_open; freed by store_close. */
struct store {
    const struct engine *engine;
    struct pg_store *pg; /* pg.c: the PostgreSQL engine's pool; NULL on SQLite */
    char *path;
    char *wal_path; /* path + "-wal" */
    pthread_mutex_t lock;
    pthread_cond_t available;
    struct conn *idle; /* free list */
    int opened;        /* connections in existence (idle + lent) */
    int pool_max;      /* opened is at most this (store_set_pool_size) */

    /* Writers of this process queue here rather than in SQLite's busy handler, which sleeps
     * and polls (up to 100 ms a nap) while the write lock is held. Everything in this block
     * is guarded by write_lock (see "Write transactions" in sqlite.c). */
    pthread_mutex_t write_lock;
    /* Bumped after every committed write transaction: what count_cache entries are valid for. */
    _Atomic uint64_t generation;
    struct count_cache *counts;
    struct id_cache *id_lists;
    struct family_cache *families; /* session liveness (families.c) */
    struct conn *writer; /* the write connection's handle while no transaction borrows it */
    _Atomic int writers_waiting;
    bool batch_open; /* a batch transaction is open on the writer */
    uint64_t batch_id;
    int batch_members;
    int64_t batch_started_ns;
    pthread_cond_t batch_done;
    struct batch_result {
        uint64_t id;  /* batch this slot last described */
        int rc;       /* 0 committed, -1 failed */
        uint64_t seq; /* its commit number, for wal_sync */
    } batch_results[STORE_BATCH_RESULTS];

    /* Group commit (see tx_commit): commits are numbered as they finish; one fsync of the WAL
     * makes every commit numbered up to the value read just before it durable. */
    pthread_mutex_t sync_lock;
    pthread_cond_t synced;
    uint64_t commits; /* write commits finished (under sync_lock) */
    uint64_t durable; /* commits known to be on disk */
    bool syncing;     /* a thread is in fdatasync */
    /* The storage fault the last failed write met (an engine code: SQLite FULL, READONLY, IOERR),
     * 0 once the write probe commits again: what /health reports (store_write_health). */
    _Atomic int write_fault;
};

/* A request's handle. Lives in the request arena; its connection returns to the pool when the
 * arena is freed. */
struct db {
    struct store *store;
    struct arena *arena;
    char *org_id;
    char *actor;
    struct conn *conn; /* NULL until the first call */
};

/* ---- The statement layer (engine.h): each wrapper dispatches to the engine ---------------- */

/* Engine-specific SQL text: the first for SQLite, the second for PostgreSQL. */
#define SQL_FOR(c, sqlite_sql, pg_sql)                                                             \
    ((c)->store->engine->dialect == DIALECT_POSTGRES ? (pg_sql) : (sqlite_sql))

static inline struct conn *
conn_acquire(struct store *store, struct err *err)
{
    return store->engine->conn_acquire(store, err);
}
static inline void
conn_release(struct store *store, struct conn *c)
{
    if (c)
        store->engine->conn_release(store, c);
}

/* The pool both engines share (store.c): pool_take waits while store->pool_max connections
 * are lent, then returns an idle connection, or NULL having reserved a slot for the caller to
 * open one in. pool_put gives a connection back, or with NULL frees a slot (an open that
 * failed, a connection closed as broken). */
struct conn *pool_take(struct store *store);
void pool_put(struct store *store, struct conn *c);

/* The db's connection, acquired on first use. */
struct conn *db_conn(struct db *db, struct err *err);

/* A cached prepared statement for `sql` (reset, bindings cleared). NULL + INTERNAL. */
static inline struct stmt *
stmt_get(struct conn *c, const char *sql, struct err *err)
{
    return c->store->engine->stmt_get(c, sql, err);
}
/* Counts a store call for the fault injector; returns -1 with INTERNAL if this is the armed
 * one (fault.c). */
int store_fault_check(struct err *err);

/* What stmt_step answers for a step the fault injector failed: sql_fail makes it INTERNAL. */
#define ST_FAULT 102

/* ST_ROW, ST_DONE or an engine error code for sql_fail. */
static inline int
stmt_step(struct stmt *st)
{
    if (store_fault_check(NULL))
        return ST_FAULT;
    return st->engine->step(st);
}
static inline void
stmt_reset(struct stmt *st)
{
    st->engine->reset(st);
}

/* Binding helpers (1-based positions); NULL text binds NULL. */
static inline void
bind_text(struct stmt *st, int i, const char *s)
{
    st->engine->bind_text(st, i, s);
}
static inline void
bind_int(struct stmt *st, int i, int64_t v)
{
    st->engine->bind_int(st, i, v);
}
static inline void
bind_double(struct stmt *st, int i, double v)
{
    st->engine->bind_double(st, i, v);
}
static inline void
bind_null(struct stmt *st, int i)
{
    st->engine->bind_null(st, i);
}
/* Copies the bytes. */
static inline void
bind_blob(struct stmt *st, int i, const void *p, size_t n)
{
    st->engine->bind_blob(st, i, p, n, true);
}
/* The caller keeps p alive until the statement is reset or stepped to its end. */
static inline void
bind_blob_static(struct stmt *st, int i, const void *p, size_t n)
{
    st->engine->bind_blob(st, i, p, n, false);
}

/* Column helpers. col_raw_text and col_blob point into the statement (valid until the next
 * step or reset); col_text copies into the arena. Text is NULL for SQL NULL. */
static inline bool
col_is_null(struct stmt *st, int i)
{
    return st->engine->col_is_null(st, i);
}
static inline const char *
col_raw_text(struct stmt *st, int i)
{
    return st->engine->col_text(st, i);
}
static inline int64_t
col_int(struct stmt *st, int i)
{
    return st->engine->col_int(st, i);
}
static inline double
col_double(struct stmt *st, int i)
{
    return st->engine->col_double(st, i);
}
static inline const void *
col_blob(struct stmt *st, int i, size_t *len /* out */)
{
    return st->engine->col_blob(st, i, len);
}
static inline size_t
col_bytes(struct stmt *st, int i)
{
    return st->engine->col_bytes(st, i);
}
char *col_text(struct stmt *st, int i, struct arena *a);

/* Rows changed by the last INSERT/UPDATE/DELETE on c. */
static inline int64_t
stmt_changes(struct conn *c)
{
    return c->store->engine->changes(c);
}

/* Transactions: every public function is one. begin counts toward the fault injector. */
int tx_begin(struct conn *c, bool write, struct err *err);
/* A write transaction without the writers' serialisation, for claims that lock the rows they
 * take (see engine.h); READ COMMITTED on PostgreSQL. Counts toward the fault injector too. */
int tx_begin_row_locked(struct conn *c, struct err *err);
static inline int
tx_commit(struct conn *c, struct err *err)
{
    return c->store->engine->tx_commit(c, err);
}
static inline void
tx_rollback(struct conn *c)
{
    c->store->engine->tx_rollback(c);
}

/* Maps an engine result code to an err (CONFLICT for constraint violations, SERVICE_UNAVAILABLE
 * with Retry-After for a database still busy after the timeout, and for a storage fault: disk
 * full, read-only database, I/O error, which c->store then remembers for /health; INTERNAL
 * otherwise) with the message as cause. Returns -1. */
static inline int
sql_fail(struct conn *c, int rc, const char *what, struct err *err)
{
    if (rc == ST_FAULT)
        return err_internal(err, "injected store fault (%s)", what);
    return c->store->engine->map_error(c, rc, what, err);
}

/* Steps a statement that returns no row (INSERT/UPDATE/DELETE) and resets it. */
int stmt_exec(struct conn *c, struct stmt *st, struct err *err);
/* stmt_get + stmt_exec for SQL with no parameters. */
int exec_simple(struct conn *c, const char *sql, struct err *err);

/* JSON array of strings <-> (items, n). Encoding writes into the arena. */
char *strings_to_json(const char *const *items, size_t n, struct arena *a);
const char **strings_from_json(const char *text, size_t *n /* out */, struct arena *a);

/* Reads the one row `sql` selects with (org_id, id) bound as ?1, ?2 into `out` with `read`.
 * NOT_FOUND with detail "The <what> was not found." when there is none. */
typedef void (*row_read_fn)(struct stmt *st, void *item, struct arena *a);
int row_load(struct conn *c, const char *sql, const char *org_id, const char *id, row_read_fn read,
             void *out, struct arena *a, const char *what, struct err *err);
/* Sets *found to whether `sql` with (a, b) bound as ?1, ?2 returns a row. */
int row_exists(struct conn *c, const char *sql, const char *a, const char *b, bool *found,
               struct err *err);

/* The statement helpers for any other binding: `types` describes the values that follow,
 * bound from ?1: 't' text (const char *, NULL binds NULL), 'i' integer (int64_t), 'b' a
 * STORE_SECRET_DIGEST_LEN-byte blob. row_load and row_exists are their (org_id, id) case. */

/* Runs a statement that returns no row; *changes (may be NULL) gets the rows it changed. */
int sql_run(struct conn *c, int *changes, struct err *err, const char *sql, const char *types, ...);
/* Reads the first row with `read`; NOT_FOUND "The <what> was not found." when there is none. */
int sql_row(struct conn *c, row_read_fn read, void *out, struct arena *a, const char *what,
            struct err *err, const char *sql, const char *types, ...);
/* Reads every row into an array of item_size-byte items (zeroed, then `read`). */
int sql_rows(struct conn *c, row_read_fn read, size_t item_size, struct arena *a, void **items,
             size_t *n, const char *what, struct err *err, const char *sql, const char *types, ...);
/* sql_rows over a statement the caller prepared and bound (for a built IN list). */
int stmt_rows(struct conn *c, struct stmt *st, row_read_fn read, size_t item_size, struct arena *a,
              void **items, size_t *n, const char *what, struct err *err);
/* One page of rows and the total: `from_where` is "FROM t WHERE ..." using the ?1.. values of
 * `types`; `order` the ORDER BY list; q's page and per_page (defaults when 0 or q NULL). */
int sql_page(struct conn *c, const char *columns, const char *from_where, const char *order,
             const struct store_list *q, size_t item_size, row_read_fn read, struct arena *a,
             void **items, size_t *n, int64_t *total, struct err *err, const char *types, ...);

/* A new store's common part (store.c): locks, caches; the engine fills the rest. */
struct store *store_alloc(const struct engine *engine);
void store_free_common(struct store *store);

/* Select lists shared by the get and list queries of each resource. */
#define CLIENT_COLUMNS "id, name, contact, notes, created_at, updated_at"
#define PROJECT_COLUMNS                                                                            \
    "id, client_id, name, status, start_date, end_date, description, created_at, updated_at, "     \
    "frameworks"
#define ASSET_COLUMNS "id, project_id, type, value, tags, criticality, created_at, updated_at"
#define FINDING_COLUMNS                                                                            \
    "id, project_id, asset_id, scan_id, title, severity, status, confidence, description, "        \
    "remediation, cvss_vector, cvss_score, cwe, owasp, endpoint, risk_score, check_id, "           \
    "ev_request, ev_response, ev_notes, refs, fingerprint, first_seen, last_seen, created_at, "    \
    "updated_at, sla_due_at, accept_reason, accept_expires_at, accept_by, accept_at"
#define TOKEN_COLUMNS                                                                              \
    "id, org_id, name, scopes, token_prefix, digest, created_at, expires_at, last_used_at, "       \
    "revoked_at, created_by, user_id, service_account_id"

#define SCAN_COLUMNS                                                                               \
    "id, org_id, project_id, status, target, request, job_id, endpoints_discovered, "              \
    "endpoints_tested, requests_sent, findings, summary, coalesce(exit_status, -1), error, "       \
    "created_at, started_at, finished_at, updated_at, credentials_state, keep_credentials, "       \
    "auth_summary, rerun_of"

/* Ending a scan wipes its credentials unless it keeps them (an UPDATE scans SET fragment;
 * scans.c; the abandoned-lease settlement in jobs.c spells out the same). */
#define SCAN_WIPE_CREDENTIALS                                                                      \
    " credentials = CASE WHEN keep_credentials <> 0 THEN credentials ELSE NULL END,"               \
    " credentials_state = CASE WHEN credentials_state = 'stored' AND keep_credentials = 0"         \
    " THEN 'wiped' ELSE credentials_state END,"

/* Reads a FINDING_COLUMNS row (findings.c; also the scan findings view, scans.c). */
void read_finding(struct stmt *st, void *item, struct arena *a);
/* Reads a TOKEN_COLUMNS row (tokens.c). */
void read_token(struct stmt *st, void *item, struct arena *a);

/* ---- Fault injection (fault.c; store_fault_check is declared with stmt_step) ------------- */

/* ---- Lists (list.c) ------------------------------------------------------------------------ */

/* How one list field maps to SQL. Parallel to the public struct store_field table. */
struct list_column {
    const char *expr_prefix; /* filter: text before the "(?, ?)" value list, e.g. "status IN " */
    const char *expr_suffix; /* text after it ("" or ")") */
    const char *order;       /* sort expression, e.g. "severity" */
    bool rank;               /* enum stored as its rank (an integer) */
    /* STORE_FIELD_BOOL: the condition "true" means, with one ? that is bound to clock_now();
     * "false" is its negation (it must never be NULL). */
    const char *condition;
};

struct list_kind {
    const char *table;      /* FROM clause */
    const char *columns;    /* select list decoded by the kind's row reader */
    const char *count_kind; /* row_counts.kind for unfiltered totals */
    const struct store_field *fields;
    const struct list_column *cols;
    size_t n_fields;
    const char *const *search_columns; /* NULL-terminated, substring search; NULL for FTS */
    bool fts;                          /* findings: FTS5 */
    /* Rows that other processes change (scans, updated by `vigil worker`): this process's
     * write generation says nothing about them, so totals and id lists are never cached. */
    bool uncached;
};

typedef row_read_fn list_row_fn;

/* Runs a list query for `kind` bound to org_id: validates q, builds the SQL, reads the page
 * with `read` into an arena array of `item_size` items, and counts the total. The caller has
 * begun a read transaction on c. */
int list_run(struct conn *c, const struct list_kind *kind, const char *org_id,
             const struct store_list *q, size_t item_size, list_row_fn read, struct arena *a,
             void **items /* out */, size_t *n /* out */, int64_t *total /* out */,
             struct err *err);

/* list_run for a request's bound handle, in its own read transaction: zeroes *page, fills
 * n and total, and returns the items (the caller stores them in the page's union member). */
int list_bound(struct db *db, const struct list_kind *kind, const struct store_list *q,
               size_t item_size, list_row_fn read, struct store_page *page /* out */,
               void **items /* out */, struct err *err);

/* Turns free text into a safe FTS5 query: every word double-quoted (quotes doubled) with a
 * prefix star, AND-ed. Words with no letter or digit are dropped. Returns NULL if nothing
 * searchable is left. */
char *fts_query(const char *text, struct arena *a);
/* The same for PostgreSQL's to_tsquery('simple', ...) (list.c). */
char *tsquery_text(const char *text, struct arena *a);

extern const struct list_kind list_clients, list_projects, list_assets, list_findings, list_tokens;
extern const struct list_kind list_scans, list_scan_findings;

/* ---- Findings (findings.c), shared with ingest.c ---------------------------------------- */

struct finding;
/* Validates `in`, computes its derived fields and inserts it with a creation history entry,
 * inside the caller's write transaction; *out is the stored row. */
int finding_insert(struct db *db, struct conn *c, const struct finding *in,
                   struct finding *out /* out */, struct err *err);
/* The source tags the ingest writes with a row it creates (store/ingest.c). */
struct finding_sla;
struct finding_source {
    const char *key;         /* "<source>|<asset id>" */
    const char *import_id;   /* the run that saw it */
    const char *fingerprint; /* the source's key for it */
    /* The organization's SLA days as read in this transaction (finding_sla_load), so a batch
     * reads them once; NULL: the insert reads them. */
    const struct finding_sla *sla;
};
/* The organization's SLA days (the defaults when it set none), in the caller's transaction. */
int finding_sla_load(struct conn *c, const char *org_id, struct finding_sla *out /* out */,
                     struct err *err);
/* finding_insert with the source tags set in the same INSERT (src NULL: none). */
int finding_insert_sourced(struct db *db, struct conn *c, const struct finding *in,
                           const struct finding_source *src, struct finding *out /* out */,
                           struct err *err);
/* Appends one status change by db's actor. */
int history_add(struct conn *c, struct db *db, const char *finding_id, const char *from,
                const char *to, int64_t at, struct err *err);
/* Appends one status change of org_id's finding by `actor`, with a note (NULL: none). */
int history_insert(struct conn *c, const char *org_id, const char *finding_id, const char *from,
                   const char *to, int64_t at, const char *actor, const char *note,
                   struct err *err);

/* ---- Webhook outbox (webhooks.c), called inside the caller's write transaction ---------- */

/* Writes event `event` of org_id with `data` (JSON text, len bytes) as its data, if an active
 * endpoint of the organization subscribes to it; nothing otherwise. */
int outbox_add(struct conn *c, const char *org_id, const char *event, const char *data, size_t len,
               int64_t now, struct arena *a, struct err *err);
/* Sets *wanted to whether an active endpoint of org_id subscribes to event: callers skip
 * building the data when nobody listens. */
int outbox_wanted(struct conn *c, const char *org_id, const char *event, bool *wanted,
                  struct err *err);
/* finding.* with the finding row `id` as GET shows it (findings.c). */
int outbox_finding(struct conn *c, const char *org_id, const char *event, const char *id,
                   struct arena *a, struct err *err);
/* finding.deleted and the like: data {"id"}. */
int outbox_deleted(struct conn *c, const char *org_id, const char *event, const char *id,
                   struct arena *a, struct err *err);
/* project.created with the project as GET shows it. */
struct project;
int outbox_project(struct conn *c, const char *org_id, const struct project *p, struct arena *a,
                   struct err *err);
/* scan.completed / scan.failed for scan `id`, read in the transaction (org from the row). */
int outbox_scan(struct conn *c, const char *id, struct arena *a, struct err *err);

/* The fault hook of store_fault_fail_next_commit (fault.c): true once after it was armed on
 * this thread. */
bool store_fault_commit_check(void);

extern const struct list_kind list_webhooks, list_webhook_deliveries;
#define WEBHOOK_COLUMNS                                                                            \
    "id, url, events, active, description, failing_since, disabled_reason,"                        \
    " previous_secret_expires_at, created_at, updated_at"
#define DELIVERY_COLUMNS                                                                           \
    "id, webhook_id, event_id, event, status, attempts, next_attempt_at, created_at, updated_at"

/* scans.c: one scan by id on this connection (the outbox reads the scan it announces). */
int scan_row_by_id(struct conn *c, const char *id, struct store_scan *out, struct arena *a,
                   struct err *err);

#endif

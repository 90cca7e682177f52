/* SPDX-License-Identifier: MIT */
/* Internal to store/: the statement layer. Resource files (clients.c, findings.c, ...) are
 * written once against the functions below; each database engine implements them in its own
 * file (sqlite.c, pg.c) and fills one `struct engine`. What differs between engines in SQL
 * text is chosen with SQL_FOR, or kept in the engine file itself (transactions, claims,
 * migrations); placeholders are written `?` or `?N` everywhere and the PostgreSQL engine
 * rewrites them to `$N`.
 *
 * Values: integers are int64, text is NUL-terminated UTF-8, blobs are bytes with a length.
 * A NULL text binds SQL NULL. Column text and blob pointers stay valid until the next
 * stmt_step or stmt_reset of the statement. */
#ifndef VIGIL_STORE_ENGINE_H
#define VIGIL_STORE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conn;
struct err;
struct store;

/* stmt_step's answers. Any other value is an engine error code: pass it to sql_fail. The
 * values are SQLite's, so the SQLite engine returns its own codes unchanged. */
#define ST_ROW  100
#define ST_DONE 101

enum sql_dialect {
    DIALECT_SQLITE,
    DIALECT_POSTGRES,
};

/* A prepared statement, cached per connection by its engine (stmt_get). Engines embed this
 * as the first member of their own statement type. */
struct stmt {
    const struct engine *engine;
};

/* What an engine provides. Every member is required. */
struct engine {
    const char *name; /* "sqlite", "postgresql": for messages */
    enum sql_dialect dialect;

    /* Connections: lent to one thread at a time. */
    struct conn *(*conn_acquire)(struct store *store, struct err *err);
    void (*conn_release)(struct store *store, struct conn *c);

    /* Statements */
    struct stmt *(*stmt_get)(struct conn *c, const char *sql, struct err *err);
    int (*step)(struct stmt *st);
    void (*reset)(struct stmt *st); /* also clears the bindings */
    void (*bind_text)(struct stmt *st, int i, const char *s);
    void (*bind_int)(struct stmt *st, int i, int64_t v);
    void (*bind_double)(struct stmt *st, int i, double v);
    /* copy: the bytes are copied; else the caller keeps them alive until the statement is
     * reset or stepped to its end. */
    void (*bind_blob)(struct stmt *st, int i, const void *p, size_t n, bool copy);
    void (*bind_null)(struct stmt *st, int i);
    bool (*col_is_null)(struct stmt *st, int i);
    const char *(*col_text)(struct stmt *st, int i); /* NULL for SQL NULL */
    int64_t (*col_int)(struct stmt *st, int i);
    double (*col_double)(struct stmt *st, int i);
    const void *(*col_blob)(struct stmt *st, int i, size_t *len /* out */);
    size_t (*col_bytes)(struct stmt *st, int i); /* of col_text or col_blob */
    /* True when the statement's last run did costly work (a sort, a long scan): list.c caches
     * the ordered ids of such queries. Engines without the counters answer false. */
    bool (*was_expensive)(struct stmt *st);

    /* Rows changed by the last INSERT/UPDATE/DELETE run on c. */
    int64_t (*changes)(struct conn *c);
    /* Runs SQL text of one or more statements with no parameters (pragmas, hints). */
    int (*exec_script)(struct conn *c, const char *sql, struct err *err);
    /* Maps an engine error code to an err (see sql_fail in store_int.h). */
    int (*map_error)(struct conn *c, int rc, const char *what, struct err *err);

    /* Transactions */
    int (*tx_begin)(struct conn *c, bool write, struct err *err);
    /* A write transaction that relies on row locks alone (job claims: FOR UPDATE SKIP LOCKED)
     * instead of the engine's serialisation of writers; where writers are serialised anyway
     * (SQLite), the same as tx_begin(c, true). */
    int (*tx_begin_row_locked)(struct conn *c, struct err *err);
    int (*tx_commit)(struct conn *c, struct err *err);
    void (*tx_rollback)(struct conn *c);

    /* The store */
    int (*write_health)(struct store *store); /* enum store_health */
    void (*close)(struct store *store);
};

/* The engines. Each opens its kind of URL into a migrated store, or NULL with err set. */
extern const struct engine sqlite_engine;
struct store *sqlite_store_open(const char *url, struct err *err);
extern const struct engine pg_engine;
struct store *pg_store_open(const char *url, struct err *err);

#endif

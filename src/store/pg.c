/* SPDX-License-Identifier: MIT */
/* The PostgreSQL engine (engine.h) over libpq: the connection pool, statements prepared once per
 * connection, placeholders rewritten from `?N`/`?` to `$N`, results read in text format,
 * transactions, error mapping by SQLSTATE, and migrations under an advisory lock.
 *
 * Why it differs from sqlite.c: PostgreSQL is a server with its own locking and WAL, so there
 * is no single-writer connection and no group commit here. Each write transaction is its own
 * (READ COMMITTED, synchronous_commit on: PostgreSQL groups concurrent commits into one WAL flush
 * itself), and reads run in REPEATABLE READ so a list page and its total see one snapshot.
 * Several server processes may share the database; uniqueness is kept by constraints, which
 * answer CONFLICT, and serialization failures answer 503 with Retry-After.
 *
 * Invariant: a connection is either on the idle list (outside any transaction, healthy) or lent
 * to exactly one struct db or one unbound call. */
#include "store/store_int.h"

#include <libpq-fe.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/str.h"
#include "core/testhook.h"
#include "core/xalloc.h"

/* The engine error code stmt_step returns; details are kept on the connection (struct
 * pg_conn) for map_error. Distinct from ST_ROW / ST_DONE. */
#define PG_ERROR 1

/* Retry-After of a write refused for a storage fault (as on SQLite). */
#define STORE_FAULT_RETRY_AFTER_S 5
/* The advisory lock key migrations hold: "vigil" in ASCII. */
#define MIGRATION_LOCK_KEY 0x766967696cLL
/* The transaction-level advisory lock every write transaction takes first ("vigilw"): see
 * pg_tx_begin. */
#define WRITER_LOCK_KEY 0x766967696c77LL

/* Storage faults remembered in store->write_fault (this engine's own codes). */
enum pg_fault {
    PG_FAULT_NONE,
    PG_FAULT_FULL,
    PG_FAULT_READ_ONLY,
    PG_FAULT_IO,
};

/* PostgreSQL type OIDs (server/catalog/pg_type_d.h is not in libpq-dev). */
#define OID_BOOL   16
#define OID_BYTEA  17
#define OID_INT8   20
#define OID_TEXT   25
#define OID_FLOAT8 701

struct pg_stmt {
    struct stmt base;
    struct pg_conn *conn;
    char name[16]; /* the prepared statement's name on the server */
    char *text;    /* the SQL with $N placeholders, until it is prepared */
    bool prepared;
    int n_params;
    Oid *types;    /* per parameter: the type of its first binding (0 for NULL: inferred) */
    char **values; /* per parameter: the text or bytes sent, NULL for SQL NULL */
    int *lengths;
    int *formats;   /* 1 for binary (bytea), 0 for text */
    bool *borrowed; /* values[i] belongs to the caller (bind_blob without copy) */
    PGresult *result;
    int row; /* current row of result; -1 before the first step */
    /* bytea columns of the current row decoded on demand (col_blob), freed at the next step */
    unsigned char **decoded;
    size_t *decoded_len;
    int n_decoded;
};

struct pg_stmt_entry {
    char *sql; /* the statement layer's text: the cache key */
    uint64_t hash;
    struct pg_stmt *stmt;
};

struct pg_conn {
    PGconn *pq;
    struct pg_stmt_entry cache[STMT_CACHE_MAX];
    size_t n_cache;
    unsigned next_name;
    int64_t changes;
    /* The last failure, for map_error. */
    char sqlstate[6];
    char message[256];
};

/* ---- Errors ---------------------------------------------------------------------------- */

static void
error_keep(struct pg_conn *pc, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorMessage(res) : NULL;
    size_t n;

    snprintf(pc->sqlstate, sizeof(pc->sqlstate), "%s", state ? state : "");
    if (!msg || !*msg)
        msg = PQerrorMessage(pc->pq);
    snprintf(pc->message, sizeof(pc->message), "%s", msg ? msg : "");
    n = strlen(pc->message);
    while (n > 0 && (pc->message[n - 1] == '\n' || pc->message[n - 1] == ' '))
        pc->message[--n] = '\0';
}

static void
fault_record(struct store *store, int fault)
{
    if (store)
        atomic_store(&store->write_fault, fault);
}

static int
fault_raise(int fault, struct err *err)
{
    const char *why = fault == PG_FAULT_FULL        ? "the disk is full"
                      : fault == PG_FAULT_READ_ONLY ? "the database is read-only"
                                                    : "the disk reports I/O errors";

    err_set(err, SERVICE_UNAVAILABLE, "The database cannot store changes right now (%s).", why);
    if (err)
        err->retry_after = STORE_FAULT_RETRY_AFTER_S;
    return -1;
}

/* Maps the connection's last failure by SQLSTATE class (PostgreSQL manual, appendix A). */
static int
pg_fail(struct conn *c, int rc, const char *what, struct err *err)
{
    struct pg_conn *pc = c ? c->pg : NULL;
    const char *state = pc ? pc->sqlstate : "";

    (void)rc;
    if (pc && PQstatus(pc->pq) != CONNECTION_OK) {
        err_set(err, SERVICE_UNAVAILABLE, "The database is unreachable; retry shortly.");
        if (err)
            err->retry_after = 1;
    } else if (strncmp(state, "23", 2) == 0) { /* integrity constraint violation */
        err_set(err, CONFLICT, "The change conflicts with the current state of the resource.");
    } else if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
               strcmp(state, "55P03") == 0 || strncmp(state, "57P", 3) == 0 ||
               strncmp(state, "08", 2) == 0) {
        /* serialization failure, deadlock, lock not available, shutdown, connection lost */
        err_set(err, SERVICE_UNAVAILABLE, "The database is busy; retry shortly.");
        if (err)
            err->retry_after = 1;
    } else if (strcmp(state, "53100") == 0) { /* disk full */
        fault_record(c->store, PG_FAULT_FULL);
        fault_raise(PG_FAULT_FULL, err);
    } else if (strcmp(state, "25006") == 0) { /* read-only transaction (e.g. a standby) */
        fault_record(c->store, PG_FAULT_READ_ONLY);
        fault_raise(PG_FAULT_READ_ONLY, err);
    } else if (strcmp(state, "58030") == 0) { /* I/O error */
        fault_record(c->store, PG_FAULT_IO);
        fault_raise(PG_FAULT_IO, err);
    } else {
        err_internal(err, "%s", "");
    }
    return err_cause(err, "postgresql %s: %s [%s]", what, pc ? pc->message : "no connection",
                     state);
}

/* ---- Placeholders -------------------------------------------------------------------------- */

/* Rewrites `?N` to `$N` and bare `?` to `$1`, `$2`... by position, outside string literals,
 * quoted identifiers and comments. *n_params is the highest parameter number. */
static char *
rewrite_placeholders(const char *sql, int *n_params)
{
    struct buf out;
    int next = 0, highest = 0;

    buf_init(&out, BUF_UNLIMITED);

    for (const char *p = sql; *p; p++) {
        if (*p == '\'' || *p == '"') {
            const char *end = strchr(p + 1, *p);

            /* a doubled quote inside is two adjacent literals here: same output */
            end = end ? end : p + strlen(p) - 1;
            buf_append(&out, p, (size_t)(end - p + 1));
            p = end;
        } else if (p[0] == '-' && p[1] == '-') {
            const char *end = strchr(p, '\n');

            end = end ? end : p + strlen(p) - 1;
            buf_append(&out, p, (size_t)(end - p + 1));
            p = end;
        } else if (*p == '?') {
            int n;

            if (p[1] >= '0' && p[1] <= '9') {
                char *end;

                n = (int)strtol(p + 1, &end, 10);
                p = end - 1;
            } else {
                n = ++next;
            }
            if (n > highest)
                highest = n;
            buf_printf(&out, "$%d", n);
        } else {
            buf_append(&out, p, 1);
        }
    }
    *n_params = highest;
    return buf_take(&out, NULL);
}

/* ---- Statements ------------------------------------------------------------------------------ */

static struct pg_stmt *
as_pg(struct stmt *st)
{
    return (struct pg_stmt *)st;
}

static void
clear_decoded(struct pg_stmt *st)
{
    for (int i = 0; i < st->n_decoded; i++) {
        PQfreemem(st->decoded[i]);
        st->decoded[i] = NULL;
    }
}

static void
clear_value(struct pg_stmt *st, int i)
{
    if (!st->borrowed[i])
        free(st->values[i]);
    st->values[i] = NULL;
    st->lengths[i] = 0;
    st->formats[i] = 0;
    st->borrowed[i] = false;
}

static void
pg_reset(struct stmt *base)
{
    struct pg_stmt *st = as_pg(base);

    clear_decoded(st);
    PQclear(st->result);
    st->result = NULL;
    st->row = -1;
    for (int i = 0; i < st->n_params; i++)
        clear_value(st, i);
}

static void
pg_stmt_free(struct pg_stmt *st)
{
    if (!st)
        return;
    pg_reset(&st->base);
    free(st->decoded);
    free(st->decoded_len);
    free(st->text);
    free(st->types);
    free(st->values);
    free(st->lengths);
    free(st->formats);
    free(st->borrowed);
    free(st);
}

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

/* Drops a cached statement no caller is stepping through, to make room. */
static bool
cache_evict_one(struct pg_conn *pc)
{
    for (size_t i = 0; i < pc->n_cache; i++) {
        struct pg_stmt_entry *e = &pc->cache[i];
        char sql[32];

        if (e->stmt->result)
            continue;
        if (e->stmt->prepared) {
            snprintf(sql, sizeof(sql), "DEALLOCATE %s", e->stmt->name);
            PQclear(PQexec(pc->pq, sql));
        }
        pg_stmt_free(e->stmt);
        free(e->sql);
        *e = pc->cache[--pc->n_cache];
        return true;
    }
    return false;
}

static struct stmt *
pg_stmt_get(struct conn *c, const char *sql, struct err *err)
{
    struct pg_conn *pc = c->pg;
    uint64_t h = sql_hash(sql);
    struct pg_stmt *st;
    int n_params;

    (void)err;
    for (size_t i = 0; i < pc->n_cache; i++) {
        struct pg_stmt_entry *e = &pc->cache[i];

        if (e->hash == h && strcmp(e->sql, sql) == 0) {
            pg_reset(&e->stmt->base);
            return &e->stmt->base;
        }
    }
    if (pc->n_cache == STMT_CACHE_MAX && !cache_evict_one(pc)) {
        err_internal(err, "statement cache exhausted");
        return NULL;
    }
    st = xcalloc(1, sizeof(*st));
    st->base.engine = &pg_engine;
    st->conn = pc;
    st->row = -1;
    snprintf(st->name, sizeof(st->name), "v%u", pc->next_name++);
    st->text = rewrite_placeholders(sql, &n_params);
    st->n_params = n_params;
    st->values = xcalloc((size_t)n_params + 1, sizeof(*st->values));
    st->lengths = xcalloc((size_t)n_params + 1, sizeof(*st->lengths));
    st->formats = xcalloc((size_t)n_params + 1, sizeof(*st->formats));
    st->borrowed = xcalloc((size_t)n_params + 1, sizeof(*st->borrowed));
    st->types = xcalloc((size_t)n_params + 1, sizeof(*st->types));
    pc->cache[pc->n_cache].sql = xstrdup(sql);
    pc->cache[pc->n_cache].hash = h;
    pc->cache[pc->n_cache].stmt = st;
    pc->n_cache++;
    return &st->base;
}

/* Prepares the statement on its first run, with each parameter typed as its first binding was
 * (text, even a NULL one; bigint; double precision; bytea; bind_null leaves the type to the
 * server), so a bare
 * `?1 IS NULL` or `?2 - ?3` means what it means on SQLite. A failed prepare is retried on the
 * next run: it may have failed only because its transaction had. */
static int
prepare(struct pg_stmt *st)
{
    PGresult *res = PQprepare(st->conn->pq, st->name, st->text, st->n_params, st->types);

    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        error_keep(st->conn, res);
        PQclear(res);
        return PG_ERROR;
    }
    PQclear(res);
    st->prepared = true;
    return 0;
}

static int
execute(struct pg_stmt *st)
{
    ExecStatusType status;
    PGresult *res;

    if (!st->prepared && prepare(st))
        return PG_ERROR;
    res = PQexecPrepared(st->conn->pq, st->name, st->n_params, (const char *const *)st->values,
                         st->lengths, st->formats, 0);
    status = PQresultStatus(res);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        error_keep(st->conn, res);
        PQclear(res);
        return PG_ERROR;
    }
    st->conn->changes = strtoll(PQcmdTuples(res), NULL, 10);
    st->result = res;
    if (PQnfields(res) > st->n_decoded) {
        int n = PQnfields(res);

        st->decoded = xrealloc(st->decoded, (size_t)n * sizeof(*st->decoded));
        st->decoded_len = xrealloc(st->decoded_len, (size_t)n * sizeof(*st->decoded_len));
        for (int i = st->n_decoded; i < n; i++)
            st->decoded[i] = NULL;
        st->n_decoded = n;
    }
    return 0;
}

/* Runs the statement on its first step, then walks the rows it returned. */
static int
pg_step(struct stmt *base)
{
    struct pg_stmt *st = as_pg(base);

    clear_decoded(st);
    if (!st->result && execute(st))
        return PG_ERROR;
    st->row++;
    return st->row < PQntuples(st->result) ? ST_ROW : ST_DONE;
}

static void
bind_owned(struct pg_stmt *st, int i, char *value, int len, int format, Oid type)
{
    if (i < 1 || i > st->n_params) {
        free(value);
        return;
    }
    if (!st->prepared && !st->types[i - 1])
        st->types[i - 1] = type;
    clear_value(st, i - 1);
    st->values[i - 1] = value;
    st->lengths[i - 1] = len;
    st->formats[i - 1] = format;
}

static void
pg_bind_text(struct stmt *base, int i, const char *s)
{
    bind_owned(as_pg(base), i, s ? xstrdup(s) : NULL, 0, 0, OID_TEXT);
}

static void
pg_bind_int(struct stmt *base, int i, int64_t v)
{
    char text[24];

    snprintf(text, sizeof(text), "%lld", (long long)v);
    bind_owned(as_pg(base), i, xstrdup(text), 0, 0, OID_INT8);
}

static void
pg_bind_double(struct stmt *base, int i, double v)
{
    char text[40];

    snprintf(text, sizeof(text), "%.17g", v);
    bind_owned(as_pg(base), i, xstrdup(text), 0, 0, OID_FLOAT8);
}

/* Blobs go in binary format as bytea. */
static void
pg_bind_blob(struct stmt *base, int i, const void *p, size_t n, bool copy)
{
    struct pg_stmt *st = as_pg(base);
    char *value;

    if (!copy && i >= 1 && i <= st->n_params) {
        bind_owned(st, i, NULL, 0, 1, OID_BYTEA);
        st->values[i - 1] = (char *)(uintptr_t)p; /* never written through */
        st->lengths[i - 1] = (int)n;
        st->borrowed[i - 1] = true;
        return;
    }
    value = xmalloc(n ? n : 1);
    if (n)
        memcpy(value, p, n);
    bind_owned(st, i, value, (int)n, 1, OID_BYTEA);
}

static void
pg_bind_null(struct stmt *base, int i)
{
    bind_owned(as_pg(base), i, NULL, 0, 0, 0);
}

static bool
has_column(const struct pg_stmt *st, int i)
{
    return st->result && st->row >= 0 && st->row < PQntuples(st->result) && i >= 0 &&
           i < PQnfields(st->result);
}

static bool
pg_col_is_null(struct stmt *base, int i)
{
    struct pg_stmt *st = as_pg(base);

    return !has_column(st, i) || PQgetisnull(st->result, st->row, i);
}

static const char *
pg_col_text(struct stmt *base, int i)
{
    struct pg_stmt *st = as_pg(base);

    if (pg_col_is_null(base, i))
        return NULL;
    return PQgetvalue(st->result, st->row, i);
}

/* Integers, and booleans ('t'/'f') as 1/0, so `RETURNING a = b` reads as it does on SQLite. */
static int64_t
pg_col_int(struct stmt *base, int i)
{
    const char *s = pg_col_text(base, i);

    if (!s)
        return 0;
    if (PQftype(as_pg(base)->result, i) == OID_BOOL)
        return s[0] == 't';
    return strtoll(s, NULL, 10);
}

static double
pg_col_double(struct stmt *base, int i)
{
    const char *s = pg_col_text(base, i);

    return s ? strtod(s, NULL) : 0.0;
}

/* bytea arrives as text ("\x0a1b..."); it is decoded once per row and column. len may be
 * NULL (a caller that knows the size). */
static const void *
pg_col_blob(struct stmt *base, int i, size_t *len)
{
    struct pg_stmt *st = as_pg(base);
    const char *s = pg_col_text(base, i);
    size_t ignored;

    if (!len)
        len = &ignored;
    *len = 0;
    if (!s)
        return NULL;
    if (PQftype(st->result, i) != OID_BYTEA) {
        *len = (size_t)PQgetlength(st->result, st->row, i);
        return s;
    }
    if (!st->decoded[i]) {
        st->decoded[i] = PQunescapeBytea((const unsigned char *)s, &st->decoded_len[i]);
        if (!st->decoded[i])
            abort(); /* libpq fails here only when out of memory */
    }
    *len = st->decoded_len[i];
    return st->decoded[i];
}

static size_t
pg_col_bytes(struct stmt *base, int i)
{
    struct pg_stmt *st = as_pg(base);
    size_t len;

    if (pg_col_is_null(base, i))
        return 0;
    if (PQftype(st->result, i) == OID_BYTEA) {
        pg_col_blob(base, i, &len);
        return len;
    }
    return (size_t)PQgetlength(st->result, st->row, i);
}

/* No plan counters are read back: list.c's id-list cache stays off on PostgreSQL. */
static bool
pg_was_expensive(struct stmt *st)
{
    (void)st;
    return false;
}

static int64_t
pg_changes(struct conn *c)
{
    return c->pg->changes;
}

/* Simple-query protocol: several statements, no parameters. */
static int
run_script(struct conn *c, const char *sql, const char *what, struct err *err)
{
    PGresult *res = PQexec(c->pg->pq, sql);
    ExecStatusType status = PQresultStatus(res);

    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        error_keep(c->pg, res);
        PQclear(res);
        return pg_fail(c, PG_ERROR, what, err);
    }
    PQclear(res);
    return 0;
}

static int
pg_exec_script(struct conn *c, const char *sql, struct err *err)
{
    return run_script(c, sql, "script", err);
}

/* ---- Transactions ------------------------------------------------------------------------- */

/* Test hook (VIGIL_TEST_HOOKS=1), as on SQLite: VIGIL_TEST_STORE_MODE_FILE saying "read_only"
 * makes the write transaction read-only, so its first write meets PostgreSQL's own 25006. A
 * full disk has no such switch on PostgreSQL; "full" is not simulated here. */
static int
test_mode_apply(struct conn *c, struct err *err)
{
    const char *path = testhook_enabled() ? getenv("VIGIL_TEST_STORE_MODE_FILE") : NULL;
    char mode[16] = "";
    FILE *f;

    if (!path || !(f = fopen(path, "r")))
        return 0;
    if (!fgets(mode, sizeof(mode), f))
        mode[0] = '\0';
    fclose(f);
    if (strncmp(mode, "read_only", 9) == 0)
        return run_script(c, "SET TRANSACTION READ ONLY", "test mode", err);
    return 0;
}

static void
pg_tx_rollback(struct conn *c)
{
    if (PQtransactionStatus(c->pg->pq) != PQTRANS_IDLE)
        PQclear(PQexec(c->pg->pq, "ROLLBACK"));
    c->write_tx = false;
}

/* Write transactions run one at a time across every process on the database, as on SQLite:
 * each takes one transaction-level advisory lock before its first statement, so the resource
 * files' read-then-write steps (is the username taken? is this idempotency key new? which job
 * is next?) see every earlier write and no concurrent one, and need no retry loop. The lock is
 * released by COMMIT or ROLLBACK. Reads take no lock and run in REPEATABLE READ, so a page and
 * its total see one snapshot. */
static int
pg_tx_begin(struct conn *c, bool write, struct err *err)
{
    char sql[96];

    if (write)
        snprintf(sql, sizeof(sql), "BEGIN; SELECT pg_advisory_xact_lock(%lld)", WRITER_LOCK_KEY);
    else
        snprintf(sql, sizeof(sql), "BEGIN ISOLATION LEVEL REPEATABLE READ");
    c->write_tx = write;
    if (run_script(c, sql, "begin", err))
        return -1;
    if (write && test_mode_apply(c, err)) {
        pg_tx_rollback(c);
        return -1;
    }
    return 0;
}

/* Job claims: no writer lock, so a worker's claim never waits for the API's writes (nor they
 * for it). The claim's statements lock the job rows they take (FOR UPDATE SKIP LOCKED) and
 * the rows they settle; READ COMMITTED, so each statement sees what committed before it. */
static int
pg_tx_begin_row_locked(struct conn *c, struct err *err)
{
    c->write_tx = true;
    if (run_script(c, "BEGIN ISOLATION LEVEL READ COMMITTED", "begin", err))
        return -1;
    if (test_mode_apply(c, err)) {
        pg_tx_rollback(c);
        return -1;
    }
    return 0;
}

static int
pg_tx_commit(struct conn *c, struct err *err)
{
    PGresult *res;
    bool committed;

    if (c->write_tx && store_fault_commit_check()) {
        pg_tx_rollback(c);
        return err_internal(err, "injected commit fault");
    }
    res = PQexec(c->pg->pq, "COMMIT");
    /* COMMIT of a transaction that met an error succeeds as a ROLLBACK: not a commit. */
    committed = PQresultStatus(res) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(res), "COMMIT") == 0;
    if (!committed) {
        error_keep(c->pg, res);
        PQclear(res);
        pg_tx_rollback(c);
        if (!c->pg->sqlstate[0])
            snprintf(c->pg->sqlstate, sizeof(c->pg->sqlstate), "40001");
        return pg_fail(c, PG_ERROR, "commit", err);
    }
    PQclear(res);
    if (c->write_tx)
        atomic_fetch_add(&c->store->generation, 1);
    c->write_tx = false;
    return 0;
}

/* ---- Connections and the pool ---------------------------------------------------------------- */

static void
conn_free(struct conn *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->pg->n_cache; i++) {
        pg_stmt_free(c->pg->cache[i].stmt);
        free(c->pg->cache[i].sql);
    }
    PQfinish(c->pg->pq);
    free(c->pg);
    free(c);
}

static struct conn *
conn_open(struct store *store, struct err *err)
{
    struct conn *c = xcalloc(1, sizeof(*c));

    c->store = store;
    c->pg = xcalloc(1, sizeof(*c->pg));
    c->pg->pq = PQconnectdb(store->path);
    if (PQstatus(c->pg->pq) != CONNECTION_OK) {
        error_keep(c->pg, NULL);
        err_set(err, SERVICE_UNAVAILABLE, "The database is unreachable.");
        err_cause(err, "postgresql connect: %s", c->pg->message);
        conn_free(c);
        return NULL;
    }
    /* Times are integers and text is UTF-8 throughout; make the session agree whatever the
     * server's defaults. Every acknowledged write is flushed (the default, stated). */
    if (run_script(c,
                   "SET client_encoding = 'UTF8'; SET synchronous_commit = on;"
                   " SET client_min_messages = warning",
                   "session setup", err)) {
        conn_free(c);
        return NULL;
    }
    return c;
}

static struct conn *
pg_conn_acquire(struct store *store, struct err *err)
{
    struct conn *c = pool_take(store);

    if (c)
        return c;
    c = conn_open(store, err); /* outside the pool's lock: a network round trip or several */
    if (!c)
        pool_put(store, NULL);
    return c;
}

/* A broken connection (the server restarted, the network dropped) is closed, not pooled: the
 * next acquire opens a fresh one. */
static void
pg_conn_release(struct store *store, struct conn *c)
{
    pg_tx_rollback(c); /* a connection goes back clean even if a caller forgot */
    if (PQstatus(c->pg->pq) == CONNECTION_OK) {
        pool_put(store, c);
        return;
    }
    pool_put(store, NULL);
    conn_free(c);
}

/* ---- Migrations ---------------------------------------------------------------------------- */

/* Applies each migration above the recorded version, each in its own transaction. A session
 * advisory lock serialises servers starting together on one database: the second waits, then
 * reads the version the first recorded and applies nothing. */
static int
migrate(struct conn *c, struct err *err)
{
    char lock_sql[80];
    struct stmt *st;
    int current = 0, rc = -1;

    snprintf(lock_sql, sizeof(lock_sql), "SELECT pg_advisory_lock(%lld)", MIGRATION_LOCK_KEY);
    if (run_script(c, lock_sql, "migration lock", err))
        return -1;
    if (run_script(c,
                   "CREATE TABLE IF NOT EXISTS schema_migrations ("
                   " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                   " applied_at BIGINT NOT NULL)",
                   "schema_migrations", err))
        goto unlock;
    st = stmt_get(c, "SELECT coalesce(max(version), 0) FROM schema_migrations", err);
    if (!st)
        goto unlock;
    if (stmt_step(st) == ST_ROW)
        current = (int)col_int(st, 0);
    stmt_reset(st);
    for (size_t i = 0; i < store_n_migrations_pg; i++) {
        const struct store_migration *m = &store_migrations_pg[i];
        char what[80];

        if (m->version <= current)
            continue;
        snprintf(what, sizeof(what), "migration %03d_%s", m->version, m->name);
        if (run_script(c, "BEGIN", what, err) || run_script(c, m->sql, what, err))
            goto fail;
        st = stmt_get(c,
                      "INSERT INTO schema_migrations (version, name, applied_at)"
                      " VALUES (?, ?, ?)",
                      err);
        if (!st)
            goto fail;
        bind_int(st, 1, m->version);
        bind_text(st, 2, m->name);
        bind_int(st, 3, clock_now());
        if (stmt_exec(c, st, err) || run_script(c, "COMMIT", what, err))
            goto fail;
    }
    rc = 0;
    goto unlock;
fail:
    pg_tx_rollback(c);
unlock:
    snprintf(lock_sql, sizeof(lock_sql), "SELECT pg_advisory_unlock(%lld)", MIGRATION_LOCK_KEY);
    PQclear(PQexec(c->pg->pq, lock_sql));
    return rc;
}

/* ---- Opening and closing ------------------------------------------------------------------- */

/* Opens `url` (postgres:// or postgresql://, handed to libpq as it is: host, port, a unix
 * socket directory as ?host=/dir, sslmode and the rest are libpq's) and migrates it. */
struct store *
pg_store_open(const char *url, struct err *err)
{
    struct store *store = store_alloc(&pg_engine);
    struct conn *c;

    store->path = xstrdup(url);
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
    return store;
}

static void
pg_close(struct store *store)
{
    struct conn *c, *next;

    for (c = store->idle; c; c = next) {
        next = c->next_idle;
        conn_free(c);
    }
    free(store->path);
    store_free_common(store);
}

/* The write probe, as on SQLite: a committed write transaction clears a remembered fault. */
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
                        " VALUES (-1, repeat('0', 16384), 0)",
                        &err) ||
            exec_simple(c, "DELETE FROM schema_migrations WHERE version = -1", &err))
            pg_tx_rollback(c);
        else if (tx_commit(c, &err) == 0)
            fault_record(store, PG_FAULT_NONE);
    }
    conn_release(store, c);
}

static int
pg_write_health(struct store *store)
{
    int fault = atomic_load(&store->write_fault);

    if (fault) {
        write_probe(store);
        fault = atomic_load(&store->write_fault);
    }
    switch (fault) {
    case PG_FAULT_NONE:
        return STORE_HEALTH_OK;
    case PG_FAULT_FULL:
        return STORE_HEALTH_FULL;
    case PG_FAULT_READ_ONLY:
        return STORE_HEALTH_READ_ONLY;
    default:
        return STORE_HEALTH_IO_ERROR;
    }
}

/* ---- The engine ------------------------------------------------------------------------------ */

const struct engine pg_engine = {
    .name = "postgresql",
    .dialect = DIALECT_POSTGRES,
    .conn_acquire = pg_conn_acquire,
    .conn_release = pg_conn_release,
    .stmt_get = pg_stmt_get,
    .step = pg_step,
    .reset = pg_reset,
    .bind_text = pg_bind_text,
    .bind_int = pg_bind_int,
    .bind_double = pg_bind_double,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .col_is_null = pg_col_is_null,
    .col_text = pg_col_text,
    .col_int = pg_col_int,
    .col_double = pg_col_double,
    .col_blob = pg_col_blob,
    .col_bytes = pg_col_bytes,
    .was_expensive = pg_was_expensive,
    .changes = pg_changes,
    .exec_script = pg_exec_script,
    .map_error = pg_fail,
    .tx_begin = pg_tx_begin,
    .tx_begin_row_locked = pg_tx_begin_row_locked,
    .tx_commit = pg_tx_commit,
    .tx_rollback = pg_tx_rollback,
    .write_health = pg_write_health,
    .close = pg_close,
};

/* SPDX-License-Identifier: MIT */
/* Idempotency keys, one row per organization, principal, method, route template and key.
 * begin decides, under the write lock, whether a POST runs (NEW), replays a stored response
 * (REPLAY), is refused because the key came with another request (MISMATCH), is still running
 * (IN_FLIGHT) or succeeded with a once-only secret that is not kept (SECRET). Expired rows are
 * replaced in place, so a key can be reused after a day without a purge having run; an
 * in-flight row older than STORE_IDEM_STALE belongs to a process that died mid-request. */
#include "store/store_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/clock.h"

#define IDEM_HASH_MAX 128

/* The WHERE clause every statement shares: ?1..?5 are the organization and the scope. */
#define IDEM_WHERE "org_id = ?1 AND principal = ?2 AND method = ?3 AND route = ?4 AND key = ?5"

static void
bind_scope(struct stmt *st, const struct db *db, const struct store_idem_scope *scope)
{
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, scope->principal);
    bind_text(st, 3, scope->method);
    bind_text(st, 4, scope->route);
    bind_text(st, 5, scope->key);
}

static void
read_reply(struct stmt *st, struct arena *arena, struct store_idem_reply *reply)
{
    const void *body = col_blob(st, 4, NULL);
    char *copy;

    reply->status = (int)col_int(st, 2);
    reply->content_type = col_text(st, 3, arena);
    reply->location = col_text(st, 6, arena);
    reply->len = col_bytes(st, 4);
    copy = arena_alloc(arena, reply->len + 1); /* NUL-terminated for convenience */
    if (body)
        memcpy(copy, body, reply->len);
    copy[reply->len] = '\0';
    reply->body = copy;
}

int
store_idem_begin(struct db *db, const struct store_idem_scope *scope, const char *request_hash,
                 int64_t now, enum store_idem_state *state, struct store_idem_reply *reply,
                 struct err *err)
{
    struct conn *c;
    struct stmt *st;
    int step;
    bool take = false;

    memset(reply, 0, sizeof(*reply));
    if (!scope->key || !*scope->key || strlen(scope->key) > STORE_IDEM_KEY_MAX)
        return err_field(err, "Idempotency-Key", "must be 1 to %d characters", STORE_IDEM_KEY_MAX);
    if (!scope->principal || !scope->method || !scope->route)
        return err_internal(err, "idempotency scope incomplete");
    if (!request_hash || strlen(request_hash) > IDEM_HASH_MAX)
        return err_internal(err, "idempotency request hash missing or too long");
    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    st = stmt_get(c,
                  "SELECT request_hash, state, status, content_type, body, created_at, location"
                  " FROM idempotency_keys WHERE " IDEM_WHERE,
                  err);
    if (!st)
        goto fail;
    bind_scope(st, db, scope);
    step = stmt_step(st);
    if (step == ST_DONE) {
        take = true;
    } else if (step == ST_ROW) {
        const char *hash = col_raw_text(st, 0);
        const char *row_state = col_raw_text(st, 1);
        bool in_flight = strcmp(row_state, "in_flight") == 0;
        int64_t created = col_int(st, 5);

        if (created <= now - STORE_IDEM_TTL || (in_flight && created <= now - STORE_IDEM_STALE)) {
            take = true;
        } else if (strcmp(hash, request_hash) != 0) {
            *state = STORE_IDEM_MISMATCH;
        } else if (in_flight) {
            *state = STORE_IDEM_IN_FLIGHT;
        } else {
            *state = strcmp(row_state, "secret") == 0 ? STORE_IDEM_SECRET : STORE_IDEM_REPLAY;
            read_reply(st, db->arena, reply);
        }
    }
    stmt_reset(st);
    if (step != ST_ROW && step != ST_DONE) {
        sql_fail(c, step, "idempotency lookup", err);
        goto fail;
    }
    if (take) {
        st = stmt_get(c,
                      "INSERT INTO idempotency_keys (org_id, principal, method, route, key,"
                      " request_hash, state, created_at)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'in_flight', ?7)"
                      " ON CONFLICT (org_id, principal, method, route, key) DO UPDATE SET"
                      " request_hash = excluded.request_hash, state = 'in_flight', status = NULL,"
                      " content_type = NULL, location = NULL, body = NULL,"
                      " created_at = excluded.created_at",
                      err);
        if (!st)
            goto fail;
        bind_scope(st, db, scope);
        bind_text(st, 6, request_hash);
        bind_int(st, 7, now);
        if (stmt_exec(c, st, err))
            goto fail;
        *state = STORE_IDEM_NEW;
    }
    if (tx_commit(c, err))
        goto fail;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_idem_finish(struct db *db, const struct store_idem_scope *scope,
                  const struct store_idem_reply *answer, bool once_secret, struct err *err)
{
    struct conn *c;
    struct stmt *st;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    st = stmt_get(c,
                  "UPDATE idempotency_keys SET state = ?6, status = ?7, content_type = ?8,"
                  " location = ?9, body = ?10 WHERE " IDEM_WHERE " AND state = 'in_flight'",
                  err);
    if (!st)
        goto fail;
    bind_scope(st, db, scope);
    bind_text(st, 6, once_secret ? "secret" : "done");
    bind_int(st, 7, answer->status);
    bind_text(st, 8, once_secret ? NULL : answer->content_type);
    bind_text(st, 9, answer->location);
    /* A once-only secret is never written to disk: the row keeps no body at all. */
    if (once_secret)
        bind_null(st, 10);
    else
        bind_blob(st, 10, answer->body ? answer->body : "", answer->len);
    if (stmt_exec(c, st, err))
        goto fail;
    if (stmt_changes(c) == 0) {
        err_set(err, NOT_FOUND, "The idempotency key is not in flight.");
        goto fail;
    }
    if (tx_commit(c, err))
        goto fail;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_idem_abort(struct db *db, const struct store_idem_scope *scope, struct err *err)
{
    struct conn *c;
    struct stmt *st;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    st = stmt_get(c, "DELETE FROM idempotency_keys WHERE " IDEM_WHERE " AND state = 'in_flight'",
                  err);
    if (!st)
        goto fail;
    bind_scope(st, db, scope);
    if (stmt_exec(c, st, err) || tx_commit(c, err))
        goto fail;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_idem_purge(struct store *store, int64_t now, int64_t *deleted, struct err *err)
{
    struct conn *c = conn_acquire(store, err);
    struct stmt *st;
    int rc = -1;

    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    st = stmt_get(c, "DELETE FROM idempotency_keys WHERE created_at <= ?", err);
    if (!st)
        goto done;
    bind_int(st, 1, now - STORE_IDEM_TTL);
    if (stmt_exec(c, st, err))
        goto done;
    if (deleted)
        *deleted = stmt_changes(c);
    if (tx_commit(c, err))
        goto done;
    rc = 0;
done:
    tx_rollback(c);
    conn_release(store, c);
    return rc;
}

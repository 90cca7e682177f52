/* SPDX-License-Identifier: MIT */
/* Idempotency keys (one row per organization and key). begin decides, under the write lock,
 * whether a POST runs (NEW), replays a stored response (REPLAY), is refused because the key
 * came with another request (MISMATCH) or is still running (IN_FLIGHT). Expired rows are
 * replaced in place, so a key can be reused after a day without a purge having run; an
 * in-flight row older than STORE_IDEM_STALE belongs to a process that died mid-request. */
#include "store/store_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/clock.h"

#define IDEM_HASH_MAX 128

int
store_idem_begin(struct db *db, const char *key, const char *request_hash, int64_t now,
                 enum store_idem_state *state, struct store_idem_reply *reply, struct err *err)
{
    struct conn *c;
    sqlite3_stmt *st;
    int step;
    bool take = false;

    memset(reply, 0, sizeof(*reply));
    if (!key || !*key || strlen(key) > STORE_IDEM_KEY_MAX)
        return err_field(err, "Idempotency-Key", "must be 1 to %d characters", STORE_IDEM_KEY_MAX);
    if (!request_hash || strlen(request_hash) > IDEM_HASH_MAX)
        return err_internal(err, "idempotency request hash missing or too long");
    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    st = stmt_get(c,
                  "SELECT request_hash, state, status, content_type, body, created_at"
                  " FROM idempotency_keys WHERE org_id = ?1 AND key = ?2",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, key);
    step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        take = true;
    } else if (step == SQLITE_ROW) {
        const char *hash = (const char *)sqlite3_column_text(st, 0);
        bool in_flight = strcmp((const char *)sqlite3_column_text(st, 1), "in_flight") == 0;
        int64_t created = col_int(st, 5);

        if (created <= now - STORE_IDEM_TTL || (in_flight && created <= now - STORE_IDEM_STALE)) {
            take = true;
        } else if (strcmp(hash, request_hash) != 0) {
            *state = STORE_IDEM_MISMATCH;
        } else if (in_flight) {
            *state = STORE_IDEM_IN_FLIGHT;
        } else {
            const void *body = sqlite3_column_blob(st, 4);
            char *copy;

            *state = STORE_IDEM_REPLAY;
            reply->status = (int)col_int(st, 2);
            reply->content_type = col_text(st, 3, db->arena);
            reply->len = (size_t)sqlite3_column_bytes(st, 4);
            copy = arena_alloc(db->arena, reply->len + 1); /* NUL-terminated for convenience */
            if (body)
                memcpy(copy, body, reply->len);
            reply->body = copy;
        }
    }
    sqlite3_reset(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        sql_fail(c, step, "idempotency lookup", err);
        goto fail;
    }
    if (take) {
        st = stmt_get(c,
                      "INSERT OR REPLACE INTO idempotency_keys (org_id, key, request_hash, state,"
                      " created_at) VALUES (?, ?, ?, 'in_flight', ?)",
                      err);
        if (!st)
            goto fail;
        bind_text(st, 1, db->org_id);
        bind_text(st, 2, key);
        bind_text(st, 3, request_hash);
        bind_int(st, 4, now);
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
store_idem_finish(struct db *db, const char *key, int status, const char *content_type,
                  const char *body, size_t len, struct err *err)
{
    struct conn *c;
    sqlite3_stmt *st;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    st = stmt_get(c,
                  "UPDATE idempotency_keys SET state = 'done', status = ?3, content_type = ?4,"
                  " body = ?5 WHERE org_id = ?1 AND key = ?2 AND state = 'in_flight'",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, key);
    bind_int(st, 3, status);
    bind_text(st, 4, content_type);
    sqlite3_bind_blob64(st, 5, body ? body : "", (sqlite3_uint64)len, SQLITE_TRANSIENT);
    if (stmt_exec(c, st, err))
        goto fail;
    if (sqlite3_changes(c->sqlite) == 0) {
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
store_idem_abort(struct db *db, const char *key, struct err *err)
{
    struct conn *c;
    sqlite3_stmt *st;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    st = stmt_get(c,
                  "DELETE FROM idempotency_keys WHERE org_id = ?1 AND key = ?2"
                  " AND state = 'in_flight'",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, key);
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
    sqlite3_stmt *st;
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
        *deleted = sqlite3_changes(c->sqlite);
    if (tx_commit(c, err))
        goto done;
    rc = 0;
done:
    tx_rollback(c);
    conn_release(store, c);
    return rc;
}

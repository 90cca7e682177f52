/* SPDX-License-Identifier: MIT */
/* Unbound functions: organizations and API tokens. The auth layer calls
 * store_token_find_by_digest on every request, so it is one lookup on the unique digest index;
 * store_token_touch reads before it writes so that most requests stay read-only. */
#include "store/store_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "model/scope.h"

/* ---- Organizations ----------------------------------------------------------------------- */

static void
read_org(struct stmt *st, void *item, struct arena *a)
{
    struct org *o = item;

    o->id = col_text(st, 0, a);
    o->name = col_text(st, 1, a);
    o->created_at = col_int(st, 2);
}

int
store_org_create(struct store *store, const char *name, struct arena *arena, struct org *out,
                 struct err *err)
{
    struct org row = {0};
    struct stmt *st;
    int rc = -1;

    if (!name || !*name || strlen(name) > MODEL_NAME_MAX)
        return err_field(err, "name", "must be 1 to %d bytes long", MODEL_NAME_MAX);
    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    row.id = id_new(arena, "org_");
    row.name = arena_strdup(arena, name);
    row.created_at = clock_now();
    st = stmt_get(c, "INSERT INTO orgs (id, name, created_at) VALUES (?, ?, ?)", err);
    if (!st)
        goto done;
    bind_text(st, 1, row.id);
    bind_text(st, 2, row.name);
    bind_int(st, 3, row.created_at);
    if (stmt_exec(c, st, err) || tx_commit(c, err))
        goto done;
    *out = row;
    rc = 0;
done:
    tx_rollback(c);
    conn_release(store, c);
    return rc;
}

int
store_org_get(struct store *store, const char *id, struct arena *arena, struct org *out,
              struct err *err)
{
    struct stmt *st;
    int rc = -1, step;

    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    memset(out, 0, sizeof(*out));
    if (store_fault_check(err))
        goto done;
    st = stmt_get(c, "SELECT id, name, created_at FROM orgs WHERE id = ?", err);
    if (!st)
        goto done;
    bind_text(st, 1, id);
    step = stmt_step(st);
    if (step == ST_ROW) {
        read_org(st, out, arena);
        rc = 0;
    } else if (step == ST_DONE) {
        err_set(err, NOT_FOUND, "The organization was not found.");
    } else {
        sql_fail(c, step, "organization", err);
    }
    stmt_reset(st);
done:
    conn_release(store, c);
    return rc;
}

int
store_org_count(struct store *store, int64_t *count, struct err *err)
{
    struct stmt *st;
    int rc = -1, step;

    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    if (store_fault_check(err))
        goto done;
    st = stmt_get(c, "SELECT count(*) FROM orgs", err);
    if (!st)
        goto done;
    step = stmt_step(st);
    if (step == ST_ROW) {
        *count = col_int(st, 0);
        rc = 0;
    } else {
        sql_fail(c, step, "org count", err);
    }
    stmt_reset(st);
done:
    conn_release(store, c);
    return rc;
}

int
store_org_list(struct store *store, struct arena *arena, size_t max, struct org **items, size_t *n,
               struct err *err)
{
    struct stmt *st;
    int rc = -1, step;
    struct org *out = arena_calloc(arena, max ? max : 1, sizeof(*out));
    size_t count = 0;

    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    if (store_fault_check(err))
        goto done;
    st = stmt_get(c, "SELECT id, name, created_at FROM orgs ORDER BY created_at, id LIMIT ?", err);
    if (!st)
        goto done;
    bind_int(st, 1, (int64_t)max);
    while ((step = stmt_step(st)) == ST_ROW)
        read_org(st, &out[count++], arena);
    stmt_reset(st);
    if (step != ST_DONE) {
        sql_fail(c, step, "organizations", err);
        goto done;
    }
    *items = out;
    *n = count;
    rc = 0;
done:
    conn_release(store, c);
    return rc;
}

/* ---- Tokens --------------------------------------------------------------------------------- */

void
read_token(struct stmt *st, void *item, struct arena *a)
{
    struct api_token *t = item;
    const char *scopes = col_raw_text(st, 3);
    const void *digest = col_blob(st, 5, NULL);

    t->id = col_text(st, 0, a);
    t->org_id = col_text(st, 1, a);
    t->name = col_text(st, 2, a);
    /* An unknown stored name (a scope removed from the table) grants nothing rather than
     * failing every request of the token. */
    if (!scopes || scope_parse_list(scopes, &t->scopes) != 0)
        t->scopes = 0;
    t->token_prefix = col_text(st, 4, a);
    if (digest && (int)col_bytes(st, 5) == API_TOKEN_DIGEST_LEN)
        memcpy(t->digest, digest, API_TOKEN_DIGEST_LEN);
    t->created_at = col_int(st, 6);
    t->expires_at = col_int(st, 7);
    t->last_used_at = col_int(st, 8);
    t->revoked_at = col_int(st, 9);
    t->created_by = col_text(st, 10, a);
    t->user_id = col_text(st, 11, a);
    t->service_account_id = col_text(st, 12, a);
}

int
store_token_insert(struct db *db, const struct api_token *t, struct err *err)
{
    struct buf scopes;
    struct stmt *st;
    bool found;
    int rc = -1;

    if (!t->id || !t->name || !t->token_prefix)
        return err_set(err, VALIDATION_ERROR, "A token needs an id, name and prefix.");
    struct conn *c = db_conn(db, err);

    if (!c)
        return -1;
    buf_init(&scopes, 1024);
    scope_format(t->scopes, ' ', &scopes);
    if (tx_begin(c, true, err))
        goto done;
    if (row_exists(c, "SELECT 1 FROM orgs WHERE id = ?1 AND id = ?2", db->org_id, db->org_id,
                   &found, err))
        goto done;
    if (!found) {
        err_set(err, NOT_FOUND, "The organization was not found.");
        goto done;
    }
    st = stmt_get(c,
                  "INSERT INTO api_tokens (id, org_id, name, scopes, token_prefix, digest,"
                  " created_at, expires_at, last_used_at, revoked_at, created_by, user_id,"
                  " service_account_id)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  err);
    if (!st)
        goto done;
    bind_text(st, 1, t->id);
    bind_text(st, 2, db->org_id);
    bind_text(st, 3, t->name);
    bind_text(st, 4, buf_str(&scopes));
    bind_text(st, 5, t->token_prefix);
    bind_blob(st, 6, t->digest, API_TOKEN_DIGEST_LEN);
    bind_int(st, 7, t->created_at);
    bind_int(st, 8, t->expires_at);
    bind_int(st, 9, t->last_used_at);
    bind_int(st, 10, t->revoked_at);
    bind_text(st, 11, t->created_by);
    bind_text(st, 12, t->user_id);
    bind_text(st, 13, t->service_account_id);
    if (stmt_exec(c, st, err) || tx_commit(c, err))
        goto done;
    rc = 0;
done:
    if (rc && err && err->code == ERR_CONFLICT)
        err_set(err, CONFLICT, "A token with this id or secret already exists.");
    tx_rollback(c);
    buf_cleanup(&scopes);
    return rc;
}

int
store_token_find_by_digest(struct store *store, const unsigned char digest[API_TOKEN_DIGEST_LEN],
                           struct arena *arena, struct api_token *out, struct err *err)
{
    struct stmt *st;
    int rc = -1, step;

    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    memset(out, 0, sizeof(*out));
    if (store_fault_check(err))
        goto done;
    st = stmt_get(c, "SELECT " TOKEN_COLUMNS " FROM api_tokens WHERE digest = ?", err);
    if (!st)
        goto done;
    bind_blob(st, 1, digest, API_TOKEN_DIGEST_LEN);
    step = stmt_step(st);
    if (step == ST_ROW) {
        read_token(st, out, arena);
        rc = 0;
    } else if (step == ST_DONE) {
        err_set(err, NOT_FOUND, "The token was not found.");
    } else {
        sql_fail(c, step, "token lookup", err);
    }
    stmt_reset(st);
done:
    conn_release(store, c);
    return rc;
}

int
store_token_get(struct db *db, const char *id, struct api_token *out, struct err *err)
{
    int rc = -1;

    struct conn *c = db_conn(db, err);

    if (!c)
        return -1;
    memset(out, 0, sizeof(*out));
    if (store_fault_check(err) == 0 &&
        row_load(c, "SELECT " TOKEN_COLUMNS " FROM api_tokens WHERE org_id = ?1 AND id = ?2",
                 db->org_id, id, read_token, out, db->arena, "token", err) == 0)
        rc = 0;
    return rc;
}

int
store_token_list(struct db *db, const struct store_list *q, struct store_page *page,
                 struct err *err)
{
    struct store_list paging = {0};
    void *items = NULL;
    int rc = -1;

    memset(page, 0, sizeof(*page));
    if (q) {
        paging.page = q->page;
        paging.per_page = q->per_page;
    }
    struct conn *c = db_conn(db, err);

    if (!c)
        return -1;
    if (tx_begin(c, false, err))
        goto done;
    if (list_run(c, &list_tokens, db->org_id, &paging, sizeof(struct api_token), read_token,
                 db->arena, &items, &page->n, &page->total, err) ||
        tx_commit(c, err))
        goto done;
    page->tokens = items;
    rc = 0;
done:
    tx_rollback(c);
    return rc;
}

int
store_token_revoke(struct db *db, const char *id, int64_t now, struct err *err)
{
    struct stmt *st;
    bool found;
    int rc = -1;

    struct conn *c = db_conn(db, err);

    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    if (row_exists(c, "SELECT 1 FROM api_tokens WHERE org_id = ?1 AND id = ?2", db->org_id, id,
                   &found, err))
        goto done;
    if (!found) {
        err_set(err, NOT_FOUND, "The token was not found.");
        goto done;
    }
    st = stmt_get(c,
                  "UPDATE api_tokens SET revoked_at = ?3"
                  " WHERE org_id = ?1 AND id = ?2 AND revoked_at = 0",
                  err);
    if (!st)
        goto done;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, id);
    bind_int(st, 3, now);
    if (stmt_exec(c, st, err) || tx_commit(c, err))
        goto done;
    rc = 0;
done:
    tx_rollback(c);
    return rc;
}

int
store_token_touch(struct store *store, const char *id, int64_t now, struct err *err)
{
    struct stmt *st;
    int rc = -1, step;
    bool stale = false;

    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    if (store_fault_check(err))
        goto done;
    /* A plain read first: only about one request a minute per token needs the write lock. */
    st = stmt_get(c, "SELECT last_used_at FROM api_tokens WHERE id = ?", err);
    if (!st)
        goto done;
    bind_text(st, 1, id);
    step = stmt_step(st);
    if (step == ST_ROW)
        stale = col_int(st, 0) <= now - STORE_TOKEN_TOUCH_INTERVAL;
    stmt_reset(st);
    if (step != ST_ROW && step != ST_DONE) {
        sql_fail(c, step, "token touch", err);
        goto done;
    }
    if (stale) {
        /* The condition is repeated so that two racing requests write once. */
        st = stmt_get(c,
                      "UPDATE api_tokens SET last_used_at = ?2"
                      " WHERE id = ?1 AND last_used_at <= ?2 - ?3",
                      err);
        if (!st)
            goto done;
        bind_text(st, 1, id);
        bind_int(st, 2, now);
        bind_int(st, 3, STORE_TOKEN_TOUCH_INTERVAL);
        if (stmt_exec(c, st, err))
            goto done;
    }
    rc = 0;
done:
    conn_release(store, c);
    return rc;
}

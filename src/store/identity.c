/* SPDX-License-Identifier: MIT */
/* Unbound functions for identities: users, service accounts, refresh-token families and
 * one-time password-set tokens, plus the owner-filtered token list. The auth layer reads a user
 * or service account on every request that carries one of their credentials, by primary key;
 * everything that must take a user's credentials away at once (disable, delete, new password)
 * changes the row and revokes the dependent rows in the same transaction. */
#include "store/store_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/id.h"

#define USER_COLUMNS "id, org_id, username, password_hash, role, disabled, created_at, updated_at"
#define SVC_COLUMNS  "id, org_id, name, role, created_by, created_at, updated_at"

/* ---- Users -------------------------------------------------------------------------------- */

static void
read_user(struct stmt *st, void *item, struct arena *a)
{
    struct user *u = item;

    u->id = col_text(st, 0, a);
    u->org_id = col_text(st, 1, a);
    u->username = col_text(st, 2, a);
    u->password_hash = col_text(st, 3, a);
    if (user_role_parse(col_raw_text(st, 4), &u->role))
        u->role = USER_ROLE_VIEWER;
    u->disabled = col_int(st, 5) != 0;
    u->created_at = col_int(st, 6);
    u->updated_at = col_int(st, 7);
}

int
store_user_create(struct db *db, const struct user *in, struct user *out, struct err *err)
{
    struct user row = *in;
    bool found;
    int rc = -1;

    struct conn *c = db_conn(db, err);

    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    if (row_exists(c, "SELECT 1 FROM orgs WHERE id = ?1 AND id = ?2", db->org_id, db->org_id,
                   &found, err))
        goto done;
    if (!found) {
        err_set(err, NOT_FOUND, "The organization was not found.");
        goto done;
    }
    if (row_exists(c,
                   SQL_FOR(c,
                           "SELECT 1 FROM users WHERE org_id = ?1 AND username = ?2 COLLATE NOCASE",
                           "SELECT 1 FROM users WHERE org_id = ?1 AND lower(username) = lower(?2)"),
                   db->org_id, in->username, &found, err))
        goto done;
    if (found) {
        err_set(err, CONFLICT, "A user with this username already exists.");
        goto done;
    }
    row.org_id = db->org_id;
    row.id = id_new(db->arena, "usr_");
    row.created_at = row.updated_at = clock_now();
    if (sql_run(c, NULL, err,
                "INSERT INTO users (id, org_id, username, password_hash, role, disabled,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                "tttttiii", row.id, row.org_id, row.username, row.password_hash,
                user_role_name(row.role), (int64_t)row.disabled, row.created_at, row.updated_at) ||
        tx_commit(c, err))
        goto done;
    row.username = arena_strdup(db->arena, in->username);
    row.password_hash = NULL;
    *out = row;
    rc = 0;
done:
    tx_rollback(c);
    return rc;
}

int
store_user_get(struct db *db, const char *id, struct user *out, struct err *err)
{
    int rc;

    struct conn *c = db_conn(db, err);

    if (!c)
        return -1;
    memset(out, 0, sizeof(*out));
    rc = store_fault_check(err);
    if (rc == 0)
        rc = sql_row(c, read_user, out, db->arena, "user", err,
                     "SELECT " USER_COLUMNS " FROM users WHERE org_id = ?1 AND id = ?2", "tt",
                     db->org_id, id);
    return rc;
}

int
store_user_find_login(struct store *store, const char *org_id, const char *username,
                      struct arena *arena, struct user *out, struct err *err)
{
    struct stmt *st;
    int rc = -1, step, rows = 0;

    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    memset(out, 0, sizeof(*out));
    if (store_fault_check(err))
        goto done;
    st = stmt_get(c,
                  SQL_FOR(c,
                          "SELECT " USER_COLUMNS " FROM users WHERE username = ?1 COLLATE NOCASE"
                          " AND (?2 IS NULL OR org_id = ?2) LIMIT 2",
                          /* ASCII case folding, as NOCASE; the users_username index */
                          "SELECT " USER_COLUMNS " FROM users WHERE lower(username) = lower(?1)"
                          " AND (?2 IS NULL OR org_id = ?2) LIMIT 2"),
                  err);
    if (!st)
        goto done;
    bind_text(st, 1, username);
    bind_text(st, 2, org_id);
    while ((step = stmt_step(st)) == ST_ROW) {
        if (rows++ == 0)
            read_user(st, out, arena);
    }
    stmt_reset(st);
    if (step != ST_DONE) {
        sql_fail(c, step, "user lookup", err);
        goto done;
    }
    if (rows != 1) {
        memset(out, 0, sizeof(*out));
        err_set(err, NOT_FOUND, "The user was not found.");
        goto done;
    }
    rc = 0;
done:
    conn_release(store, c);
    return rc;
}

int
store_user_list(struct db *db, const struct store_list *q, struct store_page *page, struct err *err)
{
    void *items = NULL;
    int rc = -1;

    memset(page, 0, sizeof(*page));
    struct conn *c = db_conn(db, err);

    if (!c)
        return -1;
    if (tx_begin(c, false, err))
        goto done;
    if (sql_page(c, USER_COLUMNS, "FROM users WHERE org_id = ?1", "created_at, id", q,
                 sizeof(struct user), read_user, db->arena, &items, &page->n, &page->total, err,
                 "t", db->org_id) ||
        tx_commit(c, err))
        goto done;
    page->users = items;
    rc = 0;
done:
    tx_rollback(c);
    return rc;
}

/* Revokes every refresh family of a user (inside the caller's transaction). */
static int
revoke_user_families(struct conn *c, const char *user_id, int64_t now, struct err *err)
{
    return sql_run(c, NULL, err,
                   "UPDATE refresh_families SET revoked_at = ?2 WHERE user_id = ?1"
                   " AND revoked_at = 0",
                   "ti", user_id, now);
}

int
store_user_update(struct db *db, const char *id, const struct user_write *w, struct user *out,
                  enum user_role *old_role, struct err *err)
{
    struct user before;
    int64_t now = clock_now();
    int rc = -1;

    struct conn *c = db_conn(db, err);

    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    if (sql_row(c, read_user, &before, db->arena, "user", err,
                "SELECT " USER_COLUMNS " FROM users WHERE org_id = ?1 AND id = ?2", "tt",
                db->org_id, id))
        goto done;
    *old_role = before.role;
    *out = before;
    if (w->present & USER_SET_ROLE)
        out->role = w->role;
    if (w->present & USER_SET_DISABLED)
        out->disabled = w->disabled;
    out->updated_at = now;
    if (sql_run(c, NULL, err,
                "UPDATE users SET role = ?3, disabled = ?4, updated_at = ?5"
                " WHERE org_id = ?1 AND id = ?2",
                "tttii", db->org_id, id, user_role_name(out->role), (int64_t)out->disabled, now))
        goto done;
    /* Disabling ends every credential of the user for good: re-enabling revives none of
     * them, the user logs in again and makes new tokens (issue 14 item 11). */
    if (out->disabled &&
        (sql_run(c, NULL, err,
                 "UPDATE api_tokens SET revoked_at = ?3 WHERE org_id = ?1 AND user_id = ?2"
                 " AND revoked_at = 0",
                 "tti", db->org_id, id, now) ||
         revoke_user_families(c, id, now, err)))
        goto done;
    if (tx_commit(c, err))
        goto done;
    if (out->disabled)
        family_cache_invalidate(db->store->families);
    out->password_hash = NULL;
    rc = 0;
done:
    tx_rollback(c);
    return rc;
}

int
store_user_set_password(struct db *db, const char *id, const char *password_hash, struct err *err)
{
    int64_t now = clock_now();
    int rc = -1, changed = 0;

    struct conn *c = db_conn(db, err);

    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    if (sql_run(c, &changed, err,
                "UPDATE users SET password_hash = ?3, updated_at = ?4"
                " WHERE org_id = ?1 AND id = ?2",
                "ttti", db->org_id, id, password_hash, now))
        goto done;
    if (!changed) {
        err_set(err, NOT_FOUND, "The user was not found.");
        goto done;
    }
    if (revoke_user_families(c, id, now, err) || tx_commit(c, err))
        goto done;
    family_cache_invalidate(db->store->families);
    rc = 0;
done:
    tx_rollback(c);
    return rc;
}

int
store_user_delete(struct db *db, const char *id, struct err *err)
{
    int64_t now = clock_now();
    int rc = -1, changed = 0;

    struct conn *c = db_conn(db, err);

    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    if (sql_run(c, &changed, err, "DELETE FROM users WHERE org_id = ?1 AND id = ?2", "tt",
                db->org_id, id))
        goto done;
    if (!changed) {
        err_set(err, NOT_FOUND, "The user was not found.");
        goto done;
    }
    if (sql_run(c, NULL, err,
                "UPDATE api_tokens SET revoked_at = ?3 WHERE org_id = ?1 AND user_id = ?2"
                " AND revoked_at = 0",
                "tti", db->org_id, id, now) ||
        revoke_user_families(c, id, now, err) ||
        sql_run(c, NULL, err, "DELETE FROM password_tokens WHERE user_id = ?1", "t", id) ||
        tx_commit(c, err))
        goto done;
    family_cache_invalidate(db->store->families);
    rc = 0;
done:
    tx_rollback(c);
    return rc;
}

/* ---- Service accounts ---------------------------------------------------------------------- */

static void
read_svc(struct stmt *st, void *item, struct arena *a)
{
    struct service_account *s = item;

    s->id = col_text(st, 0, a);
    s->org_id = col_text(st, 1, a);
    s->name = col_text(st, 2, a);
    if (user_role_parse(col_raw_text(st, 3), &s->role))
        s->role = USER_ROLE_VIEWER;
    s->created_by = col_text(st, 4, a);
    s->created_at = col_int(st, 5);
    s->updated_at = col_int(st, 6);
}

int
store_service_account_create(struct db *db, const struct service_account *in,
                             struct service_account *out, struct err *err)
{
    struct service_account row = *in;
    int rc = -1;

    struct conn *c = db_conn(db, err);

    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    row.org_id = db->org_id;
    row.id = id_new(db->arena, "svc_");
    row.created_at = row.updated_at = clock_now();
    if (sql_run(c, NULL, err,
                "INSERT INTO service_accounts (id, org_id, name, role, created_by, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                "tttttii", row.id, row.org_id, row.name, user_role_name(row.role), row.created_by,
                row.created_at, row.updated_at) ||
        tx_commit(c, err))
        goto done;
    row.name = arena_strdup(db->arena, in->name);
    row.created_by = in->created_by ? arena_strdup(db->arena, in->created_by) : NULL;
    *out = row;
    rc = 0;
done:
    tx_rollback(c);
    return rc;
}

int
store_service_account_get(struct db *db, const char *id, struct service_account *out,
                          struct err *err)
{
    int rc;

    struct conn *c = db_conn(db, err);

    if (!c)
        return -1;
    memset(out, 0, sizeof(*out));
    rc = store_fault_check(err);
    if (rc == 0)
        rc = sql_row(c, read_svc, out, db->arena, "service account", err,
                     "SELECT " SVC_COLUMNS " FROM service_accounts WHERE org_id = ?1 AND id = ?2",
                     "tt", db->org_id, id);
    return rc;
}

int
store_service_account_list(struct db *db, const struct store_list *q, struct store_page *page,
                           struct err *err)
{
    void *items = NULL;
    int rc = -1;

    memset(page, 0, sizeof(*page));
    struct conn *c = db_conn(db, err);

    if (!c)
        return -1;
    if (tx_begin(c, false, err))
        goto done;
    if (sql_page(c, SVC_COLUMNS, "FROM service_accounts WHERE org_id = ?1", "created_at, id", q,
                 sizeof(struct service_account), read_svc, db->arena, &items, &page->n,
                 &page->total, err, "t", db->org_id) ||
        tx_commit(c, err))
        goto done;
    page->service_accounts = items;
    rc = 0;
done:
    tx_rollback(c);
    return rc;
}

int
store_service_account_delete(struct db *db, const char *id, struct err *err)
{
    int rc = -1, changed = 0;

    struct conn *c = db_conn(db, err);

    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    if (sql_run(c, &changed, err, "DELETE FROM service_accounts WHERE org_id = ?1 AND id = ?2",
                "tt", db->org_id, id))
        goto done;
    if (!changed) {
        err_set(err, NOT_FOUND, "The service account was not found.");
        goto done;
    }
    if (sql_run(c, NULL, err,
                "UPDATE api_tokens SET revoked_at = ?3 WHERE org_id = ?1"
                " AND service_account_id = ?2 AND revoked_at = 0",
                "tti", db->org_id, id, clock_now()) ||
        tx_commit(c, err))
        goto done;
    rc = 0;
done:
    tx_rollback(c);
    return rc;
}

/* ---- Owned tokens ---------------------------------------------------------------------------- */

int
store_token_list_owned(struct db *db, const char *user_id, const char *service_account_id,
                       const struct store_list *q, struct store_page *page, struct err *err)
{
    void *items = NULL;
    int rc = -1;

    memset(page, 0, sizeof(*page));
    struct conn *c = db_conn(db, err);

    if (!c)
        return -1;
    if (tx_begin(c, false, err))
        goto done;
    if (sql_page(c, TOKEN_COLUMNS,
                 "FROM api_tokens WHERE org_id = ?1 AND (user_id = ?2 OR service_account_id = ?3)",
                 "created_at DESC, id DESC", q, sizeof(struct api_token), read_token, db->arena,
                 &items, &page->n, &page->total, err, "ttt", db->org_id, user_id,
                 service_account_id) ||
        tx_commit(c, err))
        goto done;
    page->tokens = items;
    rc = 0;
done:
    tx_rollback(c);
    return rc;
}

/* ---- Refresh tokens ---------------------------------------------------------------------- */

int
store_refresh_family_create(struct db *db, const char *user_id, const char *family_id,
                            int64_t family_expires_at,
                            const unsigned char digest[STORE_SECRET_DIGEST_LEN], int64_t expires_at,
                            int64_t now, struct err *err)
{
    int rc = -1;

    struct conn *c = db_conn(db, err);

    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    if (sql_run(c, NULL, err,
                "INSERT INTO refresh_families (id, org_id, user_id, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                "tttii", family_id, db->org_id, user_id, now, family_expires_at) ||
        sql_run(c, NULL, err,
                "INSERT INTO refresh_tokens (digest, family_id, created_at, expires_at)"
                " VALUES (?, ?, ?, ?)",
                "btii", digest, family_id, now, expires_at) ||
        tx_commit(c, err))
        goto done;
    rc = 0;
done:
    tx_rollback(c);
    return rc;
}

static void
read_refresh(struct stmt *st, void *item, struct arena *a)
{
    struct store_refresh_row *r = item;

    r->family_id = col_text(st, 0, a);
    r->org_id = col_text(st, 1, a);
    r->user_id = col_text(st, 2, a);
    r->expires_at = col_int(st, 3);
    r->used_at = col_int(st, 4);
    r->family_expires_at = col_int(st, 5);
    r->family_revoked_at = col_int(st, 6);
}

int
store_refresh_find(struct store *store, const unsigned char digest[STORE_SECRET_DIGEST_LEN],
                   struct arena *arena, struct store_refresh_row *out, struct err *err)
{
    int rc;

    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    memset(out, 0, sizeof(*out));
    rc = store_fault_check(err);
    if (rc == 0)
        rc = sql_row(c, read_refresh, out, arena, "refresh token", err,
                     "SELECT f.id, f.org_id, f.user_id, t.expires_at, t.used_at, f.expires_at,"
                     " f.revoked_at FROM refresh_tokens t JOIN refresh_families f"
                     " ON f.id = t.family_id WHERE t.digest = ?1",
                     "b", digest);
    conn_release(store, c);
    return rc;
}

int
store_refresh_rotate(struct store *store, const unsigned char digest[STORE_SECRET_DIGEST_LEN],
                     const unsigned char next_digest[STORE_SECRET_DIGEST_LEN],
                     int64_t next_expires_at, int64_t now, struct err *err)
{
    int rc = -1, changed = 0;

    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    /* The conditions make a concurrent exchange of the same token change nothing here. */
    if (sql_run(c, &changed, err,
                "UPDATE refresh_tokens SET used_at = ?2 WHERE digest = ?1 AND used_at = 0"
                " AND family_id IN (SELECT id FROM refresh_families WHERE revoked_at = 0)",
                "bi", digest, now))
        goto done;
    if (!changed) {
        err_set(err, CONFLICT, "The refresh token was already used.");
        goto done;
    }
    if (sql_run(c, NULL, err,
                "INSERT INTO refresh_tokens (digest, family_id, created_at, expires_at)"
                " SELECT ?2, family_id, ?3, ?4 FROM refresh_tokens WHERE digest = ?1",
                "bbii", digest, next_digest, now, next_expires_at) ||
        tx_commit(c, err))
        goto done;
    rc = 0;
done:
    tx_rollback(c);
    conn_release(store, c);
    return rc;
}

int
store_refresh_family_revoke(struct store *store, const char *family_id, int64_t now,
                            struct err *err)
{
    int rc = -1;

    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    if (sql_run(c, NULL, err,
                "UPDATE refresh_families SET revoked_at = ?2 WHERE id = ?1 AND revoked_at = 0",
                "ti", family_id, now) ||
        tx_commit(c, err))
        goto done;
    family_cache_invalidate(store->families);
    rc = 0;
done:
    tx_rollback(c);
    conn_release(store, c);
    return rc;
}

/* ---- Password-set tokens ----------------------------------------------------------------- */

int
store_password_token_create(struct db *db, const char *user_id,
                            const unsigned char digest[STORE_SECRET_DIGEST_LEN], int64_t expires_at,
                            int64_t now, struct err *err)
{
    bool found;
    int rc = -1;

    struct conn *c = db_conn(db, err);

    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    if (row_exists(c, "SELECT 1 FROM users WHERE org_id = ?1 AND id = ?2", db->org_id, user_id,
                   &found, err))
        goto done;
    if (!found) {
        err_set(err, NOT_FOUND, "The user was not found.");
        goto done;
    }
    if (sql_run(c, NULL, err,
                "INSERT INTO password_tokens (digest, org_id, user_id, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                "bttii", digest, db->org_id, user_id, now, expires_at) ||
        tx_commit(c, err))
        goto done;
    rc = 0;
done:
    tx_rollback(c);
    return rc;
}

#define PASSWORD_TOKEN_USER_SQL                                                                    \
    "SELECT u.id, u.org_id, u.username, u.password_hash, u.role, u.disabled, u.created_at,"        \
    " u.updated_at FROM password_tokens p JOIN users u ON u.id = p.user_id AND u.org_id ="         \
    " p.org_id WHERE p.digest = ?1 AND p.used_at = 0 AND p.expires_at > ?2"

int
store_password_token_user(struct store *store, const unsigned char digest[STORE_SECRET_DIGEST_LEN],
                          int64_t now, struct arena *arena, struct user *user, struct err *err)
{
    struct err lookup = {0};
    int rc = 0;

    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    memset(user, 0, sizeof(*user));
    if (store_fault_check(err)) {
        rc = -1;
    } else if (sql_row(c, read_user, user, arena, "user", &lookup, PASSWORD_TOKEN_USER_SQL, "bi",
                       digest, now)) {
        if (lookup.code == ERR_NOT_FOUND)
            err_set(err, UNAUTHORIZED, "The password token is not valid, used or expired.");
        else
            *err = lookup;
        rc = -1;
    }
    conn_release(store, c);
    return rc;
}

int
store_password_token_consume(struct store *store,
                             const unsigned char digest[STORE_SECRET_DIGEST_LEN],
                             const char *password_hash, int64_t now, struct arena *arena,
                             struct user *user, struct err *err)
{
    struct err lookup = {0};
    int rc = -1, changed = 0;

    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    if (sql_row(c, read_user, user, arena, "user", &lookup, PASSWORD_TOKEN_USER_SQL, "bi", digest,
                now)) {
        if (lookup.code == ERR_NOT_FOUND)
            err_set(err, UNAUTHORIZED, "The password token is not valid, used or expired.");
        else
            *err = lookup;
        goto done;
    }
    if (sql_run(c, &changed, err,
                "UPDATE password_tokens SET used_at = ?2 WHERE digest = ?1 AND used_at = 0", "bi",
                digest, now) ||
        sql_run(c, NULL, err, "UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE id = ?1",
                "tti", user->id, password_hash, now) ||
        revoke_user_families(c, user->id, now, err) || tx_commit(c, err))
        goto done;
    family_cache_invalidate(store->families);
    user->password_hash = NULL;
    rc = 0;
done:
    tx_rollback(c);
    conn_release(store, c);
    return rc;
}

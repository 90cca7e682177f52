/* SPDX-License-Identifier: MIT */
/* Server keys: sealed key material every server process sharing the database reads, by name
 * (auth/server_keys.c seals and opens it). Not tenant data, so the store itself is the
 * handle. A name is written once: the first server to start inserts, a concurrent one's
 * insert does nothing and it reads the winner's row. */
#include "store/store_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/clock.h"

int
store_server_key_get(struct store *store, const char *name, struct arena *arena,
                     unsigned char **sealed, size_t *len, bool *found, struct err *err)
{
    struct conn *c = conn_acquire(store, err);
    struct stmt *st;
    int rc = -1, step;

    *sealed = NULL;
    *len = 0;
    *found = false;
    if (!c)
        return -1;
    if (store_fault_check(err))
        goto done;
    st = stmt_get(c, "SELECT sealed FROM server_keys WHERE name = ?", err);
    if (!st)
        goto done;
    bind_text(st, 1, name);
    step = stmt_step(st);
    if (step == ST_ROW) {
        size_t n = 0;
        const void *bytes = col_blob(st, 0, &n);

        *sealed = arena_alloc(arena, n ? n : 1);
        if (n)
            memcpy(*sealed, bytes, n);
        *len = n;
        *found = true;
        rc = 0;
    } else if (step == ST_DONE) {
        rc = 0;
    } else {
        sql_fail(c, step, "server key", err);
    }
    stmt_reset(st);
done:
    conn_release(store, c);
    return rc;
}

int
store_server_key_add(struct store *store, const char *name, const unsigned char *sealed, size_t len,
                     bool *added, struct err *err)
{
    struct conn *c = conn_acquire(store, err);
    struct stmt *st;
    int rc = -1;

    *added = false;
    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    st = stmt_get(c,
                  "INSERT INTO server_keys (name, sealed, created_at) VALUES (?, ?, ?) "
                  "ON CONFLICT (name) DO NOTHING",
                  err);
    if (!st)
        goto done;
    bind_text(st, 1, name);
    bind_blob(st, 2, sealed, len);
    bind_int(st, 3, clock_now());
    if (stmt_exec(c, st, err))
        goto done;
    *added = stmt_changes(c) > 0;
    if (tx_commit(c, err))
        goto done;
    rc = 0;
done:
    tx_rollback(c);
    conn_release(store, c);
    return rc;
}

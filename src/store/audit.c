/* SPDX-License-Identifier: MIT */
/* The audit log: an append-only table of who did what, read back by admins with filters. A
 * row only ever names credentials by id; the callers never hand a secret to this file. */
#include "store/store_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"

#define AUDIT_COLUMNS                                                                              \
    "id, org_id, actor, credential_id, action, target, request_id, client_addr, created_at"

/* Appends e under org_id (NULL: an event that names no organization) on c. seq orders events
 * of the same second: the database assigns it, the highest so far plus one, inside the write
 * transaction, which is serialized across every process on either engine (SQLite's single
 * writer, PostgreSQL's writer lock), so servers sharing a database agree on the order. */
static int
audit_insert(struct conn *c, const char *org_id, const struct audit_event *e, struct err *err)
{
    char id[ID_MAX];
    struct stmt *st;

    if (tx_begin(c, true, err))
        return -1;
    id_generate("aud_", id, sizeof(id));
    st = stmt_get(c,
                  "INSERT INTO audit_events (id, org_id, actor, credential_id, action, target,"
                  " request_id, client_addr, created_at, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                  " ?8, ?9, (SELECT coalesce(max(seq), 0) + 1 FROM audit_events))",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, e->id ? e->id : id);
    bind_text(st, 2, org_id);
    bind_text(st, 3, e->actor);
    bind_text(st, 4, e->credential_id);
    bind_text(st, 5, e->action);
    bind_text(st, 6, e->target);
    bind_text(st, 7, e->request_id);
    bind_text(st, 8, e->client_addr);
    bind_int(st, 9, e->created_at ? e->created_at : clock_now());
    if (stmt_exec(c, st, err) || tx_commit(c, err))
        goto fail;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_audit_record(struct db *db, const struct audit_event *e, struct err *err)
{
    struct conn *c = db_conn(db, err);

    return c ? audit_insert(c, db->org_id, e, err) : -1;
}

int
store_audit_record_unbound(struct store *store, const struct audit_event *e, struct err *err)
{
    struct conn *c = conn_acquire(store, err);
    int rc;

    if (!c)
        return -1;
    rc = audit_insert(c, NULL, e, err);
    conn_release(store, c);
    return rc;
}

static void
read_audit(struct stmt *st, struct audit_event *e, struct arena *a)
{
    e->id = col_text(st, 0, a);
    e->org_id = col_text(st, 1, a);
    e->actor = col_text(st, 2, a);
    e->credential_id = col_text(st, 3, a);
    e->action = col_text(st, 4, a);
    e->target = col_text(st, 5, a);
    e->request_id = col_text(st, 6, a);
    e->client_addr = col_text(st, 7, a);
    e->created_at = col_int(st, 8);
}

/* Binds org and the filter as ?1..?8 (NULL/absent values disable their condition). */
static void
bind_filter(struct stmt *st, const char *org_id, const struct store_audit_filter *f)
{
    bind_text(st, 1, org_id);
    bind_text(st, 2, f->actor);
    bind_text(st, 3, f->action);
    bind_text(st, 4, f->target);
    bind_int(st, 5, f->has_created_after);
    bind_int(st, 6, f->created_after);
    bind_int(st, 7, f->has_created_before);
    bind_int(st, 8, f->created_before);
}

#define AUDIT_WHERE                                                                                \
    " FROM audit_events WHERE org_id = ?1 AND (?2 IS NULL OR actor = ?2)"                          \
    " AND (?3 IS NULL OR action = ?3) AND (?4 IS NULL OR target = ?4)"                             \
    " AND (?5 = 0 OR created_at > ?6) AND (?7 = 0 OR created_at < ?8)"

int
store_audit_list(struct db *db, const struct store_audit_filter *f, const struct store_list *q,
                 struct store_page *page, struct err *err)
{
    int64_t p = q && q->page ? q->page : 1;
    int64_t per_page = q && q->per_page ? q->per_page : STORE_PER_PAGE_DEFAULT;
    struct audit_event *items;
    struct stmt *st;
    int rc = -1, step;
    size_t n = 0;
    struct conn *c;

    memset(page, 0, sizeof(*page));
    c = db_conn(db, err);
    if (!c)
        return -1;
    if (tx_begin(c, false, err))
        goto done;
    st = stmt_get(c, "SELECT count(*)" AUDIT_WHERE, err);
    if (!st)
        goto done;
    bind_filter(st, db->org_id, f);
    step = stmt_step(st);
    page->total = step == ST_ROW ? col_int(st, 0) : 0;
    stmt_reset(st);
    if (step != ST_ROW) {
        sql_fail(c, step, "audit count", err);
        goto done;
    }
    st = stmt_get(c,
                  "SELECT " AUDIT_COLUMNS AUDIT_WHERE
                  " ORDER BY created_at DESC, seq DESC LIMIT ?9 OFFSET ?10",
                  err);
    if (!st)
        goto done;
    bind_filter(st, db->org_id, f);
    bind_int(st, 9, per_page);
    bind_int(st, 10, (p - 1) * per_page);
    items = arena_calloc(db->arena, (size_t)per_page, sizeof(*items));
    while ((step = stmt_step(st)) == ST_ROW && n < (size_t)per_page)
        read_audit(st, &items[n++], db->arena);
    stmt_reset(st);
    if (step != ST_DONE && step != ST_ROW) {
        sql_fail(c, step, "audit list", err);
        goto done;
    }
    if (tx_commit(c, err))
        goto done;
    page->audit_events = items;
    page->n = n;
    rc = 0;
done:
    tx_rollback(c);
    return rc;
}

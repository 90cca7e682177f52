/* SPDX-License-Identifier: MIT */
/* Clients. Every statement names org_id, so a handle bound to one organization cannot reach
 * another's rows. */
#include "store/store_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/id.h"

static void
read_client(struct stmt *st, void *item, struct arena *a)
{
    struct client *c = item;

    c->id = col_text(st, 0, a);
    c->name = col_text(st, 1, a);
    c->contact = col_text(st, 2, a);
    c->notes = col_text(st, 3, a);
    c->created_at = col_int(st, 4);
    c->updated_at = col_int(st, 5);
}

#define CLIENT_SELECT "SELECT " CLIENT_COLUMNS " FROM clients WHERE org_id = ?1 AND id = ?2"

static int
client_check(const struct client *c, struct err *err)
{
    if (!c->name || !*c->name)
        return err_field(err, "name", "is required");
    return 0;
}

int
store_client_create(struct db *db, const struct client *in, struct client *out, struct err *err)
{
    struct conn *c;
    struct client row = *in;
    struct stmt *st;

    if (client_check(in, err) || !(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    row.id = id_new(db->arena, "client_");
    row.org_id = db->org_id;
    row.created_at = row.updated_at = clock_now();
    row.present = 0;
    st = stmt_get(c,
                  "INSERT INTO clients (id, org_id, name, contact, notes, created_at, updated_at)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?)",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, row.id);
    bind_text(st, 2, row.org_id);
    bind_text(st, 3, row.name);
    bind_text(st, 4, row.contact);
    bind_text(st, 5, row.notes);
    bind_int(st, 6, row.created_at);
    bind_int(st, 7, row.updated_at);
    if (stmt_exec(c, st, err) || tx_commit(c, err))
        goto fail;
    *out = row;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_client_get(struct db *db, const char *id, struct client *out, struct err *err)
{
    struct conn *c = db_conn(db, err);

    if (!c || store_fault_check(err))
        return -1;
    memset(out, 0, sizeof(*out));
    if (row_load(c, CLIENT_SELECT, db->org_id, id, read_client, out, db->arena, "client", err))
        return -1;
    out->org_id = db->org_id;
    return 0;
}

int
store_client_update(struct db *db, const char *id, const struct client *in, struct client *out,
                    struct err *err)
{
    struct conn *c;
    struct client row = {0};
    struct stmt *st;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    if (row_load(c, CLIENT_SELECT, db->org_id, id, read_client, &row, db->arena, "client", err))
        goto fail;
    if (in->present & CLIENT_F_NAME)
        row.name = in->name;
    if (in->present & CLIENT_F_CONTACT)
        row.contact = in->contact;
    if (in->present & CLIENT_F_NOTES)
        row.notes = in->notes;
    if (client_check(&row, err))
        goto fail;
    row.org_id = db->org_id;
    row.updated_at = clock_now();
    st = stmt_get(c,
                  "UPDATE clients SET name = ?3, contact = ?4, notes = ?5, updated_at = ?6"
                  " WHERE org_id = ?1 AND id = ?2",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, row.id);
    bind_text(st, 3, row.name);
    bind_text(st, 4, row.contact);
    bind_text(st, 5, row.notes);
    bind_int(st, 6, row.updated_at);
    if (stmt_exec(c, st, err) || tx_commit(c, err))
        goto fail;
    *out = row;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_client_delete(struct db *db, const char *id, struct err *err)
{
    struct conn *c;
    bool found;
    struct stmt *st;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    if (row_exists(c, "SELECT 1 FROM clients WHERE org_id = ?1 AND id = ?2", db->org_id, id, &found,
                   err))
        goto fail;
    if (!found) {
        err_set(err, NOT_FOUND, "The client was not found.");
        goto fail;
    }
    if (row_exists(c, "SELECT 1 FROM projects WHERE org_id = ?1 AND client_id = ?2 LIMIT 1",
                   db->org_id, id, &found, err))
        goto fail;
    if (found) {
        err_set(err, CONFLICT,
                "The client still has projects; delete them or clear their client_id first.");
        goto fail;
    }
    st = stmt_get(c, "DELETE FROM clients WHERE org_id = ?1 AND id = ?2", err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, id);
    if (stmt_exec(c, st, err) || tx_commit(c, err))
        goto fail;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_client_list(struct db *db, const struct store_list *q, struct store_page *page,
                  struct err *err)
{
    void *items;

    if (list_bound(db, &list_clients, q, sizeof(struct client), read_client, page, &items, err))
        return -1;
    page->clients = items;
    return 0;
}

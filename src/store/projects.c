/* SPDX-License-Identifier: MIT */
/* Projects. A project's client must be a client of the same organization; the check runs in
 * the write transaction, and the composite foreign key backs it up. */
#include "store/store_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/id.h"

static void
read_project(struct stmt *st, void *item, struct arena *a)
{
    struct project *p = item;
    const char *status = col_raw_text(st, 3);

    p->id = col_text(st, 0, a);
    p->client_id = col_text(st, 1, a);
    p->name = col_text(st, 2, a);
    if (project_status_parse(status, &p->status) != 0)
        p->status = PROJECT_PLANNED;
    p->start_date = col_text(st, 4, a);
    p->end_date = col_text(st, 5, a);
    p->description = col_text(st, 6, a);
    p->created_at = col_int(st, 7);
    p->updated_at = col_int(st, 8);
    p->frameworks = strings_from_json(col_raw_text(st, 9), &p->n_frameworks, a);
}

#define PROJECT_SELECT "SELECT " PROJECT_COLUMNS " FROM projects WHERE org_id = ?1 AND id = ?2"

/* Checks a merged row: required fields, date order, and that client_id names a client of this
 * organization (another organization's client is reported exactly like a missing one). */
static int
project_check(struct conn *c, const char *org_id, const struct project *p, struct err *err)
{
    bool found;

    if (!p->name || !*p->name)
        return err_field(err, "name", "is required");
    if (p->start_date && p->end_date && strcmp(p->end_date, p->start_date) < 0)
        return err_field(err, "end_date", "must not be before start_date");
    if (p->client_id) {
        if (row_exists(c, "SELECT 1 FROM clients WHERE org_id = ?1 AND id = ?2", org_id,
                       p->client_id, &found, err))
            return -1;
        if (!found)
            return err_field(err, "client_id", "does not name a client");
    }
    return 0;
}

static int
project_write(struct conn *c, const char *sql, const char *org_id, const struct project *p,
              struct arena *a, struct err *err)
{
    struct stmt *st = stmt_get(c, sql, err);

    if (!st)
        return -1;
    bind_text(st, 1, org_id);
    bind_text(st, 2, p->id);
    bind_text(st, 3, p->client_id);
    bind_text(st, 4, p->name);
    bind_text(st, 5, project_status_name(p->status));
    bind_text(st, 6, p->start_date);
    bind_text(st, 7, p->end_date);
    bind_text(st, 8, p->description);
    bind_int(st, 9, p->created_at);
    bind_int(st, 10, p->updated_at);
    bind_text(st, 11, strings_to_json(p->frameworks, p->n_frameworks, a));
    return stmt_exec(c, st, err);
}

int
store_project_create(struct db *db, const struct project *in, struct project *out, struct err *err)
{
    struct conn *c;
    struct project row = *in;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    row.id = id_new(db->arena, "proj_");
    row.org_id = db->org_id;
    row.created_at = row.updated_at = clock_now();
    row.present = 0;
    if (project_check(c, db->org_id, &row, err) ||
        project_write(c,
                      "INSERT INTO projects (org_id, id, client_id, name, status, start_date,"
                      " end_date, description, created_at, updated_at, frameworks)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                      db->org_id, &row, db->arena, err) ||
        outbox_project(c, db->org_id, &row, db->arena, err) || tx_commit(c, err)) {
        tx_rollback(c);
        return -1;
    }
    *out = row;
    return 0;
}

int
store_project_get(struct db *db, const char *id, struct project *out, struct err *err)
{
    struct conn *c = db_conn(db, err);

    if (!c || store_fault_check(err))
        return -1;
    memset(out, 0, sizeof(*out));
    if (row_load(c, PROJECT_SELECT, db->org_id, id, read_project, out, db->arena, "project", err))
        return -1;
    out->org_id = db->org_id;
    return 0;
}

int
store_project_update(struct db *db, const char *id, const struct project *in, struct project *out,
                     struct err *err)
{
    struct conn *c;
    struct project row = {0};

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    if (row_load(c, PROJECT_SELECT, db->org_id, id, read_project, &row, db->arena, "project", err))
        goto fail;
    if (in->present & PROJECT_F_NAME)
        row.name = in->name;
    if (in->present & PROJECT_F_CLIENT_ID)
        row.client_id = in->client_id;
    if (in->present & PROJECT_F_STATUS)
        row.status = in->status;
    if (in->present & PROJECT_F_START_DATE)
        row.start_date = in->start_date;
    if (in->present & PROJECT_F_END_DATE)
        row.end_date = in->end_date;
    if (in->present & PROJECT_F_DESCRIPTION)
        row.description = in->description;
    if (in->present & PROJECT_F_FRAMEWORKS) {
        row.frameworks = in->frameworks;
        row.n_frameworks = in->n_frameworks;
    }
    row.org_id = db->org_id;
    row.updated_at = clock_now();
    if (project_check(c, db->org_id, &row, err) ||
        project_write(c,
                      "UPDATE projects SET client_id = ?3, name = ?4, status = ?5,"
                      " start_date = ?6, end_date = ?7, description = ?8, updated_at = ?10,"
                      " frameworks = ?11 WHERE org_id = ?1 AND id = ?2 AND created_at = ?9",
                      db->org_id, &row, db->arena, err) ||
        tx_commit(c, err))
        goto fail;
    *out = row;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_project_delete(struct db *db, const char *id, struct err *err)
{
    struct conn *c;
    bool found;
    struct stmt *st;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    if (row_exists(c, "SELECT 1 FROM projects WHERE org_id = ?1 AND id = ?2", db->org_id, id,
                   &found, err))
        goto fail;
    if (!found) {
        err_set(err, NOT_FOUND, "The project was not found.");
        goto fail;
    }
    if (row_exists(c, "SELECT 1 FROM findings WHERE org_id = ?1 AND project_id = ?2 LIMIT 1",
                   db->org_id, id, &found, err))
        goto fail;
    if (found) {
        err_set(err, CONFLICT,
                "The project still has findings; delete them first or archive the project.");
        goto fail;
    }
    if (row_exists(c, "SELECT 1 FROM assets WHERE org_id = ?1 AND project_id = ?2 LIMIT 1",
                   db->org_id, id, &found, err))
        goto fail;
    if (found) {
        err_set(err, CONFLICT,
                "The project still has assets; delete them first or archive the project.");
        goto fail;
    }
    st = stmt_get(c, "DELETE FROM projects WHERE org_id = ?1 AND id = ?2", err);
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
store_project_list(struct db *db, const struct store_list *q, struct store_page *page,
                   struct err *err)
{
    void *items;

    if (list_bound(db, &list_projects, q, sizeof(struct project), read_project, page, &items, err))
        return -1;
    page->projects = items;
    return 0;
}

/* SPDX-License-Identifier: MIT */
/* Assets. Tags are kept as a JSON array of strings in one column (read back in order); the
 * tag filter looks inside it with json_each. */
#include "store/store_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/id.h"

static void
read_asset(struct stmt *st, void *item, struct arena *a)
{
    struct asset *asset = item;
    const char *type = col_raw_text(st, 2);
    int64_t crit = col_int(st, 5);

    asset->id = col_text(st, 0, a);
    asset->project_id = col_text(st, 1, a);
    if (asset_type_parse(type, &asset->type) != 0)
        asset->type = ASSET_HOST;
    asset->value = col_text(st, 3, a);
    asset->tags = strings_from_json(col_raw_text(st, 4), &asset->n_tags, a);
    asset->criticality =
        crit >= 0 && crit < CRITICALITY_COUNT ? (enum criticality)crit : CRITICALITY_MEDIUM;
    asset->created_at = col_int(st, 6);
    asset->updated_at = col_int(st, 7);
}

#define ASSET_SELECT "SELECT " ASSET_COLUMNS " FROM assets WHERE org_id = ?1 AND id = ?2"

static int
asset_check(struct conn *c, const char *org_id, const struct asset *asset, struct err *err)
{
    bool found;

    if (!asset->value || !*asset->value)
        return err_field(err, "value", "is required");
    if (!asset->project_id)
        return err_field(err, "project_id", "is required");
    if (row_exists(c, "SELECT 1 FROM projects WHERE org_id = ?1 AND id = ?2", org_id,
                   asset->project_id, &found, err))
        return -1;
    if (!found)
        return err_field(err, "project_id", "does not name a project");
    return 0;
}

static int
asset_write(struct conn *c, const char *sql, const char *org_id, const struct asset *asset,
            struct arena *a, struct err *err)
{
    struct stmt *st = stmt_get(c, sql, err);

    if (!st)
        return -1;
    bind_text(st, 1, org_id);
    bind_text(st, 2, asset->id);
    bind_text(st, 3, asset->project_id);
    bind_text(st, 4, asset_type_name(asset->type));
    bind_text(st, 5, asset->value);
    bind_text(st, 6, strings_to_json(asset->tags, asset->n_tags, a));
    bind_int(st, 7, (int64_t)asset->criticality);
    bind_int(st, 8, asset->created_at);
    bind_int(st, 9, asset->updated_at);
    return stmt_exec(c, st, err);
}

int
store_asset_create(struct db *db, const struct asset *in, struct asset *out, struct err *err)
{
    struct conn *c;
    struct asset row = *in;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    row.id = id_new(db->arena, "asset_");
    row.org_id = db->org_id;
    row.created_at = row.updated_at = clock_now();
    row.present = 0;
    if (asset_check(c, db->org_id, &row, err) ||
        asset_write(c,
                    "INSERT INTO assets (org_id, id, project_id, type, value, tags, criticality,"
                    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    db->org_id, &row, db->arena, err) ||
        tx_commit(c, err)) {
        tx_rollback(c);
        return -1;
    }
    *out = row;
    return 0;
}

int
store_asset_get(struct db *db, const char *id, struct asset *out, struct err *err)
{
    struct conn *c = db_conn(db, err);

    if (!c || store_fault_check(err))
        return -1;
    memset(out, 0, sizeof(*out));
    if (row_load(c, ASSET_SELECT, db->org_id, id, read_asset, out, db->arena, "asset", err))
        return -1;
    out->org_id = db->org_id;
    return 0;
}

int
store_asset_update(struct db *db, const char *id, const struct asset *in, struct asset *out,
                   struct err *err)
{
    struct conn *c;
    struct asset row = {0};

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    if (row_load(c, ASSET_SELECT, db->org_id, id, read_asset, &row, db->arena, "asset", err))
        goto fail;
    if (in->present & ASSET_F_PROJECT_ID)
        row.project_id = in->project_id;
    if (in->present & ASSET_F_TYPE)
        row.type = in->type;
    if (in->present & ASSET_F_VALUE)
        row.value = in->value;
    if (in->present & ASSET_F_TAGS) {
        row.tags = in->tags;
        row.n_tags = in->n_tags;
    }
    if (in->present & ASSET_F_CRITICALITY)
        row.criticality = in->criticality;
    row.org_id = db->org_id;
    row.updated_at = clock_now();
    if (asset_check(c, db->org_id, &row, err))
        goto fail;
    if (asset_write(c,
                    "UPDATE assets SET project_id = ?3, type = ?4, value = ?5, tags = ?6,"
                    " criticality = ?7, updated_at = ?9 WHERE org_id = ?1 AND id = ?2"
                    " AND created_at = ?8",
                    db->org_id, &row, db->arena, err))
        goto fail;
    /* Moving an asset to another project would leave its findings pointing across projects. */
    if (in->present & ASSET_F_PROJECT_ID) {
        bool found;

        if (row_exists(c,
                       "SELECT 1 FROM findings WHERE org_id = ?1 AND asset_id = ?2"
                       " AND project_id <> (SELECT project_id FROM assets WHERE id = ?2) LIMIT 1",
                       db->org_id, row.id, &found, err))
            goto fail;
        if (found) {
            err_field(err, "project_id",
                      "cannot change while findings of another project "
                      "refer to the asset");
            goto fail;
        }
    }
    if (tx_commit(c, err))
        goto fail;
    *out = row;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_asset_delete(struct db *db, const char *id, struct err *err)
{
    struct conn *c;
    bool found;
    struct stmt *st;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    if (row_exists(c, "SELECT 1 FROM assets WHERE org_id = ?1 AND id = ?2", db->org_id, id, &found,
                   err))
        goto fail;
    if (!found) {
        err_set(err, NOT_FOUND, "The asset was not found.");
        goto fail;
    }
    if (row_exists(c, "SELECT 1 FROM findings WHERE org_id = ?1 AND asset_id = ?2 LIMIT 1",
                   db->org_id, id, &found, err))
        goto fail;
    if (found) {
        err_set(err, CONFLICT, "Findings still refer to the asset; delete or detach them first.");
        goto fail;
    }
    st = stmt_get(c, "DELETE FROM assets WHERE org_id = ?1 AND id = ?2", err);
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
store_asset_list(struct db *db, const struct store_list *q, struct store_page *page,
                 struct err *err)
{
    void *items;

    if (list_bound(db, &list_assets, q, sizeof(struct asset), read_asset, page, &items, err))
        return -1;
    page->assets = items;
    return 0;
}

/* SPDX-License-Identifier: MIT */
/* What an organization records about the controls catalog: a status set by hand, and the
 * evidence (notes, links, files) attached to a control; and the facts a control's derived
 * status needs from the findings. The catalog itself is data (controls/catalog.h): a control
 * id here is checked against it by the API, so this file stores any id it is given. */
#include "store/store_int.h"

#include <openssl/sha.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/id.h"
#include "core/str.h"

static void
read_exposure(struct stmt *st, void *item, struct arena *a)
{
    struct store_exposure *e = item;

    e->cwe = col_text(st, 0, a);
    e->owasp = col_text(st, 1, a);
    e->severity = (int)col_int(st, 2);
    e->count = col_int(st, 3);
}

int
store_control_exposure(struct db *db, const char *project_id, struct store_exposure **rows,
                       size_t *n, struct err *err)
{
    struct conn *c = db_conn(db, err);
    void *items;

    *rows = NULL;
    *n = 0;
    if (!c || tx_begin(c, false, err))
        return -1;
    if (sql_rows(c, read_exposure, sizeof(**rows), db->arena, &items, n, "exposure", err,
                 "SELECT cwe, owasp, severity, count(*) FROM findings WHERE org_id = ?1"
                 " AND status IN ('open', 'confirmed') AND (?2 IS NULL OR project_id = ?2)"
                 " AND (cwe IS NOT NULL OR owasp IS NOT NULL) GROUP BY cwe, owasp, severity",
                 "tt", db->org_id, project_id)) {
        tx_rollback(c);
        return -1;
    }
    *rows = items;
    return tx_commit(c, err);
}

static void
read_state(struct stmt *st, void *item, struct arena *a)
{
    struct store_control_state *s = item;

    s->control_id = col_text(st, 0, a);
    s->status = col_text(st, 1, a);
    s->reason = col_text(st, 2, a);
    s->set_by = col_text(st, 3, a);
    s->set_at = col_int(st, 4);
    s->evidence_count = col_int(st, 5);
}

int
store_control_states(struct db *db, const char *control_id, struct store_control_state **rows,
                     size_t *n, struct err *err)
{
    struct conn *c = db_conn(db, err);
    void *items;

    *rows = NULL;
    *n = 0;
    if (!c || tx_begin(c, false, err))
        return -1;
    /* One row per control that has either: its manual status (or NULLs) and evidence count. */
    if (sql_rows(c, read_state, sizeof(**rows), db->arena, &items, n, "control states", err,
                 "SELECT k.control_id, s.status, s.reason, s.set_by, s.set_at,"
                 " (SELECT count(*) FROM control_evidence e WHERE e.org_id = ?1"
                 "  AND e.control_id = k.control_id)"
                 " FROM (SELECT control_id FROM control_states WHERE org_id = ?1"
                 "       UNION SELECT control_id FROM control_evidence WHERE org_id = ?1) k"
                 " LEFT JOIN control_states s ON s.org_id = ?1 AND s.control_id = k.control_id"
                 " WHERE ?2 IS NULL OR k.control_id = ?2 ORDER BY k.control_id",
                 "tt", db->org_id, control_id)) {
        tx_rollback(c);
        return -1;
    }
    *rows = items;
    return tx_commit(c, err);
}

int
store_control_status_set(struct db *db, const char *control_id, const char *status,
                         const char *reason, const char *actor, int64_t now, struct err *err)
{
    struct conn *c = db_conn(db, err);
    int rc;

    if (!c || tx_begin(c, true, err))
        return -1;
    if (status)
        rc = sql_run(c, NULL, err,
                     "INSERT INTO control_states (org_id, control_id, status, reason, set_by,"
                     " set_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (org_id, control_id)"
                     " DO UPDATE SET status = excluded.status, reason = excluded.reason,"
                     " set_by = excluded.set_by, set_at = excluded.set_at",
                     "ttttti", db->org_id, control_id, status, reason, actor, now);
    else
        rc = sql_run(c, NULL, err,
                     "DELETE FROM control_states WHERE org_id = ?1 AND control_id = ?2", "tt",
                     db->org_id, control_id);
    if (rc || tx_commit(c, err)) {
        tx_rollback(c);
        return -1;
    }
    return 0;
}

/* ---- evidence ---- */

#define EVIDENCE_COLUMNS                                                                           \
    "id, control_id, kind, note, url, filename, content_type, size, sha256, created_by, "          \
    "created_at"

static void
read_evidence(struct stmt *st, void *item, struct arena *a)
{
    struct store_evidence *e = item;

    e->id = col_text(st, 0, a);
    e->control_id = col_text(st, 1, a);
    e->kind = col_text(st, 2, a);
    e->note = col_text(st, 3, a);
    e->url = col_text(st, 4, a);
    e->filename = col_text(st, 5, a);
    e->content_type = col_text(st, 6, a);
    e->size = col_int(st, 7);
    e->sha256 = col_text(st, 8, a);
    e->created_by = col_text(st, 9, a);
    e->created_at = col_int(st, 10);
}

int
store_evidence_add(struct db *db, const struct store_evidence *in, const void *content, size_t len,
                   struct store_evidence *out, struct err *err)
{
    struct conn *c = db_conn(db, err);
    struct stmt *st;
    unsigned char md[SHA256_DIGEST_LENGTH];
    char hex[2 * SHA256_DIGEST_LENGTH + 1];

    if (!c || tx_begin(c, true, err))
        return -1;
    *out = *in;
    out->id = id_new(db->arena, "evd_");
    out->size = content ? (int64_t)len : 0;
    out->sha256 = NULL;
    if (content) {
        SHA256(content, len, md);
        str_hex(md, sizeof(md), hex);
        out->sha256 = arena_strdup(db->arena, hex);
    }
    st = stmt_get(c,
                  "INSERT INTO control_evidence (id, org_id, control_id, kind, note, url,"
                  " filename, content_type, content, size, sha256, created_by, created_at)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, out->id);
    bind_text(st, 2, db->org_id);
    bind_text(st, 3, out->control_id);
    bind_text(st, 4, out->kind);
    bind_text(st, 5, out->note);
    bind_text(st, 6, out->url);
    bind_text(st, 7, out->filename);
    bind_text(st, 8, out->content_type);
    if (content)
        bind_blob(st, 9, content, len);
    else
        bind_null(st, 9);
    bind_int(st, 10, out->size);
    bind_text(st, 11, out->sha256);
    bind_text(st, 12, out->created_by);
    bind_int(st, 13, out->created_at);
    if (stmt_exec(c, st, err) || tx_commit(c, err))
        goto fail;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_evidence_list(struct db *db, const char *control_id, int64_t page, int64_t per_page,
                    struct store_evidence **items, size_t *n, int64_t *total, struct err *err)
{
    struct conn *c = db_conn(db, err);
    struct store_list q = {.page = page, .per_page = per_page};
    void *rows;

    *items = NULL;
    *n = 0;
    *total = 0;
    if (!c || tx_begin(c, false, err))
        return -1;
    if (sql_page(c, EVIDENCE_COLUMNS, "FROM control_evidence WHERE org_id = ?1 AND control_id = ?2",
                 "created_at DESC, id DESC", &q, sizeof(**items), read_evidence, db->arena, &rows,
                 n, total, err, "tt", db->org_id, control_id)) {
        tx_rollback(c);
        return -1;
    }
    *items = rows;
    return tx_commit(c, err);
}

int
store_evidence_get(struct db *db, const char *control_id, const char *id,
                   struct store_evidence *out, const void **content, size_t *len, struct err *err)
{
    struct conn *c = db_conn(db, err);
    struct stmt *st;
    int rc;

    if (content)
        *content = NULL;
    if (len)
        *len = 0;
    if (!c || tx_begin(c, false, err))
        return -1;
    st = stmt_get(c,
                  "SELECT " EVIDENCE_COLUMNS ", content FROM control_evidence WHERE org_id = ?1"
                  " AND control_id = ?2 AND id = ?3",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, control_id);
    bind_text(st, 3, id);
    rc = stmt_step(st);
    if (rc == ST_ROW) {
        memset(out, 0, sizeof(*out));
        read_evidence(st, out, db->arena);
        if (content && len && !col_is_null(st, 11)) {
            size_t n = (size_t)col_bytes(st, 11);
            const void *p = col_blob(st, 11, NULL);

            *content = n && p ? arena_memdup(db->arena, p, n) : arena_alloc(db->arena, 1);
            *len = n;
        }
    }
    stmt_reset(st);
    if (rc == ST_DONE) {
        err_set(err, NOT_FOUND, "The evidence was not found.");
        goto fail;
    }
    if (rc != ST_ROW) {
        sql_fail(c, rc, "evidence get", err);
        goto fail;
    }
    return tx_commit(c, err);
fail:
    tx_rollback(c);
    return -1;
}

int
store_evidence_delete(struct db *db, const char *control_id, const char *id, struct err *err)
{
    struct conn *c = db_conn(db, err);
    int changed = 0;

    if (!c || tx_begin(c, true, err))
        return -1;
    if (sql_run(c, &changed, err,
                "DELETE FROM control_evidence WHERE org_id = ?1 AND control_id = ?2 AND id = ?3",
                "ttt", db->org_id, control_id, id) ||
        (changed == 0 && err_set(err, NOT_FOUND, "The evidence was not found."))) {
        tx_rollback(c);
        return -1;
    }
    return tx_commit(c, err);
}

/* ---- the findings behind a control ---- */

static void
read_finding_ref(struct stmt *st, void *item, struct arena *a)
{
    struct store_finding_ref *f = item;

    f->id = col_text(st, 0, a);
    f->project_id = col_text(st, 1, a);
    f->asset_id = col_text(st, 2, a);
    f->title = col_text(st, 3, a);
    f->severity = (int)col_int(st, 4);
    f->status = col_text(st, 5, a);
    f->cwe = col_text(st, 6, a);
    f->owasp = col_text(st, 7, a);
    f->endpoint = col_text(st, 8, a);
    f->first_seen = col_int(st, 9);
}

int
store_control_findings(struct db *db, const char *const *cwes, size_t n_cwes,
                       const char *const *owasp, size_t n_owasp, const char *project_id,
                       int64_t limit, struct store_finding_ref **items, size_t *n, struct err *err)
{
    struct conn *c;
    struct stmt *st;
    struct buf sql;
    void *rows;
    int p = 3;

    *items = NULL;
    *n = 0;
    if (n_cwes + n_owasp == 0)
        return 0;
    if (n_cwes + n_owasp > 200)
        return err_internal(err, "a control maps to %zu values", n_cwes + n_owasp);
    if (!(c = db_conn(db, err)) || tx_begin(c, false, err))
        return -1;
    buf_init(&sql, 16384);
    buf_puts(&sql, "SELECT id, project_id, asset_id, title, severity, status, cwe, owasp,"
                   " endpoint, first_seen FROM findings WHERE org_id = ?1 AND status IN"
                   " ('open', 'confirmed') AND (?2 IS NULL OR project_id = ?2) AND (");
    /* The values are exact column values (the caller took them from store_control_exposure),
     * so an IN list can use the cwe and owasp indexes. */
    if (n_cwes) {
        buf_puts(&sql, "cwe IN (");
        for (size_t i = 0; i < n_cwes; i++)
            buf_printf(&sql, "%s?%d", i ? ", " : "", p++);
        buf_puts(&sql, ")");
    }
    if (n_owasp) {
        buf_puts(&sql, n_cwes ? " OR owasp IN (" : "owasp IN (");
        for (size_t i = 0; i < n_owasp; i++)
            buf_printf(&sql, "%s?%d", i ? ", " : "", p++);
        buf_puts(&sql, ")");
    }
    buf_printf(&sql, ") ORDER BY severity DESC, first_seen, id LIMIT ?%d", p);
    st = stmt_get(c, buf_str(&sql), err);
    buf_cleanup(&sql);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, project_id);
    p = 3;
    for (size_t i = 0; i < n_cwes; i++)
        bind_text(st, p++, cwes[i]);
    for (size_t i = 0; i < n_owasp; i++)
        bind_text(st, p++, owasp[i]);
    bind_int(st, p, limit);
    if (stmt_rows(c, st, read_finding_ref, sizeof(**items), db->arena, &rows, n, "control findings",
                  err))
        goto fail;
    *items = rows;
    return tx_commit(c, err);
fail:
    tx_rollback(c);
    return -1;
}

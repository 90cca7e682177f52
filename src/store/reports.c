/* SPDX-License-Identifier: MIT */
/* Project reports: the row a POST /projects/{id}/reports creates together with the job (kind
 * STORE_REPORT_JOB_KIND) that renders it, the findings a report renders, and the rendered file.
 * Every function is bound to one organization like the other resources. */
#include "store/store_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/jsonw.h"
#include "core/id.h"

#define REPORT_COLUMNS                                                                             \
    "id, project_id, format, title, filters, status, job_id, findings, counts, error, "            \
    "content_type, size, created_at, started_at, finished_at, render_ms"

static void
read_report(struct stmt *st, void *item, struct arena *a)
{
    struct store_report *r = item;

    r->id = col_text(st, 0, a);
    r->project_id = col_text(st, 1, a);
    r->format = col_text(st, 2, a);
    r->title = col_text(st, 3, a);
    r->filters = col_text(st, 4, a);
    r->status = col_text(st, 5, a);
    r->job_id = col_text(st, 6, a);
    r->findings = col_int(st, 7);
    r->counts = col_text(st, 8, a);
    r->error = col_text(st, 9, a);
    r->content_type = col_text(st, 10, a);
    r->size = col_int(st, 11);
    r->created_at = col_int(st, 12);
    r->started_at = col_int(st, 13);
    r->finished_at = col_int(st, 14);
    r->render_ms = col_int(st, 15);
}

static int
project_visible(struct conn *c, const char *org_id, const char *project_id, struct err *err)
{
    bool found;

    if (row_exists(c, "SELECT 1 FROM projects WHERE org_id = ?1 AND id = ?2", org_id, project_id,
                   &found, err))
        return -1;
    if (!found)
        return err_set(err, NOT_FOUND, "The project was not found."), -1;
    return 0;
}

int
store_report_create(struct db *db, const char *project_id, const char *format, const char *title,
                    const char *filters, int max_attempts, int64_t now, struct store_report *out,
                    struct err *err)
{
    struct conn *c = db_conn(db, err);
    struct buf payload;
    struct stmt *st;
    char *id, *job_id;

    if (!c || tx_begin(c, true, err))
        return -1;
    if (project_visible(c, db->org_id, project_id, err))
        goto fail;
    id = id_new(db->arena, "rpt_");
    job_id = id_new(db->arena, "job_");
    buf_init(&payload, 256);
    buf_printf(&payload, "{\"report_id\":\"%s\"}", id);
    st = stmt_get(c,
                  "INSERT INTO jobs (id, org_id, kind, payload, state, max_attempts, run_after,"
                  " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?6, ?6, ?6)",
                  err);
    if (!st) {
        buf_cleanup(&payload);
        goto fail;
    }
    bind_text(st, 1, job_id);
    bind_text(st, 2, db->org_id);
    bind_text(st, 3, STORE_REPORT_JOB_KIND);
    bind_text(st, 4, buf_str(&payload));
    bind_int(st, 5, max_attempts);
    bind_int(st, 6, now);
    if (stmt_exec(c, st, err)) {
        buf_cleanup(&payload);
        goto fail;
    }
    buf_cleanup(&payload);
    st = stmt_get(c,
                  "INSERT INTO project_reports (id, org_id, project_id, format, title, filters,"
                  " status, job_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?8)",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, id);
    bind_text(st, 2, db->org_id);
    bind_text(st, 3, project_id);
    bind_text(st, 4, format);
    bind_text(st, 5, title);
    bind_text(st, 6, filters);
    bind_text(st, 7, job_id);
    bind_int(st, 8, now);
    if (stmt_exec(c, st, err))
        goto fail;
    if (row_load(c, "SELECT " REPORT_COLUMNS " FROM project_reports WHERE org_id = ?1 AND id = ?2",
                 db->org_id, id, read_report, out, db->arena, "report", err))
        goto fail;
    if (tx_commit(c, err))
        goto fail;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

/* key: RFC 3339, or null when t is 0. */
static void
report_kts(struct jsonw *w, const char *key, int64_t t)
{
    char ts[32];

    if (t)
        jsonw_kstr(w, key, clock_format_rfc3339(t, ts, sizeof(ts)));
    else
        jsonw_knull(w, key);
}

void
store_report_to_json(struct jsonw *w, const struct store_report *r)
{
    jsonw_obj_open(w);
    jsonw_kstr(w, "id", r->id);
    jsonw_kstr(w, "project_id", r->project_id);
    jsonw_kstr(w, "format", r->format);
    jsonw_kstr(w, "title", r->title);
    jsonw_kstr(w, "status", r->status);
    jsonw_key(w, "filters");
    jsonw_raw(w, r->filters, strlen(r->filters));
    jsonw_kint(w, "findings", r->findings);
    jsonw_key(w, "counts");
    if (r->counts)
        jsonw_raw(w, r->counts, strlen(r->counts));
    else
        jsonw_null(w);
    jsonw_kstr(w, "error", r->error);
    jsonw_kint(w, "size", r->size);
    jsonw_kint(w, "render_ms", r->render_ms);
    report_kts(w, "created_at", r->created_at);
    report_kts(w, "started_at", r->started_at);
    report_kts(w, "finished_at", r->finished_at);
    if (strcmp(r->status, "ready") == 0) {
        char link[96];

        snprintf(link, sizeof(link), "/api/v1/reports/%s/download", r->id);
        jsonw_kstr(w, "download_url", link);
    } else {
        jsonw_knull(w, "download_url");
    }
    jsonw_obj_close(w);
}

int
store_report_get(struct db *db, const char *id, struct store_report *out, struct err *err)
{
    struct conn *c = db_conn(db, err);
    int rc;

    if (!c || tx_begin(c, false, err))
        return -1;
    rc = row_load(c, "SELECT " REPORT_COLUMNS " FROM project_reports WHERE org_id = ?1 AND id = ?2",
                  db->org_id, id, read_report, out, db->arena, "report", err);
    if (rc) {
        tx_rollback(c);
        return -1;
    }
    return tx_commit(c, err);
}

int
store_report_list(struct db *db, const char *project_id, int64_t page, int64_t per_page,
                  struct store_report **items, size_t *n, int64_t *total, struct err *err)
{
    struct conn *c = db_conn(db, err);
    struct stmt *st;
    size_t cap = (size_t)per_page;

    *items = NULL;
    *n = 0;
    *total = 0;
    if (!c || tx_begin(c, false, err))
        return -1;
    if (project_visible(c, db->org_id, project_id, err))
        goto fail;
    st = stmt_get(c, "SELECT count(*) FROM project_reports WHERE org_id = ?1 AND project_id = ?2",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, project_id);
    if (stmt_step(st) == ST_ROW)
        *total = col_int(st, 0);
    stmt_reset(st);
    st = stmt_get(c,
                  "SELECT " REPORT_COLUMNS " FROM project_reports WHERE org_id = ?1 AND"
                  " project_id = ?2 ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, project_id);
    bind_int(st, 3, per_page);
    bind_int(st, 4, (page - 1) * per_page);
    *items = arena_calloc(db->arena, cap ? cap : 1, sizeof(**items));
    for (;;) {
        int rc = stmt_step(st);

        if (rc == ST_DONE)
            break;
        if (rc != ST_ROW) {
            stmt_reset(st);
            sql_fail(c, rc, "report list", err);
            goto fail;
        }
        if (*n < cap)
            read_report(st, &(*items)[(*n)++], db->arena);
    }
    stmt_reset(st);
    return tx_commit(c, err);
fail:
    tx_rollback(c);
    return -1;
}

int
store_report_content(struct db *db, const char *id, const void **data, size_t *len, struct err *err)
{
    struct conn *c = db_conn(db, err);
    struct stmt *st;
    int rc;

    *data = NULL;
    *len = 0;
    if (!c || tx_begin(c, false, err))
        return -1;
    st = stmt_get(c, "SELECT content FROM project_reports WHERE org_id = ?1 AND id = ?2", err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, id);
    rc = stmt_step(st);
    if (rc == ST_ROW) {
        int n = (int)col_bytes(st, 0);
        const void *p = col_blob(st, 0, NULL);
        void *copy = arena_alloc(db->arena, (size_t)n + 1);

        if (n > 0 && p)
            memcpy(copy, p, (size_t)n);
        *data = copy;
        *len = (size_t)n;
    }
    stmt_reset(st);
    if (rc != ST_ROW) {
        err_set(err, NOT_FOUND, "The report was not found.");
        goto fail;
    }
    return tx_commit(c, err);
fail:
    tx_rollback(c);
    return -1;
}

int
store_report_findings(struct db *db, const char *project_id, unsigned severities, unsigned statuses,
                      struct finding **items, size_t *n, struct err *err)
{
    struct conn *c = db_conn(db, err);
    struct stmt *st;
    size_t cap = 0;

    *items = NULL;
    *n = 0;
    if (!c || tx_begin(c, false, err))
        return -1;
    st = stmt_get(c,
                  "SELECT " FINDING_COLUMNS " FROM findings WHERE org_id = ?1 AND project_id = ?2"
                  " ORDER BY created_at, id",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, project_id);
    for (;;) {
        int rc = stmt_step(st);
        struct finding f;

        if (rc == ST_DONE)
            break;
        if (rc != ST_ROW) {
            stmt_reset(st);
            sql_fail(c, rc, "report findings", err);
            goto fail;
        }
        memset(&f, 0, sizeof(f));
        read_finding(st, &f, db->arena);
        if (!(severities & (1u << f.severity)) || !(statuses & (1u << f.status)))
            continue;
        if (*n == cap) {
            size_t new_cap = cap ? cap * 2 : 256;
            struct finding *grown = arena_calloc(db->arena, new_cap, sizeof(*grown));

            if (*n)
                memcpy(grown, *items, *n * sizeof(*grown));
            *items = grown;
            cap = new_cap;
        }
        (*items)[(*n)++] = f;
    }
    stmt_reset(st);
    return tx_commit(c, err);
fail:
    tx_rollback(c);
    return -1;
}

int
store_report_start(struct db *db, const char *id, int64_t now, struct err *err)
{
    struct conn *c = db_conn(db, err);
    struct stmt *st;

    if (!c || tx_begin(c, true, err))
        return -1;
    st = stmt_get(c,
                  "UPDATE project_reports SET status = 'running', started_at = ?3 WHERE org_id = ?1"
                  " AND id = ?2",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, id);
    bind_int(st, 3, now);
    if (stmt_exec(c, st, err) || tx_commit(c, err))
        goto fail;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_report_finish(struct db *db, const char *id, const struct store_report *done,
                    const void *content, size_t len, int64_t now, struct err *err)
{
    struct conn *c = db_conn(db, err);
    struct stmt *st;

    if (!c || tx_begin(c, true, err))
        return -1;
    st = stmt_get(c,
                  "UPDATE project_reports SET status = ?3, findings = ?4, counts = ?5, error = ?6,"
                  " content_type = ?7, content = ?8, size = ?9, finished_at = ?10, render_ms = ?11"
                  " WHERE org_id = ?1 AND id = ?2",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, id);
    bind_text(st, 3, done->status);
    bind_int(st, 4, done->findings);
    bind_text(st, 5, done->counts);
    bind_text(st, 6, done->error);
    bind_text(st, 7, done->content_type);
    if (content)
        bind_blob_static(st, 8, content, len);
    else
        bind_null(st, 8);
    bind_int(st, 9, (int64_t)len);
    bind_int(st, 10, now);
    bind_int(st, 11, done->render_ms);
    if (stmt_exec(c, st, err))
        goto fail;
    if (strcmp(done->status, "ready") == 0) {
        /* report.generated, in this transaction: the report as GET /reports/{id} shows it. */
        struct store_report now_ready = {0};
        bool wanted;
        struct buf data;
        struct jsonw w;
        int rc;

        if (outbox_wanted(c, db->org_id, "report.generated", &wanted, err))
            goto fail;
        if (wanted) {
            if (row_load(c,
                         "SELECT " REPORT_COLUMNS
                         " FROM project_reports WHERE org_id = ?1 AND id = ?2",
                         db->org_id, id, read_report, &now_ready, db->arena, "report", err))
                goto fail;
            buf_init(&data, BUF_UNLIMITED);
            jsonw_init(&w, &data);
            store_report_to_json(&w, &now_ready);
            rc = outbox_add(c, db->org_id, "report.generated", buf_str(&data), data.len, now,
                            db->arena, err);
            buf_cleanup(&data);
            if (rc)
                goto fail;
        }
    }
    if (tx_commit(c, err))
        goto fail;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

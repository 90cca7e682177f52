/* SPDX-License-Identifier: MIT */
/* Scans: the row the API shows and the worker updates, created together with the job that
 * runs it, and the reports rendered when it ends. */
#include "store/store_int.h"

#include <jansson.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/jsonw.h"

static const char *const scan_status_names[] = {"queued", "running", "complete", "failed",
                                                "cancelled"};

const char *
store_scan_status_name(enum store_scan_status s)
{
    return (unsigned)s < sizeof(scan_status_names) / sizeof(scan_status_names[0])
               ? scan_status_names[s]
               : "failed";
}

static enum store_scan_status
scan_status_parse(const char *s)
{
    for (size_t i = 0; s && i < sizeof(scan_status_names) / sizeof(scan_status_names[0]); i++)
        if (strcmp(s, scan_status_names[i]) == 0)
            return (enum store_scan_status)i;
    return STORE_SCAN_FAILED;
}

static void
read_scan(struct stmt *st, void *item, struct arena *a)
{
    struct store_scan *s = item;

    s->id = col_text(st, 0, a);
    s->org_id = col_text(st, 1, a);
    s->project_id = col_text(st, 2, a);
    s->status = scan_status_parse(col_raw_text(st, 3));
    s->target = col_text(st, 4, a);
    s->request = col_text(st, 5, a);
    s->job_id = col_text(st, 6, a);
    s->endpoints_discovered = col_int(st, 7);
    s->endpoints_tested = col_int(st, 8);
    s->requests_sent = col_int(st, 9);
    s->findings = col_int(st, 10);
    s->summary = col_text(st, 11, a);
    s->exit_status = (int)col_int(st, 12);
    s->error = col_text(st, 13, a);
    s->created_at = col_int(st, 14);
    s->started_at = col_int(st, 15);
    s->finished_at = col_int(st, 16);
    s->updated_at = col_int(st, 17);
    s->credentials_state = col_text(st, 18, a);
    s->keep_credentials = col_int(st, 19) != 0;
    s->auth_summary = col_text(st, 20, a);
    s->rerun_of = col_text(st, 21, a);
}

static void
scan_time_or_null(struct jsonw *w, const char *key, int64_t t)
{
    char ts[32];

    if (t)
        jsonw_kstr(w, key, clock_format_rfc3339(t, ts, sizeof(ts)));
    else
        jsonw_knull(w, key);
}

/* "auth" and "auth_secondary" as stored in the summary: types and non-secret fields only. */
static void
auth_summary_to_json(struct jsonw *w, const char *summary)
{
    json_t *doc = summary ? json_loads(summary, 0, NULL) : NULL;
    static const char *const keys[] = {"auth", "auth_secondary"};

    for (size_t i = 0; i < 2; i++) {
        json_t *one = json_object_get(doc, keys[i]);
        const char *k;
        json_t *v;

        jsonw_key(w, keys[i]);
        if (!json_is_object(one)) {
            jsonw_null(w);
            continue;
        }
        jsonw_obj_open(w);
        json_object_foreach(one, k, v)
        {
            if (json_is_string(v))
                jsonw_kstr(w, k, json_string_value(v));
        }
        jsonw_obj_close(w);
    }
    json_decref(doc);
}

void
store_scan_to_json(struct jsonw *w, const struct store_scan *s)
{
    json_t *summary;

    jsonw_obj_open(w);
    jsonw_kstr(w, "scan_id", s->id);
    jsonw_kstr(w, "status", store_scan_status_name(s->status));
    jsonw_kstr(w, "target", s->target);
    if (s->project_id)
        jsonw_kstr(w, "project_id", s->project_id);
    else
        jsonw_knull(w, "project_id");
    jsonw_key(w, "progress");
    jsonw_obj_open(w);
    jsonw_kint(w, "endpoints_discovered", s->endpoints_discovered);
    jsonw_kint(w, "endpoints_tested", s->endpoints_tested);
    jsonw_kint(w, "requests_sent", s->requests_sent);
    jsonw_kint(w, "findings", s->findings);
    jsonw_obj_close(w);
    scan_time_or_null(w, "created_at", s->created_at);
    scan_time_or_null(w, "started_at", s->started_at);
    scan_time_or_null(w, "completed_at", s->finished_at);
    summary = s->summary ? json_loads(s->summary, 0, NULL) : NULL;
    jsonw_key(w, "summary");
    if (summary) {
        const char *k;
        json_t *v;

        jsonw_obj_open(w);
        json_object_foreach(summary, k, v)
        {
            jsonw_kint(w, k, (long long)json_integer_value(v));
        }
        jsonw_obj_close(w);
        json_decref(summary);
    } else {
        jsonw_null(w);
    }
    if (s->exit_status >= 0)
        jsonw_kint(w, "exit_status", s->exit_status);
    else
        jsonw_knull(w, "exit_status");
    if (s->error)
        jsonw_kstr(w, "error", s->error);
    else
        jsonw_knull(w, "error");
    auth_summary_to_json(w, s->auth_summary);
    jsonw_kstr(w, "credentials", s->credentials_state ? s->credentials_state : "none");
    jsonw_kbool(w, "keep_credentials", s->keep_credentials);
    if (s->rerun_of)
        jsonw_kstr(w, "rerun_of", s->rerun_of);
    else
        jsonw_knull(w, "rerun_of");
    jsonw_obj_close(w);
}

/* The scan with this id in the connection's transaction, for the outbox (unbound: the caller
 * has the id from its own write). */
int
scan_row_by_id(struct conn *c, const char *id, struct store_scan *out, struct arena *a,
               struct err *err)
{
    memset(out, 0, sizeof(*out));
    return row_load(c, "SELECT " SCAN_COLUMNS " FROM scans WHERE ?1 IS NULL AND id = ?2", NULL, id,
                    read_scan, out, a, "scan", err);
}

#define SCAN_SELECT "SELECT " SCAN_COLUMNS " FROM scans WHERE org_id = ?1 AND id = ?2"

int
store_scan_create(struct db *db, const struct store_scan *in, int max_attempts,
                  struct store_scan *out, struct err *err)
{
    struct conn *c;
    struct store_scan row = *in;
    struct stmt *st;
    bool found;
    int64_t now = clock_now();

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    if (in->project_id) {
        if (row_exists(c, "SELECT 1 FROM projects WHERE org_id = ?1 AND id = ?2", db->org_id,
                       in->project_id, &found, err))
            goto fail;
        if (!found) {
            err_field(err, "project_id", "does not name a project");
            goto fail;
        }
    }
    row.id = id_new(db->arena, "scan_");
    row.org_id = db->org_id;
    row.job_id = id_new(db->arena, "job_");
    row.status = STORE_SCAN_QUEUED;
    row.endpoints_discovered = row.endpoints_tested = row.requests_sent = row.findings = 0;
    row.summary = row.error = NULL;
    row.exit_status = -1;
    row.created_at = row.updated_at = now;
    row.started_at = row.finished_at = 0;
    row.credentials_state = in->credentials ? "stored" : "none";
    st = stmt_get(c,
                  "INSERT INTO scans (id, org_id, project_id, status, target, request, job_id,"
                  " created_at, updated_at, credentials, credentials_state, keep_credentials,"
                  " auth_summary, rerun_of)"
                  " VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10, ?11, ?12)",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, row.id);
    bind_text(st, 2, row.org_id);
    bind_text(st, 3, row.project_id);
    bind_text(st, 4, row.target);
    bind_text(st, 5, row.request);
    bind_text(st, 6, row.job_id);
    bind_int(st, 7, now);
    if (in->credentials)
        bind_blob(st, 8, in->credentials, in->credentials_len);
    bind_text(st, 9, row.credentials_state);
    bind_int(st, 10, in->keep_credentials);
    bind_text(st, 11, in->auth_summary);
    bind_text(st, 12, in->rerun_of);
    if (stmt_exec(c, st, err))
        goto fail;
    row.credentials = NULL; /* never handed back */
    row.credentials_len = 0;
#define SCAN_JOB_INSERT(payload)                                                                   \
    "INSERT INTO jobs (id, org_id, kind, payload, state, max_attempts, run_after, created_at,"     \
    " updated_at) VALUES (?1, ?2, '" STORE_SCAN_JOB_KIND "', " payload                             \
    ", 'queued', ?4, ?5, ?5, ?5)"
    st = stmt_get(c,
                  SQL_FOR(c, SCAN_JOB_INSERT("json_object('scan_id', ?3)"),
                          SCAN_JOB_INSERT("json_build_object('scan_id', ?3)::text")),
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, row.job_id);
    bind_text(st, 2, row.org_id);
    bind_text(st, 3, row.id);
    bind_int(st, 4, max_attempts < 1 ? 1 : max_attempts);
    bind_int(st, 5, now);
    if (stmt_exec(c, st, err) || tx_commit(c, err))
        goto fail;
    *out = row;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_scan_get(struct db *db, const char *id, struct store_scan *out, struct err *err)
{
    struct conn *c = db_conn(db, err);

    if (!c || store_fault_check(err))
        return -1;
    memset(out, 0, sizeof(*out));
    return row_load(c, SCAN_SELECT, db->org_id, id, read_scan, out, db->arena, "scan", err);
}

int
store_scan_cancel(struct db *db, const char *id, bool *was_running, struct err *err)
{
    struct conn *c;
    struct store_scan row = {0};
    struct stmt *st;
    int64_t now = clock_now();

    *was_running = false;
    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    if (row_load(c, SCAN_SELECT, db->org_id, id, read_scan, &row, db->arena, "scan", err))
        goto fail;
    if (row.status != STORE_SCAN_QUEUED && row.status != STORE_SCAN_RUNNING) {
        err_set(err, CONFLICT, "The scan has already finished (%s).",
                store_scan_status_name(row.status));
        goto fail;
    }
    /* The job says whether a worker holds it: a scan row still 'queued' may have just been
     * claimed. */
    st = stmt_get(c,
                  "UPDATE jobs SET cancel_requested = 1, updated_at = ?2,"
                  " state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END,"
                  " finished_at = CASE WHEN state = 'queued' THEN ?2 ELSE finished_at END"
                  " WHERE id = ?1 RETURNING state = 'running'",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, row.job_id);
    bind_int(st, 2, now);
    if (stmt_step(st) == ST_ROW)
        *was_running = col_int(st, 0) != 0;
    while (stmt_step(st) == ST_ROW) {
    }
    stmt_reset(st);
    if (!*was_running) {
        st = stmt_get(c,
                      "UPDATE scans SET status = 'cancelled'," SCAN_WIPE_CREDENTIALS
                      " finished_at = ?3, updated_at = ?3 WHERE org_id = ?1 AND id = ?2",
                      err);
        if (!st)
            goto fail;
        bind_text(st, 1, db->org_id);
        bind_text(st, 2, id);
        bind_int(st, 3, now);
        if (stmt_exec(c, st, err))
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
store_scan_report_get(struct db *db, const char *id, const char *format,
                      struct store_scan_report *out, struct err *err)
{
    struct conn *c = db_conn(db, err);
    struct store_scan row;
    struct stmt *st;
    int step;

    if (!c || store_fault_check(err))
        return -1;
    memset(out, 0, sizeof(*out));
    if (row_load(c, SCAN_SELECT, db->org_id, id, read_scan, &row, db->arena, "scan", err))
        return -1;
    st = stmt_get(
        c, "SELECT content_type, body FROM scan_reports WHERE scan_id = ?1 AND format = ?2", err);
    if (!st)
        return -1;
    bind_text(st, 1, id);
    bind_text(st, 2, format);
    step = stmt_step(st);
    if (step == ST_ROW) {
        const void *blob = col_blob(st, 1, NULL);
        size_t len = col_bytes(st, 1);
        char *body = arena_alloc(db->arena, len + 1);

        if (len)
            memcpy(body, blob, len);
        body[len] = '\0';
        out->format = arena_strdup(db->arena, format);
        out->content_type = col_text(st, 0, db->arena);
        out->body = body;
        out->len = len;
    }
    stmt_reset(st);
    if (step == ST_DONE)
        return err_set(err, CONFLICT, "The scan has no report yet (it is %s).",
                       store_scan_status_name(row.status));
    if (step != ST_ROW)
        return sql_fail(c, step, "scan report", err);
    return 0;
}

int
store_scan_load(struct store *store, const char *id, struct arena *arena, struct store_scan *out,
                struct err *err)
{
    int rc;

    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    memset(out, 0, sizeof(*out));
    rc = row_load(c, "SELECT " SCAN_COLUMNS " FROM scans WHERE ?1 IS NULL AND id = ?2", NULL, id,
                  read_scan, out, arena, "scan", err);
    conn_release(store, c);
    return rc;
}

static int
scan_exec(struct store *store, const char *sql, const char *id, const int64_t *ints, size_t n,
          struct err *err)
{
    struct stmt *st;
    int rc = -1;

    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    if (tx_begin(c, true, err) || !(st = stmt_get(c, sql, err)))
        goto done;
    bind_text(st, 1, id);
    for (size_t i = 0; i < n; i++)
        bind_int(st, (int)i + 2, ints[i]);
    if (stmt_exec(c, st, err) || tx_commit(c, err))
        goto done;
    rc = 0;
done:
    tx_rollback(c);
    conn_release(store, c);
    return rc;
}

int
store_scan_started(struct store *store, const char *id, int64_t now, struct err *err)
{
    const int64_t v[] = {now};

    return scan_exec(store,
                     "UPDATE scans SET status = 'running', started_at = ?2, updated_at = ?2,"
                     " endpoints_discovered = 0, endpoints_tested = 0, requests_sent = 0,"
                     " findings = 0, error = NULL WHERE id = ?1",
                     id, v, 1, err);
}

int
store_scan_progress(struct store *store, const char *id, int64_t endpoints_discovered,
                    int64_t endpoints_tested, int64_t requests_sent, int64_t findings, int64_t now,
                    struct err *err)
{
    const int64_t v[] = {endpoints_discovered, endpoints_tested, requests_sent, findings, now};

    return scan_exec(store,
                     "UPDATE scans SET endpoints_discovered = ?2, endpoints_tested = ?3,"
                     " requests_sent = ?4, findings = ?5, updated_at = ?6"
                     " WHERE id = ?1 AND status = 'running'",
                     id, v, 5, err);
}

int
store_scan_finish(struct store *store, const char *id, enum store_scan_status status,
                  const struct store_scan *f, const struct store_scan_report *reports,
                  size_t n_reports, int64_t now, struct err *err)
{
    struct stmt *st;
    struct arena *a;
    int rc = -1;

    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    a = arena_new();
    if (tx_begin(c, true, err))
        goto done;
    st = stmt_get(c,
                  "UPDATE scans SET" SCAN_WIPE_CREDENTIALS
                  " status = ?2, endpoints_discovered = ?3, endpoints_tested = ?4,"
                  " requests_sent = ?5, findings = ?6, summary = ?7,"
                  " exit_status = CASE WHEN ?8 < 0 THEN NULL ELSE ?8 END, error = ?9,"
                  " finished_at = ?10, updated_at = ?10 WHERE id = ?1",
                  err);
    if (!st)
        goto done;
    bind_text(st, 1, id);
    bind_text(st, 2, store_scan_status_name(status));
    bind_int(st, 3, f->endpoints_discovered);
    bind_int(st, 4, f->endpoints_tested);
    bind_int(st, 5, f->requests_sent);
    bind_int(st, 6, f->findings);
    bind_text(st, 7, f->summary);
    bind_int(st, 8, f->exit_status);
    bind_text(st, 9, f->error);
    bind_int(st, 10, now);
    if (stmt_exec(c, st, err))
        goto done;
    st = stmt_get(c, "DELETE FROM scan_reports WHERE scan_id = ?1", err);
    if (!st)
        goto done;
    bind_text(st, 1, id);
    if (stmt_exec(c, st, err))
        goto done;
    for (size_t i = 0; i < n_reports; i++) {
        st = stmt_get(c,
                      "INSERT INTO scan_reports (scan_id, format, content_type, body)"
                      " VALUES (?1, ?2, ?3, ?4)",
                      err);
        if (!st)
            goto done;
        bind_text(st, 1, id);
        bind_text(st, 2, reports[i].format);
        bind_text(st, 3, reports[i].content_type);
        bind_blob(st, 4, reports[i].body, reports[i].len);
        if (stmt_exec(c, st, err))
            goto done;
    }
    if (outbox_scan(c, id, a, err) || tx_commit(c, err)) /* scan.completed / scan.failed */
        goto done;
    rc = 0;
done:
    tx_rollback(c);
    conn_release(store, c);
    arena_free(a);
    return rc;
}

int
store_scan_list(struct db *db, const struct store_list *q, struct store_page *page, struct err *err)
{
    void *items;

    if (list_bound(db, &list_scans, q, sizeof(struct store_scan), read_scan, page, &items, err))
        return -1;
    page->scans = items;
    return 0;
}

/* ---- Credentials, reruns, findings, policy (migration 009) ------------------------------ */

int
store_scan_credentials(struct store *store, const char *id, struct arena *arena,
                       const unsigned char **blob, size_t *len, struct err *err)
{
    struct stmt *st;
    int step, rc = -1;

    *blob = NULL;
    *len = 0;
    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    if (!(st = stmt_get(c, "SELECT credentials FROM scans WHERE id = ?1", err)))
        goto done;
    bind_text(st, 1, id);
    step = stmt_step(st);
    if (step == ST_ROW && !col_is_null(st, 0)) {
        size_t n = col_bytes(st, 0);
        unsigned char *copy = arena_alloc(arena, n ? n : 1);

        memcpy(copy, col_blob(st, 0, NULL), n);
        *blob = copy;
        *len = n;
    }
    stmt_reset(st);
    if (step == ST_DONE)
        err_set(err, NOT_FOUND, "No such scan.");
    else if (step != ST_ROW)
        sql_fail(c, step, "scan credentials", err);
    else
        rc = 0;
done:
    conn_release(store, c);
    return rc;
}

int
store_scan_rerun(struct db *db, const char *id, int max_attempts, struct store_scan *out,
                 struct err *err)
{
    struct store_scan orig = {0}, in = {0};
    struct stmt *st;
    struct conn *c;
    int step;

    if (!(c = db_conn(db, err)) || store_fault_check(err))
        return -1;
    if (row_load(c, SCAN_SELECT, db->org_id, id, read_scan, &orig, db->arena, "scan", err))
        return -1;
    if (orig.credentials_state && strcmp(orig.credentials_state, "wiped") == 0)
        return err_set(err, CONFLICT,
                       "The scan's target credentials were wiped when it ended; start a new "
                       "scan with them (or use keep_credentials to rerun later).");
    in.project_id = orig.project_id;
    in.target = orig.target;
    in.request = orig.request;
    in.keep_credentials = orig.keep_credentials;
    in.auth_summary = orig.auth_summary;
    in.rerun_of = orig.id;
    if (orig.credentials_state && strcmp(orig.credentials_state, "stored") == 0) {
        st = stmt_get(c, "SELECT credentials FROM scans WHERE org_id = ?1 AND id = ?2", err);
        if (!st)
            return -1;
        bind_text(st, 1, db->org_id);
        bind_text(st, 2, id);
        step = stmt_step(st);
        if (step == ST_ROW && !col_is_null(st, 0)) {
            size_t n = col_bytes(st, 0);
            unsigned char *copy = arena_alloc(db->arena, n ? n : 1);

            memcpy(copy, col_blob(st, 0, NULL), n);
            in.credentials = copy;
            in.credentials_len = n;
        }
        stmt_reset(st);
        if (step != ST_ROW && step != ST_DONE)
            return sql_fail(c, step, "scan credentials", err);
        if (!in.credentials) /* wiped between the two reads: the scan just ended */
            return err_set(err, CONFLICT,
                           "The scan's target credentials were wiped when it "
                           "ended; start a new scan with them.");
    }
    /* The original's project may have been deleted since: the create checks it again. */
    return store_scan_create(db, &in, max_attempts, out, err);
}

int
store_scan_findings_list(struct db *db, const char *id, const struct store_list *q,
                         struct store_page *page, struct err *err)
{
    struct store_scan row;
    struct store_list fixed = *q;
    const char **values = arena_alloc(db->arena, sizeof(*values));
    struct conn *c = db_conn(db, err);
    void *items;

    if (!c || store_fault_check(err))
        return -1;
    if (row_load(c, SCAN_SELECT, db->org_id, id, read_scan, &row, db->arena, "scan", err))
        return -1;
    /* Whatever the caller filtered, only this scan's rows. */
    if (q->n_filters >= STORE_LIST_MAX_FILTERS)
        return err_field(err, "filter", "at most %d filters", STORE_LIST_MAX_FILTERS - 1);
    values[0] = id;
    fixed.filters[fixed.n_filters++] =
        (struct store_filter){.field = "scan_id", .values = values, .n_values = 1};
    if (list_bound(db, &list_scan_findings, &fixed, sizeof(struct finding), read_finding, page,
                   &items, err))
        return -1;
    page->findings = items;
    for (size_t i = 0; i < page->n; i++)
        page->findings[i].org_id = db->org_id;
    return 0;
}

int
store_scan_findings_put(struct store *store, const struct store_scan *scan, const char *source_key,
                        const struct finding *findings, size_t n, int64_t now, struct err *err)
{
    struct arena *a = arena_new();
    struct stmt *st;
    int rc = -1;

    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    if (!(st = stmt_get(c, "DELETE FROM scan_findings WHERE scan_id = ?1", err)))
        goto done;
    bind_text(st, 1, scan->id);
    if (stmt_exec(c, st, err))
        goto done;
    for (size_t i = 0; i < n; i++) {
        const struct finding *f = &findings[i];

        st = stmt_get(c,
                      "INSERT INTO scan_findings (id, org_id, scan_id, project_id, asset_id,"
                      " source_key, title, severity, confidence, description, remediation,"
                      " cvss_vector, cvss_score, cwe, owasp, endpoint, risk_score, check_id,"
                      " ev_request, ev_response, ev_notes, refs, fingerprint, created_at)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
                      " ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)",
                      err);
        if (!st)
            goto done;
        bind_text(st, 1, id_new(a, "find_"));
        bind_text(st, 2, scan->org_id);
        bind_text(st, 3, scan->id);
        bind_text(st, 4, scan->project_id);
        bind_text(st, 5, f->asset_id);
        bind_text(st, 6, scan->project_id ? source_key : NULL);
        bind_text(st, 7, f->title ? f->title : "");
        bind_int(st, 8, (int64_t)f->severity);
        bind_int(st, 9, (int64_t)f->confidence);
        bind_text(st, 10, f->description);
        bind_text(st, 11, f->remediation);
        bind_text(st, 12, f->cvss_vector);
        if (f->cvss_vector && f->cvss_score >= 0)
            bind_double(st, 13, f->cvss_score);
        bind_text(st, 14, f->cwe);
        bind_text(st, 15, f->owasp);
        bind_text(st, 16, f->endpoint);
        bind_int(st, 17, f->risk_score);
        bind_text(st, 18, f->check_id);
        bind_text(st, 19, f->evidence.request);
        bind_text(st, 20, f->evidence.response);
        bind_text(st, 21, f->evidence.notes);
        bind_text(st, 22, strings_to_json(f->references, f->n_references, a));
        bind_text(st, 23, f->fingerprint ? f->fingerprint : "");
        bind_int(st, 24, now);
        if (stmt_exec(c, st, err))
            goto done;
    }
    if (tx_commit(c, err))
        goto done;
    rc = 0;
done:
    tx_rollback(c);
    conn_release(store, c);
    arena_free(a);
    return rc;
}

int
store_scan_policy_get(struct db *db, const char **allow, int64_t *updated_at, struct err *err)
{
    struct conn *c = db_conn(db, err);
    struct stmt *st;
    int step;

    *allow = "";
    *updated_at = 0;
    if (!c || store_fault_check(err))
        return -1;
    if (!(st = stmt_get(c, "SELECT allow, updated_at FROM scan_policies WHERE org_id = ?1", err)))
        return -1;
    bind_text(st, 1, db->org_id);
    step = stmt_step(st);
    if (step == ST_ROW) {
        *allow = col_text(st, 0, db->arena);
        *updated_at = col_int(st, 1);
    }
    stmt_reset(st);
    if (step != ST_ROW && step != ST_DONE)
        return sql_fail(c, step, "scan policy", err);
    return 0;
}

int
store_scan_policy_put(struct db *db, const char *allow, struct err *err)
{
    struct conn *c;
    struct stmt *st;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    st = stmt_get(c,
                  "INSERT INTO scan_policies (org_id, allow, updated_at) VALUES (?1, ?2, ?3)"
                  " ON CONFLICT (org_id) DO UPDATE SET allow = excluded.allow,"
                  " updated_at = excluded.updated_at",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, allow);
    bind_int(st, 3, clock_now());
    if (stmt_exec(c, st, err) || tx_commit(c, err))
        goto fail;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

/* SPDX-License-Identifier: MIT */
/* Webhooks in the store: endpoints (bound CRUD), the event outbox that other store functions
 * write into inside their own transactions, the dispatcher that fans events out into
 * deliveries and jobs, and the workers' two calls (load a delivery, record an attempt with all
 * its consequences in one transaction). Sending is not here: jobs/webhook_job.c sends. */
#include "store/store_int.h"

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/jsonw.h"
#include "model/project.h"

#define EVENT_BODY_MAX (8u * 1024 * 1024)

static const char *const delivery_status_names[] = {"pending", "succeeded", "failed"};

const char *
store_delivery_status_name(enum store_delivery_status s)
{
    return (unsigned)s < 3 ? delivery_status_names[s] : "failed";
}

static enum store_delivery_status
delivery_status_parse(const char *s)
{
    for (int i = 0; s && i < 3; i++)
        if (strcmp(s, delivery_status_names[i]) == 0)
            return (enum store_delivery_status)i;
    return STORE_DELIVERY_FAILED;
}

/* ---- rows ------------------------------------------------------------------------------- */

static void
read_webhook(struct stmt *st, void *item, struct arena *a)
{
    struct webhook *w = item;

    memset(w, 0, sizeof(*w));
    w->id = col_text(st, 0, a);
    w->url = col_text(st, 1, a);
    w->events = strings_from_json(col_raw_text(st, 2), &w->n_events, a);
    w->active = col_int(st, 3) != 0;
    w->description = col_text(st, 4, a);
    w->failing_since = col_int(st, 5);
    w->disabled_reason = col_text(st, 6, a);
    w->previous_secret_expires_at = col_int(st, 7);
    w->created_at = col_int(st, 8);
    w->updated_at = col_int(st, 9);
}

static void
read_delivery(struct stmt *st, void *item, struct arena *a)
{
    struct store_delivery *d = item;

    memset(d, 0, sizeof(*d));
    d->id = col_text(st, 0, a);
    d->webhook_id = col_text(st, 1, a);
    d->message_id = col_text(st, 2, a);
    d->event = col_text(st, 3, a);
    d->status = delivery_status_parse(col_raw_text(st, 4));
    d->attempts = (int)col_int(st, 5);
    d->next_attempt_at = col_int(st, 6);
    d->created_at = col_int(st, 7);
    d->updated_at = col_int(st, 8);
}

#define WEBHOOK_SELECT "SELECT " WEBHOOK_COLUMNS " FROM webhooks WHERE org_id = ?1 AND id = ?2"
#define DELIVERY_SELECT                                                                            \
    "SELECT " DELIVERY_COLUMNS " FROM webhook_deliveries WHERE org_id = ?1 AND id = ?2"

/* Runs `st` (already bound) as a statement that returns no row; *changes gets the row count. */
static int
exec_changes(struct conn *c, struct stmt *st, int *changes, struct err *err)
{
    if (stmt_exec(c, st, err))
        return -1;
    *changes = stmt_changes(c);
    return 0;
}

/* Runs a statement without bindings or rows (SAVEPOINT, RELEASE, ROLLBACK TO). */
static int
exec_savepoint(struct conn *c, const char *sql, struct err *err)
{
    struct stmt *st = stmt_get(c, sql, err);

    return st ? stmt_exec(c, st, err) : -1;
}

/* A queued job of `kind`, inside the caller's transaction. */
static int
job_insert(struct conn *c, const char *org_id, const char *payload, int64_t run_after, int64_t now,
           const char **job_id, struct arena *a, struct err *err)
{
    struct stmt *st =
        stmt_get(c,
                 "INSERT INTO jobs (id, org_id, kind, payload, state, max_attempts, run_after,"
                 " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?6, ?7, ?7)",
                 err);

    if (!st)
        return -1;
    *job_id = id_new(a, "job_");
    bind_text(st, 1, *job_id);
    bind_text(st, 2, org_id);
    bind_text(st, 3, STORE_WEBHOOK_JOB_KIND);
    bind_text(st, 4, payload);
    bind_int(st, 5, STORE_WEBHOOK_MAX_ATTEMPTS);
    bind_int(st, 6, run_after);
    bind_int(st, 7, now);
    return stmt_exec(c, st, err);
}

/* A pending delivery of event `event_id` to `webhook_id` and its job. */
static int
delivery_insert(struct conn *c, const char *org_id, const char *webhook_id, const char *event_id,
                const char *event, int64_t now, struct store_delivery *out, struct arena *a,
                struct err *err)
{
    const char *id = id_new(a, "dlv_"), *job_id;
    const char *payload = arena_printf(a, "{\"delivery_id\":\"%s\"}", id);
    struct stmt *st;

    if (job_insert(c, org_id, payload, now, now, &job_id, a, err))
        return -1;
    st = stmt_get(c,
                  "INSERT INTO webhook_deliveries (id, org_id, webhook_id, event_id, event, status,"
                  " attempts, next_attempt_at, job_id, created_at, updated_at)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?7, ?6, ?6)",
                  err);
    if (!st)
        return -1;
    bind_text(st, 1, id);
    bind_text(st, 2, org_id);
    bind_text(st, 3, webhook_id);
    bind_text(st, 4, event_id);
    bind_text(st, 5, event);
    bind_int(st, 6, now);
    bind_text(st, 7, job_id);
    if (stmt_exec(c, st, err))
        return -1;
    if (out) {
        memset(out, 0, sizeof(*out));
        out->id = id;
        out->webhook_id = arena_strdup(a, webhook_id);
        out->message_id = arena_strdup(a, event_id);
        out->event = arena_strdup(a, event);
        out->status = STORE_DELIVERY_PENDING;
        out->next_attempt_at = now;
        out->created_at = out->updated_at = now;
    }
    return 0;
}

/* ---- the outbox --------------------------------------------------------------------------- */

int
outbox_wanted(struct conn *c, const char *org_id, const char *event, bool *wanted, struct err *err)
{
    struct stmt *st = stmt_get(c,
                               "SELECT 1 FROM webhooks w WHERE w.org_id = ?1 AND w.active = 1"
                               " AND EXISTS (SELECT 1 FROM json_each(w.events) e"
                               " WHERE e.value = ?2 OR e.value = '*') LIMIT 1",
                               err);
    int step;

    if (!st)
        return -1;
    bind_text(st, 1, org_id);
    bind_text(st, 2, event);
    step = stmt_step(st);
    stmt_reset(st);
    if (step != ST_ROW && step != ST_DONE)
        return sql_fail(c, step, "outbox", err);
    *wanted = step == ST_ROW;
    return 0;
}

/* Inserts the event row whatever the subscriptions (the caller checked, or it is a ping). */
static int
event_insert(struct conn *c, const char *org_id, const char *event, const char *data, size_t len,
             int64_t now, bool dispatched, const char **event_id, struct arena *a, struct err *err)
{
    struct buf body;
    char ts[32];
    struct stmt *st;
    int rc;

    buf_init(&body, EVENT_BODY_MAX);
    buf_puts(&body, "{\"event\":");
    json_escape_into(&body, event, strlen(event));
    buf_printf(&body, ",\"timestamp\":\"%s\",\"data\":", clock_format_rfc3339(now, ts, sizeof(ts)));
    buf_append(&body, data, len);
    buf_puts(&body, "}");
    if (body.overflow) {
        buf_cleanup(&body);
        return err_internal(err, "webhook event body over %u bytes", EVENT_BODY_MAX);
    }
    st = stmt_get(c,
                  "INSERT INTO webhook_events (id, org_id, event, body, created_at, dispatched_at)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                  err);
    if (!st) {
        buf_cleanup(&body);
        return -1;
    }
    *event_id = id_new(a, "msg_");
    bind_text(st, 1, *event_id);
    bind_text(st, 2, org_id);
    bind_text(st, 3, event);
    bind_text(st, 4, buf_str(&body));
    bind_int(st, 5, now);
    if (dispatched)
        bind_int(st, 6, now);
    else
        bind_null(st, 6);
    rc = stmt_exec(c, st, err);
    buf_cleanup(&body);
    return rc;
}

int
outbox_add(struct conn *c, const char *org_id, const char *event, const char *data, size_t len,
           int64_t now, struct arena *a, struct err *err)
{
    bool wanted;
    const char *event_id;

    if (outbox_wanted(c, org_id, event, &wanted, err))
        return -1;
    if (!wanted)
        return 0;
    return event_insert(c, org_id, event, data, len, now, false, &event_id, a, err);
}

int
outbox_deleted(struct conn *c, const char *org_id, const char *event, const char *id,
               struct arena *a, struct err *err)
{
    struct buf data;
    int rc;

    buf_init(&data, 256);
    buf_puts(&data, "{\"id\":");
    json_escape_into(&data, id, strlen(id));
    buf_puts(&data, "}");
    rc = outbox_add(c, org_id, event, buf_str(&data), data.len, clock_now(), a, err);
    buf_cleanup(&data);
    return rc;
}

int
outbox_project(struct conn *c, const char *org_id, const struct project *p, struct arena *a,
               struct err *err)
{
    struct buf data;
    struct jsonw w;
    bool wanted;
    int rc;

    if (outbox_wanted(c, org_id, "project.created", &wanted, err))
        return -1;
    if (!wanted)
        return 0;
    buf_init(&data, EVENT_BODY_MAX);
    jsonw_init(&w, &data);
    project_to_json(&w, p);
    rc = outbox_add(c, org_id, "project.created", buf_str(&data), data.len, clock_now(), a, err);
    buf_cleanup(&data);
    return rc;
}

/* scan.completed / scan.failed: the scan as GET /scans/{id} shows it (store_scan_to_json). */
int
outbox_scan(struct conn *c, const char *id, struct arena *a, struct err *err)
{
    struct store_scan s;
    const char *event;
    struct buf data;
    struct jsonw w;
    bool wanted;
    int rc;

    if (scan_row_by_id(c, id, &s, a, err))
        return err->code == ERR_NOT_FOUND ? (err_clear(err), 0) : -1;
    if (s.status == STORE_SCAN_COMPLETE)
        event = "scan.completed";
    else if (s.status == STORE_SCAN_FAILED)
        event = "scan.failed";
    else
        return 0; /* cancelled: no event of its own */
    buf_init(&data, EVENT_BODY_MAX);
    jsonw_init(&w, &data);
    store_scan_to_json(&w, &s); /* the scan as GET /scans/{id} shows it */
    rc = outbox_wanted(c, s.org_id, event, &wanted, err);
    if (rc == 0 && wanted)
        rc = outbox_add(c, s.org_id, event, buf_str(&data), data.len, clock_now(), a, err);
    buf_cleanup(&data);
    return rc;
}

/* ---- endpoints (bound) ------------------------------------------------------------------ */

int
store_webhook_create(struct db *db, const struct webhook *in, struct webhook *out, struct err *err)
{
    struct conn *c;
    struct webhook row = *in;
    struct stmt *st;

    if (!in->secret)
        return err_field(err, "secret", "is required");
    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    row.id = id_new(db->arena, "wh_");
    row.org_id = db->org_id;
    row.created_at = row.updated_at = clock_now();
    row.failing_since = 0;
    row.disabled_reason = NULL;
    row.previous_secret_expires_at = 0;
    row.present = 0;
    st = stmt_get(c,
                  "INSERT INTO webhooks (id, org_id, url, events, secret, active, description,"
                  " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, row.id);
    bind_text(st, 2, db->org_id);
    bind_text(st, 3, row.url);
    bind_text(st, 4, strings_to_json(row.events, row.n_events, db->arena));
    bind_text(st, 5, row.secret);
    bind_int(st, 6, row.active);
    bind_text(st, 7, row.description);
    bind_int(st, 8, row.created_at);
    if (stmt_exec(c, st, err) || tx_commit(c, err))
        goto fail;
    *out = row;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_webhook_get(struct db *db, const char *id, struct webhook *out, struct err *err)
{
    struct conn *c = db_conn(db, err);

    if (!c || store_fault_check(err))
        return -1;
    if (row_load(c, WEBHOOK_SELECT, db->org_id, id, read_webhook, out, db->arena, "webhook", err))
        return -1;
    out->org_id = db->org_id;
    return 0;
}

int
store_webhook_update(struct db *db, const char *id, const struct webhook *in, struct webhook *out,
                     struct err *err)
{
    struct conn *c;
    struct webhook row;
    struct stmt *st;
    bool was_active;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    if (row_load(c, WEBHOOK_SELECT, db->org_id, id, read_webhook, &row, db->arena, "webhook", err))
        goto fail;
    was_active = row.active;
    if (in->present & WEBHOOK_F_URL)
        row.url = in->url;
    if (in->present & WEBHOOK_F_EVENTS) {
        row.events = in->events;
        row.n_events = in->n_events;
    }
    if (in->present & WEBHOOK_F_DESCRIPTION)
        row.description = in->description;
    if (in->present & WEBHOOK_F_ACTIVE)
        row.active = in->active;
    if (row.active && !was_active) {
        /* Turned back on by a person: the failure streak that switched it off is over. */
        row.failing_since = 0;
        row.disabled_reason = NULL;
    }
    row.updated_at = clock_now();
    st = stmt_get(c,
                  "UPDATE webhooks SET url = ?3, events = ?4, active = ?5, description = ?6,"
                  " failing_since = ?7, disabled_reason = ?8, updated_at = ?9"
                  " WHERE org_id = ?1 AND id = ?2",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, id);
    bind_text(st, 3, row.url);
    bind_text(st, 4, strings_to_json(row.events, row.n_events, db->arena));
    bind_int(st, 5, row.active);
    bind_text(st, 6, row.description);
    bind_int(st, 7, row.failing_since);
    bind_text(st, 8, row.disabled_reason);
    bind_int(st, 9, row.updated_at);
    if (stmt_exec(c, st, err) || tx_commit(c, err))
        goto fail;
    row.org_id = db->org_id;
    *out = row;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_webhook_delete(struct db *db, const char *id, struct err *err)
{
    struct conn *c;
    struct stmt *st;
    int changes = 0;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    /* The attempts go with their deliveries (ON DELETE CASCADE), which go with the endpoint. */
    st = stmt_get(c,
                  "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM"
                  " webhook_deliveries WHERE org_id = ?1 AND webhook_id = ?2)",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, id);
    if (stmt_exec(c, st, err))
        goto fail;
    st = stmt_get(c, "DELETE FROM webhook_deliveries WHERE org_id = ?1 AND webhook_id = ?2", err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, id);
    if (stmt_exec(c, st, err))
        goto fail;
    st = stmt_get(c, "DELETE FROM webhooks WHERE org_id = ?1 AND id = ?2", err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, id);
    if (exec_changes(c, st, &changes, err))
        goto fail;
    if (changes == 0) {
        err_set(err, NOT_FOUND, "The webhook was not found.");
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
store_webhook_list(struct db *db, const struct store_list *q, struct store_page *page,
                   struct err *err)
{
    void *items;

    if (list_bound(db, &list_webhooks, q, sizeof(struct webhook), read_webhook, page, &items, err))
        return -1;
    page->webhooks = items;
    for (size_t i = 0; i < page->n; i++)
        page->webhooks[i].org_id = db->org_id;
    return 0;
}

int
store_webhook_rotate(struct db *db, const char *id, const char *new_secret,
                     int64_t previous_expires_at, struct webhook *out, struct err *err)
{
    struct conn *c;
    struct webhook row;
    struct stmt *st;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    if (row_load(c, WEBHOOK_SELECT, db->org_id, id, read_webhook, &row, db->arena, "webhook", err))
        goto fail;
    row.updated_at = clock_now();
    row.previous_secret_expires_at = previous_expires_at;
    st = stmt_get(c,
                  "UPDATE webhooks SET previous_secret = secret, previous_secret_expires_at = ?3,"
                  " secret = ?4, updated_at = ?5 WHERE org_id = ?1 AND id = ?2",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, id);
    bind_int(st, 3, previous_expires_at);
    bind_text(st, 4, new_secret);
    bind_int(st, 5, row.updated_at);
    if (stmt_exec(c, st, err) || tx_commit(c, err))
        goto fail;
    row.org_id = db->org_id;
    row.secret = arena_strdup(db->arena, new_secret);
    *out = row;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_webhook_ping(struct db *db, const char *id, struct store_delivery *out, struct err *err)
{
    struct conn *c;
    struct webhook row;
    const char *event_id;
    struct buf data;
    int64_t now = clock_now();

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    if (row_load(c, WEBHOOK_SELECT, db->org_id, id, read_webhook, &row, db->arena, "webhook", err))
        goto fail;
    if (!row.active) {
        err_set(err, CONFLICT, "The webhook is not active: activate it (PATCH active true) first.");
        goto fail;
    }
    buf_init(&data, 256);
    buf_puts(&data, "{\"webhook_id\":");
    json_escape_into(&data, id, strlen(id));
    buf_puts(&data, "}");
    /* Dispatched at once: a ping goes to this endpoint only, whatever it subscribes to. */
    if (event_insert(c, db->org_id, "ping", buf_str(&data), data.len, now, true, &event_id,
                     db->arena, err)) {
        buf_cleanup(&data);
        goto fail;
    }
    buf_cleanup(&data);
    if (delivery_insert(c, db->org_id, id, event_id, "ping", now, out, db->arena, err) ||
        tx_commit(c, err))
        goto fail;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

/* The attempt log of delivery `id`, oldest first, inside the caller's transaction. */
static int
attempts_load(struct conn *c, struct store_delivery *d, struct arena *a, struct err *err)
{
    struct stmt *st = stmt_get(c,
                               "SELECT attempt, at, status_code, latency_ms, error, response"
                               " FROM webhook_attempts WHERE delivery_id = ?1 ORDER BY attempt",
                               err);
    size_t cap = 0;
    int step;

    if (!st)
        return -1;
    d->log = NULL;
    d->n_log = 0;
    bind_text(st, 1, d->id);
    while ((step = stmt_step(st)) == ST_ROW) {
        struct store_attempt *t;

        if (d->n_log == cap) {
            struct store_attempt *grown;

            cap = cap ? cap * 2 : 8;
            grown = arena_calloc(a, cap, sizeof(*grown));
            if (d->n_log)
                memcpy(grown, d->log, d->n_log * sizeof(*grown));
            d->log = grown;
        }
        t = &d->log[d->n_log++];
        t->attempt = (int)col_int(st, 0);
        t->at = col_int(st, 1);
        t->status_code = (int)col_int(st, 2);
        t->latency_ms = col_int(st, 3);
        t->error = col_text(st, 4, a);
        t->response = col_text(st, 5, a);
    }
    stmt_reset(st);
    if (step != ST_DONE)
        return sql_fail(c, step, "attempts", err);
    return 0;
}

int
store_webhook_deliveries(struct db *db, const char *webhook_id, const struct store_list *q,
                         struct store_page *page, struct err *err)
{
    struct conn *c;
    bool found;
    void *items;
    size_t n;
    int64_t total;

    memset(page, 0, sizeof(*page));
    if (!(c = db_conn(db, err)) || tx_begin(c, false, err))
        return -1;
    if (row_exists(c, "SELECT 1 FROM webhooks WHERE org_id = ?1 AND id = ?2", db->org_id,
                   webhook_id, &found, err))
        goto fail;
    if (!found) {
        err_set(err, NOT_FOUND, "The webhook was not found.");
        goto fail;
    }
    if (list_run(c, &list_webhook_deliveries, db->org_id, q, sizeof(struct store_delivery),
                 read_delivery, db->arena, &items, &n, &total, err))
        goto fail;
    page->deliveries = items;
    page->n = n;
    page->total = total;
    for (size_t i = 0; i < n; i++)
        if (attempts_load(c, &page->deliveries[i], db->arena, err))
            goto fail;
    if (tx_commit(c, err))
        return -1;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_webhook_redeliver(struct db *db, const char *webhook_id, const char *delivery_id,
                        struct store_delivery *out, struct err *err)
{
    struct conn *c;
    struct webhook hook;
    struct store_delivery d;
    const char *job_id, *payload;
    struct stmt *st;
    int64_t now = clock_now();

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    if (row_load(c, WEBHOOK_SELECT, db->org_id, webhook_id, read_webhook, &hook, db->arena,
                 "webhook", err) ||
        row_load(c, DELIVERY_SELECT, db->org_id, delivery_id, read_delivery, &d, db->arena,
                 "delivery", err))
        goto fail;
    if (strcmp(d.webhook_id, webhook_id) != 0) {
        err_set(err, NOT_FOUND, "The delivery was not found.");
        goto fail;
    }
    if (d.status == STORE_DELIVERY_PENDING) {
        err_set(err, CONFLICT, "The delivery is still pending: it will be retried on its own.");
        goto fail;
    }
    if (!hook.active) {
        err_set(err, CONFLICT, "The webhook is not active: activate it (PATCH active true) first.");
        goto fail;
    }
    payload = arena_printf(db->arena, "{\"delivery_id\":\"%s\"}", d.id);
    if (job_insert(c, db->org_id, payload, now, now, &job_id, db->arena, err))
        goto fail;
    st = stmt_get(c,
                  "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?3,"
                  " job_id = ?4, updated_at = ?3 WHERE org_id = ?1 AND id = ?2",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, d.id);
    bind_int(st, 3, now);
    bind_text(st, 4, job_id);
    if (stmt_exec(c, st, err) || attempts_load(c, &d, db->arena, err) || tx_commit(c, err))
        goto fail;
    d.status = STORE_DELIVERY_PENDING;
    d.next_attempt_at = now;
    d.updated_at = now;
    *out = d;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

/* ---- workers (unbound) ------------------------------------------------------------------ */

/* Fans out one event inside the caller's transaction. */
static int
dispatch_one(struct conn *c, const char *event_id, const char *org_id, const char *event,
             int64_t now, struct arena *a, struct err *err)
{
    struct stmt *st = stmt_get(c,
                               "SELECT w.id FROM webhooks w WHERE w.org_id = ?1 AND w.active = 1"
                               " AND EXISTS (SELECT 1 FROM json_each(w.events) e"
                               " WHERE e.value = ?2 OR e.value = '*') ORDER BY w.seq",
                               err);
    const char **hooks = NULL;
    size_t n = 0, cap = 0;
    int step;

    if (!st)
        return -1;
    bind_text(st, 1, org_id);
    bind_text(st, 2, event);
    while ((step = stmt_step(st)) == ST_ROW) {
        if (n == cap) {
            const char **grown;

            cap = cap ? cap * 2 : 8;
            grown = arena_calloc(a, cap, sizeof(*grown));
            if (n)
                memcpy(grown, hooks, n * sizeof(*grown));
            hooks = grown;
        }
        hooks[n++] = col_text(st, 0, a);
    }
    stmt_reset(st);
    if (step != ST_DONE)
        return sql_fail(c, step, "dispatch", err);
    for (size_t i = 0; i < n; i++)
        if (delivery_insert(c, org_id, hooks[i], event_id, event, now, NULL, a, err))
            return -1;
    st = stmt_get(c, "UPDATE webhook_events SET dispatched_at = ?2 WHERE id = ?1", err);
    if (!st)
        return -1;
    bind_text(st, 1, event_id);
    bind_int(st, 2, now);
    return stmt_exec(c, st, err);
}

int
store_webhook_dispatch(struct store *store, int64_t now, size_t limit, size_t *n, struct err *err)
{
    struct arena *a;
    struct stmt *st;
    bool any;
    int step, rc = -1;

    *n = 0;
    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    /* The common case, nothing to fan out, costs one indexed read and no write transaction. */
    st = stmt_get(c, "SELECT 1 FROM webhook_events WHERE dispatched_at IS NULL LIMIT 1", err);
    if (!st) {
        conn_release(store, c);
        return -1;
    }
    step = stmt_step(st);
    stmt_reset(st);
    any = step == ST_ROW;
    if (step != ST_ROW && step != ST_DONE) {
        sql_fail(c, step, "dispatch", err);
        conn_release(store, c);
        return -1;
    }
    if (!any) {
        conn_release(store, c);
        return 0;
    }
    a = arena_new();
    if (tx_begin(c, true, err))
        goto done;
    st = stmt_get(c,
                  "SELECT id, org_id, event FROM webhook_events WHERE dispatched_at IS NULL"
                  " ORDER BY seq LIMIT ?1",
                  err);
    if (!st)
        goto done;
    bind_int(st, 1, (int64_t)limit);
    {
        const char **ids = arena_calloc(a, limit, sizeof(*ids));
        const char **orgs = arena_calloc(a, limit, sizeof(*orgs));
        const char **events = arena_calloc(a, limit, sizeof(*events));
        size_t k = 0;

        while (k < limit && (step = stmt_step(st)) == ST_ROW) {
            ids[k] = col_text(st, 0, a);
            orgs[k] = col_text(st, 1, a);
            events[k] = col_text(st, 2, a);
            k++;
        }
        stmt_reset(st);
        if (step != ST_ROW && step != ST_DONE) {
            sql_fail(c, step, "dispatch", err);
            goto done;
        }
        for (size_t i = 0; i < k; i++)
            if (dispatch_one(c, ids[i], orgs[i], events[i], now, a, err))
                goto done;
        if (tx_commit(c, err))
            goto done;
        *n = k;
    }
    rc = 0;
done:
    tx_rollback(c);
    conn_release(store, c);
    arena_free(a);
    return rc;
}

int
store_webhook_send_load(struct store *store, const char *job_payload, int64_t now,
                        struct arena *arena, struct store_webhook_send *out, struct err *err)
{
    const char *prefix = "{\"delivery_id\":\"";
    char id[ID_MAX];
    const char *p, *end;
    struct stmt *st;
    int step, rc = -1;

    memset(out, 0, sizeof(*out));
    /* The payload is ours ({"delivery_id":"dlv_..."}), written by delivery_insert. */
    if (!job_payload || strncmp(job_payload, prefix, strlen(prefix)) != 0)
        return err_set(err, NOT_FOUND, "The delivery was not found.");
    p = job_payload + strlen(prefix);
    end = strchr(p, '"');
    if (!end || (size_t)(end - p) >= sizeof(id))
        return err_set(err, NOT_FOUND, "The delivery was not found.");
    memcpy(id, p, (size_t)(end - p));
    id[end - p] = '\0';
    out->delivery_id = arena_strdup(arena, id);
    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    if (tx_begin(c, false, err))
        goto done;
    st = stmt_get(c,
                  "SELECT d.org_id, d.webhook_id, d.event_id, d.event, d.status, d.attempts,"
                  " w.url, w.secret, w.previous_secret, w.previous_secret_expires_at, w.active,"
                  " e.body FROM webhook_deliveries d"
                  " JOIN webhooks w ON w.org_id = d.org_id AND w.id = d.webhook_id"
                  " JOIN webhook_events e ON e.id = d.event_id WHERE d.id = ?1",
                  err);
    if (!st)
        goto done;
    bind_text(st, 1, id);
    step = stmt_step(st);
    if (step == ST_ROW) {
        out->org_id = col_text(st, 0, arena);
        out->webhook_id = col_text(st, 1, arena);
        out->message_id = col_text(st, 2, arena);
        out->event = col_text(st, 3, arena);
        out->attempt = (int)col_int(st, 5) + 1;
        out->url = col_text(st, 6, arena);
        out->secret = col_text(st, 7, arena);
        if (col_int(st, 9) > now)
            out->previous_secret = col_text(st, 8, arena);
        out->body = col_text(st, 11, arena);
        out->body_len = col_bytes(st, 11);
        if (strcmp(col_raw_text(st, 4), "pending") != 0)
            out->skip = "the delivery is already settled";
        else if (!col_int(st, 10))
            out->skip = "the endpoint is not active";
    } else if (step == ST_DONE) {
        out->skip = "the delivery or its endpoint was deleted";
    }
    stmt_reset(st);
    if (step != ST_ROW && step != ST_DONE) {
        sql_fail(c, step, "delivery", err);
        goto done;
    }
    if (tx_commit(c, err))
        goto done;
    rc = 0;
done:
    tx_rollback(c);
    conn_release(store, c);
    return rc;
}

/* Settles the job `owner` holds: done/failed, or queued again at run_after. CONFLICT when the
 * owner lost it. *requeued says which when run_after > 0. */
static int
job_settle(struct conn *c, const char *job_id, const char *owner, bool ok, int64_t run_after,
           const char *error, int64_t now, bool *requeued, struct err *err)
{
    struct stmt *st;
    int step;

    *requeued = false;
    if (run_after > 0)
        st = stmt_get(c,
                      "UPDATE jobs SET last_error = ?4, lease_owner = NULL, lease_expires_at = 0,"
                      " updated_at = ?5,"
                      " state = CASE WHEN attempts < max_attempts THEN 'queued' ELSE 'failed' END,"
                      " run_after = CASE WHEN attempts < max_attempts THEN ?3 ELSE run_after END,"
                      " finished_at = CASE WHEN attempts < max_attempts THEN 0 ELSE ?5 END"
                      " WHERE id = ?1 AND lease_owner = ?2 AND state = 'running'"
                      " RETURNING state = 'queued'",
                      err);
    else
        st = stmt_get(c,
                      "UPDATE jobs SET state = ?3, last_error = ?4, lease_owner = NULL,"
                      " finished_at = ?5, updated_at = ?5"
                      " WHERE id = ?1 AND lease_owner = ?2 AND state = 'running' RETURNING 0",
                      err);
    if (!st)
        return -1;
    bind_text(st, 1, job_id);
    bind_text(st, 2, owner);
    if (run_after > 0)
        bind_int(st, 3, run_after);
    else
        bind_text(st, 3, ok ? "done" : "failed");
    bind_text(st, 4, error);
    bind_int(st, 5, now);
    step = stmt_step(st);
    if (step == ST_ROW)
        *requeued = (int)col_int(st, 0) != 0;
    stmt_reset(st);
    if (step == ST_DONE)
        return err_set(err, CONFLICT, "The job is no longer held by this worker.");
    if (step != ST_ROW)
        return sql_fail(c, step, "job settle", err);
    return 0;
}

/* The endpoint's side of an attempt: failure streak, deactivation. */
static int
endpoint_after(struct conn *c, const struct store_webhook_send *s,
               const struct store_webhook_outcome *o, int64_t now, bool *disabled,
               const char **reason, struct arena *a, struct err *err)
{
    struct stmt *st;
    int64_t failing_since = 0;
    int step;

    if (o->success) {
        st = stmt_get(c,
                      "UPDATE webhooks SET failing_since = 0 WHERE org_id = ?1 AND id = ?2"
                      " AND failing_since != 0",
                      err);
        if (!st)
            return -1;
        bind_text(st, 1, s->org_id);
        bind_text(st, 2, s->webhook_id);
        return stmt_exec(c, st, err);
    }
    st = stmt_get(c,
                  "UPDATE webhooks SET failing_since = CASE WHEN failing_since = 0 THEN ?3"
                  " ELSE failing_since END WHERE org_id = ?1 AND id = ?2 RETURNING failing_since,"
                  " active",
                  err);
    if (!st)
        return -1;
    bind_text(st, 1, s->org_id);
    bind_text(st, 2, s->webhook_id);
    bind_int(st, 3, o->attempt.at ? o->attempt.at : now);
    step = stmt_step(st);
    if (step == ST_ROW && (int)col_int(st, 1))
        failing_since = col_int(st, 0);
    stmt_reset(st);
    if (step != ST_ROW && step != ST_DONE)
        return sql_fail(c, step, "endpoint", err);
    if (failing_since == 0)
        return 0; /* deleted or already inactive */
    if (o->gone)
        *reason = arena_strdup(a, "the endpoint answered 410 Gone");
    else if (o->disable_after > 0 && now - failing_since >= o->disable_after)
        *reason = arena_printf(a, "every delivery failed for %lld days",
                               (long long)(o->disable_after / 86400));
    if (!*reason)
        return 0;
    st = stmt_get(c,
                  "UPDATE webhooks SET active = 0, disabled_reason = ?3, updated_at = ?4"
                  " WHERE org_id = ?1 AND id = ?2",
                  err);
    if (!st)
        return -1;
    bind_text(st, 1, s->org_id);
    bind_text(st, 2, s->webhook_id);
    bind_text(st, 3, *reason);
    bind_int(st, 4, now);
    *disabled = true;
    return stmt_exec(c, st, err);
}

/* Writes one attempt and its consequences inside the caller's transaction (see
 * store_webhook_attempt_record). */
static int
record_one(struct conn *c, const char *owner, struct store_webhook_record *r, int64_t now,
           struct arena *arena, struct err *err)
{
    const struct store_webhook_send *s = r->send;
    const struct store_webhook_outcome *o = r->outcome;
    bool requeued = false;
    const char *status;
    struct stmt *st;

    if (!o) {
        /* A pending delivery that will not be sent (its endpoint was switched off) ends as
         * failed, so the log does not show it waiting forever; redelivery can send it. */
        if (job_settle(c, r->job_id, owner, true, 0, s->skip, now, &requeued, err))
            return -1;
        if (!s->delivery_id)
            return 0;
        st = stmt_get(c,
                      "UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = 0,"
                      " updated_at = ?2 WHERE id = ?1 AND status = 'pending'",
                      err);
        if (!st)
            return -1;
        bind_text(st, 1, s->delivery_id);
        bind_int(st, 2, now);
        return stmt_exec(c, st, err);
    }
    if (job_settle(c, r->job_id, owner, o->success, o->success || o->gone ? 0 : o->retry_at,
                   o->attempt.error, now, &requeued, err))
        return -1;
    st = stmt_get(c,
                  "INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, latency_ms,"
                  " error, response) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                  err);
    if (!st)
        return -1;
    bind_text(st, 1, s->delivery_id);
    bind_int(st, 2, s->attempt);
    bind_int(st, 3, o->attempt.at);
    if (o->attempt.status_code > 0)
        bind_int(st, 4, o->attempt.status_code);
    else
        bind_null(st, 4);
    bind_int(st, 5, o->attempt.latency_ms);
    bind_text(st, 6, o->attempt.error);
    bind_text(st, 7, o->attempt.response);
    if (stmt_exec(c, st, err) || endpoint_after(c, s, o, now, &r->disabled, &r->reason, arena, err))
        return -1;
    status = o->success ? "succeeded" : (requeued && !r->disabled) ? "pending" : "failed";
    st = stmt_get(c,
                  "UPDATE webhook_deliveries SET status = ?2, attempts = ?3, next_attempt_at = ?4,"
                  " updated_at = ?5 WHERE id = ?1",
                  err);
    if (!st)
        return -1;
    bind_text(st, 1, s->delivery_id);
    bind_text(st, 2, status);
    bind_int(st, 3, s->attempt);
    bind_int(st, 4, strcmp(status, "pending") == 0 ? o->retry_at : 0);
    bind_int(st, 5, now);
    if (stmt_exec(c, st, err))
        return -1;
    if (r->disabled && requeued) {
        /* The endpoint is off: its retry will not be sent. */
        st = stmt_get(c,
                      "UPDATE jobs SET state = 'cancelled', finished_at = ?2, updated_at = ?2"
                      " WHERE id = ?1 AND state = 'queued'",
                      err);
        if (!st)
            return -1;
        bind_text(st, 1, r->job_id);
        bind_int(st, 2, now);
        if (stmt_exec(c, st, err))
            return -1;
    }
    return 0;
}

int
store_webhook_attempts_record(struct store *store, const char *owner,
                              struct store_webhook_record *items, size_t n, int64_t now,
                              struct arena *arena, struct err *err)
{
    int rc = -1;

    for (size_t i = 0; i < n; i++) {
        items[i].disabled = false;
        items[i].reason = NULL;
        items[i].lost = false;
    }
    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    for (size_t i = 0; i < n; i++) {
        struct err item_err = {0};

        /* Each item in a savepoint of its own: a lost lease drops that item alone. */
        if (exec_savepoint(c, "SAVEPOINT wh_item", err))
            goto done;
        if (record_one(c, owner, &items[i], now, arena, &item_err)) {
            if (exec_savepoint(c, "ROLLBACK TO wh_item", err) ||
                exec_savepoint(c, "RELEASE wh_item", err))
                goto done;
            items[i].disabled = false;
            items[i].reason = NULL;
            if (item_err.code != ERR_CONFLICT) {
                *err = item_err;
                goto done;
            }
            items[i].lost = true;
            continue;
        }
        if (exec_savepoint(c, "RELEASE wh_item", err))
            goto done;
    }
    if (tx_commit(c, err))
        goto done;
    rc = 0;
done:
    tx_rollback(c);
    conn_release(store, c);
    return rc;
}

int
store_webhook_attempt_record(struct store *store, const char *job_id, const char *owner,
                             const struct store_webhook_send *s,
                             const struct store_webhook_outcome *o, int64_t now, bool *disabled,
                             const char **reason, struct arena *arena, struct err *err)
{
    struct store_webhook_record r = {.job_id = job_id, .send = s, .outcome = o};

    if (disabled)
        *disabled = false;
    if (reason)
        *reason = NULL;
    if (store_webhook_attempts_record(store, owner, &r, 1, now, arena, err))
        return -1;
    if (r.lost)
        return err_set(err, CONFLICT, "The job is no longer held by this worker.");
    if (disabled)
        *disabled = r.disabled;
    if (reason)
        *reason = r.reason;
    return 0;
}

int
store_webhook_claim(struct store *store, const char *owner, int64_t now, int lease_seconds,
                    size_t max, struct arena *arena, struct store_job *jobs, size_t *n,
                    struct err *err)
{
    struct stmt *st;
    int step, rc = -1;

    *n = 0;
    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    /* Nothing due is the common case: answer it with a read, not a write transaction. */
    st = stmt_get(c,
                  "SELECT 1 FROM jobs WHERE kind = ?1 AND ((state = 'queued' AND run_after <= ?2)"
                  " OR (state = 'running' AND lease_expires_at <= ?2)) LIMIT 1",
                  err);
    if (!st)
        goto done;
    bind_text(st, 1, STORE_WEBHOOK_JOB_KIND);
    bind_int(st, 2, now);
    step = stmt_step(st);
    stmt_reset(st);
    if (step == ST_DONE) {
        rc = 0;
        goto done;
    }
    if (step != ST_ROW) {
        sql_fail(c, step, "claim", err);
        goto done;
    }
    /* No writer lock on PostgreSQL: the claim locks the jobs it takes (SKIP LOCKED below),
     * so delivery workers of several processes claim different jobs at once. */
    if (tx_begin_row_locked(c, err))
        goto done;
    /* An abandoned lease on the last attempt is not run again: job and delivery fail. */
    st = stmt_get(c,
                  "UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = 0,"
                  " updated_at = ?2 WHERE status = 'pending' AND job_id IN (SELECT id FROM jobs"
                  " WHERE kind = ?1 AND state = 'running' AND lease_expires_at <= ?2"
                  " AND attempts >= max_attempts)",
                  err);
    if (!st)
        goto done;
    bind_text(st, 1, STORE_WEBHOOK_JOB_KIND);
    bind_int(st, 2, now);
    if (stmt_exec(c, st, err))
        goto done;
    st = stmt_get(c,
                  "UPDATE jobs SET state = 'failed', lease_owner = NULL, finished_at = ?2,"
                  " updated_at = ?2, last_error = 'worker lost: the lease expired on the last"
                  " attempt' WHERE kind = ?1 AND state = 'running' AND lease_expires_at <= ?2"
                  " AND attempts >= max_attempts",
                  err);
    if (!st)
        goto done;
    bind_text(st, 1, STORE_WEBHOOK_JOB_KIND);
    bind_int(st, 2, now);
    if (stmt_exec(c, st, err))
        goto done;
#define WEBHOOK_CLAIM(lock)                                                                        \
    "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?2,"                \
    " lease_expires_at = ?3 + ?4, updated_at = ?3 WHERE id IN (SELECT j.id FROM"                   \
    " jobs j WHERE j.kind = ?1 AND ((j.state = 'queued' AND j.run_after <= ?3)"                    \
    " OR (j.state = 'running' AND j.lease_expires_at <= ?3))"                                      \
    " ORDER BY j.run_after, j.created_at, j.id LIMIT ?5" lock ")"                                  \
    " RETURNING id, org_id, payload, attempts, max_attempts, run_after"
    st = stmt_get(c, SQL_FOR(c, WEBHOOK_CLAIM(""), WEBHOOK_CLAIM(" FOR UPDATE SKIP LOCKED")), err);
#undef WEBHOOK_CLAIM
    if (!st)
        goto done;
    bind_text(st, 1, STORE_WEBHOOK_JOB_KIND);
    bind_text(st, 2, owner);
    bind_int(st, 3, now);
    bind_int(st, 4, lease_seconds);
    bind_int(st, 5, (int64_t)max);
    while (*n < max && (step = stmt_step(st)) == ST_ROW) {
        struct store_job *j = &jobs[(*n)++];

        memset(j, 0, sizeof(*j));
        j->id = col_text(st, 0, arena);
        j->org_id = col_text(st, 1, arena);
        j->kind = STORE_WEBHOOK_JOB_KIND;
        j->payload = col_text(st, 2, arena);
        j->state = STORE_JOB_RUNNING;
        j->attempts = (int)col_int(st, 3);
        j->max_attempts = (int)col_int(st, 4);
        j->run_after = col_int(st, 5);
        j->lease_owner = arena_strdup(arena, owner);
        j->lease_expires_at = now + lease_seconds;
    }
    if (*n < max && step != ST_DONE) {
        stmt_reset(st);
        *n = 0;
        sql_fail(c, step, "claim", err);
        goto done;
    }
    /* RETURNING rows all exist once the first is read; finish the statement. */
    while (step == ST_ROW)
        step = stmt_step(st);
    stmt_reset(st);
    if (tx_commit(c, err)) {
        *n = 0;
        goto done;
    }
    rc = 0;
done:
    tx_rollback(c);
    conn_release(store, c);
    return rc;
}

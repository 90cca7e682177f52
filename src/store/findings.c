/* SPDX-License-Identifier: MIT */
/* Findings: the derived fields (cvss_score, fingerprint, first_seen/last_seen, sla_due_at) are
 * computed here on every write from the stored row after the change, so they always agree with
 * it. Every status change, including the creation, is appended to finding_history in the same
 * transaction as the change itself. A risk acceptance lives in the row's accept_* columns while
 * the status is `accepted`; it is cleared with any status change and, once expired, by the
 * sweep (store_acceptances_expire) or by the next read of the finding, whichever comes first. */
#include "store/store_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/jsonw.h"
#include "model/cvss.h"
#include "model/fingerprint.h"
#include "model/sla.h"

void
read_finding(struct stmt *st, void *item, struct arena *a)
{
    struct finding *f = item;
    int64_t sev = col_int(st, 5), conf = col_int(st, 7);

    f->id = col_text(st, 0, a);
    f->project_id = col_text(st, 1, a);
    f->asset_id = col_text(st, 2, a);
    f->scan_id = col_text(st, 3, a);
    f->title = col_text(st, 4, a);
    f->severity = sev >= 0 && sev < SEVERITY_COUNT ? (enum severity)sev : SEVERITY_INFO;
    if (finding_status_parse(col_raw_text(st, 6), &f->status) != 0)
        f->status = FINDING_OPEN;
    f->confidence = conf >= 0 && conf <= CONFIDENCE_HIGH ? (enum confidence)conf : CONFIDENCE_LOW;
    f->description = col_text(st, 8, a);
    f->remediation = col_text(st, 9, a);
    f->cvss_vector = col_text(st, 10, a);
    f->cvss_score = col_is_null(st, 11) ? -1 : col_double(st, 11);
    f->cwe = col_text(st, 12, a);
    f->owasp = col_text(st, 13, a);
    f->endpoint = col_text(st, 14, a);
    f->risk_score = (int)col_int(st, 15);
    f->check_id = col_text(st, 16, a);
    f->evidence.request = col_text(st, 17, a);
    f->evidence.response = col_text(st, 18, a);
    f->evidence.notes = col_text(st, 19, a);
    f->references = strings_from_json(col_raw_text(st, 20), &f->n_references, a);
    f->fingerprint = col_text(st, 21, a);
    f->first_seen = col_int(st, 22);
    f->last_seen = col_int(st, 23);
    f->created_at = col_int(st, 24);
    f->updated_at = col_int(st, 25);
    f->sla_due_at = col_is_null(st, 26) ? 0 : col_int(st, 26);
    f->acceptance.reason = col_text(st, 27, a);
    f->acceptance.expires_at = col_is_null(st, 28) ? 0 : col_int(st, 28);
    f->acceptance.by = col_text(st, 29, a);
    f->acceptance.accepted_at = col_is_null(st, 30) ? 0 : col_int(st, 30);
}

/* ---- SLA setting ------------------------------------------------------------------------ */

/* The organization's SLA days (the defaults when it set none) and when they were set (0:
 * never). */
static int
sla_load(struct conn *c, const char *org_id, struct finding_sla *out, int64_t *updated_at,
         struct err *err)
{
    struct stmt *st = stmt_get(c,
                               "SELECT critical_days, high_days, medium_days, low_days, updated_at"
                               " FROM finding_sla WHERE org_id = ?1",
                               err);
    int step;

    finding_sla_defaults(out);
    *updated_at = 0;
    if (!st)
        return -1;
    bind_text(st, 1, org_id);
    step = stmt_step(st);
    if (step == ST_ROW) {
        out->days[SEVERITY_CRITICAL] = (int)col_int(st, 0);
        out->days[SEVERITY_HIGH] = (int)col_int(st, 1);
        out->days[SEVERITY_MEDIUM] = (int)col_int(st, 2);
        out->days[SEVERITY_LOW] = (int)col_int(st, 3);
        *updated_at = col_int(st, 4);
    }
    stmt_reset(st);
    if (step != ST_ROW && step != ST_DONE)
        return sql_fail(c, step, "sla", err);
    return 0;
}

int
finding_sla_load(struct conn *c, const char *org_id, struct finding_sla *out, struct err *err)
{
    int64_t updated_at;

    return sla_load(c, org_id, out, &updated_at, err);
}

int
store_sla_get(struct db *db, struct finding_sla *out, int64_t *updated_at, struct err *err)
{
    struct conn *c = db_conn(db, err);

    if (!c || store_fault_check(err))
        return -1;
    return sla_load(c, db->org_id, out, updated_at, err);
}

int
store_sla_put(struct db *db, const struct finding_sla *in, struct err *err)
{
    struct conn *c;
    struct stmt *st;
    int64_t now = clock_now();

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    st = stmt_get(c,
                  "INSERT INTO finding_sla (org_id, critical_days, high_days, medium_days,"
                  " low_days, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                  " ON CONFLICT (org_id) DO UPDATE SET critical_days = excluded.critical_days,"
                  " high_days = excluded.high_days, medium_days = excluded.medium_days,"
                  " low_days = excluded.low_days, updated_at = excluded.updated_at",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_int(st, 2, in->days[SEVERITY_CRITICAL]);
    bind_int(st, 3, in->days[SEVERITY_HIGH]);
    bind_int(st, 4, in->days[SEVERITY_MEDIUM]);
    bind_int(st, 5, in->days[SEVERITY_LOW]);
    bind_int(st, 6, now);
    if (stmt_exec(c, st, err))
        goto fail;
    /* Every finding's due time follows the new setting in the same transaction, so a list
     * filtered on sla_breached never mixes the old days with the new. updated_at stays: the
     * findings themselves did not change. */
    st = stmt_get(c,
                  "UPDATE findings SET sla_due_at = CASE severity WHEN 4 THEN first_seen + ?2"
                  " WHEN 3 THEN first_seen + ?3 WHEN 2 THEN first_seen + ?4"
                  " WHEN 1 THEN first_seen + ?5 ELSE NULL END WHERE org_id = ?1",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_int(st, 2, (int64_t)in->days[SEVERITY_CRITICAL] * 86400);
    bind_int(st, 3, (int64_t)in->days[SEVERITY_HIGH] * 86400);
    bind_int(st, 4, (int64_t)in->days[SEVERITY_MEDIUM] * 86400);
    bind_int(st, 5, (int64_t)in->days[SEVERITY_LOW] * 86400);
    if (stmt_exec(c, st, err) || tx_commit(c, err))
        goto fail;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

#define FINDING_SELECT "SELECT " FINDING_COLUMNS " FROM findings WHERE org_id = ?1 AND id = ?2"

int
outbox_finding(struct conn *c, const char *org_id, const char *event, const char *id,
               struct arena *a, struct err *err)
{
    struct finding row = {0};
    struct buf data;
    struct jsonw w;
    bool wanted;
    int rc;

    if (outbox_wanted(c, org_id, event, &wanted, err))
        return -1;
    if (!wanted)
        return 0;
    /* Read back as stored, so the event shows exactly what a GET after the commit shows. */
    if (row_load(c, FINDING_SELECT, org_id, id, read_finding, &row, a, "finding", err))
        return -1;
    row.org_id = org_id;
    buf_init(&data, BUF_UNLIMITED);
    jsonw_init(&w, &data);
    finding_to_json(&w, &row);
    rc = outbox_add(c, org_id, event, buf_str(&data), data.len, clock_now(), a, err);
    buf_cleanup(&data);
    return rc;
}

/* Checks a finding as it will be stored and computes its derived fields. References to a
 * project or asset of another organization are reported like missing ones. */
static int
finding_prepare(struct conn *c, const char *org_id, struct finding *f,
                const struct finding_sla *sla, struct arena *a, struct err *err)
{
    bool found;
    char fp[FINGERPRINT_HEX_LEN + 1];

    if (!f->title || !*f->title)
        return err_field(err, "title", "is required");
    if (!f->project_id)
        return err_field(err, "project_id", "is required");
    if (row_exists(c, "SELECT 1 FROM projects WHERE org_id = ?1 AND id = ?2", org_id, f->project_id,
                   &found, err))
        return -1;
    if (!found)
        return err_field(err, "project_id", "does not name a project");
    if (f->asset_id) {
        struct stmt *st =
            stmt_get(c, "SELECT project_id FROM assets WHERE org_id = ?1 AND id = ?2", err);
        int step;
        bool same = false;

        if (!st)
            return -1;
        bind_text(st, 1, org_id);
        bind_text(st, 2, f->asset_id);
        step = stmt_step(st);
        if (step == ST_ROW)
            same = strcmp(col_raw_text(st, 0), f->project_id) == 0;
        stmt_reset(st);
        if (step != ST_ROW && step != ST_DONE)
            return sql_fail(c, step, "asset", err);
        if (step == ST_DONE)
            return err_field(err, "asset_id", "does not name an asset");
        if (!same)
            return err_field(err, "asset_id", "names an asset of another project");
    }
    f->cvss_score = -1;
    if (f->cvss_vector) {
        char why[128];
        double score;

        if (cvss_base_score(f->cvss_vector, &score, why, sizeof(why)) != 0)
            return err_field(err, "cvss_vector", "is not a valid CVSS v3 vector: %s", why);
        f->cvss_score = score;
    }
    if (finding_fingerprint(f, fp) != 0)
        return err_internal(err, "fingerprint: hashing failed");
    f->fingerprint = arena_strdup(a, fp);
    if (!sla) {
        struct finding_sla *own = arena_alloc(a, sizeof(*own));

        if (finding_sla_load(c, org_id, own, err))
            return -1;
        sla = own;
    }
    f->sla_due_at = finding_sla_due(sla, f->severity, f->first_seen);
    return 0;
}

static void
bind_time_or_null(struct stmt *st, int i, int64_t t)
{
    if (t)
        bind_int(st, i, t);
    else
        bind_null(st, i);
}

static void
finding_bind(struct stmt *st, const char *org_id, const struct finding *f, struct arena *a)
{
    bind_text(st, 1, org_id);
    bind_text(st, 2, f->id);
    bind_text(st, 3, f->project_id);
    bind_text(st, 4, f->asset_id);
    bind_text(st, 5, f->scan_id);
    bind_text(st, 6, f->title);
    bind_int(st, 7, (int64_t)f->severity);
    bind_text(st, 8, finding_status_name(f->status));
    bind_int(st, 9, (int64_t)f->confidence);
    bind_text(st, 10, f->description);
    bind_text(st, 11, f->remediation);
    bind_text(st, 12, f->cvss_vector);
    if (f->cvss_score >= 0)
        bind_double(st, 13, f->cvss_score);
    else
        bind_null(st, 13);
    bind_text(st, 14, f->cwe);
    bind_text(st, 15, f->owasp);
    bind_text(st, 16, f->endpoint);
    bind_int(st, 17, f->risk_score);
    bind_text(st, 18, f->check_id);
    bind_text(st, 19, f->evidence.request);
    bind_text(st, 20, f->evidence.response);
    bind_text(st, 21, f->evidence.notes);
    bind_text(st, 22, strings_to_json(f->references, f->n_references, a));
    bind_text(st, 23, f->fingerprint);
    bind_int(st, 24, f->first_seen);
    bind_int(st, 25, f->last_seen);
    bind_int(st, 26, f->created_at);
    bind_int(st, 27, f->updated_at);
}

static int
finding_write(struct conn *c, const char *sql, const char *org_id, const struct finding *f,
              struct arena *a, struct err *err)
{
    struct stmt *st = stmt_get(c, sql, err);

    if (!st)
        return -1;
    finding_bind(st, org_id, f, a);
    bind_time_or_null(st, 28, f->sla_due_at);
    return stmt_exec(c, st, err);
}

int
history_insert(struct conn *c, const char *org_id, const char *finding_id, const char *from,
               const char *to, int64_t at, const char *actor, const char *note, struct err *err)
{
    struct stmt *st = stmt_get(c,
                               "INSERT INTO finding_history (org_id, finding_id, from_status,"
                               " to_status, at, actor, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               err);

    if (!st)
        return -1;
    bind_text(st, 1, org_id);
    bind_text(st, 2, finding_id);
    bind_text(st, 3, from);
    bind_text(st, 4, to);
    bind_int(st, 5, at);
    bind_text(st, 6, actor);
    bind_text(st, 7, note);
    return stmt_exec(c, st, err);
}

int
history_add(struct conn *c, struct db *db, const char *finding_id, const char *from, const char *to,
            int64_t at, struct err *err)
{
    return history_insert(c, db->org_id, finding_id, from, to, at, db->actor, NULL, err);
}

/* The insert of store_finding_create and of the ingest, inside the caller's transaction. The
 * ingest passes its source tags (source key, import id, source fingerprint) so they are written
 * with the row rather than by a second UPDATE; NULLs for a finding created by hand. */
int
finding_insert_sourced(struct db *db, struct conn *c, const struct finding *in,
                       const struct finding_source *src, struct finding *out, struct err *err)
{
    struct finding row = *in;
    struct stmt *st;

    row.id = id_new(db->arena, "find_");
    row.org_id = db->org_id;
    row.created_at = row.updated_at = clock_now();
    row.first_seen = row.last_seen = row.created_at;
    row.present = 0;
    if (finding_prepare(c, db->org_id, &row, src ? src->sla : NULL, db->arena, err))
        return -1;
    st = stmt_get(c,
                  "INSERT INTO findings (org_id, id, project_id, asset_id, scan_id, title,"
                  " severity, status, confidence, description, remediation, cvss_vector,"
                  " cvss_score, cwe, owasp, endpoint, risk_score, check_id, ev_request,"
                  " ev_response, ev_notes, refs, fingerprint, first_seen, last_seen,"
                  " created_at, updated_at, source_key, last_import_id, source_fingerprint,"
                  " sla_due_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
                  " ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28,"
                  " ?29, ?30, ?31)",
                  err);
    if (!st)
        return -1;
    finding_bind(st, db->org_id, &row, db->arena);
    bind_text(st, 28, src ? src->key : NULL);
    bind_text(st, 29, src ? src->import_id : NULL);
    bind_text(st, 30, src ? src->fingerprint : NULL);
    bind_time_or_null(st, 31, row.sla_due_at);
    if (stmt_exec(c, st, err) ||
        history_add(c, db, row.id, NULL, finding_status_name(row.status), row.created_at, err))
        return -1;
    *out = row;
    return 0;
}

int
finding_insert(struct db *db, struct conn *c, const struct finding *in, struct finding *out,
               struct err *err)
{
    return finding_insert_sourced(db, c, in, NULL, out, err);
}

int
store_finding_create(struct db *db, const struct finding *in, struct finding *out, struct err *err)
{
    struct conn *c;
    struct finding row;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    if (finding_insert(db, c, in, &row, err) ||
        outbox_finding(c, db->org_id, "finding.created", row.id, db->arena, err) ||
        tx_commit(c, err)) {
        tx_rollback(c);
        return -1;
    }
    *out = row;
    return 0;
}

/* ---- Risk acceptance and its expiry ----------------------------------------------------- */

#define ACCEPT_CLEAR                                                                               \
    " accept_reason = NULL, accept_expires_at = NULL, accept_by = NULL, accept_at = NULL"

/* How many expired acceptances one transaction reopens: the sweep loops over batches, so a
 * backlog never holds the writers for long. */
#define EXPIRE_BATCH 500

/* Reopens org_id's finding `id` if its acceptance has expired at `now`: status open, the
 * acceptance cleared, a history entry by "system" noting the expiry and the finding.updated
 * event a PATCH would emit. Inside the caller's write transaction; *expired says whether it
 * did. */
static int
acceptance_expire_one(struct conn *c, const char *org_id, const char *id, int64_t now,
                      bool *expired, struct arena *a, struct err *err)
{
    struct stmt *st = stmt_get(c,
                               "UPDATE findings SET status = 'open', updated_at = ?3," ACCEPT_CLEAR
                               " WHERE org_id = ?1 AND id = ?2 AND status = 'accepted'"
                               " AND accept_expires_at IS NOT NULL AND accept_expires_at <= ?3",
                               err);

    *expired = false;
    if (!st)
        return -1;
    bind_text(st, 1, org_id);
    bind_text(st, 2, id);
    bind_int(st, 3, now);
    if (stmt_exec(c, st, err))
        return -1;
    if (stmt_changes(c) == 0)
        return 0;
    *expired = true;
    return history_insert(c, org_id, id, "accepted", "open", now, "system", "acceptance expired",
                          err) ||
                   outbox_finding(c, org_id, "finding.updated", id, a, err)
               ? -1
               : 0;
}

/* Reopens up to EXPIRE_BATCH findings whose acceptance expired at `now`, of org_id only or
 * (NULL) of every organization, inside the caller's write transaction. *n: how many. */
static int
acceptance_expire_batch(struct conn *c, const char *org_id, int64_t now, size_t *n, struct arena *a,
                        struct err *err)
{
    const char **orgs = arena_calloc(a, EXPIRE_BATCH, sizeof(*orgs));
    const char **ids = arena_calloc(a, EXPIRE_BATCH, sizeof(*ids));
    struct stmt *st;
    size_t count = 0;
    int step;

    *n = 0;
    st = stmt_get(c,
                  org_id ? "SELECT org_id, id FROM findings WHERE accept_expires_at IS NOT NULL"
                           " AND accept_expires_at <= ?1 AND org_id = ?2"
                           " ORDER BY accept_expires_at LIMIT ?3"
                         : "SELECT org_id, id FROM findings WHERE accept_expires_at IS NOT NULL"
                           " AND accept_expires_at <= ?1 ORDER BY accept_expires_at LIMIT ?2",
                  err);
    if (!st)
        return -1;
    bind_int(st, 1, now);
    if (org_id) {
        bind_text(st, 2, org_id);
        bind_int(st, 3, EXPIRE_BATCH);
    } else {
        bind_int(st, 2, EXPIRE_BATCH);
    }
    while (count < EXPIRE_BATCH && (step = stmt_step(st)) == ST_ROW) {
        orgs[count] = col_text(st, 0, a);
        ids[count] = col_text(st, 1, a);
        count++;
    }
    if (count == EXPIRE_BATCH)
        step = ST_DONE;
    stmt_reset(st);
    if (step != ST_DONE)
        return sql_fail(c, step, "acceptance expiry", err);
    for (size_t i = 0; i < count; i++) {
        bool expired;

        if (acceptance_expire_one(c, orgs[i], ids[i], now, &expired, a, err))
            return -1;
        *n += expired;
    }
    return 0;
}

/* Whether org_id has an acceptance that expired at `now` (a read, so a list that finds none
 * takes no write lock). */
static int
acceptance_expired_any(struct conn *c, const char *org_id, int64_t now, bool *any, struct err *err)
{
    struct stmt *st = stmt_get(c,
                               "SELECT 1 FROM findings WHERE accept_expires_at IS NOT NULL"
                               " AND accept_expires_at <= ?1 AND org_id = ?2 LIMIT 1",
                               err);
    int step;

    *any = false;
    if (!st)
        return -1;
    bind_int(st, 1, now);
    bind_text(st, 2, org_id);
    step = stmt_step(st);
    *any = step == ST_ROW;
    stmt_reset(st);
    if (step != ST_ROW && step != ST_DONE)
        return sql_fail(c, step, "acceptance expiry", err);
    return 0;
}

/* The read side of the expiry: before a list of db's organization is served, its expired
 * acceptances are reopened, so no answer shows one (the sweep may not have run yet). */
static int
acceptance_expire_org(struct db *db, int64_t now, struct err *err)
{
    struct conn *c = db_conn(db, err);
    bool any;
    size_t n;

    if (!c || acceptance_expired_any(c, db->org_id, now, &any, err))
        return -1;
    if (!any)
        return 0;
    if (tx_begin(c, true, err))
        return -1;
    do {
        if (acceptance_expire_batch(c, db->org_id, now, &n, db->arena, err)) {
            tx_rollback(c);
            return -1;
        }
    } while (n == EXPIRE_BATCH);
    return tx_commit(c, err);
}

/* The read side for one finding: reopens it first if its acceptance expired at `now`. */
static int
acceptance_expire_due(struct db *db, const char *id, int64_t now, struct err *err)
{
    struct conn *c = db_conn(db, err);
    struct stmt *st;
    bool expired;
    int step;

    if (!c)
        return -1;
    st = stmt_get(c,
                  "SELECT 1 FROM findings WHERE org_id = ?1 AND id = ?2"
                  " AND accept_expires_at IS NOT NULL AND accept_expires_at <= ?3",
                  err);
    if (!st)
        return -1;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, id);
    bind_int(st, 3, now);
    step = stmt_step(st);
    stmt_reset(st);
    if (step == ST_DONE)
        return 0;
    if (step != ST_ROW)
        return sql_fail(c, step, "acceptance expiry", err);
    if (tx_begin(c, true, err))
        return -1;
    if (acceptance_expire_one(c, db->org_id, id, now, &expired, db->arena, err) ||
        tx_commit(c, err)) {
        tx_rollback(c);
        return -1;
    }
    return 0;
}

int
store_acceptances_expire(struct store *store, int64_t now, size_t *expired, struct err *err)
{
    struct arena *a;
    struct conn *c;
    size_t n = 0;
    int rc = 0;

    *expired = 0;
    if (!(c = conn_acquire(store, err)))
        return -1;
    do {
        a = arena_new();
        if (tx_begin(c, true, err)) {
            rc = -1;
        } else if (acceptance_expire_batch(c, NULL, now, &n, a, err) || tx_commit(c, err)) {
            tx_rollback(c);
            rc = -1;
        } else {
            *expired += n;
        }
        arena_free(a);
    } while (rc == 0 && n == EXPIRE_BATCH);
    conn_release(store, c);
    return rc;
}

int
store_finding_next_change(struct db *db, int64_t now, int64_t *at, struct err *err)
{
    struct conn *c = db_conn(db, err);
    /* One status at a time, so each is a seek on findings_org_sla (org_id, status, sla_due_at). */
    struct stmt *st;
    int step;

    *at = 0;
    if (!c || store_fault_check(err))
        return -1;
    st = stmt_get(c,
                  "SELECT (SELECT min(sla_due_at) FROM findings WHERE org_id = ?1"
                  " AND status = 'open' AND sla_due_at >= ?2),"
                  " (SELECT min(sla_due_at) FROM findings WHERE org_id = ?1"
                  " AND status = 'confirmed' AND sla_due_at >= ?2),"
                  " (SELECT min(accept_expires_at) FROM findings WHERE org_id = ?1"
                  " AND accept_expires_at IS NOT NULL AND accept_expires_at > ?2)",
                  err);
    if (!st)
        return -1;
    bind_text(st, 1, db->org_id);
    bind_int(st, 2, now);
    step = stmt_step(st);
    if (step == ST_ROW) {
        for (int i = 0; i < 3; i++) {
            int64_t t;

            if (col_is_null(st, i))
                continue;
            t = col_int(st, i) + (i < 2 ? 1 : 0);
            if (*at == 0 || t < *at)
                *at = t;
        }
    }
    stmt_reset(st);
    if (step != ST_ROW && step != ST_DONE)
        return sql_fail(c, step, "next change", err);
    return 0;
}

int
store_finding_accept(struct db *db, const char *id, const struct finding_acceptance *in,
                     struct finding *out, struct err *err)
{
    struct conn *c;
    struct finding row = {0};
    struct stmt *st;
    int64_t now = clock_now();

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    if (row_load(c, FINDING_SELECT, db->org_id, id, read_finding, &row, db->arena, "finding", err))
        goto fail;
    /* A fixed finding carries no risk, and a false positive never was one: accepting either
     * would hide what happened. Reopen it first (PATCH status) if it came back. */
    if (row.status == FINDING_REMEDIATED || row.status == FINDING_FALSE_POSITIVE) {
        err_set(err, CONFLICT, "A %s finding cannot be accepted; reopen it first.",
                row.status == FINDING_REMEDIATED ? "remediated" : "false positive");
        goto fail;
    }
    st = stmt_get(c,
                  "UPDATE findings SET status = 'accepted', accept_reason = ?3,"
                  " accept_expires_at = ?4, accept_by = ?5, accept_at = ?6, updated_at = ?6"
                  " WHERE org_id = ?1 AND id = ?2",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, id);
    bind_text(st, 3, in->reason);
    bind_int(st, 4, in->expires_at);
    bind_text(st, 5, db->actor);
    bind_int(st, 6, now);
    /* Renewing an acceptance is recorded too (accepted -> accepted): the history says who
     * accepted the risk, and when, each time. */
    if (stmt_exec(c, st, err) ||
        history_insert(c, db->org_id, id, finding_status_name(row.status), "accepted", now,
                       db->actor, "risk accepted", err) ||
        outbox_finding(c, db->org_id, "finding.updated", id, db->arena, err) ||
        row_load(c, FINDING_SELECT, db->org_id, id, read_finding, &row, db->arena, "finding",
                 err) ||
        tx_commit(c, err))
        goto fail;
    row.org_id = db->org_id;
    *out = row;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_finding_get(struct db *db, const char *id, struct finding *out, struct err *err)
{
    struct conn *c = db_conn(db, err);
    int64_t now = clock_now();
    bool expired;

    if (!c || store_fault_check(err))
        return -1;
    memset(out, 0, sizeof(*out));
    if (row_load(c, FINDING_SELECT, db->org_id, id, read_finding, out, db->arena, "finding", err))
        return -1;
    /* An acceptance the sweep has not reached yet expires now, before anyone sees it. */
    if (out->acceptance.reason && out->acceptance.expires_at <= now) {
        if (tx_begin(c, true, err))
            return -1;
        if (acceptance_expire_one(c, db->org_id, id, now, &expired, db->arena, err) ||
            row_load(c, FINDING_SELECT, db->org_id, id, read_finding, out, db->arena, "finding",
                     err) ||
            tx_commit(c, err)) {
            tx_rollback(c);
            return -1;
        }
    }
    out->org_id = db->org_id;
    return 0;
}

/* Copies the present fields of `in` over `row`. */
static void
finding_merge(struct finding *row, const struct finding *in)
{
    uint64_t p = in->present;

    if (p & FINDING_F_PROJECT_ID)
        row->project_id = in->project_id;
    if (p & FINDING_F_ASSET_ID)
        row->asset_id = in->asset_id;
    if (p & FINDING_F_SCAN_ID)
        row->scan_id = in->scan_id;
    if (p & FINDING_F_TITLE)
        row->title = in->title;
    if (p & FINDING_F_SEVERITY)
        row->severity = in->severity;
    if (p & FINDING_F_STATUS)
        row->status = in->status;
    if (p & FINDING_F_CONFIDENCE)
        row->confidence = in->confidence;
    if (p & FINDING_F_DESCRIPTION)
        row->description = in->description;
    if (p & FINDING_F_REMEDIATION)
        row->remediation = in->remediation;
    if (p & FINDING_F_CVSS_VECTOR)
        row->cvss_vector = in->cvss_vector;
    if (p & FINDING_F_CWE)
        row->cwe = in->cwe;
    if (p & FINDING_F_OWASP)
        row->owasp = in->owasp;
    if (p & FINDING_F_ENDPOINT)
        row->endpoint = in->endpoint;
    if (p & FINDING_F_RISK_SCORE)
        row->risk_score = in->risk_score;
    if (p & FINDING_F_CHECK_ID)
        row->check_id = in->check_id;
    if (p & FINDING_F_EVIDENCE_REQUEST)
        row->evidence.request = in->evidence.request;
    if (p & FINDING_F_EVIDENCE_RESPONSE)
        row->evidence.response = in->evidence.response;
    if (p & FINDING_F_EVIDENCE_NOTES)
        row->evidence.notes = in->evidence.notes;
    if (p & FINDING_F_REFERENCES) {
        row->references = in->references;
        row->n_references = in->n_references;
    }
}

#define FINDING_UPDATE                                                                             \
    "UPDATE findings SET project_id = ?3, asset_id = ?4, scan_id = ?5, title = ?6,"                \
    " severity = ?7, status = ?8, confidence = ?9, description = ?10, remediation = ?11,"          \
    " cvss_vector = ?12, cvss_score = ?13, cwe = ?14, owasp = ?15, endpoint = ?16,"                \
    " risk_score = ?17, check_id = ?18, ev_request = ?19, ev_response = ?20, ev_notes = ?21,"      \
    " refs = ?22, fingerprint = ?23, first_seen = ?24, last_seen = ?25, updated_at = ?27,"         \
    " sla_due_at = ?28 WHERE org_id = ?1 AND id = ?2 AND created_at = ?26"

int
store_finding_update(struct db *db, const char *id, const struct finding *in, struct finding *out,
                     struct err *err)
{
    struct conn *c;
    struct finding row = {0};
    enum finding_status before;
    bool expired;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    /* An expired acceptance is reopened first, so the edit applies to the finding as it is. */
    if (acceptance_expire_one(c, db->org_id, id, clock_now(), &expired, db->arena, err) ||
        row_load(c, FINDING_SELECT, db->org_id, id, read_finding, &row, db->arena, "finding", err))
        goto fail;
    before = row.status;
    finding_merge(&row, in);
    row.org_id = db->org_id;
    row.updated_at = clock_now();
    if (finding_prepare(c, db->org_id, &row, NULL, db->arena, err) ||
        finding_write(c, FINDING_UPDATE, db->org_id, &row, db->arena, err))
        goto fail;
    if (row.status != before && history_add(c, db, row.id, finding_status_name(before),
                                            finding_status_name(row.status), row.updated_at, err))
        goto fail;
    /* An acceptance belongs to the accepted status: leaving it ends the acceptance. */
    if (row.status != FINDING_ACCEPTED && row.acceptance.reason) {
        struct stmt *st =
            stmt_get(c, "UPDATE findings SET" ACCEPT_CLEAR " WHERE org_id = ?1 AND id = ?2", err);

        if (!st)
            goto fail;
        bind_text(st, 1, db->org_id);
        bind_text(st, 2, row.id);
        if (stmt_exec(c, st, err))
            goto fail;
        memset(&row.acceptance, 0, sizeof(row.acceptance));
    }
    if (outbox_finding(c, db->org_id, "finding.updated", row.id, db->arena, err) ||
        tx_commit(c, err))
        goto fail;
    *out = row;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_finding_delete(struct db *db, const char *id, struct err *err)
{
    struct conn *c;
    struct stmt *st;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    st = stmt_get(c, "DELETE FROM findings WHERE org_id = ?1 AND id = ?2", err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, id);
    if (stmt_exec(c, st, err))
        goto fail;
    if (stmt_changes(c) == 0) {
        err_set(err, NOT_FOUND, "The finding was not found.");
        goto fail;
    }
    if (outbox_deleted(c, db->org_id, "finding.deleted", id, db->arena, err) || tx_commit(c, err))
        goto fail;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_finding_list(struct db *db, const struct store_list *q, struct store_page *page,
                   struct err *err)
{
    void *items;

    if (acceptance_expire_org(db, clock_now(), err) ||
        list_bound(db, &list_findings, q, sizeof(struct finding), read_finding, page, &items, err))
        return -1;
    page->findings = items;
    return 0;
}

int
store_finding_history(struct db *db, const char *finding_id, struct finding_status_change **items,
                      size_t *n, struct err *err)
{
    struct conn *c;
    bool found;
    struct stmt *st;
    struct finding_status_change *out = NULL;
    size_t count = 0, cap = 0;
    int step;

    *items = NULL;
    *n = 0;
    /* The expiry entry is there before anyone reads the history (see store_finding_get). */
    if (acceptance_expire_due(db, finding_id, clock_now(), err))
        return -1;
    if (!(c = db_conn(db, err)) || tx_begin(c, false, err))
        return -1;
    if (row_exists(c, "SELECT 1 FROM findings WHERE org_id = ?1 AND id = ?2", db->org_id,
                   finding_id, &found, err))
        goto fail;
    if (!found) {
        err_set(err, NOT_FOUND, "The finding was not found.");
        goto fail;
    }
    st = stmt_get(c,
                  "SELECT from_status, to_status, at, actor, note FROM finding_history"
                  " WHERE org_id = ?1 AND finding_id = ?2 ORDER BY seq",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, finding_id);
    while ((step = stmt_step(st)) == ST_ROW) {
        if (count == cap) {
            struct finding_status_change *grown;

            cap = cap ? cap * 2 : 8;
            grown = arena_calloc(db->arena, cap, sizeof(*grown));
            if (count)
                memcpy(grown, out, count * sizeof(*grown));
            out = grown;
        }
        out[count].from = col_text(st, 0, db->arena);
        out[count].to = col_text(st, 1, db->arena);
        out[count].at = col_int(st, 2);
        out[count].actor = col_text(st, 3, db->arena);
        out[count].note = col_text(st, 4, db->arena);
        count++;
    }
    stmt_reset(st);
    if (step != ST_DONE) {
        sql_fail(c, step, "history", err);
        goto fail;
    }
    if (tx_commit(c, err))
        return -1;
    *items = out;
    *n = count;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

int
store_finding_record(struct db *db, const struct finding *in, struct finding *out, bool *created,
                     struct err *err)
{
    struct conn *c;
    struct finding probe = *in, row = {0};
    char fp[FINGERPRINT_HEX_LEN + 1];
    struct stmt *st;
    char *existing = NULL;
    int step;
    int64_t now = clock_now();

    *created = false;
    if (finding_fingerprint(&probe, fp) != 0)
        return err_internal(err, "fingerprint: hashing failed");
    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    st = stmt_get(c,
                  "SELECT id FROM findings WHERE org_id = ?1 AND fingerprint = ?2"
                  " AND project_id = ?3 ORDER BY created_at, id LIMIT 1",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, fp);
    bind_text(st, 3, in->project_id);
    step = stmt_step(st);
    if (step == ST_ROW)
        existing = col_text(st, 0, db->arena);
    stmt_reset(st);
    if (step != ST_ROW && step != ST_DONE) {
        sql_fail(c, step, "record", err);
        goto fail;
    }
    if (!existing) {
        if (finding_insert(db, c, in, &row, err) ||
            outbox_finding(c, db->org_id, "finding.created", row.id, db->arena, err) ||
            tx_commit(c, err))
            goto fail;
        *out = row;
        *created = true;
        return 0;
    }
    st = stmt_get(c,
                  "UPDATE findings SET last_seen = ?3, updated_at = ?3,"
                  " scan_id = coalesce(?4, scan_id) WHERE org_id = ?1 AND id = ?2",
                  err);
    if (!st)
        goto fail;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, existing);
    bind_int(st, 3, now);
    bind_text(st, 4, in->scan_id);
    if (stmt_exec(c, st, err) ||
        row_load(c, FINDING_SELECT, db->org_id, existing, read_finding, &row, db->arena, "finding",
                 err) ||
        tx_commit(c, err))
        goto fail;
    row.org_id = db->org_id;
    *out = row;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

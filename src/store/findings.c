/* SPDX-License-Identifier: MIT */
/* Findings: the derived fields (cvss_score, fingerprint, first_seen/last_seen) are computed
 * here on every write from the stored row after the change, so they always agree with it.
 * Every status change, including the creation, is appended to finding_history in the same
 * transaction as the change itself. */
#include "store/store_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/jsonw.h"
#include "model/cvss.h"
#include "model/fingerprint.h"

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
finding_prepare(struct conn *c, const char *org_id, struct finding *f, struct arena *a,
                struct err *err)
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
    return 0;
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
    return stmt_exec(c, st, err);
}

int
history_add(struct conn *c, struct db *db, const char *finding_id, const char *from, const char *to,
            int64_t at, struct err *err)
{
    struct stmt *st = stmt_get(c,
                               "INSERT INTO finding_history (org_id, finding_id, from_status,"
                               " to_status, at, actor) VALUES (?, ?, ?, ?, ?, ?)",
                               err);

    if (!st)
        return -1;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, finding_id);
    bind_text(st, 3, from);
    bind_text(st, 4, to);
    bind_int(st, 5, at);
    bind_text(st, 6, db->actor);
    return stmt_exec(c, st, err);
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
    if (finding_prepare(c, db->org_id, &row, db->arena, err))
        return -1;
    st = stmt_get(c,
                  "INSERT INTO findings (org_id, id, project_id, asset_id, scan_id, title,"
                  " severity, status, confidence, description, remediation, cvss_vector,"
                  " cvss_score, cwe, owasp, endpoint, risk_score, check_id, ev_request,"
                  " ev_response, ev_notes, refs, fingerprint, first_seen, last_seen,"
                  " created_at, updated_at, source_key, last_import_id, source_fingerprint)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
                  " ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)",
                  err);
    if (!st)
        return -1;
    finding_bind(st, db->org_id, &row, db->arena);
    bind_text(st, 28, src ? src->key : NULL);
    bind_text(st, 29, src ? src->import_id : NULL);
    bind_text(st, 30, src ? src->fingerprint : NULL);
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

int
store_finding_get(struct db *db, const char *id, struct finding *out, struct err *err)
{
    struct conn *c = db_conn(db, err);

    if (!c || store_fault_check(err))
        return -1;
    memset(out, 0, sizeof(*out));
    if (row_load(c, FINDING_SELECT, db->org_id, id, read_finding, out, db->arena, "finding", err))
        return -1;
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
    " refs = ?22, fingerprint = ?23, first_seen = ?24, last_seen = ?25, updated_at = ?27"          \
    " WHERE org_id = ?1 AND id = ?2 AND created_at = ?26"

int
store_finding_update(struct db *db, const char *id, const struct finding *in, struct finding *out,
                     struct err *err)
{
    struct conn *c;
    struct finding row = {0};
    enum finding_status before;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    if (row_load(c, FINDING_SELECT, db->org_id, id, read_finding, &row, db->arena, "finding", err))
        goto fail;
    before = row.status;
    finding_merge(&row, in);
    row.org_id = db->org_id;
    row.updated_at = clock_now();
    if (finding_prepare(c, db->org_id, &row, db->arena, err) ||
        finding_write(c, FINDING_UPDATE, db->org_id, &row, db->arena, err))
        goto fail;
    if (row.status != before && history_add(c, db, row.id, finding_status_name(before),
                                            finding_status_name(row.status), row.updated_at, err))
        goto fail;
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

    if (list_bound(db, &list_findings, q, sizeof(struct finding), read_finding, page, &items, err))
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
                  "SELECT from_status, to_status, at, actor FROM finding_history"
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

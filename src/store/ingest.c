/* SPDX-License-Identifier: MIT */
/* The one writer of findings that come in batches: bulk requests, scanner-report imports and,
 * after merge, completed scans. It deduplicates by fingerprint within a source (tool or
 * scan_type, plus asset) and applies the reimport rules (DefectDojo's) in one transaction, so a
 * failed batch leaves the project exactly as it was. Every status change it makes is in
 * finding_history with the import id as actor, which is how history says which import did it. */
#include "store/store_int.h"

#include <assert.h>
#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/id.h"
#include "model/fingerprint.h"
#include "model/sla.h"

#define INGEST_FINGERPRINT_MAX 256 /* bytes of a tool's own fingerprint */

/* The source key: "<source>|<asset id or empty>". */
static const char *
source_key(const struct store_ingest *in, struct arena *a)
{
    return arena_printf(a, "%s|%s", in->source ? in->source : "manual",
                        in->asset_id ? in->asset_id : "");
}

struct known {
    const char *id;
    const char *status;
    const char *last_import_id;
};

static int
known_lookup(struct conn *c, struct db *db, const char *project_id, const char *key,
             const char *fingerprint, struct known *out, bool *found, struct err *err)
{
    struct stmt *st =
        stmt_get(c,
                 "SELECT id, status, last_import_id FROM findings WHERE org_id = ?1"
                 " AND project_id = ?2 AND source_key = ?3 AND source_fingerprint = ?4"
                 " ORDER BY seq LIMIT 1",
                 err);
    int step;

    if (!st)
        return -1;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, project_id);
    bind_text(st, 3, key);
    bind_text(st, 4, fingerprint);
    step = stmt_step(st);
    *found = step == ST_ROW;
    if (*found) {
        out->id = col_text(st, 0, db->arena);
        out->status = col_text(st, 1, db->arena);
        out->last_import_id = col_text(st, 2, db->arena);
    }
    stmt_reset(st);
    if (step != ST_ROW && step != ST_DONE)
        return sql_fail(c, step, "ingest lookup", err);
    return 0;
}

/* Marks a known finding as seen by this import, optionally changing its status. */
static int
known_touch(struct conn *c, struct db *db, const char *id, const char *import_id,
            const char *scan_id, const char *status, int64_t now, struct err *err)
{
    struct stmt *st = stmt_get(c,
                               "UPDATE findings SET last_seen = ?3, updated_at = ?3,"
                               " last_import_id = ?4, scan_id = coalesce(?5, scan_id),"
                               " status = coalesce(?6, status) WHERE org_id = ?1 AND id = ?2",
                               err);

    if (!st)
        return -1;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, id);
    bind_int(st, 3, now);
    bind_text(st, 4, import_id);
    bind_text(st, 5, scan_id);
    bind_text(st, 6, status);
    return stmt_exec(c, st, err);
}

/* Closes the open findings of the source this import did not see. */
static int
close_missing(struct conn *c, struct db *db, const struct store_ingest *in, const char *key,
              const char *import_id, int64_t now, size_t *closed, struct err *err)
{
    struct stmt *st = stmt_get(c,
                               "SELECT id, status FROM findings WHERE org_id = ?1"
                               " AND project_id = ?2 AND source_key = ?3"
                               " AND status IN ('open', 'confirmed')"
                               " AND (last_import_id IS NULL OR last_import_id <> ?4)",
                               err);
    const char **ids = NULL, **from = NULL;
    size_t n = 0, cap = 0;
    int step;

    if (!st)
        return -1;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, in->project_id);
    bind_text(st, 3, key);
    bind_text(st, 4, import_id);
    while ((step = stmt_step(st)) == ST_ROW) {
        if (n == cap) {
            const char **grown_ids, **grown_from;

            cap = cap ? cap * 2 : 64;
            grown_ids = arena_calloc(db->arena, cap, sizeof(*grown_ids));
            grown_from = arena_calloc(db->arena, cap, sizeof(*grown_from));
            if (n) {
                memcpy(grown_ids, ids, n * sizeof(*ids));
                memcpy(grown_from, from, n * sizeof(*from));
            }
            ids = grown_ids;
            from = grown_from;
        }
        ids[n] = col_text(st, 0, db->arena);
        from[n] = col_text(st, 1, db->arena);
        n++;
    }
    stmt_reset(st);
    if (step != ST_DONE)
        return sql_fail(c, step, "ingest close", err);
    for (size_t i = 0; i < n; i++) {
        st = stmt_get(c,
                      "UPDATE findings SET status = 'remediated', updated_at = ?3"
                      " WHERE org_id = ?1 AND id = ?2",
                      err);
        if (!st)
            return -1;
        bind_text(st, 1, db->org_id);
        bind_text(st, 2, ids[i]);
        bind_int(st, 3, now);
        if (stmt_exec(c, st, err) || history_add(c, db, ids[i], from[i], "remediated", now, err) ||
            outbox_finding(c, db->org_id, "finding.updated", ids[i], db->arena, err))
            return -1;
    }
    *closed = n;
    return 0;
}

static int
import_record(struct conn *c, struct db *db, const struct store_ingest *in, const char *key,
              const struct store_ingest_result *r, int64_t now, struct err *err)
{
    struct stmt *st = stmt_get(c,
                               "INSERT INTO finding_imports (id, org_id, project_id, source_key,"
                               " complete, created, updated, closed, reopened, skipped,"
                               " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               err);

    if (!st)
        return -1;
    bind_text(st, 1, r->import_id);
    bind_text(st, 2, db->org_id);
    bind_text(st, 3, in->project_id);
    bind_text(st, 4, key);
    bind_int(st, 5, in->complete);
    bind_int(st, 6, (int64_t)r->created);
    bind_int(st, 7, (int64_t)r->updated);
    bind_int(st, 8, (int64_t)r->closed);
    bind_int(st, 9, (int64_t)r->reopened);
    bind_int(st, 10, (int64_t)r->skipped);
    bind_int(st, 11, now);
    return stmt_exec(c, st, err);
}

static int
asset_check(struct conn *c, struct db *db, const struct store_ingest *in, struct err *err)
{
    struct stmt *st = stmt_get(c,
                               "SELECT 1 FROM assets WHERE org_id = ?1 AND id = ?2"
                               " AND project_id = ?3",
                               err);
    int step;

    if (!st)
        return -1;
    bind_text(st, 1, db->org_id);
    bind_text(st, 2, in->asset_id);
    bind_text(st, 3, in->project_id);
    step = stmt_step(st);
    stmt_reset(st);
    if (step != ST_ROW && step != ST_DONE)
        return sql_fail(c, step, "ingest asset", err);
    if (step == ST_DONE)
        return err_field(err, "asset_id", "does not name an asset of the project");
    return 0;
}

static void
error_add(struct store_ingest_result *r, size_t *cap, size_t index, const struct err *item_err,
          struct arena *a)
{
    if (r->n_errors == *cap) {
        struct store_ingest_error *grown;

        *cap = *cap ? *cap * 2 : 16;
        grown = arena_calloc(a, *cap, sizeof(*grown));
        if (r->n_errors)
            memcpy(grown, r->errors, r->n_errors * sizeof(*grown));
        r->errors = grown;
    }
    r->errors[r->n_errors].index = index;
    r->errors[r->n_errors].field =
        arena_strdup(a, item_err->n_fields ? item_err->fields[0].field : "");
    r->errors[r->n_errors].message =
        arena_strdup(a, item_err->n_fields ? item_err->fields[0].message : item_err->detail);
    r->n_errors++;
}

/* vulnerability.found: a finding a vigil scan brought in new, or found again after it had been
 * remediated (jobs/ lands a scan's findings under the source "vigil-scan <target>"). */
static int
outbox_vulnerability(struct conn *c, struct db *db, const struct store_ingest *in, const char *id,
                     struct err *err)
{
    if (!in->source || strncmp(in->source, "vigil-scan ", 11) != 0)
        return 0;
    return outbox_finding(c, db->org_id, "vulnerability.found", id, db->arena, err);
}

/* One item: created, updated, reopened or skipped. A VALIDATION_ERROR in *item_err is the
 * item's own fault and has written nothing; any other error fails the ingest. */
static int
ingest_one(struct conn *c, struct db *db, const struct store_ingest *in, const char *key,
           struct store_ingest_result *r, const struct finding *item, int64_t now,
           const struct finding_sla *sla, struct err *item_err)
{
    struct finding probe = *item, row;
    struct known known;
    char computed[FINGERPRINT_HEX_LEN + 1];
    const char *fingerprint = item->fingerprint;
    bool found;

    probe.project_id = in->project_id;
    probe.asset_id = in->asset_id;
    probe.present = 0;
    if (!probe.title || !*probe.title)
        return err_field(item_err, "title", "is required");
    if (fingerprint && (!*fingerprint || strlen(fingerprint) > INGEST_FINGERPRINT_MAX))
        return err_field(item_err, "fingerprint", "must be 1 to %d bytes", INGEST_FINGERPRINT_MAX);
    if (!fingerprint) {
        if (finding_fingerprint(&probe, computed) != 0)
            return err_internal(item_err, "fingerprint: hashing failed");
        fingerprint = computed;
    }
    if (known_lookup(c, db, in->project_id, key, fingerprint, &known, &found, item_err))
        return -1;
    if (found) {
        bool reopen = strcmp(known.status, "remediated") == 0;

        if (known.last_import_id && strcmp(known.last_import_id, r->import_id) == 0) {
            r->skipped++;
            return 0;
        }
        if (known_touch(c, db, known.id, r->import_id, item->scan_id, reopen ? "open" : NULL, now,
                        item_err))
            return -1;
        if (reopen) {
            const char *saved_actor = db->actor;
            int rc;

            db->actor = (char *)r->import_id;
            rc = history_add(c, db, known.id, "remediated", "open", now, item_err);
            db->actor = (char *)saved_actor;
            if (rc ||
                outbox_finding(c, db->org_id, "finding.updated", known.id, db->arena, item_err) ||
                outbox_vulnerability(c, db, in, known.id, item_err))
                return -1;
            r->reopened++;
        } else {
            r->updated++;
        }
        return 0;
    }
    struct finding_source src = {
        .key = key, .import_id = r->import_id, .fingerprint = fingerprint, .sla = sla};

    if (finding_insert_sourced(db, c, &probe, &src, &row, item_err) ||
        outbox_finding(c, db->org_id, "finding.created", row.id, db->arena, item_err) ||
        outbox_vulnerability(c, db, in, row.id, item_err))
        return -1;
    r->created++;
    return 0;
}

/* A long run touches far more pages of findings and its sixteen indexes than the writer's
 * 3 MiB cache holds; spilling them mid-transaction costs more than the insert itself. The run
 * widens the cache while it lasts (sqlite.c's pragma value is put back at its end). */
#define INGEST_CACHE_PRAGMA  "PRAGMA cache_size = -65536"
#define INGEST_CACHE_RESTORE "PRAGMA cache_size = -3072"

static void
cache_pragma(struct conn *c, const char *sql)
{
    if (c->store->engine->dialect == DIALECT_SQLITE)
        c->store->engine->exec_script(c, sql, NULL); /* a hint: failure changes nothing */
}

/* One import run: a write transaction held open across batches, so a run of any length is
 * still all-or-nothing and one import id marks every row it saw. Allocations of the items live
 * in a scratch arena per batch, so memory stays bounded by the batch, not by the run. */
struct store_ingest_run {
    struct db *db;
    struct conn *c;
    struct store_ingest in; /* items unused */
    const char *key;
    const char *saved_actor;
    struct arena *arena; /* the caller's: the result, its errors */
    struct store_ingest_result r;
    size_t errors_cap;
    size_t next_index;
    int64_t now;
    struct finding_sla sla; /* the organization's, read once in the run's transaction */
};

int
store_ingest_begin(struct db *db, const struct store_ingest *in, struct store_ingest_run **out,
                   struct err *err)
{
    struct store_ingest_run *run;
    struct conn *c;
    bool found;

    if (!(c = db_conn(db, err)) || tx_begin(c, true, err))
        return -1;
    if (row_exists(c, "SELECT 1 FROM projects WHERE org_id = ?1 AND id = ?2", db->org_id,
                   in->project_id, &found, err))
        goto fail;
    if (!found) {
        err_set(err, NOT_FOUND, "The project was not found.");
        goto fail;
    }
    if (in->asset_id && asset_check(c, db, in, err))
        goto fail;
    run = arena_alloc(db->arena, sizeof(*run));
    if (finding_sla_load(c, db->org_id, &run->sla, err))
        goto fail;
    run->db = db;
    run->c = c;
    run->in = *in;
    run->in.items = NULL;
    run->in.n_items = 0;
    run->arena = db->arena;
    run->saved_actor = db->actor;
    run->key = source_key(in, db->arena);
    run->r.import_id = id_new(db->arena, "imp_");
    run->now = clock_now();
    cache_pragma(c, INGEST_CACHE_PRAGMA);
    *out = run;
    return 0;
fail:
    tx_rollback(c);
    return -1;
}

void
store_ingest_abort(struct store_ingest_run *run)
{
    if (!run || !run->c)
        return;
    run->db->arena = run->arena;
    run->db->actor = (char *)run->saved_actor;
    cache_pragma(run->c, INGEST_CACHE_RESTORE);
    tx_rollback(run->c);
    run->c = NULL;
}

int
store_ingest_add(struct store_ingest_run *run, const struct finding *items, size_t n,
                 struct err *err)
{
    struct db *db = run->db;
    struct arena *scratch;
    int rc = 0;

    assert(run->c);
    if (run->next_index + n > STORE_INGEST_RUN_MAX)
        return err_set(err, PAYLOAD_TOO_LARGE, "An import holds at most %d findings.",
                       STORE_INGEST_RUN_MAX);
    scratch = arena_new();
    db->arena = scratch;
    for (size_t i = 0; i < n; i++) {
        struct err item_err = {0};
        size_t index = run->next_index++;

        if (ingest_one(run->c, db, &run->in, run->key, &run->r, &items[i], run->now, &run->sla,
                       &item_err) == 0)
            continue;
        if (item_err.code != ERR_VALIDATION_ERROR) {
            *err = item_err;
            rc = -1;
            break;
        }
        if (!run->in.partial) {
            err_field(err,
                      arena_printf(run->arena, "findings/%zu/%s", index,
                                   item_err.n_fields ? item_err.fields[0].field : ""),
                      "%s", item_err.n_fields ? item_err.fields[0].message : item_err.detail);
            rc = -1;
            break;
        }
        error_add(&run->r, &run->errors_cap, index, &item_err, run->arena);
        run->r.skipped++;
    }
    db->arena = run->arena;
    arena_free(scratch);
    return rc;
}

int
store_ingest_finish(struct store_ingest_run *run, struct store_ingest_result *out, struct err *err)
{
    struct db *db = run->db;

    assert(run->c);
    if (run->in.complete) {
        db->actor = (char *)run->r.import_id;
        if (close_missing(run->c, db, &run->in, run->key, run->r.import_id, run->now,
                          &run->r.closed, err))
            goto fail;
    }
    db->actor = (char *)run->saved_actor;
    cache_pragma(run->c, INGEST_CACHE_RESTORE);
    if (import_record(run->c, db, &run->in, run->key, &run->r, run->now, err) ||
        tx_commit(run->c, err))
        goto fail;
    run->c = NULL;
    *out = run->r;
    return 0;
fail:
    store_ingest_abort(run);
    return -1;
}

int
store_findings_ingest(struct db *db, const struct store_ingest *in, struct store_ingest_result *out,
                      struct err *err)
{
    struct store_ingest_run *run;

    if (in->n_items > STORE_INGEST_MAX)
        return err_field(err, "findings", "has more than %d items", STORE_INGEST_MAX);
    if (store_ingest_begin(db, in, &run, err))
        return -1;
    if (store_ingest_add(run, in->items, in->n_items, err)) {
        store_ingest_abort(run);
        return -1;
    }
    return store_ingest_finish(run, out, err);
}

/* SPDX-License-Identifier: MIT */
/* The job queue (unbound). One table. On SQLite a claim is one UPDATE whose subquery picks
 * the job, serialised by the single writer. On PostgreSQL a claim locks the job it picks
 * (FOR UPDATE SKIP LOCKED) in a transaction that takes no writer lock, so workers of several
 * processes claim different jobs at once and never wait for the API's writes (claim_locking).
 * Time comes in as `now` from the caller. */
#include "store/store_int.h"

#include <string.h>

#include "core/arena.h"
#include "core/id.h"
#include "core/str.h"

#define JOB_COLUMNS                                                                                \
    "id, org_id, kind, payload, state, attempts, max_attempts, run_after, lease_owner, "           \
    "lease_expires_at, cancel_requested, last_error, created_at, updated_at, finished_at"

static const char *const job_state_names[] = {"queued", "running", "done", "failed", "cancelled"};

const char *
store_job_state_name(enum store_job_state s)
{
    return (unsigned)s < sizeof(job_state_names) / sizeof(job_state_names[0]) ? job_state_names[s]
                                                                              : "failed";
}

static enum store_job_state
job_state_parse(const char *s)
{
    for (size_t i = 0; s && i < sizeof(job_state_names) / sizeof(job_state_names[0]); i++)
        if (strcmp(s, job_state_names[i]) == 0)
            return (enum store_job_state)i;
    return STORE_JOB_FAILED;
}

static void
read_job(struct stmt *st, void *item, struct arena *a)
{
    struct store_job *j = item;

    j->id = col_text(st, 0, a);
    j->org_id = col_text(st, 1, a);
    j->kind = col_text(st, 2, a);
    j->payload = col_text(st, 3, a);
    j->state = job_state_parse(col_raw_text(st, 4));
    j->attempts = (int)col_int(st, 5);
    j->max_attempts = (int)col_int(st, 6);
    j->run_after = col_int(st, 7);
    j->lease_owner = col_text(st, 8, a);
    j->lease_expires_at = col_int(st, 9);
    j->cancel_requested = col_int(st, 10) != 0;
    j->last_error = col_text(st, 11, a);
    j->created_at = col_int(st, 12);
    j->updated_at = col_int(st, 13);
    j->finished_at = col_int(st, 14);
}

int
store_job_enqueue(struct store *store, const char *org_id, const char *kind, const char *payload,
                  int64_t run_after, int max_attempts, int64_t now, struct arena *arena,
                  struct store_job *out, struct err *err)
{
    struct store_job row = {0};
    struct stmt *st;
    int rc = -1;

    if (!kind || !*kind)
        return err_field(err, "kind", "is required");
    if (!payload)
        return err_field(err, "payload", "is required");
    if (max_attempts < 1)
        return err_field(err, "max_attempts", "must be at least 1");
    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    row.id = id_new(arena, "job_");
    row.org_id = arena_strdup(arena, org_id);
    row.kind = arena_strdup(arena, kind);
    row.payload = arena_strdup(arena, payload);
    row.state = STORE_JOB_QUEUED;
    row.max_attempts = max_attempts;
    row.run_after = run_after;
    row.created_at = row.updated_at = now;
    st = stmt_get(c,
                  "INSERT INTO jobs (id, org_id, kind, payload, state, max_attempts, run_after,"
                  " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?6, ?7, ?7)",
                  err);
    if (!st)
        goto done;
    bind_text(st, 1, row.id);
    bind_text(st, 2, row.org_id);
    bind_text(st, 3, row.kind);
    bind_text(st, 4, row.payload);
    bind_int(st, 5, max_attempts);
    bind_int(st, 6, run_after);
    bind_int(st, 7, now);
    if (stmt_exec(c, st, err) || tx_commit(c, err))
        goto done;
    *out = row;
    rc = 0;
done:
    tx_rollback(c);
    conn_release(store, c);
    return rc;
}

/* Settles abandoned leases that must not run again: cancel requested, or no attempt left. */
static int
settle_abandoned(struct conn *c, const char *kind, int64_t now, struct err *err)
{
    struct stmt *st;

    /* A scan job's scan row ends with it (cancelled, or failed as "worker lost"). */
    if (strcmp(kind, STORE_SCAN_JOB_KIND) == 0) {
        st = stmt_get(
            c,
            "UPDATE scans SET status = CASE WHEN j.cancel_requested <> 0 THEN 'cancelled'"
            " ELSE 'failed' END,"
            " error = CASE WHEN j.cancel_requested <> 0 THEN NULL"
            " ELSE 'worker lost: the lease expired on the last attempt' END,"
            /* its credentials are wiped as at any end (SCAN_WIPE_CREDENTIALS) */
            " credentials = CASE WHEN keep_credentials <> 0 THEN credentials ELSE NULL END,"
            " credentials_state = CASE WHEN credentials_state = 'stored'"
            " AND keep_credentials = 0 THEN 'wiped' ELSE credentials_state END,"
            " finished_at = ?2, updated_at = ?2"
            " FROM jobs j WHERE j.id = scans.job_id AND j.kind = ?1"
            " AND j.state = 'running' AND j.lease_expires_at <= ?2"
            " AND (j.cancel_requested <> 0 OR j.attempts >= j.max_attempts)"
            " AND scans.status IN ('queued', 'running')",
            err);
        if (!st)
            return -1;
        bind_text(st, 1, kind);
        bind_int(st, 2, now);
        if (stmt_exec(c, st, err))
            return -1;
    }
    st = stmt_get(c,
                  "UPDATE jobs SET state = CASE WHEN cancel_requested <> 0 THEN 'cancelled'"
                  " ELSE 'failed' END,"
                  " last_error = CASE WHEN cancel_requested <> 0 THEN last_error"
                  " ELSE 'worker lost: the lease expired on the last attempt' END,"
                  " lease_owner = NULL, finished_at = ?2, updated_at = ?2"
                  " WHERE kind = ?1 AND state = 'running' AND lease_expires_at <= ?2"
                  " AND (cancel_requested <> 0 OR attempts >= max_attempts)",
                  err);

    if (!st)
        return -1;
    bind_text(st, 1, kind);
    bind_int(st, 2, now);
    return stmt_exec(c, st, err);
}

/* Runs a claiming UPDATE ... RETURNING JOB_COLUMNS (bound by the caller) and reads the job
 * it leased, if any, into *out. */
static int
claim_returned(struct conn *c, struct stmt *st, struct arena *arena, struct store_job *out,
               bool *claimed, struct err *err)
{
    int step = stmt_step(st);

    if (step == ST_ROW) {
        memset(out, 0, sizeof(*out));
        read_job(st, out, arena);
        *claimed = true;
        step = stmt_step(st);
    }
    stmt_reset(st);
    if (step != ST_DONE) {
        *claimed = false;
        return sql_fail(c, step, "job claim", err);
    }
    return 0;
}

#define CLAIM_ROUNDS 8 /* organizations at their cap skipped before a claim gives up */

/* 1 when the organization may run another job of this kind: fewer than max_per_org running.
 * The count runs under a transaction-level advisory lock on (kind, organization), so two
 * claimers for one organization count one after the other and the second sees the first's
 * claim (READ COMMITTED). The lock is only tried: a claimer finding it held skips the
 * organization for now (0), rather than wait and risk a deadlock with a claimer that holds
 * it and waits for another. -1 on error. */
static int
org_has_room(struct conn *c, const char *kind, const char *org_id, int64_t now, int max_per_org,
             struct err *err)
{
    struct stmt *st;
    int step, room;

    st = stmt_get(c, "SELECT pg_try_advisory_xact_lock(hashtextextended(?1 || ' ' || ?2, 0))", err);
    if (!st)
        return -1;
    bind_text(st, 1, kind);
    bind_text(st, 2, org_id);
    step = stmt_step(st);
    room = step == ST_ROW && col_int(st, 0) != 0;
    stmt_reset(st);
    if (step != ST_ROW)
        return sql_fail(c, step, "job claim", err);
    if (!room)
        return 0;
    st = stmt_get(c,
                  "SELECT count(*) FROM jobs WHERE org_id = ?1 AND kind = ?2 AND state = 'running'"
                  " AND lease_expires_at > ?3",
                  err);
    if (!st)
        return -1;
    bind_text(st, 1, org_id);
    bind_text(st, 2, kind);
    bind_int(st, 3, now);
    step = stmt_step(st);
    room = step == ST_ROW && col_int(st, 0) < max_per_org;
    stmt_reset(st);
    if (step != ST_ROW)
        return sql_fail(c, step, "job claim", err);
    return room;
}

/* The PostgreSQL claim, inside tx_begin_row_locked: pick the next due job no other claimer
 * holds, locking it; if its organization has no room, skip that organization and pick again. */
static int
claim_locking(struct conn *c, const char *kind, const char *owner, int64_t now,
              int64_t lease_seconds, int max_per_org, struct arena *arena, struct store_job *out,
              bool *claimed, struct err *err)
{
    char skipped[CLAIM_ROUNDS * 64] = ""; /* organization ids, comma-separated */
    size_t used = 0;

    *claimed = false;
    for (int round = 0; round < CLAIM_ROUNDS; round++) {
        struct stmt *st;
        char job_id[64], org_id[64];
        int step, room = 1;

        st = stmt_get(c,
                      "SELECT id, org_id FROM jobs WHERE kind = ?1"
                      " AND ((state = 'queued' AND run_after <= ?2)"
                      " OR (state = 'running' AND lease_expires_at <= ?2))"
                      " AND NOT (org_id = ANY (string_to_array(?3, ',')))"
                      " ORDER BY run_after, created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED",
                      err);
        if (!st)
            return -1;
        bind_text(st, 1, kind);
        bind_int(st, 2, now);
        bind_text(st, 3, skipped);
        step = stmt_step(st);
        if (step == ST_ROW) {
            str_copy(job_id, col_raw_text(st, 0), sizeof(job_id));
            str_copy(org_id, col_raw_text(st, 1), sizeof(org_id));
        }
        stmt_reset(st);
        if (step == ST_DONE)
            return 0; /* nothing due that another claimer does not hold */
        if (step != ST_ROW)
            return sql_fail(c, step, "job claim", err);
        if (max_per_org > 0 && (room = org_has_room(c, kind, org_id, now, max_per_org, err)) < 0)
            return -1;
        if (!room) {
            int n =
                snprintf(skipped + used, sizeof(skipped) - used, "%s%s", used ? "," : "", org_id);

            if (n < 0 || (size_t)n >= sizeof(skipped) - used)
                return 0;
            used += (size_t)n;
            continue;
        }
        st = stmt_get(c,
                      "UPDATE jobs SET state = 'running', attempts = attempts + 1,"
                      " lease_owner = ?2, lease_expires_at = ?3 + ?4, updated_at = ?3"
                      " WHERE id = ?1 RETURNING " JOB_COLUMNS,
                      err);
        if (!st)
            return -1;
        bind_text(st, 1, job_id);
        bind_text(st, 2, owner);
        bind_int(st, 3, now);
        bind_int(st, 4, lease_seconds);
        return claim_returned(c, st, arena, out, claimed, err);
    }
    return 0;
}

int
store_job_claim(struct store *store, const char *kind, const char *owner, int64_t now,
                int64_t lease_seconds, int max_per_org, struct arena *arena, struct store_job *out,
                bool *claimed, struct err *err)
{
    struct stmt *st;
    int rc = -1, step;

    *claimed = false;
    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    /* An idle worker polls: look first without the write lock, so an empty queue costs no
     * write transaction (nor its WAL sync). */
    st = stmt_get(c,
                  "SELECT 1 FROM jobs WHERE kind = ?1 AND ((state = 'queued' AND run_after <= ?2)"
                  " OR (state = 'running' AND lease_expires_at <= ?2)) LIMIT 1",
                  err);
    if (!st)
        goto done;
    bind_text(st, 1, kind);
    bind_int(st, 2, now);
    step = stmt_step(st);
    stmt_reset(st);
    if (step == ST_DONE) {
        rc = 0;
        goto done;
    }
    if (step != ST_ROW) {
        sql_fail(c, step, "job claim", err);
        goto done;
    }
    if (c->store->engine->dialect == DIALECT_POSTGRES) {
        if (tx_begin_row_locked(c, err) || settle_abandoned(c, kind, now, err) ||
            claim_locking(c, kind, owner, now, lease_seconds, max_per_org, arena, out, claimed,
                          err) ||
            tx_commit(c, err)) {
            *claimed = false;
            goto done;
        }
        rc = 0;
        goto done;
    }
    if (tx_begin(c, true, err) || settle_abandoned(c, kind, now, err))
        goto done;
    st = stmt_get(c,
                  "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?2,"
                  " lease_expires_at = ?3 + ?4, updated_at = ?3"
                  " WHERE id = (SELECT j.id FROM jobs j WHERE j.kind = ?1"
                  " AND ((j.state = 'queued' AND j.run_after <= ?3)"
                  " OR (j.state = 'running' AND j.lease_expires_at <= ?3))"
                  " AND (?5 <= 0 OR (SELECT count(*) FROM jobs r WHERE r.org_id = j.org_id"
                  " AND r.kind = j.kind AND r.state = 'running' AND r.lease_expires_at > ?3)"
                  " < ?5)"
                  " ORDER BY j.run_after, j.created_at, j.id LIMIT 1)"
                  " RETURNING " JOB_COLUMNS,
                  err);
    if (!st)
        goto done;
    bind_text(st, 1, kind);
    bind_text(st, 2, owner);
    bind_int(st, 3, now);
    bind_int(st, 4, lease_seconds);
    bind_int(st, 5, max_per_org);
    if (claim_returned(c, st, arena, out, claimed, err))
        goto done;
    if (tx_commit(c, err)) {
        *claimed = false;
        goto done;
    }
    rc = 0;
done:
    tx_rollback(c);
    conn_release(store, c);
    return rc;
}

/* Runs `sql` (which binds ?1 id, ?2 owner and more) and raises CONFLICT if it changed no row:
 * the owner no longer holds the job. */
static int
owned_update(struct conn *c, struct stmt *st, struct err *err)
{
    if (stmt_exec(c, st, err))
        return -1;
    if (stmt_changes(c) == 0)
        return err_set(err, CONFLICT, "The job is no longer held by this worker.");
    return 0;
}

int
store_job_renew(struct store *store, const char *id, const char *owner, int64_t now,
                int64_t lease_seconds, bool *cancel_requested, struct err *err)
{
    struct stmt *st;
    int rc = -1, step;

    *cancel_requested = false;
    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    st = stmt_get(c,
                  "UPDATE jobs SET lease_expires_at = ?3 + ?4, updated_at = ?3"
                  " WHERE id = ?1 AND lease_owner = ?2 AND state = 'running'"
                  " RETURNING cancel_requested",
                  err);
    if (!st)
        goto done;
    bind_text(st, 1, id);
    bind_text(st, 2, owner);
    bind_int(st, 3, now);
    bind_int(st, 4, lease_seconds);
    step = stmt_step(st);
    if (step == ST_ROW) {
        *cancel_requested = col_int(st, 0) != 0;
        step = stmt_step(st);
        stmt_reset(st);
        if (step != ST_DONE) {
            sql_fail(c, step, "job renew", err);
            goto done;
        }
    } else {
        stmt_reset(st);
        if (step != ST_DONE)
            sql_fail(c, step, "job renew", err);
        else
            err_set(err, CONFLICT, "The job is no longer held by this worker.");
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
store_job_finish(struct store *store, const char *id, const char *owner, enum store_job_state state,
                 const char *error, int64_t now, struct err *err)
{
    struct stmt *st;
    int rc = -1;

    if (state != STORE_JOB_DONE && state != STORE_JOB_FAILED && state != STORE_JOB_CANCELLED)
        return err_field(err, "state", "must be done, failed or cancelled");
    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    st = stmt_get(c,
                  "UPDATE jobs SET state = ?3, last_error = ?4, lease_owner = NULL,"
                  " finished_at = ?5, updated_at = ?5"
                  " WHERE id = ?1 AND lease_owner = ?2 AND state = 'running'",
                  err);
    if (!st)
        goto done;
    bind_text(st, 1, id);
    bind_text(st, 2, owner);
    bind_text(st, 3, store_job_state_name(state));
    bind_text(st, 4, error);
    bind_int(st, 5, now);
    if (owned_update(c, st, err) || tx_commit(c, err))
        goto done;
    rc = 0;
done:
    tx_rollback(c);
    conn_release(store, c);
    return rc;
}

int
store_job_retry(struct store *store, const char *id, const char *owner, int64_t run_after,
                const char *error, int64_t now, bool *requeued, struct err *err)
{
    struct stmt *st;
    int rc = -1, step;

    *requeued = false;
    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    if (tx_begin(c, true, err))
        goto done;
    st = stmt_get(c,
                  "UPDATE jobs SET last_error = ?4, lease_owner = NULL, lease_expires_at = 0,"
                  " updated_at = ?5,"
                  " state = CASE WHEN attempts < max_attempts THEN 'queued' ELSE 'failed' END,"
                  " run_after = CASE WHEN attempts < max_attempts THEN ?3 ELSE run_after END,"
                  " finished_at = CASE WHEN attempts < max_attempts THEN 0 ELSE ?5 END"
                  " WHERE id = ?1 AND lease_owner = ?2 AND state = 'running'"
                  " RETURNING state = 'queued'",
                  err);
    if (!st)
        goto done;
    bind_text(st, 1, id);
    bind_text(st, 2, owner);
    bind_int(st, 3, run_after);
    bind_text(st, 4, error);
    bind_int(st, 5, now);
    step = stmt_step(st);
    if (step != ST_ROW) {
        stmt_reset(st);
        if (step != ST_DONE)
            sql_fail(c, step, "job retry", err);
        else
            err_set(err, CONFLICT, "The job is no longer held by this worker.");
        goto done;
    }
    *requeued = col_int(st, 0) != 0;
    step = stmt_step(st);
    stmt_reset(st);
    if (step != ST_DONE) {
        sql_fail(c, step, "job retry", err);
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
store_job_cancel(struct store *store, const char *org_id, const char *id, int64_t now,
                 bool *was_running, struct err *err)
{
    struct store_job job = {0};
    struct arena *a = arena_new();
    struct stmt *st;
    int rc = -1, step;

    *was_running = false;
    struct conn *c = conn_acquire(store, err);
    if (!c) {
        arena_free(a);
        return -1;
    }
    if (tx_begin(c, true, err) ||
        row_load(c, "SELECT " JOB_COLUMNS " FROM jobs WHERE org_id = ?1 AND id = ?2", org_id, id,
                 read_job, &job, a, "job", err))
        goto done;
    if (job.state != STORE_JOB_QUEUED && job.state != STORE_JOB_RUNNING) {
        err_set(err, CONFLICT, "The job has already finished.");
        goto done;
    }
    /* One statement decides, on the row as it is when locked: a claim (which takes no writer
     * lock on PostgreSQL) may have made the job running since it was read above. */
    st = stmt_get(c,
                  "UPDATE jobs SET cancel_requested = 1, updated_at = ?2,"
                  " state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END,"
                  " finished_at = CASE WHEN state = 'queued' THEN ?2 ELSE finished_at END"
                  " WHERE id = ?1 AND state IN ('queued', 'running') RETURNING state = 'running'",
                  err);
    if (!st)
        goto done;
    bind_text(st, 1, id);
    bind_int(st, 2, now);
    step = stmt_step(st);
    if (step == ST_ROW) {
        *was_running = col_int(st, 0) != 0;
        step = stmt_step(st);
    }
    stmt_reset(st);
    if (step != ST_DONE) {
        sql_fail(c, step, "job cancel", err);
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
store_job_get(struct store *store, const char *org_id, const char *id, struct arena *arena,
              struct store_job *out, struct err *err)
{
    int rc;

    struct conn *c = conn_acquire(store, err);
    if (!c)
        return -1;
    memset(out, 0, sizeof(*out));
    if (org_id)
        rc = row_load(c, "SELECT " JOB_COLUMNS " FROM jobs WHERE org_id = ?1 AND id = ?2", org_id,
                      id, read_job, out, arena, "job", err);
    else
        rc = row_load(c, "SELECT " JOB_COLUMNS " FROM jobs WHERE ?1 IS NULL AND id = ?2", NULL, id,
                      read_job, out, arena, "job", err);
    conn_release(store, c);
    return rc;
}

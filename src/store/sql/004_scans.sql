-- 004_scans: the durable job queue that server-launched scans (and later webhook deliveries)
-- run through.
--
-- A job is claimed by one worker at a time: claiming sets state 'running', lease_owner and
-- lease_expires_at in one statement (see store_job_claim); the worker renews the lease while it
-- runs. A 'running' job whose lease expired (its worker died) is claimable again and is rerun
-- from the start. `kind` is generic ("scan", later "webhook"); `payload` is the kind's JSON.
CREATE TABLE jobs (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES orgs (id),
    kind              TEXT NOT NULL,
    payload           TEXT NOT NULL,
    state             TEXT NOT NULL
                      CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    attempts          INTEGER NOT NULL DEFAULT 0,  -- claims so far
    max_attempts      INTEGER NOT NULL,
    run_after         INTEGER NOT NULL,            -- not claimable before (unix seconds)
    lease_owner       TEXT,                        -- worker id while running
    lease_expires_at  INTEGER NOT NULL DEFAULT 0,
    cancel_requested  INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    finished_at       INTEGER NOT NULL DEFAULT 0
);
-- The claim's two searches: ready queued jobs, and running jobs by lease expiry.
CREATE INDEX jobs_claim ON jobs (kind, state, run_after, created_at);
CREATE INDEX jobs_lease ON jobs (kind, state, lease_expires_at);
CREATE INDEX jobs_org_running ON jobs (org_id, kind, state);

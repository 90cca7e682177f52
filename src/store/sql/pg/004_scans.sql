-- 004_scans (PostgreSQL; the SQLite twin is ../004_scans.sql): the durable job queue that server-launched scans (and later webhook deliveries)
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
    attempts          BIGINT NOT NULL DEFAULT 0,  -- claims so far
    max_attempts      BIGINT NOT NULL,
    run_after         BIGINT NOT NULL,            -- not claimable before (unix seconds)
    lease_owner       TEXT,                        -- worker id while running
    lease_expires_at  BIGINT NOT NULL DEFAULT 0,
    cancel_requested  BIGINT NOT NULL DEFAULT 0,
    last_error        TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    finished_at       BIGINT NOT NULL DEFAULT 0
);
-- The claim's two searches: ready queued jobs, and running jobs by lease expiry.
CREATE INDEX jobs_claim ON jobs (kind, state, run_after, created_at);
CREATE INDEX jobs_lease ON jobs (kind, state, lease_expires_at);
CREATE INDEX jobs_org_running ON jobs (org_id, kind, state);

-- Server-launched scans. `request` is the create body as accepted (no credentials: those are
-- refused until they can be stored encrypted); the job that runs the scan is job_id.
CREATE TABLE scans (
    id                    TEXT PRIMARY KEY,
    org_id                TEXT NOT NULL REFERENCES orgs (id),
    project_id            TEXT,
    status                TEXT NOT NULL
                          CHECK (status IN ('queued', 'running', 'complete', 'failed', 'cancelled')),
    target                TEXT NOT NULL,
    request               TEXT NOT NULL,
    job_id                TEXT NOT NULL,
    endpoints_discovered  BIGINT NOT NULL DEFAULT 0,
    endpoints_tested      BIGINT NOT NULL DEFAULT 0,
    requests_sent         BIGINT NOT NULL DEFAULT 0,
    findings              BIGINT NOT NULL DEFAULT 0,
    summary               TEXT,             -- {"critical": n, ...} once finished
    exit_status           BIGINT,          -- as `vigil scan` with the scan's fail_on
    error                 TEXT,             -- why it failed
    created_at            BIGINT NOT NULL,
    started_at            BIGINT NOT NULL DEFAULT 0,
    finished_at           BIGINT NOT NULL DEFAULT 0,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX scans_org_created ON scans (org_id, created_at, id);

-- A finished (or cancelled) scan's reports, rendered once by report/ from its results so every
-- download is the same bytes the CLI writes for them.
CREATE TABLE scan_reports (
    scan_id       TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    format        TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    body          BYTEA NOT NULL,
    PRIMARY KEY (scan_id, format)
);

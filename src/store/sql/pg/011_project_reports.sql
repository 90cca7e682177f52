-- 011_project_reports (PostgreSQL; the SQLite twin is ../011_project_reports.sql): reports of a project's findings, rendered in the background by a job of
-- kind "report" (payload {"report_id": "..."}) that the scan workers also claim.
--
-- `filters` is the accepted filter JSON ({"severity": [...], "status": [...]}); `counts` the
-- rendered findings per severity ({"critical": n, ...}) once ready; `content` the file.
CREATE TABLE project_reports (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs (id),
    project_id    TEXT NOT NULL,
    format        TEXT NOT NULL,
    title         TEXT NOT NULL,
    filters       TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'ready', 'failed')),
    job_id        TEXT NOT NULL,
    findings      BIGINT NOT NULL DEFAULT 0,
    counts        TEXT,
    error         TEXT,
    content_type  TEXT,
    content       BYTEA,
    size          BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    started_at    BIGINT NOT NULL DEFAULT 0,
    finished_at   BIGINT NOT NULL DEFAULT 0,
    render_ms     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX project_reports_org_project ON project_reports (org_id, project_id, created_at, id);

-- 006_ingest (PostgreSQL; the SQLite twin is ../006_ingest.sql): the source of imported findings and the import runs that wrote them.
--
-- A finding written by store_findings_ingest carries its source key (the tool or scan_type,
-- and the asset) and the last import run that saw it. A complete reimport of the same source
-- closes the open findings of that source that the run did not see. Findings created by hand
-- have no source key and are never closed by an import.

ALTER TABLE findings ADD COLUMN source_key TEXT;
ALTER TABLE findings ADD COLUMN last_import_id TEXT;
-- The key the source identifies the finding by (the tool's own fingerprint, or the computed
-- one at creation), kept when an edit changes the computed fingerprint.
ALTER TABLE findings ADD COLUMN source_fingerprint TEXT;
CREATE INDEX findings_source ON findings (org_id, project_id, source_key, source_fingerprint);

CREATE TABLE finding_imports (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    project_id  TEXT NOT NULL,
    source_key  TEXT NOT NULL,
    complete    BIGINT NOT NULL,
    created     BIGINT NOT NULL,
    updated     BIGINT NOT NULL,
    closed      BIGINT NOT NULL,
    reopened    BIGINT NOT NULL,
    skipped     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id)
);
CREATE INDEX finding_imports_org_project ON finding_imports (org_id, project_id, created_at, id);

-- 014_finding_sla: SLAs and risk acceptance (issue 11).
--
-- finding_sla holds an organization's SLA days per severity (PUT /settings/sla); an
-- organization without a row has the defaults (critical 7, high 30, medium 90, low 180; info
-- has none). findings.sla_due_at is first_seen + the days of the finding's severity, in unix
-- seconds, NULL for info: the store writes it with every insert and update of a finding and
-- rewrites it for the whole organization when the setting changes, so the sla_breached list
-- filter is a plain indexed comparison with the current time.
--
-- A risk acceptance (POST /findings/{id}/accept) is the four accept_* columns, set together
-- with status 'accepted' and cleared together when the status leaves it or the acceptance
-- expires (NULL otherwise). finding_history.note says why a status changed when the change
-- was not a plain edit ("risk accepted", "acceptance expired").
CREATE TABLE finding_sla (
    org_id         TEXT PRIMARY KEY REFERENCES orgs (id),
    critical_days  INTEGER NOT NULL,
    high_days      INTEGER NOT NULL,
    medium_days    INTEGER NOT NULL,
    low_days       INTEGER NOT NULL,
    updated_at     BIGINT NOT NULL
);

ALTER TABLE findings ADD COLUMN sla_due_at BIGINT;
ALTER TABLE findings ADD COLUMN accept_reason TEXT;
ALTER TABLE findings ADD COLUMN accept_expires_at BIGINT;
ALTER TABLE findings ADD COLUMN accept_by TEXT;
ALTER TABLE findings ADD COLUMN accept_at BIGINT;
ALTER TABLE finding_history ADD COLUMN note TEXT;

-- Existing findings get the default SLA (no organization has a setting yet).
UPDATE findings SET sla_due_at = CASE severity
    WHEN 4 THEN first_seen + 7 * 86400 WHEN 3 THEN first_seen + 30 * 86400
    WHEN 2 THEN first_seen + 90 * 86400 WHEN 1 THEN first_seen + 180 * 86400 END;

-- The sla_breached filter and the next-change moment of the ETags (store/findings.c).
CREATE INDEX findings_org_sla ON findings (org_id, status, sla_due_at);
-- The ingest's lookup of a known finding (store/ingest.c: org, project, source key, source
-- fingerprint, ORDER BY seq LIMIT 1) is planned once per connection, early, while the table is
-- small and has no statistics. The columns and indexes above tipped that generic plan over to
-- findings_org_project with a filter, a scan of the whole project per item (a 10,000-finding
-- bulk write went from 3 s to over 30 s). With seq in findings_source the index also gives the
-- order and the plan needs no sort: the generic plan takes it again (8,000 items: 7.5 s, as
-- before this migration).
DROP INDEX findings_source;
CREATE INDEX findings_source ON findings (org_id, project_id, source_key, source_fingerprint, seq);
-- Acceptances by expiry, partial (only rows with one): across organizations for the sweep,
-- within one for the read-side expiry check of every list and the ETags' next-change moment
-- (with org_id leading, so that check is not planned over an org_id index of all the rows).
CREATE INDEX findings_accept_expiry ON findings (accept_expires_at) WHERE accept_expires_at IS NOT NULL;
CREATE INDEX findings_org_accept_expiry ON findings (org_id, accept_expires_at)
    WHERE accept_expires_at IS NOT NULL;

-- FINDING_COLUMNS grew the SLA and acceptance columns: the scan findings view carries the
-- landed finding's (NULL for a finding the scan did not land in a project).
DROP VIEW scan_findings_view;
CREATE VIEW scan_findings_view AS
SELECT s.seq AS seq, coalesce(f.id, s.id) AS id, s.org_id AS org_id, s.project_id AS project_id,
       s.asset_id AS asset_id, s.scan_id AS scan_id, s.title AS title, s.severity AS severity,
       coalesce(f.status, 'open') AS status, s.confidence AS confidence,
       s.description AS description, s.remediation AS remediation,
       s.cvss_vector AS cvss_vector, s.cvss_score AS cvss_score, s.cwe AS cwe, s.owasp AS owasp,
       s.endpoint AS endpoint, s.risk_score AS risk_score, s.check_id AS check_id,
       s.ev_request AS ev_request, s.ev_response AS ev_response, s.ev_notes AS ev_notes,
       s.refs AS refs, coalesce(f.fingerprint, s.fingerprint) AS fingerprint,
       coalesce(f.first_seen, s.created_at) AS first_seen,
       coalesce(f.last_seen, s.created_at) AS last_seen, s.created_at AS created_at,
       coalesce(f.updated_at, s.created_at) AS updated_at,
       f.sla_due_at AS sla_due_at, f.accept_reason AS accept_reason,
       f.accept_expires_at AS accept_expires_at, f.accept_by AS accept_by,
       f.accept_at AS accept_at
FROM scan_findings s
LEFT JOIN findings f ON f.org_id = s.org_id AND f.project_id = s.project_id
    AND f.source_key = s.source_key AND f.source_fingerprint = s.fingerprint;

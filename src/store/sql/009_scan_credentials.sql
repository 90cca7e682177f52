-- 009_scan_credentials: target credentials of server scans (sealed), the findings each scan
-- found, reruns, and the per-organization scan target policy.
--
-- `credentials` is the sealed JSON {"org", "auth", "auth_secondary"} (auth/secretbox.h: nonce
-- and ciphertext; the key lives in a key file beside jwt.keys, never in the database).
-- `auth_summary` is what GET may show of them: types and non-secret fields. A scan's
-- credentials are wiped (set to NULL, state 'wiped') when it ends, unless keep_credentials.
ALTER TABLE scans ADD COLUMN credentials BLOB;
ALTER TABLE scans ADD COLUMN credentials_state TEXT NOT NULL DEFAULT 'none'
    CHECK (credentials_state IN ('none', 'stored', 'wiped'));
ALTER TABLE scans ADD COLUMN keep_credentials INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scans ADD COLUMN auth_summary TEXT;
ALTER TABLE scans ADD COLUMN rerun_of TEXT;  -- the scan this one reran

-- The findings of one scan as it reported them (evidence already masked by the engine), with
-- the source key their platform copies carry (project scans), so a listing shows each one's
-- live platform status and id.
CREATE TABLE scan_findings (
    seq           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL,
    org_id        TEXT NOT NULL REFERENCES orgs (id),
    scan_id       TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    project_id    TEXT,
    asset_id      TEXT,
    source_key    TEXT,
    title         TEXT NOT NULL,
    severity      INTEGER NOT NULL,
    confidence    INTEGER NOT NULL,
    description   TEXT,
    remediation   TEXT,
    cvss_vector   TEXT,
    cvss_score    REAL,
    cwe           TEXT,
    owasp         TEXT,
    endpoint      TEXT,
    risk_score    INTEGER NOT NULL DEFAULT 0,
    check_id      TEXT,
    ev_request    TEXT,
    ev_response   TEXT,
    ev_notes      TEXT,
    refs          TEXT NOT NULL DEFAULT '[]',
    fingerprint   TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX scan_findings_scan ON scan_findings (org_id, scan_id, severity, created_at, id);

-- FINDING_COLUMNS over a scan's findings: the platform finding's id and status when the scan
-- landed it in a project, else its own id and "open".
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
       coalesce(f.updated_at, s.created_at) AS updated_at
FROM scan_findings s
LEFT JOIN findings f ON f.org_id = s.org_id AND f.project_id = s.project_id
    AND f.source_key = s.source_key AND f.source_fingerprint = s.fingerprint;

-- Networks an organization's admin allowed its scans to reach (PUT /settings/scan-policy),
-- on top of the server's VIGIL_SCAN_ALLOW. `allow` is "cidr,cidr" ("" = none).
CREATE TABLE scan_policies (
    org_id      TEXT PRIMARY KEY REFERENCES orgs (id),
    allow       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);

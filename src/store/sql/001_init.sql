-- 001_init: organizations, API tokens, the four resources, finding history, idempotency keys,
-- row counters and the findings full-text index.
--
-- Conventions: ids are TEXT with a type prefix; times are INTEGER unix seconds (0 = never);
-- every row carries org_id, and every reference from one tenant row to another is a composite
-- foreign key (org_id, x_id) -> (org_id, id), so even a bug above the store cannot link rows
-- of two organizations. Enums are stored as their canonical lowercase names, except ordered
-- scales (severity, confidence, criticality), stored as their rank (0 = lowest) so that they
-- sort by meaning.

CREATE TABLE orgs (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs (id),
    name          TEXT NOT NULL,
    scopes        TEXT NOT NULL,            -- space-separated scope names (model/scope.h)
    token_prefix  TEXT NOT NULL,
    digest        BLOB NOT NULL UNIQUE,     -- SHA-256 of the secret; the auth lookup key
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL DEFAULT 0,
    last_used_at  INTEGER NOT NULL DEFAULT 0,
    revoked_at    INTEGER NOT NULL DEFAULT 0,
    created_by    TEXT
);
CREATE INDEX api_tokens_org_created ON api_tokens (org_id, created_at, id);

CREATE TABLE clients (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    name        TEXT NOT NULL,
    contact     TEXT,
    notes       TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (org_id, id)
);
CREATE INDEX clients_org_created ON clients (org_id, created_at, id);
CREATE INDEX clients_org_updated ON clients (org_id, updated_at, id);
CREATE INDEX clients_org_name ON clients (org_id, name, id);

CREATE TABLE projects (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs (id),
    client_id    TEXT,
    name         TEXT NOT NULL,
    status       TEXT NOT NULL
                 CHECK (status IN ('planned', 'in_progress', 'completed', 'archived')),
    start_date   TEXT,                      -- 'YYYY-MM-DD'
    end_date     TEXT CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date),
    description  TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, client_id) REFERENCES clients (org_id, id)
);
CREATE INDEX projects_org_created ON projects (org_id, created_at, id);
CREATE INDEX projects_org_updated ON projects (org_id, updated_at, id);
CREATE INDEX projects_org_status ON projects (org_id, status, created_at, id);
CREATE INDEX projects_org_client ON projects (org_id, client_id, created_at, id);
CREATE INDEX projects_org_name ON projects (org_id, name, id);

CREATE TABLE assets (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs (id),
    project_id   TEXT NOT NULL,
    type         TEXT NOT NULL CHECK (type IN ('host', 'domain', 'url', 'api', 'ip_range',
                                               'repository', 'device')),
    value        TEXT NOT NULL,
    tags         TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    criticality  INTEGER NOT NULL CHECK (criticality BETWEEN 0 AND 3),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id)
);
CREATE INDEX assets_org_created ON assets (org_id, created_at, id);
CREATE INDEX assets_org_updated ON assets (org_id, updated_at, id);
CREATE INDEX assets_org_project ON assets (org_id, project_id, created_at, id);
CREATE INDEX assets_org_type ON assets (org_id, type, created_at, id);
CREATE INDEX assets_org_criticality ON assets (org_id, criticality, created_at, id);

-- seq is the stable integer key the full-text index refers to (a table whose primary key is
-- not an INTEGER PRIMARY KEY may have its rowids renumbered by VACUUM).
CREATE TABLE findings (
    seq           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    org_id        TEXT NOT NULL REFERENCES orgs (id),
    project_id    TEXT NOT NULL,
    asset_id      TEXT,
    scan_id       TEXT,
    title         TEXT NOT NULL,
    severity      INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 4),
    status        TEXT NOT NULL CHECK (status IN ('open', 'confirmed', 'remediated', 'accepted',
                                                  'false_positive')),
    confidence    INTEGER NOT NULL CHECK (confidence BETWEEN 0 AND 2),
    description   TEXT,
    remediation   TEXT,
    cvss_vector   TEXT,
    cvss_score    REAL,                     -- NULL when there is no vector
    cwe           TEXT,
    owasp         TEXT,
    endpoint      TEXT,
    risk_score    INTEGER NOT NULL DEFAULT 0 CHECK (risk_score BETWEEN 0 AND 100),
    check_id      TEXT,
    ev_request    TEXT,
    ev_response   TEXT,
    ev_notes      TEXT,
    refs          TEXT NOT NULL DEFAULT '[]', -- JSON array of strings ("references" is reserved)
    fingerprint   TEXT NOT NULL,
    first_seen    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id),
    FOREIGN KEY (org_id, asset_id) REFERENCES assets (org_id, id)
);
CREATE INDEX findings_org_created ON findings (org_id, created_at, id);
CREATE INDEX findings_org_updated ON findings (org_id, updated_at, id);
CREATE INDEX findings_org_severity ON findings (org_id, severity, created_at, id);
CREATE INDEX findings_org_status ON findings (org_id, status, created_at, id);
CREATE INDEX findings_org_confidence ON findings (org_id, confidence, created_at, id);
CREATE INDEX findings_org_project ON findings (org_id, project_id, created_at, id);
CREATE INDEX findings_org_asset ON findings (org_id, asset_id, created_at, id);
CREATE INDEX findings_org_scan ON findings (org_id, scan_id, created_at, id);
CREATE INDEX findings_org_cwe ON findings (org_id, cwe, created_at, id);
CREATE INDEX findings_org_owasp ON findings (org_id, owasp, created_at, id);
CREATE INDEX findings_org_check ON findings (org_id, check_id, created_at, id);
CREATE INDEX findings_org_fingerprint ON findings (org_id, fingerprint, project_id);
CREATE INDEX findings_org_risk ON findings (org_id, risk_score, id);
CREATE INDEX findings_org_last_seen ON findings (org_id, last_seen, id);

CREATE TABLE finding_history (
    seq          INTEGER PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs (id),
    finding_id   TEXT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    from_status  TEXT,                      -- NULL for the creation entry
    to_status    TEXT NOT NULL,
    at           INTEGER NOT NULL,
    actor        TEXT NOT NULL
);
CREATE INDEX finding_history_finding ON finding_history (finding_id, seq);

CREATE TABLE idempotency_keys (
    org_id        TEXT NOT NULL REFERENCES orgs (id),
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
    status        INTEGER,
    content_type  TEXT,
    body          BLOB,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (org_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Unfiltered list totals come from here (one row read) instead of counting every row.
CREATE TABLE row_counts (
    org_id  TEXT NOT NULL,
    kind    TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (org_id, kind)
) WITHOUT ROWID;

CREATE TRIGGER clients_count_ins AFTER INSERT ON clients BEGIN
    INSERT INTO row_counts (org_id, kind, n) VALUES (NEW.org_id, 'clients', 1)
        ON CONFLICT (org_id, kind) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER clients_count_del AFTER DELETE ON clients BEGIN
    UPDATE row_counts SET n = n - 1 WHERE org_id = OLD.org_id AND kind = 'clients';
END;
CREATE TRIGGER projects_count_ins AFTER INSERT ON projects BEGIN
    INSERT INTO row_counts (org_id, kind, n) VALUES (NEW.org_id, 'projects', 1)
        ON CONFLICT (org_id, kind) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER projects_count_del AFTER DELETE ON projects BEGIN
    UPDATE row_counts SET n = n - 1 WHERE org_id = OLD.org_id AND kind = 'projects';
END;
CREATE TRIGGER assets_count_ins AFTER INSERT ON assets BEGIN
    INSERT INTO row_counts (org_id, kind, n) VALUES (NEW.org_id, 'assets', 1)
        ON CONFLICT (org_id, kind) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER assets_count_del AFTER DELETE ON assets BEGIN
    UPDATE row_counts SET n = n - 1 WHERE org_id = OLD.org_id AND kind = 'assets';
END;
CREATE TRIGGER findings_count_ins AFTER INSERT ON findings BEGIN
    INSERT INTO row_counts (org_id, kind, n) VALUES (NEW.org_id, 'findings', 1)
        ON CONFLICT (org_id, kind) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER findings_count_del AFTER DELETE ON findings BEGIN
    UPDATE row_counts SET n = n - 1 WHERE org_id = OLD.org_id AND kind = 'findings';
END;

-- Full-text search over findings: an external-content FTS5 table kept in step by triggers.
CREATE VIRTUAL TABLE findings_fts USING fts5 (
    title, description, remediation, endpoint, cwe, owasp,
    content = 'findings', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER findings_fts_ins AFTER INSERT ON findings BEGIN
    INSERT INTO findings_fts (rowid, title, description, remediation, endpoint, cwe, owasp)
        VALUES (NEW.seq, NEW.title, NEW.description, NEW.remediation, NEW.endpoint, NEW.cwe,
                NEW.owasp);
END;
CREATE TRIGGER findings_fts_del AFTER DELETE ON findings BEGIN
    INSERT INTO findings_fts (findings_fts, rowid, title, description, remediation, endpoint,
                              cwe, owasp)
        VALUES ('delete', OLD.seq, OLD.title, OLD.description, OLD.remediation, OLD.endpoint,
                OLD.cwe, OLD.owasp);
END;
CREATE TRIGGER findings_fts_upd AFTER UPDATE OF title, description, remediation, endpoint, cwe,
    owasp ON findings BEGIN
    INSERT INTO findings_fts (findings_fts, rowid, title, description, remediation, endpoint,
                              cwe, owasp)
        VALUES ('delete', OLD.seq, OLD.title, OLD.description, OLD.remediation, OLD.endpoint,
                OLD.cwe, OLD.owasp);
    INSERT INTO findings_fts (rowid, title, description, remediation, endpoint, cwe, owasp)
        VALUES (NEW.seq, NEW.title, NEW.description, NEW.remediation, NEW.endpoint, NEW.cwe,
                NEW.owasp);
END;

-- 002_identity (PostgreSQL; the SQLite twin is ../002_identity.sql): users, service accounts, token ownership, refresh-token families, one-time
-- password-set tokens and the audit log.
--
-- A personal token has user_id set, a service token service_account_id; a token with neither
-- is an operator token (the first start's and `vigil org create`'s), which acts as an admin of
-- its organization. Deleting a user deletes the row: the auth layer finds no owner for the
-- user's tokens, JWTs and refresh tokens, and refuses them at once.

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES orgs (id),
    username       TEXT NOT NULL,
    password_hash  TEXT,                    -- argon2id PHC string; NULL until set
    role           TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    disabled       BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (org_id, id)
);
-- Usernames are unique case-insensitively (ASCII case, as SQLite's NOCASE): lower() indexes.
CREATE UNIQUE INDEX users_org_username ON users (org_id, lower(username));
CREATE INDEX users_username ON users (lower(username));
CREATE INDEX users_org_created ON users (org_id, created_at, id);

CREATE TABLE service_accounts (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    created_by  TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (org_id, id)
);
CREATE INDEX service_accounts_org_created ON service_accounts (org_id, created_at, id);

ALTER TABLE api_tokens ADD COLUMN user_id TEXT;
ALTER TABLE api_tokens ADD COLUMN service_account_id TEXT;
CREATE INDEX api_tokens_user ON api_tokens (user_id);
CREATE INDEX api_tokens_service_account ON api_tokens (service_account_id);

CREATE TABLE refresh_families (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    user_id     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX refresh_families_user ON refresh_families (user_id);

CREATE TABLE refresh_tokens (
    digest      BYTEA PRIMARY KEY,           -- SHA-256 of the token
    family_id   TEXT NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE password_tokens (
    digest      BYTEA PRIMARY KEY,           -- SHA-256 of the one-time token
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    user_id     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX password_tokens_user ON password_tokens (user_id);

CREATE TABLE audit_events (
    id             TEXT PRIMARY KEY,
    org_id         TEXT,                    -- NULL for a failed login naming no known user
    actor          TEXT,                    -- "usr_...", "svc_...", "tok_..." or NULL
    credential_id  TEXT,                    -- "tok_..." or the JWT's jti
    action         TEXT NOT NULL,
    target         TEXT,
    request_id     TEXT,
    client_addr    TEXT,
    created_at     BIGINT NOT NULL,
    seq            BIGINT NOT NULL         -- insertion order within a second
);
CREATE INDEX audit_events_org_created ON audit_events (org_id, created_at, seq);

-- 007_idem_scope (PostgreSQL; the SQLite twin is ../007_idem_scope.sql): idempotency keys scoped to (organization, principal, method, route).
--
-- A key used to be one per organization, shared by every credential and every route, so one
-- caller's key could answer another's request (issue 14). Now a key belongs to the principal
-- that sent it (a user for its JWTs and cookie sessions, else the API token) and to the method
-- and route template ("/api/v1/service-accounts/{id}/tokens"): another principal or another
-- route using the same key string starts afresh. The request hash still covers the concrete
-- path and the body, so the same key on the same route with another {id} or body is a 422.
--
-- state 'secret': the request succeeded but its answer carried a secret shown only once (an
-- API token, an invite token); no body is kept and a replay is answered 409 with the Location
-- of the created resource. Keys live 24 h, so the rows of the old table are dropped, not moved.

DROP TABLE idempotency_keys;

CREATE TABLE idempotency_keys (
    org_id        TEXT NOT NULL REFERENCES orgs (id),
    principal     TEXT NOT NULL,              -- "usr_...", or the token id "tok_..."
    method        TEXT NOT NULL,              -- "POST"
    route         TEXT NOT NULL,              -- the route template, "/api/v1/clients"
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('in_flight', 'done', 'secret')),
    status        BIGINT,
    content_type  TEXT,
    location      TEXT,
    body          BYTEA,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (org_id, principal, method, route, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

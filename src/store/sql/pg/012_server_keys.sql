-- 012_server_keys (PostgreSQL; the SQLite twin is ../012_server_keys.sql): the keys every
-- server process sharing this database must agree on (the JWT signing key ring, the key that
-- seals scan target credentials), sealed with the servers' key-encryption key.
CREATE TABLE server_keys (
    name        TEXT PRIMARY KEY CHECK (name IN ('jwt', 'scan-credentials')),
    sealed      BYTEA NOT NULL,
    created_at  BIGINT NOT NULL
);

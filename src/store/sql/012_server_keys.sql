-- 012_server_keys: the keys every server process sharing this database must agree on (the
-- JWT signing key ring, the key that seals scan target credentials), when the servers are
-- given a key-encryption key (--key-encryption-key-file; auth/server_keys.h). `sealed` is the
-- key material sealed with the KEK (auth/secretbox.h: nonce and ciphertext), so the database
-- alone never holds a usable key. A row is written once, by whichever server starts first
-- (INSERT ... ON CONFLICT DO NOTHING), and read by every other.
CREATE TABLE server_keys (
    name        TEXT PRIMARY KEY CHECK (name IN ('jwt', 'scan-credentials')),
    sealed      BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);

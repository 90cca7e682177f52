-- 008_webhooks: webhook endpoints, the event outbox and the delivery log.
--
-- An event row (webhook_events) is written in the SAME transaction as the change that caused
-- it, and only when an active endpoint of the organization subscribes to it: a rolled-back
-- change leaves no event, a committed one cannot lose its event. The dispatcher fans each
-- undispatched event out into one delivery per subscribed active endpoint, each with a job
-- (kind 'webhook', payload {"delivery_id"}) on the queue of migration 004; every attempt of a
-- delivery is a row of webhook_attempts.
CREATE TABLE webhooks (
    seq                         INTEGER PRIMARY KEY,
    id                          TEXT NOT NULL UNIQUE,
    org_id                      TEXT NOT NULL REFERENCES orgs (id),
    url                         TEXT NOT NULL,
    events                      TEXT NOT NULL,       -- JSON array of names, possibly ["*"]
    secret                      TEXT NOT NULL,
    previous_secret             TEXT,                -- the rotated-out secret, signing beside
    previous_secret_expires_at  INTEGER NOT NULL DEFAULT 0,  -- ... the new one until then
    active                      INTEGER NOT NULL DEFAULT 1,
    description                 TEXT,
    failing_since               INTEGER NOT NULL DEFAULT 0,  -- first failure of the streak
    disabled_reason             TEXT,                -- set when the server deactivated it
    created_at                  INTEGER NOT NULL,
    updated_at                  INTEGER NOT NULL,
    UNIQUE (org_id, id)
);
CREATE INDEX webhooks_org_created ON webhooks (org_id, created_at, id);
CREATE INDEX webhooks_org_active ON webhooks (org_id, active);

-- The outbox. `body` is the exact JSON every delivery of the event sends; `id` is the
-- webhook-id header, stable across retries and redeliveries.
CREATE TABLE webhook_events (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,             -- "msg_..."
    org_id         TEXT NOT NULL REFERENCES orgs (id),
    event          TEXT NOT NULL,
    body           TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    dispatched_at  INTEGER                           -- NULL until fanned out
);
CREATE INDEX webhook_events_pending ON webhook_events (seq) WHERE dispatched_at IS NULL;

CREATE TABLE webhook_deliveries (
    seq              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,           -- "dlv_..."
    org_id           TEXT NOT NULL,
    webhook_id       TEXT NOT NULL,
    event_id         TEXT NOT NULL REFERENCES webhook_events (id),
    event            TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL DEFAULT 0,     -- 0 once settled
    job_id           TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    FOREIGN KEY (org_id, webhook_id) REFERENCES webhooks (org_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (org_id, webhook_id, created_at, id);
CREATE INDEX webhook_deliveries_status ON webhook_deliveries (org_id, webhook_id, status,
                                                              created_at, id);

CREATE TABLE webhook_attempts (
    seq          INTEGER PRIMARY KEY,
    delivery_id  TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt      INTEGER NOT NULL,                   -- 1, 2, ...
    at           INTEGER NOT NULL,                   -- unix seconds the request went out
    status_code  INTEGER,                            -- NULL when no answer came
    latency_ms   INTEGER NOT NULL,
    error        TEXT,                               -- why it failed, NULL on success
    response     TEXT                                -- the first 4 KiB of the answer body
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);

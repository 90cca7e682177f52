-- 015_audit_seq (PostgreSQL; the SQLite twin is ../015_audit_seq.sql): audit_events.seq is assigned by the database (max + 1 in the write
-- transaction) instead of a per-process counter, so events of one second keep their order
-- across restarts and across servers sharing the database; this index makes max(seq) a lookup.
CREATE INDEX audit_events_seq ON audit_events (seq);

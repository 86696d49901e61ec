-- Audit events without AUTOINCREMENT. Nothing refers to an event's id (an event is deleted only with its
-- push, and ids only order a push's events), so ids need not stay unused after a deletion; AUTOINCREMENT
-- also wrote sqlite_sequence in every transaction that added an event: one more WAL page per view
-- (`npm run bench:wal`). A plain INTEGER PRIMARY KEY is the rowid, still increasing.
CREATE TABLE audit_events_rebuilt (
  id INTEGER PRIMARY KEY,
  push_id INTEGER NOT NULL REFERENCES pushes (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  reason TEXT,
  ip TEXT,
  user_agent TEXT,
  referrer TEXT,
  user_id INTEGER,
  created_at INTEGER NOT NULL
);
INSERT INTO audit_events_rebuilt (id, push_id, kind, reason, ip, user_agent, referrer, user_id, created_at)
  SELECT id, push_id, kind, reason, ip, user_agent, referrer, user_id, created_at FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_rebuilt RENAME TO audit_events;
CREATE INDEX audit_events_by_push ON audit_events (push_id, id);
DELETE FROM sqlite_sequence WHERE name = 'audit_events';

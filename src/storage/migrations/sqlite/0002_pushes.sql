-- Pushes: metadata only. The payload lives in push_payloads so that expiry deletes a whole row.
-- Times are epoch milliseconds; flags are 0/1.
CREATE TABLE pushes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  url_token TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  owner_user_id INTEGER,
  name TEXT NOT NULL DEFAULT '',
  encryption TEXT NOT NULL,
  expire_after_days INTEGER,
  expire_after_views INTEGER NOT NULL,
  views_remaining INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  retrieval_step INTEGER NOT NULL,
  deletable_by_viewer INTEGER,
  passphrase_record TEXT,
  passphrase_failures INTEGER NOT NULL DEFAULT 0,
  passphrase_window_start INTEGER NOT NULL DEFAULT 0,
  passphrase_window_count INTEGER NOT NULL DEFAULT 0,
  note_envelope BLOB,
  audit_event_count INTEGER NOT NULL DEFAULT 0,
  expired INTEGER NOT NULL DEFAULT 0,
  expired_at INTEGER,
  expire_reason TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX pushes_active_by_expiry ON pushes (expires_at) WHERE expired = 0;
CREATE INDEX pushes_expired_by_time ON pushes (expired_at) WHERE expired = 1;
CREATE INDEX pushes_by_owner ON pushes (owner_user_id, created_at);

CREATE TABLE push_payloads (
  push_id INTEGER PRIMARY KEY REFERENCES pushes (id) ON DELETE CASCADE,
  payload_envelope BLOB NOT NULL
);

CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  push_id INTEGER NOT NULL REFERENCES pushes (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  reason TEXT,
  ip TEXT,
  user_agent TEXT,
  referrer TEXT,
  user_id INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX audit_events_by_push ON audit_events (push_id, id);

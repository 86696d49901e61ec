-- Requests: an account asks someone for a secret; answers are encrypted to the requester's public key
-- (docs/requests-encryption.md), so the server stores answers it cannot read. Times are epoch
-- milliseconds; flags are 0/1. Answers' payloads live in their own table so that expiry deletes a row.
CREATE TABLE requests (
  id BIGSERIAL PRIMARY KEY,
  url_token TEXT NOT NULL UNIQUE,
  owner_user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- For the requester's records only.
  name TEXT NOT NULL DEFAULT '',
  -- Shown to responders: who asks.
  requester_name TEXT NOT NULL DEFAULT '',
  -- Shown to responders; sealed with the master key at rest.
  instructions_envelope BYTEA,
  key_algorithm TEXT NOT NULL,
  public_key TEXT NOT NULL,
  answers_allowed INTEGER NOT NULL,
  answers_remaining INTEGER NOT NULL,
  -- File answers are a follow-up; the flag is part of a request already.
  files_allowed INTEGER NOT NULL DEFAULT 0,
  answer_lifetime_minutes INTEGER NOT NULL,
  answer_views INTEGER NOT NULL,
  expires_at BIGINT NOT NULL,
  passphrase_record TEXT,
  passphrase_failures INTEGER NOT NULL DEFAULT 0,
  passphrase_window_start BIGINT NOT NULL DEFAULT 0,
  passphrase_window_count INTEGER NOT NULL DEFAULT 0,
  audit_event_count INTEGER NOT NULL DEFAULT 0,
  closed INTEGER NOT NULL DEFAULT 0,
  closed_at BIGINT,
  close_reason TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX requests_open_by_expiry ON requests (expires_at) WHERE closed = 0;
CREATE INDEX requests_closed_by_time ON requests (closed_at) WHERE closed = 1;
CREATE INDEX requests_by_owner ON requests (owner_user_id, created_at);

-- kind: 'text' (a sealed text), or 'files' (a sealed message plus files, a follow-up that adds a table
-- of the answer's files here). encryption: 'client' (sealed in the responder's browser) or 'server'
-- (no JavaScript: the server sealed it to the same public key).
CREATE TABLE request_answers (
  id BIGSERIAL PRIMARY KEY,
  request_id BIGINT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
  answer_token TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  encryption TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  expire_after_views INTEGER NOT NULL,
  views_remaining INTEGER NOT NULL,
  expires_at BIGINT NOT NULL,
  expired INTEGER NOT NULL DEFAULT 0,
  expired_at BIGINT,
  expire_reason TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX request_answers_by_request ON request_answers (request_id, id);
CREATE INDEX request_answers_active_by_expiry ON request_answers (expires_at) WHERE expired = 0;

CREATE TABLE request_answer_payloads (
  answer_id BIGINT PRIMARY KEY REFERENCES request_answers (id) ON DELETE CASCADE,
  payload_envelope BYTEA NOT NULL
);

CREATE TABLE request_audit_events (
  id BIGSERIAL PRIMARY KEY,
  request_id BIGINT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
  answer_id BIGINT REFERENCES request_answers (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  reason TEXT,
  ip TEXT,
  user_agent TEXT,
  referrer TEXT,
  user_id BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX request_audit_events_by_request ON request_audit_events (request_id, id);

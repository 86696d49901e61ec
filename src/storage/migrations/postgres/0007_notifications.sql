-- Notifications (docs/webhooks.md). The outbox holds events written in the same transaction as the
-- change that causes them; workers in any process fan each event out to its destinations (delivery
-- rows) and deliver them with retries. Nothing here holds a payload, a key or a link token. Times are
-- epoch milliseconds; flags are 0/1.
CREATE TABLE notification_outbox (
  id BIGSERIAL PRIMARY KEY,
  -- The public event id (webhook-id): random, the same on every retry and every destination.
  event_id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  -- No foreign keys: the event outlives the push or request it tells of (purges delete those).
  push_id BIGINT,
  request_id BIGINT,
  -- The account the push or request belongs to (receipts and account webhooks); NULL for anonymous pushes.
  owner_user_id BIGINT,
  subject_name TEXT NOT NULL DEFAULT '',
  occurred_at BIGINT NOT NULL,
  dispatched_at BIGINT
);
CREATE INDEX notification_outbox_pending ON notification_outbox (id) WHERE dispatched_at IS NULL;
CREATE INDEX notification_outbox_dispatched ON notification_outbox (dispatched_at) WHERE dispatched_at IS NOT NULL;

-- owner_user_id NULL: an instance-wide webhook (admins); else an account's own.
CREATE TABLE webhooks (
  id BIGSERIAL PRIMARY KEY,
  owner_user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  -- Space-separated event types from the catalogue (src/notifications/event-catalogue.ts).
  events TEXT NOT NULL,
  -- The signing secret, sealed with the master key.
  secret_envelope BYTEA NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX webhooks_by_owner ON webhooks (owner_user_id);

-- One row per event and destination. channel: 'webhook' (webhook_id) or 'email' (a receipt to user_id).
-- status: 'pending' (next_attempt_at says when; a claim pushes it past the lease), 'delivered', 'failed'.
CREATE TABLE notification_deliveries (
  id BIGSERIAL PRIMARY KEY,
  outbox_id BIGINT NOT NULL REFERENCES notification_outbox (id) ON DELETE CASCADE,
  channel TEXT NOT NULL,
  webhook_id BIGINT REFERENCES webhooks (id) ON DELETE CASCADE,
  user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  give_up_at BIGINT NOT NULL,
  last_attempt_at BIGINT,
  last_status INTEGER,
  last_error TEXT,
  last_response TEXT,
  finished_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notification_deliveries_by_webhook ON notification_deliveries (webhook_id, id);
CREATE INDEX notification_deliveries_by_outbox ON notification_deliveries (outbox_id);

-- Receipts shown on the dashboard (the unread badge counts rows without read_at).
CREATE TABLE notification_inbox (
  id BIGSERIAL PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  push_id BIGINT,
  request_id BIGINT,
  subject_name TEXT NOT NULL DEFAULT '',
  occurred_at BIGINT NOT NULL,
  read_at BIGINT
);
CREATE INDEX notification_inbox_by_user ON notification_inbox (user_id, id);
CREATE INDEX notification_inbox_unread ON notification_inbox (user_id) WHERE read_at IS NULL;

-- An account's default receipts: which events, by email and/or on the dashboard.
CREATE TABLE receipt_preferences (
  user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  events TEXT NOT NULL,
  by_email INTEGER NOT NULL DEFAULT 0,
  on_dashboard INTEGER NOT NULL DEFAULT 1,
  updated_at BIGINT NOT NULL
);

-- A push's own receipts; NULL events: the owner's default. receipt_channels: 'email', 'dashboard', both or ''.
ALTER TABLE pushes ADD COLUMN receipt_events TEXT;
ALTER TABLE pushes ADD COLUMN receipt_channels TEXT;

-- Emailing a push's link to recipients (Password Pusher's notify_emails_to). Recipients and, for
-- end-to-end pushes the sender chose to send whole, the full link are sealed with the master key.
CREATE TABLE push_link_emails (
  id BIGSERIAL PRIMARY KEY,
  push_id BIGINT NOT NULL REFERENCES pushes (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  recipients_envelope BYTEA NOT NULL,
  recipients_count INTEGER NOT NULL,
  locale TEXT NOT NULL,
  link_envelope BYTEA,
  status TEXT NOT NULL DEFAULT 'pending',
  successful_sends INTEGER NOT NULL DEFAULT 0,
  error_message TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  finished_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX push_link_emails_due ON push_link_emails (next_attempt_at) WHERE status = 'pending';
CREATE INDEX push_link_emails_by_user ON push_link_emails (user_id, created_at);
CREATE INDEX push_link_emails_by_push ON push_link_emails (push_id);

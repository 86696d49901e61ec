-- Web accounts: sessions, two-factor authentication, email confirmation and reset, sign-in limits.
ALTER TABLE users ADD COLUMN email_confirmed_at BIGINT;
ALTER TABLE users ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until BIGINT;
-- The TOTP secret, sealed with the master key (it must be read back to check codes).
ALTER TABLE users ADD COLUMN totp_envelope BYTEA;
-- The last 30-second step a code was accepted for: a code is never accepted twice.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
ALTER TABLE users ADD COLUMN last_sign_in_at BIGINT;
-- Accounts made before email confirmation existed were made by an operator: count them as confirmed.
UPDATE users SET email_confirmed_at = created_at;

-- A session cookie holds a random token; only its SHA-256 is stored, so any process can serve any request.
CREATE TABLE sessions (
  id BIGSERIAL PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  -- 1 while the password was right but the second factor is still owed.
  mfa_pending INTEGER NOT NULL DEFAULT 0,
  ip TEXT,
  user_agent TEXT,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Single-use backup codes, stored as SHA-256 digests of 80-bit codes.
CREATE TABLE backup_codes (
  id BIGSERIAL PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_digest TEXT NOT NULL,
  used_at BIGINT
);
CREATE INDEX backup_codes_by_user ON backup_codes (user_id);

-- Links sent by email (confirm an address, reset a password): single use, stored as a hash.
CREATE TABLE email_tokens (
  id BIGSERIAL PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose TEXT NOT NULL,
  email TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  created_at BIGINT NOT NULL
);

-- Fixed-window counters shared by every process (sign-in attempts per IP and the like).
CREATE TABLE rate_limit_windows (
  bucket TEXT PRIMARY KEY,
  window_start BIGINT NOT NULL,
  hits INTEGER NOT NULL
);

-- Single sign-on (OIDC) identities, passkeys (WebAuthn credentials) and the short-lived sign-in challenges of both.
-- An account linked to an identity provider: one row per (provider, subject), the subject being the ID token's `sub`.
CREATE TABLE user_identities (
  id BIGSERIAL PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  provider TEXT NOT NULL,
  subject TEXT NOT NULL,
  email TEXT,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  UNIQUE (provider, subject)
);
CREATE INDEX user_identities_by_user ON user_identities (user_id);

-- A passkey: the credential id (base64url), its COSE public key and the signature counter last seen.
CREATE TABLE passkeys (
  id BIGSERIAL PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  credential_id TEXT NOT NULL UNIQUE,
  public_key BYTEA NOT NULL,
  counter BIGINT NOT NULL DEFAULT 0,
  transports TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT
);
CREATE INDEX passkeys_by_user ON passkeys (user_id);
-- How many passkeys the account has (kept with each insert and delete): a passkey is a second factor.
ALTER TABLE users ADD COLUMN passkey_count INTEGER NOT NULL DEFAULT 0;

-- One sign-in in flight (an OIDC redirect, a WebAuthn ceremony): found by the SHA-256 of a cookie value,
-- used once, and gone after ten minutes. `data` is JSON (state, nonce, PKCE verifier, challenge).
CREATE TABLE sign_in_challenges (
  id BIGSERIAL PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  purpose TEXT NOT NULL,
  data TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sign_in_challenges_by_expiry ON sign_in_challenges (expires_at);

-- How a session was signed in: password, passkey, or sso:<provider> (for the provider's sign-out and require-MFA).
ALTER TABLE sessions ADD COLUMN sign_in_method TEXT NOT NULL DEFAULT 'password';

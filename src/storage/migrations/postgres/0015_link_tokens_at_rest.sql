-- Link tokens at rest (issue 12, item 6): pushes keep the SHA-256 digest of their link token for
-- look-ups (link_digest, formerly url_token) and the token sealed with the master key (link_envelope)
-- for the owner's dashboard and rotate-keys. Rows written before this migration still hold the
-- plaintext token in link_digest and no envelope: the server seals and digests them at startup, before
-- it listens, since sealing needs the master key (src/pushes/push-store.ts, sealLegacyLinks).
ALTER TABLE pushes RENAME COLUMN url_token TO link_digest;
ALTER TABLE pushes ADD COLUMN link_envelope BYTEA;

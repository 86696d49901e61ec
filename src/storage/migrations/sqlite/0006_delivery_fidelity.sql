-- Delivery fidelity (issue 11).
-- link_proof_record: for an end-to-end push in format 2, 'proof-sha256$' + SHA-256 of the link proof derived
-- from the link secret (docs/e2e-encryption.md); no view is used without it. Null for server-encrypted and
-- format-1 pushes, and forgotten on expiry like the passphrase record.
-- passphrase_protected: whether the push was created with a passphrase (1) or not (0). It stays after expiry,
-- when the passphrase record itself is forgotten, so the API keeps saying the push was protected.
ALTER TABLE pushes ADD COLUMN link_proof_record TEXT;
ALTER TABLE pushes ADD COLUMN passphrase_protected INTEGER NOT NULL DEFAULT 0;
UPDATE pushes SET passphrase_protected = 1 WHERE passphrase_record IS NOT NULL;

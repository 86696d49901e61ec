-- Resumable (tus) uploads that have not become part of a push yet. The bytes live in the blob store under
-- uploads/<id>/; a row is deleted when a push takes its upload (in the push's creating transaction), when
-- the uploader cancels it, or when the sweeper finds it abandoned. Times are epoch milliseconds.
CREATE TABLE file_uploads (
  -- The tus upload id: 128 random bits (base64url), known only to the uploader.
  id TEXT PRIMARY KEY,
  -- The account that uploads; null for an anonymous upload (PASSDROP_FILE_PUSHES_ANONYMOUS).
  owner_user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
  -- 'e2e': the client sends a record stream (ciphertext); 'server': plaintext the server encrypts at rest.
  mode TEXT NOT NULL,
  -- Server mode: the file name and media type the client declared; '' for end-to-end uploads.
  name TEXT NOT NULL DEFAULT '',
  content_type TEXT NOT NULL DEFAULT '',
  -- Bytes the client declared (Upload-Length) and bytes received so far (Upload-Offset).
  size INTEGER NOT NULL,
  upload_offset INTEGER NOT NULL DEFAULT 0,
  -- Server mode: the upload's data key wrapped by the master key.
  wrapped_key BLOB,
  -- Set once every byte arrived and the pieces were joined into one blob.
  blob_key TEXT,
  stored_size INTEGER,
  created_at INTEGER NOT NULL,
  -- The last bytes received (or the creation): an upload is abandoned this long after its last activity.
  active_at INTEGER NOT NULL,
  completed_at INTEGER
);
CREATE INDEX file_uploads_by_owner ON file_uploads (owner_user_id);
CREATE INDEX file_uploads_by_activity ON file_uploads (active_at);

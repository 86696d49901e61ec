-- File pushes: the files of a push (kind 'file'), and the download windows that views open.
-- Contents live in the blob store under blob_key; the database holds metadata only. Times are epoch
-- milliseconds. A file row outlives its blob: blob_deleted_at says when the blob left the store.
CREATE TABLE push_files (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  push_id INTEGER NOT NULL REFERENCES pushes (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  -- Server-side uploads: the name and type the client sent. End-to-end uploads: '' (the server cannot know).
  name TEXT NOT NULL DEFAULT '',
  content_type TEXT NOT NULL DEFAULT '',
  -- End-to-end uploads: the sealed file metadata (name, type, size) only the link secret opens.
  sealed_metadata BLOB,
  -- Plaintext bytes (server-side) or the record stream's bytes (end-to-end).
  size INTEGER NOT NULL,
  stored_size INTEGER NOT NULL,
  blob_key TEXT NOT NULL UNIQUE,
  -- The file's data key wrapped by the master key (server-side uploads); null for end-to-end uploads.
  wrapped_key BLOB,
  upload_state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  blob_deleted_at INTEGER,
  UNIQUE (push_id, position)
);
CREATE INDEX push_files_with_blob ON push_files (push_id) WHERE blob_deleted_at IS NULL;

CREATE TABLE push_file_grants (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  push_id INTEGER NOT NULL REFERENCES pushes (id) ON DELETE CASCADE,
  grant_digest TEXT NOT NULL UNIQUE,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX push_file_grants_by_push ON push_file_grants (push_id, expires_at);

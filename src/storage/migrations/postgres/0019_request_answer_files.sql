-- Answers with files (docs/requests-encryption.md): a responder's browser seals each file to the request's
-- key and uploads it by tus; the answer takes its uploads in the transaction that accepts it. Times are epoch
-- milliseconds.

-- The open request that may take this upload into an answer (an anonymous responder's upload); null for
-- uploads meant for a push.
ALTER TABLE file_uploads ADD COLUMN request_id BIGINT REFERENCES requests (id) ON DELETE CASCADE;

-- Until when the answer's files may be downloaded: set by each view of an answer with files (the window
-- that view opens); null before the first view.
ALTER TABLE request_answers ADD COLUMN files_until BIGINT;

-- The files of an answer. Contents (a record stream only the requester's key opens) live in the blob store
-- under blob_key; a row outlives its blob: blob_deleted_at says when the blob left the store.
CREATE TABLE request_answer_files (
  id BIGSERIAL PRIMARY KEY,
  answer_id BIGINT NOT NULL REFERENCES request_answers (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  -- The file's name, type and size, sealed under its file key (docs/file-encryption.md, File metadata).
  sealed_metadata BYTEA NOT NULL,
  -- The record stream's bytes, and the bytes it takes in the store.
  size BIGINT NOT NULL,
  stored_size BIGINT NOT NULL,
  blob_key TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  blob_deleted_at BIGINT,
  UNIQUE (answer_id, position)
);
CREATE INDEX request_answer_files_stored ON request_answer_files (answer_id) WHERE blob_deleted_at IS NULL;

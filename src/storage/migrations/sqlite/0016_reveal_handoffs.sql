-- Post/redirect/get for the server's reveal form (issue 11). The POST that used a view holds the revealed
-- payload here, sealed under the master key, for the one GET it redirects to; that GET takes (deletes) it.
-- handle_digest: SHA-256 of the random handle the browser carries in a cookie scoped to the push's path.
-- A hold lives a minute at most (expires_at, epoch milliseconds); the expiry sweeper deletes what nobody took.
CREATE TABLE reveal_handoffs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  push_id INTEGER NOT NULL REFERENCES pushes (id) ON DELETE CASCADE,
  handle_digest TEXT NOT NULL UNIQUE,
  payload_envelope BLOB NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX reveal_handoffs_by_expiry ON reveal_handoffs (expires_at);

-- The owner index holds owned pushes only. Anonymous pushes (owner_user_id NULL) are never looked up by
-- owner, yet each one's create wrote a page of this index (`npm run bench:wal`). Queries by owner compare
-- owner_user_id with = or a join, which both databases know implies IS NOT NULL, so they still use it.
DROP INDEX pushes_by_owner;
CREATE INDEX pushes_by_owner ON pushes (owner_user_id, created_at) WHERE owner_user_id IS NOT NULL;

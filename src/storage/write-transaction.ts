import { sql, type Kysely, type Transaction } from 'kysely';
import type { DatabaseSchema } from './database-schema.js';
import type { Database } from './open-database.js';

export type WriteExecutor = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>;

/**
 * Runs `work` in a transaction that is about to write. On SQLite, `work` joins the next group commit
 * (src/storage/group-commit.ts): its own SAVEPOINT inside a transaction that the writes of one event-loop
 * turn share, begun IMMEDIATE; the promise settles after that transaction committed. Begun IMMEDIATE, taking the write
 * lock up front: a deferred transaction that reads first could fail with SQLITE_BUSY when another
 * process writes, instead of waiting for busy_timeout.
 *
 * When `work` (or the commit) fails, the rollback is attempted, but it is the first error that is
 * thrown: after an I/O error SQLite has often already rolled back on its own ("cannot rollback - no
 * transaction is active"), and on a PostgreSQL connection that just died the rollback fails too; either
 * of those would otherwise hide the real cause (and turn an outage into an unexplained 500).
 */
export async function writeTransaction<T>(database: Database, work: (db: WriteExecutor) => Promise<T>): Promise<T> {
  if (database.groupCommit) return database.groupCommit.run(work);
  return database.db.connection().execute(async (connection) => {
    await sql.raw(database.dialect === 'sqlite' ? 'begin immediate' : 'begin').execute(connection);
    try {
      const result = await work(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      try {
        await sql`rollback`.execute(connection);
      } catch (rollbackError) {
        if (error instanceof Error) (error as Error & { rollbackError?: unknown }).rollbackError = rollbackError;
      }
      throw error;
    }
  });
}

/**
 * Runs one write statement (atomic on its own; `work` must run exactly one): on SQLite it joins the group commit, so it shares the
 * transaction of the other writes of this event-loop turn instead of paying a commit of its own; on
 * PostgreSQL it runs on its own (autocommit), one round trip.
 */
export async function writeStatement<T>(database: Database, work: (db: WriteExecutor) => Promise<T>): Promise<T> {
  return database.groupCommit ? database.groupCommit.run(work, { singleStatement: true }) : work(database.db);
}

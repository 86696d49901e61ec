import { sql, type Kysely, type Transaction } from 'kysely';
import type { DatabaseSchema } from './database-schema.js';
import type { Database } from './open-database.js';

export type WriteExecutor = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>;

/**
 * Runs `work` in a transaction that is about to write. On SQLite it begins IMMEDIATE, taking the write
 * lock up front: a deferred transaction that reads first could fail with SQLITE_BUSY when another
 * process writes, instead of waiting for busy_timeout.
 */
export async function writeTransaction<T>(database: Database, work: (db: WriteExecutor) => Promise<T>): Promise<T> {
  if (database.dialect === 'postgres') return database.db.transaction().execute(work);
  return database.db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      const result = await work(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      await sql`rollback`.execute(connection);
      throw error;
    }
  });
}

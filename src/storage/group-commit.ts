import { CompiledQuery, type Kysely } from 'kysely';
import type { DatabaseSchema } from './database-schema.js';
import type { WriteExecutor } from './write-transaction.js';

// Built once: these run several times per request.
const BEGIN = CompiledQuery.raw('begin immediate');
const SAVEPOINT = CompiledQuery.raw('savepoint unit');
const RELEASE = CompiledQuery.raw('release unit');
const ROLLBACK_TO = CompiledQuery.raw('rollback to unit');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');

/** The most units of work one SQLite transaction carries before it commits (bounds how long the write lock is held). */
export const GROUP_COMMIT_MAX_BATCH = 256;

export interface GroupCommit {
  /**
   * Runs one unit of write work in the next shared transaction; resolves after that transaction has
   * committed. `singleStatement`: the work is one statement, which SQLite already applies all or nothing,
   * so it needs no savepoint of its own (two statements fewer).
   */
  run<T>(work: (db: WriteExecutor) => Promise<T>, options?: { readonly singleStatement?: boolean }): Promise<T>;
  /** Transactions committed and units of work committed in them so far (units / commits = the mean batch). */
  readonly stats: { readonly commits: number; readonly units: number };
}

interface PendingWork {
  readonly work: (db: WriteExecutor) => Promise<unknown>;
  readonly singleStatement: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for SQLite: the units of write work queued in one event-loop turn share one
 * `BEGIN IMMEDIATE … COMMIT`, each inside its own SAVEPOINT, so a unit that fails rolls back only its own
 * changes (and its caller gets its error), while every other unit still commits. A unit's promise settles
 * only after the COMMIT returned, so nobody answers a client before the write is durable; if the COMMIT
 * fails, every unit of the batch fails with that error.
 *
 * Units run one after another on the one connection (Kysely's SQLite driver has a single connection and a
 * mutex), exactly as separate transactions would, so no other transaction can be open across a flush.
 * A write lock is taken once per batch instead of once per request: SQLite writes a page to the WAL once
 * per commit however many rows of it changed, which is where the savings come from (issue 19).
 *
 * When SQLite itself abandons the transaction (an I/O error or a full disk rolls it back whole), the units
 * that had already succeeded in it are lost: they fail with the same error, and the rest of the batch
 * continues in a new transaction.
 *
 * @param inTransaction whether the connection is inside a transaction (better-sqlite3's `inTransaction`).
 */
export function createGroupCommit(db: Kysely<DatabaseSchema>, inTransaction: () => boolean): GroupCommit {
  const queue: PendingWork[] = [];
  let scheduled = false;
  const stats = { commits: 0, units: 0 };

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      flush().then(
        () => {
          scheduled = false;
          if (queue.length > 0) schedule();
        },
        // The connection could not be had (the database was closed while work was queued): that work fails.
        (error: unknown) => {
          scheduled = false;
          for (const unit of queue.splice(0)) unit.reject(error);
        },
      );
    });
  }

  async function flush(): Promise<void> {
    await db.connection().execute(async (connection) => {
      let done: Array<{ unit: PendingWork; value: unknown }> = [];
      let open = false;
      let carried = 0;
      const failDone = (error: unknown) => {
        for (const { unit } of done) unit.reject(error);
        done = [];
      };
      while (queue.length > 0 && carried < GROUP_COMMIT_MAX_BATCH) {
        const unit = queue.shift()!;
        carried += 1;
        if (!open) {
          try {
            await connection.executeQuery(BEGIN);
            open = true;
          } catch (error) {
            unit.reject(error);
            continue;
          }
        }
        try {
          if (!unit.singleStatement) await connection.executeQuery(SAVEPOINT);
          const value = await unit.work(connection);
          if (!unit.singleStatement) await connection.executeQuery(RELEASE);
          done.push({ unit, value });
        } catch (error) {
          if (inTransaction()) {
            try {
              if (!unit.singleStatement) {
                await connection.executeQuery(ROLLBACK_TO);
                await connection.executeQuery(RELEASE);
              }
              unit.reject(error);
              continue;
            } catch (rollbackError) {
              if (error instanceof Error) (error as Error & { rollbackError?: unknown }).rollbackError = rollbackError;
            }
          }
          // SQLite gave up the whole transaction: this unit and every one before it in the batch are lost.
          unit.reject(error);
          failDone(error);
          if (inTransaction()) await connection.executeQuery(ROLLBACK).catch(() => undefined);
          open = false;
        }
      }
      if (!open) return;
      try {
        await connection.executeQuery(COMMIT);
      } catch (error) {
        if (inTransaction()) await connection.executeQuery(ROLLBACK).catch(() => undefined);
        failDone(error);
        return;
      }
      stats.commits += 1;
      stats.units += done.length;
      for (const { unit, value } of done) unit.resolve(value);
    });
  }

  return {
    run: <T>(work: (db: WriteExecutor) => Promise<T>, options?: { readonly singleStatement?: boolean }): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        queue.push({ work, singleStatement: options?.singleStatement === true, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      }),
    stats,
  };
}

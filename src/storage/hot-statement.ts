import { createHash } from 'node:crypto';
import { CompiledQuery, PostgresAdapter, type QueryResult } from 'kysely';
import type { WriteExecutor } from './write-transaction.js';

/** The comment that marks a hot statement's text; the PostgreSQL pool runs such text as a named (prepared) statement. */
export const HOT_STATEMENT_MARK = '/*passdrop:hot*/ ';

/**
 * A statement of a hot path (create, view, peek, audit, rate limit) written once as SQL text with `?`
 * placeholders, instead of being built by Kysely's query builder on every request (building and compiling
 * cost more than running one of ours on SQLite, issue 19). On SQLite the text is always the same, so the
 * statement cache (open-database.ts) prepares it once per connection; on PostgreSQL the placeholders become
 * `$1…` and the pool sends the text as a named statement, so its plan is made once per connection instead of
 * on every request (planning took longer than executing).
 *
 * The text is written once for both databases; `runHot` picks the form of the executor's dialect.
 *
 * @example const find = hotStatement('select * from pushes where link_digest = ?');
 *          const rows = (await runHot(db, find, [digest])).rows;
 */
export interface HotStatement {
  readonly sqlite: string;
  readonly postgres: string;
}

export function hotStatement(text: string): HotStatement {
  let position = 0;
  return { sqlite: text, postgres: HOT_STATEMENT_MARK + text.replace(/\?/g, () => `$${++position}`) };
}

/** Runs a hot statement on any executor (the database or a transaction); rows as the driver returns them. */
export function runHot<Row>(executor: WriteExecutor, statement: HotStatement, parameters: readonly unknown[]): Promise<QueryResult<Row>> {
  const text = executor.getExecutor().adapter instanceof PostgresAdapter ? statement.postgres : statement.sqlite;
  return executor.executeQuery<Row>(CompiledQuery.raw(text, parameters as unknown[]));
}

/** The name a PostgreSQL connection prepares a hot statement's text under: stable, and distinct per text. */
export function preparedStatementName(text: string): string {
  return `passdrop_${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
}

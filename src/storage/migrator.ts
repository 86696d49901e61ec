import { readdir, readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import type { Database, DialectName } from './open-database.js';
import { writeTransaction, type WriteExecutor } from './write-transaction.js';

export interface Migration {
  readonly id: string;
  readonly statements: readonly string[];
}

/**
 * The database records migrations this code does not have: a newer Passdrop has used it. Running older
 * code on a newer schema could misread or damage data, so start-up and `migrate` stop with this.
 */
export class SchemaTooNewError extends Error {
  constructor(readonly unknownMigrations: readonly string[]) {
    super(
      `The database schema is newer than this version of Passdrop: it has migrations this version does not know ` +
        `(${unknownMigrations.join(', ')}). A newer Passdrop has used this database. Run that version or a newer one, ` +
        `or restore the backup taken before the upgrade. Nothing was changed.`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/** Any constant works; it only has to be the same in every Passdrop process sharing a database. */
const POSTGRES_MIGRATION_LOCK = 7_305_114_233_820_144n;

/** Reads `migrations/<dialect>/*.sql` in name order. */
export async function loadMigrations(dialect: DialectName): Promise<Migration[]> {
  const directory = new URL(`./migrations/${dialect}/`, import.meta.url);
  const names = (await readdir(directory)).filter((name) => name.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (name) => ({
      id: name.replace(/\.sql$/, ''),
      statements: splitStatements(await readFile(new URL(name, directory), 'utf8')),
    })),
  );
}

/**
 * Splits a migration file into statements at semicolons that end a line. Migrations are plain DDL, so
 * this is enough and keeps both drivers on single-statement queries.
 */
export function splitStatements(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '');
}

/**
 * Applies pending migrations in one transaction under a lock, so several processes starting at once
 * apply each migration exactly once: PostgreSQL takes an advisory lock, SQLite a write lock
 * (BEGIN IMMEDIATE, waiting up to busy_timeout).
 *
 * @throws SchemaTooNewError when the database records a migration this code does not know (then nothing
 * is applied)
 * @example const { applied } = await migrate(database); // ['0001_instance_settings', …]
 */
export async function migrate(database: Database, now: () => number = Date.now): Promise<{ applied: string[] }> {
  const migrations = await loadMigrations(database.dialect);
  return writeTransaction(database, async (db) => {
    if (database.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${POSTGRES_MIGRATION_LOCK})`.execute(db);
    return applyPending(db, migrations, now, database.dialect === 'postgres' ? 'BIGINT' : 'INTEGER');
  });
}

async function applyPending(
  db: WriteExecutor,
  migrations: readonly Migration[],
  now: () => number,
  timeType: 'BIGINT' | 'INTEGER',
): Promise<{ applied: string[] }> {
  await sql
    .raw(`CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at ${timeType} NOT NULL)`)
    .execute(db);
  const done = new Set((await db.selectFrom('schema_migrations').select('id').execute()).map((row) => row.id));
  const known = new Set(migrations.map((migration) => migration.id));
  const unknown = [...done].filter((id) => !known.has(id)).sort();
  if (unknown.length > 0) throw new SchemaTooNewError(unknown);
  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.id)) continue;
    for (const statement of migration.statements) await sql.raw(statement).execute(db);
    await db.insertInto('schema_migrations').values({ id: migration.id, applied_at: now() }).execute();
    applied.push(migration.id);
  }
  return { applied };
}

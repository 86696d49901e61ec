import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type DatabaseKind = 'sqlite' | 'postgres';
export const DATABASE_KINDS: readonly DatabaseKind[] = ['sqlite', 'postgres'];

/** The PostgreSQL server the tests create their databases on (trust auth on this machine and in CI). */
export const POSTGRES_ADMIN_URL = process.env.PASSDROP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly kind: DatabaseKind;
  /** A DATABASE_URL value. */
  readonly url: string;
  /** For SQLite, the database file; for PostgreSQL, the database name. */
  readonly location: string;
  /** A fresh temporary directory this test database owns (data dir, scratch files). */
  readonly directory: string;
  drop(): Promise<void>;
}

/** A brand-new empty database: a temp SQLite file, or a PostgreSQL database created for this test file. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const directory = mkdtempSync(join(tmpdir(), 'passdrop-test-'));
  if (kind === 'sqlite') {
    const file = join(directory, 'passdrop.sqlite');
    return {
      kind,
      url: `sqlite:${file}`,
      location: file,
      directory,
      drop: async () => rmSync(directory, { recursive: true, force: true }),
    };
  }
  const name = `passdrop_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.toString(),
    location: name,
    directory,
    drop: async () => {
      await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

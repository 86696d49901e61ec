import { readFileSync, readdirSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import pg from 'pg';
import type { TestDatabase } from './test-databases.js';
import { POSTGRES_ADMIN_URL } from './test-databases.js';
import { openDatabase, type Database } from '../../src/storage/open-database.js';

/** A separate connection for reading what the server really stored. */
export function inspectDatabase(test: TestDatabase): Database {
  return openDatabase(test.kind === 'sqlite' ? { kind: 'sqlite', path: test.location } : { kind: 'postgres', url: test.url, poolSize: 1 });
}

/**
 * Every byte the database keeps on disk for this test database: the SQLite file with its WAL, or the
 * PostgreSQL relation files of our tables (read through the server as superuser) after a CHECKPOINT.
 */
export async function databaseBytes(test: TestDatabase): Promise<Buffer> {
  if (test.kind === 'sqlite') {
    const directory = dirname(test.location);
    const files = readdirSync(directory).filter((name) => name.startsWith(basename(test.location)));
    return Buffer.concat(files.map((name) => readFileSync(join(directory, name))));
  }
  const client = new pg.Client({ connectionString: test.url });
  await client.connect();
  try {
    await client.query('CHECKPOINT');
    const relations = await client.query<{ path: string }>(
      `select pg_relation_filepath(c.oid) as path from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 't') and pg_relation_filepath(c.oid) is not null
       union
       select pg_relation_filepath(c.reltoastrelid) from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.reltoastrelid <> 0`,
    );
    const chunks: Buffer[] = [];
    for (const { path } of relations.rows) {
      const sizes = await client.query<{ size: string }>('select size from pg_stat_file($1, true) as f', [path]);
      if (sizes.rows[0]?.size === undefined || sizes.rows[0]?.size === null) continue;
      const data = await client.query<{ bytes: Buffer }>('select pg_read_binary_file($1) as bytes', [path]);
      chunks.push(data.rows[0]!.bytes);
    }
    // The write-ahead log holds recent row images too.
    const wal = await client.query<{ name: string }>("select name from pg_ls_waldir() order by modification desc limit 2");
    for (const { name } of wal.rows) {
      const data = await client.query<{ bytes: Buffer }>('select pg_read_binary_file($1) as bytes', [`pg_wal/${name}`]);
      chunks.push(data.rows[0]!.bytes);
    }
    return Buffer.concat(chunks);
  } finally {
    await client.end();
  }
}

export { POSTGRES_ADMIN_URL };

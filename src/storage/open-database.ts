import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config/load-config.js';
import type { DatabaseSchema } from './database-schema.js';
import { createGroupCommit, type GroupCommit } from './group-commit.js';
import { HOT_STATEMENT_MARK, preparedStatementName } from './hot-statement.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Database {
  readonly db: Kysely<DatabaseSchema>;
  readonly dialect: DialectName;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  /**
   * Makes deleted rows leave the disk: on SQLite, copies the write-ahead log into the (secure_delete)
   * main file and truncates the log, which otherwise keeps old page images; PostgreSQL's autovacuum
   * does the equivalent on its own.
   */
  flushDeletions(): Promise<void>;
  close(): Promise<void>;
  /**
   * SQLite only: group commit (src/storage/group-commit.ts); `writeTransaction` sends every unit of write
   * work through it, so the writes of one event-loop turn share a transaction.
   */
  readonly groupCommit?: GroupCommit;
  /** The connection pool's state, for the metrics (PostgreSQL; SQLite has one connection and no pool). */
  poolStats?(): { total: number; idle: number; waiting: number };
}

// BIGINT columns hold epoch milliseconds, well inside Number's exact range.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

/**
 * Opens the configured database with the settings Passdrop relies on.
 *
 * @example const database = openDatabase({ kind: 'sqlite', path: './data/passdrop.sqlite' });
 */
export function openDatabase(config: DatabaseConfig): Database {
  return config.kind === 'sqlite' ? openSqlite(config.path) : openPostgres(config.url, config.poolSize);
}

function openSqlite(path: string): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const connection = new SQLite(path);
  if (path !== ':memory:') chmodSync(path, 0o600);
  connection.pragma('journal_mode = WAL');
  // Several processes may share the file: wait for the write lock instead of failing at once.
  connection.pragma('busy_timeout = 10000');
  connection.pragma('synchronous = NORMAL');
  // Deleted payloads are overwritten with zeros in the file, not just unlinked from the b-tree.
  connection.pragma('secure_delete = ON');
  connection.pragma('foreign_keys = ON');
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: withStatementCache(connection) }) });
  return {
    db,
    dialect: 'sqlite',
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    flushDeletions: async () => {
      if (path !== ':memory:') await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
    },
    close: () => db.destroy(),
    groupCommit: createGroupCommit(db, () => connection.inTransaction),
  };
}

/**
 * Kysely prepares every query anew, and preparing costs more than running one of ours; the same SQL
 * text always yields an equivalent statement, so statements are kept and reused (bounded).
 */
function withStatementCache(connection: SQLite.Database): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = connection.prepare.bind(connection);
  return new Proxy(connection, {
    get(target, property, receiver) {
      if (property !== 'prepare') return Reflect.get(target, property, receiver) as unknown;
      return (source: string) => {
        let statement = cache.get(source);
        if (!statement) {
          statement = prepare(source);
          if (cache.size >= 500) cache.delete(cache.keys().next().value!);
          cache.set(source, statement);
        }
        return statement;
      };
    },
  });
}

/**
 * Sends the text of a hot statement (src/storage/hot-statement.ts) as a named statement: node-postgres
 * prepares a name once per connection and then only binds and executes it, so PostgreSQL plans it once per
 * connection. Other text (Kysely's builder, whose text varies) stays unnamed, so a connection never keeps
 * an unbounded number of prepared statements.
 */
function prepareHotStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const names = new Map<string, string>();
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (first: unknown, ...rest: unknown[]) => {
    if (typeof first === 'string' && first.startsWith(HOT_STATEMENT_MARK) && Array.isArray(rest[0])) {
      let name = names.get(first);
      if (name === undefined) {
        name = preparedStatementName(first);
        names.set(first, name);
      }
      return query({ name, text: first, values: rest[0] }, ...rest.slice(1));
    }
    return query(first, ...rest);
  };
}

function openPostgres(url: string, poolSize: number): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5000 });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // Nor may a checked-out one: node-postgres emits 'error' on a client whose connection drops between
  // two statements (a PostgreSQL restart, pg_terminate_backend), and the pool listens only while the
  // client is idle. The statement that follows fails (an outage: 503), and the pool then drops the client.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    prepareHotStatements(client);
  });
  const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    flushDeletions: async () => undefined,
    close: () => db.destroy(),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { loadMigrations, migrate, SchemaTooNewError, splitStatements } from '../../src/storage/migrator.js';
import { openDatabase } from '../../src/storage/open-database.js';
import { describeEachDatabase } from '../support/each-database.js';
import type { TestDatabase } from '../support/test-databases.js';

function open(database: TestDatabase) {
  return openDatabase(
    database.kind === 'sqlite'
      ? { kind: 'sqlite', path: database.location }
      : { kind: 'postgres', url: database.url, poolSize: 2 },
  );
}

describeEachDatabase('migrations', (fixture) => {
  const { kind } = fixture;
  it('apply every migration once and record it; a second run applies nothing', async () => {
    const db = open(fixture.database);
    try {
      const expected = (await loadMigrations(kind)).map((migration) => migration.id);
      assert.ok(expected.length > 0);
      const first = await migrate(db);
      assert.deepEqual(first.applied, expected);
      const second = await migrate(db);
      assert.deepEqual(second.applied, []);
      const recorded = await db.db.selectFrom('schema_migrations').select('id').orderBy('id').execute();
      assert.deepEqual(recorded.map((row) => row.id), expected);
    } finally {
      await db.close();
    }
  });
});

describeEachDatabase('migrations on a database a newer Passdrop has used', (fixture) => {
  it('refuse to run, name the unknown migrations and change nothing', async () => {
    const db = open(fixture.database);
    try {
      await migrate(db);
      await db.db.insertInto('schema_migrations').values({ id: '9999_from_the_future', applied_at: Date.now() }).execute();
      const before = await db.db.selectFrom('schema_migrations').select('id').orderBy('id').execute();
      await assert.rejects(migrate(db), (error: unknown) => {
        assert.ok(error instanceof SchemaTooNewError);
        assert.deepEqual(error.unknownMigrations, ['9999_from_the_future']);
        assert.match(
          error.message,
          /^The database schema is newer than this version of Passdrop: it has migrations this version does not know \(9999_from_the_future\)\. .*restore the backup taken before the upgrade/,
        );
        return true;
      });
      assert.deepEqual(await db.db.selectFrom('schema_migrations').select('id').orderBy('id').execute(), before);
    } finally {
      await db.close();
    }
  });
});

describeEachDatabase('migrations started by several processes at once', (fixture) => {
  const { kind } = fixture;
  it('are applied exactly once, with no errors', async () => {
    const connections = Array.from({ length: 4 }, () => open(fixture.database));
    try {
      const results = await Promise.all(connections.map((connection) => migrate(connection)));
      const expected = (await loadMigrations(kind)).map((migration) => migration.id);
      assert.deepEqual(results.flatMap((result) => result.applied).sort(), expected);
      const recorded = await connections[0]!.db.selectFrom('schema_migrations').select('id').execute();
      assert.equal(recorded.length, expected.length);
    } finally {
      await Promise.all(connections.map((connection) => connection.close()));
    }
  });
});

describeEachDatabase('database settings', (fixture) => {
  const { kind } = fixture;
  it('are the ones Passdrop relies on', async () => {
    const db = open(fixture.database);
    try {
      if (kind === 'sqlite') {
        const pragma = async (name: string) =>
          Object.values((await sql.raw(`pragma ${name}`).execute(db.db)).rows[0] as Record<string, unknown>)[0];
        assert.equal(await pragma('journal_mode'), 'wal');
        assert.equal(await pragma('secure_delete'), 1);
        assert.equal(await pragma('foreign_keys'), 1);
        assert.equal(await pragma('busy_timeout'), 10000);
      } else {
        const row = (await sql<{ one: number }>`select 1 as one`.execute(db.db)).rows[0];
        assert.equal(row?.one, 1);
        const big = (await sql<{ n: number }>`select 9007199254740991::bigint as n`.execute(db.db)).rows[0];
        assert.equal(big?.n, Number.MAX_SAFE_INTEGER, 'BIGINT columns come back as numbers');
      }
    } finally {
      await db.close();
    }
  });
});

describeEachDatabase('the owner index', (fixture) => {
  it('holds owned pushes only, and a lookup by owner still uses it', async () => {
    const db = open(fixture.database);
    try {
      await migrate(db);
      const listByOwner = 'select id from pushes where owner_user_id = 7 and expired = 0 order by created_at desc';
      if (fixture.kind === 'sqlite') {
        const definition = await sql<{ sql: string }>`select sql from sqlite_schema where name = 'pushes_by_owner'`.execute(db.db);
        assert.match(definition.rows[0]!.sql, /WHERE owner_user_id IS NOT NULL/);
        const plan = await sql.raw<{ detail: string }>(`explain query plan ${listByOwner}`).execute(db.db);
        assert.ok(plan.rows.some((row) => row.detail.includes('pushes_by_owner')), JSON.stringify(plan.rows));
      } else {
        const definition = await sql<{ indexdef: string }>`select indexdef from pg_indexes where indexname = 'pushes_by_owner'`.execute(db.db);
        assert.match(definition.rows[0]!.indexdef, /WHERE \(owner_user_id IS NOT NULL\)/);
        // An empty table is scanned whatever its indexes: the plan is asked with scans discouraged, on one connection.
        const plan = await db.db.transaction().execute(async (trx) => {
          await sql.raw('set local enable_seqscan = off').execute(trx);
          return sql.raw<{ 'QUERY PLAN': string }>(`explain ${listByOwner}`).execute(trx);
        });
        assert.ok(plan.rows.some((row) => row['QUERY PLAN'].includes('pushes_by_owner')), JSON.stringify(plan.rows));
      }
    } finally {
      await db.close();
    }
  });
});

it('splitStatements splits at line-ending semicolons and drops comment lines', () => {
  assert.deepEqual(splitStatements('-- a comment\nCREATE TABLE a (x INT);\n\nCREATE INDEX i ON a (x);\n'), [
    'CREATE TABLE a (x INT)',
    'CREATE INDEX i ON a (x)',
  ]);
});

it('0020 rebuilds SQLite audit events without AUTOINCREMENT, keeping every event, its id and the cascade from its push', async () => {
  const { createTestDatabase } = await import('../support/test-databases.js');
  const database = await createTestDatabase('sqlite');
  const db = open(database);
  try {
    // The database as the release before 0020 left it, with a push and its events.
    await sql.raw('CREATE TABLE schema_migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)').execute(db.db);
    for (const migration of (await loadMigrations('sqlite')).filter((each) => each.id < '0020')) {
      for (const statement of migration.statements) await sql.raw(statement).execute(db.db);
      await db.db.insertInto('schema_migrations').values({ id: migration.id, applied_at: 1 }).execute();
    }
    await sql
      .raw(
        `insert into pushes (link_digest, kind, encryption, expire_after_views, views_remaining, expires_at, retrieval_step, created_at, updated_at)
         values (X'01', 'text', 'server', 5, 5, 9, 0, 1, 1)`,
      )
      .execute(db.db);
    for (const kind of ['created', 'viewed', 'viewed']) {
      await sql.raw(`insert into audit_events (push_id, kind, created_at) values (1, '${kind}', 2)`).execute(db.db);
    }
    const before = await db.db.selectFrom('audit_events').select(['id', 'kind']).orderBy('id').execute();

    assert.deepEqual((await migrate(db)).applied.filter((id) => id.startsWith('0020')), ['0020_audit_events_rowid']);
    assert.deepEqual(await db.db.selectFrom('audit_events').select(['id', 'kind']).orderBy('id').execute(), before);
    const schema = await sql<{ sql: string }>`select sql from sqlite_schema where name = 'audit_events'`.execute(db.db);
    assert.doesNotMatch(schema.rows[0]!.sql, /AUTOINCREMENT/);
    const sequences = await sql<{ name: string }>`select name from sqlite_sequence`.execute(db.db);
    assert.equal(sequences.rows.some((row) => row.name === 'audit_events'), false);
    await sql.raw(`insert into audit_events (push_id, kind, created_at) values (1, 'viewed', 3)`).execute(db.db);
    assert.equal((await db.db.selectFrom('audit_events').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()).id, before.at(-1)!.id + 1, 'ids still increase');
    await sql.raw('delete from pushes where id = 1').execute(db.db);
    assert.equal((await db.db.selectFrom('audit_events').select('id').execute()).length, 0, 'deleting a push still deletes its events');
  } finally {
    await db.close();
    await database.drop();
  }
});

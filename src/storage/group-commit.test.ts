import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { openDatabase, type Database } from './open-database.js';
import { writeTransaction } from './write-transaction.js';

describe('group commit on SQLite', () => {
  let directory: string;
  let database: Database;
  let path: string;
  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'passdrop-group-commit-'));
    path = join(directory, 'group.sqlite');
    database = openDatabase({ kind: 'sqlite', path });
    await sql`create table notes (id integer primary key, body text not null unique)`.execute(database.db);
    await sql`create table parents (id integer primary key)`.execute(database.db);
    await sql`create table children (id integer primary key, parent_id integer references parents(id) deferrable initially deferred)`.execute(database.db);
  });
  after(async () => {
    await database.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const insert = (body: string) => writeTransaction(database, async (db) => {
    await sql`insert into notes (body) values (${body})`.execute(db);
    return body;
  });
  const bodies = async () => (await sql<{ body: string }>`select body from notes order by id`.execute(database.db)).rows.map((row) => row.body);

  it('commits the units of work queued in one event-loop turn in one transaction', async () => {
    const before = { ...database.groupCommit!.stats };
    const results = await Promise.all(Array.from({ length: 50 }, (_, index) => insert(`turn-${index}`)));
    assert.equal(results.length, 50);
    assert.equal(database.groupCommit!.stats.units - before.units, 50);
    assert.equal(database.groupCommit!.stats.commits - before.commits, 1);
  });

  it('rolls back only the unit that failed: its caller gets its error, the others commit', async () => {
    const outcomes = await Promise.allSettled([
      insert('kept-1'),
      writeTransaction(database, async (db) => {
        await sql`insert into notes (body) values ('lost')`.execute(db);
        throw new Error('this unit fails after writing');
      }),
      // A constraint error inside a statement: SQLite keeps the transaction, the savepoint undoes the unit.
      insert('kept-1'),
      insert('kept-2'),
    ]);
    assert.deepEqual(outcomes.map((outcome) => outcome.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /fails after writing/);
    assert.match(String((outcomes[2] as PromiseRejectedResult).reason), /UNIQUE/);
    const stored = await bodies();
    assert.ok(stored.includes('kept-1') && stored.includes('kept-2'));
    assert.ok(!stored.includes('lost'));
  });

  it('settles a unit only after COMMIT: another connection already sees its row', async () => {
    const other = new SQLite(path, { readonly: true });
    try {
      await insert('durable');
      assert.equal((other.prepare("select count(*) as n from notes where body = 'durable'").get() as { n: number }).n, 1);
    } finally {
      other.close();
    }
  });

  it('fails every unit of the batch when the COMMIT fails, and keeps none of their writes', async () => {
    const outcomes = await Promise.allSettled([
      insert('before-broken-commit'),
      // A deferred foreign key is checked at COMMIT: the whole transaction is refused.
      writeTransaction(database, async (db) => {
        await sql`insert into children (parent_id) values (424242)`.execute(db);
      }),
      insert('after-broken-commit'),
    ]);
    assert.deepEqual(outcomes.map((outcome) => outcome.status), ['rejected', 'rejected', 'rejected']);
    for (const outcome of outcomes) assert.match(String((outcome as PromiseRejectedResult).reason), /FOREIGN KEY/);
    const stored = await bodies();
    assert.ok(!stored.includes('before-broken-commit') && !stored.includes('after-broken-commit'));
    // The connection is usable again afterwards.
    assert.equal(await insert('after-recovery'), 'after-recovery');
    assert.ok((await bodies()).includes('after-recovery'));
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { openDatabase } from '../../src/storage/open-database.js';
import { describeEachDatabase } from '../support/each-database.js';
import { createPush } from '../support/push-helpers.js';
import { spawnPassdrop } from '../support/spawn-passdrop.js';
import { createTestDatabase, withAdminClient, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, testServerEnvironment, type TestServer } from '../support/test-server.js';

const run = promisify(execFile);

async function reveal(server: TestServer, token: string): Promise<{ status: number; payload?: string }> {
  const response = await server.fetch(`/api/passdrop/v1/pushes/${token}/reveal`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const body = (await response.json()) as { payload?: string };
  return { status: response.status, ...(body.payload === undefined ? {} : { payload: body.payload }) };
}

/** The pushes a backup is checked with: one with a single view, one with a view already used, one made after the backup. */
async function makePushesAroundBackup(server: TestServer, backup: () => Promise<void>) {
  const once = await createPush(server, { payload: 'one view, never opened', expire_after_views: 1 });
  const twice = await createPush(server, { payload: 'two views, one used', expire_after_views: 2 });
  assert.equal((await reveal(server, twice.token)).payload, 'two views, one used');
  await backup();
  const later = await createPush(server, { payload: 'made after the backup', expire_after_views: 1 });
  return { once, twice, later };
}

/** What a restore must give: each push revealed exactly as many times as it had left at backup time. */
async function assertRestored(server: TestServer, pushes: Awaited<ReturnType<typeof makePushesAroundBackup>>) {
  assert.deepEqual(await reveal(server, pushes.once.token), { status: 200, payload: 'one view, never opened' });
  assert.equal((await reveal(server, pushes.once.token)).status, 410, 'a one-view push reveals exactly once');
  assert.deepEqual(await reveal(server, pushes.twice.token), { status: 200, payload: 'two views, one used' });
  assert.equal((await reveal(server, pushes.twice.token)).status, 410, 'the view used before the backup stays used');
  assert.equal((await reveal(server, pushes.later.token)).status, 404, 'a push made after the backup is not in it');
}

describe('backup and restore on SQLite (passdrop-server backup, then copying the file back)', () => {
  it('backs up while the server runs; after a wipe and restore, a live push reveals exactly once', async (t) => {
    const database = await createTestDatabase('sqlite');
    t.after(() => database.drop());
    const masterKey = randomBytes(32).toString('hex');
    const env = { PASSDROP_MASTER_KEY: masterKey };
    const backupFile = join(database.directory, 'backups', 'passdrop-backup.sqlite');
    mkdirSync(join(database.directory, 'backups'));

    const server = await startTestServer(database, { env });
    const pushes = await makePushesAroundBackup(server, async () => {
      // Online: the server keeps its connection open (WAL mode) while the CLI copies.
      const backup = spawnPassdrop(['backup', backupFile], testServerEnvironment(database, env));
      assert.equal(await backup.exited(), 0, backup.stderr());
      assert.match(backup.stdout(), new RegExp(`^Backed up ${database.location} to ${backupFile} \\(\\d+ bytes\\)\\.`));
      assert.match(backup.stdout(), /The master key is not in the backup/);
    });
    await server.stop();
    assert.equal(statSync(backupFile).mode & 0o777, 0o600, 'only the owner may read the backup');

    // Wipe: the database file and its write-ahead log are gone.
    for (const name of readdirSync(database.directory)) {
      if (name.startsWith('passdrop.sqlite')) rmSync(join(database.directory, name));
    }
    assert.equal(existsSync(database.location), false);
    // Restore, as the README says: with the server stopped, copy the backup to the DATABASE_URL path.
    copyFileSync(backupFile, database.location);

    const restored = await startTestServer(database, { env });
    try {
      await assertRestored(restored, pushes);
    } finally {
      await restored.stop();
    }
  });

  it('never overwrites an existing file, and points PostgreSQL users to pg_dump', async (t) => {
    const database = await createTestDatabase('sqlite');
    t.after(() => database.drop());
    const migrate = spawnPassdrop(['migrate'], testServerEnvironment(database));
    assert.equal(await migrate.exited(), 0, migrate.stderr());
    const existing = join(database.directory, 'existing.sqlite');
    writeFileSync(existing, 'keep me');
    const refused = spawnPassdrop(['backup', existing], testServerEnvironment(database));
    assert.equal(await refused.exited(), 2);
    assert.match(refused.stderr(), /already exists; choose a new file name \(backups never overwrite\)/);
    assert.equal(readFileSync(existing, 'utf8'), 'keep me');

    const usage = spawnPassdrop(['backup'], testServerEnvironment(database));
    assert.equal(await usage.exited(), 2);
    assert.match(usage.stderr(), /^Usage: passdrop-server backup PATH/);

    const postgres = spawnPassdrop(['backup', join(database.directory, 'x.dump')], testServerEnvironment(database, { DATABASE_URL: 'postgres://db.invalid/passdrop' }));
    assert.equal(await postgres.exited(), 2);
    assert.match(postgres.stderr(), /back it up with pg_dump, e\.g\.\n {2}pg_dump --format=custom --file=passdrop\.dump "\$DATABASE_URL"/);
  });
});

describe('backup and restore on PostgreSQL (pg_dump and pg_restore, as the README says)', () => {
  it('after a wipe and restore, a live push reveals exactly once', async (t) => {
    const database: TestDatabase = await createTestDatabase('postgres');
    t.after(() => database.drop());
    const env = { PASSDROP_MASTER_KEY: randomBytes(32).toString('hex') };
    const dump = join(database.directory, 'passdrop.dump');

    const server = await startTestServer(database, { env });
    const pushes = await makePushesAroundBackup(server, async () => {
      await run('pg_dump', ['--format=custom', `--file=${dump}`, database.url]);
    });
    await server.stop();

    // Wipe: the database is dropped and made anew, empty.
    await withAdminClient(async (client) => {
      await client.query(`DROP DATABASE ${database.location} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${database.location}`);
    });
    await run('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${database.url}`, dump]);

    const restored = await startTestServer(database, { env });
    try {
      await assertRestored(restored, pushes);
    } finally {
      await restored.stop();
    }
  });
});

describeEachDatabase('upgrades: a database a newer Passdrop has migrated', (fixture) => {
  it('makes serve and migrate refuse to start, with a message that says what to do', async () => {
    const env = testServerEnvironment(fixture.database);
    const migrate = spawnPassdrop(['migrate'], env);
    assert.equal(await migrate.exited(), 0, migrate.stderr());
    const database = openDatabase(fixture.database.kind === 'sqlite' ? { kind: 'sqlite', path: fixture.database.location } : { kind: 'postgres', url: fixture.database.url, poolSize: 1 });
    try {
      await database.db.insertInto('schema_migrations').values({ id: '9000_newer_feature', applied_at: Date.now() }).execute();
    } finally {
      await database.close();
    }
    for (const command of ['serve', 'migrate']) {
      const refused = spawnPassdrop([command], env);
      assert.equal(await refused.exited(), 1, `${command}: ${refused.stdout()}`);
      assert.match(
        refused.stderr(),
        /The database schema is newer than this version of Passdrop: it has migrations this version does not know \(9000_newer_feature\)\. A newer Passdrop has used this database\. Run that version or a newer one, or restore the backup taken before the upgrade\./,
        command,
      );
      assert.doesNotMatch(refused.stdout(), /Passdrop is listening/);
    }
  });
});

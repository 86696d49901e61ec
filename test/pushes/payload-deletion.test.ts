import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { openEnvelope, EnvelopeError } from '../../src/crypto/envelope.js';
import { masterKeyFromHex } from '../../src/crypto/master-key-ring.js';
import type { Database } from '../../src/storage/open-database.js';
import { databaseBytes, inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { createPush, json } from '../support/push-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { tokenDigest } from '../../src/crypto/token-digest.js';

const MINUTE = 60_000;

describeEachDatabase('payloads are really deleted', (fixture) => {
  let server: TestServer;
  let inspector: Database;
  let now = Date.now();
  const masterKey = randomBytes(32).toString('hex');
  before(async () => {
    server = await startTestServer(fixture.database, {
      clock: () => now,
      env: { PASSDROP_MASTER_KEY: masterKey, PASSDROP_SWEEP_INTERVAL_SECONDS: '1', PASSDROP_PASSPHRASE_MAX_FAILURES: '3', PASSDROP_PURGE_EXPIRED_AFTER_DAYS: '30' },
    });
    inspector = inspectDatabase(fixture.database);
  });
  after(async () => {
    await server.stop();
    await inspector.close();
  });

  async function storedRow(token: string) {
    const push = await inspector.db.selectFrom('pushes').selectAll().where('link_digest', '=', tokenDigest(token)).executeTakeFirstOrThrow();
    const payloads = await inspector.db.selectFrom('push_payloads').selectAll().where('push_id', '=', push.id).execute();
    return { push, payloads };
  }

  async function assertGone(token: string, reason: string) {
    const { push, payloads } = await storedRow(token);
    assert.equal(payloads.length, 0, 'the payload row is deleted');
    assert.equal(push.passphrase_record, null, 'the passphrase record is deleted');
    assert.equal(push.expired, 1);
    assert.equal(push.expire_reason, reason);
  }

  it('never stores the plaintext: not in a column, not in the database files', async () => {
    const marker = `plaintext-${randomBytes(8).toString('hex')}`;
    const note = `note-${randomBytes(8).toString('hex')}`;
    const passphrase = `pass-${randomBytes(8).toString('hex')}`;
    const push = await createPush(server, { payload: marker, note, passphrase, expire_after_views: 3 });
    const { payloads, push: row } = await storedRow(push.token);
    assert.equal(payloads.length, 1);
    assert.ok(!payloads[0]!.payload_envelope.includes(marker));
    assert.ok(row.passphrase_record && !row.passphrase_record.includes(passphrase));
    const bytes = await databaseBytes(fixture.database);
    assert.ok(bytes.length > 0);
    for (const secret of [marker, note, passphrase]) assert.equal(bytes.indexOf(secret), -1, `${secret} is on disk`);
  });

  it('binds a passphrase push to its passphrase: the database plus the master key cannot open it', async () => {
    const push = await createPush(server, { payload: 'needs the passphrase', passphrase: 'correct horse' });
    const { payloads } = await storedRow(push.token);
    const key = masterKeyFromHex(masterKey);
    const ring = { current: key, all: [key], byId: (id: string) => (id === key.id ? key : undefined) };
    assert.throws(
      () => openEnvelope(payloads[0]!.payload_envelope, ring, { pushToken: push.token, field: 'payload' }),
      (error: unknown) => error instanceof EnvelopeError && error.reason === 'passphrase-required',
    );
  });

  it('deletes the payload with the last view', async () => {
    const push = await createPush(server, { payload: 'last view', expire_after_views: 1, passphrase: 'pp' });
    const response = await server.fetch(`/p/${push.token}.json?passphrase=pp`);
    assert.equal((await json(response)).payload, 'last view');
    await assertGone(push.token, 'views');
  });

  it('deletes the payload when a viewer deletes the push', async () => {
    const push = await createPush(server, { payload: 'viewer deletes', deletable_by_viewer: true });
    assert.equal((await server.fetch(`/p/${push.token}.json`, { method: 'DELETE' })).status, 200);
    await assertGone(push.token, 'viewer');
  });

  it('deletes the payload when the push locks after too many wrong passphrases', async () => {
    const push = await createPush(server, { payload: 'locked away', passphrase: 'right' });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      assert.equal((await server.fetch(`/p/${push.token}.json?passphrase=wrong${attempt}`)).status, 401);
    }
    await assertGone(push.token, 'locked');
    const kinds = (await inspector.db.selectFrom('audit_events').innerJoin('pushes', 'pushes.id', 'audit_events.push_id').select('audit_events.kind').where('link_digest', '=', tokenDigest(push.token)).orderBy('audit_events.id').execute()).map((row) => row.kind);
    assert.deepEqual(kinds, ['created', 'failed_passphrase', 'failed_passphrase', 'failed_passphrase', 'locked']);
    // The right passphrase no longer helps: the payload is gone.
    const late = await json(await server.fetch(`/p/${push.token}.json?passphrase=right`));
    assert.equal(late.expired, true);
    assert.equal(late.payload, null);
  });

  it('deletes the payload when time runs out, within seconds, even when nobody visits', async () => {
    const push = await createPush(server, { payload: 'time runs out', expire_after_minutes: 10 });
    now += 11 * MINUTE;
    // The sweeper runs every second here (PASSDROP_SWEEP_INTERVAL_SECONDS=1); nobody requests the push.
    const deadline = Date.now() + 10_000;
    while ((await storedRow(push.token)).payloads.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await assertGone(push.token, 'time');
  });

  it('leaves no trace of the deleted plaintexts in the database files', async () => {
    const marker = `burned-${randomBytes(8).toString('hex')}`;
    const push = await createPush(server, { payload: marker, expire_after_views: 1 });
    await server.fetch(`/p/${push.token}.json`);
    await assertGone(push.token, 'views');
    assert.equal((await databaseBytes(fixture.database)).indexOf(marker), -1);
  });

  if (fixture.kind === 'sqlite') {
    it('overwrites the deleted envelope itself on disk (secure_delete and WAL checkpoints)', async () => {
      const push = await createPush(server, { payload: `gone-${randomBytes(8).toString('hex')}`, expire_after_views: 1 });
      const envelope = (await storedRow(push.token)).payloads[0]!.payload_envelope;
      // A distinctive slice of the envelope (its wrapped key and IVs) that cannot occur by chance.
      const fingerprint = envelope.subarray(10, 98);
      await server.fetch(`/p/${push.token}.json`);
      const deadline = Date.now() + 10_000;
      while ((await databaseBytes(fixture.database)).includes(fingerprint) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal((await databaseBytes(fixture.database)).includes(fingerprint), false, 'the envelope bytes are still on disk');
    });
  }

  it('purges expired pushes and their audit logs once the retention has passed', async () => {
    const push = await createPush(server, { payload: 'remember me not', expire_after_views: 1 });
    await server.fetch(`/p/${push.token}.json`);
    const id = (await storedRow(push.token)).push.id;
    now += 31 * 24 * 60 * MINUTE;
    const deadline = Date.now() + 10_000;
    const remaining = () => inspector.db.selectFrom('pushes').select('id').where('link_digest', '=', tokenDigest(push.token)).execute();
    while ((await remaining()).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await remaining()).length, 0, 'the push metadata is purged');
    const audit = await inspector.db.selectFrom('audit_events').select('id').where('push_id', '=', id).execute();
    assert.equal(audit.length, 0, 'its audit log is purged too');
  });
});

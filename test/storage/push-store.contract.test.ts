import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { randomToken } from '../../src/crypto/random-token.js';
import { createAuditStore, type AuditStore } from '../../src/pushes/audit-store.js';
import { createPushStore, type NewPush, type PushStore } from '../../src/pushes/push-store.js';
import type { Database } from '../../src/storage/open-database.js';
import { describeEachDatabase } from '../support/each-database.js';
import { openMigratedDatabase } from '../support/open-test-store.js';
import { masterKeyFromHex } from '../../src/crypto/master-key-ring.js';
import { createPushLinkVault } from '../../src/pushes/push-link-vault.js';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const audit = { ip: '198.51.100.4', userAgent: 'test-agent', referrer: null, userId: null };

function newPush(overrides: Partial<NewPush> = {}): NewPush {
  return {
    token: randomToken(),
    kind: 'text',
    ownerUserId: null,
    name: '',
    encryption: 'server',
    expireAfterDays: 7,
    expireAfterViews: 3,
    expiresAt: T0 + 7 * DAY,
    retrievalStep: false,
    deletableByViewer: true,
    passphraseRecord: null,
    passphraseProtected: false,
    linkProofRecord: null,
    noteEnvelope: null,
    createdAt: T0,
    ...overrides,
  };
}

describeEachDatabase('push store', (fixture) => {
  let database: Database;
  let store: PushStore;
  let auditLog: AuditStore;
  before(async () => {
    database = await openMigratedDatabase(fixture.database);
    const key = masterKeyFromHex(randomBytes(32).toString('hex'));
    store = createPushStore(database, { auditEventsPerPush: 10, links: createPushLinkVault({ current: key, all: [key], byId: (id) => (id === key.id ? key : undefined) }) });
    auditLog = createAuditStore(database, { auditEventsPerPush: 10 });
  });
  after(() => database.close());

  const payloadRows = async (pushId: number) =>
    (await database.db.selectFrom('push_payloads').selectAll().where('push_id', '=', pushId).execute()).length;

  it('creates a push with its payload row and a created event', async () => {
    const envelope = randomBytes(40);
    const push = await store.create(newPush({ name: 'db creds' }), envelope, audit);
    assert.equal(push.viewsRemaining, 3);
    assert.equal(push.expired, false);
    assert.equal(push.name, 'db creds');
    assert.deepEqual(await store.findByToken(push.token), push);
    assert.equal(await payloadRows(push.id), 1);
    const events = await auditLog.list(push.id, { offset: 0, limit: 50 });
    assert.deepEqual(events.map((event) => [event.kind, event.ip, event.userAgent]), [['created', audit.ip, 'test-agent']]);
  });

  it('counts views down and deletes the payload with the last one', async () => {
    const envelope = randomBytes(40);
    const push = await store.create(newPush({ expireAfterViews: 2, passphraseRecord: 'scrypt$x' }), envelope, audit);
    const first = await store.consumeView(push.token, T0 + 1000, audit);
    assert.ok(first.ok);
    assert.equal(first.push.viewsRemaining, 1);
    assert.equal(first.last, false);
    assert.deepEqual(first.payloadEnvelope, envelope);
    assert.equal(await payloadRows(push.id), 1);

    const second = await store.consumeView(push.token, T0 + 2000, audit);
    assert.ok(second.ok);
    assert.equal(second.last, true);
    assert.equal(second.push.viewsRemaining, 0);
    assert.equal(second.push.expired, true);
    assert.equal(second.push.expireReason, 'views');
    assert.equal(second.push.expiredAt, T0 + 2000);
    assert.equal(second.push.passphraseRecord, null);
    assert.deepEqual(second.payloadEnvelope, envelope);
    assert.equal(await payloadRows(push.id), 0, 'the payload row is gone');

    assert.deepEqual(await store.consumeView(push.token, T0 + 3000, audit), { ok: false });
    const kinds = (await auditLog.list(push.id, { offset: 0, limit: 50 })).map((event) => event.kind);
    assert.deepEqual(kinds, ['created', 'viewed', 'viewed', 'expired']);
  });

  it('refuses a view once the time is up', async () => {
    const push = await store.create(newPush({ expiresAt: T0 + 1000 }), randomBytes(8), audit);
    assert.deepEqual(await store.consumeView(push.token, T0 + 1000, audit), { ok: false });
    assert.equal((await store.findByToken(push.token))?.viewsRemaining, 3);
  });

  it('lets exactly one of 100 simultaneous views of a 1-view push through', async () => {
    const envelope = randomBytes(16);
    const push = await store.create(newPush({ expireAfterViews: 1 }), envelope, audit);
    const results = await Promise.all(Array.from({ length: 100 }, () => store.consumeView(push.token, T0 + 10, audit)));
    assert.equal(results.filter((result) => result.ok).length, 1);
    assert.equal(await payloadRows(push.id), 0);
  });

  it('expires once: payload deleted, passphrase forgotten, reason recorded', async () => {
    const push = await store.create(newPush({ passphraseRecord: 'scrypt$x' }), randomBytes(8), audit);
    const expired = await store.expire(push.token, 'viewer', T0 + 5, audit);
    assert.equal(expired?.expired, true);
    assert.equal(expired?.expireReason, 'viewer');
    assert.equal(expired?.passphraseRecord, null);
    assert.equal(await payloadRows(push.id), 0);
    assert.equal(await store.expire(push.token, 'owner', T0 + 6, audit), undefined);
    const events = await auditLog.list(push.id, { offset: 0, limit: 50 });
    assert.deepEqual(events.map((event) => [event.kind, event.reason]), [['created', null], ['expired', 'viewer']]);
  });

  it('counts passphrase attempts in a one-minute window', async () => {
    const push = await store.create(newPush(), randomBytes(8), audit);
    const counts = [];
    for (let i = 0; i < 6; i += 1) counts.push(await store.countPassphraseAttempt(push.id, T0 + i * 1000));
    assert.deepEqual(counts, [1, 2, 3, 4, 5, 6]);
    assert.equal(await store.countPassphraseAttempt(push.id, T0 + 61_000), 1, 'a new window starts after a minute');
  });

  it('locks a push after the maximum number of wrong passphrases', async () => {
    const push = await store.create(newPush({ passphraseRecord: 'scrypt$x' }), randomBytes(8), audit);
    assert.deepEqual(await store.recordPassphraseFailure(push.id, push.token, T0 + 1, 3, audit), { failures: 1, locked: false });
    assert.deepEqual(await store.recordPassphraseFailure(push.id, push.token, T0 + 2, 3, audit), { failures: 2, locked: false });
    assert.deepEqual(await store.recordPassphraseFailure(push.id, push.token, T0 + 3, 3, audit), { failures: 3, locked: true });
    const locked = await store.findByToken(push.token);
    assert.equal(locked?.expireReason, 'locked');
    assert.equal(locked?.passphraseRecord, null);
    assert.equal(await payloadRows(push.id), 0);
    const kinds = (await auditLog.list(push.id, { offset: 0, limit: 50 })).map((event) => event.kind);
    assert.deepEqual(kinds, ['created', 'failed_passphrase', 'failed_passphrase', 'failed_passphrase', 'locked']);
  });

  it('caps the audit log per push but still records the expiry', async () => {
    const push = await store.create(newPush(), randomBytes(8), audit);
    for (let i = 0; i < 15; i += 1) await auditLog.record(push.id, 'opened', audit, T0 + i);
    await store.expire(push.token, 'owner', T0 + 100, audit);
    const events = await auditLog.list(push.id, { offset: 0, limit: 100 });
    assert.equal(events.length, 11);
    assert.equal(events.at(-1)?.kind, 'expired');
  });

  it('reads without consuming for owner and admin views, and logs them', async () => {
    const envelope = randomBytes(12);
    const push = await store.create(newPush({ expireAfterViews: 1 }), envelope, audit);
    const read = await store.readWithoutConsuming(push.token, T0 + 1, 'owner_view', audit);
    assert.deepEqual(read?.payloadEnvelope, envelope);
    assert.equal((await store.findByToken(push.token))?.viewsRemaining, 1);
    const kinds = (await auditLog.list(push.id, { offset: 0, limit: 50 })).map((event) => event.kind);
    assert.deepEqual(kinds, ['created', 'owner_view']);
  });

  it('sweeps pushes whose time ran out, once, even when several sweepers run at once', async () => {
    const due = await Promise.all([1, 2, 3].map(() => store.create(newPush({ expiresAt: T0 + 50 }), randomBytes(8), audit)));
    const alive = await store.create(newPush({ expiresAt: T0 + 10 * DAY }), randomBytes(8), audit);
    const counts = await Promise.all([1, 2, 3].map(() => store.sweepTimeExpired(T0 + 100, 1000)));
    assert.ok(counts.reduce((a, b) => a + b, 0) >= 3);
    for (const push of due) {
      const record = await store.findByToken(push.token);
      assert.equal(record?.expireReason, 'time');
      assert.equal(await payloadRows(push.id), 0);
      const expiredEvents = (await auditLog.list(push.id, { offset: 0, limit: 50 })).filter((event) => event.kind === 'expired');
      assert.equal(expiredEvents.length, 1);
    }
    assert.equal((await store.findByToken(alive.token))?.expired, false);
    assert.equal(await payloadRows(alive.id), 1);
  });

  it('purges expired pushes and their audit logs after the retention', async () => {
    const old = await store.create(newPush(), randomBytes(8), audit);
    await store.expire(old.token, 'owner', T0 + 1, audit);
    const recent = await store.create(newPush(), randomBytes(8), audit);
    await store.expire(recent.token, 'owner', T0 + 5 * DAY, audit);
    assert.ok((await store.purgeExpiredBefore(T0 + DAY, 1000)) >= 1);
    assert.equal(await store.findByToken(old.token), undefined);
    assert.equal((await database.db.selectFrom('audit_events').select('id').where('push_id', '=', old.id).execute()).length, 0);
    assert.ok(await store.findByToken(recent.token));
  });
});

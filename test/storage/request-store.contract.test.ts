import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { createAccountStore } from '../../src/accounts/account-store.js';
import { randomToken } from '../../src/crypto/random-token.js';
import { createRequestStore, type NewRequest, type RequestStore } from '../../src/requests/request-store.js';
import type { Database } from '../../src/storage/open-database.js';
import { describeEachDatabase } from '../support/each-database.js';
import { openMigratedDatabase } from '../support/open-test-store.js';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const audit = { ip: '198.51.100.4', userAgent: 'test-agent', referrer: null, userId: null };

describeEachDatabase('request store', (fixture) => {
  let database: Database;
  let store: RequestStore;
  let ownerId: number;
  before(async () => {
    database = await openMigratedDatabase(fixture.database, 8);
    store = createRequestStore(database, { auditEventsPerRequest: 10 });
    ownerId = await newUser();
  });
  after(() => database.close());

  async function newUser(): Promise<number> {
    const user = await createAccountStore(database).createUser({ email: `owner-${randomToken()}@example.com`, passwordRecord: null, admin: false, confirmed: true, now: T0 });
    assert.ok(user !== 'email_taken');
    return user.id;
  }

  function newRequest(overrides: Partial<NewRequest> = {}): NewRequest {
    return {
      token: randomToken(),
      ownerUserId: ownerId,
      name: 'db password',
      requesterName: 'Ops',
      instructionsEnvelope: randomBytes(120),
      keyAlgorithm: 'P-256',
      publicKey: 'B'.repeat(87),
      answersAllowed: 1,
      filesAllowed: false,
      answerLifetimeMinutes: 60,
      answerViews: 2,
      expiresAt: T0 + 7 * DAY,
      passphraseRecord: null,
      createdAt: T0,
      ...overrides,
    };
  }
  const answer = (encryption: 'client' | 'server' = 'client') => ({ token: randomToken(), kind: 'text' as const, encryption, sizeBytes: 120 });
  const payloadRows = async (answerId: number) =>
    (await database.db.selectFrom('request_answer_payloads').selectAll().where('answer_id', '=', answerId).execute()).length;
  const kinds = async (requestId: number) => (await store.listAudit(requestId, { offset: 0, limit: 100 })).map((event) => `${event.kind}${event.reason ? `:${event.reason}` : ''}`);

  it('creates a request with a created event and finds it by token', async () => {
    const request = await store.create(newRequest({ answersAllowed: 3 }), audit);
    assert.equal(request.answersRemaining, 3);
    assert.equal(request.closed, false);
    assert.deepEqual(await store.findByToken(request.token), request);
    assert.deepEqual(await kinds(request.id), ['created']);
  });

  it('takes exactly as many answers as the request allows when they all arrive at once, then closes it', async () => {
    const request = await store.create(newRequest({ answersAllowed: 3 }), audit);
    const results = await Promise.all(Array.from({ length: 40 }, () => store.acceptAnswer(request.id, answer(), randomBytes(150), T0 + 1000, audit)));
    assert.equal(results.filter((result) => result.ok).length, 3);
    assert.ok(results.every((result) => result.ok || result.reason === 'closed'));
    const closed = (await store.findByToken(request.token))!;
    assert.deepEqual({ closed: closed.closed, reason: closed.closeReason, remaining: closed.answersRemaining }, { closed: true, reason: 'answers', remaining: 0 });
    const answers = await store.listAnswers(request.id, { offset: 0, limit: 10 });
    assert.equal(answers.length, 3);
    assert.deepEqual(answers.map((each) => [each.viewsRemaining, each.expiresAt]), answers.map(() => [2, T0 + 1000 + 60 * 60_000]));
    assert.deepEqual(await kinds(request.id), ['created', 'answered:client', 'answered:client', 'answered:client', 'closed:answers']);
  });

  it('refuses answers after the link time and once closed, and a duplicate answer id without using a count', async () => {
    const request = await store.create(newRequest({ answersAllowed: 2, expiresAt: T0 + DAY }), audit);
    assert.deepEqual(await store.acceptAnswer(request.id, answer(), randomBytes(10), T0 + DAY, audit), { ok: false, reason: 'closed' });
    const first = answer();
    assert.equal((await store.acceptAnswer(request.id, first, randomBytes(10), T0, audit)).ok, true);
    assert.deepEqual(await store.acceptAnswer(request.id, { ...first }, randomBytes(10), T0, audit), { ok: false, reason: 'duplicate' });
    assert.equal((await store.findByToken(request.token))!.answersRemaining, 1, 'the refused duplicate used nothing');
    assert.ok(await store.close(request.id, 'owner', T0 + 5, audit));
    assert.equal(await store.close(request.id, 'owner', T0 + 6, audit), undefined, 'closing twice does nothing');
    assert.deepEqual(await store.acceptAnswer(request.id, answer(), randomBytes(10), T0 + 7, audit), { ok: false, reason: 'closed' });
  });

  it('runs the accepted hook inside the answer transaction: a hook that fails rolls the answer back', async () => {
    const request = await store.create(newRequest(), audit);
    await assert.rejects(store.acceptAnswer(request.id, answer(), randomBytes(10), T0, audit, async () => Promise.reject(new Error('outbox down'))), /outbox down/);
    assert.equal((await store.findByToken(request.token))!.answersRemaining, 1);
    assert.equal((await store.listAnswers(request.id, { offset: 0, limit: 10 })).length, 0);
    let seen: string | undefined;
    const accepted = await store.acceptAnswer(request.id, answer(), randomBytes(10), T0, audit, async ({ answer: taken }, executor) => {
      // The hook sees the answer row through the transaction it is given.
      const row = await executor.selectFrom('request_answers').select('answer_token').where('id', '=', taken.id).executeTakeFirst();
      seen = row?.answer_token;
    });
    assert.ok(accepted.ok);
    assert.equal(seen, accepted.answer.token);
  });

  it('uses an answer view at a time and deletes the payload with the last one, even under concurrent opens', async () => {
    const request = await store.create(newRequest({ answerViews: 3 }), audit);
    const accepted = await store.acceptAnswer(request.id, answer(), Buffer.from('sealed'), T0, audit);
    assert.ok(accepted.ok);
    const opens = await Promise.all(Array.from({ length: 12 }, () => store.consumeAnswerView(request.id, accepted.answer.token, T0 + 1, audit)));
    const delivered = opens.filter((open) => open.ok);
    assert.equal(delivered.length, 3);
    assert.ok(delivered.every((open) => open.ok && open.payloadEnvelope.toString() === 'sealed'));
    assert.equal(delivered.filter((open) => open.ok && open.last).length, 1);
    assert.equal(await payloadRows(accepted.answer.id), 0);
    const expired = (await store.findAnswer(request.id, accepted.answer.token))!;
    assert.deepEqual({ expired: expired.expired, reason: expired.expireReason }, { expired: true, reason: 'views' });
    const events = await store.listAudit(request.id, { offset: 0, limit: 100 });
    assert.equal(events.filter((event) => event.kind === 'viewed' && event.answerToken === accepted.answer.token).length, 3);
    assert.ok(events.some((event) => event.kind === 'expired' && event.reason === 'views'));
  });

  it('expires an answer at once for its owner, and answers and requests whose time ran out in the sweep', async () => {
    const request = await store.create(newRequest({ answersAllowed: 3, expiresAt: T0 + DAY }), audit);
    const kept = await store.acceptAnswer(request.id, answer(), randomBytes(10), T0, audit);
    const deleted = await store.acceptAnswer(request.id, answer('server'), randomBytes(10), T0, audit);
    assert.ok(kept.ok && deleted.ok);
    assert.equal((await store.expireAnswer(deleted.answer.id, 'owner', T0 + 1, audit))?.expireReason, 'owner');
    assert.equal(await store.expireAnswer(deleted.answer.id, 'owner', T0 + 2, audit), undefined);
    assert.equal(await payloadRows(deleted.answer.id), 0);
    assert.equal(await store.consumeAnswerView(request.id, deleted.answer.token, T0 + 3, audit).then((result) => result.ok), false);

    // The answer lives 60 minutes; the link a day.
    assert.ok((await store.sweepTimeExpired(T0 + 61 * 60_000, 100)) >= 1);
    assert.equal(await payloadRows(kept.answer.id), 0);
    assert.equal((await store.findAnswer(request.id, kept.answer.token))!.expireReason, 'time');
    assert.equal((await store.findByToken(request.token))!.closed, false);
    assert.ok((await store.sweepTimeExpired(T0 + DAY, 100)) >= 1);
    assert.equal((await store.findByToken(request.token))!.closeReason, 'time');
    assert.equal(await store.sweepTimeExpired(T0 + DAY, 100) >= 0, true);
  });

  it('purges closed requests past the cutoff once no answer is left, with their answers and audit logs', async () => {
    const request = await store.create(newRequest({ answerLifetimeMinutes: 5 * 1440 }), audit);
    const accepted = await store.acceptAnswer(request.id, answer(), randomBytes(10), T0, audit);
    assert.ok(accepted.ok);
    assert.equal((await store.findByToken(request.token))!.closed, true);
    await store.purgeExpiredBefore(T0 + 2 * DAY, 100);
    assert.ok(await store.findByToken(request.token), 'kept while an answer is still active');
    await store.expireAnswer(accepted.answer.id, 'owner', T0 + 1, audit);
    assert.ok((await store.purgeExpiredBefore(T0 + 2 * DAY, 100)) >= 1);
    assert.equal(await store.findByToken(request.token), undefined);
    const left = await database.db.selectFrom('request_audit_events').select('id').where('request_id', '=', request.id).execute();
    assert.equal(left.length, 0);
    assert.equal((await database.db.selectFrom('request_answers').select('id').where('request_id', '=', request.id).execute()).length, 0);
  });

  it('caps opened and failed events per request but always records answers and closing', async () => {
    const request = await store.create(newRequest({ answersAllowed: 2 }), audit);
    for (let index = 0; index < 15; index += 1) await store.recordAudit(request.id, null, 'opened', audit, T0 + index);
    assert.equal((await kinds(request.id)).filter((kind) => kind === 'opened').length, 10, 'the cap of 10 counts only the capped kinds');
    assert.ok((await store.acceptAnswer(request.id, answer(), randomBytes(10), T0, audit)).ok);
    assert.ok((await kinds(request.id)).includes('answered:client'));
  });

  it('counts passphrase attempts per minute and locks after the most failures', async () => {
    const request = await store.create(newRequest({ passphraseRecord: 'scrypt$…' }), audit);
    assert.equal(await store.countPassphraseAttempt(request.id, T0), 1);
    assert.equal(await store.countPassphraseAttempt(request.id, T0 + 1000), 2);
    assert.equal(await store.countPassphraseAttempt(request.id, T0 + 61_000), 1);
    assert.deepEqual(await store.recordPassphraseFailure(request.id, T0, 2, audit), { failures: 1, locked: false });
    assert.deepEqual(await store.recordPassphraseFailure(request.id, T0, 2, audit), { failures: 2, locked: true });
    const locked = (await store.findByToken(request.token))!;
    assert.deepEqual({ closed: locked.closed, reason: locked.closeReason, record: locked.passphraseRecord }, { closed: true, reason: 'locked', record: null });
    assert.deepEqual((await kinds(request.id)).slice(-3), ['failed_passphrase', 'failed_passphrase', 'locked:locked']);
  });

  it('deletes every request of an account with the account, answers and payloads included', async () => {
    const leaving = await newUser();
    const request = await store.create(newRequest({ ownerUserId: leaving }), audit);
    const accepted = await store.acceptAnswer(request.id, answer(), randomBytes(10), T0, audit);
    assert.ok(accepted.ok);
    assert.ok(await createAccountStore(database).deleteUser(leaving));
    assert.equal(await store.findByToken(request.token), undefined);
    assert.equal(await payloadRows(accepted.answer.id), 0);
  });
});

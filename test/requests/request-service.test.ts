import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { createAccountStore, type UserRecord } from '../../src/accounts/account-store.js';
import { createRateLimitStore } from '../../src/accounts/rate-limit-store.js';
import { loadConfig } from '../../src/config/load-config.js';
import { masterKeyFromHex } from '../../src/crypto/master-key-ring.js';
import { generateRequesterKeyPair, newAnswerId, openAnswerText, sealAnswer } from '../../src/crypto/requests/request-answer-format.js';
import { REQUEST_ANSWERED, type RequestAnsweredEvent } from '../../src/requests/request-events.js';
import { createRequestService, type RequestService } from '../../src/requests/request-service.js';
import { ANSWER_FIELD, createRequestStore } from '../../src/requests/request-store.js';
import { openEnvelope } from '../../src/crypto/envelope.js';
import type { Database } from '../../src/storage/open-database.js';
import { describeEachDatabase } from '../support/each-database.js';
import { openMigratedDatabase } from '../support/open-test-store.js';

const T0 = Date.UTC(2026, 2, 1);
const MINUTE = 60_000;
const audit = { ip: '203.0.113.9', userAgent: 'responder-agent', referrer: null, userId: null };

describeEachDatabase('the request service', (fixture) => {
  let database: Database;
  let service: RequestService;
  let owner: UserRecord;
  let now = T0;
  const events: RequestAnsweredEvent[] = [];
  let failHook = false;
  const key = masterKeyFromHex(randomBytes(32).toString('hex'));
  const ring = { current: key, all: [key], byId: (id: string) => (id === key.id ? key : undefined) };
  before(async () => {
    database = await openMigratedDatabase(fixture.database);
    const loaded = loadConfig({}, '/tmp');
    assert.ok(loaded.ok);
    service = createRequestService({
      store: createRequestStore(database, { auditEventsPerRequest: 100 }),
      rateLimits: createRateLimitStore(database),
      keys: ring,
      policy: loaded.config.requests,
      clock: () => now,
      events: {
        async answered(event, executor) {
          if (failHook) throw new Error('the outbox is down');
          // The hook writes through the answer's own transaction: it sees the answer row already.
          const row = await executor.selectFrom('request_answers').select('answer_token').where('answer_token', '=', event.answerToken).executeTakeFirst();
          assert.ok(row);
          events.push(event);
        },
      },
    });
    const created = await createAccountStore(database).createUser({ email: `svc-${randomBytes(4).toString('hex')}@example.com`, passwordRecord: null, admin: false, confirmed: true, now: T0 });
    assert.ok(created !== 'email_taken');
    owner = created;
  });
  after(() => database.close());

  const authentication = () => ({ kind: 'account' as const, user: owner, via: 'token' as const });
  async function make(input: Record<string, unknown> = {}) {
    const keys = await generateRequesterKeyPair();
    const result = await service.create({ publicKey: keys.publicKey, ...input }, { authentication: authentication(), audit });
    assert.ok(result.ok);
    return { request: result.request, keys };
  }
  async function clientAnswer(requestToken: string, publicKey: string, text: string) {
    const answerId = newAnswerId();
    return service.answer(requestToken, { encryption: 'client', answerId, kind: 'text', ciphertext: await sealAnswer(text, { requestToken, answerId, kind: 'text', publicKey }) }, audit);
  }

  it(`raises ${REQUEST_ANSWERED} inside the answer's transaction, with nothing secret in it`, async () => {
    const { request } = await make({ name: 'wifi', answersAllowed: 2 });
    const result = await clientAnswer(request.token, request.publicKey, 'the wifi password');
    assert.equal(result.outcome, 'accepted');
    const event = events.at(-1)!;
    assert.deepEqual(event, {
      type: 'request.answered',
      requestId: request.id,
      requestToken: request.token,
      requestName: 'wifi',
      ownerUserId: owner.id,
      answerToken: result.outcome === 'accepted' ? result.answer.token : '',
      encryption: 'client',
      answersRemaining: 1,
      answeredAt: now,
    });
    assert.ok(!JSON.stringify(event).includes('wifi password'));
  });

  it('rolls the answer back when the hook fails, so no answer is ever without its notification', async () => {
    const { request } = await make();
    failHook = true;
    try {
      await assert.rejects(clientAnswer(request.token, request.publicKey, 'lost'), /the outbox is down/);
    } finally {
      failHook = false;
    }
    assert.deepEqual(await service.listAnswers(request, { offset: 0, limit: 10 }), []);
    assert.equal((await service.findForResponder(request.token))!.answersRemaining, 1);
    assert.equal((await clientAnswer(request.token, request.publicKey, 'kept')).outcome, 'accepted');
  });

  it('seals a no-JavaScript answer on the server to the same key, marked as such', async () => {
    const { request, keys } = await make({ instructions: 'Send the key\nand the host', answersAllowed: 2 });
    assert.equal(service.readInstructions(request), 'Send the key\nand the host');
    const result = await service.answer(request.token, { encryption: 'server', text: 'typed without JavaScript' }, audit);
    assert.equal(result.outcome, 'accepted');
    if (result.outcome !== 'accepted') return;
    assert.equal(result.answer.encryption, 'server');
    assert.equal(events.at(-1)!.encryption, 'server');
    const revealed = await service.revealAnswer(request, result.answer.token, audit);
    assert.equal(revealed.outcome, 'revealed');
    if (revealed.outcome !== 'revealed') return;
    const text = await openAnswerText(revealed.ciphertext, { requestToken: request.token, answerId: result.answer.token, kind: 'text', privateKey: keys.privateKey, publicKey: request.publicKey });
    assert.equal(text, 'typed without JavaScript');
    const stored = await database.db.selectFrom('request_answer_payloads').select('payload_envelope').where('answer_id', '=', result.answer.id).executeTakeFirstOrThrow();
    // At rest: the sealed answer inside the server's envelope, bound to the answer id.
    assert.equal(openEnvelope(stored.payload_envelope, ring, { pushToken: result.answer.token, field: ANSWER_FIELD }).toString('utf8'), revealed.ciphertext);
    assert.equal((await service.answer(request.token, { encryption: 'server', text: '   ' }, audit)).outcome, 'invalid');
  });

  it('closes a link whose time ran out when an answer comes, and expires answers whose time ran out', async () => {
    const { request } = await make({ expireAfterMinutes: 60, answersAllowed: 3, answerExpireAfterMinutes: 30 });
    const early = await clientAnswer(request.token, request.publicKey, 'early');
    assert.equal(early.outcome, 'accepted');
    now += 31 * MINUTE;
    const answers = await service.listAnswers(request, { offset: 0, limit: 10 });
    assert.deepEqual(answers.map((each) => [each.expired, each.expireReason]), [[true, 'time']]);
    now += 30 * MINUTE;
    const late = await clientAnswer(request.token, request.publicKey, 'late');
    assert.equal(late.outcome, 'closed');
    assert.equal(late.outcome === 'closed' && late.request.closeReason, 'time');
    const kinds = (await service.listAudit(request, { offset: 0, limit: 50 })).map((event) => `${event.kind}${event.reason ? `:${event.reason}` : ''}`);
    assert.deepEqual(kinds, ['created', 'answered:client', 'expired:time', 'closed:time', 'failed_answer:time']);
  });

  it('lets only a fully authenticated account make requests', async () => {
    const { publicKey } = await generateRequesterKeyPair();
    const anonymous = await service.create({ publicKey }, { authentication: { kind: 'anonymous' }, audit });
    assert.deepEqual(anonymous, { ok: false, refused: 'sign_in_required' });
    const owed = await service.create({ publicKey }, { authentication: { kind: 'mfa_owed', user: owner, via: 'session' }, audit });
    assert.deepEqual(owed, { ok: false, refused: 'mfa_required' });
  });
});

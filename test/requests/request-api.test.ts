import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { keyFingerprint, newAnswerId, sealAnswer } from '../../src/crypto/requests/request-answer-format.js';
import type { Database } from '../../src/storage/open-database.js';
import { inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { json } from '../support/push-helpers.js';
import { accountToken, answer, bearer, createRequest, readAnswer } from '../support/request-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describeEachDatabase('the request API', (fixture) => {
  let server: TestServer;
  let alice: string;
  let bob: string;
  let inspector: Database;
  before(async () => {
    server = await startTestServer(fixture.database, {
      env: { PASSDROP_PASSPHRASE_MAX_FAILURES: '3', PASSDROP_REQUEST_ANSWER_MAX_CHARACTERS: '200', PASSDROP_REQUEST_ANSWERS_PER_IP_PER_HOUR: '1000' },
    });
    [alice, bob] = await Promise.all([accountToken(server, 'alice@example.com'), accountToken(server, 'bob@example.com')]);
    inspector = inspectDatabase(fixture.database);
  });
  after(async () => {
    await inspector.close();
    await server.stop();
  });

  const get = (path: string, token?: string) => server.fetch(path, { headers: token ? bearer(token) : {} });
  const post = (path: string, token?: string, body?: unknown) =>
    server.fetch(path, { method: 'POST', headers: { ...(token ? bearer(token) : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const auditKinds = async (token: string, requestToken: string) =>
    (await json<Array<{ kind: string; reason: string | null }>>(await get(`/api/passdrop/v1/requests/${requestToken}/audit`, token))).map((event) => `${event.kind}${event.reason ? `:${event.reason}` : ''}`);

  it('makes a request from a public key made on the client; the link carries its fingerprint', async () => {
    const { request, keys } = await createRequest(server, alice, { name: 'prod db', requester_name: 'Alice (Ops)', instructions: 'The read-only password, please.', answers_allowed: 2 });
    assert.match(request.token, /^[A-Za-z0-9_-]{22}$/);
    const fingerprint = await keyFingerprint(keys.publicKey);
    assert.equal(request.key_fingerprint, fingerprint);
    assert.equal(request.url, `${server.url}/req/${request.token}#${fingerprint}`);
    assert.deepEqual(
      { name: request.name, who: request.requester_name, instructions: request.instructions, allowed: request.answers_allowed, closed: request.closed },
      { name: 'prod db', who: 'Alice (Ops)', instructions: 'The read-only password, please.', allowed: 2, closed: false },
    );
    assert.equal(request.answer_expire_after_views, 5, 'the default answer views');
    assert.equal(request.passphrase_protected, false);
    const stored = await inspector.db.selectFrom('requests').select(['public_key', 'instructions_envelope']).where('url_token', '=', request.token).executeTakeFirstOrThrow();
    assert.equal(stored.public_key, keys.publicKey);
    assert.ok(!stored.instructions_envelope!.includes('read-only password'), 'instructions are sealed at rest');
    const listed = await json<{ requests: Array<{ token: string }>; total: number }>(await get('/api/passdrop/v1/requests', alice));
    assert.ok(listed.requests.some((each) => each.token === request.token));
  });

  it("shows a responder the form and nothing of the requester's account, recording the opening", async () => {
    const { request } = await createRequest(server, alice, { requester_name: 'Alice', instructions: 'VPN key' });
    const response = await server.fetch(`/api/passdrop/v1/requests/${request.token}/form`, { headers: { 'user-agent': 'Responder/1.0' } });
    const form = await json<Record<string, unknown>>(response);
    assert.equal(response.status, 200);
    assert.deepEqual(Object.keys(form).sort(), [
      'expires_at', 'files_allowed', 'instructions', 'key_algorithm', 'max_characters', 'max_file_bytes', 'max_files', 'max_total_file_bytes',
      'passphrase_required', 'public_key', 'requester_name', 'token',
    ]);
    assert.ok(!JSON.stringify(form).includes('alice@example.com'));
    assert.equal(form.max_characters, 200);
    assert.deepEqual(await auditKinds(alice, request.token), ['created', 'opened']);
    const events = await json<Array<{ kind: string; user_agent: string | null; ip: string | null }>>(await get(`/api/passdrop/v1/requests/${request.token}/audit`, alice));
    assert.equal(events[1]!.user_agent, 'Responder/1.0');
    assert.equal(events[1]!.ip, '127.0.0.1');
    assert.equal((await server.fetch('/api/passdrop/v1/requests/AAAAAAAAAAAAAAAAAAAAAA/form')).status, 404);
  });

  it('takes as many answers as allowed, then closes; the requester reads each with the private key, view by view', async () => {
    const { request, keys } = await createRequest(server, alice, { answers_allowed: 2, answer_expire_after_views: 2 });
    const first = await answer(server, request, 'first secret');
    assert.equal(first.status, 201);
    const firstBody = await json<{ answer_id: string; encryption: string }>(first);
    assert.equal(firstBody.encryption, 'client');
    assert.equal((await answer(server, request, 'second secret')).status, 201);
    const late = await answer(server, request, 'too late');
    assert.equal(late.status, 410);
    assert.equal((await json<{ code: string }>(late)).code, 'REQUEST_CLOSED');
    const shown = await json<{ closed: boolean; close_reason: string; answers_received: number }>(await get(`/api/passdrop/v1/requests/${request.token}`, alice));
    assert.deepEqual({ closed: shown.closed, reason: shown.close_reason, received: shown.answers_received }, { closed: true, reason: 'answers', received: 2 });

    const answers = await json<Array<{ answer_id: string; views_remaining: number; encryption: string }>>(await get(`/api/passdrop/v1/requests/${request.token}/answers`, alice));
    assert.equal(answers.length, 2);
    assert.equal(answers[0]!.answer_id, firstBody.answer_id);
    const once = await readAnswer(server, alice, request, keys, firstBody.answer_id);
    assert.equal(once.text, 'first secret');
    assert.equal((once.body.answer as { views_remaining: number }).views_remaining, 1);
    const twice = await readAnswer(server, alice, request, keys, firstBody.answer_id);
    assert.equal(twice.text, 'first secret');
    assert.equal((twice.body.answer as { expired: boolean }).expired, true);
    const thrice = await readAnswer(server, alice, request, keys, firstBody.answer_id);
    assert.equal(thrice.status, 410);
    assert.equal(thrice.body.code, 'ANSWER_EXPIRED');
    const answerRow = await inspector.db.selectFrom('request_answers').select('id').where('answer_token', '=', firstBody.answer_id).executeTakeFirstOrThrow();
    assert.equal((await inspector.db.selectFrom('request_answer_payloads').select('answer_id').where('answer_id', '=', answerRow.id).execute()).length, 0, 'the last view deleted the payload');
    assert.deepEqual(await auditKinds(alice, request.token), [
      'created', 'answered:client', 'answered:client', 'closed:answers', 'failed_answer:answers', 'viewed', 'viewed', 'expired:views',
    ]);
  });

  it("is the owner's alone: other accounts get 404, no credentials 401", async () => {
    const { request, keys } = await createRequest(server, alice);
    const sent = await json<{ answer_id: string }>(await answer(server, request, 'only for alice'));
    for (const [method, path] of [
      ['GET', `/api/passdrop/v1/requests/${request.token}`],
      ['GET', `/api/passdrop/v1/requests/${request.token}/answers`],
      ['GET', `/api/passdrop/v1/requests/${request.token}/audit`],
      ['POST', `/api/passdrop/v1/requests/${request.token}/close`],
      ['POST', `/api/passdrop/v1/requests/${request.token}/answers/${sent.answer_id}/reveal`],
      ['DELETE', `/api/passdrop/v1/requests/${request.token}/answers/${sent.answer_id}`],
    ]) {
      const asBob = await server.fetch(path!, { method: method!, headers: bearer(bob) });
      assert.equal(asBob.status, 404, `${method} ${path} as another account`);
      assert.equal((await json<{ code: string }>(asBob)).code, 'REQUEST_NOT_FOUND');
      assert.equal((await server.fetch(path!, { method: method! })).status, 401, `${method} ${path} without credentials`);
    }
    assert.ok(!(await json<{ requests: Array<{ token: string }> }>(await get('/api/passdrop/v1/requests', bob))).requests.some((each) => each.token === request.token));
    assert.equal((await readAnswer(server, alice, request, keys, sent.answer_id)).text, 'only for alice', 'nothing was used up by the refusals');
  });

  it('refuses what it cannot take: bad keys, files where the request takes none, bounds, malformed or oversized answers, reused answer ids', async () => {
    const refuse = async (body: Record<string, unknown>, field: string, code: string) => {
      const response = await post('/api/passdrop/v1/requests', alice, body);
      const problem = await json<{ code: string; details: Array<{ field: string; code: string }> }>(response);
      assert.equal(response.status, 422, JSON.stringify(problem));
      assert.ok(problem.details.some((detail) => detail.field === field && detail.code === code), JSON.stringify(problem.details));
    };
    const { request: good, keys } = await createRequest(server, alice, { answers_allowed: 5 });
    await refuse({ public_key: 'B'.repeat(87) }, 'public_key', 'invalid_key');
    await refuse({ public_key: keys.publicKey, answers_allowed: 0 }, 'answers_allowed', 'out_of_range');
    await refuse({ public_key: keys.publicKey, answers_allowed: 101 }, 'answers_allowed', 'out_of_range');
    await refuse({ public_key: keys.publicKey, expire_after_minutes: 1 }, 'expire_after_minutes', 'out_of_range');
    await refuse({ public_key: keys.publicKey, answer_expire_after_views: 101 }, 'answer_expire_after_views', 'out_of_range');
    assert.equal((await post('/api/passdrop/v1/requests', alice, { public_key: keys.publicKey, surprise: 1 })).status, 422, 'an unknown field is an error, not ignored');

    const answerRefused = async (body: Record<string, unknown>, field: string, code: string) => {
      const response = await post(`/api/passdrop/v1/requests/${good.token}/answers`, undefined, body);
      const problem = await json<{ details: Array<{ field: string; code: string }> }>(response);
      assert.equal(response.status, 422, JSON.stringify(problem));
      assert.ok(problem.details.some((detail) => detail.field === field && detail.code === code), JSON.stringify(problem.details));
    };
    const answerId = newAnswerId();
    const sealed = await sealAnswer('x', { requestToken: good.token, answerId, kind: 'text', publicKey: good.public_key });
    await answerRefused({ answer_id: answerId, ciphertext: 'AAAA' }, 'ciphertext', 'invalid_ciphertext');
    await answerRefused({ answer_id: 'short', ciphertext: sealed }, 'answer_id', 'invalid_format');
    await answerRefused({ answer_id: answerId, kind: 'files', ciphertext: sealed, files: [{ upload_id: 'x', sealed_metadata: 'AAAA' }] }, 'files', 'files_not_allowed');
    const longId = newAnswerId();
    const tooLong = await sealAnswer('x'.repeat(1000), { requestToken: good.token, answerId: longId, kind: 'text', publicKey: good.public_key });
    await answerRefused({ answer_id: longId, ciphertext: tooLong }, 'ciphertext', 'too_long');
    assert.equal((await post(`/api/passdrop/v1/requests/${good.token}/answers`, undefined, { answer_id: answerId, ciphertext: sealed })).status, 201);
    await answerRefused({ answer_id: answerId, ciphertext: sealed }, 'answer_id', 'taken');
    const shown = await json<{ answers_remaining: number }>(await get(`/api/passdrop/v1/requests/${good.token}`, alice));
    assert.equal(shown.answers_remaining, 4, 'refused answers used no count');
  });

  it('asks responders for the passphrase, records failures and locks after too many', async () => {
    const { request, keys } = await createRequest(server, alice, { passphrase: 'blue harbour', answers_allowed: 3 });
    assert.equal(request.passphrase_protected, true);
    const form = await json<{ passphrase_required: boolean }>(await server.fetch(`/api/passdrop/v1/requests/${request.token}/form`));
    assert.equal(form.passphrase_required, true);
    const without = await answer(server, request, 'x');
    assert.equal(without.status, 401);
    assert.equal((await json<{ code: string }>(without)).code, 'REQUEST_PASSPHRASE_REQUIRED');
    const wrong = await answer(server, request, 'x', { passphrase: 'red harbour' });
    assert.equal((await json<{ code: string }>(wrong)).code, 'REQUEST_PASSPHRASE_INCORRECT');
    const right = await answer(server, request, 'with the passphrase', { passphrase: 'blue harbour' });
    assert.equal(right.status, 201);
    const sent = await json<{ answer_id: string }>(right);
    assert.equal((await readAnswer(server, alice, request, keys, sent.answer_id)).text, 'with the passphrase');
    await answer(server, request, 'x', { passphrase: 'guess 2' });
    const locking = await answer(server, request, 'x', { passphrase: 'guess 3' });
    assert.equal(locking.status, 410);
    assert.equal((await json<{ code: string }>(locking)).code, 'REQUEST_LOCKED');
    assert.equal((await answer(server, request, 'x', { passphrase: 'blue harbour' })).status, 410, 'locked: even the right passphrase is too late');
    const kinds = await auditKinds(alice, request.token);
    assert.equal(kinds.filter((kind) => kind === 'failed_passphrase').length, 3);
    assert.ok(kinds.includes('locked:locked'));
    const row = await inspector.db.selectFrom('requests').select('passphrase_record').where('url_token', '=', request.token).executeTakeFirstOrThrow();
    assert.equal(row.passphrase_record, null, 'a closed request forgets its passphrase record');
  });

  it('closes on request, keeping the answers readable; deletes an answer at once', async () => {
    const { request, keys } = await createRequest(server, alice, { answers_allowed: 5 });
    const kept = await json<{ answer_id: string }>(await answer(server, request, 'kept'));
    const doomed = await json<{ answer_id: string }>(await answer(server, request, 'doomed'));
    const closed = await json<{ closed: boolean; close_reason: string }>(await post(`/api/passdrop/v1/requests/${request.token}/close`, alice));
    assert.deepEqual({ closed: closed.closed, reason: closed.close_reason }, { closed: true, reason: 'owner' });
    assert.equal((await answer(server, request, 'after closing')).status, 410);
    assert.equal((await server.fetch(`/api/passdrop/v1/requests/${request.token}/form`)).status, 410);
    const deleted = await server.fetch(`/api/passdrop/v1/requests/${request.token}/answers/${doomed.answer_id}`, { method: 'DELETE', headers: bearer(alice) });
    assert.equal((await json<{ expire_reason: string }>(deleted)).expire_reason, 'owner');
    assert.equal((await readAnswer(server, alice, request, keys, doomed.answer_id)).status, 410);
    assert.equal((await readAnswer(server, alice, request, keys, kept.answer_id)).text, 'kept');
    assert.equal((await server.fetch(`/api/passdrop/v1/requests/${request.token}/answers/AAAAAAAAAAAAAAAAAAAAAA`, { method: 'DELETE', headers: bearer(alice) })).status, 404);
  });
});

describeEachDatabase('request limits', (fixture) => {
  let server: TestServer;
  let alice: string;
  before(async () => {
    server = await startTestServer(fixture.database, { env: { PASSDROP_REQUEST_ANSWERS_PER_LINK_PER_MINUTE: '2', PASSDROP_REQUEST_ANSWERS_PER_IP_PER_HOUR: '5' } });
    alice = await accountToken(server, 'limits@example.com');
  });
  after(() => server.stop());

  it('counts answer attempts per link a minute and per address an hour, in the database', async () => {
    const { request: busy } = await createRequest(server, alice, { answers_allowed: 10 });
    assert.equal((await answer(server, busy, 'one')).status, 201);
    assert.equal((await answer(server, busy, 'two')).status, 201);
    const third = await answer(server, busy, 'three');
    assert.equal(third.status, 429);
    assert.equal(third.headers.get('retry-after'), '60');
    assert.equal((await json<{ code: string }>(third)).code, 'REQUEST_RATE_LIMITED');
    // Every attempt counts for the address, refused ones too: two more on another link make five, the sixth is refused.
    const { request: other } = await createRequest(server, alice, { answers_allowed: 10 });
    assert.equal((await answer(server, other, 'four')).status, 201);
    assert.equal((await answer(server, other, 'five')).status, 201);
    const { request: fresh } = await createRequest(server, alice);
    const refused = await answer(server, fresh, 'six');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '3600');
  });

  it('turns requests off with PASSDROP_REQUESTS_ENABLED=false', async () => {
    const off = await startTestServer(fixture.database, { env: { PASSDROP_REQUESTS_ENABLED: 'false' } });
    try {
      const token = await accountToken(off, 'off@example.com');
      const response = await off.fetch('/api/passdrop/v1/requests', { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(token) }, body: JSON.stringify({ public_key: 'x' }) });
      assert.equal(response.status, 403);
      assert.equal((await json<{ code: string }>(response)).code, 'REQUESTS_DISABLED');
    } finally {
      await off.stop();
    }
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { createPush, json, pushStatus } from '../support/push-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Stand-ins with the right shapes: the server treats both as opaque. */
const ciphertext = () => randomBytes(80).toString('base64url');
const proof = () => randomBytes(32).toString('base64url');

describeEachDatabase('end-to-end pushes on the server', (fixture) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(fixture.database, { env: { PASSDROP_PASSPHRASE_MAX_FAILURES: '3' } });
  });
  after(() => server.stop());

  const reveal = (token: string, body: Record<string, string> = {}) =>
    server.fetch(`/api/passdrop/v1/pushes/${token}/reveal`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const create = (body: Record<string, unknown>) =>
    server.fetch('/api/passdrop/v1/pushes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('stores and returns the ciphertext as it came, released only on the right access proof', async () => {
    const sealed = ciphertext();
    const accessProof = proof();
    const push = await createPush(server, { payload: sealed, encryption: 'client', access_proof: accessProof, expire_after_views: 2 });
    assert.equal(push.encryption, 'client');
    assert.equal(push.passphrase_protected, true);

    const inspector = inspectDatabase(fixture.database);
    try {
      const row = await inspector.db.selectFrom('pushes').select('passphrase_record').where('url_token', '=', push.token).executeTakeFirstOrThrow();
      assert.match(row.passphrase_record ?? '', /^proof-sha256\$[A-Za-z0-9_-]{43}$/);
      assert.ok(!row.passphrase_record!.includes(accessProof), 'only a hash of the proof is stored');
    } finally {
      await inspector.close();
    }

    assert.equal((await json<{ code: string }>(await reveal(push.token))).code, 'PASSPHRASE_REQUIRED');
    assert.equal((await json<{ code: string }>(await reveal(push.token, { access_proof: proof() }))).code, 'PASSPHRASE_INCORRECT');
    const revealed = await json<{ payload: string }>(await reveal(push.token, { access_proof: accessProof }));
    assert.equal(revealed.payload, sealed);
  });

  it('locks an end-to-end push after too many wrong proofs, like a passphrase push', async () => {
    const push = await createPush(server, { payload: ciphertext(), encryption: 'client', access_proof: proof() });
    for (let attempt = 0; attempt < 3; attempt += 1) await reveal(push.token, { access_proof: proof() });
    const status = await pushStatus(server, push.token);
    assert.deepEqual([status.expired, status.expire_reason], [true, 'locked']);
  });

  it('refuses inconsistent end-to-end requests with clear messages', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ payload: 'not base64url!', encryption: 'client' }, 'payload', /base64url ciphertext/],
      [{ payload: ciphertext(), encryption: 'client', passphrase: 'plain' }, 'passphrase', /must not be sent/],
      [{ payload: ciphertext(), encryption: 'client', access_proof: 'short' }, 'access_proof', /43 base64url/],
      [{ payload: 'hello', access_proof: proof() }, 'access_proof', /only for end-to-end/],
      [{ payload: ciphertext(), encryption: 'client', kind: 'url' }, 'encryption', /cannot be end-to-end encrypted/],
    ];
    for (const [body, field, message] of cases) {
      const response = await create(body);
      assert.equal(response.status, 422, JSON.stringify(body));
      const detail = (await json<{ details: Array<{ field: string; message: string }> }>(response)).details.find((entry) => entry.field === field);
      assert.match(detail?.message ?? 'missing', message);
    }
  });

  it('does not burn a view of an end-to-end push through the no-JavaScript form', async () => {
    const push = await createPush(server, { payload: ciphertext(), encryption: 'client', expire_after_views: 1 });
    const response = await server.fetch(`/p/${push.token}/reveal`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /turn on JavaScript/);
    assert.equal((await pushStatus(server, push.token)).views_remaining, 1);
  });
});

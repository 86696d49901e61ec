import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { createPush, json, pushStatus } from '../support/push-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { linkProofFor, newLinkSecret, openE2eText, sealE2e } from '../../src/crypto/e2e/e2e-format.js';
import { tokenDigest } from '../../src/crypto/token-digest.js';

/** Stand-ins with the right shapes for format 1 (first byte 1, no flags): the server treats them as opaque. */
const ciphertext = () => {
  const bytes = randomBytes(80);
  bytes.fill(0, 0, 6);
  bytes[0] = 1;
  return bytes.toString('base64url');
};
/** The link secret with its last 4 characters changed, as in the report of a damaged link. */
const damaged = (linkSecret: string) => linkSecret.slice(0, -4) + (linkSecret.endsWith('xxxx') ? 'yyyy' : 'xxxx');
const FAST = 100_000;
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
      const row = await inspector.db.selectFrom('pushes').select('passphrase_record').where('link_digest', '=', tokenDigest(push.token)).executeTakeFirstOrThrow();
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

  it('format 2: a damaged link, or none, uses no view and says the link is damaged; the whole link opens it', async () => {
    const linkSecret = newLinkSecret();
    const sealed = await sealE2e('exactly this', { kind: 'text', linkSecret });
    const push = await createPush(server, { payload: sealed.ciphertext, encryption: 'client', link_proof: sealed.linkProof, expire_after_views: 1 });
    assert.equal(push.passphrase_protected, false);

    const inspector = inspectDatabase(fixture.database);
    try {
      const row = await inspector.db.selectFrom('pushes').select(['link_proof_record', 'passphrase_record']).where('link_digest', '=', tokenDigest(push.token)).executeTakeFirstOrThrow();
      assert.match(row.link_proof_record ?? '', /^proof-sha256\$[A-Za-z0-9_-]{43}$/);
      assert.ok(!row.link_proof_record!.includes(sealed.linkProof!), 'only a hash of the link proof is stored');
      assert.equal(row.passphrase_record, null);
    } finally {
      await inspector.close();
    }

    // A scanner or a client with the URL but not its fragment.
    const bare = await reveal(push.token);
    assert.equal(bare.status, 401);
    assert.equal((await json<{ code: string }>(bare)).code, 'LINK_PROOF_REQUIRED');
    // The last 4 characters after # changed.
    const wrong = await reveal(push.token, { link_proof: await linkProofFor(damaged(linkSecret)) });
    assert.equal(wrong.status, 403);
    assert.match((await json<{ code: string; error: string }>(wrong)).error, /link is damaged.*no view was used/);
    // Nor through the no-JavaScript form, nor Password Pusher's API.
    await server.fetch(`/p/${push.token}/reveal`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    assert.equal((await pushStatus(server, push.token)).views_remaining, 1, 'no view was used');

    const revealed = await json<{ payload: string }>(await reveal(push.token, { link_proof: sealed.linkProof! }));
    assert.equal(await openE2eText(revealed.payload, { kind: 'text', linkSecret }), 'exactly this');
    assert.equal((await pushStatus(server, push.token)).expired, true);
  });

  it('format 2 with a passphrase: a damaged link is not a wrong passphrase, counts no failure and uses no view', async () => {
    const linkSecret = newLinkSecret();
    const sealed = await sealE2e('guarded', { kind: 'text', linkSecret, passphrase: 'right one', iterations: FAST });
    const push = await createPush(server, { payload: sealed.ciphertext, encryption: 'client', link_proof: sealed.linkProof, access_proof: sealed.accessProof, expire_after_views: 1 });
    assert.equal(push.passphrase_protected, true);
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const response = await reveal(push.token, { link_proof: await linkProofFor(damaged(linkSecret)), access_proof: sealed.accessProof! });
      assert.equal((await json<{ code: string }>(response)).code, 'LINK_DAMAGED');
    }
    const status = await pushStatus(server, push.token);
    assert.deepEqual([status.expired, status.views_remaining], [false, 1], 'four damaged-link attempts neither lock nor spend it (3 wrong passphrases would)');
    assert.equal((await json<{ code: string }>(await reveal(push.token, { link_proof: sealed.linkProof!, access_proof: proof() }))).code, 'PASSPHRASE_INCORRECT');
    const revealed = await json<{ payload: string; push: { passphrase_protected: boolean; expired: boolean } }>(
      await reveal(push.token, { link_proof: sealed.linkProof!, access_proof: sealed.accessProof! }),
    );
    assert.equal(await openE2eText(revealed.payload, { kind: 'text', linkSecret, passphrase: 'right one' }), 'guarded');
    assert.deepEqual([revealed.push.expired, revealed.push.passphrase_protected], [true, true], 'still says it was protected after its last view');
    assert.equal((await pushStatus(server, push.token)).passphrase_protected, true);
  });

  it('format 2 needs its link proof at creation; format-1 pushes are still created and read as before', async () => {
    const linkSecret = newLinkSecret();
    const sealed = await sealE2e('x', { kind: 'text', linkSecret });
    const refused = await create({ payload: sealed.ciphertext, encryption: 'client' });
    assert.equal(refused.status, 422);
    const detail = (await json<{ details: Array<{ field: string; message: string }> }>(refused)).details.find((entry) => entry.field === 'link_proof');
    assert.match(detail?.message ?? 'missing', /required for an end-to-end push in format 2/);
    const serverPush = await create({ payload: 'plain', link_proof: sealed.linkProof });
    assert.equal(serverPush.status, 422);

    const old = await sealE2e('format one', { kind: 'text', linkSecret, version: 1 });
    const push = await createPush(server, { payload: old.ciphertext, encryption: 'client' });
    const revealed = await json<{ payload: string }>(await reveal(push.token));
    assert.equal(await openE2eText(revealed.payload, { kind: 'text', linkSecret }), 'format one');
  });

  it("refuses an end-to-end push on Password Pusher's API with a 409 and uses no view", async () => {
    const linkSecret = newLinkSecret();
    const sealed = await sealE2e('x', { kind: 'text', linkSecret });
    const push = await createPush(server, { payload: sealed.ciphertext, encryption: 'client', link_proof: sealed.linkProof, expire_after_views: 1 });
    const legacy = await createPush(server, { payload: ciphertext(), encryption: 'client', expire_after_views: 1 });
    for (const token of [push.token, legacy.token]) {
      for (const path of [`/p/${token}.json`, `/api/v2/pushes/${token}`, `/api/v2/pushes/${token}.json`]) {
        const response = await server.fetch(path);
        assert.equal(response.status, 409, path);
        const body = await json<{ error: string }>(response);
        assert.match(body.error, /end-to-end encrypted.*browser.*passdrop get/, path);
        assert.equal(JSON.stringify(body).includes('payload'), false);
      }
      assert.equal((await pushStatus(server, token)).views_remaining, 1, 'no view was used');
    }
  });
});

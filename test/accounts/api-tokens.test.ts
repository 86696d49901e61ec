import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { databaseBytes, inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { json } from '../support/push-helpers.js';
import { spawnPassdrop } from '../support/spawn-passdrop.js';
import { startTestServer, testServerEnvironment, type TestServer } from '../support/test-server.js';

describeEachDatabase('accounts and API tokens', (fixture) => {
  let server: TestServer;
  let alice: string;
  let bob: string;
  let env: Record<string, string>;

  async function cli(args: string[], stdin?: string) {
    const run = spawnPassdrop(args, env, stdin);
    return { code: await run.exited(), stdout: run.stdout(), stderr: run.stderr() };
  }

  before(async () => {
    env = testServerEnvironment(fixture.database);
    assert.equal((await cli(['admin', 'user', 'add', 'alice@example.com'], 'a long enough password\n')).code, 0);
    assert.equal((await cli(['admin', 'user', 'add', 'Bob@Example.com', '--admin'], 'another long password\n')).code, 0);
    const aliceToken = await cli(['admin', 'token', 'create', 'alice@example.com']);
    assert.match(aliceToken.stdout, /^pd_[A-Za-z0-9_-]{43}\n$/, 'the token alone on stdout');
    alice = aliceToken.stdout.trim();
    bob = (await cli(['admin', 'token', 'create', 'bob@example.com', '--name', 'ci'])).stdout.trim();
    server = await startTestServer(fixture.database, { env: { PASSDROP_MASTER_KEY: env.PASSDROP_MASTER_KEY! } });
  });
  after(() => server?.stop());

  const asAlice = () => ({ authorization: `Bearer ${alice}` });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    server.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('refuses short passwords, duplicate emails and unknown accounts on the command line', async () => {
    const short = await cli(['admin', 'user', 'add', 'carol@example.com'], 'short\n');
    assert.equal(short.code, 1);
    assert.match(short.stderr, /password must be between 10 and 128 characters/);
    const duplicate = await cli(['admin', 'user', 'add', 'ALICE@example.com'], 'a long enough password\n');
    assert.match(duplicate.stderr, /email already has an account/);
    const unknown = await cli(['admin', 'token', 'create', 'nobody@example.com']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /There is no account for nobody@example.com/);
  });

  it('stores tokens only as a hash with a visible prefix', async () => {
    const inspector = inspectDatabase(fixture.database);
    try {
      const rows = await inspector.db.selectFrom('api_tokens').select(['prefix', 'token_hash']).execute();
      assert.ok(rows.some((row) => alice.startsWith(row.prefix)));
      assert.ok(rows.every((row) => row.token_hash !== alice && !row.token_hash.includes(alice)));
    } finally {
      await inspector.close();
    }
    assert.equal((await databaseBytes(fixture.database)).indexOf(alice), -1);
  });

  it("owns pushes made with a token, and the owner's retrievals use no view", async () => {
    const created = await json(await post('/p.json', { password: { payload: 'owned secret', name: 'db', note: 'for ops', expire_after_views: 2 } }, asAlice()));
    const token = created.url_token as string;
    for (let read = 0; read < 3; read += 1) {
      const body = await json(await server.fetch(`/p/${token}.json`, { headers: asAlice() }));
      assert.equal(body.payload, 'owned secret');
      assert.equal(body.views_remaining, 2, 'owner views do not count');
    }
    const anonymous = await json(await server.fetch(`/p/${token}.json`));
    assert.equal(anonymous.views_remaining, 1);

    const audit = await json<{ views: Array<Record<string, string>> }>(await server.fetch(`/p/${token}/audit.json`, { headers: asAlice() }));
    assert.deepEqual(audit.views.map((event) => event.kind), ['creation', 'owner_view', 'owner_view', 'owner_view', 'view']);
    assert.deepEqual(Object.keys(audit.views[0]!), ['ip', 'user_agent', 'referrer', 'kind', 'created_at', 'updated_at']);
    const v2 = await json<{ logs: unknown[] }>(await server.fetch(`/api/v2/pushes/${token}/audit`, { headers: asAlice() }));
    assert.equal(v2.logs.length, 5);

    const active = await json<Array<Record<string, unknown>>>(await server.fetch('/p/active.json', { headers: asAlice() }));
    const listed = active.find((push) => push.url_token === token);
    assert.deepEqual([listed?.name, listed?.note], ['db', 'for ops']);
  });

  it('accepts X-User-Email with X-User-Token, but only when the email is the token\'s owner', async () => {
    const good = await server.fetch('/api/v2/pushes/active', { headers: { 'x-user-email': 'ALICE@example.com', 'x-user-token': alice } });
    assert.equal(good.status, 200);
    const wrongEmail = await server.fetch('/api/v2/pushes/active', { headers: { 'x-user-email': 'bob@example.com', 'x-user-token': alice } });
    assert.equal(wrongEmail.status, 401);
    const tokenAlone = await server.fetch('/api/v2/pushes/active', { headers: { 'x-user-token': alice } });
    assert.equal(tokenAlone.status, 401);
    const bare = await server.fetch('/api/v2/pushes/active', { headers: { authorization: alice } });
    assert.equal(bare.status, 200, 'a bare token in Authorization works too');
  });

  it("lets the owner expire a push viewers may not delete, and lists it as expired", async () => {
    const created = await json(await post('/api/v2/pushes', { push: { payload: 'mine', deletable_by_viewer: false } }, asAlice()));
    const token = created.url_token as string;
    assert.equal((await server.fetch(`/p/${token}.json`, { method: 'DELETE' })).status, 401);
    const deleted = await json(await server.fetch(`/p/${token}.json`, { method: 'DELETE', headers: asAlice() }));
    assert.deepEqual([deleted.expired, deleted.deleted], [true, true]);
    const expired = await json<Array<Record<string, unknown>>>(await server.fetch('/api/v2/pushes/expired', { headers: asAlice() }));
    assert.ok(expired.some((push) => push.url_token === token));
  });

  it("refuses another account's audit log, bad pages and missing tokens with Password Pusher's errors", async () => {
    const created = await json(await post('/p.json', { password: { payload: 'alice only' } }, asAlice()));
    const path = `/p/${created.url_token}/audit.json`;
    const forbidden = await server.fetch(path, { headers: { authorization: `Bearer ${bob}x` } });
    assert.equal(forbidden.status, 401, 'an invalid token');
    const carolLike = await json(await post('/p.json', { password: { payload: 'anonymous' } }));
    const notYours = await server.fetch(`/p/${carolLike.url_token}/audit.json`, { headers: asAlice() });
    assert.equal(notYours.status, 403);
    assert.deepEqual(await notYours.json(), { error: "That push doesn't belong to you." });
    for (const page of ['invalid', '201']) {
      const response = await server.fetch(`${path}?page=${page}`, { headers: asAlice() });
      assert.equal(response.status, 400);
      assert.deepEqual(await response.json(), { error: 'Invalid page parameter' });
    }
    assert.equal((await server.fetch(`${path}?page=0`, { headers: asAlice() })).status, 200);
    for (const unauthenticated of [path, '/p/active.json', '/p/expired.json', '/api/v2/pushes/active']) {
      assert.equal((await server.fetch(unauthenticated)).status, 401, unauthenticated);
    }
    // An admin may read any audit log.
    assert.equal((await server.fetch(`/p/${carolLike.url_token}/audit.json`, { headers: { authorization: `Bearer ${bob}` } })).status, 200);
  });

  it('creates URL pushes through /r.json with a token, and owns pushes made through the Passdrop API', async () => {
    const url = await post('/r.json', { url: { payload: 'https://example.com/reset' } }, asAlice());
    assert.equal(url.status, 201);
    const native = await json(await post('/api/passdrop/v1/pushes', { payload: 'native' }, asAlice()));
    const active = await json<Array<Record<string, unknown>>>(await server.fetch('/p/active.json', { headers: asAlice() }));
    assert.ok(active.some((push) => push.url_token === native.token));
    const refused = await post('/api/passdrop/v1/pushes', { payload: 'x' }, { authorization: 'Bearer pd_nope' });
    assert.equal(refused.status, 401);
    assert.equal((await json<{ code: string }>(refused)).code, 'UNAUTHENTICATED');
  });
});

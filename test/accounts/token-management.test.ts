import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAccountService } from '../../src/accounts/account-service.js';
import { createAccountStore } from '../../src/accounts/account-store.js';
import { createApiTokenService } from '../../src/accounts/api-token-service.js';
import { describeEachDatabase } from '../support/each-database.js';
import { openMigratedDatabase } from '../support/open-test-store.js';
import { json } from '../support/push-helpers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

async function accountWithToken(database: TestDatabase, email: string): Promise<string> {
  const db = await openMigratedDatabase(database);
  try {
    const accounts = createAccountService({ store: createAccountStore(db), clock: Date.now });
    const user = await accounts.addUser(email, 'a long enough password');
    assert.ok(user.ok);
    const created = await accounts.createApiToken(email);
    assert.ok(created !== 'no_such_user');
    return created.token;
  } finally {
    await db.close();
  }
}

describeEachDatabase('managing API tokens', (fixture) => {
  let server: TestServer;
  let first: string;
  before(async () => {
    first = await accountWithToken(fixture.database, 'dana@example.com');
    server = await startTestServer(fixture.database);
  });
  after(() => server?.stop());

  const as = (token: string, init: RequestInit = {}) => ({
    ...init,
    headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), authorization: `Bearer ${token}` },
  });

  it('creates named tokens shown once, lists them by prefix with their last use, and revokes them', async () => {
    const created = await server.fetch('/api/passdrop/v1/tokens', as(first, { method: 'POST', body: JSON.stringify({ name: 'deploy bot', expires_at: new Date(Date.now() + 86_400_000).toISOString() }) }));
    assert.equal(created.status, 201);
    const second = await json<{ token: string; id: number; prefix: string; name: string; expires_at: string }>(created);
    assert.match(second.token, /^pd_[A-Za-z0-9_-]{43}$/);
    assert.ok(second.token.startsWith(second.prefix));

    assert.equal((await server.fetch('/api/v2/pushes/active', as(second.token))).status, 200, 'the new token works');
    const listed = await json<Array<Record<string, unknown>>>(await server.fetch('/api/passdrop/v1/tokens', as(first)));
    assert.deepEqual(listed.map((token) => token.name), ['API token', 'deploy bot']);
    assert.ok(listed.every((token) => !('token' in token)), 'tokens are never shown again');
    assert.ok(listed.find((token) => token.name === 'deploy bot')?.last_used_at, 'its last use is recorded');

    assert.equal((await server.fetch(`/api/passdrop/v1/tokens/${second.id}`, as(first, { method: 'DELETE' }))).status, 204);
    assert.equal((await server.fetch('/api/v2/pushes/active', as(second.token))).status, 401, 'a revoked token no longer works');
    const again = await server.fetch(`/api/passdrop/v1/tokens/${second.id}`, as(first, { method: 'DELETE' }));
    assert.equal(again.status, 404);
    assert.equal((await json<{ code: string }>(again)).code, 'TOKEN_NOT_FOUND');
  });

  it('refuses expired tokens, past expiry dates and anonymous callers', async () => {
    const past = await server.fetch('/api/passdrop/v1/tokens', as(first, { method: 'POST', body: JSON.stringify({ name: 'old', expires_at: '2001-01-01T00:00:00Z' }) }));
    assert.equal(past.status, 422);
    const anonymous = await server.fetch('/api/passdrop/v1/tokens');
    assert.equal(anonymous.status, 401);
    assert.equal((await json<{ code: string }>(anonymous)).code, 'SIGN_IN_REQUIRED');
  });
});

describe('with anonymous creation turned off', () => {
  let database: TestDatabase;
  let server: TestServer;
  let token: string;
  before(async () => {
    database = await createTestDatabase('sqlite');
    token = await accountWithToken(database, 'erin@example.com');
    server = await startTestServer(database, { env: { PASSDROP_ALLOW_ANONYMOUS: 'false' } });
  });
  after(async () => {
    await server?.stop();
    await database?.drop();
  });

  it('needs a token to create, and on every Password Pusher endpoint but the version ones', async () => {
    const body = JSON.stringify({ password: { payload: 'x' } });
    const anonymous = await server.fetch('/p.json', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(anonymous.status, 401);
    assert.deepEqual(await anonymous.json(), { error: 'You need to sign in or sign up before continuing.' });
    assert.equal((await server.fetch('/api/v1/version')).status, 200);
    const native = await server.fetch('/api/passdrop/v1/pushes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payload: 'x' }) });
    assert.equal((await json<{ code: string }>(native)).code, 'ANONYMOUS_CREATION_DISABLED');

    const created = await json(await server.fetch('/p.json', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body }));
    assert.equal((await server.fetch(`/p/${created.url_token}.json`)).status, 401, 'anonymous JSON retrieval needs a token too');
    const page = await server.fetch(`/p/${created.url_token}/r`);
    assert.equal(page.status, 200, "recipients' pages keep working");
  });

  it('explains on the web form that only accounts can create', async () => {
    const home = await server.fetch('/', { headers: { cookie: 'passdrop_locale=fr' } });
    assert.equal(home.status, 401);
    assert.match(await home.text(), /n’accepte de nouveaux secrets que de comptes/);
    const post = await server.fetch('/p', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'payload=x', redirect: 'manual' });
    assert.equal(post.status, 401);
  });
});

describeEachDatabase('the API token rules', (fixture) => {
  it('list only usable tokens, the same for the API and the tokens page: expired and revoked ones are left out', async () => {
    const db = await openMigratedDatabase(fixture.database);
    try {
      let now = Date.UTC(2026, 0, 1);
      const store = createAccountStore(db);
      const tokens = createApiTokenService({ store, clock: () => now });
      const added = await createAccountService({ store, clock: () => now }).addUser('rules@example.com', 'a long enough password');
      assert.ok(added.ok);
      const soon = await tokens.create(added.user, { name: '  soon  ', expiresAt: now + 60_000 });
      const forever = await tokens.create(added.user, { name: 'forever', expiresAt: null });
      const revoked = await tokens.create(added.user, { name: 'revoked', expiresAt: null });
      assert.ok(soon.ok && forever.ok && revoked.ok);
      assert.equal(soon.record.name, 'soon', 'names are trimmed');
      assert.ok(await tokens.revoke(added.user, revoked.record.id));
      assert.deepEqual((await tokens.list(added.user)).map((token) => token.name), ['soon', 'forever']);
      now += 120_000;
      assert.deepEqual((await tokens.list(added.user)).map((token) => token.name), ['forever']);

      const blank = await tokens.create(added.user, { name: '   ', expiresAt: null });
      const long = await tokens.create(added.user, { name: 'x'.repeat(101), expiresAt: null });
      const past = await tokens.create(added.user, { name: 'past', expiresAt: now - 1 });
      assert.deepEqual(
        [blank, long, past].map((result) => (result.ok ? 'ok' : result.problems.map((problem) => `${problem.field}:${problem.code}`).join())),
        ['name:required', 'name:too_long', 'expires_at:not_in_future'],
      );
    } finally {
      await db.close();
    }
  });
});

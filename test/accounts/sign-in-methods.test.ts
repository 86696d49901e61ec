import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createAccountStore } from '../../src/accounts/account-store.js';
import { createIdentityStore } from '../../src/accounts/identity-store.js';
import { createPasskeyStore } from '../../src/accounts/passkey-store.js';
import type { Database } from '../../src/storage/open-database.js';
import { inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { signUp, WebClient } from '../support/web-client.js';

/** The table row (as HTML) of the admin's user list that holds `email`. */
function rowOf(body: string, email: string): string {
  const row = [...body.matchAll(/<tr>[\s\S]*?<\/tr>/g)].map((match) => match[0]).find((candidate) => candidate.includes(`<td>${email}`));
  assert.ok(row, `a row for ${email}`);
  return row;
}

function methodsOf(body: string, email: string): string {
  return /<td data-sign-in-methods>([^<]*)<\/td>/.exec(rowOf(body, email))![1]!;
}

describeEachDatabase('sign-in methods on the account page and the admin list', (fixture) => {
  let server: TestServer;
  let database: Database;
  before(async () => {
    server = await startTestServer(fixture.database, {
      env: {
        // Never contacted here: discovery happens when someone starts signing in.
        PASSDROP_OIDC_PROVIDERS: JSON.stringify([{ id: 'corp', name: 'Corp Keycloak', issuer: 'https://idp.invalid/realms/corp', clientId: 'passdrop', clientSecretEnv: 'CORP_SECRET' }]),
        CORP_SECRET: 'not-a-real-secret',
      },
    });
    database = inspectDatabase(fixture.database);
  });
  after(async () => {
    await database?.close();
    await server?.stop();
  });

  it('lists the linked identities with provider name, address, link date and last use, and says so when there are none', async () => {
    const alice = new WebClient(server);
    await signUp(alice, 'alice@example.com');
    await alice.get('/account');
    assert.match(alice.lastBody, /<h2 id="linked-sign-in-heading">Linked sign-in<\/h2>/);
    assert.match(alice.lastBody, /No identity provider is linked to this account yet/);

    const accounts = createAccountStore(database);
    const user = (await accounts.findUserByEmail('alice@example.com'))!;
    const identities = createIdentityStore(database);
    const linkedAt = Date.UTC(2026, 0, 2, 10, 0);
    await identities.link({ userId: user.id, provider: 'corp', subject: 'alice-sub', email: 'alice@corp.example', now: linkedAt });
    // An identity from a provider the operator has since removed is still listed, by its id.
    const old = await identities.link({ userId: user.id, provider: 'retired', subject: 'a-1', email: null, now: linkedAt });
    assert.notEqual(old, 'taken');

    await alice.get('/account');
    const section = /<section aria-labelledby="linked-sign-in-heading">[\s\S]*?<\/section>/.exec(alice.lastBody)![0];
    const items = [...section.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((match) => match[1]!);
    assert.equal(items.length, 2);
    assert.match(items[0]!, /<strong>Corp Keycloak<\/strong> · alice@corp\.example · linked <time datetime="2026-01-02T10:00/);
    assert.match(items[0]!, /last used <time/);
    assert.match(items[1]!, /<strong>retired<\/strong> · linked/);
    assert.ok(!section.includes('No identity provider is linked'));
  });

  it('shows the admin each account’s sign-in methods: password, two-factor app, passkeys and providers', async () => {
    const admin = new WebClient(server);
    await signUp(admin, 'admin@example.com');
    const accounts = createAccountStore(database);
    const adminUser = (await accounts.findUserByEmail('admin@example.com'))!;
    await accounts.setAdmin(adminUser.id, true, Date.now());

    const ssoOnly = await accounts.createUser({ email: 'sso-only@example.com', passwordRecord: null, admin: false, confirmed: true, now: Date.now() });
    assert.notEqual(ssoOnly, 'email_taken');
    if (ssoOnly === 'email_taken') return;
    const passkeys = createPasskeyStore(database);
    for (const credentialId of ['cred-a', 'cred-b']) {
      await passkeys.add({ userId: ssoOnly.id, credentialId, publicKey: new Uint8Array([1]), counter: 0, transports: [], name: credentialId, now: Date.now() });
    }
    await createIdentityStore(database).link({ userId: ssoOnly.id, provider: 'corp', subject: 'sso-only-sub', email: 'sso-only@example.com', now: Date.now() });

    const bare = await accounts.createUser({ email: 'bare@example.com', passwordRecord: null, admin: false, confirmed: true, now: Date.now() });
    assert.notEqual(bare, 'email_taken');

    const totp = new WebClient(server);
    await signUp(totp, 'totp@example.com');
    const totpUser = (await accounts.findUserByEmail('totp@example.com'))!;
    await accounts.setTotp(totpUser.id, Buffer.from('sealed secret stand-in'), [], Date.now());

    const page = await admin.get('/admin');
    assert.equal(page.status, 200);
    assert.match(admin.lastBody, /<th scope="col">Sign-in methods<\/th>/);
    assert.equal(methodsOf(admin.lastBody, 'admin@example.com'), 'password');
    assert.equal(methodsOf(admin.lastBody, 'totp@example.com'), 'password, two-factor app');
    assert.equal(methodsOf(admin.lastBody, 'sso-only@example.com'), '2 passkeys, Corp Keycloak');
    assert.equal(methodsOf(admin.lastBody, 'bare@example.com'), 'none');
    assert.equal(methodsOf(admin.lastBody, 'alice@example.com'), 'password, Corp Keycloak, retired');
  });
});

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { totpCode } from '../../src/accounts/two-factor.js';
import { createAccountService } from '../../src/accounts/account-service.js';
import { createAccountStore } from '../../src/accounts/account-store.js';
import { describeEachDatabase } from '../support/each-database.js';
import { openMigratedDatabase } from '../support/open-test-store.js';
import { spawnPassdrop } from '../support/spawn-passdrop.js';
import { startTestServer, testServerEnvironment, type TestServer } from '../support/test-server.js';
import { PASSWORD, signIn, signUp, WebClient } from '../support/web-client.js';

/** Turns on two-factor through the pages; answers the secret and the backup codes shown once. */
async function enableTwoFactor(browser: WebClient, now: number): Promise<{ secret: string; backupCodes: string[] }> {
  assert.equal((await browser.get('/account/two-factor')).status, 200);
  const secret = browser.hiddenField('secret')!;
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.match(browser.lastBody, /<svg/, 'a QR code of the otpauth URI is drawn by the server');
  const wrong = await browser.post('/account/two-factor', { secret, code: '000000' === totpCode(secret, now) ? '111111' : '000000' });
  assert.equal(wrong.status, 422);
  const enabled = await browser.post('/account/two-factor', { secret, code: totpCode(secret, now) });
  assert.equal(enabled.status, 200);
  const backupCodes = [...browser.lastBody.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((match) => match[1]!);
  assert.equal(backupCodes.length, 10);
  return { secret, backupCodes };
}

describeEachDatabase('two-factor sign-in, backup codes and account settings', (fixture) => {
  let server: TestServer;
  let now = Date.now();
  before(async () => {
    server = await startTestServer(fixture.database, { clock: () => now });
  });
  after(() => server?.stop());

  it('asks for the TOTP code after the password, refuses a replayed code, and takes each backup code once', async () => {
    const owner = new WebClient(server);
    await signUp(owner, 'totp@example.com');
    const { secret, backupCodes } = await enableTwoFactor(owner, now);
    now += 30_000;

    const browser = new WebClient(server);
    const password = await signIn(browser, 'totp@example.com');
    assert.equal(password.headers.get('location'), '/account/sign-in/two-factor');
    assert.equal((await browser.get('/dashboard')).status, 303, 'no dashboard before the second factor');
    await browser.get('/account/sign-in/two-factor');
    const code = totpCode(secret, now);
    const done = await browser.post('/account/sign-in/two-factor', { code });
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), '/dashboard');
    assert.equal((await browser.get('/dashboard')).status, 200);

    const replay = new WebClient(server);
    await signIn(replay, 'totp@example.com');
    await replay.get('/account/sign-in/two-factor');
    assert.equal((await replay.post('/account/sign-in/two-factor', { code })).status, 401, 'the same code never works twice');
    assert.equal((await replay.post('/account/sign-in/two-factor', { code: backupCodes[0]!.toUpperCase() })).status, 303, 'a backup code works');

    const again = new WebClient(server);
    await signIn(again, 'totp@example.com');
    await again.get('/account/sign-in/two-factor');
    assert.equal((await again.post('/account/sign-in/two-factor', { code: backupCodes[0]! })).status, 401, 'but only once');
    await again.get('/account/sign-in/two-factor');
    assert.equal((await again.post('/account/sign-in/two-factor', { code: backupCodes[1]! })).status, 303);
    await again.get('/account');
    assert.match(again.lastBody, /8 unused backup codes/);
  });

  it('accepts a backup code once even when ten sign-ins race to use it', async () => {
    const owner = new WebClient(server);
    await signUp(owner, 'race@example.com');
    const { backupCodes } = await enableTwoFactor(owner, now);
    const racers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const racer = new WebClient(server);
        await signIn(racer, 'race@example.com');
        await racer.get('/account/sign-in/two-factor');
        return racer;
      }),
    );
    const answers = await Promise.all(racers.map((racer) => racer.post('/account/sign-in/two-factor', { code: backupCodes[0]! })));
    assert.equal(answers.filter((answer) => answer.status === 303).length, 1, answers.map((answer) => answer.status).join(' '));
  });

  it('lets an operator set a new password (ending sessions, lifting a lock) and remove two-factor from the CLI', async () => {
    const browser = new WebClient(server);
    await signUp(browser, 'lost-phone@example.com');
    await enableTwoFactor(browser, now);
    const env = testServerEnvironment(fixture.database);
    const password = spawnPassdrop(['admin', 'user', 'password', 'lost-phone@example.com'], env, 'an operator-set password\n');
    assert.equal(await password.exited(), 0, password.stderr());
    assert.match(password.stderr(), /1 session\(s\) ended/);
    assert.equal(password.stdout(), '', 'nothing on stdout');
    assert.equal((await browser.get('/dashboard')).status, 303, 'signed out');
    const removed = spawnPassdrop(['admin', 'user', 'remove-two-factor', 'lost-phone@example.com'], env);
    assert.equal(await removed.exited(), 0, removed.stderr());
    const again = new WebClient(server);
    const signedIn = await signIn(again, 'lost-phone@example.com', 'an operator-set password');
    assert.equal(signedIn.headers.get('location'), '/dashboard', 'no second factor any more');
    const unknown = spawnPassdrop(['admin', 'user', 'password', 'nobody@example.com'], env, 'an operator-set password\n');
    assert.equal(await unknown.exited(), 1);
  });

  it('changes the password (signing out other sessions) and the email, and refuses a wrong current password', async () => {
    const browser = new WebClient(server);
    await signUp(browser, 'change@example.com');
    const other = new WebClient(server);
    await signIn(other, 'change@example.com');
    await browser.get('/account');
    assert.equal((await browser.post('/account/password', { current_password: 'not my password', new_password: 'a brand new password' })).status, 422);
    assert.match(browser.lastBody, /not your current password/);
    assert.equal((await browser.post('/account/password', { current_password: PASSWORD, new_password: 'a brand new password' })).status, 303);
    assert.equal((await other.get('/dashboard')).status, 303, 'the other session ended');
    assert.equal((await browser.get('/dashboard')).status, 200, 'this one goes on');
    assert.equal((await signIn(new WebClient(server), 'change@example.com', 'a brand new password')).status, 303);

    await browser.get('/account');
    assert.equal((await browser.post('/account/email', { email: 'changed@example.com', current_password: 'a brand new password' })).status, 303);
    assert.equal((await signIn(new WebClient(server), 'changed@example.com', 'a brand new password')).status, 303);
  });

  it('makes, lists and revokes API tokens on the web page; a token is shown once', async () => {
    const browser = new WebClient(server);
    await signUp(browser, 'tokens@example.com');
    await browser.get('/account/tokens');
    assert.match(browser.lastBody, /You have no API tokens/);
    assert.equal((await browser.post('/account/tokens', { name: '  ' })).status, 422);
    // Post/redirect/get: the token travels to the GET that shows it once, so a refresh never posts again.
    const created = await browser.post('/account/tokens', { name: 'ci deploys', expires_in_days: '30' });
    assert.equal(created.status, 303);
    assert.equal(created.headers.get('location'), '/account/tokens');
    assert.match(created.headers.get('set-cookie') ?? '', /^passdrop_new_token=pd_[^;]+; Max-Age=300; Path=\/account\/tokens; HttpOnly; SameSite=Strict$/);
    const shown = await browser.get('/account/tokens');
    assert.equal(shown.status, 200);
    assert.equal(shown.headers.get('cache-control'), 'no-store');
    const token = /id="new-token" type="text" readonly value="(pd_[A-Za-z0-9_-]+)"/.exec(browser.lastBody)![1]!;
    assert.equal((await server.fetch('/api/v2/pushes/active', { headers: { authorization: `Bearer ${token}` } })).status, 200);
    await browser.get('/account/tokens');
    assert.ok(!browser.lastBody.includes(token), 'never shown again');
    assert.match(browser.lastBody, new RegExp(`<code>${token.slice(0, 10)}…</code>`));
    assert.match(browser.lastBody, /ci deploys/);
    const id = /\/account\/tokens\/(\d+)\/revoke/.exec(browser.lastBody)![1]!;
    const stranger = new WebClient(server);
    await signUp(stranger, 'not-the-owner@example.com');
    await stranger.get('/account/tokens');
    await stranger.post(`/account/tokens/${id}/revoke`, {});
    assert.equal((await server.fetch('/api/v2/pushes/active', { headers: { authorization: `Bearer ${token}` } })).status, 200, 'only its owner can revoke it');
    assert.equal((await browser.post(`/account/tokens/${id}/revoke`, {})).status, 303);
    assert.equal((await server.fetch('/api/v2/pushes/active', { headers: { authorization: `Bearer ${token}` } })).status, 401);
  });

  it('deletes the account and expires its pushes', async () => {
    const browser = new WebClient(server);
    await signUp(browser, 'leaving@example.com');
    await browser.get('/');
    const created = await browser.post('/p', { kind: 'text', payload: 'my secret', expire_after_views: '3', expire_after_minutes: '60' });
    assert.equal(created.status, 303);
    const token = /\/p\/([^/]+)\/preview/.exec(created.headers.get('location')!)![1]!;
    await browser.get('/account');
    assert.equal((await browser.post('/account/delete', { current_password: 'wrong password!!' })).status, 422);
    assert.equal((await browser.post('/account/delete', { current_password: PASSWORD })).status, 200);
    const status = await server.fetch(`/api/passdrop/v1/pushes/${token}`);
    assert.equal(((await status.json()) as { expired: boolean }).expired, true);
    assert.equal((await signIn(new WebClient(server), 'leaving@example.com')).status, 401);
  });
});

describeEachDatabase('the require_mfa policy', (fixture) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(fixture.database, { env: { PASSDROP_REQUIRE_MFA: 'true' } });
  });
  after(() => server?.stop());

  it('sends accounts without two-factor to its setup before anything else', async () => {
    const browser = new WebClient(server);
    const created = await signUp(browser, 'mfa@example.com');
    assert.equal(created.headers.get('location'), '/account/two-factor');
    const dashboard = await browser.get('/dashboard');
    assert.equal(dashboard.status, 303);
    assert.equal(dashboard.headers.get('location'), '/account/two-factor');
    await enableTwoFactor(browser, Date.now());
    assert.equal((await browser.get('/dashboard')).status, 200);
  });

  it('answers 403 with Password Pusher\'s message to API tokens of accounts without two-factor', async () => {
    const db = await openMigratedDatabase(fixture.database);
    let token: string;
    try {
      const accounts = createAccountService({ store: createAccountStore(db), clock: Date.now });
      assert.ok((await accounts.addUser('cli@example.com', PASSWORD)).ok);
      const created = await accounts.createApiToken('cli@example.com');
      assert.ok(created !== 'no_such_user');
      token = created.token;
    } finally {
      await db.close();
    }
    const legacy = await server.fetch('/p/active.json', { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    assert.equal(legacy.status, 403);
    assert.deepEqual(await legacy.json(), { error: 'Two-factor authentication is required. Please set it up to continue.' });
    const ours = await server.fetch('/api/passdrop/v1/tokens', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ours.status, 403);
    assert.equal(((await ours.json()) as { code: string }).code, 'MFA_REQUIRED');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeEachDatabase } from '../support/each-database.js';
import { json } from '../support/push-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { PASSWORD, signIn, signUp, WebClient } from '../support/web-client.js';

describeEachDatabase('web accounts: sign-up, sign-in, sessions and CSRF', (fixture) => {
  let first: TestServer;
  let second: TestServer;
  let now = Date.now();
  before(async () => {
    first = await startTestServer(fixture.database, { clock: () => now, env: { PASSDROP_SIGN_IN_MAX_FAILURES: '3', PASSDROP_SIGN_IN_LOCKOUT_MINUTES: '10' } });
    // A second process on the same database: sessions live in the database, so either serves any request.
    second = await startTestServer(fixture.database, { clock: () => now, env: { PASSDROP_MASTER_KEY_FILE: '', PASSDROP_SIGN_IN_MAX_FAILURES: '3' } });
  });
  after(async () => {
    await first?.stop();
    await second?.stop();
  });

  it('signs up, stays signed in on another process, and signs out everywhere that cookie went', async () => {
    const browser = new WebClient(first);
    const created = await signUp(browser, 'ana@example.com');
    assert.equal(created.status, 303);
    assert.equal(created.headers.get('location'), '/dashboard');
    const cookie = created.headers.getSetCookie().find((line) => line.startsWith('passdrop_session='));
    assert.ok(cookie, 'a session cookie is set');
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);

    const elsewhere = new WebClient(second);
    for (const [name, value] of browser.cookies) elsewhere.cookies.set(name, value);
    const dashboard = await elsewhere.get('/dashboard');
    assert.equal(dashboard.status, 200, 'the other process knows the session');
    assert.match(elsewhere.lastBody, /ana@example\.com|Your pushes/);
    assert.equal(dashboard.headers.get('cache-control'), 'no-store');

    await browser.get('/account');
    const out = await browser.post('/account/sign-out', {});
    assert.equal(out.status, 303);
    assert.equal((await elsewhere.get('/dashboard')).status, 303, 'the session is gone for every process');
    assert.match((await elsewhere.get('/dashboard')).headers.get('location') ?? '', /^\/account\/sign-in\?next=%2Fdashboard/);
  });

  it('refuses a taken email, a short password and a malformed address with 422 and the reasons', async () => {
    const browser = new WebClient(first);
    await signUp(new WebClient(first), 'taken@example.com');
    const taken = await signUp(browser, 'TAKEN@example.com');
    assert.equal(taken.status, 422);
    assert.match(browser.lastBody, /already has an account/);
    const short = await signUp(browser, 'new@example.com', 'short');
    assert.equal(short.status, 422);
    assert.match(browser.lastBody, /between 10 and 128 characters/);
    const malformed = await signUp(browser, 'not-an-email');
    assert.equal(malformed.status, 422);
    assert.match(browser.lastBody, /email address such as/);
  });

  it('checks CSRF on every cookie-authenticated change, forms and JSON alike', async () => {
    const browser = new WebClient(first);
    await signUp(browser, 'csrf@example.com');
    await browser.get('/account');
    const noToken = await browser.post('/account/password', { current_password: PASSWORD, new_password: 'another long password' }, { withCsrf: false, headers: { accept: 'application/json' } });
    assert.equal(noToken.status, 403);
    assert.match(await noToken.text(), /CSRF/, 'a client that does not ask for HTML gets the JSON error');
    const fromBrowser = await browser.post('/account/password', { current_password: PASSWORD, new_password: 'another long password' }, { withCsrf: false, headers: { accept: 'text/html,application/xhtml+xml' } });
    assert.equal(fromBrowser.status, 403);
    assert.match(fromBrowser.headers.get('content-type') ?? '', /^text\/html/, 'a browser form gets a page, not JSON');
    assert.match(browser.lastBody, /This form has expired/);
    await browser.get('/account');
    const originNull = await browser.post('/account/password', { current_password: 'wrong password here', new_password: 'another long password' }, { headers: { origin: 'null', 'sec-fetch-site': 'same-origin' } });
    assert.equal(originNull.status, 422, 'Origin: null (our no-referrer pages) defers to the token');
    const crossSite = await browser.post('/account/password', { current_password: PASSWORD, new_password: 'another long password' }, { headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
    assert.equal(crossSite.status, 403);

    const body = JSON.stringify({ kind: 'text', payload: 'owned by the session', expire_after_views: 2 });
    const jsonNoToken = await browser.request('/api/passdrop/v1/pushes', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    assert.equal(jsonNoToken.status, 403);
    assert.equal((await json<{ code: string }>(jsonNoToken)).code, 'CSRF_FAILED');
    const jsonWithToken = await browser.request('/api/passdrop/v1/pushes', { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-csrf-token': browser.csrfToken! } });
    assert.equal(jsonWithToken.status, 201);
    const { token } = await json<{ token: string }>(jsonWithToken);
    await browser.get('/dashboard');
    assert.match(browser.lastBody, new RegExp(`/dashboard/pushes/${token}`), 'the push belongs to the signed-in account');

    // Without the cookie the same request is simply anonymous: CSRF concerns cookies only.
    const anonymous = await fetch(`${first.url}/api/passdrop/v1/pushes`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    assert.equal(anonymous.status, 201);
  });

  it('locks an account after repeated wrong passwords, even against the right one, until the lockout ends', async () => {
    await signUp(new WebClient(first), 'lock@example.com');
    const attacker = new WebClient(first);
    for (let attempt = 1; attempt <= 2; attempt += 1) assert.equal((await signIn(attacker, 'lock@example.com', 'wrong password!')).status, 401);
    const third = await signIn(attacker, 'lock@example.com', 'wrong password!');
    assert.equal(third.status, 429);
    assert.match(attacker.lastBody, /locked for 10 minutes/);
    const owner = new WebClient(second);
    assert.equal((await signIn(owner, 'lock@example.com')).status, 429, 'the lock holds on every process, even for the right password');
    now += 11 * 60_000;
    const later = await signIn(owner, 'lock@example.com');
    assert.equal(later.status, 303, 'after the lockout the right password works');
  });

  it('answers an unknown email exactly like a wrong password', async () => {
    const browser = new WebClient(first);
    const unknown = await signIn(browser, 'nobody@example.com');
    const unknownBody = browser.lastBody;
    await signUp(new WebClient(first), 'known@example.com');
    const wrong = await signIn(browser, 'known@example.com', 'not the password');
    assert.equal(unknown.status, wrong.status);
    assert.equal(unknownBody.replace('nobody@example.com', ''), browser.lastBody.replace('known@example.com', '').replace(/name="_csrf" value="[^"]*"/g, ''));
  });

  it('never redirects off-site after sign-in', async () => {
    await signUp(new WebClient(first), 'next@example.com');
    const browser = new WebClient(first);
    await browser.get('/account/sign-in?next=//evil.example/x');
    const response = await browser.post('/account/sign-in', { email: 'next@example.com', password: PASSWORD, next: '//evil.example/x' });
    assert.equal(response.headers.get('location'), '/dashboard');
  });
});

describeEachDatabase('web accounts: per-IP sign-in limit', (fixture) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(fixture.database, { env: { PASSDROP_SIGN_IN_ATTEMPTS_PER_IP: '4' } });
  });
  after(() => server?.stop());

  it('answers 429 with Retry-After once one address has tried too often, whichever accounts it tries', async () => {
    const browser = new WebClient(server);
    for (let attempt = 0; attempt < 4; attempt += 1) assert.equal((await signIn(browser, `user${attempt}@example.com`, 'some password here')).status, 401);
    const limited = await signIn(browser, 'another@example.com', 'some password here');
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.match(browser.lastBody, /Too many attempts from your network/);
  });
});

describeEachDatabase('web accounts: policies', (fixture) => {
  describe('sign-ups off, an email pattern, logins off', () => {
    let closed: TestServer;
    let pattern: TestServer;
    let noLogins: TestServer;
    let token = '';
    before(async () => {
      pattern = await startTestServer(fixture.database, { env: { PASSDROP_SIGNUP_EMAIL_PATTERN: '@example\\.com$' } });
      closed = await startTestServer(fixture.database, { env: { PASSDROP_ALLOW_SIGNUPS: 'false' } });
      noLogins = await startTestServer(fixture.database, { env: { PASSDROP_ALLOW_LOGINS: 'false' } });
    });
    after(async () => {
      await pattern?.stop();
      await closed?.stop();
      await noLogins?.stop();
    });

    it('accepts only addresses that match the sign-up pattern', async () => {
      const browser = new WebClient(pattern);
      assert.equal((await signUp(browser, 'eve@elsewhere.org')).status, 422);
      assert.match(browser.lastBody, /only for certain email addresses/);
      const ok = await signUp(browser, 'pat@example.com');
      assert.equal(ok.status, 303);
      await browser.get('/account');
      const moved = await browser.post('/account/email', { email: 'pat@elsewhere.org', current_password: PASSWORD });
      assert.equal(moved.status, 422, 'a changed address must match the pattern too');
      assert.match(browser.lastBody, /only for certain email addresses/);
      const created = await browser.request('/api/passdrop/v1/tokens', { method: 'POST', body: JSON.stringify({ name: 'cli' }), headers: { 'content-type': 'application/json', 'x-csrf-token': browser.csrfToken! } });
      assert.equal(created.status, 201, 'a signed-in browser can make API tokens');
      token = (await json<{ token: string }>(created)).token;
      const viaToken = await pattern.fetch('/api/v2/pushes/active', { headers: { authorization: `Bearer ${token}` } });
      assert.equal(viaToken.status, 200);
      assert.deepEqual(viaToken.headers.getSetCookie(), [], 'token authentication never starts a session');
    });

    it('refuses sign-ups when they are disabled', async () => {
      const browser = new WebClient(closed);
      assert.equal((await browser.get('/account/sign-up')).status, 403);
      const post = await browser.post('/account/sign-up', { email: 'x@example.com', password: PASSWORD });
      assert.equal(post.status, 403);
      assert.match(browser.lastBody, /does not accept new accounts/);
    });

    it('with logins disabled, refuses sign-in and ignores sessions, while API tokens keep working', async () => {
      const browser = new WebClient(pattern);
      await signIn(browser, 'pat@example.com');
      const elsewhere = new WebClient(noLogins);
      for (const [name, value] of browser.cookies) elsewhere.cookies.set(name, value);
      assert.equal((await elsewhere.get('/dashboard')).status, 303, 'the session is not honoured');
      assert.equal((await signIn(new WebClient(noLogins), 'pat@example.com')).status, 403);
      const api = await noLogins.fetch('/api/v2/pushes/active', { headers: { authorization: `Bearer ${token}` } });
      assert.equal(api.status, 200);
    });
  });
});

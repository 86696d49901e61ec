import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { freePort } from '../support/free-port.js';
import { assertAccessible, launchBrowser, watchedContext } from '../support/browser.js';
import { startOidcTestProvider, type OidcTestProvider } from '../support/oidc-test-provider.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const PROVIDER_ID = 'testidp';

/**
 * Single sign-on against a real OpenID Connect provider (panva's oidc-provider, in this process), driven in
 * Chromium through the provider's own sign-in and consent pages: the whole authorization code flow with
 * PKCE, and each way it can fail ending on a clear page of ours, never a 500.
 */
describeEachDatabase('single sign-on with OpenID Connect, in Chromium', (fixture) => {
  let idp: OidcTestProvider;
  let server: TestServer;
  let browser: Browser;
  const pages: Page[] = [];

  before(async () => {
    idp = await startOidcTestProvider();
    const downIssuer = `http://127.0.0.1:${await freePort()}`;
    server = await startTestServer(fixture.database, {
      env: {
        PASSDROP_OIDC_PROVIDERS: JSON.stringify([
          { id: PROVIDER_ID, name: 'Test IdP', issuer: idp.issuer, clientId: idp.clientId, clientSecretEnv: 'TEST_IDP_CLIENT_SECRET', adminGroups: ['passdrop-admins'] },
          { id: 'down', name: 'Down IdP', issuer: downIssuer, clientId: 'nobody', clientSecretEnv: 'TEST_IDP_CLIENT_SECRET' },
        ]),
        TEST_IDP_CLIENT_SECRET: idp.clientSecret,
      },
    });
    idp.serve({
      redirectUris: [`${server.url}/account/sso/${PROVIDER_ID}/callback`],
      postLogoutRedirectUris: [`${server.url}/`, `${server.url}/account/sign-in`],
      identities: {
        alice: { email: 'alice@example.com', emailVerified: true },
        boss: { email: 'boss@example.com', emailVerified: true, groups: ['passdrop-admins'] },
        unverified: { email: 'mallory@example.com', emailVerified: false },
        anonymous: {},
      },
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await idp?.stop();
  });

  async function freshPage(): Promise<Page> {
    const watched = await watchedContext(browser);
    const page = await watched.newPage();
    pages.push(page);
    return page;
  }

  /** From our sign-in page through the provider's login (any password) and consent pages; answers our response to the callback. */
  async function signInAtProvider(page: Page, login: string): Promise<{ status: number; url: string }> {
    await page.goto(`${server.url}/account/sign-in`);
    await Promise.all([page.waitForURL((url) => url.href.startsWith(idp.issuer)), page.click('a:has-text("Sign in with Test IdP")')]);
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', 'anything');
    await page.click('button[type="submit"]');
    const callback = page.waitForResponse((response) => response.url().startsWith(`${server.url}/account/sso/${PROVIDER_ID}/callback`));
    // The consent page (first time for this client and person).
    await page.waitForLoadState();
    if (page.url().startsWith(idp.issuer)) await page.click('button[type="submit"]');
    const response = await callback;
    await page.waitForLoadState();
    return { status: response.status(), url: response.url() };
  }

  async function mainText(page: Page): Promise<string> {
    return (await page.textContent('main')) ?? '';
  }

  it('signs a new person in through the provider, creates the account, and signs the same person in again to the same account', async () => {
    const page = await freshPage();
    const first = await signInAtProvider(page, 'alice');
    assert.equal(first.status, 303);
    await page.waitForURL(`${server.url}/dashboard`);
    await assertAccessible(page, 'the dashboard after single sign-on');
    await page.goto(`${server.url}/account`);
    assert.match(await mainText(page), /alice@example\.com/);
    assert.match((await page.textContent('[data-linked-identities]')) ?? '', /Test IdP · alice@example\.com · linked .* · last used/, 'the account page lists the linked identity');
    await assertAccessible(page, 'the account page with a linked identity');

    const again = await freshPage();
    assert.equal((await signInAtProvider(again, 'alice')).status, 303);
    await again.waitForURL(`${server.url}/dashboard`);
    const inspector = inspectDatabase(fixture.database);
    try {
      const accounts = await inspector.db.selectFrom('users').select('id').where('email', '=', 'alice@example.com').execute();
      assert.equal(accounts.length, 1, 'one account, linked, not a second one');
      const identities = await inspector.db.selectFrom('user_identities').selectAll().where('user_id', '=', accounts[0]!.id).execute();
      assert.equal(identities.length, 1);
    } finally {
      await inspector.close();
    }
  });

  it('signs out of ours and of the provider (RP-initiated logout), then comes back home', async () => {
    const page = await freshPage();
    assert.equal((await signInAtProvider(page, 'alice')).status, 303);
    await Promise.all([page.waitForURL((url) => url.href.startsWith(idp.issuer)), page.click('form[action$="/account/sign-out"] button')]);
    // The provider asks whether to end its session too; yes.
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[autofocus], button[type="submit"]')]);
    const dashboard = await page.goto(`${server.url}/dashboard`);
    assert.match(dashboard?.url() ?? '', /\/account\/sign-in/, 'our session is over');
    // The provider's too: signing in again asks for the login once more.
    await page.goto(`${server.url}/account/sign-in`);
    await Promise.all([page.waitForURL((url) => url.href.startsWith(idp.issuer)), page.click('a:has-text("Sign in with Test IdP")')]);
    assert.equal(await page.locator('input[name="login"]').count(), 1, 'the provider asks who you are again');
  });

  it('makes members of the admin group admins', async () => {
    const page = await freshPage();
    assert.equal((await signInAtProvider(page, 'boss')).status, 303);
    const admin = await page.goto(`${server.url}/admin`);
    assert.equal(admin?.status(), 200, 'the admin group maps to the admin role');
  });

  it('refuses an address the provider has not verified, with a page that says so', async () => {
    const page = await freshPage();
    const result = await signInAtProvider(page, 'unverified');
    assert.equal(result.status, 403);
    assert.match(await mainText(page), /did not verify your email address|not verified/i);
    assert.equal((await page.goto(`${server.url}/dashboard`))?.url().includes('/account/sign-in'), true, 'not signed in');
  });

  it('refuses an identity without an email address', async () => {
    const page = await freshPage();
    const result = await signInAtProvider(page, 'anonymous');
    assert.equal(result.status, 403);
    assert.match(await mainText(page), /email address/i);
  });

  it('refuses a tampered state, and a callback without the browser that started the flow', async () => {
    const page = await freshPage();
    // Hold the provider's redirect back to us, and send a changed state instead.
    const held = await signInAtProviderUntilCallback(page, 'alice');
    assert.ok(held.includes('code='), 'the provider sent a code back');
    const tampered = new URL(held);
    tampered.searchParams.set('state', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    const response = await page.goto(tampered.href);
    assert.equal(response?.status(), 400);
    assert.match(await mainText(page), /did not pass our checks|start again/i);

    // The flow cookie went with that attempt: the real callback now finds no flow.
    const replay = await page.goto(held);
    assert.equal(replay?.status(), 400);
    const stranger = await freshPage();
    const foreign = await stranger.goto(held);
    assert.equal(foreign?.status(), 400, 'another browser cannot complete the flow');
    assert.match(await mainText(stranger), /expired or was already used|start again/i);
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    const page = await freshPage();
    idp.faults.wrongNonce = true;
    const result = await signInAtProvider(page, 'alice');
    assert.equal(result.status, 400);
    assert.match(await mainText(page), /did not pass our checks/i);
  });

  it('refuses an expired authorization code', async () => {
    const page = await freshPage();
    idp.faults.codeTtlSeconds = 1;
    let held: string;
    try {
      held = await signInAtProviderUntilCallback(page, 'alice');
    } finally {
      idp.faults.codeTtlSeconds = 60;
    }
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const response = await page.goto(held);
    assert.equal(response?.status(), 400);
    assert.match(await mainText(page), /did not pass our checks/i);
  });

  it('says the provider cannot be reached when it is down (503, not 500)', async () => {
    const page = await freshPage();
    const response = await page.goto(`${server.url}/account/sso/down`);
    assert.equal(response?.status(), 503);
    assert.match(await mainText(page), /cannot be reached|try again in a few minutes/i);
    await assertAccessible(page, 'the provider-unavailable page');
    const unknown = await page.goto(`${server.url}/account/sso/nobody-here`);
    assert.equal(unknown?.status(), 404);
  });

  /** As signInAtProvider, but the provider holds its redirect back to us: answers that redirect's URL. */
  async function signInAtProviderUntilCallback(page: Page, login: string): Promise<string> {
    idp.faults.holdCallback = true;
    idp.faults.heldCallback = undefined;
    await page.goto(`${server.url}/account/sign-in`);
    await Promise.all([page.waitForURL((url) => url.href.startsWith(idp.issuer)), page.click('a:has-text("Sign in with Test IdP")')]);
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', 'anything');
    await page.click('button[type="submit"]');
    await page.waitForLoadState();
    if ((await page.locator('#held').count()) === 0) await page.click('button[type="submit"]');
    await page.waitForSelector('#held');
    assert.ok(idp.faults.heldCallback, 'the provider held its redirect back');
    return idp.faults.heldCallback;
  }
});

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { assertAccessible, launchBrowser, watchedContext, type WatchedContext } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { virtualAuthenticator, type VirtualCredential } from '../support/virtual-authenticator.js';

const EMAIL = 'passkey-user@example.com';
const PASSWORD = 'a long enough password';

/**
 * Passkeys in Chromium with its virtual authenticator: register (named) on the account page, sign in with
 * the passkey alone, a cloned credential refused by its counter, and removal. WebAuthn refuses IP
 * addresses as relying party ids, so the browser uses http://localhost (a secure context).
 */
describeEachDatabase('passkeys in Chromium', (fixture) => {
  let server: TestServer;
  let browser: Browser;
  let origin: string;
  const watched: WatchedContext[] = [];

  before(async () => {
    server = await startTestServer(fixture.database);
    origin = server.url.replace('127.0.0.1', 'localhost');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function freshPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await watchedContext(browser);
    watched.push(context);
    return { context: context.context, page: await context.newPage() };
  }

  async function passkeyRows() {
    const inspector = inspectDatabase(fixture.database);
    try {
      return await inspector.db.selectFrom('passkeys').select(['name', 'counter', 'last_used_at', 'user_id']).execute();
    } finally {
      await inspector.close();
    }
  }

  let credential: VirtualCredential | undefined;

  it('registers a named passkey on the account page, then signs in with it alone (no email typed)', async () => {
    const { context, page } = await freshPage();
    await page.goto(`${origin}/account/sign-up`);
    await page.fill('#field-email', EMAIL);
    await page.fill('#field-password', PASSWORD);
    await Promise.all([page.waitForURL(/\/dashboard$/), page.click('button[type="submit"]')]);
    const { cdp, authenticatorId } = await virtualAuthenticator(context, page);

    await page.goto(`${origin}/account`);
    const form = page.locator('form[data-passkey-register]');
    await form.waitFor({ state: 'visible' });
    await assertAccessible(page, 'the account page with passkeys');
    await page.fill('#field-name', 'Test laptop <b>');
    await Promise.all([page.waitForURL(/\/account\?passkey=added$/), form.locator('button[type="submit"]').click()]);
    assert.match((await page.textContent('[data-passkey-list]')) ?? '', /Test laptop <b>/, 'listed by its name, as text');
    assert.equal((await passkeyRows()).length, 1);

    // Out, and back in with the passkey alone.
    await Promise.all([page.waitForURL(`${origin}/`), page.click('form[action$="/account/sign-out"] button')]);
    await page.goto(`${origin}/account/sign-in`);
    const button = page.locator('[data-passkey-sign-in]');
    await button.waitFor({ state: 'visible' });
    await Promise.all([page.waitForURL(/\/dashboard$/), button.click()]);
    await page.goto(`${origin}/account`);
    assert.match((await page.textContent('main')) ?? '', new RegExp(EMAIL.replace('.', '\\.')));
    const [row] = await passkeyRows();
    assert.ok(row!.last_used_at !== null, 'the sign-in is recorded on the passkey');

    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1);
    credential = credentials[0];
    for (const context of watched) assert.deepEqual(context.problems, []);
  });

  it('refuses a cloned passkey whose signature counter went back, and signs nobody in', async () => {
    assert.ok(credential, 'the first test made a credential');
    const { context, page } = await freshPage();
    await page.goto(`${origin}/account/sign-in`);
    const { cdp, authenticatorId } = await virtualAuthenticator(context, page);
    // The same key material on a second authenticator whose counter starts over.
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...credential, signCount: 0 } });
    const button = page.locator('[data-passkey-sign-in]');
    await button.waitFor({ state: 'visible' });
    const answer = page.waitForResponse((response) => response.url().endsWith('/account/passkey-sign-in'));
    await button.click();
    assert.equal((await answer).status(), 401);
    await page.locator('[data-passkey-error]').waitFor({ state: 'visible' });
    assert.match((await page.textContent('[data-passkey-error]')) ?? '', /counter went back/);
    const dashboard = await page.goto(`${origin}/dashboard`);
    assert.match(dashboard?.url() ?? '', /\/account\/sign-in/, 'not signed in');
  });

  it('removes a passkey: it no longer signs anyone in', async () => {
    const { context, page } = await freshPage();
    await page.goto(`${origin}/account/sign-in`);
    await page.fill('#field-email', EMAIL);
    await page.fill('#field-password', PASSWORD);
    await Promise.all([page.waitForURL(/\/dashboard$/), page.click('form.narrow-form button[type="submit"]')]);
    await page.goto(`${origin}/account`);
    await Promise.all([page.waitForURL(/\/account\?passkey=removed$/), page.click('[data-passkey-list] button:has-text("Remove")')]);
    assert.equal((await passkeyRows()).length, 0);
    assert.match((await page.textContent('main')) ?? '', /You have no passkeys yet/);

    await Promise.all([page.waitForURL(`${origin}/`), page.click('form[action$="/account/sign-out"] button')]);
    const { cdp, authenticatorId } = await virtualAuthenticator(context, page);
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...credential!, signCount: 100 } });
    await page.goto(`${origin}/account/sign-in`);
    const answer = page.waitForResponse((response) => response.url().endsWith('/account/passkey-sign-in'));
    await page.locator('[data-passkey-sign-in]').click();
    assert.equal((await answer).status(), 401);
    await page.locator('[data-passkey-error]').waitFor({ state: 'visible' });
    assert.match((await page.textContent('[data-passkey-error]')) ?? '', /not registered here/);
  });

  it('lets a passkey satisfy PASSDROP_REQUIRE_MFA when the operator says so (PASSDROP_MFA_SATISFIED_BY=passkey)', async () => {
    const strict = await startTestServer(fixture.database, { env: { PASSDROP_REQUIRE_MFA: 'true', PASSDROP_MFA_SATISFIED_BY: 'passkey', PASSDROP_MASTER_KEY: server.config.masterKey.key! } });
    try {
      const strictOrigin = strict.url.replace('127.0.0.1', 'localhost');
      const { context, page } = await freshPage();
      await virtualAuthenticator(context, page);
      await page.goto(`${strictOrigin}/account/sign-up`);
      await page.fill('#field-email', 'mfa-by-passkey@example.com');
      await page.fill('#field-password', PASSWORD);
      await Promise.all([page.waitForURL(/\/account\/two-factor$/), page.click('button[type="submit"]')]);
      const dashboard = await page.goto(`${strictOrigin}/dashboard`);
      assert.match(dashboard?.url() ?? '', /\/account\/two-factor$/, 'held back until a second factor exists');
      const form = page.locator('form[data-passkey-register]');
      await form.waitFor({ state: 'visible' });
      await assertAccessible(page, 'the two-factor page offering a passkey');
      await page.fill('#field-name', 'Phone');
      await Promise.all([page.waitForURL(/\/account\?passkey=added$/), form.locator('button[type="submit"]').click()]);
      const now = await page.goto(`${strictOrigin}/dashboard`);
      assert.match(now?.url() ?? '', /\/dashboard$/, 'the passkey satisfies the policy');
    } finally {
      await strict.stop();
    }
  });

  it('answers a replayed or made-up ceremony with 400 and a reason, not a 500', async () => {
    const response = await server.fetch('/account/passkey-sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ ceremony: 'not-a-ceremony', response: { id: 'x', rawId: 'x', type: 'public-key', response: {} } }),
    });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, /expired/);
  });
});

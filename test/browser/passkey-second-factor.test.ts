import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { totpCode } from '../../src/accounts/two-factor.js';
import { inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { assertAccessible, launchBrowser, watchedContext, type WatchedContext } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { virtualAuthenticator, type VirtualCredential } from '../support/virtual-authenticator.js';

const EMAIL = 'second-factor@example.com';
const PASSWORD = 'a long enough password';

/**
 * A passkey instead of the TOTP code at a password sign-in, in Chromium with its virtual authenticator:
 * the two-factor page offers the account's passkeys, finishing the pending sign-in with a new session; a
 * cloned passkey (counter gone back) is refused and counts as a failed second factor.
 */
describeEachDatabase('a passkey as the second factor, in Chromium', (fixture) => {
  let server: TestServer;
  let browser: Browser;
  let origin: string;
  const watched: WatchedContext[] = [];
  let backupCodes: string[] = [];
  let credential: VirtualCredential | undefined;

  before(async () => {
    server = await startTestServer(fixture.database);
    // WebAuthn refuses IP addresses as relying party ids.
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

  async function signInWithPassword(page: Page): Promise<void> {
    await page.goto(`${origin}/account/sign-in`);
    await page.fill('#field-email', EMAIL);
    await page.fill('#field-password', PASSWORD);
    await Promise.all([page.waitForURL(/\/account\/sign-in\/two-factor$/), page.click('form.narrow-form button[type="submit"]')]);
  }

  async function failuresInARow(): Promise<number> {
    const inspector = inspectDatabase(fixture.database);
    try {
      const row = await inspector.db.selectFrom('users').select('failed_sign_ins').where('email', '=', EMAIL).executeTakeFirstOrThrow();
      return Number(row.failed_sign_ins);
    } finally {
      await inspector.close();
    }
  }

  it('offers no passkey on the two-factor page of an account without one', async () => {
    const { context, page } = await freshPage();
    await virtualAuthenticator(context, page);
    await page.goto(`${origin}/account/sign-up`);
    await page.fill('#field-email', EMAIL);
    await page.fill('#field-password', PASSWORD);
    await Promise.all([page.waitForURL(/\/dashboard$/), page.click('button[type="submit"]')]);
    await page.goto(`${origin}/account/two-factor`);
    const secret = ((await page.textContent('#totp-secret')) ?? '').replace(/\s/g, '');
    await page.fill('#field-code', totpCode(secret, Date.now()));
    await page.click('form.narrow-form button[type="submit"]');
    await page.locator('#backup-codes').waitFor({ state: 'visible' });
    backupCodes = (await page.locator('#backup-codes code').allTextContents()).map((code) => code.trim());
    assert.ok(backupCodes.length > 0);
    await Promise.all([page.waitForURL(`${origin}/`), page.click('form[action$="/account/sign-out"] button')]);

    await signInWithPassword(page);
    assert.equal(await page.locator('[data-passkey-factor]').count(), 0, 'no passkeys, no offer');
    const options = await page.evaluate(async () => {
      const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')!.content;
      const response = await fetch('/account/sign-in/two-factor/passkey/options', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: '{}' });
      return response.status;
    });
    assert.equal(options, 404, 'and no ceremony for an account without passkeys');
  });

  it('finishes a password sign-in with the account’s passkey instead of a code', async () => {
    const { context, page } = await freshPage();
    const { cdp, authenticatorId } = await virtualAuthenticator(context, page);
    // Finish the pending sign-in with a (backup) code, then add a passkey.
    await signInWithPassword(page);
    await page.fill('#field-code', backupCodes.shift()!);
    await Promise.all([page.waitForURL(/\/dashboard$/), page.click('form.narrow-form button[type="submit"]')]);
    await page.goto(`${origin}/account`);
    const form = page.locator('form[data-passkey-register]');
    await form.waitFor({ state: 'visible' });
    await page.fill('#field-name', 'Security key');
    await Promise.all([page.waitForURL(/\/account\?passkey=added$/), form.locator('button[type="submit"]').click()]);
    await Promise.all([page.waitForURL(`${origin}/`), page.click('form[action$="/account/sign-out"] button')]);

    await signInWithPassword(page);
    const button = page.locator('[data-passkey-factor] [data-passkey-sign-in]');
    await button.waitFor({ state: 'visible' });
    assert.match((await button.textContent()) ?? '', /Use a passkey instead/);
    await assertAccessible(page, 'the two-factor page offering a passkey');
    await Promise.all([page.waitForURL(/\/dashboard$/), button.click()]);
    await page.goto(`${origin}/account`);
    assert.match((await page.textContent('main')) ?? '', /second-factor@example\.com/, 'fully signed in');
    assert.match((await page.textContent('[data-passkey-list]')) ?? '', /Security key · added .* · last used/, 'the use is recorded');

    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    credential = credentials[0];
    for (const each of watched) assert.deepEqual(each.problems, []);
  });

  it('refuses a cloned passkey as the second factor and counts it as a failure', async () => {
    assert.ok(credential, 'the previous test made a credential');
    const { context, page } = await freshPage();
    await signInWithPassword(page);
    const { cdp, authenticatorId } = await virtualAuthenticator(context, page);
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...credential, signCount: 0 } });
    const before = await failuresInARow();
    const button = page.locator('[data-passkey-factor] [data-passkey-sign-in]');
    await button.waitFor({ state: 'visible' });
    const answer = page.waitForResponse((response) => response.url().endsWith('/account/sign-in/two-factor/passkey'));
    await button.click();
    assert.equal((await answer).status(), 401);
    await page.locator('[data-passkey-error]').waitFor({ state: 'visible' });
    assert.match((await page.textContent('[data-passkey-error]')) ?? '', /counter went back/);
    assert.equal(await failuresInARow(), before + 1);
    const dashboard = await page.goto(`${origin}/dashboard`);
    assert.match(dashboard?.url() ?? '', /\/account\/sign-in/, 'still not signed in');
  });

  it('answers the passkey second factor without a pending sign-in with 400, not a 500', async () => {
    const response = await server.fetch('/account/sign-in/two-factor/passkey', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ ceremony: 'not-a-ceremony', response: { id: 'x', rawId: 'x', type: 'public-key', response: {} } }),
    });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, /expired/);
  });
});

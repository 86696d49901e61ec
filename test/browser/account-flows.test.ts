import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { totpCode } from '../../src/accounts/two-factor.js';
import { assertAccessible, launchBrowser, screenshot, watchedContext, type WatchedContext } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { openMoreOptions } from '../support/create-form.js';

const PASSWORD = 'a long browser password';

describe('accounts in a real browser', () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  const contexts: WatchedContext[] = [];
  let adminPage: Page;
  let userPage: Page;
  let totpSecret = '';

  before(async () => {
    database = await createTestDatabase('sqlite');
    server = await startTestServer(database, { firstRun: 'pending' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await database?.drop();
  });

  async function fresh(options = {}): Promise<Page> {
    const watched = await watchedContext(browser, options);
    contexts.push(watched);
    return watched.newPage();
  }

  it('makes the first admin on the first-run page with the code from the log', async () => {
    const code = /one-time code: ([A-Za-z0-9_-]{22})/.exec(server.logs.join(''))![1]!;
    adminPage = await fresh();
    await adminPage.goto(`${server.url}/setup`);
    await assertAccessible(adminPage, 'the first-run page');
    await adminPage.fill('#field-code', code);
    await adminPage.fill('#field-email', 'admin@example.com');
    await adminPage.fill('#field-password', PASSWORD);
    await Promise.all([adminPage.waitForURL(/\/admin$/), adminPage.click('button[type="submit"]')]);
    assert.match((await adminPage.textContent('main')) ?? '', /admin@example\.com/);
  });

  it('signs up on a phone in dark mode, creates an end-to-end push and finds it with its audit log on the dashboard', async () => {
    userPage = await fresh({ viewport: { width: 360, height: 740 }, colorScheme: 'dark' });
    await userPage.goto(`${server.url}/account/sign-up`);
    await assertAccessible(userPage, 'the sign-up page');
    await userPage.fill('#field-email', 'user@example.com');
    await userPage.fill('#field-password', 'short');
    await userPage.click('button[type="submit"]');
    assert.match((await userPage.textContent('#field-password-error')) ?? '', /between 10 and 128/);
    await userPage.fill('#field-password', PASSWORD);
    await Promise.all([userPage.waitForURL(/\/dashboard$/), userPage.click('button[type="submit"]')]);
    await assertAccessible(userPage, 'the empty dashboard');

    await userPage.goto(`${server.url}/`);
    await userPage.fill('#payload', 'browser secret');
    await openMoreOptions(userPage);
    await userPage.fill('#name', 'deploy key');
    await Promise.all([userPage.waitForURL(/\/p\/[^/]+\/preview/), userPage.click('form.create-form button[type="submit"]')]);
    const link = await userPage.inputValue('#secret-link');

    const recipient = await fresh();
    await recipient.goto(link);
    await recipient.click('button[type="submit"]');
    await recipient.waitForSelector('#secret-text', { state: 'attached' });

    await userPage.goto(`${server.url}/dashboard`);
    await screenshot(userPage, 'dashboard');
    await userPage.click('text=deploy key');
    await userPage.waitForURL(/\/dashboard\/pushes\//);
    const audit = (await userPage.textContent('#audit-heading ~ .table-wrap')) ?? '';
    assert.match(audit, /Created/);
    assert.match(audit, /Viewed/);
    assert.match(audit, /127\.0\.0\.1/);
    await assertAccessible(userPage, 'the push page with its audit log');
    await screenshot(userPage, 'push-page');
  });

  it('turns on two-factor, signs out, and signs back in with a TOTP code', async () => {
    await userPage.goto(`${server.url}/account`);
    await assertAccessible(userPage, 'the account settings');
    await userPage.click('text=Set up two-factor authentication');
    await userPage.waitForURL(/\/account\/two-factor$/);
    await assertAccessible(userPage, 'the two-factor setup');
    totpSecret = ((await userPage.textContent('#totp-secret')) ?? '').replace(/\s+/g, '');
    await userPage.fill('#field-code', totpCode(totpSecret, Date.now()));
    await userPage.click('main button[type="submit"]');
    await userPage.waitForSelector('#backup-codes');
    assert.equal(await userPage.locator('#backup-codes li').count(), 10);

    await userPage.click('.account-nav button[type="submit"]');
    await userPage.waitForURL(`${server.url}/`);
    await userPage.goto(`${server.url}/account/sign-in`);
    await userPage.fill('#field-email', 'user@example.com');
    await userPage.fill('#field-password', PASSWORD);
    await Promise.all([userPage.waitForURL(/\/account\/sign-in\/two-factor$/), userPage.click('main button[type="submit"]')]);
    await assertAccessible(userPage, 'the two-factor step');
    await userPage.fill('#field-code', totpCode(totpSecret, Date.now() + 30_000));
    await Promise.all([userPage.waitForURL(/\/dashboard$/), userPage.click('main button[type="submit"]')]);
    assert.match((await userPage.textContent('main')) ?? '', /deploy key/);
  });

  it('makes an API token on the tokens page and shows it once', async () => {
    await userPage.goto(`${server.url}/account/tokens`);
    await userPage.fill('#field-name', 'laptop cli');
    await userPage.selectOption('#field-expires', '30');
    await userPage.click('main button.primary');
    await userPage.waitForSelector('#new-token');
    assert.match(await userPage.inputValue('#new-token'), /^pd_/);
    await assertAccessible(userPage, 'the API tokens page');
  });

  it('shows the admin the users and the instance audit, without payloads', async () => {
    await adminPage.goto(`${server.url}/admin`);
    await assertAccessible(adminPage, 'the admin users page');
    const row = adminPage.locator('tr', { hasText: 'user@example.com' });
    assert.match((await row.textContent()) ?? '', /Yes/, 'two-factor is shown as on');
    await row.locator('button', { hasText: 'Make admin' }).click();
    await adminPage.waitForURL(/done=promote/);
    assert.match((await adminPage.textContent('[role="status"]')) ?? '', /now an admin/);
    await adminPage.goto(`${server.url}/admin/audit`);
    await assertAccessible(adminPage, 'the admin audit page');
    const text = (await adminPage.textContent('main')) ?? '';
    assert.match(text, /deploy key/);
    assert.doesNotMatch(text, /browser secret/);
    await screenshot(adminPage, 'admin-audit');
  });

  it('saw no console error or CSP violation on any page', () => {
    assert.deepEqual(contexts.flatMap((context) => context.problems), []);
  });
});

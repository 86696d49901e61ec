import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshot, watchedContext } from '../support/browser.js';
import { startReverseProxy, type ReverseProxy } from '../support/reverse-proxy.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { PASSWORD } from '../support/web-client.js';
import { chooseCustomExpiry } from '../support/create-form.js';

describe('a signed-in browser under a sub-path, behind a proxy that rewrites Host', () => {
  let database: TestDatabase;
  let proxy: ReverseProxy;
  let server: TestServer;
  let browser: Browser;
  let base: string;
  before(async () => {
    database = await createTestDatabase('sqlite');
    proxy = await startReverseProxy();
    base = `${proxy.origin}/secrets`;
    server = await startTestServer(database, { env: { PASSDROP_BASE_URL: `${base}/` } });
    proxy.target = server.url;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await proxy?.close();
    await database?.drop();
  });

  it('signs up, creates an end-to-end push, shares it, and a recipient reveals it; then makes an API token', async () => {
    const creator = await watchedContext(browser);
    const page = await creator.newPage();
    await page.goto(`${base}/account/sign-up`);
    await page.fill('#field-email', 'prefix@example.com');
    await page.fill('#field-password', PASSWORD);
    await Promise.all([page.waitForURL(`${base}/dashboard`), page.click('main button[type="submit"]')]);

    await page.goto(`${base}/`);
    const secret = `under /secrets ${Date.now()}`;
    await page.fill('#payload', secret);
    await chooseCustomExpiry(page);
    await page.fill('#expire_after_views', '1');
    await Promise.all([page.waitForURL(/\/secrets\/p\/[^/]+\/preview/), page.click('main button[type="submit"]')]);
    const link = await page.inputValue('#secret-link');
    assert.match(link, new RegExp(`^${base}/p/[A-Za-z0-9_-]+/r#[A-Za-z0-9_-]{43}$`), 'an end-to-end link under the prefix');
    await screenshot(page, 'sub-path-share');

    const recipient = await watchedContext(browser);
    const reader = await recipient.newPage();
    await reader.goto(link);
    await reader.click('main button[type="submit"]');
    await reader.waitForSelector('#secret-text', { state: 'attached' });
    assert.equal(await reader.textContent('#secret-text'), secret);

    await page.goto(`${base}/account/tokens`);
    await page.fill('#field-name', 'deploy script');
    await Promise.all([page.waitForSelector('#new-token'), page.click('main button.primary')]);
    assert.match(await page.inputValue('#new-token'), /^pd_/);
    await page.goto(`${base}/dashboard?status=expired`);
    assert.equal(await page.locator('main a[href^="/secrets/dashboard/pushes/"]').count(), 1, 'the revealed push is among the expired ones, linked under the prefix');

    assert.deepEqual([...creator.problems, ...recipient.problems], [], 'no console error or CSP violation');
    assert.ok(proxy.forwarded > 10);
  });
});

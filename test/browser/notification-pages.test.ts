import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, launchBrowser, watchedContext, type WatchedContext } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

describe('webhook and receipt pages in a real browser', () => {
  let database: TestDatabase;
  let server: TestServer;
  let receiver: WebhookReceiver;
  let browser: Browser;
  let watched: WatchedContext;
  let page: Page;

  before(async () => {
    database = await createTestDatabase('sqlite');
    server = await startTestServer(database, { env: { PASSDROP_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: 'true', PASSDROP_NOTIFICATION_POLL_MS: '50' } });
    receiver = await startWebhookReceiver('whsec_unused');
    browser = await launchBrowser();
    watched = await watchedContext(browser);
    page = await watched.newPage();
    await page.goto(`${server.url}/account/sign-up`);
    await page.fill('#field-email', 'hooks@example.com');
    await page.fill('#field-password', 'a long browser password');
    await Promise.all([page.waitForURL(/\/dashboard$/), page.click('main button[type="submit"]')]);
  });
  after(async () => {
    await browser?.close();
    await receiver?.close();
    await server?.stop();
    await database?.drop();
  });

  it('adds a webhook, shows its secret once, sends a test event and shows the delivery; the pages are accessible', async () => {
    await page.goto(`${server.url}/account/webhooks`);
    await assertAccessible(page, 'the empty webhooks page');
    await page.fill('#field-url', receiver.url);
    await page.check('#event-push\\.revealed');
    await page.fill('#field-description', 'chat bot');
    await page.click('main form[action="/account/webhooks"] button[type="submit"]');
    const secret = await page.inputValue('#new-secret');
    assert.match(secret, /^whsec_/);
    await assertAccessible(page, 'the webhooks page with a new secret');

    await Promise.all([page.waitForURL(/\/account\/webhooks\/\d+$/), page.click(`main a[href^="/account/webhooks/"]`)]);
    await Promise.all([page.waitForURL(/done=tested/), page.click('form[action$="/test"] button')]);
    await receiver.until((received) => received.length === 1);
    for (;;) {
      if (((await page.textContent('main')) ?? '').includes('HTTP 200')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
      await page.reload();
    }
    await assertAccessible(page, 'the webhook page with its delivery log');
    assert.deepEqual(watched.problems, []);
  });

  it('saves receipt choices and shows the inbox', async () => {
    await page.goto(`${server.url}/account/notifications`);
    await assertAccessible(page, 'the receipts page');
    await page.check('#receipt-push\\.revealed');
    await page.check('#receipt-dashboard');
    await Promise.all([page.waitForURL(/saved=1/), page.click('main form button[type="submit"]')]);
    assert.ok(await page.isChecked('#receipt-push\\.revealed'));
    await page.goto(`${server.url}/account/inbox`);
    await assertAccessible(page, 'the empty inbox');
    assert.deepEqual(watched.problems, []);
  });
});

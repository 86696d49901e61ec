import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, watchedContext, type WatchedContext } from '../support/browser.js';
import { pushStatus } from '../support/push-helpers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('the Reveal button of an end-to-end push is offered only when it can work', () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let withScript: WatchedContext;
  before(async () => {
    database = await createTestDatabase('sqlite');
    server = await startTestServer(database);
    browser = await launchBrowser();
    withScript = await watchedContext(browser);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await database?.drop();
  });

  it('is off without the # part of the link, hidden without JavaScript, and uses no view either way', async () => {
    const sender = await withScript.newPage();
    await sender.goto(`${server.url}/?tab=text`);
    await sender.fill('#payload', 'only with the key');
    await Promise.all([sender.waitForURL(/\/p\/[^/]+\/preview/), sender.click('form.create-form button[type="submit"]')]);
    const link = new URL(await sender.inputValue('#secret-link'));
    assert.ok(link.hash.length > 1, 'an end-to-end link carries its key after #');
    const token = /\/p\/([A-Za-z0-9_-]{22})/.exec(link.pathname)![1]!;
    const viewsBefore = (await pushStatus(server, token)).views_remaining;

    const cut = await withScript.newPage();
    await cut.goto(`${link.origin}${link.pathname}`);
    await cut.waitForSelector('[data-form-error]:not([hidden])');
    assert.equal(await cut.isDisabled('form.reveal-form button[type="submit"]'), true);

    const noScript = await browser.newContext({ javaScriptEnabled: false });
    const plain = await noScript.newPage();
    await plain.goto(link.href);
    assert.equal(await plain.isVisible('form.reveal-form button[type="submit"]'), false, 'no button that cannot work');
    assert.equal(await plain.isVisible('.no-js-only'), true, 'the page says JavaScript is needed');
    await noScript.close();

    assert.equal((await pushStatus(server, token)).views_remaining, viewsBefore, 'no view was used');
  });

  it('keeps the key when "Skip to content" puts #main in the address and the page is reloaded', async () => {
    const sender = await withScript.newPage();
    await sender.goto(`${server.url}/?tab=text`);
    await sender.fill('#payload', 'kept across a skip link');
    await Promise.all([sender.waitForURL(/\/p\/[^/]+\/preview/), sender.click('form.create-form button[type="submit"]')]);
    const link = await sender.inputValue('#secret-link');
    await sender.focus('a.skip-link');
    await sender.keyboard.press('Enter');
    await sender.waitForURL(/#main$/);
    await sender.reload();
    assert.equal(await sender.inputValue('#secret-link'), link, 'the share page still shows the link with its key');

    const recipient = await withScript.newPage();
    await recipient.goto(link);
    await recipient.focus('a.skip-link');
    await recipient.keyboard.press('Enter');
    await recipient.waitForURL(/#main$/);
    await recipient.reload();
    await recipient.click('form.reveal-form button[type="submit"]');
    await recipient.waitForSelector('#secret-text', { state: 'attached' });
    assert.equal(await recipient.textContent('#secret-text'), 'kept across a skip link');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, watchedContext, type WatchedContext } from '../support/browser.js';
import { chooseCustomExpiry } from '../support/create-form.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** The text and owner of the problem shown at a field: the error must sit in the field's own block. */
async function problemAt(page: Page, fieldId: string): Promise<{ message: string; invalid: string | null; describedBy: string }> {
  return page.evaluate((id) => {
    const field = document.getElementById(id)!;
    const message = field.closest('.field, fieldset, div')?.querySelector('.field-error[data-client-error]');
    return { message: message?.textContent ?? '', invalid: field.getAttribute('aria-invalid'), describedBy: field.getAttribute('aria-describedby') ?? '' };
  }, fieldId);
}

describe('the create form shows a problem at its field, and clears it once the field is changed', () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let context: WatchedContext;
  before(async () => {
    database = await createTestDatabase('sqlite');
    server = await startTestServer(database);
    browser = await launchBrowser();
    context = await watchedContext(browser);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await database?.drop();
  });

  it('puts "required" under the secret and "views" under the views field, not at the foot of the form', async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}/?tab=text`);
    await page.click('form.create-form button[type="submit"]');
    const empty = await problemAt(page, 'payload');
    assert.match(empty.message, /\S/);
    assert.equal(empty.invalid, 'true');
    assert.ok(empty.describedBy.split(' ').includes('payload-client-error'));
    assert.equal(await page.locator('[data-form-error]:not([hidden])').count(), 0, 'no second copy at the foot of the form');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'payload');

    // Typing into the secret clears its problem at once.
    await page.fill('#payload', 'a secret');
    assert.equal((await problemAt(page, 'payload')).message, '');
    assert.equal((await problemAt(page, 'payload')).invalid, null);

    await chooseCustomExpiry(page);
    await page.fill('#expire_after_views', '0');
    await page.click('form.create-form button[type="submit"]');
    const views = await problemAt(page, 'expire_after_views');
    assert.match(views.message, /\S/);
    assert.equal(views.invalid, 'true');
    await page.fill('#expire_after_views', '2');
    assert.equal((await problemAt(page, 'expire_after_views')).message, '', 'fixed: the problem goes');
    await Promise.all([page.waitForURL(/\/preview/), page.click('form.create-form button[type="submit"]')]);
    await page.close();
  });
});

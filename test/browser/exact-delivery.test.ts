import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, watchedContext, type WatchedContext } from '../support/browser.js';
import { createPush, pushStatus } from '../support/push-helpers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { TRICKY_SECRETS } from '../support/tricky-secrets.js';
import { chooseCustomExpiry, openMoreOptions } from '../support/create-form.js';

/** A name for the loopback server that is not localhost, so pages opened under it are not a secure context. */
const PLAIN_HTTP_HOST = 'passdrop.test';

/** What a textarea holds for a value: HTML normalises every CR and CRLF to LF, so a typed secret cannot contain a CR. */
const textareaValue = (text: string) => text.replace(/\r\n?/g, '\n');

describe('a secret arrives byte for byte in Chromium, on every origin', () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let creators: WatchedContext;
  let recipients: WatchedContext;
  before(async () => {
    database = await createTestDatabase('sqlite');
    server = await startTestServer(database);
    browser = await launchBrowser([`--host-resolver-rules=MAP ${PLAIN_HTTP_HOST} 127.0.0.1`]);
    creators = await watchedContext(browser);
    recipients = await watchedContext(browser);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await database?.drop();
  });

  const clipboard = (page: Page) => page.evaluate(() => navigator.clipboard.readText());

  /** Clicks the Copy button of a revealed secret and returns what reached the clipboard. */
  async function copied(page: Page): Promise<string> {
    await page.evaluate(() => navigator.clipboard.writeText('(not copied)'));
    await page.click('button[data-copy], details.secret ~ button.primary');
    await page.waitForFunction(() => [...document.querySelectorAll('button')].some((button) => button.textContent === 'Copied'));
    return clipboard(page);
  }

  it('every tricky secret: browser-encrypted create, reveal and Copy; and the server page and its Copy', async () => {
    const creator = await creators.newPage();
    for (const [label, secret] of TRICKY_SECRETS) {
      // End to end: typed into the form, encrypted here, decrypted in the recipient's tab.
      await creator.goto(`${server.url}/?tab=text`);
      await creator.fill('#payload', secret);
      await openMoreOptions(creator);
      await creator.setChecked('#retrieval_step', false);
      await Promise.all([creator.waitForURL(/\/p\/[^/]+\/preview/), creator.click('button[type="submit"]')]);
      const link = await creator.inputValue('#secret-link');
      assert.match(link, /#/, label);
      const recipient = await recipients.newPage();
      await recipient.goto(link);
      await recipient.waitForSelector('#secret-text', { state: 'attached' });
      assert.equal(await recipient.textContent('#secret-text'), textareaValue(secret), `${label}: end-to-end reveal`);
      assert.equal(await copied(recipient), textareaValue(secret), `${label}: end-to-end Copy`);
      await recipient.close();

      // The server path with the exact string (CRs included, as our API takes them): the page and Copy.
      const push = await createPush(server, { payload: secret });
      const page = await recipients.newPage();
      await page.goto(push.url);
      assert.equal(await page.textContent('#secret-text'), secret, `${label}: server page`);
      assert.equal(await copied(page), secret, `${label}: server page Copy`);
      await page.close();
    }
    assert.deepEqual([...creators.problems, ...recipients.problems], []);
  });

  it('shows `pass word!@#-123.` left to right on an Arabic page: server page, end-to-end reveal and share link', async () => {
    const secret = 'pass word!@#-123.';
    const ltrBox = (page: Page, selector: string) =>
      page.$eval(selector, (element) => {
        const style = getComputedStyle(element);
        // Where the full stop is drawn: right of the first letter in a left-to-right box.
        const range = document.createRange();
        const text = element.firstChild!;
        const content = text.textContent!;
        range.setStart(text, content.indexOf('p'));
        range.setEnd(text, content.indexOf('p') + 1);
        const first = range.getBoundingClientRect().left;
        range.setStart(text, content.lastIndexOf('.'));
        range.setEnd(text, content.lastIndexOf('.') + 1);
        const stop = range.getBoundingClientRect().left;
        return { direction: style.direction, bidi: style.unicodeBidi, pageDirection: document.documentElement.dir, stopAfterFirst: stop > first };
      });
    const expected = { direction: 'ltr', bidi: 'isolate', pageDirection: 'rtl', stopAfterFirst: true };

    const push = await createPush(server, { payload: secret });
    const page = await recipients.newPage();
    await page.goto(`${push.url}?locale=ar`);
    await page.click('details.secret summary');
    assert.deepEqual(await ltrBox(page, '#secret-text'), expected, 'server page');

    const creator = await creators.newPage();
    await creator.goto(`${server.url}/?locale=ar`);
    await creator.fill('#payload', secret);
    await openMoreOptions(creator);
    await creator.setChecked('#retrieval_step', true);
    await Promise.all([creator.waitForURL(/\/p\/[^/]+\/preview/), creator.click('button[type="submit"]')]);
    const link = await creator.inputValue('#secret-link');
    assert.equal(await creator.$eval('#secret-link', (element) => getComputedStyle(element).direction), 'ltr', 'share link');
    await page.goto(link);
    await page.click('form.reveal-form button[type="submit"]');
    await page.waitForSelector('#secret-text', { state: 'attached' });
    await page.click('details.secret summary');
    assert.equal(await page.getAttribute('html', 'lang'), 'ar');
    assert.deepEqual(await ltrBox(page, '#secret-text'), expected, 'end-to-end reveal');
  });

  it('on plain HTTP under a name other than localhost: no WebCrypto, so the server encrypts, the page says why, and Copy still works', async () => {
    const origin = `http://${PLAIN_HTTP_HOST}:${new URL(server.url).port}`;
    const watched = await watchedContext(browser);
    const creator = await watched.newPage();
    await creator.goto(`${origin}/?tab=text`);
    assert.equal(await creator.evaluate(() => window.isSecureContext), false);
    const note = creator.locator('[data-insecure-origin]');
    assert.equal(await note.isVisible(), true, 'the note is visible');
    assert.match((await note.textContent()) ?? '', /not on HTTPS.*HTTPS/);

    const secret = '\nfallback\tsecret\n';
    await creator.fill('#payload', secret);
    await chooseCustomExpiry(creator);
    await creator.fill('#expire_after_views', '2');
    await Promise.all([creator.waitForURL(/\/p\/[^/]+\/preview/), creator.click('button[type="submit"]')]);
    const link = await creator.inputValue('#secret-link');
    assert.doesNotMatch(link, /#/, 'a server-encrypted link: no key in a fragment');
    const token = /\/p\/([A-Za-z0-9_-]{22})/.exec(link)![1]!;
    assert.equal((await pushStatus(server, token)).encryption, 'server');

    // Copy on the share page and on the revealed secret, without the async clipboard API.
    assert.equal(await creator.evaluate(() => typeof navigator.clipboard), 'undefined');
    await creator.click('[data-copy="secret-link"]');
    const reader = await recipients.newPage();
    await reader.goto(server.url);
    assert.equal(await clipboard(reader), link, 'the share link was copied');

    const recipient = await watched.newPage();
    await recipient.goto(link);
    await recipient.click('button[type="submit"]');
    assert.equal(await recipient.textContent('#secret-text'), secret);
    await recipient.click('button[data-copy]');
    await recipient.waitForFunction(() => document.querySelector('button[data-copy]')?.textContent === 'Copied');
    assert.equal(await clipboard(reader), secret, 'the secret was copied exactly');
    assert.equal((await pushStatus(server, token)).views_remaining, 1);

    // An end-to-end link (made on a secure origin) opened over plain HTTP: told why, and no view used.
    const secure = await creators.newPage();
    await secure.goto(`${server.url}/?tab=text`);
    await secure.fill('#payload', 'made over a secure origin');
    await chooseCustomExpiry(secure);
    await secure.fill('#expire_after_views', '3');
    await openMoreOptions(secure);
    await secure.setChecked('#retrieval_step', false);
    await Promise.all([secure.waitForURL(/\/p\/[^/]+\/preview/), secure.click('button[type="submit"]')]);
    const endToEnd = new URL(await secure.inputValue('#secret-link'));
    const e2eToken = /\/p\/([A-Za-z0-9_-]{22})/.exec(endToEnd.pathname)![1]!;
    const plain = await watched.newPage();
    await plain.goto(`${origin}${endToEnd.pathname}${endToEnd.hash}`);
    await plain.waitForSelector('[data-form-error]:not([hidden])');
    assert.match((await plain.textContent('[data-form-error]')) ?? '', /not on HTTPS.*no view was used/);
    assert.equal(await plain.isDisabled('form.reveal-form button[type="submit"]'), true, 'the Reveal button is off when it cannot work');
    assert.equal((await pushStatus(server, e2eToken)).views_remaining, 3, 'no view was used');
    // Chromium notes that it ignores Cross-Origin-Opener-Policy on an untrustworthy origin: expected here.
    assert.deepEqual(watched.problems.filter((problem) => !problem.includes('Cross-Origin-Opener-Policy header has been ignored')), []);
  });
});

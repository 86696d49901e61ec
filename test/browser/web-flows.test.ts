import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LANGUAGES } from '../../src/web/i18n/languages.js';
import { databaseBytes } from '../support/database-inspector.js';
import { assertAccessible, launchBrowser, screenshot, watchedContext, type WatchedContext } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { chooseCustomExpiry, openMoreOptions } from '../support/create-form.js';

/** Every file the server could have written: the database, its WAL, the data directory. */
function dataDirectoryFiles(database: TestDatabase): Buffer[] {
  return readdirSync(database.directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name)));
}

describe('the web UI in a real browser', () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let watched: WatchedContext;
  before(async () => {
    database = await createTestDatabase('sqlite');
    server = await startTestServer(database, { env: { PASSDROP_PASSPHRASE_MAX_FAILURES: '3' } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await database?.drop();
  });

  async function fresh(options = {}) {
    watched = await watchedContext(browser, options);
    return watched.newPage();
  }

  async function createThroughForm(page: Awaited<ReturnType<typeof fresh>>, fields: { tab?: string; payload: string; views?: string; passphrase?: string; retrievalStep?: boolean }) {
    await page.goto(`${server.url}/?tab=${fields.tab ?? 'text'}`);
    await page.fill('#payload', fields.payload);
    if (fields.views) {
      await chooseCustomExpiry(page);
      await page.fill('#expire_after_views', fields.views);
    }
    if (fields.passphrase) await page.fill('#passphrase', fields.passphrase);
    if (fields.retrievalStep === false) {
      await openMoreOptions(page);
      await page.uncheck('#retrieval_step');
    }
    await Promise.all([page.waitForURL(/\/p\/[^/]+\/preview/), page.click('button[type="submit"]')]);
    return page.inputValue('#secret-link');
  }

  it('creates a text secret end to end: the server never holds the plaintext, the recipient reads it once', async () => {
    const secret = `correct horse ${Date.now()}`;
    const creator = await fresh();
    const link = await createThroughForm(creator, { payload: secret, views: '1', passphrase: 'by phone' });
    assert.match(link, /\/p\/[A-Za-z0-9_-]{22}\/r#[A-Za-z0-9_-]{43}$/);
    await screenshot(creator, 'share-page');
    await assertAccessible(creator, 'the share page');
    assert.match(await creator.inputValue('#share-message'), /passphrase/);
    assert.ok((await creator.locator('[data-qr-target] svg').count()) === 1, 'the QR code of the full link is drawn');

    const bytes = Buffer.concat([await databaseBytes(database), ...dataDirectoryFiles(database)]);
    const logs = server.logs.join('');
    for (const leaked of [secret, 'by phone', link.split('#')[1]!]) {
      assert.equal(bytes.indexOf(leaked), -1, `${leaked} reached the database or the data directory`);
      assert.ok(!logs.includes(leaked), `${leaked} reached the logs`);
    }

    const recipient = await fresh();
    await recipient.goto(link);
    await screenshot(recipient, 'reveal-step');
    await assertAccessible(recipient, 'the reveal step');
    await recipient.fill('#passphrase', 'wrong');
    await recipient.click('button[type="submit"]');
    await recipient.waitForSelector('[data-form-error]:not([hidden])');
    assert.match(await recipient.textContent('[data-form-error]') ?? '', /incorrect/);
    await recipient.fill('#passphrase', 'by phone');
    await recipient.click('button[type="submit"]');
    await recipient.waitForSelector('#secret-text', { state: 'attached' });
    assert.equal(await recipient.textContent('#secret-text'), secret);
    assert.equal(await recipient.textContent('h1'), 'Your secret');
    assert.match(await recipient.textContent('main') ?? '', /That was the last view/);
    assert.equal(await recipient.isVisible('#secret-text'), false, 'the secret stays hidden until clicked');
    await recipient.click('details.secret summary');
    assert.equal(await recipient.isVisible('#secret-text'), true);
    await screenshot(recipient, 'revealed');
    await assertAccessible(recipient, 'the revealed secret');

    const again = await fresh();
    await again.goto(link);
    assert.match(await again.textContent('h1') ?? '', /expired/);
    await assertAccessible(again, 'the expired page');
    assert.deepEqual(watched.problems, []);
  });

  it("opens the committed test vectors of formats 1 and 2 with the browser's own WebCrypto, and reproduces their proofs", async () => {
    const page = await fresh();
    await page.goto(server.url);
    type Vector = { kind: string; linkSecret: string; passphrase: string | null; plaintext: string; ciphertext: string; accessProof: string | null; linkProof?: string; iterations?: number };
    const vectors = ['docs/e2e-test-vectors.json', 'docs/e2e-test-vectors-v2.json'].flatMap((file) => JSON.parse(readFileSync(file, 'utf8')) as Vector[]);
    assert.ok(vectors.some((vector) => vector.linkProof !== undefined), 'the format-2 vectors are included');
    const results = await page.evaluate(async (list) => {
      const url = [...document.querySelectorAll('script[src]')].map((script) => script.getAttribute('src')!).find((src) => src.includes('common.js'))!.replace('common.js', 'e2e-format.js');
      const format = (await import(url)) as {
        openE2eText: (ciphertext: string, options: object) => Promise<string>;
        accessProofFor: (options: object) => Promise<string>;
        linkProofFor: (linkSecret: string) => Promise<string>;
      };
      return Promise.all(
        list.map(async (vector) => ({
          plaintext: await format.openE2eText(vector.ciphertext, { kind: vector.kind, linkSecret: vector.linkSecret, ...(vector.passphrase ? { passphrase: vector.passphrase } : {}) }),
          accessProof: vector.passphrase ? await format.accessProofFor({ linkSecret: vector.linkSecret, passphrase: vector.passphrase, ...(vector.iterations ? { iterations: vector.iterations } : {}) }) : null,
          ...(vector.linkProof !== undefined ? { linkProof: await format.linkProofFor(vector.linkSecret) } : {}),
        })),
      );
    }, vectors);
    assert.deepEqual(results, vectors.map((vector) => ({ plaintext: vector.plaintext, accessProof: vector.accessProof, ...(vector.linkProof !== undefined ? { linkProof: vector.linkProof } : {}) })));
  });

  it('locks an end-to-end push after too many wrong passphrases, and lets a recipient delete a secret at once', async () => {
    const creator = await fresh();
    const locked = await createThroughForm(creator, { payload: 'never to be seen', passphrase: 'right one' });
    const guesser = await fresh();
    await guesser.goto(locked);
    const attempt = async (passphrase: string) => {
      await guesser.fill('#passphrase', passphrase);
      const [response] = await Promise.all([guesser.waitForResponse((candidate) => candidate.url().endsWith('/reveal')), guesser.click('button[type="submit"]')]);
      await guesser.waitForFunction(() => !document.querySelector<HTMLButtonElement>('button[type="submit"]')?.disabled);
      return response.status();
    };
    // The third wrong passphrase (PASSDROP_PASSPHRASE_MAX_FAILURES=3 here) locks the push and deletes it.
    assert.deepEqual([await attempt('guess 1'), await attempt('guess 2'), await attempt('guess 3')], [401, 401, 410]);
    assert.equal(await attempt('right one'), 410, 'locked: even the right passphrase is too late');
    assert.match(await guesser.textContent('[data-form-error]') ?? '', /expired/);

    const deletable = await createThroughForm(creator, { payload: 'read and delete', views: '3' });
    const reader = await fresh();
    await reader.goto(deletable);
    await reader.click('button[type="submit"]');
    await reader.waitForSelector('button.danger');
    await Promise.all([reader.waitForURL(/\/deleted$/), reader.click('button.danger')]);
    assert.match(await reader.textContent('h1') ?? '', /Deleted/);
    const late = await fresh();
    await late.goto(deletable);
    assert.match(await late.textContent('h1') ?? '', /expired/);
  });

  it('remembers the last expiry choices in the browser', async () => {
    const page = await fresh();
    await createThroughForm(page, { payload: 'x', views: '3' });
    await page.goto(server.url);
    assert.equal(await page.inputValue('#expire_after_views'), '3');
  });

  it('works without JavaScript: the server encrypts, the form reveals', async () => {
    const page = await fresh({ javaScriptEnabled: false });
    const link = await createThroughForm(page, { payload: 'no script here', views: '2', retrievalStep: false });
    assert.doesNotMatch(link, /#/);
    await page.goto(link);
    assert.equal(await page.textContent('#secret-text'), 'no script here');
  });

  it('redirects a URL push and draws a QR push', async () => {
    const page = await fresh();
    const target = `${server.url}/robots.txt`;
    const link = await createThroughForm(page, { tab: 'url', payload: target, retrievalStep: false });
    const visitor = await fresh();
    await visitor.goto(link);
    assert.equal(visitor.url(), target);

    const qrLink = await createThroughForm(page, { tab: 'qr', payload: 'WIFI:S:office;T:WPA;P:pw;;' });
    const scanner = await fresh();
    await scanner.goto(qrLink);
    await scanner.click('button[type="submit"]');
    await scanner.waitForSelector('figure.qr svg');
    assert.equal(await scanner.textContent('#secret-text'), 'WIFI:S:office;T:WPA;P:pw;;');
  });

  it('generates passwords and asks before overwriting typed text', async () => {
    const page = await fresh();
    await page.goto(server.url);
    await page.click('[data-open-generator]');
    await page.click('[data-generate]');
    const generated = await page.inputValue('#payload');
    assert.equal(generated.length, 20);
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.click('[data-generate]');
    assert.equal(await page.inputValue('#payload'), generated, 'dismissing the confirm keeps the text');
    await page.check('#generator-words');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('[data-generate]');
    assert.equal((await page.inputValue('#payload')).split('-').length, 5);
  });

  it('fits a 360 px phone screen and follows dark mode, with a toggle', async () => {
    const page = await fresh({ viewport: { width: 360, height: 740 }, colorScheme: 'dark' });
    await page.goto(server.url);
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 360, 'no horizontal scrolling');
    const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(dark, 'rgb(15, 18, 22)');
    await screenshot(page, 'create-phone-dark');
    await assertAccessible(page, 'the create page, dark');
    await page.click('[data-theme-toggle]');
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(245, 246, 248)');
    await page.reload();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light', 'the choice is remembered');
  });

  it('styles email inputs like the other inputs, in light and dark mode', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await fresh({ colorScheme });
      await page.goto(`${server.url}/account/sign-up`);
      const look = (selector: string) =>
        page.$eval(selector, (element) => {
          const style = getComputedStyle(element);
          return { width: element.getBoundingClientRect().width, background: style.backgroundColor, color: style.color, border: style.borderTopColor, radius: style.borderTopLeftRadius, padding: style.paddingTop };
        });
      assert.deepEqual(await look('input[type="email"]'), await look('input[type="password"]'), colorScheme);
    }
  });

  for (const { code, dir: direction } of LANGUAGES) {
    it(`speaks ${code}`, async () => {
      const page = await fresh();
      await page.goto(`${server.url}/?locale=${code}`);
      assert.equal(await page.getAttribute('html', 'lang'), code);
      assert.equal(await page.getAttribute('html', 'dir'), direction);
      await assertAccessible(page, `the create page in ${code}`);
      if (code === 'ar' || code === 'ja') await screenshot(page, `create-${code}`);
      // The language is remembered.
      await page.goto(server.url);
      assert.equal(await page.getAttribute('html', 'lang'), code);
    });
  }
});

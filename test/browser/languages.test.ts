import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { LANGUAGES } from '../../src/web/i18n/languages.js';
import { missingTranslationKeys } from '../../src/web/i18n/translator.js';
import { launchBrowser, watchedContext, type WatchedContext } from '../support/browser.js';
import { createPush } from '../support/push-helpers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Every key path of the English catalog (`share.heading`, plural suffixes dropped): text that must never show. */
function englishKeyPaths(): Set<string> {
  const catalog = JSON.parse(readFileSync(new URL('../../src/web/i18n/locales/en.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  const paths = new Set<string>();
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [key, value] of Object.entries(node)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (typeof value === 'string') {
        paths.add(path);
        paths.add(path.replace(/_(zero|one|two|few|many|other)$/, ''));
      } else walk(value as Record<string, unknown>, path);
    }
  };
  walk(catalog, '');
  return paths;
}

/** What a page shows a reader: its text, split where elements end, and its visible attribute texts. */
async function shownTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const texts: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim();
      if (text) texts.push(text);
    }
    for (const element of document.querySelectorAll('[placeholder], [aria-label], [title], [alt], input[type="submit"], input[type="button"]')) {
      for (const name of ['placeholder', 'aria-label', 'title', 'alt', 'value']) {
        const value = element.getAttribute(name)?.trim();
        if (value && (name !== 'value' || element instanceof HTMLInputElement)) texts.push(value);
      }
    }
    texts.push(document.title);
    return texts;
  });
}

/**
 * Issue 21: every language in LANGUAGES (read at run time, so a language added there is tested without
 * touching this file) renders the pages creators and recipients see most on a 360 px phone: nothing wider
 * than the screen, no key path shown for a missing string, `<html lang>` and `dir` right. One server and
 * one browser for all; the language is picked with `?locale=`.
 */
describe('every language on a 360 px phone: create, share, delivery, expired and sign-in pages', () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let watched: WatchedContext;
  let page: Page;
  let token: string;
  const keyPaths = englishKeyPaths();

  before(async () => {
    database = await createTestDatabase('sqlite');
    server = await startTestServer(database);
    browser = await launchBrowser();
    watched = await watchedContext(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
    page = await watched.newPage();
    // A push behind the retrieval step: opening its link shows the page before the reveal, using no view.
    ({ token } = await createPush(server, { payload: 'a secret for every language', expire_after_views: 100, retrieval_step: true, passphrase: 'by phone' }));
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await database?.drop();
  });

  const pages = (code: string) => [
    { name: 'create', path: `/?locale=${code}` },
    { name: 'share', path: `/p/${token}/preview?locale=${code}` },
    { name: 'delivery', path: `/p/${token}/r?locale=${code}` },
    { name: 'expired', path: `/p/AAAAAAAAAAAAAAAAAAAAAA?locale=${code}` },
    { name: 'sign-in', path: `/account/sign-in?locale=${code}` },
  ];

  for (const { code, dir } of LANGUAGES) {
    it(`${code}: fits, shows no key path and says lang="${code}" dir="${dir}"`, async () => {
      const problems: string[] = [];
      for (const { name, path } of pages(code)) {
        const response = await page.goto(`${server.url}${path}`, { waitUntil: 'load' });
        assert.ok(response && response.status() < 500, `${code} ${name}: ${response?.status()}`);
        const facts = await page.evaluate(() => ({
          lang: document.documentElement.lang,
          dir: document.documentElement.dir,
          scrollWidth: document.scrollingElement!.scrollWidth,
          innerWidth: window.innerWidth,
        }));
        if (facts.lang !== code) problems.push(`${name}: lang="${facts.lang}"`);
        if (facts.dir !== dir) problems.push(`${name}: dir="${facts.dir}"`);
        if (facts.scrollWidth > facts.innerWidth) problems.push(`${name}: ${facts.scrollWidth} px wide on a ${facts.innerWidth} px screen`);
        const keys = (await shownTexts(page)).filter((text) => keyPaths.has(text));
        if (keys.length > 0) problems.push(`${name}: shows key paths ${keys.join(', ')}`);
      }
      // The language switcher stays usable on the narrowest phones: inside the screen, every language in it.
      await page.setViewportSize({ width: 320, height: 640 });
      await page.goto(`${server.url}/?locale=${code}`, { waitUntil: 'load' });
      const switcher = await page.evaluate(() => {
        const select = document.querySelector<HTMLSelectElement>('select#locale')!;
        const box = select.getBoundingClientRect();
        return { left: box.left, right: box.right, options: select.options.length, selected: select.value, scrollWidth: document.scrollingElement!.scrollWidth };
      });
      await page.setViewportSize({ width: 360, height: 740 });
      if (switcher.left < 0 || switcher.right > 320 || switcher.scrollWidth > 320) problems.push(`the switcher or page does not fit 320 px: ${JSON.stringify(switcher)}`);
      if (switcher.options !== LANGUAGES.length || switcher.selected !== code) problems.push(`the switcher: ${JSON.stringify(switcher)}`);
      assert.deepEqual(problems, [], `${code}`);
    });
  }

  it("carries the recipient's language through the browser-encrypted create path: ?locale= before the key, message in it", async () => {
    await page.goto(`${server.url}/?locale=fr`, { waitUntil: 'load' });
    await page.fill('#payload', 'chiffré dans le navigateur');
    await page.evaluate(() => {
      const details = document.querySelector<HTMLDetailsElement>('details[data-recipient-language]');
      if (details) details.open = true;
    });
    await page.selectOption('#push_locale', 'ar');
    await Promise.all([page.waitForURL(/\/p\/[^/]+\/preview\?push_locale=ar/), page.click('form.create-form button[type="submit"]')]);
    const link = await page.inputValue('#secret-link');
    assert.match(link, /\/p\/[\w-]{22}\/r\?locale=ar#[\w-]{43}$/);
    assert.equal(await page.getAttribute('html', 'lang'), 'fr', 'the sender keeps their language');
    assert.equal(await page.getAttribute('#share-message', 'dir'), 'rtl');
    assert.ok((await page.inputValue('#share-message')).includes(link), 'the message has the whole link');
    const recipient = await browser.newPage();
    await recipient.goto(link, { waitUntil: 'load' });
    assert.equal(await recipient.getAttribute('html', 'lang'), 'ar');
    assert.equal(await recipient.getAttribute('html', 'dir'), 'rtl');
    await recipient.close();
  });

  it('asked the catalogs for no key they lack, and the pages logged no error', () => {
    assert.deepEqual(missingTranslationKeys(), []);
    assert.deepEqual(watched.problems, []);
  });
});

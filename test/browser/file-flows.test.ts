import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, launchBrowser, downloadingContext, type WatchedContext } from '../support/browser.js';
import { databaseBytes } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const PASSWORD = 'a long file sender password';
const MIB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describeEachDatabase('file pushes in a real browser', (fixture) => {
  let server: TestServer;
  let browser: Browser;
  const watched: WatchedContext[] = [];

  before(async () => {
    server = await startTestServer(fixture.database, { env: { PASSDROP_FILE_MAX_FILES: '5', PASSDROP_FILE_MAX_FILE_MIB: '4' } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function fresh(): Promise<Page> {
    const context = await downloadingContext(browser);
    watched.push(context);
    return context.newPage();
  }

  it('sends three files from the Files tab with progress, and the recipient downloads each intact; the server never sees a name', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'passdrop-browser-files-'));
    // Names no other test uses: the PostgreSQL check reads the whole cluster's files.
    const tag = randomBytes(4).toString('hex');
    const files = { [`holiday photo ${tag}.jpg`]: randomBytes(3 * MIB + 17), [`contract ü ${tag}.pdf`]: randomBytes(200_000), [`empty ${tag}.txt`]: Buffer.alloc(0) };
    const paths = Object.entries(files).map(([name, bytes]) => {
      const path = join(directory, name);
      writeFileSync(path, bytes);
      return path;
    });

    const sender = await fresh();
    await sender.goto(`${server.url}/?tab=file`);
    assert.match(await sender.textContent('.alert.info') ?? '', /only from accounts/);
    await sender.goto(`${server.url}/account/sign-up`);
    await sender.fill('#field-email', "files@example.com");
    await sender.fill('#field-password', PASSWORD);
    await Promise.all([sender.waitForURL(/\/dashboard$/), sender.click('button[type="submit"]')]);

    await sender.goto(`${server.url}/?tab=file`);
    assert.match((await sender.textContent('[data-limits]')) ?? '', /Up to 5 files, 4 MiB each/);
    await sender.setInputFiles('#files', paths);
    assert.deepEqual(await sender.locator('[data-file-list] .file-name').allTextContents(), Object.keys(files));
    assert.equal(await sender.locator('[data-file-list] .file-size').count(), 3);
    await assertAccessible(sender, 'the Files tab with chosen files');
    await Promise.all([sender.waitForURL(/\/p\/[^/]+\/preview/, { timeout: 60_000 }), sender.click('form.file-push-form button[type="submit"]')]);
    const link = await sender.inputValue('#secret-link');
    assert.match(link, /#[A-Za-z0-9_-]{43}$/);

    const stored = await databaseBytes(fixture.database);
    for (const name of Object.keys(files)) assert.equal(stored.indexOf(Buffer.from(name)), -1, `${name} reached the database`);

    const recipient = await fresh();
    await recipient.goto(link);
    await recipient.click('button[type="submit"]');
    await recipient.waitForSelector('.revealed-files');
    assert.deepEqual(await recipient.locator('.revealed-files .file-name').allTextContents(), Object.keys(files));
    await assertAccessible(recipient, 'the revealed files');
    for (const [index, [name, bytes]] of Object.entries(files).entries()) {
      const [download] = await Promise.all([recipient.waitForEvent('download'), recipient.click(`[data-download-position="${index}"]`)]);
      assert.equal(download.suggestedFilename(), name);
      const saved = join(directory, `downloaded-${index}`);
      await download.saveAs(saved);
      assert.equal(sha256(readFileSync(saved)), sha256(bytes), `${name} arrives intact`);
      const progress = recipient.locator('.revealed-files progress').nth(index);
      assert.equal(await progress.evaluate((element) => (element as HTMLProgressElement).value), 1, 'the progress bar reaches the end');
    }
    for (const context of watched) assert.deepEqual(context.problems, []);
  });

  it('refuses too many or too large files before uploading anything', async () => {
    const page = await fresh();
    await page.goto(`${server.url}/account/sign-in`);
    await page.fill('#field-email', "files@example.com");
    await page.fill('#field-password', PASSWORD);
    await Promise.all([page.waitForURL(/\/dashboard$/), page.click('button[type="submit"]')]);
    await page.goto(`${server.url}/?tab=file`);
    const directory = mkdtempSync(join(tmpdir(), 'passdrop-browser-files-'));
    const big = join(directory, 'big.bin');
    writeFileSync(big, randomBytes(4 * MIB + 1));
    await page.setInputFiles('#files', [big]);
    assert.match((await page.textContent('[data-form-error]')) ?? '', /big\.bin is larger than 4 MiB/);
    const many = Array.from({ length: 6 }, (_, index) => {
      const path = join(directory, `f${index}.txt`);
      writeFileSync(path, `file ${index}`);
      return path;
    });
    await page.click('[data-file-list] button');
    await page.setInputFiles('#files', many);
    await page.click('form.file-push-form button[type="submit"]');
    assert.match((await page.textContent('[data-form-error]')) ?? '', /up to 5 files/);
    assert.equal(page.url().includes('/preview'), false);
  });
});

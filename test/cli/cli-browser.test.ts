import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, watchedContext } from '../support/browser.js';
import { describeEachDatabase } from '../support/each-database.js';
import { linkOf, runCli } from '../support/passdrop-cli.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { chooseCustomExpiry } from '../support/create-form.js';

describeEachDatabase('the passdrop CLI and the browser read each other’s end-to-end pushes', (fixture) => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    server = await startTestServer(fixture.database);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('opens a CLI push with a passphrase and a retrieval step in Chromium, exactly as pushed', async () => {
    const secret = '  from the terminal\n\tsecond line ✓ كلمة\n';
    const link = linkOf(
      await runCli(['push', '--passphrase', '--retrieval-step', '--views', '1'], { env: { PASSDROP_SERVER: server.url, PASSDROP_PASSPHRASE: 'said on the phone' }, stdin: secret }),
    );
    const watched = await watchedContext(browser);
    const page = await watched.newPage();
    await page.goto(link);
    await page.fill('#passphrase', 'said on the phone');
    await page.click('button[type="submit"]');
    await page.waitForSelector('#secret-text', { state: 'attached' });
    assert.equal(await page.textContent('#secret-text'), secret);
    assert.match((await page.textContent('main')) ?? '', /That was the last view/);
    assert.deepEqual(watched.problems, []);
    await watched.context.close();
  });

  it('gets a push made in Chromium (with a passphrase) byte for byte with passdrop get', async () => {
    const secret = 'typed in Chromium:\t✓ 👩🏽‍💻  ';
    const watched = await watchedContext(browser);
    const page = await watched.newPage();
    await page.goto(`${server.url}/?tab=text`);
    await page.fill('#payload', secret);
    await chooseCustomExpiry(page);
    await page.fill('#expire_after_views', '2');
    await page.fill('#passphrase', 'by phone');
    await Promise.all([page.waitForURL(/\/p\/[^/]+\/preview/), page.click('button[type="submit"]')]);
    const link = await page.inputValue('#secret-link');
    assert.match(link, /#[A-Za-z0-9_-]{43}$/);
    await watched.context.close();

    const got = await runCli(['get', link], { env: { PASSDROP_PASSPHRASE: 'by phone' } });
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout.toString('hex'), Buffer.from(secret).toString('hex'));
    assert.match(got.stderr, /^1 view left/m);
  });
});

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { accountWithToken } from '../support/account-tokens.js';
import { launchBrowser, watchedContext } from '../support/browser.js';
import { describeEachDatabase } from '../support/each-database.js';
import { freshConfigHome, linkOf, runCli } from '../support/passdrop-cli.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describeEachDatabase('passdrop request and answer interoperate with requests in Chromium', (fixture) => {
  let server: TestServer;
  let browser: Browser;
  let token: string;
  const email = 'cli-requester@example.com';
  before(async () => {
    server = await startTestServer(fixture.database);
    token = await accountWithToken(fixture.database, email);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const requester = () => ({ PASSDROP_SERVER: server.url, PASSDROP_TOKEN: token });
  const tokenOf = (link: string) => /\/req\/([A-Za-z0-9_-]+)#/.exec(link)![1]!;

  it('a request made with the CLI is answered in Chromium and read back with the CLI byte for byte', async () => {
    const home = freshConfigHome();
    const link = linkOf(await runCli(['request', '--from', 'Ops on call', '--instructions', 'The VPN key, please.'], { env: requester(), configHome: home }));
    const secret = 'typed in Chromium:\t✓ 👩🏽‍💻  \nsecond line';
    const watched = await watchedContext(browser);
    const page = await watched.newPage();
    await page.goto(link);
    assert.equal(await page.textContent('h1'), 'Ops on call asks you for a secret');
    await page.fill('#answer', secret);
    await page.click('form[data-answer-form] button[type="submit"]');
    await page.waitForSelector('[data-answer-sent]:not([hidden])');
    assert.deepEqual(watched.problems, []);
    await watched.context.close();

    const [answer] = JSON.parse((await runCli(['request', 'answers', tokenOf(link), '--json'], { env: requester(), configHome: home })).stdout.toString()) as Array<{ answer_id: string; encryption: string }>;
    assert.equal(answer!.encryption, 'client');
    const read = await runCli(['request', 'read', '--yes', `${tokenOf(link)}/${answer!.answer_id}`], { env: requester(), configHome: home });
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout.toString('hex'), Buffer.from(secret).toString('hex'));
  });

  it('a request made in Chromium is answered with passdrop answer, and read with the CLI from the key link the page showed', async () => {
    const watched = await watchedContext(browser);
    const page = await watched.newPage();
    await page.goto(`${server.url}/account/sign-in`);
    await page.fill('#field-email', email);
    await page.fill('#field-password', 'a long enough password');
    await Promise.all([page.waitForURL(/\/dashboard$/), page.click('button[type="submit"]')]);
    await page.goto(`${server.url}/dashboard/requests/new`);
    await page.fill('#field-name', 'from the browser');
    await page.fill('#field-requester_name', 'Dana in Chromium');
    await page.fill('#field-answer_expire_after_views', '2');
    await page.click('form[data-request-form] button[type="submit"]');
    await page.waitForSelector('[data-request-created]:not([hidden])');
    const link = await page.inputValue('#request-link');
    const keyLink = await page.inputValue('#requester-key-link');

    const secret = 'sent from a terminal ✓\n';
    const answered = await runCli(['answer', link], { stdin: secret });
    assert.equal(answered.code, 0, answered.stderr);
    assert.match(answered.stderr, /Dana in Chromium asks you for a secret/);

    const [answer] = JSON.parse((await runCli(['request', 'answers', link, '--json'], { env: requester() })).stdout.toString()) as Array<{ answer_id: string }>;
    const read = await runCli(['request', 'read', '--yes', `${tokenOf(link)}/${answer!.answer_id}`], { env: { ...requester(), PASSDROP_REQUESTER_KEY: keyLink } });
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout.toString('hex'), Buffer.from(secret).toString('hex'));
    assert.deepEqual(watched.problems, []);
    await watched.context.close();
  });
});

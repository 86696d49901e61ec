import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { escapeHtml } from '../../src/web/html.js';
import { launchBrowser, watchedContext } from '../support/browser.js';
import { describeEachDatabase } from '../support/each-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { PASSWORD, WebClient, signIn, signUp } from '../support/web-client.js';

/**
 * Issue 12, item 2, in a real browser: a page on another site (http://localhost:… against a server on
 * http://127.0.0.1:…, so Chromium sends `Sec-Fetch-Site: cross-site` and its `Origin`) auto-submits each
 * pre-session form. Nothing may happen: no session cookie, no account, the victim stays signed out.
 */
const FORMS: readonly (readonly [string, Record<string, string>])[] = [
  ['/account/sign-in', { email: 'attacker@example.com', password: PASSWORD }],
  ['/account/sign-up', { email: 'planted@example.com', password: PASSWORD }],
  ['/account/forgot-password', { email: 'attacker@example.com' }],
  ['/setup', { code: 'guessed', email: 'root@example.com', password: PASSWORD }],
  ['/account/sign-in/two-factor', { code: '123456' }],
];

function attackerPage(action: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return `<!doctype html><html><body><form method="post" action="${escapeHtml(action)}">${inputs}</form><script>document.forms[0].submit();</script></body></html>`;
}

describeEachDatabase('Login CSRF in Chromium: a foreign page auto-submits the pre-session forms', (fixture) => {
  let server: TestServer;
  let browser: Browser;
  let attacker: Server;
  let attackerOrigin = '';
  before(async () => {
    server = await startTestServer(fixture.database);
    assert.equal((await signUp(new WebClient(server), 'attacker@example.com')).status, 303);
    attacker = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const index = Number(url.searchParams.get('form'));
      const [path, fields] = FORMS[index]!;
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(attackerPage(`${server.url}${path}`, fields));
    });
    await new Promise<void>((resolve) => attacker.listen(0, 'localhost', resolve));
    attackerOrigin = `http://localhost:${(attacker.address() as { port: number }).port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => attacker?.close(() => resolve()));
    await server?.stop();
  });

  it('answers 403 to each auto-submitted form, sets no session and makes no account', async () => {
    for (const [index, [path]] of FORMS.entries()) {
      const watched = await watchedContext(browser);
      const page = await watched.newPage();
      const answer = page.waitForResponse((response) => response.url() === `${server.url}${path}` && response.request().method() === 'POST');
      await page.goto(`${attackerOrigin}/?form=${index}`);
      const response = await answer;
      assert.equal(response.status(), 403, `${path}: the cross-site post was answered ${response.status()}`);
      const headers = await response.request().allHeaders();
      assert.equal(headers['sec-fetch-site'], 'cross-site', 'Chromium said where the post came from');
      const cookies = await watched.context.cookies(server.url);
      assert.deepEqual(cookies.filter((cookie) => cookie.name === 'passdrop_session'), [], `${path} set a session`);
      // The victim is still signed out: the dashboard sends them to sign in.
      const dashboard = await page.goto(`${server.url}/dashboard`);
      assert.match(dashboard!.url(), /\/account\/sign-in/, `${path}: the victim is signed in after the attack`);
      await watched.context.close();
    }
    assert.equal((await signIn(new WebClient(server), 'planted@example.com')).status, 401, 'the cross-site sign-up made no account');
    assert.ok(!server.logs.join('').includes('"level":50'));
  });

  it('still signs in from its own page in the same browser', async () => {
    const watched = await watchedContext(browser);
    const page = await watched.newPage();
    await page.goto(`${server.url}/account/sign-in`);
    await page.fill('#field-email', 'attacker@example.com');
    await page.fill('#field-password', PASSWORD);
    await Promise.all([page.waitForURL(/\/dashboard/), page.click('main button[type="submit"]')]);
    assert.ok((await watched.context.cookies(server.url)).some((cookie) => cookie.name === 'passdrop_session'));
    assert.deepEqual(watched.problems, []);
    await watched.context.close();
  });
});

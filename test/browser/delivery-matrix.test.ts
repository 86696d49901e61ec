import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, watchedContext, type WatchedContext } from '../support/browser.js';
import { createPush, pushStatus } from '../support/push-helpers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { chooseCustomExpiry, openMoreOptions } from '../support/create-form.js';

/** The URL pushes' destination: a loopback server under another site's name (see the resolver rule below). */
const DESTINATION_HOST = 'destination.test';

type Kind = 'text' | 'url' | 'qr';
type Path = 'browser' | 'server';
interface Case {
  readonly kind: Kind;
  readonly step: boolean;
  readonly passphrase: boolean;
  /** `browser`: the create form with JavaScript (end to end for text and QR; a URL is posted to the server). `server`: the no-JavaScript form or our API. */
  readonly path: Path;
}

const CASES: Case[] = [];
for (const kind of ['text', 'url', 'qr'] as const)
  for (const step of [true, false])
    for (const passphrase of [true, false]) for (const path of ['browser', 'server'] as const) CASES.push({ kind, step, passphrase, path });

const label = (c: Case) => `${c.kind}, ${c.step ? 'with' : 'without'} the retrieval step, ${c.passphrase ? 'with' : 'without'} a passphrase, ${c.path} path`;

describe('every kind × retrieval step × passphrase × end to end or server, in Chromium', () => {
  let database: TestDatabase;
  let server: TestServer;
  let destination: Server;
  let destinationPort: number;
  const landings: string[] = [];
  let browser: Browser;
  // One context per role, a fresh tab per case: fast, and a tab's sessionStorage starts empty.
  let creators: { withScript: WatchedContext; withoutScript: WatchedContext };
  let recipients: WatchedContext;
  before(async () => {
    database = await createTestDatabase('sqlite');
    server = await startTestServer(database);
    destination = createServer((request, response) => {
      landings.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Landed</title><h1>Landed on the other site</h1>');
    }).listen(0, '127.0.0.1');
    await once(destination, 'listening');
    destinationPort = (destination.address() as AddressInfo).port;
    // A name of another site (not only another port): CSP form-action and SameSite treat it as cross-site.
    browser = await launchBrowser([`--host-resolver-rules=MAP ${DESTINATION_HOST} 127.0.0.1`]);
    creators = { withScript: await watchedContext(browser), withoutScript: await watchedContext(browser, { javaScriptEnabled: false }) };
    recipients = await watchedContext(browser);
  });
  after(async () => {
    await browser?.close();
    destination?.close();
    await server?.stop();
    await database?.drop();
  });

  /** Creates the push as the case says and returns its secret link (with the fragment on the browser path). */
  async function create(c: Case, payload: string): Promise<string> {
    const passphrase = c.passphrase ? 'told by phone' : undefined;
    // The server path alternates between its two entrances: the no-JavaScript form (with the step) and the API (without).
    if (c.path === 'server' && !c.step) {
      const push = await createPush(server, { kind: c.kind, payload, expire_after_views: 2, retrieval_step: false, ...(passphrase ? { passphrase } : {}) });
      return push.url;
    }
    const watched = c.path === 'browser' ? creators.withScript : creators.withoutScript;
    const page = await watched.newPage();
    await page.goto(`${server.url}/?tab=${c.kind}`);
    await page.fill('#payload', payload);
    await chooseCustomExpiry(page);
    await page.fill('#expire_after_views', '2');
    if (passphrase) await page.fill('#passphrase', passphrase);
    await openMoreOptions(page);
    await page.setChecked('#retrieval_step', c.step);
    await Promise.all([page.waitForURL(/\/p\/[^/]+\/preview/), page.click('button[type="submit"]')]);
    const link = await page.inputValue('#secret-link');
    assert.deepEqual(watched.problems, []);
    await page.close();
    return link;
  }

  async function reveal(c: Case, page: Page): Promise<void> {
    if (c.passphrase) await page.fill('#passphrase', 'told by phone');
    // An end-to-end push without step and passphrase reveals itself; every other case waits for the click.
    if (c.path === 'browser' && c.kind !== 'url' && !c.step && !c.passphrase) return;
    await page.click('button[type="submit"]');
  }

  for (const c of CASES) {
    it(`${label(c)}: the secret arrives and one view is used`, async () => {
      const id = `${c.kind}-${c.step}-${c.passphrase}-${c.path}`;
      const target = `http://${DESTINATION_HOST}:${destinationPort}/landing?case=${id}`;
      const payload = c.kind === 'url' ? target : c.kind === 'qr' ? `WIFI:S:${id};T:WPA;P:pw;;` : `secret of ${id}\n\tend`;
      const link = await create(c, payload);
      assert.equal(link.includes('#'), c.path === 'browser' && c.kind !== 'url', 'only an end-to-end link carries a fragment');
      const token = /\/p\/([A-Za-z0-9_-]{22})/.exec(link)![1]!;

      const page = await recipients.newPage();
      await page.goto(link, { waitUntil: 'domcontentloaded' });
      const autoReveal = c.path === 'browser' && c.kind !== 'url' && !c.step && !c.passphrase;
      if (c.step || c.passphrase || autoReveal) {
        if (!autoReveal) assert.equal((await pushStatus(server, token)).views_remaining, 2, 'opening the link uses no view');
        await reveal(c, page);
      }
      if (c.kind === 'url') {
        await page.waitForURL(target);
        assert.equal(await page.textContent('h1'), 'Landed on the other site');
        assert.equal(landings.filter((landing) => landing === `/landing?case=${id}`).length, 1);
      } else {
        await page.waitForSelector('#secret-text', { state: 'attached' });
        assert.equal(await page.textContent('#secret-text'), payload);
        if (c.kind === 'qr') assert.equal(await page.locator('figure.qr svg').count(), 1, 'the QR code is drawn');
        assert.match((await page.textContent('main')) ?? '', /1 view left/);
      }
      const status = await pushStatus(server, token);
      assert.deepEqual([status.views_remaining, status.expired], [1, false], 'exactly one view was used');
      assert.deepEqual(recipients.problems, []);
      await page.close();
    });
  }
});

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { generateRequesterKeyPair } from '../../src/crypto/requests/request-answer-format.js';
import type { Database } from '../../src/storage/open-database.js';
import { LANGUAGES } from '../../src/web/i18n/languages.js';
import { assertAccessible, launchBrowser, screenshot, downloadingContext, type WatchedContext } from '../support/browser.js';
import { databaseBytes, inspectDatabase } from '../support/database-inspector.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const PASSWORD = 'a long requester password';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Every file the server could have written: the database, its WAL, the data directory. */
function dataDirectoryFiles(database: TestDatabase): Buffer[] {
  return readdirSync(database.directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name)));
}

interface Created {
  readonly token: string;
  readonly link: string;
  readonly requesterKey: string;
  readonly keyLink: string;
}

describe('requests in a real browser', () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let inspector: Database;
  const watched: WatchedContext[] = [];
  let requester: Page;

  before(async () => {
    database = await createTestDatabase('sqlite');
    server = await startTestServer(database);
    browser = await launchBrowser();
    inspector = inspectDatabase(database);
  });
  after(async () => {
    await browser?.close();
    await inspector?.close();
    await server?.stop();
    await database?.drop();
  });

  async function fresh(options = {}): Promise<Page> {
    const context = await downloadingContext(browser, options);
    watched.push(context);
    return context.newPage();
  }

  async function signUp(page: Page, email: string): Promise<void> {
    await page.goto(`${server.url}/account/sign-up`);
    await page.fill('#field-email', email);
    await page.fill('#field-password', PASSWORD);
    await Promise.all([page.waitForURL(/\/dashboard$/), page.click('button[type="submit"]')]);
  }

  async function signIn(page: Page, email: string): Promise<void> {
    await page.goto(`${server.url}/account/sign-in`);
    await page.fill('#field-email', email);
    await page.fill('#field-password', PASSWORD);
    await Promise.all([page.waitForURL(/\/dashboard$/), page.click('button[type="submit"]')]);
  }

  async function createThroughPage(page: Page, fields: { name: string; requesterName?: string; instructions?: string; views?: string; passphrase?: string; files?: boolean }): Promise<Created> {
    await page.goto(`${server.url}/dashboard/requests/new`);
    await page.fill('#field-name', fields.name);
    if (fields.requesterName) await page.fill('#field-requester_name', fields.requesterName);
    if (fields.instructions) await page.fill('#field-instructions', fields.instructions);
    if (fields.views) await page.fill('#field-answer_expire_after_views', fields.views);
    if (fields.passphrase) await page.fill('#field-passphrase', fields.passphrase);
    if (fields.files) await page.check('#files_allowed');
    await page.click('form[data-request-form] button[type="submit"]');
    await page.waitForSelector('[data-request-created]:not([hidden])');
    const link = await page.inputValue('#request-link');
    const token = /\/req\/([A-Za-z0-9_-]{22})#/.exec(link)![1]!;
    return { token, link, requesterKey: await page.inputValue('#requester-key'), keyLink: await page.inputValue('#requester-key-link') };
  }

  async function answerThroughPage(page: Page, link: string, text: string, passphrase?: string): Promise<void> {
    await page.goto(link);
    await page.fill('#answer', text);
    if (passphrase) await page.fill('#answer-passphrase', passphrase);
    await page.click('form[data-answer-form] button[type="submit"]');
  }

  let first: Created;
  const secret = `the staging password ${Date.now()}`;

  it('a signed-in user makes a request, someone without an account answers it, the requester reads it from the dashboard, and the server never holds the plaintext', async () => {
    requester = await fresh();
    await signUp(requester, 'requester@example.com');
    await requester.click('nav.account-nav a[href="/dashboard/requests"]');
    await requester.waitForURL(/\/dashboard\/requests$/);
    await assertAccessible(requester, 'the empty request list');
    await requester.goto(`${server.url}/dashboard/requests/new`);
    await assertAccessible(requester, 'the new request form');
    first = await createThroughPage(requester, { name: 'staging db', requesterName: 'Dana from IT', instructions: 'The staging database password, please.', views: '2' });
    assert.match(first.link, new RegExp(`^${server.url}/req/[A-Za-z0-9_-]{22}#[A-Za-z0-9_-]{43}$`));
    assert.match(first.requesterKey, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(first.keyLink, `${server.url}/dashboard/requests/${first.token}#key=${first.requesterKey}`);
    assert.match((await requester.textContent('[data-request-created]')) ?? '', /nobody can ever read the answers/);
    await screenshot(requester, 'request-created');
    await assertAccessible(requester, 'the created request');
    const [download] = await Promise.all([requester.waitForEvent('download'), requester.click('[data-created-download]')]);
    const file = readFileSync((await download.path())!, 'utf8');
    assert.ok(file.includes(first.requesterKey) && file.includes(first.keyLink) && file.includes(first.link), 'the key file holds the key, the key link and the request link');

    const responder = await fresh();
    await responder.goto(first.link);
    assert.equal(await responder.textContent('h1'), 'Dana from IT asks you for a secret');
    assert.match((await responder.textContent('main')) ?? '', /The staging database password, please\./);
    assert.ok(!((await responder.content()).includes('requester@example.com')), 'nothing of the account');
    await screenshot(responder, 'request-answer');
    await assertAccessible(responder, 'the answer page');
    await answerThroughPage(responder, first.link, secret);
    await responder.waitForSelector('[data-answer-sent]:not([hidden])');
    assert.match((await responder.textContent('[data-answer-sent]')) ?? '', /encrypted in your browser\. Only the person who asked can read it/);
    await assertAccessible(responder, 'the sent confirmation');

    const bytes = Buffer.concat([await databaseBytes(database), ...dataDirectoryFiles(database)]);
    const logs = server.logs.join('');
    for (const leaked of [secret, first.requesterKey]) {
      assert.equal(bytes.indexOf(leaked), -1, `${leaked} reached the database or the data directory`);
      assert.ok(!logs.includes(leaked), `${leaked} reached the logs`);
    }
    const stored = await inspector.db.selectFrom('request_answers').select(['encryption']).execute();
    assert.deepEqual(stored.map((row) => row.encryption), ['client']);

    await requester.goto(`${server.url}/dashboard/requests/${first.token}`);
    await requester.waitForFunction(() => document.querySelector('[data-key-status]')?.textContent?.includes('holds the key'));
    assert.equal(await requester.isHidden('[data-key-mismatch]'), true, 'the shown link matches the key in this browser');
    assert.match((await requester.textContent('[data-answer-table]')) ?? '', /the responder's browser \(end to end\)/);
    await requester.click('[data-open-answer]');
    await requester.waitForSelector('.opened-answer pre');
    assert.equal(await requester.textContent('.opened-answer pre'), secret);
    assert.equal(await requester.textContent('[data-views-left]'), '1');
    assert.match((await requester.textContent('.opened-answer')) ?? '', /1 view left/);
    await screenshot(requester, 'request-answer-opened');
    await assertAccessible(requester, 'the request with its opened answer');
    await requester.goto(`${server.url}/dashboard/requests?status=closed`);
    assert.match((await requester.textContent('main')) ?? '', /staging db/);
    assert.deepEqual(watched.flatMap((context) => context.problems), []);
  });

  it('opens answers on another device only with the requester key, from the form or the key link', async () => {
    const other = await fresh();
    await signIn(other, 'requester@example.com');
    await other.goto(`${server.url}/dashboard/requests/${first.token}`);
    await other.waitForSelector('[data-key-form]:not([hidden])');
    assert.match((await other.textContent('[data-key-status]')) ?? '', /does not hold the key/);
    await assertAccessible(other, 'the request without its key');
    await other.click('[data-open-answer]');
    assert.match((await other.textContent('[data-open-error]')) ?? '', /cannot open the answer/);
    const wrong = await generateRequesterKeyPair();
    await other.fill('#add-requester-key', wrong.requesterKey);
    await other.click('[data-key-form] button[type="submit"]');
    await other.waitForSelector('[data-key-form] [data-form-error]:not([hidden])');
    assert.match((await other.textContent('[data-key-form] [data-form-error]')) ?? '', /not the requester key/);
    await other.fill('#add-requester-key', first.requesterKey);
    await other.click('[data-key-form] button[type="submit"]');
    await other.waitForFunction(() => document.querySelector('[data-key-status]')?.textContent?.includes('fits this request'));
    await other.click('[data-open-answer]');
    await other.waitForSelector('.opened-answer pre');
    assert.equal(await other.textContent('.opened-answer pre'), secret);
    assert.match((await other.textContent('.opened-answer')) ?? '', /That was the last view/);

    // The key is kept in that browser now.
    await other.reload();
    await other.waitForFunction(() => document.querySelector('[data-key-status]')?.textContent?.includes('holds the key'));

    const third = await fresh();
    await signIn(third, 'requester@example.com');
    await third.goto(first.keyLink);
    await third.waitForFunction(() => document.querySelector('[data-key-status]')?.textContent?.includes('fits this request'));
    assert.equal(new URL(third.url()).hash, '', 'the key is taken out of the address bar');
    assert.deepEqual(watched.flatMap((context) => context.problems), []);
  });

  it('takes files with an answer, sealed in the responder\'s browser; the requester decrypts and saves them, byte for byte', async () => {
    const created = await createThroughPage(requester, { name: 'with files', files: true });
    const tag = `${Date.now()}`;
    const report = { name: `report ${tag}.bin`, mimeType: 'application/octet-stream', buffer: randomBytes(200 * 1024 + 3) };
    const note = { name: `note ${tag}.txt`, mimeType: 'text/plain', buffer: Buffer.from(`the file secret ${tag}\n`) };

    const responder = await fresh();
    await responder.goto(created.link);
    await responder.fill('#answer', `files attached ${tag}`);
    await responder.setInputFiles('#answer-files', [report, note]);
    assert.equal(await responder.locator('[data-file-list] li').count(), 2);
    await assertAccessible(responder, 'the answer page with files chosen');
    await responder.click('form[data-answer-form] button[type="submit"]');
    await responder.waitForSelector('[data-answer-sent]:not([hidden])');

    const bytes = Buffer.concat([await databaseBytes(database), ...dataDirectoryFiles(database)]);
    for (const leaked of [report.name, note.name, `the file secret ${tag}`, `files attached ${tag}`]) assert.equal(bytes.indexOf(leaked), -1, `${leaked} reached the server's storage`);
    assert.equal(bytes.indexOf(report.buffer.subarray(0, 64)), -1, 'the file reached the server in the clear');

    await requester.goto(`${server.url}/dashboard/requests/${created.token}`);
    await requester.waitForFunction(() => document.querySelector('[data-key-status]')?.textContent?.includes('holds the key'));
    await requester.click('[data-open-answer]');
    await requester.waitForSelector('.opened-answer .answer-files button[data-download-position="1"]');
    assert.equal(await requester.textContent('.opened-answer pre'), `files attached ${tag}`);
    assert.match((await requester.textContent('.answer-files')) ?? '', new RegExp(`${report.name}[\\s\\S]*${note.name}`));
    await assertAccessible(requester, 'the opened answer with files');
    for (const [position, file] of [report, note].entries()) {
      const [download] = await Promise.all([requester.waitForEvent('download'), requester.click(`.answer-files button[data-download-position="${position}"]`)]);
      assert.equal(download.suggestedFilename(), file.name);
      assert.match(download.url(), /\/assets\/download-stream\//, 'streamed to disk through the download worker, not collected in the page');
      assert.equal(sha256(readFileSync((await download.path())!)), sha256(file.buffer), `${file.name} arrived intact`);
    }
    assert.deepEqual(watched.flatMap((context) => context.problems), []);
  });

  it("refuses to encrypt to a key the server swapped, or when the link's fingerprint is missing, and warns the requester", async () => {
    const created = await createThroughPage(requester, { name: 'swapped' });
    const impostor = await generateRequesterKeyPair();
    await inspector.db.updateTable('requests').set({ public_key: impostor.publicKey }).where('url_token', '=', created.token).execute();

    const responder = await fresh();
    const posted: string[] = [];
    responder.on('request', (request) => {
      if (request.method() === 'POST') posted.push(request.url());
    });
    await answerThroughPage(responder, created.link, 'must not be sent');
    await responder.waitForSelector('[data-answer-form] [data-form-error]:not([hidden])');
    assert.match((await responder.textContent('[data-form-error]')) ?? '', /does not match the link/);
    // A cut link, opened where the page was never seen with its fragment.
    const cut = await fresh();
    cut.on('request', (request) => {
      if (request.method() === 'POST') posted.push(request.url());
    });
    await cut.goto(created.link.split('#')[0]!);
    assert.match((await cut.textContent('[data-form-error]')) ?? '', /This link is incomplete/, 'said before anything is typed');
    await answerThroughPage(cut, created.link.split('#')[0]!, 'must not be sent either');
    await cut.waitForSelector('[data-answer-form] [data-form-error]:not([hidden])');
    assert.match((await cut.textContent('[data-form-error]')) ?? '', /This link is incomplete/);
    assert.deepEqual(posted, [], 'nothing was sent');
    assert.equal((await inspector.db.selectFrom('request_answers').innerJoin('requests', 'requests.id', 'request_answers.request_id').select('request_answers.id').where('url_token', '=', created.token).execute()).length, 0);

    await requester.goto(`${server.url}/dashboard/requests/${created.token}`);
    await requester.waitForSelector('[data-key-mismatch]:not([hidden])');
    assert.match((await requester.textContent('[data-key-mismatch]')) ?? '', /does not match the key in this browser/);
  });

  it('takes an answer from a browser without JavaScript through the server, and says so to both sides', async () => {
    const created = await createThroughPage(requester, { name: 'no script', passphrase: 'told by phone' });
    const plain = await fresh({ javaScriptEnabled: false });
    await plain.goto(created.link);
    assert.match((await plain.textContent('main')) ?? '', /Without JavaScript, your answer goes to the server/);
    await plain.fill('#answer', 'sent without a script');
    await plain.fill('#answer-passphrase', 'told by phone');
    await Promise.all([plain.waitForLoadState(), plain.click('button[type="submit"]')]);
    assert.match((await plain.textContent('main')) ?? '', /The server encrypted your answer/);

    await requester.goto(`${server.url}/dashboard/requests/${created.token}`);
    await requester.waitForFunction(() => document.querySelector('[data-key-status]')?.textContent?.includes('holds the key'));
    assert.match((await requester.textContent('[data-answer-table]')) ?? '', /the server \(the responder had no JavaScript\)/);
    await requester.click('[data-open-answer]');
    await requester.waitForSelector('.opened-answer pre');
    assert.equal(await requester.textContent('.opened-answer pre'), 'sent without a script');
  });

  it("opens the committed request vectors with Chromium's own WebCrypto and seals them again byte for byte", async () => {
    const page = await fresh();
    await page.goto(server.url);
    interface Vector {
      requestToken: string;
      answerId: string;
      kind: string;
      plaintext: string;
      publicKey: string;
      requesterKey: string;
      fingerprint: string;
      ephemeralPublicKey: string;
      ephemeralPrivateKey: string;
      iv: string;
      ciphertext: string;
      ivBytes: number[];
    }
    const vectors = (JSON.parse(readFileSync('docs/requests-test-vectors.json', 'utf8')) as Vector[]).map((vector) => ({ ...vector, ivBytes: [...Buffer.from(vector.iv, 'base64url')] }));
    const results = await page.evaluate(async (list) => {
      const url = [...document.querySelectorAll('script[src]')].map((script) => script.getAttribute('src')!).find((src) => src.includes('common.js'))!.replace('common.js', 'request-answer-format.js');
      const format = (await import(url)) as {
        importRequesterKey: (key: string, publicKey: string) => Promise<CryptoKey>;
        openAnswerText: (ciphertext: string, options: object) => Promise<string>;
        sealAnswer: (plaintext: string, options: object) => Promise<string>;
        keyFingerprint: (publicKey: string) => Promise<string>;
      };
      return Promise.all(
        list.map(async (vector) => {
          const binding = { requestToken: vector.requestToken, answerId: vector.answerId, kind: vector.kind };
          const privateKey = await format.importRequesterKey(vector.requesterKey, vector.publicKey);
          return {
            plaintext: await format.openAnswerText(vector.ciphertext, { ...binding, privateKey, publicKey: vector.publicKey }),
            fingerprint: await format.keyFingerprint(vector.publicKey),
            ciphertext: await format.sealAnswer(vector.plaintext, {
              ...binding,
              publicKey: vector.publicKey,
              ephemeral: { requesterKey: vector.ephemeralPrivateKey, publicKey: vector.ephemeralPublicKey },
              iv: new Uint8Array(vector.ivBytes),
            }),
          };
        }),
      );
    }, vectors);
    assert.deepEqual(results, vectors.map((vector) => ({ plaintext: vector.plaintext, fingerprint: vector.fingerprint, ciphertext: vector.ciphertext })));
  });

  let polyglot: Created | undefined;
  for (const { code, dir: direction } of LANGUAGES) {
    it(`asks for a secret in ${code}`, async () => {
      polyglot ??= await createThroughPage(requester, { name: 'in every language', requesterName: 'Dana', instructions: 'Line one\nline two' });
      const page = await fresh();
      await page.goto(`${polyglot.link.split('#')[0]}?locale=${code}#${polyglot.link.split('#')[1]}`);
      assert.equal(await page.getAttribute('html', 'lang'), code);
      assert.equal(await page.getAttribute('html', 'dir'), direction);
      assert.ok(((await page.textContent('h1')) ?? '').includes('Dana'));
      await assertAccessible(page, `the answer page in ${code}`);
      if (code === 'ar') await screenshot(page, 'request-answer-ar');
      await requester.goto(`${server.url}/dashboard/requests/new?locale=${code}`);
      await assertAccessible(requester, `the new request form in ${code}`);
      if (code === 'ar' || code === 'ja') await screenshot(requester, `request-new-${code}`);
    });
  }
});

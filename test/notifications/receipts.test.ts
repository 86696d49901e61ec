import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { accountWithToken } from '../support/account-tokens.js';
import { describeEachDatabase } from '../support/each-database.js';
import { json } from '../support/push-helpers.js';
import { startMailSink, type MailSink } from '../support/mail-sink.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { signIn, WebClient } from '../support/web-client.js';

/** Reloads a page until `predicate` holds for its HTML (receipts are dispatched in the background). */
async function pageUntil(client: WebClient, path: string, predicate: (body: string) => boolean): Promise<string> {
  for (;;) {
    const body = await (await client.get(path)).text();
    if (predicate(body)) return body;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const badge = (page: string) => /href="\/account\/inbox"[^>]*>[\s\S]*?<span class="badge badge-count">(\d+)</.exec(page)?.[1];

describeEachDatabase('receipts for senders: account defaults, per push, inbox with an unread badge, email', (fixture) => {
  let server: TestServer;
  let sink: MailSink;
  let token: string;
  let browser: WebClient;
  before(async () => {
    token = await accountWithToken(fixture.database, 'sender@example.com');
    sink = await startMailSink();
    server = await startTestServer(fixture.database, { env: { PASSDROP_BASE_URL: 'http://passdrop.test', PASSDROP_SMTP_URL: sink.smtpUrl, PASSDROP_NOTIFICATION_POLL_MS: '50' } });
    browser = new WebClient(server);
    assert.equal((await signIn(browser, 'sender@example.com', 'a long enough password')).status, 303);
  });
  after(async () => {
    await server?.stop();
    await sink?.close();
  });

  const createPush = async (fields: Record<string, unknown>) =>
    json<{ token: string }>(
      await server.fetch('/api/passdrop/v1/pushes', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ payload: 'secret text', retrieval_step: false, ...fields }) }),
    );

  it('tells the sender by inbox and email as the account defaults say, with an unread badge until read', async () => {
    const settings = await (await browser.get('/account/notifications')).text();
    assert.doesNotMatch(settings, /name="events" value="push\.revealed" checked/, 'no receipts until chosen');
    assert.equal((await browser.post('/account/notifications', { events: 'push.revealed', on_dashboard: '1', by_email: '1' }, { withCsrf: false })).status, 403, 'CSRF-protected');
    await browser.get('/account/notifications');
    const saved = await browser.post('/account/notifications', { events: 'push.revealed', on_dashboard: '1', by_email: '1' });
    assert.equal(saved.status, 303);
    assert.match(await (await browser.get('/account/notifications')).text(), /name="events" value="push\.revealed" checked/);

    const push = await createPush({ name: 'wifi password' });
    assert.equal((await server.fetch(`/p/${push.token}.json`)).status, 200);
    const inbox = await pageUntil(browser, '/account/inbox', (page) => page.includes('wifi password'));
    assert.match(inbox, /Revealed/);
    assert.equal(badge(inbox), '1', 'the navigation shows one unread receipt');
    await sink.until((mails) => mails.some((mail) => mail.to.includes('sender@example.com')));
    const mail = sink.mails.find((received) => received.to.includes('sender@example.com'))!;
    assert.match(mail.text, /Subject: .*Revealed,_your_push/, 'the subject in English by default');
    assert.match(mail.text, /Revealed: “wifi password”/);
    assert.ok(!mail.raw.includes('secret text'), 'never the payload');

    const read = await browser.post('/account/inbox/read', {});
    assert.equal(read.status, 303);
    assert.equal(badge(await (await browser.get('/dashboard')).text()), undefined, 'no badge once read');
  });

  it("uses a push's own choice instead of the defaults", async () => {
    const push = await createPush({ name: 'door code', passphrase: 'open sesame', expire_after_views: 2 });
    const page = await (await browser.get(`/dashboard/pushes/${push.token}`)).text();
    assert.match(page, /id="receipts-default" name="mode" value="default" checked/);
    const chosen = await browser.post(`/dashboard/pushes/${push.token}/receipts`, { mode: 'own', events: 'push.failed_passphrase', on_dashboard: '1' });
    assert.equal(chosen.status, 303);
    assert.match(await (await browser.get(`/dashboard/pushes/${push.token}`)).text(), /id="receipts-own" name="mode" value="own" checked/);

    // Revealed first, then a wrong passphrase: events are dispatched in order, so once the second is in
    // the inbox the first has been dispatched too, and (not chosen for this push) left no receipt.
    assert.equal((await server.fetch(`/p/${push.token}.json?passphrase=open%20sesame`)).status, 200);
    assert.equal((await server.fetch(`/p/${push.token}.json?passphrase=wrong`)).status, 401);
    const inbox = await pageUntil(browser, '/account/inbox', (html) => html.includes('Wrong passphrase'));
    const rows = inbox.split('<tr').filter((row) => row.includes('door code'));
    assert.equal(rows.length, 1, 'only the chosen event');
    assert.match(rows[0]!, /Wrong passphrase/);

    const unknown = await browser.post(`/dashboard/pushes/${push.token}/receipts`, { mode: 'own', events: 'webhook.test' });
    assert.equal(unknown.status, 422);
    await browser.get(`/dashboard/pushes/${push.token}`);
    assert.equal((await browser.post(`/dashboard/pushes/${push.token}/receipts`, { mode: 'default' })).status, 303);
    assert.match(await (await browser.get(`/dashboard/pushes/${push.token}`)).text(), /id="receipts-default" name="mode" value="default" checked/);
  });

  it('offers the same choices and the inbox through the Passdrop API', async () => {
    const api = (path: string, method = 'GET', body?: unknown) =>
      server.fetch(`/api/passdrop/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    assert.deepEqual(await json(await api('/account/receipts')), { events: ['push.revealed'], by_email: true, on_dashboard: true }, 'what the settings page saved');
    const changed = await api('/account/receipts', 'PUT', { events: ['push.opened', 'request.answered'], by_email: false, on_dashboard: true });
    assert.equal(changed.status, 200);
    assert.equal((await api('/account/receipts', 'PUT', { events: ['webhook.test'], by_email: false, on_dashboard: true })).status, 422);

    const push = await createPush({ name: 'api push' });
    assert.deepEqual(await json(await api(`/pushes/${push.token}/receipts`)), { source: 'account', events: ['push.opened', 'request.answered'], by_email: false, on_dashboard: true });
    assert.equal((await api(`/pushes/${push.token}/receipts`, 'PUT', { events: ['push.locked'], by_email: true, on_dashboard: false })).status, 200);
    assert.deepEqual(await json(await api(`/pushes/${push.token}/receipts`)), { source: 'push', events: ['push.locked'], by_email: true, on_dashboard: false });
    assert.equal((await api(`/pushes/${push.token}/receipts`, 'DELETE')).status, 204);
    assert.equal((await json<{ source: string }>(await api(`/pushes/${push.token}/receipts`))).source, 'account');
    const stranger = await accountWithToken(fixture.database, 'stranger@example.com');
    assert.equal((await server.fetch(`/api/passdrop/v1/pushes/${push.token}/receipts`, { headers: { authorization: `Bearer ${stranger}` } })).status, 404);

    const inbox = await json<{ unread: number; receipts: { type: string; name: string; read: boolean }[] }>(await api('/account/inbox'));
    assert.ok(inbox.unread >= 1);
    assert.ok(inbox.receipts.some((entry) => entry.name === 'door code' && entry.type === 'push.failed_passphrase' && !entry.read));
    assert.equal((await json<{ marked: number }>(await api('/account/inbox/read', 'POST'))).marked, inbox.unread);
    assert.equal((await json<{ unread: number }>(await api('/account/inbox'))).unread, 0);
  });

  it('writes receipt emails in the language the account chose on its receipts page', async () => {
    const germanToken = await accountWithToken(fixture.database, 'german@example.com');
    const german = new WebClient(server);
    assert.equal((await signIn(german, 'german@example.com', 'a long enough password')).status, 303);
    const page = await (await german.get('/account/notifications?locale=de')).text();
    assert.match(page, /<select id="field-locale" name="locale">[\s\S]*value="de" lang="de" selected/, 'the page language is offered first');
    assert.equal((await german.post('/account/notifications', { events: 'push.revealed', by_email: '1', locale: 'xx' })).status, 422, 'only languages offered');
    await german.get('/account/notifications');
    assert.equal((await german.post('/account/notifications', { events: 'push.revealed', by_email: '1', locale: 'de' })).status, 303);
    assert.match(await (await german.get('/account/notifications?locale=en')).text(), /value="de" lang="de" selected/, 'the choice is kept');

    const created = await server.fetch('/api/passdrop/v1/pushes', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${germanToken}` },
      body: JSON.stringify({ payload: 'geheim', retrieval_step: false, name: 'Tür' }),
    });
    const push = await json<{ token: string }>(created);
    assert.equal((await server.fetch(`/p/${push.token}.json`)).status, 200);
    await sink.until((mails) => mails.some((mail) => mail.to.includes('german@example.com')));
    const mail = sink.mails.find((received) => received.to.includes('german@example.com'))!;
    assert.match(mail.text, /Angezeigt: “Tür”/, 'the event in German');
    assert.match(mail.text, /Sie haben diese Benachrichtigung/);
    assert.doesNotMatch(mail.text, /You asked for this receipt/);
  });
});

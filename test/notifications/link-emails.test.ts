import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { accountWithToken } from '../support/account-tokens.js';
import { inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { json } from '../support/push-helpers.js';
import { startMailSink, type MailSink, type ReceivedMail } from '../support/mail-sink.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { signIn, WebClient } from '../support/web-client.js';

const BASE_URL = 'http://passdrop.test';

const bearer = (token: string | undefined, body?: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

async function createV2Push(server: TestServer, token: string | undefined, fields: Record<string, unknown>): Promise<Response> {
  return server.fetch('/api/v2/pushes', bearer(token, { push: { payload: 'the launch codes', ...fields } }));
}

const mailsTo = (sink: MailSink, address: string) => sink.mails.filter((mail) => mail.to.includes(address));

describeEachDatabase("emailing a push's link (Password Pusher's notify_emails)", (fixture) => {
  let server: TestServer;
  let sink: MailSink;
  let owner: string;
  let other: string;
  let busy: string;
  let daily: string;
  let webby: string;
  before(async () => {
    webby = await accountWithToken(fixture.database, 'webby@example.com');
    daily = await accountWithToken(fixture.database, 'daily@example.com');
    owner = await accountWithToken(fixture.database, 'owner@example.com');
    other = await accountWithToken(fixture.database, 'other@example.com');
    busy = await accountWithToken(fixture.database, 'busy@example.com');
    sink = await startMailSink();
    server = await startTestServer(fixture.database, {
      env: { PASSDROP_BASE_URL: BASE_URL, PASSDROP_SMTP_URL: sink.smtpUrl, PASSDROP_NOTIFICATION_POLL_MS: '50', PASSDROP_LINK_EMAILS_DAILY_LIMIT: '12' },
    });
  });
  after(async () => {
    await server?.stop();
    await sink?.close();
  });

  it('emails the link at creation, in the chosen language, one mail per recipient, never the payload or the name', async () => {
    const created = await createV2Push(server, owner, { name: 'private label', notify_emails_to: 'ann@example.com, bob@example.com ,', notify_emails_to_locale: 'fr' });
    assert.equal(created.status, 201);
    const push = await json<{ url_token: string; notify_emails_to: string; notify_emails_to_locale: string; html_url: string }>(created);
    assert.equal(push.notify_emails_to_locale, 'fr');
    assert.ok(push.notify_emails_to.includes('ann@example.com'));
    await sink.until((mails) => mails.length >= 2);
    for (const address of ['ann@example.com', 'bob@example.com']) {
      const [mail] = mailsTo(sink, address);
      assert.ok(mail, `a mail to ${address}`);
      assert.ok(mail.text.includes(`${BASE_URL}/p/${push.url_token}`), 'the link, built from PASSDROP_BASE_URL');
      assert.match(mail.text, /Ouvrez-le avec ce lien/, 'in French');
      assert.match(mail.text, /owner@example\.com/, 'names the sender');
      assert.ok(!mail.raw.includes('launch codes') && !mail.text.includes('private label'), 'never the payload or the private name');
    }
    const db = inspectDatabase(fixture.database);
    try {
      const rows = await db.db.selectFrom('notification_deliveries').select(['channel', 'status']).where('channel', '=', 'link_email').execute();
      assert.equal(rows.length, 2, 'one outbox delivery per recipient');
      const stored = await db.db.selectFrom('push_link_emails').select(['recipients_envelope']).execute();
      assert.ok(stored.every((row) => !Buffer.from(row.recipients_envelope).includes('ann@example.com')), 'recipients are sealed at rest');
    } finally {
      await db.close();
    }
  });

  it('answers POST /api/v2/pushes/:token/notify_emails and /p/:token/notify_emails.json as Password Pusher does (201/401/403/404/422)', async () => {
    const { url_token: token } = await json<{ url_token: string }>(await createV2Push(server, owner, {}));
    const notify = (path: string, who: string | undefined, body: unknown) => server.fetch(path, bearer(who, body));
    const v2 = `/api/v2/pushes/${token}/notify_emails`;

    const queued = await notify(v2, owner, { notify_emails_to: 'cy@example.com', notify_emails_to_locale: 'en' });
    assert.equal(queued.status, 201);
    assert.deepEqual(await queued.json(), { message: 'Recipient(s) are added to the queue to be sent.' });
    await sink.until(() => mailsTo(sink, 'cy@example.com').length === 1);
    assert.match(mailsTo(sink, 'cy@example.com')[0]!.text, /Open it with this link/);

    assert.equal((await notify(v2, undefined, { notify_emails_to: 'x@example.com' })).status, 401);
    const notYours = await notify(v2, other, { notify_emails_to: 'x@example.com' });
    assert.equal(notYours.status, 403);
    assert.deepEqual(await notYours.json(), { error: "That push doesn't belong to you." });
    assert.equal((await notify(`/api/v2/pushes/${'x'.repeat(token.length)}/notify_emails`, owner, { notify_emails_to: 'x@example.com' })).status, 404);

    const invalid = await notify(v2, owner, { notify_emails_to: 'not-an-address' });
    assert.equal(invalid.status, 422);
    assert.ok(Array.isArray((await json<Record<string, string[]>>(invalid)).notify_emails_to));
    const badLocale = await notify(v2, owner, { notify_emails_to: 'x@example.com', notify_emails_to_locale: 'xx' });
    assert.ok(Array.isArray((await json<Record<string, string[]>>(badLocale)).notify_emails_to_locale));

    // Five recipients per push over all requests: one went already.
    const tooMany = await notify(`/p/${token}/notify_emails.json`, owner, { notify_emails_to: 'a1@example.com,a2@example.com,a3@example.com,a4@example.com,a5@example.com' });
    assert.equal(tooMany.status, 422);
    assert.match((await json<Record<string, string[]>>(tooMany)).notify_emails_to?.[0] ?? '', /4 more/);
    const v1 = await notify(`/p/${token}/notify_emails.json`, owner, { notify_emails_to: 'a1@example.com,a2@example.com,a3@example.com,a4@example.com' });
    assert.equal(v1.status, 201);
    await sink.until(() => mailsTo(sink, 'a4@example.com').length === 1);
  });

  it('refuses anonymous senders at creation, more than 5 requests a minute (429) and the daily limit', async () => {
    const anonymous = await createV2Push(server, undefined, { notify_emails_to: 'ann@example.com' });
    assert.equal(anonymous.status, 422);
    assert.deepEqual(await anonymous.json(), { notify_emails_to: ['are not allowed for unknown users'] });

    const { url_token: token } = await json<{ url_token: string }>(await createV2Push(server, busy, {}));
    const path = `/api/v2/pushes/${token}/notify_emails`;
    for (let request = 0; request < 5; request++) {
      const refused = await server.fetch(path, bearer(busy, { notify_emails_to: 'nobody' }));
      assert.equal(refused.status, 422, `${request}: ${await refused.text()}`);
    }
    const limited = await server.fetch(path, bearer(busy, { notify_emails_to: 'z@example.com' }));
    assert.equal(limited.status, 429);
    assert.deepEqual(await limited.json(), { error: 'Too many email notification requests. Please try again in a minute.' });

    // Ten of twelve today; three more would pass the daily limit.
    const five = 'd1@example.com,d2@example.com,d3@example.com,d4@example.com,d5@example.com';
    for (const fields of [{ notify_emails_to: five }, { notify_emails_to: five }]) assert.equal((await createV2Push(server, daily, fields)).status, 201);
    const { url_token: third } = await json<{ url_token: string }>(await createV2Push(server, daily, {}));
    const refused = await server.fetch(`/api/v2/pushes/${third}/notify_emails`, bearer(daily, { notify_emails_to: 'e1@example.com,e2@example.com,e3@example.com' }));
    assert.equal(refused.status, 422);
    assert.match((await json<Record<string, string[]>>(refused)).notify_emails_to?.[0] ?? '', /daily limit of 12/);
  });

  it('emails an end-to-end push only with its whole link and an explicit acknowledgement (Passdrop API)', async () => {
    const ciphertext = randomBytes(80);
    ciphertext.fill(0, 0, 6);
    ciphertext[0] = 1;
    const created = await server.fetch('/api/passdrop/v1/pushes', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${other}` },
      body: JSON.stringify({ payload: ciphertext.toString('base64url'), encryption: 'client' }),
    });
    assert.equal(created.status, 201);
    const { token } = await json<{ token: string }>(created);
    const path = `/api/passdrop/v1/pushes/${token}/notify_emails`;
    const send = (body: unknown) => server.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${other}` }, body: JSON.stringify(body) });

    const withoutLink = await send({ recipients: ['eve@example.com'] });
    assert.equal(withoutLink.status, 422);
    assert.deepEqual((await json<{ details: { field: string; code: string }[] }>(withoutLink)).details.map((detail) => `${detail.field}:${detail.code}`), ['link:end_to_end_link_required']);
    const link = `${BASE_URL}/p/${token}#k=${randomBytes(32).toString('base64url')}`;
    const unacknowledged = await send({ recipients: ['eve@example.com'], link });
    assert.deepEqual((await json<{ details: { field: string }[] }>(unacknowledged)).details.map((detail) => detail.field), ['acknowledge_link_exposure']);
    const otherPush = await send({ recipients: ['eve@example.com'], link: `${BASE_URL}/p/${'y'.repeat(token.length)}#k=abc`, acknowledge_link_exposure: true });
    assert.deepEqual((await json<{ details: { code: string }[] }>(otherPush)).details.map((detail) => detail.code), ['not_this_push']);

    const accepted = await send({ recipients: ['eve@example.com'], link, acknowledge_link_exposure: true });
    assert.equal(accepted.status, 202);
    assert.deepEqual(await accepted.json(), { recipients: 1 });
    await sink.until(() => mailsTo(sink, 'eve@example.com').length === 1);
    const mail: ReceivedMail = mailsTo(sink, 'eve@example.com')[0]!;
    assert.ok(mail.text.includes(link), 'the whole link, key included');
    const db = inspectDatabase(fixture.database);
    try {
      const rows = await db.db.selectFrom('push_link_emails').select(['link_envelope']).where('link_envelope', 'is not', null).execute();
      assert.equal(rows.length, 1);
      assert.ok(!Buffer.from(rows[0]!.link_envelope!).includes(link.split('#')[1]!), 'the key is sealed at rest');
    } finally {
      await db.close();
    }
    const forbidden = await server.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}` }, body: JSON.stringify({ recipients: ['eve@example.com'] }) });
    assert.equal(forbidden.status, 403);
    assert.equal((await json<{ code: string }>(forbidden)).code, 'NOT_PUSH_OWNER');
  });

  it("emails the link from the push's page (CSRF-checked form), and is honest about end-to-end pushes", async () => {
    const { url_token: token } = await json<{ url_token: string }>(await createV2Push(server, webby, {}));
    const browser = new WebClient(server);
    assert.equal((await signIn(browser, 'webby@example.com', 'a long enough password')).status, 303);
    const page = await (await browser.get(`/dashboard/pushes/${token}`)).text();
    assert.match(page, new RegExp(`action="/p/${token}/notify_emails"`));
    assert.equal((await browser.post(`/p/${token}/notify_emails`, { notify_emails_to: 'web@example.com' }, { withCsrf: false })).status, 403);
    await browser.get(`/dashboard/pushes/${token}`);
    const sent = await browser.post(`/p/${token}/notify_emails`, { notify_emails_to: 'web@example.com', notify_emails_to_locale: 'de' });
    assert.equal(sent.status, 303);
    assert.equal(sent.headers.get('location'), `/dashboard/pushes/${token}`);
    // The notice is a one-time flash the server sets for that page; a crafted ?emailed= shows nothing.
    assert.match((await (await browser.get(`/dashboard/pushes/${token}`)).text()), /Emails queued: 1/);
    assert.doesNotMatch((await (await browser.get(`/dashboard/pushes/${token}`)).text()), /Emails queued/, 'shown once');
    assert.doesNotMatch((await (await browser.get(`/dashboard/pushes/${token}?emailed=5`)).text()), /Emails queued/, 'a crafted URL shows nothing');
    await sink.until(() => mailsTo(sink, 'web@example.com').length === 1);
    assert.match(mailsTo(sink, 'web@example.com')[0]!.text, /Öffnen Sie es mit diesem Link/);

    const ciphertext = randomBytes(80);
    ciphertext.fill(0, 0, 6);
    ciphertext[0] = 1;
    const e2e = await json<{ token: string }>(
      await server.fetch('/api/passdrop/v1/pushes', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${webby}` }, body: JSON.stringify({ payload: ciphertext.toString('base64url'), encryption: 'client' }) }),
    );
    const e2ePage = await (await browser.get(`/dashboard/pushes/${e2e.token}`)).text();
    assert.match(e2ePage, /the server does not have its key/);
    assert.match(e2ePage, /name="acknowledge_link_exposure"/);
    const link = `${BASE_URL}/p/${e2e.token}#k=${randomBytes(32).toString('base64url')}`;
    const unticked = await browser.post(`/p/${e2e.token}/notify_emails`, { notify_emails_to: 'web2@example.com', link });
    assert.equal(unticked.status, 422);
    assert.match(await unticked.text(), /Tick the box to confirm that the email will carry the key/);
    await browser.get(`/dashboard/pushes/${e2e.token}`);
    const ticked = await browser.post(`/p/${e2e.token}/notify_emails`, { notify_emails_to: 'web2@example.com', link, acknowledge_link_exposure: '1' });
    assert.equal(ticked.status, 303);
    await sink.until(() => mailsTo(sink, 'web2@example.com').length === 1);
    assert.ok(mailsTo(sink, 'web2@example.com')[0]!.text.includes(link));
  });
});

describeEachDatabase('without SMTP no link is emailed', (fixture) => {
  let server: TestServer;
  let owner: string;
  before(async () => {
    owner = await accountWithToken(fixture.database, 'owner@example.com');
    server = await startTestServer(fixture.database);
  });
  after(() => server?.stop());

  it("answers Password Pusher's 'not available' and 404, and says so in version features", async () => {
    const created = await createV2Push(server, owner, { notify_emails_to: 'ann@example.com' });
    assert.equal(created.status, 422);
    assert.deepEqual(await created.json(), { notify_emails_to: ['are not available'], notify_emails_to_locale: ['is not available'] });
    const { url_token: token } = await json<{ url_token: string }>(await createV2Push(server, owner, {}));
    assert.equal((await server.fetch(`/api/v2/pushes/${token}/notify_emails`, bearer(owner, { notify_emails_to: 'ann@example.com' }))).status, 404);
    const api = await server.fetch(`/api/passdrop/v1/pushes/${token}/notify_emails`, bearer(owner, { recipients: ['ann@example.com'] }));
    assert.equal((await json<{ code: string }>(api)).code, 'LINK_EMAILS_UNAVAILABLE');
    const version = await json<{ features: { pushes: { email_auto_dispatch: boolean } } }>(await server.fetch('/api/v2/version'));
    assert.equal(version.features.pushes.email_auto_dispatch, false);
  });
});

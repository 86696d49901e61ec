import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { accountWithToken } from '../support/account-tokens.js';
import { describeEachDatabase } from '../support/each-database.js';
import { createPasswordPusherPush, createPush, json } from '../support/push-helpers.js';
import { startMailSink, type MailSink } from '../support/mail-sink.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const BASE_URL = 'http://passdrop.test';

const form = (fields: Record<string, string>, cookie?: string): RequestInit => ({
  method: 'POST',
  body: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...(cookie ? { cookie } : {}) },
  redirect: 'manual',
});

const htmlLang = (page: string) => /<html[^>]* lang="([^"]+)"/.exec(page)?.[1];

describeEachDatabase("the recipient's language (Password Pusher's push_locale), carried by the link", (fixture) => {
  let server: TestServer;
  let sink: MailSink;
  let owner: string;
  before(async () => {
    owner = await accountWithToken(fixture.database, 'sender@example.com');
    sink = await startMailSink();
    server = await startTestServer(fixture.database, {
      env: { PASSDROP_BASE_URL: BASE_URL, PASSDROP_SMTP_URL: sink.smtpUrl, PASSDROP_NOTIFICATION_POLL_MS: '50' },
    });
  });
  after(async () => {
    await server?.stop();
    await sink?.close();
  });

  it('the create form takes it (folded), and the share page writes the link and the message in it while speaking the sender\'s language', async () => {
    const creator = await (await server.fetch('/', { headers: { cookie: 'passdrop_locale=de' } })).text();
    assert.match(creator, /<details class="records" data-recipient-language>/, 'folded until chosen');
    assert.match(creator, /<select id="push_locale" name="push_locale"[^>]*><option value="">/, 'first: the recipient\'s browser decides');
    assert.match(creator, /<option value="pt-BR" lang="pt-BR">Português \(Brasil\)<\/option>/);

    const created = await server.fetch('/p', form({ kind: 'text', payload: 'o segredo', expire_after_minutes: '60', expire_after_views: '2', retrieval_step: 'true', push_locale: 'pt-br' }, 'passdrop_locale=de'));
    assert.equal(created.status, 303);
    const location = created.headers.get('location') ?? '';
    assert.match(location, /^\/p\/[\w-]+\/preview\?push_locale=pt-BR$/);
    const token = /\/p\/([\w-]+)\/preview/.exec(location)![1]!;

    const share = await (await server.fetch(location, { headers: { cookie: 'passdrop_locale=de' } })).text();
    assert.equal(htmlLang(share), 'de', 'the sender still reads German');
    assert.match(share, new RegExp(`id="secret-link" type="text" readonly value="${BASE_URL}/p/${token}/r\\?locale=pt-BR"`));
    assert.match(share, /<textarea id="share-message"[^>]* lang="pt-BR" dir="ltr"[^>]*>Enviei um segredo para você\./, 'the message is in Portuguese');
    assert.match(share, new RegExp(`${BASE_URL}/p/${token}/r\\?locale=pt-BR\\n`), 'the message carries the link with its language');
    assert.match(share, /data-recipient-language="pt-BR">Português \(Brasil\)</);

    // The recipient's delivery page, whatever their browser says, and nothing revealed by opening it.
    const delivery = await server.fetch(`/p/${token}/r?locale=pt-BR`, { headers: { accept: 'text/html', 'accept-language': 'ja' } });
    assert.equal(delivery.status, 200);
    assert.equal(htmlLang(await delivery.text()), 'pt-BR');
    assert.equal((await json<{ views_remaining: number }>(await server.fetch(`/api/passdrop/v1/pushes/${token}`))).views_remaining, 2);
  });

  it('a share page without a chosen language leaves the link bare and the message in the sender\'s language', async () => {
    const created = await server.fetch('/p', form({ kind: 'text', payload: 'geheim', expire_after_minutes: '60', expire_after_views: '1', push_locale: '' }));
    const location = created.headers.get('location') ?? '';
    assert.match(location, /^\/p\/[\w-]+\/preview$/);
    const share = await (await server.fetch(`${location}?push_locale=xx`, { headers: { cookie: 'passdrop_locale=fr' } })).text();
    assert.doesNotMatch(share, /\?locale=/, 'an unknown language is no language');
    assert.match(share, /<textarea id="share-message"[^>]* lang="fr"/);
  });

  it("Passdrop's API takes push_locale and answers the link with ?locale=, refusing a language it does not speak", async () => {
    const push = await createPush(server, { payload: 'x', expire_after_minutes: 60, expire_after_views: 1, push_locale: 'en-gb' });
    assert.equal(push.url, `${BASE_URL}/p/${push.token}?locale=en-GB`);
    const shown = await json<{ url: string }>(await server.fetch(`/api/passdrop/v1/pushes/${push.token}`));
    assert.equal(shown.url, `${BASE_URL}/p/${push.token}`, 'not stored: only the creation answer has it');
    const refused = await server.fetch('/api/passdrop/v1/pushes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payload: 'x', expire_after_minutes: 60, push_locale: 'tlh' }),
    });
    assert.equal(refused.status, 422);
    assert.deepEqual((await json<{ details: Array<{ field: string; code: string }> }>(refused)).details.map((detail) => `${detail.field}:${detail.code}`), ['push_locale:not_allowed']);
  });

  it("Password Pusher's API puts it on html_url (json_url stays the API's), as pwpush's push_locale does", async () => {
    const push = await createPasswordPusherPush(server, { payload: 'x', expire_after_views: '1', push_locale: 'pt' });
    assert.equal(push.html_url, `${BASE_URL}/p/${String(push.url_token)}${push.retrieval_step === true ? '/r' : ''}?locale=pt-BR`);
    assert.equal(push.json_url, `${BASE_URL}/p/${String(push.url_token)}${push.retrieval_step === true ? '/r' : ''}.json`);
    const refused = await server.fetch('/p.json', { method: 'POST', body: new URLSearchParams({ 'password[payload]': 'x', 'password[push_locale]': 'xx-YY' }) });
    assert.equal(refused.status, 422);
    assert.deepEqual(await refused.json(), { push_locale: ['is not a supported language.'] });
  });

  it('emails the link in the recipient\'s language when the sender named one for the push and none for the emails', async () => {
    const created = await server.fetch('/api/v2/pushes', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}` },
      body: JSON.stringify({ push: { payload: 'the launch codes', notify_emails_to: 'ana@example.com', push_locale: 'de' } }),
    });
    assert.equal(created.status, 201);
    const push = await json<{ url_token: string; html_url: string; notify_emails_to_locale: string }>(created);
    assert.equal(push.notify_emails_to_locale, 'de');
    await sink.until((mails) => mails.some((mail) => mail.to.includes('ana@example.com')));
    const mail = sink.mails.find((candidate) => candidate.to.includes('ana@example.com'))!;
    assert.match(mail.text, /hat Ihnen =C3=BCber|hat Ihnen über/);
    assert.match(mail.text, new RegExp(`${BASE_URL}/p/${push.url_token}(/r)?\\?locale=de\\b`), mail.text);
    assert.doesNotMatch(mail.text, /\d{4}-\d\d-\d\dT/, 'the expiry is written as a German reader writes dates, not ISO');
  });
});

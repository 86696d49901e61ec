import assert from 'node:assert/strict';
import { createServer as createNetServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { describeEachDatabase } from '../support/each-database.js';
import { startMailSink, type MailSink, type ReceivedMail } from '../support/mail-sink.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { PASSWORD, signIn, signUp, WebClient } from '../support/web-client.js';

/** The first Passdrop link in a mail, with quoted-printable soft breaks undone. */
function linkIn(mail: ReceivedMail): string {
  const match = /https?:\/\/[^\s]+\/account\/[a-z-]+\?token=[A-Za-z0-9_-]+/.exec(mail.text);
  assert.ok(match, 'the mail carries a link');
  return match[0];
}

async function closedPort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describeEachDatabase('email confirmation and password reset over SMTP', (fixture) => {
  let sink: MailSink;
  let server: TestServer;
  before(async () => {
    sink = await startMailSink();
    server = await startTestServer(fixture.database, { env: { PASSDROP_BASE_URL: 'http://passdrop.test', PASSDROP_SMTP_URL: sink.smtpUrl, PASSDROP_MAIL_FROM: 'Passdrop <noreply@example.com>' } });
  });
  after(async () => {
    await server?.stop();
    await sink?.close();
  });

  it('confirms a new account by email before it can sign in; the link works once', async () => {
    const browser = new WebClient(server);
    const created = await signUp(browser, 'mail@example.com');
    assert.equal(created.status, 200);
    assert.match(browser.lastBody, /sent a confirmation link to mail@example.com/);
    const mail = sink.mails.find((received) => received.to.includes('mail@example.com'));
    assert.ok(mail);
    assert.match(mail.raw, /From: Passdrop <noreply@example.com>/);
    const early = new WebClient(server);
    assert.equal((await signIn(early, 'mail@example.com')).status, 403, 'not before confirming');
    assert.match(early.lastBody, /sent a new confirmation link to mail@example.com/);
    const resent = sink.mails.filter((received) => received.to.includes('mail@example.com'));
    assert.equal(resent.length, 2, 'signing in with the right password sends a fresh link');

    const link = new URL(linkIn(mail));
    const confirmed = await browser.get(link.pathname + link.search);
    assert.equal(confirmed.status, 303);
    assert.equal((await browser.get(link.pathname + link.search)).status, 404, 'a used link is dead');
    assert.equal((await signIn(new WebClient(server), 'mail@example.com')).status, 303);
    assert.ok(!server.logs.join('').includes(link.searchParams.get('token')!), 'the token never reaches the log');
  });

  it('resets a forgotten password with a single-use link, and says the same for unknown addresses', async () => {
    const owner = new WebClient(server);
    await signUp(owner, 'forgetful@example.com');
    await owner.get(new URL(linkIn(sink.mails.at(-1)!)).pathname + new URL(linkIn(sink.mails.at(-1)!)).search);
    const before = sink.mails.length;

    const browser = new WebClient(server);
    const unknown = await browser.submit('/account/forgot-password', '/account/forgot-password', { email: 'nobody@example.com' });
    assert.equal(unknown.status, 200);
    const unknownMessage = /role="status"><p>(.*?)<\/p>/.exec(browser.lastBody)![1]!.replace('nobody@example.com', 'X');
    const known = await browser.submit('/account/forgot-password', '/account/forgot-password', { email: 'forgetful@example.com' });
    assert.equal(known.status, 200);
    assert.equal(/role="status"><p>(.*?)<\/p>/.exec(browser.lastBody)![1]!.replace('forgetful@example.com', 'X'), unknownMessage);
    assert.equal(sink.mails.length, before + 1, 'only the real account got a mail');

    const link = new URL(linkIn(sink.mails.at(-1)!));
    assert.equal((await browser.get(link.pathname + link.search)).status, 200);
    const token = link.searchParams.get('token')!;
    assert.equal((await browser.post('/account/reset-password', { token, password: 'short' })).status, 422, 'a bad password keeps the link usable');
    assert.equal((await browser.post('/account/reset-password', { token, password: 'a fresh new password' })).status, 303);
    assert.equal((await browser.post('/account/reset-password', { token, password: 'yet another password' })).status, 404);
    assert.equal((await signIn(new WebClient(server), 'forgetful@example.com', 'a fresh new password')).status, 303);
    assert.equal((await signIn(new WebClient(server), 'forgetful@example.com', PASSWORD)).status, 401);
  });
});

describe('when the SMTP server cannot be reached', () => {
  describeEachDatabase('SMTP failure', (fixture) => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(fixture.database, { env: { PASSDROP_BASE_URL: 'http://passdrop.test', PASSDROP_SMTP_URL: `smtp://127.0.0.1:${await closedPort()}?tls=off` } });
    });
    after(() => server?.stop());

    it('says so clearly (503, not 500) and leaves no half-made account', async () => {
      const browser = new WebClient(server);
      const created = await signUp(browser, 'unlucky@example.com');
      assert.equal(created.status, 503);
      assert.match(browser.lastBody, /could not send the email/);
      const again = await signUp(browser, 'unlucky@example.com');
      assert.equal(again.status, 503, 'the address is still free: no account was kept');
      assert.doesNotMatch(browser.lastBody, /already has an account/);
      const reset = await browser.submit('/account/forgot-password', '/account/forgot-password', { email: 'unlucky@example.com' });
      assert.equal(reset.status, 200, 'unknown address: the same answer as always');
    });
  });
});

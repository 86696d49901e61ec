import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, launchBrowser, watchedContext, type WatchedContext } from '../support/browser.js';
import { describeEachDatabase } from '../support/each-database.js';
import { freePort } from '../support/free-port.js';
import { startMailSink, type MailSink } from '../support/mail-sink.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { accountWithToken } from '../support/account-tokens.js';

/** The link a mail to `address` carries (the first URL of this site in it). */
function linkIn(sink: MailSink, address: string, origin: string): string {
  const mail = sink.mails.find((candidate) => candidate.to.includes(address));
  assert.ok(mail, `a mail to ${address}`);
  const link = new RegExp(`${origin.replace(/[.:/]/g, '\\$&')}/p/[A-Za-z0-9_-]+(?:/r)?(?:\\?locale=[A-Za-z-]+)?(?:#[A-Za-z0-9_-]+)?`).exec(mail.text)?.[0];
  assert.ok(link, `a link in the mail to ${address}`);
  return link;
}

/** Issue 17: "Email the link to" on the create page, honest about what a browser-encrypted push's mail exposes. */
describeEachDatabase('emailing the link from the create page, in Chromium', (fixture) => {
  let server: TestServer;
  let sink: MailSink;
  let browser: Browser;
  let origin: string;
  let sender: Page;
  const contexts: WatchedContext[] = [];

  before(async () => {
    sink = await startMailSink();
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    server = await startTestServer(fixture.database, {
      env: { PORT: String(port), PASSDROP_BASE_URL: `${origin}/`, PASSDROP_SMTP_URL: sink.smtpUrl, PASSDROP_NOTIFICATION_POLL_MS: '50' },
    });
    browser = await launchBrowser();
    // With SMTP, sign-up waits for a confirmed address: the account is made directly, then signs in.
    await accountWithToken(fixture.database, 'sender@example.com');
    sender = await fresh();
    await sender.goto(`${origin}/account/sign-in`);
    await sender.fill('#field-email', 'sender@example.com');
    await sender.fill('#field-password', 'a long enough password');
    await Promise.all([sender.waitForURL((url) => !url.pathname.startsWith('/account/sign-in')), sender.click('button[type="submit"]')]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await sink?.close();
  });

  async function fresh(options = {}): Promise<Page> {
    const watched = await watchedContext(browser, options);
    contexts.push(watched);
    return watched.newPage();
  }

  it('offers no link emails to a visitor who is not signed in', async () => {
    const visitor = await fresh();
    await visitor.goto(`${origin}/`);
    assert.equal(await visitor.locator('#notify_emails_to').count(), 0);
  });

  it('sends the whole link of a browser-encrypted push only after the sender ticks the box saying the mail servers will see it', async () => {
    await sender.goto(`${origin}/`);
    await sender.fill('#payload', 'emailed from the create page');
    await sender.click('details[data-link-email] summary');
    await assertAccessible(sender, 'the create page with link emails');
    assert.match((await sender.textContent('[data-link-exposure]')) ?? '', /mail server.*full link/);
    await sender.fill('#notify_emails_to', 'ann@example.com');
    // The recipient's language (issue 21) becomes the emails' too, which the sender may still change.
    await sender.click('details[data-recipient-language] summary');
    await sender.selectOption('#push_locale', 'de');
    assert.equal(await sender.inputValue('#notify_emails_to_locale'), 'de');
    await sender.selectOption('#notify_emails_to_locale', 'fr');

    await sender.click('form.create-form button[type="submit"]');
    assert.match((await sender.textContent('[data-form-error]')) ?? '', /tick the box/);
    assert.ok(!sender.url().includes('/preview'), 'nothing created or sent without the tick');

    await sender.check('#acknowledge_link_exposure');
    await Promise.all([sender.waitForURL(/\/p\/[^/]+\/preview\?push_locale=de#/), sender.click('form.create-form button[type="submit"]')]);
    assert.match((await sender.textContent('[data-link-emailed="1"]')) ?? '', /Emails queued: 1/);
    const shown = await sender.inputValue('#secret-link');
    // The notice is a one-time flash from the server: a reload shows none, nor does a crafted ?emailed= link.
    const sharePage = sender.url();
    await sender.reload();
    assert.equal(await sender.locator('[data-link-emailed]').count(), 0, 'shown once');
    await sender.goto(sharePage.replace('/preview?', '/preview?emailed=7&'));
    assert.equal(await sender.locator('[data-link-emailed]').count(), 0, 'a crafted URL shows nothing');
    assert.ok(shown.includes('#'), 'the share page completes the link with its key');

    await sink.until((mails) => mails.some((mail) => mail.to.includes('ann@example.com')));
    const emailed = linkIn(sink, 'ann@example.com', origin);
    // In the email's language: ?locale= before the key (issue 21), so the recipient's pages speak French too.
    assert.match(shown, /\/r\?locale=de#/, "the share page's link opens in the recipient's language");
    assert.equal(emailed, shown.replace('?locale=de#', '?locale=fr#'), "the mail carries the whole link, key included, in the email's language");
    assert.match(sink.mails.find((mail) => mail.to.includes('ann@example.com'))!.text, /Ouvrez-le avec ce lien/, 'in the chosen language');

    const recipient = await fresh();
    await recipient.goto(emailed);
    await recipient.click('button[type="submit"]');
    await recipient.waitForFunction(() => document.querySelector('main')?.textContent?.includes('emailed from the create page') === true);
  });

  it('emails the link of a push the server encrypts (a URL push) with no box to tick', async () => {
    await sender.goto(`${origin}/?tab=url`);
    await sender.fill('#payload', 'https://example.org/welcome');
    await sender.click('details[data-link-email] summary');
    assert.equal(await sender.locator('#acknowledge_link_exposure').count(), 0);
    await sender.fill('#notify_emails_to', 'bob@example.com');
    await Promise.all([sender.waitForURL(/\/p\/[^/]+\/preview$/), sender.click('form.create-form button[type="submit"]')]);
    assert.match((await sender.textContent('[data-link-emailed="1"]')) ?? '', /Emails queued: 1/);
    await sink.until((mails) => mails.some((mail) => mail.to.includes('bob@example.com')));
    const emailed = linkIn(sink, 'bob@example.com', origin);
    assert.equal(emailed, await sender.inputValue('#secret-link'));
    assert.ok(!emailed.includes('#'));
  });

  it('without JavaScript the server encrypts the push and emails its link; a bad address is shown on the form', async () => {
    const token = await sender.context().cookies();
    const noScript = await fresh({ javaScriptEnabled: false });
    await noScript.context().addCookies(token);
    await noScript.goto(`${origin}/`);
    assert.equal(await noScript.locator('#acknowledge_link_exposure').isVisible(), false, 'no box where the browser does not encrypt');
    await noScript.fill('#payload', 'sent without scripts');
    await noScript.click('details[data-link-email] summary');
    await noScript.fill('#notify_emails_to', 'not an address');
    await noScript.click('form.create-form button[type="submit"]');
    assert.match((await noScript.textContent('#notify_emails_to-error')) ?? '', /not valid/);
    await noScript.fill('#notify_emails_to', 'cyd@example.com');
    await Promise.all([noScript.waitForURL(/\/p\/[^/]+\/preview$/), noScript.click('form.create-form button[type="submit"]')]);
    await sink.until((mails) => mails.some((mail) => mail.to.includes('cyd@example.com')));
    assert.equal(linkIn(sink, 'cyd@example.com', origin), await noScript.inputValue('#secret-link'));
    for (const watched of contexts) assert.deepEqual(watched.problems, []);
  });
});

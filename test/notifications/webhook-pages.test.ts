import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { verifyWebhook } from '../../src/notifications/webhook-signature.js';
import { accountWithToken } from '../support/account-tokens.js';
import { describeEachDatabase } from '../support/each-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { WebClient, signIn, signUp } from '../support/web-client.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/** Reloads the page until `predicate` holds for its HTML (the worker delivers in the background). */
async function pageUntil(client: WebClient, path: string, predicate: (body: string) => boolean): Promise<string> {
  for (;;) {
    const response = await client.get(path);
    assert.equal(response.status, 200);
    const body = await response.text();
    if (predicate(body)) return body;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describeEachDatabase('webhook pages under /account and /admin', (fixture) => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  before(async () => {
    await accountWithToken(fixture.database, 'root@example.com', { admin: true });
    server = await startTestServer(fixture.database, { env: { PASSDROP_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: 'true', PASSDROP_NOTIFICATION_POLL_MS: '50' } });
    receiver = await startWebhookReceiver('whsec_unused');
  });
  after(async () => {
    await server?.stop();
    await receiver?.close();
  });

  it('adds a webhook with its secret shown once, sends a test event and shows the delivery with the last answer', async () => {
    const client = new WebClient(server);
    assert.equal((await signUp(client, 'gus@example.com')).status, 303);
    const settings = await client.get('/account');
    assert.match(await settings.text(), /href="\/account\/webhooks"/);
    const list = await client.get('/account/webhooks');
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('cache-control'), 'no-store');

    assert.equal((await client.post('/account/webhooks', { url: receiver.url, events: 'push.revealed' }, { withCsrf: false })).status, 403, 'CSRF-protected');

    const noEvents = await client.post('/account/webhooks', { url: receiver.url });
    assert.equal(noEvents.status, 422);
    assert.match(await noEvents.text(), /Choose at least one event/);

    await client.get('/account/webhooks');
    const body = new URLSearchParams([['url', receiver.url], ['events', 'push.revealed'], ['events', 'push.locked'], ['description', 'chat bot'], ['_csrf', client.csrfToken!]]);
    const created = await client.request('/account/webhooks', { method: 'POST', body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(created.status, 201);
    const page = await created.text();
    const secret = /id="new-secret" type="text" readonly value="(whsec_[^"]+)"/.exec(page)?.[1];
    assert.ok(secret, 'the secret is shown');
    const id = new RegExp(`href="/account/webhooks/(\\d+)"><code>${receiver.url.replace(/[/.]/g, '\\$&')}</code>`).exec(page)?.[1];
    assert.ok(id, 'the list links to the webhook');
    assert.doesNotMatch(await (await client.get('/account/webhooks')).text(), /whsec_/, 'shown once only');

    const detailPath = `/account/webhooks/${id}`;
    const detail = await client.get(detailPath);
    assert.match(await detail.text(), /push\.revealed[\s\S]*push\.locked/);
    const tested = await client.post(`${detailPath}/test`, {});
    assert.equal(tested.status, 303);
    assert.equal(tested.headers.get('location'), `${detailPath}?done=tested`);
    await receiver.until((received) => received.some((entry) => JSON.parse(entry.body).type === 'webhook.test'));
    const arrived = receiver.received.find((entry) => JSON.parse(entry.body).type === 'webhook.test')!;
    assert.ok(verifyWebhook(secret, arrived, arrived.body, Math.floor(Date.now() / 1000)), 'signed with the secret the page showed');
    const logged = await pageUntil(client, detailPath, (html) => html.includes('HTTP 200'));
    assert.match(logged, new RegExp(`got ${arrived.id}`), "the receiver's answer is shown");

    assert.equal((await client.post(`${detailPath}/disable`, {})).status, 303);
    assert.match(await (await client.get(detailPath)).text(), /action="\/account\/webhooks\/\d+\/enable"/);
    const rotated = await client.post(`${detailPath}/rotate-secret`, {});
    const newSecret = /id="new-secret" type="text" readonly value="(whsec_[^"]+)"/.exec(await rotated.text())?.[1];
    assert.ok(newSecret && newSecret !== secret);

    // Another account cannot see or change it.
    const other = new WebClient(server);
    await signUp(other, 'hal@example.com');
    assert.equal((await other.get(detailPath)).status, 404);
    await other.get('/account/webhooks');
    assert.equal((await other.post(`${detailPath}/delete`, {})).status, 404);

    const deleted = await client.post(`${detailPath}/delete`, {});
    assert.equal(deleted.headers.get('location'), '/account/webhooks?done=deleted');
    assert.equal((await client.get(detailPath)).status, 404);
  });

  it('leaves instance-wide webhooks to admins', async () => {
    const member = new WebClient(server);
    await signUp(member, 'ivy@example.com');
    assert.equal((await member.get('/admin/webhooks')).status, 403);

    const admin = new WebClient(server);
    assert.equal((await signIn(admin, 'root@example.com', 'a long enough password')).status, 303);
    assert.match(await (await admin.get('/admin')).text(), /href="\/admin\/webhooks"/);
    await admin.get('/admin/webhooks');
    const created = await admin.post('/admin/webhooks', { url: receiver.url, events: 'push.opened' });
    assert.equal(created.status, 201);
    assert.match(await created.text(), /Instance-wide webhooks[\s\S]*href="\/admin\/webhooks\/\d+"/);
    assert.doesNotMatch(await (await admin.get('/account/webhooks')).text(), /href="\/account\/webhooks\/\d+"/, "not the admin's own");
  });
});

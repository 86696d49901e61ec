import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { verifyWebhook } from '../../src/notifications/webhook-signature.js';
import { accountWithToken } from '../support/account-tokens.js';
import { describeEachDatabase } from '../support/each-database.js';
import { json } from '../support/push-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver.js';

interface WebhookJson {
  created_at: string;
  updated_at: string;
  id: number;
  url: string;
  events: string[];
  description: string;
  enabled: boolean;
  scope: 'account' | 'instance';
  secret?: string;
}
interface DeliveryJson {
  event_id: string;
  type: string;
  status: string;
  attempts: number;
  last_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  last_response: string | null;
}

const as = (token: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), authorization: `Bearer ${token}` },
});
const post = (token: string, body: unknown): RequestInit => as(token, { method: 'POST', body: JSON.stringify(body) });
const patch = (token: string, body: unknown): RequestInit => as(token, { method: 'PATCH', body: JSON.stringify(body) });
const signedWith = (secret: string, entry: ReceivedWebhook) => verifyWebhook(secret, entry, entry.body, Math.floor(Date.now() / 1000));

async function waitForDelivery(server: TestServer, token: string, path: string, eventId: string): Promise<DeliveryJson> {
  for (;;) {
    const log = await json<DeliveryJson[]>(await server.fetch(path, as(token)));
    const entry = log.find((delivery) => delivery.event_id === eventId);
    if (entry && (entry.status !== 'pending' || entry.last_error !== null)) return entry;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describeEachDatabase('managing webhooks through the Passdrop API', (fixture) => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  let dana: string;
  let erin: string;
  let admin: string;
  before(async () => {
    dana = await accountWithToken(fixture.database, 'dana@example.com');
    erin = await accountWithToken(fixture.database, 'erin@example.com');
    admin = await accountWithToken(fixture.database, 'root@example.com', { admin: true });
    // The receiver runs on 127.0.0.1, so this server lets webhooks reach private addresses.
    server = await startTestServer(fixture.database, {
      env: { PASSDROP_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: 'true', PASSDROP_NOTIFICATION_POLL_MS: '50', PASSDROP_WEBHOOKS_PER_ACCOUNT: '2' },
    });
    receiver = await startWebhookReceiver('whsec_unused');
  });
  after(async () => {
    await server?.stop();
    await receiver?.close();
  });

  it('creates a webhook with a secret shown once, sends a signed test event and logs the answer', async () => {
    const created = await server.fetch('/api/passdrop/v1/webhooks', post(dana, { url: receiver.url, events: ['push.revealed'], description: 'ops channel' }));
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('cache-control'), 'no-store');
    const webhook = await json<WebhookJson>(created);
    assert.match(webhook.secret ?? '', /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.deepEqual({ ...webhook, id: 0, secret: '' }, { id: 0, secret: '', url: receiver.url, events: ['push.revealed'], description: 'ops channel', enabled: true, scope: 'account', created_at: webhook.created_at, updated_at: webhook.updated_at } as WebhookJson);

    const listed = await json<WebhookJson[]>(await server.fetch('/api/passdrop/v1/webhooks', as(dana)));
    assert.deepEqual(listed.map((entry) => entry.id), [webhook.id]);
    assert.ok(listed.every((entry) => !('secret' in entry)), 'the secret is never shown again');

    const tested = await server.fetch(`/api/passdrop/v1/webhooks/${webhook.id}/test`, as(dana, { method: 'POST' }));
    assert.equal(tested.status, 202);
    const { event_id: eventId } = await json<{ event_id: string }>(tested);
    await receiver.until((received) => received.some((entry) => entry.id === eventId));
    const arrived = receiver.received.find((entry) => entry.id === eventId)!;
    assert.ok(signedWith(webhook.secret!, arrived), 'signed with the secret the API showed');
    const body = JSON.parse(arrived.body) as { id: string; type: string; data: { push: unknown } };
    assert.deepEqual([body.id, body.type, body.data.push], [eventId, 'webhook.test', null]);

    const entry = await waitForDelivery(server, dana, `/api/passdrop/v1/webhooks/${webhook.id}/deliveries`, eventId);
    assert.equal(entry.status, 'delivered');
    assert.equal(entry.last_status, 200);
    assert.equal(entry.last_response, `got ${eventId}`);
  });

  it("delivers an account's own push events, changes events, rotates the secret and deletes", async () => {
    const webhook = await json<WebhookJson>(await server.fetch('/api/passdrop/v1/webhooks', post(erin, { url: receiver.url, events: ['push.opened'] })));
    const changed = await server.fetch(`/api/passdrop/v1/webhooks/${webhook.id}`, patch(erin, { events: ['push.revealed', 'push.expired_unread'], rotate_secret: true }));
    assert.equal(changed.status, 200);
    const rotated = await json<WebhookJson>(changed);
    assert.deepEqual(rotated.events, ['push.revealed', 'push.expired_unread']);
    assert.ok(rotated.secret && rotated.secret !== webhook.secret, 'a new secret, shown once');

    const push = await json<{ token: string }>(await server.fetch('/api/passdrop/v1/pushes', post(erin, { payload: 'hunter2', name: 'db password', retrieval_step: false })));
    assert.equal((await server.fetch(`/p/${push.token}.json`)).status, 200);
    await receiver.until((received) => received.some((entry) => JSON.parse(entry.body).data?.push?.name === 'db password'));
    const arrived = receiver.received.find((entry) => JSON.parse(entry.body).data?.push?.name === 'db password')!;
    assert.equal(JSON.parse(arrived.body).type, 'push.revealed');
    assert.ok(signedWith(rotated.secret!, arrived), 'signed with the rotated secret');
    assert.ok(!signedWith(webhook.secret!, arrived), 'the old secret no longer signs');
    assert.ok(!arrived.body.includes('hunter2') && !arrived.body.includes(push.token), 'never the payload or the link token');

    assert.equal((await server.fetch(`/api/passdrop/v1/webhooks/${webhook.id}`, as(erin, { method: 'DELETE' }))).status, 204);
    const gone = await server.fetch(`/api/passdrop/v1/webhooks/${webhook.id}/deliveries`, as(erin));
    assert.equal(gone.status, 404);
    assert.equal((await json<{ code: string }>(gone)).code, 'WEBHOOK_NOT_FOUND');
  });

  it("keeps accounts apart, checks events and the limit, and leaves instance-wide webhooks to admins", async () => {
    const dana1 = (await json<WebhookJson[]>(await server.fetch('/api/passdrop/v1/webhooks', as(dana))))[0]!;
    for (const init of [as(erin), patch(erin, { enabled: false }), as(erin, { method: 'DELETE' })]) {
      const response = await server.fetch(`/api/passdrop/v1/webhooks/${dana1.id}`, init);
      assert.equal(response.status, 404);
      assert.equal((await json<{ code: string }>(response)).code, 'WEBHOOK_NOT_FOUND');
    }
    assert.equal((await server.fetch(`/api/passdrop/v1/webhooks/${dana1.id}/test`, as(erin, { method: 'POST' }))).status, 404);

    const unknown = await server.fetch('/api/passdrop/v1/webhooks', post(dana, { url: receiver.url, events: ['push.exploded'] }));
    assert.equal(unknown.status, 422);
    const none = await server.fetch('/api/passdrop/v1/webhooks', post(dana, { url: receiver.url, events: [] }));
    assert.equal(none.status, 422);
    const ftp = await server.fetch('/api/passdrop/v1/webhooks', post(dana, { url: 'ftp://example.com/hook', events: ['push.revealed'] }));
    assert.equal(ftp.status, 422);
    assert.equal((await json<{ details: { code: string }[] }>(ftp)).details[0]?.code, 'invalid_url');

    assert.equal((await server.fetch('/api/passdrop/v1/webhooks', post(dana, { url: receiver.url, events: ['push.locked'] }))).status, 201);
    const third = await server.fetch('/api/passdrop/v1/webhooks', post(dana, { url: receiver.url, events: ['push.locked'] }));
    assert.equal(third.status, 403);
    assert.equal((await json<{ code: string }>(third)).code, 'WEBHOOK_LIMIT_REACHED');

    const notAdmin = await server.fetch('/api/passdrop/v1/admin/webhooks', as(dana));
    assert.equal(notAdmin.status, 403);
    assert.equal((await json<{ code: string }>(notAdmin)).code, 'NOT_AN_ADMIN');
    assert.equal((await server.fetch('/api/passdrop/v1/admin/webhooks')).status, 401);

    const instance = await server.fetch('/api/passdrop/v1/admin/webhooks', post(admin, { url: receiver.url, events: ['push.opened'] }));
    assert.equal(instance.status, 201);
    const instanceHook = await json<WebhookJson>(instance);
    assert.equal(instanceHook.scope, 'instance');
    assert.deepEqual((await json<WebhookJson[]>(await server.fetch('/api/passdrop/v1/webhooks', as(admin)))).length, 0, "instance-wide webhooks are not the admin's own");
    assert.equal((await server.fetch(`/api/passdrop/v1/webhooks/${instanceHook.id}`, as(admin))).status, 404);
    // An anonymous push's events reach instance-wide webhooks.
    const push = await json<{ token: string }>(await server.fetch('/api/passdrop/v1/pushes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payload: 'x', name: 'anonymous one' }) }));
    assert.equal((await server.fetch(`/p/${push.token}`)).status, 200);
    await receiver.until((received) => received.some((entry) => JSON.parse(entry.body).data?.push?.name === 'anonymous one'));
    const arrived = receiver.received.find((entry) => JSON.parse(entry.body).data?.push?.name === 'anonymous one')!;
    assert.equal(JSON.parse(arrived.body).type, 'push.opened');
    assert.ok(signedWith(instanceHook.secret!, arrived));
  });

  it('tells webhooks when a file of a file push is downloaded (push.downloaded)', async () => {
    const webhook = await json<WebhookJson>(await server.fetch('/api/passdrop/v1/webhooks', post(erin, { url: receiver.url, events: ['push.downloaded'] })));
    const form = new FormData();
    form.append('file_push[name]', 'quarterly report');
    form.append('file_push[files][]', new Blob([new Uint8Array(Buffer.from('id,total\n1,2\n'))], { type: 'text/csv' }), 'report.csv');
    const created = await server.fetch('/f.json', { method: 'POST', headers: { authorization: `Bearer ${erin}` }, body: form });
    assert.equal(created.status, 201);
    const { url_token: token } = await json<{ url_token: string }>(created);
    const viewed = await json<{ files: { url: string }[] }>(await server.fetch(`/p/${token}.json`));
    assert.equal((await fetch(viewed.files[0]!.url)).status, 200);
    await receiver.until((received) => received.some((entry) => JSON.parse(entry.body).type === 'push.downloaded'));
    const arrived = receiver.received.find((entry) => JSON.parse(entry.body).type === 'push.downloaded')!;
    assert.equal(JSON.parse(arrived.body).data.push.name, 'quarterly report');
    assert.ok(signedWith(webhook.secret!, arrived));
    await server.fetch(`/api/passdrop/v1/webhooks/${webhook.id}`, as(erin, { method: 'DELETE' }));
  });

  it('does not follow redirects: a 3xx is a failed attempt, logged with its status', async () => {
    const webhook = await json<WebhookJson>(await server.fetch('/api/passdrop/v1/admin/webhooks', post(admin, { url: `${receiver.url}?redirect`, events: ['push.locked'] })));
    receiver.answerWith(302);
    try {
      const before = receiver.received.length;
      const { event_id: eventId } = await json<{ event_id: string }>(await server.fetch(`/api/passdrop/v1/admin/webhooks/${webhook.id}/test`, as(admin, { method: 'POST' })));
      const entry = await waitForDelivery(server, admin, `/api/passdrop/v1/admin/webhooks/${webhook.id}/deliveries`, eventId);
      assert.equal(entry.status, 'pending', 'retried later');
      assert.equal(entry.last_status, 302);
      assert.match(entry.last_error ?? '', /redirect .* not followed/);
      assert.equal(receiver.received.length, before + 1, 'one request, no redirect followed');
    } finally {
      receiver.answerWith(200);
    }
  });
});

describeEachDatabase('webhook URLs to non-public addresses', (fixture) => {
  let server: TestServer;
  let token: string;
  before(async () => {
    token = await accountWithToken(fixture.database, 'fay@example.com');
    server = await startTestServer(fixture.database);
  });
  after(() => server?.stop());

  it('refuses loopback, private, link-local and mapped addresses, by literal or after DNS resolution, unless the operator allows them', async () => {
    for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://10.1.2.3/', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'https://192.168.0.10/']) {
      const response = await server.fetch('/api/passdrop/v1/webhooks', post(token, { url, events: ['push.revealed'] }));
      assert.equal(response.status, 422, url);
      const body = await json<{ code: string; details: { field: string; code: string }[] }>(response);
      assert.deepEqual(body.details.map((detail) => `${detail.field}:${detail.code}`), ['url:non_public_address'], url);
    }
    const credentials = await server.fetch('/api/passdrop/v1/webhooks', post(token, { url: 'https://user:pw@93.184.215.14/', events: ['push.revealed'] }));
    assert.equal((await json<{ details: { code: string }[] }>(credentials)).details[0]?.code, 'credentials_in_url');
    const publicAddress = await server.fetch('/api/passdrop/v1/webhooks', post(token, { url: 'https://93.184.215.14/hook', events: ['push.revealed'] }));
    assert.equal(publicAddress.status, 201);
    // Changing the URL is checked the same way.
    const { id } = await json<WebhookJson>(publicAddress);
    assert.equal((await server.fetch(`/api/passdrop/v1/webhooks/${id}`, patch(token, { url: 'http://127.0.0.1/' }))).status, 422);
  });
});

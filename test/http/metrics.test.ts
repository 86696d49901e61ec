import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeEachDatabase } from '../support/each-database.js';
import { freePort } from '../support/free-port.js';
import { createPush } from '../support/push-helpers.js';
import { createTestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { signIn, signUp, WebClient } from '../support/web-client.js';
import { addWebhook } from '../support/webhook-receiver.js';

const TOKEN = 'a-metrics-token-long-enough';

/** The value of one sample, e.g. sample(text, 'passdrop_pushes_created_total{kind="text"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describeEachDatabase('/metrics on its own port', (fixture) => {
  let server: TestServer;
  let metricsUrl: string;
  before(async () => {
    // A still clock: the creation limit's one-minute window must not end while a loaded machine runs the flows.
    const now = Date.now();
    server = await startTestServer(fixture.database, {
      clock: () => now,
      env: {
        PASSDROP_METRICS_PORT: String(await freePort()),
        PASSDROP_METRICS_HOST: '127.0.0.1',
        PASSDROP_METRICS_TOKEN: TOKEN,
        PASSDROP_CREATE_LIMIT_PER_IP: '6',
        PASSDROP_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: 'true',
      },
    });
    // A webhook nobody listens on: the reveal's event stays in the outbox's backlog (retries last a day).
    await addWebhook(fixture.database, server.config.masterKey.key!, { url: `http://127.0.0.1:${await freePort()}/hook`, events: ['push.revealed'], ownerUserId: null });
    metricsUrl = `${server.metricsUrl!}/metrics`;
  });
  after(() => server.stop());

  const scrape = async () => {
    const response = await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    return response.text();
  };

  it('is not on the public port, and needs the token', async () => {
    const publicAnswer = await server.fetch('/metrics');
    assert.equal(publicAnswer.status, 404);
    await publicAnswer.arrayBuffer();
    for (const headers of [{}, { authorization: 'Bearer wrong-token-of-some-length' }, { authorization: TOKEN }] as Array<Record<string, string>>) {
      const refused = await fetch(metricsUrl, { headers });
      assert.equal(refused.status, 401);
      assert.doesNotMatch(await refused.text(), /passdrop_/);
    }
  });

  it('counts requests, pushes, passphrases, sign-ins and limits, and never labels anything with a token, link, name or address', async () => {
    const email = `metrics-${fixture.kind}@example.com`;
    const secrets: string[] = [email, 'a secret payload', 'the push name', 'open sesame'];
    // A push with a passphrase: one wrong try, then revealed.
    const guarded = await createPush(server, { payload: 'a secret payload', name: 'the push name', passphrase: 'open sesame', expire_after_views: 1 });
    secrets.push(guarded.token, guarded.url);
    const wrong = await server.fetch(`/api/passdrop/v1/pushes/${guarded.token}/reveal`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ passphrase: 'not it' }) });
    assert.equal(wrong.status, 401);
    await wrong.arrayBuffer();
    const revealed = await server.fetch(`/api/passdrop/v1/pushes/${guarded.token}/reveal`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ passphrase: 'open sesame' }) });
    assert.equal(revealed.status, 200);
    await revealed.arrayBuffer();
    // A web page view by token, and a push deleted by its recipient.
    const doomed = await createPush(server, { payload: 'a secret payload', deletable_by_viewer: true });
    secrets.push(doomed.token);
    const page = await server.fetch(`/p/${doomed.token}`, { headers: { accept: 'text/html' } });
    await page.arrayBuffer();
    const deleted = await server.fetch(`/api/passdrop/v1/pushes/${doomed.token}`, { method: 'DELETE' });
    assert.equal(deleted.status, 200);
    await deleted.arrayBuffer();
    // A failed sign-in.
    const client = new WebClient(server);
    await signUp(client, email);
    const stranger = new WebClient(server);
    await signIn(stranger, email, 'not the password at all');
    // The creation limit: 6 a minute from this address; two made above.
    const statuses: number[] = [];
    for (let index = 0; index < 5; index += 1) {
      const response = await server.fetch('/p.json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: { payload: 'a secret payload' } }) });
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    assert.deepEqual(statuses, [201, 201, 201, 201, 429]);

    const text = await scrape();
    assert.equal(sample(text, 'passdrop_pushes_created_total{kind="text"}'), 6);
    // The guarded push's reveal and the recipient's page of the other (retrieval step off: the page reveals).
    assert.equal(sample(text, 'passdrop_pushes_viewed_total{kind="text"}'), 2);
    assert.equal(sample(text, 'passdrop_pushes_expired_total{kind="text",reason="views"}'), 1);
    assert.equal(sample(text, 'passdrop_pushes_expired_total{kind="text",reason="viewer"}'), 1);
    assert.equal(sample(text, 'passdrop_passphrase_failures_total'), 1);
    assert.equal(sample(text, 'passdrop_sign_in_failures_total{reason="invalid"}'), 1);
    assert.equal(sample(text, 'passdrop_rate_limited_total{limit="create",scope="ip"}'), 1);
    assert.equal(sample(text, 'passdrop_http_requests_total{route="/api/passdrop/v1/pushes/:token/reveal",method="POST",status="401"}'), 1);
    assert.equal(sample(text, 'passdrop_http_requests_total{route="/p.json",method="POST",status="429"}'), 1);
    assert.equal(sample(text, 'passdrop_http_requests_total{route="/p/:token",method="GET",status="200"}'), 1);
    assert.ok((sample(text, 'passdrop_http_request_duration_seconds_count{route="/p.json",method="POST"}') ?? 0) >= 5);
    assert.match(text, /^passdrop_sweeper_runs_total /m);
    assert.match(text, /^process_cpu_user_seconds_total /m);
    assert.match(text, /^nodejs_eventloop_lag_seconds /m);
    const backlog = (sample(text, 'passdrop_outbox_backlog{state="events"}') ?? 0) + (sample(text, 'passdrop_outbox_backlog{state="deliveries"}') ?? 0);
    assert.ok(backlog >= 1, `the unanswered webhook's event is in the backlog (${backlog})`);
    if (fixture.kind === 'postgres') assert.ok(sample(text, 'passdrop_db_pool_connections{state="total"}')! >= 1);
    for (const secret of secrets) assert.ok(!text.includes(secret), `the metrics hold ${secret}`);
    assert.ok(!/127\.0\.0\.1/.test(text), 'the metrics hold an address');
  });
});

describe('metrics by default', () => {
  it('are off: no listener', async () => {
    const database = await createTestDatabase('sqlite');
    const server = await startTestServer(database);
    try {
      assert.equal(server.metricsUrl, undefined);
    } finally {
      await server.stop();
      await database.drop();
    }
  });
});

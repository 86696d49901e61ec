import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from '../support/each-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const MARKER = 'MARKER-7f3a9c-do-not-log';

describeEachDatabase('logs', (fixture) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(fixture.database, {
      env: { LOG_LEVEL: 'trace' },
      probeRoutes: {
        'password-pusher-api': (app) => {
          app.post('/api/probe/echo', { config: { access: 'public' } }, async () => ({ ok: true }));
          app.get('/api/probe/boom', { config: { access: 'public' } }, async () => {
            throw new Error('database exploded');
          });
        },
      },
    });
  });
  after(() => server.stop());

  it('never contain a secret sent in a body, a query string or any header', async () => {
    const secretHeaders = {
      authorization: `Bearer ${MARKER}`,
      'x-user-token': MARKER,
      'x-user-email': `${MARKER}@example.com`,
      cookie: `session=${MARKER}`,
    };
    const requests: Array<[string, RequestInit]> = [
      ['/api/probe/echo', { method: 'POST', headers: { 'content-type': 'application/json', ...secretHeaders }, body: JSON.stringify({ payload: MARKER, passphrase: MARKER, note: MARKER }) }],
      ['/api/probe/echo', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `password[payload]=${MARKER}&password[passphrase]=${MARKER}` }],
      // Malformed and oversized bodies make the parser fail with a message: that message must not quote the body.
      ['/api/probe/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"payload": "${MARKER}` }],
      ['/api/probe/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"payload": ${MARKER}}` }],
      [`/api/probe/echo?passphrase=${MARKER}&payload=${MARKER}`, { method: 'POST', headers: secretHeaders }],
      [`/p/${MARKER}.json?passphrase=${MARKER}`, { headers: secretHeaders }],
      [`/api/v2/pushes/${MARKER}?passphrase=${MARKER}`, { method: 'DELETE', headers: secretHeaders }],
      [`/api/probe/boom?passphrase=${MARKER}`, { headers: secretHeaders }],
      [`/p/${MARKER}`, { headers: { ...secretHeaders, accept: 'text/html' } }],
    ];
    for (const [path, init] of requests) await server.fetch(path, init);

    // The real push flows: create through both APIs and the delivery page, retrieve, fail a passphrase.
    const created = await server.fetch('/api/passdrop/v1/pushes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payload: MARKER, passphrase: `${MARKER}-pass`, note: MARKER, name: 'label', retrieval_step: false }),
    });
    const { token } = (await created.json()) as { token: string };
    assert.match(token, /^[A-Za-z0-9_-]{22}$/);
    await server.fetch(`/p/${token}.json?passphrase=${MARKER}-wrong`);
    await server.fetch(`/p/${token}/reveal`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `passphrase=${MARKER}` });
    await server.fetch(`/p/${token}.json?passphrase=${MARKER}-pass`);
    await server.fetch('/p.json', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `password[payload]=${MARKER}&password[note]=${MARKER}` });
    await server.fetch('/api/v2/pushes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ push: { payload: MARKER, expire_after_days: 900 } }) });

    const output = server.logs.join('');
    assert.ok(output.includes('request completed'), 'requests are logged at all');
    assert.ok(output.includes('passphrase=[redacted]'), 'the query parameter appears, redacted');
    assert.ok(!output.includes(token), 'link tokens are shortened in logged paths');
    assert.ok(!output.includes(MARKER), `a secret reached the logs:\n${output.split('\n').filter((line) => line.includes(MARKER)).join('\n')}`);
  });
});

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from '../support/each-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { PASSWORD, WebClient, signUp } from '../support/web-client.js';

/** What a foreign page's auto-submitted form looks like to the server (Chromium's fetch metadata, or only Origin). */
const CROSS_SITE: readonly Record<string, string>[] = [
  { 'sec-fetch-site': 'cross-site', origin: 'http://attacker.example' },
  { 'sec-fetch-site': 'same-site', origin: 'http://sub.attacker.example' },
  { origin: 'http://attacker.example' },
];

describeEachDatabase('Login CSRF: pre-session forms refuse cross-site posts', (fixture) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(fixture.database);
    assert.equal((await signUp(new WebClient(server), 'attacker@example.com')).status, 303);
  });
  after(() => server.stop());

  const forms: readonly [string, Record<string, string>][] = [
    ['/account/sign-in', { email: 'attacker@example.com', password: PASSWORD }],
    ['/account/sign-up', { email: 'planted@example.com', password: PASSWORD }],
    ['/account/forgot-password', { email: 'attacker@example.com' }],
    ['/setup', { code: 'x', email: 'root@example.com', password: PASSWORD }],
    ['/account/sign-in/two-factor', { code: '123456' }],
  ];

  it('answers 403 and sets no session cookie for a cross-site post to each form', async () => {
    for (const [path, fields] of forms) {
      for (const headers of CROSS_SITE) {
        const response = await new WebClient(server).post(path, fields, { headers });
        assert.equal(response.status, 403, `${path} ${JSON.stringify(headers)}`);
        assert.equal(response.headers.getSetCookie().filter((cookie) => cookie.startsWith('passdrop_session')).length, 0, path);
      }
    }
    const planted = await new WebClient(server).post('/account/sign-in', { email: 'planted@example.com', password: PASSWORD });
    assert.equal(planted.status, 401, 'the cross-site sign-up made no account');
  });

  it('still signs in from its own page (same-origin metadata, or none at all)', async () => {
    for (const headers of [{ 'sec-fetch-site': 'same-origin', origin: 'null' }, {}] as Record<string, string>[]) {
      const client = new WebClient(server);
      await client.get('/account/sign-in');
      const response = await client.post('/account/sign-in', { email: 'attacker@example.com', password: PASSWORD }, { headers });
      assert.equal(response.status, 303, JSON.stringify(headers));
    }
  });
});

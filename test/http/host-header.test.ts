import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { generateRequesterKeyPair } from '../../src/crypto/requests/request-answer-format.js';
import { StartupError } from '../../src/server/start-passdrop.js';
import { accountWithToken } from '../support/account-tokens.js';
import { describeEachDatabase } from '../support/each-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { WebClient, signUp } from '../support/web-client.js';

const EVIL = 'evil.example';

/** The forged headers an attacker can send: each alone, and all at once. */
const FORGERIES: readonly Record<string, string>[] = [
  { host: EVIL },
  { 'x-forwarded-host': EVIL, 'x-forwarded-proto': 'https' },
  { forwarded: `host=${EVIL};proto=https` },
  { host: EVIL, 'x-forwarded-host': EVIL, forwarded: `for=203.0.113.9;host=${EVIL}` },
];

interface RawResponse {
  readonly status: number;
  readonly body: string;
  readonly location: string | undefined;
}

/** node:http, because fetch will not send a forged Host header. */
function raw(server: TestServer, method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawResponse> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers: { ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }), ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), location: response.headers.location }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Every endpoint that puts a link in its answer, as a function of the push token and an API token. */
function linkEndpoints(pushToken: string, apiToken: string, publicKey: string): { method: string; path: string; headers: Record<string, string>; body?: string }[] {
  const json = { 'content-type': 'application/json' };
  return [
    { method: 'POST', path: '/api/passdrop/v1/pushes', headers: json, body: JSON.stringify({ payload: 'x', retrieval_step: false }) },
    { method: 'GET', path: `/api/passdrop/v1/pushes/${pushToken}`, headers: {} },
    { method: 'POST', path: '/p.json', headers: json, body: JSON.stringify({ password: { payload: 'x' } }) },
    { method: 'POST', path: '/api/v2/pushes', headers: json, body: JSON.stringify({ push: { payload: 'x' } }) },
    { method: 'GET', path: `/p/${pushToken}/preview.json`, headers: {} },
    { method: 'GET', path: `/api/v2/pushes/${pushToken}/preview`, headers: {} },
    { method: 'GET', path: `/p/${pushToken}/preview`, headers: { accept: 'text/html' } },
    { method: 'GET', path: '/api/v2/pushes/active', headers: { authorization: `Bearer ${apiToken}` } },
    {
      method: 'POST',
      path: '/api/passdrop/v1/requests',
      headers: { ...json, authorization: `Bearer ${apiToken}` },
      body: JSON.stringify({ public_key: publicKey, name: 'x' }),
    },
  ];
}

describeEachDatabase('Host-header poisoning', (fixture) => {
  const mails: string[] = [];
  let smtp: SMTPServer;
  let configured: TestServer;
  let unconfigured: TestServer;
  let apiToken: string;
  let publicKey: string;
  before(async () => {
    publicKey = (await generateRequesterKeyPair()).publicKey;
    apiToken = await accountWithToken(fixture.database, 'owner@example.com');
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          mails.push(Buffer.concat(chunks).toString('utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '='));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as { port: number }).port}?tls=off`;
    // One database, so one master key (the owner's lists open each push's sealed link).
    const masterKey = randomBytes(32).toString('hex');
    configured = await startTestServer(fixture.database, {
      env: { PASSDROP_BASE_URL: 'http://passdrop.test', PASSDROP_SMTP_URL: smtpUrl, TRUSTED_PROXIES: '127.0.0.1', PASSDROP_MASTER_KEY: masterKey },
    });
    unconfigured = await startTestServer(fixture.database, { env: { PASSDROP_ALLOWED_HOSTS: '127.0.0.1', TRUSTED_PROXIES: '127.0.0.1', PASSDROP_MASTER_KEY: masterKey } });
  });
  after(async () => {
    await configured?.stop();
    await unconfigured?.stop();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('refuses to start with SMTP but without PASSDROP_BASE_URL, saying why', async () => {
    await assert.rejects(
      startTestServer(fixture.database, { env: { PASSDROP_SMTP_URL: 'smtp://127.0.0.1:25' } }),
      (error: unknown) => error instanceof StartupError && /PASSDROP_BASE_URL must be set when PASSDROP_SMTP_URL is/.test(error.message),
    );
  });

  it('mails a reset link on PASSDROP_BASE_URL whatever Host, X-Forwarded-Host or Forwarded say', async () => {
    const client = new WebClient(configured);
    await signUp(client, 'victim@example.com');
    for (const forged of FORGERIES) {
      const before = mails.length;
      const response = await raw(configured, 'POST', '/account/forgot-password', { 'content-type': 'application/x-www-form-urlencoded', ...forged }, 'email=victim%40example.com');
      assert.equal(response.status, 200, JSON.stringify(forged));
      assert.equal(mails.length, before + 1);
      const mail = mails.at(-1)!;
      assert.match(mail, /http:\/\/passdrop\.test\/account\/reset-password\?token=/);
      assert.ok(!mail.includes(EVIL), `the mail names the forged host: ${JSON.stringify(forged)}`);
    }
  });

  /** A push the API token's account owns, so its list of active pushes has a link to check. */
  const ownedPush = async (server: TestServer) => {
    const response = await server.fetch('/api/passdrop/v1/pushes', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiToken}` },
      body: JSON.stringify({ payload: 'x', retrieval_step: false }),
    });
    assert.equal(response.status, 201);
    return (await response.json()) as { token: string };
  };

  it('builds every link in a response from PASSDROP_BASE_URL when it is set', async () => {
    const push = await ownedPush(configured);
    for (const endpoint of linkEndpoints(push.token, apiToken, publicKey)) {
      for (const forged of FORGERIES) {
        const response = await raw(configured, endpoint.method, endpoint.path, { ...endpoint.headers, ...forged }, endpoint.body);
        const where = `${endpoint.method} ${endpoint.path} ${JSON.stringify(forged)}`;
        assert.ok(response.status < 300, `${where}: ${response.status} ${response.body.slice(0, 200)}`);
        assert.ok(!response.body.includes(EVIL) && !(response.location ?? '').includes(EVIL), where);
        assert.match(response.body, /http:\/\/passdrop\.test\//, where);
      }
    }
  });

  it('without PASSDROP_BASE_URL, refuses hosts not on PASSDROP_ALLOWED_HOSTS and never believes Forwarded', async () => {
    const push = await ownedPush(unconfigured);
    const own = `127.0.0.1:${new URL(unconfigured.url).port}`;
    for (const endpoint of linkEndpoints(push.token, apiToken, publicKey)) {
      for (const forged of FORGERIES) {
        const response = await raw(unconfigured, endpoint.method, endpoint.path, { ...endpoint.headers, ...forged }, endpoint.body);
        const where = `${endpoint.method} ${endpoint.path} ${JSON.stringify(forged)}`;
        assert.ok(!response.body.includes(EVIL) && !(response.location ?? '').includes(EVIL), `${where}: ${response.body.slice(0, 300)}`);
        if ('forwarded' in forged && !('host' in forged)) {
          assert.ok(response.status < 300, `${where}: Forwarded alone is ignored (${response.status})`);
          assert.ok(response.body.includes(`http://${own}/`), where);
        } else {
          assert.equal(response.status, 400, where);
          assert.match(response.body, /does not answer to that host name/, where);
        }
      }
      const genuine = await raw(unconfigured, endpoint.method, endpoint.path, endpoint.headers, endpoint.body);
      assert.ok(genuine.status < 300, `${endpoint.method} ${endpoint.path}: ${genuine.status} ${genuine.body.slice(0, 200)}`);
    }
  });
});

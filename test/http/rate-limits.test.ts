import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { settingList } from '../../src/config/settings.js';
import { accountWithToken } from '../support/account-tokens.js';
import { describeEachDatabase } from '../support/each-database.js';
import { json } from '../support/push-helpers.js';
import { spawnPassdrop, type PassdropProcess } from '../support/spawn-passdrop.js';
import { createTestDatabase } from '../support/test-databases.js';
import { GENEROUS_RATE_LIMITS, startTestServer, testServerEnvironment } from '../support/test-server.js';

/**
 * The abuse limits, counted in the database, across two real `passdrop-server` processes sharing one
 * database. Both trust 127.0.0.1 as a proxy, so each test speaks from its own X-Forwarded-For address
 * (the way a load balancer reports clients) and starts with empty per-IP counters.
 */
const LIMITS = {
  TRUSTED_PROXIES: '127.0.0.1',
  PASSDROP_CREATE_LIMIT_PER_IP: '4',
  PASSDROP_CREATE_LIMIT_PER_ACCOUNT: '6',
  PASSDROP_REVEAL_LIMIT_PER_IP: '5',
  PASSDROP_REVEAL_LIMIT_PER_ACCOUNT: '1000',
  PASSDROP_API_LIMIT_PER_IP: '12',
  PASSDROP_API_LIMIT_PER_ACCOUNT: '1000',
  PASSDROP_SIGN_UP_LIMIT_PER_IP: '2',
};

let nextAddress = 1;
/** A client address no other test uses. */
const freshAddress = () => `198.51.100.${nextAddress++}`;

type Json = Record<string, unknown>;

describeEachDatabase('rate limits shared by two processes', (fixture) => {
  const children: PassdropProcess[] = [];
  let urls: string[] = [];
  let token: string;

  before(async () => {
    const env = { ...testServerEnvironment(fixture.database, LIMITS), PASSDROP_MASTER_KEY: randomBytes(32).toString('hex') };
    // The first process migrates the database; the second starts once it is listening.
    children.push(spawnPassdrop(['serve'], env));
    const first = await children[0]!.listening();
    children.push(spawnPassdrop(['serve'], env));
    urls = [first, await children[1]!.listening()];
    token = await accountWithToken(fixture.database, 'limited@example.com');
  });
  after(async () => {
    for (const child of children) child.child.kill('SIGTERM');
    await Promise.all(children.map((child) => child.exited()));
  });

  /** Sends the request to process `index % 2`, from `address`. */
  function send(index: number, address: string, path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${urls[index % 2]}${path}`, { ...init, redirect: 'manual', headers: { 'x-forwarded-for': address, ...(init.headers as Record<string, string>) } });
  }
  const createBody = (payload: string) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: { payload } }) });

  it('count anonymous creations per IP across both processes, and answer 429 with Retry-After in each surface’s shape', async () => {
    const address = freshAddress();
    for (let index = 0; index < 4; index += 1) {
      const response = await send(index, address, '/p.json', createBody(`secret ${index}`));
      assert.equal(response.status, 201, `creation ${index + 1} of 4`);
      await response.arrayBuffer();
    }
    // Password Pusher's API: its own {"error": …} body.
    const pp = await send(0, address, '/p.json', createBody('one too many'));
    assert.equal(pp.status, 429);
    const retryAfter = Number(pp.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${pp.headers.get('retry-after')}`);
    assert.deepEqual(Object.keys(await json<Json>(pp)), ['error']);
    // Our API: the catalogue's body.
    const ours = await send(1, address, '/api/passdrop/v1/pushes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payload: 'x' }) });
    assert.equal(ours.status, 429);
    assert.ok(Number(ours.headers.get('retry-after')) >= 1);
    const body = await json<Json>(ours);
    assert.equal(body.code, 'RATE_LIMITED');
    assert.equal(typeof body.requestId, 'string');
    // The web form: a translated page.
    const page = await send(0, address, '/p', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'accept-language': 'de' },
      body: 'payload=x',
    });
    assert.equal(page.status, 429);
    assert.ok(Number(page.headers.get('retry-after')) >= 1);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /Zu viele Anfragen/);
    // Another address is not affected.
    const other = await send(1, freshAddress(), '/p.json', createBody('from elsewhere'));
    assert.equal(other.status, 201);
  });

  it('count an account’s creations across addresses and processes, and leave anonymous visitors alone', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    for (let index = 0; index < 6; index += 1) {
      // Each from a new address: only the account's count can refuse.
      const response = await send(index, freshAddress(), '/api/passdrop/v1/pushes', { method: 'POST', headers, body: JSON.stringify({ payload: `mine ${index}` }) });
      assert.equal(response.status, 201, `creation ${index + 1} of 6`);
      await response.arrayBuffer();
    }
    const refused = await send(0, freshAddress(), '/api/v2/pushes', { method: 'POST', headers, body: JSON.stringify({ push: { payload: 'seventh' } }) });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const anonymous = await send(1, freshAddress(), '/p.json', createBody('anonymous'));
    assert.equal(anonymous.status, 201);
  });

  it('count reveal attempts per IP (guessing tokens), on the API and on the recipient’s pages', async () => {
    const address = freshAddress();
    const unknown = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const paths = [`/p/${unknown}.json`, `/api/passdrop/v1/pushes/${unknown}/reveal`, `/p/${unknown}`, `/api/passdrop/v1/pushes/${unknown}`, `/p/${unknown}/r`];
    for (const [index, path] of paths.entries()) {
      const response = await send(index, address, path, { method: path.endsWith('/reveal') ? 'POST' : 'GET', headers: { accept: 'text/html' } });
      assert.equal(response.status, 404, `${path} answered ${response.status}`);
      await response.arrayBuffer();
    }
    const api = await send(0, address, `/api/passdrop/v1/pushes/${unknown}/reveal`, { method: 'POST' });
    assert.equal(api.status, 429);
    assert.equal((await json<Json>(api)).code, 'RATE_LIMITED');
    const page = await send(1, address, `/p/${unknown}`, { headers: { accept: 'text/html', 'accept-language': 'fr' } });
    assert.equal(page.status, 429);
    assert.ok(Number(page.headers.get('retry-after')) >= 1);
    assert.match(await page.text(), /Trop de requêtes/);
  });

  it('count every API call per IP, including ones with a wrong token', async () => {
    const address = freshAddress();
    for (let index = 0; index < 12; index += 1) {
      const response = await send(index, address, '/api/v2/version', { headers: index % 3 === 0 ? { authorization: 'Bearer wrong-token' } : {} });
      assert.ok(response.status === 200 || response.status === 401, `call ${index + 1} answered ${response.status}`);
      await response.arrayBuffer();
    }
    const refused = await send(0, address, '/api/passdrop/v1/limits');
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const elsewhere = await send(1, freshAddress(), '/api/passdrop/v1/limits');
    assert.equal(elsewhere.status, 200);
    await elsewhere.arrayBuffer();
  });

  it('count sign-ups per IP', async () => {
    const address = freshAddress();
    const signUp = (index: number, email: string) =>
      send(index, address, '/account/sign-up', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'sec-fetch-site': 'same-origin' },
        body: new URLSearchParams({ email, password: 'a long enough password', password_confirmation: 'a long enough password' }).toString(),
      });
    for (let index = 0; index < 2; index += 1) {
      const response = await signUp(index, `new${index}-${fixture.kind}@example.com`);
      assert.notEqual(response.status, 429, `sign-up ${index + 1} of 2`);
      await response.arrayBuffer();
    }
    const refused = await signUp(0, `third-${fixture.kind}@example.com`);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 60);
    assert.match(await refused.text(), /Too many requests/);
  });
});

describe('the client address behind a proxy', () => {
  it('is read from X-Forwarded-For only when the peer is a trusted proxy: a client cannot escape its limit by sending one', async () => {
    const database = await createTestDatabase('sqlite');
    const server = await startTestServer(database, { env: { PASSDROP_CREATE_LIMIT_PER_IP: '2' } });
    try {
      const statuses: number[] = [];
      for (let index = 0; index < 3; index += 1) {
        const response = await server.fetch('/p.json', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${index}` },
          body: JSON.stringify({ password: { payload: 'x' } }),
        });
        statuses.push(response.status);
        await response.arrayBuffer();
      }
      assert.deepEqual(statuses, [201, 201, 429]);
    } finally {
      await server.stop();
      await database.drop();
    }
  });

  it('groups IPv6 clients by their /64', async () => {
    const database = await createTestDatabase('sqlite');
    const server = await startTestServer(database, { env: { PASSDROP_CREATE_LIMIT_PER_IP: '2', TRUSTED_PROXIES: '127.0.0.1' } });
    try {
      const statuses: number[] = [];
      for (const address of ['2001:db8:1:2::1', '2001:db8:1:2::ffff', '2001:db8:1:2:aaaa::3', '2001:db8:1:3::1']) {
        const response = await server.fetch('/p.json', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
          body: JSON.stringify({ password: { payload: 'x' } }),
        });
        statuses.push(response.status);
        await response.arrayBuffer();
      }
      assert.deepEqual(statuses, [201, 201, 429, 201]);
    } finally {
      await server.stop();
      await database.drop();
    }
  });
});

describe('a limit window', () => {
  it('ends: after Retry-After seconds on the server’s clock the client may create again', async () => {
    const database = await createTestDatabase('sqlite');
    let now = Date.parse('2026-03-01T12:00:00Z');
    const server = await startTestServer(database, { env: { PASSDROP_CREATE_LIMIT_PER_IP: '1' }, clock: () => now });
    try {
      const create = () =>
        server.fetch('/api/passdrop/v1/pushes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payload: 'x' }) });
      assert.equal((await create()).status, 201);
      now += 20_000;
      const refused = await create();
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '40');
      now += 40_000;
      assert.equal((await create()).status, 201);
    } finally {
      await server.stop();
      await database.drop();
    }
  });
});

describe('the defaults', () => {
  it('are on, with 30 anonymous creations a minute per IP', async () => {
    const result = loadConfig({});
    assert.ok(result.ok);
    const { rateLimits } = result.config.operations;
    assert.equal(rateLimits.enabled, true);
    assert.deepEqual(rateLimits.actions.create, { perIp: 30, perAccount: 120, windowMs: 60_000 });
    const database = await createTestDatabase('sqlite');
    // The test servers' generous limits set back to the defaults.
    const defaults = Object.fromEntries(Object.keys(GENEROUS_RATE_LIMITS).map((name) => [name, String(settingList.find((setting) => setting.name === name)!.defaultValue)]));
    const server = await startTestServer(database, { env: defaults });
    try {
      const statuses: number[] = [];
      for (let index = 0; index < 31; index += 1) {
        const response = await server.fetch('/p.json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: { payload: 'x' } }) });
        statuses.push(response.status);
        await response.arrayBuffer();
      }
      assert.deepEqual(statuses, [...Array<number>(30).fill(201), 429]);
    } finally {
      await server.stop();
      await database.drop();
    }
  });

  it('can be turned off', async () => {
    const database = await createTestDatabase('sqlite');
    const server = await startTestServer(database, { env: { PASSDROP_RATE_LIMITS: 'false', PASSDROP_CREATE_LIMIT_PER_IP: '1' } });
    try {
      for (let index = 0; index < 3; index += 1) {
        const response = await server.fetch('/p.json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: { payload: 'x' } }) });
        assert.equal(response.status, 201);
        await response.arrayBuffer();
      }
    } finally {
      await server.stop();
      await database.drop();
    }
  });
});

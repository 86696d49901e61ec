/**
 * Password Pusher's JSON test groups (creation, retrieval, passphrase, deletion, preview, version and the
 * anonymous auth matrix), re-expressed as black-box HTTP tests against Passdrop on both databases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeEachDatabase } from '../support/each-database.js';
import { createPasswordPusherPush, json } from '../support/push-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const PUSH_KEYS = [
  'expire_after_views', 'expired', 'url_token', 'deletable_by_viewer', 'retrieval_step', 'expired_on', 'passphrase',
  'created_at', 'updated_at', 'expire_after_days', 'days_remaining', 'views_remaining', 'deleted', 'json_url', 'html_url',
];
const CREATE_KEYS = [...PUSH_KEYS, 'note', 'name'];
const SHOW_KEYS = [...PUSH_KEYS, 'payload', 'files'];
const PASSPHRASE_401 = {
  error: 'That passphrase is incorrect.',
  message: "This push requires a passphrase. Please provide it using the 'passphrase' parameter (e.g. ?passphrase=mysecret)",
  status: 'unauthorized',
};
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describeEachDatabase('Password Pusher API', (fixture) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(fixture.database, {
      env: { PASSDROP_BASE_URL: 'https://pwpush.example.com', PASSDROP_QR_MAX_CHARACTERS: '32', PASSDROP_TEXT_MAX_CHARACTERS: '64' },
    });
  });
  after(() => server.stop());

  const postForm = (path: string, fields: Record<string, string>) =>
    server.fetch(path, { method: 'POST', body: new URLSearchParams(fields) });
  const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    server.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const get = (path: string, headers: Record<string, string> = {}) => server.fetch(path, { headers });

  describe('creation', () => {
    it('answers 201 with the exact keys, in order, and the default values', async () => {
      const response = await postForm('/p.json', { 'password[payload]': 'testpw' });
      assert.equal(response.status, 201);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      const push = await json(response);
      assert.deepEqual(Object.keys(push), CREATE_KEYS);
      assert.equal(push.expire_after_views, 5);
      assert.equal(push.expire_after_days, 7);
      assert.equal(push.days_remaining, 7);
      assert.equal(push.views_remaining, 5);
      assert.equal(push.expired, false);
      assert.equal(push.deleted, false);
      assert.equal(push.deletable_by_viewer, true);
      assert.equal(push.retrieval_step, true);
      assert.equal(push.expired_on, null);
      assert.equal(push.passphrase, '');
      assert.equal(push.note, '');
      assert.equal(push.name, '');
      assert.match(push.created_at as string, ISO_MS);
      assert.match(push.url_token as string, /^[A-Za-z0-9_-]{22}$/);
      assert.equal(push.html_url, `https://pwpush.example.com/p/${push.url_token}/r`);
      assert.equal(push.json_url, `https://pwpush.example.com/p/${push.url_token}/r.json`);
      assert.ok(!('payload' in push), 'the create response never carries the payload');
    });

    it('takes JSON and multipart bodies as well as forms', async () => {
      const fromJson = await json(await postJson('/p.json', { password: { payload: 'json body', expire_after_views: 2 } }));
      assert.equal(fromJson.expire_after_views, 2);
      const form = new FormData();
      form.set('password[payload]', 'multipart body');
      form.set('password[expire_after_days]', '3');
      const response = await server.fetch('/p.json', { method: 'POST', body: form });
      assert.equal(response.status, 201);
      assert.equal((await json(response)).expire_after_days, 3);
    });

    it('honours deletable_by_viewer and retrieval_step, true and false, and custom days and views', async () => {
      const off = await createPasswordPusherPush(server, { payload: 'x', deletable_by_viewer: 'false', retrieval_step: 'false', expire_after_days: '2', expire_after_views: '10' });
      assert.deepEqual([off.deletable_by_viewer, off.retrieval_step, off.expire_after_days, off.expire_after_views], [false, false, 2, 10]);
      assert.equal(off.html_url, `https://pwpush.example.com/p/${off.url_token}`);
      const on = await createPasswordPusherPush(server, { payload: 'x', deletable_by_viewer: 'on', retrieval_step: 'checked' });
      assert.deepEqual([on.deletable_by_viewer, on.retrieval_step], [true, true]);
      const jsonTrue = await json(await postJson('/p.json', { password: { payload: 'x', deletable_by_viewer: true, retrieval_step: false } }));
      assert.deepEqual([jsonTrue.deletable_by_viewer, jsonTrue.retrieval_step], [true, false]);
    });

    it('chooses the kind from `kind` on /p.json; URL pushes are never deletable by viewers', async () => {
      const url = await createPasswordPusherPush(server, { payload: 'https://example.com', kind: 'url', deletable_by_viewer: 'true' });
      assert.equal(url.deletable_by_viewer, null);
      const qr = await createPasswordPusherPush(server, { payload: 'qr text', kind: 'qr' });
      assert.equal(qr.deletable_by_viewer, true);
    });

    it('keeps unicode intact', async () => {
      const push = await createPasswordPusherPush(server, { payload: '£¬ 秘密 🔑', retrieval_step: 'false' });
      assert.equal((await json(await get(`/p/${push.url_token}.json`))).payload, '£¬ 秘密 🔑');
    });

    it('answers 400 when the root key is missing', async () => {
      for (const [path, root] of [['/p.json', 'password'], ['/api/v2/pushes', 'push']] as const) {
        const response = await postJson(path, { payload: 'x' });
        assert.equal(response.status, 400);
        assert.deepEqual(await json(response), { error: `param is missing or the value is empty or invalid: ${root}` });
      }
    });

    it("answers 422 with Password Pusher's error hashes", async () => {
      const cases: Array<[Record<string, unknown>, Record<string, string[]>]> = [
        [{ payload: '' }, { payload: ['Payload is required.'] }],
        [{ expire_after_days: 3 }, { payload: ['Payload is required.'] }],
        [{ payload: 'x'.repeat(65) }, { payload: ['The payload is too large.  You can only push up to 64 bytes.'] }],
        [{ payload: 'javascript:alert(1)', kind: 'url' }, { payload: ['must be a valid HTTP or HTTPS URL.'] }],
        [{ payload: 'y'.repeat(33), kind: 'qr' }, { payload: ['The QR code payload is too large.  You can only push up to 32 bytes.'] }],
      ];
      for (const [fields, expected] of cases) {
        const response = await postJson('/p.json', { password: fields });
        assert.equal(response.status, 422, JSON.stringify(fields));
        assert.deepEqual(await json(response), expected);
      }
    });

    it('refuses out-of-range expiry with a 422 that states the bounds (Password Pusher would silently use the default)', async () => {
      const response = await postJson('/p.json', { password: { payload: 'x', expire_after_days: 500, expire_after_views: 0 } });
      assert.equal(response.status, 422);
      assert.deepEqual(await json(response), {
        expire_after_days: ['must be a whole number of days between 1 and 90.'],
        expire_after_views: ['must be a whole number of views between 1 and 100.'],
      });
    });

    it('creates through v2 with the push root key, and maps the CLI\'s expire_after_duration index to days', async () => {
      const response = await postJson('/api/v2/pushes', { push: { payload: 'v2', expire_after_duration: 12 } });
      assert.equal(response.status, 201);
      const push = await json(response);
      assert.deepEqual(Object.keys(push), CREATE_KEYS);
      assert.equal(push.expire_after_days, 7);
      assert.equal((await json(await postJson('/api/v2/pushes', { push: { payload: 'v2', expire_after_duration: 17 } }))).expire_after_days, 90);
      assert.equal((await json(await postJson('/api/v2/pushes', { push: { payload: 'v2', expire_after_duration: 6 } }))).expire_after_days, 1);
      const nullPayload = await postJson('/api/v2/pushes', { push: { payload: null } });
      assert.equal(nullPayload.status, 422);
    });

    it('allows cross-origin creation on POST /p.json only', async () => {
      const response = await postForm('/p.json', { 'password[payload]': 'cors' });
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
      const preflight = await server.fetch('/p.json', {
        method: 'OPTIONS',
        headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
      const v2 = await postJson('/api/v2/pushes', { push: { payload: 'x' } });
      assert.equal(v2.headers.get('access-control-allow-origin'), null);
    });
  });

  describe('retrieval', () => {
    it('counts views down 2 → 1 → 0, then answers the expired shape', async () => {
      const push = await createPasswordPusherPush(server, { payload: 'countdown', expire_after_views: '3' });
      const remaining = [];
      for (let view = 0; view < 3; view += 1) {
        const body = await json(await get(`/p/${push.url_token}.json`));
        assert.deepEqual(Object.keys(body), SHOW_KEYS);
        assert.equal(body.payload, 'countdown');
        assert.equal(body.expired, false);
        assert.deepEqual(body.files, []);
        remaining.push(body.views_remaining);
      }
      assert.deepEqual(remaining, [2, 1, 0]);
      const response = await get(`/p/${push.url_token}.json`);
      assert.equal(response.status, 200);
      const expired = await json(response);
      assert.deepEqual(Object.keys(expired), SHOW_KEYS);
      assert.equal(expired.expired, true);
      assert.equal(expired.payload, null);
      assert.equal(expired.passphrase, null);
      assert.equal(expired.deleted, false);
      assert.deepEqual(expired.files, []);
      assert.match(expired.expired_on as string, ISO_MS);
    });

    it('serves the same push under /p, /f, /r, the retrieval-step json_url, Accept: application/json and v2', async () => {
      const push = await createPasswordPusherPush(server, { payload: 'everywhere', expire_after_views: '10' });
      const token = push.url_token as string;
      const paths: Array<[string, Record<string, string>]> = [
        [`/p/${token}.json`, {}],
        [`/f/${token}.json`, {}],
        [`/r/${token}.json`, {}],
        [`/p/${token}/r.json`, {}],
        [`/p/${token}`, { accept: 'application/json' }],
        [`/api/v2/pushes/${token}`, {}],
        [`/api/v2/pushes/${token}.json`, {}],
      ];
      for (const [path, headers] of paths) {
        const response = await get(path, headers);
        assert.equal(response.status, 200, path);
        assert.equal((await json(response)).payload, 'everywhere', path);
      }
    });

    it('answers 404 {"error":"not-found"} for an unknown token on v1 and v2', async () => {
      for (const path of ['/p/AAAAAAAAAAAAAAAAAAAAAA.json', '/api/v2/pushes/AAAAAAAAAAAAAAAAAAAAAA', '/p/nope.json']) {
        const response = await get(path);
        assert.equal(response.status, 404, path);
        assert.deepEqual(await json(response), { error: 'not-found' });
      }
    });
  });

  describe('passphrase', () => {
    it('answers the exact 401 without or with a wrong passphrase, then the payload with the right one', async () => {
      const push = await createPasswordPusherPush(server, { payload: 'locked', passphrase: 'hunter2', expire_after_views: '5' });
      assert.equal(push.passphrase, null, 'the passphrase is never echoed');
      for (const path of [`/p/${push.url_token}.json`, `/p/${push.url_token}.json?passphrase=wrong`, `/api/v2/pushes/${push.url_token}?passphrase=wrong`]) {
        const response = await get(path);
        assert.equal(response.status, 401, path);
        assert.deepEqual(await json(response), PASSPHRASE_401);
      }
      const viaQuery = await json(await get(`/p/${push.url_token}.json?passphrase=hunter2`));
      assert.equal(viaQuery.payload, 'locked');
      assert.equal(viaQuery.passphrase, null);
    });

    it('answers 429 after 5 passphrase attempts in a minute', async () => {
      const push = await createPasswordPusherPush(server, { payload: 'limited', passphrase: 'right', expire_after_views: '5' });
      for (let attempt = 0; attempt < 5; attempt += 1) assert.equal((await get(`/p/${push.url_token}.json?passphrase=bad${attempt}`)).status, 401);
      const limited = await get(`/p/${push.url_token}.json?passphrase=right`);
      assert.equal(limited.status, 429);
      assert.deepEqual(await json(limited), { error: 'Too many passphrase attempts. Please try again in a minute.' });
    });
  });

  describe('deletion', () => {
    it('expires a deletable push, answering the deleted shape; a later GET shows it expired', async () => {
      const push = await createPasswordPusherPush(server, { payload: 'bye', expire_after_views: '5' });
      const response = await server.fetch(`/p/${push.url_token}.json`, { method: 'DELETE' });
      assert.equal(response.status, 200);
      const deleted = await json(response);
      assert.deepEqual(Object.keys(deleted), PUSH_KEYS);
      assert.deepEqual([deleted.expired, deleted.deleted, deleted.passphrase], [true, true, null]);
      const later = await json(await get(`/p/${push.url_token}.json`));
      assert.deepEqual([later.expired, later.deleted, later.payload], [true, true, null]);
      const again = await server.fetch(`/api/v2/pushes/${push.url_token}`, { method: 'DELETE' });
      assert.equal(again.status, 200);
      assert.equal((await json(again)).expired, true);
    });

    it('refuses to delete a push that is not deletable by viewers', async () => {
      const push = await createPasswordPusherPush(server, { payload: 'stay', deletable_by_viewer: 'false' });
      const response = await server.fetch(`/p/${push.url_token}.json`, { method: 'DELETE' });
      assert.equal(response.status, 401);
      assert.deepEqual(await json(response), { error: 'That push is not deletable by viewers.' });
      assert.equal((await json(await get(`/p/${push.url_token}.json`))).payload, 'stay');
    });
  });

  describe('preview', () => {
    it('answers the secret URL without using a view, on the configured base URL', async () => {
      const push = await createPasswordPusherPush(server, { payload: 'peek', expire_after_views: '1' });
      for (const path of [`/p/${push.url_token}/preview.json`, `/api/v2/pushes/${push.url_token}/preview`]) {
        assert.deepEqual(await json(await get(path)), { url: `https://pwpush.example.com/p/${push.url_token}/r` });
      }
      const plain = await createPasswordPusherPush(server, { payload: 'peek', retrieval_step: 'false' });
      assert.deepEqual(await json(await get(`/p/${plain.url_token}/preview.json`)), { url: `https://pwpush.example.com/p/${plain.url_token}` });
      assert.equal((await json(await get(`/p/${push.url_token}.json`))).payload, 'peek', 'the preview used no view');
      assert.equal((await get('/p/AAAAAAAAAAAAAAAAAAAAAA/preview.json')).status, 404);
    });
  });

  describe('version', () => {
    it('answers the v1 and v2 version payloads', async () => {
      for (const path of ['/api/v1/version', '/api/v1/version.json']) {
        assert.deepEqual(await json(await get(path)), { application_version: '2.11.4', api_version: '1.5', edition: 'oss' });
      }
      const v2 = await json(await get('/api/v2/version'));
      assert.deepEqual(v2, {
        application_version: '2.11.4',
        api_version: '2.1',
        edition: 'oss',
        features: {
          anonymous_access: true,
          api_token_authentication: true,
          accounts: { enabled: false },
          pushes: {
            enabled: true,
            email_auto_dispatch: false,
            file_attachments: { enabled: true, requires_authentication: true },
            url_pushes: { enabled: true },
            qr_code_pushes: { enabled: true },
          },
          requests: { enabled: false },
        },
      });
    });
  });

  describe('anonymous auth matrix', () => {
    it('answers 401 to an invalid token everywhere except the version endpoints', async () => {
      const push = await createPasswordPusherPush(server, { payload: 'matrix' });
      const token = push.url_token as string;
      const invalidTokens: Array<Record<string, string>> = [{ authorization: 'Bearer not-a-real-token' }, { 'x-user-email': 'a@b.c', 'x-user-token': 'nope' }];
      for (const headers of invalidTokens) {
        for (const [method, path] of [
          ['GET', `/p/${token}.json`],
          ['GET', `/p/${token}/preview.json`],
          ['GET', `/api/v2/pushes/${token}`],
          ['DELETE', `/api/v2/pushes/${token}`],
        ]) {
          assert.equal((await server.fetch(path!, { method, headers })).status, 401, `${method} ${path}`);
        }
        assert.equal((await postJson('/p.json', { password: { payload: 'x' } }, headers)).status, 401);
        assert.equal((await get('/api/v1/version', headers)).status, 200);
        assert.equal((await get('/api/v2/version', headers)).status, 200);
      }
      assert.equal((await json(await get(`/p/${token}.json`))).payload, 'matrix', 'refused requests used no view');
    });

    it('needs a token to create on /f.json and /r.json, and for audit, active and expired', async () => {
      assert.equal((await postJson('/f.json', { file_push: { payload: 'x' } })).status, 401);
      assert.equal((await postJson('/r.json', { url: { payload: 'https://example.com' } })).status, 401);
      const push = await createPasswordPusherPush(server, { payload: 'x' });
      for (const path of [`/p/${push.url_token}/audit.json`, '/p/active.json', '/p/expired.json', `/api/v2/pushes/${push.url_token}/audit`, '/api/v2/pushes/active', '/api/v2/pushes/expired']) {
        assert.equal((await get(path)).status, 401, path);
      }
    });

    it('has no requests endpoint in the open edition', async () => {
      assert.equal((await get('/api/v2/requests')).status, 404);
    });
  });
});

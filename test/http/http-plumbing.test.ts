import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { describeEachDatabase } from '../support/each-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const SECRET_IN_EXCEPTION = 'the-database-password-is-swordfish';

const API = '/api/passdrop/v1';
const publicRoute = { config: { access: 'public' } } as const;

/** Probe routes added inside the real surfaces for these tests only. */
const probeRoutes = {
  'passdrop-api': (app: FastifyInstance) => {
    app.post('/probe/echo', publicRoute, async (request) => ({ received: request.body }));
    app.get('/probe/boom', publicRoute, async () => {
      throw new Error(`connection failed: ${SECRET_IN_EXCEPTION}`);
    });
  },
  'password-pusher-api': (app: FastifyInstance) => {
    app.post('/api/probe/form', publicRoute, async (request) => ({ received: request.body }));
  },
  web: (app: FastifyInstance) => {
    app.get('/probe/boom', publicRoute, async () => {
      throw new Error(`connection failed: ${SECRET_IN_EXCEPTION}`);
    });
  },
};

describeEachDatabase('HTTP plumbing', (fixture) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(fixture.database, {
      env: { PASSDROP_BODY_LIMIT_BYTES: '2048' },
      probeRoutes,
    });
  });
  after(() => server.stop());

  it('puts a fresh request id on every response and ignores one sent by the client', async () => {
    const first = await server.fetch('/up', { headers: { 'x-request-id': 'forged' } });
    const second = await server.fetch('/nowhere');
    const ids = [first.headers.get('x-request-id'), second.headers.get('x-request-id')];
    for (const id of ids) assert.match(id ?? '', /^[0-9a-f-]{36}$/);
    assert.notEqual(ids[0], ids[1]);
  });

  it('answers JSON 404 on unknown API paths, with the request id', async () => {
    for (const path of ['/api/v9/nothing', '/nothing.json']) {
      const response = await server.fetch(path);
      assert.equal(response.status, 404);
      assert.match(response.headers.get('content-type') ?? '', /application\/json/);
      const body = await response.json();
      assert.deepEqual(body, {
        code: 'ROUTE_NOT_FOUND',
        error: 'There is nothing at this address.',
        requestId: response.headers.get('x-request-id'),
      });
    }
  });

  it("answers a browser's 404 with a page in the site's look and the reader's language", async () => {
    const response = await server.fetch('/no/such/page', { headers: { accept: 'text/html' } });
    assert.equal(response.status, 404);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    const page = await response.text();
    assert.match(page, /<h1>There is nothing here<\/h1>/);
    assert.match(page, /\/assets\/passdrop\.css/);
    const german = await server.fetch('/no/such/page', { headers: { accept: 'text/html', 'accept-language': 'de' } });
    assert.match(await german.text(), /<h1>Hier ist nichts<\/h1>/);
  });

  it('answers 405 with an Allow header when the path exists for other methods', async () => {
    const response = await server.fetch(`${API}/probe/echo`, { method: 'DELETE' });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'POST');
    const body = (await response.json()) as { code: string; error: string };
    assert.equal(body.code, 'METHOD_NOT_ALLOWED');
    assert.equal(body.error, 'This address does not accept the DELETE method.');
  });

  it('refuses a body over the limit with 413 and says what the limit is', async () => {
    const response = await server.fetch(`${API}/probe/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payload: 'x'.repeat(4096) }),
    });
    assert.equal(response.status, 413);
    const body = (await response.json()) as { code: string; error: string };
    assert.equal(body.code, 'BODY_TOO_LARGE');
    assert.equal(body.error, 'The request body is larger than the 2 KiB this server accepts.');
  });

  it('answers 400 to malformed JSON and 415 to an unknown content type', async () => {
    const malformed = await server.fetch(`${API}/probe/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"payload": ',
    });
    assert.equal(malformed.status, 400);
    assert.deepEqual(
      { ...((await malformed.json()) as object), requestId: undefined },
      { code: 'INVALID_BODY', error: 'The request body could not be read: it is not valid JSON.', requestId: undefined },
    );
    const unknown = await server.fetch(`${API}/probe/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-something' },
      body: 'hello',
    });
    assert.equal(unknown.status, 415);
    const refusal = (await unknown.json()) as { code: string; error: string };
    assert.deepEqual([refusal.code, refusal.error], ['UNSUPPORTED_MEDIA_TYPE', 'The request body must be JSON, sent with Content-Type: application/json.'], 'our API names only what it reads');
    for (const [type, body] of [['application/x-www-form-urlencoded', 'payload=hello'], ['text/plain', 'hello']]) {
      const refused = await server.fetch(`${API}/probe/echo`, { method: 'POST', headers: { 'content-type': type! }, body: body! });
      assert.equal(refused.status, 415, `${type} is refused as a type, not as a malformed body`);
    }
    const elsewhere = await server.fetch('/api/probe/form', { method: 'POST', headers: { 'content-type': 'application/x-something' }, body: 'hello' });
    assert.equal(((await elsewhere.json()) as { error: string }).error, 'The request body must be JSON, a URL-encoded form or multipart form data.');
  });

  it('parses nested form fields the way Password Pusher clients send them', async () => {
    const response = await server.fetch('/api/probe/form', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'password%5Bpayload%5D=hello&password%5Bexpire_after_views%5D=2',
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { received: { password: { payload: 'hello', expire_after_views: '2' } } });
  });

  it('answers a 500 whose body holds the request id and nothing from the exception', async () => {
    for (const path of [`${API}/probe/boom`, '/probe/boom']) {
      const response = await server.fetch(path);
      assert.equal(response.status, 500);
      const text = await response.text();
      assert.ok(!text.includes(SECRET_IN_EXCEPTION), 'the exception message must not reach the client');
      assert.ok(text.includes(response.headers.get('x-request-id') ?? 'missing'));
    }
    const json = (await (await server.fetch(`${API}/probe/boom`)).json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json).sort(), ['code', 'error', 'requestId']);
    assert.equal(json.code, 'INTERNAL_ERROR');
    assert.ok(server.logs.some((line) => line.includes('"request failed"')), 'the failure is logged for operators');
  });

  it('sends security headers with a CSP that allows no inline script or eval', async () => {
    const response = await server.fetch('/up');
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /object-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.equal(response.headers.get('x-robots-tag'), 'noindex, nofollow');
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  it('sends the full page set on pages and the API set on JSON: nosniff, no-store, noindex, a CSP that runs nothing', async () => {
    const page = await server.fetch('/');
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.match(page.headers.get('permissions-policy') ?? '', /camera=\(\)/);
    for (const path of [`${API}/limits`, '/p/not-a-real-token.json', `${API}/pushes/not-a-real-token`]) {
      const response = await server.fetch(path);
      assert.match(response.headers.get('content-type') ?? '', /application\/json/, path);
      assert.equal(response.headers.get('content-security-policy'), "default-src 'none';frame-ancestors 'none'", path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(response.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer', path);
      assert.equal(response.headers.get('x-robots-tag'), 'noindex, nofollow', path);
      assert.equal(response.headers.get('cache-control'), 'no-store', path);
      assert.ok(response.headers.get('x-request-id'), path);
      // Page-only headers stay off JSON.
      assert.equal(response.headers.get('permissions-policy'), null, path);
    }
  });

  it('marks error responses no-store and noindex too', async () => {
    const response = await server.fetch('/api/nothing');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('x-robots-tag'), 'noindex, nofollow');
  });

  it('serves a robots.txt that disallows everything', async () => {
    const response = await server.fetch('/robots.txt');
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'User-agent: *\nDisallow: /\n');
  });
});

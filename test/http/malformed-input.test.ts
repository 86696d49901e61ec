import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, it } from 'node:test';
import { accountWithToken } from '../support/account-tokens.js';
import { describeEachDatabase } from '../support/each-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { PASSWORD, WebClient, signUp } from '../support/web-client.js';

/** The malformed inputs of issue 12, item 3, each of which answered 500 before. */
describeEachDatabase('malformed input gets a 4xx in the documented shape', (fixture) => {
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startTestServer(fixture.database);
    token = await accountWithToken(fixture.database, 'malformed@example.com');
  });
  after(() => server.stop());

  const serverErrors = () => server.logs.filter((line) => line.includes('"level":50'));

  it('answers an object where Password Pusher expects text with 422 and the field, on every create route', async () => {
    for (const [path, root] of [['/p.json', 'password'], ['/f.json', 'file_push'], ['/r.json', 'url'], ['/api/v2/pushes', 'push']] as const) {
      for (const field of ['payload', 'passphrase', 'name', 'note']) {
        const response = await server.fetch(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: `{"${root}":{"${field}":{"toString":1}${field === 'payload' ? '' : ',"payload":"x"'}}}`,
        });
        assert.equal(response.status, 422, `${path} ${field}`);
        assert.deepEqual(await response.json(), { [field]: ['must be text.'] }, `${path} ${field}`);
      }
    }
    const flag = await server.fetch('/p.json', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"password":{"payload":"x","retrieval_step":{"toString":1},"deletable_by_viewer":[1]}}',
    });
    assert.equal(flag.status, 201, 'an object is not a true flag');
    await flag.arrayBuffer();
    assert.deepEqual(serverErrors(), []);
  });

  it('answers multipart without a boundary, or cut short, with a 4xx on every POST route', async () => {
    const posts = server.app.routeTable.filter((route) => route.method === 'POST');
    assert.ok(posts.length > 30);
    const bodies = [
      { type: 'multipart/form-data', body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n' },
      { type: 'multipart/form-data; boundary=x', body: '--x\r\nContent-Disposition: form-data; name="password[payload]"\r\n\r\ncut sho' },
      { type: 'multipart/form-data; boundary=x', body: '--x\r\nContent-Disposition: form-data; name="files[]"; filename="a"\r\n\r\nhalf' },
    ];
    for (const route of posts) {
      const path = route.url.replace(/:\w+/g, 'AAAAAAAAAAAAAAAAAAAAAA');
      for (const { type, body } of bodies) {
        // Routes told apart by format (a JSON twin of a web path) are reached as their clients reach them.
        const accept: Record<string, string> = route.format === 'json' ? { accept: 'application/json' } : {};
        const response = await server.fetch(path, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${token}`, ...accept }, body, redirect: 'manual' });
        // A web page that needs a session sends a visitor to sign in first (303), before reading any body.
        if (response.status === 303 && route.surface === 'web') {
          assert.match(response.headers.get('location') ?? '', /\/account\/sign-in/);
          continue;
        }
        assert.ok(response.status >= 400 && response.status < 500, `${route.url} ${type}: ${response.status}`);
        const answer = (await response.json()) as Record<string, unknown>;
        assert.equal(typeof answer.error, 'string', `${route.url}: ${JSON.stringify(answer)}`);
      }
    }
    const pp = await server.fetch('/p.json', { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: 'x' });
    assert.deepEqual([pp.status, await pp.json()], [400, { error: 'The request body could not be read: it is not well-formed multipart form data.' }]);
    assert.deepEqual(serverErrors(), []);
  });

  it('shows every HTML page with a malformed locale cookie', async () => {
    const pages = server.app.routeTable.filter((route) => route.method === 'GET' && route.surface === 'web' && !route.url.includes('/assets/'));
    for (const route of pages) {
      const response = await server.fetch(route.url.replace(/:\w+/g, 'AAAAAAAAAAAAAAAAAAAAAA'), {
        headers: { cookie: 'passdrop_locale=%', accept: 'text/html' },
        redirect: 'manual',
      });
      assert.ok(response.status < 500, `${route.url}: ${response.status}`);
      await response.arrayBuffer();
    }
    assert.deepEqual(serverErrors(), []);
  });

  it('signs in with a non-ASCII next= and goes to the dashboard instead', async () => {
    const client = new WebClient(server);
    assert.equal((await signUp(client, 'next@example.com')).status, 303);
    for (const next of ['/dashboard/\u00e9t\u00e9', '/%C3%A9', '/\u2028']) {
      const fresh = new WebClient(server);
      await fresh.get(`/account/sign-in?next=${encodeURIComponent(next)}`);
      const response = await fresh.post('/account/sign-in', { email: 'next@example.com', password: PASSWORD, next });
      assert.equal(response.status, 303, next);
      assert.match(response.headers.get('location') ?? '', /^[\x21-\x7e]+$/, next);
      assert.ok(fresh.cookies.has('passdrop_session'));
    }
    assert.deepEqual(serverErrors(), []);
  });

  it('answers a path with a lone % with 400 INVALID_URL in the catalogue shape, also on a closing connection', async () => {
    for (const path of ['/p/%.json', '/api/passdrop/v1/pushes/%', `/p/${'x'.repeat(600)}.json`]) {
      const response = await server.fetch(path);
      assert.equal(response.status, 400, path);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body.code, 'INVALID_URL');
      assert.equal(typeof body.requestId, 'string');
    }
    const page = await server.fetch('/p/%', { headers: { accept: 'text/html' } });
    assert.equal(page.status, 400);
    assert.match(await page.text(), /<html/);
    // A body the router never read, on `Connection: close`: one response, not a second unasked-for 400.
    const answer = await new Promise<{ status: number; error?: string }>((resolve) => {
      const request = http.request(`${server.url}/p/%.json`, { method: 'DELETE', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (response) => {
        response.resume();
        response.on('end', () => setTimeout(() => resolve({ status: response.statusCode! }), 100));
      });
      request.on('error', (error) => resolve({ status: 0, error: error.message }));
      request.write('a=1');
      request.end();
    });
    assert.deepEqual(answer, { status: 400 });
  });

  it('answers an id past the database integer range with 422, not a database error', async () => {
    const response = await server.fetch('/api/passdrop/v1/tokens/99999999999999999999', { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 422);
    assert.equal(((await response.json()) as { code: string }).code, 'VALIDATION_FAILED');
    assert.deepEqual(serverErrors(), []);
  });

  it('answers the page of an unknown or closed request without logging a server error', async () => {
    const response = await server.fetch('/req/AAAAAAAAAAAAAAAAAAAAAA', { headers: { accept: 'text/html' } });
    assert.equal(response.status, 404);
    await response.arrayBuffer();
    assert.deepEqual(serverErrors(), []);
  });
});

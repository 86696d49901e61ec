import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { RouteTableEntry } from '../../src/surfaces/surface-kit/route-access.js';
import { describeEachDatabase } from '../support/each-database.js';
import { createPush, json } from '../support/push-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * The reviewed list of what a public gateway process (PASSDROP_GATEWAY=true) serves: what recipients
 * need — delivery pages, reveal, passphrase, delete-now, answering a request — plus /up and robots.txt.
 * Static assets are checked as a group (all served). A route that declares `config.gateway` without
 * being listed here, or the reverse, fails the first test.
 */
const GATEWAY_ROUTES = new Set([
  'GET /up',
  'HEAD /up',
  'GET /robots.txt',
  'HEAD /robots.txt',
  // the pages' icon (an asset the browser asks for at the root)
  'GET /favicon.ico',
  'HEAD /favicon.ico',
  // Password Pusher's JSON retrieval and delete (a recipient's json_url)
  ...['p', 'f', 'r'].flatMap((prefix) => [
    `GET /${prefix}/:token/r.json`,
    `GET /${prefix}/:token.json`,
    `GET /${prefix}/:token [json]`,
    `DELETE /${prefix}/:token.json`,
    `DELETE /${prefix}/:token`,
  ]),
  'GET /api/v2/pushes/:token',
  'GET /api/v2/pushes/:token.json',
  'DELETE /api/v2/pushes/:token',
  'DELETE /api/v2/pushes/:token.json',
  // Passdrop API: what the recipient's page and the CLI call
  'GET /api/passdrop/v1/pushes/:token',
  'POST /api/passdrop/v1/pushes/:token/reveal',
  'GET /api/passdrop/v1/pushes/:token/files/:position/:grant',
  'GET /p/:token/files/:position/:grant',
  'DELETE /api/passdrop/v1/pushes/:token',
  'GET /api/passdrop/v1/requests/:token/form',
  'POST /api/passdrop/v1/requests/:token/answers',
  // web: the recipient's and the responder's pages
  ...['p', 'f', 'r'].flatMap((prefix) => [`GET /${prefix}/:token`, `HEAD /${prefix}/:token`, `GET /${prefix}/:token/r`, `HEAD /${prefix}/:token/r`]),
  'POST /p/:token/reveal',
  'POST /p/:token/delete',
  'GET /p/:token/deleted',
  'GET /p/:token/revealed',
  'HEAD /p/:token/deleted',
  'GET /req/:token',
  'HEAD /req/:token',
  'POST /req/:token',
]);

const keyOf = (route: RouteTableEntry) => `${route.method} ${route.url}${route.format ? ` [${route.format}]` : ''}`;
const isAsset = (route: RouteTableEntry) => route.url.startsWith('/assets/');

function concretePath(url: string, token: string): string {
  return url
    .replace(':token', token)
    .replace(':id', '1')
    .replace(':answer', 'AAAAAAAAAAAAAAAAAAAAAA')
    .replace(':action', 'promote')
    .replace('*', 'index.css');
}

/** The same path spelled the ways that slip past a check reading the URL's text. */
function spellings(path: string): string[] {
  return [
    path,
    path.replace(/\/([a-z])/g, (_whole, letter: string) => `/%${letter.charCodeAt(0).toString(16).toUpperCase()}`),
    path.replace(/\./g, '%2E'),
    path.endsWith('/') ? path : `${path}/`,
    path.replace(/\//g, '//'),
    path.toUpperCase(),
    `${path};jsessionid=1`,
  ];
}

function requestFor(route: RouteTableEntry): RequestInit {
  const headers: Record<string, string> = {};
  if (route.format === 'json') headers.accept = 'application/json';
  else if (route.surface === 'web') headers.accept = 'text/html';
  const hasBody = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH';
  if (hasBody) headers['content-type'] = route.surface === 'web' ? 'application/x-www-form-urlencoded' : 'application/json';
  return { method: route.method, headers, redirect: 'manual', ...(hasBody ? { body: route.surface === 'web' ? 'name=x' : '{}' } : {}) };
}

describeEachDatabase('the public gateway mode', (fixture) => {
  let internal: TestServer;
  let gateway: TestServer;
  before(async () => {
    internal = await startTestServer(fixture.database);
    // The same database and master key: links made inside work through the gateway.
    gateway = await startTestServer(fixture.database, { env: { PASSDROP_GATEWAY: 'true', PASSDROP_MASTER_KEY: internal.config.masterKey.key! } });
  });
  after(async () => {
    await gateway.stop();
    await internal.stop();
  });

  it('declares on exactly the reviewed routes that a gateway serves them, and every asset', () => {
    const declared = internal.app.routeTable.filter((route) => route.gateway && !isAsset(route)).map(keyOf);
    assert.deepEqual(new Set(declared), GATEWAY_ROUTES);
    assert.ok(internal.app.routeTable.filter(isAsset).every((route) => route.gateway), 'every asset is served by a gateway');
    assert.ok(internal.app.routeTable.every((route) => route.served), 'without gateway mode every route is served');
  });

  it('serves, in gateway mode, exactly the gateway routes (by the route table)', () => {
    for (const route of gateway.app.routeTable) {
      assert.equal(route.served, route.gateway, `${keyOf(route)}: served ${route.served}, declared gateway ${route.gateway}`);
    }
    assert.ok(gateway.app.routeTable.filter((route) => !route.served).length > 80);
  });

  it('answers 404 to every other route, however its path is spelled', async () => {
    const push = await createPush(internal, { payload: 'never through the gateway', expire_after_views: 100 });
    let fired = 0;
    // A path the gateway serves for another method (GET of a request's answers; POST answers it) is 405
    // with an Allow that never lists the hidden method; every other spelling is 404.
    const servedUrls = new Set(gateway.app.routeTable.filter((entry) => entry.served).map((entry) => entry.url));
    for (const route of gateway.app.routeTable.filter((entry) => !entry.served)) {
      for (const path of spellings(concretePath(route.url, push.token))) {
        const response = await gateway.fetch(path, requestFor(route));
        fired += 1;
        const allow = response.headers.get('allow');
        if (response.status === 405 && servedUrls.has(route.url)) {
          assert.ok(allow !== null && !allow.split(', ').includes(route.method), `${route.method} ${path}: Allow ${allow}`);
        } else {
          assert.equal(response.status, 404, `${route.method} ${path} (${keyOf(route)}) answered ${response.status} on the gateway`);
        }
        await response.arrayBuffer();
      }
    }
    assert.ok(fired > 500, `fired ${fired}`);
    // Creation in particular, on all three surfaces.
    for (const [path, body, type] of [
      ['/p.json', JSON.stringify({ password: { payload: 'x' } }), 'application/json'],
      ['/api/v2/pushes', JSON.stringify({ push: { payload: 'x' } }), 'application/json'],
      ['/api/passdrop/v1/pushes', JSON.stringify({ payload: 'x' }), 'application/json'],
      ['/p', 'payload=x', 'application/x-www-form-urlencoded'],
    ] as const) {
      const response = await gateway.fetch(path, { method: 'POST', headers: { 'content-type': type }, body });
      assert.equal(response.status, 404, path);
      await response.arrayBuffer();
    }
  });

  it('answers every gateway route as the internal process does', async () => {
    for (const route of gateway.app.routeTable.filter((entry) => entry.served && !isAsset(entry))) {
      // A fresh push for each side, so a reveal or delete on one does not change the other's answer.
      const mine = await createPush(internal, { payload: 'twin', expire_after_views: 5, deletable_by_viewer: true });
      const twin = await createPush(internal, { payload: 'twin', expire_after_views: 5, deletable_by_viewer: true });
      const inside = await internal.fetch(concretePath(route.url, mine.token), requestFor(route));
      const outside = await gateway.fetch(concretePath(route.url, twin.token), requestFor(route));
      assert.equal(outside.status, inside.status, `${keyOf(route)}: ${outside.status} on the gateway, ${inside.status} inside`);
      await inside.arrayBuffer();
      await outside.arrayBuffer();
    }
  });

  it('delivers a push made inside, with its passphrase, and lets the recipient delete another at once', async () => {
    const push = await createPush(internal, { payload: 'through the gateway', passphrase: 'open sesame', expire_after_views: 2 });
    const page = await gateway.fetch(`/p/${push.token}`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    const html = await page.text();
    // Every asset the page names is served by the gateway.
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]!);
    assert.ok(assets.length > 0);
    for (const asset of assets) {
      const response = await gateway.fetch(asset);
      assert.equal(response.status, 200, asset);
      await response.arrayBuffer();
    }
    const wrong = await gateway.fetch(`/api/passdrop/v1/pushes/${push.token}/reveal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ passphrase: 'wrong' }),
    });
    assert.equal(wrong.status, 401);
    await wrong.arrayBuffer();
    const revealed = await gateway.fetch(`/api/passdrop/v1/pushes/${push.token}/reveal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ passphrase: 'open sesame' }),
    });
    assert.equal(revealed.status, 200);
    assert.equal((await json<{ payload: string }>(revealed)).payload, 'through the gateway');
    const doomed = await createPush(internal, { payload: 'delete me', deletable_by_viewer: true });
    const deleted = await gateway.fetch(`/api/passdrop/v1/pushes/${doomed.token}`, { method: 'DELETE' });
    assert.equal(deleted.status, 200);
    await deleted.arrayBuffer();
    const health = await gateway.fetch('/up');
    assert.equal(health.status, 200);
    await health.arrayBuffer();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AccessLevel } from '../../src/accounts/access-policy.js';
import type { RouteTableEntry } from '../../src/surfaces/surface-kit/route-access.js';
import { describeEachDatabase } from '../support/each-database.js';
import { createPush, json } from '../support/push-helpers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Every route the app registers, with the access level it must declare. A route added without being
 * reviewed here fails the first test; a route that declares no access level stops the app from starting.
 * Static assets (content-hashed file names) are checked as a group: they must all be public.
 */
const EXPECTED_ACCESS: Readonly<Record<string, AccessLevel>> = {
  // operations
  'GET /up': 'public',
  'HEAD /up': 'public',
  'GET /robots.txt': 'public',
  'HEAD /robots.txt': 'public',
  'GET /api/openapi.json': 'public',
  'GET /api/docs/': 'public',
  'GET /api/docs/static/index.html': 'public',
  'GET /api/docs/static/swagger-initializer.js': 'public',
  'GET /api/docs/json': 'public',
  'GET /api/docs/yaml': 'public',
  'GET /api/docs/static/*': 'public',
  'GET /api/docs/static/theme/theme.css': 'public',
  // web: the favicon browsers ask for at the root, and the operator's accent colour
  'GET /favicon.ico': 'public',
  'HEAD /favicon.ico': 'public',
  'HEAD /api/docs/static/*': 'public',
  // Password Pusher API, v1
  'POST /p.json': 'visitor',
  'POST /f.json': 'account',
  'POST /r.json': 'account',
  'OPTIONS /p.json': 'public',
  'GET /p/:token/files/:position/:grant': 'visitor',
  ...Object.fromEntries(
    ['p', 'f', 'r'].flatMap((prefix) => [
      [`GET /${prefix}/:token/preview.json`, 'visitor'],
      [`GET /${prefix}/:token/r.json`, 'visitor'],
      [`GET /${prefix}/:token/audit.json`, 'account'],
      [`GET /${prefix}/active.json`, 'account'],
      [`GET /${prefix}/expired.json`, 'account'],
      [`GET /${prefix}/:token.json`, 'visitor'],
      [`GET /${prefix}/:token [json]`, 'visitor'],
      [`DELETE /${prefix}/:token.json`, 'visitor'],
      [`DELETE /${prefix}/:token`, 'visitor'],
    ]),
  ),
  // Password Pusher API, v2 and version
  'POST /api/v2/pushes': 'visitor',
  'GET /api/v2/pushes/active': 'account',
  'GET /api/v2/pushes/expired': 'account',
  'GET /api/v2/pushes/:token': 'visitor',
  'DELETE /api/v2/pushes/:token': 'visitor',
  'GET /api/v2/pushes/:token/audit': 'account',
  'GET /api/v2/pushes/:token.json': 'visitor',
  'DELETE /api/v2/pushes/:token.json': 'visitor',
  'GET /api/v2/pushes/:token/audit.json': 'account',
  'GET /api/v2/pushes/:token/preview': 'visitor',
  'GET /api/v2/version': 'public',
  'GET /api/v1/version': 'public',
  'GET /api/v1/version.json': 'public',
  // Passdrop API
  'POST /api/passdrop/v1/pushes': 'visitor',
  'GET /api/passdrop/v1/pushes/:token': 'public',
  'POST /api/passdrop/v1/pushes/:token/reveal': 'public',
  'DELETE /api/passdrop/v1/pushes/:token': 'public',
  'GET /api/passdrop/v1/pushes/:token/files/:position/:grant': 'public',
  // Resumable uploads (tus): the file push rule (an account unless PASSDROP_FILE_PUSHES_ANONYMOUS) is the service's
  'POST /api/passdrop/v1/uploads': 'visitor',
  'HEAD /api/passdrop/v1/uploads/:id': 'visitor',
  'PATCH /api/passdrop/v1/uploads/:id': 'visitor',
  'DELETE /api/passdrop/v1/uploads/:id': 'visitor',
  'GET /api/passdrop/v1/limits': 'public',
  'GET /api/passdrop/v1/tokens': 'account',
  'POST /api/passdrop/v1/tokens': 'account',
  'DELETE /api/passdrop/v1/tokens/:id': 'account',
  'GET /api/passdrop/v1/account/receipts': 'account',
  'PUT /api/passdrop/v1/account/receipts': 'account',
  'GET /api/passdrop/v1/pushes/:token/receipts': 'account',
  'PUT /api/passdrop/v1/pushes/:token/receipts': 'account',
  'DELETE /api/passdrop/v1/pushes/:token/receipts': 'account',
  'GET /api/passdrop/v1/account/inbox': 'account',
  'POST /api/passdrop/v1/account/inbox/read': 'account',
  'POST /api/passdrop/v1/pushes/:token/notify_emails': 'account',
  'POST /api/v2/pushes/:token/notify_emails': 'account',
  'POST /p/:token/notify_emails.json [json]': 'account',
  'POST /p/:token/notify_emails [json]': 'account',
  'POST /p/:token/notify_emails': 'account',
  'GET /api/passdrop/v1/webhooks': 'account',
  'POST /api/passdrop/v1/webhooks': 'account',
  'GET /api/passdrop/v1/webhooks/:id': 'account',
  'PATCH /api/passdrop/v1/webhooks/:id': 'account',
  'DELETE /api/passdrop/v1/webhooks/:id': 'account',
  'GET /api/passdrop/v1/webhooks/:id/deliveries': 'account',
  'HEAD /api/passdrop/v1/webhooks/:id/deliveries': 'account',
  'POST /api/passdrop/v1/webhooks/:id/test': 'account',
  'GET /api/passdrop/v1/admin/webhooks': 'admin',
  'POST /api/passdrop/v1/admin/webhooks': 'admin',
  'GET /api/passdrop/v1/admin/webhooks/:id': 'admin',
  'PATCH /api/passdrop/v1/admin/webhooks/:id': 'admin',
  'DELETE /api/passdrop/v1/admin/webhooks/:id': 'admin',
  'GET /api/passdrop/v1/admin/webhooks/:id/deliveries': 'admin',
  'HEAD /api/passdrop/v1/admin/webhooks/:id/deliveries': 'admin',
  'POST /api/passdrop/v1/admin/webhooks/:id/test': 'admin',
  // Passdrop API: requests (the requester's routes need an account; the responder's form and answer are public)
  'POST /api/passdrop/v1/requests': 'account',
  'GET /api/passdrop/v1/requests': 'account',
  'GET /api/passdrop/v1/requests/:token': 'account',
  'POST /api/passdrop/v1/requests/:token/close': 'account',
  'GET /api/passdrop/v1/requests/:token/audit': 'account',
  'GET /api/passdrop/v1/requests/:token/answers': 'account',
  'POST /api/passdrop/v1/requests/:token/answers/:answer/reveal': 'account',
  'GET /api/passdrop/v1/requests/:token/answers/:answer/files/:position': 'account',
  'DELETE /api/passdrop/v1/requests/:token/answers/:answer': 'account',
  'GET /api/passdrop/v1/requests/:token/form': 'public',
  'POST /api/passdrop/v1/requests/:token/answers': 'public',
  // web: creator
  'GET /': 'visitor',
  'HEAD /': 'visitor',
  'POST /p': 'visitor',
  'GET /p/:token/preview': 'public',
  'HEAD /p/:token/preview': 'public',
  // web: recipient
  'GET /p/:token': 'public',
  'HEAD /p/:token': 'public',
  'GET /p/:token/r': 'public',
  'HEAD /p/:token/r': 'public',
  'GET /f/:token': 'public',
  'HEAD /f/:token': 'public',
  'GET /f/:token/r': 'public',
  'HEAD /f/:token/r': 'public',
  'GET /r/:token': 'public',
  'HEAD /r/:token': 'public',
  'GET /r/:token/r': 'public',
  'HEAD /r/:token/r': 'public',
  'POST /p/:token/reveal': 'public',
  'POST /p/:token/delete': 'public',
  'GET /p/:token/deleted': 'public',
  'GET /p/:token/revealed': 'public',
  'HEAD /p/:token/deleted': 'public',
  // web: account
  'GET /account/sign-in': 'public',
  'HEAD /account/sign-in': 'public',
  'POST /account/sign-in': 'public',
  'GET /account/sign-in/two-factor': 'public',
  'POST /account/sign-in/two-factor': 'public',
  'POST /account/sign-out': 'public',
  // web: single sign-on (start, and the provider's redirect back)
  'GET /account/sso/:provider': 'public',
  'GET /account/sso/:provider/callback': 'public',
  'POST /account/passkeys/options': 'session',
  'POST /account/passkeys': 'session',
  'POST /account/passkeys/:id/remove': 'account',
  'POST /account/passkey-sign-in/options': 'public',
  'POST /account/passkey-sign-in': 'public',
  'POST /account/sign-in/two-factor/passkey/options': 'public',
  'POST /account/sign-in/two-factor/passkey': 'public',
  'GET /account/sign-up': 'public',
  'HEAD /account/sign-up': 'public',
  'POST /account/sign-up': 'public',
  'GET /account/confirm': 'public',
  'GET /account/forgot-password': 'public',
  'HEAD /account/forgot-password': 'public',
  'POST /account/forgot-password': 'public',
  'GET /account/reset-password': 'public',
  'HEAD /account/reset-password': 'public',
  'POST /account/reset-password': 'public',
  'GET /account': 'account',
  'POST /account/password': 'account',
  'POST /account/email': 'account',
  'POST /account/delete': 'account',
  'GET /account/two-factor': 'session',
  'POST /account/two-factor': 'session',
  'POST /account/two-factor/backup-codes': 'account',
  'POST /account/two-factor/disable': 'account',
  'GET /setup': 'public',
  'POST /setup': 'public',
  'GET /account/tokens': 'account',
  'HEAD /account/tokens': 'account',
  'POST /account/tokens': 'account',
  'POST /account/tokens/:id/revoke': 'account',
  'GET /account/notifications': 'account',
  'HEAD /account/notifications': 'account',
  'POST /account/notifications': 'account',
  'GET /account/inbox': 'account',
  'HEAD /account/inbox': 'account',
  'POST /account/inbox/read': 'account',
  'POST /dashboard/pushes/:token/receipts': 'account',
  'GET /account/webhooks': 'account',
  'HEAD /account/webhooks': 'account',
  'POST /account/webhooks': 'account',
  'GET /account/webhooks/:id': 'account',
  'HEAD /account/webhooks/:id': 'account',
  'POST /account/webhooks/:id': 'account',
  'POST /account/webhooks/:id/test': 'account',
  'POST /account/webhooks/:id/enable': 'account',
  'POST /account/webhooks/:id/disable': 'account',
  'POST /account/webhooks/:id/rotate-secret': 'account',
  'POST /account/webhooks/:id/delete': 'account',
  'GET /admin/webhooks': 'admin',
  'HEAD /admin/webhooks': 'admin',
  'POST /admin/webhooks': 'admin',
  'GET /admin/webhooks/:id': 'admin',
  'HEAD /admin/webhooks/:id': 'admin',
  'POST /admin/webhooks/:id': 'admin',
  'POST /admin/webhooks/:id/test': 'admin',
  'POST /admin/webhooks/:id/enable': 'admin',
  'POST /admin/webhooks/:id/disable': 'admin',
  'POST /admin/webhooks/:id/rotate-secret': 'admin',
  'POST /admin/webhooks/:id/delete': 'admin',
  // web: dashboard and admin
  'GET /dashboard': 'account',
  'HEAD /dashboard': 'account',
  'GET /dashboard/pushes/:token': 'account',
  'HEAD /dashboard/pushes/:token': 'account',
  'POST /dashboard/pushes/:token': 'account',
  'POST /dashboard/pushes/:token/expire': 'account',
  // web: requests (the requester's pages on the dashboard; the responder's page and its form post are public)
  'GET /dashboard/requests': 'account',
  'HEAD /dashboard/requests': 'account',
  'GET /dashboard/requests/new': 'account',
  'HEAD /dashboard/requests/new': 'account',
  'GET /dashboard/requests/:token': 'account',
  'HEAD /dashboard/requests/:token': 'account',
  'POST /dashboard/requests/:token/close': 'account',
  'POST /dashboard/requests/:token/answers/:answer/delete': 'account',
  'GET /req/:token': 'public',
  'HEAD /req/:token': 'public',
  'POST /req/:token': 'public',
  'GET /admin': 'admin',
  'HEAD /admin': 'admin',
  'POST /admin/users/:id/:action': 'admin',
  'GET /admin/audit': 'admin',
  'HEAD /admin/audit': 'admin',
};

const keyOf = (route: RouteTableEntry) => `${route.method} ${route.url}${route.format ? ` [${route.format}]` : ''}`;
const isAsset = (route: RouteTableEntry) => route.url.startsWith('/assets/');

/** A syntactically valid token nobody made: handlers answer "not found", so only the access rule decides. */
const UNKNOWN_TOKEN = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** The concrete path of a route, with its parameters filled in. */
function concretePath(url: string, token = UNKNOWN_TOKEN): string {
  return url
    .replace(':token', token)
    .replace(':id', '1')
    .replace(':answer', 'AAAAAAAAAAAAAAAAAAAAAA')
    .replace(':position', '0')
    .replace(':grant', 'A'.repeat(43))
    .replace(':action', 'promote')
    .replace(':provider', 'example')
    .replace('*', 'index.css');
}

/**
 * The same path written the ways an attacker would try to slip past a check that reads the URL's text:
 * percent-encoded, with a trailing slash, doubled slashes, other letter case, and a `;param`.
 */
function pathVariants(path: string): Array<[string, string]> {
  const encodeFirstLetter = path.replace(/\/([a-z])/g, (_whole, letter: string) => `/%${letter.charCodeAt(0).toString(16).toUpperCase()}`);
  const encodeDots = path.replace(/\./g, '%2E');
  return [
    ['as written', path],
    ['percent-encoded letters', encodeFirstLetter],
    ['percent-encoded dots', encodeDots],
    ['trailing slash', path.endsWith('/') ? path : `${path}/`],
    ['doubled slashes', path.replace(/\//g, '//')],
    ['upper case', path.toUpperCase()],
    ['with ;param', `${path};jsessionid=1`],
  ];
}

function requestFor(route: RouteTableEntry, path: string): RequestInit & { path: string } {
  const headers: Record<string, string> = {};
  if (route.format === 'json') headers.accept = 'application/json';
  else if (route.surface === 'web') headers.accept = 'text/html';
  const hasBody = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH';
  if (hasBody) headers['content-type'] = route.surface === 'web' ? 'application/x-www-form-urlencoded' : 'application/json';
  return {
    path,
    method: route.method,
    headers,
    redirect: 'manual',
    ...(hasBody ? { body: route.surface === 'web' ? 'name=x' : '{}' } : {}),
  };
}

/** How a surface says "you need an account": 401/403, or on pages a redirect to the sign-in page. */
function isRefusal(route: RouteTableEntry, response: Response): boolean {
  if (response.status === 401 || response.status === 403) return true;
  return route.surface === 'web' && response.status === 303 && /\/account\/sign-in/.test(response.headers.get('location') ?? '');
}

function needsAccount(access: AccessLevel, allowAnonymous: boolean): boolean {
  return access === 'account' || access === 'admin' || access === 'session' || (access === 'visitor' && !allowAnonymous);
}

describe('the route table', () => {
  let database: TestDatabase;
  let server: TestServer;
  before(async () => {
    database = await createTestDatabase('sqlite');
    server = await startTestServer(database);
  });
  after(async () => {
    await server.stop();
    await database.drop();
  });

  it('declares the expected access level on every route, and nothing unreviewed', () => {
    const table = server.app.routeTable;
    assert.ok(table.length > 100, `the table holds ${table.length} routes`);
    const seen = new Set<string>();
    for (const route of table) {
      if (isAsset(route)) {
        assert.equal(route.access, 'public', `${keyOf(route)} is an asset and must be public`);
        continue;
      }
      const key = keyOf(route);
      seen.add(key);
      assert.ok(key in EXPECTED_ACCESS, `${key} (${route.access}, ${route.surface}) is not in the reviewed table: add it with its access level`);
      assert.equal(route.access, EXPECTED_ACCESS[key], `${key} declares ${route.access}`);
    }
    const missing = Object.keys(EXPECTED_ACCESS).filter((key) => !seen.has(key));
    assert.deepEqual(missing, [], 'routes the reviewed table expects but the app does not register');
  });

  it('refuses to start when a route declares no access level', async () => {
    const other = await createTestDatabase('sqlite');
    try {
      await assert.rejects(
        startTestServer(other, { probeRoutes: { web: (app) => app.get('/probe/undeclared', async () => 'oops') } }),
        /must declare config\.access[\s\S]*GET \/probe\/undeclared/,
      );
    } finally {
      await other.drop();
    }
  });
});

describe('every route without credentials, under every policy and every spelling of its path', () => {
  const settings = [
    { PASSDROP_ALLOW_ANONYMOUS: 'true', PASSDROP_ALLOW_LOGINS: 'true' },
    { PASSDROP_ALLOW_ANONYMOUS: 'false', PASSDROP_ALLOW_LOGINS: 'true' },
    { PASSDROP_ALLOW_ANONYMOUS: 'true', PASSDROP_ALLOW_LOGINS: 'false' },
    { PASSDROP_ALLOW_ANONYMOUS: 'false', PASSDROP_ALLOW_LOGINS: 'false' },
  ];
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase('sqlite');
  });
  after(() => database.drop());

  for (const env of settings) {
    const allowAnonymous = env.PASSDROP_ALLOW_ANONYMOUS === 'true';
    it(`is refused where an account is needed (anonymous ${env.PASSDROP_ALLOW_ANONYMOUS}, logins ${env.PASSDROP_ALLOW_LOGINS})`, async () => {
      const server = await startTestServer(database, { env });
      try {
        let fired = 0;
        for (const route of server.app.routeTable) {
          if (isAsset(route) || route.url.startsWith('/api/docs')) continue;
          const protectedRoute = needsAccount(route.access, allowAnonymous);
          for (const [spelling, path] of pathVariants(concretePath(route.url))) {
            const { path: target, ...init } = requestFor(route, path);
            const response = await server.fetch(target, init);
            fired += 1;
            const what = `${route.method} ${target} (${keyOf(route)}, ${spelling})`;
            assert.ok(response.status < 500, `${what} answered ${response.status}`);
            if (protectedRoute) {
              // A spelling the router does not match gets 404/405; one it matches must be refused, never served.
              const refused = isRefusal(route, response);
              assert.ok(refused || response.status === 404 || response.status === 405, `${what} answered ${response.status} without credentials`);
              if (spelling === 'as written' || spelling === 'percent-encoded letters' || spelling === 'percent-encoded dots') {
                assert.ok(refused, `${what} must be refused, got ${response.status}`);
              }
            } else if (spelling === 'as written' && !SENDS_VISITORS_TO_SIGN_IN.has(keyOf(route))) {
              assert.ok(!isRefusal(route, response) || isPassphraseOrOwnerAnswer(response), `${what} is open to anyone but answered ${response.status}`);
            }
            await response.arrayBuffer();
          }
        }
        assert.ok(fired > 500, `fired ${fired} requests`);
      } finally {
        await server.stop();
      }
    });
  }

  it('creates nothing on Password Pusher paths spelled differently when anonymous access is off (the reported bypass)', async () => {
    const server = await startTestServer(database, { env: { PASSDROP_ALLOW_ANONYMOUS: 'false' } });
    try {
      for (const path of ['/p.json', '/p%2Ejson', '/%70.json', '/p%2ejson', '/P.json', '/p.json/', '//p.json', '/p.json;x=1']) {
        const response = await server.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: { payload: 'x' } }) });
        assert.ok([401, 404, 405].includes(response.status), `${path} answered ${response.status}`);
      }
      for (const path of ['/p.json', '/p%2Ejson', '/%70.json']) {
        const response = await server.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: { payload: 'x' } }) });
        assert.equal(response.status, 401, path);
      }
      const version = await json<{ features: { anonymous_access: boolean } }>(await server.fetch('/api/v2/version'));
      assert.equal(version.features.anonymous_access, false, 'the version answer reports the real setting');
    } finally {
      await server.stop();
    }
  });
});

/** The second-factor step is public (it is part of signing in) but sends a visitor without a pending sign-in back to the start. */
const SENDS_VISITORS_TO_SIGN_IN = new Set(['GET /account/sign-in/two-factor', 'POST /account/sign-in/two-factor']);

/** Public recipient routes may answer 401/403 for their own reasons: a passphrase, a push that is not deletable. */
function isPassphraseOrOwnerAnswer(response: Response): boolean {
  return response.status === 401 || response.status === 403;
}

describeEachDatabase('HEAD and OPTIONS', (fixture) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(fixture.database);
  });
  after(() => server.stop());

  it('change nothing on any route: a 1-view push still delivers exactly once afterwards', async () => {
    const push = await createPush(server, { payload: 'still here', expire_after_views: 1, retrieval_step: false, deletable_by_viewer: true });
    const gets = server.app.routeTable.filter((route) => route.method === 'GET' && !isAsset(route));
    assert.ok(gets.length > 40);
    for (const route of gets) {
      const path = concretePath(route.url, push.token);
      for (const method of ['HEAD', 'OPTIONS']) {
        const accept = route.format === 'json' ? 'application/json' : 'text/html';
        const response = await server.fetch(path, { method, headers: { accept }, redirect: 'manual' });
        assert.ok(response.status < 500, `${method} ${path} answered ${response.status}`);
        if (method === 'HEAD') assert.equal(await response.text(), '', `${method} ${path} has no body`);
        await response.arrayBuffer().catch(() => undefined);
      }
    }
    const status = await json<{ views_remaining: number; expired: boolean }>(await server.fetch(`/api/passdrop/v1/pushes/${push.token}`));
    assert.deepEqual({ views: status.views_remaining, expired: status.expired }, { views: 1, expired: false });
    const first = await server.fetch(`/api/passdrop/v1/pushes/${push.token}/reveal`, { method: 'POST' });
    assert.equal(first.status, 200);
    assert.equal((await json<{ payload: string }>(first)).payload, 'still here');
    const second = await server.fetch(`/api/passdrop/v1/pushes/${push.token}/reveal`, { method: 'POST' });
    assert.equal(second.status, 410);
  });
});

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { accountWithToken } from '../support/account-tokens.js';
import { describeEachDatabase } from '../support/each-database.js';
import { linkOf, runCli } from '../support/passdrop-cli.js';
import { pushStatus } from '../support/push-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { TRICKY_SECRETS } from '../support/tricky-secrets.js';

/**
 * A Password Pusher server, as far as any client can tell: our own server (whose Password Pusher
 * routes answer as Password Pusher does) behind a proxy that hides Passdrop's own API.
 */
async function passwordPusherLookalike(target: string, options: { hideEverything?: boolean } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const proxy = http.createServer((request, response) => {
    if (options.hideEverything || request.url!.startsWith('/api/passdrop/')) {
      response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
      return;
    }
    const upstream = http.request(`${target}${request.url}`, { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(response);
    });
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => proxy.close(() => resolve())),
  };
}

describeEachDatabase('passdrop against a Password Pusher server (v2 API)', (fixture) => {
  let server: TestServer;
  let pwpush: { url: string; close(): Promise<void> };
  let token: string;
  before(async () => {
    token = await accountWithToken(fixture.database, 'pwpush-user@example.com');
    // Links carry the address the client used (the proxy's), as behind any reverse proxy.
    server = await startTestServer(fixture.database, { env: { TRUSTED_PROXIES: '127.0.0.1' } });
    pwpush = await passwordPusherLookalike(server.url);
  });
  after(async () => {
    await pwpush?.close();
    await server?.stop();
  });

  const env = (extra: Record<string, string> = {}) => ({ PASSDROP_SERVER: pwpush.url, ...extra });
  const tokenOf = (link: string) => new URL(link).pathname.split('/')[2]!;

  it('recognises Password Pusher, says on stderr that the server encrypts, and round-trips a secret', async () => {
    const pushed = await runCli(['push', '--views', '2', '--expires', '2d'], { env: env(), stdin: 's3cr3t' });
    const link = linkOf(pushed);
    assert.match(pushed.stderr, /is a Password Pusher server \(version 2\.11\.4\): secrets are encrypted by the server, not on this machine/);
    assert.match(pushed.stderr, /^Expires after 2 views or in 2 days, whichever comes first\.$/m);
    assert.doesNotMatch(link, /#/);
    const status = await pushStatus(server, tokenOf(link));
    assert.equal(status.encryption, 'server');
    assert.ok(Math.abs(Date.parse(status.expires_at as string) - (Date.now() + 2 * 86_400_000)) < 60_000);

    // Password Pusher cannot say how many views are left without using one: ask, or --yes.
    const unconfirmed = await runCli(['get', link]);
    assert.equal(unconfirmed.code, 7);
    assert.match(unconfirmed.stderr, /cannot say whether it is the last/);
    assert.equal((await pushStatus(server, tokenOf(link))).views_remaining, 2);
    const got = await runCli(['get', '--yes', link]);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout.toString(), 's3cr3t');
    assert.match(got.stderr, /^1 view left\.$/m);
  });

  it('passes the passphrase as Password Pusher expects, refusing without it', async () => {
    const link = linkOf(await runCli(['push', '--passphrase'], { env: env({ PASSDROP_PASSPHRASE: 'spoken' }), stdin: 'guarded' }));
    const without = await runCli(['get', '--yes', link]);
    assert.equal(without.code, 4);
    const wrong = await runCli(['get', '--yes', link], { env: { PASSDROP_PASSPHRASE: 'wrong' } });
    assert.equal(wrong.code, 4);
    const right = await runCli(['get', '--yes', link], { env: { PASSDROP_PASSPHRASE: 'spoken' } });
    assert.equal(right.code, 0, right.stderr);
    assert.equal(right.stdout.toString(), 'guarded');
  });

  it('round-trips every tricky secret byte for byte through the server-side path', async () => {
    await Promise.all(
      TRICKY_SECRETS.map(async ([label, secret]) => {
        const link = linkOf(await runCli(['push', '--views', '1'], { env: env(), stdin: secret }));
        const got = await runCli(['get', '--yes', link]);
        assert.equal(got.code, 0, `${label}: ${got.stderr}`);
        assert.equal(got.stdout.toString('hex'), Buffer.from(secret).toString('hex'), label);
      }),
    );
  });

  it('refuses lifetimes Password Pusher cannot express (it counts whole days)', async () => {
    for (const expires of ['12h', '90m', new Date(Date.now() + 86_400_000).toISOString()]) {
      const refused = await runCli(['push', '--expires', expires], { env: env(), stdin: 'x' });
      assert.equal(refused.code, 2, expires);
      assert.match(refused.stderr, /Password Pusher counts lifetimes in whole days/);
    }
    assert.equal(linkOf(await runCli(['push', '--expires', '48h'], { env: env(), stdin: 'two days' })).length > 0, true);
  });

  it('lists, audits and expires through the v2 API with a token', async () => {
    const withToken = env({ PASSDROP_TOKEN: token });
    const link = linkOf(await runCli(['push', '--name', 'pwpush list'], { env: withToken, stdin: 'owned' }));
    const pushToken = tokenOf(link);
    assert.equal((await runCli(['get', '--yes', link])).code, 0);

    const listed = await runCli(['list'], { env: withToken });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout.toString(), new RegExp(`^${pushToken}\\s+.*\\s4\\s+7\\s+pwpush list$`, 'm'));
    const audit = await runCli(['audit', '--json', link], { env: withToken });
    assert.equal(audit.code, 0, audit.stderr);
    assert.deepEqual((JSON.parse(audit.stdout.toString()) as Array<{ kind: string }>).map((event) => event.kind), ['creation', 'view']);
    const expired = await runCli(['expire', pushToken], { env: withToken });
    assert.equal(expired.code, 0, expired.stderr);
    assert.equal((await pushStatus(server, pushToken)).expired, true);
    const gone = await runCli(['get', '--yes', link]);
    assert.equal(gone.code, 3);
  });

  it('says when a server is neither Passdrop nor Password Pusher, or cannot be reached (exit code 5)', async () => {
    const insisted = await runCli(['push', '--api', 'passdrop'], { env: env(), stdin: 'x' });
    assert.equal(insisted.code, 5);
    assert.match(insisted.stderr, /is not a Passdrop server/);
    const neither = await passwordPusherLookalike(server.url, { hideEverything: true });
    try {
      const result = await runCli(['push'], { env: { PASSDROP_SERVER: neither.url }, stdin: 'x' });
      assert.equal(result.code, 5);
      assert.match(result.stderr, /does not look like a Passdrop or Password Pusher server/);
    } finally {
      await neither.close();
    }
    // A port that was just free: nothing listens there.
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const closed = await runCli(['push'], { env: { PASSDROP_SERVER: `http://127.0.0.1:${port}` }, stdin: 'x' });
    assert.equal(closed.code, 5);
    assert.match(closed.stderr, new RegExp(`Cannot reach http://127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
  });
});

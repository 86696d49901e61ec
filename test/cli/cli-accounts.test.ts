import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { accountWithToken } from '../support/account-tokens.js';
import { describeEachDatabase } from '../support/each-database.js';
import { freshConfigHome, linkOf, runCli } from '../support/passdrop-cli.js';
import { pushStatus } from '../support/push-helpers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describeEachDatabase('passdrop login, list, audit, expire and logout', (fixture) => {
  let server: TestServer;
  let token: string;
  let otherDatabase: TestDatabase;
  let otherServer: TestServer;
  before(async () => {
    token = await accountWithToken(fixture.database, 'cli-user@example.com');
    server = await startTestServer(fixture.database);
    otherDatabase = await createTestDatabase('sqlite');
    otherServer = await startTestServer(otherDatabase);
  });
  after(async () => {
    await server?.stop();
    await otherServer?.stop();
    await otherDatabase?.drop();
  });

  it('stores the token from stdin in $XDG_CONFIG_HOME/passdrop/config.json, mode 0600 in a 0700 directory', async () => {
    const home = freshConfigHome();
    // A config file someone left readable by others is rewritten owner-only.
    mkdirSync(join(home, 'passdrop'), { mode: 0o755 });
    const file = join(home, 'passdrop', 'config.json');
    writeFileSync(file, JSON.stringify({ servers: { 'https://elsewhere.example': { token: 'kept' } } }), { mode: 0o644 });

    const refused = await runCli(['login', '--server', server.url], { configHome: home, stdin: 'pd_not-a-real-token\n' });
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, /does not accept this token/);
    assert.doesNotMatch(readFileSync(file, 'utf8'), /pd_not-a-real-token/, 'a refused token is not stored');

    const login = await runCli(['login', '--server', `${server.url}/`], { configHome: home, stdin: `${token}\n` });
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stderr, /Logged in to http:\/\/127\.0\.0\.1:\d+\. The token is saved in .*config\.json, readable only by you\./);
    assert.equal(mode(file), 0o600);
    assert.equal(mode(join(home, 'passdrop')), 0o700);
    const config = JSON.parse(readFileSync(file, 'utf8')) as { defaultServer: string; servers: Record<string, { token: string }> };
    assert.deepEqual(config, { defaultServer: server.url, servers: { 'https://elsewhere.example': { token: 'kept' }, [server.url]: { token } } });

    const fresh = freshConfigHome();
    const first = await runCli(['login'], { configHome: fresh, env: { PASSDROP_SERVER: server.url }, stdin: token });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(mode(join(fresh, 'passdrop')), 0o700);
    assert.equal(mode(join(fresh, 'passdrop', 'config.json')), 0o600);
  });

  it('lists your pushes, shows their audit log and expires them by link or by token; logout forgets the token', async () => {
    const home = freshConfigHome();
    assert.equal((await runCli(['login', '--server', server.url], { configHome: home, stdin: token })).code, 0);
    const link = linkOf(await runCli(['push', '--name', 'for the new hire', '--views', '3'], { configHome: home, stdin: 'welcome aboard' }));
    const pushToken = new URL(link).pathname.split('/')[2]!;

    const listed = await runCli(['list'], { configHome: home });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout.toString(), /^TOKEN\s+CREATED\s+VIEWS LEFT\s+DAYS LEFT\s+NAME\n/);
    assert.match(listed.stdout.toString(), new RegExp(`^${pushToken}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+3\\s+7\\s+for the new hire$`, 'm'));
    const json = JSON.parse((await runCli(['list', '--json'], { configHome: home })).stdout.toString()) as Array<{ token: string; name: string }>;
    assert.ok(json.some((push) => push.token === pushToken && push.name === 'for the new hire'));

    // A recipient (another config, no token) uses a view; the owner sees it in the audit log.
    assert.equal((await runCli(['get', link])).code, 0);
    const audit = await runCli(['audit', link], { configHome: home });
    assert.equal(audit.code, 0, audit.stderr);
    assert.deepEqual(
      audit.stdout.toString().trim().split('\n').slice(1).map((line) => line.split(/\s{2,}/)[1]),
      ['creation', 'view'],
    );

    const expired = await runCli(['expire', pushToken], { configHome: home });
    assert.equal(expired.code, 0, expired.stderr);
    assert.equal((await pushStatus(server, pushToken)).expire_reason, 'owner', 'the owner expired it (no viewer permission needed)');
    const listedExpired = await runCli(['list', '--expired'], { configHome: home });
    assert.match(listedExpired.stdout.toString(), new RegExp(`^${pushToken}\\s`, 'm'));
    assert.doesNotMatch((await runCli(['list'], { configHome: home })).stdout.toString(), new RegExp(pushToken));

    const logout = await runCli(['logout'], { configHome: home });
    assert.equal(logout.code, 0, logout.stderr);
    assert.doesNotMatch(readFileSync(join(home, 'passdrop', 'config.json'), 'utf8'), new RegExp(token));
    const afterLogout = await runCli(['list'], { configHome: home, env: { PASSDROP_SERVER: server.url } });
    assert.equal(afterLogout.code, 4);
    assert.match(afterLogout.stderr, /needs an API token .*passdrop login, or set PASSDROP_TOKEN/);
  });

  it('takes the token from PASSDROP_TOKEN, and refuses an invalid one with exit code 4', async () => {
    const listed = await runCli(['list', '--json'], { env: { PASSDROP_SERVER: server.url, PASSDROP_TOKEN: token } });
    assert.equal(listed.code, 0, listed.stderr);
    const invalid = await runCli(['list'], { env: { PASSDROP_SERVER: server.url, PASSDROP_TOKEN: 'pd_revoked-or-unknown' } });
    assert.equal(invalid.code, 4);
  });

  it('never sends your token to the server of a link someone sent you', async () => {
    const home = freshConfigHome();
    assert.equal((await runCli(['login', '--server', server.url], { configHome: home, stdin: token })).code, 0);
    const foreign = linkOf(await runCli(['push'], { env: { PASSDROP_SERVER: otherServer.url }, stdin: 'from another server' }));
    // The other server answers 401 to any token it does not know: success means none was sent.
    const got = await runCli(['get', '--yes', foreign], { configHome: home, env: { PASSDROP_TOKEN: token } });
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout.toString(), 'from another server');
    const audit = await runCli(['audit', foreign], { configHome: home });
    assert.equal(audit.code, 4);
    assert.match(audit.stderr, new RegExp(`needs an API token for ${otherServer.url.replace(/[.]/g, '\\.')}`));
  });
});

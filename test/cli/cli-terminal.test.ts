import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountWithToken } from '../support/account-tokens.js';
import { freshConfigHome, linkOf, runCli, runCliInTerminal } from '../support/passdrop-cli.js';
import { pushStatus } from '../support/push-helpers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const LINK = /http:\/\/127\.0\.0\.1:\d+\/p\/[A-Za-z0-9_-]+(?:\/r)?(?:#[A-Za-z0-9_-]{43})?/;

describe('passdrop at a terminal: hidden prompts and confirmations', { timeout: 60_000 }, () => {
  let database: TestDatabase;
  let server: TestServer;
  before(async () => {
    database = await createTestDatabase('sqlite');
    server = await startTestServer(database);
  });
  after(async () => {
    await server?.stop();
    await database?.drop();
  });

  it('asks for the secret without echoing it when stdin is a terminal', async () => {
    const session = await runCliInTerminal(['push', '--views', '1'], { env: { PASSDROP_SERVER: server.url } });
    await session.waitFor(/Secret \(hidden/);
    session.type('typed-s3cr3t\r');
    const { code, output } = await session.exited();
    assert.equal(code, 0, output);
    assert.ok(!output.includes('typed-s3cr3t'), `the secret was echoed:\n${output}`);
    const link = LINK.exec(output)![0];
    const got = await runCli(['get', '--yes', link]);
    assert.equal(got.stdout.toString(), 'typed-s3cr3t');
  });

  it('asks the passphrase, asks before the last view, and asks the passphrase again when it was wrong', async () => {
    const link = linkOf(await runCli(['push', '--passphrase', '--views', '1'], { env: { PASSDROP_SERVER: server.url, PASSDROP_PASSPHRASE: 'the right one' }, stdin: 'at last' }));
    const session = await runCliInTerminal(['get', link]);
    await session.waitFor(/Passphrase \(hidden\)/);
    session.type('a wrong one\r');
    await session.waitFor(/This is the last view/);
    session.type('y\r');
    // A wrong access proof uses no view, so there is nothing to confirm again.
    await session.waitFor(/That passphrase is wrong/);
    session.type('the right one\r');
    const { code, output } = await session.exited();
    assert.equal(code, 0, output);
    assert.match(output, /at last/);
    assert.ok(!output.includes('the right one'), 'the passphrase was echoed');
  });

  it('keeps the last view when the person answers no (exit code 7)', async () => {
    const link = linkOf(await runCli(['push', '--views', '1'], { env: { PASSDROP_SERVER: server.url }, stdin: 'not now' }));
    const session = await runCliInTerminal(['get', link]);
    await session.waitFor(/This is the last view/);
    session.type('\r');
    const { code, output } = await session.exited();
    assert.equal(code, 7, output);
    assert.doesNotMatch(output, /not now/);
    assert.equal((await pushStatus(server, new URL(link).pathname.split('/')[2]!)).views_remaining, 1);
  });

  it('asks the passphrase on the terminal while the secret comes through a pipe', async () => {
    const session = await runCliInTerminal(['push', '--passphrase'], { env: { PASSDROP_SERVER: server.url }, pipeInto: 'piped secret' });
    await session.waitFor(/Passphrase for the recipient/);
    session.type('spoken aloud\r');
    await session.waitFor(/same passphrase again/);
    session.type('spoken aloud\r');
    const { code, output } = await session.exited();
    assert.equal(code, 0, output);
    const link = LINK.exec(output)![0];
    const got = await runCli(['get', '--yes', link], { env: { PASSDROP_PASSPHRASE: 'spoken aloud' } });
    assert.equal(got.stdout.toString(), 'piped secret');
  });

  it('logs in by asking for the server URL and a hidden token', async () => {
    const token = await accountWithToken(database, 'terminal@example.com');
    const home = freshConfigHome();
    const session = await runCliInTerminal(['login'], { configHome: home });
    await session.waitFor(/Server URL/);
    session.type(`${server.url}\r`);
    await session.waitFor(/API token for/);
    session.type(`${token}\r`);
    const { code, output } = await session.exited();
    assert.equal(code, 0, output);
    assert.ok(!output.includes(token), 'the token was echoed');
    assert.equal((await runCli(['list'], { configHome: home })).code, 0);
  });
});

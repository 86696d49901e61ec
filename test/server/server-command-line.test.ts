import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnPassdrop } from '../support/spawn-passdrop.js';

/** Runs passdrop-server with an environment that could not start a server (no database, port taken by nobody). */
async function run(args: string[]) {
  const child = spawnPassdrop(args, { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', PORT: '0', HOST: '127.0.0.1' });
  const code = await child.exited();
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

describe('the passdrop-server command line', () => {
  it('prints help for --help, -h and help instead of starting the server', async () => {
    const results = await Promise.all([run(['--help']), run(['-h']), run(['help'])]);
    for (const result of results) {
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^Usage: passdrop-server \[COMMAND\]/);
      for (const command of ['serve', 'migrate', 'rotate-keys', 'admin']) assert.match(result.stdout, new RegExp(`^  ${command} `, 'm'));
      assert.doesNotMatch(result.stdout, /listening/);
    }
  });

  it("prints each command's own help with COMMAND --help and help COMMAND, touching no database", async () => {
    const cases: Array<[string[], RegExp]> = [
      [['serve', '--help'], /^Usage: passdrop-server serve\n/],
      [['migrate', '-h'], /^Usage: passdrop-server migrate\n/],
      [['rotate-keys', '--help'], /^Usage: passdrop-server rotate-keys\n[\s\S]*PASSDROP_MASTER_KEY_PREVIOUS/],
      [['admin', '--help'], /^Usage:\n {2}passdrop-server admin user add EMAIL/],
      [['admin', 'user', 'add', 'someone@example.com', '--help'], /^Usage:\n {2}passdrop-server admin user add EMAIL/],
      [['help', 'migrate'], /^Usage: passdrop-server migrate\n/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    results.forEach((result, index) => {
      assert.equal(result.code, 0, `${cases[index]![0].join(' ')}: ${result.stderr}`);
      assert.match(result.stdout, cases[index]![1]);
    });
  });

  it('refuses unknown commands and options with exit code 2 and the usage on stderr', async () => {
    const [command, option, serveOption, adminWords] = await Promise.all([
      run(['sreve']),
      run(['--port', '80']),
      run(['serve', '--port', '80']),
      run(['admin', 'user', 'frobnicate', 'someone@example.com']),
    ]);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /Unknown command "sreve"[\s\S]*Usage: passdrop-server/);
    assert.equal(option.code, 2);
    assert.match(option.stderr, /Unknown option "--port"/);
    assert.equal(serveOption.code, 2);
    assert.match(serveOption.stderr, /--port[\s\S]*Usage: passdrop-server serve/);
    assert.equal(adminWords.code, 2);
    assert.match(adminWords.stderr, /passdrop-server admin user add/);
    for (const result of [command, option, serveOption, adminWords]) assert.equal(result.stdout, '');
  });
});

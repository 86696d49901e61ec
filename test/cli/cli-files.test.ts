import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { accountWithToken } from '../support/account-tokens.js';
import { startCuttingProxy, type CuttingProxy } from '../support/cutting-proxy.js';
import { databaseBytes } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { finished, freshConfigHome, linkOf, runCli, spawnCli } from '../support/passdrop-cli.js';
import { waitUntil } from '../support/stored-blobs.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const MIB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describeEachDatabase('passdrop push --file and get --output (file pushes, end to end)', (fixture) => {
  let server: TestServer;
  let proxy: CuttingProxy;
  let token: string;

  before(async () => {
    token = await accountWithToken(fixture.database, 'cli-files@example.com');
    server = await startTestServer(fixture.database, { env: { PASSDROP_FILE_MAX_FILE_MIB: '16' } });
    proxy = await startCuttingProxy(new URL(server.url));
  });
  after(async () => {
    await proxy?.stop();
    await server?.stop();
  });

  const env = (extra: Record<string, string> = {}) => ({ PASSDROP_SERVER: server.url, PASSDROP_TOKEN: token, ...extra });

  function filesIn(directory: string): Map<string, string> {
    return new Map(readdirSync(directory).map((name) => [name, sha256(readFileSync(join(directory, name)))]));
  }

  it('pushes several files encrypted here and gets them back byte for byte into a directory; the server never sees a name', async () => {
    const source = mkdtempSync(join(tmpdir(), 'passdrop-files-out-'));
    // Names no other test uses: the PostgreSQL check reads the whole cluster's files.
    const tag = randomBytes(4).toString('hex');
    const files = {
      [`report ${tag}.bin`]: randomBytes(3 * MIB + 5),
      [`notes ü ${tag}.txt`]: Buffer.from('meet at noon\n'),
      [`empty ${tag}.dat`]: Buffer.alloc(0),
    };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(source, name), bytes);
    const pushed = await runCli(['push', '--views', '1', ...Object.keys(files).flatMap((name) => ['--file', join(source, name)])], { env: env() });
    const link = linkOf(pushed);
    assert.match(pushed.stderr, /Encrypted on this machine/);

    const stored = await databaseBytes(fixture.database);
    for (const name of Object.keys(files)) assert.equal(stored.indexOf(Buffer.from(name)), -1, `${name} reached the database`);

    const target = mkdtempSync(join(tmpdir(), 'passdrop-files-in-'));
    const got = await runCli(['get', '--yes', '--output', target, link], { env: { PASSDROP_SERVER: server.url } });
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(
      got.stdout.toString('utf8').trimEnd().split('\n'),
      Object.keys(files).map((name) => join(target, name)),
    );
    assert.deepEqual(filesIn(target), new Map(Object.entries(files).map(([name, bytes]) => [name, sha256(bytes)])));
    assert.match(got.stderr, /Saved 3 files, decrypted here and checked/);
  });

  it('resumes an upload whose connection drops, with a passphrase, and never replaces a file already there', async () => {
    const source = mkdtempSync(join(tmpdir(), 'passdrop-files-out-'));
    const bytes = randomBytes(3 * MIB);
    const path = join(source, 'backup.tar');
    writeFileSync(path, bytes);
    const before = proxy.forwarded;
    proxy.cutAfter(2 * MIB);
    const pushed = await runCli(['push', '--kind', 'file', '--file', path, '--views', '2', '--passphrase'], {
      env: env({ PASSDROP_SERVER: proxy.url, PASSDROP_PASSPHRASE: 'correct horse' }),
    });
    const link = linkOf(pushed);
    // Resumed, not restarted: a restart would send the 2 MiB before the cut again (5 MiB or more). What
    // was in flight when the connection dropped (socket buffers, more on a loaded machine) goes again.
    assert.ok(proxy.forwarded - before < bytes.length + MIB, `sent ${proxy.forwarded - before} bytes for a ${bytes.length}-byte file`);

    const target = mkdtempSync(join(tmpdir(), 'passdrop-files-in-'));
    writeFileSync(join(target, 'backup.tar'), 'already here');
    const wrong = await runCli(['get', '--yes', '--output', target, link], { env: { PASSDROP_PASSPHRASE: 'wrong' } });
    assert.notEqual(wrong.code, 0);
    const got = await runCli(['get', '--yes', '--output', target, link], { env: { PASSDROP_PASSPHRASE: 'correct horse' } });
    assert.equal(got.code, 0, got.stderr);
    assert.equal(readFileSync(join(target, 'backup.tar'), 'utf8'), 'already here');
    assert.equal(sha256(readFileSync(join(target, 'backup (2).tar'))), sha256(bytes));
    assert.deepEqual(readdirSync(target).sort(), ['backup (2).tar', 'backup.tar'], 'no partial file left behind');
  });

  /** Starts `passdrop push FILE` through a proxy that swallows everything after `stallAt` bytes; resolves once the state file holds an upload URL and the bytes are through. */
  async function stalledPush(path: string, configHome: string, stallAt: number) {
    const stateDirectory = join(configHome, '.local', 'state', 'passdrop', 'uploads');
    const before = proxy.forwarded;
    proxy.stallAfter(stallAt);
    const child = await spawnCli(['push', path, '--views', '1'], { env: env({ PASSDROP_SERVER: proxy.url }), configHome });
    const result = finished(child);
    child.stdin!.end();
    const deadline = Date.now() + 30_000;
    for (;;) {
      const names = existsSync(stateDirectory) ? readdirSync(stateDirectory) : [];
      const state = names.length === 1 ? (JSON.parse(readFileSync(join(stateDirectory, names[0]!), 'utf8')) as { id: string; files: Array<{ uploadUrl: string | null }> }) : undefined;
      if (state?.files[0]?.uploadUrl && proxy.forwarded - before >= stallAt) return { child, result, stateDirectory, id: state.id, stateFile: join(stateDirectory, names[0]!) };
      assert.ok(Date.now() < deadline, 'the push never reached the stall');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('finishes a file push whose process was killed mid-upload with passdrop resume, sending only the rest; the state file is private and gone after', async () => {
    const source = mkdtempSync(join(tmpdir(), 'passdrop-files-out-'));
    const bytes = randomBytes(12 * MIB + 12_345);
    const path = join(source, 'killed.bin');
    writeFileSync(path, bytes);
    const configHome = freshConfigHome();
    const stalled = await stalledPush(path, configHome, 5 * MIB);
    assert.equal(statSync(stalled.stateFile).mode & 0o777, 0o600);
    assert.equal(statSync(stalled.stateDirectory).mode & 0o777, 0o700);
    stalled.child.kill('SIGKILL');
    assert.equal((await stalled.result).code, null);

    const listed = await runCli(['resume', '--list'], { env: env({ PASSDROP_SERVER: proxy.url }), configHome });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout.toString('utf8'), new RegExp(`${stalled.id}.*killed\\.bin`));

    // What the server kept of the killed request (it settles the offset once it notices the dropped connection;
    // bytes still in flight when the proxy cut may be lost, so the kept part can be short of the 5 MiB forwarded).
    const uploadUrl = (JSON.parse(readFileSync(stalled.stateFile, 'utf8')) as { files: Array<{ uploadUrl: string }> }).files[0]!.uploadUrl;
    const offset = async () => Number((await fetch(uploadUrl, { method: 'HEAD', headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' } })).headers.get('upload-offset'));
    await waitUntil(async () => (await offset()) >= MIB, 'the server keeps what arrived before the kill');
    const kept = await offset();

    const before = proxy.forwarded;
    const resumed = await runCli(['resume'], { env: env({ PASSDROP_SERVER: proxy.url }), configHome });
    const link = linkOf(resumed);
    assert.match(resumed.stderr, /Encrypted on this machine/);
    // Continued, not restarted: what the server had before the kill is not sent again (the rest, plus requests' headers and record tags).
    const sent = proxy.forwarded - before;
    assert.ok(sent < bytes.length - kept + 256 * 1024, `sent ${sent} bytes to finish a ${bytes.length}-byte file of which the server had ${kept}`);
    assert.deepEqual(readdirSync(stalled.stateDirectory), [], 'the state file is gone once the push exists');

    const target = mkdtempSync(join(tmpdir(), 'passdrop-files-in-'));
    const got = await runCli(['get', '--yes', '--output', target, link], { env: { PASSDROP_SERVER: server.url } });
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(filesIn(target), new Map([['killed.bin', sha256(bytes)]]));
  });

  it('tells how to resume when interrupted with Ctrl-C, refuses a file changed since, and cancels', async () => {
    const source = mkdtempSync(join(tmpdir(), 'passdrop-files-out-'));
    const path = join(source, 'interrupted.bin');
    writeFileSync(path, randomBytes(4 * MIB));
    const configHome = freshConfigHome();
    const stalled = await stalledPush(path, configHome, MIB);
    stalled.child.kill('SIGINT');
    const interrupted = await stalled.result;
    assert.equal(interrupted.code, 130);
    assert.match(interrupted.stderr, new RegExp(`passdrop resume ${stalled.id}`));
    assert.equal(interrupted.stdout.length, 0);

    writeFileSync(path, randomBytes(4 * MIB));
    const refused = await runCli(['resume', stalled.id], { env: env({ PASSDROP_SERVER: proxy.url }), configHome });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /changed since its upload started/);

    const cancelled = await runCli(['resume', '--cancel', stalled.id], { env: env({ PASSDROP_SERVER: proxy.url }), configHome });
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.deepEqual(readdirSync(stalled.stateDirectory), []);
    const nothing = await runCli(['resume'], { env: env({ PASSDROP_SERVER: proxy.url }), configHome });
    assert.equal(nothing.code, 0, nothing.stderr);
    assert.match(nothing.stderr, /No interrupted pushes/);
  });

  it('pushes the files named after push (passdrop push FILE...), even one alone, and refuses a word that is no file without echoing it', async () => {
    const source = mkdtempSync(join(tmpdir(), 'passdrop-files-out-'));
    const one = randomBytes(64 * 1024 + 3);
    const two = Buffer.from('second file\n');
    writeFileSync(join(source, 'one.bin'), one);
    writeFileSync(join(source, 'two.txt'), two);
    const single = await runCli(['push', join(source, 'one.bin'), '--views', '1'], { env: env() });
    const singleTarget = mkdtempSync(join(tmpdir(), 'passdrop-files-in-'));
    const gotSingle = await runCli(['get', '--yes', '--output', singleTarget, linkOf(single)], { env: { PASSDROP_SERVER: server.url } });
    assert.equal(gotSingle.code, 0, gotSingle.stderr);
    assert.deepEqual(filesIn(singleTarget), new Map([['one.bin', sha256(one)]]));

    const both = await runCli(['push', join(source, 'one.bin'), join(source, 'two.txt')], { env: env() });
    const target = mkdtempSync(join(tmpdir(), 'passdrop-files-in-'));
    const got = await runCli(['get', '--yes', '--output', target, linkOf(both)], { env: { PASSDROP_SERVER: server.url } });
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(filesIn(target), new Map([['one.bin', sha256(one)], ['two.txt', sha256(two)]]));

    const refused = await runCli(['push', join(source, 'one.bin'), 'hunter2-not-a-file'], { env: env() });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /takes no secret or passphrase on the command line/);
    assert.ok(!refused.stderr.includes('hunter2'), refused.stderr);
    const wrongKind = await runCli(['push', '--kind', 'qr', join(source, 'two.txt')], { env: env() });
    assert.equal(wrongKind.code, 2);
    assert.match(wrongKind.stderr, /drop --kind qr/);
  });

  it('refuses a file push without an account, before anything is uploaded', async () => {
    const source = mkdtempSync(join(tmpdir(), 'passdrop-files-out-'));
    writeFileSync(join(source, 'a.txt'), 'a');
    const refused = await runCli(['push', '--kind', 'file', '--file', join(source, 'a.txt')], { env: { PASSDROP_SERVER: server.url } });
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /sign in|account|token/i);
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { describeEachDatabase } from '../support/each-database.js';
import { freshConfigHome } from '../support/passdrop-cli.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const run = promisify(execFile);

/** Runs the installed `passdrop` with only PATH and a scratch home; resolves even on failure. */
async function installed(bin: string, args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) {
  const home = freshConfigHome();
  const child = execFile(bin, args, { env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: home, ...options.env }, encoding: 'buffer' });
  child.stdin!.end(options.stdin ?? '');
  const out: Buffer[] = [];
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout: Buffer.concat(out).toString(), stderr: err };
}

describe('installing the packed CLI', { timeout: 180_000 }, () => {
  let prefix: string;
  let bin: string;
  let tarball: string;
  before(async () => {
    const packs = mkdtempSync(join(tmpdir(), 'passdrop-pack-'));
    // npm pack runs the prepack script, which bundles dist/passdrop.mjs.
    await run('npm', ['pack', '--workspace', 'passdrop-cli', '--pack-destination', packs], { env: { ...process.env, npm_config_loglevel: 'error' } });
    tarball = join(packs, readdirSync(packs).find((name) => name.endsWith('.tgz'))!);
    prefix = mkdtempSync(join(tmpdir(), 'passdrop-prefix-'));
    await run('npm', ['install', '--global', '--prefix', prefix, '--ignore-scripts', '--offline', '--no-audit', '--no-fund', tarball]);
    bin = join(prefix, 'bin', 'passdrop');
  });

  it('holds only the bundle, its licences and the manifest, and installs with no dependency', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    assert.deepEqual(stdout.trim().split('\n').sort(), ['package/README.md', 'package/dist/THIRD-PARTY-LICENSES.txt', 'package/dist/passdrop.mjs', 'package/package.json']);
    assert.ok(existsSync(bin), 'the passdrop command is on the prefix PATH');
    assert.equal(existsSync(join(prefix, 'lib', 'node_modules', 'passdrop-cli', 'node_modules')), false, 'nothing else was installed');
    const help = await installed(bin, ['--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: passdrop/);
  });

  describeEachDatabase('the installed CLI', (fixture) => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(fixture.database);
    });
    after(() => server?.stop());

    it('pushes and gets a secret end to end', async () => {
      const pushed = await installed(bin, ['push', '--views', '1', '--expires', '1h'], { stdin: 's3cr3t', env: { PASSDROP_SERVER: server.url } });
      assert.equal(pushed.code, 0, pushed.stderr);
      assert.match(pushed.stdout, /^http:\/\/127\.0\.0\.1:\d+\/p\/[A-Za-z0-9_-]+\/r#[A-Za-z0-9_-]{43}\n$/);
      const got = await installed(bin, ['get', '--yes', pushed.stdout.trim()]);
      assert.equal(got.code, 0, got.stderr);
      assert.equal(got.stdout, 's3cr3t');
    });
  });
});

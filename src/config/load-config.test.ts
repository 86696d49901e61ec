import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from './load-config.js';

const cwd = '/srv/passdrop';

function load(env: Record<string, string>) {
  const result = loadConfig(env, cwd);
  if (!result.ok) assert.fail(`expected a valid config, got: ${result.problems.join('; ')}`);
  return result.config;
}

function problemsOf(env: Record<string, string>): string[] {
  const result = loadConfig(env, cwd);
  assert.equal(result.ok, false, 'expected the config to be refused');
  return result.ok ? [] : result.problems;
}

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = load({});
    assert.equal(config.server.port, 5100);
    assert.equal(config.server.host, '0.0.0.0');
    assert.deepEqual(config.database, { kind: 'sqlite', path: '/srv/passdrop/data/passdrop.sqlite' });
    assert.equal(config.dataDir, '/srv/passdrop/data');
    assert.equal(config.logLevel, 'info');
    assert.equal(config.server.baseUrl, undefined);
    assert.deepEqual(config.server.trustedProxies, []);
    assert.equal(config.masterKey.key, undefined);
  });

  it('returns a frozen object all the way down', () => {
    const config = load({});
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.server));
    assert.ok(Object.isFrozen(config.server.trustedProxies));
    assert.throws(() => {
      (config.server as { port: number }).port = 1;
    }, TypeError);
  });

  it('lists every problem at once instead of stopping at the first', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://localhost/db',
      LOG_LEVEL: 'loud',
      TRUSTED_PROXIES: '10.0.0.0/8, not-an-ip',
      PASSDROP_BASE_URL: 'ftp://example.com',
    });
    assert.equal(problems.length, 5, problems.join('\n'));
    assert.match(problems.join('\n'), /PORT must be a whole number, got "eighty"/);
    assert.match(problems.join('\n'), /DATABASE_URL must start with sqlite: or postgres:\/\//);
    assert.match(problems.join('\n'), /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/);
    assert.match(problems.join('\n'), /TRUSTED_PROXIES "not-an-ip" is not an IP address or CIDR range/);
    assert.match(problems.join('\n'), /PASSDROP_BASE_URL must be an http:\/\/ or https:\/\/ URL/);
  });

  it('states the bounds of an out-of-range number', () => {
    assert.deepEqual(problemsOf({ PORT: '70000' }), ['PORT must be between 0 and 65535, got 70000']);
  });

  it('reads postgres URLs, the pool size and the start-up wait', () => {
    const config = load({ DATABASE_URL: 'postgres://u:p@db:5432/passdrop', DATABASE_POOL_SIZE: '25', PASSDROP_DATABASE_WAIT_SECONDS: '90' });
    assert.deepEqual(config.database, { kind: 'postgres', url: 'postgres://u:p@db:5432/passdrop', poolSize: 25, startupWaitMs: 90_000 });
    assert.deepEqual(load({ DATABASE_URL: 'postgres://db/x' }).database, { kind: 'postgres', url: 'postgres://db/x', poolSize: 10, startupWaitMs: 60_000 });
  });

  it('accepts trusted proxies as IPs, CIDR ranges and named ranges', () => {
    const config = load({ TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8,::1, loopback' });
    assert.deepEqual(config.server.trustedProxies, ['127.0.0.1', '10.0.0.0/8', '::1', 'loopback']);
  });

  it('drops a trailing slash from the base URL and refuses one with a query string', () => {
    assert.equal(load({ PASSDROP_BASE_URL: 'https://secrets.example.com/' }).server.baseUrl, 'https://secrets.example.com');
    assert.match(problemsOf({ PASSDROP_BASE_URL: 'https://x.example/?a=1' })[0]!, /query string/);
    assert.equal(load({ PASSDROP_BASE_URL: 'https://secrets.example.com/' }).server.basePath, '');
    assert.equal(load({ PASSDROP_BASE_URL: 'https://example.com/team/secrets/' }).server.basePath, '/team/secrets');
    assert.equal(load({ PASSDROP_BASE_URL: 'https://example.com/secrets' }).server.baseUrl, 'https://example.com/secrets');
    assert.match(problemsOf({ PASSDROP_BASE_URL: 'https://example.com/a%20b/' })[0]!, /sub-path must be plain segments/);
    assert.match(problemsOf({ PASSDROP_BASE_URL: 'https://user:pw@example.com/' })[0]!, /user name or password/);
  });

  it('refuses both a master key and a master key file', () => {
    const problems = problemsOf({ PASSDROP_MASTER_KEY: 'a'.repeat(64), PASSDROP_MASTER_KEY_FILE: '/run/secrets/key' });
    assert.deepEqual(problems, ['PASSDROP_MASTER_KEY and PASSDROP_MASTER_KEY_FILE are both set; set only one']);
  });

  it('reads a settings file named by PASSDROP_CONFIG, and the environment wins over it', () => {
    const directory = mkdtempSync(join(tmpdir(), 'passdrop-config-'));
    const file = join(directory, 'settings.json');
    writeFileSync(file, JSON.stringify({ PORT: 6000, LOG_LEVEL: 'warn', TRUSTED_PROXIES: ['10.0.0.1', '10.0.0.2'] }));
    const config = load({ PASSDROP_CONFIG: file, LOG_LEVEL: 'debug' });
    assert.equal(config.server.port, 6000);
    assert.equal(config.logLevel, 'debug');
    assert.deepEqual(config.server.trustedProxies, ['10.0.0.1', '10.0.0.2']);
  });

  it('names unknown settings and unreadable settings files', () => {
    const directory = mkdtempSync(join(tmpdir(), 'passdrop-config-'));
    const file = join(directory, 'settings.json');
    writeFileSync(file, JSON.stringify({ PROT: 6000 }));
    assert.deepEqual(problemsOf({ PASSDROP_CONFIG: file }), [`PASSDROP_CONFIG: ${file} names an unknown setting "PROT"`]);
    assert.match(problemsOf({ PASSDROP_CONFIG: join(directory, 'missing.json') })[0]!, /cannot read .*missing\.json/);
    writeFileSync(file, '{ not json');
    assert.match(problemsOf({ PASSDROP_CONFIG: file })[0]!, /PASSDROP_CONFIG: cannot read/);
  });

  it('splits previous master keys on commas', () => {
    const config = load({ PASSDROP_MASTER_KEY_PREVIOUS: ` ${'a'.repeat(64)} ,${'b'.repeat(64)}` });
    assert.deepEqual(config.masterKey.previous, ['a'.repeat(64), 'b'.repeat(64)]);
  });

  it('keeps file contents on disk unless told otherwise', () => {
    assert.deepEqual(load({}).fileStorage, { kind: 'disk' });
  });

  it('reads the S3 settings, with the secret access key from a file', () => {
    const directory = mkdtempSync(join(tmpdir(), 'passdrop-config-'));
    const secretFile = join(directory, 's3-secret');
    writeFileSync(secretFile, 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n');
    const config = load({
      PASSDROP_FILE_STORAGE: 'S3',
      PASSDROP_S3_BUCKET: 'passdrop-files',
      PASSDROP_S3_ENDPOINT: 'http://127.0.0.1:9000',
      PASSDROP_S3_FORCE_PATH_STYLE: 'true',
      PASSDROP_S3_PREFIX: 'tenant-1/passdrop/',
      PASSDROP_S3_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      PASSDROP_S3_SECRET_ACCESS_KEY_FILE: secretFile,
    });
    assert.deepEqual(config.fileStorage, {
      kind: 's3',
      bucket: 'passdrop-files',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      prefix: 'tenant-1/passdrop/',
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
    });
    const defaults = load({ PASSDROP_FILE_STORAGE: 's3', PASSDROP_S3_BUCKET: 'files' });
    assert.deepEqual(defaults.fileStorage, { kind: 's3', bucket: 'files', region: 'us-east-1', endpoint: undefined, forcePathStyle: false, prefix: '', credentials: undefined });
  });

  it('lists every S3 problem at once', () => {
    assert.deepEqual(problemsOf({ PASSDROP_FILE_STORAGE: 's3' }), ['PASSDROP_S3_BUCKET must be set when PASSDROP_FILE_STORAGE is s3']);
    const problems = problemsOf({
      PASSDROP_FILE_STORAGE: 's3',
      PASSDROP_S3_BUCKET: 'Not_A_Bucket',
      PASSDROP_S3_ENDPOINT: 'ftp://minio',
      PASSDROP_S3_PREFIX: '/files',
    });
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems.join('\n'), /PASSDROP_S3_BUCKET must be 3–63 lowercase/);
    assert.match(problems.join('\n'), /PASSDROP_S3_ENDPOINT must be an http:\/\/ or https:\/\/ URL/);
    assert.match(problems.join('\n'), /PASSDROP_S3_PREFIX must be segments/);
    assert.deepEqual(problemsOf({ PASSDROP_FILE_STORAGE: 's3', PASSDROP_S3_BUCKET: 'files', PASSDROP_S3_ACCESS_KEY_ID: 'AKIA' }), [
      'PASSDROP_S3_ACCESS_KEY_ID and a secret access key (PASSDROP_S3_SECRET_ACCESS_KEY or _FILE) must be set together, or neither for the default AWS credentials',
    ]);
    assert.deepEqual(
      problemsOf({ PASSDROP_FILE_STORAGE: 's3', PASSDROP_S3_BUCKET: 'files', PASSDROP_S3_ACCESS_KEY_ID: 'AKIA', PASSDROP_S3_SECRET_ACCESS_KEY: 'x', PASSDROP_S3_SECRET_ACCESS_KEY_FILE: '/run/secrets/s3' }),
      ['PASSDROP_S3_SECRET_ACCESS_KEY and PASSDROP_S3_SECRET_ACCESS_KEY_FILE are both set; set only one'],
    );
    assert.match(problemsOf({ PASSDROP_FILE_STORAGE: 's3', PASSDROP_S3_BUCKET: 'files', PASSDROP_S3_ACCESS_KEY_ID: 'AKIA', PASSDROP_S3_SECRET_ACCESS_KEY_FILE: '/nonexistent/s3' })[0]!, /cannot read \/nonexistent\/s3: ENOENT/);
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveMasterKeys } from './master-key-ring.js';

const noKeys = { key: undefined, file: undefined, previous: [] };
const freshDir = () => join(mkdtempSync(join(tmpdir(), 'passdrop-keys-')), 'data');

describe('resolveMasterKeys', () => {
  it('generates a 256-bit key on first start into the data directory with mode 0600, then reuses it', () => {
    const dataDir = freshDir();
    const first = resolveMasterKeys({ dataDir, masterKey: noKeys });
    assert.ok(first.ok);
    assert.equal(first.source.kind, 'generated');
    const path = join(dataDir, 'master.key');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.match(readFileSync(path, 'utf8'), /^[0-9a-f]{64}\n$/);
    assert.equal(first.ring.current.key.length, 32);

    const second = resolveMasterKeys({ dataDir, masterKey: noKeys });
    assert.ok(second.ok);
    assert.equal(second.source.kind, 'data-dir');
    assert.deepEqual(second.ring.current.key, first.ring.current.key);
  });

  it('two generators racing on one directory end with one key', () => {
    const dataDir = freshDir();
    const results = [resolveMasterKeys({ dataDir, masterKey: noKeys }), resolveMasterKeys({ dataDir, masterKey: noKeys })];
    const ids = results.map((result) => (result.ok ? result.ring.current.id : 'failed'));
    assert.equal(ids[0], ids[1]);
  });

  it('uses PASSDROP_MASTER_KEY and the previous keys, giving each a stable id', () => {
    const current = randomBytes(32).toString('hex');
    const previous = randomBytes(32).toString('hex');
    const result = resolveMasterKeys({ dataDir: freshDir(), masterKey: { key: current, file: undefined, previous: [previous] } });
    assert.ok(result.ok);
    assert.equal(result.ring.all.length, 2);
    assert.equal(result.ring.current.key.toString('hex'), current);
    assert.match(result.ring.current.id, /^[0-9a-f]{16}$/);
    assert.notEqual(result.ring.current.id, result.ring.all[1]!.id);
    assert.equal(result.ring.byId(result.ring.all[1]!.id)?.key.toString('hex'), previous);
  });

  it('refuses a malformed key with a clear message that does not repeat the key', () => {
    const badKey = 'not-a-real-key-value-1234';
    const result = resolveMasterKeys({ dataDir: freshDir(), masterKey: { key: badKey, file: undefined, previous: ['short'] } });
    assert.equal(result.ok, false);
    const text = result.ok ? '' : result.problems.join('\n');
    assert.match(text, /PASSDROP_MASTER_KEY is malformed: a master key is 64 hexadecimal characters/);
    assert.match(text, /PASSDROP_MASTER_KEY_PREVIOUS entry 1 is malformed/);
    assert.ok(!text.includes(badKey));
  });

  it('reads a key file and refuses an unreadable or malformed one', () => {
    const directory = mkdtempSync(join(tmpdir(), 'passdrop-keys-'));
    const file = join(directory, 'key');
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`);
    const good = resolveMasterKeys({ dataDir: directory, masterKey: { key: undefined, file, previous: [] } });
    assert.ok(good.ok);
    assert.deepEqual(good.source, { kind: 'file', path: file });

    const missing = resolveMasterKeys({ dataDir: directory, masterKey: { key: undefined, file: join(directory, 'nope'), previous: [] } });
    assert.equal(missing.ok, false);
    assert.match(missing.ok ? '' : missing.problems[0]!, /PASSDROP_MASTER_KEY_FILE: cannot read .*nope: ENOENT/);

    writeFileSync(file, 'xyz');
    const malformed = resolveMasterKeys({ dataDir: directory, masterKey: { key: undefined, file, previous: [] } });
    assert.match(malformed.ok ? '' : malformed.problems[0]!, /is malformed/);

    if (process.getuid?.() !== 0) {
      chmodSync(file, 0o000);
      const unreadable = resolveMasterKeys({ dataDir: directory, masterKey: { key: undefined, file, previous: [] } });
      assert.match(unreadable.ok ? '' : unreadable.problems[0]!, /EACCES/);
    }
  });
});

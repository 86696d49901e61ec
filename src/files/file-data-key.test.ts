import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { EnvelopeError, rewrapEnvelope } from '../crypto/envelope.js';
import { masterKeyFromHex, type MasterKey, type MasterKeyRing } from '../crypto/master-key-ring.js';
import { fileKeyField, newFileDataKey, openFileDataKey } from './file-data-key.js';

function ringOf(...keys: MasterKey[]): MasterKeyRing {
  const byId = new Map(keys.map((key) => [key.id, key]));
  return { current: keys[0]!, all: keys, byId: (id) => byId.get(id) };
}
const randomMasterKey = () => masterKeyFromHex(randomBytes(32).toString('hex'));
const context = { pushToken: 'q3Jx2kLm9PzR4tVw8yBn1A', fileId: '0' };
const failsWith = (reason: string, open: () => unknown) => assert.throws(open, (error: unknown) => error instanceof EnvelopeError && error.reason === reason);

describe('server file data keys', () => {
  it('wraps a fresh 32-byte data key per file under the master key', () => {
    const ring = ringOf(randomMasterKey());
    const first = newFileDataKey(ring.current, context);
    const second = newFileDataKey(ring.current, context);
    assert.equal(first.dataKey.length, 32);
    assert.ok(!first.dataKey.equals(second.dataKey));
    assert.equal(first.wrappedKey.indexOf(first.dataKey), -1);
    assert.ok(openFileDataKey(first.wrappedKey, ring, context).equals(first.dataKey));
  });

  it("binds the wrapped key to its push and file: another push's or file's context does not open it", () => {
    const ring = ringOf(randomMasterKey());
    const { wrappedKey } = newFileDataKey(ring.current, context);
    failsWith('tampered', () => openFileDataKey(wrappedKey, ring, { ...context, fileId: '1' }));
    failsWith('tampered', () => openFileDataKey(wrappedKey, ring, { ...context, pushToken: 'another0000000000000000' }));
    failsWith('unknown-key', () => openFileDataKey(wrappedKey, ringOf(randomMasterKey()), context));
  });

  it('needs the passphrase key when bound to one, and survives a master key rotation', () => {
    const old = randomMasterKey();
    const passphraseKey = randomBytes(32);
    const { dataKey, wrappedKey } = newFileDataKey(old, context, passphraseKey);
    failsWith('passphrase-required', () => openFileDataKey(wrappedKey, ringOf(old), context));
    failsWith('tampered', () => openFileDataKey(wrappedKey, ringOf(old), context, randomBytes(32)));
    const rotated = ringOf(randomMasterKey(), old);
    const rewrapped = rewrapEnvelope(wrappedKey, rotated, { pushToken: context.pushToken, field: fileKeyField(context.fileId) });
    assert.ok(openFileDataKey(rewrapped, ringOf(rotated.current), context, passphraseKey).equals(dataKey));
  });

  it('refuses file ids that could blur the envelope context', () => {
    for (const fileId of ['', 'a|b', 'x'.repeat(65), '../0']) assert.throws(() => fileKeyField(fileId), RangeError);
  });
});

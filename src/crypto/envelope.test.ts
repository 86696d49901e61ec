import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  ENVELOPE_VERSION,
  EnvelopeError,
  envelopeIsPassphraseBound,
  envelopeKeyId,
  openEnvelope,
  rewrapEnvelope,
  sealEnvelope,
  type EnvelopeErrorReason,
} from './envelope.js';
import { masterKeyFromHex, type MasterKey, type MasterKeyRing } from './master-key-ring.js';

const HEADER_LENGTH = 98;

function ringOf(...keys: MasterKey[]): MasterKeyRing {
  const byId = new Map(keys.map((key) => [key.id, key]));
  return { current: keys[0]!, all: keys, byId: (id) => byId.get(id) };
}

const randomMasterKey = () => masterKeyFromHex(randomBytes(32).toString('hex'));

const context = { pushToken: 'q3Jx2kLm9PzR4tVw8yBn1A', field: 'payload' };
const plaintext = Buffer.from('hunter2 — the very secret password', 'utf8');

function assertFailsWith(reason: EnvelopeErrorReason, open: () => unknown): void {
  assert.throws(open, (error: unknown) => {
    assert.ok(error instanceof EnvelopeError, `expected an EnvelopeError, got ${String(error)}`);
    assert.equal(error.reason, reason);
    return true;
  });
}

/**
 * Made once with sealEnvelope and pasted here. These must keep opening: they pin the stored format, the key id
 * derivation, the AAD strings and the passphrase HKDF. Do not regenerate them; add a new vector for a new version.
 */
const vector = {
  masterKeyHex: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
  masterKeyId: 'd2d6b0a73fe32d46',
  context: { pushToken: 'TestVectorToken0000000', field: 'payload' },
  plaintext: 'Passdrop test vector v1',
  envelope:
    '0100d2d6b0a73fe32d46173ae8b366042b57eaabcdf1d015b79534c2e6505a9ca63bdf0751075394b418911c7d944814453e6be33ad37d1e9ab6b9' +
    'e44e3b4c722c51a152bb9c9cf9fea0a20ae8439db65e19030a5708e374d4e96d37c3f0bc320f339f7fce38a8e0faad336db088122ddd91a3d8b7b7156e39',
  passphraseKeyHex: '202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f',
  boundEnvelope:
    '0101d2d6b0a73fe32d46cdccb731beb66e2228e98f68cc1ae442e3bcf674a3b276fbd5220ef7ce669b307f4ea997914195d1b1d62d71a049e7b3' +
    '633de1bb64ba243eb9e988823a2551c82a6bd73982af9abc404f0bc9a02936ac3ebe39aa12a4eb9a4da723d3ee6c04b33c7bb50a257463266f8b8efda14cd0',
};

describe('sealEnvelope and openEnvelope', () => {
  it('round-trips a value, including an empty one', () => {
    const key = randomMasterKey();
    const envelope = sealEnvelope(plaintext, key, context);
    assert.equal(envelope.length, HEADER_LENGTH + plaintext.length);
    assert.deepEqual(openEnvelope(envelope, ringOf(key), context), plaintext);
    assert.deepEqual(openEnvelope(sealEnvelope(Buffer.alloc(0), key, context), ringOf(key), context), Buffer.alloc(0));
  });

  it('writes the documented header: version, flags and the master key id', () => {
    const key = randomMasterKey();
    const envelope = sealEnvelope(plaintext, key, context);
    assert.equal(envelope[0], ENVELOPE_VERSION);
    assert.equal(envelope[1], 0);
    assert.equal(envelope.subarray(2, 10).toString('hex'), key.id);
    assert.equal(envelopeKeyId(envelope), key.id);
    assert.equal(envelopeIsPassphraseBound(envelope), false);
  });

  it('never lets the plaintext bytes appear inside the envelope', () => {
    const key = randomMasterKey();
    const secret = Buffer.from('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'utf8');
    const envelope = sealEnvelope(secret, key, context);
    assert.equal(envelope.indexOf(secret), -1);
    assert.equal(envelope.indexOf(secret.subarray(0, 8)), -1);
    assert.equal(envelope.indexOf(key.key), -1);
  });

  it('uses a fresh data key and IVs for every value, so sealing twice gives different envelopes', () => {
    const key = randomMasterKey();
    const first = sealEnvelope(plaintext, key, context);
    const second = sealEnvelope(plaintext, key, context);
    assert.notDeepEqual(first.subarray(10, 70), second.subarray(10, 70));
    assert.notDeepEqual(first.subarray(70), second.subarray(70));
  });

  it('refuses an envelope moved to another push token or field as tampered', () => {
    const key = randomMasterKey();
    const envelope = sealEnvelope(plaintext, key, context);
    assertFailsWith('tampered', () => openEnvelope(envelope, ringOf(key), { ...context, pushToken: 'anotherTokenAAAAAAAAAA' }));
    assertFailsWith('tampered', () => openEnvelope(envelope, ringOf(key), { ...context, field: 'note' }));
  });

  it('fails when any single bit of the envelope is flipped', () => {
    const key = randomMasterKey();
    const ring = ringOf(key);
    const envelope = sealEnvelope(Buffer.from('short secret', 'utf8'), key, context);
    for (let byte = 0; byte < envelope.length; byte += 1) {
      for (let bit = 0; bit < 8; bit += 1) {
        const altered = Buffer.from(envelope);
        altered[byte]! ^= 1 << bit;
        assert.throws(
          () => openEnvelope(altered, ring, context),
          (error: unknown) => {
            assert.ok(error instanceof EnvelopeError);
            // The version and flags are checked first, then the key id is looked up, and everything else
            // (including setting the passphrase flag) fails authentication.
            const expected = byte === 0 ? 'malformed' : byte === 1 && bit > 0 ? 'malformed' : byte >= 2 && byte < 10 ? 'unknown-key' : 'tampered';
            assert.equal(error.reason, expected, `byte ${byte} bit ${bit}`);
            return true;
          },
        );
      }
    }
  });

  it('refuses a truncated envelope or one with extra bytes', () => {
    const key = randomMasterKey();
    const envelope = sealEnvelope(plaintext, key, context);
    assertFailsWith('malformed', () => openEnvelope(envelope.subarray(0, HEADER_LENGTH - 1), ringOf(key), context));
    assertFailsWith('malformed', () => openEnvelope(Buffer.alloc(0), ringOf(key), context));
    assertFailsWith('tampered', () => openEnvelope(envelope.subarray(0, envelope.length - 1), ringOf(key), context));
    assertFailsWith('tampered', () => openEnvelope(Buffer.concat([envelope, Buffer.from([0])]), ringOf(key), context));
  });

  it('opens an envelope sealed with an older key that is still in the ring', () => {
    const old = randomMasterKey();
    const current = randomMasterKey();
    const envelope = sealEnvelope(plaintext, old, context);
    assert.deepEqual(openEnvelope(envelope, ringOf(current, old), context), plaintext);
  });

  it('names the key id when the key is not in the ring', () => {
    const missing = randomMasterKey();
    const envelope = sealEnvelope(plaintext, missing, context);
    assert.throws(
      () => openEnvelope(envelope, ringOf(randomMasterKey()), context),
      (error: unknown) =>
        error instanceof EnvelopeError && error.reason === 'unknown-key' && error.message.includes(missing.id),
    );
  });

  it('refuses malformed arguments loudly rather than sealing something ambiguous', () => {
    const key = randomMasterKey();
    assert.throws(() => sealEnvelope(plaintext, key, { pushToken: 'a|b', field: 'payload' }), RangeError);
    assert.throws(() => sealEnvelope(plaintext, key, { pushToken: 'token', field: '' }), RangeError);
    assert.throws(() => sealEnvelope(plaintext, key, context, randomBytes(16)), RangeError);
  });
});

describe('passphrase-bound envelopes', () => {
  it('need the same passphrase key to open', () => {
    const key = randomMasterKey();
    const passphraseKey = randomBytes(32);
    const envelope = sealEnvelope(plaintext, key, context, passphraseKey);
    assert.equal(envelope[1], 1);
    assert.equal(envelopeIsPassphraseBound(envelope), true);
    assert.deepEqual(openEnvelope(envelope, ringOf(key), context, passphraseKey), plaintext);
  });

  it('fail with passphrase-required without a passphrase key and tampered with a wrong one', () => {
    const key = randomMasterKey();
    const envelope = sealEnvelope(plaintext, key, context, randomBytes(32));
    assertFailsWith('passphrase-required', () => openEnvelope(envelope, ringOf(key), context));
    assertFailsWith('tampered', () => openEnvelope(envelope, ringOf(key), context, randomBytes(32)));
  });

  it('cannot be downgraded by clearing the flag', () => {
    const key = randomMasterKey();
    const passphraseKey = randomBytes(32);
    const envelope = sealEnvelope(plaintext, key, context, passphraseKey);
    const cleared = Buffer.from(envelope);
    cleared[1] = 0;
    assertFailsWith('tampered', () => openEnvelope(cleared, ringOf(key), context));
    assertFailsWith('tampered', () => openEnvelope(cleared, ringOf(key), context, passphraseKey));
  });

  it('ignore a passphrase key given for an envelope that is not bound', () => {
    const key = randomMasterKey();
    const envelope = sealEnvelope(plaintext, key, context);
    assert.deepEqual(openEnvelope(envelope, ringOf(key), context, randomBytes(32)), plaintext);
  });
});

describe('rewrapEnvelope', () => {
  it('moves the envelope to the current key, still opens, and leaves the content part identical', () => {
    const old = randomMasterKey();
    const current = randomMasterKey();
    const ring = ringOf(current, old);
    const envelope = sealEnvelope(plaintext, old, context);
    const rewrapped = rewrapEnvelope(envelope, ring, context);
    assert.equal(envelopeKeyId(rewrapped), current.id);
    assert.equal(rewrapped.length, envelope.length);
    assert.deepEqual(rewrapped.subarray(70), envelope.subarray(70));
    assert.notDeepEqual(rewrapped.subarray(10, 70), envelope.subarray(10, 70));
    assert.deepEqual(openEnvelope(rewrapped, ringOf(current), context), plaintext);
    assert.equal(envelopeKeyId(envelope), old.id, 'the original buffer is not modified');
  });

  it('re-wraps passphrase-bound envelopes without the passphrase', () => {
    const old = randomMasterKey();
    const current = randomMasterKey();
    const passphraseKey = randomBytes(32);
    const envelope = sealEnvelope(plaintext, old, context, passphraseKey);
    const rewrapped = rewrapEnvelope(envelope, ringOf(current, old), context);
    assert.equal(envelopeIsPassphraseBound(rewrapped), true);
    assert.deepEqual(openEnvelope(rewrapped, ringOf(current), context, passphraseKey), plaintext);
  });

  it('returns the same buffer when the envelope already uses the current key', () => {
    const current = randomMasterKey();
    const envelope = sealEnvelope(plaintext, current, context);
    assert.equal(rewrapEnvelope(envelope, ringOf(current), context), envelope);
  });

  it('refuses an envelope for another push, or one whose key is gone', () => {
    const old = randomMasterKey();
    const current = randomMasterKey();
    const envelope = sealEnvelope(plaintext, old, context);
    assertFailsWith('tampered', () => rewrapEnvelope(envelope, ringOf(current, old), { ...context, field: 'note' }));
    assertFailsWith('unknown-key', () => rewrapEnvelope(envelope, ringOf(current), context));
  });
});

describe('the committed test vectors', () => {
  it('still open to the expected plaintext, pinning the version 1 format', () => {
    const key = masterKeyFromHex(vector.masterKeyHex);
    assert.equal(key.id, vector.masterKeyId);
    const envelope = Buffer.from(vector.envelope, 'hex');
    assert.equal(envelopeKeyId(envelope), vector.masterKeyId);
    assert.equal(envelopeIsPassphraseBound(envelope), false);
    assert.equal(openEnvelope(envelope, ringOf(key), vector.context).toString('utf8'), vector.plaintext);
  });

  it('still open the passphrase-bound vector with its passphrase key and not without it', () => {
    const key = masterKeyFromHex(vector.masterKeyHex);
    const envelope = Buffer.from(vector.boundEnvelope, 'hex');
    const passphraseKey = Buffer.from(vector.passphraseKeyHex, 'hex');
    assert.equal(envelopeIsPassphraseBound(envelope), true);
    assert.equal(openEnvelope(envelope, ringOf(key), vector.context, passphraseKey).toString('utf8'), vector.plaintext);
    assertFailsWith('passphrase-required', () => openEnvelope(envelope, ringOf(key), vector.context));
  });
});

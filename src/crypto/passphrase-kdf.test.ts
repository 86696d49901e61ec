import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPassphraseRecord, verifyPassphrase } from './passphrase-kdf.js';

const passphrase = 'correct horse battery staple';

/**
 * Made once with createPassphraseRecord and pasted here; it pins the record format, the scrypt parameters,
 * NFC normalization and the split of scrypt's output into verifier and key. Do not regenerate it.
 */
const vector = {
  passphrase: 'correct horse battery staple',
  record: 'scrypt$1$15$8$1$81aCTDwg-VIWcYXKQr4Kag$BNvrrcaObkR8IGrAAp_ot7v8F03bZfu1Gdd345GCBv8',
  keyHex: '35f4bf882df87ccfdd765821f9a9230c542ca9fa2c50d5fc2a35c678f32ca39f',
};

describe('createPassphraseRecord and verifyPassphrase', () => {
  it('accepts the right passphrase and returns the same key as at creation', async () => {
    const { record, key } = await createPassphraseRecord(passphrase);
    assert.equal(key.length, 32);
    const verdict = await verifyPassphrase(passphrase, record);
    assert.ok(verdict.ok);
    assert.deepEqual(verdict.key, key);
  });

  it('rejects a wrong passphrase', async () => {
    const { record } = await createPassphraseRecord(passphrase);
    assert.deepEqual(await verifyPassphrase('correct horse battery stapler', record), { ok: false });
    assert.deepEqual(await verifyPassphrase('', record), { ok: false });
  });

  it('treats NFC and NFD spellings of the same passphrase as equal', async () => {
    const composed = 'Cr\u00e8me br\u00fbl\u00e9e';
    const decomposed = composed.normalize('NFD');
    assert.notEqual(composed, decomposed);
    const fromComposed = await createPassphraseRecord(composed);
    const verdict = await verifyPassphrase(decomposed, fromComposed.record);
    assert.ok(verdict.ok);
    assert.deepEqual(verdict.key, fromComposed.key);
    const fromDecomposed = await createPassphraseRecord(decomposed);
    assert.ok((await verifyPassphrase(composed, fromDecomposed.record)).ok);
  });

  it('writes a record with its parameters that contains neither the passphrase nor the key', async () => {
    const { record, key } = await createPassphraseRecord(passphrase);
    assert.match(record, /^scrypt\$1\$15\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.ok(!record.includes(passphrase));
    for (const encoding of ['base64url', 'base64', 'hex'] as const) {
      assert.ok(!record.includes(key.toString(encoding).replace(/=+$/, '')), `key found as ${encoding}`);
    }
  });

  it('makes two different records for the same passphrase, because each has its own salt', async () => {
    const first = await createPassphraseRecord(passphrase);
    const second = await createPassphraseRecord(passphrase);
    assert.notEqual(first.record, second.record);
    assert.notEqual(first.record.split('$')[5], second.record.split('$')[5]);
    assert.notDeepEqual(first.key, second.key);
  });

  it('refuses an empty passphrase at creation', async () => {
    await assert.rejects(createPassphraseRecord(''), RangeError);
  });

  it('throws on a malformed record without repeating it', async () => {
    const { record } = await createPassphraseRecord(passphrase);
    const parts = record.split('$');
    const withPart = (index: number, value: string) => parts.map((part, i) => (i === index ? value : part)).join('$');
    const malformed = [
      '',
      'not a record',
      record.replace(/^scrypt/, 'argon2'),
      withPart(1, '2'),
      withPart(2, '31'),
      withPart(2, '015'),
      withPart(3, '0'),
      withPart(4, '1.5'),
      withPart(3, '32'), // N = 2^15 with r = 32 needs 128 MiB, more than allowed
      withPart(5, 'c2hvcnQ'), // a 5-byte salt
      withPart(5, `${parts[5]}=`),
      withPart(6, parts[6]!.slice(1)),
      `${record}$extra`,
    ];
    for (const bad of malformed) {
      await assert.rejects(verifyPassphrase(passphrase, bad), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /^malformed passphrase record: /, bad);
        if (parts[6] !== undefined) assert.ok(!error.message.includes(parts[6]));
        return true;
      });
    }
  });

  it('still verifies the committed test vector and derives its key', async () => {
    const verdict = await verifyPassphrase(vector.passphrase, vector.record);
    assert.ok(verdict.ok);
    assert.equal(verdict.key.toString('hex'), vector.keyHex);
    assert.deepEqual(await verifyPassphrase('Correct horse battery staple', vector.record), { ok: false });
  });
});

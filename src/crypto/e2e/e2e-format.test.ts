import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  accessProofFor,
  base64UrlDecode,
  base64UrlEncode,
  E2eError,
  e2eEnvelopeNeedsPassphrase,
  e2eEnvelopeVersion,
  linkProofFor,
  newLinkSecret,
  openE2e,
  openE2eText,
  sealE2e,
  type E2eKind,
} from './e2e-format.js';

interface Vector {
  description: string;
  kind: E2eKind;
  linkSecret: string;
  passphrase: string | null;
  iterations: number;
  plaintext: string;
  ciphertext: string;
  accessProof: string | null;
  /** Format 2 only. */
  linkProof?: string;
}
const vectors = JSON.parse(readFileSync(new URL('../../../docs/e2e-test-vectors.json', import.meta.url), 'utf8')) as Vector[];
const vectorsV2 = JSON.parse(readFileSync(new URL('../../../docs/e2e-test-vectors-v2.json', import.meta.url), 'utf8')) as Vector[];
const FAST = 100_000;

const rejects = (promise: Promise<unknown>, reason: string) =>
  assert.rejects(promise, (error: unknown) => error instanceof E2eError && error.reason === reason);

describe('the end-to-end format', () => {
  it('opens every committed test vector and reproduces its access proof', async () => {
    assert.ok(vectors.length >= 3);
    for (const vector of vectors) {
      const passphrase = vector.passphrase ?? undefined;
      const opened = await openE2eText(vector.ciphertext, { kind: vector.kind, linkSecret: vector.linkSecret, ...(passphrase ? { passphrase } : {}) });
      assert.equal(opened, vector.plaintext, vector.description);
      if (vector.passphrase) {
        assert.equal(await accessProofFor({ linkSecret: vector.linkSecret, passphrase: vector.passphrase, iterations: vector.iterations }), vector.accessProof);
      }
    }
  });

  it('opens every committed format-2 test vector byte for byte and reproduces its link proof and access proof', async () => {
    assert.ok(vectorsV2.length >= 3);
    for (const vector of vectorsV2) {
      assert.equal(e2eEnvelopeVersion(vector.ciphertext), 2);
      const passphrase = vector.passphrase ?? undefined;
      const opened = await openE2eText(vector.ciphertext, { kind: vector.kind, linkSecret: vector.linkSecret, ...(passphrase ? { passphrase } : {}) });
      assert.equal(opened, vector.plaintext, vector.description);
      assert.equal(await linkProofFor(vector.linkSecret), vector.linkProof);
      if (vector.passphrase) assert.equal(await accessProofFor({ linkSecret: vector.linkSecret, passphrase: vector.passphrase, iterations: vector.iterations }), vector.accessProof);
    }
    assert.equal(e2eEnvelopeVersion(vectors[0]!.ciphertext), 1);
  });

  it('seals format 2 with a link proof that a changed or cut link secret does not reproduce', async () => {
    const linkSecret = newLinkSecret();
    const sealed = await sealE2e('x', { kind: 'text', linkSecret });
    assert.equal(e2eEnvelopeVersion(sealed.ciphertext), 2);
    assert.match(sealed.linkProof ?? '', /^[A-Za-z0-9_-]{43}$/);
    const damaged = linkSecret.slice(0, -4) + (linkSecret.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.notEqual(await linkProofFor(damaged), sealed.linkProof);
    await rejects(linkProofFor(linkSecret.slice(0, -4)), 'malformed');
    const v1 = await sealE2e('x', { kind: 'text', linkSecret, version: 1 });
    assert.equal(v1.linkProof, null);
    assert.equal(await openE2eText(v1.ciphertext, { kind: 'text', linkSecret }), 'x');
    assert.equal(e2eEnvelopeVersion('not an envelope'), undefined);
  });

  it('round-trips text and bytes, with and without a passphrase', async () => {
    const linkSecret = newLinkSecret();
    assert.match(linkSecret, /^[A-Za-z0-9_-]{43}$/);
    const plain = await sealE2e('hello', { kind: 'text', linkSecret });
    assert.equal(plain.accessProof, null);
    assert.equal(await openE2eText(plain.ciphertext, { kind: 'text', linkSecret }), 'hello');
    // A leading byte order mark is part of the secret: TextDecoder would strip it unless told not to.
    const marked = await sealE2e('\ufeffBOM first', { kind: 'text', linkSecret });
    assert.equal(await openE2eText(marked.ciphertext, { kind: 'text', linkSecret }), '\ufeffBOM first');
    const bytes = new Uint8Array([0, 255, 1, 254]);
    const sealed = await sealE2e(bytes, { kind: 'file', linkSecret, passphrase: 'pw', iterations: FAST });
    assert.match(sealed.accessProof ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(await openE2e(sealed.ciphertext, { kind: 'file', linkSecret, passphrase: 'pw' }), bytes);
    assert.equal(e2eEnvelopeNeedsPassphrase(sealed.ciphertext), true);
    assert.equal(e2eEnvelopeNeedsPassphrase(plain.ciphertext), false);
  });

  it('never contains the plaintext, and differs every time', async () => {
    const linkSecret = newLinkSecret();
    const first = await sealE2e('the very same secret', { kind: 'text', linkSecret });
    const second = await sealE2e('the very same secret', { kind: 'text', linkSecret });
    assert.notEqual(first.ciphertext, second.ciphertext);
    assert.ok(!new TextDecoder().decode(base64UrlDecode(first.ciphertext)).includes('very same'));
  });

  it('fails on a wrong link secret, passphrase or kind, and on any tampered byte', async () => {
    const linkSecret = newLinkSecret();
    const { ciphertext } = await sealE2e('guarded', { kind: 'text', linkSecret, passphrase: 'right', iterations: FAST });
    await rejects(openE2e(ciphertext, { kind: 'text', linkSecret: newLinkSecret(), passphrase: 'right' }), 'decrypt-failed');
    await rejects(openE2e(ciphertext, { kind: 'text', linkSecret, passphrase: 'wrong' }), 'decrypt-failed');
    await rejects(openE2e(ciphertext, { kind: 'qr', linkSecret, passphrase: 'right' }), 'decrypt-failed');
    await rejects(openE2e(ciphertext, { kind: 'text', linkSecret }), 'passphrase-required');
    const bytes = base64UrlDecode(ciphertext);
    for (const index of [6, 17, 18, bytes.length - 1]) {
      const tampered = bytes.slice();
      tampered[index]! ^= 0x01;
      await rejects(openE2e(base64UrlEncode(tampered), { kind: 'text', linkSecret, passphrase: 'right' }), 'decrypt-failed');
    }
    const noFlag = bytes.slice();
    noFlag[1] = 0;
    await assert.rejects(openE2e(base64UrlEncode(noFlag), { kind: 'text', linkSecret, passphrase: 'right' }), E2eError);
  });

  it('derives the same access proof for equivalent passphrases (NFC) and a different one otherwise', async () => {
    const linkSecret = newLinkSecret();
    const sealed = await sealE2e('x', { kind: 'text', linkSecret, passphrase: 'Gru\u0308ße', iterations: FAST });
    assert.equal(await accessProofFor({ linkSecret, passphrase: 'Grüße', iterations: FAST }), sealed.accessProof);
    assert.notEqual(await accessProofFor({ linkSecret, passphrase: 'Grusse', iterations: FAST }), sealed.accessProof);
    assert.notEqual(await accessProofFor({ linkSecret: newLinkSecret(), passphrase: 'Grüße', iterations: FAST }), sealed.accessProof);
  });

  it('refuses malformed input clearly', async () => {
    await rejects(openE2e('not base64!', { kind: 'text', linkSecret: newLinkSecret() }), 'malformed');
    await rejects(openE2e('AAAA', { kind: 'text', linkSecret: newLinkSecret() }), 'malformed');
    await rejects(sealE2e('x', { kind: 'text', linkSecret: 'short' }), 'malformed');
    await rejects(sealE2e('x', { kind: 'text', linkSecret: newLinkSecret(), passphrase: 'p', iterations: 10 }), 'malformed');
    const v3 = base64UrlDecode((await sealE2e('x', { kind: 'text', linkSecret: newLinkSecret() })).ciphertext);
    v3[0] = 3;
    await rejects(openE2e(base64UrlEncode(v3), { kind: 'text', linkSecret: newLinkSecret() }), 'unsupported-version');
    const relabelled = base64UrlDecode((await sealE2e('x', { kind: 'text', linkSecret: newLinkSecret() })).ciphertext);
    relabelled[0] = 1;
    await rejects(openE2e(base64UrlEncode(relabelled), { kind: 'text', linkSecret: newLinkSecret() }), 'decrypt-failed');
  });
});

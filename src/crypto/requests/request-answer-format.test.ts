import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { base64UrlDecode, base64UrlEncode } from '../e2e/e2e-format.js';
import {
  checkAnswerShape,
  checkPublicKey,
  fingerprintMatches,
  generateRequesterKeyPair,
  importRequesterKey,
  keyFingerprint,
  newAnswerId,
  openAnswer,
  openAnswerText,
  RequestCryptoError,
  sealAnswer,
  answerFileKey,
  decodeFilesAnswer,
  encodeFilesAnswer,
  startAnswer,
  type AnswerKind,
} from './request-answer-format.js';

interface Vector {
  description: string;
  requestToken: string;
  answerId: string;
  kind: AnswerKind;
  plaintext: string;
  publicKey: string;
  requesterKey: string;
  fingerprint: string;
  ephemeralPublicKey: string;
  ephemeralPrivateKey: string;
  iv: string;
  ciphertext: string;
}
const vectors = JSON.parse(readFileSync(new URL('../../../docs/requests-test-vectors.json', import.meta.url), 'utf8')) as Vector[];

const rejects = (promise: Promise<unknown>, reason: string) =>
  assert.rejects(promise, (error: unknown) => error instanceof RequestCryptoError && error.reason === reason);

describe('the request answer format', () => {
  it('opens every committed test vector, reproduces its fingerprint and seals it again byte for byte', async () => {
    assert.ok(vectors.length >= 3);
    for (const vector of vectors) {
      const privateKey = await importRequesterKey(vector.requesterKey, vector.publicKey);
      assert.equal(privateKey.extractable, false);
      const binding = { requestToken: vector.requestToken, answerId: vector.answerId, kind: vector.kind };
      assert.equal(await openAnswerText(vector.ciphertext, { ...binding, privateKey, publicKey: vector.publicKey }), vector.plaintext, vector.description);
      assert.equal(await keyFingerprint(vector.publicKey), vector.fingerprint);
      const again = await sealAnswer(vector.plaintext, {
        ...binding,
        publicKey: vector.publicKey,
        ephemeral: { requesterKey: vector.ephemeralPrivateKey, publicKey: vector.ephemeralPublicKey },
        iv: base64UrlDecode(vector.iv),
      });
      assert.equal(again, vector.ciphertext, vector.description);
    }
  });

  it('round-trips text and bytes to a fresh key pair, and a requester key opens them on another device', async () => {
    const requester = await generateRequesterKeyPair();
    assert.match(requester.publicKey, /^[A-Za-z0-9_-]{87}$/);
    assert.match(requester.requesterKey, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(requester.privateKey.extractable, false);
    const binding = { requestToken: 'AbCdEfGhIjKlMnOpQrStUv', answerId: newAnswerId(), kind: 'text' as const };
    assert.match(binding.answerId, /^[A-Za-z0-9_-]{22}$/);
    const ciphertext = await sealAnswer('the database password', { ...binding, publicKey: requester.publicKey });
    await checkAnswerShape(ciphertext);
    assert.equal(await openAnswerText(ciphertext, { ...binding, privateKey: requester.privateKey, publicKey: requester.publicKey }), 'the database password');
    const elsewhere = await importRequesterKey(` ${requester.requesterKey}\n`, requester.publicKey);
    assert.equal(await openAnswerText(ciphertext, { ...binding, privateKey: elsewhere, publicKey: requester.publicKey }), 'the database password');
    const bytes = new Uint8Array([0, 255, 1, 254]);
    const sealedBytes = await sealAnswer(bytes, { ...binding, publicKey: requester.publicKey });
    assert.deepEqual(await openAnswer(sealedBytes, { ...binding, privateKey: elsewhere, publicKey: requester.publicKey }), bytes);
    // A leading byte order mark is part of the text: TextDecoder would strip it unless told not to.
    const withMark = await sealAnswer('\ufeffmarked', { ...binding, publicKey: requester.publicKey });
    assert.equal(await openAnswerText(withMark, { ...binding, privateKey: elsewhere, publicKey: requester.publicKey }), '\ufeffmarked');
  });

  it('never contains the plaintext and differs every time', async () => {
    const { publicKey } = await generateRequesterKeyPair();
    const binding = { requestToken: 'AbCdEfGhIjKlMnOpQrStUv', answerId: newAnswerId(), kind: 'text' as const };
    const first = await sealAnswer('the very same answer', { ...binding, publicKey });
    const second = await sealAnswer('the very same answer', { ...binding, publicKey });
    assert.notEqual(first, second);
    assert.ok(!new TextDecoder().decode(base64UrlDecode(first)).includes('very same'));
  });

  it('fails on another key, request, answer id or kind, and on any altered byte', async () => {
    const requester = await generateRequesterKeyPair();
    const other = await generateRequesterKeyPair();
    const binding: { requestToken: string; answerId: string; kind: AnswerKind } = { requestToken: 'AbCdEfGhIjKlMnOpQrStUv', answerId: newAnswerId(), kind: 'text' };
    const ciphertext = await sealAnswer('bound', { ...binding, publicKey: requester.publicKey });
    const open = (changes: Partial<typeof binding> & { privateKey?: CryptoKey }, text = ciphertext) =>
      openAnswer(text, { ...binding, privateKey: requester.privateKey, publicKey: requester.publicKey, ...changes });
    await rejects(open({ privateKey: other.privateKey }), 'decrypt-failed');
    await rejects(open({ requestToken: 'ZbCdEfGhIjKlMnOpQrStUv' }), 'decrypt-failed');
    await rejects(open({ answerId: newAnswerId() }), 'decrypt-failed');
    await rejects(open({ kind: 'files' }), 'decrypt-failed');
    const bytes = base64UrlDecode(ciphertext);
    for (const index of [2, 40, 66, 67, 78, 79, bytes.length - 1]) {
      const tampered = bytes.slice();
      tampered[index]! ^= 0x01;
      // A flipped bit in the ephemeral point usually leaves the curve (malformed); elsewhere the tag fails.
      await assert.rejects(open({}, base64UrlEncode(tampered)), (error: unknown) => error instanceof RequestCryptoError && ['decrypt-failed', 'malformed'].includes(error.reason));
    }
    const v2 = bytes.slice();
    v2[0] = 2;
    await rejects(open({}, base64UrlEncode(v2)), 'unsupported-version');
    const otherAlgorithm = bytes.slice();
    otherAlgorithm[1] = 2;
    await rejects(open({}, base64UrlEncode(otherAlgorithm)), 'malformed');
  });

  it('gives the responder and the requester the same file keys, one per position and per answer, only through the answer key', async () => {
    const requester = await generateRequesterKeyPair();
    const requestToken = newAnswerId();
    const answerId = newAnswerId();
    const writer = await startAnswer(requester.publicKey);
    const [first, second] = [await writer.fileKey(0), await writer.fileKey(1)];
    const ciphertext = await writer.seal(encodeFilesAnswer('two files', 2), { requestToken, answerId, kind: 'files' });
    assert.deepEqual(decodeFilesAnswer(await openAnswer(ciphertext, { requestToken, answerId, kind: 'files', privateKey: requester.privateKey, publicKey: requester.publicKey })), {
      text: 'two files',
      files: 2,
    });
    const keys = { privateKey: requester.privateKey, publicKey: requester.publicKey };
    assert.deepEqual(await answerFileKey(ciphertext, keys, 0), first);
    assert.deepEqual(await answerFileKey(ciphertext, keys, 1), second);
    assert.notDeepEqual(first, second);
    // Another answer (another ephemeral key) has other file keys; another requester key derives other keys.
    assert.notDeepEqual(await (await startAnswer(requester.publicKey)).fileKey(0), first);
    const stranger = await generateRequesterKeyPair();
    assert.notDeepEqual(await answerFileKey(ciphertext, { privateKey: stranger.privateKey, publicKey: requester.publicKey }, 0), first);
    // Relabelled as a text answer, it does not open.
    await rejects(openAnswer(ciphertext, { requestToken, answerId, kind: 'text', ...keys }), 'decrypt-failed');
    assert.throws(() => decodeFilesAnswer(new TextEncoder().encode('plain text')), RequestCryptoError);
  });

  it('tells a link fingerprint that names the served key from one that does not (a swapped key)', async () => {
    const honest = await generateRequesterKeyPair();
    const swapped = await generateRequesterKeyPair();
    const fingerprint = await keyFingerprint(honest.publicKey);
    assert.match(fingerprint, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(await fingerprintMatches(honest.publicKey, fingerprint), true);
    assert.equal(await fingerprintMatches(swapped.publicKey, fingerprint), false);
    assert.equal(await fingerprintMatches('not a key', fingerprint), false);
    assert.equal(await fingerprintMatches(honest.publicKey, ''), false);
  });

  it('refuses a requester key that belongs to another request, and malformed keys and answers', async () => {
    const requester = await generateRequesterKeyPair();
    const other = await generateRequesterKeyPair();
    await rejects(importRequesterKey(other.requesterKey, requester.publicKey), 'key-mismatch');
    await rejects(importRequesterKey('short', requester.publicKey), 'malformed');
    await rejects(importRequesterKey('!'.repeat(43), requester.publicKey), 'malformed');
    await rejects(checkPublicKey('AAAA'), 'malformed');
    const offCurve = base64UrlDecode(requester.publicKey);
    offCurve[64]! ^= 0x01;
    await rejects(checkPublicKey(base64UrlEncode(offCurve)), 'malformed');
    assert.equal(await checkPublicKey(requester.publicKey), requester.publicKey);
    await rejects(checkAnswerShape('AAAA'), 'malformed');
    await rejects(sealAnswer('x', { requestToken: 'bad|token!!', answerId: newAnswerId(), kind: 'text', publicKey: requester.publicKey }), 'malformed');
    await rejects(sealAnswer('x', { requestToken: 'AbCdEfGhIjKlMnOpQrStUv', answerId: 'short', kind: 'text', publicKey: requester.publicKey }), 'malformed');
  });
});

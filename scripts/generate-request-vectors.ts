// Writes docs/requests-test-vectors.json: fixed key pairs, IVs, requests and answers, sealed with the code
// in src/crypto/requests/request-answer-format.ts. Run once (`npx tsx scripts/generate-request-vectors.ts`)
// and commit the output; the vectors must keep opening forever after, in Node, in Chromium and in Python.
import { writeFileSync } from 'node:fs';
import { base64UrlEncode } from '../src/crypto/e2e/e2e-format.js';
import { keyFingerprint, sealAnswer, type AnswerKind } from '../src/crypto/requests/request-answer-format.js';

async function exportedPair() {
  const pair = await globalThis.crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const publicKey = base64UrlEncode(new Uint8Array(await globalThis.crypto.subtle.exportKey('raw', pair.publicKey)));
  const requesterKey = (await globalThis.crypto.subtle.exportKey('jwk', pair.privateKey)).d!;
  return { publicKey, requesterKey };
}

const cases: Array<{ description: string; requestToken: string; answerId: string; kind: AnswerKind; plaintext: string }> = [
  { description: 'ASCII text', requestToken: 'RequestVectorToken0001', answerId: 'AnswerVectorId00000001', kind: 'text', plaintext: 'correct horse battery staple' },
  { description: 'non-ASCII text over two lines', requestToken: 'RequestVectorToken0002', answerId: 'AnswerVectorId00000002', kind: 'text', plaintext: 'Пароль: £¬ 秘密 🔑\nline two' },
  { description: 'empty text', requestToken: 'RequestVectorToken0003', answerId: 'AnswerVectorId00000003', kind: 'text', plaintext: '' },
];

const requester = await exportedPair();
const vectors = [];
for (const [index, entry] of cases.entries()) {
  const ephemeral = await exportedPair();
  const iv = new Uint8Array(12).map((_, position) => index * 16 + position);
  const ciphertext = await sealAnswer(entry.plaintext, { ...entry, publicKey: requester.publicKey, ephemeral, iv });
  vectors.push({
    ...entry,
    publicKey: requester.publicKey,
    requesterKey: requester.requesterKey,
    fingerprint: await keyFingerprint(requester.publicKey),
    ephemeralPublicKey: ephemeral.publicKey,
    ephemeralPrivateKey: ephemeral.requesterKey,
    iv: base64UrlEncode(iv),
    ciphertext,
  });
}
writeFileSync('docs/requests-test-vectors.json', `${JSON.stringify(vectors, null, 2)}\n`);
console.log(`wrote ${vectors.length} vectors to docs/requests-test-vectors.json`);

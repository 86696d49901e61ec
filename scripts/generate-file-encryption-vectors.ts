// Writes docs/file-encryption-test-vectors.json (see docs/file-encryption.md). Run once per format version:
// the committed vectors pin the format, so this refuses to overwrite them without --force (the wrapped
// server keys are random and would change). `npx tsx scripts/generate-file-encryption-vectors.ts [--force]`
import { existsSync, writeFileSync } from 'node:fs';
import { masterKeyFromHex } from '../src/crypto/master-key-ring.js';
import { deriveE2eFileRoot, e2eFileKey } from '../src/crypto/e2e/e2e-files.js';
import { sealFileMetadata, type FileMetadata } from '../src/crypto/stream/file-metadata.js';
import { nodeRecordCipher } from '../src/crypto/stream/node-record-cipher.js';
import { RECORD_STREAM_HEADER_LENGTH, RECORD_TAG_LENGTH, recordNonce, encodeRecordStreamHeader } from '../src/crypto/stream/record-stream-format.js';
import { deriveStreamKey, sealRecords, type RecordStreamPurpose } from '../src/crypto/stream/record-stream.js';
import { newFileDataKey } from '../src/files/file-data-key.js';

const PATH = 'docs/file-encryption-test-vectors.json';
if (existsSync(PATH) && !process.argv.includes('--force')) {
  console.error(`${PATH} exists; the committed vectors pin the format. Pass --force to write new ones.`);
  process.exit(1);
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const counting = (length: number, from = 0) => Uint8Array.from({ length }, (_, index) => (from + index) & 0xff);
/** Bytes that repeat neither per record nor per 256: (i × 7 + 3) mod 251. */
const pattern = (length: number) => Uint8Array.from({ length }, (_, index) => (index * 7 + 3) % 251);

const FILE_KEY = counting(32);
const SALT = counting(32, 0xa0);
const RECORD_SIZE = 1024;

async function seal(plaintext: Uint8Array, options: { recordSize?: number; purpose?: RecordStreamPurpose; fileKey?: Uint8Array; salt?: Uint8Array } = {}) {
  return sealRecords(plaintext, {
    fileKey: options.fileKey ?? FILE_KEY,
    purpose: options.purpose ?? 'file-content',
    recordSize: options.recordSize ?? RECORD_SIZE,
    fixedSaltForTestVectors: options.salt ?? SALT,
    cipher: nodeRecordCipher,
  });
}

function streamVector(description: string, plaintext: Uint8Array, ciphertext: Uint8Array, recordSize = RECORD_SIZE, purpose: RecordStreamPurpose = 'file-content') {
  return { description, fileKey: hex(FILE_KEY), purpose, recordSize, salt: hex(SALT), plaintext: hex(plaintext), ciphertext: hex(ciphertext) };
}

const empty = new Uint8Array(0);
const oneRecord = pattern(100);
const oneFullRecord = pattern(RECORD_SIZE);
const threeRecords = pattern(3 * RECORD_SIZE);
const partialLast = pattern(2 * RECORD_SIZE + 452);
const largerRecords = pattern(5000);

const sealedThree = await seal(threeRecords);
const sealedPartial = await seal(partialLast);
const streams = [
  streamVector('empty file: one empty last record', empty, await seal(empty)),
  streamVector('one record shorter than the record size', oneRecord, await seal(oneRecord)),
  streamVector('exactly one full record', oneFullRecord, await seal(oneFullRecord)),
  streamVector('exactly three full records (no empty record after them)', threeRecords, sealedThree),
  streamVector('a partial last record (2 full records, then 452 bytes)', partialLast, sealedPartial),
  streamVector('4 KiB records: one full record, then 904 bytes', largerRecords, await seal(largerRecords, { recordSize: 4096 }), 4096),
  streamVector('the metadata purpose: same key and salt, other stream key', oneRecord, await seal(oneRecord, { purpose: 'file-metadata' }), RECORD_SIZE, 'file-metadata'),
];

const sealedRecord = RECORD_SIZE + RECORD_TAG_LENGTH;
const H = RECORD_STREAM_HEADER_LENGTH;
const recordAt = (stream: Uint8Array, index: number) => stream.subarray(H + index * sealedRecord, Math.min(stream.length, H + (index + 1) * sealedRecord));
const join = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));
const flip = (stream: Uint8Array, offset: number, mask = 0x01) => {
  const copy = stream.slice();
  copy[offset]! ^= mask;
  return copy;
};
const withHeaderByte = (stream: Uint8Array, offset: number, value: number) => {
  const copy = stream.slice();
  copy[offset] = value;
  return copy;
};
const header = sealedThree.subarray(0, H);
const [r0, r1, r2] = [0, 1, 2].map((index) => recordAt(sealedThree, index)) as [Uint8Array, Uint8Array, Uint8Array];

/** A stream the writer never makes: a full last-but-not-last record, then an empty last record, correctly sealed. */
async function emptyRecordAfterFullOne(): Promise<Uint8Array> {
  const headerBytes = encodeRecordStreamHeader(RECORD_SIZE, SALT);
  const cipher = await nodeRecordCipher(await deriveStreamKey(FILE_KEY, SALT, 'file-content'), headerBytes);
  const first = (await cipher.seal(recordNonce(0, false), oneFullRecord)) as Uint8Array;
  const last = (await cipher.seal(recordNonce(1, true), empty)) as Uint8Array;
  return join(headerBytes, first, last);
}

const failure = (description: string, ciphertext: Uint8Array, error: string, overrides: { fileKey?: Uint8Array; purpose?: RecordStreamPurpose } = {}) => ({
  description,
  fileKey: hex(overrides.fileKey ?? FILE_KEY),
  purpose: overrides.purpose ?? 'file-content',
  ciphertext: hex(ciphertext),
  error,
});

const failures = [
  failure('truncated: the last record dropped (the stream ends after record 1 of 0–2)', join(header, r0, r1), 'truncated'),
  failure('truncated: the stream ends 10 bytes into the last record', sealedThree.subarray(0, sealedThree.length - 10), 'decrypt-failed'),
  failure('truncated: the header only', header, 'truncated'),
  failure('truncated: inside the header', header.subarray(0, 20), 'truncated'),
  failure('truncated: nothing at all', empty, 'truncated'),
  failure('reordered: records 0 and 1 swapped', join(header, r1, r0, r2), 'decrypt-failed'),
  failure('duplicated: record 0 twice', join(header, r0, r0, r1, r2), 'decrypt-failed'),
  failure('dropped: the middle record', join(header, r0, r2), 'decrypt-failed'),
  failure('appended: the last record repeated after itself', join(header, r0, r1, r2, r2), 'decrypt-failed'),
  failure('flipped bit: in the first record', flip(sealedThree, H + 5), 'decrypt-failed'),
  failure('flipped bit: in the last record of a partial stream', flip(sealedPartial, sealedPartial.length - 30), 'decrypt-failed'),
  failure('flipped bit: in a tag', flip(sealedThree, H + sealedRecord - 1), 'decrypt-failed'),
  failure('flipped bit: in the salt', flip(sealedThree, 20), 'decrypt-failed'),
  failure('changed header: record size 2048 instead of 1024', withHeaderByte(sealedThree, 8, 0x08), 'decrypt-failed'),
  failure('wrong key', sealedThree, 'decrypt-failed', { fileKey: counting(32, 1) }),
  failure('wrong purpose: content opened as metadata', sealedThree, 'decrypt-failed', { purpose: 'file-metadata' }),
  failure('unsupported version 2', withHeaderByte(sealedThree, 4, 2), 'unsupported-version'),
  failure('not a record stream: wrong magic', withHeaderByte(sealedThree, 0, 0x25), 'malformed'),
  failure('an unknown flag', withHeaderByte(sealedThree, 5, 0x80), 'malformed'),
  failure('record size 512, below the 1 KiB minimum', withHeaderByte(withHeaderByte(sealedThree, 8, 0x02), 9, 0x00), 'malformed'),
  failure('an empty last record after a full one (authentic, but never written)', await emptyRecordAfterFullOne(), 'malformed'),
];

const metadata: FileMetadata = { name: 'Relevé 2026 — 季度 report.pdf', type: 'application/pdf', size: 1300 };

async function e2eFile(description: string, linkSecret: string, passphrase: string | null, iterations: number, index: number) {
  const { fileRoot, accessProof } = await deriveE2eFileRoot({ linkSecret, ...(passphrase ? { passphrase, iterations } : {}) });
  const fileKey = await e2eFileKey(fileRoot, index);
  const plaintext = pattern(1300);
  return {
    description,
    linkSecret,
    passphrase,
    iterations,
    fileRoot: hex(fileRoot),
    accessProof,
    index,
    fileKey: hex(fileKey),
    metadata,
    sealedMetadata: hex(await sealFileMetadata(metadata, fileKey, { fixedSaltForTestVectors: SALT })),
    recordSize: RECORD_SIZE,
    plaintext: hex(plaintext),
    ciphertext: hex(await seal(plaintext, { fileKey })),
  };
}

const e2eFiles = [
  await e2eFile('E2E, no passphrase, the first file', 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8', null, 0, 0),
  await e2eFile('E2E with a passphrase, the third file', 'cGFzc2Ryb3AtZTJlLXRlc3QtdmVjdG9yLXRocmVlISE', 'open sesame', 100_000, 2),
];

async function serverFile(description: string, passphraseKey: Buffer | undefined) {
  const masterKey = masterKeyFromHex(hex(counting(32)));
  const context = { pushToken: 'TestVectorToken0000000', fileId: '0' };
  const { dataKey, wrappedKey } = newFileDataKey(masterKey, context, passphraseKey);
  const plaintext = pattern(1300);
  return {
    description,
    masterKey: hex(masterKey.key),
    pushToken: context.pushToken,
    fileId: context.fileId,
    passphraseKey: passphraseKey ? hex(passphraseKey) : null,
    wrappedKey: hex(wrappedKey),
    dataKey: hex(dataKey),
    metadata,
    sealedMetadata: hex(await sealFileMetadata(metadata, dataKey, { fixedSaltForTestVectors: SALT })),
    recordSize: RECORD_SIZE,
    plaintext: hex(plaintext),
    ciphertext: hex(await seal(plaintext, { fileKey: dataKey })),
  };
}

const serverFiles = [
  await serverFile('at rest, a wrapped data key', undefined),
  await serverFile('at rest, a wrapped data key bound to a passphrase key', Buffer.from(counting(32, 0x20))),
];

const vectors = {
  format: 'Passdrop record stream, version 1 (docs/file-encryption.md). Bytes are hexadecimal; link secrets base64url.',
  streams,
  failures,
  e2eFiles,
  serverFiles,
};
writeFileSync(PATH, `${JSON.stringify(vectors, null, 2)}\n`);
console.log(`Wrote ${PATH}: ${streams.length} streams, ${failures.length} failures, ${e2eFiles.length} E2E files, ${serverFiles.length} server files`);

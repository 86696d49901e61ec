import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { masterKeyFromHex, type MasterKeyRing } from '../master-key-ring.js';
import { deriveE2eFileRoot, e2eFileKey } from '../e2e/e2e-files.js';
import { openFileDataKey } from '../../files/file-data-key.js';
import { openFileMetadata, sealFileMetadata, type FileMetadata } from './file-metadata.js';
import { nodeRecordCipher } from './node-record-cipher.js';
import { openRecords, RecordStreamError, sealRecords, webCryptoRecordCipher, type RecordCipherProvider, type RecordStreamPurpose } from './record-stream.js';
import { parseRecordStreamHeader } from './record-stream-format.js';

interface StreamVector { description: string; fileKey: string; purpose: RecordStreamPurpose; recordSize: number; salt: string; plaintext: string; ciphertext: string }
interface FailureVector { description: string; fileKey: string; purpose: RecordStreamPurpose; ciphertext: string; error: string }
interface FileVector { metadata: FileMetadata; sealedMetadata: string; recordSize: number; plaintext: string; ciphertext: string }
interface E2eFileVector extends FileVector { description: string; linkSecret: string; passphrase: string | null; iterations: number; fileRoot: string; accessProof: string | null; index: number; fileKey: string }
interface ServerFileVector extends FileVector { description: string; masterKey: string; pushToken: string; fileId: string; passphraseKey: string | null; wrappedKey: string; dataKey: string }
interface Vectors { streams: StreamVector[]; failures: FailureVector[]; e2eFiles: E2eFileVector[]; serverFiles: ServerFileVector[] }

const vectors = JSON.parse(readFileSync(new URL('../../../docs/file-encryption-test-vectors.json', import.meta.url), 'utf8')) as Vectors;
const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
const hex = (value: Uint8Array) => Buffer.from(value).toString('hex');
const ciphers: Array<[string, RecordCipherProvider]> = [
  ['WebCrypto', webCryptoRecordCipher],
  ['node:crypto', nodeRecordCipher],
];

describe('the committed file encryption test vectors (docs/file-encryption-test-vectors.json)', () => {
  it('cover the empty stream, one record, exact records, a partial last record and both purposes', () => {
    const descriptions = vectors.streams.map((vector) => vector.description).join('\n');
    for (const needed of [/empty/, /one record/, /exactly three/, /partial last/, /metadata/]) assert.match(descriptions, needed);
    assert.ok(vectors.failures.length >= 15);
  });

  for (const [name, cipher] of ciphers) {
    it(`open to their plaintext and are re-sealed byte for byte with ${name}`, async () => {
      for (const vector of vectors.streams) {
        const options = { fileKey: bytes(vector.fileKey), purpose: vector.purpose, cipher };
        assert.equal(hex(await openRecords(bytes(vector.ciphertext), options)), vector.plaintext, vector.description);
        assert.equal(parseRecordStreamHeader(bytes(vector.ciphertext)).recordSize, vector.recordSize);
        const resealed = await sealRecords(bytes(vector.plaintext), { ...options, recordSize: vector.recordSize, fixedSaltForTestVectors: bytes(vector.salt) });
        assert.equal(hex(resealed), vector.ciphertext, vector.description);
      }
    });

    it(`refuse every failure case with its stated reason with ${name}`, async () => {
      for (const vector of vectors.failures) {
        await assert.rejects(openRecords(bytes(vector.ciphertext), { fileKey: bytes(vector.fileKey), purpose: vector.purpose, cipher }), (error: unknown) => {
          assert.ok(error instanceof RecordStreamError, vector.description);
          assert.equal(error.reason, vector.error, vector.description);
          return true;
        });
      }
    });
  }

  it('derive the E2E file root, access proof and file keys from the link secret, and open each file', async () => {
    for (const vector of vectors.e2eFiles) {
      const { fileRoot, accessProof } = await deriveE2eFileRoot({ linkSecret: vector.linkSecret, ...(vector.passphrase ? { passphrase: vector.passphrase, iterations: vector.iterations } : {}) });
      assert.equal(hex(fileRoot), vector.fileRoot, vector.description);
      assert.equal(accessProof, vector.accessProof);
      const fileKey = await e2eFileKey(fileRoot, vector.index);
      assert.equal(hex(fileKey), vector.fileKey);
      assert.deepEqual(await openFileMetadata(bytes(vector.sealedMetadata), fileKey), vector.metadata);
      assert.equal(hex(await sealFileMetadata(vector.metadata, fileKey, { fixedSaltForTestVectors: parseRecordStreamHeader(bytes(vector.sealedMetadata)).salt })), vector.sealedMetadata);
      assert.equal(hex(await openRecords(bytes(vector.ciphertext), { fileKey, purpose: 'file-content' })), vector.plaintext);
    }
  });

  it('unwrap the server data keys with the master key (and passphrase key), and open each file', async () => {
    for (const vector of vectors.serverFiles) {
      const masterKey = masterKeyFromHex(vector.masterKey);
      const ring: MasterKeyRing = { current: masterKey, all: [masterKey], byId: (id) => (id === masterKey.id ? masterKey : undefined) };
      const passphraseKey = vector.passphraseKey ? Buffer.from(vector.passphraseKey, 'hex') : undefined;
      const dataKey = openFileDataKey(Buffer.from(vector.wrappedKey, 'hex'), ring, { pushToken: vector.pushToken, fileId: vector.fileId }, passphraseKey);
      assert.equal(dataKey.toString('hex'), vector.dataKey, vector.description);
      assert.deepEqual(await openFileMetadata(bytes(vector.sealedMetadata), dataKey, { cipher: nodeRecordCipher }), vector.metadata);
      assert.equal(hex(await openRecords(bytes(vector.ciphertext), { fileKey: dataKey, purpose: 'file-content', cipher: nodeRecordCipher })), vector.plaintext);
    }
  });
});

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { nodeRecordCipher } from './node-record-cipher.js';
import {
  encryptedLength,
  MAX_RECORD_SIZE,
  MIN_RECORD_SIZE,
  parseRecordStreamHeader,
  plaintextLength,
  RECORD_STREAM_HEADER_LENGTH,
  RECORD_TAG_LENGTH,
  recordNonce,
} from './record-stream-format.js';
import {
  createDecryptStream,
  createEncryptStream,
  openRecords,
  RecordStreamError,
  sealRecords,
  webCryptoRecordCipher,
  type RecordCipherProvider,
  type RecordStreamErrorReason,
} from './record-stream.js';

const RECORD = 1024;
const fileKey = new Uint8Array(randomBytes(32));
const ciphers: Array<[string, RecordCipherProvider]> = [
  ['WebCrypto', webCryptoRecordCipher],
  ['node:crypto', nodeRecordCipher],
];

/** Feeds `bytes` in chunks of the given sizes (cycled) through a transform and collects the output. */
async function through(transform: TransformStream<Uint8Array, Uint8Array>, bytes: Uint8Array, chunkSizes: number[] = [bytes.length || 1]): Promise<Uint8Array> {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      let offset = 0;
      let turn = 0;
      while (offset < bytes.length) {
        const size = chunkSizes[turn++ % chunkSizes.length]!;
        controller.enqueue(bytes.slice(offset, offset + size));
        offset += size;
      }
      controller.close();
    },
  });
  const parts: Uint8Array[] = [];
  await source.pipeThrough(transform).pipeTo(new WritableStream({ write: (part) => void parts.push(part) }));
  return new Uint8Array(Buffer.concat(parts));
}

const rejectsWith = (promise: Promise<unknown>, reason: RecordStreamErrorReason) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof RecordStreamError, `expected a RecordStreamError, got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    return true;
  });

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('the record stream', () => {
  it('round-trips lengths around the record boundaries, with both ciphers, whatever the chunking', async () => {
    const salt = new Uint8Array(32).fill(9);
    for (const length of [0, 1, RECORD - 1, RECORD, RECORD + 1, 3 * RECORD, 3 * RECORD + 5]) {
      const plaintext = new Uint8Array(randomBytes(length));
      const outputs: Uint8Array[] = [];
      for (const [name, cipher] of ciphers) {
        for (const chunks of [[length || 1], [1], [7, 1000, 1500], [RECORD], [RECORD + 1]]) {
          const sealed = await through(createEncryptStream({ fileKey, purpose: 'file-content', recordSize: RECORD, cipher, fixedSaltForTestVectors: salt }), plaintext, chunks);
          assert.equal(sealed.length, encryptedLength(length, RECORD), `${name}, ${length} bytes`);
          outputs.push(sealed);
          for (const [, openCipher] of ciphers) {
            for (const openChunks of [[sealed.length], [1], [13, RECORD + RECORD_TAG_LENGTH, 4096]]) {
              const opened = await through(createDecryptStream({ fileKey, purpose: 'file-content', cipher: openCipher }), sealed, openChunks);
              assert.ok(same(opened, plaintext), `${name}, ${length} bytes, chunks ${chunks.join('/')} → ${openChunks.join('/')}`);
            }
          }
        }
      }
      assert.ok(outputs.every((output) => same(output, outputs[0]!)), `every cipher and chunking gives the same bytes for ${length} bytes`);
    }
  });

  it('writes the same bytes with WebCrypto and with node:crypto, at every concurrency', async () => {
    const plaintext = new Uint8Array(randomBytes(10 * 65_536 + 123));
    const salt = new Uint8Array(randomBytes(32));
    const results = await Promise.all(
      ciphers.flatMap(([, cipher]) =>
        [1, 4, 16].map((concurrency) => sealRecords(plaintext, { fileKey, purpose: 'file-content', cipher, concurrency, fixedSaltForTestVectors: salt })),
      ),
    );
    for (const result of results) assert.ok(same(result, results[0]!));
    assert.equal(results[0]!.length, encryptedLength(plaintext.length));
  });

  it('continues a stream from any record with its salt, writing exactly the bytes the first writer wrote from there', async () => {
    const plaintext = new Uint8Array(randomBytes(RECORD * 5 + 7));
    const salt = new Uint8Array(randomBytes(32));
    const whole = await sealRecords(plaintext, { fileKey, purpose: 'file-content', recordSize: RECORD, continueStream: { salt, firstRecord: 0 } });
    assert.ok(same(parseRecordStreamHeader(whole).salt, salt));
    for (const firstRecord of [0, 1, 3, 5]) {
      const rest = await through(
        createEncryptStream({ fileKey, purpose: 'file-content', recordSize: RECORD, continueStream: { salt, firstRecord } }),
        plaintext.subarray(firstRecord * RECORD),
        [700, 3000],
      );
      const start = firstRecord === 0 ? 0 : RECORD_STREAM_HEADER_LENGTH + firstRecord * (RECORD + RECORD_TAG_LENGTH);
      assert.ok(same(rest, whole.subarray(start)), `from record ${firstRecord}`);
    }
    assert.throws(() => createEncryptStream({ fileKey, purpose: 'file-content', continueStream: { salt, firstRecord: -1 } }), RangeError);
  });

  it('writes a header with the magic, version, record size and a fresh random salt each time', async () => {
    const first = await sealRecords(new Uint8Array(5), { fileKey, purpose: 'file-content' });
    const second = await sealRecords(new Uint8Array(5), { fileKey, purpose: 'file-content' });
    const header = parseRecordStreamHeader(first);
    assert.equal(Buffer.from(first.subarray(0, 4)).toString('latin1'), 'PDRS');
    assert.equal(header.version, 1);
    assert.equal(header.recordSize, 65_536);
    assert.ok(!same(header.salt, parseRecordStreamHeader(second).salt));
    assert.ok(!same(first, second));
    const size = await sealRecords(new Uint8Array(5), { fileKey, purpose: 'file-content', recordSize: 4096 });
    assert.equal(parseRecordStreamHeader(size).recordSize, 4096);
  });

  it('refuses record sizes outside 1 KiB – 16 MiB, short file keys and bad concurrency', () => {
    for (const recordSize of [MIN_RECORD_SIZE - 1, MAX_RECORD_SIZE + 1, 1.5]) {
      assert.throws(() => createEncryptStream({ fileKey, purpose: 'file-content', recordSize }), RangeError);
    }
    assert.throws(() => createEncryptStream({ fileKey: new Uint8Array(16), purpose: 'file-content' }), RangeError);
    assert.throws(() => createDecryptStream({ fileKey, purpose: 'file-content', concurrency: 0 }), RangeError);
  });

  it('computes the sealed length of a plaintext and back, and spots lengths no plaintext has', () => {
    for (const length of [0, 1, 1023, 1024, 1025, 4096, 1_000_000]) {
      const sealed = encryptedLength(length, RECORD);
      assert.equal(plaintextLength(sealed, RECORD), length);
    }
    assert.equal(encryptedLength(0), RECORD_STREAM_HEADER_LENGTH + RECORD_TAG_LENGTH);
    assert.equal(encryptedLength(100_000), 42 + 100_000 + 2 * 16);
    // A header alone, a partial tag, an empty record after a full one.
    for (const impossible of [RECORD_STREAM_HEADER_LENGTH, RECORD_STREAM_HEADER_LENGTH + 15, RECORD_STREAM_HEADER_LENGTH + RECORD + 2 * RECORD_TAG_LENGTH]) {
      assert.equal(plaintextLength(impossible, RECORD), undefined);
    }
  });

  it('binds the counter and the last-record flag into the nonce', () => {
    assert.equal(Buffer.from(recordNonce(0, false)).toString('hex'), '000000000000000000000000');
    assert.equal(Buffer.from(recordNonce(1, true)).toString('hex'), '000000000000000000000101');
    assert.equal(Buffer.from(recordNonce(2 ** 32 + 5, false)).toString('hex'), '000000000000010000000500');
  });

  it('detects truncation, reordering, duplication, dropped and appended records, flipped bits and wrong keys', async () => {
    const plaintext = new Uint8Array(randomBytes(3 * RECORD));
    const sealed = await sealRecords(plaintext, { fileKey, purpose: 'file-content', recordSize: RECORD });
    const size = RECORD + RECORD_TAG_LENGTH;
    const header = sealed.subarray(0, RECORD_STREAM_HEADER_LENGTH);
    const record = (index: number) => sealed.subarray(RECORD_STREAM_HEADER_LENGTH + index * size, RECORD_STREAM_HEADER_LENGTH + (index + 1) * size);
    const join = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
    const flipped = (offset: number) => {
      const copy = sealed.slice();
      copy[offset]! ^= 0x80;
      return copy;
    };
    const cases: Array<[string, Uint8Array, RecordStreamErrorReason]> = [
      ['last record dropped', join(header, record(0), record(1)), 'truncated'],
      ['cut inside the header', sealed.subarray(0, 41), 'truncated'],
      ['header only', header, 'truncated'],
      ['cut inside the last record', sealed.subarray(0, sealed.length - 1), 'decrypt-failed'],
      ['reordered', join(header, record(1), record(0), record(2)), 'decrypt-failed'],
      ['duplicated', join(header, record(0), record(1), record(1), record(2)), 'decrypt-failed'],
      ['middle dropped', join(header, record(0), record(2)), 'decrypt-failed'],
      ['appended', join(header, record(0), record(1), record(2), record(0)), 'decrypt-failed'],
      ['flipped salt', flipped(30), 'decrypt-failed'],
      ['record size out of bounds', flipped(6), 'malformed'],
      ['record size changed', flipped(8), 'decrypt-failed'],
      ['flipped body', flipped(RECORD_STREAM_HEADER_LENGTH + size + 3), 'decrypt-failed'],
      ['flipped last tag', flipped(sealed.length - 1), 'decrypt-failed'],
      ['other version', (() => { const copy = sealed.slice(); copy[4] = 2; return copy; })(), 'unsupported-version'],
    ];
    for (const [name, bytes, reason] of cases) {
      for (const [cipherName, cipher] of ciphers) {
        await rejectsWith(openRecords(bytes, { fileKey, purpose: 'file-content', cipher }), reason).catch((error: Error) => {
          throw new Error(`${name} (${cipherName}): ${error.message}`);
        });
      }
    }
    await rejectsWith(openRecords(sealed, { fileKey: new Uint8Array(randomBytes(32)), purpose: 'file-content' }), 'decrypt-failed');
    await rejectsWith(openRecords(sealed, { fileKey, purpose: 'file-metadata' }), 'decrypt-failed');
  });

  it('releases no record before it authenticates, and errors before closing on a dropped tail', async () => {
    const plaintext = new Uint8Array(randomBytes(3 * RECORD));
    const sealed = await sealRecords(plaintext, { fileKey, purpose: 'file-content', recordSize: RECORD });
    const tampered = sealed.slice();
    tampered[RECORD_STREAM_HEADER_LENGTH + (RECORD + RECORD_TAG_LENGTH) + 10]! ^= 1;
    for (const [bytes, expected] of [
      [tampered, RECORD],
      // Record 1 authenticates only as a middle record, so it is never released either.
      [sealed.subarray(0, sealed.length - (RECORD + RECORD_TAG_LENGTH)), RECORD],
    ] as const) {
      const received: Uint8Array[] = [];
      const source = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes.slice());
          controller.close();
        },
      });
      await assert.rejects(source.pipeThrough(createDecryptStream({ fileKey, purpose: 'file-content', concurrency: 1 })).pipeTo(new WritableStream({ write: (part) => void received.push(part) })), RecordStreamError);
      const got = Buffer.concat(received);
      assert.equal(got.length, expected);
      assert.ok(got.equals(Buffer.from(plaintext.subarray(0, expected))), 'only authenticated records, in order');
    }
  });

  it('streams 64 MiB through encryption and decryption with both ciphers, one record at a time', async () => {
    for (const [name, cipher] of ciphers) {
      const total = 64 * 1024 * 1024;
      const chunk = new Uint8Array(randomBytes(1024 * 1024 + 7));
      let produced = 0;
      const input = createHash('sha256');
      const source = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (produced >= total) return controller.close();
          const part = chunk.subarray(0, Math.min(chunk.length, total - produced));
          input.update(part);
          produced += part.length;
          controller.enqueue(part.slice());
        },
      });
      const output = createHash('sha256');
      let sealedBytes = 0;
      await source
        .pipeThrough(createEncryptStream({ fileKey, purpose: 'file-content', cipher }))
        .pipeThrough(new TransformStream({ transform: (part, controller) => { sealedBytes += part.length; controller.enqueue(part); } }))
        .pipeThrough(createDecryptStream({ fileKey, purpose: 'file-content', cipher }))
        .pipeTo(new WritableStream({ write: (part) => void output.update(part) }));
      assert.equal(output.digest('hex'), input.digest('hex'), name);
      assert.equal(sealedBytes, encryptedLength(total));
    }
  });
});

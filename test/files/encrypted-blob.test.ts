import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { encryptedLength } from '../../src/crypto/stream/record-stream-format.js';
import { RecordStreamError } from '../../src/crypto/stream/record-stream.js';
import type { BlobStore } from '../../src/files/blob-store.js';
import { createBlobStore } from '../../src/files/create-blob-store.js';
import { getDecryptedBlob, putEncryptedBlob } from '../../src/files/encrypted-blob.js';
import { startTestS3Server, type TestS3Server } from '../support/s3-test-server.js';

const MIB = 1024 * 1024;

/** `total` bytes made of one random block repeated, hashed as they are produced. */
function generated(total: number): { body: AsyncIterable<Uint8Array>; digest: () => string } {
  const block = randomBytes(MIB + 7);
  const hash = createHash('sha256');
  async function* generate() {
    for (let produced = 0; produced < total; ) {
      const part = block.subarray(0, Math.min(block.length, total - produced));
      hash.update(part);
      produced += part.length;
      yield new Uint8Array(part);
    }
  }
  return { body: generate(), digest: () => hash.digest('hex') };
}

async function digestOf(stream: ReadableStream<Uint8Array>): Promise<{ digest: string; length: number }> {
  const hash = createHash('sha256');
  let length = 0;
  await stream.pipeTo(new WritableStream({ write: (part) => { hash.update(part); length += part.length; } }));
  return { digest: hash.digest('hex'), length };
}

/** Samples this process's RSS while `work` runs; resolves with the peak growth over the start, in MiB. */
async function peakRssGrowth(work: () => Promise<void>): Promise<number> {
  globalThis.gc?.();
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return (Math.max(peak, process.memoryUsage.rss()) - start) / MIB;
}

const backends: Array<[string, () => Promise<{ store: BlobStore; cleanup: () => Promise<void>; corrupt: (key: string) => Promise<void> }>]> = [
  [
    'disk',
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'passdrop-data-'));
      const store = await createBlobStore({ kind: 'disk' }, dataDir);
      return {
        store,
        cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
        corrupt: async (key) => {
          const path = join(dataDir, 'files', 'blobs', ...key.split('/'));
          const bytes = readFileSync(path);
          bytes[bytes.length - 100]! ^= 1;
          writeFileSync(path, bytes);
        },
      };
    },
  ],
  [
    'S3 on s3rver',
    async () => {
      const server: TestS3Server = await startTestS3Server();
      const options = server.storeOptions('at-rest/');
      const store = await createBlobStore({ kind: 's3', ...options, endpoint: options.endpoint!, credentials: options.credentials! }, '/nonexistent');
      return {
        store,
        cleanup: async () => {
          await store.close();
          await server.stop();
        },
        // Replaced by a copy that lacks its last record, as a truncating attacker with bucket access would.
        corrupt: async (key) => {
          const read = await store.get(key);
          const bytes = new Uint8Array(await new Response(read!.body).arrayBuffer());
          await store.put(key, new Blob([bytes.subarray(0, bytes.length - ((bytes.length - 42) % (65_536 + 16)))]).stream());
        },
      };
    },
  ],
];

for (const [name, open] of backends) {
  describe(`encrypted blobs at rest (${name})`, () => {
    let backend: Awaited<ReturnType<typeof open>>;
    before(async () => (backend = await open()));
    after(() => backend?.cleanup());
    const fileKey = new Uint8Array(randomBytes(32));

    it('streams 256 MiB in and out through the record stream, in bounded memory', async (t) => {
      const total = 256 * MIB;
      const source = generated(total);
      let stored!: Awaited<ReturnType<typeof putEncryptedBlob>>;
      let read!: { digest: string; length: number };
      const growth = await peakRssGrowth(async () => {
        stored = await putEncryptedBlob(backend.store, 'big/file-0', source.body, { fileKey, plaintextSizeHint: total });
        read = await digestOf((await getDecryptedBlob(backend.store, 'big/file-0', fileKey))!);
      });
      t.diagnostic(`RSS grew by at most ${growth.toFixed(0)} MiB`);
      assert.equal(stored.plaintextBytes, total);
      assert.equal(stored.storedBytes, encryptedLength(total));
      assert.equal((await backend.store.stat('big/file-0'))?.size, encryptedLength(total));
      assert.deepEqual(read, { digest: source.digest(), length: total });
      // Loose on purpose (figures are in bench/file-encryption-bench.ts): holding the file would take 256 MiB or more.
      assert.ok(growth < 160, `RSS grew by ${growth.toFixed(0)} MiB while streaming 256 MiB`);
      await backend.store.delete('big/file-0');
    });

    it('stores no plaintext, and refuses a blob that was altered or cut short', async () => {
      const plaintext = Buffer.from('a secret document '.repeat(20_000));
      await putEncryptedBlob(backend.store, 'small/file-0', Readable.from([plaintext]), { fileKey });
      const raw = Buffer.from(await new Response((await backend.store.get('small/file-0'))!.body).arrayBuffer());
      assert.equal(raw.indexOf('a secret document'), -1);
      assert.equal((await digestOf((await getDecryptedBlob(backend.store, 'small/file-0', fileKey))!)).length, plaintext.length);
      await assert.rejects(digestOf((await getDecryptedBlob(backend.store, 'small/file-0', new Uint8Array(randomBytes(32))))!), RecordStreamError);
      await backend.corrupt('small/file-0');
      await assert.rejects(digestOf((await getDecryptedBlob(backend.store, 'small/file-0', fileKey))!), RecordStreamError);
      assert.equal(await getDecryptedBlob(backend.store, 'missing/file-0', fileKey), undefined);
    });
  });
}

// `npm run bench:files`: pushes 1 GiB (BENCH_FILE_MIB to change) through the record stream of
// docs/file-encryption.md with each record cipher (WebCrypto one record at a time and four at once,
// node:crypto) and prints plaintext MiB/s for encryption, decryption and both chained, then the server's
// at-rest path through the disk blob store and, with BENCH_S3=1, through s3rver. Each scenario runs in a
// fresh process, so its peak RSS (and its growth over the process's start) is its own. Figures, never
// assertions.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeRecordCipher } from '../src/crypto/stream/node-record-cipher.js';
import { createDecryptStream, createEncryptStream, webCryptoRecordCipher, type RecordCipherProvider } from '../src/crypto/stream/record-stream.js';
import type { BlobStore } from '../src/files/blob-store.js';
import { createDiskBlobStore } from '../src/files/disk-blob-store.js';
import { getDecryptedBlob, putEncryptedBlob } from '../src/files/encrypted-blob.js';
import { createS3BlobStore } from '../src/files/s3-blob-store.js';
import { startTestS3Server } from '../test/support/s3-test-server.js';

const MIB = 1024 * 1024;
const TOTAL = Number(process.env.BENCH_FILE_MIB ?? 1024) * MIB;
const fileKey = new Uint8Array(randomBytes(32));
const block = randomBytes(4 * MIB);

/** TOTAL bytes of one random block, in 1 MiB chunks (what a file read gives). */
function source(): ReadableStream<Uint8Array> {
  let produced = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (produced >= TOTAL) return controller.close();
      const length = Math.min(MIB, TOTAL - produced);
      const offset = produced % (block.length - MIB);
      produced += length;
      controller.enqueue(new Uint8Array(block.buffer, block.byteOffset + offset, length));
    },
  });
}

const counter = () => {
  let bytes = 0;
  return { stream: new WritableStream<Uint8Array>({ write: (chunk) => void (bytes += chunk.length) }), bytes: () => bytes };
};

interface Figure {
  readonly path: string;
  readonly mibPerSecond: number;
  readonly startRssMib: number;
  readonly peakRssMib: number;
}

async function measure(path: string, work: () => Promise<void>): Promise<Figure> {
  globalThis.gc?.();
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  const began = performance.now();
  await work();
  const seconds = (performance.now() - began) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { path, mibPerSecond: TOTAL / MIB / seconds, startRssMib: start / MIB, peakRssMib: peak / MIB };
}

/** Runs `work` with a disk blob store in a temporary directory, removed afterwards. */
async function withDiskStore<T>(work: (store: BlobStore) => Promise<T>): Promise<T> {
  const directory = mkdtempSync(join(tmpdir(), 'passdrop-bench-'));
  try {
    return await work(await createDiskBlobStore(directory));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

const ciphers: Record<string, [RecordCipherProvider, number]> = {
  'WebCrypto, 1 record at a time': [webCryptoRecordCipher, 1],
  'WebCrypto, 4 records at once': [webCryptoRecordCipher, 4],
  'node:crypto': [nodeRecordCipher, 1],
};

const scenarios: Record<string, () => Promise<Figure>> = {};
for (const [name, [cipher, concurrency]] of Object.entries(ciphers)) {
  scenarios[`${name}: encrypt`] = () =>
    measure(`${name}: encrypt`, async () => {
      await source().pipeThrough(createEncryptStream({ fileKey, purpose: 'file-content', cipher, concurrency })).pipeTo(counter().stream);
    });
  // The sealed stream is written to a file first (not timed), then read back from the page cache.
  scenarios[`${name}: decrypt`] = () =>
    withDiskStore(async (store) => {
      await putEncryptedBlob(store, 'sealed', source(), { fileKey });
      return measure(`${name}: decrypt (from a cached file)`, async () => {
        const read = await store.get('sealed');
        await read!.body.pipeThrough(createDecryptStream({ fileKey, purpose: 'file-content', cipher, concurrency })).pipeTo(counter().stream);
      });
    });
  scenarios[`${name}: encrypt → decrypt`] = () =>
    measure(`${name}: encrypt → decrypt`, async () => {
      const out = counter();
      await source()
        .pipeThrough(createEncryptStream({ fileKey, purpose: 'file-content', cipher, concurrency }))
        .pipeThrough(createDecryptStream({ fileKey, purpose: 'file-content', cipher, concurrency }))
        .pipeTo(out.stream);
      if (out.bytes() !== TOTAL) throw new Error('bytes were lost');
    });
}

async function throughStore(name: string, store: BlobStore, step: 'put' | 'get'): Promise<Figure> {
  if (step === 'put') {
    return measure(`${name}: encrypt + put`, async () => {
      await putEncryptedBlob(store, 'bench', source(), { fileKey, plaintextSizeHint: TOTAL });
    });
  }
  await putEncryptedBlob(store, 'bench', source(), { fileKey, plaintextSizeHint: TOTAL });
  return measure(`${name}: get + decrypt + SHA-256`, async () => {
    const hash = createHash('sha256');
    await (await getDecryptedBlob(store, 'bench', fileKey))!.pipeTo(new WritableStream({ write: (part) => void hash.update(part) }));
  });
}

for (const step of ['put', 'get'] as const) {
  scenarios[`disk: ${step}`] = () => withDiskStore((store) => throughStore('disk blob store', store, step));
  scenarios[`s3: ${step}`] = async () => {
    const server = await startTestS3Server();
    const store = await createS3BlobStore(server.storeOptions());
    try {
      return await throughStore('S3 blob store (s3rver, its own process)', store, step);
    } finally {
      await store.close();
      await server.stop();
    }
  };
}

const scenario = process.argv[2];
if (scenario !== undefined) {
  // A child: run one scenario and report it on stdout.
  console.log(JSON.stringify(await scenarios[scenario]!()));
} else {
  const names = Object.keys(scenarios).filter((name) => process.env.BENCH_S3 === '1' || !name.startsWith('s3:'));
  const figures: Figure[] = [];
  for (const name of names) {
    const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/file-encryption-bench.ts', name], {
      encoding: 'utf8',
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    if (child.status !== 0) throw new Error(`${name} failed: ${child.stderr}`);
    figures.push(JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Figure);
  }
  const header = ['path', 'MiB/s', 'RSS at start MiB', 'peak RSS MiB', 'growth MiB'];
  const rows = figures.map((figure) => [
    figure.path,
    figure.mibPerSecond.toFixed(0),
    figure.startRssMib.toFixed(0),
    figure.peakRssMib.toFixed(0),
    (figure.peakRssMib - figure.startRssMib).toFixed(0),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  console.log(`Record stream: ${TOTAL / MIB} MiB of plaintext, 64 KiB records, Node ${process.version}, one process per line`);
  for (const row of [header, ...rows]) console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
}

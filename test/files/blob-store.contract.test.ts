import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { sweepBlobs, type BlobBody, type BlobStore } from '../../src/files/blob-store.js';
import { createDiskBlobStore } from '../../src/files/disk-blob-store.js';
import { createS3BlobStore } from '../../src/files/s3-blob-store.js';
import { startTestS3Server, type TestS3Server } from '../support/s3-test-server.js';

/** A blob store backend under test, with a way to see what it left behind outside the interface. */
interface Backend {
  readonly store: BlobStore;
  /** Files the backend keeps besides complete blobs (disk: temporaries and directories); empty for S3. */
  leftovers(): string[];
}

/** Runs the same suite against the disk backend and the S3 backend on a real s3rver. */
function describeEachBlobStore(name: string, suite: (backend: () => Backend) => void): void {
  describe(`${name} (disk)`, () => {
    let directory: string;
    let backend: Backend;
    before(async () => {
      directory = mkdtempSync(join(tmpdir(), 'passdrop-blobs-'));
      const store = await createDiskBlobStore(directory);
      backend = {
        store,
        leftovers: () => [
          ...readdirSync(join(directory, 'incoming')).map((entry) => `incoming/${entry}`),
          ...readdirSync(join(directory, 'blobs'), { recursive: true }).map((entry) => `blobs/${String(entry)}`),
        ],
      };
    });
    after(() => rmSync(directory, { recursive: true, force: true }));
    suite(() => backend);
  });
  describe(`${name} (S3 on s3rver)`, () => {
    let server: TestS3Server;
    let backend: Backend;
    before(async () => {
      server = await startTestS3Server();
      // A prefix, and two keys per listing page so paging is exercised.
      const store = await createS3BlobStore({ ...server.storeOptions('passdrop/'), listPageSize: 2 });
      backend = { store, leftovers: () => [] };
    });
    after(async () => {
      await backend?.store.close();
      await server?.stop();
    });
    suite(() => backend);
  });
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(parts);
    parts.push(value);
  }
}

async function keysUnder(store: BlobStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const blob of store.list(prefix)) keys.push(blob.key);
  return keys.sort();
}

/** A body of `total` random bytes in chunks of `chunk` bytes, that can be made to fail after `failAfter` bytes. */
function generatedBody(total: number, options: { chunk?: number; failAfter?: number } = {}): { body: BlobBody; sent: Buffer[] } {
  const sent: Buffer[] = [];
  async function* generate() {
    let produced = 0;
    while (produced < total) {
      if (options.failAfter !== undefined && produced >= options.failAfter) throw new Error('the client went away');
      const part = randomBytes(Math.min(options.chunk ?? 65_536, total - produced));
      sent.push(part);
      produced += part.length;
      yield new Uint8Array(part.buffer, part.byteOffset, part.length);
    }
  }
  return { body: generate(), sent };
}

let counter = 0;
const uniqueKey = (prefix = 'pushes') => `${prefix}/${Date.now().toString(36)}-${(counter += 1)}/file-0`;

describeEachBlobStore('blob store', (backend) => {
  it('stores a streamed body and gives the same bytes back, with its size and time', async () => {
    const { store } = backend();
    const key = uniqueKey();
    const { body, sent } = generatedBody(300_000, { chunk: 7_001 });
    const before = Date.now();
    const info = await store.put(key, body);
    assert.equal(info.key, key);
    assert.equal(info.size, 300_000);
    assert.ok(Math.abs(info.modifiedAt.getTime() - before) < 60_000);
    const read = await store.get(key);
    assert.ok(read);
    assert.equal(read.size, 300_000);
    assert.equal(read.length, 300_000);
    assert.ok((await bytesOf(read.body)).equals(Buffer.concat(sent)));
    assert.equal((await store.stat(key))?.size, 300_000);
  });

  it('accepts a WHATWG ReadableStream and a Node Readable as bodies, and empty blobs', async () => {
    const { store } = backend();
    const web = uniqueKey();
    await store.put(web, new Blob(['hello, ', 'world']).stream());
    assert.equal((await bytesOf((await store.get(web))!.body)).toString(), 'hello, world');
    const node = uniqueKey();
    await store.put(node, Readable.from([Buffer.from('from '), Buffer.from('node')]));
    assert.equal((await bytesOf((await store.get(node))!.body)).toString(), 'from node');
    const empty = uniqueKey();
    assert.equal((await store.put(empty, new Blob([]).stream())).size, 0);
    const read = await store.get(empty);
    assert.equal(read?.size, 0);
    assert.equal((await bytesOf(read!.body)).length, 0);
  });

  it('reads a range: offset and length, clamped at the end, and refuses an offset past it', async () => {
    const { store } = backend();
    const key = uniqueKey();
    const bytes = randomBytes(10_000);
    await store.put(key, Readable.from([bytes]));
    const middle = await store.get(key, { offset: 1_000, length: 500 });
    assert.equal(middle?.size, 10_000);
    assert.equal(middle?.length, 500);
    assert.ok((await bytesOf(middle!.body)).equals(bytes.subarray(1_000, 1_500)));
    const tail = await store.get(key, { offset: 9_990 });
    assert.ok((await bytesOf(tail!.body)).equals(bytes.subarray(9_990)));
    const clamped = await store.get(key, { offset: 9_000, length: 5_000 });
    assert.equal(clamped?.length, 1_000);
    assert.ok((await bytesOf(clamped!.body)).equals(bytes.subarray(9_000)));
    await assert.rejects(store.get(key, { offset: 10_000 }), RangeError);
    await assert.rejects(store.get(key, { offset: 0, length: 0 }), RangeError);
  });

  it('replaces a blob put again under the same key', async () => {
    const { store } = backend();
    const key = uniqueKey();
    await store.put(key, Readable.from([Buffer.from('first version, longer')]));
    await store.put(key, Readable.from([Buffer.from('second')]));
    assert.equal((await bytesOf((await store.get(key))!.body)).toString(), 'second');
    assert.deepEqual(await keysUnder(store, key), [key]);
  });

  it('answers undefined for a missing blob, deletes idempotently and leaves nothing behind', async () => {
    const { store, leftovers } = backend();
    const key = uniqueKey('deleted');
    assert.equal(await store.get(key), undefined);
    assert.equal(await store.stat(key), undefined);
    await store.put(key, Readable.from([Buffer.from('short-lived')]));
    await store.delete(key);
    await store.delete(key);
    assert.equal(await store.get(key), undefined);
    assert.equal(await store.stat(key), undefined);
    assert.deepEqual(await keysUnder(store, 'deleted/'), []);
    assert.deepEqual(leftovers().filter((entry) => entry.includes('deleted')), [], 'no emptied directory is left');
  });

  it('lists by prefix: a whole segment, part of one, and everything, across listing pages', async () => {
    const { store } = backend();
    const base = `listing-${Date.now().toString(36)}`;
    const keys = [`${base}/a/1`, `${base}/a/2`, `${base}/a/3`, `${base}/ab/1`, `${base}/b/1`];
    for (const key of keys) await store.put(key, Readable.from([Buffer.from(key)]));
    assert.deepEqual(await keysUnder(store, `${base}/a/`), keys.slice(0, 3));
    assert.deepEqual(await keysUnder(store, `${base}/a`), keys.slice(0, 4));
    assert.deepEqual(await keysUnder(store, `${base}/`), keys);
    assert.deepEqual((await keysUnder(store, '')).filter((key) => key.startsWith(base)), keys);
    assert.deepEqual(await keysUnder(store, `${base}/c/`), []);
    // Only a prefix of other keys: no blob of its own.
    assert.equal(await store.get(`${base}/a`), undefined);
    assert.equal(await store.stat(`${base}/a`), undefined);
    for await (const blob of store.list(`${base}/b/`)) assert.equal(blob.size, `${base}/b/1`.length);
  });

  it('makes no blob visible while its put is under way, and only whole blobs once done', async () => {
    const { store } = backend();
    const key = uniqueKey('pending');
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    async function* slowBody() {
      yield new Uint8Array(100_000);
      await released;
      yield new Uint8Array(100_000);
    }
    const putting = store.put(key, slowBody());
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await store.stat(key), undefined);
    assert.equal(await store.get(key), undefined);
    assert.deepEqual(await keysUnder(store, 'pending/'), []);
    release();
    assert.equal((await putting).size, 200_000);
    assert.equal((await store.stat(key))?.size, 200_000);
  });

  it('leaves nothing when the body fails, small or multipart, or the put is aborted', async () => {
    const { store, leftovers } = backend();
    const small = uniqueKey('failed');
    await assert.rejects(store.put(small, generatedBody(1_000_000, { failAfter: 200_000 }).body), /the client went away/);
    // More than one 8 MiB part, so the S3 backend had a multipart upload going.
    const large = uniqueKey('failed');
    await assert.rejects(store.put(large, generatedBody(20_000_000, { chunk: 1_000_000, failAfter: 17_000_000 }).body), /the client went away/);
    const aborted = uniqueKey('failed');
    const controller = new AbortController();
    const aborting = new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve()));
    // The body stalls half-way until the sender cancels, so the abort always lands mid-upload.
    async function* stallingBody() {
      for (let sent = 0; sent < 10; sent += 1) yield new Uint8Array(1_000_000);
      await aborting;
      for (let sent = 0; sent < 10; sent += 1) yield new Uint8Array(1_000_000);
    }
    const putting = store.put(aborted, stallingBody(), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('cancelled by the sender')), 50);
    await assert.rejects(putting, /cancelled by the sender/);
    for (const key of [small, large, aborted]) assert.equal(await store.stat(key), undefined);
    assert.deepEqual(await keysUnder(store, 'failed/'), []);
    assert.deepEqual(leftovers().filter((entry) => entry.startsWith('incoming/') || entry.includes('failed')), []);
  });

  it('refuses keys that could leave the store or hide, before touching storage', async () => {
    const { store } = backend();
    for (const key of ['', '/abs', '../up', 'a/../b', 'a//b', '.hidden', 'a/.b', 'a/b/', 'white space', 'x'.repeat(513)]) {
      await assert.rejects(store.put(key, Readable.from([Buffer.from('x')])), RangeError, key);
      await assert.rejects(store.get(key), RangeError, key);
      await assert.rejects(store.delete(key), RangeError, key);
    }
    assert.throws(() => store.list('../'), RangeError);
  });

  it('sweeps old blobs under a prefix that nothing references', async () => {
    const { store } = backend();
    const prefix = `sweep-${Date.now().toString(36)}/`;
    for (const name of ['orphan-1', 'orphan-2', 'kept']) await store.put(`${prefix}${name}`, Readable.from([Buffer.from(name)]));
    assert.equal(await sweepBlobs(store, { prefix, olderThan: new Date(Date.now() - 3_600_000) }), 0, 'nothing is that old');
    const swept = await sweepBlobs(store, { prefix, olderThan: new Date(Date.now() + 5_000), isReferenced: async (key) => key.endsWith('kept') });
    assert.equal(swept, 2);
    assert.deepEqual(await keysUnder(store, prefix), [`${prefix}kept`]);
  });

  it('keeps blobs whole when puts and deletes race in one directory', async () => {
    const { store, leftovers } = backend();
    const prefix = `race-${Date.now().toString(36)}`;
    const keys = Array.from({ length: 20 }, (_, index) => `${prefix}/shared/blob-${index}`);
    await Promise.all(
      keys.map(async (key, index) => {
        await store.put(key, Readable.from([Buffer.from(key)]));
        if (index % 2 === 0) await store.delete(key);
      }),
    );
    const left = await keysUnder(store, `${prefix}/`);
    assert.deepEqual(left, keys.filter((_, index) => index % 2 === 1).sort());
    for (const key of left) assert.equal((await bytesOf((await store.get(key))!.body)).toString(), key);
    await Promise.all(left.map((key) => store.delete(key)));
    assert.deepEqual(leftovers().filter((entry) => entry.includes(prefix)), []);
  });
});

describe('the disk blob store', () => {
  it('sweeps temporary files of puts that never finished, once they are old enough', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'passdrop-blobs-'));
    try {
      const store = await createDiskBlobStore(directory);
      const stale = join(directory, 'incoming', 'crashed.part');
      const fresh = join(directory, 'incoming', 'under-way.part');
      writeFileSync(stale, 'half');
      writeFileSync(fresh, 'half');
      const hourAgo = new Date(Date.now() - 3_600_000);
      utimesSync(stale, hourAgo, hourAgo);
      assert.equal(await store.sweepIncomplete(new Date(Date.now() - 600_000)), 1);
      assert.deepEqual(readdirSync(join(directory, 'incoming')), ['under-way.part']);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('writes blob files readable by the server alone', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'passdrop-blobs-'));
    try {
      const store = await createDiskBlobStore(directory);
      await store.put('pushes/abc/file-0', Readable.from([Buffer.from('x')]));
      const { statSync } = await import('node:fs');
      assert.equal(statSync(join(directory, 'blobs', 'pushes', 'abc', 'file-0')).mode & 0o777, 0o600);
      assert.equal(statSync(join(directory, 'blobs')).mode & 0o777, 0o700);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

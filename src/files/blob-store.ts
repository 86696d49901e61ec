/**
 * Where file contents live: one interface, a local-disk backend (disk-blob-store.ts) and an S3-compatible one
 * (s3-blob-store.ts), chosen by PASSDROP_FILE_STORAGE (create-blob-store.ts). A blob is opaque bytes (for
 * Passdrop always a record stream, docs/file-encryption.md): the store neither knows nor needs any key.
 *
 * Every backend streams: a put never holds a whole blob in memory, and a blob becomes visible to get, stat
 * and list only once it is complete (a failed or aborted put leaves nothing visible).
 */

/**
 * A blob's name: segments of `A–Z a–z 0–9 _ - .` separated by `/`, none starting with a dot; at most 512
 * characters. On disk each segment is a directory level, so no key may also be a prefix of another
 * (`a/b` and `a/b/c`): name blobs by fixed depth, such as `pushes/<token>/<file>`.
 */
export type BlobKey = string;

/** A stream of bytes: a WHATWG ReadableStream (browser-style) or any async iterable (a Node Readable). */
export type BlobBody = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

export interface BlobInfo {
  readonly key: BlobKey;
  /** Bytes. */
  readonly size: number;
  /** When the blob was completed (disk: the file's mtime; S3: LastModified, to the second). */
  readonly modifiedAt: Date;
}

/** Part of a blob: `length` bytes (to the end when omitted or past it) from byte `offset`. */
export interface BlobRange {
  readonly offset: number;
  readonly length?: number;
}

export interface BlobRead {
  /** The requested bytes. Cancelling the stream releases the file or the connection. */
  readonly body: ReadableStream<Uint8Array>;
  /** The whole blob's size in bytes, whatever the range. */
  readonly size: number;
  /** Bytes in `body`. */
  readonly length: number;
}

export interface PutOptions {
  /** Aborting removes whatever was written so far; put then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Expected size in bytes, when known: lets the S3 backend pick a part size for very large blobs. */
  readonly sizeHint?: number;
}

export interface BlobStore {
  readonly kind: 'disk' | 's3';
  /**
   * Streams `body` into the blob `key`, replacing any blob of that key once complete. Resolves with the
   * stored blob's info; rejects (leaving no trace) when the body errors or the signal aborts.
   */
  put(key: BlobKey, body: BlobBody, options?: PutOptions): Promise<BlobInfo>;
  /**
   * The blob's bytes as a stream, or undefined when there is no such blob.
   *
   * @throws RangeError when `range.offset` is not below the blob's size, or `range.length` is below 1.
   */
  get(key: BlobKey, range?: BlobRange): Promise<BlobRead | undefined>;
  /** Size and time of the blob, or undefined when there is none. */
  stat(key: BlobKey): Promise<BlobInfo | undefined>;
  /** Deletes the blob; deleting a missing blob is not an error. */
  delete(key: BlobKey): Promise<void>;
  /** Every complete blob whose key starts with `prefix` (any string; '' for all), in no particular order. */
  list(prefix: string): AsyncIterable<BlobInfo>;
  /**
   * Removes the leftovers of puts that never finished (a crashed process) started before `olderThan`;
   * returns how many. Disk: its temporary files. S3: nothing to do here: a failed put aborts its multipart
   * upload at once, and the parts of a crashed one are removed by the bucket's lifecycle rule
   * (AbortIncompleteMultipartUpload), which an operator sets up.
   */
  sweepIncomplete(olderThan: Date): Promise<number>;
  /** Releases connections; the store is unusable afterwards. */
  close(): Promise<void>;
}

const KEY_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/;
export const MAX_BLOB_KEY_LENGTH = 512;

/** Throws a RangeError unless `key` is a valid BlobKey (so no key can climb out of a directory). */
export function checkBlobKey(key: string): void {
  if (typeof key !== 'string' || key.length > MAX_BLOB_KEY_LENGTH || !KEY_PATTERN.test(key)) {
    throw new RangeError('a blob key is segments of A–Z, a–z, 0–9, _, - and . separated by /, none starting with a dot, at most 512 characters');
  }
}

/** Throws a RangeError unless `prefix` is '' or the start of some valid key. */
export function checkBlobPrefix(prefix: string): void {
  if (prefix === '') return;
  // A prefix may end inside a segment or right after a '/': completing it must give a valid key.
  checkBlobKey(prefix.endsWith('/') ? `${prefix}x` : prefix);
}

/** Throws a RangeError for a malformed range (offset a non-negative integer, length a positive one). */
export function checkBlobRange(range: BlobRange | undefined): void {
  if (range === undefined) return;
  if (!Number.isSafeInteger(range.offset) || range.offset < 0) throw new RangeError('a range offset is a non-negative whole number of bytes');
  if (range.length !== undefined && (!Number.isSafeInteger(range.length) || range.length < 1)) throw new RangeError('a range length is a positive whole number of bytes');
}

/** Reads any BlobBody chunk by chunk, stopping with the signal's reason once it aborts. */
export async function* chunksOf(body: BlobBody, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted();
  if ('getReader' in body) {
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        signal?.throwIfAborted();
        yield value;
      }
    } finally {
      // Stops the source when the consumer gives up early (an error, an abort).
      await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
  }
  for await (const chunk of body) {
    signal?.throwIfAborted();
    yield chunk;
  }
}

/** Any BlobBody as a WHATWG ReadableStream, pulled one chunk at a time (for pipeThrough). */
export function toReadableStream(body: BlobBody, signal?: AbortSignal): ReadableStream<Uint8Array> {
  if ('getReader' in body && signal === undefined) return body;
  const chunks = chunksOf(body, signal);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await chunks.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      // Runs chunksOf's finally, which cancels the source.
      await chunks.return(undefined);
    },
  });
}

/**
 * Deletes the complete blobs under `prefix` last changed before `olderThan` for which `isReferenced` (when
 * given) answers false: the orphans of uploads whose push was never created, or whose deletion was
 * interrupted. Returns how many were deleted.
 */
export async function sweepBlobs(
  store: BlobStore,
  options: { prefix: string; olderThan: Date; isReferenced?: (key: BlobKey) => Promise<boolean> },
): Promise<number> {
  let deleted = 0;
  for await (const blob of store.list(options.prefix)) {
    if (blob.modifiedAt >= options.olderThan) continue;
    if (options.isReferenced && (await options.isReferenced(blob.key))) continue;
    await store.delete(blob.key);
    deleted += 1;
  }
  return deleted;
}

import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { checkBlobKey, checkBlobPrefix, checkBlobRange, chunksOf, type BlobBody, type BlobInfo, type BlobKey, type BlobRange, type BlobRead, type BlobStore, type PutOptions } from './blob-store.js';

export interface S3BlobStoreOptions {
  readonly bucket: string;
  readonly region: string;
  /** For S3-compatible servers (MinIO, Ceph, R2…): their URL. Unset: AWS's endpoint for the region. */
  readonly endpoint?: string;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key`, as MinIO-like servers need. */
  readonly forcePathStyle: boolean;
  /** Prepended to every key, such as `passdrop/`, so one bucket can hold other things too. */
  readonly prefix: string;
  /** Unset: the SDK's default chain (AWS_* environment variables, instance or pod role…). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Keys per ListObjectsV2 page, 1–1000 (S3's most and default); tests lower it to exercise paging. */
  readonly listPageSize?: number;
}

/** S3's smallest part (except the last) and most parts per upload. */
const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
/** Parts uploaded at once; memory per put is about partSize × (QUEUE_SIZE + 1). */
const QUEUE_SIZE = 2;

/**
 * Blobs as objects in an S3-compatible bucket, streamed with @aws-sdk/lib-storage's multipart Upload: a
 * blob appears only when CompleteMultipartUpload (or the single PutObject of a small blob) succeeds, and a
 * failed or aborted put aborts its multipart upload. The SDK is imported on first use, so servers that keep
 * files on disk do not load it.
 *
 * @example const store = await createS3BlobStore({ bucket: 'passdrop', region: 'eu-west-1', forcePathStyle: false, prefix: '' });
 */
export async function createS3BlobStore(options: S3BlobStoreOptions): Promise<BlobStore> {
  const sdk = await import('@aws-sdk/client-s3');
  const { Upload } = await import('@aws-sdk/lib-storage');
  checkS3Prefix(options.prefix);
  const client: S3Client = new sdk.S3Client({
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: { accessKeyId: options.credentials.accessKeyId, secretAccessKey: options.credentials.secretAccessKey } } : {}),
    // Checksums only where S3 requires them: every stored byte is already authenticated by the record
    // stream, and many S3-compatible servers refuse the SDK's default CRC trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = options.bucket;
  const objectKey = (key: BlobKey) => {
    checkBlobKey(key);
    return `${options.prefix}${key}`;
  };

  async function put(key: BlobKey, body: BlobBody, putOptions: PutOptions = {}): Promise<BlobInfo> {
    const Key = objectKey(key);
    let size = 0;
    let bodyError: unknown;
    async function* counted() {
      try {
        for await (const chunk of chunksOf(body, putOptions.signal)) {
          size += chunk.length;
          yield chunk;
        }
      } catch (error) {
        bodyError = error;
        throw error;
      }
    }
    const upload = new Upload({
      client,
      params: { Bucket, Key, Body: Readable.from(counted(), { objectMode: false }) },
      partSize: partSizeFor(putOptions.sizeHint),
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort().catch(() => undefined);
    putOptions.signal?.addEventListener('abort', abort, { once: true });
    try {
      await upload.done();
    } catch (error) {
      putOptions.signal?.throwIfAborted();
      // The body's own failure, not a failure to abort the multipart upload after it, is the news.
      throw bodyError ?? error;
    } finally {
      putOptions.signal?.removeEventListener('abort', abort);
    }
    const info = await stat(key);
    if (!info) throw new Error(`the upload of ${key} completed but the object is missing`);
    if (info.size !== size) throw new Error(`the upload of ${key} stored ${info.size} bytes of ${size}`);
    return info;
  }

  async function get(key: BlobKey, range?: BlobRange): Promise<BlobRead | undefined> {
    checkBlobRange(range);
    const Range = range === undefined ? undefined : `bytes=${range.offset}-${range.length === undefined ? '' : range.offset + range.length - 1}`;
    try {
      const response = await client.send(new sdk.GetObjectCommand({ Bucket, Key: objectKey(key), ...(Range ? { Range } : {}) }));
      const length = response.ContentLength ?? 0;
      const total = response.ContentRange ? Number(/\/(\d+)$/.exec(response.ContentRange)?.[1]) : length;
      return { body: webStreamOf(response.Body as Readable), size: total, length };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      if (httpStatus(error) === 416) throw new RangeError(`range offset ${range?.offset} is not below the size of blob ${key}`);
      throw error;
    }
  }

  async function stat(key: BlobKey): Promise<BlobInfo | undefined> {
    try {
      const response = await client.send(new sdk.HeadObjectCommand({ Bucket, Key: objectKey(key) }));
      return { key, size: response.ContentLength ?? 0, modifiedAt: response.LastModified ?? new Date(0) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async function deleteBlob(key: BlobKey): Promise<void> {
    await client.send(new sdk.DeleteObjectCommand({ Bucket, Key: objectKey(key) }));
  }

  function list(prefix: string): AsyncIterable<BlobInfo> {
    checkBlobPrefix(prefix);
    return listPages(prefix);
  }

  async function* listPages(prefix: string): AsyncGenerator<BlobInfo> {
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(
        new sdk.ListObjectsV2Command({ Bucket, Prefix: `${options.prefix}${prefix}`, MaxKeys: options.listPageSize ?? 1000, ...(ContinuationToken ? { ContinuationToken } : {}) }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield { key: object.Key.slice(options.prefix.length), size: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date(0) };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  return {
    kind: 's3',
    put,
    get,
    stat,
    delete: deleteBlob,
    list,
    // See BlobStore.sweepIncomplete: a bucket lifecycle rule removes the parts of crashed uploads.
    sweepIncomplete: async () => 0,
    close: async () => client.destroy(),
  };
}

/** Throws a RangeError unless the prefix is '' or key segments ending with '/'. */
export function checkS3Prefix(prefix: string): void {
  if (prefix === '') return;
  if (!prefix.endsWith('/')) throw new RangeError('an S3 key prefix ends with /');
  checkBlobKey(prefix.slice(0, -1));
}

/** 8 MiB, or more when a blob that large would need more than 10,000 parts (from about 78 GiB). */
function partSizeFor(sizeHint: number | undefined): number {
  if (sizeHint === undefined || !Number.isFinite(sizeHint)) return DEFAULT_PART_SIZE;
  return Math.max(DEFAULT_PART_SIZE, MIN_PART_SIZE, Math.ceil(sizeHint / (MAX_PARTS - 1)));
}

/**
 * A pull-driven web stream over the SDK's Node stream: one chunk is asked for per pull, so a slow consumer
 * slows the download instead of filling memory (Node 20's Readable.toWeb counts its buffer in chunks).
 */
function webStreamOf(readable: Readable): ReadableStream<Uint8Array> {
  const iterator = readable[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.length));
    },
    async cancel() {
      await iterator.return?.();
      readable.destroy();
    },
  });
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  // By name, not by status: a missing bucket (NoSuchBucket) is a configuration error and must surface.
  const name = (error as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

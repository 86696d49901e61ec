/**
 * Files of a file push, from the terminal (docs/file-pushes.md, docs/file-encryption.md): each file is read
 * as a stream, sealed here with the shared record format under its end-to-end file key, and sent by tus
 * (resumable: a dropped connection resumes where the server stopped, within the run, and `passdrop resume`
 * continues an interrupted push in a later run: pending-pushes.ts); downloads are
 * streamed, opened and written to a temporary file that takes the file's name only once the whole record
 * stream authenticated.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import * as tus from 'tus-js-client';
import { decryptE2eFile, e2eFileKey, encryptE2eFile, openE2eFileMetadata, sealE2eFileMetadata } from '../../../src/crypto/e2e/e2e-files.js';
import { encryptedLength } from '../../../src/crypto/stream/record-stream.js';
import {
  DEFAULT_RECORD_SIZE,
  RECORD_STREAM_HEADER_LENGTH,
  RECORD_STREAM_SALT_LENGTH,
  RECORD_TAG_LENGTH,
  RecordStreamError,
} from '../../../src/crypto/stream/record-stream-format.js';
import { CLI_VERSION } from './cli-version.js';
import { CliError, EXIT } from './exit-codes.js';
import type { PendingFile } from './pending-pushes.js';

const API = '/api/passdrop/v1';
/** Bytes per tus PATCH request; also what the tus client keeps in memory to resend after a dropped connection. */
const UPLOAD_CHUNK_BYTES = 32 * 1024 * 1024;
/** Waits before each retry of a failed request (tus-js-client), in milliseconds. */
const RETRY_DELAYS = [0, 1_000, 3_000, 5_000, 10_000, 20_000, 30_000, 60_000];

/** A file as the push will list it: its upload and its sealed name, type and size. */
export interface UploadedE2eFile {
  readonly uploadId: string;
  /** base64url */
  readonly sealedMetadata: string;
}

/** A file as a reveal lists it (Passdrop's API, RevealedFile in push-api-schemas.ts). */
export interface RevealedFile {
  readonly position: number;
  readonly name: string | null;
  readonly content_type: string | null;
  readonly size: number;
  readonly sealed_metadata: string | null;
  readonly url: string;
}

/** Checks that every path is a readable regular file before anything is sent; answers their sizes in bytes. */
export async function checkFiles(paths: readonly string[]): Promise<number[]> {
  const sizes: number[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch {
      throw new CliError(`Cannot read ${path}: no such file.`, EXIT.usage);
    }
    if (!info.isFile()) throw new CliError(`${path} is not a file.`, EXIT.usage);
    sizes.push(info.size);
  }
  return sizes;
}

/**
 * What a file push keeps about each file before its upload starts (pending-pushes.ts): its identity
 * (size, modification time, SHA-256, read once here) and a fresh salt, so a later run can continue its
 * record stream and can refuse a file that changed meanwhile.
 */
export async function prepareFiles(paths: readonly string[]): Promise<PendingFile[]> {
  await checkFiles(paths);
  const files: PendingFile[] = [];
  for (const path of paths) {
    const absolute = resolve(path);
    const info = await stat(absolute);
    files.push({
      path: absolute,
      size: info.size,
      mtimeMs: info.mtimeMs,
      sha256: await fileSha256(absolute),
      salt: Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(RECORD_STREAM_SALT_LENGTH))).toString('base64url'),
      recordSize: DEFAULT_RECORD_SIZE,
      uploadUrl: null,
      sent: 0,
      uploaded: null,
    });
  }
  return files;
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Refuses to continue a file that changed since its upload started: its records would differ under used nonces. */
async function checkUnchanged(file: PendingFile): Promise<void> {
  let info;
  try {
    info = await stat(file.path);
  } catch {
    throw new CliError(`${file.path} is gone: this push cannot be finished. Cancel it (passdrop resume --cancel) and push again.`, EXIT.usage);
  }
  if (info.size !== file.size || info.mtimeMs !== file.mtimeMs || (await fileSha256(file.path)) !== file.sha256) {
    throw new CliError(`${file.path} changed since its upload started: this push cannot be finished. Cancel it (passdrop resume --cancel) and push again.`, EXIT.usage);
  }
}

/**
 * The record stream of `file` from byte `start` on, without re-reading what comes before the record that
 * holds `start`: the stream is continued (same salt, same record nonces) from that record and the bytes of
 * it the server already has are dropped.
 */
function sealedStreamFrom(file: PendingFile, fileKey: Uint8Array, start: number): Readable {
  const sealedRecord = file.recordSize + RECORD_TAG_LENGTH;
  const firstRecord = start < RECORD_STREAM_HEADER_LENGTH ? 0 : Math.floor((start - RECORD_STREAM_HEADER_LENGTH) / sealedRecord);
  const streamStart = firstRecord === 0 ? 0 : RECORD_STREAM_HEADER_LENGTH + firstRecord * sealedRecord;
  let skip = start - streamStart;
  const plaintextStart = firstRecord * file.recordSize;
  // An empty range reads nothing (createReadStream's `end` is inclusive).
  const plaintext = plaintextStart >= file.size ? Readable.from([]) : createReadStream(file.path, { start: plaintextStart });
  const dropAlreadySent = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        return;
      }
      controller.enqueue(skip > 0 ? chunk.subarray(skip) : chunk);
      skip = 0;
    },
  });
  const sealed = (Readable.toWeb(plaintext) as ReadableStream<Uint8Array>)
    .pipeThrough(
      encryptE2eFile(fileKey, { recordSize: file.recordSize, continueStream: { salt: new Uint8Array(Buffer.from(file.salt, 'base64url')), firstRecord } }),
    )
    .pipeThrough(dropAlreadySent);
  return Readable.fromWeb(sealed as NodeReadableStream<Uint8Array>);
}

/**
 * A tus file source that starts its stream where the server's offset says, on the first slice asked for
 * (0 for a new upload; what a HEAD answered for one continued from an earlier run). Later slices come from
 * tus-js-client's own buffering source, which resends a dropped chunk within this run.
 */
type TusFileReader = NonNullable<tus.UploadOptions['fileReader']>;
type TusFileSource = Awaited<ReturnType<TusFileReader['openFile']>>;

function continuingReader(file: PendingFile, fileKey: Uint8Array): TusFileReader {
  return {
    async openFile(_input: unknown, chunkSize: number): Promise<TusFileSource> {
      let inner: TusFileSource | undefined;
      let base = 0;
      return {
        // Unknown until read: uploadSize gives it (tus-js-client's own stream sources say null too).
        size: null as unknown as number,
        async slice(start: number, end: number) {
          if (!inner) {
            base = start;
            inner = await tus.defaultOptions.fileReader.openFile(sealedStreamFrom(file, fileKey, start), chunkSize);
          }
          return inner.slice(start - base, end - base);
        },
        close() {
          inner?.close();
        },
      };
    },
  };
}

/**
 * Seals and uploads each file of a pending push not yet on the server (position = its index), under the
 * push's file root, continuing uploads an earlier run started; `save` is called whenever there is
 * something new to keep (an upload URL, progress, a finished file). `onProgress` hears the bytes on the
 * server of each. Resolves with the upload ids and sealed metadata, in order.
 */
export async function uploadPendingFiles(
  base: string,
  token: string | undefined,
  files: PendingFile[],
  fileRoot: Uint8Array,
  save: () => void,
  onProgress: (index: number, sent: number, total: number) => void = () => undefined,
): Promise<UploadedE2eFile[]> {
  const uploaded: UploadedE2eFile[] = [];
  for (const [index, file] of files.entries()) {
    if (file.uploaded) {
      uploaded.push(file.uploaded);
      continue;
    }
    if (file.uploadUrl !== null) await checkUnchanged(file);
    const fileKey = await e2eFileKey(fileRoot, index);
    const total = encryptedLength(file.size, file.recordSize);
    let lastSaved = Date.now();
    const url = await new Promise<string>((resolvePromise, reject) => {
      const upload = new tus.Upload(Buffer.alloc(0), {
        endpoint: `${base}${API}/uploads`,
        ...(file.uploadUrl !== null ? { uploadUrl: file.uploadUrl } : {}),
        uploadSize: total,
        chunkSize: UPLOAD_CHUNK_BYTES,
        retryDelays: RETRY_DELAYS,
        metadata: { mode: 'e2e' },
        headers: { 'user-agent': `passdrop-cli/${CLI_VERSION}`, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        storeFingerprintForResuming: false,
        fileReader: continuingReader(file, fileKey),
        onShouldRetry: retryable,
        onUploadUrlAvailable: () => {
          file.uploadUrl = upload.url;
          save();
        },
        onProgress: (sent) => onProgress(index, sent, total),
        onChunkComplete: (_size, accepted) => {
          file.sent = accepted;
          if (Date.now() - lastSaved > 2_000) {
            lastSaved = Date.now();
            save();
          }
        },
        onError: (error) => reject(uploadFailure(file.path, error)),
        onSuccess: () => resolvePromise(upload.url!),
      });
      upload.start();
    });
    const sealed = await sealE2eFileMetadata({ name: basename(file.path), type: '', size: file.size }, fileKey);
    file.sent = total;
    file.uploaded = { uploadId: url.split('/').pop()!, sealedMetadata: Buffer.from(sealed).toString('base64url') };
    save();
    uploaded.push(file.uploaded);
  }
  return uploaded;
}

function uploadFailure(path: string, error: Error): CliError {
  const response = (error as { originalResponse?: { getStatus(): number; getBody(): string } | null }).originalResponse;
  if (!response) return new CliError(`Uploading ${path} failed: ${error.message}`, EXIT.network);
  const status = response.getStatus();
  let message = error.message;
  try {
    const body = JSON.parse(response.getBody()) as { error?: string; code?: string };
    if (body.error) message = `${body.error}${body.code ? ` (${body.code})` : ''}`;
  } catch {
    // Not our JSON: keep tus-js-client's message.
  }
  const code = status === 401 || status === 403 ? EXIT.auth : status === 413 || status === 400 ? EXIT.usage : EXIT.failure;
  return new CliError(`Uploading ${path} failed: ${message}`, code);
}

/**
 * A file name from a sender, safe to create in the output directory: the last path segment, no control
 * characters, not `.` or `..`, at most 255 bytes-ish (characters).
 */
export function safeFileName(name: string, position: number): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  const base = (name.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  return base === '' || base === '.' || base === '..' ? `file-${position + 1}` : base;
}

/**
 * Downloads every file into `directory`, opening end-to-end files with their keys from `fileRoot` (null for
 * a server-side push), or from `fileKeys.keyFor` (an answer's files; its `headers` go with each download).
 * Never overwrites: a taken name gets ` (2)`, ` (3)`… before its extension. Answers the paths written, in order.
 */
export async function downloadFiles(
  files: readonly RevealedFile[],
  fileRoot: Uint8Array | null | { readonly keyFor: (position: number) => Promise<Uint8Array>; readonly headers: Record<string, string> },
  directory: string,
): Promise<string[]> {
  const keyFor = fileRoot === null ? undefined : fileRoot instanceof Uint8Array ? (position: number) => e2eFileKey(fileRoot, position) : fileRoot.keyFor;
  const extraHeaders = fileRoot !== null && !(fileRoot instanceof Uint8Array) ? fileRoot.headers : {};
  await mkdir(directory, { recursive: true });
  const written: string[] = [];
  for (const file of files) {
    let name: string;
    let expectedSize: number;
    let decrypt: TransformStream<Uint8Array, Uint8Array> | undefined;
    if (file.sealed_metadata !== null) {
      if (!keyFor) throw new CliError('This push holds end-to-end files but the link has no key.', EXIT.damagedLink);
      const fileKey = await keyFor(file.position);
      let metadata;
      try {
        metadata = await openE2eFileMetadata(Buffer.from(file.sealed_metadata, 'base64url'), fileKey);
      } catch (error) {
        if (error instanceof RecordStreamError) throw new CliError("The link's key does not open this push's files: the link is damaged.", EXIT.damagedLink);
        throw error;
      }
      name = safeFileName(metadata.name, file.position);
      expectedSize = metadata.size;
      decrypt = decryptE2eFile(fileKey);
    } else {
      name = safeFileName(file.name ?? '', file.position);
      expectedSize = file.size;
    }
    const temporary = join(directory, `.${name}.${process.pid}.passdrop-partial`);
    let response: Response;
    try {
      response = await fetch(file.url, { headers: { 'user-agent': `passdrop-cli/${CLI_VERSION}`, ...extraHeaders }, redirect: 'manual' });
    } catch (error) {
      throw new CliError(`Downloading ${name} failed: ${(error as Error).message}`, EXIT.network);
    }
    if (response.status !== 200 || !response.body) throw new CliError(`Downloading ${name} failed: HTTP ${response.status}.`, response.status === 404 ? EXIT.notFound : EXIT.failure);
    const body = decrypt ? response.body.pipeThrough(decrypt) : response.body;
    let size = 0;
    const counting = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.length;
        controller.enqueue(chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(body.pipeThrough(counting) as NodeReadableStream<Uint8Array>), createWriteStream(temporary, { flags: 'wx', mode: 0o600 }) as Writable);
      if (size !== expectedSize) throw new CliError(`${name} arrived with ${size} bytes instead of ${expectedSize}: not saved.`, EXIT.failure);
      written.push(await claimName(temporary, directory, name));
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      if (error instanceof RecordStreamError) throw new CliError(`${name} was altered or cut short on the way (${error.reason}): not saved.`, EXIT.damagedLink);
      throw error;
    }
  }
  return written;
}

/** Gives the finished temporary file its name, or `name (2)`… when that is taken; never replaces a file. */
async function claimName(temporary: string, directory: string, name: string): Promise<string> {
  const dot = name.lastIndexOf('.');
  const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let attempt = 1; attempt < 1000; attempt += 1) {
    const target = join(directory, attempt === 1 ? name : `${stem} (${attempt})${extension}`);
    try {
      // link fails when the target exists, where rename would replace it.
      await link(temporary, target);
      await unlink(temporary);
      return target;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        // A file system without hard links: check, then rename (a race here can only lose to another download).
        if ((error as NodeJS.ErrnoException).code === 'EPERM' || (error as NodeJS.ErrnoException).code === 'ENOTSUP') {
          const taken = await open(target, 'r').then(
            async (handle) => (await handle.close(), true),
            () => false,
          );
          if (taken) continue;
          await rename(temporary, target);
          return target;
        }
        throw error;
      }
    }
  }
  throw new CliError(`Too many files named ${name} in ${directory}.`, EXIT.failure);
}

/**
 * tus-js-client's rule (no answer, 5xx, 409, 423) plus 429: many requests of a large file can meet the
 * server's per-minute API limit, and the longer retry delays outlast its window.
 */
function retryable(error: tus.DetailedError): boolean {
  if (typeof navigator !== 'undefined' && 'onLine' in navigator && navigator.onLine === false) return false;
  const status = error.originalResponse?.getStatus() ?? 0;
  return status === 0 || status >= 500 || status === 409 || status === 423 || status === 429;
}

/**
 * Files of a file push, from the terminal (docs/file-pushes.md, docs/file-encryption.md): each file is read
 * as a stream, sealed here with the shared record format under its end-to-end file key, and sent by tus
 * (resumable: a dropped connection resumes where the server stopped, within the run); downloads are
 * streamed, opened and written to a temporary file that takes the file's name only once the whole record
 * stream authenticated.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import * as tus from 'tus-js-client';
import { decryptE2eFile, e2eFileKey, encryptE2eFile, openE2eFileMetadata, sealE2eFileMetadata } from '../../../src/crypto/e2e/e2e-files.js';
import { encryptedLength } from '../../../src/crypto/stream/record-stream.js';
import { RecordStreamError } from '../../../src/crypto/stream/record-stream-format.js';
import { CLI_VERSION } from './cli-version.js';
import { CliError, EXIT } from './exit-codes.js';

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
 * Seals and uploads each file (position = its index) under the push's file root; `onProgress` hears the
 * bytes sent of each. Resolves with the upload ids and sealed metadata, in order.
 */
export async function uploadE2eFiles(
  base: string,
  token: string | undefined,
  paths: readonly string[],
  fileRoot: Uint8Array,
  onProgress: (index: number, sent: number, total: number) => void = () => undefined,
): Promise<UploadedE2eFile[]> {
  const sizes = await checkFiles(paths);
  const uploaded: UploadedE2eFile[] = [];
  for (const [index, path] of paths.entries()) {
    const fileKey = await e2eFileKey(fileRoot, index);
    const size = sizes[index]!;
    const sealedStream = Readable.fromWeb(
      (Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>).pipeThrough(encryptE2eFile(fileKey)) as NodeReadableStream<Uint8Array>,
    );
    const total = encryptedLength(size);
    const url = await new Promise<string>((resolve, reject) => {
      const upload = new tus.Upload(sealedStream, {
        endpoint: `${base}${API}/uploads`,
        uploadSize: total,
        chunkSize: UPLOAD_CHUNK_BYTES,
        retryDelays: RETRY_DELAYS,
        metadata: { mode: 'e2e' },
        headers: { 'user-agent': `passdrop-cli/${CLI_VERSION}`, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        storeFingerprintForResuming: false,
        onShouldRetry: retryable,
        onProgress: (sent) => onProgress(index, sent, total),
        onError: (error) => reject(uploadFailure(path, error)),
        onSuccess: () => resolve(upload.url!),
      });
      upload.start();
    });
    const sealed = await sealE2eFileMetadata({ name: basename(path), type: '', size }, fileKey);
    uploaded.push({ uploadId: url.split('/').pop()!, sealedMetadata: Buffer.from(sealed).toString('base64url') });
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
 * a server-side push). Never overwrites: a taken name gets ` (2)`, ` (3)`… before its extension. Answers
 * the paths written, in order.
 */
export async function downloadFiles(files: readonly RevealedFile[], fileRoot: Uint8Array | null, directory: string): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const written: string[] = [];
  for (const file of files) {
    let name: string;
    let expectedSize: number;
    let decrypt: TransformStream<Uint8Array, Uint8Array> | undefined;
    if (file.sealed_metadata !== null) {
      if (!fileRoot) throw new CliError('This push holds end-to-end files but the link has no key.', EXIT.damagedLink);
      const fileKey = await e2eFileKey(fileRoot, file.position);
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
      response = await fetch(file.url, { headers: { 'user-agent': `passdrop-cli/${CLI_VERSION}` }, redirect: 'manual' });
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

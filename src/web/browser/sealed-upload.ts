/**
 * One file sealed here (docs/file-encryption.md) and sent by tus to our uploads endpoint, for the file push
 * page and the request answer page. The record stream is cut into pieces of exactly one tus request each,
 * handed to tus-js-client as Blobs.
 *
 * Why Blobs: Chromium sends an ArrayBuffer request body from the page about 25× slower than a Blob of the
 * same bytes (measured here: 256 MiB in 16 MiB PATCHes to a bare node:http server took 18 s as Uint8Array,
 * 0.7 s as Blob), and tus-js-client's stream source grows an array buffer by copying it whole for every
 * chunk it reads (about 2 GiB copied per 16 MiB request with 64 KiB records), while it joins Blobs by
 * reference.
 */
import * as tus from 'tus-js-client';
import { encryptE2eFile } from '../../crypto/e2e/e2e-files.js';
import { encryptedLength } from '../../crypto/stream/record-stream.js';
import { sitePath } from './dom.js';

/** Bytes of record stream per tus PATCH request. */
export const UPLOAD_PIECE_BYTES = 16 * 1024 * 1024;

export interface SealedUploadOptions {
  /** 32 bytes: the file key the contents are sealed under. */
  readonly fileKey: Uint8Array;
  /** tus metadata beside `mode: e2e` (a request's token for an answer's files). */
  readonly metadata?: Record<string, string>;
  /** Milliseconds to wait before each retry of a failed request; a dropped connection resumes from the server's offset. */
  readonly retryDelays: number[];
  readonly onShouldRetry?: (error: tus.DetailedError) => boolean;
  /** Sealed bytes acknowledged by the server so far, of `total` (the record stream's length). */
  readonly onProgress?: (sent: number, total: number) => void;
}

export interface SealedUpload {
  /** Resolves with the upload's id once every byte is stored; rejects when the upload fails for good or is aborted. */
  readonly done: Promise<string>;
  /** Stops the upload and asks the server to delete what it holds (tus termination). */
  abort(): Promise<void>;
}

/** Starts sealing and uploading `file`; see SealedUpload. */
export function startSealedUpload(file: File, options: SealedUploadOptions): SealedUpload {
  const total = encryptedLength(file.size);
  let upload: tus.Upload;
  const done = new Promise<string>((resolve, reject) => {
    const pieces = file.stream().pipeThrough(encryptE2eFile(options.fileKey)).pipeThrough(inBlobPiecesOf(UPLOAD_PIECE_BYTES));
    upload = new tus.Upload(pieces.getReader(), {
      endpoint: sitePath('/api/passdrop/v1/uploads'),
      uploadSize: total,
      chunkSize: UPLOAD_PIECE_BYTES,
      retryDelays: options.retryDelays,
      metadata: { ...options.metadata, mode: 'e2e' },
      headers: { 'x-csrf-token': document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '' },
      storeFingerprintForResuming: false,
      ...(options.onShouldRetry ? { onShouldRetry: options.onShouldRetry } : {}),
      onProgress: (sent) => options.onProgress?.(sent, total),
      onError: (failure) => reject(failure),
      onSuccess: () => resolve(upload.url!.split('/').pop()!),
    });
    upload.start();
  });
  return { done, abort: () => upload.abort(true) };
}

/**
 * Regroups a byte stream into Blobs of exactly `size` bytes (the last one shorter; none for an empty
 * stream), each copied once from the records.
 */
export function inBlobPiecesOf(size: number): TransformStream<Uint8Array, Blob> {
  let piece = new Uint8Array(size);
  let filled = 0;
  return new TransformStream<Uint8Array, Blob>({
    transform(chunk, controller) {
      let offset = 0;
      while (offset < chunk.length) {
        const taken = Math.min(size - filled, chunk.length - offset);
        piece.set(chunk.subarray(offset, offset + taken), filled);
        filled += taken;
        offset += taken;
        if (filled === size) {
          controller.enqueue(new Blob([piece]));
          piece = new Uint8Array(size);
          filled = 0;
        }
      }
    },
    flush(controller) {
      if (filled > 0) controller.enqueue(new Blob([piece.subarray(0, filled)]));
    },
  });
}

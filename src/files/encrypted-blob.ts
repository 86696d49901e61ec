/**
 * The server's at-rest path for file contents: plaintext streamed through the record stream
 * (docs/file-encryption.md) into a blob, and back. The file key is a data key from file-data-key.ts; the
 * node:crypto record cipher writes the same bytes as WebCrypto, faster.
 */
import { nodeRecordCipher } from '../crypto/stream/node-record-cipher.js';
import { createDecryptStream, createEncryptStream, encryptedLength } from '../crypto/stream/record-stream.js';
import { toReadableStream, type BlobBody, type BlobKey, type BlobStore } from './blob-store.js';

export interface StoredEncryptedBlob {
  /** Plaintext bytes that went in. */
  readonly plaintextBytes: number;
  /** Bytes stored: header, records and tags (encryptedLength(plaintextBytes)). */
  readonly storedBytes: number;
}

/**
 * Encrypts `plaintext` under `fileKey` into the blob `key`, without holding more than a record and an upload
 * part in memory. Rejects (leaving no blob) when the plaintext errors or the signal aborts.
 *
 * @example const stored = await putEncryptedBlob(store, `pushes/${token}/0`, Readable.from(upload), { fileKey: dataKey });
 */
export async function putEncryptedBlob(
  store: BlobStore,
  key: BlobKey,
  plaintext: BlobBody,
  options: { fileKey: Uint8Array; recordSize?: number; signal?: AbortSignal; plaintextSizeHint?: number },
): Promise<StoredEncryptedBlob> {
  let plaintextBytes = 0;
  const counted = toReadableStream(plaintext, options.signal).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        plaintextBytes += chunk.length;
        controller.enqueue(chunk);
      },
    }),
  );
  const sealed = counted.pipeThrough(createEncryptStream({ fileKey: options.fileKey, purpose: 'file-content', cipher: nodeRecordCipher, ...(options.recordSize ? { recordSize: options.recordSize } : {}) }));
  const sizeHint = options.plaintextSizeHint === undefined ? undefined : encryptedLength(options.plaintextSizeHint, options.recordSize);
  const info = await store.put(key, sealed, { ...(options.signal ? { signal: options.signal } : {}), ...(sizeHint !== undefined ? { sizeHint } : {}) });
  return { plaintextBytes, storedBytes: info.size };
}

/**
 * The decrypted contents of the blob `key`, or undefined when it is gone. The stream errors with a
 * RecordStreamError when the blob was altered or cut short: send it only as a whole (a download whose
 * stream errors must be aborted, never completed).
 */
export async function getDecryptedBlob(store: BlobStore, key: BlobKey, fileKey: Uint8Array): Promise<ReadableStream<Uint8Array> | undefined> {
  const read = await store.get(key);
  return read?.body.pipeThrough(createDecryptStream({ fileKey, purpose: 'file-content', cipher: nodeRecordCipher }));
}

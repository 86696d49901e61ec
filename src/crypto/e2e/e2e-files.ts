/**
 * End-to-end encryption of a file push's files (docs/file-encryption.md): each file's key comes from the
 * push's file root (deriveE2eFileRoot, from the link secret and the passphrase) and the file's position, so
 * the server can neither read a file nor swap one file's contents or metadata for another's unnoticed.
 * WebCrypto only: the browser and the CLI use this module as is.
 */
import { createDecryptStream, createEncryptStream, FILE_KEY_LENGTH, type EncryptOptions } from '../stream/record-stream.js';
import { openFileMetadata, sealFileMetadata, type FileMetadata } from '../stream/file-metadata.js';

export { deriveE2eFileRoot } from './e2e-format.js';
export type { FileMetadata } from '../stream/file-metadata.js';

/** The most files one push may hold is a server setting; the format allows positions 0–65535. */
export const MAX_E2E_FILE_INDEX = 65_535;

/**
 * file key = HKDF-SHA256(ikm = file root, salt = 32 zero bytes, info = "passdrop/e2e/v1/file|<index>"), 32 bytes,
 * where `<index>` is the file's 0-based position in the push, in decimal.
 *
 * @example const fileKey = await e2eFileKey(fileRoot, 0);
 */
export async function e2eFileKey(fileRoot: Uint8Array, index: number): Promise<Uint8Array> {
  if (!(fileRoot instanceof Uint8Array) || fileRoot.length !== FILE_KEY_LENGTH) throw new RangeError('a file root is 32 bytes');
  if (!Number.isInteger(index) || index < 0 || index > MAX_E2E_FILE_INDEX) throw new RangeError(`a file index is a whole number from 0 to ${MAX_E2E_FILE_INDEX}`);
  const subtle = globalThis.crypto.subtle;
  const base = await subtle.importKey('raw', fileRoot as BufferSource, 'HKDF', false, ['deriveBits']);
  const info = new TextEncoder().encode(`passdrop/e2e/v1/file|${index}`);
  return new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info }, base, 256));
}

/** Encrypts one file's contents for upload: plaintext in, record stream out. */
export function encryptE2eFile(fileKey: Uint8Array, options: Omit<EncryptOptions, 'fileKey' | 'purpose'> = {}): TransformStream<Uint8Array, Uint8Array> {
  return createEncryptStream({ ...options, fileKey, purpose: 'file-content' });
}

/** Decrypts one downloaded file: record stream in, plaintext out; errors with a RecordStreamError. */
export function decryptE2eFile(fileKey: Uint8Array): TransformStream<Uint8Array, Uint8Array> {
  return createDecryptStream({ fileKey, purpose: 'file-content' });
}

/** Seals a file's name, type and size for the server to store beside the file. */
export function sealE2eFileMetadata(metadata: FileMetadata, fileKey: Uint8Array): Promise<Uint8Array> {
  return sealFileMetadata(metadata, fileKey);
}

/** Opens what sealE2eFileMetadata sealed; throws a RecordStreamError. */
export function openE2eFileMetadata(sealed: Uint8Array, fileKey: Uint8Array): Promise<FileMetadata> {
  return openFileMetadata(sealed, fileKey);
}

/**
 * A file's name, media type and size, sealed as a small record stream under its file key with the purpose
 * `file-metadata` (docs/file-encryption.md), so the server stores no file name for an E2E push and keeps
 * none in clear at rest for the others.
 */
import { openRecords, RecordStreamError, sealRecords, type RecordCipherProvider } from './record-stream.js';

export interface FileMetadata {
  /** The file's name as the sender gave it (no path), 1–1024 characters. */
  readonly name: string;
  /** A media type such as `application/pdf`; empty when unknown. At most 255 characters. */
  readonly type: string;
  /** Plaintext size in bytes. */
  readonly size: number;
}

export const MAX_FILE_NAME_CHARACTERS = 1024;
export const MAX_FILE_TYPE_CHARACTERS = 255;
/** The JSON is padded with spaces to a multiple of this many bytes, so a name's length shows only roughly. */
export const METADATA_PADDING_BYTES = 256;

const encoder = new TextEncoder();

/** Throws a RangeError unless the metadata fits the limits above. */
export function checkFileMetadata(metadata: FileMetadata): void {
  if (typeof metadata.name !== 'string' || metadata.name.length === 0 || metadata.name.length > MAX_FILE_NAME_CHARACTERS) {
    throw new RangeError(`a file name is 1 to ${MAX_FILE_NAME_CHARACTERS} characters`);
  }
  if (typeof metadata.type !== 'string' || metadata.type.length > MAX_FILE_TYPE_CHARACTERS) {
    throw new RangeError(`a media type is at most ${MAX_FILE_TYPE_CHARACTERS} characters`);
  }
  if (!Number.isSafeInteger(metadata.size) || metadata.size < 0) throw new RangeError('a file size is a non-negative whole number of bytes');
}

/**
 * Seals `{"name","type","size"}` as UTF-8 JSON padded with spaces to a multiple of 256 bytes.
 *
 * @example const sealed = await sealFileMetadata({ name: 'report.pdf', type: 'application/pdf', size: 52_113 }, fileKey);
 */
export async function sealFileMetadata(
  metadata: FileMetadata,
  fileKey: Uint8Array,
  options: { cipher?: RecordCipherProvider; fixedSaltForTestVectors?: Uint8Array } = {},
): Promise<Uint8Array> {
  checkFileMetadata(metadata);
  const json = encoder.encode(JSON.stringify({ name: metadata.name, type: metadata.type, size: metadata.size }));
  const padded = new Uint8Array(Math.ceil(json.length / METADATA_PADDING_BYTES) * METADATA_PADDING_BYTES).fill(0x20);
  padded.set(json);
  return sealRecords(padded, { fileKey, purpose: 'file-metadata', ...options });
}

/**
 * Opens sealed metadata.
 *
 * @throws RecordStreamError: 'decrypt-failed' for the wrong key (or another file's metadata), 'malformed'
 * when it authenticates but is not metadata, or the reasons of openRecords.
 */
export async function openFileMetadata(sealed: Uint8Array, fileKey: Uint8Array, options: { cipher?: RecordCipherProvider } = {}): Promise<FileMetadata> {
  const bytes = await openRecords(sealed, { fileKey, purpose: 'file-metadata', ...options });
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new RecordStreamError('malformed', 'the file metadata is not JSON');
  }
  const candidate = parsed as Partial<FileMetadata> | null;
  const metadata = { name: candidate?.name, type: candidate?.type, size: candidate?.size } as FileMetadata;
  try {
    checkFileMetadata(metadata);
  } catch (error) {
    throw new RecordStreamError('malformed', `the file metadata is invalid: ${(error as Error).message}`);
  }
  return metadata;
}

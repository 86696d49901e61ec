/**
 * The byte layout of Passdrop's record stream, version 1 (docs/file-encryption.md): a 42-byte header, then
 * the plaintext cut into fixed-size records, each sealed with AES-256-GCM. The construction is STREAM
 * (Hoang, Reyhanitabar, Rogaway, Vizár, "Online Authenticated-Encryption and its Nonce-Reuse
 * Misuse-Resistance", CRYPTO 2015), laid out as age's payload (age-encryption.org/v1): a per-stream key from
 * HKDF over a random salt, and a nonce made of the record counter and a last-record flag.
 *
 * This module holds only constants, the header codec, nonces and length arithmetic: no crypto and no
 * platform API, so the browser, the CLI and the server share it as is.
 */

/** "PDRS": Passdrop record stream. */
export const RECORD_STREAM_MAGIC = Uint8Array.of(0x50, 0x44, 0x52, 0x53);
export const RECORD_STREAM_VERSION = 1;
/** Bytes: magic 4, version 1, flags 1, record size 4, salt 32. */
export const RECORD_STREAM_HEADER_LENGTH = 42;
export const RECORD_STREAM_SALT_LENGTH = 32;
/** AES-GCM tag appended to every record, in bytes. */
export const RECORD_TAG_LENGTH = 16;
export const RECORD_NONCE_LENGTH = 12;
/** Plaintext bytes per record unless the writer asks for another size: 64 KiB, as age and Tink use. */
export const DEFAULT_RECORD_SIZE = 64 * 1024;
/** The smallest and largest plaintext record sizes a header may name, in bytes (1 KiB – 16 MiB). */
export const MIN_RECORD_SIZE = 1024;
export const MAX_RECORD_SIZE = 16 * 1024 * 1024;
/** The record counter is written as 88 bits but kept within the integers JavaScript counts exactly. */
export const MAX_RECORD_COUNT = Number.MAX_SAFE_INTEGER;

const OFFSET_VERSION = 4;
const OFFSET_FLAGS = 5;
const OFFSET_RECORD_SIZE = 6;
const OFFSET_SALT = 10;

/** What a key is for; it goes into the HKDF info, so one file key gives unrelated keys for each purpose. */
export type RecordStreamPurpose = 'file-content' | 'file-metadata';
export const RECORD_STREAM_PURPOSES: readonly RecordStreamPurpose[] = ['file-content', 'file-metadata'];

/**
 * Why a record stream could not be read:
 * - `malformed`: not a record stream, an unknown flag, a record size out of bounds, a non-canonical layout;
 * - `unsupported-version`: a version this code does not read;
 * - `truncated`: the stream ends early: inside the header, before any record, or after a record that is
 *   not the last one (a dropped tail);
 * - `decrypt-failed`: a record does not authenticate: the wrong key or purpose, a flipped bit, records
 *   reordered, duplicated, dropped in the middle or appended.
 * The message never contains key material or plaintext.
 */
export type RecordStreamErrorReason = 'malformed' | 'unsupported-version' | 'truncated' | 'decrypt-failed';

export class RecordStreamError extends Error {
  constructor(
    readonly reason: RecordStreamErrorReason,
    message: string = reason,
  ) {
    super(message);
    this.name = 'RecordStreamError';
  }
}

export interface RecordStreamHeader {
  readonly version: number;
  /** Plaintext bytes per record; every record but the last holds exactly this many. */
  readonly recordSize: number;
  /** 32 random bytes: the HKDF salt that makes every stream's key unique. */
  readonly salt: Uint8Array;
  /** The 42 header bytes as written; they are each record's associated data. */
  readonly bytes: Uint8Array;
}

/** Checks a record size (plaintext bytes per record) and throws a RangeError outside 1 KiB – 16 MiB. */
export function checkRecordSize(recordSize: number): void {
  if (!Number.isInteger(recordSize) || recordSize < MIN_RECORD_SIZE || recordSize > MAX_RECORD_SIZE) {
    throw new RangeError(`a record size is a whole number of bytes from ${MIN_RECORD_SIZE} to ${MAX_RECORD_SIZE}`);
  }
}

/** The 42-byte header for a new stream. */
export function encodeRecordStreamHeader(recordSize: number, salt: Uint8Array): Uint8Array {
  checkRecordSize(recordSize);
  if (salt.length !== RECORD_STREAM_SALT_LENGTH) throw new RangeError(`a record stream salt is ${RECORD_STREAM_SALT_LENGTH} bytes`);
  const header = new Uint8Array(RECORD_STREAM_HEADER_LENGTH);
  header.set(RECORD_STREAM_MAGIC, 0);
  header[OFFSET_VERSION] = RECORD_STREAM_VERSION;
  header[OFFSET_FLAGS] = 0;
  new DataView(header.buffer).setUint32(OFFSET_RECORD_SIZE, recordSize);
  header.set(salt, OFFSET_SALT);
  return header;
}

/**
 * Reads the first 42 bytes of a stream.
 *
 * @throws RecordStreamError `truncated` (fewer than 42 bytes), `malformed` (wrong magic, a flag set, a record
 * size out of bounds) or `unsupported-version`.
 */
export function parseRecordStreamHeader(bytes: Uint8Array): RecordStreamHeader {
  if (bytes.length < RECORD_STREAM_HEADER_LENGTH) throw new RecordStreamError('truncated', 'the stream ends inside its header');
  const header = bytes.slice(0, RECORD_STREAM_HEADER_LENGTH);
  if (!RECORD_STREAM_MAGIC.every((byte, index) => header[index] === byte)) {
    throw new RecordStreamError('malformed', 'not a Passdrop record stream');
  }
  const version = header[OFFSET_VERSION]!;
  if (version !== RECORD_STREAM_VERSION) throw new RecordStreamError('unsupported-version', `record stream version ${version} is not supported`);
  if (header[OFFSET_FLAGS] !== 0) throw new RecordStreamError('malformed', 'unknown record stream flags');
  const recordSize = new DataView(header.buffer).getUint32(OFFSET_RECORD_SIZE);
  if (recordSize < MIN_RECORD_SIZE || recordSize > MAX_RECORD_SIZE) {
    throw new RecordStreamError('malformed', `record size ${recordSize} is outside ${MIN_RECORD_SIZE}–${MAX_RECORD_SIZE}`);
  }
  return { version, recordSize, salt: header.slice(OFFSET_SALT), bytes: header };
}

/**
 * The 12-byte nonce of record `counter` (0-based): the counter as an 88-bit big-endian number, then 0x01 for
 * the last record and 0x00 for the others (as in age). Bytes 0–2 are always zero here.
 */
export function recordNonce(counter: number, last: boolean): Uint8Array {
  if (!Number.isSafeInteger(counter) || counter < 0) throw new RangeError('a record counter is a non-negative safe integer');
  const nonce = new Uint8Array(RECORD_NONCE_LENGTH);
  const view = new DataView(nonce.buffer);
  view.setUint32(3, Math.floor(counter / 2 ** 32));
  view.setUint32(7, counter >>> 0);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/**
 * Bytes a stream of `plaintextLength` bytes takes once sealed: the header, then one 16-byte tag per record.
 * An empty plaintext is still one (empty, last) record.
 *
 * @example encryptedLength(100_000, 65_536) // 42 + 100_000 + 2 × 16 = 100_074
 */
export function encryptedLength(plaintextLength: number, recordSize: number = DEFAULT_RECORD_SIZE): number {
  checkRecordSize(recordSize);
  if (!Number.isSafeInteger(plaintextLength) || plaintextLength < 0) throw new RangeError('a length is a non-negative safe integer');
  return RECORD_STREAM_HEADER_LENGTH + plaintextLength + recordCount(plaintextLength, recordSize) * RECORD_TAG_LENGTH;
}

/** How many records a plaintext of this many bytes is cut into (at least one). */
export function recordCount(plaintextLength: number, recordSize: number = DEFAULT_RECORD_SIZE): number {
  return Math.max(1, Math.ceil(plaintextLength / recordSize));
}

/**
 * The plaintext length of a well-formed stream of `streamLength` bytes, or undefined when no plaintext
 * length encrypts to exactly that many bytes (so the stream is certainly truncated or padded). Lets a
 * server check an upload's size, and send Content-Length, before decrypting anything.
 */
export function plaintextLength(streamLength: number, recordSize: number = DEFAULT_RECORD_SIZE): number | undefined {
  checkRecordSize(recordSize);
  const body = streamLength - RECORD_STREAM_HEADER_LENGTH;
  if (!Number.isSafeInteger(body) || body < RECORD_TAG_LENGTH) return undefined;
  const sealedRecord = recordSize + RECORD_TAG_LENGTH;
  const records = Math.ceil(body / sealedRecord);
  const length = body - records * RECORD_TAG_LENGTH;
  // The last record holds 1..recordSize bytes, or 0 when it is the only one.
  const lastRecord = length - (records - 1) * recordSize;
  if (lastRecord < (records === 1 ? 0 : 1)) return undefined;
  return length;
}

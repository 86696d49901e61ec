/**
 * The streaming authenticated encryption of file contents and file metadata (docs/file-encryption.md),
 * as WHATWG TransformStreams over WebCrypto, so the same module runs in browsers, the CLI and the server.
 * The server passes a node:crypto record cipher (node-record-cipher.ts), which writes the same bytes faster.
 *
 * Memory: a writer holds one record of plaintext and a reader one sealed record, plus at most
 * `concurrency` records being sealed or opened, whatever the stream's length.
 */
import {
  checkRecordSize,
  DEFAULT_RECORD_SIZE,
  encodeRecordStreamHeader,
  MAX_RECORD_COUNT,
  parseRecordStreamHeader,
  RECORD_STREAM_HEADER_LENGTH,
  RECORD_STREAM_PURPOSES,
  RECORD_STREAM_SALT_LENGTH,
  RECORD_TAG_LENGTH,
  recordNonce,
  RecordStreamError,
  type RecordStreamHeader,
  type RecordStreamPurpose,
} from './record-stream-format.js';

export {
  encryptedLength,
  parseRecordStreamHeader,
  plaintextLength,
  RecordStreamError,
  type RecordStreamErrorReason,
  type RecordStreamHeader,
  type RecordStreamPurpose,
} from './record-stream-format.js';

/** The length of a file key, the secret every record stream key is derived from, in bytes. */
export const FILE_KEY_LENGTH = 32;

/**
 * AES-256-GCM under one stream key with the header as associated data. Both methods must read their inputs
 * before they return (the caller reuses its buffers), even when they resolve later.
 */
export interface RecordCipher {
  /** The record's ciphertext followed by its 16-byte tag. */
  seal(nonce: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> | Uint8Array;
  /** The record's plaintext, or null when it does not authenticate (never rejects for that). */
  open(nonce: Uint8Array, sealed: Uint8Array): Promise<Uint8Array | null> | Uint8Array | null;
}

/** Makes a RecordCipher from a 32-byte stream key and the associated data. */
export type RecordCipherProvider = (streamKey: Uint8Array, associatedData: Uint8Array) => Promise<RecordCipher>;

export interface RecordStreamKeyOptions {
  /** 32 bytes: an E2E file key (e2e-files.ts) or a server data key (src/files/file-data-key.ts). */
  readonly fileKey: Uint8Array;
  readonly purpose: RecordStreamPurpose;
  /** Defaults to WebCrypto; the server passes nodeRecordCipher. Both give the same bytes. */
  readonly cipher?: RecordCipherProvider;
  /** Records sealed or opened at once (WebCrypto works off the main thread); 1–16, default 4. */
  readonly concurrency?: number;
}

export interface EncryptOptions extends RecordStreamKeyOptions {
  /** Plaintext bytes per record, 1 KiB – 16 MiB; default 64 KiB. */
  readonly recordSize?: number;
  /** Test vectors only: a fixed salt makes the output deterministic. Never set it for real data. */
  readonly fixedSaltForTestVectors?: Uint8Array;
  /**
   * Continues a stream written before (an upload resumed by another process): its salt, and the record to
   * start at. The output then starts at that record (the header only when it is 0), and the input must be
   * the plaintext from byte `firstRecord × recordSize` on. Safe only when that plaintext is exactly what the
   * earlier writer had: each record is sealed again under the nonce it had, so the same bytes come out,
   * while other bytes under a used nonce would break AES-GCM (check the input is unchanged first).
   */
  readonly continueStream?: { readonly salt: Uint8Array; readonly firstRecord: number };
}

const subtle = () => globalThis.crypto.subtle;
const encoder = new TextEncoder();

/** The default provider: WebCrypto's AES-GCM (browsers, and Node's globalThis.crypto). */
export const webCryptoRecordCipher: RecordCipherProvider = async (streamKey, associatedData) => {
  const key = await subtle().importKey('raw', streamKey as BufferSource, 'AES-GCM', false, ['encrypt', 'decrypt']);
  const aad = associatedData.slice();
  return {
    async seal(nonce, plaintext) {
      return new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: nonce as BufferSource, additionalData: aad, tagLength: 128 }, key, plaintext as BufferSource));
    },
    async open(nonce, sealed) {
      try {
        return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: nonce as BufferSource, additionalData: aad, tagLength: 128 }, key, sealed as BufferSource));
      } catch {
        return null;
      }
    },
  };
};

/**
 * stream key = HKDF-SHA256(ikm = file key, salt = the header's 32-byte salt,
 *                          info = "passdrop/record-stream/v1|" ‖ purpose, length = 32 bytes)
 */
export async function deriveStreamKey(fileKey: Uint8Array, salt: Uint8Array, purpose: RecordStreamPurpose): Promise<Uint8Array> {
  checkFileKey(fileKey);
  if (!RECORD_STREAM_PURPOSES.includes(purpose)) throw new RangeError(`unknown record stream purpose ${String(purpose)}`);
  const base = await subtle().importKey('raw', fileKey as BufferSource, 'HKDF', false, ['deriveBits']);
  const info = encoder.encode(`passdrop/record-stream/v1|${purpose}`);
  return new Uint8Array(await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: salt as BufferSource, info }, base, 256));
}

function checkFileKey(fileKey: Uint8Array): void {
  if (!(fileKey instanceof Uint8Array) || fileKey.length !== FILE_KEY_LENGTH) throw new RangeError(`a file key is ${FILE_KEY_LENGTH} bytes`);
}

function checkConcurrency(concurrency: number): number {
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) throw new RangeError('concurrency is a whole number from 1 to 16');
  return concurrency;
}

async function cipherFor(options: RecordStreamKeyOptions, header: RecordStreamHeader | Uint8Array, salt: Uint8Array): Promise<RecordCipher> {
  const streamKey = await deriveStreamKey(options.fileKey, salt, options.purpose);
  try {
    const headerBytes = header instanceof Uint8Array ? header : header.bytes;
    return await (options.cipher ?? webCryptoRecordCipher)(streamKey, headerBytes);
  } finally {
    streamKey.fill(0);
  }
}

/**
 * Results that must come out in order while up to `limit` are being computed: the oldest is awaited and
 * emitted whenever the window is full, and everything at the end.
 */
class OrderedWindow {
  private readonly pending: Array<Promise<Uint8Array>> = [];

  constructor(private readonly limit: number) {}

  async push(result: Promise<Uint8Array>, emit: (bytes: Uint8Array) => void): Promise<void> {
    // Kept from rejecting unobserved if an earlier record fails and the rest are abandoned.
    result.catch(() => undefined);
    this.pending.push(result);
    while (this.pending.length >= this.limit) emit(await this.pending.shift()!);
  }

  async drain(emit: (bytes: Uint8Array) => void): Promise<void> {
    while (this.pending.length > 0) emit(await this.pending.shift()!);
  }
}

/**
 * A TransformStream from plaintext bytes to a record stream: the 42-byte header, then each record of
 * `recordSize` plaintext bytes sealed (the last one may be shorter, and is empty only for an empty input).
 *
 * @example
 * const sealed = file.stream().pipeThrough(createEncryptStream({ fileKey, purpose: 'file-content' }));
 */
export function createEncryptStream(options: EncryptOptions): TransformStream<Uint8Array, Uint8Array> {
  const recordSize = options.recordSize ?? DEFAULT_RECORD_SIZE;
  checkRecordSize(recordSize);
  checkFileKey(options.fileKey);
  const window = new OrderedWindow(checkConcurrency(options.concurrency ?? 4));
  const firstRecord = options.continueStream?.firstRecord ?? 0;
  if (!Number.isSafeInteger(firstRecord) || firstRecord < 0) throw new RangeError('a first record is a non-negative safe integer');
  const salt = options.continueStream?.salt ?? options.fixedSaltForTestVectors ?? globalThis.crypto.getRandomValues(new Uint8Array(RECORD_STREAM_SALT_LENGTH));
  if (salt.length !== RECORD_STREAM_SALT_LENGTH) throw new RangeError(`a salt is ${RECORD_STREAM_SALT_LENGTH} bytes`);
  const header = encodeRecordStreamHeader(recordSize, salt);
  const held = new Uint8Array(recordSize);
  let filled = 0;
  let counter = firstRecord;
  let cipher: RecordCipher;

  const seal = (plaintext: Uint8Array, last: boolean): Promise<Uint8Array> => {
    if (counter >= MAX_RECORD_COUNT) throw new RangeError('too many records for one stream');
    return Promise.resolve(cipher.seal(recordNonce(counter++, last), plaintext));
  };

  return new TransformStream<Uint8Array, Uint8Array>({
    async start(controller) {
      cipher = await cipherFor(options, header, salt);
      if (firstRecord === 0) controller.enqueue(header.slice());
    },
    async transform(chunk, controller) {
      const emit = (bytes: Uint8Array) => controller.enqueue(bytes);
      let offset = 0;
      while (offset < chunk.length) {
        // A held full record is sealed as "not last" only once more bytes are known to follow it.
        if (filled === recordSize) {
          await window.push(seal(held, false), emit);
          filled = 0;
        }
        if (filled === 0 && chunk.length - offset > recordSize) {
          await window.push(seal(chunk.subarray(offset, offset + recordSize), false), emit);
          offset += recordSize;
          continue;
        }
        const take = Math.min(recordSize - filled, chunk.length - offset);
        held.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
      }
    },
    async flush(controller) {
      const emit = (bytes: Uint8Array) => controller.enqueue(bytes);
      await window.push(seal(held.subarray(0, filled), true), emit);
      await window.drain(emit);
      held.fill(0);
    },
  });
}

/**
 * A TransformStream from a record stream to its plaintext. Each record is released only once it has
 * authenticated; the stream errors with a RecordStreamError on the first problem, so a consumer must treat
 * everything it received as void unless the stream closes normally (a dropped tail is only seen at the end).
 *
 * @example
 * const plain = response.body.pipeThrough(createDecryptStream({ fileKey, purpose: 'file-content' }));
 */
export function createDecryptStream(options: RecordStreamKeyOptions): TransformStream<Uint8Array, Uint8Array> {
  checkFileKey(options.fileKey);
  const window = new OrderedWindow(checkConcurrency(options.concurrency ?? 4));
  const headerBytes = new Uint8Array(RECORD_STREAM_HEADER_LENGTH);
  let headerFilled = 0;
  let held = new Uint8Array(0);
  let sealedSize = 0;
  let filled = 0;
  let counter = 0;
  let cipher: RecordCipher | undefined;

  const open = (sealed: Uint8Array, last: boolean): Promise<Uint8Array> => {
    const index = counter++;
    return Promise.resolve(cipher!.open(recordNonce(index, last), sealed)).then((plaintext) => {
      if (plaintext === null) throw new RecordStreamError('decrypt-failed', `record ${index} does not authenticate: wrong key, or the stream was altered`);
      return plaintext;
    });
  };

  return new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      const emit = (bytes: Uint8Array) => controller.enqueue(bytes);
      let offset = 0;
      if (cipher === undefined) {
        const take = Math.min(RECORD_STREAM_HEADER_LENGTH - headerFilled, chunk.length);
        headerBytes.set(chunk.subarray(0, take), headerFilled);
        headerFilled += take;
        offset = take;
        if (headerFilled < RECORD_STREAM_HEADER_LENGTH) return;
        const header = parseRecordStreamHeader(headerBytes);
        cipher = await cipherFor(options, header, header.salt);
        sealedSize = header.recordSize + RECORD_TAG_LENGTH;
        held = new Uint8Array(sealedSize);
      }
      while (offset < chunk.length) {
        if (filled === sealedSize) {
          await window.push(open(held, false), emit);
          filled = 0;
        }
        if (filled === 0 && chunk.length - offset > sealedSize) {
          await window.push(open(chunk.subarray(offset, offset + sealedSize), false), emit);
          offset += sealedSize;
          continue;
        }
        const take = Math.min(sealedSize - filled, chunk.length - offset);
        held.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
      }
    },
    async flush(controller) {
      const emit = (bytes: Uint8Array) => controller.enqueue(bytes);
      if (cipher === undefined) throw new RecordStreamError('truncated', 'the stream ends inside its header');
      await window.drain(emit);
      if (filled < RECORD_TAG_LENGTH) throw new RecordStreamError('truncated', 'the stream ends without its last record');
      const lastIndex = counter;
      const last = await Promise.resolve(cipher.open(recordNonce(lastIndex, true), held.subarray(0, filled)));
      if (last === null) {
        // Opening it as a middle record tells a dropped tail from tampering, for a clearer message.
        const middle = filled === sealedSize ? await Promise.resolve(cipher.open(recordNonce(lastIndex, false), held)) : null;
        if (middle !== null) {
          middle.fill(0);
          throw new RecordStreamError('truncated', `the stream ends after record ${lastIndex}, which is not the last one`);
        }
        throw new RecordStreamError('decrypt-failed', `the last record (${lastIndex}) does not authenticate: wrong key, or the stream was altered`);
      }
      if (last.length === 0 && lastIndex > 0) throw new RecordStreamError('malformed', 'only the record of an empty stream may be empty');
      emit(last);
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    length += value.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (bytes.length > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

/**
 * Seals bytes already in memory (file metadata, test vectors) as one record stream.
 *
 * @example const sealed = await sealRecords(new TextEncoder().encode('hi'), { fileKey, purpose: 'file-metadata' });
 */
export function sealRecords(plaintext: Uint8Array, options: EncryptOptions): Promise<Uint8Array> {
  return collect(streamOf(plaintext).pipeThrough(createEncryptStream(options)));
}

/**
 * Opens a record stream held in memory.
 *
 * @throws RecordStreamError ('malformed', 'unsupported-version', 'truncated' or 'decrypt-failed').
 */
export function openRecords(sealed: Uint8Array, options: RecordStreamKeyOptions): Promise<Uint8Array> {
  return collect(streamOf(sealed).pipeThrough(createDecryptStream(options)));
}

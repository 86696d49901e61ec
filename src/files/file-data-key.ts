/**
 * The key of a file the server encrypts at rest (a file sent through the plain API, or the server's own
 * layer over an E2E upload): a fresh random 256-bit data key per file, stored only wrapped. The wrapped form
 * is an ordinary envelope (src/crypto/envelope.ts, docs/encryption.md) whose content is the data key, so
 * master key rotation (rewrapEnvelope, `passdrop rotate-keys`) and passphrase binding work as for payloads.
 */
import { EnvelopeError, openEnvelope, sealEnvelope } from '../crypto/envelope.js';
import type { MasterKey, MasterKeyRing } from '../crypto/master-key-ring.js';
import { secureRandomBytes } from '../crypto/secure-random.js';
import { FILE_KEY_LENGTH } from '../crypto/stream/record-stream.js';

export interface FileKeyContext {
  /** The push the file belongs to. */
  readonly pushToken: string;
  /** The file's stable id within the push (for example its 0-based position); no `|`. */
  readonly fileId: string;
}

/** The envelope field a file's data key is bound to: `file-key.<fileId>`. */
export function fileKeyField(fileId: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(fileId)) throw new RangeError('a file id is 1–64 characters of A–Z, a–z, 0–9, _ and -');
  return `file-key.${fileId}`;
}

/**
 * A new file's data key and its wrapped form. With a passphrase key (from passphrase-kdf.ts) the wrapped key
 * opens only with the passphrase too, so the database and the master key alone cannot read the file.
 * The caller zeroes `dataKey` once the file is written.
 *
 * @example const { dataKey, wrappedKey } = newFileDataKey(ring.current, { pushToken, fileId: '0' });
 */
export function newFileDataKey(masterKey: MasterKey, context: FileKeyContext, passphraseKey?: Buffer): { dataKey: Buffer; wrappedKey: Buffer } {
  const dataKey = secureRandomBytes(FILE_KEY_LENGTH);
  const wrappedKey = sealEnvelope(dataKey, masterKey, { pushToken: context.pushToken, field: fileKeyField(context.fileId) }, passphraseKey);
  return { dataKey, wrappedKey };
}

/**
 * The data key inside a wrapped key, with any master key in the ring.
 *
 * @throws EnvelopeError ('malformed', 'unknown-key', 'passphrase-required', 'tampered' — the last also for
 * another push's or file's key, or a wrong passphrase key).
 */
export function openFileDataKey(wrappedKey: Buffer, ring: MasterKeyRing, context: FileKeyContext, passphraseKey?: Buffer): Buffer {
  const dataKey = openEnvelope(wrappedKey, ring, { pushToken: context.pushToken, field: fileKeyField(context.fileId) }, passphraseKey);
  if (dataKey.length !== FILE_KEY_LENGTH) {
    dataKey.fill(0);
    throw new EnvelopeError('malformed', 'the wrapped file key does not hold a 32-byte key');
  }
  return dataKey;
}

import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { secureRandomBytes } from './secure-random.js';
import type { MasterKey, MasterKeyRing } from './master-key-ring.js';

/**
 * Envelope encryption for values the server keeps at rest (see docs/encryption.md).
 *
 * Every sealed value gets a fresh random 256-bit data key. The value is encrypted with AES-256-GCM under the
 * content key (the data key itself, or, for passphrase-bound envelopes, HKDF-SHA256 of the data key and the
 * passphrase key), and the data key is wrapped with AES-256-GCM under the current master key. The envelope
 * names the master key by id, so a ring that still holds previous keys opens old envelopes, and
 * rewrapEnvelope moves an envelope to the current key without touching the content ciphertext.
 *
 * Byte layout, version 1 (all offsets in bytes, 98-byte header then the ciphertext):
 *
 *   offset  length  field
 *        0       1  version, 0x01
 *        1       1  flags: bit 0 = passphrase-bound; bits 1-7 must be zero
 *        2       8  master key id (its 16 hex characters, decoded)
 *       10      12  wrap IV (random)
 *       22      32  wrapped data key (AES-256-GCM ciphertext of the 32-byte data key)
 *       54      16  wrap tag
 *       70      12  content IV (random)
 *       82      16  content tag
 *       98       n  content ciphertext (n = plaintext length; GCM adds no padding)
 *
 * Associated data (a UTF-8 label preceded by raw header bytes):
 *
 *   wrap:    bytes 0-9 of the envelope  ‖ "passdrop/envelope/v1/wrap|<pushToken>|<field>"
 *   content: bytes 0-1 of the envelope  ‖ "passdrop/envelope/v1/content|<pushToken>|<field>"
 *
 * The content AAD leaves out the key id so that re-wrapping under another master key leaves the content part
 * byte-for-byte identical. Passphrase-bound content keys are
 * HKDF-SHA256(ikm = dataKey ‖ passphraseKey, salt = empty, info = "passdrop/envelope/v1/passphrase|<pushToken>|<field>", 32).
 */

export const ENVELOPE_VERSION = 1;

export interface EnvelopeContext {
  readonly pushToken: string;
  readonly field: string;
}

export type EnvelopeErrorReason = 'malformed' | 'unknown-key' | 'passphrase-required' | 'tampered';

/** Why an envelope could not be opened. The message never contains key material or plaintext. */
export class EnvelopeError extends Error {
  readonly reason: EnvelopeErrorReason;

  constructor(reason: EnvelopeErrorReason, message: string = defaultMessages[reason]) {
    super(message);
    this.name = 'EnvelopeError';
    this.reason = reason;
  }
}

const defaultMessages: Record<EnvelopeErrorReason, string> = {
  malformed: 'the envelope is malformed',
  'unknown-key': 'the envelope was sealed with a master key that is not in the key ring',
  'passphrase-required': 'the envelope is bound to a passphrase and no passphrase key was given',
  tampered: 'the envelope does not authenticate: it was altered, or opened with the wrong push, field or passphrase',
};

const FLAG_PASSPHRASE_BOUND = 0x01;
const KNOWN_FLAGS = FLAG_PASSPHRASE_BOUND;

const KEY_LENGTH = 32;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const KEY_ID_LENGTH = 8;

const OFFSET_VERSION = 0;
const OFFSET_FLAGS = 1;
const OFFSET_KEY_ID = 2;
const OFFSET_WRAP_IV = OFFSET_KEY_ID + KEY_ID_LENGTH; // 10
const OFFSET_WRAPPED_KEY = OFFSET_WRAP_IV + IV_LENGTH; // 22
const OFFSET_WRAP_TAG = OFFSET_WRAPPED_KEY + KEY_LENGTH; // 54
const OFFSET_CONTENT_IV = OFFSET_WRAP_TAG + TAG_LENGTH; // 70
const OFFSET_CONTENT_TAG = OFFSET_CONTENT_IV + IV_LENGTH; // 82
const HEADER_LENGTH = OFFSET_CONTENT_TAG + TAG_LENGTH; // 98

const LABEL = `passdrop/envelope/v${ENVELOPE_VERSION}`;

interface ParsedEnvelope {
  readonly flags: number;
  readonly keyId: string;
  readonly wrapIv: Buffer;
  readonly wrappedKey: Buffer;
  readonly wrapTag: Buffer;
  readonly contentIv: Buffer;
  readonly contentTag: Buffer;
  readonly ciphertext: Buffer;
}

/**
 * Encrypts a value for storage under the given master key, bound to one push and field.
 *
 * @example
 * const stored = sealEnvelope(Buffer.from(secret, 'utf8'), ring.current, { pushToken, field: 'payload' });
 */
export function sealEnvelope(plaintext: Buffer, masterKey: MasterKey, context: EnvelopeContext, passphraseKey?: Buffer): Buffer {
  checkContext(context);
  const keyIdBytes = keyIdToBytes(masterKey);
  checkMasterKey(masterKey);
  if (passphraseKey !== undefined) checkPassphraseKey(passphraseKey);

  const envelope = Buffer.alloc(HEADER_LENGTH + plaintext.length);
  envelope[OFFSET_VERSION] = ENVELOPE_VERSION;
  envelope[OFFSET_FLAGS] = passphraseKey === undefined ? 0 : FLAG_PASSPHRASE_BOUND;
  keyIdBytes.copy(envelope, OFFSET_KEY_ID);

  const dataKey = secureRandomBytes(KEY_LENGTH);
  try {
    writeWrap(envelope, dataKey, masterKey, context);

    const contentKey = deriveContentKey(dataKey, passphraseKey, context);
    try {
      const contentIv = secureRandomBytes(IV_LENGTH);
      const cipher = createCipheriv('aes-256-gcm', contentKey, contentIv, { authTagLength: TAG_LENGTH });
      cipher.setAAD(contentAad(envelope, context));
      const written = cipher.update(plaintext).copy(envelope, HEADER_LENGTH);
      cipher.final().copy(envelope, HEADER_LENGTH + written);
      contentIv.copy(envelope, OFFSET_CONTENT_IV);
      cipher.getAuthTag().copy(envelope, OFFSET_CONTENT_TAG);
    } finally {
      if (contentKey !== dataKey) contentKey.fill(0);
    }
  } finally {
    dataKey.fill(0);
  }
  return envelope;
}

/**
 * Decrypts an envelope sealed for this push and field with any key in the ring.
 * A passphraseKey is required for passphrase-bound envelopes and ignored for the others.
 *
 * @throws EnvelopeError with reason 'malformed', 'unknown-key', 'passphrase-required' or 'tampered'.
 */
export function openEnvelope(envelope: Buffer, ring: MasterKeyRing, context: EnvelopeContext, passphraseKey?: Buffer): Buffer {
  checkContext(context);
  if (passphraseKey !== undefined) checkPassphraseKey(passphraseKey);
  const parsed = parseEnvelope(envelope);
  const masterKey = findKey(ring, parsed.keyId);

  const dataKey = unwrapDataKey(envelope, parsed, masterKey, context);
  try {
    const bound = (parsed.flags & FLAG_PASSPHRASE_BOUND) !== 0;
    if (bound && passphraseKey === undefined) throw new EnvelopeError('passphrase-required');

    const contentKey = deriveContentKey(dataKey, bound ? passphraseKey : undefined, context);
    try {
      const decipher = createDecipheriv('aes-256-gcm', contentKey, parsed.contentIv, { authTagLength: TAG_LENGTH });
      decipher.setAAD(contentAad(envelope, context));
      decipher.setAuthTag(parsed.contentTag);
      const plaintext = decipher.update(parsed.ciphertext);
      try {
        decipher.final();
      } catch {
        plaintext.fill(0);
        throw new EnvelopeError('tampered');
      }
      return plaintext;
    } finally {
      if (contentKey !== dataKey) contentKey.fill(0);
    }
  } finally {
    dataKey.fill(0);
  }
}

/** Re-wraps the data key under ring.current; the content ciphertext is unchanged. Returns the same buffer when already current. */
export function rewrapEnvelope(envelope: Buffer, ring: MasterKeyRing, context: EnvelopeContext): Buffer {
  checkContext(context);
  const parsed = parseEnvelope(envelope);
  if (parsed.keyId === ring.current.id) return envelope;
  const oldKey = findKey(ring, parsed.keyId);
  const newKeyIdBytes = keyIdToBytes(ring.current);
  checkMasterKey(ring.current);

  const dataKey = unwrapDataKey(envelope, parsed, oldKey, context);
  try {
    const rewrapped = Buffer.from(envelope);
    newKeyIdBytes.copy(rewrapped, OFFSET_KEY_ID);
    writeWrap(rewrapped, dataKey, ring.current, context);
    return rewrapped;
  } finally {
    dataKey.fill(0);
  }
}

/** The id (16 hex characters) of the master key that wraps this envelope's data key. */
export function envelopeKeyId(envelope: Buffer): string {
  return parseEnvelope(envelope).keyId;
}

/** Whether opening this envelope needs the passphrase key as well as the master key. */
export function envelopeIsPassphraseBound(envelope: Buffer): boolean {
  return (parseEnvelope(envelope).flags & FLAG_PASSPHRASE_BOUND) !== 0;
}

function parseEnvelope(envelope: Buffer): ParsedEnvelope {
  if (!Buffer.isBuffer(envelope) || envelope.length < HEADER_LENGTH) {
    throw new EnvelopeError('malformed', 'the envelope is malformed: it is shorter than the header');
  }
  const version = envelope[OFFSET_VERSION]!;
  if (version !== ENVELOPE_VERSION) throw new EnvelopeError('malformed', `the envelope is malformed: unknown version ${version}`);
  const flags = envelope[OFFSET_FLAGS]!;
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new EnvelopeError('malformed', 'the envelope is malformed: unknown flags');
  return {
    flags,
    keyId: envelope.toString('hex', OFFSET_KEY_ID, OFFSET_WRAP_IV),
    wrapIv: envelope.subarray(OFFSET_WRAP_IV, OFFSET_WRAPPED_KEY),
    wrappedKey: envelope.subarray(OFFSET_WRAPPED_KEY, OFFSET_WRAP_TAG),
    wrapTag: envelope.subarray(OFFSET_WRAP_TAG, OFFSET_CONTENT_IV),
    contentIv: envelope.subarray(OFFSET_CONTENT_IV, OFFSET_CONTENT_TAG),
    contentTag: envelope.subarray(OFFSET_CONTENT_TAG, HEADER_LENGTH),
    ciphertext: envelope.subarray(HEADER_LENGTH),
  };
}

function findKey(ring: MasterKeyRing, keyId: string): MasterKey {
  const key = ring.byId(keyId);
  if (!key) throw new EnvelopeError('unknown-key', `the envelope was sealed with master key ${keyId}, which is not in the key ring`);
  checkMasterKey(key);
  return key;
}

/** Wraps dataKey under masterKey into bytes 10-69 of envelope, whose bytes 0-9 must already be final. */
function writeWrap(envelope: Buffer, dataKey: Buffer, masterKey: MasterKey, context: EnvelopeContext): void {
  const wrapIv = secureRandomBytes(IV_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', masterKey.key, wrapIv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(wrapAad(envelope, context));
  const wrapped = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  wrapIv.copy(envelope, OFFSET_WRAP_IV);
  wrapped.copy(envelope, OFFSET_WRAPPED_KEY);
  cipher.getAuthTag().copy(envelope, OFFSET_WRAP_TAG);
}

function unwrapDataKey(envelope: Buffer, parsed: ParsedEnvelope, masterKey: MasterKey, context: EnvelopeContext): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', masterKey.key, parsed.wrapIv, { authTagLength: TAG_LENGTH });
  decipher.setAAD(wrapAad(envelope, context));
  decipher.setAuthTag(parsed.wrapTag);
  const dataKey = decipher.update(parsed.wrappedKey);
  try {
    decipher.final();
  } catch {
    dataKey.fill(0);
    throw new EnvelopeError('tampered');
  }
  return dataKey;
}

/** The data key itself, or for passphrase-bound envelopes a fresh buffer the caller must zero. */
function deriveContentKey(dataKey: Buffer, passphraseKey: Buffer | undefined, context: EnvelopeContext): Buffer {
  if (passphraseKey === undefined) return dataKey;
  const ikm = Buffer.concat([dataKey, passphraseKey]);
  try {
    const info = Buffer.from(`${LABEL}/passphrase|${context.pushToken}|${context.field}`, 'utf8');
    return Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), info, KEY_LENGTH));
  } finally {
    ikm.fill(0);
  }
}

function wrapAad(envelope: Buffer, context: EnvelopeContext): Buffer {
  return Buffer.concat([
    envelope.subarray(0, OFFSET_WRAP_IV),
    Buffer.from(`${LABEL}/wrap|${context.pushToken}|${context.field}`, 'utf8'),
  ]);
}

function contentAad(envelope: Buffer, context: EnvelopeContext): Buffer {
  return Buffer.concat([
    envelope.subarray(0, OFFSET_KEY_ID),
    Buffer.from(`${LABEL}/content|${context.pushToken}|${context.field}`, 'utf8'),
  ]);
}

/** The separator must not occur inside a part, or two different contexts could produce the same AAD. */
function checkContext(context: EnvelopeContext): void {
  for (const [name, value] of [
    ['pushToken', context.pushToken],
    ['field', context.field],
  ] as const) {
    if (typeof value !== 'string' || value === '' || value.includes('|')) {
      throw new RangeError(`envelope context ${name} must be a non-empty string without "|"`);
    }
  }
}

function keyIdToBytes(masterKey: MasterKey): Buffer {
  if (!/^[0-9a-f]{16}$/.test(masterKey.id)) throw new RangeError('a master key id is 16 lowercase hexadecimal characters');
  return Buffer.from(masterKey.id, 'hex');
}

function checkMasterKey(masterKey: MasterKey): void {
  if (masterKey.key.length !== KEY_LENGTH) throw new RangeError('a master key is 32 bytes');
}

function checkPassphraseKey(passphraseKey: Buffer): void {
  if (!Buffer.isBuffer(passphraseKey) || passphraseKey.length !== KEY_LENGTH) {
    throw new RangeError('a passphrase key is 32 bytes');
  }
}

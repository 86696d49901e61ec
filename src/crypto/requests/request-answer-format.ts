/**
 * The request answer format (docs/requests-encryption.md): a requester's browser makes an ECDH P-256 key
 * pair and gives the server only the public key; a responder encrypts an answer to that key with an
 * ephemeral ECDH key pair, HKDF-SHA256 and AES-256-GCM, the request and the answer bound as associated
 * data. The request link's fragment carries a fingerprint of the public key, so a responder's browser
 * notices a server that swapped the key and refuses to encrypt. WebCrypto only: the same module runs in
 * browsers, in the CLI and in the server (whose no-JavaScript path encrypts with it too).
 */
import { base64UrlDecode, base64UrlEncode } from '../e2e/e2e-format.js';

export const ANSWER_FORMAT_VERSION = 1;
/** The only key algorithm of version 1 (byte 1 of an answer: 0x01). X25519 can take 0x02 later. */
export const REQUEST_KEY_ALGORITHM = 'P-256';
export type RequestKeyAlgorithm = typeof REQUEST_KEY_ALGORITHM;
/** What an answer holds. `files` (text plus record-stream files) is reserved for file answers. */
export type AnswerKind = 'text' | 'files';

const ALGORITHM_P256 = 0x01;
const PUBLIC_KEY_LENGTH = 65;
const PRIVATE_KEY_LENGTH = 32;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const OFFSET_EPHEMERAL = 2;
const OFFSET_IV = OFFSET_EPHEMERAL + PUBLIC_KEY_LENGTH; // 67
const HEADER_LENGTH = OFFSET_IV + IV_LENGTH; // 79
/** The shortest answer: the header and the tag of an empty plaintext (95 bytes, 127 base64url characters). */
export const MIN_ANSWER_BYTES = HEADER_LENGTH + TAG_LENGTH;
const LABEL = 'passdrop/request-answer/v1';
/** Request tokens and answer ids are base64url; '|' can never appear in them, so AAD fields cannot run together. */
const ID_PATTERN = /^[A-Za-z0-9_-]{10,64}$/;
const P256 = { name: 'ECDH', namedCurve: 'P-256' } as const;

export type RequestCryptoErrorReason = 'malformed' | 'unsupported-version' | 'decrypt-failed' | 'key-mismatch';

/** Why a key or an answer was refused. The message never holds key material or plaintext. */
export class RequestCryptoError extends Error {
  constructor(readonly reason: RequestCryptoErrorReason, message: string = reason) {
    super(message);
    this.name = 'RequestCryptoError';
  }
}

const encoder = new TextEncoder();
const subtle = () => globalThis.crypto.subtle;

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function decode(text: string, what: string): Uint8Array {
  try {
    return base64UrlDecode(text);
  } catch {
    throw new RequestCryptoError('malformed', `${what} is not base64url`);
  }
}

function checkId(value: string, what: string): void {
  if (!ID_PATTERN.test(value)) throw new RequestCryptoError('malformed', `${what} must be 10 to 64 base64url characters`);
}

/** The 65 bytes of an uncompressed P-256 point (0x04 ‖ x ‖ y), from its base64url text (87 characters). */
export function decodePublicKey(publicKey: string): Uint8Array {
  const raw = decode(publicKey, 'the public key');
  if (raw.length !== PUBLIC_KEY_LENGTH || raw[0] !== 0x04) throw new RequestCryptoError('malformed', 'the public key must be an uncompressed P-256 point (65 bytes)');
  return raw;
}

async function importPublicKey(raw: Uint8Array): Promise<CryptoKey> {
  try {
    // WebCrypto refuses a point that is not on the curve.
    return await subtle().importKey('raw', raw as BufferSource, P256, true, []);
  } catch {
    throw new RequestCryptoError('malformed', 'the public key is not a point on P-256');
  }
}

/**
 * Checks that a requester's public key is a valid P-256 point; answers it unchanged. The server calls it
 * on every new request.
 *
 * @throws RequestCryptoError `malformed`
 */
export async function checkPublicKey(publicKey: string): Promise<string> {
  await importPublicKey(decodePublicKey(publicKey));
  return publicKey;
}

/**
 * The fingerprint a request link carries after `#`: SHA-256("passdrop/request-key/v1|P-256|" ‖ raw public
 * key), base64url (43 characters).
 *
 * @example await keyFingerprint(publicKey) // 'Yx3…' (43 characters)
 */
export async function keyFingerprint(publicKey: string): Promise<string> {
  const raw = decodePublicKey(publicKey);
  return base64UrlEncode(new Uint8Array(await subtle().digest('SHA-256', concat(encoder.encode(`passdrop/request-key/v1|${REQUEST_KEY_ALGORITHM}|`), raw) as BufferSource)));
}

/** Whether `fingerprint` (from a link's fragment) names `publicKey` (from the server). */
export async function fingerprintMatches(publicKey: string, fingerprint: string): Promise<boolean> {
  let expected: string;
  try {
    expected = await keyFingerprint(publicKey);
  } catch {
    return false;
  }
  // Both values are public; a plain comparison leaks nothing.
  return expected === fingerprint;
}

/** A requester's new key pair: the public key for the server, the private key for this browser and the requester key. */
export interface RequesterKeyPair {
  /** base64url of the 65-byte uncompressed point: the only part the server receives. */
  readonly publicKey: string;
  /** base64url of the 32-byte private scalar (JWK `d`, 43 characters): the "requester key" a person can keep. */
  readonly requesterKey: string;
  /** The same private key, imported non-extractable, ready for IndexedDB and for opening answers. */
  readonly privateKey: CryptoKey;
}

/**
 * Makes a requester's key pair. The private key is created extractable only so that it can be shown
 * once as the requester key; what is kept (`privateKey`) is a non-extractable copy.
 */
export async function generateRequesterKeyPair(): Promise<RequesterKeyPair> {
  const pair = (await subtle().generateKey(P256, true, ['deriveBits'])) as CryptoKeyPair;
  const publicKey = base64UrlEncode(new Uint8Array(await subtle().exportKey('raw', pair.publicKey)));
  const jwk = await subtle().exportKey('jwk', pair.privateKey);
  const requesterKey = jwk.d!;
  return { publicKey, requesterKey, privateKey: await importRequesterKey(requesterKey, publicKey) };
}

/**
 * Imports a requester key (the private scalar, 43 base64url characters) for the request whose public
 * key is `publicKey`, and proves that they belong together with an ECDH round trip through a fresh key:
 * a wrong key, or a public key the server swapped, fails here with `key-mismatch`.
 *
 * @throws RequestCryptoError `malformed` or `key-mismatch`
 */
export async function importRequesterKey(requesterKey: string, publicKey: string, options: { extractable?: boolean } = {}): Promise<CryptoKey> {
  const d = decode(requesterKey.trim(), 'the requester key');
  if (d.length !== PRIVATE_KEY_LENGTH) throw new RequestCryptoError('malformed', 'the requester key must be 32 bytes (43 base64url characters)');
  const raw = decodePublicKey(publicKey);
  const jwk: JsonWebKey = {
    kty: 'EC',
    crv: 'P-256',
    d: base64UrlEncode(d),
    x: base64UrlEncode(raw.subarray(1, 33)),
    y: base64UrlEncode(raw.subarray(33, 65)),
    ext: options.extractable === true,
  };
  let privateKey: CryptoKey;
  try {
    privateKey = await subtle().importKey('jwk', jwk, P256, options.extractable === true, ['deriveBits']);
  } catch {
    throw new RequestCryptoError('key-mismatch', 'the requester key does not belong to this request');
  }
  if (!(await requesterKeyMatches(privateKey, publicKey))) throw new RequestCryptoError('key-mismatch', 'the requester key does not belong to this request');
  return privateKey;
}

/**
 * Whether `privateKey` is the private half of `publicKey`: ECDH(private, E) must equal ECDH(e, public)
 * for a fresh ephemeral pair (e, E). Needs nothing extractable.
 */
export async function requesterKeyMatches(privateKey: CryptoKey, publicKey: string): Promise<boolean> {
  const requester = await importPublicKey(decodePublicKey(publicKey));
  const probe = (await subtle().generateKey(P256, false, ['deriveBits'])) as CryptoKeyPair;
  const [one, two] = await Promise.all([
    subtle().deriveBits({ name: 'ECDH', public: probe.publicKey }, privateKey, 256),
    subtle().deriveBits({ name: 'ECDH', public: requester }, probe.privateKey, 256),
  ]);
  const a = new Uint8Array(one);
  const b = new Uint8Array(two);
  let difference = 0;
  for (let index = 0; index < a.length; index += 1) difference |= a[index]! ^ b[index]!;
  return a.length === b.length && difference === 0;
}

/** A new answer id: 16 random bytes, base64url (22 characters). The responder's side picks it, so it can be bound before upload. */
export function newAnswerId(): string {
  return base64UrlEncode(globalThis.crypto.getRandomValues(new Uint8Array(16)));
}

/** Where an answer belongs: bound into its associated data, so an answer moved to another request or id fails to open. */
export interface AnswerBinding {
  readonly requestToken: string;
  readonly answerId: string;
  readonly kind: AnswerKind;
}

function additionalData(binding: AnswerBinding, header: Uint8Array): Uint8Array {
  return concat(encoder.encode(`${LABEL}|${binding.requestToken}|${binding.answerId}|${binding.kind}`), header.subarray(0, OFFSET_IV));
}

function checkBinding(binding: AnswerBinding): void {
  checkId(binding.requestToken, 'the request token');
  checkId(binding.answerId, 'the answer id');
  if (binding.kind !== 'text' && binding.kind !== 'files') throw new RequestCryptoError('malformed', 'the answer kind must be text or files');
}

/**
 * content key = HKDF-SHA256(ikm = ECDH shared secret (32 bytes), salt = ephemeral public key ‖ requester
 * public key (130 bytes), info = "passdrop/request-answer/v1|content"), an AES-256-GCM key.
 */
async function contentKey(shared: ArrayBuffer, ephemeralRaw: Uint8Array, requesterRaw: Uint8Array, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  const base = await subtle().importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  return subtle().deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: concat(ephemeralRaw, requesterRaw) as BufferSource, info: encoder.encode(`${LABEL}|content`) },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    [usage],
  );
}

/**
 * Encrypts an answer to a requester's public key. `ephemeral` and `iv` exist only to reproduce the
 * committed test vectors; leave them out.
 *
 * @example const ciphertext = await sealAnswer('hunter2', { requestToken, answerId: newAnswerId(), kind: 'text', publicKey });
 * @throws RequestCryptoError `malformed` for a bad key or binding
 */
export async function sealAnswer(
  plaintext: Uint8Array | string,
  options: AnswerBinding & { publicKey: string; ephemeral?: { requesterKey: string; publicKey: string }; iv?: Uint8Array },
): Promise<string> {
  checkBinding(options);
  const requesterRaw = decodePublicKey(options.publicKey);
  const requester = await importPublicKey(requesterRaw);
  let ephemeralPrivate: CryptoKey;
  let ephemeralRaw: Uint8Array;
  if (options.ephemeral) {
    ephemeralPrivate = await importRequesterKey(options.ephemeral.requesterKey, options.ephemeral.publicKey);
    ephemeralRaw = decodePublicKey(options.ephemeral.publicKey);
  } else {
    const pair = (await subtle().generateKey(P256, false, ['deriveBits'])) as CryptoKeyPair;
    ephemeralPrivate = pair.privateKey;
    ephemeralRaw = new Uint8Array(await subtle().exportKey('raw', pair.publicKey));
  }
  return sealWith(plaintext, options, { privateKey: ephemeralPrivate, raw: ephemeralRaw }, requester, requesterRaw);
}

async function sealWith(
  plaintext: Uint8Array | string,
  options: AnswerBinding & { iv?: Uint8Array },
  ephemeral: { privateKey: CryptoKey; raw: Uint8Array },
  requester: CryptoKey,
  requesterRaw: Uint8Array,
): Promise<string> {
  const ephemeralRaw = ephemeral.raw;
  const shared = await subtle().deriveBits({ name: 'ECDH', public: requester }, ephemeral.privateKey, 256);
  const key = await contentKey(shared, ephemeralRaw, requesterRaw, 'encrypt');
  new Uint8Array(shared).fill(0);
  const header = new Uint8Array(HEADER_LENGTH);
  header[0] = ANSWER_FORMAT_VERSION;
  header[1] = ALGORITHM_P256;
  header.set(ephemeralRaw, OFFSET_EPHEMERAL);
  const iv = options.iv ?? globalThis.crypto.getRandomValues(new Uint8Array(IV_LENGTH));
  if (iv.length !== IV_LENGTH) throw new RequestCryptoError('malformed', 'the IV must be 12 bytes');
  header.set(iv, OFFSET_IV);
  const data = typeof plaintext === 'string' ? encoder.encode(plaintext) : plaintext;
  const sealed = new Uint8Array(
    await subtle().encrypt({ name: 'AES-GCM', iv: iv as BufferSource, additionalData: additionalData(options, header) as BufferSource }, key, data as BufferSource),
  );
  return base64UrlEncode(concat(header, sealed));
}

/**
 * Checks an answer's outer shape without any key (the server does this before storing one): base64url,
 * long enough, version 1, P-256, a valid ephemeral point.
 *
 * @throws RequestCryptoError `malformed` or `unsupported-version`
 */
export async function checkAnswerShape(ciphertext: string): Promise<void> {
  const bytes = decode(ciphertext, 'the answer');
  if (bytes.length < MIN_ANSWER_BYTES) throw new RequestCryptoError('malformed', 'the answer is too short');
  if (bytes[0] !== ANSWER_FORMAT_VERSION) throw new RequestCryptoError('unsupported-version', `answer format version ${bytes[0]} is not supported`);
  if (bytes[1] !== ALGORITHM_P256) throw new RequestCryptoError('malformed', 'unknown key algorithm');
  await importPublicKey(bytes.subarray(OFFSET_EPHEMERAL, OFFSET_IV));
}

/** The ECDH secret of an answer's ephemeral key and the requester's private key. @throws RequestCryptoError `decrypt-failed` */
async function requesterSecret(ephemeral: CryptoKey, privateKey: CryptoKey): Promise<ArrayBuffer> {
  try {
    return await subtle().deriveBits({ name: 'ECDH', public: ephemeral }, privateKey, 256);
  } catch {
    throw new RequestCryptoError('decrypt-failed', 'this key cannot open answers');
  }
}

/**
 * Decrypts an answer with the requester's private key (non-extractable is fine).
 *
 * @throws RequestCryptoError `malformed`, `unsupported-version` or `decrypt-failed` (wrong key, request,
 *   answer id or kind, or any altered byte)
 */
export async function openAnswer(ciphertext: string, options: AnswerBinding & { privateKey: CryptoKey; publicKey: string }): Promise<Uint8Array> {
  checkBinding(options);
  await checkAnswerShape(ciphertext);
  const bytes = decode(ciphertext, 'the answer');
  const header = bytes.subarray(0, HEADER_LENGTH);
  const ephemeralRaw = bytes.subarray(OFFSET_EPHEMERAL, OFFSET_IV);
  const requesterRaw = decodePublicKey(options.publicKey);
  const ephemeral = await importPublicKey(ephemeralRaw);
  const shared = await requesterSecret(ephemeral, options.privateKey);
  const key = await contentKey(shared, ephemeralRaw, requesterRaw, 'decrypt');
  new Uint8Array(shared).fill(0);
  try {
    return new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: header.subarray(OFFSET_IV) as BufferSource, additionalData: additionalData(options, header) as BufferSource },
        key,
        bytes.subarray(HEADER_LENGTH) as BufferSource,
      ),
    );
  } catch {
    throw new RequestCryptoError('decrypt-failed', 'the key, the request or the answer does not match this answer');
  }
}

/** openAnswer, read as UTF-8 text exactly: a leading byte order mark is part of the answer (`ignoreBOM`), not stripped. */
export async function openAnswerText(ciphertext: string, options: AnswerBinding & { privateKey: CryptoKey; publicKey: string }): Promise<string> {
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(await openAnswer(ciphertext, options));
}

/** The longest ciphertext (base64url characters) a text answer of `maxCharacters` can become (4 UTF-8 bytes a character). */
export function maxAnswerCiphertextLength(maxCharacters: number): number {
  return Math.ceil(((maxCharacters * 4 + MIN_ANSWER_BYTES) * 4) / 3);
}

/**
 * file key(i) = HKDF-SHA256(ikm = ECDH shared secret, salt = ephemeral public key ‖ requester public key,
 * info = "passdrop/request-answer/v1|file|<i>", length = 32): the file key of an answer's file at position
 * `i`, for the record format (docs/file-encryption.md) as end-to-end pushes use it.
 */
async function fileKeyFrom(shared: ArrayBuffer, ephemeralRaw: Uint8Array, requesterRaw: Uint8Array, index: number): Promise<Uint8Array> {
  if (!Number.isInteger(index) || index < 0 || index > 65_535) throw new RangeError('a file index is a whole number from 0 to 65535');
  const base = await subtle().importKey('raw', shared, 'HKDF', false, ['deriveBits']);
  return new Uint8Array(
    await subtle().deriveBits(
      { name: 'HKDF', hash: 'SHA-256', salt: concat(ephemeralRaw, requesterRaw) as BufferSource, info: encoder.encode(`${LABEL}|file|${index}`) },
      base,
      256,
    ),
  );
}

/** An answer with files being written: one ephemeral key pair gives the files' keys, then seals the answer. */
export interface AnswerWriter {
  /** The file key of the file at `index` (0-based), for encryptE2eFile and sealE2eFileMetadata. */
  fileKey(index: number): Promise<Uint8Array>;
  /** Seals the answer itself (kind `files`: encodeFilesAnswer's plaintext) with the same ephemeral key. */
  seal(plaintext: Uint8Array | string, binding: AnswerBinding): Promise<string>;
}

/**
 * Starts an answer with files to a requester's public key: the files are sealed (and uploaded) first under
 * `fileKey(i)`, then the answer under the same ephemeral key, whose public half the answer carries.
 *
 * @example const writer = await startAnswer(publicKey); const key0 = await writer.fileKey(0); … await writer.seal(encodeFilesAnswer('', 1), { requestToken, answerId, kind: 'files' });
 */
export async function startAnswer(publicKey: string): Promise<AnswerWriter> {
  const requesterRaw = decodePublicKey(publicKey);
  const requester = await importPublicKey(requesterRaw);
  const pair = (await subtle().generateKey(P256, false, ['deriveBits'])) as CryptoKeyPair;
  const ephemeral = { privateKey: pair.privateKey, raw: new Uint8Array(await subtle().exportKey('raw', pair.publicKey)) };
  return {
    async fileKey(index) {
      const shared = await subtle().deriveBits({ name: 'ECDH', public: requester }, ephemeral.privateKey, 256);
      try {
        return await fileKeyFrom(shared, ephemeral.raw, requesterRaw, index);
      } finally {
        new Uint8Array(shared).fill(0);
      }
    },
    seal(plaintext, binding) {
      checkBinding(binding);
      return sealWith(plaintext, binding, ephemeral, requester, requesterRaw);
    },
  };
}

/**
 * The file key of file `index` of an answer, for its requester: ECDH with the ephemeral key the answer
 * carries. Open the answer first (openAnswer): that proves the ciphertext is the answer's.
 *
 * @throws RequestCryptoError `malformed` or `decrypt-failed`
 */
export async function answerFileKey(ciphertext: string, options: { privateKey: CryptoKey; publicKey: string }, index: number): Promise<Uint8Array> {
  await checkAnswerShape(ciphertext);
  const ephemeralRaw = decode(ciphertext, 'the answer').subarray(OFFSET_EPHEMERAL, OFFSET_IV);
  const ephemeral = await importPublicKey(ephemeralRaw);
  const shared = await requesterSecret(ephemeral, options.privateKey);
  try {
    return await fileKeyFrom(shared, ephemeralRaw, decodePublicKey(options.publicKey), index);
  } finally {
    new Uint8Array(shared).fill(0);
  }
}

/** What an answer of kind `files` holds: its text and how many files come with it (so none can be dropped unnoticed). */
export interface FilesAnswer {
  readonly text: string;
  readonly files: number;
}

/** The plaintext of an answer of kind `files`: UTF-8 JSON `{"text": …, "files": n}`. */
export function encodeFilesAnswer(text: string, files: number): Uint8Array {
  return encoder.encode(JSON.stringify({ text, files }));
}

/** Reads encodeFilesAnswer's plaintext. @throws RequestCryptoError `malformed` */
export function decodeFilesAnswer(plaintext: Uint8Array): FilesAnswer {
  try {
    const parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext)) as Partial<FilesAnswer>;
    if (typeof parsed.text === 'string' && Number.isInteger(parsed.files) && parsed.files! >= 0) return { text: parsed.text, files: parsed.files! };
  } catch {
    // Below.
  }
  throw new RequestCryptoError('malformed', 'not the plaintext of an answer with files');
}

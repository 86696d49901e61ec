/**
 * The end-to-end format (docs/e2e-encryption.md): the browser (or CLI) encrypts; the key is derived
 * from a link secret that travels only in the URL fragment. Uses only WebCrypto, so the same module
 * runs in browsers and in Node.
 */
/** The version new pushes are sealed with. Version 1 (no link proof) is still opened. */
export const E2E_VERSION = 2;
const SUPPORTED_VERSIONS = new Set([1, 2]);
export const E2E_PBKDF2_ITERATIONS = 600_000;
const MIN_ITERATIONS = 100_000;
const MAX_ITERATIONS = 10_000_000;
const HEADER_LENGTH = 18;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const SECRET_LENGTH = 32;
const FLAG_PASSPHRASE = 0x01;

export type E2eKind = 'text' | 'qr' | 'file';
export type E2eErrorReason = 'malformed' | 'passphrase-required' | 'decrypt-failed' | 'unsupported-version';
export type E2eVersion = 1 | 2;

export class E2eError extends Error {
  constructor(readonly reason: E2eErrorReason, message: string = reason) {
    super(message);
    this.name = 'E2eError';
  }
}

const encoder = new TextEncoder();
const subtle = () => globalThis.crypto.subtle;

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function base64UrlDecode(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new E2eError('malformed', 'not base64url');
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A fresh 256-bit link secret, base64url (43 characters): it goes after the # of the link. */
export function newLinkSecret(): string {
  return base64UrlEncode(globalThis.crypto.getRandomValues(new Uint8Array(SECRET_LENGTH)));
}

function decodeSecret(linkSecret: string): Uint8Array {
  const bytes = base64UrlDecode(linkSecret);
  if (bytes.length !== SECRET_LENGTH) throw new E2eError('malformed', 'the link secret must be 32 bytes');
  return bytes;
}

async function hkdf(ikm: Uint8Array, info: string, usage: 'key' | 'bits'): Promise<CryptoKey | Uint8Array> {
  const base = await subtle().importKey('raw', ikm as BufferSource, 'HKDF', false, ['deriveKey', 'deriveBits']);
  const params = { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: encoder.encode(info) };
  if (usage === 'bits') return new Uint8Array(await subtle().deriveBits(params, base, 256));
  return subtle().deriveKey(params, base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

interface DerivedKeys {
  readonly contentKey: CryptoKey;
  readonly accessProof: string | null;
}

/** The input keying material: the link secret, or with a passphrase the link secret ‖ PBKDF2 of it (32 or 64 bytes). */
async function deriveMaterial(secret: Uint8Array, passphrase: string | undefined, iterations: number): Promise<Uint8Array> {
  if (passphrase === undefined) return secret.slice();
  const salt = new Uint8Array(await subtle().digest('SHA-256', concat(encoder.encode('passdrop/e2e/v1/passphrase-salt'), secret) as BufferSource));
  const passwordKey = await subtle().importKey('raw', encoder.encode(passphrase.normalize('NFC')) as BufferSource, 'PBKDF2', false, ['deriveBits']);
  const passKey = new Uint8Array(await subtle().deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, passwordKey, 256));
  const material = concat(secret, passKey);
  passKey.fill(0);
  return material;
}

/** One derivation for both the content key and the access proof (PBKDF2 is deliberately slow). */
async function deriveKeys(secret: Uint8Array, passphrase: string | undefined, iterations: number): Promise<DerivedKeys> {
  const material = await deriveMaterial(secret, passphrase, iterations);
  try {
    if (passphrase === undefined) {
      return { contentKey: (await hkdf(material, 'passdrop/e2e/v1/content', 'key')) as CryptoKey, accessProof: null };
    }
    const contentKey = (await hkdf(material, 'passdrop/e2e/v1/content+passphrase', 'key')) as CryptoKey;
    const proof = (await hkdf(material, 'passdrop/e2e/v1/access-proof', 'bits')) as Uint8Array;
    return { contentKey, accessProof: base64UrlEncode(proof) };
  } finally {
    material.fill(0);
  }
}

/**
 * The root of a file push's file keys (docs/file-encryption.md), from the same link secret, passphrase and
 * PBKDF2 iterations as the push's text: HKDF-SHA256(ikm = link secret [‖ passKey], salt = 32 zero bytes,
 * info = "passdrop/e2e/v1/files" or "passdrop/e2e/v1/files+passphrase"), 32 bytes. With a passphrase, the
 * access proof is the one accessProofFor gives, so one proof releases both the text and the files.
 * Each file's key then comes from e2eFileKey(fileRoot, index) in e2e-files.ts.
 *
 * @example const { fileRoot } = await deriveE2eFileRoot({ linkSecret });
 */
export async function deriveE2eFileRoot(options: {
  linkSecret: string;
  passphrase?: string;
  iterations?: number;
}): Promise<{ fileRoot: Uint8Array; accessProof: string | null }> {
  const passphrase = options.passphrase === '' ? undefined : options.passphrase;
  const iterations = passphrase === undefined ? 0 : (options.iterations ?? E2E_PBKDF2_ITERATIONS);
  if (passphrase !== undefined) checkIterations(iterations);
  const material = await deriveMaterial(decodeSecret(options.linkSecret), passphrase, iterations);
  try {
    const fileRoot = (await hkdf(material, passphrase === undefined ? 'passdrop/e2e/v1/files' : 'passdrop/e2e/v1/files+passphrase', 'bits')) as Uint8Array;
    const accessProof = passphrase === undefined ? null : base64UrlEncode((await hkdf(material, 'passdrop/e2e/v1/access-proof', 'bits')) as Uint8Array);
    return { fileRoot, accessProof };
  } finally {
    material.fill(0);
  }
}

function additionalData(kind: E2eKind, header: Uint8Array): Uint8Array {
  return concat(encoder.encode(`passdrop/e2e/v${header[0]}|${kind}`), header.subarray(0, 6));
}

/**
 * Format 2's link proof: HKDF-SHA256(ikm = link secret, salt = 32 zero bytes, info = "passdrop/e2e/v2/link-proof"),
 * 32 bytes, base64url (43 characters). Sent at creation and with every reveal of a format-2 push; the server
 * keeps only its SHA-256 and spends no view without it, so a damaged or cut link (or a scanner that has the
 * URL without its fragment) cannot use a view. It is independent of the content key (another HKDF info).
 * Throws E2eError('malformed') when the link secret is not 32 bytes of base64url (a cut link).
 *
 * @example const linkProof = await linkProofFor(location.hash.slice(1));
 */
export async function linkProofFor(linkSecret: string): Promise<string> {
  const secret = decodeSecret(linkSecret);
  try {
    return base64UrlEncode((await hkdf(secret, 'passdrop/e2e/v2/link-proof', 'bits')) as Uint8Array);
  } finally {
    secret.fill(0);
  }
}

function checkIterations(iterations: number): void {
  if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
    throw new E2eError('malformed', `PBKDF2 iterations must be between ${MIN_ITERATIONS} and ${MAX_ITERATIONS}`);
  }
}

/**
 * Encrypts for the link `…#linkSecret` in format 2 (or 1 with `version: 1`, for test vectors only). Returns
 * the link proof to send to the server (format 2; null in format 1) and, with a passphrase, the access
 * proof (never the passphrase).
 *
 * @example const { ciphertext, linkProof, accessProof } = await sealE2e('hunter2', { kind: 'text', linkSecret: newLinkSecret() });
 */
export async function sealE2e(
  plaintext: Uint8Array | string,
  options: { kind: E2eKind; linkSecret: string; passphrase?: string; iterations?: number; version?: E2eVersion },
): Promise<{ ciphertext: string; accessProof: string | null; linkProof: string | null }> {
  const version = options.version ?? E2E_VERSION;
  const passphrase = options.passphrase === '' ? undefined : options.passphrase;
  const iterations = passphrase === undefined ? 0 : (options.iterations ?? E2E_PBKDF2_ITERATIONS);
  if (passphrase !== undefined) checkIterations(iterations);
  const { contentKey, accessProof } = await deriveKeys(decodeSecret(options.linkSecret), passphrase, iterations);
  const header = new Uint8Array(HEADER_LENGTH);
  header[0] = version;
  header[1] = passphrase === undefined ? 0 : FLAG_PASSPHRASE;
  new DataView(header.buffer).setUint32(2, iterations);
  header.set(globalThis.crypto.getRandomValues(new Uint8Array(IV_LENGTH)), 6);
  const data = typeof plaintext === 'string' ? encoder.encode(plaintext) : plaintext;
  const sealed = new Uint8Array(
    await subtle().encrypt(
      { name: 'AES-GCM', iv: header.subarray(6, HEADER_LENGTH) as BufferSource, additionalData: additionalData(options.kind, header) as BufferSource },
      contentKey,
      data as BufferSource,
    ),
  );
  const linkProof = version >= 2 ? await linkProofFor(options.linkSecret) : null;
  return { ciphertext: base64UrlEncode(concat(header, sealed)), accessProof, linkProof };
}

/** The proof a recipient sends the server to get the ciphertext of a passphrase-protected push. */
export async function accessProofFor(options: { linkSecret: string; passphrase: string; iterations?: number }): Promise<string> {
  const iterations = options.iterations ?? E2E_PBKDF2_ITERATIONS;
  checkIterations(iterations);
  return (await deriveKeys(decodeSecret(options.linkSecret), options.passphrase, iterations)).accessProof!;
}

function parseEnvelope(ciphertext: string): { header: Uint8Array; body: Uint8Array; passphrase: boolean; iterations: number; version: E2eVersion } {
  const bytes = base64UrlDecode(ciphertext);
  if (bytes.length < HEADER_LENGTH + TAG_LENGTH) throw new E2eError('malformed', 'the ciphertext is too short');
  if (!SUPPORTED_VERSIONS.has(bytes[0]!)) throw new E2eError('unsupported-version', `format version ${bytes[0]} is not supported`);
  const flags = bytes[1]!;
  if ((flags & ~FLAG_PASSPHRASE) !== 0) throw new E2eError('malformed', 'unknown flags');
  const iterations = new DataView(bytes.buffer, bytes.byteOffset).getUint32(2);
  const passphrase = (flags & FLAG_PASSPHRASE) !== 0;
  if (passphrase) checkIterations(iterations);
  else if (iterations !== 0) throw new E2eError('malformed', 'iterations without a passphrase');
  return { header: bytes.subarray(0, HEADER_LENGTH), body: bytes.subarray(HEADER_LENGTH), passphrase, iterations, version: bytes[0] as E2eVersion };
}

/**
 * The PBKDF2 iterations a ciphertext's header names (0 without a passphrase): what a recipient passes to
 * deriveE2eFileRoot for a file push, whose message envelope carries them.
 *
 * @throws E2eError ('malformed', 'unsupported-version')
 */
export function e2eEnvelopeIterations(ciphertext: string): number {
  return parseEnvelope(ciphertext).iterations;
}

export function e2eEnvelopeNeedsPassphrase(ciphertext: string): boolean {
  return parseEnvelope(ciphertext).passphrase;
}

/**
 * The format version of a ciphertext from its first byte (1 or 2), or undefined when it is not a
 * well-formed envelope. The server uses it to require a link proof for format 2 at creation.
 */
export function e2eEnvelopeVersion(ciphertext: string): E2eVersion | undefined {
  try {
    return parseEnvelope(ciphertext).version;
  } catch {
    return undefined;
  }
}

export async function openE2e(ciphertext: string, options: { kind: E2eKind; linkSecret: string; passphrase?: string }): Promise<Uint8Array> {
  const envelope = parseEnvelope(ciphertext);
  const passphrase = options.passphrase === '' ? undefined : options.passphrase;
  if (envelope.passphrase && passphrase === undefined) throw new E2eError('passphrase-required', 'this secret needs its passphrase');
  const { contentKey } = await deriveKeys(decodeSecret(options.linkSecret), envelope.passphrase ? passphrase : undefined, envelope.iterations);
  try {
    return new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: envelope.header.subarray(6, HEADER_LENGTH) as BufferSource, additionalData: additionalData(options.kind, envelope.header) as BufferSource },
        contentKey,
        envelope.body as BufferSource,
      ),
    );
  } catch {
    throw new E2eError('decrypt-failed', 'the link or the passphrase does not match this secret');
  }
}

/** openE2e, read as UTF-8 text exactly: a leading byte order mark is part of the secret (`ignoreBOM`), not stripped. */
export async function openE2eText(ciphertext: string, options: { kind: E2eKind; linkSecret: string; passphrase?: string }): Promise<string> {
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(await openE2e(ciphertext, options));
}

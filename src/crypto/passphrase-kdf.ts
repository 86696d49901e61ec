import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Passphrase verification and key derivation from one scrypt call (see docs/encryption.md).
 *
 * scrypt(NFC(passphrase), salt) gives 64 bytes: the first 32 are the verifier, stored in the record; the last
 * 32 are the passphrase key, never stored, which binds the push's envelope to the passphrase. Knowing the
 * record (and so the verifier) tells nothing about the passphrase key beyond what guessing the passphrase does.
 *
 * Record format: scrypt$1$<logN>$<r>$<p>$<salt base64url>$<verifier base64url>, e.g.
 * scrypt$1$15$8$1$<22 characters>$<43 characters>. The parameters travel with the record, so they can be
 * raised later without breaking existing records.
 */

const RECORD_SCHEME = 'scrypt';
const RECORD_VERSION = '1';

/** Parameters for new records: N = 2^15, r = 8, p = 1 needs 32 MiB of memory. */
const DEFAULT_LOG_N = 15;
const DEFAULT_R = 8;
const DEFAULT_P = 1;
const MAX_MEMORY = 64 * 1024 * 1024;
const SALT_LENGTH = 16;
const VERIFIER_LENGTH = 32;
const KEY_LENGTH = 32;

/** Bounds on the parameters accepted from a record, so a corrupt record cannot demand absurd work. */
const LOG_N_RANGE = [10, 20] as const;
const R_RANGE = [1, 32] as const;
const P_RANGE = [1, 16] as const;

interface ScryptParameters {
  readonly logN: number;
  readonly r: number;
  readonly p: number;
}

/**
 * Makes the stored record for a new passphrase and the passphrase key to seal the envelope with.
 * The caller should zero the key (key.fill(0)) once the envelope is sealed.
 *
 * @example
 * const { record, key } = await createPassphraseRecord('correct horse battery staple');
 */
export async function createPassphraseRecord(passphrase: string): Promise<{ record: string; key: Buffer }> {
  if (typeof passphrase !== 'string' || passphrase === '') throw new RangeError('a passphrase must be a non-empty string');
  const parameters: ScryptParameters = { logN: DEFAULT_LOG_N, r: DEFAULT_R, p: DEFAULT_P };
  const salt = randomBytes(SALT_LENGTH);
  const derived = await derive(passphrase, salt, parameters);
  try {
    const verifier = derived.subarray(0, VERIFIER_LENGTH);
    const key = Buffer.from(derived.subarray(VERIFIER_LENGTH));
    const record = [
      RECORD_SCHEME,
      RECORD_VERSION,
      String(parameters.logN),
      String(parameters.r),
      String(parameters.p),
      salt.toString('base64url'),
      verifier.toString('base64url'),
    ].join('$');
    return { record, key };
  } finally {
    derived.fill(0);
  }
}

/**
 * Checks a passphrase against a stored record in constant time and, when it matches, returns the passphrase key.
 *
 * @throws Error when the record is malformed or asks for parameters outside the accepted bounds.
 */
export async function verifyPassphrase(passphrase: string, record: string): Promise<{ ok: true; key: Buffer } | { ok: false }> {
  const parsed = parseRecord(record);
  const derived = await derive(typeof passphrase === 'string' ? passphrase : '', parsed.salt, parsed);
  try {
    const candidate = derived.subarray(0, VERIFIER_LENGTH);
    if (!timingSafeEqual(candidate, parsed.verifier)) return { ok: false };
    return { ok: true, key: Buffer.from(derived.subarray(VERIFIER_LENGTH)) };
  } finally {
    derived.fill(0);
  }
}

function derive(passphrase: string, salt: Buffer, parameters: ScryptParameters): Promise<Buffer> {
  const password = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  const options: ScryptOptions = { N: 2 ** parameters.logN, r: parameters.r, p: parameters.p, maxmem: MAX_MEMORY };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, VERIFIER_LENGTH + KEY_LENGTH, options, (error, derived) => {
      password.fill(0);
      if (error) reject(error);
      else resolve(derived);
    });
  });
}

function parseRecord(record: string): ScryptParameters & { salt: Buffer; verifier: Buffer } {
  const parts = typeof record === 'string' ? record.split('$') : [];
  if (parts.length !== 7) throw malformed('it does not have seven $-separated parts');
  const [scheme, version, logNText, rText, pText, saltText, verifierText] = parts as [string, string, string, string, string, string, string];
  if (scheme !== RECORD_SCHEME) throw malformed('it is not an scrypt record');
  if (version !== RECORD_VERSION) throw malformed('its version is not 1');
  const logN = parseBoundedInteger(logNText, LOG_N_RANGE, 'logN');
  const r = parseBoundedInteger(rText, R_RANGE, 'r');
  const p = parseBoundedInteger(pText, P_RANGE, 'p');
  // OpenSSL needs 128 * r * (N + 2) bytes for V plus 128 * r * p for B.
  if (128 * r * (2 ** logN + 2) + 128 * r * p > MAX_MEMORY) throw malformed('its parameters need more memory than allowed');
  const salt = parseBase64Url(saltText, 'salt');
  if (salt.length < SALT_LENGTH) throw malformed(`its salt is shorter than ${SALT_LENGTH} bytes`);
  const verifier = parseBase64Url(verifierText, 'verifier');
  if (verifier.length !== VERIFIER_LENGTH) throw malformed(`its verifier is not ${VERIFIER_LENGTH} bytes`);
  return { logN, r, p, salt, verifier };
}

function parseBoundedInteger(text: string, [min, max]: readonly [number, number], name: string): number {
  if (!/^[1-9][0-9]{0,5}$/.test(text)) throw malformed(`its ${name} is not a whole number`);
  const value = Number(text);
  if (value < min || value > max) throw malformed(`its ${name} is outside ${min}-${max}`);
  return value;
}

function parseBase64Url(text: string, name: string): Buffer {
  const bytes = /^[A-Za-z0-9_-]+$/.test(text) ? Buffer.from(text, 'base64url') : undefined;
  if (!bytes || bytes.toString('base64url') !== text) throw malformed(`its ${name} is not canonical base64url`);
  return bytes;
}

/** The message names the problem but never repeats the record, which holds the salt and verifier. */
function malformed(problem: string): Error {
  return new Error(`malformed passphrase record: ${problem}`);
}

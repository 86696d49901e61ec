import { createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { openEnvelope, sealEnvelope, type EnvelopeContext } from '../crypto/envelope.js';
import type { MasterKeyRing } from '../crypto/master-key-ring.js';

const PERIOD_SECONDS = 30;
const BACKUP_CODE_COUNT = 10;
/** Lower-case letters and digits without l, o, 0 and 1 (look-alikes): 32 symbols, 5 bits each. */
const BACKUP_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

function totpFor(secretBase32: string, label = 'account', issuer = 'Passdrop'): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });
}

/** A new 160-bit TOTP secret (RFC 4226's recommended length), base32 as authenticator apps expect. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` URI an authenticator app scans. */
export function totpUri(secretBase32: string, email: string, issuer: string): string {
  return totpFor(secretBase32, email, issuer).toString();
}

/**
 * The 30-second step a code is valid for (the current step or one either side, for clock drift), or
 * undefined. The caller stores the step and refuses any step not later than it: a code works once.
 */
export function totpStep(secretBase32: string, code: string, now: number): number | undefined {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return undefined;
  const delta = totpFor(secretBase32).validate({ token, timestamp: now, window: 1 });
  return delta === null ? undefined : Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
}

/** The code an authenticator would show at `now` (for tests and the CLI). */
export function totpCode(secretBase32: string, now: number): string {
  return totpFor(secretBase32).generate({ timestamp: now });
}

/** Ten single-use backup codes of 80 bits each, written as four groups of four, for example `k7rm-2qxa-…`. */
export function newBackupCodes(): string[] {
  return Array.from({ length: BACKUP_CODE_COUNT }, () => {
    // 32 symbols divide 256, so taking each byte modulo 32 is unbiased.
    const symbols = [...randomBytes(16)].map((byte) => BACKUP_ALPHABET[byte % 32]).join('');
    return symbols.match(/.{4}/g)!.join('-');
  });
}

/** Backup codes carry 80 bits, so a plain SHA-256 digest cannot be reversed by guessing. */
export function backupCodeDigest(code: string): string {
  const normalized = code.toLowerCase().replace(/[^a-z0-9]/g, '');
  return createHash('sha256').update(normalized).digest('base64url');
}

/** Whether what someone typed looks like a backup code rather than a TOTP code. */
export function looksLikeBackupCode(code: string): boolean {
  return code.replace(/[^a-zA-Z0-9]/g, '').length === 16;
}

/** Where a user's TOTP secret is bound in its envelope (the associated data), so it opens only for that user. */
export function totpEnvelopeContext(userId: number): EnvelopeContext {
  return { pushToken: `user:${userId}`, field: 'totp' };
}

/** The TOTP secret must be read back to check codes, so it is sealed with the master key rather than hashed. */
export function sealTotpSecret(secretBase32: string, keys: MasterKeyRing, userId: number): Buffer {
  return sealEnvelope(Buffer.from(secretBase32, 'utf8'), keys.current, totpEnvelopeContext(userId));
}

export function openTotpSecret(envelope: Buffer, keys: MasterKeyRing, userId: number): string {
  return openEnvelope(envelope, keys, totpEnvelopeContext(userId)).toString('utf8');
}

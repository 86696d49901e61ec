import { createHash } from 'node:crypto';

/**
 * The stored form of a random bearer secret (API token, session cookie, email link, first-run code):
 * SHA-256, base64url. These secrets carry at least 128 bits from the CSPRNG, so a fast hash is enough;
 * there is nothing to guess. Passwords, which people choose, go through the scrypt KDF instead.
 *
 * @example tokenDigest(randomToken(32)) // 43 characters of [A-Za-z0-9_-]
 */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

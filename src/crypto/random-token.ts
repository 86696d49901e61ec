import { secureRandomBytes } from './secure-random.js';

/**
 * A URL-safe random token from the CSPRNG. 16 bytes (128 bits) give 22 characters; the length is fixed
 * for a given byte count, so tokens never leak anything through their size.
 *
 * @example randomToken(16) // 'q3Jx2k…' (22 characters of [A-Za-z0-9_-])
 */
export function randomToken(bytes = 16): string {
  if (bytes < 16) throw new RangeError('tokens need at least 128 bits');
  return secureRandomBytes(bytes).toString('base64url');
}

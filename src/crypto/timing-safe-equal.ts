import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets in constant time, whatever their lengths: both sides are hashed first so the
 * comparison never short-circuits on a length difference.
 *
 * @example timingSafeEqualText(provided, expected) // true or false
 */
export function timingSafeEqualText(a: string | Buffer, b: string | Buffer): boolean {
  const digestA = createHash('sha256').update(a).digest();
  const digestB = createHash('sha256').update(b).digest();
  return timingSafeEqual(digestA, digestB);
}

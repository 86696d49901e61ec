import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

/**
 * Bytes from the CSPRNG, served from a pool refilled 4 KiB at a time (as Node does for randomUUID):
 * a create needs five small random values, and one OpenSSL call per value cost more than the rest of
 * the crypto. Served bytes are copied out and zeroed in the pool, so nothing is handed out twice.
 *
 * @example const key = secureRandomBytes(32);
 */
export function secureRandomBytes(length: number): Buffer {
  if (length > POOL_SIZE / 4) return randomFillSync(Buffer.alloc(length));
  if (offset + length > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + length));
  pool.fill(0, offset, offset + length);
  offset += length;
  return bytes;
}

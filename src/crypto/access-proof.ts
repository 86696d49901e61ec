import { createHash } from 'node:crypto';
import { timingSafeEqualText } from './timing-safe-equal.js';

const PREFIX = 'proof-sha256$';
const PROOF_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * End-to-end pushes protect their ciphertext with an access proof that the browser derives from the
 * passphrase and the link secret (docs/e2e-encryption.md). It has 256 bits of entropy the server never
 * sees, so a fast hash suffices: the database alone cannot be used to guess the passphrase.
 *
 * @example accessProofRecord('q3Jx…') // 'proof-sha256$…'
 */
export function isWellFormedAccessProof(proof: string): boolean {
  return PROOF_PATTERN.test(proof);
}

export function accessProofRecord(proof: string): string {
  return `${PREFIX}${createHash('sha256').update(proof).digest('base64url')}`;
}

export function isAccessProofRecord(record: string): boolean {
  return record.startsWith(PREFIX);
}

/** Constant-time check of a presented proof against a stored record. */
export function verifyAccessProof(proof: string, record: string): boolean {
  return timingSafeEqualText(accessProofRecord(proof), record);
}

import { createPassphraseRecord, verifyPassphrase } from '../crypto/passphrase-kdf.js';
import { randomToken } from '../crypto/random-token.js';

/** An account password's stored verifier (the scrypt KDF of passphrase-kdf.ts; the derived key is discarded). */
export async function hashPassword(password: string): Promise<string> {
  const { record, key } = await createPassphraseRecord(password);
  key.fill(0);
  return record;
}

/** A verifier that no password matches, so an unknown account costs as much time as a known one. */
let decoyRecord: Promise<string> | undefined;

/** Whether the password matches the verifier; a missing verifier is checked against a decoy and never matches. */
export async function passwordMatches(password: string, record: string | null): Promise<boolean> {
  decoyRecord ??= hashPassword(randomToken(16));
  const result = await verifyPassphrase(password, record ?? (await decoyRecord));
  if (!result.ok) return false;
  result.key.fill(0);
  return record !== null;
}

import { randomToken } from '../crypto/random-token.js';
import { tokenDigest } from '../crypto/token-digest.js';

const TOKEN_PREFIX = 'pd_';
/** The part of a token shown in lists so people can tell their tokens apart; never enough to use it. */
const VISIBLE_LENGTH = 10;

/**
 * A new API token: 256 bits from the CSPRNG behind a recognisable prefix (so secret scanners can spot
 * leaked ones). Only its SHA-256 hash and its first characters are stored.
 *
 * @example const { token, prefix, hash } = newApiToken(); // token shown once, hash stored
 */
export function newApiToken(): { token: string; prefix: string; hash: string } {
  const token = `${TOKEN_PREFIX}${randomToken(32)}`;
  return { token, prefix: token.slice(0, VISIBLE_LENGTH), hash: tokenDigest(token) };
}

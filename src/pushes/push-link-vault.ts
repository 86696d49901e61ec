import { openEnvelope, rewrapEnvelope, sealEnvelope } from '../crypto/envelope.js';
import type { MasterKeyRing } from '../crypto/master-key-ring.js';
import { tokenDigest } from '../crypto/token-digest.js';

/**
 * How a push's link token is kept at rest (issue 12, item 6): the `link_digest` column holds its
 * SHA-256 digest for look-ups (src/crypto/token-digest.ts), and `link_envelope` holds the token sealed
 * with the master key (src/crypto/envelope.ts), so the owner's dashboard can show the link again and
 * `rotate-keys` can re-wrap the payload envelopes, whose associated data names the token. A database
 * dump alone holds neither a live link nor the means to open one.
 *
 * The link envelope's own context is `{ pushToken: digest, field: 'link' }`: it can be opened and
 * re-wrapped from what is stored, and it is bound to its row's digest (a sealed link moved to another
 * row does not open).
 */
export interface PushLinkVault {
  /** The look-up digest of a link token (43 base64url characters). */
  digest(token: string): string;
  /** The link token sealed under the current master key, for `link_envelope`. */
  seal(token: string): Buffer;
  /** The link token from its envelope and digest; throws EnvelopeError if they do not belong together. */
  open(envelope: Buffer, digest: string): string;
  /** The envelope re-wrapped under the current master key (unchanged when it already is). */
  rewrap(envelope: Buffer, digest: string): Buffer;
}

const LINK_FIELD = 'link';

export function createPushLinkVault(keys: MasterKeyRing): PushLinkVault {
  return {
    digest: tokenDigest,
    seal: (token) => sealEnvelope(Buffer.from(token, 'utf8'), keys.current, { pushToken: tokenDigest(token), field: LINK_FIELD }),
    open: (envelope, digest) => openEnvelope(envelope, keys, { pushToken: digest, field: LINK_FIELD }).toString('utf8'),
    rewrap: (envelope, digest) => rewrapEnvelope(envelope, keys, { pushToken: digest, field: LINK_FIELD }),
  };
}

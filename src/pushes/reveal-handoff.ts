import { openEnvelope, sealEnvelope } from '../crypto/envelope.js';
import type { MasterKeyRing } from '../crypto/master-key-ring.js';
import { randomToken } from '../crypto/random-token.js';
import { tokenDigest } from '../crypto/token-digest.js';
import type { PushRecord } from './push-record.js';
import type { RevealHandoffStore } from './reveal-handoff-store.js';

/** How long a revealed payload waits for the GET after the reveal form's POST: 60 000 ms. */
export const REVEAL_HANDOFF_MS = 60_000;

/**
 * Post/redirect/get for the server's reveal form: the POST uses the view and holds the payload; the
 * browser follows a 303 to a GET page that takes it. A refresh then reloads a GET (no "send the form
 * again?" that would use another view). The payload is held sealed under the master key (envelope
 * field `reveal-handoff`, so it cannot pass for a push's payload), found by the digest of a 256-bit
 * handle that only the browser has, taken once, and gone after REVEAL_HANDOFF_MS whatever happens.
 */
export interface RevealHandoff {
  /** Holds `payload` of `push`; answers the handle (43 base64url characters) for the browser to carry. */
  hold(push: PushRecord, payload: string): Promise<string>;
  /** The payload held under `handle` for the push `token`, deleted as it is read; undefined when taken, run out or unknown. */
  take(token: string, handle: string): Promise<string | undefined>;
}

export function createRevealHandoff({ store, keys, clock }: { store: RevealHandoffStore; keys: MasterKeyRing; clock: () => number }): RevealHandoff {
  const context = (token: string) => ({ pushToken: token, field: 'reveal-handoff' });
  return {
    async hold(push, payload) {
      const handle = randomToken(32);
      const now = clock();
      const payloadEnvelope = sealEnvelope(Buffer.from(payload, 'utf8'), keys.current, context(push.token));
      await store.hold({ pushId: push.id, handleDigest: tokenDigest(handle), payloadEnvelope, expiresAt: now + REVEAL_HANDOFF_MS, now });
      return handle;
    },

    async take(token, handle) {
      if (!/^[A-Za-z0-9_-]{43}$/.test(handle)) return undefined;
      const envelope = await store.take(token, tokenDigest(handle), clock());
      return envelope === undefined ? undefined : openEnvelope(envelope, keys, context(token)).toString('utf8');
    },
  };
}

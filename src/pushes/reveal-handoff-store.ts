import { tokenDigest } from '../crypto/token-digest.js';
import type { Database } from '../storage/open-database.js';

/**
 * Revealed payloads held between the reveal form's POST and the GET it redirects to (post/redirect/get).
 * Rows hold only a sealed envelope and the digest of the browser's handle. Also a sweepable for the
 * expiry sweeper, which deletes holds nobody took.
 */
export interface RevealHandoffStore {
  hold(input: { pushId: number; handleDigest: string; payloadEnvelope: Buffer; expiresAt: number; now: number }): Promise<void>;
  /** Deletes and returns the envelope held under `handleDigest` for the push `token`, if it has not run out. */
  take(token: string, handleDigest: string, now: number): Promise<Buffer | undefined>;
  /** Deletes up to `limit` holds that ran out; answers how many. */
  sweepTimeExpired(now: number, limit: number): Promise<number>;
  /** Nothing to purge later: a hold is deleted when it runs out. Answers 0. */
  purgeExpiredBefore(cutoff: number, limit: number): Promise<number>;
}

export function createRevealHandoffStore(db: Database): RevealHandoffStore {
  return {
    async hold({ pushId, handleDigest, payloadEnvelope, expiresAt, now }) {
      await db.db.insertInto('reveal_handoffs').values({ push_id: pushId, handle_digest: handleDigest, payload_envelope: payloadEnvelope, expires_at: expiresAt, created_at: now }).execute();
    },

    async take(token, handleDigest, now) {
      // One statement: two GETs racing with the same handle cannot both get the payload.
      const row = await db.db
        .deleteFrom('reveal_handoffs')
        .where('handle_digest', '=', handleDigest)
        .where('expires_at', '>', now)
        .where('push_id', '=', (eb) => eb.selectFrom('pushes').select('pushes.id').where('pushes.link_digest', '=', tokenDigest(token)))
        .returning('payload_envelope')
        .executeTakeFirst();
      return row === undefined ? undefined : Buffer.from(row.payload_envelope);
    },

    async sweepTimeExpired(now, limit) {
      const result = await db.db
        .deleteFrom('reveal_handoffs')
        .where('id', 'in', (eb) => eb.selectFrom('reveal_handoffs').select('id').where('expires_at', '<=', now).limit(limit))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async purgeExpiredBefore() {
      return 0;
    },
  };
}

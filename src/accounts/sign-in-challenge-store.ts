import type { Database } from '../storage/open-database.js';

/** What a challenge is for: an OIDC redirect, or a WebAuthn ceremony (registration, or authentication). */
export type ChallengePurpose = 'oidc' | 'passkey_register' | 'passkey_sign_in' | 'passkey_second_factor';

/**
 * Sign-ins in flight: an OIDC redirect's state, nonce and PKCE verifier, or a WebAuthn challenge. The
 * browser holds a random cookie value; only its SHA-256 is stored, so any process can finish what
 * another began. A challenge is used once (`take` deletes it) and lasts ten minutes at most.
 */
export interface SignInChallengeStore {
  put(challenge: { tokenHash: string; purpose: ChallengePurpose; data: string; expiresAt: number }): Promise<void>;
  /** Deletes and answers the live challenge behind a token hash (one statement: two requests cannot both take it). */
  take(tokenHash: string, purpose: ChallengePurpose, now: number): Promise<string | undefined>;
  purgeExpired(now: number): Promise<number>;
}

export function createSignInChallengeStore(database: Database): SignInChallengeStore {
  const { db } = database;
  return {
    async put({ tokenHash, purpose, data, expiresAt }) {
      await db.insertInto('sign_in_challenges').values({ token_hash: tokenHash, purpose, data, expires_at: expiresAt }).execute();
    },
    async take(tokenHash, purpose, now) {
      const row = await db
        .deleteFrom('sign_in_challenges')
        .where('token_hash', '=', tokenHash)
        .where('purpose', '=', purpose)
        .returning(['data', 'expires_at'])
        .executeTakeFirst();
      if (!row || Number(row.expires_at) <= now) return undefined;
      return row.data;
    },
    async purgeExpired(now) {
      const result = await db.deleteFrom('sign_in_challenges').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

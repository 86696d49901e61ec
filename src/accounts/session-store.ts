import type { Database } from '../storage/open-database.js';
import { toUser, type UserRecord } from './account-store.js';

export interface SessionRecord {
  readonly id: number;
  readonly userId: number;
  readonly csrfToken: string;
  /** The password was right; the second factor is still owed. */
  readonly mfaPending: boolean;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
  /** How it was signed in: `password`, `passkey` or `sso:<provider id>`. */
  readonly signInMethod: string;
}

export interface SessionStore {
  create(session: { tokenHash: string; userId: number; csrfToken: string; mfaPending: boolean; ip: string | null; userAgent: string | null; now: number; expiresAt: number; signInMethod?: string }): Promise<SessionRecord>;
  /** The live session behind a token hash and its user; slides its expiry at most once a minute. */
  find(tokenHash: string, now: number, idleMs: number): Promise<{ session: SessionRecord; user: UserRecord } | undefined>;
  delete(sessionId: number): Promise<void>;
  /** Ends every session of the user except `keepSessionId` (after a password change, for example). */
  deleteForUser(userId: number, keepSessionId?: number): Promise<number>;
  purgeExpired(now: number): Promise<number>;
}

export function createSessionStore(database: Database): SessionStore {
  const { db } = database;
  return {
    async create({ tokenHash, userId, csrfToken, mfaPending, ip, userAgent, now, expiresAt, signInMethod = 'password' }) {
      const row = await db
        .insertInto('sessions')
        .values({ token_hash: tokenHash, user_id: userId, csrf_token: csrfToken, mfa_pending: mfaPending ? 1 : 0, ip, user_agent: userAgent, created_at: now, last_seen_at: now, expires_at: expiresAt, sign_in_method: signInMethod })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toSession(row);
    },

    async find(tokenHash, now, idleMs) {
      const row = await db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .selectAll('users')
        .select([
          'sessions.id as session_id',
          'sessions.user_id',
          'sessions.csrf_token',
          'sessions.mfa_pending',
          'sessions.created_at as session_created_at',
          'sessions.last_seen_at',
          'sessions.expires_at as session_expires_at',
          'sessions.sign_in_method',
        ])
        .where('sessions.token_hash', '=', tokenHash)
        .where('sessions.expires_at', '>', now)
        .executeTakeFirst();
      if (!row) return undefined;
      let expiresAt = Number(row.session_expires_at);
      if (Number(row.last_seen_at) < now - 60_000) {
        expiresAt = now + idleMs;
        await db.updateTable('sessions').set({ last_seen_at: now, expires_at: expiresAt }).where('id', '=', row.session_id).execute();
      }
      const session = toSession({ ...row, id: row.session_id, created_at: row.session_created_at, expires_at: expiresAt });
      return { session, user: toUser(row) };
    },

    async delete(sessionId) {
      await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
    },

    async deleteForUser(userId, keepSessionId) {
      const result = await db
        .deleteFrom('sessions')
        .where('user_id', '=', userId)
        .$if(keepSessionId !== undefined, (query) => query.where('id', '!=', keepSessionId!))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async purgeExpired(now) {
      const result = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toSession(row: { id: number; user_id: number; csrf_token: string; mfa_pending: number; created_at: number; last_seen_at: number; expires_at: number; sign_in_method: string }): SessionRecord {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    csrfToken: row.csrf_token,
    mfaPending: row.mfa_pending === 1,
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    expiresAt: Number(row.expires_at),
    signInMethod: row.sign_in_method,
  };
}

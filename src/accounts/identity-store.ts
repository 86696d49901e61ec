import type { Database } from '../storage/open-database.js';

/** An account's link to an identity provider: the provider's id (from configuration) and the ID token's `sub`. */
export interface IdentityRecord {
  readonly id: number;
  readonly userId: number;
  readonly provider: string;
  readonly subject: string;
  /** The address the provider gave when the identity was linked (or last used). */
  readonly email: string | null;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

export interface IdentityStore {
  find(provider: string, subject: string): Promise<IdentityRecord | undefined>;
  /** Links an identity to an account; 'taken' when that identity already belongs to an account. */
  link(identity: { userId: number; provider: string; subject: string; email: string | null; now: number }): Promise<IdentityRecord | 'taken'>;
  /** Notes a sign-in through the identity (and the address the provider gave this time). */
  recordUse(id: number, email: string | null, now: number): Promise<void>;
  listForUser(userId: number): Promise<IdentityRecord[]>;
  /** Identity providers per account, for the admin's list of users: user id → provider ids. */
  providersByUser(userIds: readonly number[]): Promise<Map<number, string[]>>;
}

export function createIdentityStore(database: Database): IdentityStore {
  const { db } = database;
  return {
    async find(provider, subject) {
      const row = await db.selectFrom('user_identities').selectAll().where('provider', '=', provider).where('subject', '=', subject).executeTakeFirst();
      return row ? toIdentity(row) : undefined;
    },
    async link({ userId, provider, subject, email, now }) {
      const row = await db
        .insertInto('user_identities')
        .values({ user_id: userId, provider, subject, email, created_at: now, last_used_at: now })
        .onConflict((conflict) => conflict.columns(['provider', 'subject']).doNothing())
        .returningAll()
        .executeTakeFirst();
      return row ? toIdentity(row) : 'taken';
    },
    async recordUse(id, email, now) {
      await db.updateTable('user_identities').set({ last_used_at: now, email }).where('id', '=', id).execute();
    },
    async listForUser(userId) {
      const rows = await db.selectFrom('user_identities').selectAll().where('user_id', '=', userId).orderBy('id').execute();
      return rows.map(toIdentity);
    },
    async providersByUser(userIds) {
      const result = new Map<number, string[]>();
      if (userIds.length === 0) return result;
      const rows = await db.selectFrom('user_identities').select(['user_id', 'provider']).where('user_id', 'in', [...userIds]).orderBy('id').execute();
      for (const row of rows) {
        const list = result.get(Number(row.user_id)) ?? [];
        list.push(row.provider);
        result.set(Number(row.user_id), list);
      }
      return result;
    },
  };
}

function toIdentity(row: { id: number; user_id: number; provider: string; subject: string; email: string | null; created_at: number; last_used_at: number | null }): IdentityRecord {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    provider: row.provider,
    subject: row.subject,
    email: row.email,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

import type { Selectable } from 'kysely';
import type { ApiTokensTable, UsersTable } from '../storage/database-schema.js';
import type { Database } from '../storage/open-database.js';

export interface UserRecord {
  readonly id: number;
  readonly email: string;
  readonly passwordRecord: string | null;
  readonly admin: boolean;
  readonly disabled: boolean;
  readonly createdAt: number;
}

export interface ApiTokenRecord {
  readonly id: number;
  readonly userId: number;
  readonly name: string;
  readonly prefix: string;
  readonly expiresAt: number | null;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
  readonly createdAt: number;
}

export interface AccountStore {
  createUser(user: { email: string; passwordRecord: string | null; admin: boolean; now: number }): Promise<UserRecord | 'email_taken'>;
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  countUsers(): Promise<number>;
  createApiToken(token: { userId: number; name: string; prefix: string; hash: string; expiresAt: number | null; now: number }): Promise<ApiTokenRecord>;
  /** The user behind a live token (not revoked, not expired, user not disabled); notes its use at most once a minute. */
  authenticateToken(hash: string, now: number): Promise<{ user: UserRecord; token: ApiTokenRecord } | undefined>;
  listApiTokens(userId: number): Promise<ApiTokenRecord[]>;
  revokeApiToken(userId: number, tokenId: number, now: number): Promise<boolean>;
}

/** Emails are compared without regard to case: one account per mailbox. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function createAccountStore(database: Database): AccountStore {
  const { db } = database;
  return {
    async createUser({ email, passwordRecord, admin, now }) {
      const row = await db
        .insertInto('users')
        .values({ email: normalizeEmail(email), password_record: passwordRecord, admin: admin ? 1 : 0, created_at: now, updated_at: now })
        .onConflict((conflict) => conflict.column('email').doNothing())
        .returningAll()
        .executeTakeFirst();
      return row ? toUser(row) : 'email_taken';
    },

    async findUserByEmail(email) {
      const row = await db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
      return row ? toUser(row) : undefined;
    },

    async countUsers() {
      const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async createApiToken({ userId, name, prefix, hash, expiresAt, now }) {
      const row = await db
        .insertInto('api_tokens')
        .values({ user_id: userId, name, prefix, token_hash: hash, expires_at: expiresAt, created_at: now })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toToken(row);
    },

    async authenticateToken(hash, now) {
      const row = await db
        .selectFrom('api_tokens')
        .innerJoin('users', 'users.id', 'api_tokens.user_id')
        .selectAll('api_tokens')
        .select(['users.email', 'users.password_record', 'users.admin', 'users.disabled', 'users.created_at as user_created_at'])
        .where('api_tokens.token_hash', '=', hash)
        .where('api_tokens.revoked_at', 'is', null)
        .where((eb) => eb.or([eb('api_tokens.expires_at', 'is', null), eb('api_tokens.expires_at', '>', now)]))
        .where('users.disabled', '=', 0)
        .executeTakeFirst();
      if (!row) return undefined;
      if (row.last_used_at === null || Number(row.last_used_at) < now - 60_000) {
        await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
      }
      return {
        token: toToken(row),
        user: { id: Number(row.user_id), email: row.email, passwordRecord: row.password_record, admin: row.admin === 1, disabled: false, createdAt: Number(row.user_created_at) },
      };
    },

    async listApiTokens(userId) {
      const rows = await db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('id').execute();
      return rows.map(toToken);
    },

    async revokeApiToken(userId, tokenId, now) {
      const result = await db
        .updateTable('api_tokens')
        .set({ revoked_at: now })
        .where('id', '=', tokenId)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

function toUser(row: Selectable<UsersTable>): UserRecord {
  return {
    id: Number(row.id),
    email: row.email,
    passwordRecord: row.password_record,
    admin: row.admin === 1,
    disabled: row.disabled === 1,
    createdAt: Number(row.created_at),
  };
}

function toToken(row: Selectable<ApiTokensTable>): ApiTokenRecord {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    name: row.name,
    prefix: row.prefix,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    createdAt: Number(row.created_at),
  };
}

import { sql, type Selectable } from 'kysely';
import { writeTransaction } from '../storage/write-transaction.js';
import type { ApiTokensTable, UsersTable } from '../storage/database-schema.js';
import type { Database } from '../storage/open-database.js';

export interface UserRecord {
  readonly id: number;
  readonly email: string;
  readonly passwordRecord: string | null;
  readonly admin: boolean;
  readonly disabled: boolean;
  readonly createdAt: number;
  readonly emailConfirmedAt: number | null;
  readonly twoFactorEnabled: boolean;
  readonly lockedUntil: number | null;
  readonly lastSignInAt: number | null;
  /**
   * Registered passkeys (kept by the passkey store). Each can sign in alone, or stand in for the TOTP code at a
   * password sign-in of an account with TOTP; under PASSDROP_MFA_SATISFIED_BY=passkey one satisfies PASSDROP_REQUIRE_MFA.
   */
  readonly passkeyCount: number;
}

/** A user as the admin pages list them. */
export interface UserSummary extends UserRecord {
  readonly pushCount: number;
}

export type EmailTokenPurpose = 'confirm' | 'change_email' | 'reset';

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
  createUser(user: { email: string; passwordRecord: string | null; admin: boolean; confirmed: boolean; now: number }): Promise<UserRecord | 'email_taken'>;
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  findUserById(id: number): Promise<UserRecord | undefined>;
  countUsers(): Promise<number>;
  /** Counts a wrong password or code; at `maxFailures` in a row the account locks until `now + lockoutMs`. */
  recordSignInFailure(userId: number, now: number, maxFailures: number, lockoutMs: number): Promise<{ lockedUntil: number | null }>;
  recordSignInSuccess(userId: number, now: number): Promise<void>;
  setPasswordRecord(userId: number, passwordRecord: string, now: number): Promise<void>;
  setEmail(userId: number, email: string, confirmed: boolean, now: number): Promise<'ok' | 'email_taken'>;
  /** Marks the address confirmed, only if it is still the account's address. */
  confirmEmail(userId: number, email: string, now: number): Promise<boolean>;
  readTotp(userId: number): Promise<{ envelope: Buffer; lastStep: number | null } | undefined>;
  /** Turns two-factor on (with its sealed secret and backup-code digests) or off (null: removes the codes too). */
  setTotp(userId: number, envelope: Buffer | null, backupCodeDigests: readonly string[], now: number): Promise<void>;
  /** Accepts a TOTP step only if it is later than every step accepted before: one atomic UPDATE, so a code works once. */
  acceptTotpStep(userId: number, step: number): Promise<boolean>;
  replaceBackupCodes(userId: number, digests: readonly string[]): Promise<void>;
  /** Uses an unused backup code; answers whether there was one. */
  consumeBackupCode(userId: number, digest: string, now: number): Promise<boolean>;
  countUnusedBackupCodes(userId: number): Promise<number>;
  createEmailToken(token: { hash: string; userId: number; purpose: EmailTokenPurpose; email: string; expiresAt: number; now: number }): Promise<void>;
  /** Uses a live email token once; answers its user and address. */
  consumeEmailToken(hash: string, purpose: EmailTokenPurpose, now: number): Promise<{ userId: number; email: string } | undefined>;
  /** Deletes email tokens that were used or have expired; answers how many. */
  purgeEmailTokens(now: number): Promise<number>;
  listUsers(page: { offset: number; limit: number }): Promise<UserSummary[]>;
  setAdmin(userId: number, admin: boolean, now: number): Promise<void>;
  setDisabled(userId: number, disabled: boolean, now: number): Promise<void>;
  deleteUser(userId: number): Promise<boolean>;
  /** Visits every sealed TOTP secret so `rotate-keys` can re-wrap it; answers how many changed. */
  rewrapTotpEnvelopes(rewrap: (envelope: Buffer, userId: number) => Buffer): Promise<number>;
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
    async createUser({ email, passwordRecord, admin, confirmed, now }) {
      const row = await db
        .insertInto('users')
        .values({
          email: normalizeEmail(email),
          password_record: passwordRecord,
          admin: admin ? 1 : 0,
          email_confirmed_at: confirmed ? now : null,
          created_at: now,
          updated_at: now,
        })
        .onConflict((conflict) => conflict.column('email').doNothing())
        .returningAll()
        .executeTakeFirst();
      return row ? toUser(row) : 'email_taken';
    },

    async findUserByEmail(email) {
      const row = await db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
      return row ? toUser(row) : undefined;
    },

    async findUserById(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
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
        .select([
          'users.email',
          'users.password_record',
          'users.admin',
          'users.created_at as user_created_at',
          'users.email_confirmed_at',
          'users.totp_envelope',
          'users.locked_until',
          'users.last_sign_in_at',
          'users.passkey_count',
        ])
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
        user: toUser({ ...row, id: row.user_id, disabled: 0, created_at: row.user_created_at }),
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

    async recordSignInFailure(userId, now, maxFailures, lockoutMs) {
      const row = await db
        .updateTable('users')
        .set({
          failed_sign_ins: sql`case when failed_sign_ins + 1 >= ${maxFailures} then 0 else failed_sign_ins + 1 end`,
          locked_until: sql`case when failed_sign_ins + 1 >= ${maxFailures} then cast(${now + lockoutMs} as bigint) else locked_until end`,
        })
        .where('id', '=', userId)
        .returning(['locked_until'])
        .executeTakeFirst();
      const lockedUntil = row?.locked_until === null || row?.locked_until === undefined ? null : Number(row.locked_until);
      return { lockedUntil: lockedUntil !== null && lockedUntil > now ? lockedUntil : null };
    },

    async recordSignInSuccess(userId, now) {
      await db.updateTable('users').set({ failed_sign_ins: 0, locked_until: null, last_sign_in_at: now }).where('id', '=', userId).execute();
    },

    async setPasswordRecord(userId, passwordRecord, now) {
      await db.updateTable('users').set({ password_record: passwordRecord, failed_sign_ins: 0, locked_until: null, updated_at: now }).where('id', '=', userId).execute();
    },

    async setEmail(userId, email, confirmed, now) {
      const normalized = normalizeEmail(email);
      const taken = await db.selectFrom('users').select('id').where('email', '=', normalized).where('id', '!=', userId).executeTakeFirst();
      if (taken) return 'email_taken';
      try {
        await db.updateTable('users').set({ email: normalized, email_confirmed_at: confirmed ? now : null, updated_at: now }).where('id', '=', userId).execute();
      } catch (error) {
        // Another request took the address between the check and the update: the UNIQUE constraint decides.
        if (await db.selectFrom('users').select('id').where('email', '=', normalized).where('id', '!=', userId).executeTakeFirst()) return 'email_taken';
        throw error;
      }
      return 'ok';
    },

    async confirmEmail(userId, email, now) {
      const result = await db
        .updateTable('users')
        .set({ email_confirmed_at: now, updated_at: now })
        .where('id', '=', userId)
        .where('email', '=', normalizeEmail(email))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async readTotp(userId) {
      const row = await db.selectFrom('users').select(['totp_envelope', 'totp_last_step']).where('id', '=', userId).executeTakeFirst();
      if (!row?.totp_envelope) return undefined;
      return { envelope: Buffer.from(row.totp_envelope), lastStep: row.totp_last_step === null ? null : Number(row.totp_last_step) };
    },

    async setTotp(userId, envelope, backupCodeDigests, now) {
      await writeTransaction(database, async (trx) => {
        await trx.updateTable('users').set({ totp_envelope: envelope, totp_last_step: null, updated_at: now }).where('id', '=', userId).execute();
        await trx.deleteFrom('backup_codes').where('user_id', '=', userId).execute();
        if (envelope !== null && backupCodeDigests.length > 0) {
          await trx.insertInto('backup_codes').values(backupCodeDigests.map((digest) => ({ user_id: userId, code_digest: digest }))).execute();
        }
      });
    },

    async acceptTotpStep(userId, step) {
      const result = await db
        .updateTable('users')
        .set({ totp_last_step: step })
        .where('id', '=', userId)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async replaceBackupCodes(userId, digests) {
      await writeTransaction(database, async (trx) => {
        await trx.deleteFrom('backup_codes').where('user_id', '=', userId).execute();
        if (digests.length > 0) await trx.insertInto('backup_codes').values(digests.map((digest) => ({ user_id: userId, code_digest: digest }))).execute();
      });
    },

    async consumeBackupCode(userId, digest, now) {
      const result = await db
        .updateTable('backup_codes')
        .set({ used_at: now })
        .where('user_id', '=', userId)
        .where('code_digest', '=', digest)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) >= 1;
    },

    async countUnusedBackupCodes(userId) {
      const row = await db
        .selectFrom('backup_codes')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async createEmailToken({ hash, userId, purpose, email, expiresAt, now }) {
      await db.insertInto('email_tokens').values({ token_hash: hash, user_id: userId, purpose, email: normalizeEmail(email), expires_at: expiresAt, created_at: now }).execute();
    },

    async consumeEmailToken(hash, purpose, now) {
      const row = await db
        .updateTable('email_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', hash)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning(['user_id', 'email'])
        .executeTakeFirst();
      return row ? { userId: Number(row.user_id), email: row.email } : undefined;
    },

    async purgeEmailTokens(now) {
      const result = await db
        .deleteFrom('email_tokens')
        .where((eb) => eb.or([eb('used_at', 'is not', null), eb('expires_at', '<=', now)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async listUsers({ offset, limit }) {
      const rows = await db
        .selectFrom('users')
        .selectAll('users')
        .select((eb) => eb.selectFrom('pushes').select((inner) => inner.fn.countAll<number>().as('n')).whereRef('pushes.owner_user_id', '=', 'users.id').as('push_count'))
        .orderBy('users.id')
        .offset(offset)
        .limit(limit)
        .execute();
      return rows.map((row) => ({ ...toUser(row), pushCount: Number(row.push_count ?? 0) }));
    },

    async setAdmin(userId, admin, now) {
      await db.updateTable('users').set({ admin: admin ? 1 : 0, updated_at: now }).where('id', '=', userId).execute();
    },

    async setDisabled(userId, disabled, now) {
      await writeTransaction(database, async (trx) => {
        await trx.updateTable('users').set({ disabled: disabled ? 1 : 0, updated_at: now }).where('id', '=', userId).execute();
        // A disabled account is signed out everywhere at once.
        if (disabled) await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
      });
    },

    async deleteUser(userId) {
      const result = await db.deleteFrom('users').where('id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    async rewrapTotpEnvelopes(rewrap) {
      let count = 0;
      const rows = await db.selectFrom('users').select(['id', 'totp_envelope']).where('totp_envelope', 'is not', null).execute();
      for (const row of rows) {
        const envelope = Buffer.from(row.totp_envelope!);
        const rewrapped = rewrap(envelope, Number(row.id));
        if (rewrapped === envelope || rewrapped.equals(envelope)) continue;
        await db.updateTable('users').set({ totp_envelope: rewrapped }).where('id', '=', row.id).execute();
        count += 1;
      }
      return count;
    },

  };
}

type UserRow = Pick<
  Selectable<UsersTable>,
  'id' | 'email' | 'password_record' | 'admin' | 'disabled' | 'created_at' | 'email_confirmed_at' | 'totp_envelope' | 'locked_until' | 'last_sign_in_at' | 'passkey_count'
>;

export function toUser(row: UserRow): UserRecord {
  return {
    id: Number(row.id),
    email: row.email,
    passwordRecord: row.password_record,
    admin: row.admin === 1,
    disabled: row.disabled === 1,
    createdAt: Number(row.created_at),
    emailConfirmedAt: row.email_confirmed_at === null ? null : Number(row.email_confirmed_at),
    twoFactorEnabled: row.totp_envelope !== null,
    lockedUntil: row.locked_until === null ? null : Number(row.locked_until),
    lastSignInAt: row.last_sign_in_at === null ? null : Number(row.last_sign_in_at),
    passkeyCount: Number(row.passkey_count),
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

import type { Database } from '../storage/open-database.js';
import { writeTransaction } from '../storage/write-transaction.js';

/** A passkey (WebAuthn credential) of an account: its credential id (base64url), COSE public key and counter. */
export interface PasskeyRecord {
  readonly id: number;
  readonly userId: number;
  /** The credential id, base64url as WebAuthn's JSON gives it. */
  readonly credentialId: string;
  readonly publicKey: Uint8Array;
  /** The signature counter last seen (0 for authenticators that keep none). */
  readonly counter: number;
  /** Transport hints (`internal`, `usb`, `hybrid`…) the authenticator reported. */
  readonly transports: readonly string[];
  /** The name its owner gave it ("Work laptop"). */
  readonly name: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

export interface PasskeyStore {
  listForUser(userId: number): Promise<PasskeyRecord[]>;
  findByCredentialId(credentialId: string): Promise<PasskeyRecord | undefined>;
  /** Stores a new passkey and counts it on the account (`users.passkey_count`); 'taken' when the credential id exists. */
  add(passkey: { userId: number; credentialId: string; publicKey: Uint8Array; counter: number; transports: readonly string[]; name: string; now: number }): Promise<PasskeyRecord | 'taken'>;
  /**
   * Records a sign-in with the passkey: the new counter, only if it still is the one the check was made
   * against (so two sign-ins racing with one counter value cannot both pass). Answers whether it was.
   */
  recordUse(id: number, expectedCounter: number, newCounter: number, now: number): Promise<boolean>;
  /** Removes one of the account's passkeys; answers whether it existed. */
  remove(userId: number, id: number): Promise<boolean>;
  /** Passkey counts per account, for the admin's list of users. */
  countsByUser(userIds: readonly number[]): Promise<Map<number, number>>;
}

type Row = {
  id: number;
  user_id: number;
  credential_id: string;
  public_key: Buffer | Uint8Array;
  counter: number | string;
  transports: string;
  name: string;
  created_at: number | string;
  last_used_at: number | string | null;
};

function toPasskey(row: Row): PasskeyRecord {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    credentialId: row.credential_id,
    publicKey: new Uint8Array(row.public_key),
    counter: Number(row.counter),
    transports: row.transports === '' ? [] : row.transports.split(' '),
    name: row.name,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

/** The passkey store on SQLite or PostgreSQL (table `passkeys`, migration 0008). */
export function createPasskeyStore(database: Database): PasskeyStore {
  const { db } = database;
  return {
    async listForUser(userId) {
      const rows = await db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('id').execute();
      return rows.map(toPasskey);
    },
    async findByCredentialId(credentialId) {
      const row = await db.selectFrom('passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
      return row ? toPasskey(row) : undefined;
    },
    async add({ userId, credentialId, publicKey, counter, transports, name, now }) {
      return writeTransaction(database, async (trx) => {
        const row = await trx
          .insertInto('passkeys')
          .values({ user_id: userId, credential_id: credentialId, public_key: Buffer.from(publicKey), counter, transports: transports.join(' '), name, created_at: now, last_used_at: null })
          .onConflict((conflict) => conflict.column('credential_id').doNothing())
          .returningAll()
          .executeTakeFirst();
        if (!row) return 'taken' as const;
        await trx.updateTable('users').set((eb) => ({ passkey_count: eb('passkey_count', '+', 1) })).where('id', '=', userId).execute();
        return toPasskey(row);
      });
    },
    async recordUse(id, expectedCounter, newCounter, now) {
      const result = await db.updateTable('passkeys').set({ counter: newCounter, last_used_at: now }).where('id', '=', id).where('counter', '=', expectedCounter).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async remove(userId, id) {
      return writeTransaction(database, async (trx) => {
        const result = await trx.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
        if (Number(result.numDeletedRows) !== 1) return false;
        await trx.updateTable('users').set((eb) => ({ passkey_count: eb('passkey_count', '-', 1) })).where('id', '=', userId).execute();
        return true;
      });
    },
    async countsByUser(userIds) {
      const result = new Map<number, number>();
      if (userIds.length === 0) return result;
      const rows = await db.selectFrom('passkeys').select(['user_id', (eb) => eb.fn.countAll().as('count')]).where('user_id', 'in', [...userIds]).groupBy('user_id').execute();
      for (const row of rows) result.set(Number(row.user_id), Number(row.count));
      return result;
    },
  };
}

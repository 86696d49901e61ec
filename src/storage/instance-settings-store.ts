import type { Database } from './open-database.js';

/** Small instance-wide values (for example the first-run code), shared by every process. */
export interface InstanceSettingsStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /** Stores the value only when the key is absent; answers whether this call stored it. */
  setIfAbsent(key: string, value: string): Promise<boolean>;
  delete(key: string): Promise<void>;
}

export function createInstanceSettingsStore(database: Database, now: () => number = Date.now): InstanceSettingsStore {
  const { db } = database;
  return {
    async get(key) {
      const row = await db.selectFrom('instance_settings').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value;
    },
    async set(key, value) {
      await db
        .insertInto('instance_settings')
        .values({ key, value, updated_at: now() })
        .onConflict((conflict) => conflict.column('key').doUpdateSet({ value, updated_at: now() }))
        .execute();
    },
    async setIfAbsent(key, value) {
      const result = await db
        .insertInto('instance_settings')
        .values({ key, value, updated_at: now() })
        .onConflict((conflict) => conflict.column('key').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    async delete(key) {
      await db.deleteFrom('instance_settings').where('key', '=', key).execute();
    },
  };
}

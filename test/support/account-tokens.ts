import assert from 'node:assert/strict';
import { createAccountService } from '../../src/accounts/account-service.js';
import { createAccountStore } from '../../src/accounts/account-store.js';
import { openMigratedDatabase } from './open-test-store.js';
import type { TestDatabase } from './test-databases.js';

/** Creates an account (an admin with `admin`) with an API token straight in the database (through the account service); returns the token. */
export async function accountWithToken(database: TestDatabase, email: string, options: { admin?: boolean } = {}): Promise<string> {
  const db = await openMigratedDatabase(database);
  try {
    const accounts = createAccountService({ store: createAccountStore(db), clock: Date.now });
    const user = await accounts.addUser(email, 'a long enough password', { admin: options.admin === true });
    assert.ok(user.ok);
    const created = await accounts.createApiToken(email);
    assert.ok(created !== 'no_such_user');
    return created.token;
  } finally {
    await db.close();
  }
}

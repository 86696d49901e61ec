import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createAccountStore } from '../../src/accounts/account-store.js';
import { createPasskeyStore } from '../../src/accounts/passkey-store.js';
import { createSignInChallengeStore } from '../../src/accounts/sign-in-challenge-store.js';
import type { Database } from '../../src/storage/open-database.js';
import { describeEachDatabase } from '../support/each-database.js';
import { openMigratedDatabase } from '../support/open-test-store.js';

describeEachDatabase('sign-in challenge and passkey stores', (fixture) => {
  let database: Database;
  before(async () => {
    database = await openMigratedDatabase(fixture.database);
  });
  after(() => database.close());

  it('hands a challenge out once, even to racing callers, never after it expires or for another purpose, and purges expired ones', async () => {
    const challenges = createSignInChallengeStore(database);
    await challenges.put({ tokenHash: 'live', purpose: 'passkey_sign_in', data: '{"challenge":"a"}', expiresAt: 10_000 });
    await challenges.put({ tokenHash: 'old', purpose: 'oidc', data: '{}', expiresAt: 5_000 });
    await challenges.put({ tokenHash: 'other', purpose: 'oidc', data: '{}', expiresAt: 10_000 });
    assert.equal(await challenges.take('live', 'oidc', 1_000), undefined, 'another purpose');
    const taken = await Promise.all(Array.from({ length: 5 }, () => challenges.take('live', 'passkey_sign_in', 1_000)));
    assert.deepEqual(taken.filter((data) => data !== undefined), ['{"challenge":"a"}'], 'exactly one caller gets it');
    assert.equal(await challenges.purgeExpired(6_000), 1, 'the expired one only');
    assert.equal(await challenges.take('other', 'oidc', 10_000), undefined, 'expired at its time');
  });

  it('keeps the account passkey count, refuses a known credential id and moves a counter only from the value it was checked at', async () => {
    const accounts = createAccountStore(database);
    const passkeys = createPasskeyStore(database);
    const user = await accounts.createUser({ email: 'passkeys@example.com', passwordRecord: null, admin: false, confirmed: true, now: 1 });
    assert.ok(user !== 'email_taken');
    const first = await passkeys.add({ userId: user.id, credentialId: 'cred-1', publicKey: new Uint8Array([1, 2, 3]), counter: 0, transports: ['internal', 'hybrid'], name: 'Laptop', now: 10 });
    assert.ok(first !== 'taken');
    assert.deepEqual(first.transports, ['internal', 'hybrid']);
    assert.deepEqual([...first.publicKey], [1, 2, 3]);
    assert.equal(await passkeys.add({ userId: user.id, credentialId: 'cred-1', publicKey: new Uint8Array([9]), counter: 0, transports: [], name: 'Copy', now: 11 }), 'taken');
    assert.equal((await accounts.findUserById(user.id))?.passkeyCount, 1);
    const uses = await Promise.all([passkeys.recordUse(first.id, 0, 1, 20), passkeys.recordUse(first.id, 0, 1, 20)]);
    assert.deepEqual(uses.filter(Boolean).length, 1, 'two sign-ins checked against one counter: one wins');
    assert.equal((await passkeys.findByCredentialId('cred-1'))?.counter, 1);
    assert.equal((await passkeys.countsByUser([user.id])).get(user.id), 1);
    assert.equal(await passkeys.remove(user.id + 1, first.id), false, "not another account's");
    assert.equal(await passkeys.remove(user.id, first.id), true);
    assert.equal((await accounts.findUserById(user.id))?.passkeyCount, 0);
    assert.deepEqual(await passkeys.listForUser(user.id), []);
  });
});

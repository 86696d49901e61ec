import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createAccountStore } from '../../src/accounts/account-store.js';
import { createRateLimitStore } from '../../src/accounts/rate-limit-store.js';
import { createSessionStore } from '../../src/accounts/session-store.js';
import type { Database } from '../../src/storage/open-database.js';
import { describeEachDatabase } from '../support/each-database.js';
import { openMigratedDatabase } from '../support/open-test-store.js';

describeEachDatabase('account stores', (fixture) => {
  let database: Database;
  before(async () => {
    database = await openMigratedDatabase(fixture.database, 8);
  });
  after(() => database.close());

  it('counts every concurrent hit in a rate-limit window and starts a new window when it ends', async () => {
    const limits = createRateLimitStore(database);
    const hits = await Promise.all(Array.from({ length: 20 }, () => limits.hit('sign-in:ip:192.0.2.1', 60_000, 1_000_000)));
    assert.deepEqual([...hits].sort((a, b) => a - b), Array.from({ length: 20 }, (_, index) => index + 1), 'no hit is lost');
    assert.equal(await limits.hit('sign-in:ip:192.0.2.1', 60_000, 1_059_999), 21, 'same window');
    assert.equal(await limits.hit('sign-in:ip:192.0.2.1', 60_000, 1_060_000), 1, 'a new window');
    assert.equal(await limits.hit('sign-in:ip:192.0.2.2', 60_000, 1_060_000), 1, 'buckets are separate');
    assert.equal(await limits.purge(1_060_001), 2);
  });

  it('locks after the configured failures in a row, atomically, and a success resets the count', async () => {
    const accounts = createAccountStore(database);
    const user = await accounts.createUser({ email: 'store@example.com', passwordRecord: null, admin: false, confirmed: true, now: 1 });
    assert.ok(user !== 'email_taken');
    const results = await Promise.all(Array.from({ length: 3 }, () => accounts.recordSignInFailure(user.id, 1000, 3, 60_000)));
    assert.equal(results.filter((result) => result.lockedUntil === 61_000).length, 1, 'exactly the third failure locks');
    assert.equal((await accounts.findUserById(user.id))?.lockedUntil, 61_000);
    await accounts.recordSignInSuccess(user.id, 2000);
    assert.equal((await accounts.findUserById(user.id))?.lockedUntil, null);
    assert.equal((await accounts.recordSignInFailure(user.id, 3000, 3, 60_000)).lockedUntil, null);
  });

  it('accepts each TOTP step once and only moving forward, even when callers race', async () => {
    const accounts = createAccountStore(database);
    const user = await accounts.findUserByEmail('store@example.com');
    assert.ok(user);
    const accepted = await Promise.all(Array.from({ length: 8 }, () => accounts.acceptTotpStep(user.id, 100)));
    assert.equal(accepted.filter(Boolean).length, 1);
    assert.equal(await accounts.acceptTotpStep(user.id, 99), false, 'an older step is refused');
    assert.equal(await accounts.acceptTotpStep(user.id, 101), true);
  });

  it('uses an email token once, never after it expires, and purges used and expired ones', async () => {
    const accounts = createAccountStore(database);
    const user = (await accounts.findUserByEmail('store@example.com'))!;
    const token = { userId: user.id, purpose: 'reset' as const, email: user.email, now: 0 };
    await accounts.createEmailToken({ ...token, hash: 'used', expiresAt: 1000 });
    await accounts.createEmailToken({ ...token, hash: 'stale', expiresAt: 1000 });
    await accounts.createEmailToken({ ...token, hash: 'live', expiresAt: 5000 });
    assert.equal(await accounts.consumeEmailToken('used', 'confirm', 500), undefined, 'only for its purpose');
    assert.deepEqual(await accounts.consumeEmailToken('used', 'reset', 500), { userId: user.id, email: 'store@example.com' });
    assert.equal(await accounts.consumeEmailToken('used', 'reset', 500), undefined, 'once');
    assert.equal(await accounts.consumeEmailToken('stale', 'reset', 1000), undefined, 'not once expired');
    assert.equal(await accounts.purgeEmailTokens(2000), 2, 'the used one and the expired one');
    assert.ok(await accounts.consumeEmailToken('live', 'reset', 2000));
  });

  it('finds live sessions, slides their expiry, ends them per user and purges expired ones', async () => {
    const accounts = createAccountStore(database);
    const sessions = createSessionStore(database);
    const user = (await accounts.findUserByEmail('store@example.com'))!;
    const base = { userId: user.id, csrfToken: 'c'.repeat(43), mfaPending: false, ip: '192.0.2.9', userAgent: 'test' };
    const first = await sessions.create({ ...base, tokenHash: 'hash-one', now: 0, expiresAt: 100_000 });
    await sessions.create({ ...base, tokenHash: 'hash-two', now: 0, expiresAt: 100_000 });
    await sessions.create({ ...base, tokenHash: 'hash-old', now: 0, expiresAt: 10 });
    assert.equal(await sessions.find('hash-old', 50, 100_000), undefined, 'an expired session is not found');
    const found = await sessions.find('hash-one', 70_000, 100_000);
    assert.equal(found?.session.id, first.id);
    assert.equal(found?.user.email, 'store@example.com');
    assert.equal(found?.session.expiresAt, 170_000, 'use slides the idle expiry');
    assert.equal(await sessions.purgeExpired(150_000), 2, 'the old one and the unused one');
    assert.ok(await sessions.find('hash-one', 150_000, 100_000));
    assert.equal(await sessions.deleteForUser(user.id), 1);
  });
});

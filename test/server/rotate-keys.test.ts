import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { envelopeKeyId } from '../../src/crypto/envelope.js';
import { masterKeyFromHex } from '../../src/crypto/master-key-ring.js';
import { inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { createPush, json } from '../support/push-helpers.js';
import { spawnPassdrop } from '../support/spawn-passdrop.js';
import { startTestServer, testServerEnvironment } from '../support/test-server.js';
import { signIn, signUp, WebClient } from '../support/web-client.js';
import { totpCode } from '../../src/accounts/two-factor.js';

describeEachDatabase('rotating the master key', (fixture) => {
  it('keeps old pushes readable through PASSDROP_MASTER_KEY_PREVIOUS, and rotate-keys moves them to the new key', async () => {
    const oldKey = randomBytes(32).toString('hex');
    const newKey = randomBytes(32).toString('hex');

    const before = await startTestServer(fixture.database, { env: { PASSDROP_MASTER_KEY: oldKey } });
    const withPassphrase = await createPush(before, { payload: 'old secret one', passphrase: 'pp', expire_after_views: 3, note: 'my note' });
    const plain = await createPush(before, { payload: 'old secret two', expire_after_views: 3 });
    // A TOTP secret is sealed with the master key too.
    const account = new WebClient(before);
    await signUp(account, 'rotate@example.com');
    await account.get('/account/two-factor');
    const totpSecret = account.hiddenField('secret')!;
    assert.equal((await account.post('/account/two-factor', { secret: totpSecret, code: totpCode(totpSecret, Date.now()) })).status, 200);
    await before.stop();

    const during = await startTestServer(fixture.database, { env: { PASSDROP_MASTER_KEY: newKey, PASSDROP_MASTER_KEY_PREVIOUS: oldKey } });
    assert.equal((await json(await during.fetch(`/p/${plain.token}.json`))).payload, 'old secret two');
    await during.stop();

    const env = { ...testServerEnvironment(fixture.database), PASSDROP_MASTER_KEY: newKey, PASSDROP_MASTER_KEY_PREVIOUS: oldKey };
    const rotation = spawnPassdrop(['rotate-keys'], env);
    assert.equal(await rotation.exited(), 0, rotation.stderr());
    assert.match(rotation.stdout(), /^Re-wrapped 6 stored secrets under key [0-9a-f]{16}\./);

    const inspector = inspectDatabase(fixture.database);
    try {
      const envelopes = await inspector.db.selectFrom('push_payloads').select('payload_envelope').execute();
      for (const { payload_envelope: envelope } of envelopes) assert.equal(envelopeKeyId(envelope), masterKeyFromHex(newKey).id);
      // The sealed links (issue 12, item 6) too: payload, note and link of the first push, payload and link of the second.
      const links = await inspector.db.selectFrom('pushes').select('link_envelope').execute();
      assert.equal(links.length, 2);
      for (const { link_envelope: envelope } of links) assert.equal(envelopeKeyId(envelope!), masterKeyFromHex(newKey).id);
      const totp = await inspector.db.selectFrom('users').select('totp_envelope').executeTakeFirstOrThrow();
      assert.equal(envelopeKeyId(totp.totp_envelope!), masterKeyFromHex(newKey).id);
    } finally {
      await inspector.close();
    }

    const after = await startTestServer(fixture.database, { env: { PASSDROP_MASTER_KEY: newKey } });
    try {
      assert.equal((await json(await after.fetch(`/p/${withPassphrase.token}.json?passphrase=pp`))).payload, 'old secret one');
      assert.equal((await json(await after.fetch(`/p/${plain.token}.json`))).payload, 'old secret two');
      const browser = new WebClient(after);
      await signIn(browser, 'rotate@example.com');
      await browser.get('/account/sign-in/two-factor');
      const second = await browser.post('/account/sign-in/two-factor', { code: totpCode(totpSecret, Date.now() + 30_000) });
      assert.equal(second.status, 303, 'two-factor still works under the new key alone');
    } finally {
      await after.stop();
    }
  });
});

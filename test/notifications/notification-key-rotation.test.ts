import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { envelopeKeyId } from '../../src/crypto/envelope.js';
import { masterKeyFromHex } from '../../src/crypto/master-key-ring.js';
import { verifyWebhook } from '../../src/notifications/webhook-signature.js';
import { accountWithToken } from '../support/account-tokens.js';
import { inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { startMailSink } from '../support/mail-sink.js';
import { json } from '../support/push-helpers.js';
import { spawnPassdrop } from '../support/spawn-passdrop.js';
import { startTestServer, testServerEnvironment } from '../support/test-server.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

describeEachDatabase('rotate-keys re-seals webhook secrets and queued link emails', (fixture) => {
  it('moves them to the new key, and the webhook still signs with its secret under the new key alone', async () => {
    const oldKey = randomBytes(32).toString('hex');
    const newKey = randomBytes(32).toString('hex');
    const token = await accountWithToken(fixture.database, 'keys@example.com');
    const sink = await startMailSink();
    const receiver = await startWebhookReceiver('whsec_unused');
    const env = { PASSDROP_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: 'true', PASSDROP_NOTIFICATION_POLL_MS: '50', PASSDROP_BASE_URL: 'http://passdrop.test', PASSDROP_SMTP_URL: sink.smtpUrl };
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    try {
      const before = await startTestServer(fixture.database, { env: { ...env, PASSDROP_MASTER_KEY: oldKey } });
      let secret: string;
      let webhookId: number;
      try {
        const created = await json<{ id: number; secret: string }>(
          await before.fetch('/api/passdrop/v1/webhooks', { method: 'POST', headers: auth, body: JSON.stringify({ url: receiver.url, events: ['push.revealed'] }) }),
        );
        ({ secret, id: webhookId } = created);
        const push = await json<{ url_token: string }>(
          await before.fetch('/api/v2/pushes', { method: 'POST', headers: auth, body: JSON.stringify({ push: { payload: 'x', notify_emails_to: 'friend@example.com' } }) }),
        );
        assert.ok(push.url_token);
        await sink.until((mails) => mails.some((mail) => mail.to.includes('friend@example.com')));
      } finally {
        await before.stop();
      }

      const rotation = spawnPassdrop(['rotate-keys'], { ...testServerEnvironment(fixture.database), PASSDROP_MASTER_KEY: newKey, PASSDROP_MASTER_KEY_PREVIOUS: oldKey });
      assert.equal(await rotation.exited(), 0, rotation.stderr());
      // The push payload and its sealed link, the webhook secret and the link email's recipients.
      assert.match(rotation.stdout(), /^Re-wrapped 4 stored secrets/);
      const inspector = inspectDatabase(fixture.database);
      try {
        const newId = masterKeyFromHex(newKey).id;
        const webhook = await inspector.db.selectFrom('webhooks').select('secret_envelope').executeTakeFirstOrThrow();
        assert.equal(envelopeKeyId(webhook.secret_envelope), newId);
        const mail = await inspector.db.selectFrom('push_link_emails').select('recipients_envelope').executeTakeFirstOrThrow();
        assert.equal(envelopeKeyId(mail.recipients_envelope), newId);
      } finally {
        await inspector.close();
      }

      const after = await startTestServer(fixture.database, { env: { ...env, PASSDROP_MASTER_KEY: newKey } });
      try {
        const tested = await json<{ event_id: string }>(await after.fetch(`/api/passdrop/v1/webhooks/${webhookId}/test`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }));
        await receiver.until((received) => received.some((entry) => entry.id === tested.event_id));
        const arrived = receiver.received.find((entry) => entry.id === tested.event_id)!;
        assert.ok(verifyWebhook(secret, arrived, arrived.body, Math.floor(Date.now() / 1000)), 'signed with the same secret');
      } finally {
        await after.stop();
      }
    } finally {
      await receiver.close();
      await sink.close();
    }
  });
});

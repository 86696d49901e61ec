import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { newWebhookSecret } from '../../src/notifications/webhook-signature.js';
import { inspectDatabase } from '../support/database-inspector.js';
import { spawnPassdrop, type PassdropProcess } from '../support/spawn-passdrop.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from '../support/test-databases.js';
import { testServerEnvironment } from '../support/test-server.js';
import { addWebhook, startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/** Creates anonymous pushes on `url` and reveals each once: one push.revealed event each. */
async function revealPushes(url: string, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const created = await fetch(`${url}/api/passdrop/v1/pushes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ payload: `secret ${index}`, retrieval_step: false, name: `push ${index}` }),
      });
      assert.equal(created.status, 201);
      const { token } = (await created.json()) as { token: string };
      const revealed = await fetch(`${url}/p/${token}.json`);
      assert.equal(revealed.status, 200);
    }),
  );
}

const uniqueIds = (receiver: WebhookReceiver) => new Set(receiver.received.map((entry) => entry.id));

for (const kind of ['sqlite', 'postgres'] as DatabaseKind[]) {
  describe(`webhook deliveries survive kill -9 and are shared by processes [${kind}]`, () => {
    let database: TestDatabase;
    let receiver: WebhookReceiver;
    const children: PassdropProcess[] = [];
    let env: Record<string, string>;
    const secret = newWebhookSecret();
    before(async () => {
      database = await createTestDatabase(kind);
      const masterKey = randomBytes(32).toString('hex');
      env = {
        ...testServerEnvironment(database),
        PASSDROP_MASTER_KEY: masterKey,
        PASSDROP_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: 'true',
        PASSDROP_NOTIFICATION_POLL_MS: '50',
        PASSDROP_WEBHOOK_TIMEOUT_SECONDS: '1',
        PASSDROP_NOTIFICATION_CLAIM_SECONDS: '3',
      };
      receiver = await startWebhookReceiver(secret);
      const first = spawnPassdrop(['serve'], env);
      children.push(first);
      await first.listening();
      await addWebhook(database, masterKey, { url: receiver.url, events: ['push.revealed'], ownerUserId: null, secret });
    });
    after(async () => {
      for (const child of children) child.child.kill('SIGTERM');
      await Promise.all(children.map((child) => child.exited()));
      await receiver.close();
      await database.drop();
    });

    it('loses no event when the process delivering is killed mid-delivery, and two processes never deliver one event twice', async () => {
      const [first] = children;
      const firstUrl = await first!.listening();
      // The first delivery is held open at the receiver; the process sending it is then killed.
      const held = receiver.holdNext();
      // One event only: any other delivery in flight at the kill could also arrive twice.
      await revealPushes(firstUrl, 1);
      const heldDelivery = await held;
      first!.child.kill('SIGKILL');
      await first!.exited();

      // Two new processes share the database; events keep coming on both.
      const second = spawnPassdrop(['serve'], env);
      const third = spawnPassdrop(['serve'], env);
      children.push(second, third);
      const [secondUrl, thirdUrl] = await Promise.all([second.listening(), third.listening()]);
      await Promise.all([revealPushes(secondUrl, 20), revealPushes(thirdUrl, 20)]);

      await receiver.until((received) => new Set(received.filter((entry) => entry.answered).map((entry) => entry.id)).size === 41);
      const db = inspectDatabase(database);
      try {
        // Everything is recorded as delivered (so nothing more will be sent): the receiver answers
        // before the sender records, so this waits for the records.
        while ((await db.db.selectFrom('notification_deliveries').select('id').where('status', '!=', 'delivered').execute()).length > 0) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const rows = await db.db.selectFrom('notification_deliveries').select(['status', 'attempts']).execute();
        assert.equal(rows.length, 41);
        assert.deepEqual(
          rows.map((row) => row.status).filter((status) => status !== 'delivered'),
          [],
        );
        const outbox = await db.db.selectFrom('notification_outbox').select(['dispatched_at']).execute();
        assert.equal(outbox.length, 41);
        assert.ok(outbox.every((row) => row.dispatched_at !== null));
        // Every delivery answered exactly once; only the one cut by kill -9 arrived twice, with the same webhook-id.
        const answered = receiver.received.filter((entry) => entry.answered);
        assert.equal(answered.length, 41, 'each event answered once');
        assert.equal(uniqueIds(receiver).size, 41);
        assert.equal(receiver.received.length, 42);
        assert.equal(receiver.received.filter((entry) => entry.id === heldDelivery.id).length, 2);
        assert.equal(rows.reduce((sum, row) => sum + row.attempts, 0), 42);
        assert.ok(receiver.received.every((entry) => entry.verified), 'every delivery is signed with the secret');
        const bodies = answered.map((entry) => JSON.parse(entry.body) as { type: string; data: { push: { name: string } } });
        assert.ok(bodies.every((body) => body.type === 'push.revealed' && /^push \d+$/.test(body.data.push.name)));
      } finally {
        await db.close();
      }
    });
  });
}

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { createPush } from '../support/push-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { addWebhook } from '../support/webhook-receiver.js';

// An anonymous push's events can reach only instance-wide webhooks, so without one its views write no
// outbox row (three pages fewer per view); once one is enabled, they are written again, from the same
// transaction (the PostgreSQL view statement and SQLite's audit path both check).
describeEachDatabase('outbox rows only where someone listens', (fixture) => {
  let server: TestServer;
  const masterKey = randomBytes(32).toString('hex');

  before(async () => {
    server = await startTestServer(fixture.database, { env: { PASSDROP_MASTER_KEY: masterKey, PASSDROP_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: 'true' } });
  });
  after(async () => {
    await server?.stop();
  });

  async function outboxTypes(): Promise<string[]> {
    const db = inspectDatabase(fixture.database);
    try {
      return (await db.db.selectFrom('notification_outbox').select('type').orderBy('id').execute()).map((row) => row.type);
    } finally {
      await db.close();
    }
  }

  async function viewOnce(): Promise<void> {
    const push = await createPush(server, { payload: 'an anonymous secret', expire_after_views: 1, retrieval_step: false });
    const response = await server.fetch(`/p/${push.token}.json`);
    assert.equal(response.status, 200);
  }

  it('writes no event for an anonymous view while no instance webhook is enabled, and writes it once one is', async () => {
    await viewOnce();
    assert.deepEqual(await outboxTypes(), []);
    await addWebhook(fixture.database, masterKey, { url: 'http://127.0.0.1:9/hook', events: ['push.revealed'], ownerUserId: null });
    await viewOnce();
    assert.deepEqual(await outboxTypes(), ['push.revealed']);
  });
});

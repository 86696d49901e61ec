import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspectDatabase } from '../support/database-inspector.js';
import { createPush } from '../support/push-helpers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer } from '../support/test-server.js';
import { tokenDigest } from '../../src/crypto/token-digest.js';

const SPOOF = { 'x-forwarded-for': '203.0.113.99', 'user-agent': 'curl/8', referer: 'https://chat.example/x' };

describe('the audit log records the client address', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase('sqlite');
  });
  after(() => database.drop());

  async function recordedAddresses(env: Record<string, string>): Promise<Array<{ kind: string; ip: string | null; user_agent: string | null; referrer: string | null }>> {
    const server = await startTestServer(database, { env });
    const inspector = inspectDatabase(database);
    try {
      const push = await createPush(server, { payload: 'x' });
      await server.fetch(`/p/${push.token}.json`, { headers: SPOOF });
      return await inspector.db
        .selectFrom('audit_events')
        .innerJoin('pushes', 'pushes.id', 'audit_events.push_id')
        .select(['audit_events.kind', 'audit_events.ip', 'audit_events.user_agent', 'audit_events.referrer'])
        .where('link_digest', '=', tokenDigest(push.token))
        .where('audit_events.kind', '=', 'viewed')
        .execute();
    } finally {
      await inspector.close();
      await server.stop();
    }
  }

  it('ignores a forged X-Forwarded-For from an untrusted peer', async () => {
    assert.deepEqual(await recordedAddresses({}), [{ kind: 'viewed', ip: '127.0.0.1', user_agent: 'curl/8', referrer: 'https://chat.example/x' }]);
  });

  it('believes X-Forwarded-For from a trusted proxy', async () => {
    assert.equal((await recordedAddresses({ TRUSTED_PROXIES: '127.0.0.1' }))[0]?.ip, '203.0.113.99');
  });
});

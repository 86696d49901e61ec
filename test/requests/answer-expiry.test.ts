import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Database } from '../../src/storage/open-database.js';
import { databaseBytes, inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { accountToken, answer, createRequest } from '../support/request-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const MINUTE = 60_000;

describeEachDatabase('answers and request links expire like pushes', (fixture) => {
  let server: TestServer;
  let inspector: Database;
  let token: string;
  let now = Date.now();
  before(async () => {
    server = await startTestServer(fixture.database, { clock: () => now, env: { PASSDROP_SWEEP_INTERVAL_SECONDS: '1', PASSDROP_PURGE_EXPIRED_AFTER_DAYS: '30' } });
    inspector = inspectDatabase(fixture.database);
    token = await accountToken(server, 'expiry@example.com');
  });
  after(async () => {
    await inspector.close();
    await server.stop();
  });

  async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      assert.ok(Date.now() < deadline, `${what} did not happen within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const answerRow = (answerId: string) => inspector.db.selectFrom('request_answers').selectAll().where('answer_token', '=', answerId).executeTakeFirstOrThrow();
  const payloadCount = async (answerId: string) =>
    (await inspector.db.selectFrom('request_answer_payloads').select('answer_id').where('answer_id', '=', (await answerRow(answerId)).id).execute()).length;

  it('deletes an answer when its time runs out, within seconds, even when nobody visits', async () => {
    const { request } = await createRequest(server, token, { answer_expire_after_minutes: 30, answers_allowed: 2 });
    const sent = (await (await answer(server, request, 'short-lived answer')).json()) as { answer_id: string };
    assert.equal(await payloadCount(sent.answer_id), 1);
    now += 31 * MINUTE;
    await eventually(async () => (await payloadCount(sent.answer_id)) === 0, 'the sweep');
    const row = await answerRow(sent.answer_id);
    assert.deepEqual({ expired: row.expired, reason: row.expire_reason }, { expired: 1, reason: 'time' });
  });

  it('closes a request link when its time runs out, even when nobody visits', async () => {
    const { request } = await createRequest(server, token, { expire_after_minutes: 60 });
    now += 61 * MINUTE;
    const row = () => inspector.db.selectFrom('requests').select(['closed', 'close_reason']).where('url_token', '=', request.token).executeTakeFirstOrThrow();
    await eventually(async () => (await row()).closed === 1, 'the sweep');
    assert.equal((await row()).close_reason, 'time');
    assert.equal((await answer(server, request, 'too late')).status, 410);
  });

  it('leaves no trace of a deleted answer on disk, and purges closed requests with their logs after the retention', async () => {
    const { request } = await createRequest(server, token);
    const sent = (await (await answer(server, request, 'soon gone')).json()) as { answer_id: string };
    const envelope = (await inspector.db.selectFrom('request_answer_payloads').select('payload_envelope').where('answer_id', '=', (await answerRow(sent.answer_id)).id).executeTakeFirstOrThrow()).payload_envelope;
    const fingerprint = envelope.subarray(10, 98);
    const deleted = await server.fetch(`/api/passdrop/v1/requests/${request.token}/answers/${sent.answer_id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    assert.equal(deleted.status, 200);
    if (fixture.kind === 'sqlite') {
      // secure_delete, and the sweep checkpoints the write-ahead log into the main file.
      await eventually(async () => !(await databaseBytes(fixture.database)).includes(fingerprint), 'overwriting the envelope');
    }
    const id = (await inspector.db.selectFrom('requests').select('id').where('url_token', '=', request.token).executeTakeFirstOrThrow()).id;
    now += 31 * 24 * 60 * MINUTE;
    await eventually(async () => (await inspector.db.selectFrom('requests').select('id').where('id', '=', id).execute()).length === 0, 'the purge');
    assert.equal((await inspector.db.selectFrom('request_audit_events').select('id').where('request_id', '=', id).execute()).length, 0);
    assert.equal((await inspector.db.selectFrom('request_answers').select('id').where('request_id', '=', id).execute()).length, 0);
  });
});

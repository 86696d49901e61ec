import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { newAnswerId, sealAnswer } from '../../src/crypto/requests/request-answer-format.js';
import { inspectDatabase } from '../support/database-inspector.js';
import { accountToken, createRequest, type CreatedRequest } from '../support/request-helpers.js';
import { spawnPassdrop, type PassdropProcess } from '../support/spawn-passdrop.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from '../support/test-databases.js';
import { markFirstRunDone, testServerEnvironment } from '../support/test-server.js';

const ANSWERS = 100;
/** The rate limits would turn most of the burst away with 429 first; here the count itself must hold. */
const NO_RATE_LIMITS = { PASSDROP_REQUEST_ANSWERS_PER_LINK_PER_MINUTE: '100000', PASSDROP_REQUEST_ANSWERS_PER_IP_PER_HOUR: '1000000' };

/** Seals 100 different answers first, then posts them all at once, spread over the given servers. */
async function burst(urls: readonly string[], request: CreatedRequest): Promise<{ accepted: number; statuses: number[]; codes: string[] }> {
  const bodies = await Promise.all(
    Array.from({ length: ANSWERS }, async (_, index) => {
      const answerId = newAnswerId();
      const ciphertext = await sealAnswer(`answer ${index}`, { requestToken: request.token, answerId, kind: 'text', publicKey: request.public_key });
      return JSON.stringify({ answer_id: answerId, kind: 'text', ciphertext });
    }),
  );
  const responses = await Promise.all(
    bodies.map(async (body, index) => {
      const response = await fetch(`${urls[index % urls.length]}/api/passdrop/v1/requests/${request.token}/answers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return { status: response.status, body: (await response.json()) as { code?: string } };
    }),
  );
  return {
    accepted: responses.filter((response) => response.status === 201).length,
    statuses: [...new Set(responses.map((response) => response.status))].sort(),
    codes: [...new Set(responses.flatMap((response) => (response.body.code ? [response.body.code] : [])))],
  };
}

for (const [kind, processes] of [
  ['sqlite', 3],
  ['postgres', 4],
] as Array<[DatabaseKind, number]>) {
  describe(`${ANSWERS} simultaneous answers across ${processes} processes sharing one ${kind} database`, () => {
    let database: TestDatabase;
    const children: PassdropProcess[] = [];
    const urls: string[] = [];
    let token: string;
    before(async () => {
      database = await createTestDatabase(kind);
      const env = { ...testServerEnvironment(database), PASSDROP_MASTER_KEY: randomBytes(32).toString('hex'), ...NO_RATE_LIMITS };
      // Sign-up is open once the first run is over (as after the operator used /setup).
      await markFirstRunDone(database);
      // One process migrates first, so the others start on a ready schema.
      children.push(spawnPassdrop(['serve'], env));
      urls.push(await children[0]!.listening());
      for (let index = 1; index < processes; index += 1) children.push(spawnPassdrop(['serve'], env));
      urls.push(...(await Promise.all(children.slice(1).map((child) => child.listening()))));
      token = await accountToken({ url: urls[0]!, fetch: (path, init) => fetch(`${urls[0]}${path}`, init) }, `burst-${kind}@example.com`);
    });
    after(async () => {
      for (const child of children) child.child.kill('SIGTERM');
      await Promise.all(children.map((child) => child.exited()));
      await database.drop();
    });

    const server = (index: number) => ({ fetch: (path: string, init?: RequestInit) => fetch(`${urls[index % urls.length]}${path}`, init) });

    it('accept exactly one answer to a 1-answer request; every other gets 410', async () => {
      for (let round = 0; round < 3; round += 1) {
        const { request } = await createRequest(server(round), token, { answers_allowed: 1 });
        const result = await burst(urls, request);
        assert.equal(result.accepted, 1, `round ${round}`);
        assert.deepEqual(result.statuses, [201, 410]);
        assert.deepEqual(result.codes, ['REQUEST_CLOSED']);
        const inspector = inspectDatabase(database);
        try {
          const row = await inspector.db.selectFrom('requests').select(['id', 'answers_remaining', 'closed', 'close_reason']).where('url_token', '=', request.token).executeTakeFirstOrThrow();
          assert.deepEqual({ remaining: row.answers_remaining, closed: row.closed, reason: row.close_reason }, { remaining: 0, closed: 1, reason: 'answers' });
          const stored = await inspector.db.selectFrom('request_answers').select('id').where('request_id', '=', row.id).execute();
          assert.equal(stored.length, 1, 'one answer row, one payload');
        } finally {
          await inspector.close();
        }
      }
    });

    it('accept exactly five answers to a 5-answer request', async () => {
      const { request } = await createRequest(server(1), token, { answers_allowed: 5 });
      const result = await burst(urls, request);
      assert.equal(result.accepted, 5);
    });
  });
}

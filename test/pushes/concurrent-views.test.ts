import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createPush } from '../support/push-helpers.js';
import { spawnPassdrop, type PassdropProcess } from '../support/spawn-passdrop.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, testServerEnvironment } from '../support/test-server.js';

const REQUESTS = 100;

/** Fires 100 simultaneous retrievals of one 1-view push, spread over the given servers. */
async function burst(urls: readonly string[], token: string): Promise<{ delivered: number; statuses: number[] }> {
  const responses = await Promise.all(
    Array.from({ length: REQUESTS }, async (_, index) => {
      const response = await fetch(`${urls[index % urls.length]}/p/${token}.json`);
      return { status: response.status, body: (await response.json()) as { payload?: string | null } };
    }),
  );
  return {
    delivered: responses.filter((response) => typeof response.body.payload === 'string').length,
    statuses: [...new Set(responses.map((response) => response.status))],
  };
}

describe('a 1-view push under 100 simultaneous retrievals', () => {
  it('is delivered exactly once by one process on SQLite', async () => {
    const database = await createTestDatabase('sqlite');
    const server = await startTestServer(database);
    try {
      for (let round = 0; round < 3; round += 1) {
        const push = await createPush(server, { payload: `secret-${round}`, expire_after_views: 1 });
        const result = await burst([server.url], push.token);
        assert.equal(result.delivered, 1);
        assert.deepEqual(result.statuses, [200]);
      }
    } finally {
      await server.stop();
      await database.drop();
    }
  });

  for (const [kind, processes] of [
    ['sqlite', 3],
    ['postgres', 4],
  ] as Array<[DatabaseKind, number]>) {
    describe(`${processes} processes sharing one ${kind} database`, () => {
      let database: TestDatabase;
      const children: PassdropProcess[] = [];
      const urls: string[] = [];
      before(async () => {
        database = await createTestDatabase(kind);
        const env = { ...testServerEnvironment(database), PASSDROP_MASTER_KEY: randomBytes(32).toString('hex') };
        for (let index = 0; index < processes; index += 1) children.push(spawnPassdrop(['serve'], env));
        urls.push(...(await Promise.all(children.map((child) => child.listening()))));
      });
      after(async () => {
        for (const child of children) child.child.kill('SIGTERM');
        await Promise.all(children.map((child) => child.exited()));
        await database.drop();
      });

      it('deliver it exactly once', async () => {
        for (let round = 0; round < 3; round += 1) {
          const push = await createPush({ fetch: (path, init) => fetch(`${urls[round % urls.length]}${path}`, init) }, {
            payload: `secret-${round}`,
            expire_after_views: 1,
          });
          const result = await burst(urls, push.token);
          assert.equal(result.delivered, 1, `round ${round}`);
          assert.deepEqual(result.statuses, [200]);
        }
      });

      it('count a 5-view push down to exactly 5 deliveries', async () => {
        const push = await createPush({ fetch: (path, init) => fetch(`${urls[0]}${path}`, init) }, { payload: 'five', expire_after_views: 5 });
        const result = await burst(urls, push.token);
        assert.equal(result.delivered, 5);
      });
    });
  }
});

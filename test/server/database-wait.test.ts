import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../support/free-port.js';
import { spawnPassdrop, type PassdropProcess } from '../support/spawn-passdrop.js';
import { createTestDatabase, POSTGRES_ADMIN_URL, type TestDatabase } from '../support/test-databases.js';
import { testServerEnvironment } from '../support/test-server.js';

/** A TCP relay from a loopback port to the real PostgreSQL server: the "database" coming up late. */
async function relayToPostgres(port: number): Promise<net.Server> {
  const upstream = new URL(POSTGRES_ADMIN_URL);
  const relay = net.createServer((client) => {
    const server = net.connect(Number(upstream.port || 5432), upstream.hostname);
    client.pipe(server).pipe(client);
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());
  });
  relay.listen(port, '127.0.0.1');
  await once(relay, 'listening');
  return relay;
}

function urlThrough(port: number, database: TestDatabase, name = database.location): string {
  const url = new URL(database.url);
  url.host = `127.0.0.1:${port}`;
  url.pathname = `/${name}`;
  return url.toString();
}

const retryLines = (server: PassdropProcess) => server.stdout().split('\n').filter((line) => line.includes('"database not reachable yet; retrying"'));

describe('start-up while PostgreSQL is not there yet', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase('postgres');
  });
  after(() => database.drop());

  it('retries with a logged reason until the database answers, then serves', async () => {
    const port = await freePort();
    const server = spawnPassdrop(['serve'], testServerEnvironment(database, { DATABASE_URL: urlThrough(port, database), PASSDROP_DATABASE_WAIT_SECONDS: '60' }));
    // Let it fail a few times against the closed port before the database "comes up".
    while (retryLines(server).length < 3 && server.child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 100));
    const relay = await relayToPostgres(port);
    try {
      const url = await server.listening();
      assert.equal((await fetch(`${url}/up`)).status, 200);
      const created = await fetch(`${url}/api/passdrop/v1/pushes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ payload: 'after the wait', retrieval_step: false }),
      });
      assert.equal(created.status, 201);
      const first = JSON.parse(retryLines(server)[0]!) as Record<string, unknown>;
      assert.equal(first.level, 40, 'logged as a warning');
      assert.equal(first.attempt, 1);
      assert.equal(first.code, 'ECONNREFUSED');
      assert.equal(first.target, `127.0.0.1:${port}/${database.location}`);
      assert.equal(first.retryInMs, 250);
      const delays = retryLines(server).map((line) => (JSON.parse(line) as { retryInMs: number }).retryInMs);
      assert.deepEqual(delays.slice(0, 3), [250, 500, 1000], 'the wait doubles');
      server.child.kill('SIGTERM');
      assert.equal(await server.exited(), 0);
    } finally {
      server.child.kill('SIGKILL');
      relay.close();
    }
  });

  it('gives up after PASSDROP_DATABASE_WAIT_SECONDS with the last error, and exits 1', async () => {
    const port = await freePort();
    const server = spawnPassdrop(['serve'], testServerEnvironment(database, { DATABASE_URL: urlThrough(port, database), PASSDROP_DATABASE_WAIT_SECONDS: '1' }));
    assert.equal(await server.exited(), 1);
    assert.ok(retryLines(server).length >= 2, server.stdout());
    assert.match(server.stderr(), new RegExp(`The database at 127\\.0\\.0\\.1:${port}/${database.location} did not answer within 1 s \\(PASSDROP_DATABASE_WAIT_SECONDS\\); last error: .*ECONNREFUSED`));
  });

  it('fails at once, without retrying, when the database does not exist', async () => {
    const upstream = new URL(POSTGRES_ADMIN_URL);
    const server = spawnPassdrop(['serve'], testServerEnvironment(database, {
      DATABASE_URL: urlThrough(Number(upstream.port || 5432), database, 'passdrop_no_such_database'),
      PASSDROP_DATABASE_WAIT_SECONDS: '600',
    }));
    assert.equal(await server.exited(), 1);
    assert.deepEqual(retryLines(server), []);
    assert.match(server.stderr(), /The database at .*\/passdrop_no_such_database refused Passdrop: database "passdrop_no_such_database" does not exist\. Check DATABASE_URL\./);
  });

  it('with PASSDROP_DATABASE_WAIT_SECONDS=0 tries once', async () => {
    const port = await freePort();
    const server = spawnPassdrop(['serve'], testServerEnvironment(database, { DATABASE_URL: urlThrough(port, database), PASSDROP_DATABASE_WAIT_SECONDS: '0' }));
    assert.equal(await server.exited(), 1);
    assert.deepEqual(retryLines(server), []);
    assert.match(server.stderr(), /did not answer within 0 s/);
  });
});

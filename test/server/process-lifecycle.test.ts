import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { spawnPassdrop } from '../support/spawn-passdrop.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { testServerEnvironment } from '../support/test-server.js';

describe('the passdrop process', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase('sqlite');
  });
  after(() => database.drop());

  it('serves, then on SIGTERM stops, closes the database and exits 0', async () => {
    const env = testServerEnvironment(database);
    delete env.PASSDROP_MASTER_KEY;
    const server = spawnPassdrop(['serve'], env);
    const url = await server.listening();
    assert.equal((await fetch(`${url}/up`)).status, 200);
    assert.ok(existsSync(`${database.location}-wal`), 'the database is open in WAL mode');
    assert.match(server.stdout(), /generated a new master key/);

    server.child.kill('SIGTERM');
    assert.equal(await server.exited(), 0, server.stderr());
    assert.match(server.stdout(), /"shutting down: finishing in-flight requests"/);
    assert.match(server.stdout(), /"stopped"/);
    // SQLite removes the write-ahead log when the last connection closes cleanly.
    assert.equal(existsSync(`${database.location}-wal`), false, 'the database was closed');
  });

  it('finishes a request that is in flight when SIGTERM arrives', async () => {
    const server = spawnPassdrop(['serve'], testServerEnvironment(database));
    const url = new URL(await server.listening());
    const body = JSON.stringify({ payload: 'sent slowly', retrieval_step: false });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = http.request(
        { host: url.hostname, port: url.port, path: '/api/passdrop/v1/pushes', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      request.on('error', reject);
      // Half the body now; SIGTERM; the rest later.
      request.write(body.slice(0, 10));
      setTimeout(() => {
        server.child.kill('SIGTERM');
        setTimeout(() => request.end(body.slice(10)), 300);
      }, 200);
    });
    const { status, text } = await response;
    assert.equal(status, 201, text);
    assert.match(text, /"token"/);
    assert.equal(await server.exited(), 0);
  });

  it('stops on SIGINT too', async () => {
    const server = spawnPassdrop(['serve'], testServerEnvironment(database));
    await server.listening();
    server.child.kill('SIGINT');
    assert.equal(await server.exited(), 0, server.stderr());
  });

  it('refuses to start on bad configuration, listing every problem', async () => {
    const server = spawnPassdrop(['serve'], {
      ...testServerEnvironment(database),
      PORT: 'abc',
      DATABASE_URL: 'mysql://localhost/passdrop',
      LOG_LEVEL: 'chatty',
    });
    assert.equal(await server.exited(), 1);
    const text = server.stderr();
    assert.match(text, /^Passdrop cannot start:/);
    assert.match(text, /PORT must be a whole number/);
    assert.match(text, /DATABASE_URL must start with sqlite: or postgres:\/\//);
    assert.match(text, /LOG_LEVEL must be one of/);
  });

  it('refuses to start with a malformed master key, without printing it', async () => {
    const badKey = 'zz-not-hex-at-all-0123456789';
    const server = spawnPassdrop(['serve'], { ...testServerEnvironment(database), PASSDROP_MASTER_KEY: badKey });
    assert.equal(await server.exited(), 1);
    assert.match(server.stderr(), /PASSDROP_MASTER_KEY is malformed: a master key is 64 hexadecimal characters/);
    assert.ok(!server.stderr().includes(badKey) && !server.stdout().includes(badKey));
  });

  it('`migrate` applies pending migrations and says when there is nothing to do', async () => {
    const fresh = await createTestDatabase('sqlite');
    try {
      const first = spawnPassdrop(['migrate'], testServerEnvironment(fresh));
      assert.equal(await first.exited(), 0, first.stderr());
      assert.match(first.stdout(), /^Applied: 0001_instance_settings/);
      const second = spawnPassdrop(['migrate'], testServerEnvironment(fresh));
      assert.equal(await second.exited(), 0);
      assert.equal(second.stdout(), 'The database is up to date.\n');
    } finally {
      await fresh.drop();
    }
  });
});

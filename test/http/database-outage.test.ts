import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import { describeEachDatabase } from '../support/each-database.js';
import { createPush } from '../support/push-helpers.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { POSTGRES_ADMIN_URL, withAdminClient } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Issue 12, item 4: a database outage under a running server is answered honestly (503
 * DATABASE_UNAVAILABLE with Retry-After, the real error in the log), `/up` goes 503 so a load balancer
 * stops sending writes, and everything recovers without a restart.
 *
 * PostgreSQL: the server reaches it through a TCP proxy the test stops (connections reset, new ones
 * refused, as in a restart) after terminating the database's backends, then starts again.
 * SQLite: writes to the file fail with real I/O errors: the write-ahead log is emptied, then this
 * process's file size limit (RLIMIT_FSIZE, through prlimit; SIGXFSZ ignored) forbids it to grow — what a
 * full or read-only disk does to a file that is already open (as root, a chmod would change nothing).
 */
describeEachDatabase('database outages under a running server', (fixture) => {
  let server: TestServer;
  let proxy: TcpProxy | undefined;
  let now = Date.now();
  const ignoreFileSizeSignal = () => undefined;

  before(async () => {
    let env: Record<string, string> = {};
    if (fixture.kind === 'postgres') {
      const upstream = new URL(POSTGRES_ADMIN_URL);
      proxy = await startTcpProxy(upstream.hostname, Number(upstream.port || 5432));
      const url = new URL(fixture.database.url);
      url.host = `127.0.0.1:${proxy.port}`;
      env = { DATABASE_URL: url.toString() };
    }
    server = await startTestServer(fixture.database, { env, clock: () => now });
  });
  after(async () => {
    process.off('SIGXFSZ', ignoreFileSizeSignal);
    await server.stop();
    await proxy?.stop();
  });

  async function breakDatabase(): Promise<void> {
    if (fixture.kind === 'postgres') {
      await withAdminClient((client) =>
        client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [fixture.database.location]),
      );
      await proxy!.stop();
    } else {
      await server.database.flushDeletions();
      process.on('SIGXFSZ', ignoreFileSizeSignal);
      execFileSync('prlimit', ['--pid', String(process.pid), '--fsize=1:unlimited']);
    }
  }

  async function mendDatabase(): Promise<void> {
    if (fixture.kind === 'postgres') await proxy!.start();
    else execFileSync('prlimit', ['--pid', String(process.pid), '--fsize=unlimited:unlimited']);
  }

  const up = async () => {
    // Past the write probe's interval, so /up probes again.
    now += 10_000;
    const response = await server.fetch('/up');
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Record<string, unknown> };
  };

  if (fixture.kind === 'postgres') {
    it('survives PostgreSQL ending a connection the server holds between two statements', async () => {
      await server.database.db.connection().execute(async (connection) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(connection);
        const pid = rows[0]!.pid;
        await withAdminClient(async (client) => {
          await client.query('SELECT pg_terminate_backend($1)', [pid]);
          // Until the backend is gone, its farewell (57P01) is on its way to the idle client.
          while ((await client.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount! > 0) await new Promise((resolve) => setTimeout(resolve, 20));
        });
        await new Promise((resolve) => setTimeout(resolve, 100));
        await assert.rejects(sql`select 1`.execute(connection));
      });
      // The process is still here (an unhandled 'error' would have ended it), and the pool carries on.
      await createPush(server, { payload: 'after a dropped connection' });
    });
  }

  it('answers 503 DATABASE_UNAVAILABLE with Retry-After on every surface, /up goes 503, and both recover without a restart', async () => {
    await createPush(server, { payload: 'before the outage' });
    assert.equal((await up()).status, 200);
    const logsBefore = server.logs.length;

    await breakDatabase();
    try {
      const api = await server.fetch('/api/passdrop/v1/pushes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payload: 'during' }) });
      assert.equal(api.status, 503);
      assert.equal(api.headers.get('retry-after'), '5');
      const body = (await api.json()) as Record<string, unknown>;
      assert.equal(body.code, 'DATABASE_UNAVAILABLE');
      assert.equal(typeof body.requestId, 'string');

      const pp = await server.fetch('/p.json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: { payload: 'during' } }) });
      assert.equal(pp.status, 503);
      assert.equal(pp.headers.get('retry-after'), '5');
      assert.deepEqual(await pp.json(), { error: 'The database is not answering. Please try again shortly.' });

      const page = await server.fetch('/p', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: 'payload=during', redirect: 'manual' });
      assert.equal(page.status, 503);
      assert.match(await page.text(), /Passdrop is briefly unavailable/);

      const health = await up();
      assert.equal(health.status, 503);
      assert.equal(health.retryAfter, '5');
      assert.equal(health.body.status, 'unavailable');

      const logged = server.logs.slice(logsBefore).join('');
      // The original error is in the log, not the rollback's "cannot rollback - no transaction is active".
      assert.match(logged, fixture.kind === 'postgres' ? /ECONNREFUSED|Connection terminated|57P01/ : /SQLITE_(IOERR|FULL)/);
      assert.doesNotMatch(logged, /cannot rollback/);
      assert.doesNotMatch(logged, /"statusCode":500|"INTERNAL_ERROR"/);
    } finally {
      await mendDatabase();
    }

    const recovered = await createPush(server, { payload: 'after the outage' });
    assert.equal((await server.fetch(`/api/passdrop/v1/pushes/${recovered.token}`)).status, 200);
    const pp = await server.fetch('/p.json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: { payload: 'after' } }) });
    assert.equal(pp.status, 201);
    await pp.arrayBuffer();
    assert.deepEqual((await up()).body, { status: 'ok' });
  });
});

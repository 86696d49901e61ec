import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { AppDependencies } from '../../src/server/build-app.js';
import { startPassdrop, type RunningPassdrop } from '../../src/server/start-passdrop.js';
import { FIRST_RUN_LATCH } from '../../src/accounts/sign-in-service.js';
import { createInstanceSettingsStore } from '../../src/storage/instance-settings-store.js';
import { openMigratedDatabase } from './open-test-store.js';
import type { TestDatabase } from './test-databases.js';

export interface TestServer extends RunningPassdrop {
  /** Every log line the server wrote, as raw text. */
  readonly logs: string[];
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export interface TestServerOptions {
  readonly env?: Record<string, string>;
  readonly clock?: () => number;
  readonly beforeListen?: (app: FastifyInstance) => void | Promise<void>;
  /** Probe routes added inside a surface (they must declare `config.access`). */
  readonly probeRoutes?: AppDependencies['probeRoutes'];
  /**
   * 'pending': a fresh instance, whose first account must come from the first-run page (the code is in
   * the logs). By default the first run is marked done, as after the operator used it, so suites can sign up.
   */
  readonly firstRun?: 'pending' | 'done';
}

/**
 * Marks the first run done in `database` (the latch the first-run page sets), so that sign-up is open
 * on an instance without accounts; what an instance looks like after its operator used /setup.
 */
export async function markFirstRunDone(database: TestDatabase): Promise<void> {
  const db = await openMigratedDatabase(database, 1);
  try {
    await createInstanceSettingsStore(db).setIfAbsent(FIRST_RUN_LATCH, String(Date.now()));
  } finally {
    await db.close();
  }
}

/**
 * Limits high enough that suites firing hundreds of requests from 127.0.0.1 never meet them; the limits
 * stay on (PASSDROP_RATE_LIMITS keeps its default), and test/http/rate-limits.test.ts sets its own.
 */
export const GENEROUS_RATE_LIMITS: Readonly<Record<string, string>> = {
  PASSDROP_CREATE_LIMIT_PER_IP: '1000000',
  PASSDROP_CREATE_LIMIT_PER_ACCOUNT: '1000000',
  PASSDROP_REVEAL_LIMIT_PER_IP: '1000000',
  PASSDROP_REVEAL_LIMIT_PER_ACCOUNT: '1000000',
  PASSDROP_API_LIMIT_PER_IP: '1000000',
  PASSDROP_API_LIMIT_PER_ACCOUNT: '1000000',
  PASSDROP_SIGN_UP_LIMIT_PER_IP: '1000000',
};

/** The environment a test server starts from: loopback, a random port, a fresh key, the given database. */
export function testServerEnvironment(database: TestDatabase, env: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    PASSDROP_DATA_DIR: join(database.directory, 'data'),
    PASSDROP_MASTER_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'info',
    ...GENEROUS_RATE_LIMITS,
    ...env,
  };
}

/** Starts the real server in this process on 127.0.0.1, port 0, capturing its logs. */
export async function startTestServer(database: TestDatabase, options: TestServerOptions = {}): Promise<TestServer> {
  if (options.firstRun !== 'pending') await markFirstRunDone(database);
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const server = await startPassdrop({
    env: testServerEnvironment(database, options.env),
    logDestination,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.beforeListen ? { beforeListen: options.beforeListen } : {}),
    ...(options.probeRoutes ? { probeRoutes: options.probeRoutes } : {}),
  });
  return Object.assign(server, {
    logs,
    fetch: (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init),
  });
}

import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config/load-config.js';
import { masterKeyFromHex } from '../crypto/master-key-ring.js';
import { createLogger } from '../logging/create-logger.js';
import { openDatabase } from '../storage/open-database.js';
import { buildApp } from './build-app.js';

/**
 * The OpenAPI document exactly as the server serves it at /api/openapi.json, built from the route
 * schemas of an app that never listens (used to write docs/openapi.json).
 */
export async function generateOpenApiDocument(): Promise<unknown> {
  const loaded = loadConfig({ DATABASE_URL: 'sqlite::memory:' });
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  const key = masterKeyFromHex(randomBytes(32).toString('hex'));
  const database = openDatabase(loaded.config.database);
  const app = await buildApp({
    config: loaded.config,
    database,
    logger: createLogger('silent'),
    keys: { current: key, all: [key], byId: () => key },
    clock: Date.now,
    runJobs: false,
  });
  try {
    await app.ready();
    return app.swagger();
  } finally {
    await app.close();
    await database.close();
  }
}

export async function renderOpenApiFile(): Promise<string> {
  return `${JSON.stringify(await generateOpenApiDocument(), null, 2)}\n`;
}

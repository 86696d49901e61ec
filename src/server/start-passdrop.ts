import type { FastifyInstance } from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import { loadConfig, type Environment, type PassdropConfig } from '../config/load-config.js';
import { resolveMasterKeys } from '../crypto/master-key-ring.js';
import { buildApp, type AppDependencies } from './build-app.js';
import { createLogger } from '../logging/create-logger.js';
import { migrate } from '../storage/migrator.js';
import type { Database } from '../storage/open-database.js';
import { openDatabaseWhenReady } from '../storage/wait-for-database.js';
import { startMetricsServer } from './metrics-server.js';

/** Thrown when the configuration cannot be used; `problems` lists every one of them. */
export class StartupError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Passdrop cannot start:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'StartupError';
  }
}

export interface RunningPassdrop {
  readonly app: FastifyInstance;
  readonly config: PassdropConfig;
  readonly database: Database;
  readonly logger: Logger;
  /** e.g. http://127.0.0.1:5100 */
  readonly url: string;
  /** The metrics listener's address, when PASSDROP_METRICS_PORT is set. */
  readonly metricsUrl: string | undefined;
  /** Stops accepting connections, lets in-flight requests finish, then closes the database. */
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly env: Environment;
  readonly cwd?: string;
  /** Where log lines go instead of stdout (tests capture them). */
  readonly logDestination?: DestinationStream;
  readonly clock?: () => number;
  /** Called with the built app before it listens. */
  readonly beforeListen?: (app: FastifyInstance) => void | Promise<void>;
  /** Tests only: probe routes added inside a surface (see AppDependencies.probeRoutes). */
  readonly probeRoutes?: AppDependencies['probeRoutes'];
}

/**
 * Loads the configuration, finds the master key, opens and migrates the database and starts listening.
 *
 * @example const server = await startPassdrop({ env: process.env });
 */
export async function startPassdrop(options: StartOptions): Promise<RunningPassdrop> {
  const loaded = loadConfig(options.env, options.cwd);
  if (!loaded.ok) throw new StartupError(loaded.problems);
  const { config } = loaded;
  const logger = createLogger(config.logLevel, options.logDestination);

  const keys = resolveMasterKeys(config);
  if (!keys.ok) throw new StartupError(keys.problems);
  if (keys.source.kind === 'generated') {
    logger.warn({ path: keys.source.path }, 'generated a new master key; back this file up, pushes cannot be read without it');
  } else if (keys.source.kind === 'data-dir' || keys.source.kind === 'file') {
    logger.info({ path: keys.source.path }, 'master key read from file');
  }

  const database = await openDatabaseWhenReady(config.database, {
    onRetry: (retry) => logger.warn(retry, 'database not reachable yet; retrying'),
  });
  try {
    const { applied } = await migrate(database);
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
    const app = await buildApp({ config, database, logger, keys: keys.ring, clock: options.clock ?? Date.now, ...(options.probeRoutes ? { probeRoutes: options.probeRoutes } : {}) });
    await options.beforeListen?.(app);
    const metricsServer = config.operations.metrics ? await startMetricsServer(app.metrics, config.operations.metrics) : undefined;
    if (metricsServer) logger.info({ address: `${metricsServer.url}/metrics`, token: config.operations.metrics?.token !== undefined }, 'metrics are served');
    const address = await app.listen({ port: config.server.port, host: config.server.host });
    logger.info({ address, database: config.database.kind }, 'Passdrop is listening');
    const port = (app.server.address() as { port: number }).port;
    const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
    return {
      app,
      config,
      database,
      logger,
      url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
      metricsUrl: metricsServer?.url,
      async stop() {
        await metricsServer?.close();
        await app.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

import type { DatabaseConfig } from '../config/load-config.js';
import { openDatabase, type Database } from './open-database.js';

/** Start-up gave up on the database; the message says where, for how long and the last error. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

export interface DatabaseRetry {
  /** 1 for the first failed attempt. */
  readonly attempt: number;
  /** host:port/database, never the user or password. */
  readonly target: string;
  /** The failure's code (ECONNREFUSED, ENOTFOUND, 57P03…) when it has one. */
  readonly code: string | undefined;
  readonly reason: string;
  /** Milliseconds until the next attempt. */
  readonly retryInMs: number;
}

export interface WaitOptions {
  /** Called after each failed attempt that will be retried (start-up logs it). */
  readonly onRetry?: (retry: DatabaseRetry) => void;
}

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;

/**
 * Opens the configured database and waits until it answers a query. A PostgreSQL server that cannot
 * be reached yet (a container starting beside Passdrop: DNS name not there yet, connection refused,
 * "the database system is starting up") is retried for `config.startupWaitMs`, waiting 0.25 s, then
 * twice as long each time up to 5 s. Errors that waiting cannot fix fail at once: a wrong password
 * (SQLSTATE class 28) or database name (3D000). SQLite is opened once: a local file does not appear by
 * waiting.
 *
 * @returns the open database, which answered `select 1`
 * @throws DatabaseUnavailableError when the time is up or the error is permanent; the database is closed
 * @example const database = await openDatabaseWhenReady(config.database, { onRetry: (r) => logger.warn(r) });
 */
export async function openDatabaseWhenReady(config: DatabaseConfig, options: WaitOptions = {}): Promise<Database> {
  if (config.kind === 'sqlite') return openDatabase(config);
  const target = describeTarget(config.url);
  const deadline = Date.now() + (config.startupWaitMs ?? 0);
  for (let attempt = 1, delay = FIRST_DELAY_MS; ; attempt++, delay = Math.min(delay * 2, MAX_DELAY_MS)) {
    const database = openDatabase(config);
    try {
      await database.ping();
      return database;
    } catch (error) {
      await database.close().catch(() => undefined);
      const code = errorCode(error);
      const reason = describeError(error);
      if (isPermanent(code)) {
        throw new DatabaseUnavailableError(`The database at ${target} refused Passdrop: ${reason}. Check DATABASE_URL.`, { cause: error });
      }
      const retryInMs = Math.min(delay, deadline - Date.now());
      if (retryInMs <= 0) {
        const waited = Math.round((config.startupWaitMs ?? 0) / 1000);
        throw new DatabaseUnavailableError(
          `The database at ${target} did not answer within ${waited} s (PASSDROP_DATABASE_WAIT_SECONDS); last error: ${reason}`,
          { cause: error },
        );
      }
      options.onRetry?.({ attempt, target, code, reason, retryInMs });
      await new Promise((resolve) => setTimeout(resolve, retryInMs));
    }
  }
}

/** Wrong credentials (class 28) or no such database (3D000): retrying will not help. */
function isPermanent(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('28') || code === '3D000');
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Node's AggregateError (one per address tried) has an empty message: use its parts' messages. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message !== '') return error.message;
  const parts = error instanceof AggregateError ? error.errors.map((part) => (part instanceof Error ? part.message : String(part))) : [];
  return parts.join('; ') || errorCode(error) || error.name;
}

function describeTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

import type { InstanceSettingsStore } from './instance-settings-store.js';
import type { Database } from './open-database.js';

/** What `/up` reports about the database: whether it answers a query and accepts a write. */
export type DatabaseHealth = { ok: true } | { ok: false; reason: 'not_answering' | 'not_writable'; error: unknown };

export interface DatabaseHealthProbe {
  /**
   * Answers the latest result: a fresh one when the last write probe is older than the interval,
   * else the remembered one (concurrent callers share one probe in flight).
   */
  check(): Promise<DatabaseHealth>;
}

/** The instance_settings key the probe writes (the time of the last probe, in epoch milliseconds). */
export const WRITE_PROBE_KEY = 'health.write_probe';

/**
 * The database check behind `/up`: a trivial query, then one small write (an upsert of one
 * instance_settings row), at most once per `intervalMs` of `clock` so a load balancer polling every
 * second costs one write every few seconds. A node whose SQLite file cannot be written (read-only, disk
 * full, I/O errors) must leave the pool even though reads still work; a failed result is not remembered,
 * so recovery shows on the next check.
 */
export function createDatabaseHealthProbe(deps: {
  database: Pick<Database, 'ping'>;
  settings: Pick<InstanceSettingsStore, 'set'>;
  clock: () => number;
  intervalMs: number;
}): DatabaseHealthProbe {
  let lastWriteAt: number | undefined;
  let inFlight: Promise<DatabaseHealth> | undefined;

  async function probe(): Promise<DatabaseHealth> {
    try {
      await deps.database.ping();
    } catch (error) {
      lastWriteAt = undefined;
      return { ok: false, reason: 'not_answering', error };
    }
    const now = deps.clock();
    if (lastWriteAt !== undefined && now - lastWriteAt < deps.intervalMs) return { ok: true };
    try {
      await deps.settings.set(WRITE_PROBE_KEY, String(now));
      lastWriteAt = now;
      return { ok: true };
    } catch (error) {
      lastWriteAt = undefined;
      return { ok: false, reason: 'not_writable', error };
    }
  }

  return {
    check() {
      inFlight ??= probe().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
}

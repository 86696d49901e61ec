import type { Logger } from 'pino';
import type { PushPolicy } from '../config/load-config.js';
import type { PushStore } from '../pushes/push-store.js';
import type { Database } from '../storage/open-database.js';

const DAY = 86_400_000;
const BATCH = 500;

/** Records the sweeper expires and purges besides pushes, in the same pass (requests and their answers). */
export interface Sweepable {
  /** Expires up to `limit` records whose time ran out; answers how many. */
  sweepTimeExpired(now: number, limit: number): Promise<number>;
  /** Deletes up to `limit` records expired before `cutoff`; answers how many. */
  purgeExpiredBefore(cutoff: number, limit: number): Promise<number>;
}

export interface ExpirySweeper {
  /** One pass: expire pushes whose time ran out, then purge expired pushes past the retention. */
  sweepOnce(): Promise<{ expired: number; purged: number }>;
  stop(): Promise<void>;
}

/**
 * Deletes payloads of time-expired pushes (and answers to requests) even when nobody visits them, closes
 * request links whose time ran out, and purges old expired pushes and closed requests.
 * Every process runs one: each push is expired by a conditional UPDATE, so concurrent sweepers never
 * expire a push twice.
 *
 * @example const sweeper = startExpirySweeper({ store, policy: config.pushes, clock: Date.now, logger });
 */
export function startExpirySweeper(deps: {
  store: PushStore;
  /** Swept the same way, after pushes: request links and answers whose time ran out. */
  also?: readonly Sweepable[];
  database: Pick<Database, 'flushDeletions'>;
  policy: PushPolicy;
  clock: () => number;
  logger: Logger;
  /** Other housekeeping done on each pass (ended sessions, old rate-limit windows). */
  extraWork?: (now: number) => Promise<void>;
  /** Told after each finished pass: how long it took (milliseconds) and what it did (for the metrics). */
  onPass?: (result: { expired: number; purged: number }, durationMs: number) => void;
}): ExpirySweeper {
  const { store, policy, clock, logger, database } = deps;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  async function sweepOnce(): Promise<{ expired: number; purged: number }> {
    const now = clock();
    let expired = 0;
    let purged = 0;
    for (const sweepable of [store, ...(deps.also ?? [])]) {
      for (let batch = await sweepable.sweepTimeExpired(now, BATCH); batch > 0; batch = await sweepable.sweepTimeExpired(now, BATCH)) {
        expired += batch;
        if (batch < BATCH) break;
      }
      if (policy.purgeExpiredAfterDays > 0) {
        const cutoff = now - policy.purgeExpiredAfterDays * DAY;
        for (let batch = await sweepable.purgeExpiredBefore(cutoff, BATCH); batch > 0; batch = await sweepable.purgeExpiredBefore(cutoff, BATCH)) {
          purged += batch;
          if (batch < BATCH) break;
        }
      }
    }
    await deps.extraWork?.(now);
    // Payloads deleted since the last pass (by views, viewers, locks or this sweep) leave the disk too.
    await database.flushDeletions();
    if (expired > 0 || purged > 0) logger.info({ expired, purged }, 'expiry sweep');
    deps.onPass?.({ expired, purged }, clock() - now);
    return { expired, purged };
  }

  function tick(): void {
    if (stopped) return;
    running = sweepOnce().catch((error: unknown) => logger.error({ err: error }, 'expiry sweep failed'));
  }

  // Processes started together should not all sweep in the same instant.
  const timer = setInterval(tick, policy.sweepIntervalMs);
  timer.unref();
  const first = setTimeout(tick, Math.floor(Math.random() * Math.min(policy.sweepIntervalMs, 5000)));
  first.unref();

  return {
    sweepOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(first);
      await running;
    },
  };
}

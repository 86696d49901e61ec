import type { Database } from '../storage/open-database.js';
import { hotStatement, runHot } from '../storage/hot-statement.js';
import { writeStatement } from '../storage/write-transaction.js';

/**
 * Fixed-window counters kept in the database, so every process behind a load balancer counts the same
 * attempts. (`@fastify/rate-limit` counts requests per process or in Redis; sign-in limits must count
 * failures per account and per IP on SQLite and PostgreSQL alike, without another service.)
 */
export interface RateLimitStore {
  /** Counts one hit in the bucket's current window (starting a new window when the old one ended); answers the hits so far. */
  hit(bucket: string, windowMs: number, now: number): Promise<number>;
  /** The same count as `hit`, with when the bucket's window ends (milliseconds since the epoch), for `Retry-After`. */
  hitWindow(bucket: string, windowMs: number, now: number): Promise<{ hits: number; resetAt: number }>;
  /** Forgets windows that ended before `cutoff`. */
  purge(cutoff: number): Promise<number>;
}

const HIT_WINDOW = hotStatement(
  'insert into rate_limit_windows (bucket, window_start, hits) values (?, cast(? as bigint), 1) ' +
    'on conflict (bucket) do update set ' +
    'hits = case when rate_limit_windows.window_start <= cast(? as bigint) then 1 else rate_limit_windows.hits + 1 end, ' +
    'window_start = case when rate_limit_windows.window_start <= cast(? as bigint) then cast(? as bigint) else rate_limit_windows.window_start end ' +
    'returning hits, window_start',
);

export function createRateLimitStore(database: Database): RateLimitStore {
  const { db } = database;
  async function hitWindow(bucket: string, windowMs: number, now: number): Promise<{ hits: number; resetAt: number }> {
    const stale = now - windowMs;
    // One statement: the insert-or-update is atomic on both databases, so concurrent hits are all counted.
    const result = await writeStatement(database, (executor) => runHot<{ hits: number; window_start: number | string }>(executor, HIT_WINDOW, [bucket, now, stale, stale, now]));
    const row = result.rows[0];
    return { hits: Number(row?.hits ?? 1), resetAt: Number(row?.window_start ?? now) + windowMs };
  }
  return {
    hitWindow,
    async hit(bucket, windowMs, now) {
      return (await hitWindow(bucket, windowMs, now)).hits;
    },
    async purge(cutoff) {
      const result = await db.deleteFrom('rate_limit_windows').where('window_start', '<', cutoff).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

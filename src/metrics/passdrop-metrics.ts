import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Passdrop's Prometheus metrics, on a registry of their own (one per app, so tests can build many apps in
 * one process). Labels hold only bounded, non-secret values: route patterns (`/p/:token`, never a
 * token), status codes, push kinds, outcome reasons, limit names. Never a token, link, name or address.
 */
export interface PassdropMetrics {
  readonly registry: Registry;
  /** One finished HTTP request: its route pattern ('(unmatched)' when none matched), method, status, seconds taken. */
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  pushCreated(kind: string): void;
  pushViewed(kind: string): void;
  /** reason: 'views' (the last view used), 'viewer' / 'owner' (deleted), 'locked', 'time' (seen after its time ran out). */
  pushExpired(kind: string, reason: string): void;
  passphraseFailed(): void;
  pushLocked(): void;
  signInFailed(reason: string): void;
  rateLimited(action: string, scope: string): void;
  /** One sweeper pass, with its duration in seconds and what it expired and purged. */
  sweeperRan(seconds: number, expired: number): void;
}

export interface MetricsSources {
  /** Milliseconds since the epoch (the app's clock), for the sweeper's lag. */
  readonly clock: () => number;
  /** Connections of the database pool, when it has one (PostgreSQL). */
  readonly poolStats?: () => { total: number; idle: number; waiting: number };
  /** The notification outbox's backlog (a database read at each scrape). */
  readonly outboxBacklog?: () => Promise<{ undispatchedEvents: number; pendingDeliveries: number }>;
}

export function createPassdropMetrics(sources: MetricsSources): PassdropMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'passdrop_http_requests_total', help: 'HTTP requests by route pattern, method and status', labelNames: ['route', 'method', 'status'], registers: [registry] });
  const latency = new Histogram({
    name: 'passdrop_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern and method',
    labelNames: ['route', 'method'],
    // Fine below 5 ms: the benchmark reads the server-side p50/p99 from these buckets.
    buckets: [0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const created = new Counter({ name: 'passdrop_pushes_created_total', help: 'Pushes created, by kind', labelNames: ['kind'], registers: [registry] });
  const viewed = new Counter({ name: 'passdrop_pushes_viewed_total', help: 'Push views (payload delivered), by kind', labelNames: ['kind'], registers: [registry] });
  const expired = new Counter({ name: 'passdrop_pushes_expired_total', help: 'Pushes expired by a request, by kind and reason', labelNames: ['kind', 'reason'], registers: [registry] });
  const swept = new Counter({ name: 'passdrop_sweeper_expired_total', help: 'Pushes and request answers the sweeper expired because their time ran out', registers: [registry] });
  const passphraseFailures = new Counter({ name: 'passdrop_passphrase_failures_total', help: 'Wrong passphrases sent for pushes', registers: [registry] });
  const locks = new Counter({ name: 'passdrop_push_locks_total', help: 'Pushes locked after too many wrong passphrases', registers: [registry] });
  const signInFailures = new Counter({ name: 'passdrop_sign_in_failures_total', help: 'Failed web sign-ins, by reason', labelNames: ['reason'], registers: [registry] });
  const limited = new Counter({ name: 'passdrop_rate_limited_total', help: 'Requests refused by a rate limit, by limit and scope (ip or account)', labelNames: ['limit', 'scope'], registers: [registry] });
  const sweeperRuns = new Counter({ name: 'passdrop_sweeper_runs_total', help: 'Expiry sweeper passes', registers: [registry] });
  const sweeperDuration = new Histogram({ name: 'passdrop_sweeper_duration_seconds', help: 'How long a sweeper pass took', buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30], registers: [registry] });
  let lastSweep: number | undefined;
  new Gauge({
    name: 'passdrop_sweeper_lag_seconds',
    help: 'Seconds since the last finished sweeper pass in this process (absent before the first)',
    registers: [registry],
    collect() {
      if (lastSweep !== undefined) this.set((sources.clock() - lastSweep) / 1000);
    },
  });
  const poolStats = sources.poolStats;
  if (poolStats) {
    new Gauge({
      name: 'passdrop_db_pool_connections',
      help: 'Database pool connections by state (total, idle, waiting clients)',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const stats = poolStats();
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
      },
    });
  }
  const outboxBacklog = sources.outboxBacklog;
  if (outboxBacklog) {
    new Gauge({
      name: 'passdrop_outbox_backlog',
      help: 'Notification work not yet done: events not yet fanned out (state="events") and deliveries pending or awaiting a retry (state="deliveries")',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        const backlog = await outboxBacklog();
        this.set({ state: 'events' }, backlog.undispatchedEvents);
        this.set({ state: 'deliveries' }, backlog.pendingDeliveries);
      },
    });
  }
  return {
    registry,
    observeRequest(route, method, status, seconds) {
      requests.inc({ route, method, status: String(status) });
      latency.observe({ route, method }, seconds);
    },
    pushCreated: (kind) => created.inc({ kind }),
    pushViewed: (kind) => viewed.inc({ kind }),
    pushExpired: (kind, reason) => expired.inc({ kind, reason }),
    passphraseFailed: () => passphraseFailures.inc(),
    pushLocked: () => locks.inc(),
    signInFailed: (reason) => signInFailures.inc({ reason }),
    rateLimited: (action, scope) => limited.inc({ limit: action, scope }),
    sweeperRan(seconds, count) {
      sweeperRuns.inc();
      sweeperDuration.observe(seconds);
      swept.inc(count);
      lastSweep = sources.clock();
    },
  };
}

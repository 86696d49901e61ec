import rateLimit, { normalizeIP, type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RateLimitStore } from '../accounts/rate-limit-store.js';
import type { LimitedAction, OperationsConfig } from '../config/operations-settings.js';
import { AppError } from '../errors/app-error.js';

/** What the limiter tells the metrics: which limit refused a request. */
export type LimitRefusedHook = (action: LimitedAction, scope: 'ip' | 'account') => void;

/**
 * A `@fastify/rate-limit` store that keeps its counters in our database (`rate_limit_windows`, one atomic
 * upsert per hit), so every process behind a load balancer counts the same requests on SQLite and
 * PostgreSQL alike, with no Redis to run. Time comes from the app's clock.
 */
function databaseStore(counters: RateLimitStore, clock: () => number): FastifyRateLimitStoreCtor {
  class DatabaseRateLimitStore implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      const now = clock();
      counters.hitWindow(key, timeWindow, now).then(
        ({ hits, resetAt }) => callback(null, { current: hits, ttl: Math.max(0, resetAt - now) }),
        (error: Error) => callback(error),
      );
    }
    child(): FastifyRateLimitStore {
      return this;
    }
  }
  return DatabaseRateLimitStore;
}

/**
 * Registers the abuse limits on `app`; call it before the surfaces are registered, so the hook reaches
 * every route. A route declares what it counts against in `config.limits`; the check runs in `preParsing`,
 * after the surface's authentication (so a signed-in request is counted against its account, an anonymous
 * or wrongly authenticated one against its IP address) and before any body is read. The client address is
 * Fastify's `request.ip`, which believes X-Forwarded-For only from TRUSTED_PROXIES; IPv6 addresses are
 * counted by their /64, since one host usually holds the whole prefix.
 *
 * Over a limit the request fails with RATE_LIMITED and `Retry-After` (seconds until the window ends),
 * which each surface renders in its own error shape. Counting is a fixed window per bucket, so a burst
 * straddling a window boundary can reach twice the limit (the usual trade for one statement per hit).
 *
 * `@fastify/rate-limit` does the key derivation, IPv6 grouping and window arithmetic; it is driven through
 * `createRateLimit` because one request counts against several limits (an API creation: `api` and
 * `create`), which its per-route configuration (one limit per route) cannot express.
 */
/**
 * The address a limit counts against. `request.ip` is undefined once the client has hung up (Node
 * forgets a destroyed socket's address); such a request still counts, under one shared key.
 */
function clientAddressKey(request: FastifyRequest): string {
  return request.ip === undefined ? 'disconnected' : normalizeIP(request.ip);
}

export async function registerRequestLimits(
  app: FastifyInstance,
  deps: { counters: RateLimitStore; operations: OperationsConfig; clock: () => number; onRefused?: LimitRefusedHook },
): Promise<void> {
  const { rateLimits } = deps.operations;
  if (!rateLimits.enabled) return;
  await app.register(rateLimit, { global: false, store: databaseStore(deps.counters, deps.clock), skipOnError: false });
  type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
  const limiters = new Map<string, Limiter>();
  for (const [action, limit] of Object.entries(rateLimits.actions) as Array<[LimitedAction, (typeof rateLimits.actions)[LimitedAction]]>) {
    limiters.set(`${action}:ip`, app.createRateLimit({ max: limit.perIp, timeWindow: limit.windowMs, keyGenerator: (request) => `limit:${action}:ip:${clientAddressKey(request)}` }));
    limiters.set(`${action}:account`, app.createRateLimit({ max: limit.perAccount, timeWindow: limit.windowMs, keyGenerator: (request) => `limit:${action}:account:${request.user!.id}` }));
  }
  app.addHook('preParsing', async function enforceRequestLimits(request: FastifyRequest) {
    const actions = request.routeOptions.config.limits;
    if (actions === undefined) return;
    const scope = request.user && actions.every((action) => action !== 'sign-up') ? 'account' : 'ip';
    for (const action of actions) {
      const result = await limiters.get(`${action}:${scope}`)!(request);
      if (!result.isAllowed && result.isExceeded) {
        deps.onRefused?.(action, scope);
        request.log.info({ limit: action, scope }, 'rate limit reached');
        throw new AppError('RATE_LIMITED', { headers: { 'retry-after': String(Math.max(1, result.ttlInSeconds)) } });
      }
    }
  });
}

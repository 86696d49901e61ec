import type { FastifyInstance } from 'fastify';
import { DATABASE_RETRY_AFTER_SECONDS } from '../../storage/database-outage.js';
import type { DatabaseHealthProbe } from '../../storage/database-health.js';

/**
 * `GET /up`: 200 while the database answers and accepts writes (a write probe at most every few
 * seconds), 503 with Retry-After when it does not, so load balancers and orchestrators stop sending
 * requests to a node whose writes would all fail. The cause is logged, never sent.
 */
export function registerHealthRoutes(app: FastifyInstance, health: DatabaseHealthProbe): void {
  app.get('/up', { logLevel: 'warn', config: { access: 'public', gateway: true }, exposeHeadRoute: true }, async (request, reply) => {
    const result = await health.check();
    if (result.ok) return { status: 'ok' };
    request.log.error({ err: result.error, reason: result.reason }, 'health check failed');
    const error = result.reason === 'not_answering' ? 'The database is not answering.' : 'The database does not accept writes.';
    return reply.code(503).header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS)).send({ status: 'unavailable', error });
  });
}

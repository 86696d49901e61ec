import type { FastifyInstance } from 'fastify';
import type { Database } from '../../storage/open-database.js';

/** `GET /up`: 200 while the database answers, 503 when it does not (for load balancers and orchestrators). */
export function registerHealthRoutes(app: FastifyInstance, database: Pick<Database, 'ping'>): void {
  app.get('/up', { logLevel: 'warn', config: { access: 'public', gateway: true }, exposeHeadRoute: true }, async (_request, reply) => {
    try {
      await database.ping();
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable', error: 'The database is not answering.' });
    }
  });
}

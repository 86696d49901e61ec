import type { FastifyInstance } from 'fastify';

/** Secret links must never be crawled or indexed. */
export function registerRobotsRoutes(app: FastifyInstance): void {
  app.get('/robots.txt', { config: { access: 'public', gateway: true }, exposeHeadRoute: true }, async (_request, reply) =>
    reply.type('text/plain; charset=utf-8').header('cache-control', 'public, max-age=86400').send('User-agent: *\nDisallow: /\n'),
  );
}

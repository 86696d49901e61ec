import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { PassdropConfig } from '../../config/load-config.js';
import type { DatabaseHealthProbe } from '../../storage/database-health.js';
import { catalogueErrorOf, sendErrorJson, unmatchedRouteError, type AllowedMethods } from '../surface-kit/error-rendering.js';
import { defaultAccess, stampSurface } from '../surface-kit/route-access.js';
import { registerHealthRoutes } from './health-routes.js';
import { registerRobotsRoutes } from './robots-routes.js';

/**
 * swagger-ui has no dark theme of its own: in dark mode the page is inverted (hue turned back so colours
 * keep their meaning) and images and highlighted code are inverted again so they look as drawn.
 */
const SWAGGER_DARK_CSS = `@media (prefers-color-scheme: dark) {
  html { background: #0f1216; color-scheme: dark; }
  body { filter: invert(0.9) hue-rotate(180deg); background: #f0f0f0; }
  body img, body svg, body .microlight, body .highlight-code pre { filter: invert(1) hue-rotate(180deg); }
}
`;

/**
 * What serves the service rather than its users: `/up` for health checks, `robots.txt`, and the API
 * documents (`/api/openapi.json`, swagger-ui at `/api/docs`). Everything here is public and read-only;
 * unknown paths under `/api` get the catalogue's JSON 404.
 */
export async function operationsSurface(
  scope: FastifyInstance,
  deps: { config: PassdropConfig; health: DatabaseHealthProbe; allowedMethods: AllowedMethods; openApiDocument: () => unknown },
): Promise<void> {
  stampSurface(scope, 'operations');
  registerHealthRoutes(scope, deps.health);
  registerRobotsRoutes(scope);
  const bodyLimit = deps.config.server.bodyLimitBytes;
  await scope.register(
    async (api) => {
      api.setErrorHandler((error, request, reply) => sendErrorJson(request, reply, catalogueErrorOf(request, error, bodyLimit)));
      api.setNotFoundHandler((request, reply) => sendErrorJson(request, reply, unmatchedRouteError(request, deps.allowedMethods)));
      api.get('/openapi.json', { config: { access: 'public' } }, async (_request, reply) => reply.header('cache-control', 'no-cache').send(deps.openApiDocument()));
      await api.register(async (docs) => {
        defaultAccess(docs, 'public');
        await docs.register(swaggerUi, {
          routePrefix: '/docs',
          staticCSP: false,
          uiConfig: { deepLinking: false, layout: 'BaseLayout' },
          theme: { title: 'Passdrop API', css: [{ filename: 'theme.css', content: SWAGGER_DARK_CSS }] },
        });
      });
    },
    { prefix: '/api' },
  );
}

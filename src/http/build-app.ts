import { randomUUID } from 'node:crypto';
import formBody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import qs from 'qs';
import type { PassdropConfig } from '../config/load-config.js';
import type { MasterKeyRing } from '../crypto/master-key-ring.js';
import { registerHealthRoutes } from '../health/health-routes.js';
import { startExpirySweeper } from '../jobs/expiry-sweeper.js';
import { registerDeliveryPages } from '../pushes/delivery/delivery-pages.js';
import { createAccountService } from '../accounts/account-service.js';
import { createAccountStore } from '../accounts/account-store.js';
import { registerApiAuthentication } from '../accounts/api-authentication.js';
import { registerTokenRoutes } from '../accounts/token-routes.js';
import { registerTokenWebRoutes } from '../accounts/token-web-routes.js';
import { createAccountSettingsService } from '../accounts/account-settings-service.js';
import { registerAccountWebRoutes } from '../accounts/account-web-routes.js';
import { createMailer } from '../accounts/mailer.js';
import { createRateLimitStore } from '../accounts/rate-limit-store.js';
import { createSessionStore } from '../accounts/session-store.js';
import { createSignInService } from '../accounts/sign-in-service.js';
import { registerWebSessions } from '../accounts/web-session.js';
import { registerAdminRoutes } from '../admin/admin-routes.js';
import { registerDashboardRoutes } from '../dashboard/dashboard-routes.js';
import { createInstanceSettingsStore } from '../storage/instance-settings-store.js';
import { auditContextOf } from './audit-context.js';
import { publicBaseUrl } from './public-base-url.js';
import { AppError } from '../errors/app-error.js';
import { errorCatalogue } from '../errors/error-catalogue.js';
import {
  isPasswordPusherApiRequest,
  PASSWORD_PUSHER_SIGN_IN_REQUIRED,
  registerPasswordPusherRoutes,
} from '../pushes/password-pusher/password-pusher-routes.js';
import { PUSH_API_PREFIX, registerPushApiRoutes } from '../pushes/push-api/push-api-routes.js';
import { createPushService } from '../pushes/push-service.js';
import { createPushStore } from '../pushes/push-store.js';
import { renderErrorPage } from '../web/pages/error-page.js';
import { registerWebRoutes } from '../web/web-routes.js';
import { openApiDocumentation } from './openapi-documentation.js';
import type { Database } from '../storage/open-database.js';
import { errorBody, registerErrorHandling } from './plugins/error-handling.js';
import { registerSecurityHeaders } from './plugins/security-headers.js';
import { registerRobotsRoutes } from './robots-routes.js';

export interface AppDependencies {
  readonly config: PassdropConfig;
  readonly database: Database;
  readonly logger: Logger;
  readonly keys: MasterKeyRing;
  /** Milliseconds since the epoch; tests may pass a controllable clock. */
  readonly clock: () => number;
  /** Whether this process runs the expiry sweeper (the OpenAPI generator does not). */
  readonly runJobs?: boolean;
}

/**
 * The composition root: builds every store and service from the dependencies and mounts every route.
 *
 * @example const app = await buildApp({ config, database, logger, keys, clock: Date.now });
 */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger,
    genReqId: () => randomUUID(),
    // Never take a request id from the client: it would let anyone forge log correlation.
    requestIdHeader: false,
    trustProxy: config.server.trustedProxies.length > 0 ? [...config.server.trustedProxies] : false,
    bodyLimit: config.server.bodyLimitBytes,
    // One line per request, written by the onResponse hook below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // Unknown fields are an error (a typo must not be ignored silently), and every problem is listed.
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
  }) as unknown as FastifyInstance;

  const errorPages = registerErrorHandling(app);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ req: request, res: reply, ms: Math.round(reply.elapsedTime) }, 'request completed');
  });
  await registerSecurityHeaders(app);
  await app.register(formBody, {
    // Password Pusher clients send nested keys such as password[payload]=…
    parser: (body) => qs.parse(body, { depth: 2, parameterLimit: 200, arrayLimit: 50 }),
  });

  // Multipart fields arrive as a flat object; file uploads come with file pushes, so none is accepted yet.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { files: 0, fields: 200, fieldSize: config.server.bodyLimitBytes },
  });
  await app.register(swagger, { openapi: openApiDocumentation, hideUntagged: true });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: false, uiConfig: { deepLinking: false, layout: 'BaseLayout' } });
  app.get('/api/openapi.json', async (_request, reply) => reply.header('cache-control', 'no-cache').send(app.swagger()));

  registerHealthRoutes(app, deps.database);
  registerRobotsRoutes(app);

  const accountStore = createAccountStore(deps.database);
  const accounts = createAccountService({ store: accountStore, clock: deps.clock });
  const sessionStore = createSessionStore(deps.database);
  const rateLimits = createRateLimitStore(deps.database);
  const signIn = createSignInService({
    accounts: accountStore,
    sessions: sessionStore,
    rateLimits,
    settings: createInstanceSettingsStore(deps.database, deps.clock),
    keys: deps.keys,
    config,
    clock: deps.clock,
  });
  const accountSettings = createAccountSettingsService({
    accounts: accountStore,
    sessions: sessionStore,
    signIn,
    keys: deps.keys,
    clock: deps.clock,
    allowedEmailPattern: config.accounts.signupEmailPattern,
  });
  // Sessions first: the API authentication below lets a signed-in browser through as its account.
  registerWebSessions(app, { signIn, requireMfa: config.accounts.requireMfa });
  registerApiAuthentication(app, {
    accounts,
    isApiPath: (request) => isPasswordPusherApiRequest(request) || request.url.startsWith(`${PUSH_API_PREFIX}/`),
    refuse: (request) =>
      request.url.startsWith(`${PUSH_API_PREFIX}/`)
        ? { status: 401, body: errorBody(new AppError('UNAUTHENTICATED'), request.id) }
        : { status: 401, body: PASSWORD_PUSHER_SIGN_IN_REQUIRED },
    // As in Password Pusher: without anonymous access its whole API needs a token (version excepted).
    requiresAccount: (request) => !config.accounts.allowAnonymous && isPasswordPusherApiRequest(request),
    requireMfa: config.accounts.requireMfa,
    refuseMfa: (request) =>
      request.url.startsWith(`${PUSH_API_PREFIX}/`)
        ? { status: 403, body: errorBody(new AppError('MFA_REQUIRED'), request.id) }
        : { status: 403, body: { error: errorCatalogue.MFA_REQUIRED.message } },
  });

  const store = createPushStore(deps.database, { auditEventsPerPush: config.pushes.auditEventsPerPush });
  const service = createPushService({ store, keys: deps.keys, policy: config.pushes, clock: deps.clock });
  const pageContext = await registerWebRoutes(app, { service, config });
  errorPages.useErrorPages((request, reply, error) => renderErrorPage(pageContext(request, reply), error, request.id));
  const pages = registerDeliveryPages(app, service, pageContext);
  registerPasswordPusherRoutes(app, { service, config, clock: deps.clock, pages });
  registerPushApiRoutes(app, { service, config });
  registerTokenRoutes(app, { store: accountStore, clock: deps.clock, prefix: PUSH_API_PREFIX });
  const secureCookies = config.server.baseUrl?.startsWith('https:') ?? false;
  registerAccountWebRoutes(app, {
    signIn,
    settings: accountSettings,
    accounts: accountStore,
    mailer: createMailer(config.mail),
    config,
    pageContext,
    clock: deps.clock,
    baseUrl: (request) => publicBaseUrl(request, config.server.baseUrl),
    secureCookies,
    expireOwnedPushes: (userId, request) => service.expireAllOwned(userId, auditContextOf(request, userId)),
  });
  registerTokenWebRoutes(app, { store: accountStore, pageContext, clock: deps.clock });
  registerDashboardRoutes(app, { service, pageContext, baseUrl: (request) => publicBaseUrl(request, config.server.baseUrl) });
  registerAdminRoutes(app, { accounts: accountStore, service, pageContext, clock: deps.clock });

  if (deps.runJobs !== false) {
    const sweeper = startExpirySweeper({
      store,
      database: deps.database,
      policy: config.pushes,
      clock: deps.clock,
      logger: deps.logger,
      // Ended sessions and old rate-limit windows go with each pass.
      extraWork: async (now) => {
        await sessionStore.purgeExpired(now);
        await accountStore.purgeEmailTokens(now);
        await rateLimits.purge(now - 24 * 3_600_000);
      },
    });
    app.addHook('onClose', () => sweeper.stop());
    if (await signIn.needsFirstRun()) {
      const code = await signIn.issueFirstRunCode();
      deps.logger.warn(`No accounts yet. Open /setup to create the first admin with this one-time code: ${code}`);
    }
  }
  return app;
}

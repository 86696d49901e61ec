import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ANONYMOUS } from '../accounts/access-policy.js';
import { createAccountService } from '../accounts/account-service.js';
import { createAccountSettingsService } from '../accounts/account-settings-service.js';
import { createAccountStore } from '../accounts/account-store.js';
import { createApiTokenService } from '../accounts/api-token-service.js';
import { createMailer } from '../accounts/mailer.js';
import { createRateLimitStore } from '../accounts/rate-limit-store.js';
import { createSessionStore } from '../accounts/session-store.js';
import { createSignInService } from '../accounts/sign-in-service.js';
import { createIdentityStore } from '../accounts/identity-store.js';
import { createOidcSignInService } from '../accounts/oidc-sign-in-service.js';
import { createPasskeyService } from '../accounts/passkey-service.js';
import { createPasskeyStore } from '../accounts/passkey-store.js';
import { createSignInChallengeStore } from '../accounts/sign-in-challenge-store.js';
import type { PassdropConfig } from '../config/load-config.js';
import type { MasterKeyRing } from '../crypto/master-key-ring.js';
import type { BlobStore } from '../files/blob-store.js';
import { blobDiskDirectory, lazyBlobStore } from '../files/create-blob-store.js';
import { createFilePushService } from '../files/file-push-service.js';
import { createPushFileStore } from '../files/push-file-store.js';
import { createFileUploadStore } from '../files/file-upload-store.js';
import { createFileUploadService, type AnswerUploadGate } from '../files/file-upload-service.js';
import { startExpirySweeper } from '../jobs/expiry-sweeper.js';
import { createRevealHandoff } from '../pushes/reveal-handoff.js';
import { createRevealHandoffStore } from '../pushes/reveal-handoff-store.js';
import { instrumentPushService, instrumentSignIn } from '../metrics/instrument-services.js';
import { createPassdropMetrics, type PassdropMetrics } from '../metrics/passdrop-metrics.js';
import { startNotificationWorker } from '../jobs/notification-worker.js';
import { createNotificationDelivery } from '../notifications/notification-delivery.js';
import { createOutboxStore, enqueueEvent } from '../notifications/outbox-store.js';
import { createLinkEmailDelivery } from '../notifications/link-email-delivery.js';
import { createLinkEmailService } from '../notifications/link-email-service.js';
import { createLinkEmailStore } from '../notifications/link-email-store.js';
import { createReceiptService } from '../notifications/receipt-service.js';
import { createReceiptStore } from '../notifications/receipt-store.js';
import { createWebhookService } from '../notifications/webhook-service.js';
import { createWebhookStore } from '../notifications/webhook-store.js';
import { createAuditStore } from '../pushes/audit-store.js';
import { createPushService } from '../pushes/push-service.js';
import { createPushLinkVault } from '../pushes/push-link-vault.js';
import { createPushStore } from '../pushes/push-store.js';
import { secretUrl } from '../pushes/secret-link.js';
import type { RequestEventHooks } from '../requests/request-events.js';
import { createRequestService } from '../requests/request-service.js';
import { createAnswerFileStore } from '../requests/answer-file-store.js';
import { createRequestStore } from '../requests/request-store.js';
import { createDatabaseHealthProbe } from '../storage/database-health.js';
import { createInstanceSettingsStore } from '../storage/instance-settings-store.js';
import type { Database } from '../storage/open-database.js';
import { registerHealthRoutes } from '../surfaces/operations/health-routes.js';
import { openApiDocumentation, securityFor } from '../surfaces/operations/openapi-documentation.js';
import { operationsSurface } from '../surfaces/operations/operations-surface.js';
import { PASSDROP_API_PREFIX, passdropApiSurface } from '../surfaces/passdrop-api/passdrop-api-surface.js';
import { passwordPusherApiSurface } from '../surfaces/password-pusher-api/password-pusher-api-surface.js';
import { trackAllowedMethods } from '../surfaces/surface-kit/error-rendering.js';
import { formatConstraint } from '../surfaces/surface-kit/format-constraint.js';
import { applyGatewayMode, gatewayConstraint } from '../surfaces/surface-kit/gateway-mode.js';
import { createSiteAddress } from '../surfaces/surface-kit/public-url.js';
import { stampSurface, trackRouteTable, type RouteTableEntry, type SurfaceName } from '../surfaces/surface-kit/route-access.js';
import { registerSecurityHeaders } from '../surfaces/surface-kit/security-headers.js';
import { webSurface } from '../surfaces/web/web-surface.js';
import { answerClientError, answerFrameworkError } from './framework-errors.js';
import { createTranslations } from '../web/i18n/translator.js';
import { lazyCompilersFactory } from '../surfaces/surface-kit/lazy-compilers.js';
import { registerRequestLimits } from './request-limits.js';

/** How often `/up` writes to the database at most (a load balancer may poll it every second). */
const HEALTH_WRITE_PROBE_INTERVAL_MS = 5_000;

export interface AppDependencies {
  readonly config: PassdropConfig;
  readonly database: Database;
  readonly logger: Logger;
  readonly keys: MasterKeyRing;
  /** Milliseconds since the epoch; tests may pass a controllable clock. */
  readonly clock: () => number;
  /** Whether this process runs the expiry sweeper (the OpenAPI generator does not). */
  readonly runJobs?: boolean;
  /** Tests only: probe routes added inside a surface, so they get its authentication and error rendering. */
  readonly probeRoutes?: Partial<Record<SurfaceName, (scope: FastifyInstance) => void>>;
  /** Hooks on request events (`request.answered`), run inside the answer's transaction (src/requests/request-events.ts). */
  readonly requestEvents?: RequestEventHooks;
  /** Where file contents go; by default the store PASSDROP_FILE_STORAGE names, opened on first use. */
  readonly blobs?: BlobStore;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with its surface and declared access level; complete once the app is ready. */
    readonly routeTable: readonly RouteTableEntry[];
    /** The app's Prometheus metrics (served on PASSDROP_METRICS_PORT by start-passdrop.ts). */
    readonly metrics: PassdropMetrics;
  }
}

/**
 * The composition root: builds every store and service from the dependencies, then mounts the four
 * surfaces (operations, the Password Pusher API, the Passdrop API, the web UI), each an encapsulated
 * plugin with its own authentication, CSRF rule, error rendering and not-found handling. Under a
 * sub-path (PASSDROP_BASE_URL=https://host/secrets/) everything is mounted under that path.
 *
 * @example const app = await buildApp({ config, database, logger, keys, clock: Date.now });
 */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config, clock } = deps;
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
    // Slow clients (a body trickled a byte every few seconds) are cut: Node checks every open connection
    // each `connectionsCheckingInterval` against `headersTimeout` and `requestTimeout` (whole request).
    http: {
      requestTimeout: config.server.timeouts.requestMs,
      headersTimeout: config.server.timeouts.headersMs,
      keepAliveTimeout: config.server.timeouts.keepAliveMs,
      connectionsCheckingInterval: config.server.timeouts.checkIntervalMs,
    },
    requestTimeout: config.server.timeouts.requestMs,
    keepAliveTimeout: config.server.timeouts.keepAliveMs,
    // Unknown fields are an error (a typo must not be ignored silently), and every problem is listed.
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
    // Fastify's own compilers, run on a route's first request instead of at start-up (cold start, issue 19).
    schemaController: { compilersFactory: lazyCompilersFactory() },
    // HEAD must never change anything: only routes that declare `exposeHeadRoute: true` (pure reads) get one.
    exposeHeadRoutes: false,
    routerOptions: { constraints: { format: formatConstraint, gateway: gatewayConstraint } },
    // A path the router cannot decode, and bytes Node's parser refuses, answer in the catalogue's shape.
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  }) as unknown as FastifyInstance;

  // First, so the route table and the 405 router below see which routes a gateway process hides.
  applyGatewayMode(app, config.operations.gateway);
  const routeTable = trackRouteTable(app);
  app.decorate('routeTable', routeTable);
  const outbox = createOutboxStore(deps.database);
  const metrics = createPassdropMetrics({
    clock,
    outboxBacklog: () => outbox.backlog(),
    ...(deps.database.poolStats ? { poolStats: () => deps.database.poolStats!() } : {}),
  });
  app.decorate('metrics', metrics);
  const allowedMethods = trackAllowedMethods(app);
  // Each surface's onRequest hook fills these in; until then a request is anonymous.
  app.decorateRequest('authentication', null as never);
  app.decorateRequest('user', null);
  app.decorateRequest('session', null);
  app.decorateRequest('sessionUser', null);
  app.addHook('onRequest', (request, _reply, done) => {
    request.authentication = ANONYMOUS;
    done();
  });
  // The request line holds only what the req/res serializers pick (method, the URL with tokens shortened and
  // query values blanked, client address, status) and the request id: no path of REDACTED_PATHS can occur in
  // it, so it is written without pino's redaction pass (7 % of a request's CPU, issue 19). The level check
  // comes first, so a server at warn builds nothing.
  const requestLines = deps.logger.child({}, { redact: { paths: [], censor: '' } });
  app.addHook('onResponse', (request, reply, done) => {
    if (requestLines.isLevelEnabled('info')) requestLines.info({ reqId: request.id, req: request, res: reply, ms: Math.round(reply.elapsedTime) }, 'request completed');
    // The route's pattern (/p/:token), never the path: a label must not carry a token.
    metrics.observeRequest(request.routeOptions.url ?? '(unmatched)', request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  registerSecurityHeaders(app);
  await app.register(swagger, {
    openapi: openApiDocumentation,
    hideUntagged: true,
    // Each operation says how it may sign in, from the access level its route declares.
    transform: ({ schema, url, route }) => {
      if (!schema) return { schema, url };
      const access = (route.config as { access?: string } | undefined)?.access;
      const passwordPusher = (schema.tags as string[] | undefined)?.some((tag) => tag.startsWith('Password Pusher')) ?? false;
      return { schema: { ...schema, security: securityFor(access, passwordPusher) } as typeof schema, url };
    },
  });

  // --- stores and services ---------------------------------------------------------------------
  const accountStore = createAccountStore(deps.database);
  const accounts = createAccountService({ store: accountStore, clock });
  const tokens = createApiTokenService({ store: accountStore, clock });
  const sessionStore = createSessionStore(deps.database);
  const rateLimits = createRateLimitStore(deps.database);
  const signIn = instrumentSignIn(createSignInService({
    accounts: accountStore,
    sessions: sessionStore,
    rateLimits,
    settings: createInstanceSettingsStore(deps.database, clock),
    keys: deps.keys,
    config,
    clock,
  }), metrics);
  const challenges = createSignInChallengeStore(deps.database);
  const oidc = createOidcSignInService({
    policy: config.accounts.sso,
    accounts: accountStore,
    identities: createIdentityStore(deps.database),
    challenges,
    signIn,
    allowLogins: config.accounts.allowLogins,
    allowSignups: config.accounts.allowSignups,
    signupEmailPattern: config.accounts.signupEmailPattern,
    clock,
  });
  const passkeys = createPasskeyService({
    enabled: config.accounts.sso.passkeys,
    allowLogins: config.accounts.allowLogins,
    passkeys: createPasskeyStore(deps.database),
    accounts: accountStore,
    challenges,
    signIn,
    clock,
  });
  const settings = createAccountSettingsService({
    accounts: accountStore,
    sessions: sessionStore,
    signIn,
    keys: deps.keys,
    clock,
    allowedEmailPattern: config.accounts.signupEmailPattern,
  });
  const pushStore = createPushStore(deps.database, { auditEventsPerPush: config.pushes.auditEventsPerPush, links: createPushLinkVault(deps.keys) });
  const revealHandoffStore = createRevealHandoffStore(deps.database);
  const revealHandoff = createRevealHandoff({ store: revealHandoffStore, keys: deps.keys, clock });
  const auditStore = createAuditStore(deps.database, { auditEventsPerPush: config.pushes.auditEventsPerPush });
  const pushes = instrumentPushService(createPushService({ store: pushStore, audit: auditStore, keys: deps.keys, policy: config.pushes, access: config.accounts, clock }), metrics);
    const blobs = deps.blobs ?? lazyBlobStore(config.fileStorage, config.dataDir);
  if (!deps.blobs) app.addHook('onClose', () => blobs.close());
  const pushFileStore = createPushFileStore(deps.database);
  const fileUploadStore = createFileUploadStore(deps.database);
  const files = createFilePushService({
    pushes,
    files: pushFileStore,
    uploads: fileUploadStore,
    audit: auditStore,
    blobs,
    keys: deps.keys,
    policy: config.files,
    access: config.accounts,
    clock,
    diskDirectory: blobDiskDirectory(config.fileStorage, config.dataDir),
  });
  const answerFileStore = createAnswerFileStore(deps.database);
  // The request service is made below; answer uploads ask it through this late-bound gate.
  let answerUploadGate: AnswerUploadGate = async () => ({ ok: false, reason: 'not_found' });
  const uploads = createFileUploadService({
    answerUploads: (token) => answerUploadGate(token),
    isBlobReferencedElsewhere: (key) => answerFileStore.isBlobReferenced(key),
    uploads: fileUploadStore,
    files: pushFileStore,
    pushes,
    blobs,
    keys: deps.keys,
    policy: config.files,
    access: config.accounts,
    clock,
    diskDirectory: blobDiskDirectory(config.fileStorage, config.dataDir),
  });
  const requestStore = createRequestStore(deps.database, { auditEventsPerRequest: config.requests.auditEventsPerRequest });
  const site = createSiteAddress(config.server);
  const webhookStore = createWebhookStore(deps.database);
  const mailer = createMailer(config.mail);
  // The worker starts after the surfaces; until then (and without jobs) a queued notification waits for a poll.
  let wakeNotificationWorker: () => void = () => {};
  const webhooks = createWebhookService({ store: webhookStore, outbox, keys: deps.keys, policy: config.notifications, clock, onQueued: () => wakeNotificationWorker() });
  const receiptStore = createReceiptStore(deps.database);
  const receipts = createReceiptService({ store: receiptStore, clock });
  const linkEmailStore = createLinkEmailStore(deps.database, createPushLinkVault(deps.keys));
  const linkEmails = createLinkEmailService({
    store: linkEmailStore,
    pushes: pushStore,
    rateLimits,
    keys: deps.keys,
    policy: config.notifications,
    mailEnabled: mailer.enabled,
    siteUrl: site.configuredUrl,
    secretUrl,
    clock,
    onQueued: () => wakeNotificationWorker(),
  });
  const requestEvents: RequestEventHooks = {
    // The answer and its notification commit together (the outbox row is written in the answer's transaction).
    async answered(event, executor) {
      await enqueueEvent(executor, { type: 'request.answered', requestId: event.requestId, ownerUserId: event.ownerUserId, subjectName: event.requestName, occurredAt: event.answeredAt });
      await deps.requestEvents?.answered?.(event, executor);
    },
  };
  const requests = createRequestService({
    store: requestStore,
    rateLimits,
    keys: deps.keys,
    policy: config.requests,
    clock,
    events: requestEvents,
    files: { store: answerFileStore, uploads: fileUploadStore, blobs, policy: config.files },
  });
  answerUploadGate = (token) => requests.checkAnswerUpload(token);
  const health = createDatabaseHealthProbe({
    database: deps.database,
    settings: createInstanceSettingsStore(deps.database, clock),
    clock,
    intervalMs: HEALTH_WRITE_PROBE_INTERVAL_MS,
  });
  await registerRequestLimits(app, { counters: rateLimits, operations: config.operations, clock, onRefused: (action, scope) => metrics.rateLimited(action, scope) });

  // --- the surfaces ----------------------------------------------------------------------------
  const probes = deps.probeRoutes ?? {};
  await app.register(
    async (siteScope) => {
      await siteScope.register(async (scope) => {
        await operationsSurface(scope, { config, health, allowedMethods, openApiDocument: () => app.swagger() });
        probes.operations?.(scope);
      });
      await siteScope.register(async (scope) => {
        await passwordPusherApiSurface(scope, { service: pushes, files, config, site, clock, accounts, linkEmails, allowedMethods });
        probes['password-pusher-api']?.(scope);
      });
      await siteScope.register(
        async (scope) => {
          await passdropApiSurface(scope, { config, site, accounts, signIn, tokens, pushes, files, uploads, requests, webhooks, linkEmails, receipts, allowedMethods });
          probes['passdrop-api']?.(scope);
        },
        { prefix: PASSDROP_API_PREFIX },
      );
      await siteScope.register(async (scope) => {
        await webSurface(scope, { config, site, pushes, revealHandoff, requests, signIn, oidc, passkeys, settings, accounts: accountStore, tokens, mailer, webhooks, linkEmails, receipts, clock, allowedMethods });
        probes.web?.(scope);
      });
    },
    { prefix: site.basePath },
  );
  if (site.basePath !== '') {
    // Outside the sub-path: health checks still answer at /up; anything else says where Passdrop lives.
    await app.register(async (outside) => {
      stampSurface(outside, 'operations');
      registerHealthRoutes(outside, health);
      outside.setNotFoundHandler((request, reply) =>
        reply
          .code(404)
          .type('text/plain; charset=utf-8')
          .send(
            `Passdrop is served under ${site.basePath}/ (PASSDROP_BASE_URL). If a reverse proxy strips that prefix, ` +
              'configure it to pass the path through unchanged.\n',
          ),
      );
    });
  }

  if (deps.runJobs !== false) {
    // Before the first request: links stored before migration 0015 get their digest and envelope.
    const sealedLinks = await pushStore.sealLegacyLinks();
    if (sealedLinks > 0) deps.logger.info({ pushes: sealedLinks }, 'sealed the link tokens of pushes stored before migration 0015');
    const sweeper = startExpirySweeper({
      store: pushStore,
      // Answer files after requests: blobs of answers the request pass just expired go in the same sweep.
      also: [requestStore, { sweepTimeExpired: (now) => requests.sweepAnswerFiles(now), purgeExpiredBefore: async () => 0 }, revealHandoffStore],
      database: deps.database,
      policy: config.pushes,
      clock,
      logger: deps.logger,
      onPass: (result, durationMs) => metrics.sweeperRan(durationMs / 1000, result.expired),
      // Ended sessions and old rate-limit windows go with each pass.
      extraWork: async (now) => {
        await sessionStore.purgeExpired(now);
        // OIDC redirects and passkey ceremonies nobody finished.
        await challenges.purgeExpired(now);
        await accountStore.purgeEmailTokens(now);
        await rateLimits.purge(now - 24 * 3_600_000);
        // Blobs of expired file pushes (after the last download window) and of abandoned uploads.
        await files.sweep(now);
        await uploads.sweep(now);
      },
    });
    app.addHook('onClose', () => sweeper.stop());
    const translate = await createTranslations();
    const notificationWorker = startNotificationWorker({
      outbox,
      deliver: createNotificationDelivery({
        webhooks: webhookStore,
        keys: deps.keys,
        mailer,
        findUserEmail: async (userId) => (await accountStore.findUserById(userId))?.email,
        policy: config.notifications,
        brandTitle: config.brand.title,
        findReceiptLocale: async (userId) => (await receiptStore.findDefaults(userId))?.locale,
        translate,
        linkEmail: createLinkEmailDelivery({
          store: linkEmailStore,
          keys: deps.keys,
          mailer,
          findUserEmail: async (userId) => (await accountStore.findUserById(userId))?.email,
          siteUrl: site.configuredUrl,
          secretUrl,
          brandTitle: config.brand.title,
          translate,
        }),
      }),
      policy: config.notifications,
      clock,
      logger: deps.logger,
    });
    wakeNotificationWorker = () => notificationWorker.wake();
    app.addHook('onClose', () => notificationWorker.stop());
    if (await signIn.needsFirstRun()) {
      const code = await signIn.issueFirstRunCode();
      deps.logger.warn(`No accounts yet. Open ${site.path('/setup')} to create the first admin with this one-time code: ${code}`);
    }
  }
  return app;
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actingUser, decideAccess } from '../../accounts/access-policy.js';
import type { AccountService } from '../../accounts/account-service.js';
import type { ApiTokenService } from '../../accounts/api-token-service.js';
import type { SignInService } from '../../accounts/sign-in-service.js';
import type { PassdropConfig } from '../../config/load-config.js';
import { AppError } from '../../errors/app-error.js';
import type { FilePushService } from '../../files/file-push-service.js';
import type { FileUploadService } from '../../files/file-upload-service.js';
import type { PushService } from '../../pushes/push-service.js';
import { csrfCheckPasses, isUnsafeMethod, ownOrigins, stripCsrfField } from '../surface-kit/csrf.js';
import { catalogueErrorOf, sendErrorJson, unmatchedRouteError, type AllowedMethods } from '../surface-kit/error-rendering.js';
import type { SiteAddress } from '../surface-kit/public-url.js';
import { limitEveryRoute, matchedAccess, stampSurface } from '../surface-kit/route-access.js';
import { authenticateSession } from '../surface-kit/session-authentication.js';
import { refuseCoercedJsonBodies } from '../surface-kit/strict-json-bodies.js';
import { authenticateToken } from '../surface-kit/token-authentication.js';
import { refusalError } from './passdrop-api-errors.js';
import { registerPushApiRoutes } from './push-api-routes.js';
import { registerRequestApiRoutes } from './request-api-routes.js';
import type { RequestService } from '../../requests/request-service.js';
import { registerTokenApiRoutes } from './token-api-routes.js';
import type { WebhookService } from '../../notifications/webhook-service.js';
import { registerWebhookApiRoutes } from './webhook-api-routes.js';
import type { LinkEmailService } from '../../notifications/link-email-service.js';
import { registerLinkEmailApiRoutes } from './link-email-api-routes.js';
import { registerUploadApiRoutes } from './upload-api-routes.js';
import type { ReceiptService } from '../../notifications/receipt-service.js';
import { registerReceiptApiRoutes } from './receipt-api-routes.js';

export { PASSDROP_API_PREFIX } from './passdrop-api-prefix.js';

export interface PassdropApiDependencies {
  readonly config: PassdropConfig;
  readonly site: SiteAddress;
  readonly accounts: AccountService;
  readonly signIn: SignInService;
  readonly tokens: ApiTokenService;
  readonly pushes: PushService;
  readonly files: FilePushService;
  readonly uploads: FileUploadService;
  readonly requests: RequestService;
  readonly webhooks: WebhookService;
  readonly linkEmails: LinkEmailService;
  readonly receipts: ReceiptService;
  readonly allowedMethods: AllowedMethods;
}

/**
 * Passdrop's own API, registered under `/api/passdrop/v1`: JSON bodies only, the error catalogue's body
 * (`{code, error, requestId, details?}`) for every failure, OpenAPI from the route schemas.
 *
 * Authentication: an API token when one is presented, else the web session (the browser's end-to-end
 * create path). A session-authenticated request that changes something must pass the CSRF check; a
 * token-authenticated one cannot be forged by another site and needs none. Access is enforced from the
 * matched route's `config.access`.
 */
export async function passdropApiSurface(scope: FastifyInstance, deps: PassdropApiDependencies): Promise<void> {
  stampSurface(scope, 'passdrop-api');
  limitEveryRoute(scope, 'api');
  const { config } = deps;
  // JSON only: every other body, plain text included, gets 415 saying so, and no body field is coerced.
  refuseCoercedJsonBodies(scope);
  scope.removeContentTypeParser('text/plain');
  scope.addContentTypeParser('*', (_request, _payload, done) => {
    done(new AppError('UNSUPPORTED_MEDIA_TYPE', { params: { accepted: 'JSON, sent with Content-Type: application/json' } }), undefined);
  });

  scope.addHook('onRequest', async function authenticate(request: FastifyRequest) {
    request.authentication =
      (await authenticateToken(request, { accounts: deps.accounts, requireMfa: config.accounts.requireMfa, mfaSatisfiedBy: config.accounts.sso.mfaSatisfiedBy })) ??
      (await authenticateSession(request, { signIn: deps.signIn, requireMfa: config.accounts.requireMfa, mfaSatisfiedBy: config.accounts.sso.mfaSatisfiedBy }));
    request.user = actingUser(request.authentication);
    const level = matchedAccess(request);
    const decision = decideAccess(level, request.authentication, config.accounts);
    if (!decision.ok) throw refusalError(decision.reason, level);
  });

  scope.addHook('preValidation', async function checkCsrf(request: FastifyRequest) {
    // Only a request without a token consults the session, so a session here means cookie authentication.
    if (!request.session || !isUnsafeMethod(request.method)) return;
    if (!csrfCheckPasses(request, request.session.csrfToken, ownOrigins(request, config.server.baseUrl))) throw new AppError('CSRF_FAILED');
    stripCsrfField(request);
  });

  const bodyLimit = config.server.bodyLimitBytes;
  scope.setErrorHandler((error, request, reply) => sendErrorJson(request, reply, catalogueErrorOf(request, error, bodyLimit)));
  scope.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => sendErrorJson(request, reply, unmatchedRouteError(request, deps.allowedMethods)));

  registerPushApiRoutes(scope, { service: deps.pushes, files: deps.files, config, site: deps.site });
  registerUploadApiRoutes(scope, { uploads: deps.uploads, site: deps.site });
  registerTokenApiRoutes(scope, { tokens: deps.tokens });
  registerRequestApiRoutes(scope, { requests: deps.requests, site: deps.site, answerMaxCharacters: config.requests.answerMaxCharacters });
  registerWebhookApiRoutes(scope, { webhooks: deps.webhooks });
  registerLinkEmailApiRoutes(scope, {
    linkEmails: deps.linkEmails,
    sharePagePath: (token) => deps.site.path(`/p/${token}/preview`),
    secureCookies: config.server.baseUrl?.startsWith('https:') ?? false,
  });
  registerReceiptApiRoutes(scope, { receipts: deps.receipts, pushes: deps.pushes });
}


import formBody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import qs from 'qs';
import { actingUser, ANONYMOUS, decideAccess } from '../../accounts/access-policy.js';
import type { AccountService } from '../../accounts/account-service.js';
import type { AppError } from '../../errors/app-error.js';
import { catalogueErrorOf, unmatchedRouteError, type AllowedMethods } from '../surface-kit/error-rendering.js';
import { limitEveryRoute, matchedAccess, stampSurface } from '../surface-kit/route-access.js';
import { authenticateToken } from '../surface-kit/token-authentication.js';
import { PASSWORD_PUSHER_BODIES, refusalBody } from './password-pusher-bodies.js';
import { abandonUnfinishedUploads, FileUploadStopped, receiveFilePart, sendStoppedUpload } from './password-pusher-file-upload.js';
import {
  registerPasswordPusherV1Routes,
  registerPasswordPusherV2Routes,
  registerPasswordPusherVersionV1Routes,
  type PasswordPusherRouteDependencies,
} from './password-pusher-routes.js';

export interface PasswordPusherApiDependencies extends PasswordPusherRouteDependencies {
  readonly accounts: AccountService;
  readonly allowedMethods: AllowedMethods;
}

/** Password Pusher's error shape, `{"error": "…"}`, with the catalogue's status and words. */
function sendPasswordPusherError(reply: FastifyReply, error: AppError): FastifyReply {
  const body = error.statusCode === 404 ? PASSWORD_PUSHER_BODIES.notFound : { error: error.message };
  return reply.code(error.statusCode).headers(error.headers).send(body);
}

/**
 * The Password Pusher API surface, so its clients (pwpush-cli, scripts, integrations) work unchanged:
 * v1 at the site root (`/p.json`, `/p/TOKEN.json`…), v2 under `/api/v2`, version under `/api/v1`.
 *
 * It authenticates by API token only (X-User-Email + X-User-Token, or Authorization), never by cookie,
 * so it needs no CSRF rule. Access is enforced from the matched route's `config.access`; refusals and
 * errors use Password Pusher's bodies. Bodies may be JSON, URL-encoded (nested `password[payload]`) or
 * multipart fields.
 */
export async function passwordPusherApiSurface(scope: FastifyInstance, deps: PasswordPusherApiDependencies): Promise<void> {
  stampSurface(scope, 'password-pusher-api');
  limitEveryRoute(scope, 'api');
  await scope.register(formBody, {
    // Password Pusher clients send nested keys such as password[payload]=…
    parser: (body) => qs.parse(body, { depth: 2, parameterLimit: 200, arrayLimit: 50 }),
  });
  // Multipart fields arrive as a flat object; `files[]` parts are streamed to the blob store as they
  // arrive (never buffered), past the JSON body limit, up to the file push limits.
  await scope.register(multipart, {
    attachFieldsToBody: 'keyValues',
    onFile: receiveFilePart(deps.files),
    limits: { files: deps.config.files.maxFiles + 1, fields: 200, fieldSize: deps.config.server.bodyLimitBytes, fileSize: deps.config.files.maxFileBytes + 1 },
  });
  abandonUnfinishedUploads(scope);

  scope.addHook('onRequest', async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    request.authentication = (await authenticateToken(request, { accounts: deps.accounts, requireMfa: deps.config.accounts.requireMfa, mfaSatisfiedBy: deps.config.accounts.sso.mfaSatisfiedBy })) ?? ANONYMOUS;
    request.user = actingUser(request.authentication);
    const decision = decideAccess(matchedAccess(request), request.authentication, deps.config.accounts);
    if (!decision.ok) {
      const refusal = refusalBody(decision.reason);
      return reply.code(refusal.status).send(refusal.body);
    }
  });

  const bodyLimit = deps.config.server.bodyLimitBytes;
  scope.setErrorHandler((error, request, reply) => {
    if (error instanceof FileUploadStopped) return sendStoppedUpload(reply, error);
    // busboy's own per-file cap (one byte past PASSDROP_FILE_MAX_FILE_MIB) answers like ours.
    if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
      return sendStoppedUpload(reply, new FileUploadStopped(413, { error: `A file may be at most ${Math.floor(deps.config.files.maxFileBytes / 1048576)} MiB; this server stopped the upload there.` }));
    }
    return sendPasswordPusherError(reply, catalogueErrorOf(request, error, bodyLimit));
  });
  const notFound = (request: FastifyRequest, reply: FastifyReply) => sendPasswordPusherError(reply, unmatchedRouteError(request, deps.allowedMethods));

  registerPasswordPusherV1Routes(scope, deps);
  await scope.register(
    async (v2) => {
      registerPasswordPusherV2Routes(v2, deps);
      v2.setNotFoundHandler(notFound);
    },
    { prefix: '/api/v2' },
  );
  await scope.register(
    async (v1) => {
      registerPasswordPusherVersionV1Routes(v1);
      v1.setNotFoundHandler(notFound);
    },
    { prefix: '/api/v1' },
  );
}

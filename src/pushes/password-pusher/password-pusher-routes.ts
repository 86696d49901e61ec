import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PassdropConfig } from '../../config/load-config.js';
import { auditContextOf } from '../../http/audit-context.js';
import { publicBaseUrl } from '../../http/public-base-url.js';
import type { PushKind } from '../push-kinds.js';
import type { PushService, RetrieveResult, ViewerDeleteResult } from '../push-service.js';
import { isWellFormedToken, splitJsonSuffix } from '../push-token.js';
import { toPasswordPusherJson } from './password-pusher-json.js';
import { parseCreateRequest, problemsByField, type RootKey } from './password-pusher-create-request.js';
import { passwordPusherSchemas } from './password-pusher-schemas.js';

export const PASSWORD_PUSHER_API_VERSION = { v1: '1.5', v2: '2.1' } as const;
/** Password Pusher's own version we are compatible with; clients compare it to pick features. */
export const COMPATIBLE_APPLICATION_VERSION = '2.11.4';

const NOT_FOUND = { error: 'not-found' } as const;
const SIGN_IN_REQUIRED = { error: 'You need to sign in or sign up before continuing.' } as const;
const PASSPHRASE_401 = {
  error: 'That passphrase is incorrect.',
  message: "This push requires a passphrase. Please provide it using the 'passphrase' parameter (e.g. ?passphrase=mysecret)",
  status: 'unauthorized',
} as const;
const PASSPHRASE_429 = { error: 'Too many passphrase attempts. Please try again in a minute.' } as const;
const NOT_DELETABLE = { error: 'That push is not deletable by viewers.' } as const;

/** The HTML side of the secret link, which shares its URL with the v1 JSON API. */
export interface DeliveryPages {
  show(request: FastifyRequest, reply: FastifyReply, token: string): Promise<FastifyReply>;
  /** HEAD never uses a view: link previewers and scanners get the status and headers only. */
  head(request: FastifyRequest, reply: FastifyReply, token: string): Promise<FastifyReply>;
}

interface Dependencies {
  readonly service: PushService;
  readonly config: PassdropConfig;
  readonly clock: () => number;
  readonly pages: DeliveryPages;
}

/** Whether a v1 request selected the JSON API: a `.json` suffix, or an Accept header asking for JSON. */
export function selectsJson(request: FastifyRequest, suffix: boolean): boolean {
  if (suffix) return true;
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/**
 * Accounts do not exist yet, so any presented API token is invalid: Password Pusher answers 401 to an
 * invalid token on every endpoint except the version ones.
 */
function presentsToken(request: FastifyRequest): boolean {
  return request.headers.authorization !== undefined || request.headers['x-user-token'] !== undefined;
}

function passphraseOf(request: FastifyRequest): string | undefined {
  const query = (request.query as Record<string, unknown> | undefined)?.passphrase;
  const body = (request.body as Record<string, unknown> | undefined)?.passphrase;
  const value = query ?? body;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The Password Pusher JSON API, v1 and v2, so its clients work unchanged. Differences are deliberate and
 * listed in the README: out-of-range expiry is refused (422) instead of silently replaced, the
 * passphrase is never echoed, and tokens are longer.
 */
export function registerPasswordPusherRoutes(app: FastifyInstance, deps: Dependencies): void {
  const { service, config, clock } = deps;
  const baseUrl = (request: FastifyRequest) => publicBaseUrl(request, config.server.baseUrl);
  const schemas = passwordPusherSchemas;

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    const compat = /^\/(p|f|r)(\.json|\/)/.test(path) || path.startsWith('/api/v2/pushes');
    const wantsApi = compat && (path.endsWith('.json') || path.startsWith('/api/') || selectsJson(request, false));
    if (wantsApi && presentsToken(request)) return reply.code(401).send(SIGN_IN_REQUIRED);
  });

  async function create(request: FastifyRequest, reply: FastifyReply, rootKey: RootKey, pathKind: PushKind | undefined) {
    const parsed = parseCreateRequest(request.body, rootKey, pathKind);
    if (!parsed.ok) return reply.code(parsed.status).send(parsed.body);
    // File pushes and the /f and /r create paths need an account in Password Pusher.
    if (parsed.input.kind === 'file' || rootKey === 'file_push' || rootKey === 'url') return reply.code(401).send(SIGN_IN_REQUIRED);
    const result = await service.create(parsed.input, auditContextOf(request));
    if (!result.ok) return reply.code(422).send(problemsByField(result.problems));
    return reply
      .code(201)
      .send(toPasswordPusherJson(result.push, { baseUrl: baseUrl(request), now: clock() }, { includeNameAndNote: true, note: parsed.input.note ?? '' }));
  }

  function sendRetrieve(request: FastifyRequest, reply: FastifyReply, result: RetrieveResult) {
    const context = { baseUrl: baseUrl(request), now: clock() };
    switch (result.outcome) {
      case 'revealed':
        return reply.send(
          toPasswordPusherJson(result.push, context, { payload: result.payload, delivered: { hadPassphrase: result.hadPassphrase } }),
        );
      case 'expired':
        return reply.send(toPasswordPusherJson(result.push, context, { payload: null }));
      case 'not_found':
        return reply.code(404).send(NOT_FOUND);
      case 'passphrase_required':
      case 'passphrase_incorrect':
      case 'locked':
        return reply.code(401).send(PASSPHRASE_401);
      case 'rate_limited':
        return reply.code(429).header('retry-after', '60').send(PASSPHRASE_429);
      default:
        return assertNever(result);
    }
  }

  function sendDelete(request: FastifyRequest, reply: FastifyReply, result: ViewerDeleteResult) {
    const context = { baseUrl: baseUrl(request), now: clock() };
    switch (result.outcome) {
      case 'deleted':
      case 'already_expired':
        return reply.send(toPasswordPusherJson(result.push, context));
      case 'not_deletable':
        return reply.code(401).send(NOT_DELETABLE);
      case 'not_found':
        return reply.code(404).send(NOT_FOUND);
      default:
        return assertNever(result);
    }
  }

  async function retrieve(request: FastifyRequest, reply: FastifyReply, token: string) {
    if (!isWellFormedToken(token)) return reply.code(404).send(NOT_FOUND);
    return sendRetrieve(request, reply, await service.retrieve(token, passphraseOf(request), auditContextOf(request)));
  }

  async function destroy(request: FastifyRequest, reply: FastifyReply, token: string) {
    if (!isWellFormedToken(token)) return reply.code(404).send(NOT_FOUND);
    return sendDelete(request, reply, await service.deleteByViewer(token, auditContextOf(request)));
  }

  async function preview(request: FastifyRequest, reply: FastifyReply, token: string) {
    const push = isWellFormedToken(token) ? await service.peek(token) : undefined;
    if (!push) return reply.code(404).send(NOT_FOUND);
    const json = toPasswordPusherJson(push, { baseUrl: baseUrl(request), now: clock() });
    return reply.send({ url: json.html_url });
  }

  // --- v1 -------------------------------------------------------------------------------------------
  const createPaths: Array<[string, RootKey, PushKind | undefined]> = [
    ['/p.json', 'password', undefined],
    ['/f.json', 'file_push', 'file'],
    ['/r.json', 'url', 'url'],
  ];
  for (const [path, rootKey, pathKind] of createPaths) {
    app.post(path, { schema: schemas.create(rootKey), validatorCompiler: acceptAnything }, async (request, reply) => {
      if (path === '/p.json') reply.header('access-control-allow-origin', '*');
      return create(request, reply, rootKey, pathKind);
    });
  }
  app.options('/p.json', async (_request, reply) =>
    reply
      .code(204)
      .header('access-control-allow-origin', '*')
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', 'Content-Type, Accept')
      .header('access-control-max-age', '86400')
      .send(),
  );

  for (const prefix of ['p', 'f', 'r']) {
    app.get(`/${prefix}/:token/preview.json`, { schema: schemas.preview }, async (request, reply) =>
      preview(request, reply, (request.params as { token: string }).token),
    );
    // The retrieval-step link with .json appended (Password Pusher's json_url when the step is on).
    app.get(`/${prefix}/:token/r.json`, {}, async (request, reply) =>
      retrieve(request, reply, (request.params as { token: string }).token),
    );
    for (const scope of ['audit', 'active', 'expired']) {
      const path = scope === 'audit' ? `/${prefix}/:token/audit.json` : `/${prefix}/${scope}.json`;
      app.get(path, { schema: schemas.accountOnly(scope) }, async (_request, reply) => reply.code(401).send(SIGN_IN_REQUIRED));
    }
  }

  // --- v2 -------------------------------------------------------------------------------------------
  app.post('/api/v2/pushes', { schema: schemas.create('push'), validatorCompiler: acceptAnything }, async (request, reply) =>
    create(request, reply, 'push', undefined),
  );
  app.get('/api/v2/pushes/:token', { schema: schemas.retrieve }, async (request, reply) =>
    retrieve(request, reply, splitJsonSuffix((request.params as { token: string }).token).token),
  );
  app.delete('/api/v2/pushes/:token', { schema: schemas.destroy }, async (request, reply) =>
    destroy(request, reply, splitJsonSuffix((request.params as { token: string }).token).token),
  );
  app.get('/api/v2/pushes/:token/preview', { schema: schemas.preview }, async (request, reply) =>
    preview(request, reply, (request.params as { token: string }).token),
  );
  app.get('/api/v2/pushes/:token/audit', { schema: schemas.accountOnly('audit') }, async (_request, reply) =>
    reply.code(401).send(SIGN_IN_REQUIRED),
  );
  for (const scope of ['active', 'expired']) {
    app.get(`/api/v2/pushes/${scope}`, { schema: schemas.accountOnly(scope) }, async (_request, reply) =>
      reply.code(401).send(SIGN_IN_REQUIRED),
    );
  }

  // --- version --------------------------------------------------------------------------------------
  const v1Version = { application_version: COMPATIBLE_APPLICATION_VERSION, api_version: PASSWORD_PUSHER_API_VERSION.v1, edition: 'oss' };
  for (const path of ['/api/v1/version', '/api/v1/version.json']) {
    app.get(path, { schema: schemas.versionV1 }, async () => v1Version);
  }
  app.get('/api/v2/version', { schema: schemas.versionV2 }, async () => ({
    application_version: COMPATIBLE_APPLICATION_VERSION,
    api_version: PASSWORD_PUSHER_API_VERSION.v2,
    edition: 'oss',
    features: {
      anonymous_access: true,
      api_token_authentication: true,
      // Pro's team accounts: the official CLI changes behaviour when this is true.
      accounts: { enabled: false },
      pushes: {
        enabled: true,
        email_auto_dispatch: false,
        file_attachments: { enabled: false, requires_authentication: true },
        url_pushes: { enabled: config.pushes.kinds.url.enabled },
        qr_code_pushes: { enabled: config.pushes.kinds.qr.enabled },
      },
      requests: { enabled: false },
    },
  }));

  // --- the secret link itself: JSON when asked for, else the delivery page ------------------------
  for (const prefix of ['p', 'f', 'r']) {
    app.get(`/${prefix}/:token`, { schema: schemas.retrieve, exposeHeadRoute: false }, async (request, reply) => {
      const { token, json } = splitJsonSuffix((request.params as { token: string }).token);
      if (selectsJson(request, json)) return retrieve(request, reply, token);
      // Password Pusher moved every secret link under /p; old /f and /r links still work.
      if (prefix !== 'p') return reply.redirect(request.url.replace(`/${prefix}/`, '/p/'), 301);
      return deps.pages.show(request, reply, token);
    });
    app.head(`/${prefix}/:token`, async (request, reply) =>
      deps.pages.head(request, reply, splitJsonSuffix((request.params as { token: string }).token).token),
    );
    app.delete(`/${prefix}/:token`, { schema: schemas.destroy }, async (request, reply) =>
      destroy(request, reply, splitJsonSuffix((request.params as { token: string }).token).token),
    );
  }
}

/** Password Pusher validates its own way (and answers its own error bodies); the schema is for the docs. */
const acceptAnything = () => () => true;

function assertNever(value: never): never {
  throw new Error(`unhandled outcome ${JSON.stringify(value)}`);
}

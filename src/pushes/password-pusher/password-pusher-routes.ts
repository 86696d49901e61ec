import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PassdropConfig } from '../../config/load-config.js';
import { auditContextOf } from '../../http/audit-context.js';
import { publicBaseUrl } from '../../http/public-base-url.js';
import type { PushKind } from '../push-kinds.js';
import type { AuditEventKind } from '../push-record.js';
import type { PushService, RetrieveResult, ViewerDeleteResult } from '../push-service.js';
import { isWellFormedToken, splitJsonSuffix } from '../push-token.js';
import { toPasswordPusherJson } from './password-pusher-json.js';
import { parseCreateRequest, problemsByField, type RootKey } from './password-pusher-create-request.js';
import { passwordPusherSchemas } from './password-pusher-schemas.js';

export const PASSWORD_PUSHER_API_VERSION = { v1: '1.5', v2: '2.1' } as const;
/** Password Pusher's own version we are compatible with; clients compare it to pick features. */
export const COMPATIBLE_APPLICATION_VERSION = '2.11.4';

const NOT_FOUND = { error: 'not-found' } as const;
export const PASSWORD_PUSHER_SIGN_IN_REQUIRED = { error: 'You need to sign in or sign up before continuing.' } as const;
const SIGN_IN_REQUIRED = PASSWORD_PUSHER_SIGN_IN_REQUIRED;
const NOT_YOURS = { error: "That push doesn't belong to you." } as const;
const INVALID_PAGE = { error: 'Invalid page parameter' } as const;
const PER_PAGE = 50;
const MAX_PAGE = 200;

/** Password Pusher's audit kinds for ours (`opened` and `locked` have no Password Pusher name). */
const AUDIT_KIND_NAMES: Record<AuditEventKind, string> = {
  created: 'creation',
  opened: 'opened',
  viewed: 'view',
  failed_view: 'failed_view',
  failed_passphrase: 'failed_passphrase',
  locked: 'locked',
  expired: 'expire',
  edited: 'edit',
  owner_view: 'owner_view',
  admin_view: 'admin_view',
};

/** `?page=`: a whole number up to 200 (below 1 counts as 1); anything else is refused. */
function pageOf(request: FastifyRequest): number | undefined {
  const raw = (request.query as Record<string, unknown>).page;
  if (raw === undefined || raw === '') return 1;
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw)) return undefined;
  const page = Number(raw);
  if (page > MAX_PAGE) return undefined;
  return Math.max(page, 1);
}
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

/** Requests that reach Password Pusher's JSON API (where a presented token must be valid). */
export function isPasswordPusherApiRequest(request: FastifyRequest): boolean {
  const path = request.url.split('?', 1)[0] ?? '';
  const compat = /^\/(p|f|r)(\.json|\/)/.test(path) || path.startsWith('/api/v2/');
  return compat && (path.endsWith('.json') || path.startsWith('/api/') || selectsJson(request, false));
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

  async function create(request: FastifyRequest, reply: FastifyReply, rootKey: RootKey, pathKind: PushKind | undefined) {
    const parsed = parseCreateRequest(request.body, rootKey, pathKind);
    if (!parsed.ok) return reply.code(parsed.status).send(parsed.body);
    // File pushes and the /f and /r create paths need an account in Password Pusher.
    if (!request.user && (parsed.input.kind === 'file' || rootKey === 'file_push' || rootKey === 'url')) {
      return reply.code(401).send(SIGN_IN_REQUIRED);
    }
    const result = await service.create({ ...parsed.input, ownerUserId: request.user?.id ?? null }, auditContextOf(request, request.user?.id ?? null));
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
    const viewer = request.user;
    return sendRetrieve(request, reply, await service.retrieve(token, passphraseOf(request), auditContextOf(request, viewer?.id ?? null), viewer));
  }

  async function destroy(request: FastifyRequest, reply: FastifyReply, token: string) {
    if (!isWellFormedToken(token)) return reply.code(404).send(NOT_FOUND);
    const viewer = request.user;
    return sendDelete(request, reply, await service.deleteByViewer(token, auditContextOf(request, viewer?.id ?? null), viewer));
  }

  async function preview(request: FastifyRequest, reply: FastifyReply, token: string) {
    const push = isWellFormedToken(token) ? await service.peek(token) : undefined;
    if (!push) return reply.code(404).send(NOT_FOUND);
    const json = toPasswordPusherJson(push, { baseUrl: baseUrl(request), now: clock() });
    return reply.send({ url: json.html_url });
  }

  /** A push's audit log, oldest first, 50 a page: the owner's only. */
  async function auditLog(request: FastifyRequest, reply: FastifyReply, token: string, rootKey: 'views' | 'logs') {
    if (!request.user) return reply.code(401).send(SIGN_IN_REQUIRED);
    const page = pageOf(request);
    if (page === undefined) return reply.code(400).send(INVALID_PAGE);
    const push = isWellFormedToken(token) ? await service.peek(token) : undefined;
    if (!push) return reply.code(404).send(NOT_FOUND);
    if (push.ownerUserId !== request.user.id && !request.user.admin) return reply.code(403).send(NOT_YOURS);
    const events = await service.listAudit(push, { offset: (page - 1) * PER_PAGE, limit: PER_PAGE });
    return reply.send({
      [rootKey]: events.map((event) => ({
        ip: event.ip ?? '',
        user_agent: event.userAgent ?? '',
        referrer: event.referrer ?? '',
        kind: AUDIT_KIND_NAMES[event.kind],
        created_at: new Date(event.createdAt).toISOString(),
        updated_at: new Date(event.createdAt).toISOString(),
      })),
    });
  }

  /** The caller's active or expired pushes, newest first, 50 a page, with name and note. */
  async function owned(request: FastifyRequest, reply: FastifyReply, scope: 'active' | 'expired') {
    if (!request.user) return reply.code(401).send(SIGN_IN_REQUIRED);
    const page = pageOf(request);
    if (page === undefined) return reply.code(400).send(INVALID_PAGE);
    const pushes = await service.listOwned(request.user.id, { expired: scope === 'expired', offset: (page - 1) * PER_PAGE, limit: PER_PAGE });
    const context = { baseUrl: baseUrl(request), now: clock() };
    return reply.send(pushes.map((push) => toPasswordPusherJson(push, context, { includeNameAndNote: true, note: service.readNote(push) })));
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
    app.get(`/${prefix}/:token/audit.json`, { schema: schemas.accountOnly('audit') }, async (request, reply) =>
      auditLog(request, reply, (request.params as { token: string }).token, 'views'),
    );
    for (const scope of ['active', 'expired'] as const) {
      app.get(`/${prefix}/${scope}.json`, { schema: schemas.accountOnly(scope) }, async (request, reply) => owned(request, reply, scope));
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
  app.get('/api/v2/pushes/:token/audit', { schema: schemas.accountOnly('audit') }, async (request, reply) =>
    auditLog(request, reply, splitJsonSuffix((request.params as { token: string }).token).token, 'logs'),
  );
  for (const scope of ['active', 'expired'] as const) {
    app.get(`/api/v2/pushes/${scope}`, { schema: schemas.accountOnly(scope) }, async (request, reply) => owned(request, reply, scope));
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

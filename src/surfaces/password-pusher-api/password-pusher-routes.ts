import { sendFileDownload } from '../surface-kit/content-disposition.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PassdropConfig } from '../../config/load-config.js';
import type { PushKind } from '../../pushes/push-kinds.js';
import type { AuditEventKind } from '../../pushes/push-record.js';
import type { DownloadWindow, FilePushService } from '../../files/file-push-service.js';
import type { LinkEmailResult, LinkEmailService } from '../../notifications/link-email-service.js';
import type { PushService, RetrieveResult, ViewerDeleteResult } from '../../pushes/push-service.js';
import { isWellFormedToken } from '../../pushes/push-token.js';
import { auditContextOf } from '../surface-kit/request-facts.js';
import type { SiteAddress } from '../surface-kit/public-url.js';
import { toPasswordPusherJson } from './password-pusher-json.js';
import { parseCreateRequest, problemsByField, type RootKey } from './password-pusher-create-request.js';
import { passwordPusherSchemas as schemas } from './password-pusher-schemas.js';
import { PASSWORD_PUSHER_BODIES, refusalBody } from './password-pusher-bodies.js';
import { linkInLanguage } from '../../web/i18n/locale-link.js';

export const PASSWORD_PUSHER_API_VERSION = { v1: '1.5', v2: '2.1' } as const;
/** Password Pusher's own version we are compatible with; clients compare it to pick features. */
export const COMPATIBLE_APPLICATION_VERSION = '2.11.4';

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
  file_download: 'file_download',
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

function passphraseOf(request: FastifyRequest): string | undefined {
  const query = (request.query as Record<string, unknown> | undefined)?.passphrase;
  const body = (request.body as Record<string, unknown> | undefined)?.passphrase;
  const value = query ?? body;
  return typeof value === 'string' ? value : undefined;
}

/** The push's owner and admins read without using a view, so an end-to-end push is no trap for them. */
function mayReadWithoutView(push: { ownerUserId: number | null }, user: { id: number; admin: boolean } | null | undefined): boolean {
  return user !== null && user !== undefined && (push.ownerUserId === user.id || user.admin);
}

const tokenOf = (request: FastifyRequest) => (request.params as { token: string }).token;

export interface PasswordPusherRouteDependencies {
  readonly service: PushService;
  /** File pushes: uploads, views with download windows, downloads. */
  readonly files: FilePushService;
  readonly config: PassdropConfig;
  readonly site: SiteAddress;
  readonly clock: () => number;
  /** Emailing a push's link (notify_emails_to and POST …/notify_emails). */
  readonly linkEmails: LinkEmailService;
}

/**
 * The handlers behind Password Pusher's JSON API. Differences are deliberate and listed in the README:
 * out-of-range expiry is refused (422) instead of silently replaced, the passphrase is never echoed,
 * and tokens are longer.
 */
function createHandlers({ service, files, site, clock, linkEmails }: PasswordPusherRouteDependencies) {
  const context = (request: FastifyRequest) => ({ baseUrl: site.publicUrl(request), now: clock() });

  async function create(request: FastifyRequest, reply: FastifyReply, rootKey: RootKey, pathKind: PushKind | undefined) {
    const upload = request.fileUpload;
    // Files alone are a whole file push: the root key may then be absent from the fields.
    const body = upload ? withRootKey(request.body, rootKey) : request.body;
    const parsed = parseCreateRequest(body, rootKey, upload ? (pathKind ?? 'file') : pathKind);
    if (!parsed.ok) return reply.code(parsed.status).send(parsed.body);
    const { notify } = parsed;
    if (notify) {
      // Password Pusher's answers, before anything is created.
      if (!linkEmails.available) return reply.code(422).send(PASSWORD_PUSHER_BODIES.notifyUnavailable);
      if (!request.user) return reply.code(422).send(PASSWORD_PUSHER_BODIES.notifyAnonymous);
      const problems = linkEmails.checkInput(notify);
      if (problems.length > 0) return reply.code(422).send(problemsByField(problems));
    }
    if (parsed.input.kind === 'file' && !upload) {
      // Password Pusher: a file push needs an account even without files (unless PASSDROP_FILE_PUSHES_ANONYMOUS).
      const decision = files.mayCreate(request.authentication);
      if (!decision.ok) {
        const refusal = refusalBody(decision.reason);
        return reply.code(refusal.status).send(refusal.body);
      }
    }
    const createContext = { authentication: request.authentication, audit: auditContextOf(request) };
    const { kind, ...fields } = parsed.input;
    const result =
      upload && kind === 'file' ? await upload.finish(fields, createContext) : await service.create(parsed.input, createContext);
    if (!result.ok) {
      if ('refused' in result) {
        const refusal = refusalBody(result.refused);
        return reply.code(refusal.status).send(refusal.body);
      }
      return reply.code(422).send(problemsByField(result.problems));
    }
    const json = toPasswordPusherJson(result.push, context(request), { includeNameAndNote: true, note: parsed.input.note ?? '' });
    // push_locale: the link to send opens in the recipient's language; json_url stays the API's address.
    json.html_url = linkInLanguage(json.html_url, parsed.pushLocale);
    if (notify && request.user) {
      // The push exists now; a limit met since the check above (another request in between) is logged, not hidden.
      const queued = await linkEmails.queueForNewPush(request.user, result.push, notify);
      if (!queued.ok) {
        request.log.warn({ reason: queued.reason, problems: 'problems' in queued ? queued.problems.map((problem) => problem.code) : [] }, 'the link of a new push was not emailed');
        return reply.code(201).send(json);
      }
      return reply.code(201).send({ ...json, notify_emails_to: notify.recipients, notify_emails_to_locale: notify.locale ?? 'en' });
    }
    return reply.code(201).send(json);
  }

  /** Password Pusher's POST …/notify_emails: top-level notify_emails_to and notify_emails_to_locale. */
  async function notifyEmails(request: FastifyRequest, reply: FastifyReply) {
    const body = (request.body ?? {}) as Record<string, unknown>;
    // A wrong type is a field problem, never read as no recipients or as its text (issue 11 §3).
    const wrongTypes = (['notify_emails_to', 'notify_emails_to_locale'] as const)
      .filter((field) => body[field] !== undefined && body[field] !== null && typeof body[field] !== 'string')
      .map((field) => ({ field, code: 'wrong_type', message: 'must be text.' }));
    if (wrongTypes.length > 0) return reply.code(422).send(problemsByField(wrongTypes));
    const recipients = typeof body.notify_emails_to === 'string' ? body.notify_emails_to : '';
    const locale = typeof body.notify_emails_to_locale === 'string' ? body.notify_emails_to_locale : undefined;
    const result: LinkEmailResult = await linkEmails.request(request.user!, tokenOf(request), { recipients, locale });
    if (result.ok) return reply.code(201).send(PASSWORD_PUSHER_BODIES.notifyQueued);
    switch (result.reason) {
      case 'unavailable':
      case 'not_found':
        return reply.code(404).send(PASSWORD_PUSHER_BODIES.notFound);
      case 'not_owner':
        return reply.code(403).send(PASSWORD_PUSHER_BODIES.notYours);
      case 'rate_limited':
        return reply.code(429).header('retry-after', '60').send(PASSWORD_PUSHER_BODIES.notifyRateLimited);
      case 'invalid':
        return reply.code(422).send(problemsByField(result.problems));
      default:
        return assertNever(result);
    }
  }

  function sendRetrieve(request: FastifyRequest, reply: FastifyReply, result: RetrieveResult, downloads: DownloadWindow | undefined) {
    switch (result.outcome) {
      case 'revealed': {
        const baseUrl = site.publicUrl(request);
        // Password Pusher's files array; each url works until the view's download window ends.
        const fileList = (downloads?.files ?? []).map((file) => ({
          filename: file.name,
          content_type: file.contentType,
          url: `${baseUrl}/p/${result.push.token}/files/${file.position}/${downloads!.grant}`,
        }));
        return reply
          .header('cache-control', 'no-store')
          .send(toPasswordPusherJson(result.push, context(request), { payload: result.payload, files: fileList, delivered: { hadPassphrase: result.hadPassphrase } }));
      }
      case 'expired':
        return reply.send(toPasswordPusherJson(result.push, context(request), { payload: null }));
      case 'not_found':
        return reply.code(404).send(PASSWORD_PUSHER_BODIES.notFound);
      case 'passphrase_required':
      case 'passphrase_incorrect':
      case 'locked':
        return reply.code(401).send(PASSWORD_PUSHER_BODIES.passphrase);
      case 'rate_limited':
        return reply.code(429).header('retry-after', '60').send(PASSWORD_PUSHER_BODIES.passphraseRateLimited);
      case 'link_proof_required':
      case 'link_damaged':
        return reply.code(409).send(PASSWORD_PUSHER_BODIES.endToEnd);
      default:
        return assertNever(result);
    }
  }

  function sendDelete(request: FastifyRequest, reply: FastifyReply, result: ViewerDeleteResult) {
    switch (result.outcome) {
      case 'deleted':
      case 'already_expired':
        return reply.send(toPasswordPusherJson(result.push, context(request)));
      case 'not_deletable':
        return reply.code(401).send(PASSWORD_PUSHER_BODIES.notDeletable);
      case 'not_found':
        return reply.code(404).send(PASSWORD_PUSHER_BODIES.notFound);
      default:
        return assertNever(result);
    }
  }

  return {
    notifyEmails,
    create,

    async retrieve(request: FastifyRequest, reply: FastifyReply) {
      const token = tokenOf(request);
      if (!isWellFormedToken(token)) return reply.code(404).send(PASSWORD_PUSHER_BODIES.notFound);
      // Password Pusher's clients would take the ciphertext for the secret: refuse before any view is used.
      // (Its owner still reads it without a view, as on every surface.)
      const push = await service.peek(token);
      if (push?.encryption === 'client' && !push.expired && !mayReadWithoutView(push, request.user)) {
        return reply.code(409).send(PASSWORD_PUSHER_BODIES.endToEnd);
      }
      const { result, downloads } = await files.retrieve(token, passphraseOf(request), auditContextOf(request), request.user);
      return sendRetrieve(request, reply, result, downloads);
    },

    async destroy(request: FastifyRequest, reply: FastifyReply) {
      const token = tokenOf(request);
      if (!isWellFormedToken(token)) return reply.code(404).send(PASSWORD_PUSHER_BODIES.notFound);
      return sendDelete(request, reply, await files.deleteByViewer(token, auditContextOf(request), request.user));
    },

    /** One file of a file push, through the grant a view handed out: streamed, decrypted on the way. */
    async download(request: FastifyRequest, reply: FastifyReply) {
      const { token, position, grant } = request.params as { token: string; position: string; grant: string };
      if (!isWellFormedToken(token) || !/^\d{1,4}$/.test(position) || !/^[A-Za-z0-9_-]{43}$/.test(grant)) {
        return reply.code(404).send(PASSWORD_PUSHER_BODIES.notFound);
      }
      const result = await files.download(token, Number(position), grant, auditContextOf(request));
      if (!result.ok) return reply.code(404).send(PASSWORD_PUSHER_BODIES.notFound);
      return sendFileDownload(reply, result);
    },

    async preview(request: FastifyRequest, reply: FastifyReply) {
      const token = tokenOf(request);
      const push = isWellFormedToken(token) ? await service.peek(token) : undefined;
      if (!push) return reply.code(404).send(PASSWORD_PUSHER_BODIES.notFound);
      return reply.send({ url: toPasswordPusherJson(push, context(request)).html_url });
    },

    /** A push's audit log, oldest first, 50 a page: the owner's (or an admin's) only. */
    async auditLog(request: FastifyRequest, reply: FastifyReply, rootKey: 'views' | 'logs') {
      const user = request.user!;
      const page = pageOf(request);
      if (page === undefined) return reply.code(400).send(PASSWORD_PUSHER_BODIES.invalidPage);
      const token = tokenOf(request);
      const push = isWellFormedToken(token) ? await service.peek(token) : undefined;
      if (!push) return reply.code(404).send(PASSWORD_PUSHER_BODIES.notFound);
      if (push.ownerUserId !== user.id && !user.admin) return reply.code(403).send(PASSWORD_PUSHER_BODIES.notYours);
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
    },

    /** The caller's active or expired pushes, newest first, 50 a page, with name and note. */
    async owned(request: FastifyRequest, reply: FastifyReply, scope: 'active' | 'expired') {
      const user = request.user!;
      const page = pageOf(request);
      if (page === undefined) return reply.code(400).send(PASSWORD_PUSHER_BODIES.invalidPage);
      const pushes = await service.listOwned(user.id, { expired: scope === 'expired', offset: (page - 1) * PER_PAGE, limit: PER_PAGE });
      return reply.send(pushes.map((push) => toPasswordPusherJson(push, context(request), { includeNameAndNote: true, note: service.readNote(push) })));
    },
  };
}

/**
 * Password Pusher's v1 routes at the site root: `/p.json` and the `/p`, `/f`, `/r` link paths. The
 * secret link `/p/TOKEN` itself is shared with the web UI: this surface answers it only when the request
 * asks for JSON (a `.json` suffix, or an Accept header that wants JSON and not HTML), through the
 * `format` route constraint; the router decides, never a look at the URL's text.
 */
export function registerPasswordPusherV1Routes(app: FastifyInstance, deps: PasswordPusherRouteDependencies): void {
  const handlers = createHandlers(deps);
  const visitor = { access: 'visitor' } as const;
  const recipient = { access: 'visitor', limits: ['reveal'], gateway: true } as const;

  const createPaths: Array<[string, RootKey, PushKind | undefined, 'visitor' | 'account']> = [
    ['/p.json', 'password', undefined, 'visitor'],
    // Password Pusher needs an account for file pushes and for URL pushes made through /r.json.
    ['/f.json', 'file_push', 'file', 'account'],
    ['/r.json', 'url', 'url', 'account'],
  ];
  for (const [path, rootKey, pathKind, access] of createPaths) {
    app.post(path, { schema: schemas.create(rootKey), validatorCompiler: acceptAnything, config: { access, limits: ['create'] } }, async (request, reply) => {
      if (path === '/p.json') reply.header('access-control-allow-origin', '*');
      return handlers.create(request, reply, rootKey, pathKind);
    });
  }
  // The CORS preflight of the one create route browsers may call from other sites: it changes nothing.
  app.options('/p.json', { config: { access: 'public' } }, async (_request, reply) =>
    reply
      .code(204)
      .header('access-control-allow-origin', '*')
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', 'Content-Type, Accept')
      .header('access-control-max-age', '86400')
      .send(),
  );

  // Emailing the link (Password Pusher's HTML route; JSON here, the web surface answers the form post).
  for (const path of ['/p/:token/notify_emails.json', '/p/:token/notify_emails']) {
    app.post(path, { schema: schemas.notifyEmails, validatorCompiler: acceptAnything, config: { access: 'account' }, constraints: { format: 'json' } }, handlers.notifyEmails);
  }

  // Downloads of file push files (the `url` of Password Pusher's files array).
  // A recipient's route: a gateway process serves it (the grant came from a view through the gateway).
  app.get('/p/:token/files/:position/:grant', { schema: schemas.download, config: { ...visitor, gateway: true } }, handlers.download);

  for (const prefix of ['p', 'f', 'r']) {
    app.get(`/${prefix}/:token/preview.json`, { schema: schemas.preview, config: { ...visitor, limits: ['reveal'] } }, handlers.preview);
    // The retrieval-step link with .json appended (Password Pusher's json_url when the step is on).
    app.get(`/${prefix}/:token/r.json`, { schema: schemas.retrieve, config: recipient }, handlers.retrieve);
    app.get(`/${prefix}/:token/audit.json`, { schema: schemas.accountOnly('audit'), config: { access: 'account' } }, (request, reply) =>
      handlers.auditLog(request, reply, 'views'),
    );
    for (const scope of ['active', 'expired'] as const) {
      app.get(`/${prefix}/${scope}.json`, { schema: schemas.accountOnly(scope), config: { access: 'account' } }, (request, reply) =>
        handlers.owned(request, reply, scope),
      );
    }
    app.get(`/${prefix}/:token.json`, { schema: schemas.retrieve, config: recipient }, handlers.retrieve);
    app.get(`/${prefix}/:token`, { schema: schemas.retrieve, config: recipient, constraints: { format: 'json' } }, handlers.retrieve);
    app.delete(`/${prefix}/:token.json`, { schema: schemas.destroy, config: recipient }, handlers.destroy);
    app.delete(`/${prefix}/:token`, { schema: schemas.destroy, config: recipient }, handlers.destroy);
  }
}

/** Password Pusher's v2 API, registered under the `/api/v2` prefix. */
export function registerPasswordPusherV2Routes(app: FastifyInstance, deps: PasswordPusherRouteDependencies): void {
  const handlers = createHandlers(deps);
  const { config } = deps;
  const visitor = { access: 'visitor' } as const;
  const recipient = { access: 'visitor', limits: ['reveal'], gateway: true } as const;

  app.post('/pushes', { schema: schemas.create('push'), validatorCompiler: acceptAnything, config: { ...visitor, limits: ['create'] } }, (request, reply) =>
    handlers.create(request, reply, 'push', undefined),
  );
  for (const scope of ['active', 'expired'] as const) {
    app.get(`/pushes/${scope}`, { schema: schemas.accountOnly(scope), config: { access: 'account' } }, (request, reply) => handlers.owned(request, reply, scope));
  }
  for (const suffix of ['', '.json']) {
    app.get(`/pushes/:token${suffix}`, { schema: schemas.retrieve, config: recipient }, handlers.retrieve);
    app.delete(`/pushes/:token${suffix}`, { schema: schemas.destroy, config: recipient }, handlers.destroy);
    app.get(`/pushes/:token/audit${suffix}`, { schema: schemas.accountOnly('audit'), config: { access: 'account' } }, (request, reply) =>
      handlers.auditLog(request, reply, 'logs'),
    );
  }
  app.get('/pushes/:token/preview', { schema: schemas.preview, config: { ...visitor, limits: ['reveal'] } }, handlers.preview);
  app.post('/pushes/:token/notify_emails', { schema: schemas.notifyEmails, validatorCompiler: acceptAnything, config: { access: 'account' } }, handlers.notifyEmails);

  app.get('/version', { schema: schemas.versionV2, config: { access: 'public' } }, async () => ({
    application_version: COMPATIBLE_APPLICATION_VERSION,
    api_version: PASSWORD_PUSHER_API_VERSION.v2,
    edition: 'oss',
    features: {
      anonymous_access: config.accounts.allowAnonymous,
      api_token_authentication: true,
      // Pro's team accounts: the official CLI changes behaviour when this is true.
      accounts: { enabled: false },
      pushes: {
        enabled: true,
        email_auto_dispatch: deps.linkEmails.available,
        file_attachments: { enabled: config.pushes.kinds.file.enabled, requires_authentication: !config.files.anonymous },
        url_pushes: { enabled: config.pushes.kinds.url.enabled },
        qr_code_pushes: { enabled: config.pushes.kinds.qr.enabled },
      },
      requests: { enabled: false },
    },
  }));
}

/** Password Pusher's v1 version routes, registered under the `/api/v1` prefix. */
export function registerPasswordPusherVersionV1Routes(app: FastifyInstance): void {
  const v1Version = { application_version: COMPATIBLE_APPLICATION_VERSION, api_version: PASSWORD_PUSHER_API_VERSION.v1, edition: 'oss' };
  for (const path of ['/version', '/version.json']) {
    app.get(path, { schema: schemas.versionV1, config: { access: 'public' } }, async () => v1Version);
  }
}

/** Password Pusher validates its own way (and answers its own error bodies); the schema is for the docs. */
const acceptAnything = () => () => true;

/** Adds `<root>[kind]=file` so that a multipart body of files only still has its root key. */
function withRootKey(body: unknown, rootKey: RootKey): Record<string, unknown> {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  return { [`${rootKey}[kind]`]: 'file', ...fields };
}

function assertNever(value: never): never {
  throw new Error(`unhandled outcome ${JSON.stringify(value)}`);
}

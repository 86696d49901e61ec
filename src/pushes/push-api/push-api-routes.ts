import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PassdropConfig } from '../../config/load-config.js';
import { AppError, validationError } from '../../errors/app-error.js';
import { auditContextOf } from '../../http/audit-context.js';
import { publicBaseUrl } from '../../http/public-base-url.js';
import { secretUrl } from '../password-pusher/password-pusher-json.js';
import type { PushRecord } from '../push-record.js';
import type { PushService } from '../push-service.js';
import { isWellFormedToken } from '../push-token.js';
import { pushApiSchemas, type PushViewJson } from './push-api-schemas.js';

export const PUSH_API_PREFIX = '/api/passdrop/v1';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toPushView(push: PushRecord, baseUrl: string): PushViewJson {
  return {
    token: push.token,
    kind: push.kind,
    url: secretUrl(baseUrl, push),
    encryption: push.encryption,
    passphrase_protected: push.passphraseRecord !== null,
    retrieval_step: push.retrievalStep,
    deletable_by_viewer: push.deletableByViewer,
    expire_after_views: push.expireAfterViews,
    views_remaining: push.viewsRemaining,
    expires_at: iso(push.expiresAt)!,
    expired: push.expired,
    expired_at: iso(push.expiredAt),
    expire_reason: push.expireReason,
    created_at: iso(push.createdAt)!,
    name: push.name,
  };
}

/** Passdrop's own push API: minutes and absolute expiry, one error shape, no Password Pusher quirks. */
export function registerPushApiRoutes(app: FastifyInstance, deps: { service: PushService; config: PassdropConfig }): void {
  const api = app.withTypeProvider<JsonSchemaToTsProvider>();
  const { service, config } = deps;
  const baseUrl = (request: FastifyRequest) => publicBaseUrl(request, config.server.baseUrl);

  async function findPush(token: string): Promise<PushRecord> {
    const push = isWellFormedToken(token) ? await service.peek(token) : undefined;
    if (!push) throw new AppError('PUSH_NOT_FOUND');
    return push;
  }

  api.post(`${PUSH_API_PREFIX}/pushes`, { schema: pushApiSchemas.create }, async (request, reply) => {
    if (!config.accounts.allowAnonymous && !request.user) throw new AppError('ANONYMOUS_CREATION_DISABLED');
    const body = request.body;
    let at: number | undefined;
    if (body.expires_at !== undefined) {
      at = Date.parse(body.expires_at);
      if (Number.isNaN(at)) throw validationError([{ field: 'expires_at', message: 'must be an ISO 8601 date and time.' }]);
    }
    const result = await service.create(
      {
        kind: body.kind ?? 'text',
        payload: body.payload,
        expiry: { days: body.expire_after_days, minutes: body.expire_after_minutes, at, views: body.expire_after_views },
        passphrase: body.passphrase,
        encryption: body.encryption,
        accessProof: body.access_proof,
        retrievalStep: body.retrieval_step,
        deletableByViewer: body.deletable_by_viewer,
        name: body.name,
        note: body.note,
        ownerUserId: request.user?.id ?? null,
      },
      auditContextOf(request, request.user?.id ?? null),
    );
    if (!result.ok) throw validationError(result.problems);
    return reply.code(201).send(toPushView(result.push, baseUrl(request)));
  });

  api.get(`${PUSH_API_PREFIX}/pushes/:token`, { schema: pushApiSchemas.show }, async (request) =>
    toPushView(await findPush(request.params.token), baseUrl(request)),
  );

  api.post(`${PUSH_API_PREFIX}/pushes/:token/reveal`, { schema: pushApiSchemas.reveal }, async (request) => {
    const { token } = request.params;
    if (!isWellFormedToken(token)) throw new AppError('PUSH_NOT_FOUND');
    const result = await service.retrieve(
      token,
      request.body?.access_proof ?? request.body?.passphrase,
      auditContextOf(request, request.user?.id ?? null),
      request.user,
    );
    switch (result.outcome) {
      case 'revealed':
        return { payload: result.payload, push: toPushView(result.push, baseUrl(request)) };
      case 'not_found':
        throw new AppError('PUSH_NOT_FOUND');
      case 'expired':
        throw new AppError(result.push.expireReason === 'locked' ? 'PUSH_LOCKED' : 'PUSH_EXPIRED');
      case 'locked':
        throw new AppError('PUSH_LOCKED');
      case 'passphrase_required':
        throw new AppError('PASSPHRASE_REQUIRED');
      case 'passphrase_incorrect':
        throw new AppError('PASSPHRASE_INCORRECT');
      case 'rate_limited':
        throw new AppError('PASSPHRASE_RATE_LIMITED', { headers: { 'retry-after': '60' } });
      default:
        throw new Error(`unhandled outcome ${JSON.stringify(result satisfies never)}`);
    }
  });

  api.delete(`${PUSH_API_PREFIX}/pushes/:token`, { schema: pushApiSchemas.destroy }, async (request) => {
    const { token } = request.params;
    if (!isWellFormedToken(token)) throw new AppError('PUSH_NOT_FOUND');
    const result = await service.deleteByViewer(token, auditContextOf(request, request.user?.id ?? null), request.user);
    switch (result.outcome) {
      case 'deleted':
      case 'already_expired':
        return toPushView(result.push, baseUrl(request));
      case 'not_deletable':
        throw new AppError('PUSH_NOT_DELETABLE');
      case 'not_found':
        throw new AppError('PUSH_NOT_FOUND');
      default:
        throw new Error(`unhandled outcome ${JSON.stringify(result satisfies never)}`);
    }
  });

  api.get(`${PUSH_API_PREFIX}/limits`, { schema: pushApiSchemas.limits }, async () => ({
    min_expiry_minutes: config.pushes.minExpiryMinutes,
    kinds: Object.fromEntries(
      Object.entries(config.pushes.kinds).map(([kind, policy]) => [
        kind,
        {
          enabled: policy.enabled,
          max_characters: policy.maxCharacters,
          expire_after_days: { ...policy.expireAfterDays },
          expire_after_views: { ...policy.expireAfterViews },
          retrieval_step_default: policy.retrievalStepDefault,
          deletable_by_viewer_default: policy.deletableByViewerDefault,
        },
      ]),
    ),
  }));
}

import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import type { FilePushService, ListedFile } from '../../files/file-push-service.js';
import type { PassdropConfig } from '../../config/load-config.js';
import { AppError, validationError } from '../../errors/app-error.js';
import type { PushRecord } from '../../pushes/push-record.js';
import type { PushService } from '../../pushes/push-service.js';
import { isWellFormedToken } from '../../pushes/push-token.js';
import { secretUrl } from '../../pushes/secret-link.js';
import { resolveLanguage } from '../../web/i18n/languages.js';
import { linkInLanguage } from '../../web/i18n/locale-link.js';
import { sendFileDownload } from '../surface-kit/content-disposition.js';
import type { SiteAddress } from '../surface-kit/public-url.js';
import { PASSDROP_API_PREFIX } from './passdrop-api-prefix.js';
import { auditContextOf } from '../surface-kit/request-facts.js';
import { refusalError } from './passdrop-api-errors.js';
import { pushApiSchemas, type PushViewJson, type RevealedFileJson } from './push-api-schemas.js';

/** A listed file as the reveal answers it, with its download URL under this API. */
function toRevealedFile(file: ListedFile, siteUrl: string, token: string, grant: string): RevealedFileJson {
  const endToEnd = file.sealedMetadata !== null;
  return {
    position: file.position,
    name: endToEnd ? null : file.name,
    content_type: endToEnd ? null : file.contentType,
    size: file.size,
    sealed_metadata: endToEnd ? file.sealedMetadata!.toString('base64url') : null,
    url: `${siteUrl.replace(/\/$/, '')}${PASSDROP_API_PREFIX}/pushes/${token}/files/${file.position}/${grant}`,
  };
}

/** Whether the acting account owns the push (anonymous pushes have no owner). */
const isOwner = (push: PushRecord, user: { readonly id: number } | null): boolean => push.ownerUserId !== null && user?.id === push.ownerUserId;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Our API's view of a push; `siteUrl` is the public site root (base path included). The private name is
 * the owner's only (and the creator's, in the creation response): anyone else with the link gets null.
 */
export function toPushView(push: PushRecord, siteUrl: string, showName: boolean): PushViewJson {
  return {
    token: push.token,
    kind: push.kind,
    url: secretUrl(siteUrl, push),
    encryption: push.encryption,
    passphrase_protected: push.passphraseProtected,
    retrieval_step: push.retrievalStep,
    deletable_by_viewer: push.deletableByViewer,
    expire_after_views: push.expireAfterViews,
    views_remaining: push.viewsRemaining,
    expires_at: iso(push.expiresAt)!,
    expired: push.expired,
    expired_at: iso(push.expiredAt),
    expire_reason: push.expireReason,
    created_at: iso(push.createdAt)!,
    name: showName ? push.name : null,
  };
}

/**
 * Passdrop's own push API (paths relative to `/api/passdrop/v1`): minutes and absolute expiry, one error
 * shape, no Password Pusher quirks.
 */
export function registerPushApiRoutes(app: FastifyInstance, deps: { service: PushService; files: FilePushService; config: PassdropConfig; site: SiteAddress }): void {
  const api = app.withTypeProvider<JsonSchemaToTsProvider>();
  const { service, files, config, site } = deps;
  // What a recipient's page and CLI call: counted as reveal attempts, and served by a gateway process.
  const recipient = { access: 'public', limits: ['reveal'], gateway: true } as const;

  async function findPush(token: string): Promise<PushRecord> {
    const push = isWellFormedToken(token) ? await service.peek(token) : undefined;
    if (!push) throw new AppError('PUSH_NOT_FOUND');
    return push;
  }

  api.post('/pushes', { schema: pushApiSchemas.create, config: { access: 'visitor', limits: ['create'] } }, async (request, reply) => {
    const body = request.body;
    let at: number | undefined;
    if (body.expires_at !== undefined) {
      at = Date.parse(body.expires_at);
      if (Number.isNaN(at)) throw validationError([{ field: 'expires_at', code: 'invalid_time', message: 'must be an ISO 8601 date and time.' }]);
    }
    const common = {
        payload: body.payload,
        expiry: { days: body.expire_after_days, minutes: body.expire_after_minutes, at, views: body.expire_after_views },
        passphrase: body.passphrase,
        encryption: body.encryption,
        accessProof: body.access_proof,
        linkProof: body.link_proof,
        retrievalStep: body.retrieval_step,
        deletableByViewer: body.deletable_by_viewer,
        name: body.name,
        note: body.note,
    };
    const recipientLanguage = body.push_locale === undefined || body.push_locale === '' ? undefined : resolveLanguage(body.push_locale);
    if (body.push_locale !== undefined && body.push_locale !== '' && recipientLanguage === undefined) {
      throw validationError([{ field: 'push_locale', code: 'not_allowed', message: 'is not a supported language.' }]);
    }
    const context = { authentication: request.authentication, audit: auditContextOf(request) };
    const kind = body.kind ?? 'text';
    if (kind !== 'file' && body.files !== undefined) {
      throw validationError([{ field: 'files', code: 'only_for_file_pushes', message: 'can only be attached to a file push.' }]);
    }
    const result =
      kind === 'file'
        ? await files.createFromUploads(
            common,
            (body.files ?? []).map((file) => ({
              uploadId: file.upload_id,
              sealedMetadata: file.sealed_metadata === undefined ? undefined : Buffer.from(file.sealed_metadata, 'base64url'),
            })),
            context,
          )
        : await service.create({ ...common, kind }, context);
    if (!result.ok) {
      if ('refused' in result) throw refusalError(result.refused, 'visitor');
      throw validationError(result.problems);
    }
    const view = toPushView(result.push, site.publicUrl(request), true);
    return reply.code(201).send({ ...view, url: linkInLanguage(view.url, recipientLanguage) });
  });

  api.get('/pushes/:token', { schema: pushApiSchemas.show, config: recipient }, async (request) => {
    const push = await findPush(request.params.token);
    return toPushView(push, site.publicUrl(request), isOwner(push, request.user));
  });

  // A push without passphrase needs no body at all: a bare POST is the whole request, also when the
  // client names JSON without sending any (`curl -X POST -H 'content-type: application/json'`), which
  // elsewhere is a malformed JSON body (400).
  const noBodyIsNoBody = async (request: { headers: Record<string, string | string[] | undefined> }) => {
    const empty = request.headers['transfer-encoding'] === undefined && (request.headers['content-length'] ?? '0') === '0';
    if (empty) delete request.headers['content-type'];
  };
  const bodyOptional = async (request: { body: unknown }) => {
    if (request.body === undefined || request.body === null) request.body = {};
  };

  api.post('/pushes/:token/reveal', { schema: pushApiSchemas.reveal, config: recipient, onRequest: noBodyIsNoBody, preValidation: bodyOptional }, async (request) => {
    const { token } = request.params;
    if (!isWellFormedToken(token)) throw new AppError('PUSH_NOT_FOUND');
    const credentials = { passphrase: request.body?.access_proof ?? request.body?.passphrase, linkProof: request.body?.link_proof };
    const { result, downloads } = await files.retrieve(token, credentials, auditContextOf(request), request.user);
    switch (result.outcome) {
      case 'revealed': {
        const siteUrl = site.publicUrl(request);
        const push = toPushView(result.push, siteUrl, isOwner(result.push, request.user));
        if (!downloads) return { payload: result.payload, push };
        return {
          payload: result.payload,
          push,
          files: downloads.files.map((file) => toRevealedFile(file, siteUrl, token, downloads.grant)),
          download_expires_at: new Date(downloads.expiresAt).toISOString(),
        };
      }
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
      case 'link_proof_required':
        throw new AppError('LINK_PROOF_REQUIRED');
      case 'link_damaged':
        throw new AppError('LINK_DAMAGED');
      case 'rate_limited':
        throw new AppError('PASSPHRASE_RATE_LIMITED', { headers: { 'retry-after': '60' } });
      default:
        throw new Error(`unhandled outcome ${JSON.stringify(result satisfies never)}`);
    }
  });

  // Untyped: the 200 body is a stream, which the JSON type provider cannot express.
  app.get('/pushes/:token/files/:position/:grant', { schema: pushApiSchemas.download, config: { access: 'public', gateway: true } }, async (request, reply) => {
    const { token, position, grant } = request.params as { token: string; position: string; grant: string };
    if (!isWellFormedToken(token) || !/^[A-Za-z0-9_-]{43}$/.test(grant)) throw new AppError('FILE_NOT_FOUND');
    const result = await files.download(token, Number(position), grant, auditContextOf(request));
    if (!result.ok) throw new AppError('FILE_NOT_FOUND');
    return sendFileDownload(reply, result);
  });

  api.delete('/pushes/:token', { schema: pushApiSchemas.destroy, config: recipient }, async (request) => {
    const { token } = request.params;
    if (!isWellFormedToken(token)) throw new AppError('PUSH_NOT_FOUND');
    const result = await files.deleteByViewer(token, auditContextOf(request), request.user);
    switch (result.outcome) {
      case 'deleted':
      case 'already_expired':
        return toPushView(result.push, site.publicUrl(request), isOwner(result.push, request.user));
      case 'not_deletable':
        throw new AppError('PUSH_NOT_DELETABLE');
      case 'not_found':
        throw new AppError('PUSH_NOT_FOUND');
      default:
        throw new Error(`unhandled outcome ${JSON.stringify(result satisfies never)}`);
    }
  });

  api.get('/limits', { schema: pushApiSchemas.limits, config: { access: 'public' } }, async () => ({
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

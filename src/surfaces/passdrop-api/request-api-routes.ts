import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessRefusal } from '../../accounts/access-policy.js';
import { keyFingerprint } from '../../crypto/requests/request-answer-format.js';
import { AppError, validationError } from '../../errors/app-error.js';
import { requestLink } from '../../requests/request-link.js';
import type { AnswerRecord, RequestRecord } from '../../requests/request-record.js';
import type { AnswerResult, RequestService } from '../../requests/request-service.js';
import type { SiteAddress } from '../surface-kit/public-url.js';
import { auditContextOf } from '../surface-kit/request-facts.js';
import { refusalError } from './passdrop-api-errors.js';
import { PASSDROP_API_PREFIX } from './passdrop-api-prefix.js';
import { requestApiSchemas, type AnswerViewJson, type RequestViewJson } from './request-api-schemas.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const PER_PAGE = 50;

/** Our API's view of a request, for its owner. */
export async function toRequestView(request: RequestRecord, siteUrl: string, instructions: string): Promise<RequestViewJson> {
  return {
    token: request.token,
    url: await requestLink(siteUrl, request),
    key_algorithm: request.keyAlgorithm,
    public_key: request.publicKey,
    key_fingerprint: await keyFingerprint(request.publicKey),
    name: request.name,
    requester_name: request.requesterName,
    instructions,
    passphrase_protected: request.passphraseRecord !== null,
    files_allowed: request.filesAllowed,
    answers_allowed: request.answersAllowed,
    answers_received: request.answersAllowed - request.answersRemaining,
    answers_remaining: request.answersRemaining,
    answer_expire_after_minutes: request.answerLifetimeMinutes,
    answer_expire_after_views: request.answerViews,
    expires_at: iso(request.expiresAt)!,
    closed: request.closed,
    closed_at: iso(request.closedAt),
    close_reason: request.closeReason,
    created_at: iso(request.createdAt)!,
  };
}

export function toAnswerView(answer: AnswerRecord, fileCount = 0): AnswerViewJson {
  return {
    file_count: fileCount,
    answer_id: answer.token,
    kind: answer.kind,
    encryption: answer.encryption,
    size_bytes: answer.sizeBytes,
    expire_after_views: answer.expireAfterViews,
    views_remaining: answer.viewsRemaining,
    expires_at: iso(answer.expiresAt)!,
    expired: answer.expired,
    expired_at: iso(answer.expiredAt),
    expire_reason: answer.expireReason,
    created_at: iso(answer.createdAt)!,
  };
}

function createRefusal(refused: AccessRefusal | 'disabled'): AppError {
  return refused === 'disabled' ? new AppError('REQUESTS_DISABLED') : refusalError(refused, 'account');
}

/** An answer's refusal as our API's error. */
export function answerError(result: Exclude<AnswerResult, { outcome: 'accepted' }>): AppError {
  switch (result.outcome) {
    case 'not_found':
      return new AppError('REQUEST_NOT_FOUND');
    case 'closed':
      return new AppError('REQUEST_CLOSED');
    case 'locked':
      return new AppError('REQUEST_LOCKED');
    case 'invalid':
      return validationError(result.problems);
    case 'passphrase_required':
      return new AppError('REQUEST_PASSPHRASE_REQUIRED');
    case 'passphrase_incorrect':
      return new AppError('REQUEST_PASSPHRASE_INCORRECT');
    case 'rate_limited':
      return new AppError('REQUEST_RATE_LIMITED', { headers: { 'retry-after': String(result.retryAfterSeconds) } });
    default:
      throw new Error(`unhandled outcome ${JSON.stringify(result satisfies never)}`);
  }
}

/**
 * The request API (paths relative to `/api/passdrop/v1`). The requester's routes need an account and
 * show only its own requests (anyone else's is 404); the responder's two routes (the form and the answer)
 * are public and show nothing of the requester's account or of other answers.
 */
export function registerRequestApiRoutes(app: FastifyInstance, deps: { requests: RequestService; site: SiteAddress; answerMaxCharacters: number }): void {
  const api = app.withTypeProvider<JsonSchemaToTsProvider>();
  const { requests, site } = deps;
  const account = { access: 'account' } as const;
  const responder = { access: 'public', limits: ['reveal'], gateway: true } as const;

  async function ownRequest(request: FastifyRequest): Promise<RequestRecord> {
    const { token } = request.params as { token: string };
    const found = await requests.findOwned(request.user!.id, token);
    if (!found) throw new AppError('REQUEST_NOT_FOUND');
    return found;
  }
  const view = async (request: FastifyRequest, record: RequestRecord) => toRequestView(record, site.publicUrl(request), requests.readInstructions(record));

  api.post('/requests', { schema: requestApiSchemas.create, config: { ...account, limits: ['create'] } }, async (request, reply) => {
    const body = request.body;
    const result = await requests.create(
      {
        publicKey: body.public_key,
        keyAlgorithm: body.key_algorithm,
        name: body.name,
        requesterName: body.requester_name,
        instructions: body.instructions,
        expireAfterMinutes: body.expire_after_minutes,
        answersAllowed: body.answers_allowed,
        passphrase: body.passphrase,
        filesAllowed: body.files_allowed,
        answerExpireAfterMinutes: body.answer_expire_after_minutes,
        answerExpireAfterViews: body.answer_expire_after_views,
      },
      { authentication: request.authentication, audit: auditContextOf(request) },
    );
    if (!result.ok) throw 'refused' in result ? createRefusal(result.refused) : validationError(result.problems);
    return reply.code(201).send(await view(request, result.request));
  });

  api.get('/requests', { schema: requestApiSchemas.list, config: account }, async (request) => {
    const closed = request.query.status === 'closed';
    const page = request.query.page ?? 1;
    const userId = request.user!.id;
    const [list, total] = await Promise.all([
      requests.listOwned(userId, { closed, offset: (page - 1) * PER_PAGE, limit: PER_PAGE }),
      requests.countOwned(userId, { closed }),
    ]);
    return { requests: await Promise.all(list.map((record) => view(request, record))), total, page, per_page: PER_PAGE };
  });

  api.get('/requests/:token', { schema: requestApiSchemas.show, config: account }, async (request) => view(request, await ownRequest(request)));

  api.post('/requests/:token/close', { schema: requestApiSchemas.close, config: account }, async (request) =>
    view(request, await requests.close(await ownRequest(request), auditContextOf(request))),
  );

  api.get('/requests/:token/audit', { schema: requestApiSchemas.audit, config: account }, async (request) => {
    const page = request.query.page ?? 1;
    const events = await requests.listAudit(await ownRequest(request), { offset: (page - 1) * PER_PAGE, limit: PER_PAGE });
    return events.map((event) => ({ kind: event.kind, reason: event.reason, answer_id: event.answerToken, ip: event.ip, user_agent: event.userAgent, created_at: iso(event.createdAt)! }));
  });

  api.get('/requests/:token/answers', { schema: requestApiSchemas.answers, config: account }, async (request) => {
    const page = request.query.page ?? 1;
    const answers = await requests.listAnswers(await ownRequest(request), { offset: (page - 1) * PER_PAGE, limit: PER_PAGE });
    const counts = await requests.countAnswerFiles(answers);
    return answers.map((answer) => toAnswerView(answer, counts.get(answer.id) ?? 0));
  });

  api.post('/requests/:token/answers/:answer/reveal', { schema: requestApiSchemas.reveal, config: account }, async (request, reply) => {
    const owned = await ownRequest(request);
    const result = await requests.revealAnswer(owned, request.params.answer, auditContextOf(request));
    switch (result.outcome) {
      case 'revealed': {
        const base = `${site.publicUrl(request).replace(/\/$/, '')}${PASSDROP_API_PREFIX}/requests/${owned.token}/answers/${result.answer.token}/files`;
        return reply.header('cache-control', 'no-store').send({
          ciphertext: result.ciphertext,
          answer: toAnswerView(result.answer, result.files.length),
          files: result.files.map((file) => ({ position: file.position, size: file.size, sealed_metadata: file.sealedMetadata.toString('base64url'), url: `${base}/${file.position}` })),
          files_available_until: result.answer.kind === 'files' ? iso(result.answer.filesUntil) : null,
        });
      }
      case 'not_found':
        throw new AppError('ANSWER_NOT_FOUND');
      case 'expired':
        throw new AppError('ANSWER_EXPIRED');
      default:
        throw new Error(`unhandled outcome ${JSON.stringify(result satisfies never)}`);
    }
  });

  app.get('/requests/:token/answers/:answer/files/:position', { schema: requestApiSchemas.downloadFile, config: account }, async (request, reply) => {
    const owned = await ownRequest(request);
    const params = request.params as { answer: string; position: string };
    const result = await requests.downloadAnswerFile(owned, params.answer, Number(params.position));
    if (!result.ok) throw new AppError('FILE_NOT_FOUND');
    return reply
      .header('cache-control', 'no-store')
      .header('content-type', 'application/octet-stream')
      .header('content-disposition', `attachment; filename="answer-file-${result.file.position + 1}.passdrop"`)
      .header('x-content-type-options', 'nosniff')
      .header('content-length', String(result.file.size))
      .send(Readable.fromWeb(result.body as NodeReadableStream<Uint8Array>));
  });

  api.delete('/requests/:token/answers/:answer', { schema: requestApiSchemas.deleteAnswer, config: account }, async (request) => {
    const result = await requests.deleteAnswer(await ownRequest(request), request.params.answer, auditContextOf(request));
    if (result.outcome === 'not_found') throw new AppError('ANSWER_NOT_FOUND');
    return toAnswerView(result.answer);
  });

  api.get('/requests/:token/form', { schema: requestApiSchemas.form, config: responder }, async (request) => {
    const found = await requests.findForResponder(request.params.token);
    if (!found) throw new AppError('REQUEST_NOT_FOUND');
    if (found.closed) throw new AppError(found.closeReason === 'locked' ? 'REQUEST_LOCKED' : 'REQUEST_CLOSED');
    await requests.recordOpened(found, auditContextOf(request, null));
    return {
      token: found.token,
      requester_name: found.requesterName,
      instructions: requests.readInstructions(found),
      expires_at: iso(found.expiresAt)!,
      key_algorithm: found.keyAlgorithm,
      public_key: found.publicKey,
      passphrase_required: found.passphraseRecord !== null,
      files_allowed: found.filesAllowed,
      max_characters: deps.answerMaxCharacters,
      max_files: found.filesAllowed ? (requests.answerFileLimits?.maxFiles ?? 0) : 0,
      max_file_bytes: found.filesAllowed ? (requests.answerFileLimits?.maxFileBytes ?? 0) : 0,
      max_total_file_bytes: found.filesAllowed ? (requests.answerFileLimits?.maxTotalBytes ?? 0) : 0,
    };
  });

  api.post('/requests/:token/answers', { schema: requestApiSchemas.answer, config: responder }, async (request, reply) => {
    const body = request.body;
    // A responder is nobody's account here: the audit log records no user for answers.
    const result = await requests.answer(
      request.params.token,
      {
        encryption: 'client',
        answerId: body.answer_id,
        kind: body.kind,
        ciphertext: body.ciphertext,
        passphrase: body.passphrase,
        files: body.files?.map((file) => ({ uploadId: file.upload_id, sealedMetadata: file.sealed_metadata })),
      },
      auditContextOf(request, null),
    );
    if (result.outcome !== 'accepted') throw answerError(result);
    return reply.code(201).send({ answer_id: result.answer.token, encryption: 'client' as const, created_at: iso(result.answer.createdAt)! });
  });
}

import { actingUser, decideAccess, type AccessRefusal, type Authentication } from '../accounts/access-policy.js';
import type { RateLimitStore } from '../accounts/rate-limit-store.js';
import type { RequestPolicy } from '../config/request-settings.js';
import { openEnvelope, sealEnvelope } from '../crypto/envelope.js';
import type { MasterKeyRing } from '../crypto/master-key-ring.js';
import { createPassphraseRecord, verifyPassphrase } from '../crypto/passphrase-kdf.js';
import { randomToken } from '../crypto/random-token.js';
import {
  checkAnswerShape,
  checkPublicKey,
  maxAnswerCiphertextLength,
  newAnswerId,
  REQUEST_KEY_ALGORITHM,
  RequestCryptoError,
  sealAnswer,
} from '../crypto/requests/request-answer-format.js';
import type { FieldProblem } from '../errors/app-error.js';
import type { AuditContext } from '../pushes/push-record.js';
import { characterCount, MAX_NAME_CHARACTERS, MAX_NOTE_CHARACTERS, MAX_PASSPHRASE_CHARACTERS } from '../pushes/push-validation.js';
import { REQUEST_ANSWERED, type RequestEventHooks } from './request-events.js';
import type { AnswerRecord, RequestAuditEvent, RequestRecord } from './request-record.js';
import { ANSWER_FIELD, INSTRUCTIONS_FIELD, type RequestStore } from './request-store.js';
import type { AnswerFileRecord, AnswerFileStore } from './answer-file-store.js';
import type { FilePushPolicy } from '../config/file-push-settings.js';
import { encryptedLength } from '../crypto/stream/record-stream.js';
import type { BlobStore } from '../files/blob-store.js';
import { MAX_SEALED_METADATA_BYTES } from '../files/file-push-service.js';
import { UploadTakenError, type FileUploadStore } from '../files/file-upload-store.js';
import type { WriteExecutor } from '../storage/write-transaction.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** Request tokens and answer ids: 16 random bytes in base64url. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const CIPHERTEXT_PATTERN = /^[A-Za-z0-9_-]+$/;

export function isWellFormedRequestToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/** What a requester asks for, parsed from whichever surface it came through. */
export interface CreateRequestInput {
  /** base64url of the requester's P-256 public key (docs/requests-encryption.md). */
  readonly publicKey: string | undefined;
  readonly keyAlgorithm?: string | undefined;
  readonly name?: string | undefined;
  readonly requesterName?: string | undefined;
  readonly instructions?: string | undefined;
  /** How long the link takes answers, in minutes. */
  readonly expireAfterMinutes?: number | undefined;
  /** How many answers the link takes (default 1). */
  readonly answersAllowed?: number | undefined;
  /** A passphrase responders must type (shared through another channel). */
  readonly passphrase?: string | undefined;
  /** Whether answers may carry files (refused with `files_unavailable` when this server takes no answer files). */
  readonly filesAllowed?: boolean | undefined;
  /** How long each answer is kept, in minutes. */
  readonly answerExpireAfterMinutes?: number | undefined;
  /** How many times each answer may be opened. */
  readonly answerExpireAfterViews?: number | undefined;
}

export type CreateRequestResult =
  | { ok: true; request: RequestRecord }
  | { ok: false; problems: FieldProblem[] }
  | { ok: false; refused: AccessRefusal | 'disabled' };

/**
 * An answer as a responder sends it: sealed in their browser (`client`: an answer id, a kind and the
 * ciphertext), or, without JavaScript, as text that the server seals to the same key (`server`).
 */
export type AnswerInput =
  | {
      readonly encryption: 'client';
      readonly answerId: string | undefined;
      readonly kind: string | undefined;
      readonly ciphertext: string | undefined;
      readonly passphrase?: string | undefined;
      /** Kind `files`: the answer's files in order, each a complete upload made for this request and its sealed metadata (base64url). */
      readonly files?: ReadonlyArray<{ readonly uploadId: string; readonly sealedMetadata: string }> | undefined;
    }
  | { readonly encryption: 'server'; readonly text: string | undefined; readonly passphrase?: string | undefined };

export type AnswerResult =
  | { outcome: 'accepted'; request: RequestRecord; answer: AnswerRecord }
  | { outcome: 'not_found' }
  | { outcome: 'closed'; request: RequestRecord }
  | { outcome: 'invalid'; request: RequestRecord; problems: FieldProblem[] }
  | { outcome: 'passphrase_required'; request: RequestRecord }
  | { outcome: 'passphrase_incorrect'; request: RequestRecord }
  | { outcome: 'locked'; request: RequestRecord }
  /** `scope`: too many answers from this IP (an hour), to this link (a minute) or passphrase attempts (a minute). */
  | { outcome: 'rate_limited'; scope: 'ip' | 'link' | 'passphrase'; retryAfterSeconds: number };

export type RevealAnswerResult =
  /** `files`: an answer's files still stored, downloadable until `answer.filesUntil` (empty for a text answer). */
  | { outcome: 'revealed'; answer: AnswerRecord; ciphertext: string; files: readonly AnswerFileRecord[] }
  | { outcome: 'not_found' }
  | { outcome: 'expired'; answer: AnswerRecord };

export type AnswerFileDownload = { ok: true; file: AnswerFileRecord; body: ReadableStream<Uint8Array> } | { ok: false; reason: 'not_found' };

export type DeleteAnswerResult = { outcome: 'deleted' | 'already_expired'; answer: AnswerRecord } | { outcome: 'not_found' };

export interface RequestService {
  /** Whether requests are on and this authentication may make them (a fully authenticated account). */
  mayCreate(authentication: Authentication): { ok: true } | { ok: false; refused: AccessRefusal | 'disabled' };
  create(input: CreateRequestInput, context: { authentication: Authentication; audit: AuditContext }): Promise<CreateRequestResult>;
  /** A request by its token for its owner; anyone else's (or an unknown token) is undefined. A request whose time ran out is closed on the way. */
  findOwned(ownerUserId: number, token: string): Promise<RequestRecord | undefined>;
  listOwned(ownerUserId: number, query: { closed: boolean; offset: number; limit: number }): Promise<RequestRecord[]>;
  countOwned(ownerUserId: number, query: { closed: boolean }): Promise<number>;
  /** The requester closes a request: it takes no more answers (answers already in stay readable). */
  close(request: RequestRecord, audit: AuditContext): Promise<RequestRecord>;
  /** What a responder sees: the request, open or closed (time checked), or undefined for an unknown token. */
  findForResponder(token: string): Promise<RequestRecord | undefined>;
  /** Records that a responder opened the link page or its form. */
  recordOpened(request: RequestRecord, audit: AuditContext): Promise<void>;
  /** The instructions shown to responders ('' when none). */
  readInstructions(request: RequestRecord): string;
  /** Takes an answer within the request's limits: rate limits, size, passphrase, then the atomic count. */
  answer(token: string, input: AnswerInput, audit: AuditContext): Promise<AnswerResult>;
  /** A request's answers, oldest first; answers whose time ran out are expired on the way. */
  listAnswers(request: RequestRecord, page: { offset: number; limit: number }): Promise<AnswerRecord[]>;
  /** Uses one view of an answer and hands its sealed ciphertext to the requester's browser. */
  revealAnswer(request: RequestRecord, answerToken: string, audit: AuditContext): Promise<RevealAnswerResult>;
  /** The requester deletes an answer now (its files' blobs too). */
  deleteAnswer(request: RequestRecord, answerToken: string, audit: AuditContext): Promise<DeleteAnswerResult>;
  /** How many files each answer holds (0 for text answers), for lists. */
  countAnswerFiles(answers: readonly AnswerRecord[]): Promise<Map<number, number>>;
  /** One file of an answer, while the download window of its last view is open; `not_found` otherwise. */
  downloadAnswerFile(request: RequestRecord, answerToken: string, position: number): Promise<AnswerFileDownload>;
  /** Whether a request may take files (the gate of answer uploads): open, files allowed, this server takes answer files. */
  checkAnswerUpload(token: string): Promise<{ ok: true; requestId: number; maxPendingUploads: number } | { ok: false; reason: 'not_found' | 'closed' | 'files_not_allowed' }>;
  /** Deletes the blobs of expired answers' files (after the last view's window for answers expired by views); answers how many. */
  sweepAnswerFiles(now: number): Promise<number>;
  /** The file limits answers take, or undefined when this server takes no answer files. */
  readonly answerFileLimits: { readonly maxFiles: number; readonly maxFileBytes: number; readonly maxTotalBytes: number } | undefined;
  listAudit(request: RequestRecord, page: { offset: number; limit: number }): Promise<RequestAuditEvent[]>;
}

export interface RequestServiceDependencies {
  readonly store: RequestStore;
  /** Per-IP and per-link answer windows, counted in the database (shared by every process). */
  readonly rateLimits: RateLimitStore;
  readonly keys: MasterKeyRing;
  readonly policy: RequestPolicy;
  readonly clock: () => number;
  /** Hooks on domain events (the notification outbox); see RequestEventHooks. */
  readonly events?: RequestEventHooks;
  /** Answers with files: where their rows, uploads and blobs live and the file limits (those of file pushes). Without it, no answer takes files. */
  readonly files?: {
    readonly store: AnswerFileStore;
    readonly uploads: FileUploadStore;
    readonly blobs: BlobStore;
    readonly policy: Pick<FilePushPolicy, 'maxFiles' | 'maxFileBytes' | 'maxPushBytes' | 'downloadWindowMs'>;
  };
}

function wholeNumberProblem(field: string, value: number | undefined, bounds: { min: number; max: number }): FieldProblem | undefined {
  if (value === undefined) return undefined;
  if (Number.isInteger(value) && value >= bounds.min && value <= bounds.max) return undefined;
  return { field, code: 'out_of_range', params: { min: bounds.min, max: bounds.max }, message: `must be a whole number between ${bounds.min} and ${bounds.max}.` };
}

function textProblem(field: string, value: string | undefined, max: number): FieldProblem | undefined {
  if (value === undefined || value.length <= max || characterCount(value) <= max) return undefined;
  return { field, code: 'too_long', params: { max }, message: `must be at most ${max} characters.` };
}

/**
 * Requests: an account asks someone to send it a secret, encrypted to a key pair only the requester's
 * browser holds (docs/requests-encryption.md). Every surface goes through this service.
 *
 * @example const requests = createRequestService({ store, rateLimits, keys, policy: config.requests, clock: Date.now });
 */
export function createRequestService({ store, rateLimits, keys, policy, clock, events, files }: RequestServiceDependencies): RequestService {
  const mayCreate: RequestService['mayCreate'] = (authentication) => {
    const decision = decideAccess('account', authentication, { allowAnonymous: false });
    if (!decision.ok) return { ok: false, refused: decision.reason };
    return policy.enabled ? { ok: true } : { ok: false, refused: 'disabled' };
  };

  async function closeIfTimeRanOut(request: RequestRecord, now: number): Promise<RequestRecord> {
    if (request.closed || now < request.expiresAt) return request;
    return (await store.close(request.id, 'time', now, null)) ?? (await store.findByToken(request.token)) ?? request;
  }

  async function createProblems(input: CreateRequestInput): Promise<FieldProblem[]> {
    const problems: FieldProblem[] = [];
    if (input.publicKey === undefined || input.publicKey === '') {
      problems.push({ field: 'public_key', code: 'required', message: 'is required: the base64url P-256 public key made in your browser.' });
    } else {
      try {
        await checkPublicKey(input.publicKey);
      } catch (error) {
        if (!(error instanceof RequestCryptoError)) throw error;
        problems.push({ field: 'public_key', code: 'invalid_key', message: 'must be an uncompressed P-256 point in base64url (87 characters).' });
      }
    }
    if (input.keyAlgorithm !== undefined && input.keyAlgorithm !== REQUEST_KEY_ALGORITHM) {
      problems.push({ field: 'key_algorithm', code: 'unsupported', params: { algorithm: REQUEST_KEY_ALGORITHM }, message: `must be ${REQUEST_KEY_ALGORITHM}.` });
    }
    if (input.filesAllowed === true && !files) problems.push({ field: 'files_allowed', code: 'files_unavailable', message: 'This server takes no files in answers.' });
    for (const problem of [
      textProblem('name', input.name, MAX_NAME_CHARACTERS),
      textProblem('requester_name', input.requesterName, MAX_NAME_CHARACTERS),
      textProblem('instructions', input.instructions, MAX_NOTE_CHARACTERS),
      textProblem('passphrase', input.passphrase, MAX_PASSPHRASE_CHARACTERS),
      wholeNumberProblem('expire_after_minutes', input.expireAfterMinutes, policy.openMinutes),
      wholeNumberProblem('answers_allowed', input.answersAllowed, { min: 1, max: policy.answersMax }),
      wholeNumberProblem('answer_expire_after_minutes', input.answerExpireAfterMinutes, policy.answerLifetimeMinutes),
      wholeNumberProblem('answer_expire_after_views', input.answerExpireAfterViews, policy.answerViews),
    ]) {
      if (problem) problems.push(problem);
    }
    return problems;
  }

  /** The ciphertext of a client answer, or the server's sealing of a text answer; or what is wrong with it. */
  async function sealedAnswer(request: RequestRecord, input: AnswerInput): Promise<{ answerId: string; ciphertext: string } | { problems: FieldProblem[] }> {
    const max = policy.answerMaxCharacters;
    const tooLong: FieldProblem = { field: input.encryption === 'client' ? 'ciphertext' : 'text', code: 'too_long', params: { max }, message: `The answer is too long: at most ${max} characters.` };
    if (input.encryption === 'server') {
      if (input.text === undefined || input.text.trim() === '') return { problems: [{ field: 'text', code: 'required', message: 'is required.' }] };
      if (input.text.length > max && characterCount(input.text) > max) return { problems: [tooLong] };
      const answerId = newAnswerId();
      return { answerId, ciphertext: await sealAnswer(input.text, { requestToken: request.token, answerId, kind: 'text', publicKey: request.publicKey }) };
    }
    const problems: FieldProblem[] = [];
    const kind = input.kind ?? 'text';
    if (kind !== 'text' && kind !== 'files') problems.push({ field: 'kind', code: 'invalid', message: 'must be text or files.' });
    if (kind === 'files') problems.push(...(await fileProblems(request, input.files ?? [])));
    else if (input.files !== undefined && input.files.length > 0) problems.push({ field: 'files', code: 'invalid', message: 'Files come with an answer of kind files.' });
    if (input.answerId === undefined || !TOKEN_PATTERN.test(input.answerId)) {
      problems.push({ field: 'answer_id', code: 'invalid_format', message: 'must be 22 base64url characters (16 random bytes).' });
    }
    if (input.ciphertext === undefined || input.ciphertext === '') {
      problems.push({ field: 'ciphertext', code: 'required', message: 'is required.' });
    } else if (input.ciphertext.length > maxAnswerCiphertextLength(max)) {
      problems.push(tooLong);
    } else if (!CIPHERTEXT_PATTERN.test(input.ciphertext)) {
      problems.push({ field: 'ciphertext', code: 'invalid_ciphertext', message: 'must be a base64url answer (docs/requests-encryption.md).' });
    } else {
      try {
        await checkAnswerShape(input.ciphertext);
      } catch (error) {
        if (!(error instanceof RequestCryptoError)) throw error;
        problems.push({ field: 'ciphertext', code: 'invalid_ciphertext', message: 'must be a base64url answer (docs/requests-encryption.md).' });
      }
    }
    if (problems.length === 0 && (await store.answerTokenTaken(input.answerId!))) {
      problems.push({ field: 'answer_id', code: 'taken', message: 'is already used: make a new one and seal the answer again.' });
    }
    return problems.length > 0 ? { problems } : { answerId: input.answerId!, ciphertext: input.ciphertext! };
  }

  /** What is wrong with an answer's files: the request takes none, too many, not this request's complete uploads, too big together. */
  async function fileProblems(request: RequestRecord, list: ReadonlyArray<{ uploadId: string; sealedMetadata: string }>): Promise<FieldProblem[]> {
    if (!files || !request.filesAllowed) return [{ field: 'files', code: 'files_not_allowed', message: 'This request takes no files.' }];
    if (list.length === 0) return [{ field: 'files', code: 'required', message: 'An answer of kind files has at least one file.' }];
    if (list.length > files.policy.maxFiles) {
      return [{ field: 'files', code: 'too_many_files', params: { max: files.policy.maxFiles }, message: `An answer may hold at most ${files.policy.maxFiles} files.` }];
    }
    if (new Set(list.map((file) => file.uploadId)).size !== list.length) return [{ field: 'files', code: 'invalid', message: 'names an upload twice.' }];
    let total = 0;
    for (const [position, file] of list.entries()) {
      const upload = await files.uploads.find(file.uploadId);
      if (!upload || upload.completedAt === null || upload.requestId !== request.id || upload.mode !== 'e2e') {
        return [{ field: 'files', code: 'upload_not_found', message: `File ${position + 1}: there is no complete upload ${file.uploadId} for this request.` }];
      }
      const sealed = CIPHERTEXT_PATTERN.test(file.sealedMetadata) ? Buffer.from(file.sealedMetadata, 'base64url') : undefined;
      if (!sealed || sealed.length === 0 || sealed.length > MAX_SEALED_METADATA_BYTES) {
        return [{ field: 'files', code: 'sealed_metadata', message: `File ${position + 1}: the sealed metadata must be base64url, at most ${MAX_SEALED_METADATA_BYTES} bytes.` }];
      }
      total += upload.size;
    }
    if (total > encryptedLength(files.policy.maxPushBytes)) {
      return [{ field: 'files', code: 'too_large', message: `The files of one answer may be at most ${Math.floor(files.policy.maxPushBytes / 1_048_576)} MiB together.` }];
    }
    return [];
  }

  /** Deletes the blobs of these answer files and marks them gone. */
  async function deleteFileBlobs(list: readonly AnswerFileRecord[]): Promise<number> {
    if (!files || list.length === 0) return 0;
    for (const file of list) await files.blobs.delete(file.blobKey);
    await files.store.markBlobsDeleted(
      list.map((file) => file.id),
      clock(),
    );
    return list.length;
  }

  async function limited(bucket: string, windowMs: number, max: number, now: number): Promise<boolean> {
    return (await rateLimits.hit(bucket, windowMs, now)) > max;
  }

  return {
    mayCreate,

    async create(input, { authentication, audit }) {
      const allowed = mayCreate(authentication);
      if (!allowed.ok) return { ok: false, refused: allowed.refused };
      const owner = actingUser(authentication)!;
      const problems = await createProblems(input);
      if (problems.length > 0) return { ok: false, problems };
      const now = clock();
      const token = randomToken();
      const passphrase = input.passphrase === '' ? undefined : input.passphrase;
      const secret = passphrase === undefined ? undefined : await createPassphraseRecord(passphrase);
      secret?.key.fill(0);
      const instructions = input.instructions?.trim() ? input.instructions : undefined;
      const request = await store.create(
        {
          token,
          ownerUserId: owner.id,
          name: input.name ?? '',
          requesterName: input.requesterName ?? '',
          instructionsEnvelope: instructions === undefined ? null : sealEnvelope(Buffer.from(instructions, 'utf8'), keys.current, { pushToken: token, field: INSTRUCTIONS_FIELD }),
          keyAlgorithm: REQUEST_KEY_ALGORITHM,
          publicKey: input.publicKey!,
          answersAllowed: input.answersAllowed ?? 1,
          filesAllowed: input.filesAllowed === true,
          answerLifetimeMinutes: input.answerExpireAfterMinutes ?? policy.answerLifetimeMinutes.default,
          answerViews: input.answerExpireAfterViews ?? policy.answerViews.default,
          expiresAt: now + (input.expireAfterMinutes ?? policy.openMinutes.default) * MINUTE,
          passphraseRecord: secret?.record ?? null,
          createdAt: now,
        },
        audit,
      );
      return { ok: true, request };
    },

    async findOwned(ownerUserId, token) {
      if (!TOKEN_PATTERN.test(token)) return undefined;
      const request = await store.findByToken(token);
      // Someone else's request looks exactly like one that does not exist.
      if (!request || request.ownerUserId !== ownerUserId) return undefined;
      return closeIfTimeRanOut(request, clock());
    },

    listOwned(ownerUserId, query) {
      return store.listOwned(ownerUserId, query);
    },

    countOwned(ownerUserId, query) {
      return store.countOwned(ownerUserId, query);
    },

    async close(request, audit) {
      return (await store.close(request.id, 'owner', clock(), audit)) ?? (await store.findByToken(request.token)) ?? request;
    },

    async findForResponder(token) {
      if (!TOKEN_PATTERN.test(token)) return undefined;
      const request = await store.findByToken(token);
      return request ? closeIfTimeRanOut(request, clock()) : undefined;
    },

    async recordOpened(request, audit) {
      await store.recordAudit(request.id, null, 'opened', audit, clock());
    },

    readInstructions(request) {
      if (request.instructionsEnvelope === null) return '';
      return openEnvelope(request.instructionsEnvelope, keys, { pushToken: request.token, field: INSTRUCTIONS_FIELD }).toString('utf8');
    },

    async answer(token, input, audit) {
      const now = clock();
      if (!TOKEN_PATTERN.test(token)) return { outcome: 'not_found' };
      const found = await store.findByToken(token);
      if (!found) return { outcome: 'not_found' };
      const request = await closeIfTimeRanOut(found, now);
      if (request.closed) {
        await store.recordAudit(request.id, null, 'failed_answer', audit, now, request.closeReason ?? undefined);
        return request.closeReason === 'locked' ? { outcome: 'locked', request } : { outcome: 'closed', request };
      }
      // Counted in the database, so every process shares the windows; every attempt counts, good or bad.
      if (audit.ip !== null && (await limited(`request-answer:ip:${audit.ip}`, HOUR, policy.answersPerIpPerHour, now))) {
        return { outcome: 'rate_limited', scope: 'ip', retryAfterSeconds: 3600 };
      }
      if (await limited(`request-answer:link:${request.id}`, MINUTE, policy.answersPerLinkPerMinute, now)) {
        return { outcome: 'rate_limited', scope: 'link', retryAfterSeconds: 60 };
      }
      if (request.passphraseRecord !== null) {
        if (input.passphrase === undefined || input.passphrase === '') return { outcome: 'passphrase_required', request };
        if ((await store.countPassphraseAttempt(request.id, now)) > policy.passphraseAttemptsPerMinute) {
          return { outcome: 'rate_limited', scope: 'passphrase', retryAfterSeconds: 60 };
        }
        const verdict = await verifyPassphrase(input.passphrase, request.passphraseRecord);
        if (!verdict.ok) {
          const failure = await store.recordPassphraseFailure(request.id, clock(), policy.passphraseMaxFailures, audit);
          return failure.locked ? { outcome: 'locked', request: (await store.findByToken(token)) ?? request } : { outcome: 'passphrase_incorrect', request };
        }
        verdict.key.fill(0);
      }
      const sealed = await sealedAnswer(request, input);
      if ('problems' in sealed) return { outcome: 'invalid', request, problems: sealed.problems };
      const payloadEnvelope = sealEnvelope(Buffer.from(sealed.ciphertext, 'utf8'), keys.current, { pushToken: sealed.answerId, field: ANSWER_FIELD });
      const answerFiles = input.encryption === 'client' && input.kind === 'files' ? (input.files ?? []) : [];
      const attachFiles =
        answerFiles.length > 0 && files
          ? async (executor: WriteExecutor, answerId: number) => {
              const taken = await files.uploads.takeForAnswer(
                executor,
                answerFiles.map((file) => file.uploadId),
                request.id,
              );
              const createdAt = clock();
              await files.store.insertFiles(
                executor,
                answerId,
                taken.map((upload, position) => ({
                  position,
                  sealedMetadata: Buffer.from(answerFiles[position]!.sealedMetadata, 'base64url'),
                  size: upload.size,
                  storedSize: upload.storedSize!,
                  blobKey: upload.blobKey!,
                  createdAt,
                })),
              );
            }
          : undefined;
      let accepted: Awaited<ReturnType<RequestStore['acceptAnswer']>>;
      try {
        accepted = await store.acceptAnswer(
        request.id,
        {
          token: sealed.answerId,
          kind: answerFiles.length > 0 ? 'files' : 'text',
          encryption: input.encryption,
          sizeBytes: Math.floor((sealed.ciphertext.length * 3) / 4),
        },
        payloadEnvelope,
        clock(),
        audit,
        events?.answered
          ? (result, executor) =>
              events.answered!(
                {
                  type: REQUEST_ANSWERED,
                  requestId: result.request.id,
                  requestToken: result.request.token,
                  requestName: result.request.name,
                  ownerUserId: result.request.ownerUserId,
                  answerToken: result.answer.token,
                  encryption: result.answer.encryption,
                  answersRemaining: result.request.answersRemaining,
                  answeredAt: result.answer.createdAt,
                },
                executor,
              )
          : undefined,
        attachFiles,
        );
      } catch (error) {
        if (!(error instanceof UploadTakenError)) throw error;
        return { outcome: 'invalid', request, problems: [{ field: 'files', code: 'upload_not_found', message: 'An upload was cancelled or attached to another answer meanwhile.' }] };
      }
      if (accepted.ok) return { outcome: 'accepted', request: accepted.request, answer: accepted.answer };
      if (accepted.reason === 'duplicate') {
        return { outcome: 'invalid', request, problems: [{ field: 'answer_id', code: 'taken', message: 'is already used: make a new one and seal the answer again.' }] };
      }
      const now2 = clock();
      const current = await closeIfTimeRanOut((await store.findByToken(token)) ?? request, now2);
      await store.recordAudit(request.id, null, 'failed_answer', audit, now2, current.closeReason ?? undefined);
      return { outcome: 'closed', request: current };
    },

    async listAnswers(request, page) {
      const now = clock();
      const answers = await store.listAnswers(request.id, page);
      return Promise.all(
        answers.map(async (answer) => (!answer.expired && now >= answer.expiresAt ? ((await store.expireAnswer(answer.id, 'time', now, null)) ?? answer) : answer)),
      );
    },

    async revealAnswer(request, answerToken, audit) {
      if (!TOKEN_PATTERN.test(answerToken)) return { outcome: 'not_found' };
      const now = clock();
      const consumed = await store.consumeAnswerView(request.id, answerToken, now, audit, files?.policy.downloadWindowMs ?? 0);
      if (consumed.ok) {
        const ciphertext = openEnvelope(consumed.payloadEnvelope, keys, { pushToken: answerToken, field: ANSWER_FIELD }).toString('utf8');
        const answerFiles = consumed.answer.kind === 'files' && files ? await files.store.listStoredFiles(consumed.answer.id) : [];
        return { outcome: 'revealed', answer: consumed.answer, ciphertext, files: answerFiles };
      }
      const answer = await store.findAnswer(request.id, answerToken);
      if (!answer) return { outcome: 'not_found' };
      if (!answer.expired && now >= answer.expiresAt) return { outcome: 'expired', answer: (await store.expireAnswer(answer.id, 'time', now, null)) ?? answer };
      return { outcome: 'expired', answer };
    },

    async deleteAnswer(request, answerToken, audit) {
      if (!TOKEN_PATTERN.test(answerToken)) return { outcome: 'not_found' };
      const answer = await store.findAnswer(request.id, answerToken);
      if (!answer) return { outcome: 'not_found' };
      const deleted = await store.expireAnswer(answer.id, 'owner', clock(), audit);
      // Deleted now, not at the next sweep: the requester asked for it.
      if (files && answer.kind === 'files') await deleteFileBlobs(await files.store.listStoredFiles(answer.id));
      return deleted ? { outcome: 'deleted', answer: deleted } : { outcome: 'already_expired', answer };
    },

    async countAnswerFiles(answers) {
      const withFiles = answers.filter((answer) => answer.kind === 'files').map((answer) => answer.id);
      return files && withFiles.length > 0 ? files.store.countFiles(withFiles) : new Map();
    },

    async downloadAnswerFile(request, answerToken, position) {
      if (!files || !TOKEN_PATTERN.test(answerToken) || !Number.isInteger(position) || position < 0) return { ok: false, reason: 'not_found' };
      const answer = await store.findAnswer(request.id, answerToken);
      const now = clock();
      // Only within the window a view opened; an answer deleted any other way than by its views has no files left.
      if (!answer || answer.kind !== 'files' || answer.filesUntil === null || answer.filesUntil <= now) return { ok: false, reason: 'not_found' };
      if (answer.expired && answer.expireReason !== 'views') return { ok: false, reason: 'not_found' };
      const file = (await files.store.listStoredFiles(answer.id)).find((candidate) => candidate.position === position);
      if (!file) return { ok: false, reason: 'not_found' };
      const blob = await files.blobs.get(file.blobKey);
      return blob ? { ok: true, file, body: blob.body } : { ok: false, reason: 'not_found' };
    },

    async checkAnswerUpload(token) {
      if (!TOKEN_PATTERN.test(token)) return { ok: false, reason: 'not_found' };
      const found = await store.findByToken(token);
      if (!found) return { ok: false, reason: 'not_found' };
      const request = await closeIfTimeRanOut(found, clock());
      if (request.closed) return { ok: false, reason: 'closed' };
      if (!files || !request.filesAllowed) return { ok: false, reason: 'files_not_allowed' };
      // Room for every file the remaining answers can hold, and as many again for uploads that are retried or replaced.
      return { ok: true, requestId: request.id, maxPendingUploads: 2 * files.policy.maxFiles * request.answersRemaining };
    },

    async sweepAnswerFiles(now) {
      if (!files) return 0;
      let deleted = 0;
      for (;;) {
        const batch = await files.store.listFilesToDelete(now, 100);
        deleted += await deleteFileBlobs(batch);
        if (batch.length < 100) return deleted;
      }
    },

    answerFileLimits: files ? { maxFiles: files.policy.maxFiles, maxFileBytes: files.policy.maxFileBytes, maxTotalBytes: files.policy.maxPushBytes } : undefined,

    listAudit(request, page) {
      return store.listAudit(request.id, page);
    },
  };
}

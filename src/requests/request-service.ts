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
  /** File answers are a follow-up: true is refused with `files_unavailable`. */
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
  | { readonly encryption: 'client'; readonly answerId: string | undefined; readonly kind: string | undefined; readonly ciphertext: string | undefined; readonly passphrase?: string | undefined }
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
  | { outcome: 'revealed'; answer: AnswerRecord; ciphertext: string }
  | { outcome: 'not_found' }
  | { outcome: 'expired'; answer: AnswerRecord };

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
  /** The requester deletes an answer now. */
  deleteAnswer(request: RequestRecord, answerToken: string, audit: AuditContext): Promise<DeleteAnswerResult>;
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
export function createRequestService({ store, rateLimits, keys, policy, clock, events }: RequestServiceDependencies): RequestService {
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
    if (input.filesAllowed === true) problems.push({ field: 'files_allowed', code: 'files_unavailable', message: 'File answers are not available yet.' });
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
    if (input.kind !== undefined && input.kind !== 'text') {
      problems.push(
        input.kind === 'files'
          ? { field: 'kind', code: 'files_unavailable', message: 'File answers are not available yet.' }
          : { field: 'kind', code: 'invalid', message: 'must be text.' },
      );
    }
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
          filesAllowed: false,
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
      const accepted = await store.acceptAnswer(
        request.id,
        { token: sealed.answerId, kind: 'text', encryption: input.encryption, sizeBytes: Math.floor((sealed.ciphertext.length * 3) / 4) },
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
      );
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
      const consumed = await store.consumeAnswerView(request.id, answerToken, now, audit);
      if (consumed.ok) {
        const ciphertext = openEnvelope(consumed.payloadEnvelope, keys, { pushToken: answerToken, field: ANSWER_FIELD }).toString('utf8');
        return { outcome: 'revealed', answer: consumed.answer, ciphertext };
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
      return deleted ? { outcome: 'deleted', answer: deleted } : { outcome: 'already_expired', answer };
    },

    listAudit(request, page) {
      return store.listAudit(request.id, page);
    },
  };
}

import { sql, type Selectable } from 'kysely';
import type { AnswerKind, RequestKeyAlgorithm } from '../crypto/requests/request-answer-format.js';
import { truncateAuditText } from '../pushes/audit-store.js';
import type { AuditContext } from '../pushes/push-record.js';
import type { RequestAnswersTable, RequestAuditEventsTable, RequestsTable } from '../storage/database-schema.js';
import type { Database } from '../storage/open-database.js';
import { writeTransaction, type WriteExecutor } from '../storage/write-transaction.js';
import type {
  AnswerEncryption,
  AnswerExpireReason,
  AnswerRecord,
  RequestAuditEvent,
  RequestAuditEventKind,
  RequestCloseReason,
  RequestRecord,
} from './request-record.js';

/** A request as created: its record without what the database assigns or what only changes later. */
export type NewRequest = Omit<
  RequestRecord,
  'id' | 'answersRemaining' | 'passphraseFailures' | 'closed' | 'closedAt' | 'closeReason' | 'updatedAt'
>;

/** An answer as accepted: its record without what the database assigns or what only changes later. */
export type NewAnswer = Pick<AnswerRecord, 'token' | 'kind' | 'encryption' | 'sizeBytes'>;

export type AcceptAnswerResult =
  | { readonly ok: true; readonly request: RequestRecord; readonly answer: AnswerRecord }
  | { readonly ok: false; readonly reason: 'closed' | 'duplicate' };

export type ConsumeAnswerResult =
  | { readonly ok: true; readonly answer: AnswerRecord; readonly payloadEnvelope: Buffer; readonly last: boolean }
  | { readonly ok: false };

/** Runs inside the transaction that accepted an answer (see RequestEventHooks). */
export type AcceptedHook = (accepted: { request: RequestRecord; answer: AnswerRecord }, executor: WriteExecutor) => Promise<void>;

export interface RequestStore {
  /** Inserts the request and its `created` audit event in one transaction. */
  create(request: NewRequest, audit: AuditContext): Promise<RequestRecord>;
  findByToken(token: string): Promise<RequestRecord | undefined>;
  /** Closes an open request (conditional: closed = 0); answers the closed request, or undefined when it was not open. */
  close(requestId: number, reason: RequestCloseReason, now: number, audit: AuditContext | null): Promise<RequestRecord | undefined>;
  /** An owner's requests, newest first: the open ones or the closed ones. */
  listOwned(ownerUserId: number, query: { closed: boolean; offset: number; limit: number }): Promise<RequestRecord[]>;
  countOwned(ownerUserId: number, query: { closed: boolean }): Promise<number>;
  /** Counts a passphrase attempt in the request's one-minute window; answers the count including this one. */
  countPassphraseAttempt(requestId: number, now: number): Promise<number>;
  /** Counts a wrong passphrase; at `maxFailures` the request locks (closes with reason `locked`). */
  recordPassphraseFailure(requestId: number, now: number, maxFailures: number, audit: AuditContext): Promise<{ failures: number; locked: boolean }>;
  /**
   * Takes one answer with a single conditional UPDATE (open, answers left, time left), then inserts the
   * answer, its sealed payload and its audit events in the same transaction, and runs `onAccepted` there.
   * The answer that uses the last count also closes the request. Of any number of simultaneous answers
   * to a request with n answers left, exactly n are accepted, on both databases and across processes.
   */
  acceptAnswer(
    requestId: number,
    answer: NewAnswer,
    payloadEnvelope: Buffer,
    now: number,
    audit: AuditContext,
    onAccepted?: AcceptedHook,
    /** Attaches the answer's files (takes its uploads, inserts its file rows) in the same transaction. */
    attachFiles?: (executor: WriteExecutor, answerId: number) => Promise<void>,
  ): Promise<AcceptAnswerResult>;
  /** A request's answers, oldest first. */
  listAnswers(requestId: number, page: { offset: number; limit: number }): Promise<AnswerRecord[]>;
  findAnswer(requestId: number, answerToken: string): Promise<AnswerRecord | undefined>;
  /** Whether an answer id is taken anywhere (ids are global: they are bound into the sealed answer). */
  answerTokenTaken(answerToken: string): Promise<boolean>;
  /**
   * Uses one view of an answer with a single conditional UPDATE; the view that uses the last count also
   * deletes the payload row in the same transaction and returns its contents. A view of an answer with
   * files opens their download window until `now + filesWindowMs` in the same UPDATE.
   */
  consumeAnswerView(requestId: number, answerToken: string, now: number, audit: AuditContext, filesWindowMs?: number): Promise<ConsumeAnswerResult>;
  /** Expires an active answer and deletes its payload; undefined when it was not active. */
  expireAnswer(answerId: number, reason: AnswerExpireReason, now: number, audit: AuditContext | null): Promise<AnswerRecord | undefined>;
  /** Closes requests and expires answers whose time has run out, up to `limit` of each; answers how many. */
  sweepTimeExpired(now: number, limit: number): Promise<number>;
  /** Deletes requests closed before `cutoff` that keep no active answer, with their answers and audit logs; answers how many. */
  purgeExpiredBefore(cutoff: number, limit: number): Promise<number>;
  /** Records an audit event (within the request's cap for `opened`, `failed_answer` and `failed_passphrase`). */
  recordAudit(requestId: number, answerId: number | null, kind: RequestAuditEventKind, audit: AuditContext | null, now: number, reason?: string): Promise<void>;
  /** One request's events, oldest first. */
  listAudit(requestId: number, page: { offset: number; limit: number }): Promise<RequestAuditEvent[]>;
  /** Visits every stored envelope (instructions and answer payloads) so `rotate-keys` can re-wrap them. */
  rewrapEnvelopes(rewrap: (envelope: Buffer, context: { pushToken: string; field: string }) => Buffer): Promise<number>;
}

/** Envelope contexts (docs/encryption.md): the request or answer token takes the place of the push token. */
export const INSTRUCTIONS_FIELD = 'request-instructions';
export const ANSWER_FIELD = 'request-answer';

const PASSPHRASE_WINDOW_MS = 60_000;
/** Recorded even past a request's cap: what happened to answers and how the request ended. */
const ALWAYS_AUDITED: ReadonlySet<RequestAuditEventKind> = new Set(['created', 'answered', 'closed', 'locked', 'viewed', 'expired']);

/** SQLite and PostgreSQL name a unique violation differently. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/**
 * The request store, written once with Kysely for SQLite and PostgreSQL.
 *
 * @example const store = createRequestStore(database, { auditEventsPerRequest: 2000 });
 */
export function createRequestStore(database: Database, options: { auditEventsPerRequest: number }): RequestStore {
  const { db } = database;
  const cap = options.auditEventsPerRequest;

  async function insertAudit(
    executor: WriteExecutor,
    event: { requestId: number; answerId: number | null; kind: RequestAuditEventKind; audit: AuditContext | null; now: number; reason?: string | null },
  ): Promise<void> {
    if (!ALWAYS_AUDITED.has(event.kind)) {
      const counted = await executor
        .updateTable('requests')
        .set((eb) => ({ audit_event_count: eb('audit_event_count', '+', 1) }))
        .where('id', '=', event.requestId)
        .where('audit_event_count', '<', cap)
        .executeTakeFirst();
      if (Number(counted.numUpdatedRows) === 0) return;
    }
    const { audit } = event;
    await executor
      .insertInto('request_audit_events')
      .values({
        request_id: event.requestId,
        answer_id: event.answerId,
        kind: event.kind,
        reason: event.reason ?? null,
        ip: audit?.ip ?? null,
        user_agent: truncateAuditText(audit?.userAgent),
        referrer: truncateAuditText(audit?.referrer),
        user_id: audit?.userId ?? null,
        created_at: event.now,
      })
      .execute();
  }

  async function closeWith(executor: WriteExecutor, requestId: number, reason: RequestCloseReason, now: number, audit: AuditContext | null) {
    const row = await executor
      .updateTable('requests')
      .set({ closed: 1, closed_at: now, close_reason: reason, passphrase_record: null, updated_at: now })
      .where('id', '=', requestId)
      .where('closed', '=', 0)
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    await insertAudit(executor, { requestId, answerId: null, kind: reason === 'locked' ? 'locked' : 'closed', audit, now, reason });
    return toRequestRecord(row);
  }

  async function expireAnswerWith(executor: WriteExecutor, answerId: number, reason: AnswerExpireReason, now: number, audit: AuditContext | null) {
    const row = await executor
      .updateTable('request_answers')
      .set({ expired: 1, expired_at: now, expire_reason: reason, updated_at: now })
      .where('id', '=', answerId)
      .where('expired', '=', 0)
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    await executor.deleteFrom('request_answer_payloads').where('answer_id', '=', row.id).execute();
    await insertAudit(executor, { requestId: Number(row.request_id), answerId: Number(row.id), kind: 'expired', audit, now, reason });
    return toAnswerRecord(row);
  }

  return {
    async create(request, audit) {
      return writeTransaction(database, async (trx) => {
        const row = await trx
          .insertInto('requests')
          .values({
            url_token: request.token,
            owner_user_id: request.ownerUserId,
            name: request.name,
            requester_name: request.requesterName,
            instructions_envelope: request.instructionsEnvelope,
            key_algorithm: request.keyAlgorithm,
            public_key: request.publicKey,
            answers_allowed: request.answersAllowed,
            answers_remaining: request.answersAllowed,
            files_allowed: request.filesAllowed ? 1 : 0,
            answer_lifetime_minutes: request.answerLifetimeMinutes,
            answer_views: request.answerViews,
            expires_at: request.expiresAt,
            passphrase_record: request.passphraseRecord,
            created_at: request.createdAt,
            updated_at: request.createdAt,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await insertAudit(trx, { requestId: row.id, answerId: null, kind: 'created', audit, now: request.createdAt });
        return toRequestRecord(row);
      });
    },

    async findByToken(token) {
      const row = await db.selectFrom('requests').selectAll().where('url_token', '=', token).executeTakeFirst();
      return row ? toRequestRecord(row) : undefined;
    },

    async close(requestId, reason, now, audit) {
      return writeTransaction(database, (trx) => closeWith(trx, requestId, reason, now, audit));
    },

    async listOwned(ownerUserId, { closed, offset, limit }) {
      const rows = await db
        .selectFrom('requests')
        .selectAll()
        .where('owner_user_id', '=', ownerUserId)
        .where('closed', '=', closed ? 1 : 0)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .offset(offset)
        .limit(limit)
        .execute();
      return rows.map(toRequestRecord);
    },

    async countOwned(ownerUserId, { closed }) {
      const row = await db
        .selectFrom('requests')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('owner_user_id', '=', ownerUserId)
        .where('closed', '=', closed ? 1 : 0)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async countPassphraseAttempt(requestId, now) {
      const windowStart = now - PASSPHRASE_WINDOW_MS;
      const row = await db
        .updateTable('requests')
        .set((eb) => ({
          passphrase_window_count: eb.case().when('passphrase_window_start', '<=', windowStart).then(1).else(eb('passphrase_window_count', '+', 1)).end(),
          passphrase_window_start: eb.case().when('passphrase_window_start', '<=', windowStart).then(now).else(eb.ref('passphrase_window_start')).end(),
        }))
        .where('id', '=', requestId)
        .returning('passphrase_window_count')
        .executeTakeFirst();
      return row?.passphrase_window_count ?? 0;
    },

    async recordPassphraseFailure(requestId, now, maxFailures, audit) {
      return writeTransaction(database, async (trx) => {
        const row = await trx
          .updateTable('requests')
          .set((eb) => ({ passphrase_failures: eb('passphrase_failures', '+', 1), updated_at: now }))
          .where('id', '=', requestId)
          .returning(['passphrase_failures', 'closed'])
          .executeTakeFirst();
        const failures = row?.passphrase_failures ?? 0;
        await insertAudit(trx, { requestId, answerId: null, kind: 'failed_passphrase', audit, now });
        const locked = row !== undefined && row.closed === 0 && failures >= maxFailures;
        if (locked) await closeWith(trx, requestId, 'locked', now, audit);
        return { failures, locked };
      });
    },

    async acceptAnswer(requestId, answer, payloadEnvelope, now, audit, onAccepted, attachFiles) {
      try {
        return await writeTransaction(database, async (trx): Promise<AcceptAnswerResult> => {
          // Every SET expression reads the row as it was, on both databases: `answers_remaining = 1` is "this takes the last one".
          const taken = await sql<Selectable<RequestsTable>>`
            update requests set
              answers_remaining = answers_remaining - 1,
              closed = case when answers_remaining = 1 then 1 else 0 end,
              closed_at = case when answers_remaining = 1 then cast(${now} as bigint) else null end,
              close_reason = case when answers_remaining = 1 then 'answers' else null end,
              passphrase_record = case when answers_remaining = 1 then null else passphrase_record end,
              updated_at = cast(${now} as bigint)
            where id = ${requestId} and closed = 0 and answers_remaining > 0 and expires_at > cast(${now} as bigint)
            returning *`.execute(trx);
          const row = taken.rows[0];
          if (!row) return { ok: false, reason: 'closed' };
          const request = toRequestRecord(row);
          const answerRow = await trx
            .insertInto('request_answers')
            .values({
              request_id: requestId,
              answer_token: answer.token,
              kind: answer.kind,
              encryption: answer.encryption,
              size_bytes: answer.sizeBytes,
              expire_after_views: request.answerViews,
              views_remaining: request.answerViews,
              expires_at: now + request.answerLifetimeMinutes * 60_000,
              created_at: now,
              updated_at: now,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          const accepted = toAnswerRecord(answerRow);
          await trx.insertInto('request_answer_payloads').values({ answer_id: accepted.id, payload_envelope: payloadEnvelope }).execute();
          await attachFiles?.(trx, accepted.id);
          await insertAudit(trx, { requestId, answerId: accepted.id, kind: 'answered', audit, now, reason: answer.encryption });
          if (request.closed) await insertAudit(trx, { requestId, answerId: null, kind: 'closed', audit: null, now, reason: 'answers' });
          await onAccepted?.({ request, answer: accepted }, trx);
          return { ok: true, request, answer: accepted };
        });
      } catch (error) {
        if (isUniqueViolation(error)) return { ok: false, reason: 'duplicate' };
        throw error;
      }
    },

    async listAnswers(requestId, { offset, limit }) {
      const rows = await db.selectFrom('request_answers').selectAll().where('request_id', '=', requestId).orderBy('id', 'asc').offset(offset).limit(limit).execute();
      return rows.map(toAnswerRecord);
    },

    async findAnswer(requestId, answerToken) {
      const row = await db.selectFrom('request_answers').selectAll().where('request_id', '=', requestId).where('answer_token', '=', answerToken).executeTakeFirst();
      return row ? toAnswerRecord(row) : undefined;
    },

    async answerTokenTaken(answerToken) {
      const row = await db.selectFrom('request_answers').select('id').where('answer_token', '=', answerToken).executeTakeFirst();
      return row !== undefined;
    },

    async consumeAnswerView(requestId, answerToken, now, audit, filesWindowMs = 0) {
      return writeTransaction(database, async (trx): Promise<ConsumeAnswerResult> => {
        const updated = await sql<Selectable<RequestAnswersTable>>`
          update request_answers set
            views_remaining = views_remaining - 1,
            expired = case when views_remaining = 1 then 1 else 0 end,
            expired_at = case when views_remaining = 1 then cast(${now} as bigint) else null end,
            expire_reason = case when views_remaining = 1 then 'views' else null end,
            files_until = case when kind = 'files' then cast(${now + filesWindowMs} as bigint) else files_until end,
            updated_at = cast(${now} as bigint)
          where request_id = ${requestId} and answer_token = ${answerToken}
            and expired = 0 and views_remaining > 0 and expires_at > cast(${now} as bigint)
          returning *`.execute(trx);
        const row = updated.rows[0];
        if (!row) return { ok: false };
        const answer = toAnswerRecord(row);
        const last = answer.viewsRemaining === 0;
        const payload = last
          ? await trx.deleteFrom('request_answer_payloads').where('answer_id', '=', answer.id).returning('payload_envelope').executeTakeFirst()
          : await trx.selectFrom('request_answer_payloads').select('payload_envelope').where('answer_id', '=', answer.id).executeTakeFirst();
        if (!payload) throw new Error(`answer ${answer.id} is active but has no payload row`);
        await insertAudit(trx, { requestId, answerId: answer.id, kind: 'viewed', audit, now });
        if (last) await insertAudit(trx, { requestId, answerId: answer.id, kind: 'expired', audit: null, now, reason: 'views' });
        return { ok: true, answer, payloadEnvelope: Buffer.from(payload.payload_envelope), last };
      });
    },

    async expireAnswer(answerId, reason, now, audit) {
      return writeTransaction(database, (trx) => expireAnswerWith(trx, answerId, reason, now, audit));
    },

    async sweepTimeExpired(now, limit) {
      let count = 0;
      const requests = await db.selectFrom('requests').select('id').where('closed', '=', 0).where('expires_at', '<=', now).orderBy('expires_at').limit(limit).execute();
      // Each row goes through the same conditional UPDATE as everywhere else, so concurrent sweepers act once.
      for (const { id } of requests) if (await writeTransaction(database, (trx) => closeWith(trx, Number(id), 'time', now, null))) count += 1;
      const answers = await db.selectFrom('request_answers').select('id').where('expired', '=', 0).where('expires_at', '<=', now).orderBy('expires_at').limit(limit).execute();
      for (const { id } of answers) if (await writeTransaction(database, (trx) => expireAnswerWith(trx, Number(id), 'time', now, null))) count += 1;
      return count;
    },

    async purgeExpiredBefore(cutoff, limit) {
      const doomed = await db
        .selectFrom('requests')
        .select('id')
        .where('closed', '=', 1)
        .where('closed_at', '<', cutoff)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('request_answers').select('request_answers.id').whereRef('request_answers.request_id', '=', 'requests.id').where('request_answers.expired', '=', 0))),
        )
        .limit(limit)
        .execute();
      if (doomed.length === 0) return 0;
      const ids = doomed.map((row) => Number(row.id));
      return writeTransaction(database, async (trx) => {
        // Children first, so SQLite needs no cascade to do it.
        await trx.deleteFrom('request_audit_events').where('request_id', 'in', ids).execute();
        const answers = trx.selectFrom('request_answers').select('id').where('request_id', 'in', ids).where('expired', '=', 1);
        await trx.deleteFrom('request_answer_payloads').where('answer_id', 'in', answers).execute();
        // Their blobs went when the answers expired (the sweeper); one left behind by a crash is an unreferenced
        // upload blob, which the upload sweep deletes.
        await trx.deleteFrom('request_answer_files').where('answer_id', 'in', answers).execute();
        await trx.deleteFrom('request_answers').where('request_id', 'in', ids).where('expired', '=', 1).execute();
        const result = await trx.deleteFrom('requests').where('id', 'in', ids).where('closed', '=', 1).executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },

    async recordAudit(requestId, answerId, kind, audit, now, reason) {
      await writeTransaction(database, (trx) => insertAudit(trx, { requestId, answerId, kind, audit, now, reason: reason ?? null }));
    },

    async listAudit(requestId, { offset, limit }) {
      const rows = await db
        .selectFrom('request_audit_events')
        .leftJoin('request_answers', 'request_answers.id', 'request_audit_events.answer_id')
        .selectAll('request_audit_events')
        .select('request_answers.answer_token')
        .where('request_audit_events.request_id', '=', requestId)
        .orderBy('request_audit_events.id', 'asc')
        .offset(offset)
        .limit(limit)
        .execute();
      return rows.map((row) => toAuditEvent(row, row.answer_token ?? null));
    },

    async rewrapEnvelopes(rewrap) {
      let count = 0;
      const instructions = await db.selectFrom('requests').select(['id', 'url_token', 'instructions_envelope']).where('instructions_envelope', 'is not', null).execute();
      for (const row of instructions) {
        const rewrapped = rewrap(row.instructions_envelope!, { pushToken: row.url_token, field: INSTRUCTIONS_FIELD });
        if (rewrapped === row.instructions_envelope) continue;
        await db.updateTable('requests').set({ instructions_envelope: rewrapped }).where('id', '=', row.id).execute();
        count += 1;
      }
      const payloads = await db
        .selectFrom('request_answer_payloads')
        .innerJoin('request_answers', 'request_answers.id', 'request_answer_payloads.answer_id')
        .select(['request_answer_payloads.answer_id', 'request_answers.answer_token', 'request_answer_payloads.payload_envelope'])
        .execute();
      for (const row of payloads) {
        const rewrapped = rewrap(row.payload_envelope, { pushToken: row.answer_token, field: ANSWER_FIELD });
        if (rewrapped === row.payload_envelope) continue;
        await db.updateTable('request_answer_payloads').set({ payload_envelope: rewrapped }).where('answer_id', '=', row.answer_id).execute();
        count += 1;
      }
      return count;
    },
  };
}

export function toRequestRecord(row: Selectable<RequestsTable>): RequestRecord {
  return {
    id: Number(row.id),
    token: row.url_token,
    ownerUserId: Number(row.owner_user_id),
    name: row.name,
    requesterName: row.requester_name,
    instructionsEnvelope: row.instructions_envelope === null ? null : Buffer.from(row.instructions_envelope),
    keyAlgorithm: row.key_algorithm as RequestKeyAlgorithm,
    publicKey: row.public_key,
    answersAllowed: row.answers_allowed,
    answersRemaining: row.answers_remaining,
    filesAllowed: row.files_allowed === 1,
    answerLifetimeMinutes: row.answer_lifetime_minutes,
    answerViews: row.answer_views,
    expiresAt: Number(row.expires_at),
    passphraseRecord: row.passphrase_record,
    passphraseFailures: row.passphrase_failures,
    closed: row.closed === 1,
    closedAt: row.closed_at === null ? null : Number(row.closed_at),
    closeReason: row.close_reason as RequestCloseReason | null,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function toAnswerRecord(row: Selectable<RequestAnswersTable>): AnswerRecord {
  return {
    id: Number(row.id),
    token: row.answer_token,
    requestId: Number(row.request_id),
    kind: row.kind as AnswerKind,
    encryption: row.encryption as AnswerEncryption,
    sizeBytes: row.size_bytes,
    expireAfterViews: row.expire_after_views,
    viewsRemaining: row.views_remaining,
    expiresAt: Number(row.expires_at),
    expired: row.expired === 1,
    expiredAt: row.expired_at === null ? null : Number(row.expired_at),
    expireReason: row.expire_reason as AnswerExpireReason | null,
    createdAt: Number(row.created_at),
    filesUntil: row.files_until === null || row.files_until === undefined ? null : Number(row.files_until),
  };
}

function toAuditEvent(row: Selectable<RequestAuditEventsTable>, answerToken: string | null): RequestAuditEvent {
  return {
    id: Number(row.id),
    kind: row.kind as RequestAuditEventKind,
    reason: row.reason,
    answerToken,
    ip: row.ip,
    userAgent: row.user_agent,
    referrer: row.referrer,
    userId: row.user_id === null ? null : Number(row.user_id),
    createdAt: Number(row.created_at),
  };
}

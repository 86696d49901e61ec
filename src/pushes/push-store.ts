import { sql, type Selectable } from 'kysely';
import type { PushesTable } from '../storage/database-schema.js';
import type { Database } from '../storage/open-database.js';
import { hotStatement, runHot } from '../storage/hot-statement.js';
import { writeTransaction, type WriteExecutor } from '../storage/write-transaction.js';
import { newEventId, PUSH_EVENT_HAS_LISTENER } from '../notifications/outbox-store.js';
import type { PushKind } from './push-kinds.js';
import type { PushLinkVault } from './push-link-vault.js';
import { insertAuditRow, insertCountedAuditEvent, truncateAuditText } from './audit-store.js';
import type { AuditContext, AuditEventKind, ExpireReason, PushEncryption, PushRecord } from './push-record.js';

/** A push as created: its record without what the database assigns or what only changes later. */
export type NewPush = Omit<PushRecord, 'id' | 'viewsRemaining' | 'passphraseFailures' | 'expired' | 'expiredAt' | 'expireReason' | 'updatedAt'>;

export type ConsumeViewResult =
  | { readonly ok: true; readonly push: PushRecord; readonly payloadEnvelope: Buffer; readonly last: boolean }
  | { readonly ok: false };

export interface PushStore {
  /**
   * Inserts the push, its payload and its `created` audit event in one transaction; `attach` (file pushes:
   * the file rows) runs inside that transaction with the new push's id.
   */
  create(push: NewPush, payloadEnvelope: Buffer, audit: AuditContext, attach?: AttachRows): Promise<PushRecord>;
  findByToken(token: string): Promise<PushRecord | undefined>;
  /**
   * Uses one view with a single conditional UPDATE (active, views left, time left). The view that uses
   * the last count also deletes the payload row in the same transaction and returns its contents.
   * `onlyWithoutPassphrase` also skips pushes that need a link proof (format-2 end-to-end pushes).
   */
  consumeView(
    token: string,
    now: number,
    audit: AuditContext,
    options?: { readonly onlyWithoutPassphrase?: boolean },
  ): Promise<ConsumeViewResult>;
  /** Reads the payload of an active push without using a view (owner and admin views). */
  readWithoutConsuming(
    token: string,
    now: number,
    kind: 'owner_view' | 'admin_view',
    audit: AuditContext,
  ): Promise<{ push: PushRecord; payloadEnvelope: Buffer } | undefined>;
  /**
   * Expires an active push: deletes its payload row, forgets its passphrase record and records why.
   * Answers the updated push, or undefined when it was not active (already expired or unknown).
   */
  expire(token: string, reason: ExpireReason, now: number, audit: AuditContext | null): Promise<PushRecord | undefined>;
  /** Counts a passphrase attempt in the push's one-minute window; answers the count including this one. */
  countPassphraseAttempt(pushId: number, now: number): Promise<number>;
  /** Counts a wrong passphrase; at `maxFailures` the push locks (expires with reason `locked`). */
  recordPassphraseFailure(
    pushId: number,
    token: string,
    now: number,
    maxFailures: number,
    audit: AuditContext,
  ): Promise<{ failures: number; locked: boolean }>;
  /** Expires up to `limit` pushes whose time has run out; answers how many. */
  sweepTimeExpired(now: number, limit: number): Promise<number>;
  /** Deletes expired pushes (with their audit logs) that expired before `cutoff`; answers how many. */
  purgeExpiredBefore(cutoff: number, limit: number): Promise<number>;
  /** An owner's pushes, newest first: the active ones or the expired ones. */
  listOwned(ownerUserId: number, options: OwnedPushQuery & { offset: number; limit: number }): Promise<PushRecord[]>;
  countOwned(ownerUserId: number, options: OwnedPushQuery): Promise<number>;
  /** The stored payload envelope of an active push, for re-sealing it under a new passphrase (no view used). */
  readPayloadEnvelope(pushId: number): Promise<Buffer | undefined>;
  /** Changes an active push's settings in one transaction, with an `edited` audit event; undefined when it is no longer active. */
  updateSettings(pushId: number, changes: PushSettingsChange, now: number, audit: AuditContext): Promise<PushRecord | undefined>;
  /**
   * Visits every stored envelope (payloads and notes) so `rotate-keys` can re-wrap them; the sealed
   * links are re-wrapped here too (by the link vault). Answers how many envelopes changed.
   */
  rewrapEnvelopes(rewrap: (envelope: Buffer, token: string, field: 'payload' | 'note') => Buffer): Promise<number>;
  /**
   * Rows written before migration 0015 hold their plaintext link token in `link_digest` and no
   * envelope: seals each token and replaces it with its digest (one conditional UPDATE per row, so
   * processes starting together convert each row once). Answers how many rows it converted.
   */
  sealLegacyLinks(): Promise<number>;
}

/** Rows that belong to a new push, inserted in its creating transaction (the files of a file push). */
export type AttachRows = (executor: WriteExecutor, pushId: number) => Promise<void>;

/** How the dashboard narrows an account's pushes. */
export interface OwnedPushQuery {
  readonly expired: boolean;
  readonly kind?: PushKind | undefined;
  /** Matches names containing it, without regard to case. */
  readonly search?: string | undefined;
}

export interface PushSettingsChange {
  readonly expiresAt?: number;
  readonly viewsRemaining?: number;
  readonly expireAfterViews?: number;
  readonly name?: string;
  readonly noteEnvelope?: Buffer | null;
  /** A new passphrase record (or null to remove it) with the payload re-sealed to match. */
  readonly passphrase?: { readonly record: string | null; readonly payloadEnvelope: Buffer };
}

export interface PushStoreOptions {
  /** Most audit events kept per push; expiry and lock events are recorded even past it. */
  readonly auditEventsPerPush: number;
  /** How link tokens are stored: digest for look-ups, sealed for showing again (push-link-vault.ts). */
  readonly links: PushLinkVault;
}

const PASSPHRASE_WINDOW_MS = 60_000;

/** The columns a new push row is written with, in the order of the hot INSERT's parameters. */
const PUSH_INSERT_COLUMNS = [
  'link_digest',
  'link_envelope',
  'kind',
  'owner_user_id',
  'name',
  'encryption',
  'expire_after_days',
  'expire_after_views',
  'views_remaining',
  'expires_at',
  'retrieval_step',
  'deletable_by_viewer',
  'passphrase_record',
  'passphrase_protected',
  'link_proof_record',
  'note_envelope',
  'audit_event_count',
  'created_at',
  'updated_at',
] as const;

type PushInsertValues = Record<(typeof PUSH_INSERT_COLUMNS)[number], string | number | Buffer | null>;

/**
 * The push store, written once with Kysely for both SQLite and PostgreSQL.
 *
 * @example const store = createPushStore(database, { auditEventsPerPush: 2000, links: createPushLinkVault(ring) });
 */
export function createPushStore(database: Database, options: PushStoreOptions): PushStore {
  const { db } = database;
  const { links } = options;

  /** The row's link token: known to the caller that looked it up, else opened from its envelope. */
  const toRecord = (row: Selectable<PushesTable>, knownToken?: string): PushRecord => toPushRecord(row, knownToken ?? linkTokenOf(row));
  const linkTokenOf = (row: Pick<Selectable<PushesTable>, 'link_digest' | 'link_envelope'>): string =>
    // A row not yet converted (written before migration 0015) still holds the token itself.
    row.link_envelope === null ? row.link_digest : links.open(row.link_envelope, row.link_digest);

  const insertAudit = (executor: WriteExecutor, pushId: number, kind: AuditEventKind, audit: AuditContext | null, now: number, reason: string | null = null) =>
    insertCountedAuditEvent(executor, options.auditEventsPerPush, { pushId, kind, audit, now, reason });

  async function expireWith(
    executor: WriteExecutor,
    token: string | { readonly digest: string },
    reason: ExpireReason,
    now: number,
    audit: AuditContext | null,
  ): Promise<PushRecord | undefined> {
    const digest = typeof token === 'string' ? links.digest(token) : token.digest;
    const row = await executor
      .updateTable('pushes')
      .set({ expired: 1, expired_at: now, expire_reason: reason, passphrase_record: null, link_proof_record: null, updated_at: now })
      .where('link_digest', '=', digest)
      .where('expired', '=', 0)
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    await executor.deleteFrom('push_payloads').where('push_id', '=', row.id).execute();
    await insertAudit(executor, row.id, reason === 'locked' ? 'locked' : 'expired', audit, now, reason);
    return toRecord(row, typeof token === 'string' ? token : undefined);
  }

  const cap = options.auditEventsPerPush;

  function ownedQuery(ownerUserId: number, { expired, kind, search }: OwnedPushQuery) {
    const pattern = search ? `%${search.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%` : undefined;
    return db
      .selectFrom('pushes')
      .where('owner_user_id', '=', ownerUserId)
      .where('expired', '=', expired ? 1 : 0)
      .$if(kind !== undefined, (query) => query.where('kind', '=', kind!))
      .$if(pattern !== undefined, (query) => query.where(sql<boolean>`lower(name) like ${pattern} escape '\\'`));
  }

  /**
   * The conditional UPDATE that uses a view. It also counts the `viewed` audit event against the cap:
   * the counter stays at cap + 1 once the cap is reached, so `audit_event_count <= cap` afterwards means
   * "record this view". Parameters: now, cap, cap + 1, now, link digest, now.
   */
  const consumeUpdateText = (onlyWithoutPassphrase: boolean) => `update pushes set
      views_remaining = views_remaining - 1,
      expired = case when views_remaining = 1 then 1 else 0 end,
      expired_at = case when views_remaining = 1 then cast(? as bigint) else null end,
      expire_reason = case when views_remaining = 1 then 'views' else null end,
      passphrase_record = case when views_remaining = 1 then null else passphrase_record end,
      link_proof_record = case when views_remaining = 1 then null else link_proof_record end,
      audit_event_count = case when audit_event_count < cast(? as integer) then audit_event_count + 1 else cast(? as integer) end,
      updated_at = cast(? as bigint)
    where link_digest = ? and expired = 0 and views_remaining > 0 and expires_at > cast(? as bigint)${
      onlyWithoutPassphrase ? ' and passphrase_record is null and link_proof_record is null' : ''
    }`;
  const consumeParameters = (now: number, token: string) => [now, cap, cap + 1, now, links.digest(token), now];

  const statements = {
    findByDigest: hotStatement('select * from pushes where link_digest = ?'),
    insertPush: hotStatement(
      `insert into pushes (${PUSH_INSERT_COLUMNS.join(', ')}) values (${PUSH_INSERT_COLUMNS.map(() => '?').join(', ')}) returning *`,
    ),
    insertPayload: hotStatement('insert into push_payloads (push_id, payload_envelope) values (?, ?)'),
    insertCreatedEvent: hotStatement(
      "insert into audit_events (push_id, kind, reason, ip, user_agent, referrer, user_id, created_at) values (?, 'created', null, ?, ?, ?, ?, ?)",
    ),
    consume: [false, true].map((only) => hotStatement(`${consumeUpdateText(only)} returning *`)),
    deletePayload: hotStatement('delete from push_payloads where push_id = ? returning payload_envelope'),
    selectPayload: hotStatement('select payload_envelope from push_payloads where push_id = ?'),
  };

  const createPostgres = hotStatement(
    `with created as (insert into pushes (${PUSH_INSERT_COLUMNS.join(', ')}) values (${PUSH_INSERT_COLUMNS.map(() => '?').join(', ')}) returning *),
    payload as (insert into push_payloads (push_id, payload_envelope) select id, cast(? as bytea) from created),
    event as (
      insert into audit_events (push_id, kind, reason, ip, user_agent, referrer, user_id, created_at)
      select id, 'created', null, cast(? as text), cast(? as text), cast(? as text), cast(? as bigint), cast(? as bigint) from created
    )
    select * from created`,
  );

  async function consumeViewSqlite(token: string, now: number, audit: AuditContext, onlyWithoutPassphrase: boolean): Promise<ConsumeViewResult> {
    return writeTransaction(database, async (trx) => {
      const row = (await runHot<Selectable<PushesTable>>(trx, statements.consume[onlyWithoutPassphrase ? 1 : 0]!, consumeParameters(now, token))).rows[0];
      if (!row) return { ok: false } as const;
      const last = row.views_remaining === 0;
      const payload = (await runHot<{ payload_envelope: Buffer }>(trx, last ? statements.deletePayload : statements.selectPayload, [row.id])).rows[0];
      if (!payload) throw new Error(`push ${row.id} is active but has no payload row`);
      if (row.audit_event_count <= cap) await insertAuditRow(trx, { pushId: row.id, kind: 'viewed', audit, now, reason: null });
      if (last) await insertAuditRow(trx, { pushId: row.id, kind: 'expired', audit: null, now, reason: 'views' });
      return { ok: true, push: toRecord(row, token), payloadEnvelope: payload.payload_envelope, last } as const;
    });
  }

  /**
   * PostgreSQL does the whole view in one statement (one round trip, a named statement planned once per
   * connection): data-modifying CTEs share one snapshot, so `payload` still reads the row that `burned`
   * deletes when this is the last view. The `push.revealed` notification goes into the outbox in the same
   * statement, as `insertAuditRow` does on SQLite (a view that ends the push by its views is not
   * `expired_unread`, so that needs nothing).
   */
  const consumePostgres = [false, true].map((only) =>
    hotStatement(
      `with consumed as (${consumeUpdateText(only)} returning *),
      payload as (select p.payload_envelope from push_payloads p join consumed c on p.push_id = c.id),
      burned as (delete from push_payloads where push_id in (select id from consumed where views_remaining = 0)),
      events as (
        insert into audit_events (push_id, kind, reason, ip, user_agent, referrer, user_id, created_at)
        select c.id, e.kind, e.reason,
          case when e.kind = 'viewed' then cast(? as text) end,
          case when e.kind = 'viewed' then cast(? as text) end,
          case when e.kind = 'viewed' then cast(? as text) end,
          case when e.kind = 'viewed' then cast(? as bigint) end,
          cast(? as bigint)
        from consumed c cross join (values (1, 'viewed', null), (2, 'expired', 'views')) as e(position, kind, reason)
        where (e.kind = 'viewed' and c.audit_event_count <= cast(? as integer)) or (e.kind = 'expired' and c.views_remaining = 0)
        order by e.position
      ),
      notified as (
        insert into notification_outbox (event_id, type, push_id, owner_user_id, subject_name, occurred_at)
        select cast(? as text), 'push.revealed', c.id, c.owner_user_id, c.name, cast(? as bigint)
        from consumed c where c.audit_event_count <= cast(? as integer) and ${PUSH_EVENT_HAS_LISTENER('c')}
      )
      select c.*, payload.payload_envelope from consumed c left join payload on true`,
    ),
  );

  async function consumeViewPostgres(token: string, now: number, audit: AuditContext, onlyWithoutPassphrase: boolean): Promise<ConsumeViewResult> {
    const result = await runHot<Selectable<PushesTable> & { payload_envelope: Buffer | null }>(db, consumePostgres[onlyWithoutPassphrase ? 1 : 0]!, [
      ...consumeParameters(now, token),
      audit.ip,
      truncateAuditText(audit.userAgent),
      truncateAuditText(audit.referrer),
      audit.userId,
      now,
      cap,
      newEventId(),
      now,
      cap,
    ]);
    const row = result.rows[0];
    if (!row) return { ok: false };
    const { payload_envelope: payloadEnvelope, ...push } = row;
    if (!payloadEnvelope) throw new Error(`push ${push.id} is active but has no payload row`);
    return { ok: true, push: toRecord(push, token), payloadEnvelope, last: push.views_remaining === 0 };
  }

  return {
    async create(push, payloadEnvelope, audit, attach) {
      const values: PushInsertValues = {
        link_digest: links.digest(push.token),
        link_envelope: links.seal(push.token),
        kind: push.kind,
        owner_user_id: push.ownerUserId,
        name: push.name,
        encryption: push.encryption,
        expire_after_days: push.expireAfterDays,
        expire_after_views: push.expireAfterViews,
        views_remaining: push.expireAfterViews,
        expires_at: push.expiresAt,
        retrieval_step: push.retrievalStep ? 1 : 0,
        deletable_by_viewer: push.deletableByViewer === null ? null : push.deletableByViewer ? 1 : 0,
        passphrase_record: push.passphraseRecord,
        passphrase_protected: push.passphraseProtected ? 1 : 0,
        link_proof_record: push.linkProofRecord,
        note_envelope: push.noteEnvelope,
        // The `created` event below is the first one counted against the audit cap.
        audit_event_count: 1,
        created_at: push.createdAt,
        updated_at: push.createdAt,
      };
      const pushParameters = PUSH_INSERT_COLUMNS.map((column) => values[column]);
      const eventParameters = [audit.ip, truncateAuditText(audit.userAgent), truncateAuditText(audit.referrer), audit.userId, push.createdAt];
      if (database.dialect === 'postgres' && attach === undefined) {
        // One statement, one round trip (a named statement): the push, its payload row and its first audit event.
        const row = (await runHot<Selectable<PushesTable>>(db, createPostgres, [...pushParameters, payloadEnvelope, ...eventParameters])).rows[0]!;
        return toRecord(row, push.token);
      }
      return writeTransaction(database, async (trx) => {
        const row = (await runHot<Selectable<PushesTable>>(trx, statements.insertPush, pushParameters)).rows[0]!;
        await runHot(trx, statements.insertPayload, [row.id, payloadEnvelope]);
        await runHot(trx, statements.insertCreatedEvent, [row.id, ...eventParameters]);
        await attach?.(trx, row.id);
        return toRecord(row, push.token);
      });
    },

    async findByToken(token) {
      const row = (await runHot<Selectable<PushesTable>>(db, statements.findByDigest, [links.digest(token)])).rows[0];
      return row ? toRecord(row, token) : undefined;
    },

    async consumeView(token, now, audit, options = {}) {
      const onlyWithoutPassphrase = options.onlyWithoutPassphrase === true;
      return database.dialect === 'postgres'
        ? consumeViewPostgres(token, now, audit, onlyWithoutPassphrase)
        : consumeViewSqlite(token, now, audit, onlyWithoutPassphrase);
    },

    async readWithoutConsuming(token, now, kind, audit) {
      return writeTransaction(database, async (trx) => {
        const row = await trx
          .selectFrom('pushes')
          .innerJoin('push_payloads', 'push_payloads.push_id', 'pushes.id')
          .selectAll('pushes')
          .select('push_payloads.payload_envelope')
          .where('link_digest', '=', links.digest(token))
          .where('expired', '=', 0)
          .where('expires_at', '>', now)
          .executeTakeFirst();
        if (!row) return undefined;
        await insertAudit(trx, row.id, kind, audit, now);
        const { payload_envelope: payloadEnvelope, ...push } = row;
        return { push: toRecord(push, token), payloadEnvelope };
      });
    },

    async expire(token, reason, now, audit) {
      return writeTransaction(database, (trx) => expireWith(trx, token, reason, now, audit));
    },

    async countPassphraseAttempt(pushId, now) {
      const windowStart = now - PASSPHRASE_WINDOW_MS;
      const row = await db
        .updateTable('pushes')
        .set((eb) => ({
          passphrase_window_count: eb
            .case()
            .when('passphrase_window_start', '<=', windowStart)
            .then(1)
            .else(eb('passphrase_window_count', '+', 1))
            .end(),
          passphrase_window_start: eb
            .case()
            .when('passphrase_window_start', '<=', windowStart)
            .then(now)
            .else(eb.ref('passphrase_window_start'))
            .end(),
        }))
        .where('id', '=', pushId)
        .returning('passphrase_window_count')
        .executeTakeFirst();
      return row?.passphrase_window_count ?? 0;
    },

    async recordPassphraseFailure(pushId, token, now, maxFailures, audit) {
      return writeTransaction(database, async (trx) => {
        const row = await trx
          .updateTable('pushes')
          .set((eb) => ({ passphrase_failures: eb('passphrase_failures', '+', 1), updated_at: now }))
          .where('id', '=', pushId)
          .returning(['passphrase_failures', 'expired'])
          .executeTakeFirst();
        const failures = row?.passphrase_failures ?? 0;
        await insertAudit(trx, pushId, 'failed_passphrase', audit, now);
        const locked = row !== undefined && row.expired === 0 && failures >= maxFailures;
        if (locked) await expireWith(trx, token, 'locked', now, audit);
        return { failures, locked };
      });
    },

    async sweepTimeExpired(now, limit) {
      const due = await db
        .selectFrom('pushes')
        .select('link_digest')
        .where('expired', '=', 0)
        .where('expires_at', '<=', now)
        .orderBy('expires_at')
        .limit(limit)
        .execute();
      let expired = 0;
      for (const { link_digest: digest } of due) {
        // Each push is expired by the same conditional UPDATE as everywhere else, so several processes
        // sweeping at once expire it once.
        if (await writeTransaction(database, (trx) => expireWith(trx, { digest }, 'time', now, null))) expired += 1;
      }
      return expired;
    },

    async purgeExpiredBefore(cutoff, limit) {
      const doomed = await db
        .selectFrom('pushes')
        .select('id')
        .where('expired', '=', 1)
        .where('expired_at', '<', cutoff)
        .limit(limit)
        .execute();
      if (doomed.length === 0) return 0;
      const ids = doomed.map((row) => row.id);
      return writeTransaction(database, async (trx) => {
        await trx.deleteFrom('audit_events').where('push_id', 'in', ids).execute();
        const result = await trx.deleteFrom('pushes').where('id', 'in', ids).where('expired', '=', 1).executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },

    async listOwned(ownerUserId, { offset, limit, ...query }) {
      const rows = await ownedQuery(ownerUserId, query)
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .offset(offset)
        .limit(limit)
        .execute();
      return rows.map((row) => toRecord(row));
    },

    async countOwned(ownerUserId, query) {
      const row = await ownedQuery(ownerUserId, query).select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async readPayloadEnvelope(pushId) {
      const row = await db.selectFrom('push_payloads').select('payload_envelope').where('push_id', '=', pushId).executeTakeFirst();
      return row ? Buffer.from(row.payload_envelope) : undefined;
    },

    async updateSettings(pushId, changes, now, audit) {
      return writeTransaction(database, async (trx) => {
        const row = await trx
          .updateTable('pushes')
          .set({
            updated_at: now,
            ...(changes.expiresAt !== undefined ? { expires_at: changes.expiresAt, expire_after_days: null } : {}),
            ...(changes.viewsRemaining !== undefined ? { views_remaining: changes.viewsRemaining } : {}),
            ...(changes.expireAfterViews !== undefined ? { expire_after_views: changes.expireAfterViews } : {}),
            ...(changes.name !== undefined ? { name: changes.name } : {}),
            ...(changes.noteEnvelope !== undefined ? { note_envelope: changes.noteEnvelope } : {}),
            ...(changes.passphrase !== undefined
              ? { passphrase_record: changes.passphrase.record, passphrase_protected: changes.passphrase.record === null ? 0 : 1, passphrase_failures: 0 }
              : {}),
          })
          .where('id', '=', pushId)
          .where('expired', '=', 0)
          .returningAll()
          .executeTakeFirst();
        if (!row) return undefined;
        if (changes.passphrase !== undefined) {
          await trx.updateTable('push_payloads').set({ payload_envelope: changes.passphrase.payloadEnvelope }).where('push_id', '=', pushId).execute();
        }
        await insertAuditRow(trx, { pushId, kind: 'edited', audit, now, reason: null });
        return toRecord(row);
      });
    },

    async rewrapEnvelopes(rewrap) {
      let count = 0;
      const payloads = await db
        .selectFrom('push_payloads')
        .innerJoin('pushes', 'pushes.id', 'push_payloads.push_id')
        .select(['push_payloads.push_id', 'pushes.link_digest', 'pushes.link_envelope', 'push_payloads.payload_envelope'])
        .execute();
      for (const row of payloads) {
        const rewrapped = rewrap(row.payload_envelope, linkTokenOf(row), 'payload');
        if (rewrapped === row.payload_envelope) continue;
        await db
          .updateTable('push_payloads')
          .set({ payload_envelope: rewrapped })
          .where('push_id', '=', row.push_id)
          .execute();
        count += 1;
      }
      const notes = await db
        .selectFrom('pushes')
        .select(['id', 'link_digest', 'link_envelope', 'note_envelope'])
        .where('note_envelope', 'is not', null)
        .execute();
      for (const row of notes) {
        const rewrapped = rewrap(row.note_envelope!, linkTokenOf(row), 'note');
        if (rewrapped === row.note_envelope) continue;
        await db.updateTable('pushes').set({ note_envelope: rewrapped }).where('id', '=', row.id).execute();
        count += 1;
      }
      const sealedLinks = await db.selectFrom('pushes').select(['id', 'link_digest', 'link_envelope']).where('link_envelope', 'is not', null).execute();
      for (const row of sealedLinks) {
        const rewrapped = links.rewrap(row.link_envelope!, row.link_digest);
        if (rewrapped === row.link_envelope) continue;
        await db.updateTable('pushes').set({ link_envelope: rewrapped }).where('id', '=', row.id).execute();
        count += 1;
      }
      return count;
    },

    async sealLegacyLinks() {
      const legacy = await db.selectFrom('pushes').select(['id', 'link_digest']).where('link_envelope', 'is', null).execute();
      let converted = 0;
      for (const { id, link_digest: token } of legacy) {
        const result = await db
          .updateTable('pushes')
          .set({ link_digest: links.digest(token), link_envelope: links.seal(token) })
          .where('id', '=', id)
          .where('link_envelope', 'is', null)
          .executeTakeFirst();
        converted += Number(result.numUpdatedRows);
      }
      return converted;
    },
  };
}

/** A pushes row as a record; `token` is the link token (the row holds only its digest and envelope). */
export function toPushRecord(row: Selectable<PushesTable>, token: string): PushRecord {
  return {
    id: Number(row.id),
    token,
    kind: row.kind as PushKind,
    ownerUserId: row.owner_user_id === null ? null : Number(row.owner_user_id),
    name: row.name,
    encryption: row.encryption as PushEncryption,
    expireAfterDays: row.expire_after_days,
    expireAfterViews: row.expire_after_views,
    viewsRemaining: row.views_remaining,
    expiresAt: Number(row.expires_at),
    retrievalStep: row.retrieval_step === 1,
    deletableByViewer: row.deletable_by_viewer === null ? null : row.deletable_by_viewer === 1,
    passphraseRecord: row.passphrase_record,
    passphraseProtected: row.passphrase_protected === 1,
    linkProofRecord: row.link_proof_record ?? null,
    passphraseFailures: row.passphrase_failures,
    noteEnvelope: row.note_envelope,
    expired: row.expired === 1,
    expiredAt: row.expired_at === null ? null : Number(row.expired_at),
    expireReason: row.expire_reason as ExpireReason | null,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

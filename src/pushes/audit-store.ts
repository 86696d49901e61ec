import type { Selectable } from 'kysely';
import type { NotificationEventType } from '../notifications/event-catalogue.js';
import { enqueuePushEvent } from '../notifications/outbox-store.js';
import type { AuditEventsTable } from '../storage/database-schema.js';
import type { Database } from '../storage/open-database.js';
import { hotStatement, runHot } from '../storage/hot-statement.js';
import { writeTransaction, type WriteExecutor } from '../storage/write-transaction.js';
import type { PushKind } from './push-kinds.js';
import type { AuditContext, AuditEvent, AuditEventKind } from './push-record.js';

/** One audit event of one push's log, as a push gets it. */
export interface InstanceAuditEntry {
  readonly event: AuditEvent;
  readonly pushId: number;
  readonly pushKind: PushKind;
  readonly pushName: string;
  readonly ownerEmail: string | null;
  readonly actorEmail: string | null;
}

/**
 * The audit log of pushes: what happened to each push, when, from which address and agent, by which
 * account. It outlives the payload (and, until the retention purge, the push's expiry). It never holds a
 * payload, a passphrase, a note or a link token.
 */
export interface AuditStore {
  /** Records an event, within the push's cap (`PASSDROP_AUDIT_EVENTS_PER_PUSH`; expiry and lock always). */
  record(pushId: number, kind: AuditEventKind, audit: AuditContext | null, now: number, reason?: string): Promise<void>;
  /** One push's events, oldest first. */
  list(pushId: number, page: { offset: number; limit: number }): Promise<AuditEvent[]>;
  /** Every push's events, newest first, with push metadata and the owner's and actor's emails. */
  listInstance(page: { offset: number; limit: number }): Promise<InstanceAuditEntry[]>;
}

/** User agents and referrers longer than this many characters are cut. */
const MAX_AUDIT_TEXT = 255;
/** Recorded even past a push's cap: how its story ended must never be lost. */
const ALWAYS_AUDITED: ReadonlySet<AuditEventKind> = new Set(['expired', 'locked']);

export interface AuditEventInput {
  readonly pushId: number;
  readonly kind: AuditEventKind;
  readonly audit: AuditContext | null;
  /** Milliseconds since the epoch. */
  readonly now: number;
  readonly reason: string | null;
}

/**
 * Inserts an event inside a caller's transaction when the push is under its cap. The push row's counter
 * column enforces the cap without counting rows on every request.
 */
export async function insertCountedAuditEvent(executor: WriteExecutor, cap: number, event: AuditEventInput): Promise<void> {
  const counted = await executor
    .updateTable('pushes')
    .set((eb) => ({ audit_event_count: eb('audit_event_count', '+', 1) }))
    .where('id', '=', event.pushId)
    .$if(!ALWAYS_AUDITED.has(event.kind), (query) => query.where('audit_event_count', '<', cap))
    .executeTakeFirst();
  if (Number(counted.numUpdatedRows) === 0) return;
  await insertAuditRow(executor, event);
}

/**
 * The audit events that are also notification events (src/notifications/event-catalogue.ts). An expiry
 * notifies only when time ran out with no view ever used (`push.expired_unread`).
 */
export function notificationFor(kind: AuditEventKind, reason: string | null): NotificationEventType | undefined {
  switch (kind) {
    case 'opened':
      return 'push.opened';
    case 'viewed':
      return 'push.revealed';
    case 'failed_passphrase':
      return 'push.failed_passphrase';
    case 'locked':
      return 'push.locked';
    case 'expired':
      return reason === 'time' ? 'push.expired_unread' : undefined;
    case 'file_download':
      return 'push.downloaded';
    default:
      return undefined;
  }
}

/**
 * Inserts an event row inside a caller's transaction, the cap already accounted for, and its
 * notification (if it is one) into the outbox in the same transaction.
 */
export async function insertAuditRow(executor: WriteExecutor, event: AuditEventInput): Promise<void> {
  const { audit } = event;
  const notification = notificationFor(event.kind, event.reason);
  if (notification) await enqueuePushEvent(executor, notification, event.pushId, event.now, { onlyUnread: notification === 'push.expired_unread' });
  await runHot(executor, INSERT_AUDIT_ROW, [
    event.pushId,
    event.kind,
    event.reason,
    audit?.ip ?? null,
    truncateAuditText(audit?.userAgent),
    truncateAuditText(audit?.referrer),
    audit?.userId ?? null,
    event.now,
  ]);
}

const INSERT_AUDIT_ROW = hotStatement(
  'insert into audit_events (push_id, kind, reason, ip, user_agent, referrer, user_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
);

/** Empty text is stored as null; long text is cut to 255 characters. */
export function truncateAuditText(text: string | null | undefined): string | null {
  if (text === null || text === undefined || text === '') return null;
  return text.length > MAX_AUDIT_TEXT ? text.slice(0, MAX_AUDIT_TEXT) : text;
}

/**
 * The audit store on SQLite or PostgreSQL.
 *
 * @example const audit = createAuditStore(database, { auditEventsPerPush: 2000 });
 */
export function createAuditStore(database: Database, options: { auditEventsPerPush: number }): AuditStore {
  const { db } = database;
  return {
    async record(pushId, kind, audit, now, reason) {
      await writeTransaction(database, (trx) => insertCountedAuditEvent(trx, options.auditEventsPerPush, { pushId, kind, audit, now, reason: reason ?? null }));
    },

    async list(pushId, { offset, limit }) {
      const rows = await db.selectFrom('audit_events').selectAll().where('push_id', '=', pushId).orderBy('id', 'asc').offset(offset).limit(limit).execute();
      return rows.map(toAuditEvent);
    },

    async listInstance({ offset, limit }) {
      const rows = await db
        .selectFrom('audit_events')
        .innerJoin('pushes', 'pushes.id', 'audit_events.push_id')
        .leftJoin('users as owners', 'owners.id', 'pushes.owner_user_id')
        .leftJoin('users as actors', 'actors.id', 'audit_events.user_id')
        .selectAll('audit_events')
        .select(['pushes.kind as push_kind', 'pushes.name as push_name', 'owners.email as owner_email', 'actors.email as actor_email'])
        .orderBy('audit_events.id', 'desc')
        .offset(offset)
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        event: toAuditEvent(row),
        pushId: Number(row.push_id),
        pushKind: row.push_kind as PushKind,
        pushName: row.push_name,
        ownerEmail: row.owner_email ?? null,
        actorEmail: row.actor_email ?? null,
      }));
    },
  };
}

function toAuditEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: Number(row.id),
    kind: row.kind as AuditEventKind,
    reason: row.reason,
    ip: row.ip,
    userAgent: row.user_agent,
    referrer: row.referrer,
    userId: row.user_id === null ? null : Number(row.user_id),
    createdAt: Number(row.created_at),
  };
}

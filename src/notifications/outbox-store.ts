import type { Selectable } from 'kysely';
import { randomToken } from '../crypto/random-token.js';
import { hotStatement, runHot } from '../storage/hot-statement.js';
import type { Database } from '../storage/open-database.js';
import type { NotificationOutboxTable } from '../storage/database-schema.js';
import { writeTransaction, type WriteExecutor } from '../storage/write-transaction.js';
import { parseEventTypes, type NotificationEventType } from './event-catalogue.js';

/** An event as the outbox keeps it: what happened to which push or request, never a payload, key or link token. */
export interface OutboxEvent {
  /** The row id (internal ordering). */
  readonly id: number;
  /** The public event id (`evt_` + 22 base64url characters, 128 random bits): the webhook-id header. */
  readonly eventId: string;
  readonly type: NotificationEventType;
  readonly pushId: number | null;
  readonly requestId: number | null;
  readonly ownerUserId: number | null;
  /** The push's or request's name as it was when the event happened ('' when unnamed). */
  readonly subjectName: string;
  /** Epoch milliseconds. */
  readonly occurredAt: number;
}

/** 'webhook'; 'email': a receipt to the owner; 'link_email': a push's link to one recipient (migration 0014). */
export type DeliveryChannel = 'webhook' | 'email' | 'link_email';
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** A delivery claimed by this process: it alone attempts it until `leaseUntil`. */
export interface ClaimedDelivery {
  readonly id: number;
  readonly channel: DeliveryChannel;
  readonly webhookId: number | null;
  readonly userId: number | null;
  /** Channel 'link_email': the push_link_emails row and which of its recipients. */
  readonly linkEmailId: number | null;
  readonly recipientIndex: number | null;
  /** Counting this one. */
  readonly attempt: number;
  /** Epoch milliseconds after which the delivery is given up (marked failed) instead of retried. */
  readonly giveUpAt: number;
  readonly event: OutboxEvent;
}

/** What one attempt came to. `retryAt` undefined with ok false: failed for good. */
export type AttemptRecord =
  | { readonly ok: true; readonly status: number | null; readonly response: string | null }
  | { readonly ok: false; readonly status: number | null; readonly error: string; readonly response: string | null; readonly retryAt: number | undefined };

/** One delivery as a webhook's log shows it (newest first). */
export interface DeliveryLogEntry {
  readonly id: number;
  readonly eventId: string;
  readonly type: NotificationEventType;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastAttemptAt: number | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  /** The start of the receiver's last answer (at most 500 characters). */
  readonly lastResponse: string | null;
  readonly nextAttemptAt: number | null;
  readonly createdAt: number;
}

/** A new event for `enqueueEvent`. */
export interface NewOutboxEvent {
  readonly type: NotificationEventType;
  readonly pushId?: number | null;
  readonly requestId?: number | null;
  readonly ownerUserId: number | null;
  readonly subjectName: string;
  /** Epoch milliseconds. */
  readonly occurredAt: number;
}

/** A fresh public event id: `evt_` and 128 random bits in base64url. */
export function newEventId(): string {
  return `evt_${randomToken(16)}`;
}

/**
 * Writes an event into the outbox inside the caller's transaction, so the change and its notification
 * commit or roll back together. This is the hook for every emitter (requests answered; files
 * downloaded when file pushes land: `enqueueEvent(trx, { type: 'push.downloaded', pushId, … })`).
 * Answers the public event id.
 */
export async function enqueueEvent(executor: WriteExecutor, event: NewOutboxEvent): Promise<string> {
  const eventId = newEventId();
  await executor
    .insertInto('notification_outbox')
    .values({
      event_id: eventId,
      type: event.type,
      push_id: event.pushId ?? null,
      request_id: event.requestId ?? null,
      owner_user_id: event.ownerUserId,
      subject_name: event.subjectName,
      occurred_at: event.occurredAt,
    })
    .execute();
  return eventId;
}

/**
 * Writes a push event into the outbox inside the caller's transaction, reading the push's owner and
 * name in the same statement, unless nobody could receive it (PUSH_EVENT_HAS_LISTENER). `onlyUnread`
 * writes it only when no view was ever used (expired unread).
 */
export async function enqueuePushEvent(
  executor: WriteExecutor,
  type: NotificationEventType,
  pushId: number,
  now: number,
  options: { readonly onlyUnread?: boolean } = {},
): Promise<void> {
  await runHot(executor, options.onlyUnread === true ? ENQUEUE_PUSH_EVENT_IF_UNREAD : ENQUEUE_PUSH_EVENT, [newEventId(), type, now, pushId]);
}

/**
 * The condition, on a push row, that its event can reach anyone: an anonymous push's events go only to
 * enabled instance-wide webhooks (destinationsFor), so without one no row is written, which spares each
 * anonymous view three pages of writes (the row and two indexes). Read in the writing transaction, so a
 * webhook added a moment before is seen, from any process.
 */
export const PUSH_EVENT_HAS_LISTENER = (push: string) =>
  `(${push}.owner_user_id is not null or exists (select 1 from webhooks where owner_user_id is null and enabled = 1))`;

const ENQUEUE_PUSH_EVENT_TEXT =
  'insert into notification_outbox (event_id, type, push_id, owner_user_id, subject_name, occurred_at) ' +
  `select cast(? as text), cast(? as text), id, owner_user_id, name, cast(? as bigint) from pushes where id = ? and ${PUSH_EVENT_HAS_LISTENER('pushes')}`;
const ENQUEUE_PUSH_EVENT = hotStatement(ENQUEUE_PUSH_EVENT_TEXT);
/** An expiry notifies only when no view was ever used. */
const ENQUEUE_PUSH_EVENT_IF_UNREAD = hotStatement(`${ENQUEUE_PUSH_EVENT_TEXT} and views_remaining = expire_after_views`);

/** Counts of work not yet done (`passdrop_outbox_backlog`). */
export interface OutboxBacklog {
  readonly undispatchedEvents: number;
  readonly pendingDeliveries: number;
}

/** Where one event goes: webhooks, email receipts to the owner, dashboard receipts to the owner. */
export interface Destinations {
  readonly webhookIds: readonly number[];
  readonly emailUserIds: readonly number[];
  readonly inboxUserIds: readonly number[];
}

export interface OutboxStore {
  /**
   * Takes up to `limit` undispatched events (each exactly once across processes: `FOR UPDATE SKIP
   * LOCKED` on PostgreSQL, the write lock on SQLite), writes their delivery and inbox rows and marks
   * them dispatched, all in one transaction. Answers how many events it took.
   */
  dispatchPending(now: number, limit: number, retryWindowMs: number): Promise<number>;
  /**
   * Claims up to `limit` due deliveries for this process until `now + leaseMs` (one statement; SKIP
   * LOCKED on PostgreSQL, the write lock on SQLite): no other process attempts them meanwhile, and one
   * whose process died becomes due again when the lease ends.
   */
  claimDue(now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]>;
  /** Records an attempt's outcome, if the claim is still this attempt's (answers whether it was). */
  recordAttempt(deliveryId: number, attempt: number, now: number, outcome: AttemptRecord): Promise<boolean>;
  /** Writes an event for one webhook only, already dispatched (the "send test event" button). */
  enqueueTest(webhookId: number, ownerUserId: number | null, now: number, retryWindowMs: number): Promise<string>;
  /** A webhook's deliveries, newest first. */
  listDeliveries(webhookId: number, page: { offset: number; limit: number }): Promise<DeliveryLogEntry[]>;
  /** The earliest time a pending delivery is due, if any (lets the worker sleep until then). */
  nextDueAt(): Promise<number | undefined>;
  /** The backlog, for metrics: events not yet fanned out, and deliveries still pending (retries included). */
  backlog(): Promise<OutboxBacklog>;
  /** Deletes dispatched events (and their deliveries) dispatched before `cutoff` whose deliveries all finished. */
  purgeBefore(cutoff: number, limit: number): Promise<number>;
}

/**
 * The outbox on SQLite or PostgreSQL.
 *
 * @example const outbox = createOutboxStore(database);
 */
export function createOutboxStore(database: Database): OutboxStore {
  const { db } = database;
  const postgres = database.dialect === 'postgres';

  async function destinationsFor(trx: WriteExecutor, event: OutboxEvent): Promise<Destinations> {
    const hooks = await trx
      .selectFrom('webhooks')
      .select(['id', 'events', 'owner_user_id'])
      .where('enabled', '=', 1)
      .where((eb) => (event.ownerUserId === null ? eb('owner_user_id', 'is', null) : eb.or([eb('owner_user_id', 'is', null), eb('owner_user_id', '=', event.ownerUserId)])))
      .execute();
    const webhookIds = hooks.filter((hook) => parseEventTypes(hook.events).includes(event.type)).map((hook) => Number(hook.id));
    if (event.ownerUserId === null) return { webhookIds, emailUserIds: [], inboxUserIds: [] };
    let wanted: { events: string; email: boolean; dashboard: boolean } | undefined;
    if (event.pushId !== null) {
      const push = await trx.selectFrom('pushes').select(['receipt_events', 'receipt_channels']).where('id', '=', event.pushId).executeTakeFirst();
      if (push && push.receipt_events !== null) {
        const channels = (push.receipt_channels ?? '').split(/\s+/);
        wanted = { events: push.receipt_events, email: channels.includes('email'), dashboard: channels.includes('dashboard') };
      }
    }
    if (!wanted) {
      const defaults = await trx.selectFrom('receipt_preferences').selectAll().where('user_id', '=', event.ownerUserId).executeTakeFirst();
      if (defaults) wanted = { events: defaults.events, email: defaults.by_email === 1, dashboard: defaults.on_dashboard === 1 };
    }
    if (!wanted || !parseEventTypes(wanted.events).includes(event.type)) return { webhookIds, emailUserIds: [], inboxUserIds: [] };
    return { webhookIds, emailUserIds: wanted.email ? [event.ownerUserId] : [], inboxUserIds: wanted.dashboard ? [event.ownerUserId] : [] };
  }

  return {
    async dispatchPending(now, limit, retryWindowMs) {
      return writeTransaction(database, async (trx) => {
        const rows = await trx
          .selectFrom('notification_outbox')
          .selectAll()
          .where('dispatched_at', 'is', null)
          .orderBy('id')
          .limit(limit)
          .$if(postgres, (query) => query.forUpdate().skipLocked())
          .execute();
        for (const row of rows) {
          const event = toOutboxEvent(row);
          const destinations = await destinationsFor(trx, event);
          const deliveries = [
            ...destinations.webhookIds.map((webhookId) => ({ channel: 'webhook', webhook_id: webhookId, user_id: null })),
            ...destinations.emailUserIds.map((userId) => ({ channel: 'email', webhook_id: null, user_id: userId })),
          ];
          if (deliveries.length > 0) {
            await trx
              .insertInto('notification_deliveries')
              .values(deliveries.map((delivery) => ({ ...delivery, outbox_id: event.id, next_attempt_at: now, give_up_at: now + retryWindowMs, created_at: now })))
              .execute();
          }
          if (destinations.inboxUserIds.length > 0) {
            await trx
              .insertInto('notification_inbox')
              .values(
                destinations.inboxUserIds.map((userId) => ({
                  user_id: userId,
                  event_id: event.eventId,
                  type: event.type,
                  push_id: event.pushId,
                  request_id: event.requestId,
                  subject_name: event.subjectName,
                  occurred_at: event.occurredAt,
                })),
              )
              .execute();
          }
        }
        if (rows.length > 0) {
          await trx.updateTable('notification_outbox').set({ dispatched_at: now }).where('id', 'in', rows.map((row) => row.id)).execute();
        }
        return rows.length;
      });
    },

    async claimDue(now, leaseMs, limit) {
      const claimed = await writeTransaction(database, (trx) =>
        trx
          .updateTable('notification_deliveries')
          .set((eb) => ({ next_attempt_at: now + leaseMs, attempts: eb('attempts', '+', 1), last_attempt_at: now }))
          .where('id', 'in', (eb) =>
            eb
              .selectFrom('notification_deliveries')
              .select('id')
              .where('status', '=', 'pending')
              .where('next_attempt_at', '<=', now)
              .orderBy('next_attempt_at')
              .limit(limit)
              .$if(postgres, (query) => query.forUpdate().skipLocked()),
          )
          .where('status', '=', 'pending')
          .returning(['id', 'outbox_id', 'channel', 'webhook_id', 'user_id', 'attempts', 'give_up_at', 'link_email_id', 'recipient_index'])
          .execute(),
      );
      if (claimed.length === 0) return [];
      const events = await db.selectFrom('notification_outbox').selectAll().where('id', 'in', claimed.map((row) => row.outbox_id)).execute();
      const byId = new Map(events.map((row) => [Number(row.id), toOutboxEvent(row)]));
      return claimed.flatMap((row) => {
        const event = byId.get(Number(row.outbox_id));
        if (!event) return [];
        return [
          {
            id: Number(row.id),
            channel: row.channel as DeliveryChannel,
            webhookId: row.webhook_id === null ? null : Number(row.webhook_id),
            userId: row.user_id === null ? null : Number(row.user_id),
            linkEmailId: row.link_email_id === null ? null : Number(row.link_email_id),
            recipientIndex: row.recipient_index,
            attempt: row.attempts,
            giveUpAt: Number(row.give_up_at),
            event,
          },
        ];
      });
    },

    async recordAttempt(deliveryId, attempt, now, outcome) {
      const finished = outcome.ok || outcome.retryAt === undefined;
      const result = await db
        .updateTable('notification_deliveries')
        .set({
          status: outcome.ok ? 'delivered' : finished ? 'failed' : 'pending',
          last_status: outcome.status,
          last_error: outcome.ok ? null : outcome.error.slice(0, 500),
          last_response: outcome.response === null ? null : outcome.response.slice(0, 500),
          ...(finished ? { finished_at: now } : { next_attempt_at: (outcome as { retryAt: number }).retryAt }),
        })
        .where('id', '=', deliveryId)
        .where('attempts', '=', attempt)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async enqueueTest(webhookId, ownerUserId, now, retryWindowMs) {
      return writeTransaction(database, async (trx) => {
        const eventId = newEventId();
        const row = await trx
          .insertInto('notification_outbox')
          .values({ event_id: eventId, type: 'webhook.test', owner_user_id: ownerUserId, subject_name: '', occurred_at: now, dispatched_at: now })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('notification_deliveries')
          .values({ outbox_id: row.id, channel: 'webhook', webhook_id: webhookId, user_id: null, next_attempt_at: now, give_up_at: now + retryWindowMs, created_at: now })
          .execute();
        return eventId;
      });
    },

    async listDeliveries(webhookId, { offset, limit }) {
      const rows = await db
        .selectFrom('notification_deliveries')
        .innerJoin('notification_outbox', 'notification_outbox.id', 'notification_deliveries.outbox_id')
        .selectAll('notification_deliveries')
        .select(['notification_outbox.event_id', 'notification_outbox.type'])
        .where('webhook_id', '=', webhookId)
        .orderBy('notification_deliveries.id', 'desc')
        .offset(offset)
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        id: Number(row.id),
        eventId: row.event_id,
        type: row.type as NotificationEventType,
        status: row.status as DeliveryStatus,
        attempts: row.attempts,
        lastAttemptAt: row.last_attempt_at === null ? null : Number(row.last_attempt_at),
        lastStatus: row.last_status,
        lastError: row.last_error,
        lastResponse: row.last_response,
        nextAttemptAt: row.status === 'pending' ? Number(row.next_attempt_at) : null,
        createdAt: Number(row.created_at),
      }));
    },

    async nextDueAt() {
      const row = await db
        .selectFrom('notification_deliveries')
        .select((eb) => eb.fn.min('next_attempt_at').as('due'))
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return row?.due === null || row?.due === undefined ? undefined : Number(row.due);
    },

    async backlog() {
      const [events, deliveries] = await Promise.all([
        db.selectFrom('notification_outbox').select((eb) => eb.fn.countAll().as('count')).where('dispatched_at', 'is', null).executeTakeFirstOrThrow(),
        db.selectFrom('notification_deliveries').select((eb) => eb.fn.countAll().as('count')).where('status', '=', 'pending').executeTakeFirstOrThrow(),
      ]);
      return { undispatchedEvents: Number(events.count), pendingDeliveries: Number(deliveries.count) };
    },

    async purgeBefore(cutoff, limit) {
      const doomed = await db
        .selectFrom('notification_outbox')
        .select('id')
        .where('dispatched_at', '<', cutoff)
        .where((eb) =>
          eb.not(eb.exists(eb.selectFrom('notification_deliveries').select('id').whereRef('outbox_id', '=', 'notification_outbox.id').where('status', '=', 'pending'))),
        )
        .limit(limit)
        .execute();
      if (doomed.length === 0) return 0;
      return writeTransaction(database, async (trx) => {
        const ids = doomed.map((row) => row.id);
        await trx.deleteFrom('notification_deliveries').where('outbox_id', 'in', ids).execute();
        const result = await trx.deleteFrom('notification_outbox').where('id', 'in', ids).executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },
  };
}

function toOutboxEvent(row: Omit<Selectable<NotificationOutboxTable>, 'dispatched_at'>): OutboxEvent {
  return {
    id: Number(row.id),
    eventId: row.event_id,
    type: row.type as NotificationEventType,
    pushId: row.push_id === null ? null : Number(row.push_id),
    requestId: row.request_id === null ? null : Number(row.request_id),
    ownerUserId: row.owner_user_id === null ? null : Number(row.owner_user_id),
    subjectName: row.subject_name,
    occurredAt: Number(row.occurred_at),
  };
}

import type { Database } from '../storage/open-database.js';
import { parseEventTypes, type NotificationEventType } from './event-catalogue.js';

/** Which events a sender wants receipts for, and where: by email, on the dashboard (the inbox), or both. */
export interface ReceiptChoice {
  readonly events: readonly NotificationEventType[];
  readonly byEmail: boolean;
  readonly onDashboard: boolean;
  /** Account defaults only: the language of receipt emails (a LanguageCode); undefined: English. */
  readonly locale?: string | undefined;
}

/** One receipt in an account's inbox (newest first). */
export interface InboxEntry {
  readonly id: number;
  readonly eventId: string;
  readonly type: NotificationEventType;
  readonly pushId: number | null;
  readonly requestId: number | null;
  /** The push's or request's name when the event happened ('' when unnamed). */
  readonly subjectName: string;
  /** Epoch milliseconds. */
  readonly occurredAt: number;
  readonly readAt: number | null;
}

export interface ReceiptStore {
  /** The account's default receipts; undefined when it never chose (then it gets none). */
  findDefaults(userId: number): Promise<ReceiptChoice | undefined>;
  saveDefaults(userId: number, choice: ReceiptChoice, now: number): Promise<void>;
  /** A push's own receipts; undefined: the owner's defaults apply. */
  findForPush(pushId: number): Promise<ReceiptChoice | undefined>;
  /** Sets a push's own receipts, or (null) goes back to the owner's defaults. */
  saveForPush(pushId: number, choice: ReceiptChoice | null): Promise<void>;
  listInbox(userId: number, page: { offset: number; limit: number }): Promise<InboxEntry[]>;
  countUnread(userId: number): Promise<number>;
  /** Marks every receipt up to now as read; answers how many were unread. */
  markAllRead(userId: number, now: number): Promise<number>;
}

const channelsText = (choice: ReceiptChoice) => [choice.byEmail ? 'email' : '', choice.onDashboard ? 'dashboard' : ''].filter(Boolean).join(' ');

/** Receipt preferences and the dashboard inbox on SQLite or PostgreSQL (the outbox dispatcher reads the same rows). */
export function createReceiptStore(database: Database): ReceiptStore {
  const { db } = database;
  return {
    async findDefaults(userId) {
      const row = await db.selectFrom('receipt_preferences').selectAll().where('user_id', '=', userId).executeTakeFirst();
      return row ? { events: parseEventTypes(row.events), byEmail: row.by_email === 1, onDashboard: row.on_dashboard === 1, locale: row.locale ?? undefined } : undefined;
    },
    async saveDefaults(userId, choice, now) {
      const values = { events: choice.events.join(' '), by_email: choice.byEmail ? 1 : 0, on_dashboard: choice.onDashboard ? 1 : 0, updated_at: now, locale: choice.locale ?? null };
      await db
        .insertInto('receipt_preferences')
        .values({ user_id: userId, ...values })
        .onConflict((conflict) => conflict.column('user_id').doUpdateSet(values))
        .execute();
    },
    async findForPush(pushId) {
      const row = await db.selectFrom('pushes').select(['receipt_events', 'receipt_channels']).where('id', '=', pushId).executeTakeFirst();
      if (!row || row.receipt_events === null) return undefined;
      const channels = (row.receipt_channels ?? '').split(/\s+/);
      return { events: parseEventTypes(row.receipt_events), byEmail: channels.includes('email'), onDashboard: channels.includes('dashboard') };
    },
    async saveForPush(pushId, choice) {
      await db
        .updateTable('pushes')
        .set(choice === null ? { receipt_events: null, receipt_channels: null } : { receipt_events: choice.events.join(' '), receipt_channels: channelsText(choice) })
        .where('id', '=', pushId)
        .execute();
    },
    async listInbox(userId, { offset, limit }) {
      const rows = await db.selectFrom('notification_inbox').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').offset(offset).limit(limit).execute();
      return rows.map((row) => ({
        id: Number(row.id),
        eventId: row.event_id,
        type: row.type as NotificationEventType,
        pushId: row.push_id === null ? null : Number(row.push_id),
        requestId: row.request_id === null ? null : Number(row.request_id),
        subjectName: row.subject_name,
        occurredAt: Number(row.occurred_at),
        readAt: row.read_at === null ? null : Number(row.read_at),
      }));
    },
    async countUnread(userId) {
      const row = await db
        .selectFrom('notification_inbox')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('user_id', '=', userId)
        .where('read_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
    async markAllRead(userId, now) {
      const result = await db.updateTable('notification_inbox').set({ read_at: now }).where('user_id', '=', userId).where('read_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}

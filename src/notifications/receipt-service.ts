import type { FieldProblem } from '../errors/app-error.js';
import { RECEIPT_EVENT_TYPES, isEventType, type NotificationEventType } from './event-catalogue.js';
import { resolveLanguage } from '../web/i18n/languages.js';
import type { InboxEntry, ReceiptChoice, ReceiptStore } from './receipt-store.js';

/** A receipt choice as a form or the API submits it. */
export interface ReceiptInput {
  readonly events: readonly string[];
  readonly byEmail: boolean;
  readonly onDashboard: boolean;
  /** The language of receipt emails (account defaults only); must be one of LANGUAGES. */
  readonly locale?: string | undefined;
}

export type SaveReceiptsResult = { readonly ok: true; readonly choice: ReceiptChoice } | { readonly ok: false; readonly problems: readonly FieldProblem[] };

/**
 * Receipts for senders (issue 17): which events of their pushes and requests they are told about, by
 * email and/or in the dashboard inbox (with an unread badge). An account has defaults; a push may have
 * its own choice instead. The outbox dispatcher reads the same rows when an event happens
 * (src/notifications/outbox-store.ts): a push's own choice first, else the owner's defaults, else none.
 */
export interface ReceiptService {
  defaults(userId: number): Promise<ReceiptChoice>;
  saveDefaults(userId: number, input: ReceiptInput): Promise<SaveReceiptsResult>;
  /** The push's own choice; undefined: the owner's defaults apply. The caller has checked ownership. */
  forPush(push: PushRef): Promise<ReceiptChoice | undefined>;
  /** Sets the push's own choice, or (null) returns it to the owner's defaults. The caller has checked ownership. */
  saveForPush(push: PushRef, input: ReceiptInput | null): Promise<SaveReceiptsResult | { readonly ok: true; readonly choice: null }>;
  inbox(userId: number, page: { offset: number; limit: number }): Promise<InboxEntry[]>;
  unreadCount(userId: number): Promise<number>;
  markAllRead(userId: number): Promise<number>;
}

/** The push a receipt choice belongs to (a PushRecord; only its id is needed). */
type PushRef = { readonly id: number };

const NONE: ReceiptChoice = { events: [], byEmail: false, onDashboard: false };

function check(input: ReceiptInput): SaveReceiptsResult {
  const unknown = input.events.filter((type) => !isEventType(type) || !RECEIPT_EVENT_TYPES.includes(type));
  if (unknown.length > 0) {
    return { ok: false, problems: [{ field: 'events', code: 'unknown_event', params: { events: unknown.join(', ') }, message: `has event types that are not receipts: ${unknown.join(', ')}.` }] };
  }
  const locale = input.locale === undefined ? undefined : resolveLanguage(input.locale);
  if (input.locale !== undefined && locale === undefined) {
    return { ok: false, problems: [{ field: 'locale', code: 'not_allowed', message: 'must be one of the languages offered.' }] };
  }
  const events = [...new Set(input.events as NotificationEventType[])];
  return { ok: true, choice: { events, byEmail: input.byEmail, onDashboard: input.onDashboard, ...(locale !== undefined ? { locale } : {}) } };
}

export function createReceiptService(deps: { store: ReceiptStore; clock: () => number }): ReceiptService {
  const { store, clock } = deps;
  return {
    async defaults(userId) {
      return (await store.findDefaults(userId)) ?? NONE;
    },
    async saveDefaults(userId, input) {
      const result = check(input);
      if (result.ok) await store.saveDefaults(userId, result.choice, clock());
      return result;
    },
    forPush: (push) => store.findForPush(push.id),
    async saveForPush(push, input) {
      if (input === null) {
        await store.saveForPush(push.id, null);
        return { ok: true, choice: null };
      }
      const result = check(input);
      if (result.ok) await store.saveForPush(push.id, result.choice);
      return result;
    },
    inbox: (userId, page) => store.listInbox(userId, page),
    unreadCount: (userId) => store.countUnread(userId),
    markAllRead: (userId) => store.markAllRead(userId, clock()),
  };
}

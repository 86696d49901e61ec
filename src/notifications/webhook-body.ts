import type { NotificationEventType } from './event-catalogue.js';
import type { OutboxEvent } from './outbox-store.js';

/**
 * The JSON body of every webhook delivery, version 1 (docs/webhooks.md). Stable: fields may be added,
 * never renamed or removed. It never carries a payload, a passphrase, a key, a note or a link token:
 * pushes and requests are named by their numeric id and their owner's name for them.
 */
export interface WebhookBody {
  /** The event id, `evt_…`; also the webhook-id header, the same on every retry. */
  readonly id: string;
  readonly type: NotificationEventType;
  /** When the event happened, ISO 8601 in UTC with milliseconds. */
  readonly timestamp: string;
  readonly data: {
    readonly push: { readonly id: number; readonly name: string } | null;
    readonly request: { readonly id: number; readonly name: string } | null;
  };
}

/** The body for one outbox event. */
export function webhookBody(event: OutboxEvent): WebhookBody {
  return {
    id: event.eventId,
    type: event.type,
    timestamp: new Date(event.occurredAt).toISOString(),
    data: {
      push: event.pushId === null ? null : { id: event.pushId, name: event.subjectName },
      request: event.requestId === null ? null : { id: event.requestId, name: event.subjectName },
    },
  };
}

import type { NotificationPolicy } from '../config/notification-settings.js';
import { sealEnvelope } from '../crypto/envelope.js';
import type { MasterKeyRing } from '../crypto/master-key-ring.js';
import type { FieldProblem } from '../errors/app-error.js';
import { WEBHOOK_EVENT_TYPES, isEventType, type NotificationEventType } from './event-catalogue.js';
import { WEBHOOK_SECRET_CONTEXT } from './notification-delivery.js';
import type { DeliveryLogEntry, OutboxStore } from './outbox-store.js';
import { newWebhookSecret } from './webhook-signature.js';
import type { WebhookRecord, WebhookStore } from './webhook-store.js';
import { checkWebhookUrl, type ResolveHost } from './webhook-url-check.js';

/** Longest webhook description, in characters. */
export const WEBHOOK_DESCRIPTION_MAX_CHARACTERS = 200;

/**
 * Whose webhooks: an account's own (its user id), or the instance-wide ones (null; the surfaces let only
 * admins reach those).
 */
export type WebhookOwner = number | null;

/** What a person submits to create or change a webhook; absent fields stay as they are on update. */
export interface WebhookInput {
  readonly url?: string;
  /** Event types from the catalogue (unknown ones are a problem, not dropped). */
  readonly events?: readonly string[];
  readonly description?: string;
  readonly enabled?: boolean;
}

export type CreateWebhookResult =
  | { readonly ok: true; readonly webhook: WebhookRecord; /** Shown in this answer only. */ readonly secret: string }
  | { readonly ok: false; readonly reason: 'invalid'; readonly problems: readonly FieldProblem[] }
  | { readonly ok: false; readonly reason: 'limit_reached'; readonly limit: number };

export type UpdateWebhookResult =
  | { readonly ok: true; readonly webhook: WebhookRecord; /** Set when the secret was rotated: shown in this answer only. */ readonly secret?: string }
  | { readonly ok: false; readonly reason: 'not_found' }
  | { readonly ok: false; readonly reason: 'invalid'; readonly problems: readonly FieldProblem[] };

/**
 * The rules of webhooks for the API and the account and admin pages: who sees which, how a URL and its
 * events are checked (SSRF guard at save time; the sender checks again at delivery), a per-account limit
 * (PASSDROP_WEBHOOKS_PER_ACCOUNT; instance-wide ones are not counted), a signing secret made here and
 * shown once, the delivery log and the "send test event" button.
 */
export interface WebhookService {
  list(owner: WebhookOwner): Promise<WebhookRecord[]>;
  /** One webhook, if it is `owner`'s. */
  find(owner: WebhookOwner, id: number): Promise<WebhookRecord | undefined>;
  create(owner: WebhookOwner, input: WebhookInput): Promise<CreateWebhookResult>;
  /** Changes fields; `rotateSecret` makes a new secret (the old one stops signing at once). */
  update(owner: WebhookOwner, id: number, input: WebhookInput & { readonly rotateSecret?: boolean }): Promise<UpdateWebhookResult>;
  /** Deletes the webhook and its log; false when `owner` has no such webhook. */
  delete(owner: WebhookOwner, id: number): Promise<boolean>;
  /** The webhook's deliveries, newest first; undefined when `owner` has no such webhook. */
  deliveries(owner: WebhookOwner, id: number, page: { offset: number; limit: number }): Promise<DeliveryLogEntry[] | undefined>;
  /** Queues a `webhook.test` delivery (even to a turned-off webhook); answers its event id, undefined when no such webhook. */
  sendTest(owner: WebhookOwner, id: number): Promise<string | undefined>;
}

export function createWebhookService(deps: {
  store: WebhookStore;
  outbox: OutboxStore;
  keys: MasterKeyRing;
  policy: NotificationPolicy;
  clock: () => number;
  /** Called after a test event is queued, so this process's worker delivers it without waiting for its poll. */
  onQueued?: () => void;
  resolve?: ResolveHost;
}): WebhookService {
  const { store, outbox, keys, policy, clock } = deps;

  const owned = async (owner: WebhookOwner, id: number) => {
    const webhook = await store.find(id);
    return webhook && webhook.ownerUserId === owner ? webhook : undefined;
  };

  async function problemsOf(input: WebhookInput, creating: boolean): Promise<{ problems: FieldProblem[]; events?: NotificationEventType[] }> {
    const problems: FieldProblem[] = [];
    if (input.url !== undefined || creating) {
      problems.push(...(await checkWebhookUrl(input.url ?? '', { allowPrivateAddresses: policy.allowPrivateAddresses, ...(deps.resolve ? { resolve: deps.resolve } : {}) })));
    }
    let events: NotificationEventType[] | undefined;
    if (input.events !== undefined || creating) {
      const given = input.events ?? [];
      const unknown = given.filter((type) => !isEventType(type) || !WEBHOOK_EVENT_TYPES.includes(type));
      if (unknown.length > 0) {
        problems.push({ field: 'events', code: 'unknown_event', params: { events: unknown.join(', ') }, message: `has unknown event types: ${unknown.join(', ')}.` });
      } else if (given.length === 0) {
        problems.push({ field: 'events', code: 'required', message: 'must name at least one event type.' });
      } else {
        events = [...new Set(given as NotificationEventType[])];
      }
    }
    if (input.description !== undefined && [...input.description.trim()].length > WEBHOOK_DESCRIPTION_MAX_CHARACTERS) {
      problems.push({
        field: 'description',
        code: 'too_long',
        params: { max: WEBHOOK_DESCRIPTION_MAX_CHARACTERS },
        message: `must be at most ${WEBHOOK_DESCRIPTION_MAX_CHARACTERS} characters.`,
      });
    }
    return events ? { problems, events } : { problems };
  }

  const sealSecret = (secret: string) => sealEnvelope(Buffer.from(secret, 'utf8'), keys.current, WEBHOOK_SECRET_CONTEXT);

  return {
    list: (owner) => store.list(owner),
    find: owned,

    async create(owner, input) {
      if (owner !== null && (await store.count(owner)) >= policy.webhooksPerAccount) return { ok: false, reason: 'limit_reached', limit: policy.webhooksPerAccount };
      const { problems, events } = await problemsOf(input, true);
      if (problems.length > 0 || !events) return { ok: false, reason: 'invalid', problems };
      const secret = newWebhookSecret();
      const webhook = await store.create(
        { ownerUserId: owner, url: input.url!.trim(), events, secretEnvelope: sealSecret(secret), description: (input.description ?? '').trim(), enabled: input.enabled ?? true },
        clock(),
      );
      return { ok: true, webhook, secret };
    },

    async update(owner, id, input) {
      if (!(await owned(owner, id))) return { ok: false, reason: 'not_found' };
      const { problems, events } = await problemsOf(input, false);
      if (problems.length > 0) return { ok: false, reason: 'invalid', problems };
      const secret = input.rotateSecret ? newWebhookSecret() : undefined;
      const webhook = await store.update(
        id,
        {
          ...(input.url !== undefined ? { url: input.url.trim() } : {}),
          ...(events ? { events } : {}),
          ...(input.description !== undefined ? { description: input.description.trim() } : {}),
          ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
          ...(secret ? { secretEnvelope: sealSecret(secret) } : {}),
        },
        clock(),
      );
      if (!webhook) return { ok: false, reason: 'not_found' };
      return secret ? { ok: true, webhook, secret } : { ok: true, webhook };
    },

    async delete(owner, id) {
      if (!(await owned(owner, id))) return false;
      return store.delete(id);
    },

    async deliveries(owner, id, page) {
      if (!(await owned(owner, id))) return undefined;
      return outbox.listDeliveries(id, page);
    },

    async sendTest(owner, id) {
      if (!(await owned(owner, id))) return undefined;
      const eventId = await outbox.enqueueTest(id, owner, clock(), policy.retryWindowMs);
      deps.onQueued?.();
      return eventId;
    },
  };
}

import type { Mailer } from '../accounts/mailer.js';
import type { NotificationPolicy } from '../config/notification-settings.js';
import { openEnvelope } from '../crypto/envelope.js';
import type { MasterKeyRing } from '../crypto/master-key-ring.js';
import { formatDateTime } from '../web/i18n/formatting.js';
import { DEFAULT_LANGUAGE, resolveLanguage, type LanguageCode } from '../web/i18n/languages.js';
import type { Translate } from '../web/i18n/translator.js';
import { EVENT_CATALOGUE } from './event-catalogue.js';
import type { ClaimedDelivery } from './outbox-store.js';
import { webhookBody } from './webhook-body.js';
import { postWebhook, type WebhookPostResult } from './webhook-sender.js';
import { signWebhook } from './webhook-signature.js';
import type { WebhookStore } from './webhook-store.js';

/** Where a webhook's signing secret is sealed (the envelope's associated data). */
export const WEBHOOK_SECRET_CONTEXT = { pushToken: 'webhook', field: 'secret' } as const;

/** An attempt's result. `permanent`: retrying cannot help (the webhook or account is gone). */
export type DeliveryOutcome =
  | { readonly ok: true; readonly status: number | null; readonly response: string | null }
  | { readonly ok: false; readonly status: number | null; readonly error: string; readonly response: string | null; readonly permanent?: boolean };

export type DeliverFunction = (delivery: ClaimedDelivery, now: number) => Promise<DeliveryOutcome>;

/**
 * Attempts one delivery: a signed POST to a webhook (Standard Webhooks headers webhook-id,
 * webhook-timestamp, webhook-signature), or a receipt email to the push's owner.
 */
export function createNotificationDelivery(deps: {
  webhooks: WebhookStore;
  keys: MasterKeyRing;
  mailer: Mailer;
  findUserEmail: (userId: number) => Promise<string | undefined>;
  policy: NotificationPolicy;
  /** How a product name appears in receipt emails. */
  brandTitle: string;
  /** Sends link emails (channel 'link_email'; src/notifications/link-email-delivery.ts). */
  linkEmail?: DeliverFunction;
  /** The language the account chose for receipt emails (its receipts page), if any. */
  findReceiptLocale?: (userId: number) => Promise<string | undefined>;
  /** The catalog in a language, as link emails use it; without it receipts are in English. */
  translate?: (code: LanguageCode) => Translate;
}): DeliverFunction {
  const describe = new Map<string, string>(EVENT_CATALOGUE.map((event) => [event.type, event.description]));

  /** A receipt's subject and text in the owner's chosen language (English by default), through the catalog. */
  async function receiptMail(delivery: ClaimedDelivery): Promise<{ subject: string; text: string }> {
    const { event } = delivery;
    const name = event.subjectName === '' ? `#${event.pushId ?? event.requestId}` : `“${event.subjectName}”`;
    const chosen = delivery.userId === null ? undefined : await deps.findReceiptLocale?.(delivery.userId);
    if (!deps.translate) {
      const what = event.pushId !== null ? 'push' : 'request';
      return {
        subject: `${deps.brandTitle}: your ${what} ${name} — ${event.type}`,
        text: `${describe.get(event.type) ?? event.type}\n\n${what}: ${name}\nwhen: ${new Date(event.occurredAt).toISOString()}\nevent: ${event.eventId}\n\nYou asked for this receipt; change which ones you get in your account settings.\n`,
      };
    }
    const lang = (chosen === undefined ? undefined : resolveLanguage(chosen)) ?? DEFAULT_LANGUAGE;
    const t = deps.translate(lang);
    const values = {
      site: deps.brandTitle,
      name,
      event: t(`notificationEvents.${event.type}`, { defaultValue: event.type }),
      // The catalogs say "(UTC)" after it.
      when: formatDateTime(lang, event.occurredAt, { zoneName: false }),
      eventId: event.eventId,
    };
    return {
      subject: t(event.pushId !== null ? 'email.receipt.subjectPush' : 'email.receipt.subjectRequest', values),
      text: t('email.receipt.body', values),
    };
  }

  return async (delivery, now) => {
    const { event } = delivery;
    if (delivery.channel === 'link_email') {
      return deps.linkEmail ? deps.linkEmail(delivery, now) : { ok: false, status: null, error: 'link emails are not set up', response: null, permanent: true };
    }
    if (delivery.channel === 'email') {
      if (!deps.mailer.enabled) return { ok: false, status: null, error: 'no SMTP server is configured', response: null, permanent: true };
      const to = delivery.userId === null ? undefined : await deps.findUserEmail(delivery.userId);
      if (!to) return { ok: false, status: null, error: 'the account is gone', response: null, permanent: true };
      const sent = await deps.mailer.send({ to, ...(await receiptMail(delivery)) });
      return sent.ok ? { ok: true, status: null, response: null } : { ok: false, status: null, error: sent.reason, response: null };
    }
    const webhook = delivery.webhookId === null ? undefined : await deps.webhooks.find(delivery.webhookId);
    if (!webhook) return { ok: false, status: null, error: 'the webhook is gone', response: null, permanent: true };
    if (!webhook.enabled && event.type !== 'webhook.test') return { ok: false, status: null, error: 'the webhook is turned off', response: null, permanent: true };
    const secret = openEnvelope(webhook.secretEnvelope, deps.keys, WEBHOOK_SECRET_CONTEXT).toString('utf8');
    const body = JSON.stringify(webhookBody(event));
    const timestamp = Math.floor(now / 1000);
    const result: WebhookPostResult = await postWebhook({
      url: webhook.url,
      body,
      headers: { 'webhook-id': event.eventId, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(secret, event.eventId, timestamp, body) },
      timeoutMs: deps.policy.webhookTimeoutMs,
      allowPrivateAddresses: deps.policy.allowPrivateAddresses,
    });
    return result;
  };
}

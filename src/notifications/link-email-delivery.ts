import { openEnvelope } from '../crypto/envelope.js';
import type { MasterKeyRing } from '../crypto/master-key-ring.js';
import type { Mailer } from '../accounts/mailer.js';
import { DEFAULT_LANGUAGE, resolveLanguage, type LanguageCode } from '../web/i18n/languages.js';
import { formatDateTime } from '../web/i18n/formatting.js';
import { linkInLanguage } from '../web/i18n/locale-link.js';
import type { Translate } from '../web/i18n/translator.js';
import { linkEmailEnvelopeContext, type LinkEmailStore } from './link-email-store.js';
import type { DeliverFunction } from './notification-delivery.js';

/**
 * Sends one link email (a delivery of channel 'link_email'): the push's link to one recipient, in the
 * language the sender chose, naming the sender's email address (never the push's private name or note).
 * The link is built from PASSDROP_BASE_URL, or for an end-to-end push is the whole link the sender sent.
 * A push that expired or was deleted before the mail went is not mailed (a permanent failure).
 */
export function createLinkEmailDelivery(deps: {
  store: LinkEmailStore;
  keys: MasterKeyRing;
  mailer: Mailer;
  findUserEmail: (userId: number) => Promise<string | undefined>;
  /** PASSDROP_BASE_URL without its trailing slash. */
  siteUrl: string | undefined;
  brandTitle: string;
  /** The push's secret link under `siteUrl` (src/pushes/secret-link.ts). */
  secretUrl: (siteUrl: string, push: { token: string; retrievalStep: boolean }) => string;
  translate: (code: LanguageCode) => Translate;
}): DeliverFunction {
  const fail = (error: string) => ({ ok: false as const, status: null, error, response: null, permanent: true });
  return async (delivery, now) => {
    if (!deps.mailer.enabled || deps.siteUrl === undefined) return fail('no SMTP server or PASSDROP_BASE_URL is configured');
    const record = delivery.linkEmailId === null ? undefined : await deps.store.find(delivery.linkEmailId);
    if (!record) return fail('the push is gone');
    if (record.push.expired || record.push.expiresAt <= now) return fail('the push expired before the email was sent');
    const recipients = JSON.parse(openEnvelope(record.recipientsEnvelope, deps.keys, linkEmailEnvelopeContext(record.push.token, 'notify_recipients')).toString('utf8')) as string[];
    const to = delivery.recipientIndex === null ? undefined : recipients[delivery.recipientIndex];
    if (to === undefined) return fail('no such recipient');
    const link =
      record.linkEnvelope === null
        ? deps.secretUrl(deps.siteUrl, record.push)
        : openEnvelope(record.linkEnvelope, deps.keys, linkEmailEnvelopeContext(record.push.token, 'notify_link')).toString('utf8');
    const sender = (await deps.findUserEmail(record.userId)) ?? '';
    const lang = resolveLanguage(record.locale) ?? DEFAULT_LANGUAGE;
    const t = deps.translate(lang);
    const values = { site: deps.brandTitle, sender, // English, the default, is left to the recipient's browser (the stored language cannot tell it was chosen).
      link: linkInLanguage(link, lang === DEFAULT_LANGUAGE ? undefined : lang), expires: formatDateTime(lang, record.push.expiresAt) };
    const text = `${t('email.pushLink.body', values)}${record.push.passphraseProtected ? `\n${t('email.pushLink.passphrase', values)}\n` : ''}`;
    const sent = await deps.mailer.send({ to, subject: t('email.pushLink.subject', values), text });
    return sent.ok ? { ok: true, status: null, response: null } : { ok: false, status: null, error: sent.reason, response: null };
  };
}

import QRCode from 'qrcode';
import { secretUrl } from '../../pushes/secret-link.js';
import type { PushRecord } from '../../pushes/push-record.js';
import { formatDateTime, formatNumber } from '../i18n/formatting.js';
import { languageOf, textDirection, type LanguageCode } from '../i18n/languages.js';
import { linkInLanguage } from '../i18n/locale-link.js';
import { html, trusted } from '../html.js';
import { renderPage, type PageContext } from '../layout.js';

/** A moment in the page's language (src/web/i18n/formatting.ts), in UTC until the page's script shows it in the reader's zone. */
export function formatTime(context: PageContext, epochMs: number): string {
  return formatDateTime(context.lang, epochMs);
}

/**
 * The creator's page after creating a push. For an end-to-end push the key exists only in this
 * browser's URL fragment, so the browser module completes the link, its QR code and the message.
 * `linkEmailed`: how many link emails the create form queued, or `failed` when none could be (shown as a notice).
 */
export async function renderSharePage(
  context: PageContext,
  push: PushRecord,
  baseUrl: string,
  options: {
    readonly linkEmailed?: number | 'failed' | undefined;
    /** The recipient's language (push_locale): the link carries `?locale=` and the share message is in it. */
    readonly recipientLanguage?: LanguageCode | undefined;
  } = {},
): Promise<string> {
  const { t } = context;
  const emailed = options.linkEmailed;
  const emailNotice =
    emailed === undefined
      ? ''
      : emailed === 'failed'
        ? html`<div class="alert" role="status" data-link-emailed="failed"><p>${t('linkEmail.createNotSent')}</p></div>`
        : html`<div class="alert info" role="status" data-link-emailed="${emailed}"><p>${t('linkEmail.queued', { count: emailed })}</p></div>`;
  const recipient = options.recipientLanguage;
  const link = linkInLanguage(secretUrl(baseUrl, push), recipient);
  // The message is for the recipient: in their language when the sender chose one.
  const messageT = recipient !== undefined && context.translate ? context.translate(recipient) : t;
  const messageLang = recipient ?? context.lang;
  const endToEnd = push.encryption === 'client';
  const protectedByPassphrase = push.passphraseRecord !== null;
  const expires = formatTime(context, push.expiresAt);
  const message = [
    messageT('share.messageIntro'),
    link,
    messageT('share.messageExpiry', { count: push.viewsRemaining, time: formatDateTime(messageLang, push.expiresAt) }),
    protectedByPassphrase ? messageT('share.messagePassphrase') : '',
  ]
    .filter(Boolean)
    .join('\n');
  const qr = endToEnd ? '' : await QRCode.toString(link, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });

  const body = html`<h1>${t('share.heading')}</h1>
${emailNotice}
<p>${t('share.intro')}</p>
<div class="field">
  <label for="secret-link">${t('share.linkLabel')}</label>
  <div class="copy-row">
    <input id="secret-link" type="text" readonly value="${link}" data-share-link data-base-link="${link}" data-token="${push.token}" spellcheck="false">
    <button type="button" class="primary js-only" data-copy="secret-link">${t('common.copy')}</button>
  </div>
  ${endToEnd ? html`<p class="hint no-js-only">${t('share.needsJavaScript')}</p>` : ''}
</div>
<div class="share-grid">
  <figure class="qr" data-qr-target>
    ${trusted(qr)}
    <figcaption>${t('share.qrCaption')}</figcaption>
  </figure>
  <div class="field">
    <label for="share-message">${t('share.messageLabel')}</label>
    <textarea id="share-message" rows="6" readonly lang="${messageLang}" dir="${textDirection(messageLang)}" data-share-message data-template="${message}">${message}</textarea>
    <button type="button" class="secondary js-only" data-copy="share-message">${t('share.copyMessage')}</button>
  </div>
</div>
${protectedByPassphrase ? html`<div class="alert info"><p>${t('share.passphraseReminder')}</p></div>` : ''}
<dl class="facts">
  <dt>${t('share.expires')}</dt><dd><time datetime="${new Date(push.expiresAt).toISOString()}" data-local-time>${expires}</time></dd>
  <dt>${t('share.views')}</dt><dd>${formatNumber(context.lang, push.viewsRemaining)}</dd>
  <dt>${t('share.encryption')}</dt><dd>${endToEnd ? t('share.encryptionBrowser') : t('share.encryptionServer')}</dd>
  ${recipient === undefined ? '' : html`<dt>${t('create.recipientLanguageLabel')}</dt><dd lang="${recipient}" data-recipient-language="${recipient}">${languageOf(recipient).name}</dd>`}
  <dt>${t('share.retrievalStep')}</dt><dd>${push.retrievalStep ? t('common.yes') : t('common.no')}</dd>
</dl>
<p class="form-actions"><a href="${context.path(`/`)}" class="button secondary">${t('share.another')}</a></p>`;

  return renderPage(context, {
    title: t('share.heading'),
    body,
    scripts: ['share-page'],
    browserStrings: { copied: t('common.copied'), copy: t('common.copy'), qrCaption: t('share.qrCaption') },
  });
}

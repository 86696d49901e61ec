import type { PushRecord } from '../../pushes/push-record.js';
import { html, type SafeHtml } from '../html.js';
import { brandMark, icon } from '../icons.js';
import type { PageContext } from '../layout.js';
import { formatTime } from './share-page.js';

/**
 * Who is showing the recipient this page: the instance's name (the brand's title where the operator shows
 * branding on recipient pages, else Passdrop, as in the header) and the host in the address bar.
 */
export function senderLine(context: PageContext): SafeHtml {
  const { t, brand } = context;
  const name = brand.onDeliveryPages ? brand.title : 'Passdrop';
  return html`<p class="sender">${brandMark()}<span><strong>${name}</strong>${context.host ? html`<span>${t('deliver.trust.instance')} <bdi class="ltr-value" dir="ltr">${context.host}</bdi></span>` : ''}</span></p>`;
}

/**
 * What a recipient can check before revealing, so the page does not read like phishing: what revealing
 * does, how long the secret stays, and how it was protected (in the sender's browser or on this server,
 * with or without a passphrase). Marked `data-step-info`: the reveal module removes it once revealed.
 */
export function trustList(context: PageContext, push: PushRecord): SafeHtml {
  const { t } = context;
  const sprite = context.assets.url('icons.svg');
  const endToEnd = push.encryption === 'client';
  const item = (name: Parameters<typeof icon>[1], title: string, body: SafeHtml | string) =>
    html`<li>${icon(sprite, name)}<div><strong>${title}</strong>${body}</div></li>`;
  return html`<ul class="trust" data-step-info>
  ${item('eye', t('deliver.trust.revealTitle'), html`<span>${t('deliver.intro', { count: push.viewsRemaining })}</span>`)}
  ${item('clock', t('deliver.trust.stayTitle'), html`<span>${t('deliver.remaining', { count: push.viewsRemaining })} <time datetime="${new Date(push.expiresAt).toISOString()}" data-local-time>${formatTime(context, push.expiresAt)}</time></span>`)}
  ${item(
    'shield-check',
    t('deliver.trust.protectedTitle'),
    html`<span>${endToEnd ? t('deliver.trust.protectedE2e') : t('deliver.trust.protectedServer')}${push.passphraseRecord !== null ? html` ${t('deliver.trust.passphrase')}` : ''}</span>`,
  )}
</ul>
<p class="hint trust-note" data-step-info>${t('deliver.trust.unexpected')}</p>`;
}

import type { FieldProblem } from '../../errors/app-error.js';
import { RECEIPT_EVENT_TYPES } from '../../notifications/event-catalogue.js';
import type { InboxEntry, ReceiptChoice } from '../../notifications/receipt-store.js';
import type { PushRecord } from '../../pushes/push-record.js';
import { notice, problemFor } from '../form-fields.js';
import { html, type SafeHtml } from '../html.js';
import { languageOptions } from '../language-options.js';
import { csrfField, renderPage, type PageContext } from '../layout.js';
import { pagination, time } from './dashboard-pages.js';
import { eventLabel } from './webhook-pages.js';

function choiceFields(context: PageContext, choice: ReceiptChoice, problems: readonly FieldProblem[], disabled = false): SafeHtml {
  const { t } = context;
  const off = disabled ? html` disabled` : '';
  const problem = problemFor(problems, 'events');
  return html`<fieldset${off}>
  <legend>${t('receipts.events')}</legend>
  <div class="checks">${RECEIPT_EVENT_TYPES.map(
    (type) => html`<div class="check"><input type="checkbox" id="receipt-${type}" name="events" value="${type}"${choice.events.includes(type) ? html` checked` : ''}><label for="receipt-${type}">${eventLabel(context, type)}</label></div>`,
  )}</div>
  ${problem ? html`<p class="field-error">${problem}</p>` : ''}
</fieldset>
<fieldset${off}>
  <legend>${t('receipts.channels')}</legend>
  <div class="checks">
    <div class="check"><input type="checkbox" id="receipt-dashboard" name="on_dashboard" value="1"${choice.onDashboard ? html` checked` : ''}><label for="receipt-dashboard">${t('receipts.onDashboard')}</label></div>
    <div class="check"><input type="checkbox" id="receipt-email" name="by_email" value="1"${choice.byEmail ? html` checked` : ''}><label for="receipt-email">${t('receipts.byEmail')}</label></div>
  </div>
</fieldset>`;
}

/** /account/notifications: the account's default receipts, with links to the inbox and webhooks. */
export function renderReceiptSettings(context: PageContext, choice: ReceiptChoice, state: { info?: string | undefined; problems?: readonly FieldProblem[]; mailEnabled: boolean }): string {
  const { t } = context;
  const body = html`<p><a href="${context.path('/account')}">${t('account.settings.heading')}</a></p>
<h1>${t('receipts.heading')}</h1>
<p>${t('receipts.intro')}</p>
${notice(state.info, 'info')}
<form method="post" action="${context.path('/account/notifications')}" class="narrow-form" novalidate>
  ${csrfField(context)}
  ${choiceFields(context, choice, state.problems ?? [])}
  ${state.mailEnabled
    ? html`<div class="field"><label for="field-locale">${t('linkEmail.language')}</label>
    <select id="field-locale" name="locale">${languageOptions(choice.locale ?? context.lang)}</select></div>`
    : html`<p class="hint">${t('receipts.noMail')}</p>`}
  <button type="submit" class="primary">${t('receipts.save')}</button>
</form>
<p><a href="${context.path('/account/inbox')}">${t('receipts.inbox')}</a> · <a href="${context.path('/account/webhooks')}">${t('webhooks.manage')}</a></p>`;
  return renderPage(context, { title: t('receipts.heading'), body });
}

/** /account/inbox: the receipts shown on the dashboard, newest first, unread ones marked. */
export function renderInbox(context: PageContext, view: { entries: readonly InboxEntry[]; page: number; hasMore: boolean; unread: number }, info?: string): string {
  const { t } = context;
  const body = html`<h1>${t('receipts.inbox')}</h1>
${notice(info, 'info')}
${view.unread > 0
  ? html`<form method="post" action="${context.path('/account/inbox/read')}">${csrfField(context)}<button type="submit" class="secondary">${t('receipts.markAllRead')}</button></form>`
  : ''}
${view.entries.length === 0
  ? html`<p>${t('receipts.empty')} <a href="${context.path('/account/notifications')}">${t('receipts.choose')}</a></p>`
  : html`<div class="table-wrap" role="region" tabindex="0" aria-label="${t('receipts.inbox')}"><table class="list">
  <thead><tr><th scope="col">${t('receipts.what')}</th><th scope="col">${t('receipts.which')}</th><th scope="col">${t('receipts.when')}</th></tr></thead>
  <tbody>${view.entries.map(
    (entry) => html`<tr${entry.readAt === null ? html` class="unread"` : ''}>
  <td>${entry.readAt === null ? html`<span class="badge badge-count">${t('receipts.new')}</span> ` : ''}${eventLabel(context, entry.type)}</td>
  <td>${entry.subjectName || t('dashboard.unnamed')}</td>
  <td>${time(context, entry.occurredAt)}</td>
</tr>`,
  )}</tbody>
</table></div>`}
${pagination(context, view.page, view.hasMore, (page) => context.path(`/account/inbox?page=${String(page)}`))}`;
  return renderPage(context, { title: t('receipts.inbox'), body, wide: true });
}

/** The push page's receipt choice: the account's defaults, or this push's own events and channels. */
export function pushReceiptsSection(context: PageContext, push: PushRecord, own: ReceiptChoice | undefined, defaults: ReceiptChoice, problems: readonly FieldProblem[] = []): SafeHtml {
  const { t } = context;
  return html`<section aria-labelledby="receipts-heading">
<h2 id="receipts-heading">${t('receipts.pushHeading')}</h2>
<form method="post" action="${context.path(`/dashboard/pushes/${push.token}/receipts`)}" class="narrow-form" novalidate>
  ${csrfField(context)}
  <div class="checks">
    <div class="check"><input type="radio" id="receipts-default" name="mode" value="default"${own ? '' : html` checked`}><label for="receipts-default">${t('receipts.useDefaults')}</label></div>
    <div class="check"><input type="radio" id="receipts-own" name="mode" value="own"${own ? html` checked` : ''}><label for="receipts-own">${t('receipts.useOwn')}</label></div>
  </div>
  ${choiceFields(context, own ?? defaults, problems)}
  <button type="submit" class="primary">${t('receipts.save')}</button>
</form>
</section>`;
}

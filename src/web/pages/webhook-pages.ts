import type { FieldProblem } from '../../errors/app-error.js';
import { WEBHOOK_EVENT_TYPES } from '../../notifications/event-catalogue.js';
import type { DeliveryLogEntry } from '../../notifications/outbox-store.js';
import type { WebhookRecord } from '../../notifications/webhook-store.js';
import { inputField, notice, problemFor } from '../form-fields.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField, renderPage, type PageContext } from '../layout.js';
import { pagination, time } from './dashboard-pages.js';

/** Where the pages live and whose webhooks they show: an account's (/account/webhooks) or the instance's (/admin/webhooks). */
export interface WebhookPagesScope {
  /** '/account/webhooks' or '/admin/webhooks'. */
  readonly base: string;
  readonly instance: boolean;
}

export interface WebhookFormState {
  readonly values?: { readonly url?: string; readonly description?: string; readonly events?: readonly string[] };
  readonly problems?: readonly FieldProblem[];
  readonly message?: string | undefined;
  readonly info?: string | undefined;
  /** A secret just made (on create or rotation): shown in this page only. */
  readonly secret?: string | undefined;
}

/** The field problems of a webhook form in the reader's language (the service speaks stable English). */
export function translateWebhookProblems(context: PageContext, problems: readonly FieldProblem[]): FieldProblem[] {
  const { t } = context;
  return problems.map((problem) => {
    if (problem.field === 'url') {
      if (problem.code === 'non_public_address') return { ...problem, message: t('webhooks.problem.nonPublic', { address: String(problem.params?.address ?? '') }) };
      if (problem.code === 'unresolvable_host') return { ...problem, message: t('webhooks.problem.unresolvable', { host: String(problem.params?.host ?? '') }) };
      return { ...problem, message: t('webhooks.problem.url') };
    }
    if (problem.field === 'events') return { ...problem, message: t('webhooks.problem.events') };
    return problem;
  });
}

/** A catalogue event's name for people ('push.revealed' → "Revealed"). */
export function eventLabel(context: PageContext, type: string): string {
  return context.t(`notificationEvents.${type}`);
}

function eventChoices(context: PageContext, chosen: readonly string[], problem: string | undefined): SafeHtml {
  const { t } = context;
  return html`<fieldset${problem ? html` aria-describedby="field-events-error"` : ''}>
  <legend>${t('webhooks.events')}</legend>
  <div class="checks">${WEBHOOK_EVENT_TYPES.map(
    (type) => html`<div class="check"><input type="checkbox" id="event-${type}" name="events" value="${type}"${chosen.includes(type) ? html` checked` : ''}><label for="event-${type}">${eventLabel(context, type)} <code>${type}</code></label></div>`,
  )}</div>
  ${problem ? html`<p class="field-error" id="field-events-error">${problem}</p>` : ''}
</fieldset>`;
}

function secretNotice(context: PageContext, secret: string | undefined): SafeHtml | string {
  const { t } = context;
  if (!secret) return '';
  return html`<section class="alert info" aria-labelledby="new-secret-heading">
  <h2 id="new-secret-heading">${t('webhooks.secretHeading')}</h2>
  <p>${t('webhooks.secretIntro')}</p>
  <p class="copy-row"><input id="new-secret" type="text" readonly value="${secret}" aria-labelledby="new-secret-heading"><button type="button" class="secondary js-only" data-copy="new-secret">${t('common.copy')}</button></p>
</section>`;
}

function enabledBadge(context: PageContext, webhook: WebhookRecord): SafeHtml {
  const { t } = context;
  return webhook.enabled ? html`<span class="badge badge-active">${t('webhooks.on')}</span>` : html`<span class="badge badge-expired">${t('webhooks.off')}</span>`;
}

/** The list of webhooks with the form to add one. */
export function renderWebhookList(context: PageContext, scope: WebhookPagesScope, webhooks: readonly WebhookRecord[], state: WebhookFormState = {}): string {
  const { t } = context;
  const problems = state.problems ?? [];
  const heading = scope.instance ? t('webhooks.instanceHeading') : t('webhooks.heading');
  const body = html`<p><a href="${context.path(scope.instance ? '/admin' : '/account')}">${scope.instance ? t('nav.admin') : t('account.settings.heading')}</a></p>
<h1>${heading}</h1>
<p>${scope.instance ? t('webhooks.instanceIntro') : t('webhooks.intro')} <a href="${context.path('/api/docs/')}">${t('webhooks.docsLink')}</a></p>
${notice(state.info, 'info')}${notice(state.message)}
${secretNotice(context, state.secret)}
${webhooks.length === 0
  ? html`<p>${t('webhooks.none')}</p>`
  : html`<div class="table-wrap" role="region" tabindex="0" aria-label="${heading}"><table class="list">
  <thead><tr><th scope="col">${t('webhooks.url')}</th><th scope="col">${t('webhooks.events')}</th><th scope="col">${t('webhooks.state')}</th><th scope="col">${t('webhooks.created')}</th></tr></thead>
  <tbody>${webhooks.map(
    (webhook) => html`<tr>
  <td><a href="${context.path(`${scope.base}/${String(webhook.id)}`)}"><code>${webhook.url}</code></a>${webhook.description ? html`<br><span class="muted">${webhook.description}</span>` : ''}</td>
  <td>${webhook.events.map((type) => html`<code>${type}</code> `)}</td>
  <td>${enabledBadge(context, webhook)}</td>
  <td>${time(context, webhook.createdAt)}</td>
</tr>`,
  )}</tbody>
</table></div>`}
<section aria-labelledby="create-webhook-heading">
  <h2 id="create-webhook-heading">${t('webhooks.createHeading')}</h2>
  <form method="post" action="${context.path(scope.base)}" class="narrow-form" novalidate>
    ${csrfField(context)}
    ${inputField({ name: 'url', label: t('webhooks.url'), hint: t('webhooks.urlHint'), required: true, value: state.values?.url, problem: problemFor(problems, 'url'), attributes: html` maxlength="2000" inputmode="url" spellcheck="false"` })}
    ${eventChoices(context, state.values?.events ?? [], problemFor(problems, 'events'))}
    ${inputField({ name: 'description', label: t('webhooks.description'), value: state.values?.description, problem: problemFor(problems, 'description'), attributes: html` maxlength="200"` })}
    <button type="submit" class="primary">${t('webhooks.create')}</button>
  </form>
</section>`;
  return renderPage(context, { title: heading, body, wide: true });
}

function deliveryStatus(context: PageContext, entry: DeliveryLogEntry): SafeHtml {
  const { t } = context;
  switch (entry.status) {
    case 'delivered':
      return html`<span class="badge badge-active">${t('webhooks.delivered')}</span>`;
    case 'failed':
      return html`<span class="badge badge-expired">${t('webhooks.failed')}</span>`;
    case 'pending':
      return html`<span class="badge">${t('webhooks.pending')}</span>`;
    default:
      throw new Error(`unhandled delivery status ${String(entry.status satisfies never)}`);
  }
}

/** One webhook: its settings, the "send test event" button, and its delivery log with the last answers. */
export function renderWebhookDetail(
  context: PageContext,
  scope: WebhookPagesScope,
  webhook: WebhookRecord,
  log: { readonly entries: readonly DeliveryLogEntry[]; readonly page: number; readonly hasMore: boolean },
  state: WebhookFormState = {},
): string {
  const { t } = context;
  const problems = state.problems ?? [];
  const self = `${scope.base}/${String(webhook.id)}`;
  const action = (suffix: string) => context.path(`${self}/${suffix}`);
  const body = html`<p><a href="${context.path(scope.base)}">${scope.instance ? t('webhooks.instanceHeading') : t('webhooks.heading')}</a></p>
<h1>${t('webhooks.detailHeading')} ${enabledBadge(context, webhook)}</h1>
<p><code>${webhook.url}</code></p>
${notice(state.info, 'info')}${notice(state.message)}
${secretNotice(context, state.secret)}
<div class="actions">
  <form method="post" action="${action('test')}" class="inline-form">${csrfField(context)}<button type="submit" class="primary">${t('webhooks.sendTest')}</button></form>
  <form method="post" action="${action(webhook.enabled ? 'disable' : 'enable')}" class="inline-form">${csrfField(context)}<button type="submit" class="secondary">${webhook.enabled ? t('webhooks.disable') : t('webhooks.enable')}</button></form>
  <form method="post" action="${action('rotate-secret')}" class="inline-form">${csrfField(context)}<button type="submit" class="secondary">${t('webhooks.rotateSecret')}</button></form>
  <form method="post" action="${action('delete')}" class="inline-form">${csrfField(context)}<button type="submit" class="danger">${t('webhooks.delete')}</button></form>
</div>
<section aria-labelledby="deliveries-heading">
  <h2 id="deliveries-heading">${t('webhooks.deliveries')}</h2>
  ${log.entries.length === 0
    ? html`<p>${t('webhooks.noDeliveries')}</p>`
    : html`<div class="table-wrap" role="region" tabindex="0" aria-labelledby="deliveries-heading"><table class="list">
  <thead><tr><th scope="col">${t('webhooks.event')}</th><th scope="col">${t('webhooks.state')}</th><th scope="col">${t('webhooks.attempts')}</th><th scope="col">${t('webhooks.lastAttempt')}</th><th scope="col">${t('webhooks.lastAnswer')}</th></tr></thead>
  <tbody>${log.entries.map(
    (entry) => html`<tr>
  <td><code>${entry.type}</code><br><span class="muted"><code>${entry.eventId}</code></span></td>
  <td>${deliveryStatus(context, entry)}${entry.nextAttemptAt !== null ? html`<br><span class="muted">${t('webhooks.nextAttempt')} ${time(context, entry.nextAttemptAt)}</span>` : ''}</td>
  <td>${String(entry.attempts)}</td>
  <td>${entry.lastAttemptAt === null ? '—' : time(context, entry.lastAttemptAt)}</td>
  <td>${entry.lastStatus === null ? '' : html`<strong>HTTP ${String(entry.lastStatus)}</strong> `}${entry.lastError ? html`<span class="field-error">${entry.lastError}</span>` : ''}${entry.lastResponse ? html`<pre class="response-excerpt">${entry.lastResponse}</pre>` : ''}</td>
</tr>`,
  )}</tbody>
</table></div>`}
  ${pagination(context, log.page, log.hasMore, (page) => context.path(`${self}?page=${String(page)}`))}
</section>
<section aria-labelledby="edit-webhook-heading">
  <h2 id="edit-webhook-heading">${t('webhooks.editHeading')}</h2>
  <form method="post" action="${context.path(self)}" class="narrow-form" novalidate>
    ${csrfField(context)}
    ${inputField({ name: 'url', label: t('webhooks.url'), hint: t('webhooks.urlHint'), required: true, value: state.values?.url ?? webhook.url, problem: problemFor(problems, 'url'), attributes: html` maxlength="2000" inputmode="url" spellcheck="false"` })}
    ${eventChoices(context, state.values?.events ?? webhook.events, problemFor(problems, 'events'))}
    ${inputField({ name: 'description', label: t('webhooks.description'), value: state.values?.description ?? webhook.description, problem: problemFor(problems, 'description'), attributes: html` maxlength="200"` })}
    <button type="submit" class="primary">${t('webhooks.save')}</button>
  </form>
</section>`;
  return renderPage(context, { title: t('webhooks.detailHeading'), body, wide: true });
}

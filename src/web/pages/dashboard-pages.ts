import type { FieldProblem } from '../../errors/app-error.js';
import { SERVER_PUSH_KINDS } from '../../pushes/push-kinds.js';
import type { AuditEvent, PushRecord } from '../../pushes/push-record.js';
import { inputField, notice, problemFor } from '../form-fields.js';
import { html, type SafeHtml } from '../html.js';
import { icon } from '../icons.js';
import { csrfField, renderPage, type PageContext } from '../layout.js';
import { formatTime } from './share-page.js';

export interface DashboardQuery {
  readonly status: 'active' | 'expired';
  readonly kind: string | undefined;
  readonly search: string | undefined;
  readonly page: number;
}

/** A time: the exact UTC time as text, which the page's script turns into "in 6 days" with the exact local time on hover. */
export function time(context: PageContext, epochMs: number): SafeHtml {
  return html`<time datetime="${new Date(epochMs).toISOString()}" data-relative title="${formatTime(context, epochMs)}">${formatTime(context, epochMs)}</time>`;
}

/** The status badge of a push: active, expired (with why) or end-to-end beside it. */
export function statusBadge(context: PageContext, push: PushRecord): SafeHtml {
  const { t } = context;
  const sprite = context.assets.url('icons.svg');
  const status = push.expired
    ? html`<span class="badge badge-expired">${icon(sprite, 'hourglass')}${t('dashboard.statusExpired')}</span>`
    : html`<span class="badge badge-active">${icon(sprite, 'circle-check')}${t('dashboard.statusActive')}</span>`;
  return push.encryption === 'client' ? html`<span class="badges">${status} <span class="badge badge-e2e">${icon(sprite, 'shield-check')}${t('dashboard.endToEnd')}</span></span>` : status;
}

function queryString(query: DashboardQuery, page: number): string {
  const params = new URLSearchParams({ status: query.status });
  if (query.kind) params.set('kind', query.kind);
  if (query.search) params.set('q', query.search);
  if (page > 1) params.set('page', String(page));
  return `?${params.toString()}`;
}

export function pagination(context: PageContext, page: number, hasMore: boolean, href: (page: number) => string): SafeHtml {
  const { t } = context;
  // One page needs no page navigation (a lone "Page 1" says nothing).
  if (page === 1 && !hasMore) return html``;
  return html`<nav class="pagination" aria-label="${t('dashboard.pages')}">
  ${page > 1 ? html`<a href="${href(page - 1)}" rel="prev">${t('dashboard.previous')}</a>` : ''}
  <span>${t('dashboard.page', { page })}</span>
  ${hasMore ? html`<a href="${href(page + 1)}" rel="next">${t('dashboard.next')}</a>` : ''}
</nav>`;
}

export function renderDashboard(context: PageContext, query: DashboardQuery, pushes: readonly PushRecord[], total: number, perPage: number): string {
  const { t } = context;
  const tab = (status: 'active' | 'expired') =>
    html`<a class="tab" href="${queryString({ ...query, status, page: 1 }, 1)}"${status === query.status ? html` aria-current="page"` : ''}>${t(`dashboard.${status}`)}</a>`;
  const expiresLabel = t(query.status === 'active' ? 'dashboard.expires' : 'dashboard.expiredAt');
  const rows = pushes.map(
    (push) => html`<tr>
  <td data-label="${t('dashboard.name')}"><a href="${context.path(`/dashboard/pushes/${push.token}`)}">${push.name || t('dashboard.unnamed')}</a></td>
  <td data-label="${t('dashboard.status')}">${statusBadge(context, push)}</td>
  <td data-label="${t('dashboard.kind')}">${t(`kind.${push.kind}`)}</td>
  <td data-label="${t('dashboard.created')}">${time(context, push.createdAt)}</td>
  <td data-label="${expiresLabel}">${push.expired ? html`${push.expiredAt ? time(context, push.expiredAt) : ''} (${t(`dashboard.reason.${push.expireReason ?? 'time'}`)})` : html`${time(context, push.expiresAt)}`}</td>
  <td data-label="${t('dashboard.viewsLeft')}">${push.expired ? '—' : String(push.viewsRemaining)}</td>
</tr>`,
  );
  const body = html`<div class="page-header"><h1>${t('dashboard.heading')}</h1><a class="button primary" href="${context.path(`/`)}">${icon(context.assets.url('icons.svg'), 'plus')}<span>${t('layout.newPush')}</span></a></div>
<nav class="tabs" aria-label="${t('dashboard.statusNavigation')}">${tab('active')}${tab('expired')}</nav>
<form method="get" action="${context.path(`/dashboard`)}" class="filters" role="search">
  <input type="hidden" name="status" value="${query.status}">
  <div class="field"><label for="filter-kind">${t('dashboard.kind')}</label>
    <select id="filter-kind" name="kind">
      <option value="">${t('dashboard.allKinds')}</option>
      ${SERVER_PUSH_KINDS.map((kind) => html`<option value="${kind}"${kind === query.kind ? html` selected` : ''}>${t(`kind.${kind}`)}</option>`)}
    </select></div>
  ${inputField({ name: 'q', label: t('dashboard.search'), value: query.search ?? '', attributes: html` type="search"` })}
  <button type="submit" class="secondary">${t('dashboard.filter')}</button>
</form>
<p>${t('dashboard.count', { count: total })}</p>
${pushes.length === 0
  ? html`<div class="empty">${icon(context.assets.url('icons.svg'), 'inbox')}<p>${t('dashboard.empty')}</p><a class="button primary" href="${context.path(`/`)}">${icon(context.assets.url('icons.svg'), 'plus')}<span>${t('layout.newPush')}</span></a></div>`
  : html`<div class="table-wrap stack-on-phone" role="region" tabindex="0" aria-label="${t(`dashboard.${query.status}`)}"><table class="list">
  <caption class="visually-hidden">${t(`dashboard.${query.status}`)}</caption>
  <thead><tr><th scope="col">${t('dashboard.name')}</th><th scope="col">${t('dashboard.status')}</th><th scope="col">${t('dashboard.kind')}</th><th scope="col">${t('dashboard.created')}</th><th scope="col">${expiresLabel}</th><th scope="col">${t('dashboard.viewsLeft')}</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`}
${pagination(context, query.page, query.page * perPage < total, (page) => context.path(`/dashboard${queryString(query, page)}`))}`;
  return renderPage(context, { title: t('dashboard.heading'), body, wide: true });
}

export function auditTable(context: PageContext, events: readonly AuditEvent[]): SafeHtml {
  const { t } = context;
  if (events.length === 0) return html`<div class="empty">${icon(context.assets.url('icons.svg'), 'history')}<p>${t('dashboard.noEvents')}</p></div>`;
  return html`<div class="table-wrap stack-on-phone" role="region" tabindex="0" aria-label="${t('dashboard.auditHeading')}"><table class="list">
  <thead><tr><th scope="col">${t('dashboard.when')}</th><th scope="col">${t('dashboard.event')}</th><th scope="col">${t('dashboard.ip')}</th><th scope="col">${t('dashboard.userAgent')}</th></tr></thead>
  <tbody>${events.map(
    (event) => html`<tr><td data-label="${t('dashboard.when')}">${time(context, event.createdAt)}</td><td data-label="${t('dashboard.event')}">${t(`audit.${event.kind}`)}${event.reason ? html` (${t(`dashboard.reason.${event.reason}`)})` : ''}</td><td data-label="${t('dashboard.ip')}">${event.ip ?? ''}</td><td class="agent" data-label="${t('dashboard.userAgent')}">${event.userAgent ?? ''}</td></tr>`,
  )}</tbody>
</table></div>`;
}

export interface PushPageState {
  readonly problems?: readonly FieldProblem[];
  readonly info?: string | undefined;
  readonly message?: string | undefined;
}

export function renderPushPage(
  context: PageContext,
  push: PushRecord,
  view: { note: string; events: readonly AuditEvent[]; link: string; page: number; hasMoreEvents: boolean; extraSections?: readonly SafeHtml[] },
  state: PushPageState = {},
): string {
  const { t } = context;
  const problems = state.problems ?? [];
  const active = !push.expired;
  const yesNo = (value: boolean | null) => (value ? t('common.yes') : t('common.no'));
  const body = html`<p><a href="${context.path(`/dashboard`)}">${t('dashboard.back')}</a></p>
<div class="page-header"><h1>${push.name || t('dashboard.unnamed')}</h1><span>${statusBadge(context, push)}</span></div>
${notice(state.info, 'info')}${notice(state.message)}
<section class="card"><dl class="facts">
  <dt>${t('dashboard.status')}</dt><dd>${active ? t('dashboard.statusActive') : html`${t('dashboard.statusExpired')} (${t(`dashboard.reason.${push.expireReason ?? 'time'}`)})`}</dd>
  <dt>${t('dashboard.kind')}</dt><dd>${t(`kind.${push.kind}`)}</dd>
  <dt>${t('dashboard.created')}</dt><dd>${time(context, push.createdAt)}</dd>
  <dt>${t(active ? 'dashboard.expires' : 'dashboard.expiredAt')}</dt><dd>${time(context, active ? push.expiresAt : (push.expiredAt ?? push.expiresAt))}</dd>
  <dt>${t('dashboard.viewsLeft')}</dt><dd>${active ? t('dashboard.viewsOf', { left: push.viewsRemaining, total: push.expireAfterViews }) : '—'}</dd>
  <dt>${t('dashboard.passphrase')}</dt><dd>${yesNo(push.passphraseRecord !== null)}</dd>
  <dt>${t('dashboard.retrievalStep')}</dt><dd>${yesNo(push.retrievalStep)}</dd>
  <dt>${t('dashboard.deletable')}</dt><dd>${yesNo(push.deletableByViewer)}</dd>
  <dt>${t('dashboard.encryption')}</dt><dd>${t(push.encryption === 'client' ? 'dashboard.endToEnd' : 'dashboard.atRest')}</dd>
  ${view.note ? html`<dt>${t('dashboard.note')}</dt><dd>${view.note}</dd>` : ''}
</dl>
${active && push.encryption === 'server' ? html`<div class="field"><label for="push-link">${t('dashboard.link')}</label><div class="copy-row"><input id="push-link" type="text" readonly value="${view.link}" class="ltr-box"><button type="button" class="primary js-only" data-copy="push-link">${icon(context.assets.url('icons.svg'), 'copy')}<span>${t('common.copy')}</span></button></div></div>` : ''}
</section>
${active
  ? html`<section aria-labelledby="edit-heading"><h2 id="edit-heading">${t('dashboard.editHeading')}</h2>
<form method="post" action="${context.path(`/dashboard/pushes/${push.token}`)}" class="narrow-form" novalidate>
  ${csrfField(context)}
  ${inputField({ name: 'expire_in_minutes', label: t('dashboard.expireIn'), type: 'number', hint: t('dashboard.expireInHint'), problem: problemFor(problems, 'expire_in_minutes'), attributes: html` min="1" inputmode="numeric"` })}
  ${inputField({ name: 'views_remaining', label: t('dashboard.viewsLeft'), type: 'number', value: push.viewsRemaining, problem: problemFor(problems, 'views_remaining'), attributes: html` min="1" inputmode="numeric"` })}
  ${inputField({ name: 'name', label: t('dashboard.name'), value: push.name, problem: problemFor(problems, 'name') })}
  <div class="field"><label for="field-note">${t('dashboard.note')}</label><textarea id="field-note" name="note" rows="3">${view.note}</textarea>${problemFor(problems, 'note') ? html`<p class="field-error">${problemFor(problems, 'note')!}</p>` : ''}</div>
  ${push.encryption === 'server'
    ? html`<fieldset><legend>${t('dashboard.passphrase')}</legend>
    ${push.passphraseRecord !== null ? inputField({ name: 'current_passphrase', label: t('dashboard.currentPassphrase'), type: 'password', autocomplete: 'off', problem: problemFor(problems, 'current_passphrase') }) : ''}
    ${inputField({ name: 'new_passphrase', label: t('dashboard.newPassphrase'), type: 'password', autocomplete: 'new-password', hint: t('dashboard.newPassphraseHint'), problem: problemFor(problems, 'passphrase') })}
    ${push.passphraseRecord !== null ? html`<div class="check"><input type="checkbox" id="remove-passphrase" name="remove_passphrase" value="1"><label for="remove-passphrase">${t('dashboard.removePassphrase')}</label></div>` : ''}
  </fieldset>`
    : html`<p class="hint">${t('dashboard.e2ePassphrase')}</p>`}
  <button type="submit" class="primary">${t('dashboard.save')}</button>
</form>
<form method="post" action="${context.path(`/dashboard/pushes/${push.token}/expire`)}">
  ${csrfField(context)}
  <p class="hint">${t('dashboard.expireHint')}</p>
  <button type="submit" class="danger">${t('dashboard.expireNow')}</button>
</form></section>`
  : ''}
${view.extraSections ?? ''}
<section aria-labelledby="audit-heading">
  <h2 id="audit-heading">${t('dashboard.auditHeading')}</h2>
  ${auditTable(context, view.events)}
  ${pagination(context, view.page, view.hasMoreEvents, (page) => context.path(`/dashboard/pushes/${push.token}?page=${page}`))}
</section>`;
  return renderPage(context, { title: push.name || t('dashboard.unnamed'), body, wide: true });
}

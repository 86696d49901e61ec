import type { RequestPolicy } from '../../config/request-settings.js';
import type { FieldProblem } from '../../errors/app-error.js';
import type { AnswerRecord, RequestAuditEvent, RequestRecord } from '../../requests/request-record.js';
import { inputField, notice, problemFor } from '../form-fields.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField, renderPage, type PageContext } from '../layout.js';
import { describeMinutes } from './create-page.js';
import { pagination, time } from './dashboard-pages.js';
import { formatTime } from './share-page.js';
import { pluralStrings } from '../i18n/plural-templates.js';

const MINUTE_CHOICES = [15, 60, 240, 720, 1440, 2880, 4320, 10080, 20160, 43200, 86400, 129600];

/** Lifetimes offered in a select: common steps inside the bounds, always including the default (minutes). */
function minuteChoices(bounds: { default: number; min: number; max: number }): number[] {
  return [...new Set([...MINUTE_CHOICES.filter((minutes) => minutes >= bounds.min && minutes <= bounds.max), bounds.default])].sort((a, b) => a - b);
}

function minuteSelect(context: PageContext, name: string, label: string, bounds: { default: number; min: number; max: number }, hint?: string): SafeHtml {
  const id = `field-${name}`;
  return html`<div class="field">
  <label for="${id}">${label}</label>
  <select id="${id}" name="${name}"${hint ? html` aria-describedby="${id}-hint"` : ''}>
    ${minuteChoices(bounds).map((minutes) => html`<option value="${minutes}"${minutes === bounds.default ? html` selected` : ''}>${describeMinutes(context.t, minutes)}</option>`)}
  </select>
  ${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}
</div>`;
}

/** Why a request stopped taking answers, in the reader's words. */
function closedText(context: PageContext, request: RequestRecord): string {
  return context.t(`requests.closeReason.${request.closeReason ?? 'time'}`);
}

/** The plain warning said wherever the key is made or missing: what is lost with it. */
export function keyLossWarning(context: PageContext): SafeHtml {
  return html`<p>${context.t('requests.keyLoss')}</p>`;
}

export interface RequestListQuery {
  readonly status: 'open' | 'closed';
  readonly page: number;
}

/** The requester's requests: open or closed, newest first. */
export function renderRequestList(context: PageContext, query: RequestListQuery, requests: readonly RequestRecord[], total: number, perPage: number): string {
  const { t } = context;
  const href = (status: 'open' | 'closed', page = 1) => context.path(`/dashboard/requests?status=${status}${page > 1 ? `&page=${page}` : ''}`);
  const tab = (status: 'open' | 'closed') =>
    html`<a class="tab" href="${href(status)}"${status === query.status ? html` aria-current="page"` : ''}>${t(`requests.status.${status}`)}</a>`;
  const rows = requests.map(
    (request) => html`<tr>
  <td><a href="${context.path(`/dashboard/requests/${request.token}`)}">${request.name || t('requests.unnamed')}</a></td>
  <td>${time(context, request.createdAt)}</td>
  <td>${request.closed ? html`${request.closedAt ? time(context, request.closedAt) : ''} (${closedText(context, request)})` : time(context, request.expiresAt)}</td>
  <td>${t('requests.answersOf', { received: request.answersAllowed - request.answersRemaining, allowed: request.answersAllowed })}</td>
</tr>`,
  );
  const body = html`<p><a href="${context.path('/dashboard')}">${t('requests.backToPushes')}</a></p>
<h1>${t('requests.heading')}</h1>
<p>${t('requests.intro')}</p>
<p><a class="button primary" href="${context.path('/dashboard/requests/new')}">${t('requests.new')}</a></p>
<nav class="tabs" aria-label="${t('requests.statusNavigation')}">${tab('open')}${tab('closed')}</nav>
<p>${t('requests.count', { count: total })}</p>
${requests.length === 0
  ? html`<p>${t('requests.empty')}</p>`
  : html`<div class="table-wrap" role="region" tabindex="0" aria-label="${t(`requests.status.${query.status}`)}"><table class="list">
  <caption class="visually-hidden">${t(`requests.status.${query.status}`)}</caption>
  <thead><tr><th scope="col">${t('requests.name')}</th><th scope="col">${t('requests.created')}</th><th scope="col">${t(query.status === 'open' ? 'requests.openUntil' : 'requests.closedAt')}</th><th scope="col">${t('requests.answers')}</th></tr></thead>
  <tbody>${rows}</tbody>
</table></div>`}
${pagination(context, query.page, query.page * perPage < total, (page) => href(query.status, page))}`;
  return renderPage(context, { title: t('requests.heading'), body, wide: true });
}

/**
 * The form to make a request. The key pair is made in the browser (request-create-page module), so the
 * form needs JavaScript; the created panel is rendered hidden and filled in by the module.
 */
/** The file limits answers take (the request service's answerFileLimits), or undefined when this server takes none. */
export type AnswerFileLimits = { readonly maxFiles: number; readonly maxFileBytes: number; readonly maxTotalBytes: number } | undefined;

const mebibytes = (bytes: number) => `${Math.floor(bytes / 1_048_576)} MiB`;

export function renderNewRequestPage(context: PageContext, policy: RequestPolicy, fileLimits?: AnswerFileLimits): string {
  const { t } = context;
  const body = html`<p><a href="${context.path('/dashboard/requests')}">${t('requests.back')}</a></p>
<h1>${t('requests.newHeading')}</h1>
<p>${t('requests.newIntro')}</p>
<div class="alert info no-js-only"><p>${t('requests.needsJavaScriptToCreate')}</p></div>
<form class="request-form js-only" data-request-form novalidate>
  ${inputField({ name: 'name', label: t('requests.nameLabel'), hint: t('requests.nameHint'), attributes: html` maxlength="255"` })}
  ${inputField({ name: 'requester_name', label: t('requests.requesterNameLabel'), hint: t('requests.requesterNameHint'), attributes: html` maxlength="255"` })}
  <div class="field">
    <label for="field-instructions">${t('requests.instructionsLabel')}</label>
    <textarea id="field-instructions" name="instructions" rows="4" maxlength="10000" aria-describedby="field-instructions-hint"></textarea>
    <p class="hint" id="field-instructions-hint">${t('requests.instructionsHint')}</p>
  </div>
  <fieldset class="expiry">
    <legend>${t('requests.linkLegend')}</legend>
    ${minuteSelect(context, 'expire_after_minutes', t('requests.openForLabel'), policy.openMinutes)}
    ${inputField({ name: 'answers_allowed', label: t('requests.answersAllowedLabel'), type: 'number', value: 1, hint: t('requests.answersAllowedHint', { max: policy.answersMax }), attributes: html` min="1" max="${policy.answersMax}" inputmode="numeric" required` })}
  </fieldset>
  ${inputField({ name: 'passphrase', label: t('requests.passphraseLabel'), type: 'password', autocomplete: 'new-password', hint: t('requests.passphraseHint') })}
  ${fileLimits
    ? html`<div class="checks"><div class="check">
    <input id="files_allowed" name="files_allowed" type="checkbox" value="true" aria-describedby="files_allowed-hint">
    <label for="files_allowed">${t('requests.filesAllowedLabel')}</label>
    <p class="hint" id="files_allowed-hint">${t('requests.filesAllowedHint', { count: fileLimits.maxFiles, size: mebibytes(fileLimits.maxFileBytes) })}</p>
  </div></div>`
    : ''}
  <fieldset class="expiry">
    <legend>${t('requests.answerLegend')}</legend>
    ${minuteSelect(context, 'answer_expire_after_minutes', t('requests.keepForLabel'), policy.answerLifetimeMinutes)}
    ${inputField({ name: 'answer_expire_after_views', label: t('requests.answerViewsLabel'), type: 'number', value: policy.answerViews.default, hint: t('requests.answerViewsHint', { max: policy.answerViews.max }), attributes: html` min="1" max="${policy.answerViews.max}" inputmode="numeric" required` })}
    <p class="hint">${t('requests.whicheverFirst')}</p>
  </fieldset>
  <p class="encryption-note">${t('requests.keyNote')}</p>
  <p class="form-error" role="alert" data-form-error hidden></p>
  <button type="submit" class="primary">${t('requests.create')}</button>
</form>
<section data-request-created hidden aria-labelledby="created-heading">
  <h2 id="created-heading" tabindex="-1">${t('requests.createdHeading')}</h2>
  <p>${t('requests.createdIntro')}</p>
  <div class="field">
    <label for="request-link">${t('requests.linkLabel')}</label>
    <div class="copy-row"><input id="request-link" type="text" readonly spellcheck="false" data-created-link><button type="button" class="primary" data-copy="request-link">${t('common.copy')}</button></div>
  </div>
  <h2>${t('requests.requesterKeyHeading')}</h2>
  <div class="alert"><p>${t('requests.requesterKeyShownOnce')}</p>${keyLossWarning(context)}</div>
  <div class="field">
    <label for="requester-key">${t('requests.requesterKeyLabel')}</label>
    <div class="copy-row"><input id="requester-key" type="text" readonly spellcheck="false" autocomplete="off" data-created-key><button type="button" class="secondary" data-copy="requester-key">${t('common.copy')}</button></div>
    <p class="hint">${t('requests.requesterKeyHint')}</p>
  </div>
  <div class="field">
    <label for="requester-key-link">${t('requests.requesterKeyLinkLabel')}</label>
    <div class="copy-row"><input id="requester-key-link" type="text" readonly spellcheck="false" autocomplete="off" data-created-key-link><button type="button" class="secondary" data-copy="requester-key-link">${t('common.copy')}</button></div>
  </div>
  <p><a class="button secondary" data-created-download download="">${t('requests.download')}</a></p>
  <p><a data-created-page href="">${t('requests.goToRequest')}</a></p>
</section>`;
  return renderPage(context, {
    title: t('requests.newHeading'),
    body,
    scripts: ['request-create-page'],
    browserStrings: {
      working: t('requests.working'),
      failed: t('requests.failed'),
      noKeyStorage: t('requests.noKeyStorage'),
      keyFileIntro: t('requests.keyFileIntro'),
      keyFileKey: t('requests.requesterKeyLabel'),
      keyFileLink: t('requests.linkLabel'),
      keyFilePage: t('requests.keyFilePage'),
      keyLoss: t('requests.keyLoss'),
    },
  });
}

export interface RequestPageView {
  readonly instructions: string;
  readonly link: string;
  readonly answers: readonly AnswerRecord[];
  readonly events: readonly RequestAuditEvent[];
  readonly page: number;
  readonly hasMoreEvents: boolean;
}

function auditRows(context: PageContext, events: readonly RequestAuditEvent[]): SafeHtml {
  const { t } = context;
  if (events.length === 0) return html`<p>${t('dashboard.noEvents')}</p>`;
  const reason = (event: RequestAuditEvent) => {
    if (!event.reason) return '';
    const key = event.kind === 'answered' ? `requests.encryption.${event.reason}` : event.kind === 'expired' ? `requests.answerReason.${event.reason}` : `requests.closeReason.${event.reason}`;
    return html` (${t(key)})`;
  };
  return html`<div class="table-wrap" role="region" tabindex="0" aria-label="${t('dashboard.auditHeading')}"><table class="list">
  <thead><tr><th scope="col">${t('dashboard.when')}</th><th scope="col">${t('dashboard.event')}</th><th scope="col">${t('requests.answer')}</th><th scope="col">${t('dashboard.ip')}</th><th scope="col">${t('dashboard.userAgent')}</th></tr></thead>
  <tbody>${events.map(
    (event) => html`<tr><td>${time(context, event.createdAt)}</td><td>${t(`requests.audit.${event.kind}`)}${reason(event)}</td><td>${event.answerToken ? html`<code>${event.answerToken.slice(0, 8)}</code>` : ''}</td><td>${event.ip ?? ''}</td><td class="agent">${event.userAgent ?? ''}</td></tr>`,
  )}</tbody>
</table></div>`;
}

function answerRows(context: PageContext, request: RequestRecord, answers: readonly AnswerRecord[]): SafeHtml {
  const { t } = context;
  if (answers.length === 0) return html`<p>${t('requests.noAnswers')}</p>`;
  return html`<div class="table-wrap" role="region" tabindex="0" aria-label="${t('requests.answersHeading')}"><table class="list" data-answer-table>
  <thead><tr><th scope="col">${t('requests.received')}</th><th scope="col">${t('requests.encryptedBy')}</th><th scope="col">${t('requests.viewsLeft')}</th><th scope="col">${t('requests.deletedAfter')}</th><th scope="col">${t('requests.actions')}</th></tr></thead>
  <tbody>${answers.map(
    (answer) => html`<tr data-answer-row="${answer.token}">
  <td>${time(context, answer.createdAt)} <code>${answer.token.slice(0, 8)}</code></td>
  <td>${t(`requests.encryption.${answer.encryption}`)}</td>
  <td data-views-left>${answer.expired ? '—' : String(answer.viewsRemaining)}</td>
  <td>${answer.expired ? html`${t('requests.answerDeleted')} (${t(`requests.answerReason.${answer.expireReason ?? 'time'}`)})` : time(context, answer.expiresAt)}</td>
  <td>${answer.expired
    ? ''
    : html`<span class="actions"><button type="button" class="secondary small js-only" data-open-answer="${answer.token}">${t('requests.open')}</button>
    <form method="post" action="${context.path(`/dashboard/requests/${request.token}/answers/${answer.token}/delete`)}" class="inline-form">${csrfField(context)}<button type="submit" class="danger small">${t('requests.deleteNow')}</button></form></span>`}</td>
</tr>`,
  )}</tbody>
</table></div>`;
}

/** One request for its owner: facts, the link, the key in this browser, the answers, closing and the audit log. */
export function renderRequestPage(context: PageContext, request: RequestRecord, view: RequestPageView, info?: string): string {
  const { t } = context;
  const open = !request.closed;
  const days = (minutes: number) => describeMinutes(t, minutes);
  const body = html`<p><a href="${context.path('/dashboard/requests')}">${t('requests.back')}</a></p>
<h1>${request.name || t('requests.unnamed')}</h1>
${notice(info, 'info')}
<dl class="facts">
  <dt>${t('requests.statusLabel')}</dt><dd>${open ? t('requests.statusOpen') : html`${t('requests.statusClosed')} (${closedText(context, request)})`}</dd>
  <dt>${t('requests.requesterNameLabel')}</dt><dd>${request.requesterName || '—'}</dd>
  <dt>${t('requests.instructionsLabel')}</dt><dd class="instructions">${view.instructions || '—'}</dd>
  <dt>${t(open ? 'requests.openUntil' : 'requests.closedAt')}</dt><dd>${time(context, open ? request.expiresAt : (request.closedAt ?? request.expiresAt))}</dd>
  <dt>${t('requests.answers')}</dt><dd>${t('requests.answersOf', { received: request.answersAllowed - request.answersRemaining, allowed: request.answersAllowed })}</dd>
  <dt>${t('dashboard.passphrase')}</dt><dd>${request.passphraseRecord !== null ? t('common.yes') : t('common.no')}</dd>
  <dt>${t('requests.eachAnswer')}</dt><dd>${t('requests.eachAnswerValue', { time: days(request.answerLifetimeMinutes), count: request.answerViews })}</dd>
</dl>
${open
  ? html`<div class="field">
  <label for="request-link">${t('requests.linkLabel')}</label>
  <div class="copy-row"><input id="request-link" type="text" readonly spellcheck="false" value="${view.link}"><button type="button" class="secondary js-only" data-copy="request-link">${t('common.copy')}</button></div>
</div>`
  : ''}
<section aria-labelledby="key-heading" data-request-key data-token="${request.token}" data-public-key="${request.publicKey}" data-link="${view.link}">
  <h2 id="key-heading">${t('requests.keyHeading')}</h2>
  <p class="no-js-only">${t('requests.needsJavaScriptToOpen')}</p>
  <p class="js-only" role="status" data-key-status>${t('requests.keyChecking')}</p>
  <div class="alert" data-key-mismatch hidden><p>${t('requests.linkMismatch')}</p></div>
  <form class="js-only narrow-form" data-key-form hidden novalidate>
    <div class="alert info"><p>${t('requests.keyMissing')}</p>${keyLossWarning(context)}</div>
    <div class="field">
      <label for="add-requester-key">${t('requests.requesterKeyLabel')}</label>
      <input id="add-requester-key" name="requester_key" type="password" autocomplete="off" spellcheck="false" aria-describedby="add-requester-key-hint">
      <p class="hint" id="add-requester-key-hint">${t('requests.addKeyHint')}</p>
    </div>
    <p class="form-error" role="alert" data-form-error hidden></p>
    <button type="submit" class="secondary">${t('requests.addKey')}</button>
  </form>
</section>
<section aria-labelledby="answers-heading">
  <h2 id="answers-heading">${t('requests.answersHeading')}</h2>
  <p class="hint">${t('requests.openHint')}</p>
  ${answerRows(context, request, view.answers)}
  <p class="form-error" role="alert" data-open-error hidden></p>
  <div data-opened-answers aria-live="polite"></div>
</section>
${open
  ? html`<form method="post" action="${context.path(`/dashboard/requests/${request.token}/close`)}">
  ${csrfField(context)}
  <p class="hint">${t('requests.closeHint')}</p>
  <button type="submit" class="danger">${t('requests.close')}</button>
</form>`
  : ''}
<section aria-labelledby="audit-heading">
  <h2 id="audit-heading">${t('dashboard.auditHeading')}</h2>
  ${auditRows(context, view.events)}
  ${pagination(context, view.page, view.hasMoreEvents, (page) => context.path(`/dashboard/requests/${request.token}?page=${page}`))}
</section>`;
  return renderPage(context, {
    title: request.name || t('requests.unnamed'),
    body,
    wide: true,
    scripts: ['request-owner-page'],
    browserStrings: {
      copy: t('common.copy'),
      copied: t('common.copied'),
      keyHere: t('requests.keyHere'),
      keyAbsent: t('requests.keyAbsent'),
      keyAdded: t('requests.keyAdded'),
      keyWrong: t('requests.keyWrong'),
      noKeyStorage: t('requests.noKeyStorage'),
      working: t('requests.working'),
      answerFrom: t('requests.answerFrom', { time: '{{time}}' }),
      showAnswer: t('requests.showAnswer'),
      lastView: t('requests.lastView'),
      ...pluralStrings(t, context.lang, 'requests.viewsLeftAfter', 'viewsLeft'),
      answerExpired: t('requests.answerExpired'),
      cannotOpen: t('requests.cannotOpen'),
      failed: t('requests.failed'),
      filesHeading: t('requests.answerFilesHeading'),
      downloadFile: t('requests.downloadFile', { name: '{{name}}' }),
      filesUntil: t('requests.filesUntil', { time: '{{time}}' }),
      fileCannotOpen: t('requests.fileCannotOpen'),
    },
  });
}

export interface AnswerFormState {
  readonly text?: string;
  readonly problems?: readonly FieldProblem[];
  readonly message?: string;
}

/** The responder's page: who asks, the instructions, and the answer form (encrypted in the browser, or by the server without JavaScript). */
export function renderAnswerPage(
  context: PageContext,
  request: RequestRecord,
  instructions: string,
  maxCharacters: number,
  state: AnswerFormState = {},
  fileLimits?: AnswerFileLimits,
): string {
  const files = request.filesAllowed ? fileLimits : undefined;
  const { t } = context;
  const problems = state.problems ?? [];
  const heading = request.requesterName ? t('requests.respond.headingNamed', { name: request.requesterName }) : t('requests.respond.heading');
  const textProblem = problemFor(problems, 'text');
  const body = html`<h1>${heading}</h1>
${instructions ? html`<section class="instructions-box" aria-labelledby="instructions-heading"><h2 id="instructions-heading">${t('requests.respond.instructions')}</h2><p class="instructions">${instructions}</p></section>` : ''}
<p class="hint">${t('requests.respond.until')} <time datetime="${new Date(request.expiresAt).toISOString()}" data-local-time>${formatTime(context, request.expiresAt)}</time></p>
${notice(state.message)}
<form method="post" action="${context.path(`/req/${request.token}`)}" class="answer-form" data-answer-form data-token="${request.token}" data-public-key="${request.publicKey}"${files ? html` data-max-files="${files.maxFiles}" data-max-file-bytes="${files.maxFileBytes}" data-max-total-bytes="${files.maxTotalBytes}"` : ''} novalidate>
  ${csrfField(context)}
  <div class="field">
    <label for="answer">${t('requests.respond.answerLabel')}</label>
    <textarea id="answer" name="text" rows="6" required autocomplete="off" spellcheck="false" maxlength="${maxCharacters}" aria-describedby="answer-hint${textProblem ? ' answer-error' : ''}"${textProblem ? html` aria-invalid="true"` : ''}>${state.text ?? ''}</textarea>
    <div class="field-tools">
      <p class="hint" id="answer-hint">${t('requests.respond.answerHint')} <output class="counter js-only" data-counter-for="answer" aria-live="polite"></output></p>
      <span class="js-only tool-buttons"><button type="button" class="secondary small" data-toggle-visibility aria-pressed="false">${t('create.hide')}</button> <button type="button" class="secondary small" data-generate-password>${t('requests.respond.generate')}</button></span>
    </div>
    ${textProblem ? html`<p class="field-error" id="answer-error">${textProblem}</p>` : ''}
  </div>
  ${files
    ? html`<div class="field js-only">
    <label for="answer-files">${t('requests.respond.filesLabel')}</label>
    <input id="answer-files" type="file" multiple aria-describedby="answer-files-hint">
    <p class="hint" id="answer-files-hint">${t('requests.respond.filesHint', { count: files.maxFiles, size: mebibytes(files.maxFileBytes) })}</p>
    <ul class="file-list" data-file-list></ul>
  </div>`
    : ''}
  ${request.passphraseRecord !== null
    ? html`<div class="field"><label for="answer-passphrase">${t('requests.respond.passphraseLabel')}</label>
  <input id="answer-passphrase" name="passphrase" type="password" autocomplete="off" spellcheck="false" required aria-describedby="answer-passphrase-hint">
  <p class="hint" id="answer-passphrase-hint">${t('requests.respond.passphraseHint')}</p></div>`
    : ''}
  <p class="encryption-note"><span class="js-only">${t('requests.respond.endToEnd')}</span><span class="no-js-only">${t('requests.respond.serverEncrypted')}</span></p>
  <p class="form-error" role="alert" data-form-error hidden></p>
  <button type="submit" class="primary">${t('requests.respond.send')}</button>
</form>
<section data-answer-sent hidden aria-labelledby="sent-heading">
  <h2 id="sent-heading" tabindex="-1">${t('requests.respond.sentHeading')}</h2>
  <p>${t('requests.respond.sentEndToEnd')}</p>
  <p>${t('requests.respond.sentNothingMore')}</p>
</section>`;
  return renderPage(context, {
    title: heading,
    body,
    scripts: ['request-answer-page'],
    browserStrings: {
      counter: t('create.counter', { count: '{{count}}', max: '{{max}}' }),
      tooLong: t('create.tooLong', { max: '{{max}}' }),
      required: t('create.required'),
      show: t('create.show'),
      hide: t('create.hide'),
      working: t('requests.working'),
      failed: t('requests.failed'),
      brokenLink: t('requests.respond.brokenLink'),
      keyMismatch: t('requests.respond.keyMismatch'),
      passphraseRequired: t('requests.respond.passphraseRequired'),
      wrongPassphrase: t('requests.respond.wrongPassphrase'),
      tooMany: t('requests.respond.tooMany'),
      closed: t('requests.respond.closedHeading'),
      confirmOverwrite: t('generator.confirmOverwrite'),
      fileTooLarge: t('requests.respond.fileTooLarge', { name: '{{name}}' }),
      tooManyFiles: t('requests.respond.tooManyFiles'),
      uploading: t('requests.respond.uploading', { name: '{{name}}', percent: '{{percent}}' }),
      remove: t('requests.respond.remove'),
    },
  });
}

/** After a responder sent an answer without JavaScript: who can read it, and that the server sealed it. */
export function renderAnswerSentPage(context: PageContext, encryption: 'client' | 'server'): string {
  const { t } = context;
  const body = html`<h1>${t('requests.respond.sentHeading')}</h1>
<p>${encryption === 'server' ? t('requests.respond.sentServer') : t('requests.respond.sentEndToEnd')}</p>
<p>${t('requests.respond.sentNothingMore')}</p>`;
  return renderPage(context, { title: t('requests.respond.sentHeading'), body });
}

/** A request link that takes no answers: unknown (404), or closed, locked or out of time (410). */
export function renderRequestGonePage(context: PageContext, known: boolean): string {
  const { t } = context;
  const heading = known ? t('requests.respond.closedHeading') : t('requests.respond.unknownHeading');
  const body = html`<h1>${heading}</h1><p>${known ? t('requests.respond.closedBody') : t('requests.respond.unknownBody')}</p>`;
  return renderPage(context, { title: heading, body });
}

import type { KindPolicy, PushPolicy } from '../../config/load-config.js';
import type { FieldProblem } from '../../errors/app-error.js';
import { SERVER_PUSH_KINDS, type ServerPushKind } from '../../pushes/push-kinds.js';
import { exactText, html, type SafeHtml } from '../html.js';
import { languageOptions } from '../language-options.js';
import { csrfField, renderPage, type PageContext } from '../layout.js';

const MINUTE_CHOICES = [5, 15, 30, 60, 240, 720, 1440, 2880, 4320, 10080, 20160, 43200, 86400, 129600];

/** What the form showed last: the values a person typed (re-shown after a validation error). */
export interface CreateFormValues {
  readonly kind: ServerPushKind;
  readonly payload?: string;
  readonly expireAfterMinutes?: number;
  readonly expireAfterViews?: number;
  /** The expiry preset chosen ('hour', 'day', 'default' or 'custom'); custom uses the two fields. */
  readonly expiryPreset?: string;
  readonly retrievalStep?: boolean;
  readonly deletableByViewer?: boolean;
  readonly name?: string;
  readonly note?: string;
  /** "Email the link to": Password Pusher's notify_emails_to (comma-separated) and the email's language. */
  readonly notifyEmailsTo?: string;
  readonly notifyEmailsToLocale?: string;
  /** The recipient's language (Password Pusher's push_locale): the link carries `?locale=`; empty: their browser's. */
  readonly pushLocale?: string;
}

/** What the create page offers besides the push itself. */
export interface CreatePageOptions {
  /** A signed-in sender on a server that can send link emails: the page offers "Email the link to". */
  readonly offerLinkEmail?: boolean;
}

export function enabledKinds(policy: PushPolicy): ServerPushKind[] {
  return SERVER_PUSH_KINDS.filter((kind) => policy.kinds[kind].enabled);
}

/** The shortest and longest lifetimes in minutes the policy accepts for a kind. */
function lifetimeBounds(kindPolicy: KindPolicy, policy: PushPolicy): { shortest: number; longest: number } {
  const longest = kindPolicy.expireAfterDays.max * 1440;
  const shortest = Math.max(policy.minExpiryMinutes, kindPolicy.expireAfterDays.min === 1 ? policy.minExpiryMinutes : kindPolicy.expireAfterDays.min * 1440);
  return { shortest, longest };
}

/** The lifetimes offered: common steps inside the configured bounds, always including the default. */
export function lifetimeChoices(kindPolicy: KindPolicy, policy: PushPolicy): number[] {
  const { shortest, longest } = lifetimeBounds(kindPolicy, policy);
  const fallback = kindPolicy.expireAfterDays.default * 1440;
  return [...new Set([...MINUTE_CHOICES.filter((minutes) => minutes >= shortest && minutes <= longest), fallback])].sort((a, b) => a - b);
}

/** One expiry preset of the create form: a name the form posts, and the lifetime and views it stands for. */
export interface ExpiryPreset {
  readonly id: 'hour' | 'day' | 'default';
  readonly minutes: number;
  readonly views: number;
}

/**
 * The expiry presets a kind offers: one view for an hour, one view for a day, and the operator's default
 * (when it is neither), each only inside the configured bounds. "Custom" (the two fields) always follows.
 */
export function expiryPresets(kindPolicy: KindPolicy, policy: PushPolicy): ExpiryPreset[] {
  const { shortest, longest } = lifetimeBounds(kindPolicy, policy);
  const views = kindPolicy.expireAfterViews;
  const candidates: ExpiryPreset[] = [
    { id: 'hour', minutes: 60, views: 1 },
    { id: 'day', minutes: 1440, views: 1 },
    { id: 'default', minutes: kindPolicy.expireAfterDays.default * 1440, views: views.default },
  ];
  const fits = (preset: ExpiryPreset) => preset.minutes >= shortest && preset.minutes <= longest && preset.views >= views.min && preset.views <= views.max;
  return candidates.filter(
    (preset, index) => fits(preset) && !candidates.slice(0, index).some((earlier) => fits(earlier) && earlier.minutes === preset.minutes && earlier.views === preset.views),
  );
}

/** The preset a create form's values stand for: the one named, else the one matching the values, else custom. */
function chosenPreset(presets: readonly ExpiryPreset[], values: CreateFormValues, minutes: number, views: number): string {
  if (values.expiryPreset === 'custom' || presets.some((preset) => preset.id === values.expiryPreset)) return values.expiryPreset!;
  return presets.find((preset) => preset.minutes === minutes && preset.views === views)?.id ?? 'custom';
}

export function describeMinutes(t: PageContext['t'], minutes: number): string {
  if (minutes % 1440 === 0) return t('duration.days', { count: minutes / 1440 });
  if (minutes % 60 === 0) return t('duration.hours', { count: minutes / 60 });
  return t('duration.minutes', { count: minutes });
}

/** The kind tabs of the create pages, with Files when file pushes are enabled. */
export function kindTabs(context: PageContext, policy: PushPolicy, current: string): SafeHtml {
  const { t } = context;
  const tabs: string[] = [...enabledKinds(policy), ...(policy.kinds.file.enabled ? ['file'] : [])];
  return html`<nav class="tabs" aria-label="${t('create.kindNavigation')}">
  ${tabs.map((tab) => html`<a href="${context.path(`/?tab=${tab}`)}" class="tab"${tab === current ? html` aria-current="page"` : ''}>${t(`kind.${tab}`)}</a>`)}
</nav>`;
}

export function renderCreatePage(
  context: PageContext,
  policy: PushPolicy,
  values: CreateFormValues,
  problems: readonly FieldProblem[] = [],
  options: CreatePageOptions = {},
): string {
  const { t } = context;
  const kind = values.kind;
  const kindPolicy = policy.kinds[kind];
  const problemFor = (field: string) => problems.find((problem) => problem.field === field)?.message;
  const fieldError = (field: string, id: string): SafeHtml | string => {
    const message = problemFor(field);
    return message ? html`<p class="field-error" id="${id}-error">${message}</p>` : '';
  };
  const describedBy = (id: string, field: string, hint = true) =>
    [hint ? `${id}-hint` : '', problemFor(field) ? `${id}-error` : ''].filter(Boolean).join(' ');

  const tabs = kindTabs(context, policy, kind);

  const minutes = values.expireAfterMinutes ?? kindPolicy.expireAfterDays.default * 1440;
  const views = values.expireAfterViews ?? kindPolicy.expireAfterViews.default;
  const retrievalStep = values.retrievalStep ?? kindPolicy.retrievalStepDefault;
  const deletable = values.deletableByViewer ?? kindPolicy.deletableByViewerDefault ?? false;
  const presets = expiryPresets(kindPolicy, policy);
  const preset = chosenPreset(presets, values, minutes, views);
  const presetLabel = (choice: ExpiryPreset) =>
    choice.id === 'default'
      ? t('create.presets.other', { views: t('create.presets.views', { count: choice.views }), lifetime: describeMinutes(t, choice.minutes) })
      : t(`create.presets.${choice.id}`);
  // Without JavaScript the server applies the chosen preset; with it, the browser sends the preset's values.
  const presetChoice = (id: string, label: string, values?: ExpiryPreset) =>
    html`<div class="preset"><input type="radio" id="expiry_preset-${id}" name="expiry_preset" value="${id}" data-remember="preset"${values ? html` data-minutes="${values.minutes}" data-views="${values.views}"` : ''}${id === preset ? html` checked` : ''}><label for="expiry_preset-${id}">${label}</label></div>`;
  // Folded unless something in it differs from the defaults (a form re-shown after an error keeps it open).
  const advancedOpen =
    retrievalStep !== kindPolicy.retrievalStepDefault || (kind !== 'url' && deletable !== (kindPolicy.deletableByViewerDefault ?? false)) || !!values.name || !!values.note;

  const payloadField =
    kind === 'url'
      ? html`<input id="payload" name="payload" type="url" inputmode="url" required autocomplete="off" spellcheck="false"
  maxlength="${kindPolicy.maxCharacters}" placeholder="https://" value="${values.payload ?? ''}" aria-describedby="${describedBy('payload', 'payload')}">`
      : html`<textarea id="payload" name="payload" rows="${kind === 'qr' ? 4 : 6}" required autocomplete="off" spellcheck="false"
  maxlength="${kindPolicy.maxCharacters}" data-max-characters="${kindPolicy.maxCharacters}" aria-describedby="${describedBy('payload', 'payload')}">${exactText(values.payload ?? '')}</textarea>`;

  const body = html`<h1>${t(`create.heading.${kind}`)}</h1>
${tabs}
${problems.length > 0 ? html`<div class="alert" role="alert"><p>${t('create.fixProblems')}</p></div>` : ''}
<form method="post" action="${context.path(`/p`)}" class="create-form" data-kind="${kind}" novalidate>
${csrfField(context)}
  <input type="hidden" name="kind" value="${kind}">
  <div class="field">
    <label for="payload">${t(`create.payloadLabel.${kind}`)}</label>
    ${payloadField}
    <div class="field-tools">
      <p class="hint" id="payload-hint">${t(`create.payloadHint.${kind}`)} <output class="counter js-only" data-counter-for="payload" aria-live="polite"></output></p>
      ${kind === 'text' ? html`<span class="js-only tool-buttons"><button type="button" class="secondary small" data-toggle-visibility="payload" aria-pressed="false">${t('create.hide')}</button> <button type="button" class="secondary small" data-open-generator aria-expanded="false" aria-controls="generator">${t('generator.open')}</button></span>` : ''}
    </div>
    ${fieldError('payload', 'payload')}
  </div>
  ${kind === 'text' ? renderGenerator(context) : ''}
  <fieldset class="expiry">
    <legend>${t('create.presets.legend')}</legend>
    <div class="presets">
      ${presets.map((preset) => presetChoice(preset.id, presetLabel(preset), preset))}
      ${presetChoice('custom', t('create.presets.custom'))}
    </div>
    <div class="custom-expiry">
      <div class="field">
        <label for="expire_after_minutes">${t('create.lifetimeLabel')}</label>
        <select id="expire_after_minutes" name="expire_after_minutes" data-remember="minutes"${problemFor('expire_after_minutes') ? html` aria-describedby="expire_after_minutes-error"` : ''}>
          ${lifetimeChoices(kindPolicy, policy).map((choice) => html`<option value="${choice}"${choice === minutes ? html` selected` : ''}>${describeMinutes(t, choice)}</option>`)}
        </select>
        ${fieldError('expire_after_minutes', 'expire_after_minutes')}
      </div>
      <div class="field">
        <label for="expire_after_views">${t('create.viewsLabel')}</label>
        <input id="expire_after_views" name="expire_after_views" type="number" inputmode="numeric" data-remember="views"
          min="${kindPolicy.expireAfterViews.min}" max="${kindPolicy.expireAfterViews.max}" value="${views}" required aria-describedby="${describedBy('expire_after_views', 'expire_after_views')}">
        <p class="hint" id="expire_after_views-hint">${t('create.viewsHint', { min: kindPolicy.expireAfterViews.min, max: kindPolicy.expireAfterViews.max })}</p>
        ${fieldError('expire_after_views', 'expire_after_views')}
      </div>
    </div>
    <p class="hint">${t('create.whicheverFirst')}</p>
  </fieldset>
  <div class="field">
    <label for="passphrase">${t('create.passphraseLabel')}</label>
    <input id="passphrase" name="passphrase" type="password" autocomplete="new-password" spellcheck="false" aria-describedby="${describedBy('passphrase', 'passphrase')}">
    <p class="hint" id="passphrase-hint">${t('create.passphraseHint')}</p>
    ${fieldError('passphrase', 'passphrase')}
  </div>
  <details class="advanced"${advancedOpen ? html` open` : ''}>
    <summary>${t('create.advancedSummary')}</summary>
    <div class="checks">
      <div class="check">
        <input id="retrieval_step" name="retrieval_step" type="checkbox" value="true" data-remember="retrieval"${retrievalStep ? html` checked` : ''} aria-describedby="retrieval_step-hint">
        <label for="retrieval_step">${t('create.retrievalStepLabel')}</label>
        <p class="hint" id="retrieval_step-hint">${t('create.retrievalStepHint')}</p>
      </div>
      ${kind === 'url' ? '' : html`<div class="check">
        <input id="deletable_by_viewer" name="deletable_by_viewer" type="checkbox" value="true" data-remember="deletable"${deletable ? html` checked` : ''} aria-describedby="deletable_by_viewer-hint">
        <label for="deletable_by_viewer">${t('create.deletableLabel')}</label>
        <p class="hint" id="deletable_by_viewer-hint">${t('create.deletableHint')}</p>
      </div>`}
    </div>
    <h2 class="advanced-heading">${t('create.recordsSummary')}</h2>
    <div class="field">
      <label for="name">${t('create.nameLabel')}</label>
      <input id="name" name="name" type="text" maxlength="255" value="${values.name ?? ''}" aria-describedby="name-hint">
      <p class="hint" id="name-hint">${t('create.nameHint')}</p>
    </div>
    <div class="field">
      <label for="note">${t('create.noteLabel')}</label>
      <textarea id="note" name="note" rows="2" maxlength="10000" aria-describedby="note-hint">${values.note ?? ''}</textarea>
      <p class="hint" id="note-hint">${t('create.noteHint')}</p>
    </div>
  </details>
  ${recipientLanguageField(context, values.pushLocale)}
  ${options.offerLinkEmail ? linkEmailFields(context, values, kind, fieldError) : ''}
  <p class="encryption-note" data-encryption-note>${kind === 'url' ? t('create.encryption.url') : html`<span class="no-js-only">${t('create.encryption.server')}</span><span class="js-only">${t('create.encryption.browser')}</span>`}</p>
  <p class="form-error" role="alert" data-form-error hidden></p>
  <button type="submit" class="primary">${t('create.submit')}</button>
</form>`;

  return renderPage(context, {
    title: t(`create.heading.${kind}`),
    body,
    scripts: ['create-page'],
    browserStrings: {
      counter: t('create.counter', { count: '{{count}}', max: '{{max}}' }),
      tooLong: t('create.tooLong', { max: '{{max}}' }),
      show: t('create.show'),
      hide: t('create.hide'),
      required: t('create.required'),
      invalidUrl: t('create.invalidUrl'),
      viewsOutOfRange: t('create.viewsHint', { min: kindPolicy.expireAfterViews.min, max: kindPolicy.expireAfterViews.max }),
      confirmOverwrite: t('generator.confirmOverwrite'),
      strength: t('generator.strength', { bits: '{{bits}}' }),
      failed: t('create.failed'),
      working: t('create.working'),
      qrTooLarge: t('create.qrTooLarge', { max: '{{max}}', count: '{{count}}' }),
      insecureOrigin: t('create.insecureOrigin'),
      acknowledgeLinkExposure: t('linkEmail.createAcknowledgeMissing'),
    },
  });
}

/**
 * The recipient's language, folded away (most recipients read the sender's language, or their browser
 * says theirs): Password Pusher's push_locale. The share link then carries `?locale=<code>`, and the
 * share message is written in that language. Shared by the text and file create pages.
 */
export function recipientLanguageField(context: PageContext, chosen: string | undefined): SafeHtml {
  const { t } = context;
  return html`<details class="records" data-recipient-language${chosen ? html` open` : ''}>
    <summary>${t('create.recipientLanguageLabel')}</summary>
    <div class="field">
      <label for="push_locale">${t('create.recipientLanguageLabel')}</label>
      <select id="push_locale" name="push_locale" aria-describedby="push_locale-hint"><option value="">${t('create.recipientLanguageAuto')}</option>${languageOptions(chosen ?? '')}</select>
      <p class="hint" id="push_locale-hint">${t('create.recipientLanguageHint')}</p>
    </div>
  </details>`;
}

/**
 * "Email the link to" on the create page (signed-in senders, link emails available). The server emails the
 * link of a push it encrypts itself; for a push encrypted in the browser it never has the key, so the
 * browser sends the whole link after creating the push, and only when the sender ticks the box that says
 * the mail servers will see it (the box shows only where the browser encrypts: JavaScript, not a link).
 */
function linkEmailFields(
  context: PageContext,
  values: CreateFormValues,
  kind: ServerPushKind,
  fieldError: (field: string, id: string) => SafeHtml | string,
): SafeHtml {
  const { t } = context;
  const chosen = values.notifyEmailsToLocale ?? context.lang;
  return html`<details class="records" data-link-email${values.notifyEmailsTo ? html` open` : ''}>
    <summary>${t('linkEmail.createSummary')}</summary>
    <div class="field">
      <label for="notify_emails_to">${t('linkEmail.createRecipients')}</label>
      <input id="notify_emails_to" name="notify_emails_to" type="text" inputmode="email" autocomplete="off" value="${values.notifyEmailsTo ?? ''}" aria-describedby="notify_emails_to-hint">
      <p class="hint" id="notify_emails_to-hint">${t('linkEmail.recipientsHint')}</p>
      ${fieldError('notify_emails_to', 'notify_emails_to')}
    </div>
    <div class="field">
      <label for="notify_emails_to_locale">${t('linkEmail.language')}</label>
      <select id="notify_emails_to_locale" name="notify_emails_to_locale">${languageOptions(chosen)}</select>
    </div>
    ${kind === 'url'
      ? ''
      : html`<div class="check js-only" data-link-exposure>
      <input id="acknowledge_link_exposure" name="acknowledge_link_exposure" type="checkbox" value="true" aria-describedby="acknowledge_link_exposure-hint">
      <label for="acknowledge_link_exposure">${t('linkEmail.createAcknowledge')}</label>
      <p class="hint" id="acknowledge_link_exposure-hint">${t('linkEmail.createEndToEndNote')}</p>
    </div>`}
  </details>`;
}

function renderGenerator(context: PageContext): SafeHtml {
  const { t } = context;
  return html`<section id="generator" class="generator js-only" hidden aria-labelledby="generator-heading">
  <h2 id="generator-heading">${t('generator.heading')}</h2>
  <fieldset>
    <legend>${t('generator.style')}</legend>
    <div class="check"><input type="radio" id="generator-characters" name="generator-style" value="characters" checked><label for="generator-characters">${t('generator.characters')}</label></div>
    <div class="check"><input type="radio" id="generator-words" name="generator-style" value="words"><label for="generator-words">${t('generator.words')}</label></div>
  </fieldset>
  <div class="generator-options" data-style-options="characters">
    <div class="field"><label for="generator-length">${t('generator.length')}</label><input id="generator-length" type="number" min="8" max="128" value="20"></div>
    <div class="check"><input type="checkbox" id="generator-lowercase" checked><label for="generator-lowercase">${t('generator.lowercase')}</label></div>
    <div class="check"><input type="checkbox" id="generator-uppercase" checked><label for="generator-uppercase">${t('generator.uppercase')}</label></div>
    <div class="check"><input type="checkbox" id="generator-digits" checked><label for="generator-digits">${t('generator.digits')}</label></div>
    <div class="check"><input type="checkbox" id="generator-symbols" checked><label for="generator-symbols">${t('generator.symbols')}</label></div>
    <div class="check"><input type="checkbox" id="generator-avoid-ambiguous" checked><label for="generator-avoid-ambiguous">${t('generator.avoidAmbiguous')}</label></div>
  </div>
  <div class="generator-options" data-style-options="words" hidden>
    <div class="field"><label for="generator-words-count">${t('generator.wordCount')}</label><input id="generator-words-count" type="number" min="3" max="12" value="5"></div>
    <div class="field"><label for="generator-separator">${t('generator.separator')}</label><input id="generator-separator" type="text" maxlength="3" value="-"></div>
    <div class="check"><input type="checkbox" id="generator-capitalize"><label for="generator-capitalize">${t('generator.capitalize')}</label></div>
    <div class="check"><input type="checkbox" id="generator-number"><label for="generator-number">${t('generator.includeNumber')}</label></div>
  </div>
  <p class="hint" aria-live="polite" data-generator-strength></p>
  <button type="button" class="secondary" data-generate>${t('generator.generate')}</button>
</section>`;
}

/** The create page of a server that takes new secrets only from accounts (PASSDROP_ALLOW_ANONYMOUS=false). */
export function renderAccountsOnlyPage(context: PageContext): string {
  const { t } = context;
  const body = html`<h1>${t('create.heading.text')}</h1><div class="alert info"><p>${t('create.accountsOnly')}</p></div><p><a href="${context.path('/account/sign-in')}">${t('nav.signIn')}</a> · <a href="${context.path('/api/docs/')}">${t('layout.apiDocs')}</a></p>`;
  return renderPage(context, { title: t('create.heading.text'), body });
}

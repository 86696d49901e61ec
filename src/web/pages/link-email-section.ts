import type { FieldProblem } from '../../errors/app-error.js';
import type { PushRecord } from '../../pushes/push-record.js';
import { problemFor } from '../form-fields.js';
import { html, type SafeHtml } from '../html.js';
import { languageOptions } from '../language-options.js';
import { csrfField, type PageContext } from '../layout.js';

/**
 * The "Email the link" form of a push's page (POST /p/:token/notify_emails). For an end-to-end push the
 * server has no key, so the form asks for the whole link and a box the sender must tick that says the
 * mail and its servers will carry the key; the page says so plainly instead of pretending.
 */
export function linkEmailSection(context: PageContext, push: PushRecord, state: { problems?: readonly FieldProblem[]; values?: Readonly<Record<string, string>> } = {}): SafeHtml {
  const { t } = context;
  const problems = state.problems ?? [];
  const endToEnd = push.encryption === 'client';
  const error = (field: string) => {
    const message = problemFor(problems, field);
    return message ? html`<p class="field-error" id="field-${field}-error">${message}</p>` : '';
  };
  return html`<section aria-labelledby="email-link-heading">
<h2 id="email-link-heading">${t('linkEmail.heading')}</h2>
<p>${t('linkEmail.intro')}</p>
<form method="post" action="${context.path(`/p/${push.token}/notify_emails`)}" class="narrow-form" novalidate>
  ${csrfField(context)}
  <div class="field"><label for="field-notify_emails_to">${t('linkEmail.recipients')}</label>
    <input id="field-notify_emails_to" name="notify_emails_to" type="text" inputmode="email" autocomplete="off" value="${state.values?.notify_emails_to ?? ''}" aria-describedby="field-notify_emails_to-hint">
    <p class="hint" id="field-notify_emails_to-hint">${t('linkEmail.recipientsHint')}</p>${error('notify_emails_to')}</div>
  <div class="field"><label for="field-notify_emails_to_locale">${t('linkEmail.language')}</label>
    <select id="field-notify_emails_to_locale" name="notify_emails_to_locale">${languageOptions(state.values?.notify_emails_to_locale ?? context.lang)}</select></div>
  ${endToEnd
    ? html`<p class="alert" role="note">${t('linkEmail.endToEndWarning')}</p>
  <div class="field"><label for="field-link">${t('linkEmail.wholeLink')}</label>
    <input id="field-link" name="link" type="text" autocomplete="off" spellcheck="false" class="ltr-box" value="${state.values?.link ?? ''}">${error('link')}</div>
  <div class="check"><input type="checkbox" id="field-acknowledge_link_exposure" name="acknowledge_link_exposure" value="1"><label for="field-acknowledge_link_exposure">${t('linkEmail.acknowledge')}</label>${error('acknowledge_link_exposure')}</div>`
    : ''}
  <button type="submit" class="primary">${t('linkEmail.send')}</button>
</form>
</section>`;
}

import type { PushPolicy } from '../../config/load-config.js';
import type { FilePushPolicy } from '../../config/file-push-settings.js';
import { html } from '../html.js';
import { renderPage, type PageContext } from '../layout.js';
import { describeMinutes, kindTabs, lifetimeChoices, recipientLanguageField } from './create-page.js';

const MIB = 1024 * 1024;

/**
 * The Files tab: files chosen by drag and drop or the picker, listed with their sizes under the limits,
 * then encrypted in the browser (docs/file-encryption.md) and uploaded resumably (tus) with a progress
 * bar each, by file-push-page.ts. Needs JavaScript and WebCrypto; without an account (unless
 * PASSDROP_FILE_PUSHES_ANONYMOUS) it says to sign in.
 */
export function renderFilePushPage(context: PageContext, policy: PushPolicy, files: FilePushPolicy): string {
  const { t } = context;
  const kindPolicy = policy.kinds.file;
  const mayCreate = files.anonymous || context.account !== null;
  const minutes = kindPolicy.expireAfterDays.default * 1440;
  const limits = t('files.limits', { count: files.maxFiles, file: Math.floor(files.maxFileBytes / MIB), push: Math.floor(files.maxPushBytes / MIB) });
  const form = html`<form class="file-push-form js-only" novalidate data-max-files="${files.maxFiles}" data-max-file-bytes="${files.maxFileBytes}" data-max-push-bytes="${files.maxPushBytes}">
  <div class="drop-zone" data-drop-zone>
    <p>${t('files.dropHere')}</p>
    <label for="files" class="button secondary">${t('files.choose')}</label>
    <input id="files" name="files" type="file" multiple class="visually-hidden" aria-describedby="files-limits">
  </div>
  <p class="hint" id="files-limits" data-limits>${limits}</p>
  <ul class="file-list" data-file-list aria-live="polite"></ul>
  <fieldset class="expiry">
    <legend>${t('create.expiryLegend')}</legend>
    <div class="field">
      <label for="expire_after_minutes">${t('create.lifetimeLabel')}</label>
      <select id="expire_after_minutes" name="expire_after_minutes">
        ${lifetimeChoices(kindPolicy, policy).map((choice) => html`<option value="${choice}"${choice === minutes ? html` selected` : ''}>${describeMinutes(t, choice)}</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="expire_after_views">${t('create.viewsLabel')}</label>
      <input id="expire_after_views" name="expire_after_views" type="number" inputmode="numeric" min="${kindPolicy.expireAfterViews.min}" max="${kindPolicy.expireAfterViews.max}" value="${kindPolicy.expireAfterViews.default}" required aria-describedby="expire_after_views-hint">
      <p class="hint" id="expire_after_views-hint">${t('files.viewsHint', { minutes: Math.round(files.downloadWindowMs / 60_000) })}</p>
    </div>
  </fieldset>
  <div class="field">
    <label for="passphrase">${t('create.passphraseLabel')}</label>
    <input id="passphrase" name="passphrase" type="password" autocomplete="new-password" spellcheck="false" aria-describedby="passphrase-hint">
    <p class="hint" id="passphrase-hint">${t('create.passphraseHint')}</p>
  </div>
  <p class="encryption-note">${t('files.encryption')}</p>
  ${recipientLanguageField(context, undefined)}
  <p class="form-error" role="alert" data-form-error hidden></p>
  <button type="submit" class="primary">${t('files.submit')}</button>
  <button type="button" class="secondary" data-cancel hidden>${t('files.cancel')}</button>
</form>
<p class="no-js-only alert">${t('files.needsJavaScript')}</p>`;
  const body = html`<h1>${t('files.heading')}</h1>
${kindTabs(context, policy, 'file')}
${mayCreate ? form : html`<div class="alert info"><p>${t('files.accountsOnly')}</p></div><p><a href="${context.path('/account/sign-in')}">${t('nav.signIn')}</a></p>`}`;
  return renderPage(context, {
    title: t('files.heading'),
    body,
    scripts: mayCreate ? ['file-push-page'] : [],
    browserStrings: {
      tooMany: t('files.tooMany', { count: files.maxFiles }),
      fileTooLarge: t('files.fileTooLarge', { name: '{{name}}', max: Math.floor(files.maxFileBytes / MIB) }),
      pushTooLarge: t('files.pushTooLarge', { max: Math.floor(files.maxPushBytes / MIB) }),
      none: t('files.none'),
      remove: t('files.remove'),
      progress: t('files.progress', { percent: '{{percent}}', speed: '{{speed}}', left: '{{left}}' }),
      done: t('files.done'),
      failed: t('create.failed'),
      working: t('files.working'),
      cancelled: t('files.cancelled'),
      viewsOutOfRange: t('create.viewsHint', { min: kindPolicy.expireAfterViews.min, max: kindPolicy.expireAfterViews.max }),
      insecureOrigin: t('files.insecureOrigin'),
    },
  });
}

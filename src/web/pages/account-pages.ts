import type { FieldProblem } from '../../errors/app-error.js';
import { PASSWORD_LENGTH } from '../../accounts/account-rules.js';
import { inputField, notice, problemFor } from '../form-fields.js';
import { html, trusted, type SafeHtml } from '../html.js';
import { csrfField, renderPage, type PageContext } from '../layout.js';
import { time } from './dashboard-pages.js';

/** The account rules speak stable English; pages show them in the reader's language. */
export function translateAccountProblems(context: PageContext, problems: readonly FieldProblem[]): FieldProblem[] {
  const { t } = context;
  const keyOf = (problem: FieldProblem): string | undefined => {
    if (problem.field === 'email') {
      if (problem.code === 'taken') return 'account.problem.emailTaken';
      if (problem.code === 'not_allowed') return 'account.problem.emailNotAllowed';
      return 'account.problem.email';
    }
    if (problem.field === 'password' || problem.field === 'new_password') return 'account.problem.passwordLength';
    if (problem.field === 'current_password') return 'account.problem.wrongPassword';
    if (problem.field === 'code') return problem.code === 'setup_expired' ? 'account.problem.setupExpired' : 'account.problem.wrongCode';
    return undefined;
  };
  return problems.map((problem) => {
    const key = keyOf(problem);
    return key ? { ...problem, message: t(key, { min: PASSWORD_LENGTH.min, max: PASSWORD_LENGTH.max }) } : problem;
  });
}

export function send(context: PageContext, title: string, body: SafeHtml): string {
  return renderPage(context, { title, body });
}

export interface FormState {
  readonly values?: Readonly<Record<string, string>>;
  readonly problems?: readonly FieldProblem[];
  readonly message?: string | undefined;
  readonly info?: string | undefined;
}

function passwordHint(context: PageContext): string {
  return context.t('account.passwordHint', { min: PASSWORD_LENGTH.min, max: PASSWORD_LENGTH.max });
}

export function renderSignIn(
  context: PageContext,
  state: FormState & { next?: string; allowSignups: boolean; setupPending?: boolean; mailEnabled: boolean; providers?: readonly { name: string; href: string }[]; passwords?: boolean; passkeys?: boolean },
): string {
  const { t } = context;
  const passwords = state.passwords ?? true;
  const providers = state.providers ?? [];
  // The passkey button is shown by its script only where the browser has WebAuthn.
  const passkey = state.passkeys
    ? html`<button type="button" class="secondary" data-passkey-sign-in${state.next ? html` data-next="${state.next}"` : ''} hidden>${t('passkeys.signIn')}</button>`
    : '';
  const body = html`<h1>${t('account.signIn.heading')}</h1>
${notice(state.info, 'info')}${notice(state.message)}
${providers.length > 0 || passkey !== '' ? html`<p class="actions">${providers.map((provider) => html`<a class="button secondary" href="${provider.href}">${t('sso.signInWith', { provider: provider.name })}</a>`)}${passkey}</p>
<p class="field-error" role="alert" data-passkey-error hidden></p>` : ''}
${passwords
    ? html`<form method="post" action="${context.path(`/account/sign-in`)}" class="narrow-form">
  ${csrfField(context)}
  ${state.next ? html`<input type="hidden" name="next" value="${state.next}">` : ''}
  ${inputField({ name: 'email', label: t('account.email'), type: 'email', value: state.values?.email, autocomplete: 'username webauthn', required: true })}
  ${inputField({ name: 'password', label: t('account.password'), type: 'password', autocomplete: 'current-password', required: true })}
  <button type="submit" class="primary">${t('account.signIn.submit')}</button>
</form>
<p>${state.mailEnabled ? html`<a href="${context.path(`/account/forgot-password`)}">${t('account.forgot.link')}</a>` : ''}</p>
${state.allowSignups ? html`<p>${t('account.signIn.noAccount')} <a href="${context.path(`/account/sign-up`)}">${t('account.signUp.link')}</a></p>` : ''}
${state.setupPending ? html`<p class="hint">${t('account.signIn.setupPending')} <a href="${context.path(`/setup`)}">${t('setup.heading')}</a></p>` : ''}`
    : html`<p>${t('sso.passwordsDisabled')}</p>`}`;
  if (!state.passkeys) return send(context, t('account.signIn.heading'), body);
  return renderPage(context, { title: t('account.signIn.heading'), body, scripts: ['passkeys'], browserStrings: passkeyStrings(context) });
}

function passkeyStrings(context: PageContext): Record<string, string> {
  const { t } = context;
  return { working: t('passkeys.working'), passkeyCancelled: t('passkeys.cancelled'), passkeyFailed: t('passkeys.failed') };
}

/** One of the account's passkeys, as the settings page lists it. */
export interface PasskeyView {
  readonly id: number;
  readonly name: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

/** An identity at a sign-in provider linked to the account, as the settings page lists it (times in epoch ms). */
export interface LinkedIdentityView {
  /** The provider's display name from PASSDROP_OIDC_PROVIDERS, or its id when it is no longer configured. */
  readonly providerName: string;
  /** The address the provider gave when the identity was linked or last used. */
  readonly email: string | null;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

function linkedSignInSection(context: PageContext, identities: readonly LinkedIdentityView[]): SafeHtml {
  const { t } = context;
  return html`<section aria-labelledby="linked-sign-in-heading">
  <h2 id="linked-sign-in-heading">${t('sso.linkedHeading')}</h2>
  <p>${t('sso.linkedIntro')}</p>
  ${identities.length === 0
    ? html`<p>${t('sso.linkedNone')}</p>`
    : html`<ul class="plain-list" data-linked-identities>${identities.map(
        (identity) => html`<li><strong>${identity.providerName}</strong>${identity.email ? html` · ${identity.email}` : ''} · ${t('sso.linkedOn')} ${time(context, identity.createdAt)} · ${identity.lastUsedAt === null ? t('passkeys.neverUsed') : html`${t('passkeys.lastUsed')} ${time(context, identity.lastUsedAt)}`}</li>`,
      )}</ul>`}
</section>`;
}

function passkeySection(context: PageContext, passkeys: readonly PasskeyView[]): SafeHtml {
  const { t } = context;
  return html`<section aria-labelledby="passkeys-heading">
  <h2 id="passkeys-heading">${t('passkeys.heading')}</h2>
  <p>${t('passkeys.intro')}</p>
  ${passkeys.length === 0
    ? html`<p>${t('passkeys.none')}</p>`
    : html`<ul class="plain-list" data-passkey-list>${passkeys.map(
        (passkey) => html`<li><strong>${passkey.name}</strong> · ${t('passkeys.added')} ${time(context, passkey.createdAt)} · ${passkey.lastUsedAt === null ? t('passkeys.neverUsed') : html`${t('passkeys.lastUsed')} ${time(context, passkey.lastUsedAt)}`}
  <form method="post" action="${context.path(`/account/passkeys/${passkey.id}/remove`)}" class="inline-form">${csrfField(context)}<button type="submit" class="quiet small danger" aria-label="${t('passkeys.removeNamed', { name: passkey.name })}">${t('passkeys.remove')}</button></form></li>`,
      )}</ul>`}
  ${passkeyRegisterForm(context)}
</section>`;
}

/** The "add a passkey" form (shown by the passkeys script where the browser has WebAuthn). */
function passkeyRegisterForm(context: PageContext): SafeHtml {
  const { t } = context;
  return html`<form class="narrow-form" data-passkey-register hidden>
    ${inputField({ name: 'name', label: t('passkeys.name'), hint: t('passkeys.nameHint'), autocomplete: 'off', attributes: html` maxlength="64"` })}
    <p class="field-error" role="alert" data-form-error hidden></p>
    <button type="submit" class="primary">${t('passkeys.add')}</button>
  </form>
  <p class="hint no-js-only">${t('passkeys.needsJavaScript')}</p>`;
}

/**
 * The second step of a password sign-in: a TOTP or backup code, or (`passkey`, for an account with
 * passkeys) one of the account's passkeys, offered by the passkeys script where the browser has WebAuthn.
 */
export function renderTwoFactorChallenge(context: PageContext, state: FormState & { passkey?: boolean }): string {
  const { t } = context;
  const body = html`<h1>${t('account.twoFactor.challengeHeading')}</h1>
<p>${t('account.twoFactor.challengeIntro')}</p>
${notice(state.message)}
<form method="post" action="${context.path(`/account/sign-in/two-factor`)}" class="narrow-form">
  ${csrfField(context)}
  ${inputField({ name: 'code', label: t('account.twoFactor.code'), autocomplete: 'one-time-code', hint: t('account.twoFactor.codeHint'), required: true, attributes: html` inputmode="text" spellcheck="false"` })}
  <button type="submit" class="primary">${t('account.twoFactor.verify')}</button>
</form>${state.passkey
    ? html`
<section aria-labelledby="passkey-factor-heading" data-passkey-factor>
  <h2 id="passkey-factor-heading">${t('passkeys.secondFactorHeading')}</h2>
  <p><button type="button" class="secondary" data-passkey-sign-in data-passkey-path="/account/sign-in/two-factor/passkey" hidden>${t('passkeys.useInstead')}</button></p>
  <p class="field-error" role="alert" data-passkey-error hidden></p>
</section>`
    : ''}`;
  if (!state.passkey) return send(context, t('account.twoFactor.challengeHeading'), body);
  return renderPage(context, { title: t('account.twoFactor.challengeHeading'), body, scripts: ['passkeys'], browserStrings: passkeyStrings(context) });
}

export function renderSignUp(context: PageContext, state: FormState & { emailPatternHint?: string | undefined }): string {
  const { t } = context;
  const problems = state.problems ?? [];
  const body = html`<h1>${t('account.signUp.heading')}</h1>
${notice(state.message)}
<form method="post" action="${context.path(`/account/sign-up`)}" class="narrow-form" novalidate>
  ${csrfField(context)}
  ${inputField({ name: 'email', label: t('account.email'), type: 'email', value: state.values?.email, autocomplete: 'email', required: true, problem: problemFor(problems, 'email') })}
  ${inputField({ name: 'password', label: t('account.password'), type: 'password', autocomplete: 'new-password', hint: passwordHint(context), required: true, problem: problemFor(problems, 'password') })}
  <button type="submit" class="primary">${t('account.signUp.submit')}</button>
</form>
<p>${t('account.signUp.haveAccount')} <a href="${context.path(`/account/sign-in`)}">${t('account.signIn.link')}</a></p>`;
  return send(context, t('account.signUp.heading'), body);
}

export function renderMessagePage(context: PageContext, heading: string, message: string, link?: { href: string; label: string }): string {
  const body = html`<h1>${heading}</h1><p>${message}</p>${link ? html`<p><a href="${link.href}">${link.label}</a></p>` : ''}`;
  return send(context, heading, body);
}

export function renderForgotPassword(context: PageContext, state: FormState): string {
  const { t } = context;
  const body = html`<h1>${t('account.forgot.heading')}</h1>
<p>${t('account.forgot.intro')}</p>
${notice(state.info, 'info')}${notice(state.message)}
<form method="post" action="${context.path(`/account/forgot-password`)}" class="narrow-form">
  ${csrfField(context)}
  ${inputField({ name: 'email', label: t('account.email'), type: 'email', value: state.values?.email, autocomplete: 'email', required: true })}
  <button type="submit" class="primary">${t('account.forgot.submit')}</button>
</form>`;
  return send(context, t('account.forgot.heading'), body);
}

export function renderResetPassword(context: PageContext, token: string, state: FormState): string {
  const { t } = context;
  const body = html`<h1>${t('account.reset.heading')}</h1>
${notice(state.message)}
<form method="post" action="${context.path(`/account/reset-password`)}" class="narrow-form" novalidate>
  ${csrfField(context)}
  <input type="hidden" name="token" value="${token}">
  ${inputField({ name: 'password', label: t('account.newPassword'), type: 'password', autocomplete: 'new-password', hint: passwordHint(context), required: true, problem: problemFor(state.problems ?? [], 'password') })}
  <button type="submit" class="primary">${t('account.reset.submit')}</button>
</form>`;
  return send(context, t('account.reset.heading'), body);
}

export function renderFirstRun(context: PageContext, state: FormState): string {
  const { t } = context;
  const problems = state.problems ?? [];
  const body = html`<h1>${t('setup.heading')}</h1>
<p>${t('setup.intro')}</p>
${notice(state.message)}
<form method="post" action="${context.path(`/setup`)}" class="narrow-form" novalidate>
  ${inputField({ name: 'code', label: t('setup.code'), hint: t('setup.codeHint'), autocomplete: 'off', required: true, problem: problemFor(problems, 'code'), attributes: html` spellcheck="false"` })}
  ${inputField({ name: 'email', label: t('account.email'), type: 'email', value: state.values?.email, autocomplete: 'email', required: true, problem: problemFor(problems, 'email') })}
  ${inputField({ name: 'password', label: t('account.password'), type: 'password', autocomplete: 'new-password', hint: passwordHint(context), required: true, problem: problemFor(problems, 'password') })}
  <button type="submit" class="primary">${t('setup.submit')}</button>
</form>`;
  return send(context, t('setup.heading'), body);
}

export interface SettingsView {
  readonly email: string;
  readonly twoFactorEnabled: boolean;
  readonly unusedBackupCodes: number;
  readonly requireMfa: boolean;
}

/**
 * The settings page. `passkeys` is undefined when passkeys are off; `identities` is undefined when no
 * sign-in provider is configured and none is linked (then the "Linked sign-in" section is left out).
 */
export function renderSettings(
  context: PageContext,
  view: SettingsView & { passkeys?: readonly PasskeyView[] | undefined; identities?: readonly LinkedIdentityView[] | undefined },
  state: FormState & { form?: string }): string {
  const { t } = context;
  const problems = state.problems ?? [];
  const forForm = (form: string, field: string) => (state.form === form ? problemFor(problems, field) : undefined);
  const body = html`<h1>${t('account.settings.heading')}</h1>
${notice(state.info, 'info')}${notice(state.message)}
<section aria-labelledby="email-heading">
  <h2 id="email-heading">${t('account.settings.emailHeading')}</h2>
  <p>${t('account.settings.currentEmail', { email: view.email })}</p>
  <form method="post" action="${context.path(`/account/email`)}" class="narrow-form" novalidate>
    ${csrfField(context)}
    ${inputField({ name: 'email', label: t('account.settings.newEmail'), type: 'email', autocomplete: 'email', required: true, problem: forForm('email', 'email') })}
    ${inputField({ name: 'current_password', label: t('account.currentPassword'), type: 'password', autocomplete: 'current-password', required: true, problem: forForm('email', 'current_password') })}
    <button type="submit" class="primary">${t('account.settings.changeEmail')}</button>
  </form>
</section>
<section aria-labelledby="password-heading">
  <h2 id="password-heading">${t('account.settings.passwordHeading')}</h2>
  <form method="post" action="${context.path(`/account/password`)}" class="narrow-form" novalidate>
    ${csrfField(context)}
    ${inputField({ name: 'current_password', label: t('account.currentPassword'), type: 'password', autocomplete: 'current-password', required: true, problem: forForm('password', 'current_password') })}
    ${inputField({ name: 'new_password', label: t('account.newPassword'), type: 'password', autocomplete: 'new-password', hint: passwordHint(context), required: true, problem: forForm('password', 'new_password') })}
    <button type="submit" class="primary">${t('account.settings.changePassword')}</button>
  </form>
</section>
<section aria-labelledby="two-factor-heading">
  <h2 id="two-factor-heading">${t('account.twoFactor.heading')}</h2>
  ${view.twoFactorEnabled
    ? html`<p>${t('account.twoFactor.on')} ${t('account.twoFactor.backupLeft', { count: view.unusedBackupCodes })}</p>
  <form method="post" action="${context.path(`/account/two-factor/backup-codes`)}" class="narrow-form">
    ${csrfField(context)}
    ${inputField({ name: 'current_password', label: t('account.currentPassword'), type: 'password', autocomplete: 'current-password', required: true, problem: forForm('backup', 'current_password') })}
    <div class="actions">
      <button type="submit" class="secondary">${t('account.twoFactor.newBackupCodes')}</button>
      ${view.requireMfa ? '' : html`<button type="submit" class="danger" formaction="${context.path(`/account/two-factor/disable`)}">${t('account.twoFactor.disable')}</button>`}
    </div>
  </form>`
    : html`<p>${t('account.twoFactor.off')}</p><p><a class="button primary" href="${context.path(`/account/two-factor`)}">${t('account.twoFactor.setUp')}</a></p>`}
</section>
${view.identities ? linkedSignInSection(context, view.identities) : ''}
${view.passkeys ? passkeySection(context, view.passkeys) : ''}
<section aria-labelledby="tokens-heading">
  <h2 id="tokens-heading">${t('account.settings.tokensHeading')}</h2>
  <p>${t('account.settings.tokensIntro')}</p>
  <p><a href="${context.path(`/account/tokens`)}">${t('account.settings.manageTokens')}</a></p>
</section>
<section aria-labelledby="notifications-heading">
  <h2 id="notifications-heading">${t('account.settings.notificationsHeading')}</h2>
  <p>${t('account.settings.notificationsIntro')}</p>
  <p><a href="${context.path(`/account/notifications`)}">${t('receipts.manage')}</a> · <a href="${context.path(`/account/inbox`)}">${t('receipts.inbox')}</a> · <a href="${context.path(`/account/webhooks`)}">${t('webhooks.manage')}</a></p>
</section>
<section aria-labelledby="delete-heading">
  <h2 id="delete-heading">${t('account.delete.heading')}</h2>
  <p>${t('account.delete.intro')}</p>
  <form method="post" action="${context.path(`/account/delete`)}" class="narrow-form" novalidate>
    ${csrfField(context)}
    ${inputField({ name: 'current_password', label: t('account.currentPassword'), type: 'password', autocomplete: 'current-password', required: true, problem: forForm('delete', 'current_password') })}
    <button type="submit" class="danger">${t('account.delete.submit')}</button>
  </form>
</section>`;
  if (!view.passkeys) return send(context, t('account.settings.heading'), body);
  return renderPage(context, { title: t('account.settings.heading'), body, scripts: ['passkeys'], browserStrings: passkeyStrings(context) });
}

export function renderTwoFactorSetup(context: PageContext, setup: { secret: string; uri: string; qrSvg: string; passkeyInstead?: boolean }, state: FormState): string {
  const { t } = context;
  const body = html`<h1>${t('account.twoFactor.setupHeading')}</h1>
${notice(state.info, 'info')}
<ol>
  <li>${t('account.twoFactor.step1')}</li>
  <li>${t('account.twoFactor.step2')}</li>
</ol>
<figure class="qr totp-qr">${trusted(setup.qrSvg)}<figcaption>${t('account.twoFactor.qrCaption')}</figcaption></figure>
<p>${t('account.twoFactor.manualKey')} <code id="totp-secret">${setup.secret.match(/.{4}/g)?.join(' ') ?? setup.secret}</code></p>
<form method="post" action="${context.path(`/account/two-factor`)}" class="narrow-form" novalidate>
  ${csrfField(context)}
  <input type="hidden" name="secret" value="${setup.secret}">
  ${inputField({ name: 'code', label: t('account.twoFactor.code'), autocomplete: 'one-time-code', required: true, problem: problemFor(state.problems ?? [], 'code'), attributes: html` inputmode="numeric" spellcheck="false"` })}
  <button type="submit" class="primary">${t('account.twoFactor.enable')}</button>
</form>${setup.passkeyInstead
    ? html`
<section aria-labelledby="passkey-instead-heading">
  <h2 id="passkey-instead-heading">${t('passkeys.insteadHeading')}</h2>
  <p>${t('passkeys.insteadIntro')}</p>
  ${passkeyRegisterForm(context)}
</section>`
    : ''}`;
  if (!setup.passkeyInstead) return send(context, t('account.twoFactor.setupHeading'), body);
  return renderPage(context, { title: t('account.twoFactor.setupHeading'), body, scripts: ['passkeys'], browserStrings: passkeyStrings(context) });
}

export function renderBackupCodes(context: PageContext, codes: readonly string[]): string {
  const { t } = context;
  const body = html`<h1>${t('account.twoFactor.backupHeading')}</h1>
<p>${t('account.twoFactor.backupIntro')}</p>
<ul class="codes" id="backup-codes">${codes.map((code) => html`<li><code>${code}</code></li>`)}</ul>
<p><button type="button" class="secondary js-only" data-copy="backup-codes">${t('common.copy')}</button></p>
<p><a class="button primary" href="${context.path(`/dashboard`)}">${t('account.twoFactor.done')}</a></p>`;
  return send(context, t('account.twoFactor.backupHeading'), body);
}

export interface TokenRow {
  readonly id: number;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly lastUsedAt: number | null;
}

export const TOKEN_LIFETIME_DAYS = [7, 30, 90, 365] as const;

export function renderTokens(
  context: PageContext,
  tokens: readonly TokenRow[],
  state: FormState & { created?: string | undefined } = {},
): string {
  const { t } = context;
  const when = (epochMs: number | null, fallback: string) => (epochMs === null ? fallback : time(context, epochMs));
  const body = html`<p><a href="${context.path(`/account`)}">${t('account.settings.heading')}</a></p>
<h1>${t('account.tokens.heading')}</h1>
<p>${t('account.tokens.intro')}</p>
${notice(state.info, 'info')}${notice(state.message)}
${state.created
  ? html`<section class="alert info" aria-labelledby="new-token-heading">
  <h2 id="new-token-heading">${t('account.tokens.createdHeading')}</h2>
  <p>${t('account.tokens.createdIntro')}</p>
  <p class="copy-row"><input id="new-token" type="text" readonly value="${state.created}" aria-labelledby="new-token-heading"><button type="button" class="secondary js-only" data-copy="new-token">${t('common.copy')}</button></p>
</section>`
  : ''}
${tokens.length === 0
  ? html`<p>${t('account.tokens.none')}</p>`
  : html`<div class="table-wrap" role="region" tabindex="0" aria-label="${t('account.tokens.listCaption')}"><table class="list">
  <thead><tr><th scope="col">${t('account.tokens.name')}</th><th scope="col">${t('account.tokens.prefix')}</th><th scope="col">${t('account.tokens.created')}</th><th scope="col">${t('account.tokens.expires')}</th><th scope="col">${t('account.tokens.lastUsed')}</th><th scope="col"><span class="visually-hidden">${t('account.tokens.revoke')}</span></th></tr></thead>
  <tbody>${tokens.map(
    (token) => html`<tr>
  <td>${token.name}</td><td><code>${token.prefix}…</code></td><td>${time(context, token.createdAt)}</td>
  <td>${when(token.expiresAt, t('account.tokens.never'))}</td><td>${when(token.lastUsedAt, t('account.tokens.unused'))}</td>
  <td><form method="post" action="${context.path(`/account/tokens/${String(token.id)}/revoke`)}" class="inline-form">${csrfField(context)}<button type="submit" class="danger small" aria-label="${t('account.tokens.revoke')}: ${token.name}">${t('account.tokens.revoke')}</button></form></td>
</tr>`,
  )}</tbody>
</table></div>`}
<section aria-labelledby="create-token-heading">
  <h2 id="create-token-heading">${t('account.tokens.createHeading')}</h2>
  <form method="post" action="${context.path(`/account/tokens`)}" class="narrow-form" novalidate>
    ${csrfField(context)}
    ${inputField({ name: 'name', label: t('account.tokens.name'), hint: t('account.tokens.nameHint'), required: true, value: state.values?.name, problem: problemFor(state.problems ?? [], 'name'), attributes: html` maxlength="100"` })}
    <div class="field"><label for="field-expires">${t('account.tokens.expiresAfter')}</label>
      <select id="field-expires" name="expires_in_days">
        <option value="">${t('account.tokens.never')}</option>
        ${TOKEN_LIFETIME_DAYS.map((days) => html`<option value="${String(days)}">${t('duration.days', { count: days })}</option>`)}
      </select></div>
    <button type="submit" class="primary">${t('account.tokens.create')}</button>
  </form>
</section>`;
  return renderPage(context, { title: t('account.tokens.heading'), body, wide: true });
}

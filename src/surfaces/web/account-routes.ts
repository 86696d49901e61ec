import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { createEmailLinks, type EmailLinks } from '../../accounts/email-links.js';
import { newTotpSecret, totpUri } from '../../accounts/two-factor.js';
import type { PageContext } from '../../web/layout.js';
import {
  renderBackupCodes,
  renderFirstRun,
  renderForgotPassword,
  renderMessagePage,
  renderResetPassword,
  renderSettings,
  renderSignIn,
  renderSignUp,
  renderTwoFactorChallenge,
  renderTwoFactorSetup,
  translateAccountProblems,
  type FormState,
} from '../../web/pages/account-pages.js';
import { auditContextOf, requesterOf } from '../surface-kit/request-facts.js';
import { safeNextPath } from './web-guards.js';
import { clearSessionCookie, setSessionCookie } from './web-session.js';
import type { WebRouteContext } from './web-surface.js';

function field(request: FastifyRequest, name: string): string {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

function minutesOf(ms: number): number {
  return Math.max(1, Math.ceil(ms / 60_000));
}

/**
 * The account pages: sign-up, sign-in (with the second factor), sign-out, the settings page (email,
 * password, two-factor, deletion), email confirmation, password reset and the first-run page.
 */
export function registerAccountRoutes(app: FastifyInstance, deps: WebRouteContext): void {
  const { signIn, settings, config, pageContext, site } = deps;
  const open = { access: 'public' } as const;
  const policy = config.accounts;
  const htmlReply = (reply: FastifyReply, status: number, page: string) => reply.code(status).type('text/html; charset=utf-8').send(page);

  function emailLinks(request: FastifyRequest, context: PageContext): EmailLinks {
    const { t } = context;
    return createEmailLinks({
      mailer: deps.mailer,
      accounts: deps.accounts,
      clock: deps.clock,
      // Emailed links leave the request: only PASSDROP_BASE_URL (required with SMTP), never the request's Host.
      // Without SMTP nothing is sent, so the link is never built into anything that leaves.
      baseUrl: site.configuredUrl ?? '',
      logger: request.log,
      texts: {
        subject: (purpose) => t(`email.${purpose}.subject`, { site: config.brand.title }),
        body: (purpose, link) => t(`email.${purpose}.body`, { site: config.brand.title, link }),
      },
    });
  }

  const passwords = !policy.sso.ssoOnly;
  // On a fresh instance sign-up stays closed until the first run: the page says so instead of offering it.
  const signInState = async (extra: FormState & { next?: string } = {}) => {
    const signUpsOpenLater = policy.allowSignups && passwords && (await signIn.needsFirstRun());
    return {
      ...extra,
      allowSignups: policy.allowSignups && passwords && !signUpsOpenLater,
      setupPending: signUpsOpenLater,
      mailEnabled: deps.mailer.enabled && passwords,
      passwords,
      passkeys: deps.passkeys.enabled,
      providers: deps.oidc.providers.map((provider) => ({
        name: provider.name,
        href: site.path(`/account/sso/${provider.id}${extra.next ? `?next=${encodeURIComponent(extra.next)}` : ''}`),
      })),
    };
  };

  app.get('/account/sign-in', { config: open, exposeHeadRoute: true }, async (request, reply) => {
    const context = pageContext(request, reply);
    if (!policy.allowLogins) return htmlReply(reply, 403, renderMessagePage(context, context.t('account.signIn.heading'), context.t('account.loginsDisabled')));
    if (request.user) return reply.redirect(site.path('/dashboard'), 303);
    const query = request.query as Record<string, unknown>;
    const next = safeNextPath(query.next, site.basePath);
    const info = query.reset === '1' ? context.t('account.reset.done') : query.confirmed === '1' ? context.t('account.confirm.done') : undefined;
    return htmlReply(reply, 200, renderSignIn(context, await signInState({ ...(next ? { next } : {}), info })));
  });

  app.post('/account/sign-in', { config: open }, async (request, reply) => {
    const context = pageContext(request, reply);
    const { t } = context;
    const email = field(request, 'email');
    const next = safeNextPath(field(request, 'next'), site.basePath);
    const result = await signIn.signIn({ email, password: field(request, 'password') }, requesterOf(request));
    if (result.ok) {
      setSessionCookie(reply, result.session, deps.cookies);
      if (result.mfaPending) return reply.redirect(site.path(`/account/sign-in/two-factor`), 303);
      return reply.redirect(next ?? site.path('/dashboard'), 303);
    }
    const failure = {
      invalid: [401, t('account.signIn.invalid')],
      logins_disabled: [403, t('account.loginsDisabled')],
      passwords_disabled: [403, t('sso.passwordsDisabled')],
      disabled: [403, t('account.signIn.disabled')],
      unconfirmed: [403, t('account.signIn.unconfirmed')],
      locked: [429, t('account.signIn.locked', { count: 'retryAfterMs' in result ? minutesOf(result.retryAfterMs) : 1 })],
      rate_limited: [429, t('account.tooManyAttempts', { count: 'retryAfterMs' in result ? minutesOf(result.retryAfterMs) : 1 })],
    } as const satisfies Record<typeof result.reason, readonly [number, string]>;
    const [status, message] = failure[result.reason];
    if (result.reason === 'unconfirmed') {
      // The password proved who this is: a fresh link replaces one that expired or got lost.
      const resent = await emailLinks(request, context).sendConfirmation(result.user);
      const info = resent ? t('account.signIn.confirmationResent', { email: result.user.email }) : undefined;
      return htmlReply(reply, status, renderSignIn(context, await signInState({ values: { email }, message, info, ...(next ? { next } : {}) })));
    }
    if ('retryAfterMs' in result) reply.header('retry-after', String(Math.ceil(result.retryAfterMs / 1000)));
    return htmlReply(reply, status, renderSignIn(context, await signInState({ values: { email }, message, ...(next ? { next } : {}) })));
  });

  // An account with passkeys may finish with one of them instead of a code (passkey-routes.ts checks it).
  const passkeyFactor = (request: FastifyRequest) => deps.passkeys.enabled && (request.sessionUser?.passkeyCount ?? 0) > 0;

  app.get('/account/sign-in/two-factor', { config: open }, async (request, reply) => {
    if (!request.session?.mfaPending) return reply.redirect(site.path('/account/sign-in'), 303);
    return htmlReply(reply, 200, renderTwoFactorChallenge(pageContext(request, reply), { passkey: passkeyFactor(request) }));
  });

  app.post('/account/sign-in/two-factor', { config: open }, async (request, reply) => {
    const context = pageContext(request, reply);
    if (!request.session?.mfaPending) return reply.redirect(site.path('/account/sign-in'), 303);
    const result = await signIn.completeSecondFactor(request.session, field(request, 'code'), requesterOf(request));
    if (result.ok) {
      setSessionCookie(reply, result.session, deps.cookies);
      return reply.redirect(site.path('/dashboard'), 303);
    }
    const { t } = context;
    const message =
      result.reason === 'invalid' ? t('account.problem.wrongCode')
      : result.reason === 'locked' ? t('account.signIn.locked', { count: minutesOf(result.retryAfterMs) })
      : t('account.tooManyAttempts', { count: minutesOf(result.retryAfterMs) });
    return htmlReply(reply, result.reason === 'invalid' ? 401 : 429, renderTwoFactorChallenge(context, { message, passkey: passkeyFactor(request) }));
  });

  app.post('/account/sign-out', { config: open }, async (request, reply) => {
    // A session that came from a provider offering RP-initiated logout ends there too, then comes back home.
    const providerLogout = request.session ? await deps.oidc.endSessionUrl(request.session, `${site.publicUrl(request)}/`) : undefined;
    if (request.session) await signIn.endSession(request.session);
    clearSessionCookie(reply, deps.cookies);
    if (providerLogout === undefined) return reply.redirect(site.path('/'), 303);
    // Not a 303: CSP Level 3 applies `form-action 'self'` to the redirects after a form post, so Chromium
    // would block one to the provider. A page that navigates by the Refresh header (outside form-action),
    // with the link in case the browser does not follow.
    request.session = null;
    request.user = null;
    const context = pageContext(request, reply);
    reply.header('refresh', `0; url=${providerLogout}`);
    return htmlReply(
      reply,
      200,
      renderMessagePage(context, context.t('sso.signedOutHeading'), context.t('sso.signingOutOfProvider'), { href: providerLogout, label: context.t('sso.continueSignOut') }),
    );
  });

  /** Sign-up before the operator's first run: closed, pointing to the first-run page. */
  const setupPending = (context: PageContext, reply: FastifyReply) =>
    htmlReply(reply, 403, renderMessagePage(context, context.t('account.signUp.heading'), context.t('account.setupPending'), { href: site.path('/setup'), label: context.t('setup.heading') }));

  app.get('/account/sign-up', { config: open, exposeHeadRoute: true }, async (request, reply) => {
    const context = pageContext(request, reply);
    if (!policy.allowSignups || !passwords) return htmlReply(reply, 403, renderMessagePage(context, context.t('account.signUp.heading'), context.t(passwords ? 'account.signupsDisabled' : 'sso.passwordsDisabled')));
    if (await signIn.needsFirstRun()) return setupPending(context, reply);
    return htmlReply(reply, 200, renderSignUp(context, {}));
  });

  app.post('/account/sign-up', { config: { ...open, limits: ['sign-up'] } }, async (request, reply) => {
    const context = pageContext(request, reply);
    const { t } = context;
    const email = field(request, 'email');
    const result = await signIn.signUp({ email, password: field(request, 'password') }, requesterOf(request), emailLinks(request, context));
    if (result.ok && 'session' in result) {
      setSessionCookie(reply, result.session, deps.cookies);
      return reply.redirect(site.path(policy.requireMfa ? '/account/two-factor' : '/dashboard'), 303);
    }
    if (result.ok) return htmlReply(reply, 200, renderMessagePage(context, t('account.signUp.heading'), t('account.signUp.checkInbox', { email })));
    if (result.reason === 'signups_disabled') return htmlReply(reply, 403, renderMessagePage(context, t('account.signUp.heading'), t('account.signupsDisabled')));
    if (result.reason === 'setup_pending') return setupPending(context, reply);
    if (result.reason === 'rate_limited') {
      return htmlReply(reply, 429, renderSignUp(context, { values: { email }, message: t('account.tooManyAttempts', { count: minutesOf(result.retryAfterMs) }) }));
    }
    if (result.reason === 'mail_failed') return htmlReply(reply, 503, renderSignUp(context, { values: { email }, message: t('account.mailFailed') }));
    return htmlReply(reply, 422, renderSignUp(context, { values: { email }, problems: translateAccountProblems(context, 'problems' in result ? result.problems : []) }));
  });

  app.get('/account/confirm', { config: open }, async (request, reply) => {
    const context = pageContext(request, reply);
    const token = (request.query as Record<string, unknown>).token;
    const confirmed = typeof token === 'string' && token.length <= 100 && (await settings.confirmEmail(token));
    if (confirmed) return reply.redirect(site.path(request.user ? '/account?confirmed=1' : '/account/sign-in?confirmed=1'), 303);
    return htmlReply(reply, 404, renderMessagePage(context, context.t('account.confirm.heading'), context.t('account.invalidLink')));
  });

  app.get('/account/forgot-password', { config: open, exposeHeadRoute: true }, async (request, reply) => {
    const context = pageContext(request, reply);
    if (!deps.mailer.enabled || !passwords) return htmlReply(reply, 404, renderMessagePage(context, context.t('account.forgot.heading'), context.t(passwords ? 'account.forgot.noMail' : 'sso.passwordsDisabled')));
    return htmlReply(reply, 200, renderForgotPassword(context, {}));
  });

  app.post('/account/forgot-password', { config: open }, async (request, reply) => {
    const context = pageContext(request, reply);
    const { t } = context;
    const email = field(request, 'email');
    if (!passwords) return htmlReply(reply, 404, renderMessagePage(context, t('account.forgot.heading'), t('sso.passwordsDisabled')));
    const wait = await signIn.throttle('reset', requesterOf(request));
    if (wait !== undefined) return htmlReply(reply, 429, renderForgotPassword(context, { values: { email }, message: t('account.tooManyAttempts', { count: minutesOf(wait) }) }));
    const result = await settings.requestPasswordReset(email, emailLinks(request, context));
    if (result.ok) return htmlReply(reply, 200, renderForgotPassword(context, { info: t('account.forgot.sent', { email }) }));
    if (result.reason === 'mail_disabled') return htmlReply(reply, 404, renderMessagePage(context, t('account.forgot.heading'), t('account.forgot.noMail')));
    return htmlReply(reply, 503, renderForgotPassword(context, { values: { email }, message: t('account.mailFailed') }));
  });

  app.get('/account/reset-password', { config: open, exposeHeadRoute: true }, async (request, reply) => {
    const context = pageContext(request, reply);
    const token = (request.query as Record<string, unknown>).token;
    if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
      return htmlReply(reply, 404, renderMessagePage(context, context.t('account.reset.heading'), context.t('account.invalidLink')));
    }
    return htmlReply(reply, 200, renderResetPassword(context, token, {}));
  });

  app.post('/account/reset-password', { config: open }, async (request, reply) => {
    const context = pageContext(request, reply);
    const { t } = context;
    const token = field(request, 'token');
    if (!passwords) return htmlReply(reply, 404, renderMessagePage(context, t('account.reset.heading'), t('sso.passwordsDisabled')));
    const result = await settings.resetPassword(token, field(request, 'password'));
    if (result.ok) return reply.redirect(site.path('/account/sign-in?reset=1'), 303);
    if ('reason' in result) return htmlReply(reply, 404, renderMessagePage(context, t('account.reset.heading'), t('account.invalidLink')));
    return htmlReply(reply, 422, renderResetPassword(context, token, { problems: translateAccountProblems(context, result.problems) }));
  });

  registerSettingsRoutes(app, deps, htmlReply, emailLinks);
  registerFirstRunRoutes(app, deps, htmlReply);
}

type HtmlReply = (reply: FastifyReply, status: number, page: string) => FastifyReply;

function registerSettingsRoutes(
  app: FastifyInstance,
  deps: WebRouteContext,
  htmlReply: HtmlReply,
  emailLinks: (request: FastifyRequest, context: PageContext) => EmailLinks,
): void {
  const { settings, pageContext, config, site } = deps;
  const account = { access: 'account' } as const;

  async function settingsPage(request: FastifyRequest, reply: FastifyReply, status: number, state: FormState & { form?: string }) {
    const user = request.sessionUser!;
    const context = pageContext(request, reply);
    const identities = await deps.oidc.identities(user);
    const providerName = (id: string) => deps.oidc.providers.find((provider) => provider.id === id)?.name ?? id;
    const view = {
      email: user.email,
      twoFactorEnabled: user.twoFactorEnabled,
      unusedBackupCodes: user.twoFactorEnabled ? await settings.unusedBackupCodes(user) : 0,
      requireMfa: config.accounts.requireMfa,
      passkeys: deps.passkeys.enabled
        ? (await deps.passkeys.list(user)).map(({ id, name, createdAt, lastUsedAt }) => ({ id, name, createdAt, lastUsedAt }))
        : undefined,
      identities:
        deps.oidc.providers.length > 0 || identities.length > 0
          ? identities.map(({ provider, email, createdAt, lastUsedAt }) => ({ providerName: providerName(provider), email, createdAt, lastUsedAt }))
          : undefined,
    };
    const problems = state.problems ? translateAccountProblems(context, state.problems) : undefined;
    return htmlReply(reply, status, renderSettings(context, view, { ...state, ...(problems ? { problems } : {}) }));
  }

  app.get('/account', { config: account }, async (request, reply) => {
    const { t } = pageContext(request, reply);
    const query = request.query as Record<string, unknown>;
    const info =
      query.saved === '1' ? t('account.settings.saved')
      : query.confirmed === '1' ? t('account.confirm.done')
      : query.passkey === 'added' ? t('passkeys.addedNotice')
      : query.passkey === 'removed' ? t('passkeys.removedNotice')
      : undefined;
    return settingsPage(request, reply, 200, { info });
  });

  app.post('/account/password', { config: account }, async (request, reply) => {
    const user = request.user!;
    const result = await settings.changePassword(user, request.session!, { current: field(request, 'current_password'), next: field(request, 'new_password') });
    if (result.ok) return reply.redirect(site.path('/account?saved=1'), 303);
    return settingsPage(request, reply, 422, { form: 'password', ...('problems' in result ? { problems: result.problems } : {}) });
  });

  app.post('/account/email', { config: account }, async (request, reply) => {
    const user = request.user!;
    const context = pageContext(request, reply);
    const email = field(request, 'email');
    const result = await settings.changeEmail(user, { password: field(request, 'current_password'), email }, emailLinks(request, context));
    if (result.ok && 'confirmationSent' in result) return settingsPage(request, reply, 200, { info: context.t('account.settings.confirmNewEmail', { email }) });
    if (result.ok) return reply.redirect(site.path('/account?saved=1'), 303);
    if ('reason' in result) return settingsPage(request, reply, 503, { message: context.t('account.mailFailed') });
    return settingsPage(request, reply, 422, { form: 'email', problems: result.problems });
  });

  app.post('/account/delete', { config: account }, async (request, reply) => {
    const user = request.user!;
    const result = await settings.deleteAccount(user, field(request, 'current_password'), (userId) => deps.pushes.expireAllOwned(userId, auditContextOf(request, userId)));
    if (!result.ok) return settingsPage(request, reply, 422, { form: 'delete', ...('problems' in result ? { problems: result.problems } : {}) });
    clearSessionCookie(reply, deps.cookies);
    const context = pageContext(request, reply);
    return htmlReply(reply, 200, renderMessagePage(context, context.t('account.delete.heading'), context.t('account.delete.done'), { href: site.path('/'), label: context.t('layout.newPush') }));
  });

  // Two-factor set-up is reachable with a session that require_mfa holds back (that is its purpose).
  const setup = { access: 'session' } as const;

  async function setupPage(request: FastifyRequest, reply: FastifyReply, secret: string, status: number, state: FormState) {
    const user = request.sessionUser!;
    const uri = totpUri(secret, user.email, config.brand.title);
    const qrSvg = await QRCode.toString(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    // Where the operator lets a passkey stand for TOTP (PASSDROP_MFA_SATISFIED_BY=passkey), the page offers one instead.
    const passkeyInstead = deps.passkeys.enabled && config.accounts.sso.mfaSatisfiedBy.includes('passkey');
    return htmlReply(reply, status, renderTwoFactorSetup(pageContext(request, reply), { secret, uri, qrSvg, passkeyInstead }, state));
  }

  app.get('/account/two-factor', { config: setup }, async (request, reply) => {
    const user = request.sessionUser!;
    if (user.twoFactorEnabled) return reply.redirect(site.path('/account'), 303);
    const { t } = pageContext(request, reply);
    const info = config.accounts.requireMfa ? t('account.twoFactor.required') : undefined;
    return setupPage(request, reply, newTotpSecret(), 200, { info });
  });

  app.post('/account/two-factor', { config: setup }, async (request, reply) => {
    const user = request.sessionUser!;
    const secret = field(request, 'secret');
    const result = await settings.enableTwoFactor(user, secret, field(request, 'code'));
    if (result.ok) return htmlReply(reply, 200, renderBackupCodes(pageContext(request, reply), result.backupCodes));
    const context = pageContext(request, reply);
    return setupPage(request, reply, /^[A-Z2-7]{32}$/.test(secret) ? secret : newTotpSecret(), 422, { problems: translateAccountProblems(context, result.problems) });
  });

  app.post('/account/two-factor/backup-codes', { config: account }, async (request, reply) => {
    const user = request.user!;
    const result = await settings.regenerateBackupCodes(user, field(request, 'current_password'));
    if (result.ok) return htmlReply(reply, 200, renderBackupCodes(pageContext(request, reply), result.backupCodes));
    return settingsPage(request, reply, 422, { form: 'backup', problems: result.problems });
  });

  app.post('/account/two-factor/disable', { config: account }, async (request, reply) => {
    const user = request.user!;
    if (config.accounts.requireMfa) return reply.redirect(site.path('/account'), 303);
    const result = await settings.disableTwoFactor(user, field(request, 'current_password'));
    if (result.ok) return reply.redirect(site.path('/account?saved=1'), 303);
    return settingsPage(request, reply, 422, { form: 'backup', ...('problems' in result ? { problems: result.problems } : {}) });
  });
}

function registerFirstRunRoutes(app: FastifyInstance, deps: WebRouteContext, htmlReply: HtmlReply): void {
  const { signIn, pageContext, site } = deps;
  const open = { access: 'public' } as const;
  const closed = (request: FastifyRequest, reply: FastifyReply) => {
    const context = pageContext(request, reply);
    return htmlReply(reply, 404, renderMessagePage(context, context.t('setup.heading'), context.t('setup.done'), { href: site.path('/account/sign-in'), label: context.t('account.signIn.link') }));
  };

  app.get('/setup', { config: open }, async (request, reply) => {
    if (!(await signIn.needsFirstRun())) return closed(request, reply);
    return htmlReply(reply, 200, renderFirstRun(pageContext(request, reply), {}));
  });

  app.post('/setup', { config: open }, async (request, reply) => {
    const context = pageContext(request, reply);
    const { t } = context;
    const email = field(request, 'email');
    const result = await signIn.completeFirstRun({ code: firstRunCodeFrom(field(request, 'code')), email, password: field(request, 'password') }, requesterOf(request));
    if (result.ok) {
      setSessionCookie(reply, result.session, deps.cookies);
      request.log.info({ userId: result.user.id }, 'first admin account created on the first-run page');
      return reply.redirect(site.path('/admin'), 303);
    }
    if (result.reason === 'already_set_up') return closed(request, reply);
    if (result.reason === 'rate_limited') return htmlReply(reply, 429, renderFirstRun(context, { values: { email }, message: t('account.tooManyAttempts', { count: minutesOf(result.retryAfterMs) }) }));
    if (result.reason === 'wrong_code') return htmlReply(reply, 401, renderFirstRun(context, { values: { email }, problems: [{ field: 'code', code: 'incorrect', message: t('setup.wrongCode') }] }));
    return htmlReply(reply, 422, renderFirstRun(context, { values: { email }, problems: translateAccountProblems(context, 'problems' in result ? result.problems : []) }));
  });
}

/**
 * The first-run code as pasted: the log line is JSON, so a copied code often brings a quote, a brace or a
 * space with it. Anything outside the code's base64url alphabet at either end is dropped.
 */
export function firstRunCodeFrom(pasted: string): string {
  return pasted.replace(/^[^A-Za-z0-9_-]+|[^A-Za-z0-9_-]+$/g, '');
}

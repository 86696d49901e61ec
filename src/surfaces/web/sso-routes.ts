import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OidcCompleteResult } from '../../accounts/oidc-sign-in-service.js';
import { renderMessagePage } from '../../web/pages/account-pages.js';
import { requesterOf } from '../surface-kit/request-facts.js';
import { safeNextPath } from './web-guards.js';
import { setSessionCookie, type CookieScope } from './web-session.js';
import type { WebRouteContext } from './web-surface.js';

/** The cookie that ties a return from the provider to the browser that left (its value names the stored state, nonce and verifier). */
export const SSO_FLOW_COOKIE = 'passdrop_sso';

function flowCookie(value: string, scope: CookieScope, maxAge: number): string {
  // Lax: the provider sends the browser back with a top-level GET, which Lax cookies go along with.
  return serializeCookie(SSO_FLOW_COOKIE, value, { path: scope.path, httpOnly: true, sameSite: 'lax', secure: scope.secure, maxAge });
}

type Failure = Exclude<OidcCompleteResult, { ok: true }>;

/**
 * Single sign-on with OpenID Connect: `/account/sso/<provider>` sends the browser to the provider and
 * `/account/sso/<provider>/callback` takes it back (the redirect URI to register at the provider).
 * Every failure is a page that says what happened and links back to sign-in, never a 500.
 */
export function registerSsoRoutes(app: FastifyInstance, deps: WebRouteContext): void {
  const { oidc, pageContext, site, cookies } = deps;
  const open = { access: 'public' } as const;
  const params = { type: 'object', properties: { provider: { type: 'string', maxLength: 64 } }, required: ['provider'] } as const;
  const htmlReply = (reply: FastifyReply, status: number, page: string) => reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);

  function failurePage(request: FastifyRequest, reply: FastifyReply, failure: Failure | { ok: false; reason: 'unknown_provider' | 'logins_disabled' }) {
    const context = pageContext(request, reply);
    const { t } = context;
    const back = { href: site.path('/account/sign-in'), label: t('sso.backToSignIn') };
    const [status, message] = ((): readonly [number, string] => {
      switch (failure.reason) {
        case 'unknown_provider':
          return [404, t('sso.unknownProvider')];
        case 'logins_disabled':
          return [403, t('account.loginsDisabled')];
        case 'no_flow':
          return [400, t('sso.noFlow')];
        case 'rejected':
          return [400, t('sso.rejected')];
        case 'provider_error':
          return [failure.error === 'access_denied' ? 403 : 400, t('sso.providerError')];
        case 'provider_unavailable':
          request.log.warn({ detail: failure.detail }, 'identity provider unavailable');
          return [503, t('sso.unavailable')];
        case 'email_unverified':
          return [403, t('sso.emailUnverified')];
        case 'no_email':
          return [403, t('sso.noEmail')];
        case 'signups_disabled':
          return [403, t('sso.signupsDisabled')];
        case 'email_not_allowed':
          return [403, t('sso.emailNotAllowed')];
        case 'disabled':
          return [403, t('account.signIn.disabled')];
        case 'rate_limited':
          reply.header('retry-after', String(Math.ceil(failure.retryAfterMs / 1000)));
          return [429, t('account.tooManyAttempts', { count: Math.max(1, Math.ceil(failure.retryAfterMs / 60_000)) })];
        default:
          throw new Error(`unhandled SSO failure ${String(failure satisfies never)}`);
      }
    })();
    return htmlReply(reply, status, renderMessagePage(context, t('sso.heading'), message, back));
  }

  const redirectUri = (request: FastifyRequest, provider: string) => `${site.publicUrl(request)}/account/sso/${encodeURIComponent(provider)}/callback`;

  app.get('/account/sso/:provider', { config: open, schema: { params } }, async (request, reply) => {
    const { provider } = request.params as { provider: string };
    const next = safeNextPath((request.query as Record<string, unknown>).next, site.basePath);
    const result = await oidc.begin(provider, redirectUri(request, provider), next);
    if (!result.ok) {
      if (result.reason === 'provider_unavailable') return failurePage(request, reply, result);
      return failurePage(request, reply, { ok: false, reason: result.reason });
    }
    reply.header('set-cookie', flowCookie(result.flowToken, cookies, 600));
    reply.header('cache-control', 'no-store');
    return reply.redirect(result.url, 303);
  });

  app.get('/account/sso/:provider/callback', { config: open, schema: { params } }, async (request, reply) => {
    const { provider } = request.params as { provider: string };
    let flowToken: string | undefined;
    try {
      flowToken = parseCookies(request.headers.cookie ?? '')[SSO_FLOW_COOKIE];
    } catch {
      flowToken = undefined;
    }
    // The flow is used once, whatever happens next.
    reply.header('set-cookie', flowCookie('', cookies, 0));
    const callbackUrl = new URL(request.url, `${site.publicUrl(request)}/`);
    const result = await oidc.complete(provider, flowToken, callbackUrl, requesterOf(request));
    if (!result.ok) return failurePage(request, reply, result);
    setSessionCookie(reply, result.session, cookies);
    request.log.info({ userId: result.user.id, provider, created: result.created }, 'signed in through single sign-on');
    return reply.redirect(result.next ?? site.path('/dashboard'), 303);
  });
}

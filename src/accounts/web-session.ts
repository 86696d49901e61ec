import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqualText } from '../crypto/timing-safe-equal.js';
import { AppError } from '../errors/app-error.js';
import type { UserRecord } from './account-store.js';
import type { SessionRecord } from './session-store.js';
import type { NewSession, SignInService } from './sign-in-service.js';

export const SESSION_COOKIE = 'passdrop_session';
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

declare module 'fastify' {
  interface FastifyRequest {
    /** The web session the cookie names, if it is live (possibly still owing its second factor). */
    session: SessionRecord | null;
    /** The account behind `session`, even while the second factor is owed. */
    sessionUser: UserRecord | null;
    /** True when an API token (not the cookie) authenticated this request. */
    tokenAuthenticated: boolean;
  }
}

/**
 * Cross-site request forgery: a cookie-authenticated request that changes something must come from our
 * own pages. Browsers say where a request comes from (Sec-Fetch-Site, Origin); on top of that the page
 * must echo the session's secret token (form field `_csrf` or header `X-CSRF-Token`), which another site
 * cannot read.
 */
export function csrfCheckPasses(request: FastifyRequest, session: SessionRecord): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  // Pages say `Referrer-Policy: no-referrer`, so browsers send `Origin: null` on their own form posts:
  // only a real origin can be compared.
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    try {
      if (new URL(origin).host !== request.host) return false;
    } catch {
      return false;
    }
  }
  const header = request.headers['x-csrf-token'];
  const body = request.body as Record<string, unknown> | null | undefined;
  const presented = typeof header === 'string' ? header : typeof body?._csrf === 'string' ? body._csrf : undefined;
  return presented !== undefined && timingSafeEqualText(presented, session.csrfToken);
}

/**
 * Reads the session cookie on every request (assets excepted), so any process can serve any request,
 * and refuses cookie-authenticated unsafe requests that fail the CSRF check with 403.
 */
export function registerWebSessions(app: FastifyInstance, deps: { signIn: SignInService; requireMfa: boolean }): void {
  app.decorateRequest('session', null);
  app.decorateRequest('sessionUser', null);
  app.decorateRequest('tokenAuthenticated', false);

  app.addHook('onRequest', async (request) => {
    if (!request.headers.cookie || request.url.startsWith('/assets/')) return;
    const token = parseCookies(request.headers.cookie)[SESSION_COOKIE];
    if (!token) return;
    const found = await deps.signIn.resolveSession(token);
    if (!found) return;
    request.session = found.session;
    request.sessionUser = found.user;
    // Until the second factor is given (or, under require_mfa, set up) the session only reaches the account pages.
    const mfaSetupOwed = deps.requireMfa && !found.user.twoFactorEnabled;
    if (!found.session.mfaPending && !mfaSetupOwed) request.user = found.user;
  });

  app.addHook('preValidation', async (request) => {
    if (!request.session || request.tokenAuthenticated || !UNSAFE_METHODS.has(request.method)) return;
    if (!csrfCheckPasses(request, request.session)) throw new AppError('CSRF_FAILED');
    const body = request.body as Record<string, unknown> | null | undefined;
    if (body && typeof body === 'object' && '_csrf' in body) delete body._csrf;
  });
}

export function setSessionCookie(reply: FastifyReply, created: NewSession, secure: boolean): void {
  // No Max-Age: the cookie ends with the browser; the server ends the session after idle hours anyway.
  reply.header('set-cookie', serializeCookie(SESSION_COOKIE, created.token, { path: '/', httpOnly: true, sameSite: 'lax', secure }));
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.header('set-cookie', serializeCookie(SESSION_COOKIE, '', { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: 0, expires: new Date(0) }));
}

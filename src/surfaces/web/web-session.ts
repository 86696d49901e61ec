import { serialize as serializeCookie } from 'cookie';
import type { FastifyReply } from 'fastify';
import type { NewSession } from '../../accounts/sign-in-service.js';
import { SESSION_COOKIE } from '../surface-kit/session-authentication.js';

/** Cookie attributes: the path is the site's base path, so a sub-path install never sends it elsewhere. */
export interface CookieScope {
  readonly path: string;
  readonly secure: boolean;
}

export function setSessionCookie(reply: FastifyReply, created: NewSession, scope: CookieScope): void {
  // No Max-Age: the cookie ends with the browser; the server ends the session after idle hours anyway.
  reply.header('set-cookie', serializeCookie(SESSION_COOKIE, created.token, { path: scope.path, httpOnly: true, sameSite: 'lax', secure: scope.secure }));
}

export function clearSessionCookie(reply: FastifyReply, scope: CookieScope): void {
  reply.header(
    'set-cookie',
    serializeCookie(SESSION_COOKIE, '', { path: scope.path, httpOnly: true, sameSite: 'lax', secure: scope.secure, maxAge: 0, expires: new Date(0) }),
  );
}

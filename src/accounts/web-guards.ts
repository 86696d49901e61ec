import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UserRecord } from './account-store.js';

/** Only same-site paths: `next=//evil.example` or a full URL would make sign-in an open redirect. */
export function safeNextPath(value: unknown): string | undefined {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) ? value : undefined;
}

/**
 * The fully signed-in account of a web request, or undefined after sending the visitor where they must
 * go first: the second-factor step, two-factor setup (under require_mfa), or the sign-in page.
 */
export function signedInUser(request: FastifyRequest, reply: FastifyReply): UserRecord | undefined {
  if (request.user && !request.tokenAuthenticated) return request.user;
  if (request.session?.mfaPending) {
    void reply.redirect('/account/sign-in/two-factor', 303);
  } else if (request.session && request.sessionUser) {
    // Signed in, but require_mfa says two-factor must be set up first.
    void reply.redirect('/account/two-factor', 303);
  } else {
    const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
    void reply.redirect(`/account/sign-in${next}`, 303);
  }
  return undefined;
}

/** The signed-in account when it is an admin; others get 403 (and visitors the sign-in page). */
export function signedInAdmin(request: FastifyRequest, reply: FastifyReply): UserRecord | 'forbidden' | undefined {
  const user = signedInUser(request, reply);
  if (!user) return undefined;
  return user.admin ? user : 'forbidden';
}

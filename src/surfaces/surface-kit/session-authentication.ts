import { mfaSatisfied } from '../../accounts/mfa-policy.js';
import type { MfaSatisfier } from '../../config/sso-settings.js';
import { parse as parseCookies } from 'cookie';
import type { FastifyRequest } from 'fastify';
import type { Authentication } from '../../accounts/access-policy.js';
import type { UserRecord } from '../../accounts/account-store.js';
import type { SessionRecord } from '../../accounts/session-store.js';
import type { SignInService } from '../../accounts/sign-in-service.js';

/** The cookie that names a web session; it holds a 256-bit token whose SHA-256 alone is stored. */
export const SESSION_COOKIE = 'passdrop_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** The web session the cookie names, if it is live (possibly still owing its second factor). */
    session: SessionRecord | null;
    /** The account behind `session`, even while the second factor is owed. */
    sessionUser: UserRecord | null;
  }
}

/**
 * Authenticates a request by its session cookie (so any process can serve any request): sets
 * `request.session` and `request.sessionUser` and answers who it is. A session whose second factor is
 * owed, or whose account must first set up two-factor under `PASSDROP_REQUIRE_MFA`, is not yet the account.
 */
export async function authenticateSession(
  request: FastifyRequest,
  deps: { signIn: SignInService; requireMfa: boolean; mfaSatisfiedBy?: readonly MfaSatisfier[] },
): Promise<Authentication> {
  const cookieHeader = request.headers.cookie;
  if (!cookieHeader) return { kind: 'anonymous' };
  let token: string | undefined;
  try {
    token = parseCookies(cookieHeader)[SESSION_COOKIE];
  } catch {
    return { kind: 'anonymous' };
  }
  if (!token) return { kind: 'anonymous' };
  const found = await deps.signIn.resolveSession(token);
  if (!found) return { kind: 'anonymous' };
  request.session = found.session;
  request.sessionUser = found.user;
  if (found.session.mfaPending) return { kind: 'second_factor_pending', user: found.user };
  if (deps.requireMfa && !mfaSatisfied(found.user, deps.mfaSatisfiedBy ?? [], found.session)) return { kind: 'mfa_owed', user: found.user, via: 'session' };
  return { kind: 'account', user: found.user, via: 'session' };
}


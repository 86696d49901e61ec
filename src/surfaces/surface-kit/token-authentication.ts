import { mfaSatisfied } from '../../accounts/mfa-policy.js';
import type { MfaSatisfier } from '../../config/sso-settings.js';
import type { FastifyRequest } from 'fastify';
import type { Authentication } from '../../accounts/access-policy.js';
import type { AccountService, PresentedCredentials } from '../../accounts/account-service.js';

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * What the request presents, the way Password Pusher reads it: X-User-Email with X-User-Token (both,
 * taking precedence), else the last word of Authorization (so `Bearer TOKEN` and a bare `TOKEN` work).
 * Returns 'malformed' when a token header is there but unusable (for example X-User-Token alone).
 */
export function presentedCredentials(request: FastifyRequest): PresentedCredentials | 'malformed' | undefined {
  const email = header(request, 'x-user-email');
  const userToken = header(request, 'x-user-token');
  if (userToken !== undefined) return email && userToken.trim() ? { token: userToken.trim(), email } : 'malformed';
  const authorization = header(request, 'authorization');
  if (authorization === undefined) return undefined;
  const token = authorization.trim().split(/\s+/).pop() ?? '';
  return token === '' ? 'malformed' : { token };
}

/**
 * Authenticates an API request by the token it presents. Answers undefined when it presents none (the
 * caller may then look for a session), `invalid` for a token that is unknown, revoked, expired or does
 * not match its email, and `mfa_owed` for an account that `PASSDROP_REQUIRE_MFA` holds back.
 */
export async function authenticateToken(
  request: FastifyRequest,
  deps: { accounts: AccountService; requireMfa: boolean; mfaSatisfiedBy?: readonly MfaSatisfier[] },
): Promise<Authentication | undefined> {
  const credentials = presentedCredentials(request);
  if (credentials === undefined) return undefined;
  const user = credentials === 'malformed' ? undefined : await deps.accounts.authenticate(credentials);
  if (!user) return { kind: 'invalid' };
  if (deps.requireMfa && !mfaSatisfied(user, deps.mfaSatisfiedBy ?? [])) return { kind: 'mfa_owed', user, via: 'token' };
  return { kind: 'account', user, via: 'token' };
}

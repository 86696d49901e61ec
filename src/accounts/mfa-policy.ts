import type { MfaSatisfier } from '../config/sso-settings.js';
import type { UserRecord } from './account-store.js';
import type { SessionRecord } from './session-store.js';

/**
 * Whether an account meets PASSDROP_REQUIRE_MFA: it has TOTP set up, or the operator lets something else
 * stand for it (PASSDROP_MFA_SATISFIED_BY): `passkey`, an account with at least one passkey (a
 * phishing-resistant factor of its own); `sso`, a session signed in through an identity provider, which
 * enforces its own MFA. An API token has no session, so only TOTP or `passkey` can satisfy it there.
 */
export function mfaSatisfied(
  user: Pick<UserRecord, 'twoFactorEnabled' | 'passkeyCount'>,
  satisfiedBy: readonly MfaSatisfier[],
  session?: Pick<SessionRecord, 'signInMethod'>,
): boolean {
  if (user.twoFactorEnabled) return true;
  if (satisfiedBy.includes('passkey') && user.passkeyCount > 0) return true;
  return satisfiedBy.includes('sso') && session !== undefined && session.signInMethod.startsWith('sso:');
}

import type { UserRecord } from './account-store.js';

/**
 * Who a request is, as the surfaces established it before the route ran.
 *
 * - `anonymous`: nothing presented (or a session that has ended).
 * - `invalid`: an API token was presented and is unknown, revoked, expired or does not match its email.
 * - `account`: a fully authenticated account, by API token or by web session.
 * - `mfa_owed`: the account is known but under `PASSDROP_REQUIRE_MFA` it has no second factor yet.
 * - `second_factor_pending`: a web session past its password whose second factor is not given yet.
 */
export type Authentication =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'account'; readonly user: UserRecord; readonly via: 'token' | 'session' }
  | { readonly kind: 'mfa_owed'; readonly user: UserRecord; readonly via: 'token' | 'session' }
  | { readonly kind: 'second_factor_pending'; readonly user: UserRecord };

export const ANONYMOUS: Authentication = Object.freeze({ kind: 'anonymous' });

/**
 * What a route needs, declared on the route (`config.access`) and enforced from the matched route:
 *
 * - `public`: anyone, whatever the settings (recipients' pages, version, health, sign-in pages).
 * - `visitor`: anyone while `PASSDROP_ALLOW_ANONYMOUS=true`, an account otherwise. Password Pusher's rule
 *   for its whole API ("every endpoint except version needs a token when anonymous access is off").
 * - `session`: a web session past its password, even while a second factor is owed (two-factor set-up).
 * - `account`: a fully authenticated account.
 * - `admin`: a fully authenticated administrator.
 */
export type AccessLevel = 'public' | 'visitor' | 'session' | 'account' | 'admin';

export const ACCESS_LEVELS: readonly AccessLevel[] = ['public', 'visitor', 'session', 'account', 'admin'];

/** Why access was refused; each surface renders it its own way (a status and body, or a redirect). */
export type AccessRefusal = 'sign_in_required' | 'credentials_invalid' | 'mfa_required' | 'second_factor_owed' | 'not_admin';

export type AccessDecision = { readonly ok: true } | { readonly ok: false; readonly reason: AccessRefusal };

export interface AccessPolicy {
  /** `PASSDROP_ALLOW_ANONYMOUS`. */
  readonly allowAnonymous: boolean;
}

const GRANTED: AccessDecision = Object.freeze({ ok: true });
const refuse = (reason: AccessRefusal): AccessDecision => ({ ok: false, reason });

/**
 * The one place that decides whether an authentication may do what an access level asks. Surfaces call
 * it for every matched route; services call it for the rules that belong to them (who may create a push).
 *
 * A presented but invalid token is refused everywhere but on `public` routes, and an account that owes
 * two-factor set-up gets `mfa_required`, as Password Pusher answers (401 and 403 on its API).
 *
 * @example decideAccess('visitor', { kind: 'anonymous' }, { allowAnonymous: false }) // { ok: false, reason: 'sign_in_required' }
 */
export function decideAccess(level: AccessLevel, authentication: Authentication, policy: AccessPolicy): AccessDecision {
  if (level === 'public') return GRANTED;
  switch (authentication.kind) {
    case 'invalid':
      return refuse('credentials_invalid');
    case 'mfa_owed':
      return level === 'session' && authentication.via === 'session' ? GRANTED : refuse('mfa_required');
    case 'second_factor_pending':
      if (level === 'visitor') return policy.allowAnonymous ? GRANTED : refuse('sign_in_required');
      return refuse('second_factor_owed');
    case 'anonymous':
      return level === 'visitor' && policy.allowAnonymous ? GRANTED : refuse('sign_in_required');
    case 'account':
      if (level === 'admin' && !authentication.user.admin) return refuse('not_admin');
      if (level === 'session' && authentication.via !== 'session') return refuse('sign_in_required');
      return GRANTED;
    default:
      return assertNever(authentication);
  }
}

/** The acting account of an authentication, when it is fully authenticated. */
export function actingUser(authentication: Authentication): UserRecord | null {
  return authentication.kind === 'account' ? authentication.user : null;
}

function assertNever(value: never): never {
  throw new Error(`unhandled authentication ${JSON.stringify(value)}`);
}

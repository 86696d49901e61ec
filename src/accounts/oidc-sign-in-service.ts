import type * as OpenId from 'openid-client';
import type { OidcProviderConfig, SsoPolicy } from '../config/sso-settings.js';
import { randomToken } from '../crypto/random-token.js';
import { tokenDigest } from '../crypto/token-digest.js';
import { emailProblems } from './account-rules.js';
import type { AccountStore, UserRecord } from './account-store.js';
import type { IdentityRecord, IdentityStore } from './identity-store.js';
import type { SessionRecord } from './session-store.js';
import type { SignInChallengeStore } from './sign-in-challenge-store.js';
import type { NewSession, Requester, SignInService } from './sign-in-service.js';


let openIdModule: Promise<typeof import('openid-client')> | undefined;
/** `openid-client` (with oauth4webapi and jose) loads on the first sign-in with a provider, not at start-up (issue 19). */
const openIdClient = () => (openIdModule ??= import('openid-client'));

/** A redirect to the provider must come back within ten minutes (the state, nonce and verifier are gone after). */
const FLOW_LIFETIME_MS = 10 * 60_000;
/** How long discovery, the token request and userinfo may take, in seconds. */
const PROVIDER_TIMEOUT_SECONDS = 10;
const SSO_METHOD_PREFIX = 'sso:';

export type OidcBeginResult =
  | { ok: true; url: string; flowToken: string }
  | { ok: false; reason: 'unknown_provider' | 'logins_disabled' }
  | { ok: false; reason: 'provider_unavailable'; detail: string };

/**
 * How a return from the provider ended.
 *
 * - `no_flow`: no sign-in of ours is waiting (cookie missing, used, or older than ten minutes).
 * - `provider_error`: the provider sent an error back (`access_denied` when the person cancelled).
 * - `rejected`: the response failed a check: state, nonce, ID token (issuer, audience, signature, expiry) or the code.
 * - `provider_unavailable`: the provider did not answer (discovery or token request).
 * - `email_unverified` / `no_email`: nothing to link on, and no account may be made from it.
 * - `signups_disabled` / `email_not_allowed`: no account has this identity, and the sign-up policy says no.
 */
export type OidcCompleteResult =
  | { ok: true; session: NewSession; user: UserRecord; created: boolean; next: string | undefined }
  | { ok: false; reason: 'unknown_provider' | 'no_flow' | 'rejected' | 'email_unverified' | 'no_email' | 'signups_disabled' | 'email_not_allowed' | 'disabled' | 'logins_disabled' }
  | { ok: false; reason: 'provider_error'; error: string }
  | { ok: false; reason: 'provider_unavailable'; detail: string }
  | { ok: false; reason: 'rate_limited'; retryAfterMs: number };

export interface OidcSignInService {
  /** The configured providers, for the sign-in page's buttons. */
  readonly providers: readonly Pick<OidcProviderConfig, 'id' | 'name'>[];
  /**
   * Starts the authorization code flow with PKCE (RFC 7636): discovers the provider, stores state, nonce
   * and code verifier under a fresh flow token (for an HttpOnly cookie) and answers the provider's URL.
   * `next` is a path on this site to return to, already checked by the caller.
   */
  begin(providerId: string, redirectUri: string, next: string | undefined): Promise<OidcBeginResult>;
  /**
   * Finishes the flow from the callback URL as the browser requested it: state (against the flow's), the
   * code exchanged with the PKCE verifier, the ID token validated by openid-client (signature from the
   * provider's JWKS, issuer, audience, expiry, nonce). Then finds the account by the identity, else by a
   * verified email (linking it), else makes one if the sign-up policy allows; maps admin groups.
   */
  complete(providerId: string, flowToken: string | undefined, callbackUrl: URL, requester: Requester): Promise<OidcCompleteResult>;
  /** Where to send the browser to end the provider's session too, when the session came from a provider that offers it. */
  endSessionUrl(session: SessionRecord, postLogoutRedirectUri: string): Promise<string | undefined>;
  /** The provider id a session was signed in through, or undefined. */
  providerOf(session: SessionRecord): string | undefined;
  identities(user: UserRecord): Promise<IdentityRecord[]>;
  providersByUser(userIds: readonly number[]): Promise<Map<number, string[]>>;
}

export interface OidcDependencies {
  readonly policy: SsoPolicy;
  readonly accounts: AccountStore;
  readonly identities: IdentityStore;
  readonly challenges: SignInChallengeStore;
  readonly signIn: SignInService;
  readonly allowLogins: boolean;
  readonly allowSignups: boolean;
  readonly signupEmailPattern: RegExp | undefined;
  readonly clock: () => number;
}

interface FlowData {
  provider: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  next?: string;
}

/** Errors that mean the provider did not answer (network, timeout, a 5xx or a non-JSON discovery document). */
function isOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  if (code === 'OAUTH_RESPONSE_IS_NOT_JSON' || code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') return true;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return true;
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isOutage(cause);
}

/**
 * Single sign-on with OpenID Connect through `openid-client` (authorization code flow with PKCE). The
 * provider's metadata is discovered on first use and kept; a failed discovery is tried again next time.
 */
export function createOidcSignInService(deps: OidcDependencies): OidcSignInService {
  const { policy, accounts, identities, challenges, signIn, clock } = deps;
  const byId = new Map(policy.providers.map((provider) => [provider.id, provider]));
  const discovered = new Map<string, Promise<OpenId.Configuration>>();

  function configuration(provider: OidcProviderConfig): Promise<OpenId.Configuration> {
    let found = discovered.get(provider.id);
    if (!found) {
      const issuer = new URL(provider.issuer);
      found = openIdClient().then((client) =>
        client.discovery(issuer, provider.clientId, undefined, provider.clientSecret === undefined ? client.None() : client.ClientSecretBasic(provider.clientSecret), {
          timeout: PROVIDER_TIMEOUT_SECONDS,
          // The settings allow http:// only for a provider on this machine (tests, development).
          ...(issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
        }),
      );
      discovered.set(provider.id, found);
      found.catch(() => discovered.delete(provider.id));
    }
    return found;
  }

  async function claimsOf(provider: OidcProviderConfig, config: OpenId.Configuration, tokens: Awaited<ReturnType<typeof OpenId.authorizationCodeGrant>>) {
      const client = await openIdClient();
    const idClaims = tokens.claims();
    if (!idClaims) throw Object.assign(new Error('the token response has no ID token'), { code: 'NO_ID_TOKEN' });
    let claims: Record<string, unknown> = { ...idClaims };
    // Some providers put email or groups only in userinfo (Google's groups never; Authentik's and Entra ID's by setting).
    const wanted = claims.email === undefined || (provider.adminGroups.length > 0 && claims[provider.groupsClaim] === undefined);
    if (wanted && config.serverMetadata().userinfo_endpoint) {
      const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      claims = { ...info, ...claims };
    }
    return { subject: idClaims.sub, claims };
  }

  function adminFrom(provider: OidcProviderConfig, claims: Record<string, unknown>): boolean | undefined {
    if (provider.adminGroups.length === 0) return undefined;
    const raw = claims[provider.groupsClaim];
    const groups = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? [raw] : [];
    return groups.some((group) => provider.adminGroups.includes(group));
  }

  async function accountFor(provider: OidcProviderConfig, subject: string, claims: Record<string, unknown>): Promise<
    { ok: true; user: UserRecord; identity: IdentityRecord | undefined; created: boolean } | { ok: false; reason: 'email_unverified' | 'no_email' | 'signups_disabled' | 'email_not_allowed' }
  > {
    const email = typeof claims.email === 'string' ? claims.email.trim() : undefined;
    const known = await identities.find(provider.id, subject);
    if (known) {
      const user = await accounts.findUserById(known.userId);
      if (user) return { ok: true, user, identity: known, created: false };
    }
    if (email === undefined || email === '') return { ok: false, reason: 'no_email' };
    // Only an address the provider vouches for may link to (or make) an account: anyone can type any address at some providers.
    if (claims.email_verified !== true && !provider.assumeEmailVerified) return { ok: false, reason: 'email_unverified' };
    const existing = await accounts.findUserByEmail(email);
    if (existing) return { ok: true, user: existing, identity: undefined, created: false };
    if (!deps.allowSignups) return { ok: false, reason: 'signups_disabled' };
    if (emailProblems(email, deps.signupEmailPattern).length > 0) return { ok: false, reason: 'email_not_allowed' };
    const made = await accounts.createUser({ email, passwordRecord: null, admin: false, confirmed: true, now: clock() });
    if (made === 'email_taken') {
      // Someone made it a moment ago: link to that one.
      const raced = await accounts.findUserByEmail(email);
      if (!raced) return { ok: false, reason: 'no_email' };
      return { ok: true, user: raced, identity: undefined, created: false };
    }
    return { ok: true, user: made, identity: undefined, created: true };
  }

  return {
    providers: policy.providers.map(({ id, name }) => ({ id, name })),

    async begin(providerId, redirectUri, next) {
      const client = await openIdClient();
      const provider = byId.get(providerId);
      if (!provider) return { ok: false, reason: 'unknown_provider' };
      if (!deps.allowLogins) return { ok: false, reason: 'logins_disabled' };
      let config: OpenId.Configuration;
      try {
        config = await configuration(provider);
      } catch (error) {
        return { ok: false, reason: 'provider_unavailable', detail: (error as Error).message };
      }
      const flow: FlowData = {
        provider: provider.id,
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
        ...(next !== undefined ? { next } : {}),
      };
      const flowToken = randomToken(32);
      await challenges.put({ tokenHash: tokenDigest(flowToken), purpose: 'oidc', data: JSON.stringify(flow), expiresAt: clock() + FLOW_LIFETIME_MS });
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: provider.scopes.join(' '),
        state: flow.state,
        nonce: flow.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(flow.codeVerifier),
        code_challenge_method: 'S256',
      });
      return { ok: true, url: url.href, flowToken };
    },

    async complete(providerId, flowToken, callbackUrl, requester) {
      const client = await openIdClient();
      const provider = byId.get(providerId);
      if (!provider) return { ok: false, reason: 'unknown_provider' };
      if (!deps.allowLogins) return { ok: false, reason: 'logins_disabled' };
      const wait = await signIn.throttle('sso', requester);
      if (wait !== undefined) return { ok: false, reason: 'rate_limited', retryAfterMs: wait };
      const data = flowToken === undefined || flowToken.length > 100 ? undefined : await challenges.take(tokenDigest(flowToken), 'oidc', clock());
      const flow = data === undefined ? undefined : (JSON.parse(data) as FlowData);
      if (!flow || flow.provider !== provider.id) return { ok: false, reason: 'no_flow' };
      const error = callbackUrl.searchParams.get('error');
      if (error !== null) return { ok: false, reason: 'provider_error', error: error.slice(0, 100) };

      let config: OpenId.Configuration;
      try {
        config = await configuration(provider);
      } catch (failure) {
        return { ok: false, reason: 'provider_unavailable', detail: (failure as Error).message };
      }
      let found: { subject: string; claims: Record<string, unknown> };
      try {
        const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: flow.codeVerifier,
          expectedState: flow.state,
          expectedNonce: flow.nonce,
          idTokenExpected: true,
        });
        found = await claimsOf(provider, config, tokens);
      } catch (failure) {
        if (isOutage(failure)) return { ok: false, reason: 'provider_unavailable', detail: (failure as Error).message };
        return { ok: false, reason: 'rejected' };
      }

      const account = await accountFor(provider, found.subject, found.claims);
      if (!account.ok) return account;
      let { user } = account;
      if (user.disabled) return { ok: false, reason: 'disabled' };
      const now = clock();
      const email = typeof found.claims.email === 'string' ? found.claims.email : null;
      if (account.identity) await identities.recordUse(account.identity.id, email, now);
      else await identities.link({ userId: user.id, provider: provider.id, subject: found.subject, email, now });
      const admin = adminFrom(provider, found.claims);
      if (admin !== undefined && admin !== user.admin) {
        await accounts.setAdmin(user.id, admin, now);
        user = { ...user, admin };
      }
      await accounts.recordSignInSuccess(user.id, now);
      const session = await signIn.startSession(user, requester, false, `${SSO_METHOD_PREFIX}${provider.id}`);
      return { ok: true, session, user, created: account.created, next: flow.next };
    },

    async endSessionUrl(session, postLogoutRedirectUri) {
      const client = await openIdClient();
      const provider = byId.get(this.providerOf(session) ?? '');
      if (!provider?.endSession) return undefined;
      try {
        const config = await configuration(provider);
        if (!config.serverMetadata().end_session_endpoint) return undefined;
        return client.buildEndSessionUrl(config, { client_id: provider.clientId, post_logout_redirect_uri: postLogoutRedirectUri }).href;
      } catch {
        // The provider is down: our session is over all the same.
        return undefined;
      }
    },

    providerOf(session) {
      return session.signInMethod.startsWith(SSO_METHOD_PREFIX) ? session.signInMethod.slice(SSO_METHOD_PREFIX.length) : undefined;
    },

    identities: (user) => identities.listForUser(user.id),
    providersByUser: (userIds) => identities.providersByUser(userIds),
  };
}

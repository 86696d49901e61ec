import type {
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  AuthenticationResponseJSON,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { randomToken } from '../crypto/random-token.js';
import { tokenDigest } from '../crypto/token-digest.js';
import type { AccountStore, UserRecord } from './account-store.js';
import type { PasskeyRecord, PasskeyStore } from './passkey-store.js';
import type { SignInChallengeStore } from './sign-in-challenge-store.js';
import type { SessionRecord } from './session-store.js';
import type { NewSession, Requester, SignInService } from './sign-in-service.js';


let webauthnModule: Promise<typeof import('@simplewebauthn/server')> | undefined;
/** `@simplewebauthn/server` (and its X.509 and ASN.1 stack) loads on the first ceremony, not at start-up (issue 19). */
const webauthn = () => (webauthnModule ??= import('@simplewebauthn/server'));

/** A ceremony (registration or sign-in) must finish within this many milliseconds. */
const CEREMONY_LIFETIME_MS = 5 * 60_000;
/** Longest passkey name, in characters. */
export const PASSKEY_NAME_MAX = 64;
/** Most passkeys one account may register. */
export const PASSKEYS_PER_ACCOUNT = 20;

/** Where the ceremony happens: the relying party id (the site's host name) and the exact origin the browser reports. */
export interface RelyingParty {
  /** The host name without port (`passdrop.example.com`; `localhost` in development). WebAuthn refuses IP addresses. */
  readonly id: string;
  /** `https://passdrop.example.com` (scheme, host and port) — what clientDataJSON must name. */
  readonly origin: string;
  /** Shown by the authenticator: the instance's brand title. */
  readonly name: string;
}

export type PasskeyRegisterResult =
  | { ok: true; passkey: PasskeyRecord }
  /** no_ceremony: expired, used, or another account's; rejected: the authenticator's answer did not verify; taken: that credential is registered; too_many: PASSKEYS_PER_ACCOUNT. */
  | { ok: false; reason: 'disabled' | 'no_ceremony' | 'rejected' | 'taken' | 'too_many' };

export type PasskeySignInResult =
  | { ok: true; session: NewSession; user: UserRecord }
  /**
   * unknown_credential: no account has it (removed, or another site's); counter_regression: the signature
   * counter went back, the mark of a cloned authenticator (WebAuthn §6.1.1), refused; rejected: the
   * signature, origin, relying party or challenge did not verify.
   */
  | { ok: false; reason: 'disabled' | 'logins_disabled' | 'no_ceremony' | 'unknown_credential' | 'counter_regression' | 'rejected' | 'account_disabled' }
  | { ok: false; reason: 'rate_limited'; retryAfterMs: number };

/**
 * A passkey as the second factor of a password sign-in. unknown_credential: not one of this account's
 * passkeys; counter_regression and rejected as for PasskeySignInResult (both count as a failed second
 * factor toward the lockout); no_ceremony: expired, used, or started for another pending sign-in.
 */
export type PasskeySecondFactorResult =
  | { ok: true; session: NewSession }
  | { ok: false; reason: 'disabled' | 'no_ceremony' | 'unknown_credential' | 'counter_regression' | 'rejected' | 'invalid' }
  | { ok: false; reason: 'locked' | 'rate_limited'; retryAfterMs: number };

/**
 * Passkeys (WebAuthn through `@simplewebauthn/server`): registering several per account, naming and
 * removing them, and signing in with one alone (a discoverable credential: no email typed). Each ceremony's
 * challenge is stored by the digest of a random token the browser sends back, used once, for five minutes.
 * Sign-in attempts are counted per IP like password sign-ins (`passkey-sign-in`).
 */
export interface PasskeyService {
  readonly enabled: boolean;
  registrationOptions(user: UserRecord, rp: RelyingParty): Promise<{ options: PublicKeyCredentialCreationOptionsJSON; ceremony: string }>;
  register(user: UserRecord, ceremony: string, response: RegistrationResponseJSON, name: string, rp: RelyingParty): Promise<PasskeyRegisterResult>;
  authenticationOptions(rp: RelyingParty): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; ceremony: string }>;
  signIn(ceremony: string, response: AuthenticationResponseJSON, rp: RelyingParty, requester: Requester): Promise<PasskeySignInResult>;
  /**
   * Options for using a passkey instead of a TOTP code to finish `pending` (a session whose password was
   * right and whose second factor is owed): only that account's passkeys are allowed. Undefined when the
   * account has none (or passkeys are off).
   */
  secondFactorOptions(pending: SessionRecord, rp: RelyingParty): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; ceremony: string } | undefined>;
  /**
   * Finishes `pending` with one of its account's passkeys (through SignInService.completeSecondFactorWith,
   * so the `two-factor` limit per IP and the account lockout apply); the pending session is replaced.
   */
  completeSecondFactor(pending: SessionRecord, ceremony: string, response: AuthenticationResponseJSON, rp: RelyingParty, requester: Requester): Promise<PasskeySecondFactorResult>;
  list(user: UserRecord): Promise<PasskeyRecord[]>;
  remove(user: UserRecord, id: number): Promise<boolean>;
}

export interface PasskeyDependencies {
  readonly enabled: boolean;
  readonly allowLogins: boolean;
  readonly passkeys: PasskeyStore;
  readonly accounts: AccountStore;
  readonly challenges: SignInChallengeStore;
  readonly signIn: SignInService;
  readonly clock: () => number;
}

interface RegisterCeremony {
  readonly userId: number;
  readonly challenge: string;
}

/** A second-factor ceremony belongs to one pending sign-in (its session id). */
interface SecondFactorCeremony {
  readonly sessionId: number;
  readonly challenge: string;
}

/** A passkey name as stored: trimmed, control characters removed, at most PASSKEY_NAME_MAX characters; a default when empty. */
export function passkeyName(raw: string, fallback: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = raw.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return [...(cleaned === '' ? fallback : cleaned)].slice(0, PASSKEY_NAME_MAX).join('');
}

export function createPasskeyService(deps: PasskeyDependencies): PasskeyService {
  const { passkeys, challenges, clock } = deps;

  type CeremonyPurpose = 'passkey_register' | 'passkey_sign_in' | 'passkey_second_factor';

  async function startCeremony(purpose: CeremonyPurpose, data: unknown): Promise<string> {
    const ceremony = randomToken(32);
    await challenges.put({ tokenHash: tokenDigest(ceremony), purpose, data: JSON.stringify(data), expiresAt: clock() + CEREMONY_LIFETIME_MS });
    return ceremony;
  }

  async function takeCeremony<T>(purpose: CeremonyPurpose, ceremony: string): Promise<T | undefined> {
    if (typeof ceremony !== 'string' || ceremony === '') return undefined;
    const data = await challenges.take(tokenDigest(ceremony), purpose, clock());
    return data === undefined ? undefined : (JSON.parse(data) as T);
  }

  /** Checks an assertion against a stored passkey and moves its counter (only forward, once per value). */
  async function verifyUse(passkey: PasskeyRecord, challenge: string, response: AuthenticationResponseJSON, rp: RelyingParty): Promise<'ok' | 'counter_regression' | 'rejected'> {
    let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      verification = await (await webauthn()).verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        credential: { id: passkey.credentialId, publicKey: passkey.publicKey as Uint8Array<ArrayBuffer>, counter: passkey.counter, transports: passkey.transports as AuthenticatorTransport[] },
        requireUserVerification: false,
      });
    } catch (error) {
      return /counter/i.test((error as Error).message) ? 'counter_regression' : 'rejected';
    }
    if (!verification.verified) return 'rejected';
    // A racing sign-in with the same counter value loses.
    if (!(await passkeys.recordUse(passkey.id, passkey.counter, verification.authenticationInfo.newCounter, clock()))) return 'counter_regression';
    return 'ok';
  }

  return {
    enabled: deps.enabled,

    async secondFactorOptions(pending, rp) {
      if (!deps.enabled || !pending.mfaPending) return undefined;
      const own = await passkeys.listForUser(pending.userId);
      if (own.length === 0) return undefined;
      const options = await (await webauthn()).generateAuthenticationOptions({
        rpID: rp.id,
        allowCredentials: own.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports as AuthenticatorTransport[] })),
        userVerification: 'preferred',
      });
      const ceremony = await startCeremony('passkey_second_factor', { sessionId: pending.id, challenge: options.challenge } satisfies SecondFactorCeremony);
      return { options, ceremony };
    },

    async completeSecondFactor(pending, ceremony, response, rp, requester) {
      if (!deps.enabled) return { ok: false, reason: 'disabled' };
      const started = await takeCeremony<SecondFactorCeremony>('passkey_second_factor', ceremony);
      if (!started || started.sessionId !== pending.id || !pending.mfaPending) return { ok: false, reason: 'no_ceremony' };
      // Why the check failed, when it ran: the sign-in service only learns that it did.
      const seen: { outcome?: 'ok' | 'counter_regression' | 'rejected' | 'unknown_credential' } = {};
      const result = await deps.signIn.completeSecondFactorWith(pending, requester, async (user) => {
        const passkey = typeof response?.id === 'string' ? await passkeys.findByCredentialId(response.id) : undefined;
        // Another account's passkey proves nothing about this one.
        seen.outcome = passkey && passkey.userId === user.id ? await verifyUse(passkey, started.challenge, response, rp) : 'unknown_credential';
        return seen.outcome === 'ok';
      });
      if (result.ok) return { ok: true, session: result.session };
      if (result.reason === 'invalid' && seen.outcome !== undefined && seen.outcome !== 'ok') return { ok: false, reason: seen.outcome };
      return result;
    },

    async registrationOptions(user, rp) {
      const existing = await passkeys.listForUser(user.id);
      const options = await (await webauthn()).generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: user.email,
        userID: new TextEncoder().encode(`passdrop-user-${user.id}`),
        attestationType: 'none',
        excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports as AuthenticatorTransport[] })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
      });
      const ceremony = await startCeremony('passkey_register', { userId: user.id, challenge: options.challenge } satisfies RegisterCeremony);
      return { options, ceremony };
    },

    async register(user, ceremony, response, name, rp) {
      if (!deps.enabled) return { ok: false, reason: 'disabled' };
      const started = await takeCeremony<RegisterCeremony>('passkey_register', ceremony);
      if (!started || started.userId !== user.id) return { ok: false, reason: 'no_ceremony' };
      if ((await passkeys.listForUser(user.id)).length >= PASSKEYS_PER_ACCOUNT) return { ok: false, reason: 'too_many' };
      let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
      try {
        verification = await (await webauthn()).verifyRegistrationResponse({ response, expectedChallenge: started.challenge, expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: false });
      } catch {
        return { ok: false, reason: 'rejected' };
      }
      if (!verification.verified || !verification.registrationInfo) return { ok: false, reason: 'rejected' };
      const { credential } = verification.registrationInfo;
      const added = await passkeys.add({
        userId: user.id,
        credentialId: credential.id,
        publicKey: credential.publicKey,
        counter: credential.counter,
        transports: credential.transports ?? [],
        name,
        now: clock(),
      });
      return added === 'taken' ? { ok: false, reason: 'taken' } : { ok: true, passkey: added };
    },

    async authenticationOptions(rp) {
      // No allowCredentials: the authenticator offers the site's discoverable credentials, and no email is typed.
      const options = await (await webauthn()).generateAuthenticationOptions({ rpID: rp.id, userVerification: 'preferred' });
      const ceremony = await startCeremony('passkey_sign_in', { challenge: options.challenge });
      return { options, ceremony };
    },

    async signIn(ceremony, response, rp, requester) {
      if (!deps.enabled) return { ok: false, reason: 'disabled' };
      if (!deps.allowLogins) return { ok: false, reason: 'logins_disabled' };
      const wait = await deps.signIn.throttle('passkey-sign-in', requester);
      if (wait !== undefined) return { ok: false, reason: 'rate_limited', retryAfterMs: wait };
      const started = await takeCeremony<{ challenge: string }>('passkey_sign_in', ceremony);
      if (!started) return { ok: false, reason: 'no_ceremony' };
      const passkey = typeof response?.id === 'string' ? await passkeys.findByCredentialId(response.id) : undefined;
      if (!passkey) return { ok: false, reason: 'unknown_credential' };
      const verified = await verifyUse(passkey, started.challenge, response, rp);
      if (verified !== 'ok') return { ok: false, reason: verified };
      const now = clock();
      const user = await deps.accounts.findUserById(passkey.userId);
      if (!user) return { ok: false, reason: 'unknown_credential' };
      if (user.disabled) return { ok: false, reason: 'account_disabled' };
      await deps.accounts.recordSignInSuccess(user.id, now);
      const session = await deps.signIn.startSession(user, requester, false, 'passkey');
      return { ok: true, session, user };
    },

    list(user) {
      return passkeys.listForUser(user.id);
    },

    remove(user, id) {
      return passkeys.remove(user.id, id);
    },
  };
}

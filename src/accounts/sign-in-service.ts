import type { PassdropConfig } from '../config/load-config.js';
import type { MasterKeyRing } from '../crypto/master-key-ring.js';
import { randomToken } from '../crypto/random-token.js';
import { tokenDigest } from '../crypto/token-digest.js';
import type { FieldProblem } from '../errors/app-error.js';
import type { InstanceSettingsStore } from '../storage/instance-settings-store.js';
import { validateNewAccount } from './account-rules.js';
import type { AccountStore, UserRecord } from './account-store.js';
import type { EmailLinks } from './email-links.js';
import { hashPassword, passwordMatches } from './password-hash.js';
import type { RateLimitStore } from './rate-limit-store.js';
import type { SessionRecord, SessionStore } from './session-store.js';
import { backupCodeDigest, looksLikeBackupCode, openTotpSecret, totpStep } from './two-factor.js';

const ATTEMPT_WINDOW_MS = 15 * 60_000;
const FIRST_RUN_PREFIX = 'first-run-code:';
/** The instance setting that records that the first run is over (its value: when, epoch ms). */
export const FIRST_RUN_LATCH = 'first-run-done';

/** Who is asking, for rate limits and the session record. */
export interface Requester {
  readonly ip: string;
  readonly userAgent: string | null;
}

export interface NewSession {
  /** The cookie value: shown to the browser once, stored only as a hash. */
  readonly token: string;
  readonly session: SessionRecord;
}

export type SignInResult =
  | { ok: true; session: NewSession; mfaPending: boolean }
  /** `passwords_disabled`: PASSDROP_SSO_ONLY is on. */
  | { ok: false; reason: 'invalid' | 'logins_disabled' | 'disabled' | 'passwords_disabled' }
  /** The password was right, but the address is not confirmed yet (the caller may send a new link). */
  | { ok: false; reason: 'unconfirmed'; user: UserRecord }
  | { ok: false; reason: 'locked' | 'rate_limited'; retryAfterMs: number };

export type SecondFactorResult =
  | { ok: true; session: NewSession; usedBackupCode: boolean }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked' | 'rate_limited'; retryAfterMs: number };

export type SignUpResult =
  | { ok: true; session: NewSession }
  | { ok: true; confirmationSent: true }
  | { ok: false; reason: 'signups_disabled' | 'mail_failed' }
  /** No account yet and the first-run page not used: the first account is the operator's, made there (or with the CLI). */
  | { ok: false; reason: 'setup_pending' }
  | { ok: false; reason: 'rate_limited'; retryAfterMs: number }
  | { ok: false; reason: 'invalid'; problems: FieldProblem[] };

export type FirstRunResult =
  | { ok: true; user: UserRecord; session: NewSession }
  | { ok: false; reason: 'already_set_up' | 'wrong_code' }
  | { ok: false; reason: 'rate_limited'; retryAfterMs: number }
  | { ok: false; reason: 'invalid'; problems: FieldProblem[] };

export interface SignInService {
  signIn(credentials: { email: string; password: string }, requester: Requester): Promise<SignInResult>;
  /** Finishes a sign-in whose password was right: a TOTP code or an unused backup code. */
  completeSecondFactor(pending: SessionRecord, code: string, requester: Requester): Promise<SecondFactorResult>;
  /**
   * Finishes a sign-in whose password was right with a second factor checked elsewhere (a passkey):
   * `check(user)` answers whether it passed. The same per-IP limit (`two-factor`), lockout and failure
   * count as a TOTP code apply; on success the pending session is replaced by a new one.
   */
  completeSecondFactorWith(pending: SessionRecord, requester: Requester, check: (user: UserRecord) => Promise<boolean>): Promise<SecondFactorResult>;
  signUp(input: { email: string; password: string }, requester: Requester, links: EmailLinks): Promise<SignUpResult>;
  /** The session behind a cookie value, or undefined (unknown, ended, or logins are disabled). */
  resolveSession(token: string): Promise<{ session: SessionRecord; user: UserRecord } | undefined>;
  /** `method` is how the session was signed in: `password` (the default), `passkey` or `sso:<provider id>`. */
  startSession(user: UserRecord, requester: Requester, mfaPending?: boolean, method?: string): Promise<NewSession>;
  endSession(session: SessionRecord): Promise<void>;
  /** Whether anyone may still use the first-run page (there is no account yet). */
  needsFirstRun(): Promise<boolean>;
  /** Makes a one-time code for the first-run page and stores its hash; answers the code, for the log. */
  issueFirstRunCode(): Promise<string>;
  completeFirstRun(input: { code: string; email: string; password: string }, requester: Requester): Promise<FirstRunResult>;
  /** Checks the password of a signed-in account (to confirm a sensitive change). */
  checkPassword(user: UserRecord, password: string): Promise<boolean>;
  /** Counts an attempt of `action` from this IP; answers how long to wait when over the limit. */
  throttle(action: string, requester: Requester): Promise<number | undefined>;
}

export interface SignInDependencies {
  readonly accounts: AccountStore;
  readonly sessions: SessionStore;
  readonly rateLimits: RateLimitStore;
  readonly settings: InstanceSettingsStore;
  readonly keys: MasterKeyRing;
  readonly config: PassdropConfig;
  readonly clock: () => number;
}

/**
 * Web sign-in: passwords checked with the scrypt KDF, sessions kept in the database, limits per IP
 * (every attempt) and per account (failures in a row lock it for a while), and the second factor.
 */
export function createSignInService(deps: SignInDependencies): SignInService {
  const { accounts, sessions, rateLimits, config, clock } = deps;
  const policy = config.accounts;
  const idleMs = policy.sessionHours * 3_600_000;
  const lockoutMs = policy.signIn.lockoutMinutes * 60_000;

  /** No account exists and the first-run page has not been used (its latch is unset). */
  async function firstRunPending(): Promise<boolean> {
    return (await accounts.countUsers()) === 0 && (await deps.settings.get(FIRST_RUN_LATCH)) === undefined;
  }

  async function throttle(action: string, requester: Requester): Promise<number | undefined> {
    const now = clock();
    const hits = await rateLimits.hit(`${action}:ip:${requester.ip}`, ATTEMPT_WINDOW_MS, now);
    return hits > policy.signIn.attemptsPerIp ? ATTEMPT_WINDOW_MS : undefined;
  }

  async function startSession(user: UserRecord, requester: Requester, mfaPending = false, method = 'password'): Promise<NewSession> {
    const now = clock();
    const token = randomToken(32);
    const session = await sessions.create({
      tokenHash: tokenDigest(token),
      userId: user.id,
      csrfToken: randomToken(32),
      mfaPending,
      ip: requester.ip,
      userAgent: requester.userAgent?.slice(0, 255) ?? null,
      now,
      // A half-finished sign-in (second factor owed) lasts ten minutes at most.
      expiresAt: now + (mfaPending ? 10 * 60_000 : idleMs),
      signInMethod: method,
    });
    return { token, session };
  }

  async function failure(user: UserRecord): Promise<{ ok: false; reason: 'invalid' } | { ok: false; reason: 'locked'; retryAfterMs: number }> {
    const now = clock();
    const { lockedUntil } = await accounts.recordSignInFailure(user.id, now, policy.signIn.maxFailures, lockoutMs);
    return lockedUntil === null ? { ok: false, reason: 'invalid' } : { ok: false, reason: 'locked', retryAfterMs: lockedUntil - now };
  }

  async function finishSecondFactor(pending: SessionRecord, requester: Requester, usedBackupCode: boolean, check: (user: UserRecord, now: number) => Promise<boolean>): Promise<SecondFactorResult> {
    const wait = await throttle('two-factor', requester);
    if (wait !== undefined) return { ok: false, reason: 'rate_limited', retryAfterMs: wait };
    const user = await accounts.findUserById(pending.userId);
    const now = clock();
    if (!user || user.disabled) return { ok: false, reason: 'invalid' };
    if (user.lockedUntil && user.lockedUntil > now) return { ok: false, reason: 'locked', retryAfterMs: user.lockedUntil - now };
    if (!(await check(user, now))) return failure(user);
    await accounts.recordSignInSuccess(user.id, now);
    // A new session id once fully signed in: the half-signed-in one cannot be reused.
    await sessions.delete(pending.id);
    return { ok: true, usedBackupCode, session: await startSession(user, requester) };
  }

  return {
    throttle,
    startSession,

    async signIn({ email, password }, requester) {
      if (!policy.allowLogins) return { ok: false, reason: 'logins_disabled' };
      if (policy.sso.ssoOnly) return { ok: false, reason: 'passwords_disabled' };
      const wait = await throttle('sign-in', requester);
      if (wait !== undefined) return { ok: false, reason: 'rate_limited', retryAfterMs: wait };
      const user = await accounts.findUserByEmail(email);
      const now = clock();
      if (user?.lockedUntil && user.lockedUntil > now) {
        // While locked, the password is not even checked: guessing on is pointless.
        return { ok: false, reason: 'locked', retryAfterMs: user.lockedUntil - now };
      }
      if (!(await passwordMatches(password, user?.passwordRecord ?? null)) || !user) {
        return user ? failure(user) : { ok: false, reason: 'invalid' };
      }
      if (user.disabled) return { ok: false, reason: 'disabled' };
      if (deps.config.mail.smtpUrl !== undefined && user.emailConfirmedAt === null) return { ok: false, reason: 'unconfirmed', user };
      if (user.twoFactorEnabled) return { ok: true, mfaPending: true, session: await startSession(user, requester, true) };
      await accounts.recordSignInSuccess(user.id, now);
      return { ok: true, mfaPending: false, session: await startSession(user, requester) };
    },

    completeSecondFactorWith(pending, requester, check) {
      return finishSecondFactor(pending, requester, false, (user) => check(user));
    },

    async completeSecondFactor(pending, code, requester) {
      const usedBackupCode = looksLikeBackupCode(code);
      return finishSecondFactor(pending, requester, usedBackupCode, async (user, now) => {
        if (usedBackupCode) return accounts.consumeBackupCode(user.id, backupCodeDigest(code), now);
        const totp = await accounts.readTotp(user.id);
        if (!totp) return false;
        const secret = openTotpSecret(totp.envelope, deps.keys, user.id);
        const step = totpStep(secret, code, now);
        return step !== undefined && (await accounts.acceptTotpStep(user.id, step));
      });
    },

    async signUp({ email, password }, requester, links) {
      // Under PASSDROP_SSO_ONLY accounts are made on first sign-in through the provider.
      if (!policy.allowSignups || policy.sso.ssoOnly) return { ok: false, reason: 'signups_disabled' };
      // Until the operator has made the first (admin) account, nobody else may take the instance over.
      if (await firstRunPending()) return { ok: false, reason: 'setup_pending' };
      const wait = await throttle('sign-up', requester);
      if (wait !== undefined) return { ok: false, reason: 'rate_limited', retryAfterMs: wait };
      const problems = validateNewAccount(email, password, policy.signupEmailPattern);
      if (problems.length > 0) return { ok: false, reason: 'invalid', problems };
      const record = await hashPassword(password);
      const mailEnabled = links.enabled;
      const user = await accounts.createUser({ email, passwordRecord: record, admin: false, confirmed: !mailEnabled, now: clock() });
      if (user === 'email_taken') return { ok: false, reason: 'invalid', problems: [{ field: 'email', code: 'taken', message: 'already has an account.' }] };
      if (mailEnabled) {
        const sent = await links.sendConfirmation(user);
        if (!sent) {
          // Nothing half-made: without the email the account could never be confirmed.
          await accounts.deleteUser(user.id);
          return { ok: false, reason: 'mail_failed' };
        }
        return { ok: true, confirmationSent: true };
      }
      await accounts.recordSignInSuccess(user.id, clock());
      return { ok: true, session: await startSession(user, requester) };
    },

    async resolveSession(token) {
      if (!policy.allowLogins || token.length > 100) return undefined;
      const found = await sessions.find(tokenDigest(token), clock(), idleMs);
      if (!found || found.user.disabled) return undefined;
      return found;
    },

    async endSession(session) {
      await sessions.delete(session.id);
    },

    needsFirstRun: firstRunPending,

    async issueFirstRunCode() {
      const code = randomToken(16);
      await deps.settings.set(`${FIRST_RUN_PREFIX}${tokenDigest(code)}`, String(clock()));
      return code;
    },

    async completeFirstRun({ code, email, password }, requester) {
      const wait = await throttle('first-run', requester);
      if (wait !== undefined) return { ok: false, reason: 'rate_limited', retryAfterMs: wait };
      if ((await accounts.countUsers()) > 0) return { ok: false, reason: 'already_set_up' };
      if (!/^[A-Za-z0-9_-]{22}$/.test(code.trim()) || (await deps.settings.get(`${FIRST_RUN_PREFIX}${tokenDigest(code.trim())}`)) === undefined) {
        return { ok: false, reason: 'wrong_code' };
      }
      const problems = validateNewAccount(email, password, undefined);
      if (problems.length > 0) return { ok: false, reason: 'invalid', problems };
      // One latch for every process: of two people racing through this page, one makes the admin.
      if (!(await deps.settings.setIfAbsent(FIRST_RUN_LATCH, String(clock())))) return { ok: false, reason: 'already_set_up' };
      const record = await hashPassword(password);
      const user = await accounts.createUser({ email, passwordRecord: record, admin: true, confirmed: true, now: clock() });
      if (user === 'email_taken') return { ok: false, reason: 'already_set_up' };
      await accounts.recordSignInSuccess(user.id, clock());
      return { ok: true, user, session: await startSession(user, requester) };
    },

    async checkPassword(user, password) {
      return passwordMatches(password, user.passwordRecord);
    },
  };
}

import { tokenDigest } from '../crypto/token-digest.js';
import type { MasterKeyRing } from '../crypto/master-key-ring.js';
import type { FieldProblem } from '../errors/app-error.js';
import { emailProblems, passwordProblems } from './account-rules.js';
import type { AccountStore, UserRecord } from './account-store.js';
import type { EmailLinks } from './email-links.js';
import { hashPassword } from './password-hash.js';
import type { SessionRecord, SessionStore } from './session-store.js';
import type { SignInService } from './sign-in-service.js';
import { backupCodeDigest, newBackupCodes, sealTotpSecret, totpStep } from './two-factor.js';

export type SettingsResult = { ok: true } | { ok: false; problems: FieldProblem[] } | { ok: false; reason: 'mail_failed' };

export interface AccountSettingsService {
  changePassword(user: UserRecord, session: SessionRecord, input: { current: string; next: string }): Promise<SettingsResult>;
  /** With email configured, the new address gets a confirmation link and changes when it is followed. */
  changeEmail(user: UserRecord, input: { password: string; email: string }, links: EmailLinks): Promise<SettingsResult | { ok: true; confirmationSent: true }>;
  deleteAccount(user: UserRecord, password: string, expireOwnedPushes: (userId: number) => Promise<number>): Promise<SettingsResult>;
  /** Turns two-factor on when the code matches the new secret; answers the backup codes, shown once. */
  enableTwoFactor(user: UserRecord, secret: string, code: string): Promise<{ ok: true; backupCodes: string[] } | { ok: false; problems: FieldProblem[] }>;
  disableTwoFactor(user: UserRecord, password: string): Promise<SettingsResult>;
  regenerateBackupCodes(user: UserRecord, password: string): Promise<{ ok: true; backupCodes: string[] } | { ok: false; problems: FieldProblem[] }>;
  unusedBackupCodes(user: UserRecord): Promise<number>;
  /** Follows a confirmation link (a new account's address, or a changed one). */
  confirmEmail(token: string): Promise<boolean>;
  /** Always answers as if an email went out, so the page cannot tell who has an account. */
  requestPasswordReset(email: string, links: EmailLinks): Promise<{ ok: true } | { ok: false; reason: 'mail_disabled' | 'mail_failed' }>;
  /** Sets a new password from a reset link; every session of the account ends. */
  resetPassword(token: string, password: string): Promise<{ ok: true; user: UserRecord } | { ok: false; problems: FieldProblem[] } | { ok: false; reason: 'invalid_link' }>;
}

const WRONG_PASSWORD: FieldProblem = { field: 'current_password', code: 'incorrect', message: 'is not your current password.' };

export function createAccountSettingsService(deps: {
  accounts: AccountStore;
  sessions: SessionStore;
  signIn: SignInService;
  keys: MasterKeyRing;
  clock: () => number;
  /** PASSDROP_SIGNUP_EMAIL_PATTERN: a changed address must match it as a new one must. */
  allowedEmailPattern: RegExp | undefined;
}): AccountSettingsService {
  const { accounts, sessions, signIn, keys, clock } = deps;

  return {
    async changePassword(user, session, { current, next }) {
      const problems = passwordProblems(next, 'new_password');
      if (!(await signIn.checkPassword(user, current))) problems.unshift(WRONG_PASSWORD);
      if (problems.length > 0) return { ok: false, problems };
      await accounts.setPasswordRecord(user.id, await hashPassword(next), clock());
      // Anyone else signed in with the old password is signed out.
      await sessions.deleteForUser(user.id, session.id);
      return { ok: true };
    },

    async changeEmail(user, { password, email }, links) {
      const problems = emailProblems(email, deps.allowedEmailPattern);
      if (!(await signIn.checkPassword(user, password))) problems.unshift(WRONG_PASSWORD);
      if (problems.length > 0) return { ok: false, problems };
      const taken = await accounts.findUserByEmail(email);
      if (taken && taken.id !== user.id) return { ok: false, problems: [{ field: 'email', code: 'taken', message: 'already has an account.' }] };
      if (links.enabled) {
        return (await links.sendEmailChange(user, email)) ? { ok: true, confirmationSent: true } : { ok: false, reason: 'mail_failed' };
      }
      const changed = await accounts.setEmail(user.id, email, true, clock());
      return changed === 'ok' ? { ok: true } : { ok: false, problems: [{ field: 'email', code: 'taken', message: 'already has an account.' }] };
    },

    async deleteAccount(user, password, expireOwnedPushes) {
      if (!(await signIn.checkPassword(user, password))) return { ok: false, problems: [WRONG_PASSWORD] };
      // The secrets go first: a deleted account leaves no readable push behind.
      await expireOwnedPushes(user.id);
      await accounts.deleteUser(user.id);
      return { ok: true };
    },

    async enableTwoFactor(user, secret, code) {
      if (!/^[A-Z2-7]{32}$/.test(secret)) return { ok: false, problems: [{ field: 'code', code: 'setup_expired', message: 'belongs to a set-up that expired: start again.' }] };
      const now = clock();
      const step = totpStep(secret, code, now);
      if (step === undefined) return { ok: false, problems: [{ field: 'code', code: 'incorrect', message: 'is not the code your app shows.' }] };
      const backupCodes = newBackupCodes();
      const envelope = sealTotpSecret(secret, keys, user.id);
      await accounts.setTotp(user.id, envelope, backupCodes.map(backupCodeDigest), now);
      await accounts.acceptTotpStep(user.id, step);
      return { ok: true, backupCodes };
    },

    async disableTwoFactor(user, password) {
      if (!(await signIn.checkPassword(user, password))) return { ok: false, problems: [WRONG_PASSWORD] };
      await accounts.setTotp(user.id, null, [], clock());
      return { ok: true };
    },

    async regenerateBackupCodes(user, password) {
      if (!(await signIn.checkPassword(user, password))) return { ok: false, problems: [WRONG_PASSWORD] };
      const backupCodes = newBackupCodes();
      await accounts.replaceBackupCodes(user.id, backupCodes.map(backupCodeDigest));
      return { ok: true, backupCodes };
    },

    unusedBackupCodes: (user) => accounts.countUnusedBackupCodes(user.id),

    async confirmEmail(token) {
      const now = clock();
      const hash = tokenDigest(token);
      const confirmed = await accounts.consumeEmailToken(hash, 'confirm', now);
      if (confirmed) return accounts.confirmEmail(confirmed.userId, confirmed.email, now);
      const changed = await accounts.consumeEmailToken(hash, 'change_email', now);
      if (!changed) return false;
      return (await accounts.setEmail(changed.userId, changed.email, true, now)) === 'ok';
    },

    async requestPasswordReset(email, links) {
      if (!links.enabled) return { ok: false, reason: 'mail_disabled' };
      const user = await accounts.findUserByEmail(email);
      if (!user || user.disabled) return { ok: true };
      return (await links.sendPasswordReset(user)) ? { ok: true } : { ok: false, reason: 'mail_failed' };
    },

    async resetPassword(token, password) {
      const problems = passwordProblems(password);
      if (problems.length > 0) return { ok: false, problems };
      const now = clock();
      const used = await accounts.consumeEmailToken(tokenDigest(token), 'reset', now);
      const user = used ? await accounts.findUserById(used.userId) : undefined;
      if (!user || user.disabled) return { ok: false, reason: 'invalid_link' };
      await accounts.setPasswordRecord(user.id, await hashPassword(password), now);
      // The link reached the mailbox: the address is proven.
      if (user.emailConfirmedAt === null) await accounts.confirmEmail(user.id, user.email, now);
      await sessions.deleteForUser(user.id);
      return { ok: true, user };
    },
  };
}

import { timingSafeEqualText } from '../crypto/timing-safe-equal.js';
import type { FieldProblem } from '../errors/app-error.js';
import { validateNewAccount } from './account-rules.js';
import { hashPassword } from './password-hash.js';
import { tokenDigest } from '../crypto/token-digest.js';
import { newApiToken } from './api-token.js';
import { normalizeEmail, type AccountStore, type ApiTokenRecord, type UserRecord } from './account-store.js';


/** What a request presented: a token, and with Password Pusher's legacy headers the email it claims. */
export interface PresentedCredentials {
  readonly token: string;
  readonly email?: string | undefined;
}

export interface AccountService {
  addUser(email: string, password: string, options?: { admin?: boolean }): Promise<{ ok: true; user: UserRecord } | { ok: false; problems: FieldProblem[] }>;
  /** A new token for the user; the token itself is returned here once and never stored. */
  createApiToken(email: string, options?: { name?: string; expiresAt?: number | null }): Promise<{ token: string; record: ApiTokenRecord } | 'no_such_user'>;
  /** The user a presented token belongs to, or undefined when it is unknown, revoked, expired or the email does not match. */
  authenticate(credentials: PresentedCredentials): Promise<UserRecord | undefined>;
}

export function createAccountService(deps: { store: AccountStore; clock: () => number }): AccountService {
  const { store, clock } = deps;
  return {
    async addUser(email, password, options = {}) {
      const problems = validateNewAccount(email, password, undefined);
      if (problems.length > 0) return { ok: false, problems };
      const user = await store.createUser({ email, passwordRecord: await hashPassword(password), admin: options.admin ?? false, confirmed: true, now: clock() });
      if (user === 'email_taken') return { ok: false, problems: [{ field: 'email', code: 'taken', message: 'already has an account.' }] };
      return { ok: true, user };
    },

    async createApiToken(email, options = {}) {
      const user = await store.findUserByEmail(email);
      if (!user) return 'no_such_user';
      const { token, prefix, hash } = newApiToken();
      const record = await store.createApiToken({
        userId: user.id,
        name: options.name ?? 'API token',
        prefix,
        hash,
        expiresAt: options.expiresAt ?? null,
        now: clock(),
      });
      return { token, record };
    },

    async authenticate(credentials) {
      const found = await store.authenticateToken(tokenDigest(credentials.token), clock());
      if (!found) return undefined;
      // Password Pusher never checks X-User-Email against the token; Passdrop does.
      if (credentials.email !== undefined && !timingSafeEqualText(normalizeEmail(credentials.email), found.user.email)) return undefined;
      return found.user;
    },
  };
}

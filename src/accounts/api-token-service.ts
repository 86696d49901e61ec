import type { FieldProblem } from '../errors/app-error.js';
import type { AccountStore, ApiTokenRecord, UserRecord } from './account-store.js';
import { newApiToken } from './api-token.js';

/** Longest token name, in characters (code points). */
export const TOKEN_NAME_MAX_CHARACTERS = 100;

export type CreateApiTokenResult = { ok: true; token: string; record: ApiTokenRecord } | { ok: false; problems: FieldProblem[] };

/**
 * The rules of API tokens, for the API, the tokens page and the CLI alike: which tokens an account
 * sees, how a new one is named and when it may expire, and revocation by its owner only.
 */
export interface ApiTokenService {
  /** The account's usable tokens (neither revoked nor expired), oldest first. Never the tokens themselves. */
  list(user: UserRecord): Promise<ApiTokenRecord[]>;
  /**
   * Makes a token. `name` is trimmed and must have 1–100 characters; `expiresAt` (ms since the epoch)
   * must be in the future, or null for a token that never expires. The token is in this answer only.
   */
  create(user: UserRecord, input: { name: string; expiresAt: number | null }): Promise<CreateApiTokenResult>;
  /** Revokes one of the account's own tokens; false when it has no such live token. */
  revoke(user: UserRecord, tokenId: number): Promise<boolean>;
}

export function createApiTokenService(deps: { store: AccountStore; clock: () => number }): ApiTokenService {
  const { store, clock } = deps;
  return {
    async list(user) {
      const now = clock();
      return (await store.listApiTokens(user.id)).filter((token) => token.revokedAt === null && (token.expiresAt === null || token.expiresAt > now));
    },

    async create(user, input) {
      const now = clock();
      const name = input.name.trim();
      const problems: FieldProblem[] = [];
      if (name === '') problems.push({ field: 'name', code: 'required', message: 'is required.' });
      else if ([...name].length > TOKEN_NAME_MAX_CHARACTERS) {
        problems.push({ field: 'name', code: 'too_long', params: { max: TOKEN_NAME_MAX_CHARACTERS }, message: `must be at most ${TOKEN_NAME_MAX_CHARACTERS} characters.` });
      }
      if (input.expiresAt !== null && (!Number.isFinite(input.expiresAt) || input.expiresAt <= now)) {
        problems.push({ field: 'expires_at', code: 'not_in_future', message: 'must be a time in the future.' });
      }
      if (problems.length > 0) return { ok: false, problems };
      const { token, prefix, hash } = newApiToken();
      const record = await store.createApiToken({ userId: user.id, name, prefix, hash, expiresAt: input.expiresAt, now });
      return { ok: true, token, record };
    },

    revoke(user, tokenId) {
      return store.revokeApiToken(user.id, tokenId, clock());
    },
  };
}

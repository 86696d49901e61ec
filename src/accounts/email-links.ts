import { randomToken } from '../crypto/random-token.js';
import { tokenDigest } from '../crypto/token-digest.js';
import type { AccountStore, EmailTokenPurpose } from './account-store.js';
import type { Mailer } from './mailer.js';

const LIFETIME_MS: Record<EmailTokenPurpose, number> = {
  confirm: 24 * 3_600_000,
  change_email: 24 * 3_600_000,
  reset: 3_600_000,
};
const PATHS: Record<EmailTokenPurpose, string> = {
  confirm: '/account/confirm',
  change_email: '/account/confirm',
  reset: '/account/reset-password',
};

/** The words of each email, in the reader's language; `{link}` is where the link goes. */
export interface EmailTexts {
  subject(purpose: EmailTokenPurpose): string;
  body(purpose: EmailTokenPurpose, link: string): string;
}

/** Sends the single-use links of the account emails; each answers false when the email could not be sent. */
export interface EmailLinks {
  readonly enabled: boolean;
  sendConfirmation(user: { id: number; email: string }): Promise<boolean>;
  sendEmailChange(user: { id: number }, newEmail: string): Promise<boolean>;
  sendPasswordReset(user: { id: number; email: string }): Promise<boolean>;
}

/**
 * Makes a 256-bit single-use token (only its hash is stored), puts it in a link and mails it. The token
 * rides in the query string, which the request log redacts.
 */
export function createEmailLinks(deps: {
  mailer: Mailer;
  accounts: AccountStore;
  clock: () => number;
  baseUrl: string;
  texts: EmailTexts;
  logger: { error(details: object, message: string): void };
}): EmailLinks {
  async function send(userId: number, email: string, purpose: EmailTokenPurpose): Promise<boolean> {
    const now = deps.clock();
    const token = randomToken(32);
    await deps.accounts.createEmailToken({ hash: tokenDigest(token), userId, purpose, email, expiresAt: now + LIFETIME_MS[purpose], now });
    const link = `${deps.baseUrl}${PATHS[purpose]}?token=${token}`;
    const result = await deps.mailer.send({ to: email, subject: deps.texts.subject(purpose), text: deps.texts.body(purpose, link) });
    if (!result.ok) deps.logger.error({ purpose, reason: result.reason }, 'could not send an account email');
    return result.ok;
  }
  return {
    enabled: deps.mailer.enabled,
    sendConfirmation: (user) => send(user.id, user.email, 'confirm'),
    sendEmailChange: (user, newEmail) => send(user.id, newEmail, 'change_email'),
    sendPasswordReset: (user) => send(user.id, user.email, 'reset'),
  };
}

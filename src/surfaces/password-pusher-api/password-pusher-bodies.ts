import type { AccessRefusal } from '../../accounts/access-policy.js';
import { errorCatalogue } from '../../errors/error-catalogue.js';

/** Password Pusher's own error bodies, word for word: its clients match on them (read from its controller tests). */
export const PASSWORD_PUSHER_BODIES = {
  notFound: { error: 'not-found' },
  signInRequired: { error: 'You need to sign in or sign up before continuing.' },
  mfaRequired: { error: errorCatalogue.MFA_REQUIRED.message },
  notYours: { error: "That push doesn't belong to you." },
  invalidPage: { error: 'Invalid page parameter' },
  passphrase: {
    error: 'That passphrase is incorrect.',
    message: "This push requires a passphrase. Please provide it using the 'passphrase' parameter (e.g. ?passphrase=mysecret)",
    status: 'unauthorized',
  },
  passphraseRateLimited: { error: 'Too many passphrase attempts. Please try again in a minute.' },
  notDeletable: { error: 'That push is not deletable by viewers.' },
  notifyQueued: { message: 'Recipient(s) are added to the queue to be sent.' },
  notifyRateLimited: { error: 'Too many email notification requests. Please try again in a minute.' },
  notifyUnavailable: { notify_emails_to: ['are not available'], notify_emails_to_locale: ['is not available'] },
  notifyAnonymous: { notify_emails_to: ['are not allowed for unknown users'] },
  /** Ours (Password Pusher has no end-to-end pushes): its `{error}` shape with a 409, and no view used. */
  endToEnd: {
    error:
      'This push is end-to-end encrypted: the server cannot read it, and its key is only in the link after the #. Open the link in a browser, or use the passdrop command line (passdrop get LINK). No view was used.',
    status: 'conflict',
  },
} as const;

/**
 * How Password Pusher refuses a request its access rules do not allow: 401 "sign in" for a missing or
 * invalid token, 403 for an account that must set up two-factor first (its base controller's answers).
 */
export function refusalBody(reason: AccessRefusal): { status: number; body: { error: string } } {
  switch (reason) {
    case 'sign_in_required':
    case 'credentials_invalid':
    case 'second_factor_owed':
      return { status: 401, body: PASSWORD_PUSHER_BODIES.signInRequired };
    case 'mfa_required':
      return { status: 403, body: PASSWORD_PUSHER_BODIES.mfaRequired };
    case 'not_admin':
      return { status: 403, body: PASSWORD_PUSHER_BODIES.notYours };
    default:
      throw new Error(`unhandled refusal ${String(reason satisfies never)}`);
  }
}

import type { RateLimitStore } from '../accounts/rate-limit-store.js';
import type { UserRecord } from '../accounts/account-store.js';
import type { NotificationPolicy } from '../config/notification-settings.js';
import { sealEnvelope } from '../crypto/envelope.js';
import type { MasterKeyRing } from '../crypto/master-key-ring.js';
import type { FieldProblem } from '../errors/app-error.js';
import { linkWithoutLanguage } from '../web/i18n/locale-link.js';
import { DEFAULT_LANGUAGE, resolveLanguage } from '../web/i18n/languages.js';
import { linkEmailEnvelopeContext, type LinkEmailStore } from './link-email-store.js';

/**
 * What this service needs of a push (a PushRecord fits; declared here so notifications does not import
 * pushes, which imports the outbox).
 */
export interface LinkablePush {
  readonly id: number;
  readonly token: string;
  readonly ownerUserId: number | null;
  readonly encryption: 'server' | 'client';
  readonly expired: boolean;
  readonly retrievalStep: boolean;
}

/** Link-email requests one account may make per minute (Password Pusher's `rate_limit` on notify_emails). */
export const LINK_EMAIL_REQUESTS_PER_MINUTE = 5;

/** A request to email a push's link (Password Pusher's notify_emails_to and notify_emails_to_locale). */
export interface LinkEmailInput {
  /** Comma-separated addresses (Password Pusher's format); blanks are ignored, duplicates counted once. */
  readonly recipients: string;
  /** The mail's language; the default language when absent. */
  readonly locale?: string | undefined;
  /**
   * End-to-end pushes only: the whole link, key fragment included. The server never has it otherwise,
   * so it sends it only when the sender also acknowledges that the mail servers will see it.
   */
  readonly link?: string | undefined;
  readonly linkExposureAcknowledged?: boolean | undefined;
}

export type LinkEmailResult =
  | { readonly ok: true; readonly recipients: number }
  | { readonly ok: false; readonly reason: 'unavailable' | 'not_found' | 'not_owner' | 'rate_limited' }
  | { readonly ok: false; readonly reason: 'invalid'; readonly problems: readonly FieldProblem[] };

/**
 * Emailing a push's link to recipients, Password Pusher's "notify by email" with its limits: signed-in
 * owners only, at most PASSDROP_LINK_EMAIL_RECIPIENTS_PER_PUSH recipients per push over all requests,
 * PASSDROP_LINK_EMAILS_DAILY_LIMIT recipients per account per 24 hours (0: none), 5 requests a minute per
 * account. The mails are queued in the notification outbox (one delivery per recipient, retried, never
 * sent twice by two processes) and sent by the notification worker.
 *
 * End-to-end pushes: the server does not have the key (the part after #), so the sender sends the whole
 * link with `linkExposureAcknowledged` (the mail and its servers will see the key); without both the
 * request is refused (422, field `link`). The link is sealed with the master key until sent.
 */
export interface LinkEmailService {
  /** Whether link emails can be sent: the feature is on and SMTP and PASSDROP_BASE_URL are configured. */
  readonly available: boolean;
  /** The problems of recipients and locale alone (before a push exists, at creation). */
  checkInput(input: LinkEmailInput): FieldProblem[];
  /** Emails the link of `token`, owned by `user`: the notify_emails endpoints (rate-limited). */
  request(user: UserRecord, token: string, input: LinkEmailInput): Promise<LinkEmailResult>;
  /** Emails the link of a push `user` just created (the create routes' notify_emails_to). */
  queueForNewPush(user: UserRecord, push: LinkablePush, input: LinkEmailInput): Promise<LinkEmailResult>;
}

const EMAIL = /^[^@\s,;<>"]+@[^@\s,;<>".]+(\.[^@\s,;<>".]+)+$/;
const DAY_MS = 86_400_000;

function parseRecipients(text: string): string[] {
  const seen = new Set<string>();
  const list: string[] = [];
  for (const raw of text.split(',')) {
    const address = raw.trim();
    if (address === '' || seen.has(address.toLowerCase())) continue;
    seen.add(address.toLowerCase());
    list.push(address);
  }
  return list;
}

export function createLinkEmailService(deps: {
  store: LinkEmailStore;
  pushes: { findByToken(token: string): Promise<LinkablePush | undefined> };
  /** The push's secret link under `siteUrl` (src/pushes/secret-link.ts). */
  secretUrl: (siteUrl: string, push: Pick<LinkablePush, 'token' | 'retrievalStep'>) => string;
  rateLimits: Pick<RateLimitStore, 'hit'>;
  keys: MasterKeyRing;
  policy: NotificationPolicy;
  mailEnabled: boolean;
  /** PASSDROP_BASE_URL without its trailing slash (required with SMTP): the only source of emailed links. */
  siteUrl: string | undefined;
  clock: () => number;
  onQueued?: () => void;
}): LinkEmailService {
  const { store, policy, clock } = deps;
  const limits = policy.linkEmails;
  const available = limits.enabled && deps.mailEnabled && deps.siteUrl !== undefined;

  function checkInput(input: LinkEmailInput): FieldProblem[] {
    const problems: FieldProblem[] = [];
    const recipients = parseRecipients(input.recipients);
    const wrong = recipients.filter((address) => !EMAIL.test(address) || address.length > 254);
    if (recipients.length === 0) problems.push({ field: 'notify_emails_to', code: 'required', message: 'must name at least one email address.' });
    else if (wrong.length > 0) {
      problems.push({ field: 'notify_emails_to', code: 'invalid_email', params: { addresses: wrong.join(', ') }, message: `has addresses that are not valid: ${wrong.join(', ')}.` });
    } else if (recipients.length > limits.recipientsPerPush) {
      problems.push({ field: 'notify_emails_to', code: 'too_many', params: { max: limits.recipientsPerPush }, message: `can name at most ${limits.recipientsPerPush} recipients.` });
    }
    if (input.locale !== undefined && input.locale !== '' && resolveLanguage(input.locale) === undefined) {
      problems.push({ field: 'notify_emails_to_locale', code: 'not_allowed', message: 'is not a supported language.' });
    }
    return problems;
  }

  /** The sealed link for an end-to-end push, or the problems that stop it. */
  function endToEndLink(push: LinkablePush, input: LinkEmailInput): { problems: FieldProblem[]; envelope: Buffer | null } {
    if (push.encryption !== 'client') return { problems: [], envelope: null };
    if (input.link === undefined || input.link === '') {
      return {
        problems: [
          {
            field: 'link',
            code: 'end_to_end_link_required',
            message:
              'is required for an end-to-end push: the server does not have its key. Send the whole link (with the part after #) and acknowledge_link_exposure: true, or share the link yourself.',
          },
        ],
        envelope: null,
      };
    }
    const expected = deps.secretUrl(deps.siteUrl ?? '', push);
    // The share link may carry the recipient's language (`?locale=`); the push is named by what is left.
    const bare = linkWithoutLanguage(input.link);
    const [base, fragment] = [bare.split('#', 1)[0], bare.slice(bare.indexOf('#') + 1)];
    const problems: FieldProblem[] = [];
    if (!input.link.includes('#') || fragment === '' || (base !== expected && base !== `${deps.siteUrl ?? ''}/p/${push.token}`)) {
      problems.push({ field: 'link', code: 'not_this_push', message: `must be this push's whole link: ${expected}#… (key included).` });
    }
    if (input.linkExposureAcknowledged !== true) {
      problems.push({
        field: 'acknowledge_link_exposure',
        code: 'required',
        message: 'must be true: the email carries the key of an end-to-end push, so the mail servers on the way can read the secret.',
      });
    }
    if (problems.length > 0) return { problems, envelope: null };
    return { problems, envelope: sealEnvelope(Buffer.from(input.link, 'utf8'), deps.keys.current, linkEmailEnvelopeContext(push.token, 'notify_link')) };
  }

  async function queue(user: UserRecord, push: LinkablePush, input: LinkEmailInput): Promise<LinkEmailResult> {
    const problems = checkInput(input);
    if (push.expired) problems.push({ field: 'notify_emails_to', code: 'push_expired', message: 'cannot be sent: the push has expired.' });
    const link = endToEndLink(push, input);
    problems.push(...link.problems);
    if (problems.length > 0) return { ok: false, reason: 'invalid', problems };
    const recipients = parseRecipients(input.recipients);
    const now = clock();
    const sealed = sealEnvelope(Buffer.from(JSON.stringify(recipients), 'utf8'), deps.keys.current, linkEmailEnvelopeContext(push.token, 'notify_recipients'));
    const result = await store.queue(
      {
        pushId: push.id,
        userId: user.id,
        recipientsEnvelope: sealed,
        recipientsCount: recipients.length,
        locale: (input.locale === undefined ? undefined : resolveLanguage(input.locale)) ?? DEFAULT_LANGUAGE,
        linkEnvelope: link.envelope,
      },
      {
        now,
        retryWindowMs: policy.retryWindowMs,
        dayStart: now - DAY_MS,
        admit: (counts): FieldProblem | undefined => {
          if (counts.forPush + recipients.length > limits.recipientsPerPush) {
            const left = Math.max(0, limits.recipientsPerPush - counts.forPush);
            return {
              field: 'notify_emails_to',
              code: 'too_many',
              params: { max: limits.recipientsPerPush, left },
              message: `can name ${left} more recipients: a push's link goes to at most ${limits.recipientsPerPush}.`,
            };
          }
          if (counts.forUserToday + recipients.length > limits.dailyLimit) {
            return { field: 'notify_emails_to', code: 'daily_limit', params: { max: limits.dailyLimit }, message: `would pass your daily limit of ${limits.dailyLimit} emails.` };
          }
          return undefined;
        },
      },
    );
    if (!result.queued) return { ok: false, reason: 'invalid', problems: [result.refusal] };
    deps.onQueued?.();
    return { ok: true, recipients: recipients.length };
  }

  return {
    available,
    checkInput,
    async request(user, token, input) {
      if (!available) return { ok: false, reason: 'unavailable' };
      const push = await deps.pushes.findByToken(token);
      if (!push) return { ok: false, reason: 'not_found' };
      if (push.ownerUserId !== user.id) return { ok: false, reason: 'not_owner' };
      if ((await deps.rateLimits.hit(`link-email:user:${user.id}`, 60_000, clock())) > LINK_EMAIL_REQUESTS_PER_MINUTE) return { ok: false, reason: 'rate_limited' };
      return queue(user, push, input);
    },
    async queueForNewPush(user, push, input) {
      if (!available) return { ok: false, reason: 'unavailable' };
      return queue(user, push, input);
    },
  };
}

/**
 * The settings of notifications: webhooks, receipts and emailing a push's link (docs/webhooks.md).
 * Spread into the settings list in settings.ts; mapped to a NotificationPolicy by `notificationPolicy`.
 */
import { booleanSetting, integerSetting } from './setting-definitions.js';

const GROUP = 'Notifications';

export const notificationSettings = {
  PASSDROP_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: booleanSetting(
    'PASSDROP_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES',
    GROUP,
    'Let webhooks reach loopback, private, link-local and other non-public addresses (checked after DNS resolution); off, such URLs are refused so a webhook cannot probe the network Passdrop runs in',
    false,
  ),
  PASSDROP_WEBHOOK_TIMEOUT_SECONDS: integerSetting('PASSDROP_WEBHOOK_TIMEOUT_SECONDS', GROUP, 'How long one webhook delivery may take before it counts as failed, in seconds', 10, { min: 1, max: 60 }),
  PASSDROP_NOTIFICATION_RETRY_HOURS: integerSetting(
    'PASSDROP_NOTIFICATION_RETRY_HOURS',
    GROUP,
    'How long a webhook or email notification is retried (exponential backoff with jitter) before it is marked failed, in hours',
    24,
    { min: 1, max: 168 },
  ),
  PASSDROP_NOTIFICATION_CLAIM_SECONDS: integerSetting(
    'PASSDROP_NOTIFICATION_CLAIM_SECONDS',
    GROUP,
    'How long a process holds a delivery it is attempting; if the process dies, another attempts it after this, in seconds (must exceed PASSDROP_WEBHOOK_TIMEOUT_SECONDS)',
    60,
    { min: 2, max: 3600 },
  ),
  PASSDROP_NOTIFICATION_POLL_MS: integerSetting(
    'PASSDROP_NOTIFICATION_POLL_MS',
    GROUP,
    'How often each process looks for notifications to deliver when idle, in milliseconds',
    1000,
    { min: 20, max: 60_000 },
  ),
  PASSDROP_NOTIFICATION_KEEP_DAYS: integerSetting(
    'PASSDROP_NOTIFICATION_KEEP_DAYS',
    GROUP,
    'How long finished deliveries stay in the webhook delivery logs, in days',
    30,
    { min: 1, max: 3650 },
  ),
  PASSDROP_LINK_EMAILS: booleanSetting(
    'PASSDROP_LINK_EMAILS',
    GROUP,
    "Let signed-in senders have Passdrop email a push's link to recipients (Password Pusher's notify_emails_to); needs PASSDROP_SMTP_URL",
    true,
  ),
  PASSDROP_LINK_EMAIL_RECIPIENTS_PER_PUSH: integerSetting(
    'PASSDROP_LINK_EMAIL_RECIPIENTS_PER_PUSH',
    GROUP,
    "Most recipients one push's link may be emailed to, over all requests (Password Pusher: 5)",
    5,
    { min: 1, max: 100 },
  ),
  PASSDROP_LINK_EMAILS_DAILY_LIMIT: integerSetting(
    'PASSDROP_LINK_EMAILS_DAILY_LIMIT',
    GROUP,
    'Most link emails (recipients) one account may send in 24 hours; 0 turns the feature off for everyone (Password Pusher: 500)',
    500,
    { min: 0, max: 1_000_000 },
  ),
  PASSDROP_WEBHOOKS_PER_ACCOUNT: integerSetting('PASSDROP_WEBHOOKS_PER_ACCOUNT', GROUP, 'Most webhooks one account may have (instance-wide webhooks count apart)', 10, { min: 0, max: 1000 }),
};

/** What the notification worker and services enforce, from the settings above. */
export interface NotificationPolicy {
  readonly allowPrivateAddresses: boolean;
  /** Milliseconds. */
  readonly webhookTimeoutMs: number;
  /** Milliseconds from an event's dispatch after which its delivery is given up. */
  readonly retryWindowMs: number;
  /** Milliseconds a claim on a delivery lasts (longer than the webhook timeout). */
  readonly claimMs: number;
  /** Milliseconds between looks when idle. */
  readonly pollIntervalMs: number;
  /** Milliseconds finished deliveries are kept. */
  readonly keepMs: number;
  readonly webhooksPerAccount: number;
  /** Emailing a push's link: on or off, recipients per push, recipients per account per 24 hours (0: none). */
  readonly linkEmails: { readonly enabled: boolean; readonly recipientsPerPush: number; readonly dailyLimit: number };
}

type NotificationSettingValues = { [K in keyof typeof notificationSettings]: (typeof notificationSettings)[K]['defaultValue'] };

/** Builds the policy; adds a problem when a claim would lapse before a delivery's timeout. */
export function notificationPolicy(v: NotificationSettingValues, problems: string[]): NotificationPolicy {
  if (v.PASSDROP_NOTIFICATION_CLAIM_SECONDS <= v.PASSDROP_WEBHOOK_TIMEOUT_SECONDS) {
    problems.push(
      `PASSDROP_NOTIFICATION_CLAIM_SECONDS (${v.PASSDROP_NOTIFICATION_CLAIM_SECONDS}) must be greater than PASSDROP_WEBHOOK_TIMEOUT_SECONDS (${v.PASSDROP_WEBHOOK_TIMEOUT_SECONDS}): otherwise a second process could send a delivery the first is still sending`,
    );
  }
  return {
    claimMs: v.PASSDROP_NOTIFICATION_CLAIM_SECONDS * 1000,
    allowPrivateAddresses: v.PASSDROP_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES,
    webhookTimeoutMs: v.PASSDROP_WEBHOOK_TIMEOUT_SECONDS * 1000,
    retryWindowMs: v.PASSDROP_NOTIFICATION_RETRY_HOURS * 3_600_000,
    pollIntervalMs: v.PASSDROP_NOTIFICATION_POLL_MS,
    keepMs: v.PASSDROP_NOTIFICATION_KEEP_DAYS * 86_400_000,
    webhooksPerAccount: v.PASSDROP_WEBHOOKS_PER_ACCOUNT,
    linkEmails: { enabled: v.PASSDROP_LINK_EMAILS, recipientsPerPush: v.PASSDROP_LINK_EMAIL_RECIPIENTS_PER_PUSH, dailyLimit: v.PASSDROP_LINK_EMAILS_DAILY_LIMIT },
  };
}

import type { PushRecord } from '../../pushes/push-record.js';
import { secretUrl } from '../../pushes/secret-link.js';

const DAY = 86_400_000;

/** Password Pusher's push object, keys in its order. */
export interface PasswordPusherPush {
  expire_after_views: number;
  expired: boolean;
  url_token: string;
  deletable_by_viewer: boolean | null;
  retrieval_step: boolean;
  expired_on: string | null;
  passphrase: string | null;
  created_at: string;
  updated_at: string;
  expire_after_days: number;
  days_remaining: number;
  views_remaining: number;
  deleted: boolean;
  json_url: string;
  html_url: string;
  note?: string;
  name?: string;
  payload?: string | null;
  files?: PasswordPusherFile[];
}

/** One entry of Password Pusher's `files` array; `url` works until the view's download window ends. */
export interface PasswordPusherFile {
  filename: string;
  content_type: string;
  url: string;
}

/** Whole days the creator asked for; pushes made with minutes or a time show their lifetime rounded up. */
export function lifetimeDays(push: PushRecord): number {
  return push.expireAfterDays ?? Math.max(1, Math.ceil((push.expiresAt - push.createdAt) / DAY));
}

/**
 * Builds the JSON object Password Pusher clients read. Deliberate difference: the passphrase is never
 * echoed; the field is "" when the push has none, null otherwise.
 */
export function toPasswordPusherJson(
  push: PushRecord,
  context: { baseUrl: string; now: number },
  extras: {
    payload?: string | null;
    /** The files a view revealed (file pushes). */
    files?: PasswordPusherFile[];
    note?: string;
    includeNameAndNote?: boolean;
    /** Set when this response delivers the payload: the view that uses the last count still reports the push as live. */
    delivered?: { hadPassphrase: boolean };
  } = {},
): PasswordPusherPush {
  const ageDays = Math.floor((context.now - push.createdAt) / DAY);
  const htmlUrl = secretUrl(context.baseUrl, push);
  // Password Pusher expires a push right after the response that used its last view.
  const expiredNow = push.expired && extras.delivered === undefined;
  const hadPassphrase = extras.delivered?.hadPassphrase ?? push.passphraseProtected;
  const json: PasswordPusherPush = {
    expire_after_views: push.expireAfterViews,
    expired: expiredNow,
    url_token: push.token,
    deletable_by_viewer: push.deletableByViewer,
    retrieval_step: push.retrievalStep,
    expired_on: !expiredNow || push.expiredAt === null ? null : new Date(push.expiredAt).toISOString(),
    // As Password Pusher: null after expiry (its expiry sets the passphrase to nil), whatever it had.
    passphrase: expiredNow || hadPassphrase ? null : '',
    created_at: new Date(push.createdAt).toISOString(),
    updated_at: new Date(push.updatedAt).toISOString(),
    expire_after_days: lifetimeDays(push),
    days_remaining: Math.max(lifetimeDays(push) - ageDays, 0),
    views_remaining: push.viewsRemaining,
    deleted: expiredNow && (push.expireReason === 'owner' || push.expireReason === 'viewer'),
    json_url: `${htmlUrl}.json`,
    html_url: htmlUrl,
  };
  if (extras.includeNameAndNote) {
    json.note = extras.note ?? '';
    json.name = push.name;
  }
  if ('payload' in extras) {
    json.payload = extras.payload ?? null;
    json.files = extras.files ?? [];
  }
  return json;
}

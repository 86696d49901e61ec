import { CliError, EXIT, type ExitCode } from './exit-codes.js';
import { expiryInWholeDays } from './expiry-option.js';
import { requestJson, type JsonResponse } from './http-client.js';
import type { AuditEvent, CreatedPush, NewPush, OpenedPush, OwnedPush, PushServer } from './push-server.js';

/** Password Pusher's push object (its `_push.json.jbuilder`), the fields the CLI reads. */
interface PasswordPusherPush {
  url_token: string;
  html_url: string;
  expired: boolean;
  expire_after_views: number;
  expire_after_days: number;
  views_remaining: number;
  days_remaining: number;
  retrieval_step: boolean;
  passphrase: string | null;
  created_at: string;
  expired_on: string | null;
  name?: string;
  payload?: string | null;
}

const PAGE_SIZE = 50;
const MAX_PAGES = 200;
const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The message of a Password Pusher error body: `{"error": …}`, or a validation hash `{"payload": ["…"]}`. */
function errorMessage(body: unknown): string {
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    if (typeof record.error === 'string') return record.error;
    const problems = Object.entries(record)
      .filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1]))
      .map(([field, messages]) => `${field}: ${messages.join(' ')}`);
    if (problems.length > 0) return problems.join('; ');
  }
  return 'no details';
}

/** Maps an unexpected Password Pusher answer to the CLI's exit codes. */
export function passwordPusherFailure(response: JsonResponse, what: string): CliError {
  const message = `${what}: ${errorMessage(response.body)} (HTTP ${response.status})`;
  const code: ExitCode =
    response.status === 404 ? EXIT.notFound
    : response.status === 401 || response.status === 403 || response.status === 429 ? EXIT.auth
    : response.status === 400 || response.status === 413 || response.status === 422 ? EXIT.usage
    : EXIT.failure;
  return new CliError(message, code);
}

function requireToken(token: string | undefined, base: string): string {
  if (!token) throw new CliError(`This needs an API token for ${base}: run passdrop login, or set PASSDROP_TOKEN.`, EXIT.auth);
  return token;
}

/** The caller's pushes through `GET /api/v2/pushes/active|expired` (50 a page), which Passdrop answers too. */
export async function listOwnedPushes(base: string, token: string | undefined, expired: boolean): Promise<OwnedPush[]> {
  const bearer = requireToken(token, base);
  const pushes: OwnedPush[] = [];
  for (let page = 1; page <= MAX_PAGES; page += 1) {
    const response = await requestJson(`${base}/api/v2/pushes/${expired ? 'expired' : 'active'}?page=${page}`, { token: bearer });
    if (response.status !== 200 || !Array.isArray(response.body)) throw passwordPusherFailure(response, 'Listing your pushes failed');
    const batch = response.body as PasswordPusherPush[];
    for (const push of batch) {
      pushes.push({
        token: push.url_token,
        name: push.name ?? '',
        link: push.html_url,
        expired: push.expired,
        viewsRemaining: push.views_remaining,
        expireAfterViews: push.expire_after_views,
        daysRemaining: push.days_remaining,
        createdAt: push.created_at,
        expiredOn: push.expired_on,
      });
    }
    if (batch.length < PAGE_SIZE) break;
  }
  return pushes;
}

/** A push's audit log through `GET /api/v2/pushes/:token/audit` (owner only, 50 a page, oldest first). */
export async function readAuditLog(base: string, token: string | undefined, pushToken: string): Promise<AuditEvent[]> {
  const bearer = requireToken(token, base);
  const events: AuditEvent[] = [];
  for (let page = 1; page <= MAX_PAGES; page += 1) {
    const response = await requestJson(`${base}/api/v2/pushes/${encodeURIComponent(pushToken)}/audit?page=${page}`, { token: bearer });
    const logs = (response.body as { logs?: unknown } | undefined)?.logs;
    if (response.status !== 200 || !Array.isArray(logs)) throw passwordPusherFailure(response, 'Reading the audit log failed');
    for (const log of logs as Array<Record<string, string>>) {
      events.push({ kind: log.kind ?? '', createdAt: log.created_at ?? '', ip: log.ip ?? '', userAgent: log.user_agent ?? '', referrer: log.referrer ?? '' });
    }
    if (logs.length < PAGE_SIZE) break;
  }
  return events;
}

/** Decodes a payload to the string Password Pusher's JSON API carries; it must be UTF-8 text. */
export function payloadText(payload: Uint8Array): string {
  try {
    return text.decode(payload);
  } catch {
    throw new CliError('The secret is not UTF-8 text.', EXIT.usage);
  }
}

/**
 * A Password Pusher server (v2 API): the server encrypts, so it sees the payload and the passphrase;
 * lifetimes are whole days. Passphrases travel as `?passphrase=`, as its API requires.
 */
export function passwordPusherServer(base: string, token: string | undefined): PushServer {
  return {
    flavour: 'password-pusher',
    base,

    async create(push: NewPush): Promise<CreatedPush> {
      const fields: Record<string, unknown> = { kind: push.kind, payload: payloadText(push.payload) };
      if (push.expiry) fields.expire_after_days = expiryInWholeDays(push.expiry);
      if (push.views !== undefined) fields.expire_after_views = push.views;
      if (push.passphrase) fields.passphrase = push.passphrase;
      if (push.retrievalStep !== undefined) fields.retrieval_step = push.retrievalStep;
      if (push.deletableByViewer !== undefined && push.kind !== 'url') fields.deletable_by_viewer = push.deletableByViewer;
      if (push.name !== undefined) fields.name = push.name;
      if (push.note !== undefined) fields.note = push.note;
      const response = await requestJson(`${base}/api/v2/pushes`, { method: 'POST', body: { push: fields }, token });
      if (response.status !== 201 && response.status !== 200) throw passwordPusherFailure(response, 'The server refused the push');
      const created = response.body as PasswordPusherPush;
      return {
        link: created.html_url,
        token: created.url_token,
        encryption: 'server',
        views: created.expire_after_views,
        expiresAt: undefined,
        days: created.expire_after_days,
        passphrase: push.passphrase !== undefined && push.passphrase !== '',
        retrievalStep: created.retrieval_step,
        serverJson: created,
      };
    },

    async open(link, prompts): Promise<OpenedPush> {
      // Password Pusher has no way to look at a push without using a view.
      await prompts.confirmView(undefined);
      let passphrase: string | undefined;
      for (let attempt = 1; ; attempt += 1) {
        const query = passphrase === undefined ? '' : `?passphrase=${encodeURIComponent(passphrase)}`;
        const response = await requestJson(`${base}/api/v2/pushes/${encodeURIComponent(link.token)}${query}`, { token });
        if (response.status === 401 && attempt <= 3) {
          passphrase = await prompts.passphrase(attempt);
          continue;
        }
        if (response.status === 404) throw new CliError('There is no such push: the link may be mistyped, or it expired and was deleted.', EXIT.notFound);
        if (response.status !== 200) throw passwordPusherFailure(response, 'Opening the push failed');
        const push = response.body as PasswordPusherPush;
        if (push.expired || typeof push.payload !== 'string') throw new CliError('This push has expired: its secret is gone.', EXIT.notFound);
        return {
          kind: 'text',
          payload: new TextEncoder().encode(push.payload),
          viewsRemaining: push.views_remaining,
          expired: false,
          expiresAt: undefined,
          encryption: 'server',
        };
      }
    },

    list: (expired) => listOwnedPushes(base, token, expired),
    audit: (pushToken) => readAuditLog(base, token, pushToken),

    async expire(pushToken) {
      const response = await requestJson(`${base}/api/v2/pushes/${encodeURIComponent(pushToken)}`, { method: 'DELETE', token });
      if (response.status !== 200) throw passwordPusherFailure(response, 'Expiring the push failed');
      return response.body;
    },

    async verifyToken() {
      const response = await requestJson(`${base}/api/v2/pushes/active`, { token: requireToken(token, base) });
      if (response.status === 200) return true;
      if (response.status === 401 || response.status === 403) return false;
      throw passwordPusherFailure(response, 'Checking the token failed');
    },
  };
}

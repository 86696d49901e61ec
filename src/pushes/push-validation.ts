import type { KindPolicy, PushPolicy } from '../config/load-config.js';
import type { FieldProblem } from '../errors/app-error.js';
import { QR_MAX_BYTES, qrOverflowBytes, type PushKind } from './push-kinds.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
export const MAX_NAME_CHARACTERS = 255;
export const MAX_NOTE_CHARACTERS = 10_000;
export const MAX_PASSPHRASE_CHARACTERS = 1024;

const KIND_LABELS: Record<PushKind, string> = { text: 'Text', file: 'File', url: 'URL', qr: 'QR code' };

/** What the creator asked for, already parsed from whichever API it came through. */
export interface ExpiryRequest {
  readonly days?: number | undefined;
  readonly minutes?: number | undefined;
  /** Epoch milliseconds. */
  readonly at?: number | undefined;
  readonly views?: number | undefined;
}

export interface ResolvedExpiry {
  readonly expireAfterDays: number | null;
  readonly expiresAt: number;
  readonly expireAfterViews: number;
}

/** Characters as a person counts them (code points), not UTF-16 units. */
export function characterCount(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    // A high surrogate followed by a low one is one character.
    if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index += 1;
    }
    count += 1;
  }
  return count;
}

export function kindProblem(kind: PushKind, policy: PushPolicy): FieldProblem | undefined {
  return policy.kinds[kind].enabled ? undefined : { field: 'kind', code: 'kind_disabled', params: { kind }, message: `${KIND_LABELS[kind]} pushes are disabled.` };
}

/** Password Pusher's payload rules and messages, with our configurable limits. */
export function payloadProblem(kind: Exclude<PushKind, 'file'>, payload: string | undefined, policy: KindPolicy): FieldProblem | undefined {
  if (payload === undefined || payload === '') return { field: 'payload', code: 'required', message: 'Payload is required.' };
  // Only count code points when the UTF-16 length says the text might be too long.
  const tooLong = payload.length > policy.maxCharacters && characterCount(payload) > policy.maxCharacters;
  if (kind === 'qr' && tooLong) {
    return { field: 'payload', code: 'too_long', params: { max: policy.maxCharacters }, message: `The QR code payload is too large.  You can only push up to ${policy.maxCharacters} bytes.` };
  }
  if (tooLong) {
    return { field: 'payload', code: 'too_long', params: { max: policy.maxCharacters }, message: `The payload is too large.  You can only push up to ${policy.maxCharacters} bytes.` };
  }
  if (kind === 'url' && !isWebUrl(payload)) return { field: 'payload', code: 'invalid_url', message: 'must be a valid HTTP or HTTPS URL.' };
  if (kind === 'qr') {
    const bytes = qrOverflowBytes(payload);
    if (bytes !== undefined) {
      return {
        field: 'payload',
        code: 'qr_too_large',
        params: { max: QR_MAX_BYTES, bytes },
        message: `is ${bytes} bytes of UTF-8: a QR code holds at most ${QR_MAX_BYTES} bytes (characters outside ASCII take 2 to 4 bytes each).`,
      };
    }
  }
  return undefined;
}

/**
 * The WHATWG URL serialisation of a pushed URL (what a browser would load): the host in punycode
 * (`bücher.example` → `xn--bcher-kva.example`), the path and query percent-encoded as UTF-8. Stored at
 * creation so the redirect always carries an ASCII Location header that lands where the sender meant.
 * Callers check isWebUrl first.
 *
 * @example normaliseWebUrl('https://bücher.example/straße?q=ä') // 'https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%A4'
 */
export function normaliseWebUrl(text: string): string {
  return new URL(text).href;
}

/** Only absolute http(s) URLs with a host: `javascript:`, `data:`, `file:` and the like can never be pushed. */
export function isWebUrl(text: string): boolean {
  // Control characters and spaces could smuggle a different URL past a lenient parser downstream.
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  if (/[\u0000-\u0020\u007f]/.test(text)) return false;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

/**
 * Turns the requested lifetime and views into absolute values, or explains what is out of bounds.
 * Password Pusher silently replaces out-of-range values with the default; we refuse them and say why.
 */
export function resolveExpiry(
  request: ExpiryRequest,
  kindPolicy: KindPolicy,
  policy: PushPolicy,
  now: number,
): { ok: true; expiry: ResolvedExpiry } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const { days: dayBounds, views: viewBounds } = { days: kindPolicy.expireAfterDays, views: kindPolicy.expireAfterViews };
  const longest = dayBounds.max * DAY;
  const given = [request.days, request.minutes, request.at].filter((value) => value !== undefined).length;
  if (given > 1) {
    problems.push({ field: 'expire_after_days', code: 'one_lifetime_only', message: 'Give only one of expire_after_days, expire_after_minutes and expires_at.' });
  }

  let expireAfterDays: number | null = null;
  let expiresAt = now + dayBounds.default * DAY;
  if (request.days !== undefined) {
    if (!Number.isInteger(request.days) || request.days < dayBounds.min || request.days > dayBounds.max) {
      problems.push({ field: 'expire_after_days', code: 'out_of_range', params: { min: dayBounds.min, max: dayBounds.max }, message: `must be a whole number of days between ${dayBounds.min} and ${dayBounds.max}.` });
    }
    expireAfterDays = request.days;
    expiresAt = now + request.days * DAY;
  } else if (request.minutes !== undefined) {
    const maxMinutes = dayBounds.max * 1440;
    if (!Number.isInteger(request.minutes) || request.minutes < policy.minExpiryMinutes || request.minutes > maxMinutes) {
      problems.push({
        field: 'expire_after_minutes',
        code: 'out_of_range',
        params: { min: policy.minExpiryMinutes, max: maxMinutes },
        message: `must be a whole number of minutes between ${policy.minExpiryMinutes} and ${maxMinutes}.`,
      });
    }
    expiresAt = now + request.minutes * MINUTE;
  } else if (request.at !== undefined) {
    if (!Number.isFinite(request.at) || request.at < now + policy.minExpiryMinutes * MINUTE || request.at > now + longest) {
      problems.push({
        field: 'expires_at',
        code: 'out_of_range',
        params: { minMinutes: policy.minExpiryMinutes, maxDays: dayBounds.max },
        message: `must be a time between ${policy.minExpiryMinutes} minutes and ${dayBounds.max} days from now.`,
      });
    }
    expiresAt = request.at;
  } else {
    expireAfterDays = dayBounds.default;
  }

  const views = request.views ?? viewBounds.default;
  if (!Number.isInteger(views) || views < viewBounds.min || views > viewBounds.max) {
    problems.push({ field: 'expire_after_views', code: 'out_of_range', params: { min: viewBounds.min, max: viewBounds.max }, message: `must be a whole number of views between ${viewBounds.min} and ${viewBounds.max}.` });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, expiry: { expireAfterDays, expiresAt, expireAfterViews: views } };
}

export function textFieldProblems(fields: { name?: string | undefined; note?: string | undefined; passphrase?: string | undefined }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (fields.name !== undefined && characterCount(fields.name) > MAX_NAME_CHARACTERS) {
    problems.push({ field: 'name', code: 'too_long', params: { max: MAX_NAME_CHARACTERS }, message: `must be at most ${MAX_NAME_CHARACTERS} characters.` });
  }
  if (fields.note !== undefined && characterCount(fields.note) > MAX_NOTE_CHARACTERS) {
    problems.push({ field: 'note', code: 'too_long', params: { max: MAX_NOTE_CHARACTERS }, message: `must be at most ${MAX_NOTE_CHARACTERS} characters.` });
  }
  if (fields.passphrase !== undefined && characterCount(fields.passphrase) > MAX_PASSPHRASE_CHARACTERS) {
    problems.push({ field: 'passphrase', code: 'too_long', params: { max: MAX_PASSPHRASE_CHARACTERS }, message: `must be at most ${MAX_PASSPHRASE_CHARACTERS} characters.` });
  }
  return problems;
}

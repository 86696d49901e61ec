import qs from 'qs';
import type { FieldProblem } from '../../errors/app-error.js';
import { isPushKind, type PushKind } from '../../pushes/push-kinds.js';
import type { CreatePushInput } from '../../pushes/push-service.js';
import { parseFlag } from '../surface-kit/form-values.js';
import { resolveLanguage, type LanguageCode } from '../../web/i18n/languages.js';

/** The root key each create path expects its fields under. */
export type RootKey = 'password' | 'file_push' | 'url' | 'push';

/**
 * Password Pusher Pro's `expire_after_duration` index, which its official CLI sends in v2 mode for
 * `--days N`. Indexes 6–17 are whole days; the lower ones are sub-day durations that Passdrop takes too.
 */
const DURATION_DAYS_BY_INDEX: Readonly<Record<number, number>> = {
  6: 1, 7: 2, 8: 3, 9: 4, 10: 5, 11: 6, 12: 7, 13: 14, 14: 21, 15: 30, 16: 60, 17: 90,
};

/** Password Pusher's notify_emails_to (comma-separated) and notify_emails_to_locale, when given. */
export interface NotifyFields {
  readonly recipients: string;
  readonly locale: string | undefined;
}

export type ParsedCreate =
  | { ok: true; input: CreatePushInput; notify?: NotifyFields; /** push_locale: the recipient's language, for html_url's ?locale=. */ pushLocale?: LanguageCode }
  | { ok: false; status: 400; body: { error: string } }
  | { ok: false; status: 422; body: Record<string, string[]> };

/** Password Pusher's 422 body: each field with its list of messages. */
export function problemsByField(problems: readonly FieldProblem[]): Record<string, string[]> {
  const body: Record<string, string[]> = {};
  for (const problem of problems) (body[problem.field] ??= []).push(problem.message);
  return body;
}

/**
 * Multipart bodies arrive flat (`{"password[payload]": "x"}`); nest them the way form bodies are, so
 * every body type reads the same.
 */
function nestBracketKeys(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const flat = Object.entries(record).filter(([key, value]) => key.includes('[') && typeof value === 'string');
  if (flat.length === 0) return record;
  const nested = qs.parse(new URLSearchParams(flat as Array<[string, string]>).toString(), { depth: 2 }) as Record<string, unknown>;
  return { ...record, ...nested };
}

function parseWholeNumber(value: unknown): number | undefined | 'invalid' {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return Number.isInteger(value) ? value : 'invalid';
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return 'invalid';
}

/**
 * A text field: a string. An object, array, number or boolean (`{"payload":{"toString":1}}`, `123`, `true`)
 * is a field problem, never converted to its text (issue 11 §3), in Password Pusher's 422 shape.
 */
function optionalText(value: unknown): string | undefined | 'invalid' {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  return 'invalid';
}

/**
 * Reads a create request the way Password Pusher does: fields under a root key, from JSON, a form or
 * multipart; unknown fields ignored. The kind comes from the path, then `kind`, then the presence of
 * `files`, else text.
 */
export function parseCreateRequest(body: unknown, rootKey: RootKey, pathKind: PushKind | undefined): ParsedCreate {
  const fields = nestBracketKeys(body)?.[rootKey];
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields) || Object.keys(fields).length === 0) {
    return { ok: false, status: 400, body: { error: `param is missing or the value is empty or invalid: ${rootKey}` } };
  }
  const given = fields as Record<string, unknown>;
  const problems: FieldProblem[] = [];

  let kind: PushKind = pathKind ?? 'text';
  if (pathKind === undefined) {
    if (given.kind !== undefined && given.kind !== '') {
      if (isPushKind(given.kind)) kind = given.kind;
      else problems.push({ field: 'kind', code: 'not_allowed', message: 'must be one of text, file, url or qr.' });
    } else if ('files' in given) {
      kind = 'file';
    }
  }

  const numbers: Record<string, number | undefined> = {};
  for (const name of ['expire_after_days', 'expire_after_views', 'expire_after_duration'] as const) {
    const parsed = parseWholeNumber(given[name]);
    if (parsed === 'invalid') problems.push({ field: name, code: 'not_a_whole_number', message: 'must be a whole number.' });
    else numbers[name] = parsed;
  }
  let days = numbers.expire_after_days;
  if (numbers.expire_after_duration !== undefined && days === undefined) {
    days = DURATION_DAYS_BY_INDEX[numbers.expire_after_duration];
    if (days === undefined) {
      problems.push({ field: 'expire_after_duration', code: 'not_allowed', message: 'must be one of 6 to 17 (1, 2, 3, 4, 5, 6, 7, 14, 21, 30, 60 or 90 days).' });
    }
  }
  const texts: Record<string, string | undefined> = {};
  for (const name of ['payload', 'passphrase', 'name', 'note', 'notify_emails_to', 'notify_emails_to_locale', 'push_locale'] as const) {
    const text = optionalText(given[name]);
    if (text === 'invalid') problems.push({ field: name, code: 'wrong_type', message: 'must be text.' });
    else texts[name] = text;
  }
  const pushLocale = texts.push_locale === undefined || texts.push_locale === '' ? undefined : resolveLanguage(texts.push_locale);
  if (texts.push_locale !== undefined && texts.push_locale !== '' && pushLocale === undefined) {
    problems.push({ field: 'push_locale', code: 'not_allowed', message: 'is not a supported language.' });
  }
  if (problems.length > 0) return { ok: false, status: 422, body: problemsByField(problems) };

  const notifyTo = texts.notify_emails_to;
  // The emails are in the recipient's language when the sender named one for the push but none for the emails.
  const notify = notifyTo !== undefined && notifyTo.trim() !== '' ? { recipients: notifyTo, locale: texts.notify_emails_to_locale ?? pushLocale } : undefined;
  return {
    ok: true,
    ...(notify ? { notify } : {}),
    ...(pushLocale ? { pushLocale } : {}),
    input: {
      kind,
      payload: texts.payload,
      expiry: { days, views: numbers.expire_after_views },
      passphrase: texts.passphrase,
      // URL pushes cannot be deleted by viewers, and /r.json does not take the field at all.
      deletableByViewer: kind === 'url' ? undefined : parseFlag(given.deletable_by_viewer),
      retrievalStep: parseFlag(given.retrieval_step),
      name: texts.name,
      note: texts.note,
    },
  };
}

/**
 * The rules a translation catalogue is held to, shared by the catalogue test (catalogs.test.ts) and
 * `npx tsx scripts/check-catalog.ts CODE`, which checks one language without the test runner.
 */

/** A plural key's CLDR category suffix (`views_one`, `views_few`). */
export const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

/** English and its regional spellings: no glossary of their own, and free to equal English. */
export const ENGLISH = new Set(['en', 'en-GB']);

/** The terms every glossary gives its word for (src/web/i18n/glossary/README.md). */
export const GLOSSARY_TERMS = ['push', 'link', 'passphrase', 'view', 'expire'] as const;

/**
 * Words a translation may keep in English: names of protocols, formats and products (every language),
 * plus per language the loanwords its readers use (German "Passphrase", "optional"). A string equal to
 * English passes when, these and its placeholders taken out, at most one word is left.
 */
export const KEEP_IN_ENGLISH: Readonly<Record<string, readonly string[]>> = {
  '*': ['API', 'URL', 'URLs', 'OIDC', 'SSO', 'JSON', 'QR', 'TOTP', 'CLI', 'HTTP', 'HTTPS', 'SMTP', 'Passdrop', 'Password', 'Pusher', 'Bearer', 'TOKEN', 'Authorization', 'ID', 'OK', 'Webhook', 'Webhooks', 'Status', 'Link', 'Passkey', 'Passkeys'],
  de: ['Passphrase', 'optional'],
};

/** A catalogue's strings by dotted key (`create.heading.text`). */
export function flatten(catalog: Record<string, unknown>, prefix = ''): Map<string, string> {
  const entries = new Map<string, string>();
  for (const [key, value] of Object.entries(catalog)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') entries.set(path, value);
    else for (const [inner, text] of flatten(value as Record<string, unknown>, path)) entries.set(inner, text);
  }
  return entries;
}

/** The `{{name}}` placeholders of a string, each once, sorted. */
export const placeholders = (text: string): string[] => [...new Set([...text.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((match) => match[1] ?? ''))].sort();

/** The markup tags of a string, sorted. */
export const markup = (text: string): string[] => [...text.matchAll(/<\/?[a-z][^>]*>/gi)].map((match) => match[0]).sort();

/** The words of a string left once placeholders and the words allowed in English are taken out. */
export function wordsLeft(text: string, code: string): string[] {
  const allowed = new Set([...(KEEP_IN_ENGLISH['*'] ?? []), ...(KEEP_IN_ENGLISH[code] ?? [])].map((word) => word.toLowerCase()));
  return (text.replace(/\{\{[^}]*\}\}/g, ' ').match(/\p{L}[\p{L}\p{M}'’-]*/gu) ?? []).filter((word) => !allowed.has(word.toLowerCase()));
}

/** Whether a glossary's text gives its word for `term` (the English term must appear beside it). */
export const glossaryNames = (text: string, term: string): boolean => new RegExp(`\\b${term}`, 'i').test(text);

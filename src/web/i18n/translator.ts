import { readFileSync } from 'node:fs';
import i18next, { type FormatterModule, type TFunction } from 'i18next';
import { formatNumber } from './formatting.js';
import { DEFAULT_LANGUAGE, LANGUAGES, type LanguageCode } from './languages.js';

export type Translate = TFunction;

/** Reads every catalog once; `locales/<code>.json` holds nested groups of strings. */
export function loadCatalogs(): Record<LanguageCode, Record<string, unknown>> {
  return Object.fromEntries(
    LANGUAGES.map(({ code }) => [code, JSON.parse(readFileSync(new URL(`./locales/${code}.json`, import.meta.url), 'utf8')) as Record<string, unknown>]),
  ) as Record<LanguageCode, Record<string, unknown>>;
}

/** Writes every number put into a string ({{count}}, {{max}}) as its language does: 1,000 / 1.000 / ۱٬۰۰۰. */
const numberFormatter: FormatterModule = {
  type: 'formatter',
  init: () => undefined,
  add: () => undefined,
  addCached: () => undefined,
  // i18next's type says string, but a value it does not format (a string, an object) passes through as is.
  format: (value: unknown, _format: string | undefined, lng: string | undefined) => (typeof value === 'number' && lng !== undefined ? formatNumber(lng, value) : (value as string)),
};

const missing = new Set<string>();
const MISSING_LIMIT = 1000;

/**
 * The keys a page asked for that no catalog holds, English included (`<language>:<key>`), since the
 * process started: such a key would show as its path (`share.heading`). Tests assert this stays empty
 * (test/browser/languages.test.ts); a language's own gaps, which English fills, are the catalog test's.
 */
export function missingTranslationKeys(): readonly string[] {
  return [...missing];
}

/**
 * One i18next instance for the process; `translator(code)` returns the `t` of a language, falling back
 * to English for a key a catalog lacks (a test keeps that from happening).
 */
export async function createTranslations(): Promise<(code: LanguageCode) => Translate> {
  const catalogs = loadCatalogs();
  const instance = i18next.createInstance();
  instance.use(numberFormatter);
  await instance.init({
    resources: Object.fromEntries(Object.entries(catalogs).map(([code, catalog]) => [code, { translation: catalog }])),
    lng: DEFAULT_LANGUAGE,
    fallbackLng: DEFAULT_LANGUAGE,
    // Our html`` template escapes every value; i18next must not escape a second time.
    // Numbers in strings ({{count}}, {{max}}) are written as the language writes them: 1,000 / 1.000 / ۱٬۰۰۰.
    interpolation: { escapeValue: false, alwaysFormat: true },
    returnNull: false,
    // Report a key no catalog has (see missingTranslationKeys); i18next calls this only for such keys.
    saveMissing: true,
    missingKeyHandler: (languages: readonly string[], _namespace: string, key: string) => {
      if (missing.size < MISSING_LIMIT) missing.add(`${languages.join(',')}:${key}`);
    },
  });
  const cache = new Map<LanguageCode, Translate>();
  return (code) => {
    let t = cache.get(code);
    if (!t) {
      t = instance.getFixedT(code);
      cache.set(code, t);
    }
    return t;
  };
}

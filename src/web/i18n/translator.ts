import { readFileSync } from 'node:fs';
import i18next, { type TFunction } from 'i18next';
import { DEFAULT_LANGUAGE, LANGUAGES, type LanguageCode } from './languages.js';

export type Translate = TFunction;

/** Reads every catalog once; `locales/<code>.json` holds nested groups of strings. */
export function loadCatalogs(): Record<LanguageCode, Record<string, unknown>> {
  return Object.fromEntries(
    LANGUAGES.map(({ code }) => [code, JSON.parse(readFileSync(new URL(`./locales/${code}.json`, import.meta.url), 'utf8')) as Record<string, unknown>]),
  ) as Record<LanguageCode, Record<string, unknown>>;
}

/**
 * One i18next instance for the process; `translator(code)` returns the `t` of a language, falling back
 * to English for a key a catalog lacks (a test keeps that from happening).
 */
export async function createTranslations(): Promise<(code: LanguageCode) => Translate> {
  const catalogs = loadCatalogs();
  const instance = i18next.createInstance();
  await instance.init({
    resources: Object.fromEntries(Object.entries(catalogs).map(([code, catalog]) => [code, { translation: catalog }])),
    lng: DEFAULT_LANGUAGE,
    fallbackLng: DEFAULT_LANGUAGE,
    // Our html`` template escapes every value; i18next must not escape a second time.
    interpolation: { escapeValue: false },
    returnNull: false,
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

/** The languages the web UI speaks; every one has a catalog in ./locales with the same keys as English. */
export const LANGUAGES = [
  { code: 'en', name: 'English', dir: 'ltr' },
  { code: 'de', name: 'Deutsch', dir: 'ltr' },
  { code: 'fr', name: 'Français', dir: 'ltr' },
  { code: 'es', name: 'Español', dir: 'ltr' },
  { code: 'pt', name: 'Português', dir: 'ltr' },
  { code: 'it', name: 'Italiano', dir: 'ltr' },
  { code: 'nl', name: 'Nederlands', dir: 'ltr' },
  { code: 'ja', name: '日本語', dir: 'ltr' },
  { code: 'zh', name: '中文', dir: 'ltr' },
  { code: 'ar', name: 'العربية', dir: 'rtl' },
] as const;

export type LanguageCode = (typeof LANGUAGES)[number]['code'];
export const DEFAULT_LANGUAGE: LanguageCode = 'en';
export const LANGUAGE_COOKIE = 'passdrop_locale';

export function isLanguageCode(value: unknown): value is LanguageCode {
  return typeof value === 'string' && LANGUAGES.some((language) => language.code === value);
}

export function textDirection(code: LanguageCode): 'ltr' | 'rtl' {
  return LANGUAGES.find((language) => language.code === code)?.dir ?? 'ltr';
}

/** `pt-BR` → `pt`, `zh-Hans-CN` → `zh`: the catalogs are per language, not per region. */
function baseLanguage(tag: string): string {
  return tag.trim().toLowerCase().split(/[-_]/)[0] ?? '';
}

/**
 * The page language: `?locale=`, then the cookie the language switcher sets, then the browser's
 * Accept-Language (by quality), then English.
 *
 * @example chooseLanguage({ query: undefined, cookie: undefined, acceptLanguage: 'de-CH,de;q=0.9,en;q=0.8' }) // 'de'
 */
export function chooseLanguage(sources: { query?: string | undefined; cookie?: string | undefined; acceptLanguage?: string | undefined }): LanguageCode {
  for (const candidate of [sources.query, sources.cookie]) {
    const code = candidate === undefined ? undefined : baseLanguage(candidate);
    if (isLanguageCode(code)) return code;
  }
  const ranked = (sources.acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...parameters] = part.split(';');
      const quality = parameters.map((parameter) => /^\s*q=([\d.]+)\s*$/.exec(parameter)?.[1]).find(Boolean);
      return { code: baseLanguage(tag), quality: quality === undefined ? 1 : Number(quality), index };
    })
    .filter((entry) => entry.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  return ranked.map((entry) => entry.code).find(isLanguageCode) ?? DEFAULT_LANGUAGE;
}

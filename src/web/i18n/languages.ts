/**
 * One language of the web UI and its emails. `code` is a BCP 47 tag (`de`, `pt-BR`, `en-GB`): the name
 * of its catalog (`locales/<code>.json`) and glossary (`glossary/<code>.md`), the `<html lang>` and the
 * locale `Intl` formats dates and numbers in. `name` is the language's own name, shown in the switcher.
 */
export interface Language {
  readonly code: string;
  readonly name: string;
  readonly dir: 'ltr' | 'rtl';
}

/**
 * The languages the web UI speaks; every one has a catalog in ./locales with the same keys as English
 * and (but for English) a glossary in ./glossary. Adding a language is one line here plus those two
 * files: the switcher, the pickers, the catalog and browser tests all read this list.
 */
export const LANGUAGES = [
  { code: 'en', name: 'English', dir: 'ltr' },
  { code: 'en-GB', name: 'English (UK)', dir: 'ltr' },
  { code: 'de', name: 'Deutsch', dir: 'ltr' },
  { code: 'fr', name: 'Français', dir: 'ltr' },
  { code: 'es', name: 'Español', dir: 'ltr' },
  { code: 'pt-BR', name: 'Português (Brasil)', dir: 'ltr' },
  { code: 'it', name: 'Italiano', dir: 'ltr' },
  { code: 'nl', name: 'Nederlands', dir: 'ltr' },
  { code: 'ja', name: '日本語', dir: 'ltr' },
  { code: 'zh', name: '中文', dir: 'ltr' },
  { code: 'ar', name: 'العربية', dir: 'rtl' },
  { code: 'ca', name: 'Català', dir: 'ltr' },
  { code: 'cs', name: 'Čeština', dir: 'ltr' },
  { code: 'cy', name: 'Cymraeg', dir: 'ltr' },
  { code: 'da', name: 'Dansk', dir: 'ltr' },
  { code: 'el', name: 'Ελληνικά', dir: 'ltr' },
  { code: 'eu', name: 'Euskara', dir: 'ltr' },
  { code: 'fa', name: 'فارسی', dir: 'rtl' },
  { code: 'fi', name: 'Suomi', dir: 'ltr' },
  { code: 'ga', name: 'Gaeilge', dir: 'ltr' },
  { code: 'he', name: 'עברית', dir: 'rtl' },
  { code: 'hi', name: 'हिन्दी', dir: 'ltr' },
  { code: 'hu', name: 'Magyar', dir: 'ltr' },
  { code: 'id', name: 'Bahasa Indonesia', dir: 'ltr' },
  { code: 'is', name: 'Íslenska', dir: 'ltr' },
  { code: 'ko', name: '한국어', dir: 'ltr' },
  { code: 'lv', name: 'Latviešu', dir: 'ltr' },
  { code: 'nb', name: 'Norsk bokmål', dir: 'ltr' },
  { code: 'pl', name: 'Polski', dir: 'ltr' },
  { code: 'pt-PT', name: 'Português (Portugal)', dir: 'ltr' },
  { code: 'ro', name: 'Română', dir: 'ltr' },
  { code: 'ru', name: 'Русский', dir: 'ltr' },
  { code: 'sk', name: 'Slovenčina', dir: 'ltr' },
  { code: 'sr', name: 'Српски', dir: 'ltr' },
  { code: 'sv', name: 'Svenska', dir: 'ltr' },
  { code: 'th', name: 'ไทย', dir: 'ltr' },
  { code: 'tr', name: 'Türkçe', dir: 'ltr' },
  { code: 'uk', name: 'Українська', dir: 'ltr' },
  { code: 'ur', name: 'اردو', dir: 'rtl' },
  { code: 'vi', name: 'Tiếng Việt', dir: 'ltr' },
] as const satisfies readonly Language[];

export type LanguageCode = (typeof LANGUAGES)[number]['code'];
export const DEFAULT_LANGUAGE: LanguageCode = 'en';
export const LANGUAGE_COOKIE = 'passdrop_locale';

/**
 * Where a language without a catalog of its own is sent: Norwegian (`no`) and Nynorsk (`nn`) to Bokmål,
 * Portuguese without a region (and Brazil's) to pt-BR. Applied only when the target is in LANGUAGES.
 */
const BASE_ALIASES: Readonly<Record<string, string>> = { no: 'nb', nn: 'nb', pt: 'pt-BR' };

/** True for a code exactly as LANGUAGES spells it (`pt-BR`, not `pt-br` nor `pt`). */
export function isLanguageCode(value: unknown): value is LanguageCode {
  return typeof value === 'string' && LANGUAGES.some((language) => language.code === value);
}

export function textDirection(code: LanguageCode): 'ltr' | 'rtl' {
  return LANGUAGES.find((language) => language.code === code)?.dir ?? 'ltr';
}

/** The language of a code (LANGUAGES' entry). */
export function languageOf(code: LanguageCode): Language {
  return LANGUAGES.find((language) => language.code === code) ?? LANGUAGES[0];
}

/**
 * The languages in the order pickers show them: by their own names, Latin scripts first, then Greek,
 * Cyrillic, Hebrew, Arabic, Indic, Thai, Korean, Japanese and Chinese (the root collation's script order),
 * so a reader finds their language by how they write its name.
 */
export function languagesForPicker(): readonly Language[] {
  const collator = new Intl.Collator('und', { sensitivity: 'base' });
  return [...LANGUAGES].sort((a, b) => collator.compare(a.name, b.name) || a.code.localeCompare(b.code));
}

/**
 * The supported language a BCP 47 tag asks for, or undefined. Region-aware:
 * - an exact code wins, in any case and with `_` or `-` (`pt-pt`, `en_GB` → pt-PT, en-GB);
 * - otherwise the language without its region: `de-CH` → de, `zh-Hant-TW` → zh, `pt`/`pt-AO` → pt-BR
 *   (through BASE_ALIASES), `no`/`nn`/`nb-NO` → nb; an old cookie `pt` becomes pt-BR;
 * - English regions other than GB (`en-AU`, `en-IE`, `en-IN`, …) get `en`, not en-GB: en-GB is British
 *   spelling and dates, which those readers did not ask for; they can pick en-GB in the switcher;
 * - a language whose only catalogs are regional (`pt` when only pt-PT exists) gets the first of them.
 *
 * @example resolveLanguage('pt-PT') // 'pt-PT' when it is in LANGUAGES, else 'pt-BR'
 */
export function resolveLanguage(tag: string): LanguageCode | undefined {
  const wanted = tag.trim().replace(/_/g, '-').toLowerCase();
  if (wanted === '') return undefined;
  const exact = LANGUAGES.find((language) => language.code.toLowerCase() === wanted);
  if (exact) return exact.code;
  const base = wanted.split('-')[0] ?? '';
  const alias = BASE_ALIASES[base];
  for (const candidate of [alias, base]) {
    const match = candidate === undefined ? undefined : LANGUAGES.find((language) => language.code.toLowerCase() === candidate.toLowerCase());
    if (match) return match.code;
  }
  const aliasBase = (alias ?? base).split('-')[0];
  return LANGUAGES.find((language) => language.code.toLowerCase().split('-')[0] === aliasBase)?.code;
}

/**
 * The page language: `?locale=`, then the cookie the language switcher sets, then the browser's
 * Accept-Language (by quality, each tag resolved as resolveLanguage does), then English.
 *
 * @example chooseLanguage({ query: undefined, cookie: undefined, acceptLanguage: 'de-CH,de;q=0.9,en;q=0.8' }) // 'de'
 */
export function chooseLanguage(sources: { query?: string | undefined; cookie?: string | undefined; acceptLanguage?: string | undefined }): LanguageCode {
  for (const candidate of [sources.query, sources.cookie]) {
    const code = candidate === undefined ? undefined : resolveLanguage(candidate);
    if (code !== undefined) return code;
  }
  const ranked = (sources.acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...parameters] = part.split(';');
      const quality = parameters.map((parameter) => /^\s*q=([\d.]+)\s*$/.exec(parameter)?.[1]).find(Boolean);
      return { tag, quality: quality === undefined ? 1 : Number(quality), index };
    })
    .filter((entry) => entry.quality > 0 && entry.tag.trim() !== '*')
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const entry of ranked) {
    const code = resolveLanguage(entry.tag);
    if (code !== undefined) return code;
  }
  return DEFAULT_LANGUAGE;
}

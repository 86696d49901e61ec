import type { Translate } from './translator.js';

/** Numbers to try, in order, for an example of each plural category (CLDR: `many` is 1000000 in fr/es/it/pt/ca, 1.5 in cs/sk). */
const CANDIDATES = [...Array.from({ length: 201 }, (_, index) => index), 1_000_000, 1.5];

/**
 * Every plural form of `key` in `lang` with `{{count}}` left in place, by CLDR category, for a browser
 * script that fills in a number it learns later: it picks the form with `Intl.PluralRules(lang).select(n)`.
 * (Replacing a rendered "2" with `{{count}}` gave Arabic, Hebrew, Irish and Welsh their dual for every
 * number, and found no "2" at all where the dual is a word.)
 *
 * @example pluralTemplates(t, 'ar', 'deliver.remaining') // { zero: '…', one: '…', two: '…', few: '… {{count}} …', many: '…', other: '…' }
 */
export function pluralTemplates(t: Translate, lang: string, key: string): Record<string, string> {
  const rules = new Intl.PluralRules(lang);
  const templates: Record<string, string> = {};
  for (const category of rules.resolvedOptions().pluralCategories) {
    const example = CANDIDATES.find((number) => rules.select(number) === category) ?? 2;
    templates[category] = t(key, { count: example, replace: { count: '{{count}}' } });
  }
  return templates;
}

/**
 * The same as flat page strings (`data-strings` holds one level): `{ 'remaining:one': …, 'remaining:other': … }`
 * under `name`, read back in the browser by `pluralFill` (src/web/browser/dom.ts).
 */
export function pluralStrings(t: Translate, lang: string, key: string, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(pluralTemplates(t, lang, key)).map(([category, template]) => [`${name}:${category}`, template]));
}

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { LANGUAGES } from './languages.js';
import { loadCatalogs } from './translator.js';

const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

function flatten(catalog: Record<string, unknown>, prefix = ''): Map<string, string> {
  const entries = new Map<string, string>();
  for (const [key, value] of Object.entries(catalog)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') entries.set(path, value);
    else for (const [inner, text] of flatten(value as Record<string, unknown>, path)) entries.set(inner, text);
  }
  return entries;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((match) => match[1]).sort();

it('every catalog has every key of the English one, with every plural form its language needs', () => {
  const catalogs = loadCatalogs();
  const english = flatten(catalogs.en);
  const baseKeys = new Set([...english.keys()].map((key) => key.replace(PLURAL_SUFFIX, '')));
  const pluralKeys = new Set([...english.keys()].filter((key) => PLURAL_SUFFIX.test(key)).map((key) => key.replace(PLURAL_SUFFIX, '')));
  const problems: string[] = [];
  for (const { code } of LANGUAGES) {
    const catalog = flatten(catalogs[code]);
    const categories = new Intl.PluralRules(code).resolvedOptions().pluralCategories;
    for (const key of baseKeys) {
      if (pluralKeys.has(key)) {
        for (const category of categories) if (!catalog.has(`${key}_${category}`)) problems.push(`${code}: ${key}_${category} is missing`);
      } else if (!catalog.has(key)) {
        problems.push(`${code}: ${key} is missing`);
      }
    }
    for (const key of catalog.keys()) {
      if (!baseKeys.has(key.replace(PLURAL_SUFFIX, ''))) problems.push(`${code}: ${key} is not in the English catalog`);
    }
    for (const [key, text] of catalog) {
      const englishText = english.get(key) ?? english.get(key.replace(PLURAL_SUFFIX, '_other'));
      if (englishText === undefined || text.trim() === '') {
        if (text.trim() === '') problems.push(`${code}: ${key} is empty`);
        continue;
      }
      // A translation may drop {{count}} (Arabic "one" forms say it in words), but never invent a placeholder.
      const extra = placeholders(text).filter((name) => !placeholders(englishText).includes(name));
      if (extra.length > 0) problems.push(`${code}: ${key} uses unknown placeholders ${extra.join(', ')}`);
    }
  }
  assert.deepEqual(problems, []);
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ENGLISH, flatten, GLOSSARY_TERMS, glossaryNames, markup, placeholders, PLURAL_SUFFIX, wordsLeft } from './catalog-rules.js';
import { LANGUAGES } from './languages.js';
import { loadCatalogs } from './translator.js';

const catalogs = loadCatalogs();
const english = flatten(catalogs.en);
const englishOf = (key: string) => english.get(key) ?? english.get(key.replace(PLURAL_SUFFIX, '_other'));

it('every catalog has every key of the English one, with every plural form its language needs', () => {
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
    for (const [key, text] of catalog) {
      if (!baseKeys.has(key.replace(PLURAL_SUFFIX, ''))) problems.push(`${code}: ${key} is not in the English catalog`);
      if (text.trim() === '') problems.push(`${code}: ${key} is empty`);
    }
  }
  assert.deepEqual(problems, []);
});

it('every translation has the placeholders and markup of its English string (a plural form may leave {{count}} to words)', () => {
  const problems: string[] = [];
  for (const { code } of LANGUAGES) {
    for (const [key, text] of flatten(catalogs[code])) {
      const englishText = englishOf(key);
      if (englishText === undefined) continue;
      const expected = placeholders(englishText);
      const actual = placeholders(text);
      const mayDrop = PLURAL_SUFFIX.test(key) ? ['count'] : [];
      const lost = expected.filter((name) => !actual.includes(name) && !mayDrop.includes(name));
      const extra = actual.filter((name) => !expected.includes(name));
      if (lost.length > 0) problems.push(`${code}: ${key} lacks ${lost.map((name) => `{{${name}}}`).join(', ')}`);
      if (extra.length > 0) problems.push(`${code}: ${key} has unknown ${extra.map((name) => `{{${name}}}`).join(', ')}`);
      if (markup(text).join('') !== markup(englishText).join('')) problems.push(`${code}: ${key} has markup ${markup(text).join('')} where English has ${markup(englishText).join('')}`);
    }
  }
  assert.deepEqual(problems, []);
});

it('no translation leaves English in place: a string equal to English is at most one word besides names like API or URL', () => {
  const problems: string[] = [];
  for (const { code } of LANGUAGES) {
    if (ENGLISH.has(code)) continue;
    for (const [key, text] of flatten(catalogs[code])) {
      if (text !== englishOf(key)) continue;
      const left = wordsLeft(text, code);
      if (left.length > 1) problems.push(`${code}: ${key} is still English ("${text}")`);
    }
  }
  assert.deepEqual(problems, []);
});

it('every language but English has a glossary of its terms in src/web/i18n/glossary/', () => {
  const missing = LANGUAGES.filter(({ code }) => !ENGLISH.has(code))
    .map(({ code }) => `glossary/${code}.md`)
    .filter((file) => !existsSync(new URL(file, import.meta.url)));
  assert.deepEqual(missing, []);
  for (const { code } of LANGUAGES) {
    const file = new URL(`glossary/${code}.md`, import.meta.url);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    // The core terms of src/web/i18n/glossary/README.md, each given its translation.
    for (const term of GLOSSARY_TERMS) assert.ok(glossaryNames(text, term), `glossary/${code}.md gives its word for "${term}"`);
  }
});

// Checks one or more translation catalogs by the rules of the catalogue test, without the test runner:
//   npx tsx scripts/check-catalog.ts pl [cs ...]
// Reports missing keys and plural categories, keys English lacks, empty strings, placeholders and markup
// that differ from English, English left in place, and a glossary that lacks a core term; strings equal
// to English that the rules allow are listed as a hint.
import { existsSync, readFileSync } from 'node:fs';
import { ENGLISH, flatten, GLOSSARY_TERMS, glossaryNames, markup, placeholders, PLURAL_SUFFIX, wordsLeft } from '../src/web/i18n/catalog-rules.js';

const folder = new URL('../src/web/i18n/', import.meta.url);
const read = (path: string) => JSON.parse(readFileSync(new URL(path, folder), 'utf8')) as Record<string, unknown>;
const english = flatten(read('locales/en.json'));
const bases = new Set([...english.keys()].map((key) => key.replace(PLURAL_SUFFIX, '')));
const plurals = new Set([...english.keys()].filter((key) => PLURAL_SUFFIX.test(key)).map((key) => key.replace(PLURAL_SUFFIX, '')));

let failed = false;
for (const code of process.argv.slice(2)) {
  if (!existsSync(new URL(`locales/${code}.json`, folder))) {
    console.log(`${code}: no file`);
    failed = true;
    continue;
  }
  let catalog: Map<string, string>;
  try {
    catalog = flatten(read(`locales/${code}.json`));
  } catch (error) {
    console.log(`${code}: not JSON: ${(error as Error).message}`);
    failed = true;
    continue;
  }
  const problems: string[] = [];
  const same: string[] = [];
  const categories = new Intl.PluralRules(code).resolvedOptions().pluralCategories;
  for (const base of bases) {
    if (plurals.has(base)) for (const category of categories) if (!catalog.has(`${base}_${category}`)) problems.push(`missing ${base}_${category}`);
    if (!plurals.has(base) && !catalog.has(base)) problems.push(`missing ${base}`);
  }
  for (const [key, text] of catalog) {
    if (!bases.has(key.replace(PLURAL_SUFFIX, ''))) {
      problems.push(`not in English: ${key}`);
      continue;
    }
    if (text.trim() === '') problems.push(`empty: ${key}`);
    const englishText = english.get(key) ?? english.get(key.replace(PLURAL_SUFFIX, '_other'));
    if (englishText === undefined) continue;
    const mayDrop = PLURAL_SUFFIX.test(key) ? ['count'] : [];
    const lost = placeholders(englishText).filter((name) => !placeholders(text).includes(name) && !mayDrop.includes(name));
    const extra = placeholders(text).filter((name) => !placeholders(englishText).includes(name));
    if (lost.length > 0 || extra.length > 0) problems.push(`placeholders differ in ${key}: ${placeholders(text).join(',')} vs English ${placeholders(englishText).join(',')}`);
    if (markup(text).join('') !== markup(englishText).join('')) problems.push(`markup differs in ${key}`);
    if (text === englishText && !ENGLISH.has(code)) {
      if (wordsLeft(text, code).length > 1) problems.push(`still English: ${key}`);
      else if (/[a-z]{4}/i.test(text)) same.push(key);
    }
  }
  if (!ENGLISH.has(code)) {
    const glossary = new URL(`glossary/${code}.md`, folder);
    if (!existsSync(glossary)) problems.push(`no glossary at src/web/i18n/glossary/${code}.md`);
    else for (const term of GLOSSARY_TERMS) if (!glossaryNames(readFileSync(glossary, 'utf8'), term)) problems.push(`the glossary does not give its word for "${term}" (write the English term too)`);
  }
  console.log(`${code}: ${catalog.size} strings, ${problems.length} problems, ${same.length} identical to English`);
  for (const problem of problems) console.log(`  ${problem}`);
  if (same.length > 0) console.log(`  identical to English (allowed; check each is intended): ${same.join(' ')}`);
  if (problems.length > 0) failed = true;
}
process.exit(failed ? 1 : 0);

#!/usr/bin/env node
// Checks one or more translation catalogs against the English one, without the test runner:
//   node scripts/check-catalog.mjs pl [cs ...]
// Reports missing keys, plural categories Intl.PluralRules asks for, keys English lacks, empty strings,
// placeholders ({{name}}) that differ from English, and strings left identical to English (a hint, not an error).
import { readFileSync, existsSync } from 'node:fs';

const folder = new URL('../src/web/i18n/locales/', import.meta.url);
const PLURAL = /_(zero|one|two|few|many|other)$/;
const flatten = (object, prefix = '', out = new Map()) => {
  for (const [key, value] of Object.entries(object)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else flatten(value, path, out);
  }
  return out;
};
const placeholders = (text) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort().join(',');
const english = flatten(JSON.parse(readFileSync(new URL('en.json', folder), 'utf8')));
const bases = new Set([...english.keys()].map((k) => k.replace(PLURAL, '')));
const plurals = new Set([...english.keys()].filter((k) => PLURAL.test(k)).map((k) => k.replace(PLURAL, '')));
// Keep in step with KEEP_IN_ENGLISH['*'] in src/web/i18n/catalogs.test.ts.
const KEEP = new Set(['API', 'URL', 'URLs', 'OIDC', 'SSO', 'JSON', 'QR', 'TOTP', 'CLI', 'HTTP', 'HTTPS', 'SMTP', 'Passdrop', 'Password', 'Pusher', 'Bearer', 'TOKEN', 'Authorization', 'ID', 'OK', 'Webhook', 'Webhooks', 'Status', 'Link', 'Passkey', 'Passkeys'].map((word) => word.toLowerCase()));
const KEEP_BY_LANGUAGE = { de: ['passphrase', 'optional'] };
let failed = false;
for (const code of process.argv.slice(2)) {
  const file = new URL(`${code}.json`, folder);
  if (!existsSync(file)) { console.log(`${code}: no file`); failed = true; continue; }
  let catalog;
  try { catalog = flatten(JSON.parse(readFileSync(file, 'utf8'))); } catch (error) { console.log(`${code}: not JSON: ${error.message}`); failed = true; continue; }
  const categories = new Intl.PluralRules(code).resolvedOptions().pluralCategories;
  const problems = [];
  const same = [];
  for (const base of bases) {
    if (plurals.has(base)) { for (const c of categories) if (!catalog.has(`${base}_${c}`)) problems.push(`missing ${base}_${c}`); }
    else if (!catalog.has(base)) problems.push(`missing ${base}`);
  }
  for (const [key, text] of catalog) {
    if (!bases.has(key.replace(PLURAL, ''))) { problems.push(`not in English: ${key}`); continue; }
    if (text.trim() === '') problems.push(`empty: ${key}`);
    const en = english.get(key) ?? english.get(key.replace(PLURAL, '_other'));
    if (en === undefined) continue;
    const mine = placeholders(text).split(',').filter(Boolean);
    const theirs = placeholders(en).split(',').filter(Boolean);
    const extra = mine.filter((p) => !theirs.includes(p));
    const lost = theirs.filter((p) => !mine.includes(p) && !(p === 'count' && PLURAL.test(key)));
    if (extra.length || lost.length) problems.push(`placeholders differ in ${key}: ${placeholders(text)} vs English ${placeholders(en)}`);
    if ((en.match(/<[^>]+>/g) ?? []).join() !== (text.match(/<[^>]+>/g) ?? []).join()) problems.push(`markup differs in ${key}`);
    if (text === en && /[a-z]{4}/i.test(en)) {
      // As src/web/i18n/catalogs.test.ts: more than one word left in English (besides names like API) fails.
      const left = (text.replace(/\{\{[^}]*\}\}/g, ' ').match(/\p{L}[\p{L}\p{M}'’-]*/gu) ?? []).filter((word) => !KEEP.has(word.toLowerCase()) && !(KEEP_BY_LANGUAGE[code] ?? []).includes(word.toLowerCase()));
      if (left.length > 1 && !code.startsWith('en')) problems.push(`still English: ${key}`);
      else same.push(key);
    }
  }
  const glossary = new URL(`../glossary/${code}.md`, folder);
  if (!code.startsWith('en')) {
    if (!existsSync(glossary)) problems.push(`no glossary at src/web/i18n/glossary/${code}.md`);
    else for (const term of ['push', 'link', 'passphrase', 'view', 'expire']) if (!new RegExp(`\\b${term}`, 'i').test(readFileSync(glossary, 'utf8'))) problems.push(`the glossary does not give its word for "${term}" (write the English term too)`);
  }
  console.log(`${code}: ${catalog.size} strings, ${problems.length} problems, ${same.length} identical to English`);
  for (const p of problems) console.log(`  ${p}`);
  if (same.length) console.log(`  identical to English (check each is intended): ${same.join(' ')}`);
  if (problems.length) failed = true;
}
process.exit(failed ? 1 : 0);

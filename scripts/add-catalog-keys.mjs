#!/usr/bin/env node
// Adds strings to catalogs that lack them, never changing a string a catalog has:
//   node scripts/add-catalog-keys.mjs scripts/catalog-additions/recipient-language.json
// The file maps language codes to nested groups of strings, as in src/web/i18n/locales/<code>.json.
// For strings added to English after a translator started from an older en.json (issue 21: a branch adds
// keys while other branches translate); languages without a catalog yet are skipped and listed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const folder = new URL('../src/web/i18n/locales/', import.meta.url);
const additions = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8'));

function addMissing(target, source, path, added) {
  for (const [key, value] of Object.entries(source)) {
    const here = path ? `${path}.${key}` : key;
    if (typeof value === 'string') {
      if (!(key in target)) {
        target[key] = value;
        added.push(here);
      }
    } else {
      if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
      addMissing(target[key], value, here, added);
    }
  }
}

for (const [code, strings] of Object.entries(additions)) {
  const file = new URL(`${code}.json`, folder);
  if (!existsSync(file)) {
    console.log(`${code}: no catalog, skipped`);
    continue;
  }
  const catalog = JSON.parse(readFileSync(file, 'utf8'));
  const added = [];
  addMissing(catalog, strings, '', added);
  if (added.length > 0) writeFileSync(file, `${JSON.stringify(catalog, null, 2)}\n`);
  console.log(`${code}: ${added.length === 0 ? 'nothing to add' : `added ${added.join(' ')}`}`);
}

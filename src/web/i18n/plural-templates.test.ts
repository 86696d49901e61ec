import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pluralStrings, pluralTemplates } from './plural-templates.js';
import { createTranslations } from './translator.js';

it('gives every CLDR plural form with {{count}} left in place, so the browser picks the form for any number', async () => {
  const translations = await createTranslations();
  const arabic = pluralTemplates(translations('ar' as never), 'ar', 'deliver.remaining');
  assert.deepEqual(Object.keys(arabic).sort(), ['few', 'many', 'one', 'other', 'two', 'zero']);
  // "few" (3–10) and "many" (11–99) say the number; the dual is a word of its own and stays for 2 only.
  assert.match(arabic.few!, /\{\{count\}\}/);
  assert.match(arabic.many!, /\{\{count\}\}/);
  assert.notEqual(arabic.two, arabic.few);
  const english = pluralStrings(translations('en'), 'en', 'deliver.remaining', 'remaining');
  assert.deepEqual(english, { 'remaining:one': '{{count}} view left. Deleted at the latest at', 'remaining:other': '{{count}} views left. Deleted at the latest at' });
});

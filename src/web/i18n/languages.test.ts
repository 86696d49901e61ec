import assert from 'node:assert/strict';
import { it } from 'node:test';
import { chooseLanguage, isLanguageCode, LANGUAGES, languagesForPicker, resolveLanguage } from './languages.js';

/** What a tag gives when `code` may or may not be in LANGUAGES yet (other branches add languages). */
const ifPresent = (code: string, otherwise: string) => (isLanguageCode(code) ? code : otherwise);

it('chooses ?locale= first, then the cookie, then Accept-Language by quality, then English', () => {
  assert.equal(chooseLanguage({ query: 'fr', cookie: 'de', acceptLanguage: 'ja' }), 'fr');
  assert.equal(chooseLanguage({ query: 'xx', cookie: 'de', acceptLanguage: 'ja' }), 'de');
  assert.equal(chooseLanguage({ acceptLanguage: 'tlh;q=0.9, ja;q=0.8, en;q=0.5' }), 'ja');
  assert.equal(chooseLanguage({ acceptLanguage: 'ar;q=0, de;q=0.1' }), 'de');
  assert.equal(chooseLanguage({ acceptLanguage: '*' }), 'en');
  assert.equal(chooseLanguage({}), 'en');
});

it('matches regions: pt-BR for Portuguese but pt-PT, en-GB only for Great Britain, zh for every Chinese', () => {
  assert.equal(chooseLanguage({ acceptLanguage: 'pt-BR,pt;q=0.9' }), 'pt-BR');
  assert.equal(chooseLanguage({ acceptLanguage: 'pt' }), 'pt-BR');
  assert.equal(chooseLanguage({ acceptLanguage: 'pt-AO' }), 'pt-BR');
  assert.equal(chooseLanguage({ acceptLanguage: 'pt-PT,pt;q=0.9' }), ifPresent('pt-PT', 'pt-BR'));
  assert.equal(chooseLanguage({ query: 'pt-pt' }), ifPresent('pt-PT', 'pt-BR'));
  assert.equal(chooseLanguage({ query: 'PT_br' }), 'pt-BR');
  assert.equal(chooseLanguage({ acceptLanguage: 'en-GB,en;q=0.9' }), 'en-GB');
  assert.equal(chooseLanguage({ query: 'en-gb' }), 'en-GB');
  for (const tag of ['en-US', 'en-AU', 'en-IE', 'en-IN', 'en']) assert.equal(chooseLanguage({ acceptLanguage: tag }), 'en', tag);
  for (const tag of ['zh-Hans-CN', 'zh-TW', 'zh-CN', 'zh']) assert.equal(chooseLanguage({ acceptLanguage: tag }), 'zh', tag);
  for (const tag of ['no', 'nb', 'nn', 'nb-NO']) assert.equal(chooseLanguage({ acceptLanguage: `${tag}, de;q=0.5` }), ifPresent('nb', 'de'), tag);
  assert.equal(chooseLanguage({ acceptLanguage: 'de-CH,de;q=0.9,en;q=0.8' }), 'de');
});

it('reads an old cookie `pt` (one Portuguese, before the regions) as pt-BR', () => {
  assert.equal(chooseLanguage({ cookie: 'pt', acceptLanguage: 'de' }), 'pt-BR');
  assert.equal(resolveLanguage('pt'), 'pt-BR');
});

it('resolves every code in LANGUAGES to itself, in any case', () => {
  for (const { code } of LANGUAGES) {
    assert.equal(resolveLanguage(code), code);
    assert.equal(resolveLanguage(code.toLowerCase()), code);
    assert.equal(resolveLanguage(code.toUpperCase().replace('-', '_')), code);
  }
  assert.equal(resolveLanguage(''), undefined);
  assert.equal(resolveLanguage('xx-YY'), undefined);
});

it('offers the languages in the picker by their own names, Latin scripts first, each once', () => {
  const picker = languagesForPicker();
  assert.equal(picker.length, LANGUAGES.length);
  assert.equal(new Set(picker.map((language) => language.code)).size, LANGUAGES.length);
  const latin = picker.filter((language) => /^[\p{Script=Latin}\s()]+$/u.test(language.name));
  assert.deepEqual(picker.slice(0, latin.length), latin, 'Latin-script names come first');
  const names = latin.map((language) => language.name);
  assert.deepEqual(names, [...names].sort(new Intl.Collator('und').compare));
});

it('writes Arabic, Persian, Hebrew and Urdu right to left, and every other language left to right', () => {
  const rightToLeft = new Set(['ar', 'fa', 'he', 'ur']);
  for (const { code, dir } of LANGUAGES) assert.equal(dir, rightToLeft.has(code.split('-')[0]!) ? 'rtl' : 'ltr', code);
});

it('names every language once, by a code Intl knows', () => {
  assert.equal(new Set(LANGUAGES.map((language) => language.code.toLowerCase())).size, LANGUAGES.length);
  for (const { code } of LANGUAGES) assert.equal(Intl.getCanonicalLocales(code)[0], code);
});

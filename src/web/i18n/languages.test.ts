import assert from 'node:assert/strict';
import { it } from 'node:test';
import { chooseLanguage } from './languages.js';

it('chooses ?locale= first, then the cookie, then Accept-Language by quality, then English', () => {
  assert.equal(chooseLanguage({ query: 'fr', cookie: 'de', acceptLanguage: 'ja' }), 'fr');
  assert.equal(chooseLanguage({ query: 'xx', cookie: 'de', acceptLanguage: 'ja' }), 'de');
  assert.equal(chooseLanguage({ acceptLanguage: 'sv;q=0.9, ja;q=0.8, en;q=0.5' }), 'ja');
  assert.equal(chooseLanguage({ acceptLanguage: 'pt-BR,pt;q=0.9' }), 'pt');
  assert.equal(chooseLanguage({ acceptLanguage: 'zh-Hans-CN' }), 'zh');
  assert.equal(chooseLanguage({ acceptLanguage: 'ar;q=0, de;q=0.1' }), 'de');
  assert.equal(chooseLanguage({}), 'en');
});

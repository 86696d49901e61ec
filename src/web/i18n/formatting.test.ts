import assert from 'node:assert/strict';
import { it } from 'node:test';
import { formatDateTime, formatNumber } from './formatting.js';
import { linkInLanguage, linkWithoutLanguage } from './locale-link.js';

it('writes dates and numbers the way a reader of the full language code does, in UTC', () => {
  const moment = Date.UTC(2026, 10, 30, 17, 5);
  assert.equal(formatDateTime('en', moment), 'Nov 30, 2026, 5:05 PM UTC');
  assert.equal(formatDateTime('en-GB', moment), '30 Nov 2026, 17:05 UTC');
  assert.match(formatDateTime('pt-BR', moment), /^30 de nov\. de 2026.*17:05 UTC$/);
  assert.equal(formatDateTime('en-GB', moment, { zoneName: false }), '30 Nov 2026, 17:05');
  assert.equal(formatNumber('de', 1048576), '1.048.576');
  assert.equal(formatNumber('pt-BR', 1000), '1.000');
  assert.equal(formatNumber('en', 1000), '1,000');
});

it('puts the recipient language on a link before its fragment, replacing one it had', () => {
  assert.equal(linkInLanguage('https://s.example/p/abc', 'pt-BR'), 'https://s.example/p/abc?locale=pt-BR');
  assert.equal(linkInLanguage('https://s.example/p/abc/r#k=x-y_z', 'de'), 'https://s.example/p/abc/r?locale=de#k=x-y_z');
  assert.equal(linkInLanguage('https://s.example/p/abc?locale=fr#k=1', 'ar'), 'https://s.example/p/abc?locale=ar#k=1');
  assert.equal(linkInLanguage('https://s.example/p/abc#k=1', undefined), 'https://s.example/p/abc#k=1');
  assert.equal(linkWithoutLanguage('https://s.example/p/abc?locale=fr#k=1'), 'https://s.example/p/abc#k=1');
  assert.equal(linkWithoutLanguage('https://s.example/p/abc/r'), 'https://s.example/p/abc/r');
});

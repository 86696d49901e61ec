import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  DEFAULT_CHARACTER_OPTIONS,
  DEFAULT_PASSPHRASE_OPTIONS,
  entropyBits,
  generateCharacterPassword,
  generatePassphrase,
  randomInt,
  WORD_LIST,
} from './password-generator.js';

it('generates passwords of the asked length with every chosen set and no other', () => {
  for (let round = 0; round < 200; round += 1) {
    const password = generateCharacterPassword({ ...DEFAULT_CHARACTER_OPTIONS, length: 12 });
    assert.equal(password.length, 12);
    assert.match(password, /[a-z]/);
    assert.match(password, /[A-Z]/);
    assert.match(password, /[0-9]/);
    assert.match(password, /[!@#$%^&*\-_=+?]/);
    assert.doesNotMatch(password, /[Il1|O0o]/, 'look-alikes are avoided');
  }
  const digits = new Set(generateCharacterPassword({ length: 128, lowercase: false, uppercase: false, digits: true, symbols: false, avoidAmbiguous: true }));
  assert.deepEqual([...digits].sort().join(''), '23456789', 'only the look-alike digits are dropped');
  const digitsOnly = generateCharacterPassword({ length: 30, lowercase: false, uppercase: false, digits: true, symbols: false, avoidAmbiguous: false });
  assert.match(digitsOnly, /^[0-9]{30}$/);
});

it('refuses impossible options', () => {
  assert.throws(() => generateCharacterPassword({ ...DEFAULT_CHARACTER_OPTIONS, length: 7 }), RangeError);
  assert.throws(() => generateCharacterPassword({ length: 20, lowercase: false, uppercase: false, digits: false, symbols: false, avoidAmbiguous: true }), RangeError);
  assert.throws(() => generatePassphrase({ ...DEFAULT_PASSPHRASE_OPTIONS, words: 2 }), RangeError);
  assert.throws(() => randomInt(0), RangeError);
});

it('makes passphrases from the word list', () => {
  const passphrase = generatePassphrase({ words: 6, separator: '.', capitalize: true, includeNumber: true });
  const words = passphrase.split('.');
  assert.equal(words.length, 6);
  assert.equal(words.filter((word) => /\d$/.test(word)).length, 1);
  for (const word of words) assert.ok(WORD_LIST.includes(word.replace(/\d$/, '').toLowerCase()), word);
  assert.equal(new Set(WORD_LIST).size, 2048);
});

it('draws random integers uniformly', () => {
  const counts = new Array<number>(6).fill(0);
  for (let draw = 0; draw < 60_000; draw += 1) counts[randomInt(6)]! += 1;
  for (const count of counts) assert.ok(Math.abs(count - 10_000) < 1_000, `bucket count ${count}`);
});

it('computes the entropy of the options', () => {
  assert.equal(entropyBits('characters', { length: 10, lowercase: false, uppercase: false, digits: true, symbols: false, avoidAmbiguous: false }), 10 * Math.log2(10));
  assert.equal(entropyBits('passphrase', { words: 4, separator: '-', capitalize: false, includeNumber: false }), 44);
});

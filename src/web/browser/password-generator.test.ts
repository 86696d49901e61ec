import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AMBIGUOUS_CHARACTERS,
  CHARACTER_LENGTH_BOUNDS,
  CHARACTER_SETS,
  DEFAULT_CHARACTER_OPTIONS,
  DEFAULT_PASSPHRASE_OPTIONS,
  entropyBits,
  generateCharacterPassword,
  generatePassphrase,
  randomInt,
  WORD_COUNT_BOUNDS,
  WORD_LIST,
  type CharacterOptions,
} from './password-generator.js';

const NONE: CharacterOptions = { length: 20, lowercase: false, uppercase: false, digits: false, symbols: false, avoidAmbiguous: false };
const SET_NAMES = ['lowercase', 'uppercase', 'digits', 'symbols'] as const;

function characterSetsOf(text: string): Set<string> {
  const found = new Set<string>();
  for (const character of text) {
    const name = SET_NAMES.find((set) => CHARACTER_SETS[set].includes(character));
    found.add(name ?? `other:${character}`);
  }
  return found;
}

describe('randomInt', () => {
  it('stays in its range, and a bound of 1 always gives 0', () => {
    for (const bound of [1, 2, 3, 7, 69, 1000, 2 ** 31 + 1, 2 ** 32]) {
      for (let draw = 0; draw < 500; draw += 1) {
        const value = randomInt(bound);
        assert.ok(Number.isInteger(value) && value >= 0 && value < bound, `${value} for ${bound}`);
      }
    }
    assert.equal(randomInt(1), 0);
  });

  it('covers its range uniformly', () => {
    const counts = new Array<number>(6).fill(0);
    for (let draw = 0; draw < 60_000; draw += 1) counts[randomInt(6)]! += 1;
    for (const count of counts) assert.ok(Math.abs(count - 10_000) <= 1_000, `bucket count ${count} of ${counts.join(', ')}`);
    // Chi-square with 5 degrees of freedom: its 99.9999999th percentile is about 50.
    const chiSquare = counts.reduce((sum, count) => sum + (count - 10_000) ** 2 / 10_000, 0);
    assert.ok(chiSquare < 50, `chi-square ${chiSquare}`);
  });

  it('has no modulo bias where a plain remainder would have a large one', () => {
    // For a bound of 3·2^30, value % bound on a 32-bit value would give [0, 2^30) half the time, not a third.
    const bound = 3 * 2 ** 30;
    let low = 0;
    for (let draw = 0; draw < 30_000; draw += 1) if (randomInt(bound) < 2 ** 30) low += 1;
    assert.ok(low / 30_000 > 0.3 && low / 30_000 < 0.37, `share below 2^30: ${low / 30_000}`);
  });

  it('draws again above the largest multiple of the bound, from getRandomValues only', (t) => {
    const values = [0xffff_ffff, 5];
    const getRandomValues = t.mock.method(globalThis.crypto, 'getRandomValues', <T extends ArrayBufferView | null>(array: T): T => {
      (array as unknown as Uint32Array)[0] = values.shift()!;
      return array;
    });
    t.mock.method(Math, 'random', () => assert.fail('Math.random must not be used'));
    // 2^32 mod 3 = 1, so 0xffffffff is the one rejected value for a bound of 3.
    assert.equal(randomInt(3), 2);
    assert.equal(getRandomValues.mock.callCount(), 2);
  });

  it('rejects bounds it cannot serve', () => {
    for (const bound of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32 + 1]) {
      assert.throws(() => randomInt(bound), RangeError, String(bound));
    }
  });
});

describe('generateCharacterPassword', () => {
  it('makes passwords of the asked length, at the bounds too', () => {
    for (const length of [CHARACTER_LENGTH_BOUNDS.min, 20, 57, CHARACTER_LENGTH_BOUNDS.max]) {
      assert.equal(generateCharacterPassword({ ...DEFAULT_CHARACTER_OPTIONS, length }).length, length);
    }
    assert.equal(generateCharacterPassword(DEFAULT_CHARACTER_OPTIONS).length, 20);
  });

  it('has a character of each chosen set, and none of the others', () => {
    for (let mask = 1; mask < 16; mask += 1) {
      const chosen = SET_NAMES.filter((_, index) => mask & (1 << index));
      const options: CharacterOptions = { ...NONE, length: CHARACTER_LENGTH_BOUNDS.min };
      for (const name of chosen) options[name] = true;
      for (let round = 0; round < 60; round += 1) {
        const password = generateCharacterPassword(options);
        assert.deepEqual([...characterSetsOf(password)].sort(), [...chosen].sort(), `${password} for ${chosen.join('+')}`);
      }
    }
  });

  it('never has look-alike characters when they are avoided, and uses all the others', () => {
    const seen = new Set<string>();
    for (let round = 0; round < 60; round += 1) {
      const password = generateCharacterPassword({ ...DEFAULT_CHARACTER_OPTIONS, length: 128 });
      for (const character of password) {
        assert.ok(!AMBIGUOUS_CHARACTERS.includes(character), `${character} in ${password}`);
        seen.add(character);
      }
    }
    const expected = Object.values(CHARACTER_SETS)
      .join('')
      .split('')
      .filter((character) => !AMBIGUOUS_CHARACTERS.includes(character));
    assert.deepEqual([...seen].sort(), expected.sort());
    for (const character of 'Il1O0o') assert.ok(AMBIGUOUS_CHARACTERS.includes(character));
  });

  it('keeps look-alikes when not asked to avoid them', () => {
    let all = '';
    for (let round = 0; round < 20; round += 1) all += generateCharacterPassword({ ...NONE, length: 128, digits: true, lowercase: true });
    for (const character of '01lo') assert.ok(all.includes(character), character);
    assert.match(generateCharacterPassword({ ...NONE, length: 30, digits: true }), /^[0-9]{30}$/);
  });

  it('uses getRandomValues, never Math.random', (t) => {
    t.mock.method(Math, 'random', () => assert.fail('Math.random must not be used'));
    const getRandomValues = t.mock.method(globalThis.crypto, 'getRandomValues');
    generateCharacterPassword(DEFAULT_CHARACTER_OPTIONS);
    generatePassphrase({ ...DEFAULT_PASSPHRASE_OPTIONS, includeNumber: true });
    assert.ok(getRandomValues.mock.callCount() >= 20 + 5 + 2);
  });

  it('refuses impossible options with a RangeError', () => {
    for (const length of [0, 7, 129, 8.5, Number.NaN]) {
      assert.throws(() => generateCharacterPassword({ ...DEFAULT_CHARACTER_OPTIONS, length }), RangeError, String(length));
    }
    assert.throws(() => generateCharacterPassword(NONE), RangeError);
    assert.throws(() => generateCharacterPassword({ ...NONE, avoidAmbiguous: true }), RangeError);
  });
});

describe('generatePassphrase', () => {
  it('has the asked number of words from the list, joined by the separator', () => {
    for (const [words, separator] of [
      [WORD_COUNT_BOUNDS.min, '-'],
      [5, '.'],
      [7, ' '],
      [WORD_COUNT_BOUNDS.max, '_'],
    ] as const) {
      for (let round = 0; round < 20; round += 1) {
        const parts = generatePassphrase({ ...DEFAULT_PASSPHRASE_OPTIONS, words, separator }).split(separator);
        assert.equal(parts.length, words);
        for (const word of parts) assert.ok(WORD_LIST.includes(word), word);
      }
    }
    assert.equal(generatePassphrase(DEFAULT_PASSPHRASE_OPTIONS).split('-').length, 5);
  });

  it('capitalizes, and adds one digit to one word', () => {
    for (let round = 0; round < 50; round += 1) {
      const parts = generatePassphrase({ words: 6, separator: '+', capitalize: true, includeNumber: true }).split('+');
      assert.equal(parts.length, 6);
      assert.equal(parts.filter((word) => /\d$/.test(word)).length, 1, parts.join('+'));
      for (const word of parts) {
        assert.match(word, /^[A-Z][a-z]+\d?$/);
        assert.ok(WORD_LIST.includes(word.replace(/\d$/, '').toLowerCase()), word);
      }
    }
    assert.match(generatePassphrase({ words: 4, separator: '', capitalize: true, includeNumber: false }), /^([A-Z][a-z]+){4}$/);
  });

  it('takes its words from a given list', () => {
    const list = ['alpha', 'bravo', 'charlie'];
    const seen = new Set<string>();
    for (let round = 0; round < 30; round += 1) {
      for (const word of generatePassphrase({ ...DEFAULT_PASSPHRASE_OPTIONS, words: 12 }, list).split('-')) seen.add(word);
    }
    assert.deepEqual([...seen].sort(), list);
  });

  it('refuses impossible options with a RangeError', () => {
    for (const words of [0, 2, 13, 3.5, Number.NaN]) {
      assert.throws(() => generatePassphrase({ ...DEFAULT_PASSPHRASE_OPTIONS, words }), RangeError, String(words));
    }
    assert.throws(() => generatePassphrase(DEFAULT_PASSPHRASE_OPTIONS, []), RangeError);
    assert.throws(() => generatePassphrase(DEFAULT_PASSPHRASE_OPTIONS, ['one']), RangeError);
    assert.throws(() => generatePassphrase(DEFAULT_PASSPHRASE_OPTIONS, ['one', 'two', 'one']), RangeError);
    assert.throws(() => generatePassphrase(DEFAULT_PASSPHRASE_OPTIONS, ['one', '']), RangeError);
  });

  it('uses the EFF long wordlist without its hyphenated words: distinct, lowercase a–z', () => {
    assert.equal(WORD_LIST.length, 7772);
    assert.equal(new Set(WORD_LIST).size, WORD_LIST.length);
    for (const word of WORD_LIST) assert.match(word, /^[a-z]{3,9}$/);
    assert.equal(WORD_LIST[0], 'abacus');
    assert.equal(WORD_LIST.at(-1), 'zoom');
  });
});

describe('entropyBits', () => {
  const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);

  it('counts characters exactly', () => {
    close(entropyBits('characters', { ...NONE, length: 10, digits: true }), 10 * Math.log2(10));
    close(entropyBits('characters', { ...NONE, length: 12, digits: true, avoidAmbiguous: true }), 12 * Math.log2(8));
    // Strings of 8 over a–z0–9 that have a letter and a digit: 36^8 − 26^8 − 10^8 (all below 2^53).
    close(entropyBits('characters', { ...NONE, length: 8, lowercase: true, digits: true }), Math.log2(36 ** 8 - 26 ** 8 - 10 ** 8));
    // The defaults: 69 characters, just under 20 × log2(69) because each set must appear.
    const defaults = entropyBits('characters', DEFAULT_CHARACTER_OPTIONS);
    assert.ok(defaults < 20 * Math.log2(69) && defaults > 20 * Math.log2(69) - 0.5, String(defaults));
  });

  it('counts passphrase words, and the digit and its place', () => {
    close(entropyBits('passphrase', { ...DEFAULT_PASSPHRASE_OPTIONS, words: 3 }, ['a', 'b', 'c', 'd']), 6);
    close(entropyBits('passphrase', DEFAULT_PASSPHRASE_OPTIONS), 5 * Math.log2(7772));
    close(entropyBits('passphrase', { ...DEFAULT_PASSPHRASE_OPTIONS, includeNumber: true, capitalize: true }), 5 * Math.log2(7772) + Math.log2(50));
  });

  it('refuses the options the generator refuses', () => {
    assert.throws(() => entropyBits('characters', { ...DEFAULT_CHARACTER_OPTIONS, length: 7 }), RangeError);
    assert.throws(() => entropyBits('characters', NONE), RangeError);
    assert.throws(() => entropyBits('passphrase', { ...DEFAULT_PASSPHRASE_OPTIONS, words: 13 }), RangeError);
  });
});

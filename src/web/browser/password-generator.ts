/**
 * The create form's password generator: random characters or memorable words, from
 * crypto.getRandomValues with rejection sampling (no modulo bias). Runs in browsers and in Node.
 */
import { wordlist as BIP39_ENGLISH } from '@scure/bip39/wordlists/english.js';

export interface CharacterOptions {
  length: number;
  lowercase: boolean;
  uppercase: boolean;
  digits: boolean;
  symbols: boolean;
  avoidAmbiguous: boolean;
}

export interface PassphraseOptions {
  words: number;
  separator: string;
  capitalize: boolean;
  includeNumber: boolean;
}

export const DEFAULT_CHARACTER_OPTIONS: CharacterOptions = {
  length: 20,
  lowercase: true,
  uppercase: true,
  digits: true,
  symbols: true,
  avoidAmbiguous: true,
};
export const DEFAULT_PASSPHRASE_OPTIONS: PassphraseOptions = { words: 5, separator: '-', capitalize: false, includeNumber: false };
export const CHARACTER_LENGTH_BOUNDS = { min: 8, max: 128 } as const;
export const WORD_COUNT_BOUNDS = { min: 3, max: 12 } as const;

const SETS = {
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  symbols: '!@#$%^&*-_=+?',
} as const;
/** Characters easily read as one another (I, l, 1, |; O, 0, o). */
const AMBIGUOUS = new Set('Il1|O0o'.split(''));

/** 2,048 common English words chosen to be easy to tell apart (the BIP-39 list). */
export const WORD_LIST: readonly string[] = BIP39_ENGLISH;

/** A uniformly random integer in [0, maxExclusive). */
export function randomInt(maxExclusive: number): number {
  if (!Number.isInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > 2 ** 32) throw new RangeError('maxExclusive must be an integer from 1 to 2^32');
  // Reject the top slice of the 32-bit range that would make some results more likely.
  const limit = 2 ** 32 - (2 ** 32 % maxExclusive);
  const buffer = new Uint32Array(1);
  for (;;) {
    globalThis.crypto.getRandomValues(buffer);
    if (buffer[0]! < limit) return buffer[0]! % maxExclusive;
  }
}

function chosenSets(options: CharacterOptions): string[] {
  const sets = (Object.keys(SETS) as Array<keyof typeof SETS>)
    .filter((name) => options[name])
    .map((name) => [...SETS[name]].filter((character) => !options.avoidAmbiguous || !AMBIGUOUS.has(character)).join(''));
  if (sets.length === 0) throw new RangeError('choose at least one kind of character');
  return sets;
}

function checkLength(length: number): void {
  if (!Number.isInteger(length) || length < CHARACTER_LENGTH_BOUNDS.min || length > CHARACTER_LENGTH_BOUNDS.max) {
    throw new RangeError(`length must be between ${CHARACTER_LENGTH_BOUNDS.min} and ${CHARACTER_LENGTH_BOUNDS.max}`);
  }
}

/** Random characters, with at least one from every chosen set. */
export function generateCharacterPassword(options: CharacterOptions): string {
  checkLength(options.length);
  const sets = chosenSets(options);
  const all = sets.join('');
  const characters = sets.map((set) => set[randomInt(set.length)]!);
  while (characters.length < options.length) characters.push(all[randomInt(all.length)]!);
  // Shuffle (Fisher–Yates) so the guaranteed characters are not always first.
  for (let index = characters.length - 1; index > 0; index -= 1) {
    const other = randomInt(index + 1);
    [characters[index], characters[other]] = [characters[other]!, characters[index]!];
  }
  return characters.join('');
}

export function generatePassphrase(options: PassphraseOptions, wordList: readonly string[] = WORD_LIST): string {
  if (!Number.isInteger(options.words) || options.words < WORD_COUNT_BOUNDS.min || options.words > WORD_COUNT_BOUNDS.max) {
    throw new RangeError(`words must be between ${WORD_COUNT_BOUNDS.min} and ${WORD_COUNT_BOUNDS.max}`);
  }
  const words = Array.from({ length: options.words }, () => {
    const word = wordList[randomInt(wordList.length)]!;
    return options.capitalize ? word[0]!.toUpperCase() + word.slice(1) : word;
  });
  if (options.includeNumber) {
    const index = randomInt(words.length);
    words[index] = `${words[index]}${randomInt(10)}`;
  }
  return words.join(options.separator);
}

/** Bits of randomness of what the options generate (shown beside the generator). */
export function entropyBits(kind: 'characters', options: CharacterOptions): number;
export function entropyBits(kind: 'passphrase', options: PassphraseOptions): number;
export function entropyBits(kind: 'characters' | 'passphrase', options: CharacterOptions | PassphraseOptions): number {
  if (kind === 'passphrase') {
    const words = options as PassphraseOptions;
    return words.words * Math.log2(WORD_LIST.length) + (words.includeNumber ? Math.log2(10 * words.words) : 0);
  }
  const characters = options as CharacterOptions;
  checkLength(characters.length);
  return characters.length * Math.log2(chosenSets(characters).join('').length);
}

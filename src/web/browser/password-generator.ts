/**
 * The create form's password generator: random characters or memorable words. Its only source of
 * randomness is globalThis.crypto.getRandomValues, with rejection sampling (no modulo bias). It imports
 * nothing from Node, so it runs the same in browsers (bundled by esbuild) and in Node's tests.
 *
 * Passphrase words: the EFF long wordlist for random passphrases, © Electronic Frontier Foundation,
 * CC BY 3.0 US (https://www.eff.org/deeplinks/2016/07/new-wordlists-random-passphrases), as shipped by
 * the MIT-licensed npm package secure-password-utilities: its DEFAULT_WORDLIST is the 7,776-word list
 * less the four words with a hyphen (drop-down, felt-tip, t-shirt, yo-yo), so 7,772 lowercase a–z words.
 */
import { DEFAULT_WORDLIST } from 'secure-password-utilities/wordlists';

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

export const DEFAULT_CHARACTER_OPTIONS: CharacterOptions = Object.freeze({
  length: 20,
  lowercase: true,
  uppercase: true,
  digits: true,
  symbols: true,
  avoidAmbiguous: true,
});
export const DEFAULT_PASSPHRASE_OPTIONS: PassphraseOptions = Object.freeze({
  words: 5,
  separator: '-',
  capitalize: false,
  includeNumber: false,
});
export const CHARACTER_LENGTH_BOUNDS = Object.freeze({ min: 8, max: 128 } as const);
export const WORD_COUNT_BOUNDS = Object.freeze({ min: 3, max: 12 } as const);

type SetName = 'lowercase' | 'uppercase' | 'digits' | 'symbols';

/** The characters of each set, before look-alikes are taken out. Symbols are easy to type on any keyboard. */
export const CHARACTER_SETS: Readonly<Record<SetName, string>> = Object.freeze({
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  symbols: '!@#$%^&*-_=+?',
});
const SET_NAMES: readonly SetName[] = ['lowercase', 'uppercase', 'digits', 'symbols'];

/** Characters easily read as one another (I, l, 1; O, 0, o): left out when avoidAmbiguous is on. */
export const AMBIGUOUS_CHARACTERS = 'Il1O0o';

/** The default passphrase word list (see the top of this file). */
export const WORD_LIST: readonly string[] = DEFAULT_WORDLIST;

const TWO_TO_THE_32 = 2 ** 32;

/** A uniformly random integer in [0, maxExclusive), for maxExclusive an integer from 1 to 2^32. */
export function randomInt(maxExclusive: number): number {
  if (!Number.isInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > TWO_TO_THE_32) {
    throw new RangeError('randomInt needs an integer bound from 1 to 2^32');
  }
  // The largest multiple of maxExclusive that fits in 32 bits: values at or above it are drawn again,
  // so that every result has exactly the same number of 32-bit values behind it.
  const limit = TWO_TO_THE_32 - (TWO_TO_THE_32 % maxExclusive);
  const buffer = new Uint32Array(1);
  for (;;) {
    globalThis.crypto.getRandomValues(buffer);
    const value = buffer[0] ?? TWO_TO_THE_32;
    if (value < limit) return value % maxExclusive;
  }
}

/** The chosen sets, look-alikes taken out if asked; throws a RangeError for impossible options. */
function chosenSets(options: CharacterOptions): string[] {
  const { length } = options;
  if (!Number.isInteger(length) || length < CHARACTER_LENGTH_BOUNDS.min || length > CHARACTER_LENGTH_BOUNDS.max) {
    throw new RangeError(`The length must be a whole number from ${CHARACTER_LENGTH_BOUNDS.min} to ${CHARACTER_LENGTH_BOUNDS.max}.`);
  }
  const sets = SET_NAMES.filter((name) => options[name]).map((name) =>
    [...CHARACTER_SETS[name]].filter((character) => !options.avoidAmbiguous || !AMBIGUOUS_CHARACTERS.includes(character)).join(''),
  );
  if (sets.length === 0) throw new RangeError('Choose at least one kind of character.');
  return sets;
}

/**
 * Random characters from the chosen sets, with at least one from each. Draws whole passwords from all the
 * chosen characters and draws again when a set is missing, so every password that has each set is
 * equally likely (entropyBits counts exactly those). At worst (8 characters, every set, look-alikes
 * avoided) 45% of draws have every set, so about 2.2 draws on average.
 */
export function generateCharacterPassword(options: CharacterOptions): string {
  const sets = chosenSets(options);
  const alphabet = sets.join('');
  const setOf = new Map<string, number>();
  sets.forEach((set, index) => {
    for (const character of set) setOf.set(character, index);
  });
  for (;;) {
    let password = '';
    const seen = new Set<number>();
    for (let index = 0; index < options.length; index += 1) {
      const character = alphabet.charAt(randomInt(alphabet.length));
      password += character;
      seen.add(setOf.get(character) ?? -1);
    }
    if (seen.size === sets.length) return password;
  }
}

function checkPassphrase(options: PassphraseOptions, wordList: readonly string[]): void {
  const { words } = options;
  if (!Number.isInteger(words) || words < WORD_COUNT_BOUNDS.min || words > WORD_COUNT_BOUNDS.max) {
    throw new RangeError(`The number of words must be a whole number from ${WORD_COUNT_BOUNDS.min} to ${WORD_COUNT_BOUNDS.max}.`);
  }
  if (wordList === WORD_LIST) return;
  if (wordList.length < 2 || wordList.length > TWO_TO_THE_32) throw new RangeError('The word list must have from 2 to 2^32 words.');
  if (wordList.some((word) => word === '') || new Set(wordList).size !== wordList.length) {
    throw new RangeError('The word list must have distinct, non-empty words.');
  }
}

/**
 * Words drawn independently and uniformly from the list (the EFF long list by default), joined by the
 * separator; capitalize upper-cases each word's first letter; includeNumber appends one random digit
 * to one randomly chosen word.
 */
export function generatePassphrase(options: PassphraseOptions, wordList: readonly string[] = WORD_LIST): string {
  checkPassphrase(options, wordList);
  const words = Array.from({ length: options.words }, () => {
    const word = wordList[randomInt(wordList.length)] ?? '';
    return options.capitalize ? word.charAt(0).toUpperCase() + word.slice(1) : word;
  });
  if (options.includeNumber) {
    const index = randomInt(words.length);
    words[index] = `${words[index] ?? ''}${randomInt(10)}`;
  }
  return words.join(options.separator);
}

function log2(value: bigint): number {
  const bits = value.toString(2).length;
  const shift = Math.max(0, bits - 64);
  return Math.log2(Number(value >> BigInt(shift))) + shift;
}

/**
 * Bits of randomness in what the options generate, shown beside the generator. For characters, the
 * exact count of passwords of that length over the chosen characters that have every chosen set
 * (inclusion–exclusion over the sets). For passphrases, words × log2(list size), plus log2(10 × words)
 * with a number; with an empty separator words may run together, so that is an upper bound.
 * Throws a RangeError for the options the generator refuses.
 */
export function entropyBits(kind: 'characters', options: CharacterOptions): number;
export function entropyBits(kind: 'passphrase', options: PassphraseOptions, wordList?: readonly string[]): number;
export function entropyBits(
  kind: 'characters' | 'passphrase',
  options: CharacterOptions | PassphraseOptions,
  wordList: readonly string[] = WORD_LIST,
): number {
  if (kind === 'passphrase') {
    const passphrase = options as PassphraseOptions;
    checkPassphrase(passphrase, wordList);
    return passphrase.words * Math.log2(wordList.length) + (passphrase.includeNumber ? Math.log2(10 * passphrase.words) : 0);
  }
  const characters = options as CharacterOptions;
  const sizes = chosenSets(characters).map((set) => BigInt(set.length));
  const total = sizes.reduce((sum, size) => sum + size, 0n);
  const length = BigInt(characters.length);
  let count = 0n;
  // Σ over subsets S of the sets of (−1)^|S| × (characters outside S)^length.
  for (let subset = 0; subset < 2 ** sizes.length; subset += 1) {
    let excluded = 0n;
    let sign = 1n;
    sizes.forEach((size, index) => {
      if (subset & (1 << index)) {
        excluded += size;
        sign = -sign;
      }
    });
    count += sign * (total - excluded) ** length;
  }
  return log2(count);
}

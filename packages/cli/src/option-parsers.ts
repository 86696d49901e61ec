import { InvalidArgumentError } from 'commander';

/** Parses a count option (`--views 3`): a whole number, 1 or more; commander reports anything else as a usage error. */
export function positiveInteger(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError('must be a whole number, 1 or more.');
  return Number(text);
}

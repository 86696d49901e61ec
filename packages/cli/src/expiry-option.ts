import { CliError, EXIT } from './exit-codes.js';

/** A lifetime as `--expires` gives it: minutes (from `30m` or `12h`), whole days (`7d`), or an absolute time. */
export type Expiry = { readonly minutes: number } | { readonly days: number } | { readonly at: Date };

/**
 * Parses `--expires`: `30m`, `12h`, `7d` (a positive whole number and a unit) or an ISO 8601 date and
 * time with a zone (`2030-01-31T18:00:00Z`, `2030-01-31T18:00+01:00`). Throws a usage error otherwise,
 * and for a time that is not in the future. The server checks its own bounds (PASSDROP_MIN_EXPIRY_MINUTES…).
 */
export function parseExpiry(text: string, now: number): Expiry {
  const relative = /^(\d{1,7})\s*([mhd])$/i.exec(text.trim());
  if (relative) {
    const count = Number(relative[1]);
    if (count === 0) throw new CliError('--expires must be more than zero.', EXIT.usage);
    const unit = relative[2]!.toLowerCase();
    return unit === 'd' ? { days: count } : { minutes: unit === 'h' ? count * 60 : count };
  }
  // A date without a zone would mean different instants on different machines.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text.trim())) {
    const at = new Date(text.trim());
    if (Number.isNaN(at.getTime())) throw new CliError(`--expires ${text}: not a valid date and time.`, EXIT.usage);
    if (at.getTime() <= now) throw new CliError(`--expires ${text} is in the past.`, EXIT.usage);
    return { at };
  }
  throw new CliError(`--expires takes 30m, 12h, 7d or an ISO 8601 time with a zone such as 2030-01-31T18:00:00Z (got "${text}").`, EXIT.usage);
}

/**
 * The whole days Password Pusher's API needs (it counts lifetimes in days only): `7d`, or hours that
 * make whole days (`48h`). Anything finer is refused rather than silently rounded.
 */
export function expiryInWholeDays(expiry: Expiry): number {
  if ('days' in expiry) return expiry.days;
  if ('minutes' in expiry && expiry.minutes % 1440 === 0) return expiry.minutes / 1440;
  throw new CliError('Password Pusher counts lifetimes in whole days: use --expires 1d (or 2d, 7d…).', EXIT.usage);
}

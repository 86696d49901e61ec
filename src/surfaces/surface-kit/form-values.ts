const TRUE_WORDS = new Set(['on', 'yes', 'checked', 'true', '1']);

/**
 * A flag as forms and Password Pusher's API send it: `on|yes|checked|true|1` (any case) and JSON true
 * are true; anything else given is false; nothing given is undefined.
 */
export function parseFlag(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  // An object or array is not a flag (and `String()` of `{"toString":1}` would throw).
  if (typeof value !== 'string' && typeof value !== 'number') return false;
  return TRUE_WORDS.has(String(value).trim().toLowerCase());
}

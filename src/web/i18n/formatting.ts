/**
 * Dates, times and numbers in the reader's language, through `Intl` with the full language code
 * (`pt-BR`, `en-GB`, `ar`), so each reader sees their own order, separators, month names and digits.
 * Servers do not know the reader's time zone: times rendered on the server (pages before their script
 * runs, emails) are in UTC and say so; the pages' script re-renders them in the browser's zone.
 */

// Relative times ("in 3 days") are written in the browser (src/web/browser/common.ts), which knows the clock the reader sees.
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
const numberFormats = new Map<string, Intl.NumberFormat>();

/**
 * A moment as a reader of `lang` writes it, in UTC with the zone named (`zoneName: false` when the
 * sentence around it already says UTC).
 *
 * @example formatDateTime('en-GB', 0) // '1 Jan 1970, 00:00 UTC'
 * @example formatDateTime('pt-BR', 0) // '1 de jan. de 1970, 00:00 UTC'
 */
export function formatDateTime(lang: string, epochMs: number, options: { zoneName?: boolean } = {}): string {
  const zoneName = options.zoneName ?? true;
  const cacheKey = `${lang}|${zoneName}`;
  let format = dateTimeFormats.get(cacheKey);
  if (!format) {
    format = new Intl.DateTimeFormat(lang, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: 'UTC', ...(zoneName ? { timeZoneName: 'short' } : {}) });
    dateTimeFormats.set(cacheKey, format);
  }
  return format.format(epochMs);
}

/**
 * A number as a reader of `lang` writes it: `1,000` in English, `1.000` in German, `۱٬۰۰۰` in Persian.
 *
 * @example formatNumber('de', 1048576) // '1.048.576'
 */
export function formatNumber(lang: string, value: number): string {
  let format = numberFormats.get(lang);
  if (!format) {
    format = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
    numberFormats.set(lang, format);
  }
  return format.format(value);
}

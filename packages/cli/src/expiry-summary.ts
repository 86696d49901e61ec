/** "in 59 minutes", "in 12 hours", "in 7 days": how far away `at` is, for the summaries on stderr. */
export function relativeTime(at: Date, now: number): string {
  const minutes = Math.max(0, Math.round((at.getTime() - now) / 60_000));
  if (minutes < 60) return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `in ${hours} hour${hours === 1 ? '' : 's'}`;
  return `in ${Math.round(hours / 24)} days`;
}

/** An instant as `2030-01-31 18:00 UTC`: unambiguous whatever the reader's zone. */
export function utcTime(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** "Expires after 1 view or at 2030-01-31 18:00 UTC (in 1 hour), whichever comes first." */
export function expirySummary(push: { views: number; expiresAt: Date | undefined; days: number | undefined }, now: number): string {
  const time =
    push.expiresAt ? `at ${utcTime(push.expiresAt)} (${relativeTime(push.expiresAt, now)})`
    : push.days !== undefined ? `in ${plural(push.days, 'day')}`
    : 'when its time runs out';
  return `Expires after ${plural(push.views, 'view')} or ${time}, whichever comes first.`;
}

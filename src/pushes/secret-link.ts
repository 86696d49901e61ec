import type { PushRecord } from './push-record.js';

/**
 * The secret link of a push: `<site>/p/<token>`, or `<site>/p/<token>/r` when the push shows the
 * retrieval step first (Password Pusher's `html_url`). `siteUrl` is the public URL of the site root,
 * base path included, without a trailing slash.
 *
 * @example secretUrl('https://secrets.example.com', { token: 'abc…', retrievalStep: true }) // 'https://secrets.example.com/p/abc…/r'
 */
export function secretUrl(siteUrl: string, push: Pick<PushRecord, 'token' | 'retrievalStep'>): string {
  return `${siteUrl}/p/${push.token}${push.retrievalStep ? '/r' : ''}`;
}

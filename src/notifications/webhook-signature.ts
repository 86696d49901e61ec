import { createHmac } from 'node:crypto';
import { timingSafeEqualText } from '../crypto/timing-safe-equal.js';
import { randomToken } from '../crypto/random-token.js';

/**
 * Webhook signatures as Standard Webhooks (https://www.standardwebhooks.com, the scheme Svix and others
 * use) defines them: HMAC-SHA256, keyed with the base64-decoded part of a `whsec_` secret, over
 * `<webhook-id>.<webhook-timestamp>.<body>`; sent as `webhook-signature: v1,<base64 digest>`.
 */

/** A new signing secret: `whsec_` and 32 random bytes in base64 (256 bits). */
export function newWebhookSecret(): string {
  return `whsec_${Buffer.from(randomToken(32), 'base64url').toString('base64')}`;
}

/**
 * The `webhook-signature` value for one delivery.
 *
 * @param timestampSeconds whole seconds since the epoch (the `webhook-timestamp` header)
 * @example signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'evt_…', 1767225600, '{"type":…}') // 'v1,…'
 */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/**
 * Checks a delivery as a receiver would: one of the space-separated `v1,` signatures must match (in
 * constant time) and the timestamp must lie within `toleranceSeconds` of `nowSeconds` (replays).
 */
export function verifyWebhook(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = signWebhook(secret, headers.id, timestamp, body);
  return headers.signature.split(' ').some((candidate) => timingSafeEqualText(candidate, expected));
}

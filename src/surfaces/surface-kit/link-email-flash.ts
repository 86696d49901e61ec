import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * "Emails queued: 3" (or "none were sent") on the page a sender lands on after asking for link emails, as a
 * one-time flash the server sets: a cookie scoped to that one page's path, HttpOnly, for two minutes, read
 * and cleared by the page. A query parameter could be added to any link, so a crafted URL would show a
 * false notice; a cookie only our server sets cannot be.
 */
export const LINK_EMAIL_FLASH_COOKIE = 'passdrop_emailed';
const FLASH_SECONDS = 120;

/** What the notice says: how many emails were queued, or that none could be. */
export type LinkEmailOutcome = number | 'failed';

/** Sets the flash for the page at `pagePath` (site-absolute, base path included). */
export function setLinkEmailFlash(reply: FastifyReply, pagePath: string, outcome: LinkEmailOutcome, secure: boolean): void {
  reply.header('set-cookie', serializeCookie(LINK_EMAIL_FLASH_COOKIE, String(outcome), { path: pagePath, httpOnly: true, sameSite: 'lax', secure, maxAge: FLASH_SECONDS }));
}

/** Reads the flash this request carries, clearing it so a reload shows nothing; undefined when there is none. */
export function takeLinkEmailFlash(request: FastifyRequest, reply: FastifyReply, pagePath: string, secure: boolean): LinkEmailOutcome | undefined {
  const value = parseCookies(request.headers.cookie ?? '')[LINK_EMAIL_FLASH_COOKIE];
  if (value === undefined) return undefined;
  reply.header('set-cookie', serializeCookie(LINK_EMAIL_FLASH_COOKIE, '', { path: pagePath, httpOnly: true, sameSite: 'lax', secure, maxAge: 0 }));
  if (value === 'failed') return 'failed';
  return /^[1-9]\d{0,2}$/.test(value) ? Number(value) : undefined;
}

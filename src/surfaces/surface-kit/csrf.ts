import type { FastifyRequest } from 'fastify';
import { timingSafeEqualText } from '../../crypto/timing-safe-equal.js';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether a request method can change something (and so needs the CSRF check when a cookie authenticates it). */
export function isUnsafeMethod(method: string): boolean {
  return UNSAFE_METHODS.has(method);
}

/**
 * The origins a browser may send from our own pages: PASSDROP_BASE_URL's origin when configured (a
 * proxy may rewrite Host, so the request's own host can differ from what the browser saw), and the
 * origin the request itself names (scheme from a trusted proxy, Host as received).
 */
export function ownOrigins(request: FastifyRequest, baseUrl: string | undefined): string[] {
  const origins = [`${request.protocol}://${request.host}`];
  if (baseUrl !== undefined) origins.push(new URL(baseUrl).origin);
  return origins;
}

/**
 * Cross-site request forgery: a cookie-authenticated request that changes something must come from our
 * own pages. Browsers say where a request comes from (`Sec-Fetch-Site`, `Origin`); on top of that the
 * page must echo a secret token (form field `_csrf` or header `X-CSRF-Token`) that another site cannot
 * read. As in the OWASP CSRF cheat sheet: fetch metadata first, then the origin, then the token.
 *
 * Pages say `Referrer-Policy: no-referrer`, so browsers send `Origin: null` on their own form posts:
 * only a real origin can be compared, and `null` defers to the token.
 */
export function csrfCheckPasses(request: FastifyRequest, expectedToken: string, allowedOrigins: readonly string[]): boolean {
  if (!crossSiteSignalsPass(request, allowedOrigins)) return false;
  const header = request.headers['x-csrf-token'];
  const body = request.body as Record<string, unknown> | null | undefined;
  const presented = typeof header === 'string' ? header : typeof body?._csrf === 'string' ? body._csrf : undefined;
  return presented !== undefined && timingSafeEqualText(presented, expectedToken);
}

/** The browser's own statement of where the request comes from: false when it names another site. */
export function crossSiteSignalsPass(request: FastifyRequest, allowedOrigins: readonly string[]): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = request.headers.origin;
  if (origin === undefined || origin === 'null') return true;
  let presented: string;
  try {
    presented = new URL(origin).origin;
  } catch {
    return false;
  }
  return allowedOrigins.some((allowed) => allowed.toLowerCase() === presented.toLowerCase());
}

/** Removes the `_csrf` field so that handlers and schemas never see it. */
export function stripCsrfField(request: FastifyRequest): void {
  const body = request.body as Record<string, unknown> | null | undefined;
  if (body && typeof body === 'object' && '_csrf' in body) delete body._csrf;
}

import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/**
 * The page CSP: nothing inline (no script, no style), nothing from another origin, no plugins, no
 * framing, forms post only to us.
 */
export const PAGE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join(';');

/**
 * Headers every response carries (and `cache-control: no-store`, set when the response is sent unless the
 * route chose its own caching, as static assets do). Secret links must never travel to another site in a
 * Referer header.
 */
const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
} as const;

/**
 * Headers for pages and everything else a browser may render (the web UI, the API documentation, error
 * and not-found pages): the set helmet's defaults give (OWASP Secure Headers), with our CSP and a
 * permissions policy that turns off the powerful features Passdrop never uses. HSTS is the proxy's job.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...COMMON_HEADERS,
  'content-security-policy': PAGE_CONTENT_SECURITY_POLICY,
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()',
});

/**
 * Headers for the two JSON APIs: what matters for JSON (OWASP REST Security Cheat Sheet: nosniff,
 * no-store, `frame-ancestors 'none'`), with a CSP that lets nothing run should a client ever render an
 * answer as a document. The page-only headers (COOP, permissions policy…) do nothing for JSON.
 */
export const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...COMMON_HEADERS,
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'x-frame-options': 'DENY',
});

const PAGE_ENTRIES = Object.entries(PAGE_HEADERS);
const API_ENTRIES = Object.entries(API_HEADERS);

/**
 * Sets the security headers in one synchronous `onRequest` hook from two frozen sets, computed once:
 * routes of the API surfaces get API_HEADERS, every other response (pages, documentation, health, not
 * found) the full PAGE_HEADERS; `cache-control: no-store` by default in one synchronous `onSend` hook. Replaces `@fastify/helmet`, which rebuilt and re-parsed the CSP on every
 * request (about 12 % of a create's CPU, issue 19). Also sets `x-request-id`.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', function securityHeaders(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    const surface = request.routeOptions.config?.surface;
    const entries = surface === 'passdrop-api' || surface === 'password-pusher-api' ? API_ENTRIES : PAGE_ENTRIES;
    for (let index = 0; index < entries.length; index += 1) reply.header(entries[index]![0], entries[index]![1]);
    reply.header('x-request-id', request.id);
    done();
  });
  // A route may set its caching on the reply or (@fastify/static's setHeaders) on the raw response.
  app.addHook('onSend', function noStoreByDefault(_request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) {
    if (!reply.hasHeader('cache-control') && !reply.raw.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}

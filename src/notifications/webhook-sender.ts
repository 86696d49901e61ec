import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isNonPublicAddress } from './address-guard.js';

/** One POST to a webhook URL. */
export interface WebhookPost {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Milliseconds for the whole exchange. */
  readonly timeoutMs: number;
  /** PASSDROP_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES. */
  readonly allowPrivateAddresses: boolean;
}

/**
 * The receiver's answer (2xx only counts as delivered), or why there was none. `response` is the start
 * of the answer's body (at most 500 characters).
 */
export type WebhookPostResult =
  | { readonly ok: true; readonly status: number; readonly response: string }
  | { readonly ok: false; readonly status: number | null; readonly error: string; readonly response: string | null };

const RESPONSE_KEPT = 500;

export class RefusedAddressError extends Error {
  readonly code = 'EREFUSEDADDRESS';
  constructor(readonly hostname: string, readonly address: string) {
    super(`${hostname} resolves to ${address}, a loopback, private or otherwise non-public address; webhooks may not reach it (PASSDROP_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES)`);
  }
}

/**
 * Resolves like dns.lookup, then refuses the connection when any address the name resolves to is
 * non-public. The socket connects to the address checked here, so a second resolution (DNS rebinding)
 * cannot slip another address in between.
 */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = allowPrivate ? undefined : addresses.find((entry) => isNonPublicAddress(entry.address));
      if (refused) return callback(new RefusedAddressError(hostname, refused.address), '', 0);
      if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      return callback(null, first.address, first.family);
    });
  };
}

/**
 * POSTs a webhook body. Redirects are not followed (a 3xx is a failed delivery), the URL's host is
 * checked after DNS resolution against the non-public ranges, and the whole exchange is bounded by
 * `timeoutMs`. Never throws: every failure is a value with a reason fit for the delivery log.
 */
export async function postWebhook(post: WebhookPost): Promise<WebhookPostResult> {
  let url: URL;
  try {
    url = new URL(post.url);
  } catch {
    return { ok: false, status: null, error: 'the URL is not valid', response: null };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, status: null, error: 'only http and https URLs are allowed', response: null };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Node connects to a literal address without a lookup, so literals are checked here.
  if (isIP(host) !== 0 && !post.allowPrivateAddresses && isNonPublicAddress(host)) {
    return { ok: false, status: null, error: new RefusedAddressError(host, host).message, response: null };
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: WebhookPostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const request = send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(post.body).toString(), 'user-agent': 'Passdrop-Webhooks/1', ...post.headers },
        lookup: guardedLookup(post.allowPrivateAddresses),
      },
      (response: IncomingMessage) => {
        let kept = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (kept.length < RESPONSE_KEPT) kept += chunk.slice(0, RESPONSE_KEPT - kept.length);
        });
        response.on('error', (error) => finish({ ok: false, status: response.statusCode ?? null, error: error.message, response: kept }));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) return finish({ ok: true, status, response: kept });
          const error = status >= 300 && status < 400 ? `redirect to ${response.headers.location ?? '?'} not followed` : `the receiver answered ${status}`;
          return finish({ ok: false, status, error, response: kept });
        });
      },
    );
    const timer = setTimeout(() => {
      request.destroy(new Error(`no answer within ${post.timeoutMs} ms`));
    }, post.timeoutMs);
    request.on('error', (error: Error & { code?: string }) => finish({ ok: false, status: null, error: error.message, response: null }));
    request.end(post.body);
  });
}

import { CliError, EXIT } from './exit-codes.js';

/** A request link taken apart: `https://host[/prefix]/req/TOKEN#FINGERPRINT` (docs/requests-encryption.md). */
export interface RequestLink {
  /** The server's base URL (scheme, host, port and any path prefix, no trailing slash). */
  readonly server: string;
  /** The request's link token (base64url). */
  readonly token: string;
  /** The public key's fingerprint after `#` (43 base64url characters), or undefined when the link has none. */
  readonly fingerprint: string | undefined;
}

const TOKEN = /^[A-Za-z0-9_-]{10,64}$/;

function parseUrl(text: string): URL | undefined {
  try {
    const url = new URL(text.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Parses a responder's link (`…/req/TOKEN#FINGERPRINT`); undefined for anything else. */
export function parseRequestLink(text: string): RequestLink | undefined {
  const url = parseUrl(text);
  const match = url && /^(.*?)\/req\/([^/]+)\/?$/.exec(url.pathname);
  if (!url || !match || !TOKEN.test(match[2]!)) return undefined;
  const fragment = url.hash.slice(1);
  return { server: `${url.origin}${match[1]!}`, token: match[2]!, fingerprint: fragment === '' ? undefined : fragment };
}

/**
 * What a requester may name a request by: its token, its request link (`…/req/TOKEN#…`), or its page
 * (`…/dashboard/requests/TOKEN`, with or without the requester key after `#key=`). The server is
 * undefined for a bare token. Throws a usage error for anything else.
 */
export function parseRequestReference(text: string): { server: string | undefined; token: string } {
  if (TOKEN.test(text.trim())) return { server: undefined, token: text.trim() };
  const link = parseRequestLink(text);
  if (link) return { server: link.server, token: link.token };
  const url = parseUrl(text);
  const page = url && /^(.*?)\/dashboard\/requests\/([^/]+)\/?$/.exec(url.pathname);
  if (url && page && TOKEN.test(page[2]!)) return { server: `${url.origin}${page[1]!}`, token: page[2]! };
  throw new CliError(`"${text}" is neither a request token nor a request link.`, EXIT.usage);
}

/**
 * The requester key from what a person pastes: the key itself (43 base64url characters) or the key
 * link the web and `passdrop request --show-key` give (`…/dashboard/requests/TOKEN#key=KEY`). Undefined
 * when the text is neither.
 */
export function requesterKeyFrom(text: string): string | undefined {
  const trimmed = text.trim();
  const fromLink = /#key=([^&\s]+)$/.exec(trimmed);
  const key = fromLink ? decodeURIComponent(fromLink[1]!) : trimmed;
  return /^[A-Za-z0-9_-]{43}$/.test(key) ? key : undefined;
}

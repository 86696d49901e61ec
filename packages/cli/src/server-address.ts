import { CliError, EXIT } from './exit-codes.js';

/**
 * A server's base URL in one form: scheme, host, port and any path prefix, without a trailing slash,
 * query or fragment (`https://secrets.example.com`, `https://example.com/passdrop`). Tokens in the
 * config are keyed by it, so a token is only ever sent to the server it was stored for.
 */
export function normalizeServerUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text.includes('://') ? text : `https://${text}`);
  } catch {
    throw new CliError(`"${text}" is not a server URL (for example https://secrets.example.com).`, EXIT.usage);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CliError(`The server URL must start with https:// or http:// (got ${url.protocol}).`, EXIT.usage);
  if (url.username || url.password) throw new CliError('Put no user name or password in the server URL; use passdrop login.', EXIT.usage);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** A secret link taken apart: the server it lives on, its token, and the key after # when there is one. */
export interface SecretLink {
  readonly server: string;
  readonly token: string;
  /** The end-to-end link secret (base64url after `#`), or undefined for server-encrypted links. */
  readonly linkSecret: string | undefined;
}

const TOKEN = /^[A-Za-z0-9_-]{6,64}$/;

/**
 * Parses `https://host[/prefix]/p/TOKEN[/r|/preview][.json][#LINK_SECRET]` (Passdrop and Password
 * Pusher links; Password Pusher's older `/f/` and `/r/` prefixes too). Returns undefined for text
 * that is not such a link.
 */
export function parseSecretLink(text: string): SecretLink | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const match = /^(.*?)\/(?:p|f|r)\/([^/]+?)(?:\.json)?(?:\/(?:r|preview)(?:\.json)?)?\/?$/.exec(url.pathname);
  if (!match || !TOKEN.test(match[2]!)) return undefined;
  const fragment = url.hash.slice(1);
  return { server: `${url.origin}${match[1]!}`, token: match[2]!, linkSecret: fragment === '' ? undefined : fragment };
}

/** Whether text is a bare push token (what `audit` and `expire` accept besides a link). */
export function isPushToken(text: string): boolean {
  return TOKEN.test(text);
}

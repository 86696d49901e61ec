/** Query parameters whose values are safe to keep in logs; every other value is replaced. */
const LOGGABLE_QUERY_PARAMETERS = new Set(['page', 'locale', 'tab', 'filter', 'kind']);

/** Path segments this long are link tokens (bearer secrets): only a short prefix is kept for correlation. */
const TOKEN_SEGMENT = /^[A-Za-z0-9_-]{20,}(\.json)?$/;

/**
 * Makes a request URL safe to log: link tokens in the path are shortened, and query values other than a
 * few harmless ones (page, locale…) are replaced, so `?passphrase=` can never reach a log.
 *
 * @example redactUrl('/p/AbCdEfGhIjKlMnOpQrStUv.json?passphrase=x') // '/p/AbCd….json?passphrase=[redacted]'
 */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  const path = queryStart < 0 ? url : url.slice(0, queryStart);
  const redactedPath = path
    .split('/')
    .map((segment) => (TOKEN_SEGMENT.test(segment) ? `${segment.slice(0, 4)}…${segment.endsWith('.json') ? '.json' : ''}` : segment))
    .join('/');
  if (queryStart < 0) return redactedPath;
  const query = url
    .slice(queryStart + 1)
    .split('&')
    .map((pair) => {
      const [name = ''] = pair.split('=', 1);
      return LOGGABLE_QUERY_PARAMETERS.has(safeDecode(name)) ? pair : `${name}=[redacted]`;
    })
    .join('&');
  return `${redactedPath}?${query}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

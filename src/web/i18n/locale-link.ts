/** The query parameter that sets a page's language (`?locale=pt-BR`), as on Password Pusher's links. */
export const LOCALE_PARAMETER = 'locale';

/**
 * A link that opens in the recipient's language: `?locale=<code>` set before the fragment (an
 * end-to-end link's key stays where it is), replacing a locale the link had. `undefined` leaves the
 * link as it is, so the recipient's browser chooses.
 *
 * @example linkInLanguage('https://s.example/p/abc#k=xyz', 'pt-BR') // 'https://s.example/p/abc?locale=pt-BR#k=xyz'
 */
export function linkInLanguage(link: string, locale: string | undefined): string {
  if (locale === undefined || locale === '') return link;
  const hashAt = link.indexOf('#');
  const head = hashAt === -1 ? link : link.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : link.slice(hashAt);
  const queryAt = head.indexOf('?');
  const path = queryAt === -1 ? head : head.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? '' : head.slice(queryAt + 1));
  query.set(LOCALE_PARAMETER, locale);
  return `${path}?${query.toString()}${fragment}`;
}

/** A link without its `?locale=` (for comparing a link a sender pasted with the push's own). */
export function linkWithoutLanguage(link: string): string {
  const hashAt = link.indexOf('#');
  const head = hashAt === -1 ? link : link.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : link.slice(hashAt);
  const queryAt = head.indexOf('?');
  if (queryAt === -1) return link;
  const query = new URLSearchParams(head.slice(queryAt + 1));
  query.delete(LOCALE_PARAMETER);
  const rest = query.toString();
  return `${head.slice(0, queryAt)}${rest === '' ? '' : `?${rest}`}${fragment}`;
}

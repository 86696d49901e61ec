import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AssetManifest } from '../../web/asset-manifest.js';
import { chooseLanguage, LANGUAGE_COOKIE, resolveLanguage, textDirection } from '../../web/i18n/languages.js';
import type { LanguageCode } from '../../web/i18n/languages.js';
import type { Translate } from '../../web/i18n/translator.js';
import type { Brand, PageContext } from '../../web/layout.js';
import type { CookieScope } from './web-session.js';

export type PageContextFactory = (request: FastifyRequest, reply: FastifyReply) => PageContext;

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(rest.join('='));
    } catch {
      // A malformed cookie (`passdrop_locale=%`) counts as no choice.
      return undefined;
    }
  }
  return undefined;
}

/**
 * Builds each page's context: the language (from ?locale=, the cookie, Accept-Language), its
 * translations and direction, the signed-in account and the site's paths. Choosing a language with
 * ?locale= remembers it in a cookie for a year.
 */
export function createPageContextFactory(deps: {
  translations: (code: LanguageCode) => Translate;
  assets: AssetManifest;
  brand: Brand;
  cookies: CookieScope;
  path: (path: string) => string;
  /** The public URL of the site root (SiteAddress.publicUrl), for the host recipients are shown. */
  publicUrl?: (request: FastifyRequest) => string;
  basePath?: string;
}): PageContextFactory {
  const cookieAttributes = `Path=${deps.cookies.path}; Max-Age=31536000; SameSite=Lax${deps.cookies.secure ? '; Secure' : ''}`;
  return (request, reply) => {
    const query = (request.query as Record<string, unknown> | undefined)?.locale;
    const lang = chooseLanguage({
      query: typeof query === 'string' ? query : undefined,
      cookie: cookieValue(request.headers.cookie, LANGUAGE_COOKIE),
      acceptLanguage: request.headers['accept-language'],
    });
    if (typeof query === 'string' && resolveLanguage(query) === lang) {
      reply.header('set-cookie', `${LANGUAGE_COOKIE}=${lang}; ${cookieAttributes}`);
    }
    reply.header('vary', 'Accept-Language, Cookie');
    const account =
      request.session && request.sessionUser
        ? {
            email: request.sessionUser.email,
            admin: request.sessionUser.admin,
            csrfToken: request.session.csrfToken,
            // Fully signed in: the second factor is given (and, under require_mfa, set up).
            signedIn: request.authentication.kind === 'account',
            unreadReceipts: request.unreadReceipts,
          }
        : null;
    const pathname = request.url.split('?')[0] ?? '/';
    const currentPath = deps.basePath && pathname.startsWith(deps.basePath) ? pathname.slice(deps.basePath.length) || '/' : pathname;
    let host: string | undefined;
    try {
      host = deps.publicUrl ? new URL(deps.publicUrl(request)).host : undefined;
    } catch {
      host = undefined;
    }
    return { t: deps.translations(lang), translate: deps.translations, path: deps.path, lang, dir: textDirection(lang), assets: deps.assets, brand: deps.brand, account, host, currentPath };
  };
}

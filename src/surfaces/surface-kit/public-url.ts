import type { FastifyRequest } from 'fastify';
import { AppError } from '../../errors/app-error.js';

/**
 * Where the site lives, for every link, redirect, form action, asset and cookie it produces.
 *
 * `basePath` is '' at the root or '/secrets' under a sub-path (from PASSDROP_BASE_URL). The proxy in front
 * must pass the path through unchanged (`/secrets/p/…` reaches Passdrop as `/secrets/p/…`); a proxy that
 * strips the prefix is not supported, and such requests get a 404 that says so.
 *
 * Host-header poisoning: a link built from the request's Host points wherever the sender of the request
 * says. So links that leave the request (emails, anything stored or sent later) come only from
 * PASSDROP_BASE_URL (`configuredUrl`; the configuration requires it when SMTP is on), and links in the
 * immediate response are built from the request only when its host is on the allowed list.
 */
export interface SiteAddress {
  readonly basePath: string;
  /** PASSDROP_BASE_URL without its trailing slash, when configured: the only source of links that leave the request. */
  readonly configuredUrl: string | undefined;
  /**
   * The public URL of the site root for links in the immediate response, without a trailing slash:
   * PASSDROP_BASE_URL when configured, else the request's scheme and host (X-Forwarded-Proto/-Host believed
   * only from TRUSTED_PROXIES; RFC 7239 `Forwarded` never) plus the base path.
   *
   * @throws AppError HOST_NOT_ALLOWED (400) when the request's host is not in PASSDROP_ALLOWED_HOSTS.
   * @example site.publicUrl(request) // 'https://secrets.example.com/secrets'
   */
  publicUrl(request: Pick<FastifyRequest, 'protocol' | 'host'>): string;
  /** A site-absolute path with the base path in front: path('/account') === '/secrets/account'. */
  path(path: string): string;
}

/**
 * Whether `host` (a request's Host, `name` or `name:port`) is on the allowed list: an entry without a
 * port allows the name on any port; matching ignores case. An empty list allows any host.
 */
export function isAllowedHost(host: string, allowedHosts: readonly string[]): boolean {
  if (allowedHosts.length === 0) return true;
  const presented = host.toLowerCase();
  const name = presented.replace(/:\d+$/, '');
  return allowedHosts.some((allowed) => allowed === presented || allowed === name);
}

export function createSiteAddress(server: {
  readonly baseUrl: string | undefined;
  readonly basePath: string;
  readonly allowedHosts?: readonly string[];
}): SiteAddress {
  const { baseUrl, basePath } = server;
  const allowedHosts = server.allowedHosts ?? [];
  return {
    basePath,
    configuredUrl: baseUrl,
    publicUrl(request) {
      if (baseUrl !== undefined) return baseUrl;
      if (!isAllowedHost(request.host, allowedHosts)) throw new AppError('HOST_NOT_ALLOWED');
      return `${request.protocol}://${request.host}${basePath}`;
    },
    path: (path) => `${basePath}${path}`,
  };
}

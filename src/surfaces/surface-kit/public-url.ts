import type { FastifyRequest } from 'fastify';

/**
 * Where the site lives, for every link, redirect, form action, asset and cookie it produces.
 *
 * `basePath` is '' at the root or '/secrets' under a sub-path (from PASSDROP_BASE_URL). The proxy in front
 * must pass the path through unchanged (`/secrets/p/…` reaches Passdrop as `/secrets/p/…`); a proxy that
 * strips the prefix is not supported, and such requests get a 404 that says so.
 */
export interface SiteAddress {
  readonly basePath: string;
  /** PASSDROP_BASE_URL without its trailing slash, when configured. */
  readonly configuredUrl: string | undefined;
  /**
   * The public URL of the site root, without a trailing slash: PASSDROP_BASE_URL when configured, else the
   * request's scheme and host (X-Forwarded-Proto/-Host believed only from TRUSTED_PROXIES) plus the base path.
   *
   * @example site.publicUrl(request) // 'https://secrets.example.com/secrets'
   */
  publicUrl(request: Pick<FastifyRequest, 'protocol' | 'host'>): string;
  /** A site-absolute path with the base path in front: path('/account') === '/secrets/account'. */
  path(path: string): string;
}

export function createSiteAddress(server: { readonly baseUrl: string | undefined; readonly basePath: string }): SiteAddress {
  const { baseUrl, basePath } = server;
  return {
    basePath,
    configuredUrl: baseUrl,
    publicUrl: (request) => baseUrl ?? `${request.protocol}://${request.host}${basePath}`,
    path: (path) => `${basePath}${path}`,
  };
}

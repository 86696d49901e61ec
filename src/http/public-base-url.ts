import type { FastifyRequest } from 'fastify';

/**
 * The scheme and host that links should use: PASSDROP_BASE_URL when configured, else the request's own,
 * where Fastify believes X-Forwarded-Proto/-Host only from TRUSTED_PROXIES.
 *
 * @example publicBaseUrl(request, undefined) // 'https://secrets.example.com'
 */
export function publicBaseUrl(request: Pick<FastifyRequest, 'protocol' | 'host'>, configured: string | undefined): string {
  return configured ?? `${request.protocol}://${request.host}`;
}

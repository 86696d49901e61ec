import type { FastifyRequest } from 'fastify';

/**
 * API requests get JSON errors; everything else (a person's browser) gets an HTML page. An API request
 * is one under /api/, one for a `.json` path, or one that asks for JSON and not for HTML.
 */
export function isApiRequest(request: Pick<FastifyRequest, 'url' | 'headers'>): boolean {
  const path = request.url.split('?', 1)[0] ?? '';
  if (path.startsWith('/api/') || path === '/api' || path.endsWith('.json')) return true;
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

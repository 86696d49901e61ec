import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { timingSafeEqualText } from '../crypto/timing-safe-equal.js';
import type { PassdropMetrics } from '../metrics/passdrop-metrics.js';

/** The metrics listener: its address, and how to stop it. */
export interface MetricsServer {
  /** e.g. http://127.0.0.1:9464 */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text format) on a port of its own, apart from the public one, so a
 * proxy or ingress in front of Passdrop never exposes it. With a token, only `Authorization: Bearer TOKEN`
 * (compared in constant time) gets the metrics; anything else gets 401. Every other path is 404.
 */
export async function startMetricsServer(metrics: PassdropMetrics, options: { port: number; host: string; token: string | undefined }): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: metrics are at /metrics.\n');
      return;
    }
    if (options.token !== undefined) {
      const presented = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
      if (!timingSafeEqualText(presented, options.token)) {
        response.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="metrics"' }).end('Send the metrics token as Authorization: Bearer TOKEN.\n');
        return;
      }
    }
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' }).end(request.method === 'HEAD' ? undefined : text),
      () => response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('The metrics could not be collected.\n'),
    );
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

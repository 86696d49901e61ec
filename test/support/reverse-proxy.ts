import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReverseProxy {
  /** e.g. http://localhost:41234 — the public origin browsers and clients use. */
  readonly origin: string;
  /** Where requests go; set once the server behind it listens (its port is not known before). */
  target: string | undefined;
  /** How many requests it passed on. */
  forwarded: number;
  close(): Promise<void>;
}

/**
 * A small reverse proxy for tests, like a load balancer or ingress in front of Passdrop: it passes the
 * path through unchanged but rewrites `Host` to the upstream's own (as many proxies do by default), so
 * the server never sees the host the browser used. Listens on localhost, on a free port.
 */
export async function startReverseProxy(): Promise<ReverseProxy> {
  const proxy: ReverseProxy = {
    origin: '',
    target: undefined,
    forwarded: 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((incoming, outgoing) => {
    if (!proxy.target) {
      outgoing.writeHead(502).end('no upstream yet');
      return;
    }
    const upstream = new URL(proxy.target);
    proxy.forwarded += 1;
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: upstream.host },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', () => outgoing.writeHead(502).end('upstream failed'));
    incoming.pipe(forward);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(proxy, { origin: `http://localhost:${(server.address() as AddressInfo).port}` });
  return proxy;
}

import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the server that, once armed with a byte budget, forwards that many more bytes
 * from the client and then cuts the connection both ways: a dropped connection in the middle of a request.
 */
export interface CuttingProxy {
  readonly url: string;
  /** Forwards `bytes` more bytes from clients, then cuts that connection both ways (once). */
  cutAfter(bytes: number): void;
  /**
   * Forwards `bytes` more bytes from clients, then silently drops the rest of that connection's bytes, so
   * the client waits for an answer that never comes (once; later connections pass). When that client goes
   * away, the server's side is cut.
   */
  stallAfter(bytes: number): void;
  /** Bytes forwarded from clients to the server so far. */
  readonly forwarded: number;
  stop(): Promise<void>;
}

export async function startCuttingProxy(target: URL): Promise<CuttingProxy> {
  let forwarded = 0;
  let budget = Number.POSITIVE_INFINITY;
  let stall = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    const close = () => {
      client.destroy();
      upstream.end();
    };
    let stalled = false;
    client.on('data', (chunk: Buffer) => {
      if (stalled) return;
      if (budget === Number.POSITIVE_INFINITY) {
        forwarded += chunk.length;
        upstream.write(chunk);
        return;
      }
      const allowed = Math.max(0, Math.min(chunk.length, budget));
      budget -= allowed;
      forwarded += allowed;
      if (allowed > 0) upstream.write(chunk.subarray(0, allowed));
      if (budget <= 0) {
        budget = Number.POSITIVE_INFINITY;
        if (stall) {
          stalled = true;
          stall = false;
          client.on('close', () => upstream.destroy());
        } else close();
      }
    });
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    cutAfter(bytes) {
      budget = bytes;
      stall = false;
    },
    stallAfter(bytes) {
      budget = bytes;
      stall = true;
    },
    get forwarded() {
      return forwarded;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from '../support/each-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** A generous bound: the server is set to cut at 2 s (checked each second); anything under this passes. */
const CUT_BEFORE_MS = 15_000;

interface TrickleOutcome {
  /** What the server sent before closing (a 408 status line, or nothing). */
  readonly received: string;
  /** Whether the server closed the connection while the client was still trickling. */
  readonly cutByServer: boolean;
}

/**
 * Opens a raw socket, sends `opening`, then one byte of `trickle` every 200 ms until the server closes
 * the connection or the bound passes (then the client gives up: the attack was not stopped).
 */
function trickle(url: string, opening: string, trickleText: string): Promise<TrickleOutcome> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket: Socket = connect(Number(port), hostname);
    let received = '';
    let index = 0;
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => finish(false), CUT_BEFORE_MS);
    const finish = (cutByServer: boolean) => {
      clearTimeout(giveUp);
      clearInterval(timer);
      socket.destroy();
      resolve({ received, cutByServer });
    };
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      socket.write(opening);
      timer = setInterval(() => {
        if (socket.destroyed || socket.writableEnded) return;
        socket.write(trickleText[index % trickleText.length] ?? 'a');
        index += 1;
      }, 200);
    });
  });
}

describeEachDatabase('Slow clients', (fixture) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(fixture.database, {
      env: {
        PASSDROP_REQUEST_TIMEOUT_SECONDS: '2',
        PASSDROP_HEADERS_TIMEOUT_SECONDS: '2',
        PASSDROP_CONNECTION_CHECK_SECONDS: '1',
      },
    });
  });
  after(() => server.stop());

  it('cuts a client that trickles its request body a byte at a time', async () => {
    const host = new URL(server.url).host;
    const outcome = await trickle(
      server.url,
      `POST /p.json HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"password":{"payload":"`,
      'abcdefgh',
    );
    assert.equal(outcome.cutByServer, true, 'the server kept a trickled body open past the bound');
    assert.doesNotMatch(outcome.received, /HTTP\/1\.1 2\d\d/);
  });

  it('cuts a client that trickles its request headers', async () => {
    const outcome = await trickle(server.url, 'GET /up HTTP/1.1\r\nHost: x\r\nX-Slow: ', 'abcdefgh');
    assert.equal(outcome.cutByServer, true, 'the server kept trickled headers open past the bound');
    assert.doesNotMatch(outcome.received, /HTTP\/1\.1 2\d\d/);
  });

  it('still serves a client that sends promptly', async () => {
    const response = await server.fetch('/up');
    assert.equal(response.status, 200);
  });
});

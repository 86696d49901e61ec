// The yardstick for file transfers: a bare node:http server that streams a PUT body to a file on disk and
// a GET back from it, with nothing else (no framing, no encryption, no database).
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const directory = mkdtempSync(join(tmpdir(), 'passdrop-bench-bare-'));
const path = join(directory, 'file.bin');

const server = createServer(async (request, response) => {
  try {
    if (request.method === 'PUT') {
      await pipeline(request, createWriteStream(path));
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ received: statSync(path).size }));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(statSync(path).size) });
    await pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), response);
  } catch (error) {
    if (!response.headersSent) response.writeHead(500);
    response.end(String(error));
  }
});
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: `http://127.0.0.1:${server.address().port}` }));
});
process.on('SIGTERM', () => server.close(() => {
  rmSync(directory, { recursive: true, force: true });
  process.exit(0);
}));

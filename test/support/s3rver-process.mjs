// Runs s3rver (a real S3-compatible HTTP server keeping objects on disk) in its own process for the tests:
// `node --openssl-legacy-provider test/support/s3rver-process.mjs <directory> <bucket>` listens on 127.0.0.1,
// a random port, prints {"port":N} on one line, and runs until SIGTERM. The legacy provider is for s3rver's
// continuation tokens, which it encrypts with DES.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver');
const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on('SIGTERM', () => {
  server.close().then(() => process.exit(0));
});

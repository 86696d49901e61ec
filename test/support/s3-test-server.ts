import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { S3BlobStoreOptions } from '../../src/files/s3-blob-store.js';

export interface TestS3Server {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  readonly bucket: string;
  /** Where s3rver keeps the bucket's objects, for tests that look at what is left. */
  readonly directory: string;
  /** Options for createS3BlobStore against this server (path-style, s3rver's fixed credentials). */
  storeOptions(prefix?: string): S3BlobStoreOptions;
  /** The environment that points a Passdrop server's file storage at this bucket. */
  passdropEnvironment(): Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts s3rver in a child process on 127.0.0.1, a random port, with one empty bucket in a fresh temporary
 * directory. Its own process keeps its memory out of the tests' figures, as a real S3 server would be.
 */
export async function startTestS3Server(bucket = 'passdrop-test'): Promise<TestS3Server> {
  const directory = mkdtempSync(join(tmpdir(), 'passdrop-s3-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', 'test/support/s3rver-process.mjs', directory, bucket], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code} before listening`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    directory,
    storeOptions: (prefix = '') => ({
      bucket,
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      prefix,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    }),
    passdropEnvironment: () => ({
      PASSDROP_FILE_STORAGE: 's3',
      PASSDROP_S3_BUCKET: bucket,
      PASSDROP_S3_ENDPOINT: endpoint,
      PASSDROP_S3_FORCE_PATH_STYLE: 'true',
      PASSDROP_S3_ACCESS_KEY_ID: 'S3RVER',
      PASSDROP_S3_SECRET_ACCESS_KEY: 'S3RVER',
    }),
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

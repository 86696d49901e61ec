import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BlobStore } from '../../src/files/blob-store.js';

/**
 * Every stored blob's key, sorted: the bucket listed through the S3 API when `bucket` is given, otherwise
 * the files (relative paths) under `<dataDir>/files`, where the disk store keeps them. Empty when the
 * directory does not exist yet.
 */
export async function listStoredBlobs(dataDir: string, bucket?: BlobStore): Promise<string[]> {
  if (bucket) {
    const keys: string[] = [];
    for await (const blob of bucket.list('')) keys.push(blob.key);
    return keys.sort();
  }
  const root = join(dataDir, 'files');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true })
    .map(String)
    .filter((entry) => statSync(join(root, entry)).isFile())
    .sort();
}

/** Polls `condition` every 100 ms until it holds; fails the test after `milliseconds` (default 15 s) naming `what`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, milliseconds = 15_000): Promise<void> {
  const deadline = Date.now() + milliseconds;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

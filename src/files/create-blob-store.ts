import { join } from 'node:path';
import type { FileStorageConfig } from '../config/load-config.js';
import type { BlobStore } from './blob-store.js';
import { createDiskBlobStore } from './disk-blob-store.js';

/**
 * The blob store PASSDROP_FILE_STORAGE names: `disk` keeps blobs under PASSDROP_DATA_DIR/files (one
 * process, or several sharing that directory on one machine); `s3` keeps them in an S3-compatible bucket
 * (any number of processes and machines). The S3 backend, and the AWS SDK with it, is loaded only when
 * chosen.
 *
 * @example const store = await createBlobStore(config.fileStorage, config.dataDir);
 */
export async function createBlobStore(storage: FileStorageConfig, dataDir: string): Promise<BlobStore> {
  switch (storage.kind) {
    case 'disk':
      return createDiskBlobStore(join(dataDir, 'files'));
    case 's3': {
      const { createS3BlobStore } = await import('./s3-blob-store.js');
      return createS3BlobStore(storage);
    }
  }
}

/**
 * The same store, opened on first use (so an app that never touches a file, such as the OpenAPI generator,
 * creates no directory and no connection). Closing a store never opened does nothing.
 */
export function lazyBlobStore(storage: FileStorageConfig, dataDir: string): BlobStore {
  let opened: Promise<BlobStore> | undefined;
  const store = () => (opened ??= createBlobStore(storage, dataDir));
  return {
    kind: storage.kind,
    put: async (key, body, options) => (await store()).put(key, body, options),
    get: async (key, range) => (await store()).get(key, range),
    stat: async (key) => (await store()).stat(key),
    delete: async (key) => (await store()).delete(key),
    async *list(prefix) {
      yield* (await store()).list(prefix);
    },
    sweepIncomplete: async (olderThan) => (await store()).sweepIncomplete(olderThan),
    async close() {
      if (opened) await (await opened).close();
    },
  };
}

/** The directory whose disk holds the blobs with disk storage (for the free-space floor); undefined for S3. */
export function blobDiskDirectory(storage: FileStorageConfig, dataDir: string): string | undefined {
  return storage.kind === 'disk' ? join(dataDir, 'files') : undefined;
}

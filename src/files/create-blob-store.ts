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

import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The refusal of an upload under the free-disk floor (PASSDROP_FILE_MIN_FREE_DISK_MIB): 507 Insufficient Storage (RFC 4918 §11.5). */
export const INSUFFICIENT_STORAGE = {
  limit: 'insufficient_storage',
  status: 507,
  message: 'The server is running out of storage space and cannot take this upload now. Try again later or send smaller files.',
} as const;

/**
 * Bytes free for an unprivileged writer on the disk that holds `directory`, or undefined when there is no
 * floor to check (no disk directory: S3 storage; or a floor of 0). Before the first upload the directory
 * may not exist yet, nor its parent (the data directory holds no database file with PostgreSQL): the
 * nearest existing ancestor is on the same disk.
 */
export async function freeDiskBytes(directory: string | undefined, minFreeDiskBytes: number): Promise<number | undefined> {
  if (directory === undefined || minFreeDiskBytes === 0) return undefined;
  for (;;) {
    try {
      const stats = await statfs(directory);
      return Number(stats.bavail) * Number(stats.bsize);
    } catch (error) {
      const parent = dirname(directory);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === directory) throw error;
      directory = parent;
    }
  }
}

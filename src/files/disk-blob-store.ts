import { randomBytes } from 'node:crypto';
import { mkdir, open, opendir, readdir, rename, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { checkBlobKey, checkBlobPrefix, checkBlobRange, chunksOf, type BlobBody, type BlobInfo, type BlobKey, type BlobRange, type BlobRead, type BlobStore, type PutOptions } from './blob-store.js';

/** Bytes read from disk per chunk of a get. */
const READ_CHUNK = 256 * 1024;
const TEMPORARY_SUFFIX = '.part';

/**
 * Blobs as files under `directory` (by default PASSDROP_DATA_DIR/files):
 *
 *   <directory>/blobs/<key>            complete blobs, mode 0600, one directory level per key segment
 *   <directory>/incoming/<random>.part puts under way
 *
 * A put writes to a temporary file, fsyncs it, renames it into place and fsyncs the directory, so a blob is
 * either wholly there or absent, even across a crash. Both folders are on the same file system by
 * construction, which rename needs.
 *
 * @example const store = await createDiskBlobStore(join(config.dataDir, 'files'));
 */
export async function createDiskBlobStore(directory: string): Promise<BlobStore> {
  const blobs = join(directory, 'blobs');
  const incoming = join(directory, 'incoming');
  await mkdir(blobs, { recursive: true, mode: 0o700 });
  await mkdir(incoming, { recursive: true, mode: 0o700 });
  const pathOf = (key: BlobKey) => {
    checkBlobKey(key);
    return join(blobs, ...key.split('/'));
  };

  async function put(key: BlobKey, body: BlobBody, options: PutOptions = {}): Promise<BlobInfo> {
    const target = pathOf(key);
    const temporary = join(incoming, `${randomBytes(16).toString('hex')}${TEMPORARY_SUFFIX}`);
    const handle = await open(temporary, 'wx', 0o600);
    let closed = false;
    try {
      let size = 0;
      for await (const chunk of chunksOf(body, options.signal)) {
        await writeAll(handle, chunk);
        size += chunk.length;
      }
      options.signal?.throwIfAborted();
      await handle.sync();
      const { mtime } = await handle.stat();
      await handle.close();
      closed = true;
      await renameIntoPlace(temporary, target);
      return { key, size, modifiedAt: mtime };
    } catch (error) {
      if (!closed) await handle.close().catch(() => undefined);
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
  }

  async function get(key: BlobKey, range?: BlobRange): Promise<BlobRead | undefined> {
    checkBlobRange(range);
    let handle: FileHandle;
    try {
      handle = await open(pathOf(key), 'r');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    try {
      // The open handle keeps the bytes readable even if the blob is deleted meanwhile.
      const info = await handle.stat();
      if (!info.isFile()) {
        // A directory: the key is only the prefix of other keys.
        await handle.close();
        return undefined;
      }
      const { size } = info;
      const offset = range?.offset ?? 0;
      if (range !== undefined && offset >= size) throw new RangeError(`range offset ${offset} is not below the blob's size ${size}`);
      const length = Math.min(size - offset, range?.length ?? Number.MAX_SAFE_INTEGER);
      return { body: fileStream(handle, offset, length), size, length };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async function statBlob(key: BlobKey): Promise<BlobInfo | undefined> {
    try {
      const info = await stat(pathOf(key));
      return info.isFile() ? { key, size: info.size, modifiedAt: info.mtime } : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async function deleteBlob(key: BlobKey): Promise<void> {
    const path = pathOf(key);
    try {
      await unlink(path);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    await removeEmptyParents(dirname(path), blobs);
  }

  function list(prefix: string): AsyncIterable<BlobInfo> {
    checkBlobPrefix(prefix);
    return listUnder(prefix);
  }

  async function* listUnder(prefix: string): AsyncGenerator<BlobInfo> {
    // Only the directory the prefix's complete segments name is walked.
    const start = prefix.includes('/') ? join(blobs, ...prefix.slice(0, prefix.lastIndexOf('/')).split('/')) : blobs;
    for await (const path of walk(start)) {
      const key = relative(blobs, path).split(sep).join('/');
      if (!key.startsWith(prefix)) continue;
      const info = await statBlob(key);
      if (info) yield info;
    }
  }

  async function sweepIncomplete(olderThan: Date): Promise<number> {
    let removed = 0;
    for (const name of await readdir(incoming)) {
      if (!name.endsWith(TEMPORARY_SUFFIX)) continue;
      const path = join(incoming, name);
      try {
        if ((await stat(path)).mtime < olderThan) {
          await unlink(path);
          removed += 1;
        }
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    }
    return removed;
  }

  return { kind: 'disk', put, get, stat: statBlob, delete: deleteBlob, list, sweepIncomplete, close: async () => undefined };
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

/**
 * Renames the finished temporary file to its key's path and fsyncs the directory. A concurrent delete may
 * remove an emptied parent directory between our mkdir and rename, so that is retried.
 */
async function renameIntoPlace(temporary: string, target: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    try {
      await rename(temporary, target);
      break;
    } catch (error) {
      if (!isMissing(error) || attempt === 5) throw error;
    }
  }
  const directory = await open(dirname(target), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/** Removes `directory` and its parents while they are empty, stopping at `root`. */
async function removeEmptyParents(directory: string, root: string): Promise<void> {
  let current = directory;
  while (current !== root && current.startsWith(root + sep)) {
    try {
      await rmdir(current);
    } catch {
      // Not empty, already gone, or busy: leave it.
      return;
    }
    current = dirname(current);
  }
}

/** Every regular file under `directory`, depth first; nothing when it does not exist. */
async function* walk(directory: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await opendir(directory);
  } catch (error) {
    if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
    throw error;
  }
  for await (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

/** `length` bytes from `offset` of an open file, read as the consumer pulls; closes the file at the end. */
function fileStream(handle: FileHandle, offset: number, length: number): ReadableStream<Uint8Array> {
  let position = offset;
  const end = offset + length;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (position >= end) {
          await close();
          controller.close();
          return;
        }
        const buffer = new Uint8Array(Math.min(READ_CHUNK, end - position));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) throw new Error('the blob ended before its recorded size');
        position += bytesRead;
        controller.enqueue(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
      } catch (error) {
        await close().catch(() => undefined);
        throw error;
      }
    },
    cancel: close,
  });
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

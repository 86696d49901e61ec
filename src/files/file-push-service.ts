/**
 * File pushes (docs/file-pushes.md): uploads streamed into the blob store, the push created with its files
 * in one transaction, views that open a download window, downloads, and the deletion of blobs.
 *
 * What a view buys: the view that the push service counts (atomically: one conditional UPDATE, so a 1-view
 * push is revealed to exactly one of any number of simultaneous viewers, across processes) reveals the
 * message and the list of files, and opens a download window of PASSDROP_FILE_DOWNLOAD_WINDOW_MINUTES: a
 * random grant (256 bits, stored as its SHA-256 digest) that makes every file of the push downloadable,
 * any number of times, until the window ends. The blobs stay until the last view's window ends; expiring
 * the push any other way (time, owner or viewer deletion, passphrase lock) closes every window at once and
 * deletes the blobs.
 */
import { decideAccess, type AccessDecision, type AccessPolicy, type Authentication, actingUser } from '../accounts/access-policy.js';
import type { FilePushPolicy } from '../config/file-push-settings.js';
import type { MasterKeyRing } from '../crypto/master-key-ring.js';
import { sealEnvelope } from '../crypto/envelope.js';
import { randomToken } from '../crypto/random-token.js';
import { encryptedLength } from '../crypto/stream/record-stream.js';
import { tokenDigest } from '../crypto/token-digest.js';
import type { AuditStore } from '../pushes/audit-store.js';
import type { AuditContext } from '../pushes/push-record.js';
import type { CreateContext, CreatePushInput, CreatePushResult, PushService, RetrieveResult, RevealCredentials, Viewer, ViewerDeleteResult } from '../pushes/push-service.js';
import { sweepBlobs, toReadableStream, type BlobBody, type BlobStore } from './blob-store.js';
import { getDecryptedBlob, putEncryptedBlob } from './encrypted-blob.js';
import { fileKeyField, newFileDataKey, openFileDataKey } from './file-data-key.js';
import { UploadTakenError, type FileUploadStore } from './file-upload-store.js';
import { uploadKeyContext } from './file-upload-service.js';
import type { NewPushFile, PushFileRecord, PushFileStore } from './push-file-store.js';
import { freeDiskBytes, INSUFFICIENT_STORAGE } from './free-disk.js';

/** Why an upload was stopped: a size limit, the account's quota (413), or the disk's free-space floor (507). */
export type UploadLimit = 'file_too_large' | 'push_too_large' | 'too_many_files' | 'quota_exceeded' | 'insufficient_storage';

/** A refused or stopped upload, in words a person understands. */
export interface UploadRefusal {
  readonly limit: UploadLimit;
  /** 413, or 507 for the free-disk floor. */
  readonly status: 413 | 507;
  readonly message: string;
}

/** Thrown through an upload's stream when it passes a limit; `addFile` turns it into a refusal. */
export class UploadLimitError extends Error {
  constructor(readonly refusal: UploadRefusal) {
    super(refusal.message);
    this.name = 'UploadLimitError';
  }
}

/** A file as it arrives: what the client said about it and its bytes (plaintext: the server encrypts it). */
export interface IncomingFile {
  /** The client's file name; only its last path segment is kept, at most 255 characters. */
  readonly filename: string;
  readonly contentType: string;
  readonly body: BlobBody;
}

/** A file push being uploaded: files are added one by one, then the push is created, or all is deleted. */
export interface FileUpload {
  /** The link token the push will have (the blobs and wrapped keys are bound to it). */
  readonly token: string;
  /** Streams a file into the blob store; a refusal leaves nothing of that file behind. */
  addFile(file: IncomingFile): Promise<{ ok: true } | { ok: false; refusal: UploadRefusal }>;
  /** How many files were added. */
  readonly fileCount: number;
  /** Creates the push with the files added; on any failure deletes them. */
  finish(input: Omit<CreatePushInput, 'files' | 'kind'>, context: CreateContext): Promise<CreatePushResult>;
  /** Deletes every blob written so far (a refused or failed request). */
  abandon(): Promise<void>;
}

export type StartUploadResult =
  | { ok: true; upload: FileUpload }
  | { ok: false; refused: Extract<AccessDecision, { ok: false }>['reason'] }
  | { ok: false; refusal: UploadRefusal };

/** A file as a view lists it. */
export interface ListedFile {
  readonly position: number;
  /** '' for end-to-end files (the name is inside `sealedMetadata`). */
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  readonly sealedMetadata: Buffer | null;
}

/** What a view of a file push opens: its files, downloadable with `grant` until `expiresAt`. */
export interface DownloadWindow {
  readonly grant: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
  readonly files: readonly ListedFile[];
}

export interface FileRetrieveResult {
  readonly result: RetrieveResult;
  /** Set when the result revealed a file push. */
  readonly downloads: DownloadWindow | undefined;
}

export type DownloadResult =
  | { ok: true; file: ListedFile; body: ReadableStream<Uint8Array>; endToEnd: boolean }
  | { ok: false; reason: 'not_found' };

/** A file of a push created from resumable uploads: a complete upload of the creator, and (end to end) its sealed metadata. */
export interface UploadedFile {
  /** The tus upload id. */
  readonly uploadId: string;
  /** End-to-end pushes: the file's sealed metadata (docs/file-encryption.md); absent for server-side ones. */
  readonly sealedMetadata?: Buffer | undefined;
}

/** Largest sealed metadata accepted, in bytes: a 1,024-character name padded to 256-byte blocks, with room. */
export const MAX_SEALED_METADATA_BYTES = 8192;

export interface FilePushService {
  /** Whether this requester may create file pushes: PASSDROP_FILE_PUSHES_ANONYMOUS, else an account. */
  mayCreate(authentication: Authentication): AccessDecision;
  /** Checks access, the account's quota and the disk's floor, then hands out an upload. */
  startUpload(authentication: Authentication): Promise<StartUploadResult>;
  /**
   * Creates a file push from complete resumable uploads (file-upload-service.ts), in the order given: the
   * uploads are taken (deleted as uploads) in the push's creating transaction, so each becomes part of one
   * push only. An end-to-end push (`encryption: 'client'`) takes end-to-end uploads, each with its sealed
   * metadata; a server-side push takes server-mode uploads, whose data keys are re-wrapped for the push.
   * Problems (unknown, incomplete or another account's uploads, wrong mode, over a limit) are field problems
   * on `files`.
   */
  createFromUploads(input: Omit<CreatePushInput, 'files' | 'kind'>, files: readonly UploadedFile[], context: CreateContext): Promise<CreatePushResult>;
  /** The push service's retrieve, plus a download window when it revealed a file push; a lock deletes the blobs. */
  retrieve(token: string, credentials: RevealCredentials | string | undefined, audit: AuditContext, viewer?: Viewer | null): Promise<FileRetrieveResult>;
  /** The push service's deleteByViewer; a deletion deletes the blobs at once. */
  deleteByViewer(token: string, audit: AuditContext, viewer?: Viewer | null): Promise<ViewerDeleteResult>;
  /** Deletes the blobs of a push that was just expired (by its owner from a page, say). */
  deleteBlobsOfExpired(pushId: number): Promise<number>;
  /** A file through a grant, with a `file_download` audit event; `not_found` for anything else. */
  download(token: string, position: number, grant: string, audit: AuditContext): Promise<DownloadResult>;
  /**
   * One housekeeping pass (the expiry sweeper runs it): deletes the blobs of expired pushes (after the
   * last window when they expired by views), blobs of uploads abandoned before PASSDROP_FILE_ABANDONED_UPLOAD_HOURS,
   * and ended grants.
   */
  sweep(now: number): Promise<{ blobsDeleted: number; abandonedDeleted: number }>;
}

export interface FilePushServiceDependencies {
  readonly pushes: PushService;
  readonly files: PushFileStore;
  readonly audit: AuditStore;
  readonly blobs: BlobStore;
  readonly keys: MasterKeyRing;
  readonly policy: FilePushPolicy;
  readonly access: AccessPolicy;
  readonly clock: () => number;
  /** The directory whose disk holds the blobs (disk storage), for the free-space floor; undefined for S3. */
  readonly diskDirectory: string | undefined;
  /** Resumable uploads that pushes take (createFromUploads). */
  readonly uploads: FileUploadStore;
}

const BLOB_PREFIX = 'pushes/';
const MIB = 1024 * 1024;
const mib = (bytes: number) => `${Math.floor(bytes / MIB)} MiB`;

/** The last path segment of a client's file name, without control characters, at most 255 characters. */
export function cleanFileName(filename: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  const base = filename.split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (base === '' ? 'file' : base).slice(0, 255);
}

/** A MIME type as the client sent it, or application/octet-stream when it is not one. */
function cleanContentType(contentType: string): string {
  return /^[\w.+-]+\/[\w.+-]+$/.test(contentType) && contentType.length <= 127 ? contentType.toLowerCase() : 'application/octet-stream';
}

/**
 * @example const files = createFilePushService({ pushes, files: createPushFileStore(database), audit, blobs, keys, policy: config.files, access: config.accounts, clock: Date.now, diskDirectory });
 */
export function createFilePushService(deps: FilePushServiceDependencies): FilePushService {
  const { pushes, files: store, audit: auditLog, blobs, keys, policy, access, clock } = deps;

  const freeDisk = () => freeDiskBytes(deps.diskDirectory, policy.minFreeDiskBytes);
  const insufficientStorage: UploadRefusal = INSUFFICIENT_STORAGE;

  async function deleteBlobs(files: readonly PushFileRecord[]): Promise<number> {
    for (const file of files) await blobs.delete(file.blobKey);
    await store.markBlobsDeleted(
      files.map((file) => file.id),
      clock(),
    );
    return files.length;
  }

  async function deleteBlobsOfPush(pushId: number): Promise<number> {
    return deleteBlobs(await store.listStoredFiles(pushId));
  }

  const mayCreate = (authentication: Authentication): AccessDecision => decideAccess(policy.anonymous ? 'visitor' : 'account', authentication, access);

  return {
    mayCreate,

    async startUpload(authentication) {
      const decision = mayCreate(authentication);
      if (!decision.ok) return { ok: false, refused: decision.reason };
      // The push service's own rule (anonymous creation, required two-factor) applies too.
      const general = pushes.mayCreate(authentication);
      if (!general.ok) return { ok: false, refused: general.reason };
      const free = await freeDisk();
      if (free !== undefined && free < policy.minFreeDiskBytes) return { ok: false, refusal: insufficientStorage };
      const owner = actingUser(authentication);
      // Its resumable uploads not yet in a push count too, so the two ways in cannot together pass the quota.
      const quotaLeft =
        owner && policy.accountQuotaBytes > 0 ? policy.accountQuotaBytes - (await store.bytesStoredBy(owner.id)) - (await deps.uploads.pendingBytesOf(owner.id)) : Number.POSITIVE_INFINITY;
      if (quotaLeft <= 0) {
        return { ok: false, refusal: { limit: 'quota_exceeded', status: 413, message: `Your account already keeps files up to its quota of ${mib(policy.accountQuotaBytes)}. Delete pushes you no longer need, or wait for them to expire.` } };
      }
      const diskLeft = free === undefined ? Number.POSITIVE_INFINITY : free - policy.minFreeDiskBytes;

      const token = randomToken();
      const added: Array<NewPushFile & { dataKey: Buffer }> = [];
      const written: string[] = [];
      let pushBytes = 0;
      let finished = false;

      const upload: FileUpload = {
        token,
        get fileCount() {
          return added.length;
        },

        async addFile(file) {
          if (finished) throw new Error('the upload is finished');
          if (added.length >= policy.maxFiles) {
            return { ok: false, refusal: { limit: 'too_many_files', status: 413, message: `You can only attach up to ${policy.maxFiles} files per push.` } };
          }
          const position = added.length;
          const blobKey = `${BLOB_PREFIX}${token}/${position}`;
          const { dataKey, wrappedKey } = newFileDataKey(keys.current, { pushToken: token, fileId: String(position) });
          let fileBytes = 0;
          const startBytes = pushBytes;
          const limited = new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              fileBytes += chunk.length;
              const total = startBytes + fileBytes;
              if (fileBytes > policy.maxFileBytes) {
                throw new UploadLimitError({ limit: 'file_too_large', status: 413, message: `A file may be at most ${mib(policy.maxFileBytes)}; this server stopped the upload there.` });
              }
              if (total > policy.maxPushBytes) {
                throw new UploadLimitError({ limit: 'push_too_large', status: 413, message: `The files of one push may be at most ${mib(policy.maxPushBytes)} together; this server stopped the upload there.` });
              }
              if (total > quotaLeft) {
                throw new UploadLimitError({ limit: 'quota_exceeded', status: 413, message: `This upload would take your account past its quota of ${mib(policy.accountQuotaBytes)} of files.` });
              }
              if (total > diskLeft) throw new UploadLimitError(insufficientStorage);
              controller.enqueue(chunk);
            },
          });
          try {
            const body = toReadableStream(file.body).pipeThrough(limited);
            const stored = await putEncryptedBlob(blobs, blobKey, body, { fileKey: dataKey });
            written.push(blobKey);
            pushBytes += stored.plaintextBytes;
            added.push({
              position,
              name: cleanFileName(file.filename),
              contentType: cleanContentType(file.contentType),
              sealedMetadata: null,
              size: stored.plaintextBytes,
              storedSize: stored.storedBytes,
              blobKey,
              wrappedKey,
              uploadState: 'complete',
              createdAt: clock(),
              dataKey,
            });
            return { ok: true };
          } catch (error) {
            if (error instanceof UploadLimitError) return { ok: false, refusal: error.refusal };
            throw error;
          } finally {
            // The data key was only needed to encrypt; the wrapped key is what is kept.
            dataKey.fill(0);
          }
        },

        async finish(input, context) {
          if (finished) throw new Error('the upload is finished');
          finished = true;
          try {
            const rows = added.map(({ dataKey: _dataKey, ...row }) => row);
            const result = await pushes.create(
              { ...input, kind: 'file', files: { token, count: rows.length, insertRows: (executor, pushId) => store.insertFiles(executor, pushId, rows) } },
              context,
            );
            // Created: the blobs belong to the push now, and an abandon must not touch them.
            if (result.ok) written.length = 0;
            else await removeWritten();
            return result;
          } catch (error) {
            await removeWritten();
            throw error;
          }
        },

        async abandon() {
          finished = true;
          await removeWritten();
        },
      };

      async function removeWritten(): Promise<void> {
        for (const key of written.splice(0)) await blobs.delete(key);
      }

      return { ok: true, upload };
    },

    async createFromUploads(input, uploaded, context) {
      const decision = mayCreate(context.authentication);
      if (!decision.ok) return { ok: false, refused: decision.reason };
      const problem = (message: string, code = 'invalid'): CreatePushResult => ({ ok: false, problems: [{ field: 'files', code, message }] });
      if (uploaded.length === 0) return problem('A file push needs at least one file.', 'required');
      if (uploaded.length > policy.maxFiles) return problem(`You can only attach up to ${policy.maxFiles} files per push.`, 'too_many');
      if (new Set(uploaded.map((file) => file.uploadId)).size !== uploaded.length) return problem('Each upload can be attached once.', 'duplicate');
      const endToEnd = input.encryption === 'client';
      const owner = actingUser(context.authentication);
      const token = randomToken();
      const rows: NewPushFile[] = [];
      let total = 0;
      for (const [position, file] of uploaded.entries()) {
        const upload = await deps.uploads.find(file.uploadId);
        if (!upload || upload.completedAt === null || upload.blobKey === null || upload.ownerUserId !== (owner?.id ?? null)) {
          return problem(`File ${position + 1}: there is no complete upload ${file.uploadId} of yours.`, 'upload_not_found');
        }
        if ((upload.mode === 'e2e') !== endToEnd) {
          return problem(`File ${position + 1}: an ${endToEnd ? 'end-to-end push takes end-to-end uploads' : 'server-side push takes server-mode uploads'}.`, 'wrong_mode');
        }
        if (endToEnd !== (file.sealedMetadata !== undefined)) {
          return problem(`File ${position + 1}: ${endToEnd ? 'an end-to-end file needs its sealed metadata' : 'sealed metadata belongs to end-to-end files only'}.`, 'sealed_metadata');
        }
        if (file.sealedMetadata && file.sealedMetadata.length > MAX_SEALED_METADATA_BYTES) return problem(`File ${position + 1}: the sealed metadata is too long.`, 'too_long');
        total += upload.size;
        if (total > (endToEnd ? encryptedLength(policy.maxPushBytes) : policy.maxPushBytes)) {
          return problem(`The files of one push may be at most ${mib(policy.maxPushBytes)} together.`, 'push_too_large');
        }
        let wrappedKey: Buffer | null = null;
        if (!endToEnd) {
          // The upload's data key, bound to the upload, is wrapped anew for the push and the file's position.
          const dataKey = openFileDataKey(upload.wrappedKey!, keys, uploadKeyContext(upload.id));
          try {
            wrappedKey = sealEnvelope(dataKey, keys.current, { pushToken: token, field: fileKeyField(String(position)) });
          } finally {
            dataKey.fill(0);
          }
        }
        rows.push({
          position,
          name: endToEnd ? '' : cleanFileName(upload.name),
          contentType: endToEnd ? '' : cleanContentType(upload.contentType),
          sealedMetadata: file.sealedMetadata ?? null,
          size: upload.size,
          storedSize: upload.storedSize!,
          blobKey: upload.blobKey,
          wrappedKey,
          uploadState: 'complete',
          createdAt: clock(),
        });
      }
      try {
        return await pushes.create(
          {
            ...input,
            kind: 'file',
            files: {
              token,
              count: rows.length,
              insertRows: async (executor, pushId) => {
                await deps.uploads.take(
                  executor,
                  uploaded.map((file) => file.uploadId),
                  owner?.id ?? null,
                );
                await store.insertFiles(executor, pushId, rows);
              },
            },
          },
          context,
        );
      } catch (error) {
        if (error instanceof UploadTakenError) return problem('An upload was cancelled or attached to another push meanwhile.', 'upload_not_found');
        throw error;
      }
    },

    async retrieve(token, credentials, audit, viewer) {
      const result = await pushes.retrieve(token, credentials, audit, viewer);
      if (result.outcome === 'locked') await deleteBlobsOfPush(result.push.id);
      if (result.outcome !== 'revealed' || result.push.kind !== 'file') return { result, downloads: undefined };
      const now = clock();
      const grant = randomToken(32);
      const expiresAt = now + policy.downloadWindowMs;
      await store.createGrant(result.push.id, tokenDigest(grant), expiresAt, now);
      const files = await store.listFiles(result.push.id);
      return { result, downloads: { grant, expiresAt, files: files.filter((file) => file.blobDeletedAt === null).map(listed) } };
    },

    async deleteByViewer(token, audit, viewer) {
      const result = await pushes.deleteByViewer(token, audit, viewer);
      if (result.outcome === 'deleted') await deleteBlobsOfPush(result.push.id);
      return result;
    },

    deleteBlobsOfExpired: (pushId) => deleteBlobsOfPush(pushId),

    async download(token, position, grant, audit) {
      const now = clock();
      const granted = await store.findGrantedFile(token, position, tokenDigest(grant), now);
      if (!granted) return { ok: false, reason: 'not_found' };
      const { file } = granted;
      let body: ReadableStream<Uint8Array> | undefined;
      const endToEnd = file.wrappedKey === null;
      if (endToEnd) {
        body = (await blobs.get(file.blobKey))?.body;
      } else {
        // The decrypt stream uses the key record by record: it is left to the garbage collector.
        const dataKey = openFileDataKey(file.wrappedKey!, keys, { pushToken: token, fileId: String(file.position) });
        body = await getDecryptedBlob(blobs, file.blobKey, dataKey);
      }
      if (!body) return { ok: false, reason: 'not_found' };
      // The server cannot know an end-to-end file's name: the event says which position only.
      const reason = endToEnd ? `file ${file.position + 1}` : `file ${file.position + 1}: ${file.name}`;
      await auditLog.record(granted.pushId, 'file_download', audit, now, reason.slice(0, 255));
      return { ok: true, file: listed(file), body, endToEnd };
    },

    async sweep(now) {
      let blobsDeleted = 0;
      for (;;) {
        const batch = await store.listFilesToDelete(now, 100);
        blobsDeleted += await deleteBlobs(batch);
        if (batch.length < 100) break;
      }
      const abandonedDeleted = await sweepBlobs(blobs, {
        prefix: BLOB_PREFIX,
        olderThan: new Date(now - policy.abandonedUploadMs),
        isReferenced: (key) => store.isBlobReferenced(key),
      });
      await store.purgeEndedGrants(now);
      return { blobsDeleted, abandonedDeleted };
    },
  };

}

function listed(file: PushFileRecord): ListedFile {
  return { position: file.position, name: file.name, contentType: file.contentType, size: file.size, sealedMetadata: file.sealedMetadata };
}

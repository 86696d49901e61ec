/**
 * Resumable uploads (the tus protocol, https://tus.io/protocols/resumable-upload, served by `@tus/server`):
 * the rules for who may upload what, and a tus DataStore over our BlobStore, so a resumable upload goes to
 * whichever store PASSDROP_FILE_STORAGE names (disk or S3) and is deleted by the same code as every blob.
 *
 * Why our own DataStore rather than @tus/file-store or @tus/s3-store: those keep the upload's state in
 * files or bucket objects of their own and write to one backend each; ours keeps the state in the database
 * (one conditional UPDATE moves the offset, so processes sharing a database agree), writes through the
 * BlobStore interface to either backend, and lets the server-side variant seal plaintext at rest as it
 * arrives: plaintext never touches the disk or the bucket.
 *
 * How the bytes are kept: each PATCH request's body becomes one *piece* blob, `uploads/<id>/p<start>` (the
 * decimal byte offset it starts at, zero-padded). When the connection drops mid-request,
 * what arrived is still kept as a piece (bytes over TCP arrive in order, so they are good), and the client
 * resumes from there. When the last byte arrives the pieces are joined into `uploads/<id>/data` (for the
 * server variant: each piece opened and the whole sealed again as one record stream under the upload's data
 * key) and deleted. A push then takes the joined blob as it is.
 */
import type { Readable } from 'node:stream';
import { DataStore, ERRORS, Upload } from '@tus/utils';
import { actingUser, decideAccess, type AccessDecision, type AccessPolicy, type Authentication } from '../accounts/access-policy.js';
import type { FilePushPolicy } from '../config/file-push-settings.js';
import type { MasterKeyRing } from '../crypto/master-key-ring.js';
import { encryptedLength, plaintextLength } from '../crypto/stream/record-stream.js';
import type { PushService } from '../pushes/push-service.js';
import { chunksOf, sweepBlobs, type BlobStore } from './blob-store.js';
import { getDecryptedBlob, putEncryptedBlob } from './encrypted-blob.js';
import { newFileDataKey, openFileDataKey, type FileKeyContext } from './file-data-key.js';
import type { FileUploadRecord, FileUploadStore, UploadMode } from './file-upload-store.js';
import type { PushFileStore } from './push-file-store.js';
import type { UploadRefusal } from './file-push-service.js';
import { freeDiskBytes, INSUFFICIENT_STORAGE } from './free-disk.js';

/** Where resumable uploads keep their pieces and joined blobs. */
export const UPLOAD_BLOB_PREFIX = 'uploads/';
/** Metadata key through which the creation hook hands the uploader's account to DataStore.create. */
const OWNER_KEY = 'passdrop-owner';
/** Metadata key through which the creation hook hands the request an answer upload is for to DataStore.create. */
const REQUEST_KEY = 'passdrop-request';

/**
 * Whether a request takes file answers now (wired to the request service by the composition root, so the
 * files folder never imports the requests folder): its id, or why not.
 */
export type AnswerUploadGate = (
  requestToken: string,
) => Promise<{ ok: true; requestId: number; maxPendingUploads: number } | { ok: false; reason: 'not_found' | 'closed' | 'files_not_allowed' }>;
const MIB = 1024 * 1024;
const mib = (bytes: number) => `${Math.floor(bytes / MIB)} MiB`;

/** The envelope context of a server-mode upload's data key (re-wrapped for the push when a push takes it). */
export function uploadKeyContext(uploadId: string): FileKeyContext {
  return { pushToken: `upload.${uploadId}`, fileId: 'upload' };
}

/** A tus error: @tus/server answers `status_code` with `body`. */
interface TusError {
  readonly status_code: number;
  readonly body: string;
}

export type NewUploadCheck =
  | { ok: true; metadata: Record<string, string | null> }
  | { ok: false; refused: Extract<AccessDecision, { ok: false }>['reason'] }
  | { ok: false; refusal: UploadRefusal }
  | { ok: false; problem: string }
  /** An answer upload for a request that does not exist, is closed, or takes no files. */
  | { ok: false; request: 'not_found' | 'closed' | 'files_not_allowed' };

export interface FileUploadService {
  /** The tus DataStore that @tus/server writes through. */
  readonly dataStore: DataStore;
  /**
   * Checks a new upload (tus POST): the requester may create file pushes, a length was declared (no deferred
   * length), the mode is `e2e` or `server`, and the declared bytes fit the per-file limit, the account's
   * quota (its files in pushes plus its uploads not yet in a push) and the disk's free-space floor.
   * On success answers the metadata to store (the account folded in for DataStore.create).
   *
   * Client metadata (tus Upload-Metadata): `mode` (`e2e`, the default, or `server`); in server mode
   * `filename` and `filetype`. An end-to-end client sends neither: its name is sealed, given with the push.
   * `request` (a request's token) makes an upload for an answer to that request instead: no account is
   * needed, the request must be open and take files, and the upload is end to end (sealed to its key).
   */
  checkNewUpload(authentication: Authentication, size: number | undefined, metadata: Record<string, string | null> | undefined): Promise<NewUploadCheck>;
  /** Whether this requester may resume, read or cancel the upload: its account's, or anonymous and known by id. */
  mayUse(authentication: Authentication, uploadId: string): Promise<boolean>;
  /** Deletes uploads inactive for PASSDROP_FILE_ABANDONED_UPLOAD_HOURS (no bytes, no push) and stray pieces; answers how many. */
  sweep(now: number): Promise<number>;
}

export interface FileUploadServiceDependencies {
  readonly uploads: FileUploadStore;
  readonly files: PushFileStore;
  readonly pushes: PushService;
  readonly blobs: BlobStore;
  readonly keys: MasterKeyRing;
  readonly policy: FilePushPolicy;
  readonly access: AccessPolicy;
  readonly clock: () => number;
  /** The directory whose disk holds the blobs (disk storage), for the free-space floor; undefined for S3. */
  readonly diskDirectory: string | undefined;
  /** Uploads for request answers (metadata `request`); without it such uploads are refused. */
  readonly answerUploads?: AnswerUploadGate;
  /** Whether a blob key belongs to something other than a push or an upload (answer files), for the sweep. */
  readonly isBlobReferencedElsewhere?: (blobKey: string) => Promise<boolean>;
}

interface Piece {
  readonly key: string;
  readonly start: number;
  readonly end: number;
}

const pieceKey = (id: string, start: number) => `${UPLOAD_BLOB_PREFIX}${id}/p${String(start).padStart(16, '0')}`;
/** The joined blob of a complete upload. */
export const joinedKey = (id: string) => `${UPLOAD_BLOB_PREFIX}${id}/data`;
const PIECE_PATTERN = /\/p(\d{16})$/;

/**
 * @example const uploads = createFileUploadService({ uploads: createFileUploadStore(database), files, pushes, blobs, keys, policy: config.files, access: config.accounts, clock: Date.now, diskDirectory });
 */
export function createFileUploadService(deps: FileUploadServiceDependencies): FileUploadService {
  const { uploads, blobs, keys, policy, clock } = deps;

  const freeDisk = () => freeDiskBytes(deps.diskDirectory, policy.minFreeDiskBytes);
  const insufficientStorage: UploadRefusal = INSUFFICIENT_STORAGE;
  const tusError = (status: number, message: string): TusError => ({ status_code: status, body: `${message}\n` });

  /** The pieces of an upload; a piece's length is its blob's (end to end) or the plaintext it seals (server). */
  async function piecesOf(upload: FileUploadRecord): Promise<Piece[]> {
    const pieces: Piece[] = [];
    for await (const blob of blobs.list(`${UPLOAD_BLOB_PREFIX}${upload.id}/p`)) {
      const match = PIECE_PATTERN.exec(blob.key);
      const length = upload.mode === 'server' ? plaintextLength(blob.size) : blob.size;
      if (match && length !== undefined) pieces.push({ key: blob.key, start: Number(match[1]), end: Number(match[1]) + length });
    }
    return pieces;
  }

  /** The pieces that cover 0..size in order (the longest at each offset: every piece holds the client's bytes). */
  function chain(pieces: readonly Piece[], size: number): Piece[] | undefined {
    const ordered: Piece[] = [];
    let at = 0;
    while (at < size) {
      const next = pieces.filter((piece) => piece.start === at).sort((a, b) => b.end - a.end)[0];
      if (!next) return undefined;
      ordered.push(next);
      at = next.end;
    }
    return at === size ? ordered : undefined;
  }

  async function* concatenated(keysInOrder: readonly string[], open: (key: string) => Promise<ReadableStream<Uint8Array> | undefined>): AsyncGenerator<Uint8Array> {
    for (const key of keysInOrder) {
      const body = await open(key);
      if (!body) throw new Error(`the upload piece ${key} is gone`);
      yield* chunksOf(body);
    }
  }

  /** Joins the pieces of a complete upload into one blob and deletes them. */
  async function join(upload: FileUploadRecord): Promise<void> {
    const pieces = await piecesOf(upload);
    const ordered = chain(pieces, upload.size) ?? [];
    if (ordered.length === 0 && upload.size > 0) throw new Error(`the pieces of upload ${upload.id} do not cover its ${upload.size} bytes`);
    const target = joinedKey(upload.id);
    let storedSize: number;
    if (upload.mode === 'server') {
      const dataKey = openFileDataKey(upload.wrappedKey!, keys, uploadKeyContext(upload.id));
      try {
        const plaintext = concatenated(
          ordered.map((piece) => piece.key),
          (key) => getDecryptedBlob(blobs, key, dataKey),
        );
        storedSize = (await putEncryptedBlob(blobs, target, plaintext, { fileKey: dataKey, plaintextSizeHint: upload.size })).storedBytes;
      } finally {
        dataKey.fill(0);
      }
    } else {
      const body = concatenated(
        ordered.map((piece) => piece.key),
        async (key) => (await blobs.get(key))?.body,
      );
      storedSize = (await blobs.put(target, body, { sizeHint: upload.size })).size;
    }
    await uploads.complete(upload.id, target, storedSize, clock());
    for (const piece of pieces) await blobs.delete(piece.key);
  }

  async function deleteBlobsOf(id: string): Promise<void> {
    for await (const blob of blobs.list(`${UPLOAD_BLOB_PREFIX}${id}/`)) await blobs.delete(blob.key);
  }

  const toTusUpload = (upload: FileUploadRecord) =>
    new Upload({
      id: upload.id,
      size: upload.size,
      offset: upload.offset,
      metadata: upload.mode === 'server' ? { mode: 'server', filename: upload.name, filetype: upload.contentType } : { mode: 'e2e' },
      // @tus/server expires an upload getExpiration() after its creation_date (Upload-Expires, 410 on a late
      // PATCH); handing it the last activity makes that expiry slide with every request, as our sweep does.
      creation_date: new Date(upload.activeAt).toISOString(),
    });

  /**
   * Writes still settling, by upload id. @tus/server releases an upload's lock as soon as the request's
   * body fails (a dropped connection), while our write is still keeping what arrived: a HEAD or PATCH that
   * comes at once must wait for it, or it would see the old offset and the client would send those bytes again.
   */
  const settling = new Map<string, Promise<unknown>>();
  const settled = async (id: string) => {
    await settling.get(id);
  };

  class BlobUploadDataStore extends DataStore {
    constructor() {
      super();
      // No deferred length (the limits are checked against the declared length) and no concatenation.
      this.extensions = ['creation', 'creation-with-upload', 'termination', 'expiration'];
    }

    override async create(upload: Upload): Promise<Upload> {
      const metadata = upload.metadata ?? {};
      const mode: UploadMode = metadata.mode === 'server' ? 'server' : 'e2e';
      const owner = metadata[OWNER_KEY] ? Number(metadata[OWNER_KEY]) : null;
      const requestId = metadata[REQUEST_KEY] ? Number(metadata[REQUEST_KEY]) : null;
      let wrappedKey: Buffer | null = null;
      if (mode === 'server') {
        const fresh = newFileDataKey(keys.current, uploadKeyContext(upload.id));
        fresh.dataKey.fill(0);
        wrappedKey = fresh.wrappedKey;
      }
      const createdAt = clock();
      await uploads.insert({
        id: upload.id,
        ownerUserId: owner,
        mode,
        name: mode === 'server' ? (metadata.filename ?? '') : '',
        contentType: mode === 'server' ? (metadata.filetype ?? '') : '',
        size: upload.size!,
        wrappedKey,
        createdAt,
        requestId,
      });
      // An empty file gets no PATCH at all: it is complete as soon as it exists.
      if (upload.size === 0) {
        const created = await uploads.find(upload.id);
        if (created) await join(created);
      }
      upload.creation_date = new Date(createdAt).toISOString();
      upload.metadata = mode === 'server' ? { mode, filename: metadata.filename ?? '', filetype: metadata.filetype ?? '' } : { mode };
      return upload;
    }

    override async getUpload(id: string): Promise<Upload> {
      await settled(id);
      const upload = await uploads.find(id);
      if (!upload) throw ERRORS.FILE_NOT_FOUND;
      // Every byte arrived but the join did not finish (the process stopped in between): finish it now.
      if (upload.offset === upload.size && upload.completedAt === null) await join(upload);
      return toTusUpload(upload);
    }

    override async remove(id: string): Promise<void> {
      await settled(id);
      if (!(await uploads.find(id))) throw ERRORS.FILE_NOT_FOUND;
      // The row goes first: a sweep or a push can no longer take what is being deleted.
      await uploads.remove(id);
      await deleteBlobsOf(id);
    }

    override async write(stream: Readable, id: string, offset: number): Promise<number> {
      await settled(id);
      const work = this.writePiece(stream, id, offset);
      const marker = work.catch(() => undefined);
      settling.set(id, marker);
      try {
        return await work;
      } finally {
        if (settling.get(id) === marker) settling.delete(id);
      }
    }

    private async writePiece(stream: Readable, id: string, offset: number): Promise<number> {
      const upload = await uploads.find(id);
      if (!upload) throw ERRORS.FILE_NOT_FOUND;
      if (upload.offset !== offset || upload.completedAt !== null) throw ERRORS.INVALID_OFFSET;
      const free = await freeDisk();
      const diskLeft = free === undefined ? Number.POSITIVE_INFINITY : free - policy.minFreeDiskBytes;
      if (diskLeft < upload.size - offset) throw tusError(507, insufficientStorage.message);

      let received = 0;
      let storageFull = false;
      // A dropped connection ends the body early: what arrived is kept as a piece, and the client resumes.
      async function* arrived(): AsyncGenerator<Uint8Array> {
        try {
          for await (const chunk of stream as AsyncIterable<Uint8Array>) {
            received += chunk.length;
            if (received > diskLeft) {
              storageFull = true;
              throw new Error('the free-disk floor was reached');
            }
            yield chunk;
          }
        } catch (error) {
          if (storageFull) throw error;
        }
      }
      const key = pieceKey(id, offset);
      try {
        if (upload.mode === 'server') {
          const dataKey = openFileDataKey(upload.wrappedKey!, keys, uploadKeyContext(id));
          try {
            await putEncryptedBlob(blobs, key, arrived(), { fileKey: dataKey });
          } finally {
            dataKey.fill(0);
          }
        } else {
          await blobs.put(key, arrived());
        }
      } catch (error) {
        if (storageFull) throw tusError(507, insufficientStorage.message);
        throw error;
      }
      if (received === 0) {
        await blobs.delete(key);
        return offset;
      }
      const end = offset + received;
      // Another request that moved the offset first wrote the same key with the same bytes (tus locks an
      // upload within a process, docs/file-pushes.md): its piece stands.
      if (!(await uploads.advance(id, offset, end, clock()))) throw ERRORS.INVALID_OFFSET;
      if (end === upload.size) await join({ ...upload, offset: end });
      return end;
    }

    override getExpiration(): number {
      return policy.abandonedUploadMs;
    }

    override async deleteExpired(): Promise<number> {
      return sweep(clock());
    }
  }

  async function sweep(now: number): Promise<number> {
    let deleted = 0;
    const before = now - policy.abandonedUploadMs;
    for (;;) {
      const batch = await uploads.listInactiveSince(before, 100);
      for (const upload of batch) {
        if (await uploads.remove(upload.id)) deleted += 1;
        await deleteBlobsOf(upload.id);
      }
      if (batch.length < 100) break;
    }
    // Pieces and joined blobs whose upload row is gone and that no push references (a crash in between).
    deleted += await sweepBlobs(blobs, {
      prefix: UPLOAD_BLOB_PREFIX,
      olderThan: new Date(before),
      isReferenced: async (key) =>
        (await uploads.find(key.split('/')[1]!)) !== undefined || (await deps.files.isBlobReferenced(key)) || ((await deps.isBlobReferencedElsewhere?.(key)) ?? false),
    });
    return deleted;
  }

  const dataStore = new BlobUploadDataStore();

  /** An upload for an answer to a request: the request's rules instead of an account's. */
  async function checkAnswerUpload(requestToken: string, size: number | undefined, metadata: Record<string, string | null>): Promise<NewUploadCheck> {
    const gate = deps.answerUploads ? await deps.answerUploads(requestToken) : ({ ok: false, reason: 'files_not_allowed' } as const);
    if (!gate.ok) return { ok: false, request: gate.reason };
    if (size === undefined) return { ok: false, problem: 'send its length in bytes as Upload-Length (deferred lengths are not accepted).' };
    if ((metadata.mode ?? 'e2e') !== 'e2e' || metadata.filename || metadata.filetype) {
      return { ok: false, problem: 'an answer\'s files are end to end: mode e2e, no file name or type in clear (seal them into the file metadata).' };
    }
    if (size > encryptedLength(policy.maxFileBytes)) return { ok: false, refusal: { limit: 'file_too_large', status: 413, message: `A file may be at most ${mib(policy.maxFileBytes)}.` } };
    // Anyone with the link may upload: no more uploads wait for a request than its remaining answers can take.
    if ((await uploads.countPendingForRequest(gate.requestId)) >= gate.maxPendingUploads) {
      return { ok: false, refusal: { limit: 'too_many_files', status: 413, message: 'This request already has as many files waiting as its answers can take.' } };
    }
    const free = await freeDisk();
    if (free !== undefined && free - policy.minFreeDiskBytes < size) return { ok: false, refusal: insufficientStorage };
    return { ok: true, metadata: { mode: 'e2e', [REQUEST_KEY]: String(gate.requestId) } };
  }

  return {
    dataStore,

    async checkNewUpload(authentication, size, metadata) {
      if (metadata?.request !== undefined && metadata.request !== null) return checkAnswerUpload(metadata.request, size, metadata);
      const decision = decideAccess(policy.anonymous ? 'visitor' : 'account', authentication, deps.access);
      if (!decision.ok) return { ok: false, refused: decision.reason };
      const general = deps.pushes.mayCreate(authentication);
      if (!general.ok) return { ok: false, refused: general.reason };
      if (size === undefined) return { ok: false, problem: 'send its length in bytes as Upload-Length (deferred lengths are not accepted).' };
      const mode = metadata?.mode ?? 'e2e';
      if (mode !== 'e2e' && mode !== 'server') return { ok: false, problem: 'its mode metadata must be e2e or server.' };
      if (mode === 'e2e' && (metadata?.filename || metadata?.filetype)) {
        return { ok: false, problem: 'an end-to-end upload sends no file name or type in clear: seal them into the push\'s file metadata.' };
      }
      // An end-to-end upload is the record stream: the limit is on the plaintext it holds.
      const limit = mode === 'e2e' ? encryptedLength(policy.maxFileBytes) : policy.maxFileBytes;
      if (size > limit) return { ok: false, refusal: { limit: 'file_too_large', status: 413, message: `A file may be at most ${mib(policy.maxFileBytes)}.` } };
      const owner = actingUser(authentication);
      if (owner && policy.accountQuotaBytes > 0) {
        const used = (await deps.files.bytesStoredBy(owner.id)) + (await uploads.pendingBytesOf(owner.id));
        if (used + size > policy.accountQuotaBytes) {
          return { ok: false, refusal: { limit: 'quota_exceeded', status: 413, message: `This upload would take your account past its quota of ${mib(policy.accountQuotaBytes)} of files.` } };
        }
      }
      const free = await freeDisk();
      if (free !== undefined && free - policy.minFreeDiskBytes < size) return { ok: false, refusal: insufficientStorage };
      const stored: Record<string, string | null> = { mode };
      if (mode === 'server') {
        stored.filename = metadata?.filename ?? 'file';
        stored.filetype = metadata?.filetype ?? '';
      }
      if (owner) stored[OWNER_KEY] = String(owner.id);
      return { ok: true, metadata: stored };
    },

    async mayUse(authentication, uploadId) {
      const upload = await uploads.find(uploadId);
      if (!upload) return true; // tus answers 404 itself.
      const owner = actingUser(authentication);
      return upload.ownerUserId === null ? true : owner?.id === upload.ownerUserId;
    },

    sweep,
  };
}

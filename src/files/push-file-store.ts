import { sql, type Selectable } from 'kysely';
import { tokenDigest } from '../crypto/token-digest.js';
import type { PushFilesTable } from '../storage/database-schema.js';
import type { Database } from '../storage/open-database.js';
import type { WriteExecutor } from '../storage/write-transaction.js';

/** Whether a file's blob is complete (every file row of a created push) or still arriving (resumable uploads). */
export type UploadState = 'complete' | 'uploading';

/** One file of a file push: metadata only; the contents are the blob under `blobKey`. */
export interface PushFileRecord {
  readonly id: number;
  readonly pushId: number;
  /** 0-based place in the push. */
  readonly position: number;
  /** The name the client sent (server-side uploads); '' for end-to-end uploads, whose name is sealed. */
  readonly name: string;
  readonly contentType: string;
  /** End-to-end uploads: the sealed file metadata (docs/file-encryption.md); null for server-side uploads. */
  readonly sealedMetadata: Buffer | null;
  /** Plaintext bytes (server-side), or the record stream's bytes (end-to-end). */
  readonly size: number;
  /** Bytes in the blob store. */
  readonly storedSize: number;
  readonly blobKey: string;
  /** The file's data key, wrapped by the master key (server-side uploads only). */
  readonly wrappedKey: Buffer | null;
  readonly uploadState: UploadState;
  readonly createdAt: number;
  /** When the blob was deleted from the store; null while it is there. */
  readonly blobDeletedAt: number | null;
}

export type NewPushFile = Omit<PushFileRecord, 'id' | 'pushId' | 'blobDeletedAt'>;

/** A file a download grant lets through, with the push it belongs to. */
export interface GrantedFile {
  readonly file: PushFileRecord;
  readonly pushId: number;
  readonly grantExpiresAt: number;
}

export interface PushFileStore {
  /** Inserts a new push's file rows, inside the push's creating transaction. */
  insertFiles(executor: WriteExecutor, pushId: number, files: readonly NewPushFile[]): Promise<void>;
  /** A push's files, by position. */
  listFiles(pushId: number): Promise<PushFileRecord[]>;
  /** Plaintext bytes of the files an account keeps in pushes whose blobs are still stored (for its quota). */
  bytesStoredBy(ownerUserId: number): Promise<number>;
  /** Records a download grant (its digest only) for a push. */
  createGrant(pushId: number, grantDigest: string, expiresAt: number, now: number): Promise<void>;
  /**
   * The file at `position` of the push `token` when the grant with `grantDigest` belongs to that push, its
   * window is still open at `now`, the push is live or expired by its views (the last view's window stays
   * open), and the blob is still stored. Undefined otherwise.
   */
  findGrantedFile(token: string, position: number, grantDigest: string, now: number): Promise<GrantedFile | undefined>;
  /**
   * Up to `limit` files whose blob must go: their push expired, and unless it expired by its views, at once;
   * after its views, once every grant's window has ended.
   */
  listFilesToDelete(now: number, limit: number): Promise<PushFileRecord[]>;
  /** The files of a push whose blobs are still stored, whatever its state (for deletion right after expiry). */
  listStoredFiles(pushId: number): Promise<PushFileRecord[]>;
  /** Marks blobs as gone. */
  markBlobsDeleted(fileIds: readonly number[], now: number): Promise<void>;
  /** Whether any file row names this blob key (used by the sweep of abandoned uploads). */
  isBlobReferenced(blobKey: string): Promise<boolean>;
  /** Deletes grants whose window ended before `now`; answers how many. */
  purgeEndedGrants(now: number): Promise<number>;
}

const GRANT_GRACE_MS = 60_000;

/**
 * The file push store, written once with Kysely for SQLite and PostgreSQL.
 *
 * @example const files = createPushFileStore(database);
 */
export function createPushFileStore(database: Database): PushFileStore {
  const { db } = database;
  return {
    async insertFiles(executor, pushId, files) {
      if (files.length === 0) return;
      await executor
        .insertInto('push_files')
        .values(
          files.map((file) => ({
            push_id: pushId,
            position: file.position,
            name: file.name,
            content_type: file.contentType,
            sealed_metadata: file.sealedMetadata,
            size: file.size,
            stored_size: file.storedSize,
            blob_key: file.blobKey,
            wrapped_key: file.wrappedKey,
            upload_state: file.uploadState,
            created_at: file.createdAt,
          })),
        )
        .execute();
    },

    async listFiles(pushId) {
      const rows = await db.selectFrom('push_files').selectAll().where('push_id', '=', pushId).orderBy('position').execute();
      return rows.map(toPushFileRecord);
    },

    async bytesStoredBy(ownerUserId) {
      const row = await db
        .selectFrom('push_files')
        .innerJoin('pushes', 'pushes.id', 'push_files.push_id')
        .select(sql<number | string | null>`sum(push_files.size)`.as('total'))
        .where('pushes.owner_user_id', '=', ownerUserId)
        .where('push_files.blob_deleted_at', 'is', null)
        .executeTakeFirst();
      return Number(row?.total ?? 0);
    },

    async createGrant(pushId, grantDigest, expiresAt, now) {
      await db.insertInto('push_file_grants').values({ push_id: pushId, grant_digest: grantDigest, expires_at: expiresAt, created_at: now }).execute();
    },

    async findGrantedFile(token, position, grantDigest, now) {
      const row = await db
        .selectFrom('push_file_grants as g')
        .innerJoin('pushes as p', 'p.id', 'g.push_id')
        .innerJoin('push_files as f', 'f.push_id', 'p.id')
        .selectAll('f')
        .select('g.expires_at as grant_expires_at')
        .where('g.grant_digest', '=', grantDigest)
        .where('g.expires_at', '>', now)
        .where('p.link_digest', '=', tokenDigest(token))
        .where((eb) => eb.or([eb('p.expired', '=', 0), eb('p.expire_reason', '=', 'views')]))
        .where('f.position', '=', position)
        .where('f.upload_state', '=', 'complete')
        .where('f.blob_deleted_at', 'is', null)
        .executeTakeFirst();
      if (!row) return undefined;
      const { grant_expires_at: grantExpiresAt, ...file } = row;
      return { file: toPushFileRecord(file), pushId: Number(file.push_id), grantExpiresAt: Number(grantExpiresAt) };
    },

    async listFilesToDelete(now, limit) {
      const rows = await db
        .selectFrom('push_files as f')
        .innerJoin('pushes as p', 'p.id', 'f.push_id')
        .selectAll('f')
        .where('f.blob_deleted_at', 'is', null)
        .where('p.expired', '=', 1)
        .where((eb) =>
          eb.or([
            eb('p.expire_reason', '!=', 'views'),
            eb('p.expire_reason', 'is', null),
            // A last view opens its window just after its UPDATE: a minute's grace keeps the sweeper from
            // deleting the blobs in between.
            eb.and([
              eb('p.expired_at', '<=', now - GRANT_GRACE_MS),
              eb.not(eb.exists(eb.selectFrom('push_file_grants as g').select('g.id').whereRef('g.push_id', '=', 'p.id').where('g.expires_at', '>', now))),
            ]),
          ]),
        )
        .orderBy('f.id')
        .limit(limit)
        .execute();
      return rows.map(toPushFileRecord);
    },

    async listStoredFiles(pushId) {
      const rows = await db.selectFrom('push_files').selectAll().where('push_id', '=', pushId).where('blob_deleted_at', 'is', null).orderBy('position').execute();
      return rows.map(toPushFileRecord);
    },

    async markBlobsDeleted(fileIds, now) {
      if (fileIds.length === 0) return;
      await db.updateTable('push_files').set({ blob_deleted_at: now }).where('id', 'in', [...fileIds]).where('blob_deleted_at', 'is', null).execute();
    },

    async isBlobReferenced(blobKey) {
      const row = await db.selectFrom('push_files').select('id').where('blob_key', '=', blobKey).executeTakeFirst();
      return row !== undefined;
    },

    async purgeEndedGrants(now) {
      const result = await db.deleteFrom('push_file_grants').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toPushFileRecord(row: Selectable<PushFilesTable>): PushFileRecord {
  return {
    id: Number(row.id),
    pushId: Number(row.push_id),
    position: Number(row.position),
    name: row.name,
    contentType: row.content_type,
    sealedMetadata: row.sealed_metadata,
    size: Number(row.size),
    storedSize: Number(row.stored_size),
    blobKey: row.blob_key,
    wrappedKey: row.wrapped_key,
    uploadState: row.upload_state as UploadState,
    createdAt: Number(row.created_at),
    blobDeletedAt: row.blob_deleted_at === null ? null : Number(row.blob_deleted_at),
  };
}

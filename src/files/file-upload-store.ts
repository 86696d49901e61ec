import { sql, type Selectable } from 'kysely';
import type { FileUploadsTable } from '../storage/database-schema.js';
import type { Database } from '../storage/open-database.js';
import type { WriteExecutor } from '../storage/write-transaction.js';

/** 'e2e': the client uploads a record stream it sealed itself; 'server': plaintext the server seals at rest. */
export type UploadMode = 'e2e' | 'server';

/** A resumable (tus) upload that no push has taken yet. */
export interface FileUploadRecord {
  /** The tus upload id (128 random bits, base64url). */
  readonly id: string;
  readonly ownerUserId: number | null;
  readonly mode: UploadMode;
  /** Server mode: the client's file name and media type; '' for end-to-end uploads. */
  readonly name: string;
  readonly contentType: string;
  /** Bytes declared (tus Upload-Length). */
  readonly size: number;
  /** Bytes received so far (tus Upload-Offset). */
  readonly offset: number;
  /** Server mode: the upload's data key, wrapped by the master key. */
  readonly wrappedKey: Buffer | null;
  /** Once complete: the joined blob and its size in bytes; null before. */
  readonly blobKey: string | null;
  readonly storedSize: number | null;
  readonly createdAt: number;
  /** The last bytes received, or the creation (ms). */
  readonly activeAt: number;
  readonly completedAt: number | null;
  /** The request whose answer may take this upload (an anonymous responder's); null for push uploads. */
  readonly requestId: number | null;
}

export type NewFileUpload = Pick<FileUploadRecord, 'id' | 'ownerUserId' | 'mode' | 'name' | 'contentType' | 'size' | 'wrappedKey' | 'createdAt'> & {
  readonly requestId?: number | null;
};

export interface FileUploadStore {
  insert(upload: NewFileUpload): Promise<void>;
  find(id: string): Promise<FileUploadRecord | undefined>;
  /**
   * Moves the offset from `from` to `to`; false when another writer moved it first (one conditional UPDATE,
   * never read-then-write).
   */
  advance(id: string, from: number, to: number, now: number): Promise<boolean>;
  /** Records the joined blob of a complete upload. */
  complete(id: string, blobKey: string, storedSize: number, now: number): Promise<void>;
  /** Deletes the row (a cancelled or swept upload); answers whether there was one. */
  remove(id: string): Promise<boolean>;
  /** Bytes declared by an account's uploads that no push has taken yet (they count against its quota). */
  pendingBytesOf(ownerUserId: number): Promise<number>;
  /** How many uploads made for request `requestId` no answer has taken yet. */
  countPendingForRequest(requestId: number): Promise<number>;
  /** Up to `limit` uploads last active before `before` (abandoned: no bytes came and no push took them in time). */
  listInactiveSince(before: number, limit: number): Promise<FileUploadRecord[]>;
  /**
   * Inside a push's creating transaction: deletes the complete uploads `ids` of this owner (null: anonymous)
   * and returns them; throws (rolling the push back) unless every one was there, so two pushes can never
   * take the same upload.
   */
  take(executor: WriteExecutor, ids: readonly string[], ownerUserId: number | null): Promise<FileUploadRecord[]>;
  /**
   * Inside the transaction that accepts an answer: deletes the complete uploads `ids` made for request
   * `requestId` and returns them in the order asked; throws (rolling the answer back) unless every one was there.
   */
  takeForAnswer(executor: WriteExecutor, ids: readonly string[], requestId: number): Promise<FileUploadRecord[]>;
}

/**
 * The upload store, written once with Kysely for SQLite and PostgreSQL.
 *
 * @example const uploads = createFileUploadStore(database);
 */
export function createFileUploadStore(database: Database): FileUploadStore {
  const { db } = database;
  return {
    async insert(upload) {
      await db
        .insertInto('file_uploads')
        .values({
          id: upload.id,
          owner_user_id: upload.ownerUserId,
          mode: upload.mode,
          name: upload.name,
          content_type: upload.contentType,
          size: upload.size,
          wrapped_key: upload.wrappedKey,
          blob_key: null,
          stored_size: null,
          created_at: upload.createdAt,
          active_at: upload.createdAt,
          completed_at: null,
          request_id: upload.requestId ?? null,
        })
        .execute();
    },

    async find(id) {
      const row = await db.selectFrom('file_uploads').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    async advance(id, from, to, now) {
      const result = await db.updateTable('file_uploads').set({ upload_offset: to, active_at: now }).where('id', '=', id).where('upload_offset', '=', from).where('completed_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async complete(id, blobKey, storedSize, now) {
      await db.updateTable('file_uploads').set({ blob_key: blobKey, stored_size: storedSize, completed_at: now, active_at: now }).where('id', '=', id).execute();
    },

    async remove(id) {
      const result = await db.deleteFrom('file_uploads').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    async pendingBytesOf(ownerUserId) {
      const row = await db
        .selectFrom('file_uploads')
        .select(sql<number | string | null>`sum(size)`.as('total'))
        .where('owner_user_id', '=', ownerUserId)
        .executeTakeFirst();
      return Number(row?.total ?? 0);
    },

    async countPendingForRequest(requestId) {
      const row = await db
        .selectFrom('file_uploads')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('request_id', '=', requestId)
        .executeTakeFirst();
      return Number(row?.count ?? 0);
    },

    async listInactiveSince(before, limit) {
      const rows = await db.selectFrom('file_uploads').selectAll().where('active_at', '<', before).orderBy('active_at').limit(limit).execute();
      return rows.map(toRecord);
    },

    async take(executor, ids, ownerUserId) {
      if (ids.length === 0) return [];
      const rows = await executor
        .deleteFrom('file_uploads')
        .where('id', 'in', [...ids])
        .where('completed_at', 'is not', null)
        .where((eb) => (ownerUserId === null ? eb('owner_user_id', 'is', null) : eb('owner_user_id', '=', ownerUserId)))
        // An upload made for a request's answer never becomes part of a push.
        .where('request_id', 'is', null)
        .returningAll()
        .execute();
      if (rows.length !== new Set(ids).size) throw new UploadTakenError();
      return rows.map(toRecord);
    },

    async takeForAnswer(executor, ids, requestId) {
      if (ids.length === 0) return [];
      const rows = await executor
        .deleteFrom('file_uploads')
        .where('id', 'in', [...ids])
        .where('completed_at', 'is not', null)
        .where('request_id', '=', requestId)
        .returningAll()
        .execute();
      if (rows.length !== new Set(ids).size || rows.length !== ids.length) throw new UploadTakenError();
      const byId = new Map(rows.map((row) => [row.id, toRecord(row)]));
      return ids.map((id) => byId.get(id)!);
    },
  };
}

/** A push named an upload that is not (or no longer) a complete upload of its creator: the push is rolled back. */
export class UploadTakenError extends Error {
  constructor() {
    super('an upload is missing, incomplete, another account\'s or already part of a push');
    this.name = 'UploadTakenError';
  }
}

function toRecord(row: Selectable<FileUploadsTable>): FileUploadRecord {
  return {
    id: row.id,
    ownerUserId: row.owner_user_id === null ? null : Number(row.owner_user_id),
    mode: row.mode as UploadMode,
    name: row.name,
    contentType: row.content_type,
    size: Number(row.size),
    offset: Number(row.upload_offset),
    wrappedKey: row.wrapped_key,
    blobKey: row.blob_key,
    storedSize: row.stored_size === null ? null : Number(row.stored_size),
    createdAt: Number(row.created_at),
    activeAt: Number(row.active_at),
    completedAt: row.completed_at === null ? null : Number(row.completed_at),
    requestId: row.request_id === null || row.request_id === undefined ? null : Number(row.request_id),
  };
}

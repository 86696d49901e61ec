import type { Selectable } from 'kysely';
import type { RequestAnswerFilesTable } from '../storage/database-schema.js';
import type { Database } from '../storage/open-database.js';
import type { WriteExecutor } from '../storage/write-transaction.js';

/** Answers keep their files' blobs this long after the window of a last view ends, so a download under way can finish. */
const WINDOW_GRACE_MS = 60_000;

/** One file of an answer: metadata only; the contents are the record stream under `blobKey`. */
export interface AnswerFileRecord {
  readonly id: number;
  readonly answerId: number;
  /** 0-based place in the answer; the file key is derived from it (docs/requests-encryption.md). */
  readonly position: number;
  /** The file's name, type and size sealed under its file key. */
  readonly sealedMetadata: Buffer;
  /** The record stream's bytes. */
  readonly size: number;
  readonly storedSize: number;
  readonly blobKey: string;
  readonly createdAt: number;
  readonly blobDeletedAt: number | null;
}

export type NewAnswerFile = Omit<AnswerFileRecord, 'id' | 'answerId' | 'blobDeletedAt'>;

export interface AnswerFileStore {
  /** Inserts an answer's file rows, inside the transaction that accepts the answer. */
  insertFiles(executor: WriteExecutor, answerId: number, files: readonly NewAnswerFile[]): Promise<void>;
  /** An answer's files whose blobs are still stored, by position. */
  listStoredFiles(answerId: number): Promise<AnswerFileRecord[]>;
  /** How many files each of these answers holds (stored or not). */
  countFiles(answerIds: readonly number[]): Promise<Map<number, number>>;
  /**
   * Up to `limit` files whose blob must go: their answer expired and, unless by its views, at once; after
   * its views, once the last view's download window (and a minute's grace) has ended.
   */
  listFilesToDelete(now: number, limit: number): Promise<AnswerFileRecord[]>;
  markBlobsDeleted(fileIds: readonly number[], now: number): Promise<void>;
  /** Whether an answer file names this blob key (so the upload sweep leaves it alone). */
  isBlobReferenced(blobKey: string): Promise<boolean>;
}

/**
 * The answer file store, written once with Kysely for SQLite and PostgreSQL.
 *
 * @example const answerFiles = createAnswerFileStore(database);
 */
export function createAnswerFileStore(database: Database): AnswerFileStore {
  const { db } = database;
  return {
    async insertFiles(executor, answerId, files) {
      if (files.length === 0) return;
      await executor
        .insertInto('request_answer_files')
        .values(
          files.map((file) => ({
            answer_id: answerId,
            position: file.position,
            sealed_metadata: file.sealedMetadata,
            size: file.size,
            stored_size: file.storedSize,
            blob_key: file.blobKey,
            created_at: file.createdAt,
          })),
        )
        .execute();
    },

    async listStoredFiles(answerId) {
      const rows = await db
        .selectFrom('request_answer_files')
        .selectAll()
        .where('answer_id', '=', answerId)
        .where('blob_deleted_at', 'is', null)
        .orderBy('position')
        .execute();
      return rows.map(toAnswerFileRecord);
    },

    async countFiles(answerIds) {
      const counts = new Map<number, number>();
      if (answerIds.length === 0) return counts;
      const rows = await db
        .selectFrom('request_answer_files')
        .select(['answer_id', (eb) => eb.fn.countAll<number>().as('count')])
        .where('answer_id', 'in', [...answerIds])
        .groupBy('answer_id')
        .execute();
      for (const row of rows) counts.set(Number(row.answer_id), Number(row.count));
      return counts;
    },

    async listFilesToDelete(now, limit) {
      const rows = await db
        .selectFrom('request_answer_files as f')
        .innerJoin('request_answers as a', 'a.id', 'f.answer_id')
        .selectAll('f')
        .where('f.blob_deleted_at', 'is', null)
        .where('a.expired', '=', 1)
        .where((eb) =>
          eb.or([
            eb('a.expire_reason', '!=', 'views'),
            eb('a.expire_reason', 'is', null),
            eb('a.files_until', 'is', null),
            eb('a.files_until', '<=', now - WINDOW_GRACE_MS),
          ]),
        )
        .orderBy('f.id')
        .limit(limit)
        .execute();
      return rows.map(toAnswerFileRecord);
    },

    async markBlobsDeleted(fileIds, now) {
      if (fileIds.length === 0) return;
      await db.updateTable('request_answer_files').set({ blob_deleted_at: now }).where('id', 'in', [...fileIds]).where('blob_deleted_at', 'is', null).execute();
    },

    async isBlobReferenced(blobKey) {
      const row = await db.selectFrom('request_answer_files').select('id').where('blob_key', '=', blobKey).executeTakeFirst();
      return row !== undefined;
    },
  };
}

function toAnswerFileRecord(row: Selectable<RequestAnswerFilesTable>): AnswerFileRecord {
  return {
    id: Number(row.id),
    answerId: Number(row.answer_id),
    position: Number(row.position),
    sealedMetadata: Buffer.from(row.sealed_metadata),
    size: Number(row.size),
    storedSize: Number(row.stored_size),
    blobKey: row.blob_key,
    createdAt: Number(row.created_at),
    blobDeletedAt: row.blob_deleted_at === null ? null : Number(row.blob_deleted_at),
  };
}

// `npm run bench:wal`: SQLite WAL frames (pages written) per create and per burn (the last view of a 1-view
// push), one request at a time and 50 at once (group commit), on the schema as migrated and on a copy whose
// pushes table is rebuilt without AUTOINCREMENT. Figures, never assertions.
//
// How: the server runs on a fresh file, and a second connection holds the WAL open and measures its growth
// (framesFor).
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BENCH_PASSDROP_ENV, startPassdrop, stopTarget, type Target } from './bench-support.js';

const REQUESTS = Number(process.env.BENCH_WAL_REQUESTS ?? 500);
const JSON_HEADERS = { 'content-type': 'application/json' };

/** Rebuilds `table` as the same columns with `INTEGER PRIMARY KEY` (no AUTOINCREMENT), keeping its rows and indexes. */
function dropAutoincrement(file: string, table: string): void {
  const db = new Database(file);
  try {
    db.pragma('foreign_keys = OFF');
    const { sql } = db.prepare('select sql from sqlite_schema where type = ? and name = ?').get('table', table) as { sql: string };
    const indexes = (db.prepare('select sql from sqlite_schema where type = ? and tbl_name = ? and sql is not null').all('index', table) as Array<{ sql: string }>).map((row) => row.sql);
    db.transaction(() => {
      db.exec(sql.replace(`CREATE TABLE ${table}`, `CREATE TABLE ${table}_rebuilt`).replace(/PRIMARY KEY AUTOINCREMENT/, 'PRIMARY KEY'));
      db.exec(`insert into ${table}_rebuilt select * from ${table}`);
      db.exec(`drop table ${table}`);
      db.exec(`alter table ${table}_rebuilt rename to ${table}`);
      for (const index of indexes) db.exec(index);
    })();
  } finally {
    db.close();
  }
}

async function inParallel(count: number, concurrency: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/**
 * WAL frames written while `count` requests run, `concurrency` at a time. A read transaction of our own,
 * open throughout, keeps every checkpoint from restarting the WAL, so it only grows: frames are its growth
 * divided by the frame size (a 24-byte header and a page).
 */
async function framesFor(file: string, count: number, concurrency: number, work: (index: number) => Promise<void>): Promise<number> {
  const db = new Database(file);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const frameBytes = (db.pragma('page_size', { simple: true }) as number) + 24;
    db.exec('begin');
    db.prepare('select count(*) from sqlite_schema').get();
    const walBytes = () => (existsSync(`${file}-wal`) ? Math.max(statSync(`${file}-wal`).size, 32) : 32);
    const before = walBytes();
    await inParallel(count, concurrency, work);
    const frames = (walBytes() - before) / frameBytes;
    db.exec('commit');
    return frames;
  } finally {
    db.close();
  }
}

async function measureVariant(label: string, prepare: (file: string) => void): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'passdrop-wal-'));
  const file = join(directory, 'wal.sqlite');
  // The first start migrates the file; the variant changes it while no server runs.
  await stopTarget(await startPassdrop(`sqlite:${file}`, BENCH_PASSDROP_ENV));
  prepare(file);
  const target: Target = await startPassdrop(`sqlite:${file}`, BENCH_PASSDROP_ENV);
  try {
    for (const concurrency of [1, 50]) {
      const tokens: string[] = [];
      const create = async () => {
        const response = await fetch(`${target.url}/api/passdrop/v1/pushes`, {
          method: 'POST',
          headers: JSON_HEADERS,
          body: JSON.stringify({ payload: 'correct horse battery staple', expire_after_views: 1, retrieval_step: false }),
        });
        if (response.status !== 201) throw new Error(`create answered ${response.status}: ${await response.text()}`);
        tokens.push(((await response.json()) as { token: string }).token);
      };
      await inParallel(20, concurrency, create); // warm-up, outside the count
      tokens.length = 0;
      const created = await framesFor(file, REQUESTS, concurrency, create);
      const burned = await framesFor(file, tokens.length, concurrency, async (index) => {
          const response = await fetch(`${target.url}/p/${tokens[index]}.json`);
          if (response.status !== 200) throw new Error(`burn of ${tokens[index]} answered ${response.status}: ${await response.text()}`);
          await response.arrayBuffer();
      });
      console.log(`${label.padEnd(34)} ${String(concurrency).padStart(2)} at once: create ${(created / REQUESTS).toFixed(2)} pages, burn ${(burned / REQUESTS).toFixed(2)} pages per request`);
    }
  } finally {
    await stopTarget(target);
    rmSync(directory, { recursive: true, force: true });
  }
}

console.log(`WAL frames (4 KiB pages) per request, ${REQUESTS} requests each; run \`npm run build\` first`);
await measureVariant('as migrated', () => undefined);
// What keeping AUTOINCREMENT on pushes costs (it keeps a purged push's id from being reused while
// notification and receipt rows still name it).
await measureVariant('pushes without AUTOINCREMENT', (file) => dropAutoincrement(file, 'pushes'));

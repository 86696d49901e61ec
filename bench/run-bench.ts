// `npm run bench`: loads Passdrop and a bare node:http server in the same run with wrk and prints, per
// scenario and database: req/s, the ratio to the bare server, the server's CPU µs per request (from
// /proc), its own p50/p99 (from its latency histogram; wrk shares the two cores, so its tail is inflated),
// and RSS. Figures, never assertions.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  CONNECTIONS,
  DURATION_SECONDS,
  THREADS,
  BENCH_PASSDROP_ENV,
  ensureWrk,
  measure,
  printTable,
  residentMegabytes,
  startBareServer,
  startPassdrop,
  stopTarget,
  type Measurement,
  type Row,
  type Target,
} from './bench-support.js';
import { measurePageWeights, printPageWeights, type PageWeight } from './page-weight.js';

const POSTGRES_ADMIN_URL = process.env.PASSDROP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const JSON_HEADERS = { 'content-type': 'application/json' };

/** create: POST /api/passdrop/v1/pushes of 1-view pushes; returns the file holding every token made. */
async function benchCreate(target: Target, scratch: string): Promise<{ measured: Measurement; tokensFile: string; tokens: number }> {
  const prefix = join(scratch, `tokens-${randomBytes(4).toString('hex')}`);
  const measured = await measure(target, { script: 'create.lua', scriptArgs: [prefix], warm: true });
  const tokens = Array.from({ length: THREADS }, (_, thread) => {
    try {
      return readFileSync(`${prefix}.${thread}`, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }).flat();
  // The warm-up's tokens were overwritten by the measured run's (same files, opened for writing again).
  const tokensFile = `${prefix}.all`;
  writeFileSync(tokensFile, `${tokens.join('\n')}\n`);
  return { measured, tokensFile, tokens: tokens.length };
}

/** retrieve: GET /p/<token>.json of one push with views to spare (Password Pusher's JSON retrieve). */
async function benchRetrieve(target: Target): Promise<Measurement> {
  const response = await fetch(`${target.url}/api/passdrop/v1/pushes`, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ payload: 'shared secret', expire_after_views: 10_000, retrieval_step: false }),
  });
  const { token } = (await response.json()) as { token: string };
  return measure(target, { path: `/p/${token}.json` });
}

/**
 * burn: each 1-view token read exactly once, so every request uses and deletes a payload. wrk always runs
 * for its whole duration, so the run is sized to end before the tokens do: 70 % of the time the retrieve
 * rate (the same path, less the deletion) would need for all of them.
 */
function benchBurn(target: Target, tokensFile: string, tokens: number, retrieveRate: number): Promise<Measurement> {
  const durationSeconds = Math.max(1, Math.min(DURATION_SECONDS, Math.floor((0.7 * tokens) / Math.max(1, retrieveRate))));
  // No warm-up: every token can be read once only (the retrieve scenario has warmed the same path).
  return measure(target, { script: 'burn.lua', scriptArgs: [tokensFile, String(THREADS)], warm: false, durationSeconds });
}

interface DatabaseFigures {
  readonly rss: { now: number; peak: number };
  readonly startMs: number;
}

async function benchDatabase(label: string, databaseUrl: string | undefined, bare: { get: Measurement; post: Measurement }, rows: Row[], scratch: string, weights?: PageWeight[]): Promise<DatabaseFigures> {
  const passdrop = await startPassdrop(databaseUrl, BENCH_PASSDROP_ENV);
  try {
    const create = await benchCreate(passdrop, scratch);
    rows.push({ scenario: 'create (POST /api/passdrop/v1/pushes)', database: label, measured: create.measured, bare: bare.post });
    const retrieve = await benchRetrieve(passdrop);
    rows.push({ scenario: 'retrieve (GET /p/:token.json, many views)', database: label, measured: retrieve, bare: bare.get });
    const burn = await benchBurn(passdrop, create.tokensFile, create.tokens, retrieve.requestsPerSecond);
    rows.push({ scenario: `burn (1-view pushes, each token once; ${burn.requests} of ${create.tokens})`, database: label, measured: burn, bare: bare.get });
    rows.push({ scenario: 'GET /up (health, one query)', database: label, measured: await measure(passdrop, { path: '/up' }), bare: bare.get });
    const rss = residentMegabytes(passdrop.child.pid);
    // Page weight (bench/page-weight.ts) after the load scenarios, so the browser never competes with them.
    if (weights) weights.push(...(await measurePageWeights(passdrop.url).catch((error: unknown) => {
      console.log(`Page weight not measured: ${(error as Error).message.split('\n')[0]}`);
      return [];
    })));
    return { rss, startMs: passdrop.startMs };
  } finally {
    await stopTarget(passdrop);
  }
}

async function withPostgresDatabase<T>(work: (url: string) => Promise<T>): Promise<T> {
  const name = `passdrop_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${name}`;
    return await work(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function main(): Promise<void> {
  ensureWrk();
  const only = process.env.BENCH_DATABASES?.split(',') ?? ['sqlite', 'postgres'];
  console.log(`Passdrop benchmark: wrk -t${THREADS} -c${CONNECTIONS}, ${DURATION_SECONDS} s per scenario (BENCH_THREADS, BENCH_CONNECTIONS, BENCH_DURATION, BENCH_DATABASES)`);
  console.log('wrk, the servers and (for PostgreSQL) the database share this machine\'s cores; CPU µs/req is the server process\'s own.\n');
  const scratch = mkdtempSync(join(tmpdir(), 'passdrop-bench-tokens-'));
  const bareServer = await startBareServer();
  const rows: Row[] = [];
  const figures: string[] = [];
  const weights: PageWeight[] = [];
  try {
    const bare = {
      get: await measure(bareServer),
      post: await measure(bareServer, { script: 'post.lua' }),
    };
    if (only.includes('sqlite')) {
      const result = await benchDatabase('sqlite', undefined, bare, rows, scratch, weights);
      figures.push(`sqlite: RSS ${result.rss.now.toFixed(0)} MB at the end, ${result.rss.peak.toFixed(0)} MB peak; cold start to /up ${result.startMs.toFixed(0)} ms`);
    }
    if (only.includes('postgres')) {
      const result = await withPostgresDatabase((url) => benchDatabase('postgres', url, bare, rows, scratch));
      figures.push(`postgres: RSS ${result.rss.now.toFixed(0)} MB at the end, ${result.rss.peak.toFixed(0)} MB peak; cold start to /up ${result.startMs.toFixed(0)} ms`);
    }
  } finally {
    await stopTarget(bareServer);
    rmSync(scratch, { recursive: true, force: true });
  }
  printTable(rows);
  console.log('');
  for (const line of figures) console.log(line);
  if (weights.length > 0) printPageWeights(weights);
  console.log('\nTargets (reported, never asserted; issue 19): SQLite burn >= 0.20 and create >= 0.18 of bare, server p99 <= 5 ms,');
  console.log('CPU <= 70 µs/req, RSS <= 120 MB; PostgreSQL >= 0.08 for both; cold start to /up <= 1 s.');
}

await main();

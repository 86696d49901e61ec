// `npm run bench`: loads Passdrop and a bare node:http server in the same run and prints req/s, p50,
// p99 and the ratio to the bare server for each scenario, plus Passdrop's RSS. Figures, never assertions.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  CONNECTIONS,
  DURATION_SECONDS,
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
const CREATE_BODY = JSON.stringify({ payload: 'correct horse battery staple', expire_after_views: 1, retrieval_step: false });
const JSON_HEADERS = { 'content-type': 'application/json' };

/** create: POST /api/passdrop/v1/pushes of 1-view pushes, keeping every token for the burn scenario. */
async function benchCreate(target: Target, tokens: string[]): Promise<Measurement> {
  return measure({
    url: target.url,
    requests: [
      {
        method: 'POST',
        path: '/api/passdrop/v1/pushes',
        headers: JSON_HEADERS,
        body: CREATE_BODY,
        onResponse: (status: number, body: string) => {
          if (status === 201) tokens.push((JSON.parse(body) as { token: string }).token);
        },
      },
    ],
  });
}

/** retrieve: GET /p/<token>.json of one push with views to spare (Password Pusher's JSON retrieve). */
async function benchRetrieve(target: Target): Promise<Measurement> {
  const response = await fetch(`${target.url}/api/passdrop/v1/pushes`, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ payload: 'shared secret', expire_after_views: 10_000, retrieval_step: false }),
  });
  const { token } = (await response.json()) as { token: string };
  return measure({ url: `${target.url}/p/${token}.json` });
}

/** burn: each 1-view token read exactly once, so every request uses and deletes a payload. */
async function benchBurn(target: Target, tokens: readonly string[]): Promise<Measurement> {
  let next = 0;
  // No warm-up round: every token can be read once only (the retrieve scenario has warmed the same path).
  return measure({
    url: target.url,
    amount: tokens.length,
    requests: [
      {
        method: 'GET',
        setupRequest: (request: { path?: string }) => ({ ...request, path: `/p/${tokens[next++ % tokens.length]}.json` }),
      },
    ],
  }, false);
}

async function benchDatabase(label: string, databaseUrl: string | undefined, bare: { get: Measurement; post: Measurement }, rows: Row[], weights?: PageWeight[]): Promise<number> {
  const passdrop = await startPassdrop(databaseUrl, {
    PASSDROP_TEXT_EXPIRE_AFTER_VIEWS_MAX: '10000',
    // The bench creates far more pushes than a person would; keep the sweeper out of the measurement.
    PASSDROP_SWEEP_INTERVAL_SECONDS: '60',
    // One client address makes every request here: limits high enough never to refuse one, so the
    // figures measure the path (the limiter still counts each request, as in production).
    PASSDROP_CREATE_LIMIT_PER_IP: '1000000',
    PASSDROP_REVEAL_LIMIT_PER_IP: '1000000',
    PASSDROP_API_LIMIT_PER_IP: '1000000',
  });
  try {
    const tokens: string[] = [];
    rows.push({ scenario: 'create (POST /api/passdrop/v1/pushes)', database: label, measured: await benchCreate(passdrop, tokens), bare: bare.post });
    rows.push({ scenario: 'retrieve (GET /p/:token.json, many views)', database: label, measured: await benchRetrieve(passdrop), bare: bare.get });
    rows.push({ scenario: `burn (1-view pushes, ${tokens.length} tokens once each)`, database: label, measured: await benchBurn(passdrop, tokens), bare: bare.get });
    rows.push({ scenario: 'GET /up (health, one query)', database: label, measured: await measure({ url: `${passdrop.url}/up` }), bare: bare.get });
    const megabytes = residentMegabytes(passdrop.child.pid);
    // Page weight (bench/page-weight.ts) after the load scenarios, so the browser never competes with them.
    if (weights) weights.push(...(await measurePageWeights(passdrop.url).catch((error: unknown) => {
      console.log(`Page weight not measured: ${(error as Error).message.split('\n')[0]}`);
      return [];
    })));
    return megabytes;
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
  const only = process.env.BENCH_DATABASES?.split(',') ?? ['sqlite', 'postgres'];
  console.log(`Passdrop benchmark: ${CONNECTIONS} connections, ${DURATION_SECONDS} s per scenario (BENCH_CONNECTIONS, BENCH_DURATION, BENCH_DATABASES)`);
  console.log('The load generator (autocannon) runs in this process on the same machine as both servers.\n');
  const bareServer = await startBareServer();
  const rows: Row[] = [];
  const rss: string[] = [];
  const weights: PageWeight[] = [];
  try {
    const bare = {
      get: await measure({ url: `${bareServer.url}/` }),
      post: await measure({ url: `${bareServer.url}/`, method: 'POST', headers: JSON_HEADERS, body: CREATE_BODY }),
    };
    if (only.includes('sqlite')) rss.push(`sqlite ${(await benchDatabase('sqlite', undefined, bare, rows, weights)).toFixed(1)} MB`);
    if (only.includes('postgres')) {
      const megabytes = await withPostgresDatabase((url) => benchDatabase('postgres', url, bare, rows));
      rss.push(`postgres ${megabytes.toFixed(1)} MB`);
    }
  } finally {
    await stopTarget(bareServer);
  }
  printTable(rows);
  if (weights.length > 0) printPageWeights(weights);
  console.log(`\nPassdrop RSS at the end of its scenarios: ${rss.join(', ')}`);
  console.log('Targets (reported, never asserted): burn >= 0.40 and create >= 0.30 of bare on SQLite, >= 0.25 on PostgreSQL; p99 <= 10 ms; RSS <= 120 MB.');
}

await main();

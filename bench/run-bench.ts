// `npm run bench`: loads Passdrop and a bare node:http server in the same run and prints req/s, p50,
// p99 and the ratio for each scenario, plus Passdrop's RSS. Figures, never assertions.
import { CONNECTIONS, DURATION_SECONDS, measure, printTable, residentMegabytes, startBareServer, startPassdrop, stopTarget, type Row } from './bench-support.js';

async function main(): Promise<void> {
  console.log(`Passdrop benchmark: ${CONNECTIONS} connections, ${DURATION_SECONDS} s per scenario (BENCH_CONNECTIONS, BENCH_DURATION)\n`);
  const bare = await startBareServer();
  const passdrop = await startPassdrop();
  const rows: Row[] = [];
  try {
    const bareGet = await measure({ url: `${bare.url}/up` });
    rows.push({ scenario: 'GET /up (health, one DB query)', database: 'sqlite', measured: await measure({ url: `${passdrop.url}/up` }), bare: bareGet });
    printTable(rows);
    console.log(`\nPassdrop RSS after the run: ${residentMegabytes(passdrop.child.pid).toFixed(1)} MB`);
  } finally {
    await stopTarget(passdrop);
    await stopTarget(bare);
  }
}

await main();

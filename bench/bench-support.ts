import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

export interface Target {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
}

export interface Measurement {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
}

export const DURATION_SECONDS = Number(process.env.BENCH_DURATION ?? 5);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

/** Starts a process and resolves with the URL it reports (a JSON line with `listening` or `address`). */
export function startTarget(name: string, command: string, args: string[], env: Record<string, string> = {}): Promise<Target> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (const line of buffer.split('\n')) {
        try {
          const parsed = JSON.parse(line) as { listening?: string; address?: string; msg?: string };
          const url = parsed.listening ?? (parsed.msg === 'Passdrop is listening' ? parsed.address : undefined);
          if (url) {
            resolve({ name, url, child });
            return;
          }
        } catch {
          // not a complete JSON line yet
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
}

/** A port that was free a moment ago (Passdrop logs its address only at info level; the bench runs it at warn). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Polls `/up` every 50 ms for up to a minute (start-up on a loaded 2-core machine can take several seconds). */
async function waitUntilUp(url: string): Promise<void> {
  for (let attempt = 0; attempt < 1200; attempt += 1) {
    try {
      if ((await fetch(`${url}/up`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not come up`);
}

/** Starts the built Passdrop server on the given database (a temp SQLite file by default). */
export async function startPassdrop(databaseUrl?: string, extraEnv: Record<string, string> = {}): Promise<Target> {
  const directory = mkdtempSync(join(tmpdir(), 'passdrop-bench-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/cli/passdrop-server-bin.js', 'serve'], {
    env: { ...process.env, ...passdropEnv(directory, port, databaseUrl, extraEnv) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilUp(url);
  return { name: 'passdrop', url, child };
}

function passdropEnv(directory: string, port: number, databaseUrl: string | undefined, extraEnv: Record<string, string>) {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl ?? `sqlite:${join(directory, 'bench.sqlite')}`,
    PASSDROP_DATA_DIR: directory,
    PASSDROP_MASTER_KEY: randomBytes(32).toString('hex'),
    ...extraEnv,
  };
}

export function startBareServer(): Promise<Target> {
  return startTarget('bare node:http', process.execPath, ['bench/bare-server.mjs']);
}

/** One load run; `warm` first runs a second of the same load so the JIT has settled. */
export async function measure(options: autocannon.Options, warm = true): Promise<Measurement> {
  if (warm) await autocannon({ connections: CONNECTIONS, duration: 1, ...options });
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION_SECONDS, ...options });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/** Resident set size of a process in MB, from /proc. */
export function residentMegabytes(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kilobytes = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kilobytes / 1024;
}

export async function stopTarget(target: Target): Promise<void> {
  target.child.kill('SIGTERM');
  await new Promise((resolve) => target.child.once('exit', resolve));
}

export interface Row {
  readonly scenario: string;
  readonly database: string;
  readonly measured: Measurement;
  readonly bare: Measurement;
}

export function printTable(rows: readonly Row[]): void {
  const header = ['scenario', 'db', 'req/s', 'p50 ms', 'p99 ms', 'bare req/s', 'ratio', 'errors/non-2xx'];
  const lines = rows.map((row) => [
    row.scenario,
    row.database,
    row.measured.requestsPerSecond.toFixed(0),
    String(row.measured.p50),
    String(row.measured.p99),
    row.bare.requestsPerSecond.toFixed(0),
    (row.measured.requestsPerSecond / row.bare.requestsPerSecond).toFixed(2),
    `${row.measured.errors}/${row.measured.non2xx}`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const format = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  console.log(format(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const line of lines) console.log(format(line));
}

import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Target {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** Where the server's Prometheus metrics are (Passdrop only): the server-side latency comes from there. */
  readonly metricsUrl?: string;
}

/** One scenario's figures. Times in milliseconds; `cpuMicros` is the server's CPU (user + system) per answered request. */
export interface Measurement {
  readonly requestsPerSecond: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  /** wrk's view of the latency (the client shares the two cores, so its tail is inflated). */
  readonly clientP50: number;
  readonly clientP99: number;
  /** From the server's own histogram (Passdrop only; undefined for the bare server). */
  readonly serverP50?: number;
  readonly serverP99?: number;
  readonly cpuMicros: number;
}

export const DURATION_SECONDS = Number(process.env.BENCH_DURATION ?? 5);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
export const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const WRK_SCRIPTS = new URL('./wrk/', import.meta.url).pathname;

/** Makes sure `wrk` is on the PATH, installing Debian's package when it is not (CI runs as root). */
export function ensureWrk(): void {
  if (spawnSync('wrk', ['--version']).error === undefined) return;
  console.log('wrk is missing: installing Debian\'s package');
  const install = spawnSync('sh', ['-c', 'apt-get install -y wrk >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y wrk >/dev/null 2>&1)'], { stdio: 'inherit' });
  if (install.status !== 0 || spawnSync('wrk', ['--version']).error !== undefined) throw new Error('wrk could not be installed: apt-get install wrk');
}

/** Starts a process and resolves with the URL it reports (a JSON line with `listening`). */
export function startTarget(name: string, command: string, args: string[], env: Record<string, string> = {}): Promise<Target> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (const line of buffer.split('\n')) {
        try {
          const parsed = JSON.parse(line) as { listening?: string };
          if (parsed.listening) {
            resolve({ name, url: parsed.listening, child });
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

/** A port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Polls `/up` every 20 ms for up to a minute; resolves with the milliseconds it took. */
async function waitUntilUp(url: string, started: number): Promise<number> {
  for (let attempt = 0; attempt < 3000; attempt += 1) {
    try {
      if ((await fetch(`${url}/up`)).ok) return performance.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${url} did not come up`);
}

/** Settings for a loaded Passdrop: many pushes, one client address. */
export const BENCH_PASSDROP_ENV: Readonly<Record<string, string>> = {
  PASSDROP_TEXT_EXPIRE_AFTER_VIEWS_MAX: '10000',
  // The bench creates far more pushes than a person would; keep the sweeper out of the measurement.
  PASSDROP_SWEEP_INTERVAL_SECONDS: '60',
  // One client address makes every request here: limits high enough never to refuse one, so the
  // figures measure the path (the limiter still counts each request, as in production).
  PASSDROP_CREATE_LIMIT_PER_IP: '1000000',
  PASSDROP_REVEAL_LIMIT_PER_IP: '1000000',
  PASSDROP_API_LIMIT_PER_IP: '1000000',
};

/** Starts the built Passdrop server on the given database (a temp SQLite file by default); `startMs` is the cold start to a 200 from `/up`. */
export async function startPassdrop(databaseUrl?: string, extraEnv: Record<string, string> = {}): Promise<Target & { startMs: number }> {
  const directory = mkdtempSync(join(tmpdir(), 'passdrop-bench-'));
  const [port, metricsPort] = [await freePort(), await freePort()];
  const started = performance.now();
  const log = openSync(join(directory, 'server.log'), 'w');
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_OPTIONS?.split(' ') ?? []), 'dist/cli/passdrop-server-bin.js', 'serve'], {
    env: { ...process.env, ...passdropEnv(directory, port, metricsPort, databaseUrl, extraEnv) },
    stdio: ['ignore', log, 'inherit'],
    cwd: process.cwd(),
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`Passdrop exited with ${code} (its log: ${join(directory, 'server.log')})`))));
  const startMs = await Promise.race([waitUntilUp(url, started), exited]);
  return { name: 'passdrop', url, child, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, startMs };
}

function passdropEnv(directory: string, port: number, metricsPort: number, databaseUrl: string | undefined, extraEnv: Record<string, string>) {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    // Production logs a line per request at info; the bench keeps that cost in (the lines go to a file).
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    DATABASE_URL: databaseUrl ?? `sqlite:${join(directory, 'bench.sqlite')}`,
    PASSDROP_DATA_DIR: directory,
    PASSDROP_MASTER_KEY: randomBytes(32).toString('hex'),
    PASSDROP_METRICS_PORT: String(metricsPort),
    PASSDROP_METRICS_HOST: '127.0.0.1',
    ...extraEnv,
  };
}

export function startBareServer(): Promise<Target> {
  return startTarget('bare node:http', process.execPath, ['bench/bare-server.mjs']);
}

/** CPU seconds (user + system, every thread) a process has used so far, from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": state is field 0, utime 11, stime 12 (fields 14 and 15 of proc(5)), in clock ticks.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Cumulative request-latency bucket counts (le in seconds → count) from the server's Prometheus text. */
async function latencyBuckets(metricsUrl: string): Promise<Map<number, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const buckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    const match = /^passdrop_http_request_duration_seconds_bucket\{.*le="([^"]+)".*\} (\d+)/.exec(line);
    if (!match) continue;
    const le = match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(match[2]));
  }
  return buckets;
}

/** The q-quantile in milliseconds of the requests between two bucket snapshots, interpolated inside its bucket. */
function quantile(before: Map<number, number>, after: Map<number, number>, q: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((bound) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (let index = 0; index < bounds.length; index += 1) {
    if (counts[index]! >= rank) {
      const upper = Number.isFinite(bounds[index]!) ? bounds[index]! : lower * 2;
      const inBucket = counts[index]! - below;
      return (lower + (upper - lower) * ((rank - below) / Math.max(1, inBucket))) * 1000;
    }
    lower = bounds[index]!;
    below = counts[index]!;
  }
  return Number.NaN;
}

function parseLatency(text: string, label: string): number {
  const match = new RegExp(`^\\s+${label}\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text);
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

export interface LoadOptions {
  /** wrk script in bench/wrk/ (none: GET `path`). */
  readonly script?: string;
  readonly scriptArgs?: readonly string[];
  readonly path?: string;
  readonly durationSeconds?: number;
  /** A second of the same load first, so the JIT has settled (off for scenarios that use up their input). */
  readonly warm?: boolean;
}

/** One wrk run against `target`, with the server's CPU and (for Passdrop) its own latency histogram around it. */
export async function measure(target: Target, options: LoadOptions = {}): Promise<Measurement> {
  const args = (seconds: number) => [
    `-t${THREADS}`,
    `-c${CONNECTIONS}`,
    `-d${seconds}s`,
    '--latency',
    ...(options.script ? ['-s', join(WRK_SCRIPTS, options.script)] : []),
    `${target.url}${options.path ?? '/'}`,
    ...(options.scriptArgs?.length ? ['--', ...options.scriptArgs] : []),
  ];
  if (options.warm !== false) await run('wrk', args(1));
  const pid = target.child.pid!;
  const before = target.metricsUrl ? await latencyBuckets(target.metricsUrl) : undefined;
  const cpuBefore = cpuSeconds(pid);
  const { stdout } = await run('wrk', args(options.durationSeconds ?? DURATION_SECONDS), { maxBuffer: 1 << 20 });
  const cpuAfter = cpuSeconds(pid);
  const after = target.metricsUrl ? await latencyBuckets(target.metricsUrl) : undefined;
  const requests = Number(/(\d+) requests in ([\d.]+)(m?s)/.exec(stdout)?.[1] ?? Number.NaN);
  const elapsed = /(\d+) requests in ([\d.]+)(m?s)/.exec(stdout);
  const seconds = elapsed ? Number(elapsed[2]) / (elapsed[3] === 'ms' ? 1000 : 1) : Number.NaN;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = socketErrors ? socketErrors.slice(1).reduce((sum, value) => sum + Number(value), 0) : 0;
  const answered = requests - non2xx;
  return {
    requestsPerSecond: answered / seconds,
    requests,
    non2xx,
    errors,
    clientP50: parseLatency(stdout, '50%'),
    clientP99: parseLatency(stdout, '99%'),
    ...(before && after ? { serverP50: quantile(before, after, 0.5), serverP99: quantile(before, after, 0.99) } : {}),
    cpuMicros: ((cpuAfter - cpuBefore) * 1e6) / Math.max(1, requests),
  };
}

/** Resident set size (current and peak) of a process in MB, from /proc. */
export function residentMegabytes(pid: number | undefined): { now: number; peak: number } {
  if (pid === undefined) return { now: Number.NaN, peak: Number.NaN };
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const read = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN) / 1024;
  return { now: read('VmRSS'), peak: read('VmHWM') };
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

const fixed = (value: number | undefined, digits: number) => (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits));

export function printTable(rows: readonly Row[]): void {
  const header = ['scenario', 'db', 'req/s', 'bare req/s', 'ratio', 'CPU µs/req', 'bare µs/req', 'server p50/p99 ms', 'wrk p50/p99 ms', 'non-2xx/errors'];
  const lines = rows.map((row) => [
    row.scenario,
    row.database,
    fixed(row.measured.requestsPerSecond, 0),
    fixed(row.bare.requestsPerSecond, 0),
    fixed(row.measured.requestsPerSecond / row.bare.requestsPerSecond, 3),
    fixed(row.measured.cpuMicros, 0),
    fixed(row.bare.cpuMicros, 0),
    `${fixed(row.measured.serverP50, 2)} / ${fixed(row.measured.serverP99, 2)}`,
    `${fixed(row.measured.clientP50, 2)} / ${fixed(row.measured.clientP99, 2)}`,
    `${row.measured.non2xx}/${row.measured.errors}`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const format = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  console.log(format(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const line of lines) console.log(format(line));
}

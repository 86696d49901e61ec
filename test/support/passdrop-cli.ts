import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli } from '../../packages/cli/build-cli.mjs';

let bundle: Promise<string> | undefined;

/**
 * The `passdrop` CLI as it ships: one bundled file, built once per test process from the current
 * sources into a temporary directory (so parallel test files never race on dist/).
 */
export function cliBundle(): Promise<string> {
  bundle ??= (async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'passdrop-cli-')), 'passdrop.mjs');
    await buildCli(file);
    return file;
  })();
  return bundle;
}

export interface CliResult {
  readonly code: number | null;
  /** stdout as bytes: `get` must print the secret byte for byte. */
  readonly stdout: Buffer;
  readonly stderr: string;
}

export interface CliRunOptions {
  readonly env?: Record<string, string | undefined>;
  /** Written to stdin and closed; without it stdin is empty (closed at once). */
  readonly stdin?: string | Uint8Array;
  /** The config home (XDG_CONFIG_HOME); a fresh empty one when not given. */
  readonly configHome?: string;
}

/** A fresh, empty config home (what XDG_CONFIG_HOME points at). */
export function freshConfigHome(): string {
  return mkdtempSync(join(tmpdir(), 'passdrop-cli-config-'));
}

/**
 * Starts the CLI in its own session (detached), so it has no controlling terminal: prompts are
 * impossible, as in CI or cron. The environment holds only what is given (plus PATH and a scratch HOME).
 */
export async function spawnCli(args: string[], options: CliRunOptions = {}): Promise<ChildProcess> {
  const home = options.configHome ?? freshConfigHome();
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: home };
  for (const [name, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[name] = value;
  return spawn(process.execPath, [await cliBundle(), ...args], { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Collects a spawned CLI's output until it exits. */
export async function finished(child: ChildProcess): Promise<CliResult> {
  const out: Buffer[] = [];
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout: Buffer.concat(out), stderr: err };
}

/** Runs `passdrop ARGS` to the end. */
export async function runCli(args: string[], options: CliRunOptions = {}): Promise<CliResult> {
  const child = await spawnCli(args, options);
  const result = finished(child);
  child.stdin!.end(options.stdin === undefined ? undefined : Buffer.from(options.stdin));
  return result;
}

/** The link a successful `passdrop push` printed (stdout is the link and a newline, nothing else). */
export function linkOf(result: CliResult): string {
  if (result.code !== 0) throw new Error(`passdrop push failed (${result.code}): ${result.stderr}`);
  const text = result.stdout.toString('utf8');
  if (!/^https?:\/\/\S+\n$/.test(text)) throw new Error(`stdout is not one link: ${JSON.stringify(text)}`);
  return text.trimEnd();
}

/** A CLI run inside a pseudo-terminal (util-linux `script`), driven like a person at the keyboard. */
export interface TerminalSession {
  /** Resolves with everything shown so far (ANSI escapes removed) once `pattern` appears; after a timeout, hangs up and rejects. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Types keys (use \r for Enter). */
  type(keys: string): void;
  /** Resolves with the exit code and the whole screen output once the CLI exits. */
  exited(): Promise<{ code: number | null; output: string }>;
}

const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
const ANSI_ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');
const stripAnsi = (text: string) => text.replace(ANSI_ESCAPE, '').replace(/\r/g, '');

/**
 * Runs `passdrop ARGS` with a terminal on stdin, stdout and stderr (`pipeInto`, if given, is piped to
 * its stdin instead, leaving the terminal reachable only as /dev/tty).
 */
export async function runCliInTerminal(args: string[], options: { env?: Record<string, string>; configHome?: string; pipeInto?: string } = {}): Promise<TerminalSession> {
  const home = options.configHome ?? freshConfigHome();
  const command = `${process.execPath} ${[await cliBundle(), ...args].map(shellQuote).join(' ')}`;
  const pipeline = options.pipeInto === undefined ? `exec ${command}` : `printf %s ${shellQuote(options.pipeInto)} | ${command}`;
  const child = spawn('script', ['-qefc', `stty cols 200 rows 50; ${pipeline}`, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: home, TERM: 'xterm', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    screen += chunk.toString('utf8');
    for (const listener of listeners) listener();
  });
  const exit = once(child, 'close').then(([code]) => ({ code: code as number | null, output: stripAnsi(screen) }));
  return {
    waitFor(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(stripAnsi(screen))) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(stripAnsi(screen));
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          // Hang up the terminal so the CLI does not outlive the test.
          child.kill();
          reject(new Error(`${pattern} did not appear; the screen shows:\n${stripAnsi(screen)}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    type(keys) {
      child.stdin.write(keys);
    },
    exited: () => exit,
  };
}

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONTAINERS_CONF = fileURLToPath(new URL('../deploy/containers.conf', import.meta.url));
const BUILD_CI_IMAGES = fileURLToPath(new URL('../deploy/ci-images/build-ci-images.sh', import.meta.url));

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command with podman's settings for this machine; never throws (the caller checks `code`). */
export function runCommand(command: string, args: readonly string[], env: Record<string, string> = {}, cwd = REPOSITORY_ROOT): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: { ...process.env, CONTAINERS_CONF, ...env }, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs a command and fails with the end of its output when it exits non-zero. */
export async function mustRun(command: string, args: readonly string[], env: Record<string, string> = {}): Promise<CommandResult> {
  const result = await runCommand(command, args, env);
  if (result.code !== 0) {
    const tail = (text: string) => text.split('\n').slice(-40).join('\n');
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}\n${tail(result.stdout)}\n${tail(result.stderr)}`);
  }
  return result;
}

export const podman = (...args: string[]) => mustRun('podman', args);

export interface CiImages {
  /** Stands in for node:22-bookworm-slim. */
  readonly nodeImage: string;
  /** Stands in for the official postgres image. */
  readonly postgresImage: string;
}

/** Builds (or finds, when the recipe has not changed) the local base images; see build-ci-images.sh. */
export async function ciBaseImages(): Promise<CiImages> {
  const { stdout } = await mustRun('bash', [BUILD_CI_IMAGES]);
  const value = (name: string) => {
    const match = new RegExp(`^${name}=(\\S+)$`, 'm').exec(stdout);
    if (!match) throw new Error(`build-ci-images.sh printed no ${name}:\n${stdout}`);
    return match[1]!;
  };
  return { nodeImage: value('NODE_IMAGE'), postgresImage: value('POSTGRES_IMAGE') };
}

/** Polls GET url until it answers 200, or fails after `timeoutMs` with the last answer. */
export async function waitForOk(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

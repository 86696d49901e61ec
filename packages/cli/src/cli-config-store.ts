import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, EXIT } from './exit-codes.js';

/** What `passdrop login` remembers: per server (its normalised base URL), an API token; and the default server. */
export interface CliConfig {
  /** The server used when neither --server nor PASSDROP_SERVER says otherwise (the last one logged in to). */
  readonly defaultServer?: string;
  readonly servers: Readonly<Record<string, { readonly token: string }>>;
}

/**
 * Where the config lives: `$XDG_CONFIG_HOME/passdrop/config.json`, or `~/.config/passdrop/config.json`
 * when XDG_CONFIG_HOME is unset or not absolute (XDG Base Directory Specification).
 */
export function configFilePath(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && xdg.startsWith('/') ? xdg : join(env.HOME || homedir(), '.config');
  return join(base, 'passdrop', 'config.json');
}

/** Reads the config; a missing file is an empty config. A file that is not ours is an error, never overwritten silently. */
export function readCliConfig(path: string): CliConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { servers: {} };
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<CliConfig>;
    const servers: Record<string, { token: string }> = {};
    for (const [server, entry] of Object.entries(parsed.servers ?? {})) {
      if (typeof entry?.token === 'string') servers[server] = { token: entry.token };
    }
    return { ...(typeof parsed.defaultServer === 'string' ? { defaultServer: parsed.defaultServer } : {}), servers };
  } catch {
    throw new CliError(`${path} is not valid JSON. Fix or delete it, then log in again.`, EXIT.failure);
  }
}

/**
 * Writes the config readable by its owner only: its directory 0700, the file 0600, written to a
 * temporary file first and renamed, so a crash never leaves half a file or a moment of wider access.
 */
export function writeCliConfig(path: string, config: CliConfig): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // The passdrop/ directory is ours: nobody else needs to list it, even if it was made wider before.
  chmodSync(dirname(path), 0o700);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // The mode given to writeFileSync is filtered by the umask and ignored for an existing file.
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

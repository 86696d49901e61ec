/**
 * `passdrop-server backup PATH`: copies the SQLite database to a new file while the server keeps running,
 * through SQLite's online backup API (better-sqlite3's `.backup()`), which reads one consistent snapshot
 * even while other processes write. PostgreSQL is backed up with its own tools (pg_dump); the command
 * says so instead of guessing.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { loadConfig, type Environment } from '../config/load-config.js';
import { StartupError } from '../server/start-passdrop.js';
import type { ServerCommand } from './server-command.js';

const BACKUP_USAGE = 'passdrop-server backup PATH';

/** Everything the command prints, so that tests and the dispatcher can route it. */
export interface BackupOutput {
  out(line: string): void;
  error(line: string): void;
}

const consoleOutput: BackupOutput = { out: (line) => console.log(line), error: (line) => console.error(line) };

/**
 * Runs `backup` with its arguments (`[PATH]`). The new file is created with mode 0600 and never
 * overwrites an existing one. The master key is not in the backup (keep it apart, see the README).
 *
 * @returns the exit code: 0 done; 2 usage errors, a PostgreSQL database (use pg_dump) or an existing
 * destination; 1 when SQLite fails (the message says why)
 * @throws StartupError when the configuration is invalid
 * @example await runBackupCommand(['/backups/passdrop-2025-01-31.sqlite']);
 */
export async function runBackupCommand(
  args: readonly string[],
  env: Environment = process.env,
  output: BackupOutput = consoleOutput,
): Promise<number> {
  if (args.length !== 1 || args[0]!.trim() === '') {
    output.error(`Usage: ${BACKUP_USAGE}`);
    return 2;
  }
  const loaded = loadConfig(env);
  if (!loaded.ok) throw new StartupError(loaded.problems);
  const { database } = loaded.config;
  if (database.kind === 'postgres') {
    output.error(
      'DATABASE_URL names a PostgreSQL database: back it up with pg_dump, e.g.\n' +
        '  pg_dump --format=custom --file=passdrop.dump "$DATABASE_URL"\n' +
        'and restore with pg_restore (README: "Backup and restore").',
    );
    return 2;
  }
  if (database.path === ':memory:') {
    output.error('DATABASE_URL names an in-memory SQLite database: there is nothing to back up.');
    return 2;
  }
  const destination = resolve(args[0]!);
  if (existsSync(destination)) {
    output.error(`${destination} already exists; choose a new file name (backups never overwrite).`);
    return 2;
  }
  if (!existsSync(database.path)) {
    output.error(`There is no database at ${database.path} (DATABASE_URL).`);
    return 1;
  }

  const source = new SQLite(database.path, { fileMustExist: true });
  // Only the owner may read the copy, as with the database itself.
  const previousUmask = process.umask(0o077);
  try {
    source.pragma('busy_timeout = 10000');
    // Copy every page in one step: one read transaction, so concurrent writers cannot make SQLite
    // restart the copy over and over (it restarts when the source changes between steps).
    await source.backup(destination, { progress: () => 0x7fffffff });
  } finally {
    process.umask(previousUmask);
    source.close();
  }
  output.out(`Backed up ${database.path} to ${destination} (${statSync(destination).size} bytes).`);
  output.out('The master key is not in the backup: keep a copy of it apart from the backup, or the secrets cannot be read.');
  return 0;
}

const HELP = `Usage: ${BACKUP_USAGE}

Copies the SQLite database (DATABASE_URL) to PATH, a new file (never overwritten, mode 0600), while the
server keeps running, through SQLite's online backup. The master key is not in the backup: keep it
apart. On PostgreSQL, use pg_dump (see README.md, "Backup and restore").`;

/** `passdrop-server backup PATH`, for the command table. */
export const backupCommand: ServerCommand = {
  summary: 'copy the SQLite database to a new file while the server runs',
  help: HELP,
  async run(args) {
    if (args.includes('--help') || args.includes('-h')) return (console.log(HELP), 0);
    return runBackupCommand(args);
  },
};

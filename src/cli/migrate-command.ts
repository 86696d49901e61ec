import { loadConfig } from '../config/load-config.js';
import { StartupError } from '../server/start-passdrop.js';
import { migrate } from '../storage/migrator.js';
import { openDatabase } from '../storage/open-database.js';
import { parseCommandArguments, usageError, type ServerCommand } from './server-command.js';

const HELP = `Usage: passdrop-server migrate

Applies pending database migrations to DATABASE_URL and exits. "serve" does this too at start, so
this is for deployments that migrate in a separate step. Safe to run from several processes at once
on PostgreSQL (an advisory lock serialises them).`;

/** `passdrop-server migrate`: apply pending migrations and exit. */
export const migrateCommand: ServerCommand = {
  summary: 'apply pending database migrations and exit',
  help: HELP,
  async run(args) {
    const parsed = parseCommandArguments(args);
    if (parsed === 'help') return (console.log(HELP), 0);
    if ('error' in parsed) return usageError(parsed.error, HELP);
    if (parsed.positionals.length > 0) return usageError(`migrate takes no arguments (got "${parsed.positionals.join(' ')}").`, HELP);
    const loaded = loadConfig(process.env);
    if (!loaded.ok) throw new StartupError(loaded.problems);
    const database = openDatabase(loaded.config.database);
    try {
      const { applied } = await migrate(database);
      console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
      return 0;
    } finally {
      await database.close();
    }
  },
};

#!/usr/bin/env node
/**
 * The `passdrop` command: `serve` (the default) runs the server, `migrate` applies database migrations,
 * `rotate-keys` re-wraps stored secrets under the current master key.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { createAccountStore } from '../accounts/account-store.js';
import { totpEnvelopeContext } from '../accounts/two-factor.js';
import { rewrapEnvelope } from '../crypto/envelope.js';
import { resolveMasterKeys } from '../crypto/master-key-ring.js';
import { createPushStore } from '../pushes/push-store.js';
import { runAdminCommand } from './admin-commands.js';
import { runBackupCommand } from './backup-command.js';
import { migrate } from '../storage/migrator.js';
import { openDatabase } from '../storage/open-database.js';
import { StartupError, startPassdrop } from '../server/start-passdrop.js';

const USAGE = `Usage: passdrop [command]

Commands:
  serve      run the server (default)
  migrate    apply pending database migrations and exit
  rotate-keys
             re-wrap every stored secret under PASSDROP_MASTER_KEY; run it after
             moving the old key to PASSDROP_MASTER_KEY_PREVIOUS
  backup PATH
             copy the SQLite database to PATH (a new file) while the server runs;
             on PostgreSQL use pg_dump (see README)
  admin user add EMAIL [--admin]
             create an account (password read from stdin)
  admin token create EMAIL [--name NAME]
             print a new API token for the account
  help       show this text

Configuration comes from environment variables; see README.md.`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { admin: { type: 'boolean' }, name: { type: 'string' } },
  });
  const command = positionals[0] ?? 'serve';
  switch (command) {
    case 'admin':
      return runAdminCommand(positionals.slice(1), { admin: values.admin === true, name: typeof values.name === 'string' ? values.name : undefined });
    case 'backup':
      return runBackupCommand(positionals.slice(1));
    case 'serve':
      return serve();
    case 'migrate':
      return runMigrations();
    case 'rotate-keys':
      return rotateKeys();
    case 'help':
    case '--help':
      console.log(USAGE);
      return 0;
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

async function serve(): Promise<number> {
  const server = await startPassdrop({ env: process.env });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const timer = setTimeout(() => {
      server.logger.error('in-flight requests did not finish in time; exiting anyway');
      process.exit(1);
    }, server.config.server.shutdownTimeoutMs);
    timer.unref();
    server.stop().then(
      () => {
        server.logger.info('stopped');
        server.logger.flush?.();
        process.exit(0);
      },
      (error: unknown) => {
        server.logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  return new Promise<number>(() => undefined);
}

async function runMigrations(): Promise<number> {
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
}

async function rotateKeys(): Promise<number> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) throw new StartupError(loaded.problems);
  const keys = resolveMasterKeys(loaded.config);
  if (!keys.ok) throw new StartupError(keys.problems);
  const database = openDatabase(loaded.config.database);
  try {
    await migrate(database);
    const store = createPushStore(database, { auditEventsPerPush: loaded.config.pushes.auditEventsPerPush });
    const pushSecrets = await store.rewrapEnvelopes((envelope, token, field) => rewrapEnvelope(envelope, keys.ring, { pushToken: token, field }));
    const totpSecrets = await createAccountStore(database).rewrapTotpEnvelopes((envelope, userId) =>
      rewrapEnvelope(envelope, keys.ring, totpEnvelopeContext(userId)),
    );
    const count = pushSecrets + totpSecrets;
    console.log(`Re-wrapped ${count} stored secrets under key ${keys.ring.current.id}. Previous keys can now be removed.`);
    return 0;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof StartupError) {
      console.error(error.message);
    } else {
      console.error('Passdrop failed:', error instanceof Error ? error.message : error);
    }
    process.exit(1);
  },
);

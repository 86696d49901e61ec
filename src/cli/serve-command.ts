import { startPassdrop } from '../server/start-passdrop.js';
import { parseCommandArguments, usageError, type ServerCommand } from './server-command.js';

const HELP = `Usage: passdrop-server serve

Runs the Passdrop server: applies pending database migrations, then listens on HOST:PORT (default
0.0.0.0:5100) until SIGTERM or SIGINT, after which in-flight requests get up to
PASSDROP_SHUTDOWN_TIMEOUT_SECONDS to finish. Logs are JSON lines on stdout.

Configuration comes from environment variables (or a JSON file named by PASSDROP_CONFIG); the README
lists them all. Passdrop refuses to start on any configuration problem and lists every one.`;

/** `passdrop-server serve`: the HTTP server, with a graceful shutdown on SIGTERM/SIGINT. */
export const serveCommand: ServerCommand = {
  summary: 'run the server (the default command)',
  help: HELP,
  async run(args) {
    const parsed = parseCommandArguments(args);
    if (parsed === 'help') return (console.log(HELP), 0);
    if ('error' in parsed) return usageError(parsed.error, HELP);
    if (parsed.positionals.length > 0) return usageError(`serve takes no arguments (got "${parsed.positionals.join(' ')}").`, HELP);
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
  },
};

#!/usr/bin/env node
/**
 * The `passdrop-server` program: runs and administers the server (`serve`, `migrate`, `rotate-keys`,
 * `admin …`). The end-user command line that pushes and opens secrets is `passdrop`, in packages/cli.
 */
import { StartupError } from '../server/start-passdrop.js';
import { adminCommand } from './admin-commands.js';
import { backupCommand } from './backup-command.js';
import { migrateCommand } from './migrate-command.js';
import { rotateKeysCommand } from './rotate-keys-command.js';
import { serveCommand } from './serve-command.js';
import { USAGE_EXIT_CODE, type ServerCommand } from './server-command.js';

/** The subcommands, in the order `--help` lists them. To add one: import it and add a line here. */
const COMMANDS: Readonly<Record<string, ServerCommand>> = {
  serve: serveCommand,
  migrate: migrateCommand,
  'rotate-keys': rotateKeysCommand,
  backup: backupCommand,
  admin: adminCommand,
};

const DEFAULT_COMMAND = 'serve';

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`);
  return `Usage: passdrop-server [COMMAND] [OPTIONS]

Runs and administers a Passdrop server. Without a command, runs "${DEFAULT_COMMAND}".

Commands:
${lines.join('\n')}
  help [COMMAND]  show this text, or a command's help (same as COMMAND --help)

Options:
  -h, --help      show help
  -v, --version   print the version

Configuration comes from environment variables; see README.md. To push and open secrets from a
terminal, use the "passdrop" command line (packages/cli).`;
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) return COMMANDS[DEFAULT_COMMAND]!.run([]);
  if (first === '--help' || first === '-h') return (console.log(usage()), 0);
  if (first === '--version' || first === '-v') return (console.log(await serverVersion()), 0);
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) return (console.log(usage()), 0);
    const command = COMMANDS[topic];
    if (!command) return (console.error(`Unknown command "${topic}".\n\n${usage()}`), USAGE_EXIT_CODE);
    console.log(command.help);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!command) {
    console.error(`Unknown ${first.startsWith('-') ? 'option' : 'command'} "${first}".\n\n${usage()}`);
    return USAGE_EXIT_CODE;
  }
  return command.run(rest);
}

async function serverVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
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

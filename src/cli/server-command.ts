import { parseArgs, type ParseArgsConfig } from 'node:util';

/** One subcommand of `passdrop-server`: its one-line summary, its full help, and what it does. */
export interface ServerCommand {
  /** One line for the command list of `passdrop-server --help`. */
  readonly summary: string;
  /** The whole text `passdrop-server COMMAND --help` prints (usage line first). */
  readonly help: string;
  /** Runs with the words after the command name; resolves to the process exit code (0 ok, 1 failure, 2 usage). */
  run(args: string[]): Promise<number>;
}

/** Exit code of a command called the wrong way (unknown option, missing argument). */
export const USAGE_EXIT_CODE = 2;

export interface ParsedArguments {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: string[];
}

/**
 * Parses a subcommand's arguments strictly: an unknown option is a usage error, never ignored.
 * Returns `'help'` when `--help`/`-h` is among them, or `{ error }` with the parser's message.
 */
export function parseCommandArguments(args: string[], options: NonNullable<ParseArgsConfig['options']> = {}): ParsedArguments | 'help' | { error: string } {
  if (args.includes('--help') || args.includes('-h')) return 'help';
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as ParsedArguments['values'], positionals };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** Prints a usage problem and the command's help to stderr; returns the usage exit code. */
export function usageError(message: string, help: string): number {
  console.error(`${message}\n\n${help}`);
  return USAGE_EXIT_CODE;
}

/**
 * The `passdrop` command line (bundled into dist/passdrop.mjs by build-cli.mjs). Exit codes are in
 * exit-codes.ts and `passdrop --help`.
 */
import { CommanderError } from 'commander';
import { buildProgram } from './cli-program.js';
import { CliError, EXIT } from './exit-codes.js';

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length === 0) {
    process.stderr.write(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    // Commander has already printed its message (or the help, or the version).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof CliError) {
      process.stderr.write(`passdrop: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`passdrop: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failure;
  }
}

let settled = false;
// A prompt whose terminal input ends (the terminal closed) never answers: stop as interrupted.
process.on('beforeExit', () => {
  if (settled) return;
  process.stderr.write('passdrop: the terminal closed before the question was answered.\n');
  process.exit(EXIT.interrupted);
});
void main(process.argv.slice(2)).then((code) => {
  settled = true;
  // Exit once stdout has taken everything (a secret piped to a slow reader must not be cut), even if
  // a prompt left the terminal's input open.
  process.stdout.write('', () => process.exit(code));
});

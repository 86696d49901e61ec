import { CliError, EXIT } from './exit-codes.js';
import { askHidden, openTerminal, type Terminal } from './terminal-prompts.js';

/**
 * A new passphrase (for a push, or for a request's responders): PASSDROP_PASSPHRASE, else asked twice
 * on the terminal (hidden) until both agree. Never from the command line.
 *
 * @param forWhom who will have to type it, for the prompt ("the recipient", "responders").
 */
export async function newPassphrase(forWhom: string): Promise<string> {
  const fromEnv = process.env.PASSDROP_PASSPHRASE;
  if (fromEnv) return fromEnv;
  const terminal = openTerminal();
  if (!terminal) throw new CliError('--passphrase needs a terminal to ask it, or the PASSDROP_PASSPHRASE environment variable.', EXIT.usage);
  try {
    for (;;) {
      const first = await askHidden(terminal, `Passphrase for ${forWhom} (hidden)`);
      const second = await askHidden(terminal, 'The same passphrase again');
      if (first === second) return first;
      terminal.output.write('The two passphrases differ; once more.\n');
    }
  } finally {
    terminal.close();
  }
}

/**
 * A passphrase someone gave you: PASSDROP_PASSPHRASE on the first attempt (a wrong one there is final),
 * else a hidden prompt on `terminal`. `attempt` counts from 1; a later attempt says the previous was wrong.
 *
 * @throws CliError (exit 4) when there is no terminal to ask, or the environment's passphrase was wrong.
 */
export async function knownPassphrase(attempt: number, terminal: () => Terminal | undefined, what: string): Promise<string> {
  const fromEnv = process.env.PASSDROP_PASSPHRASE;
  if (fromEnv) {
    if (attempt > 1) throw new CliError('The passphrase in PASSDROP_PASSPHRASE is wrong.', EXIT.auth);
    return fromEnv;
  }
  const tty = terminal();
  if (!tty) throw new CliError(`${what} needs its passphrase: set PASSDROP_PASSPHRASE, or run this in a terminal.`, EXIT.auth);
  return askHidden(tty, attempt > 1 ? 'That passphrase is wrong. Passphrase (hidden)' : 'Passphrase (hidden)');
}

import { CliError, EXIT } from '../exit-codes.js';
import { downloadFiles } from '../file-transfer.js';
import { relativeTime, utcTime } from '../expiry-summary.js';
import type { OpenPrompts } from '../push-server.js';
import { connectForPush, notice, type ServerOptions } from '../server-selection.js';
import { askHidden, askYesNo, openTerminal, withTerminal, type Terminal } from '../terminal-prompts.js';

/**
 * The link when it is not an argument: the first line of stdin, or a hidden prompt at a terminal.
 * This keeps its key out of `ps`, /proc and shell history.
 */
async function readLink(): Promise<string> {
  if (process.stdin.isTTY) {
    const terminal = openTerminal();
    if (!terminal) throw new CliError('No link: give it as an argument or on stdin.', EXIT.usage);
    try {
      return (await askHidden(terminal, 'Secret link (hidden)')).trim();
    } finally {
      terminal.close();
    }
  }
  let text = '';
  for await (const chunk of process.stdin) {
    text += (chunk as Buffer).toString('utf8');
    if (text.includes('\n')) break;
  }
  const line = text.split('\n', 1)[0]!.trim();
  if (!line) throw new CliError('No link: give it as an argument or on stdin.', EXIT.usage);
  return line;
}

export interface GetOptions extends ServerOptions {
  readonly yes?: boolean;
  /** File pushes: where to save the files. */
  readonly output?: string;
}

/** The prompts of `get`: passphrase from PASSDROP_PASSPHRASE or the terminal; the last view confirmed unless --yes. */
function openPrompts(options: GetOptions, terminal: () => Terminal | undefined): OpenPrompts {
  return {
    async passphrase(attempt) {
      const fromEnv = process.env.PASSDROP_PASSPHRASE;
      if (fromEnv) {
        if (attempt > 1) throw new CliError('The passphrase in PASSDROP_PASSPHRASE is wrong.', EXIT.auth);
        return fromEnv;
      }
      const tty = terminal();
      if (!tty) throw new CliError('This push needs its passphrase: set PASSDROP_PASSPHRASE, or run passdrop get in a terminal.', EXIT.auth);
      return askHidden(tty, attempt > 1 ? 'That passphrase is wrong. Passphrase (hidden)' : 'Passphrase (hidden)');
    },
    async confirmView(viewsRemaining) {
      if (options.yes) return;
      const lastView = viewsRemaining !== undefined;
      const tty = terminal();
      if (!tty) {
        throw new CliError(
          lastView
            ? 'This is the last view: opening it deletes the secret. Run in a terminal to confirm, or pass --yes.'
            : 'Opening uses a view and this server cannot say whether it is the last. Run in a terminal to confirm, or pass --yes.',
          EXIT.confirmationNeeded,
        );
      }
      const question = lastView
        ? 'This is the last view: the secret is deleted once opened. Open it now?'
        : 'Opening uses a view, and this server cannot say whether it is the last. Open it now?';
      if (!(await askYesNo(tty, question))) throw new CliError('Not opened: the view was not used.', EXIT.confirmationNeeded);
    },
  };
}

/**
 * `passdrop get LINK`: opens a push (decrypting an end-to-end one here with the key from the link)
 * and writes its payload to stdout exactly, byte for byte, with nothing added.
 */
export async function getCommand(linkArgument: string | undefined, options: GetOptions): Promise<void> {
  const linkText = linkArgument ?? (await readLink());
  const { server, link } = await connectForPush(linkText, options);
  // The terminal is opened only if a prompt is needed, once.
  await withTerminal(async (terminal) => {
    const push = await server.open(link, openPrompts(options, terminal));
    if (push.files) {
      // A file push: the files go to the directory, their paths to stdout (one a line), the message to stderr.
      if (push.payload.length > 0) notice(`Message: ${new TextDecoder().decode(push.payload)}`);
      const written = await downloadFiles(push.files.list, push.files.fileRoot, options.output ?? '.');
      for (const path of written) process.stdout.write(`${path}\n`);
      notice(`Saved ${written.length} file${written.length === 1 ? '' : 's'}${push.files.fileRoot ? ', decrypted here and checked' : ''}.`);
    } else {
      process.stdout.write(push.payload);
      // Keep the shell prompt off the secret's last line without adding a byte to stdout.
      if (process.stdout.isTTY && push.payload.at(-1) !== 0x0a) process.stderr.write('\n');
    }
    if (push.expired || push.viewsRemaining === 0) {
      notice('That was the last view: the secret is now deleted.');
    } else if (push.viewsRemaining !== undefined) {
      const until = push.expiresAt ? ` until ${utcTime(push.expiresAt)} (${relativeTime(push.expiresAt, Date.now())})` : '';
      notice(`${push.viewsRemaining} view${push.viewsRemaining === 1 ? '' : 's'} left${until}.`);
    }
  });
}

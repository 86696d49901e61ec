import { readFile } from 'node:fs/promises';
import { CliError, EXIT } from './exit-codes.js';
import { askHidden, openTerminal } from './terminal-prompts.js';

/** Where the secret came from, for messages. */
export type SecretSource = 'file' | 'stdin' | 'prompt';

/**
 * Reads the secret to push, exactly as given (no newline or whitespace is added or removed):
 * from `--file PATH`, from stdin when it is not a terminal, or from a hidden prompt when it is.
 * Never from the command line, where `ps`, /proc and shell history would see it.
 */
export async function readSecret(file: string | undefined): Promise<{ bytes: Uint8Array; source: SecretSource }> {
  if (file !== undefined) {
    try {
      return { bytes: new Uint8Array(await readFile(file)), source: 'file' };
    } catch (error) {
      throw new CliError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`, EXIT.usage);
    }
  }
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return { bytes: new Uint8Array(Buffer.concat(chunks)), source: 'stdin' };
  }
  const terminal = openTerminal();
  if (!terminal) throw new CliError('No secret: pipe it on stdin or use --file PATH.', EXIT.usage);
  try {
    return { bytes: new TextEncoder().encode(await askHidden(terminal, 'Secret (hidden; for several lines use stdin or --file)')), source: 'prompt' };
  } finally {
    terminal.close();
  }
}
